//! Gap-aware time-series operators and unit transforms on a [`Panel`].
//!
//! A lag looks up the row of the same unit at exactly `t − k`; across a missing period the
//! result is missing (NaN), never the value of the wrong period.

use super::Panel;
use crate::error::{Error, Result};

impl Panel {
    /// `x` at `t − k` within each unit (negative `k` is a lead); NaN where that period is absent.
    pub fn lag(&self, x: &[f64], k: i64) -> Vec<f64> {
        let unit = self.unit_ids();
        let time = self.times();
        (0..self.nrows())
            .map(|r| {
                // Rows are sorted by time within a unit: the period t − k is usually k rows
                // away (no gap); otherwise search the unit's block.
                let want = time[r] - k;
                let near = r as i64 - k;
                if near >= 0 && (near as usize) < time.len() {
                    let s = near as usize;
                    if unit[s] == unit[r] && time[s] == want {
                        return x[s];
                    }
                }
                match self.row_of(unit[r], want) {
                    Some(s) => x[s],
                    None => f64::NAN,
                }
            })
            .collect()
    }

    /// `x` at `t + k` within each unit; NaN where that period is absent.
    pub fn lead(&self, x: &[f64], k: i64) -> Vec<f64> {
        self.lag(x, -k)
    }

    /// `x_t − x_{t−k}` within each unit; NaN where either is missing or absent.
    pub fn diff(&self, x: &[f64], k: i64) -> Vec<f64> {
        self.lag(x, k).iter().zip(x).map(|(l, v)| v - l).collect()
    }

    /// A numeric column per inhabitant: `x / population`.
    pub fn per_capita(&self, x: &str, population: &str) -> Result<Vec<f64>> {
        let v = self.require_num(x)?;
        let p = self.require_num(population)?;
        Ok(v.iter()
            .zip(p)
            .map(|(a, b)| if *b > 0.0 { a / b } else { f64::NAN })
            .collect())
    }

    /// A current-price column in fixed prices of `base_year`: `x × index(base) / index(t)`,
    /// with the index of the same unit in the base period (it usually is national). Rows of a
    /// unit without a finite index in the base period are missing (NaN) and the unit is
    /// listed; an error when no unit has it (a base period outside the panel).
    pub fn fixed_prices(&self, x: &str, index: &str, base_year: i64) -> Result<FixedPrices> {
        let v = self.require_num(x)?;
        let p = self.require_num(index)?;
        let labels = self.unit_labels();
        let base: Vec<Option<f64>> = (0..labels.len())
            .map(|u| {
                self.row_of(u, base_year)
                    .map(|s| p[s])
                    .filter(|b| b.is_finite())
            })
            .collect();
        if base.iter().all(Option::is_none) {
            return Err(Error::Data(format!(
                "price index '{index}' is not observed in base year {base_year} for any unit"
            )));
        }
        let values = self
            .unit_ids()
            .iter()
            .enumerate()
            .map(|(r, &u)| base[u].map_or(f64::NAN, |b| v[r] * b / p[r]))
            .collect();
        let units_without_base = (0..labels.len())
            .filter(|&u| base[u].is_none())
            .map(|u| labels[u].clone())
            .collect();
        Ok(FixedPrices {
            values,
            units_without_base,
        })
    }
}

/// A column in fixed prices, and the units it could not be computed for.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedPrices {
    /// One value per row (NaN for the rows of `units_without_base`).
    pub values: Vec<f64>,
    /// Labels of the units without a finite index in the base period, in unit order.
    pub units_without_base: Vec<String>,
}

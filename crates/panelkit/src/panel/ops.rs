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
            .map(|r| match self.row_of(unit[r], time[r] - k) {
                Some(s) => x[s],
                None => f64::NAN,
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

    /// A current-price column in fixed prices of `base_year`: `x × index(base) / index(t)`.
    /// The index must be observed in the base year for the unit (it usually is national).
    pub fn fixed_prices(&self, x: &str, index: &str, base_year: i64) -> Result<Vec<f64>> {
        let v = self.require_num(x)?;
        let p = self.require_num(index)?;
        let unit = self.unit_ids();
        let mut out = Vec::with_capacity(self.nrows());
        for r in 0..self.nrows() {
            let base = self
                .row_of(unit[r], base_year)
                .map(|s| p[s])
                .filter(|b| b.is_finite());
            let base = match base {
                Some(b) => b,
                None => {
                    return Err(Error::Data(format!(
                    "price index '{index}' is not observed in base year {base_year} for unit {}",
                    self.unit_labels()[unit[r]]
                )))
                }
            };
            out.push(v[r] * base / p[r]);
        }
        Ok(out)
    }
}

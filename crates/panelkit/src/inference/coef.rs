//! Coefficient tables and linear combinations at any confidence level.

use super::hypothesis::parse_lincom;
use super::vcov::{Vcov, VcovSpec};
use super::wald::WaldTest;
use crate::error::{Error, Result};
use crate::estimators::Fit;
use ndarray::Array1;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// One row of a coefficient table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CoefRow {
    /// The coefficient's name (or the linear combination, e.g. `a + 2*b`).
    pub term: String,
    /// The estimate.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
    /// estimate / std_error.
    pub statistic: f64,
    /// Two-sided p-value (t with the covariance's df, else normal).
    pub p_value: f64,
    /// Lower confidence limit at the table's level.
    pub conf_low: f64,
    /// Upper confidence limit at the table's level.
    pub conf_high: f64,
    /// Why the standard error, statistic or p-value is not a finite number (absent when all
    /// are), so that a NaN is never shown without its cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nan_reason: Option<String>,
}

/// Why a row's standard error, statistic or p-value is not finite, from its estimate and
/// standard error; `None` when they all are.
pub fn nan_reason(estimate: f64, std_error: f64, statistic: f64, p_value: f64) -> Option<String> {
    let reason = if !estimate.is_finite() {
        "the estimate is not finite"
    } else if std_error.is_nan() {
        "the variance estimate is negative or undefined (a covariance that is not positive \
         semi-definite, e.g. two-way clustering, or one computed from non-finite values)"
    } else if std_error == 0.0 && estimate == 0.0 {
        "estimate and standard error are both 0, so the statistic is 0/0: the model fits the \
         response exactly (e.g. an all-zero response)"
    } else if std_error == 0.0 {
        "the standard error is 0 (zero residual variance: the model fits the response exactly), \
         so the statistic is infinite"
    } else if std_error.is_infinite() {
        "the standard error is infinite"
    } else if statistic.is_finite() && p_value.is_finite() {
        return None;
    } else {
        "the statistic's distribution is undefined for these degrees of freedom"
    };
    Some(reason.to_string())
}

/// Checks a confidence level: strictly between 0 and 1.
pub(crate) fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "confidence level must be strictly between 0 and 1, got {level}"
        )))
    }
}

thread_local! {
    /// The last t quantile computed, by (df, probability) bits: a table of coefficients
    /// shares one df and level, and the inverse incomplete beta is the costly step.
    static LAST_T_QUANTILE: std::cell::Cell<(u64, u64, f64)> =
        const { std::cell::Cell::new((u64::MAX, u64::MAX, f64::NAN)) };
}

/// The `q` quantile of `t` (df `d`), remembered for the next call with the same df and `q`.
fn t_quantile(t: &StudentsT, d: f64, q: f64) -> f64 {
    let key = (d.to_bits(), q.to_bits());
    LAST_T_QUANTILE.with(|last| {
        let (kd, kq, v) = last.get();
        if (kd, kq) == key {
            return v;
        }
        let v = t.inverse_cdf(q);
        last.set((key.0, key.1, v));
        v
    })
}

/// Two-sided p-value and the (1+level)/2 quantile for t(df) or the normal.
pub fn p_and_quantile(stat: f64, df: Option<f64>, level: f64) -> (f64, f64) {
    let q = (1.0 + level) / 2.0;
    match df {
        Some(d) if d.is_finite() && d > 0.0 => match StudentsT::new(0.0, 1.0, d) {
            Ok(t) => (2.0 * crate::dist::sf(&t, stat.abs()), t_quantile(&t, d, q)),
            Err(_) => (f64::NAN, f64::NAN),
        },
        _ => {
            let n = Normal::new(0.0, 1.0).expect("standard normal");
            (2.0 * crate::dist::sf(&n, stat.abs()), n.inverse_cdf(q))
        }
    }
}

impl CoefRow {
    /// A row from an estimate and its standard error, at confidence `level`.
    pub fn new(term: String, estimate: f64, std_error: f64, df: Option<f64>, level: f64) -> Self {
        let statistic = estimate / std_error;
        let (p_value, q) = p_and_quantile(statistic, df, level);
        CoefRow {
            term,
            estimate,
            std_error,
            statistic,
            p_value,
            conf_low: estimate - q * std_error,
            conf_high: estimate + q * std_error,
            nan_reason: nan_reason(estimate, std_error, statistic, p_value),
        }
    }
}

/// A coefficient table: rows in formula order (intercept first), the covariance used, the
/// confidence level, and any linear combinations and Wald test asked for.
#[derive(Debug, Clone)]
pub struct CoefTable {
    /// One row per coefficient.
    pub rows: Vec<CoefRow>,
    /// Linear combinations requested with [`CoefTable::add_lincom`].
    pub lincoms: Vec<CoefRow>,
    /// The joint Wald test requested with [`CoefTable::set_wald`].
    pub wald: Option<WaldTest>,
    /// The covariance behind the standard errors.
    pub vcov: Vcov,
    /// The confidence level of the intervals.
    pub level: f64,
}

impl CoefTable {
    /// Builds the table for `fit` under covariance `v` at confidence `level`.
    pub fn new(fit: &Fit, v: Vcov, level: f64) -> Self {
        let rows = fit
            .terms()
            .iter()
            .enumerate()
            .map(|(j, t)| {
                CoefRow::new(
                    t.clone(),
                    fit.coefficients()[j],
                    v.matrix[[j, j]].sqrt(),
                    v.df,
                    level,
                )
            })
            .collect();
        CoefTable {
            rows,
            lincoms: Vec::new(),
            wald: None,
            vcov: v,
            level,
        }
    }

    /// Adds the linear combination Σ a_j β_j (same covariance, df and level as the table).
    pub fn add_lincom(&mut self, fit: &Fit, weights: &[(&str, f64)]) -> Result<()> {
        let row = fit.lincom(weights, &self.vcov, self.level)?;
        self.lincoms.push(row);
        Ok(())
    }

    /// Adds a linear combination written as text, e.g. `"l(x, 0) + l(x, 1)"` or
    /// `"2*a - b"` (see [`parse_lincom`]).
    pub fn add_lincom_text(&mut self, fit: &Fit, text: &str) -> Result<()> {
        let terms = parse_lincom(text)?;
        let refs: Vec<(&str, f64)> = terms.iter().map(|(t, w)| (t.as_str(), *w)).collect();
        self.add_lincom(fit, &refs)
    }

    /// Records a joint Wald test, shown with the table.
    pub fn set_wald(&mut self, test: WaldTest) {
        self.wald = Some(test);
    }
}

impl Fit {
    /// The coefficient table under `spec` at confidence `level` (e.g. 0.95).
    pub fn coef_table(&self, spec: &VcovSpec, level: f64) -> Result<CoefTable> {
        check_level(level)?;
        let v = self.vcov(spec)?;
        Ok(CoefTable::new(self, v, level))
    }

    /// A linear combination Σ a_j β_j of named coefficients under covariance `v`, with a
    /// confidence interval at `level`. Names are matched ignoring spacing; the row is labelled
    /// with the fit's own names.
    pub fn lincom(&self, weights: &[(&str, f64)], v: &Vcov, level: f64) -> Result<CoefRow> {
        check_level(level)?;
        let mut a = Array1::<f64>::zeros(self.k());
        let mut label = Vec::new();
        for (name, w) in weights {
            let j = self.term_index(name).ok_or_else(|| {
                Error::Usage(format!(
                    "lincom: no coefficient '{name}' (coefficients: {})",
                    self.terms().join(", ")
                ))
            })?;
            a[j] += w;
            let name = &self.terms()[j];
            label.push(if *w == 1.0 {
                name.to_string()
            } else {
                format!("{w}*{name}")
            });
        }
        if weights.is_empty() {
            return Err(Error::Usage("lincom: no terms given".into()));
        }
        let est: f64 = a.iter().zip(self.coefficients()).map(|(x, y)| x * y).sum();
        let se = a.dot(&v.matrix.dot(&a)).sqrt();
        Ok(CoefRow::new(label.join(" + "), est, se, v.df, level))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::{estimate, EstimateOptions, Model};
    use crate::formula::Formula;
    use crate::inference::kind::VcovKind;
    use crate::inference::ssc::Ssc;

    fn grunfeld_within() -> Fit {
        let p =
            crate::panel::io::read_csv(&crate::testdata::reference("grunfeld.csv"), "firm", "year")
                .unwrap();
        let f = Formula::parse("inv ~ value + capital").unwrap();
        estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap()
    }

    #[test]
    fn lincom_is_a_prime_b_with_sqrt_a_prime_v_a() {
        let fit = grunfeld_within();
        let spec = VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::fixest());
        let v = fit.vcov(&spec).unwrap();
        let l = fit
            .lincom(&[("value", 2.0), ("capital", -1.0)], &v, 0.95)
            .unwrap();
        let (b, m) = (fit.coefficients(), &v.matrix);
        assert!((l.estimate - (2.0 * b[0] - b[1])).abs() < 1e-14);
        let var = 4.0 * m[[0, 0]] + m[[1, 1]] - 4.0 * m[[0, 1]];
        assert!((l.std_error - var.sqrt()).abs() < 1e-14);
        // t(G − 1) = t(9) inference, as the table's rows.
        let (p, q) = p_and_quantile(l.statistic, Some(9.0), 0.95);
        assert!((l.p_value - p).abs() < 1e-15);
        assert!((l.conf_high - l.estimate - q * l.std_error).abs() < 1e-12);
        let single = fit.lincom(&[("capital", 1.0)], &v, 0.95).unwrap();
        let table = CoefTable::new(&fit, v.clone(), 0.95);
        assert_eq!(single.std_error, table.rows[1].std_error);
        assert_eq!(single.p_value, table.rows[1].p_value);
        assert!(fit.lincom(&[("nope", 1.0)], &v, 0.95).is_err());
        assert!(fit.lincom(&[], &v, 0.95).is_err());
    }

    #[test]
    fn any_level_and_text_combinations() {
        let fit = grunfeld_within();
        let v = fit.vcov(&VcovSpec::new(VcovKind::Cluster)).unwrap();
        let t90 = fit
            .coef_table(&VcovSpec::new(VcovKind::Cluster), 0.90)
            .unwrap();
        let t95 = CoefTable::new(&fit, v.clone(), 0.95);
        let (r90, r95) = (&t90.rows[0], &t95.rows[0]);
        assert_eq!(r90.std_error, r95.std_error);
        assert!(r90.conf_high - r90.conf_low < r95.conf_high - r95.conf_low);
        let (_, q) = p_and_quantile(0.0, v.df, 0.90);
        assert!((r90.conf_high - r90.estimate - q * r90.std_error).abs() < 1e-12);
        assert!(fit
            .coef_table(&VcovSpec::new(VcovKind::Cluster), 1.0)
            .is_err());
        let mut t = t90.clone();
        t.add_lincom_text(&fit, "2*value -capital").unwrap();
        let l = fit
            .lincom(&[("value", 2.0), ("capital", -1.0)], &v, 0.90)
            .unwrap();
        assert_eq!(t.lincoms[0], l);
        assert_eq!(l.term, "2*value + -1*capital");
    }
}

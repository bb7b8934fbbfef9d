//! Joint Wald tests of linear restrictions R β = r under any covariance.

use super::hypothesis::LinearHypothesis;
use super::vcov::Vcov;
use crate::error::{Error, Result};
use crate::estimators::Fit;
use crate::linalg::inv_sym;
use ndarray::{Array1, Array2};
use statrs::distribution::{ChiSquared, FisherSnedecor};

/// The form of a Wald test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaldForm {
    /// F = W/q on (q, df2) degrees of freedom, df2 the covariance's t df (χ²(q)/q when the
    /// covariance uses the normal distribution), as `car::linearHypothesis(test = "F")`.
    F,
    /// W on χ²(q), as `car::linearHypothesis(test = "Chisq")`.
    Chi2,
}

impl WaldForm {
    /// F when the covariance has t degrees of freedom, χ² under normal inference — the
    /// joint counterpart of the table's t or z tests.
    pub fn matching(v: &Vcov) -> WaldForm {
        if v.df.is_some() {
            WaldForm::F
        } else {
            WaldForm::Chi2
        }
    }
}

/// A Wald test result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WaldTest {
    /// The hypothesis as written.
    #[serde(skip)]
    pub hypothesis: String,
    /// The statistic: W/q (F) or W (χ²), W = (Rβ − r)'(R V R')⁻¹(Rβ − r).
    pub stat: f64,
    /// Numerator degrees of freedom q (the number of restrictions).
    pub df1: f64,
    /// Denominator degrees of freedom (F with t df only).
    pub df2: Option<f64>,
    /// The p-value.
    pub p_value: f64,
    /// "F" or "chi2".
    pub distribution: &'static str,
    /// Why the statistic or p-value is not a finite number (absent when both are).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nan_reason: Option<String>,
}

/// The Wald test of R β = r for coefficients `beta` with covariance `v` (plain arrays);
/// `df2` is the denominator df of the F form (`None`: χ²(q)/q).
pub fn wald_test(
    beta: &[f64],
    v: &Array2<f64>,
    r_mat: &Array2<f64>,
    r: &Array1<f64>,
    form: WaldForm,
    df2: Option<f64>,
) -> Result<WaldTest> {
    let q = r_mat.nrows();
    if q == 0 || r_mat.ncols() != beta.len() || r.len() != q {
        return Err(Error::Usage(format!(
            "Wald test: R is {}×{}, r has {} entries, β has {}",
            q,
            r_mat.ncols(),
            r.len(),
            beta.len()
        )));
    }
    let d = r_mat.dot(&Array1::from(beta.to_vec())) - r;
    let m = r_mat.dot(v).dot(&r_mat.t());
    let w = d.dot(&inv_sym(&m)?.dot(&d));
    let qf = q as f64;
    let chi2 = ChiSquared::new(qf).map_err(|e| Error::Numeric(format!("χ²({qf}): {e}")))?;
    let mut test = match (form, df2) {
        (WaldForm::F, Some(d2)) => {
            let f = FisherSnedecor::new(qf, d2)
                .map_err(|e| Error::Numeric(format!("F({qf}, {d2}): {e}")))?;
            WaldTest {
                hypothesis: String::new(),
                stat: w / qf,
                df1: qf,
                df2: Some(d2),
                p_value: crate::dist::sf(&f, w / qf),
                distribution: "F",
                nan_reason: None,
            }
        }
        (WaldForm::F, None) => WaldTest {
            hypothesis: String::new(),
            stat: w / qf,
            df1: qf,
            df2: None,
            p_value: crate::dist::sf(&chi2, w),
            distribution: "F",
            nan_reason: None,
        },
        (WaldForm::Chi2, _) => WaldTest {
            hypothesis: String::new(),
            stat: w,
            df1: qf,
            df2: None,
            p_value: crate::dist::sf(&chi2, w),
            distribution: "chi2",
            nan_reason: None,
        },
    };
    test.nan_reason = super::spectests::test_nan_reason(test.stat, test.p_value);
    Ok(test)
}

impl Fit {
    /// The joint Wald test of `hypothesis` under covariance `v` (F on (q, t df of `v`), or χ²).
    pub fn wald(
        &self,
        hypothesis: &LinearHypothesis,
        v: &Vcov,
        form: WaldForm,
    ) -> Result<WaldTest> {
        let (r_mat, r) = hypothesis.matrices(self)?;
        let mut t = wald_test(self.coefficients(), &v.matrix, &r_mat, &r, form, v.df)?;
        t.hypothesis = hypothesis.text().to_string();
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn wald_on_arrays_matches_closed_forms() {
        // β = (1, 2), V = I, H0: β = 0 → W = 5; χ²(2) sf(x) = e^{−x/2}; F(2, d) sf(x) =
        // (1 + 2x/d)^{−d/2}.
        let (b, v) = ([1.0, 2.0], Array2::<f64>::eye(2));
        let (r_mat, r) = (Array2::<f64>::eye(2), array![0.0, 0.0]);
        let c = wald_test(&b, &v, &r_mat, &r, WaldForm::Chi2, Some(10.0)).unwrap();
        assert_eq!(
            (c.stat, c.df1, c.df2, c.distribution),
            (5.0, 2.0, None, "chi2")
        );
        assert!((c.p_value - (-2.5f64).exp()).abs() < 1e-14);
        let f = wald_test(&b, &v, &r_mat, &r, WaldForm::F, Some(10.0)).unwrap();
        assert_eq!((f.stat, f.df2, f.distribution), (2.5, Some(10.0), "F"));
        assert!((f.p_value - 1.5f64.powi(-5)).abs() < 1e-12);
        // F without t df: χ²(q)/q.
        let z = wald_test(&b, &v, &r_mat, &r, WaldForm::F, None).unwrap();
        assert_eq!((z.stat, z.df2), (2.5, None));
        assert_eq!(z.p_value, c.p_value);
        // One restriction 2β₁ − β₂ = 1 with a correlated V: W = d²/(a'Va).
        let v = array![[2.0, 0.5], [0.5, 1.0]];
        let w = wald_test(
            &b,
            &v,
            &array![[2.0, -1.0]],
            &array![1.0],
            WaldForm::Chi2,
            None,
        )
        .unwrap();
        let (d, ava) = (2.0 * 1.0 - 2.0 - 1.0, 4.0 * 2.0 + 1.0 - 2.0 * 2.0 * 0.5);
        assert!((w.stat - d * d / ava).abs() < 1e-14);
        assert!(wald_test(
            &b,
            &v,
            &array![[1.0, 0.0, 0.0]],
            &array![0.0],
            WaldForm::F,
            None
        )
        .is_err());
    }
}

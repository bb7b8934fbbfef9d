//! Specification tests on fitted panel models (plm's definitions).

use super::covariance::{cluster_meat, coef_scores};
use super::kind::{ClusterBy, Recipe, VcovKind};
use super::ssc::{factors, Counts, Ssc};
use super::vcov::VcovSpec;
use crate::error::{Error, Result};
use crate::estimators::{estimate, estimate_models, EstimateOptions, Fit, Model, INTERCEPT};
use crate::formula::Formula;
use crate::linalg::{inv_sym, Qr};
use crate::panel::Panel;
use ndarray::{Array1, Array2};
use statrs::distribution::{ChiSquared, FisherSnedecor, Normal};
use std::collections::BTreeMap;

/// A test statistic with its degrees of freedom and p-value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// The test statistic.
    pub statistic: f64,
    /// Degrees of freedom: `[df]` for χ², `[df1, df2]` for F, empty for the normal.
    pub df: Vec<f64>,
    /// The p-value.
    pub p_value: f64,
    /// Why the statistic or p-value is not a finite number (absent when both are).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nan_reason: Option<String>,
}

/// Why a test's statistic or p-value is not finite; `None` when both are.
pub(crate) fn test_nan_reason(statistic: f64, p_value: f64) -> Option<String> {
    if statistic.is_finite() && p_value.is_finite() {
        None
    } else if statistic.is_infinite() {
        Some("the statistic is infinite: its variance (or residual sum of squares) is 0".into())
    } else {
        Some(
            "the statistic is undefined (0/0 or non-finite inputs): a variance or residual sum \
             of squares it divides by is 0, e.g. a response the model fits exactly"
                .into(),
        )
    }
}

impl TestResult {
    /// A test result, with the reason when the statistic or p-value is not finite.
    pub(crate) fn new(name: String, statistic: f64, df: Vec<f64>, p_value: f64) -> TestResult {
        TestResult {
            name,
            statistic,
            df,
            p_value,
            nan_reason: test_nan_reason(statistic, p_value),
        }
    }
}

fn f_test(name: &str, stat: f64, d1: f64, d2: f64) -> Result<TestResult> {
    let d = FisherSnedecor::new(d1, d2)
        .map_err(|e| Error::Numeric(format!("{name}: F({d1}, {d2}): {e}")))?;
    Ok(TestResult::new(
        name.into(),
        stat,
        vec![d1, d2],
        crate::dist::sf(&d, stat),
    ))
}

fn chi2_test(name: &str, stat: f64, df: f64) -> Result<TestResult> {
    let d = ChiSquared::new(df).map_err(|e| Error::Numeric(format!("{name}: χ²({df}): {e}")))?;
    Ok(TestResult::new(
        name.into(),
        stat,
        vec![df],
        crate::dist::sf(&d, stat),
    ))
}

fn require(fit: &Fit, m: Model, what: &str) -> Result<()> {
    if fit.model != m {
        return Err(Error::Usage(format!(
            "{what} needs a {} fit, got {}",
            m.name(),
            fit.model.name()
        )));
    }
    Ok(())
}

/// F test that the unit effects are jointly zero (plm `pFtest(within, pooling)`):
/// F = [(RSS_pooled − RSS_within)/(df_pooled − df_within)] / [RSS_within/df_within].
pub fn pftest(within: &Fit, pooled: &Fit) -> Result<TestResult> {
    require(pooled, Model::Pooled, "pFtest")?;
    let (dw, dp) = (within.df_resid() as f64, pooled.df_resid() as f64);
    let stat = ((pooled.rss - within.rss) / (dp - dw)) / (within.rss / dw);
    f_test("F test for individual effects", stat, dp - dw, dw)
}

/// Classic Hausman test (plm `phtest`): H = (b_W − b_R)'(V_W − V_R)⁻¹(b_W − b_R) over the
/// slopes both fits share, iid covariances of each fit; χ² with that many df. When V_W − V_R
/// is not positive definite the quadratic form can be negative: as plm, |H| is reported, and
/// the test's name says so (the test is then unreliable in that sample).
pub fn hausman(within: &Fit, random: &Fit) -> Result<TestResult> {
    require(random, Model::Random, "Hausman")?;
    let common: Vec<(usize, usize)> = within
        .terms
        .iter()
        .enumerate()
        .filter(|(_, t)| t.as_str() != INTERCEPT)
        .filter_map(|(i, t)| random.term_index(t).map(|j| (i, j)))
        .collect();
    if common.is_empty() {
        return Err(Error::Usage("Hausman: the fits share no slope".into()));
    }
    let spec = VcovSpec::new(VcovKind::Iid).with_ssc(Ssc::none());
    let (vw, vr) = (within.vcov(&spec)?.matrix, random.vcov(&spec)?.matrix);
    let m = common.len();
    let mut d = Array1::<f64>::zeros(m);
    let mut v = Array2::<f64>::zeros((m, m));
    for (a, &(i, j)) in common.iter().enumerate() {
        d[a] = within.coefficients[i] - random.coefficients[j];
        for (b, &(i2, j2)) in common.iter().enumerate() {
            v[[a, b]] = vw[[i, i2]] - vr[[j, j2]];
        }
    }
    let stat = d.dot(&inv_sym(&v)?.dot(&d));
    let name = if positive_definite(&v)? {
        "Hausman test".to_string()
    } else {
        "Hausman test (V_W − V_R is not positive definite: |H| reported, as plm)".to_string()
    };
    chi2_test(&name, stat.abs(), m as f64)
}

/// Whether a symmetric matrix has only positive eigenvalues.
fn positive_definite(v: &Array2<f64>) -> Result<bool> {
    use ndarray_linalg::{EigValsh, UPLO};
    let ev = v
        .eigvalsh(UPLO::Lower)
        .map_err(|e| Error::Numeric(format!("Hausman: eigenvalues of V_W − V_R: {e}")))?;
    Ok(ev.iter().all(|l| *l > 0.0))
}

/// Wooldridge's test for serial correlation in FE panels (plm `pwartest`): regress the
/// within residuals on their own lag with an intercept and test
/// the lag coefficient = −1/(T − 1) (T the number of periods) by an F(1, m − 2) test with
/// the cluster-by-unit (Arellano, HC0) covariance of that auxiliary regression, as plm does.
/// As in plm, the lag is the unit's previous observed row (on a panel with gaps it reaches
/// across the gap).
pub fn pwartest(within: &Fit) -> Result<TestResult> {
    require(within, Model::Within, "pwartest")?;
    let (mut e, mut el, mut g) = (Vec::new(), Vec::new(), Vec::new());
    let unit = within.ids.unit();
    for i in 1..within.n {
        if unit[i] == unit[i - 1] {
            e.push(within.resid[i]);
            el.push(within.resid[i - 1]);
            g.push(unit[i]);
        }
    }
    let m = e.len() as f64;
    if m < 3.0 {
        return Err(Error::Data(
            "pwartest: fewer than 3 lagged residual pairs".into(),
        ));
    }
    let (me, ml) = (e.iter().sum::<f64>() / m, el.iter().sum::<f64>() / m);
    let sxx: f64 = el.iter().map(|v| (v - ml).powi(2)).sum();
    let sxy: f64 = el.iter().zip(&e).map(|(x, y)| (x - ml) * (y - me)).sum();
    let b = sxy / sxx;
    let a = me - b * ml;
    // Bread (Z'Z)⁻¹ for Z = [1, lag]; meat Σ_g (Σ_{i∈g} z_i u_i)(…)'.
    let (s1, s2) = (m, el.iter().sum::<f64>());
    let s3: f64 = el.iter().map(|v| v * v).sum();
    let det = s1 * s3 - s2 * s2;
    let bread = [[s3 / det, -s2 / det], [-s2 / det, s1 / det]];
    let mut sums: BTreeMap<usize, [f64; 2]> = BTreeMap::new();
    for i in 0..e.len() {
        let u = e[i] - a - b * el[i];
        let s = sums.entry(g[i]).or_insert([0.0; 2]);
        s[0] += u;
        s[1] += el[i] * u;
    }
    let mut meat = [[0.0; 2]; 2];
    for s in sums.values() {
        for p in 0..2 {
            for q in 0..2 {
                meat[p][q] += s[p] * s[q];
            }
        }
    }
    // Row 1 of bread · meat · bread, column 1.
    let r = [bread[1][0], bread[1][1]];
    let var_b: f64 = (0..2)
        .flat_map(|p| (0..2).map(move |q| (p, q)))
        .map(|(p, q)| r[p] * meat[p][q] * r[q])
        .sum();
    let h0 = -1.0 / (within.n_times() as f64 - 1.0);
    let stat = (b - h0).powi(2) / var_b;
    f_test(
        "Wooldridge test for serial correlation in FE panels",
        stat,
        1.0,
        m - 2.0,
    )
}

/// Breusch–Pagan LM test for individual effects (plm `plmtest(type = "bp")`) on pooled OLS
/// residuals, unbalanced form: LM = n²/(2 Σ_i T_i(T_i − 1)) · [Σ_i (Σ_t e_it)²/Σ e² − 1]², χ²(1).
pub fn breusch_pagan(pooled: &Fit) -> Result<TestResult> {
    require(pooled, Model::Pooled, "plmtest")?;
    let unit = pooled.ids.unit();
    let mut s = vec![0.0; pooled.n_units()];
    let mut ti = vec![0.0; pooled.n_units()];
    for i in 0..pooled.n {
        s[unit[i]] += pooled.resid[i];
        ti[unit[i]] += 1.0;
    }
    let ee: f64 = pooled.resid.iter().map(|v| v * v).sum();
    let n = pooled.n as f64;
    let a: f64 = s.iter().map(|v| v * v).sum::<f64>() / ee - 1.0;
    let denom: f64 = ti.iter().map(|t| t * (t - 1.0)).sum();
    let stat = n * n / (2.0 * denom) * a * a;
    chi2_test("Breusch-Pagan LM test for individual effects", stat, 1.0)
}

/// Pesaran's CD test for cross-sectional dependence (plm `pcdtest(test = "cd")`):
/// CD = √(1/P) Σ_{i<j} √T_ij ρ_ij, ρ_ij the correlation of the residuals of units i and j
/// over their T_ij common periods; pairs sharing at most one period are skipped, and P counts
/// the pairs used (N(N − 1)/2 on a balanced panel), as plm; the name reports skipped pairs.
/// Two-sided normal p-value.
pub fn pesaran_cd(fit: &Fit) -> Result<TestResult> {
    let nu = fit.n_units();
    let (unit, time) = (fit.ids.unit(), fit.ids.time());
    let mut by_unit: Vec<BTreeMap<i64, f64>> = vec![BTreeMap::new(); nu];
    for i in 0..fit.n {
        by_unit[unit[i]].insert(time[i], fit.resid[i]);
    }
    let (mut sum, mut used, mut skipped) = (0.0, 0usize, 0usize);
    for i in 0..nu {
        for j in (i + 1)..nu {
            let common: Vec<(f64, f64)> = by_unit[i]
                .iter()
                .filter_map(|(t, a)| by_unit[j].get(t).map(|b| (*a, *b)))
                .collect();
            let t = common.len() as f64;
            if t < 2.0 {
                skipped += 1;
                continue;
            }
            used += 1;
            let ma = common.iter().map(|p| p.0).sum::<f64>() / t;
            let mb = common.iter().map(|p| p.1).sum::<f64>() / t;
            let sab: f64 = common.iter().map(|p| (p.0 - ma) * (p.1 - mb)).sum();
            let saa: f64 = common.iter().map(|p| (p.0 - ma).powi(2)).sum();
            let sbb: f64 = common.iter().map(|p| (p.1 - mb).powi(2)).sum();
            sum += t.sqrt() * sab / (saa * sbb).sqrt();
        }
    }
    if used == 0 {
        return Err(Error::Data(
            "Pesaran CD: no pair of units shares two or more periods".into(),
        ));
    }
    let stat = (1.0 / used as f64).sqrt() * sum;
    let norm = Normal::new(0.0, 1.0).expect("standard normal");
    let mut name = "Pesaran CD test for cross-sectional dependence".to_string();
    if skipped > 0 {
        name.push_str(&format!(
            " ({skipped} of {} unit pairs skipped: at most one common period)",
            used + skipped
        ));
    }
    Ok(TestResult::new(
        name,
        stat,
        vec![],
        2.0 * crate::dist::sf(&norm, stat.abs()),
    ))
}

/// Cluster-robust Hausman test by the auxiliary regression (Wooldridge 2010, §10.7.3; plm
/// `phtest(method = "aux", vcov = vcovHC)`): regress the random-effects quasi-demeaned
/// response on the quasi-demeaned design and the within-demeaned regressors, and test the
/// coefficients γ of the latter jointly zero by a Wald test with the cluster-by-unit
/// covariance: W = γ' V_γ⁻¹ γ ~ χ²(m). `ssc` scales V as for a pooled model: `stata` and
/// `fixest` by G/(G − 1)·(n − 1)/(n − K), the other presets plainly.
pub fn hausman_robust(panel: &Panel, formula: &Formula, ssc: Ssc) -> Result<TestResult> {
    let (gm, vg) = hausman_aux(panel, formula, ssc)?;
    let stat = gm.dot(&inv_sym(&vg)?.dot(&gm));
    chi2_test(
        "Cluster-robust Hausman test (auxiliary regression)",
        stat,
        gm.len() as f64,
    )
}

/// γ of the auxiliary regression and its cluster-robust covariance.
fn hausman_aux(panel: &Panel, formula: &Formula, ssc: Ssc) -> Result<(Array1<f64>, Array2<f64>)> {
    let opts = EstimateOptions::new(Model::Random);
    let fits = estimate_models(panel, formula, &opts, &[Model::Random, Model::Within])?;
    let (re, fe) = (&fits[0], &fits[1]);
    let n = re.n;
    let mut cols: Vec<Vec<f64>> = Vec::new();
    let mut refn = Vec::new();
    for x in [&re.x, &fe.x] {
        for c in x.columns() {
            refn.push(c.dot(&c).sqrt());
            cols.push(c.to_vec());
        }
    }
    let k_re = re.k;
    let qr = Qr::new(&cols, &refn);
    let beta = qr.solve(&re.y);
    let kept = qr.kept.clone();
    let gamma_pos: Vec<usize> = (0..kept.len()).filter(|&p| kept[p] >= k_re).collect();
    if gamma_pos.is_empty() {
        return Err(Error::Data(
            "robust Hausman: no time-varying regressor to compare".into(),
        ));
    }
    let k = kept.len();
    let mut x = Array2::<f64>::zeros((n, k));
    for (p, &j) in kept.iter().enumerate() {
        for i in 0..n {
            x[[i, p]] = cols[j][i];
        }
    }
    let resid: Vec<f64> = (0..n)
        .map(|i| re.y[i] - (0..k).map(|p| x[[i, p]] * beta[p]).sum::<f64>())
        .collect();
    let s = coef_scores(&qr.thin_q(), &qr.r_inv(), &resid);
    let (v, g) = cluster_meat(&s, re.ids.unit());
    // The auxiliary regression is pooled: nothing absorbed.
    let counts = Counts {
        n,
        k,
        k_fe: 0,
        n_units: re.n_units(),
        n_times: re.n_times(),
        rss: 0.0,
        absorbs_unit: false,
        absorbs_time: false,
        differenced: false,
    };
    let recipe = Recipe::Cluster(ClusterBy::Unit);
    let factor = factors(&ssc, recipe, &counts, Some(&[g])).factor;
    let v = v * factor;
    let m = gamma_pos.len();
    let mut vg = Array2::<f64>::zeros((m, m));
    let mut gm = Array1::<f64>::zeros(m);
    for (a, &p) in gamma_pos.iter().enumerate() {
        gm[a] = beta[p];
        for (b, &q) in gamma_pos.iter().enumerate() {
            vg[[a, b]] = v[[p, q]];
        }
    }
    Ok((gm, vg))
}

/// The standard battery on `formula` (unweighted, as plm): F test for unit effects, classic
/// and cluster-robust Hausman, Wooldridge serial correlation, Breusch–Pagan LM, Pesaran CD;
/// each test's name ends with the models it compares, e.g. `[within vs pooled]`.
pub fn standard_tests(panel: &Panel, formula: &Formula) -> Result<Vec<TestResult>> {
    let fit = |m| estimate(panel, formula, &EstimateOptions::new(m));
    let (w, p, r) = (
        fit(Model::Within)?,
        fit(Model::Pooled)?,
        fit(Model::Random)?,
    );
    let labelled = |t: Result<TestResult>, what: &str| -> Result<TestResult> {
        let mut t = t?;
        t.name = format!("{} [{what}]", t.name);
        Ok(t)
    };
    Ok(vec![
        labelled(pftest(&w, &p), "within vs pooled")?,
        labelled(hausman(&w, &r), "within vs random")?,
        labelled(
            hausman_robust(panel, formula, Ssc::none()),
            "within vs random, cluster-robust",
        )?,
        labelled(pwartest(&w), "within residuals")?,
        labelled(breusch_pagan(&p), "pooled residuals")?,
        labelled(pesaran_cd(&w), "within residuals")?,
    ])
}

/// The standard battery for a fitted model, refusing when it would test a different model:
/// the battery compares one-way unit-effects models fitted without weights (within, pooled,
/// random), so a two-way, time-effects, first-difference or between fit, or a weighted one,
/// is an error saying so.
pub fn standard_for(fit: &Fit, panel: &Panel, formula: &Formula) -> Result<Vec<TestResult>> {
    let one_way = matches!(fit.model, Model::Within | Model::Pooled | Model::Random);
    if !one_way || fit.sqrt_w.is_some() {
        return Err(Error::Usage(format!(
            "--tests: the specification tests compare unweighted one-way unit-effects models \
             (within vs pooled vs random, as plm's pFtest, phtest, pwartest, plmtest and \
             pcdtest); the fitted model is {}{}. Fit --model within (or pooled) without \
             --weights to run them",
            fit.model.name(),
            if fit.sqrt_w.is_some() {
                ", weighted"
            } else {
                ""
            }
        )));
    }
    standard_tests(panel, formula)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grunfeld: the classic Hausman statistic as plm's `phtest` (2.330367); the auxiliary
    /// γ equals b_within − b_between; the robust statistic is a χ²(2) and the `stata`
    /// preset divides it by exactly G/(G − 1)·(n − 1)/(n − K).
    #[test]
    fn robust_hausman_on_grunfeld() {
        let p =
            crate::panel::io::read_csv(&crate::testdata::reference("grunfeld.csv"), "firm", "year")
                .unwrap();
        let f = Formula::parse("inv ~ value + capital").unwrap();
        let r = hausman_robust(&p, &f, Ssc::none()).unwrap();
        assert_eq!(r.df, vec![2.0]);
        assert!(r.statistic.is_finite() && r.statistic > 0.0);
        let w = estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap();
        let re = estimate(&p, &f, &EstimateOptions::new(Model::Random)).unwrap();
        let classic = hausman(&w, &re).unwrap();
        assert!((classic.statistic - 2.33036689367544).abs() < 1e-6);
        // On a balanced panel the auxiliary γ is exactly b_within − b_between (Mundlak).
        let (gamma, _) = hausman_aux(&p, &f, Ssc::none()).unwrap();
        let b = estimate(&p, &f, &EstimateOptions::new(Model::Between)).unwrap();
        for (j, t) in ["value", "capital"].iter().enumerate() {
            let want = w.coef(t).unwrap() - b.coef(t).unwrap();
            assert!((gamma[j] - want).abs() < 1e-9 * want.abs(), "{t}");
        }
        let stata = hausman_robust(&p, &f, Ssc::stata()).unwrap();
        // The stata factor G/(G−1)(n−1)/(n−K) > 1 shrinks the Wald statistic by exactly it.
        let n = 200.0;
        let factor = 10.0 / 9.0 * (n - 1.0) / (n - 5.0);
        assert!((r.statistic / stata.statistic - factor).abs() < 1e-10);
        let all = standard_tests(&p, &f).unwrap();
        assert_eq!(all.len(), 6);
        assert!((all[0].statistic - 49.1766254994185).abs() < 1e-9);
        assert_eq!(all[3].df, vec![1.0, 188.0]);
    }
}

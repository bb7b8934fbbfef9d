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
    effects_f_test(within, pooled)
}

/// F test of the effects a fit absorbs beyond a nested restricted fit (plm `pFtest(full,
/// restricted)`): unit effects (within vs pooled), two-way effects (twoways vs pooled), time
/// effects (twoways vs within, or time-within vs pooled).
pub fn effects_f_test(full: &Fit, restricted: &Fit) -> Result<TestResult> {
    let what = match (full.model, restricted.model) {
        (Model::Within, Model::Pooled) => "individual",
        (Model::Twoways, Model::Pooled) => "twoways",
        (Model::Twoways, Model::Within) | (Model::WithinTime, Model::Pooled) => "time",
        (a, b) => {
            return Err(Error::Usage(format!(
                "pFtest: a {} fit does not nest a {} fit",
                a.name(),
                b.name()
            )))
        }
    };
    let (dw, dp) = (full.df_resid() as f64, restricted.df_resid() as f64);
    let stat = ((restricted.rss - full.rss) / (dp - dw)) / (full.rss / dw);
    f_test(&format!("F test for {what} effects"), stat, dp - dw, dw)
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
    crate::linalg::blas_single_thread();
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
/// across the gap); a two-way within fit is tested on its own residuals, as plm.
pub fn pwartest(within: &Fit) -> Result<TestResult> {
    if !matches!(within.model, Model::Within | Model::Twoways) {
        return Err(Error::Usage(format!(
            "pwartest needs a within or twoways fit, got {}",
            within.model.name()
        )));
    }
    let h0 = -1.0 / (within.n_times() as f64 - 1.0);
    ar1_test(
        "Wooldridge test for serial correlation in FE panels",
        &within.resid,
        within.ids.unit(),
        h0,
    )
}

/// The null of Wooldridge's first-difference test (plm `pwfdtest(h0 = ...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdNull {
    /// No serial correlation in the differenced errors (lag coefficient 0; plm `h0 = "fd"`).
    Differenced,
    /// No serial correlation in the original errors (lag coefficient −0.5; plm `h0 = "fe"`).
    Original,
}

/// Wooldridge's first-difference test for serial correlation (plm `pwfdtest`): regress the
/// FD residuals on their previous row within the unit, with an intercept, and test the lag
/// coefficient against 0 (`Differenced`) or −0.5 (`Original`) by F(1, m − 2) with the
/// Arellano (HC0, cluster by unit) covariance of the auxiliary regression.
pub fn pwfdtest(fd: &Fit, null: FdNull) -> Result<TestResult> {
    require(fd, Model::Fd, "pwfdtest")?;
    let (h0, errors) = match null {
        FdNull::Differenced => (0.0, "differenced"),
        FdNull::Original => (-0.5, "original"),
    };
    ar1_test(
        &format!(
            "Wooldridge first-difference test for serial correlation \
             (H0: no serial correlation in the {errors} errors)"
        ),
        &fd.resid,
        fd.ids.unit(),
        h0,
    )
}

/// The AR(1) auxiliary regression of pwartest and pwfdtest: e_i on [1, e_{i−1}] over rows
/// whose previous row is in the same unit; F = ((b − h0)/se_b)², se from the Arellano HC0
/// cluster-by-unit sandwich, on (1, m − 2) degrees of freedom.
fn ar1_test(name: &str, resid: &[f64], unit: &[usize], h0: f64) -> Result<TestResult> {
    let (mut e, mut el, mut g) = (Vec::new(), Vec::new(), Vec::new());
    for i in 1..resid.len() {
        if unit[i] == unit[i - 1] {
            e.push(resid[i]);
            el.push(resid[i - 1]);
            g.push(unit[i]);
        }
    }
    let m = e.len() as f64;
    if m < 3.0 {
        return Err(Error::Data(format!(
            "{name}: fewer than 3 lagged residual pairs"
        )));
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
    let stat = (b - h0).powi(2) / var_b;
    f_test(name, stat, 1.0, m - 2.0)
}

/// Breusch–Pagan LM test for individual effects (plm `plmtest(type = "bp")`) on pooled OLS
/// residuals, unbalanced form: LM = n²/(2 Σ_i T_i(T_i − 1)) · [Σ_i (Σ_t e_it)²/Σ e² − 1]², χ²(1).
pub fn breusch_pagan(pooled: &Fit) -> Result<TestResult> {
    require(pooled, Model::Pooled, "plmtest")?;
    let lm = lm_component(&pooled.resid, pooled.ids.unit(), pooled.n_units());
    chi2_test("Breusch-Pagan LM test for individual effects", lm * lm, 1.0)
}

/// Breusch–Pagan LM test for time effects (plm `plmtest(effect = "time", type = "bp")`):
/// the individual form with periods in place of units, χ²(1).
pub fn breusch_pagan_time(pooled: &Fit) -> Result<TestResult> {
    require(pooled, Model::Pooled, "plmtest")?;
    let lm = lm_component(&pooled.resid, pooled.ids.time_idx(), pooled.n_times());
    chi2_test("Breusch-Pagan LM test for time effects", lm * lm, 1.0)
}

/// Breusch–Pagan LM test for two-way effects (plm `plmtest(effect = "twoways", type =
/// "bp")`): LM_unit² + LM_time², χ²(2).
pub fn breusch_pagan_twoways(pooled: &Fit) -> Result<TestResult> {
    require(pooled, Model::Pooled, "plmtest")?;
    let lu = lm_component(&pooled.resid, pooled.ids.unit(), pooled.n_units());
    let lt = lm_component(&pooled.resid, pooled.ids.time_idx(), pooled.n_times());
    chi2_test(
        "Breusch-Pagan LM test for two-way effects",
        lu * lu + lt * lt,
        2.0,
    )
}

/// One LM component (plm's LM1/LM2): n/√(2(Σ_g n_g² − n)) · [Σ_g (Σ_{i∈g} e_i)²/Σ e² − 1].
fn lm_component(resid: &[f64], group: &[usize], n_groups: usize) -> f64 {
    let mut s = vec![0.0; n_groups];
    let mut size = vec![0.0; n_groups];
    for (i, e) in resid.iter().enumerate() {
        s[group[i]] += e;
        size[group[i]] += 1.0;
    }
    let ee: f64 = resid.iter().map(|v| v * v).sum();
    let n = resid.len() as f64;
    let a: f64 = s.iter().map(|v| v * v).sum::<f64>() / ee - 1.0;
    let m: f64 = size.iter().map(|t| t * t).sum();
    n / (2.0 * (m - n)).sqrt() * a
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
    hausman_robust_with(panel, formula, ssc, &EstimateOptions::new(Model::Random))
}

/// The cluster-robust Hausman test with the fits sharing `opts`' sample choices.
fn hausman_robust_with(
    panel: &Panel,
    formula: &Formula,
    ssc: Ssc,
    opts: &EstimateOptions,
) -> Result<TestResult> {
    let (gm, vg) = hausman_aux(panel, formula, ssc, opts)?;
    let stat = gm.dot(&inv_sym(&vg)?.dot(&gm));
    chi2_test(
        "Cluster-robust Hausman test (auxiliary regression)",
        stat,
        gm.len() as f64,
    )
}

/// γ of the auxiliary regression and its cluster-robust covariance.
fn hausman_aux(
    panel: &Panel,
    formula: &Formula,
    ssc: Ssc,
    opts: &EstimateOptions,
) -> Result<(Array1<f64>, Array2<f64>)> {
    let opts = opts.clone().with_model(Model::Random);
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
        nested_fe: None,
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
    one_way_tests(panel, formula, &EstimateOptions::new(Model::Within))
}

/// A test result whose name ends with the models it compares.
fn labelled(t: Result<TestResult>, what: &str) -> Result<TestResult> {
    let mut t = t?;
    t.name = format!("{} [{what}]", t.name);
    Ok(t)
}

/// The one-way unit-effects battery, the fits sharing `opts`' sample choices.
fn one_way_tests(
    panel: &Panel,
    formula: &Formula,
    opts: &EstimateOptions,
) -> Result<Vec<TestResult>> {
    let fit = |m| estimate(panel, formula, &opts.clone().with_model(m));
    let (w, p, r) = (
        fit(Model::Within)?,
        fit(Model::Pooled)?,
        fit(Model::Random)?,
    );
    Ok(vec![
        labelled(pftest(&w, &p), "within vs pooled")?,
        labelled(hausman(&w, &r), "within vs random")?,
        labelled(
            hausman_robust_with(panel, formula, Ssc::none(), opts),
            "within vs random, cluster-robust",
        )?,
        labelled(pwartest(&w), "within residuals")?,
        labelled(breusch_pagan(&p), "pooled residuals")?,
        labelled(pesaran_cd(&w), "within residuals")?,
    ])
}

/// The two-way battery (plm's tests on `effect = "twoways"` models): F tests for two-way
/// effects and for time effects given unit effects, Breusch–Pagan LM for two-way effects,
/// Wooldridge serial correlation and Pesaran CD on the two-way residuals. No Hausman test:
/// there is no two-way random-effects estimator here.
fn twoways_tests(
    panel: &Panel,
    formula: &Formula,
    opts: &EstimateOptions,
) -> Result<Vec<TestResult>> {
    let fit = |m| estimate(panel, formula, &opts.clone().with_model(m));
    let (tw, w, p) = (
        fit(Model::Twoways)?,
        fit(Model::Within)?,
        fit(Model::Pooled)?,
    );
    Ok(vec![
        labelled(effects_f_test(&tw, &p), "twoways within vs pooled")?,
        labelled(effects_f_test(&tw, &w), "twoways within vs within")?,
        labelled(breusch_pagan_twoways(&p), "pooled residuals")?,
        labelled(pwartest(&tw), "twoways within residuals")?,
        labelled(pesaran_cd(&tw), "twoways within residuals")?,
    ])
}

/// The time-effects battery: F test for time effects, Breusch–Pagan LM for time effects,
/// Pesaran CD on the time-within residuals.
fn time_tests(panel: &Panel, formula: &Formula, opts: &EstimateOptions) -> Result<Vec<TestResult>> {
    let fit = |m| estimate(panel, formula, &opts.clone().with_model(m));
    let (t, p) = (fit(Model::WithinTime)?, fit(Model::Pooled)?);
    Ok(vec![
        labelled(effects_f_test(&t, &p), "time within vs pooled")?,
        labelled(breusch_pagan_time(&p), "pooled residuals")?,
        labelled(pesaran_cd(&t), "time within residuals")?,
    ])
}

/// The first-difference battery: Wooldridge's first-difference test under both nulls, on
/// the fitted FD residuals.
fn fd_tests(fd: &Fit) -> Result<Vec<TestResult>> {
    Ok(vec![
        labelled(pwfdtest(fd, FdNull::Differenced), "fd residuals")?,
        labelled(pwfdtest(fd, FdNull::Original), "fd residuals")?,
    ])
}

/// The battery for the model actually fitted, refitting the models it compares with the
/// fit's own sample choices (`opts`): within, pooled or random → the one-way battery;
/// twoways → the two-way battery; time effects → the time battery; fd → Wooldridge's
/// first-difference tests. A between, weighted or general fixed-effects (`Fixef`) fit is
/// refused (plm's tests are unweighted and compare unit and time effects only).
pub fn standard_for(
    fit: &Fit,
    panel: &Panel,
    formula: &Formula,
    opts: &EstimateOptions,
) -> Result<Vec<TestResult>> {
    if fit.sqrt_w.is_some() {
        return Err(Error::Usage(
            "--tests: the specification tests are defined for unweighted fits (as plm's \
             pFtest, phtest, pwartest, plmtest and pcdtest); refit without --weights to \
             run them"
                .into(),
        ));
    }
    match fit.model {
        Model::Within | Model::Pooled | Model::Random => one_way_tests(panel, formula, opts),
        Model::Twoways => twoways_tests(panel, formula, opts),
        Model::WithinTime => time_tests(panel, formula, opts),
        Model::Fd => fd_tests(fit),
        Model::Between => Err(Error::Usage(
            "--tests: no specification test compares between fits; fit --model within, \
             twoways, fd or pooled to run them"
                .into(),
        )),
        Model::Fixef => Err(Error::Usage(
            "--tests: the specification tests compare unit and time effects (as plm); fixed \
             effects on other columns or their combinations have none. Absorb `| unit`, \
             `| unit + time` or `| time` to run them"
                .into(),
        )),
    }
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
        let (gamma, _) =
            hausman_aux(&p, &f, Ssc::none(), &EstimateOptions::new(Model::Random)).unwrap();
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

//! Dynamic panels by GMM: Arellano–Bond difference GMM and Blundell–Bond system GMM,
//! one- and two-step, with Windmeijer-corrected two-step and robust one-step covariances,
//! Arellano–Bond AR(m) tests, Sargan / Hansen J tests and difference-in-Hansen.
//!
//! The moment conditions are built as plm's `pgmm` builds them, so its results are
//! reproduced to rounding (tested against fixtures from plm 2.6-2):
//!
//! * Each unit is laid on the full grid of periods (min..=max time, so a missing period is a
//!   gap, never a neighbour). Differenced equations are kept for periods `p ≥ TL1` and level
//!   equations (system GMM) for `p ≥ TL1 − 1`, where `TL1 = max(max regressor lag + 1, first
//!   GMM lag)`. An equation with a missing value is zeroed (it drops out of every moment); a
//!   missing instrument value is 0.
//! * `gmm(x, a:b)`: in the differenced equation of period p, the levels x_{p−a} … x_{p−b}
//!   (as far back as the grid reaches), one column per period and lag, or one column per lag
//!   with `collapse` (Roodman 2009). System GMM adds, for the level equation of period p,
//!   Δx_{p−a+1} (one column per period, or one column collapsed).
//! * `iv(z, a:b)`: z_{p−L} for L in a..=b — differenced in the differenced equations and, in
//!   system GMM, in levels in the level equations, as separate columns (plm's layout).
//! * Time effects (`Effect::Twoways`): period dummies as regressors; in difference GMM their
//!   differences also instrument themselves, in system GMM the dummies and the intercept
//!   instrument the level equations only. System GMM with individual effects carries
//!   `(Intercept)` (level equations, instrumented by itself) unless the formula says `- 1`.
//! * One-step weights (Z'HZ)⁻¹ with H = the MA(1) matrix (2 on the diagonal, −1 beside it)
//!   for difference GMM and, for system GMM, plm's `fsm = "full"`:
//!   [[G, D], [D', I]] where D links each difference to the two levels it spans.
//!   Two-step weights (Σ Z_i'ê_iê_i'Z_i)⁻¹ from the one-step residuals. A singular weight
//!   matrix (smallest eigenvalue < 1e-9) is replaced by its Moore–Penrose inverse, as plm.
//!
//! Where plm and xtabond2 differ, see the README section "Dynamic panels (GMM)"; in short:
//! instrument columns that are zero for every unit are dropped (xtabond2; plm keeps them and
//! counts them in the J-test degrees of freedom), `(Intercept)` in system GMM with
//! individual effects (xtabond2; plm has none), and the level-equation instruments are lagged
//! a − 1 periods (xtabond2; plm always uses Δx_{p−1}, the same for the usual a = 2).

pub mod instruments;
pub mod render;

use crate::error::{Error, Result};
use crate::estimators::INTERCEPT;
use crate::formula::{caret_error, Formula, Op};
use crate::inference::CoefRow;
use crate::linalg::inv_sym;
use crate::panel::Panel;
pub use instruments::{GmmStyle, Instruments, IvStyle};
use ndarray::{Array1, Array2};
use statrs::distribution::{ChiSquared, Normal};

/// Difference GMM (Arellano–Bond 1991) or system GMM (Blundell–Bond 1998).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Transformation {
    #[serde(rename = "gmm-diff")]
    /// Arellano–Bond: equations in first differences.
    Difference,
    #[serde(rename = "gmm-sys")]
    /// Blundell–Bond: differenced and level equations stacked.
    System,
}

impl Transformation {
    /// The command-line name (`gmm-diff`, `gmm-sys`).
    pub fn name(self) -> &'static str {
        match self {
            Transformation::Difference => "gmm-diff",
            Transformation::System => "gmm-sys",
        }
    }

    /// Parses `gmm-diff` / `gmm-sys`; `None` for any other model name.
    pub fn parse(s: &str) -> Option<Transformation> {
        match s {
            "gmm-diff" | "gmm-d" | "difference-gmm" => Some(Transformation::Difference),
            "gmm-sys" | "gmm-ld" | "system-gmm" => Some(Transformation::System),
            _ => None,
        }
    }
}

/// Which effects the model removes or estimates besides the individual effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Individual effects only (removed by differencing / instrumented in levels).
    Individual,
    /// Individual effects and period dummies (plm's default).
    Twoways,
}

impl Effect {
    /// Parses `individual` / `twoways`.
    pub fn parse(s: &str) -> Result<Effect> {
        match s {
            "individual" => Ok(Effect::Individual),
            "twoways" | "twoway" => Ok(Effect::Twoways),
            _ => Err(Error::Usage(format!(
                "unknown effect '{s}': expected individual or twoways"
            ))),
        }
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Effect::Individual => "individual",
            Effect::Twoways => "twoways",
        }
    }
}

/// How to estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct GmmOptions {
    /// Difference or system GMM.
    pub transformation: Transformation,
    /// 1 (one-step) or 2 (two-step).
    pub steps: u8,
    /// Collapse the GMM-style instruments (one column per lag instead of per period and lag).
    pub collapse: bool,
    /// Individual effects only, or with period dummies (two-way).
    pub effect: Effect,
    /// Robust covariance (one-step: cluster-robust sandwich; two-step: Windmeijer 2005).
    /// Non-robust is offered for two-step only (the usual (X'ZŴZ'X)⁻¹).
    pub robust: bool,
    /// Panel rows whose equations may be used (e.g. the study's years); lags and instruments
    /// may still reach outside. None: every row.
    pub sample: Option<Vec<bool>>,
}

impl GmmOptions {
    /// One-step GMM (plm's and xtabond2's default) with robust standard errors, period
    /// dummies (plm's default effect) and uncollapsed instruments.
    pub fn new(transformation: Transformation) -> Self {
        GmmOptions {
            transformation,
            steps: 1,
            collapse: false,
            effect: Effect::Twoways,
            robust: true,
            sample: None,
        }
    }
}

/// A χ² test statistic with its degrees of freedom.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChiTest {
    /// The statistic.
    pub stat: f64,
    /// Degrees of freedom (instruments minus coefficients).
    pub df: usize,
    /// Upper-tail p-value (NaN with no degrees of freedom).
    pub p_value: f64,
}

impl ChiTest {
    fn new(stat: f64, df: usize) -> ChiTest {
        let p_value = if df == 0 {
            f64::NAN
        } else {
            ChiSquared::new(df as f64).map_or(f64::NAN, |d| crate::dist::sf(&d, stat))
        };
        ChiTest { stat, df, p_value }
    }
}

/// A standard-normal test (Arellano–Bond AR(m)); `None` when the variance estimate is
/// negative (it can be with few units) or the panel is too short for the order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ZTest {
    /// The z statistic.
    pub z: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
}

/// Difference-in-Hansen test of the level-equation GMM instruments (system GMM).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DiffHansen {
    /// Hansen J of the two-step estimation without the tested instruments.
    pub excluding: ChiTest,
    /// J(all, two-step) − J(excluding), on the difference in degrees of freedom.
    pub difference: ChiTest,
}

/// A GMM estimate with its covariance and diagnostics.
#[derive(Debug, Clone)]
pub struct GmmFit {
    /// The formula as written.
    pub formula: String,
    /// The instrument specification as written.
    pub instruments: String,
    /// The options used.
    pub options: GmmOptions,
    /// Coefficient names: `(Intercept)` first (system GMM), the formula's terms, then period
    /// dummies `<time>::<period>`.
    pub terms: Vec<String>,
    /// Final coefficients (two-step when `steps == 2`).
    pub coefficients: Vec<f64>,
    /// One-step coefficients.
    pub coefficients_step1: Vec<f64>,
    /// The covariance chosen by the options.
    pub vcov: Array2<f64>,
    /// Instrument columns used (after dropping columns that are zero for every unit).
    pub n_instruments: usize,
    /// Instrument columns dropped because they are zero for every unit.
    pub n_instruments_zero: usize,
    /// Units in the panel, and units with at least one equation used.
    pub n_units: usize,
    /// Units with at least one equation used.
    pub n_groups: usize,
    /// Periods on the grid.
    pub n_times: usize,
    /// Differenced and level equations used (level: system GMM only).
    pub nobs_diff: usize,
    /// Level equations used (system GMM only).
    pub nobs_level: usize,
    /// Sargan test (one-step residuals, homoskedastic weights (Z'HZ)⁻¹ / σ̂²).
    pub sargan: ChiTest,
    /// Hansen J (plm's `sargan()`: the final residuals with the two-step weight matrix).
    pub hansen: ChiTest,
    /// System GMM: difference-in-Hansen for the level-equation GMM instruments.
    pub diff_hansen: Option<DiffHansen>,
    /// Arellano–Bond test of first-order autocorrelation in the differenced residuals.
    pub ar1: ZTest,
    /// Arellano–Bond test of second-order autocorrelation (the one that matters).
    pub ar2: ZTest,
    /// Warnings (too many instruments, generalized inverses).
    pub warnings: Vec<String>,
    /// plm's `sargan(fit, "onestep")`: N·ê'Z(Z'HZ)⁻¹Z'ê with the final residuals (kept to
    /// check the construction against plm; not a χ² statistic).
    pub plm_sargan_onestep: f64,
    response: String,
}

impl GmmFit {
    /// Index of a coefficient by name.
    pub fn term_index(&self, name: &str) -> Option<usize> {
        self.terms.iter().position(|t| t == name)
    }

    /// Standard errors (square roots of the covariance diagonal).
    pub fn std_errors(&self) -> Vec<f64> {
        (0..self.terms.len())
            .map(|j| self.vcov[[j, j]].sqrt())
            .collect()
    }

    /// The coefficient table (normal inference, as plm and xtabond2).
    pub fn coef_rows(&self, level: f64) -> Vec<CoefRow> {
        let se = self.std_errors();
        self.terms
            .iter()
            .enumerate()
            .map(|(j, t)| CoefRow::new(t.clone(), self.coefficients[j], se[j], None, level))
            .collect()
    }

    /// The sum of the coefficients of `terms` with its standard error.
    pub fn sum(&self, terms: &[&str], level: f64) -> Result<CoefRow> {
        let mut a = Array1::<f64>::zeros(self.terms.len());
        for t in terms {
            let j = self.term_index(t).ok_or_else(|| {
                Error::Usage(format!(
                    "no coefficient '{t}' (have: {})",
                    self.terms.join(", ")
                ))
            })?;
            a[j] = 1.0;
        }
        let est = a.dot(&Array1::from(self.coefficients.clone()));
        let se = a.dot(&self.vcov.dot(&a)).sqrt();
        Ok(CoefRow::new(terms.join(" + "), est, se, None, level))
    }

    /// Long-run effect Σβ_x / (1 − Σρ) of `terms`, ρ the coefficients of the lagged response
    /// `l(y, k)`, k ≥ 1, with its delta-method standard error.
    pub fn long_run(&self, terms: &[&str], level: f64) -> Result<CoefRow> {
        let prefix = format!("l({}, ", self.response);
        let ldv: Vec<usize> = (0..self.terms.len())
            .filter(|&j| {
                self.terms[j]
                    .strip_prefix(&prefix)
                    .and_then(|r| r.strip_suffix(')'))
                    .and_then(|k| k.parse::<i64>().ok())
                    .is_some_and(|k| k >= 1)
            })
            .collect();
        if ldv.is_empty() {
            return Err(Error::Usage(format!(
                "long-run effect: the model has no lagged response l({}, k)",
                self.response
            )));
        }
        if terms.is_empty() {
            return Err(Error::Usage("long-run effect: no terms given".into()));
        }
        let mut idx = Vec::new();
        for t in terms {
            let j = self.term_index(t).ok_or_else(|| {
                Error::Usage(format!(
                    "long-run effect: no coefficient '{t}' (have: {})",
                    self.terms.join(", ")
                ))
            })?;
            if ldv.contains(&j) {
                return Err(Error::Usage(format!(
                    "long-run effect: '{t}' is a lag of the response"
                )));
            }
            idx.push(j);
        }
        let b = &self.coefficients;
        let denom = 1.0 - ldv.iter().map(|&j| b[j]).sum::<f64>();
        let num: f64 = idx.iter().map(|&j| b[j]).sum();
        let mut g = Array1::<f64>::zeros(b.len());
        for &j in &idx {
            g[j] = 1.0 / denom;
        }
        for &j in &ldv {
            g[j] = num / (denom * denom);
        }
        let se = g.dot(&self.vcov.dot(&g)).sqrt();
        Ok(CoefRow::new(
            format!("long-run({})", terms.join(" + ")),
            num / denom,
            se,
            None,
            level,
        ))
    }
}

/// Stacked per-unit equations: rows 0..nd differenced, nd..nd+nl levels (system GMM).
struct Moments {
    x: Vec<Array2<f64>>,
    y: Vec<Array1<f64>>,
    z: Vec<Array2<f64>>,
    h: Array2<f64>,
    nd: usize,
    /// Instrument columns of the level-equation GMM-style block.
    level_gmm: Vec<usize>,
    terms: Vec<String>,
    n_zero_cols: usize,
    nobs_diff: usize,
    nobs_level: usize,
    n_groups: usize,
    n_times: usize,
}

/// One instrument column: how to compute its value in an equation.
#[derive(Clone, Copy)]
enum Col {
    /// Level of series s at lag L, only in the differenced equation of row r (uncollapsed).
    GmmDiff {
        s: usize,
        lag: i64,
        row: Option<usize>,
    },
    /// Δ series s at lag L in the level equation of row r (None: every row, collapsed).
    GmmLevel {
        s: usize,
        lag: i64,
        row: Option<usize>,
    },
    /// Series s at lag L, differenced, in the differenced equations.
    IvDiff { s: usize, lag: i64 },
    /// Series s at lag L, in levels, in the level equations.
    IvLevel { s: usize, lag: i64 },
    /// Regressor j as its own instrument in the differenced (true) or level equations.
    Own { j: usize, diff: bool },
}

/// Values of a series for one unit on the period grid (NaN where absent), with lag lookup.
fn at(v: &[f64], p: i64) -> f64 {
    if p < 0 || p as usize >= v.len() {
        f64::NAN
    } else {
        v[p as usize]
    }
}

fn build(
    panel: &Panel,
    formula: &Formula,
    inst: &Instruments,
    opts: &GmmOptions,
) -> Result<Moments> {
    formula.check(panel)?;
    inst.check(panel)?;
    if let Some((_, p)) = formula.fixed_effects.first() {
        return Err(caret_error(
            &formula.text,
            *p,
            "GMM removes the unit effect itself: drop '| ...' and use --effect individual|twoways",
        ));
    }
    let response = match formula.response.simple() {
        Some((c, Op::Level)) => c.to_string(),
        _ => {
            return Err(caret_error(
                &formula.text,
                formula.response.pos,
                "the response of a GMM model must be a plain column",
            ))
        }
    };
    let mut lags = Vec::new();
    let mut columns = Vec::new();
    for t in &formula.terms {
        match t.simple() {
            Some((c, Op::Level)) => {
                lags.push(0);
                columns.push(c);
            }
            Some((c, Op::Lag(k))) => {
                lags.push(k);
                columns.push(c);
            }
            _ => {
                return Err(caret_error(
                    &formula.text,
                    t.pos,
                    "GMM regressors may be columns or lags l(x, k); leads and differences \
                     (and functions, interactions, factors) are not supported",
                ))
            }
        }
    }
    if inst.gmm.is_empty() && inst.iv.is_empty() {
        return Err(Error::Usage(
            "GMM needs instruments, e.g. 'gmm(y, 2:99)'".into(),
        ));
    }
    let sys = opts.transformation == Transformation::System;
    let times = panel.distinct_times();
    let (t0, t1) = (times[0], times[times.len() - 1]);
    let tt = (t1 - t0 + 1) as usize;
    let maxlag = lags.iter().copied().max().unwrap_or(0);
    let gmin = inst.gmm.iter().map(|g| g.first).min();
    let tl1 = gmin.map_or(maxlag + 1, |g| g.max(maxlag + 1)) as usize;
    if tl1 >= tt {
        return Err(Error::Data(format!(
            "GMM: {tt} periods leave no differenced equation (lags need {tl1} periods first)"
        )));
    }
    let nd = tt - tl1;
    let nl = if sys { nd + 1 } else { 0 };
    let tl2 = tl1 - 1;
    // Series on the grid, per unit: response, regressor columns, gmm and iv columns.
    let mut series: Vec<String> = vec![response];
    let mut sid = |c: &str| -> usize {
        if let Some(i) = series.iter().position(|s| s == c) {
            i
        } else {
            series.push(c.to_string());
            series.len() - 1
        }
    };
    let xs: Vec<(usize, i64)> = columns
        .iter()
        .zip(&lags)
        .map(|(c, &l)| (sid(c), l))
        .collect();
    let gs: Vec<usize> = inst.gmm.iter().map(|g| sid(&g.column)).collect();
    let ivs: Vec<usize> = inst.iv.iter().map(|v| sid(&v.column)).collect();
    let n_units = panel.unit_labels().len();
    // Per unit and period: whether its equations belong to the sample.
    let in_sample: Vec<Vec<bool>> = (0..n_units)
        .map(|u| {
            let mut v = vec![false; tt];
            for r in panel.block(u) {
                v[(panel.times()[r] - t0) as usize] = opts.sample.as_ref().is_none_or(|m| m[r]);
            }
            v
        })
        .collect();
    let grid: Vec<Vec<Vec<f64>>> = {
        let cols: Vec<&[f64]> = series
            .iter()
            .map(|c| panel.require_num(c))
            .collect::<Result<_>>()?;
        (0..n_units)
            .map(|u| {
                cols.iter()
                    .map(|c| {
                        let mut v = vec![f64::NAN; tt];
                        for r in panel.block(u) {
                            v[(panel.times()[r] - t0) as usize] = c[r];
                        }
                        v
                    })
                    .collect()
            })
            .collect()
    };
    // Regressors: (Intercept)?, terms, period dummies (grid positions).
    let twoways = opts.effect == Effect::Twoways;
    let intercept = sys && (formula.intercept || twoways);
    let dummies: Vec<usize> = if !twoways {
        Vec::new()
    } else if sys {
        (tl2 + 1..tt).collect()
    } else {
        (tl1..tt).collect()
    };
    let mut terms = Vec::new();
    if intercept {
        terms.push(INTERCEPT.to_string());
    }
    terms.extend(formula.terms.iter().map(|t| t.name.clone()));
    let off_d = terms.len();
    terms.extend(
        dummies
            .iter()
            .map(|&p| format!("{}::{}", panel.time_name(), panel.time_label(t0 + p as i64))),
    );
    let k = terms.len();
    // Instrument layout.
    let mut cols: Vec<Col> = Vec::new();
    let mut level_gmm = Vec::new();
    for (g, &s) in inst.gmm.iter().zip(&gs) {
        if opts.collapse {
            for lag in g.first..=g.last.min(tt as i64 - 1) {
                cols.push(Col::GmmDiff { s, lag, row: None });
            }
        } else {
            for r in 0..nd {
                let p = (tl1 + r) as i64;
                for lag in g.first..=g.last.min(p) {
                    cols.push(Col::GmmDiff {
                        s,
                        lag,
                        row: Some(r),
                    });
                }
            }
        }
    }
    if sys {
        for (g, &s) in inst.gmm.iter().zip(&gs) {
            let lag = g.first - 1;
            if opts.collapse {
                level_gmm.push(cols.len());
                cols.push(Col::GmmLevel { s, lag, row: None });
            } else {
                for r in 0..nl {
                    if (tl2 + r) as i64 - lag >= 1 {
                        level_gmm.push(cols.len());
                        cols.push(Col::GmmLevel {
                            s,
                            lag,
                            row: Some(r),
                        });
                    }
                }
            }
        }
    }
    for j in 0..k {
        let is_dummy = j >= off_d;
        if is_dummy && !sys {
            cols.push(Col::Own { j, diff: true });
        } else if sys && (is_dummy || (intercept && j == 0)) {
            cols.push(Col::Own { j, diff: false });
        }
    }
    for (v, &s) in inst.iv.iter().zip(&ivs) {
        for lag in v.first..=v.last {
            cols.push(Col::IvDiff { s, lag });
            if sys {
                cols.push(Col::IvLevel { s, lag });
            }
        }
    }
    // Equations per unit.
    let nrow = nd + nl;
    let ncol = cols.len();
    let (mut xm, mut ym, mut zm) = (Vec::new(), Vec::new(), Vec::new());
    let (mut nobs_diff, mut nobs_level, mut n_groups) = (0, 0, 0);
    for (g, ins) in grid.iter().zip(&in_sample) {
        let mut x = Array2::<f64>::zeros((nrow, k));
        let mut y = Array1::<f64>::zeros(nrow);
        let mut z = Array2::<f64>::zeros((nrow, ncol));
        let mut used = false;
        for row in 0..nrow {
            let diff = row < nd;
            let p = if diff { tl1 + row } else { tl2 + row - nd } as i64;
            let lvl = |s: usize, lag: i64| at(&g[s], p - lag);
            let val = |s: usize, lag: i64| {
                if diff {
                    lvl(s, lag) - at(&g[s], p - lag - 1)
                } else {
                    lvl(s, lag)
                }
            };
            let dummy = |q: usize| {
                let d = |pp: i64| f64::from(u8::from(pp == q as i64));
                if diff {
                    d(p) - d(p - 1)
                } else {
                    d(p)
                }
            };
            let yv = val(0, 0);
            let mut xr = Vec::with_capacity(k);
            if intercept {
                xr.push(if diff { 0.0 } else { 1.0 });
            }
            xr.extend(xs.iter().map(|&(s, l)| val(s, l)));
            xr.extend(dummies.iter().map(|&q| dummy(q)));
            if !ins[p as usize] || !yv.is_finite() || xr.iter().any(|v| !v.is_finite()) {
                continue;
            }
            used = true;
            if diff {
                nobs_diff += 1;
            } else {
                nobs_level += 1;
            }
            y[row] = yv;
            for (j, v) in xr.iter().enumerate() {
                x[[row, j]] = *v;
            }
            for (c, col) in cols.iter().enumerate() {
                let v = match *col {
                    Col::GmmDiff { s, lag, row: r } if diff && r.is_none_or(|r| r == row) => {
                        lvl(s, lag)
                    }
                    Col::GmmLevel { s, lag, row: r }
                        if !diff && r.is_none_or(|r| r + nd == row) =>
                    {
                        lvl(s, lag) - at(&g[s], p - lag - 1)
                    }
                    Col::IvDiff { s, lag } if diff => val(s, lag),
                    Col::IvLevel { s, lag } if !diff => val(s, lag),
                    Col::Own { j, diff: d } if d == diff => xr[j],
                    _ => 0.0,
                };
                if v.is_finite() {
                    z[[row, c]] = v;
                }
            }
        }
        n_groups += usize::from(used);
        xm.push(x);
        ym.push(y);
        zm.push(z);
    }
    // Period dummies of periods without any equation in the sample carry no information.
    let keep_x: Vec<usize> = (0..k)
        .filter(|&j| j < off_d || xm.iter().any(|x| x.column(j).iter().any(|v| *v != 0.0)))
        .collect();
    let (xm, terms) = if keep_x.len() < k {
        (
            xm.iter()
                .map(|x| x.select(ndarray::Axis(1), &keep_x))
                .collect(),
            keep_x.iter().map(|&j| terms[j].clone()).collect(),
        )
    } else {
        (xm, terms)
    };
    // Drop instrument columns that are zero for every unit.
    let keep: Vec<usize> = (0..ncol)
        .filter(|&c| zm.iter().any(|z| z.column(c).iter().any(|v| *v != 0.0)))
        .collect();
    let n_zero_cols = ncol - keep.len();
    let zm: Vec<Array2<f64>> = zm
        .iter()
        .map(|z| z.select(ndarray::Axis(1), &keep))
        .collect();
    let level_gmm: Vec<usize> = keep
        .iter()
        .enumerate()
        .filter(|(_, c)| level_gmm.contains(c))
        .map(|(i, _)| i)
        .collect();
    // One-step weighting: H.
    let mut h = Array2::<f64>::zeros((nrow, nrow));
    for i in 0..nd {
        h[[i, i]] = 2.0;
        if i + 1 < nd {
            h[[i, i + 1]] = -1.0;
            h[[i + 1, i]] = -1.0;
        }
        if sys {
            // Δε_p with ε_{p−1} (level row i) and ε_p (level row i + 1).
            for (lv, v) in [(i, -1.0), (i + 1, 1.0)] {
                h[[i, nd + lv]] = v;
                h[[nd + lv, i]] = v;
            }
        }
    }
    for i in nd..nrow {
        h[[i, i]] = 1.0;
    }
    Ok(Moments {
        x: xm,
        y: ym,
        z: zm,
        h,
        nd,
        level_gmm,
        terms,
        n_zero_cols,
        nobs_diff,
        nobs_level,
        n_groups,
        n_times: tt,
    })
}

/// Inverse of a symmetric positive semi-definite matrix; the Moore–Penrose inverse (MASS::ginv
/// tolerance) when its smallest eigenvalue is below 1e-9, as plm does. Returns whether the
/// generalized inverse was used.
fn inv_or_ginv(a: &Array2<f64>) -> Result<(Array2<f64>, bool)> {
    use ndarray_linalg::{Eigh, UPLO};
    crate::linalg::blas_single_thread();
    let (ev, vecs) = a
        .eigh(UPLO::Lower)
        .map_err(|e| Error::Numeric(format!("GMM: eigen-decomposition failed: {e}")))?;
    let min = ev.iter().copied().fold(f64::INFINITY, f64::min);
    if min >= 1e-9 {
        return Ok((inv_sym(a)?, false));
    }
    let max = ev.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tol = f64::EPSILON.sqrt() * max;
    let n = a.nrows();
    let mut out = Array2::<f64>::zeros((n, n));
    for (i, &l) in ev.iter().enumerate() {
        if l > tol {
            let v = vecs.column(i);
            for r in 0..n {
                for c in 0..n {
                    out[[r, c]] += v[r] * v[c] / l;
                }
            }
        }
    }
    Ok((out, true))
}

/// The GMM estimate β = (ZX'W ZX)⁻¹ ZX'W Zy and its bread (ZX'W ZX)⁻¹.
fn solve(
    zx: &Array2<f64>,
    zy: &Array1<f64>,
    w: &Array2<f64>,
) -> Result<(Array1<f64>, Array2<f64>)> {
    let xw = zx.t().dot(w);
    let bread = inv_sym(&xw.dot(zx)).map_err(|_| {
        Error::Numeric(
            "GMM: the instrumented regressors are collinear (X'Z W Z'X is singular)".into(),
        )
    })?;
    Ok((bread.dot(&xw.dot(zy)), bread))
}

fn resid(m: &Moments, b: &Array1<f64>) -> Vec<Array1<f64>> {
    m.x.iter().zip(&m.y).map(|(x, y)| y - &x.dot(b)).collect()
}

/// Σ_i Z_i' v_i.
fn zsum(m: &Moments, v: &[Array1<f64>]) -> Array1<f64> {
    m.z.iter()
        .zip(v)
        .map(|(z, e)| z.t().dot(e))
        .fold(Array1::zeros(m.z[0].ncols()), |a, b| a + b)
}

/// Σ_i Z_i'e_i e_i'Z_i.
fn meat(m: &Moments, e: &[Array1<f64>]) -> Array2<f64> {
    let l = m.z[0].ncols();
    let mut s = Array2::<f64>::zeros((l, l));
    for (z, ei) in m.z.iter().zip(e) {
        let g = z.t().dot(ei);
        let g2 = g.view().insert_axis(ndarray::Axis(1));
        s = s + g2.dot(&g2.t());
    }
    s
}

/// Arellano–Bond AR(order) test on the differenced residuals (plm's `mtest`): `infl` maps the
/// moment vector to the estimate (β̂ − β = infl · Σ Z'e), `v` is the covariance in use.
fn ar_test(
    m: &Moments,
    e: &[Array1<f64>],
    infl: &Array2<f64>,
    v: &Array2<f64>,
    order: usize,
) -> ZTest {
    let none = ZTest {
        z: None,
        p_value: None,
    };
    if order >= m.nd {
        return none;
    }
    let k = m.x[0].ncols();
    let (mut num, mut eve) = (0.0, 0.0);
    let mut ex = Array1::<f64>::zeros(k);
    let mut zve = Array1::<f64>::zeros(m.z[0].ncols());
    for ((x, z), ei) in m.x.iter().zip(&m.z).zip(e) {
        let mut r = Array1::<f64>::zeros(ei.len());
        let mut rl = Array1::<f64>::zeros(ei.len());
        for t in 0..m.nd {
            r[t] = ei[t];
            if t >= order {
                rl[t] = ei[t - order];
            }
        }
        let s = r.dot(&rl);
        num += s;
        eve += s * s;
        ex = ex + x.t().dot(&rl);
        zve = zve + z.t().dot(&r) * s;
    }
    let denom = eve - 2.0 * ex.dot(&infl.dot(&zve)) + ex.dot(&v.dot(&ex));
    if denom.is_nan() || denom <= 0.0 {
        return none;
    }
    let z = num / denom.sqrt();
    let n = Normal::new(0.0, 1.0).expect("standard normal");
    ZTest {
        z: Some(z),
        p_value: Some(2.0 * crate::dist::sf(&n, z.abs())),
    }
}

/// Estimates a dynamic panel model by difference or system GMM (see the module docs).
pub fn gmm(
    panel: &Panel,
    formula: &Formula,
    instruments: &Instruments,
    opts: &GmmOptions,
) -> Result<GmmFit> {
    if !matches!(opts.steps, 1 | 2) {
        return Err(Error::Usage(format!(
            "GMM steps must be 1 or 2, not {}",
            opts.steps
        )));
    }
    if opts.steps == 1 && !opts.robust {
        return Err(Error::Usage(
            "one-step GMM is reported with robust standard errors only (--vcov robust); \
             use --steps 2 for the non-robust two-step covariance"
                .into(),
        ));
    }
    let m = build(panel, formula, instruments, opts)?;
    let k = m.terms.len();
    let l = m.z[0].ncols();
    if m.n_groups == 0 {
        return Err(Error::Data(format!(
            "GMM: no complete equations for '{}'",
            formula.text
        )));
    }
    if l < k {
        return Err(Error::Usage(format!(
            "GMM is under-identified: {l} instruments for {k} coefficients ({})",
            m.terms.join(", ")
        )));
    }
    let mut warnings = Vec::new();
    if l > m.n_groups {
        warnings.push(format!(
            "{l} instruments exceed the {} groups: the Hansen test is weakened and two-step \
             estimates are biased towards OLS; consider --collapse or shorter lag ranges",
            m.n_groups
        ));
    }
    let zx =
        m.z.iter()
            .zip(&m.x)
            .map(|(z, x)| z.t().dot(x))
            .fold(Array2::zeros((l, k)), |a, b| a + b);
    let zy = zsum(&m, &m.y);
    let a1: Array2<f64> =
        m.z.iter()
            .map(|z| z.t().dot(&m.h).dot(z))
            .fold(Array2::zeros((l, l)), |a, b| a + b);
    let (w1, g1) = inv_or_ginv(&a1)?;
    if g1 {
        warnings
            .push("the one-step weight matrix is singular: a generalized inverse is used".into());
    }
    let (b1, bread1) = solve(&zx, &zy, &w1)?;
    let e1 = resid(&m, &b1);
    let s = meat(&m, &e1);
    let (w2, g2) = inv_or_ginv(&s)?;
    if g2 {
        warnings
            .push("the two-step weight matrix is singular: a generalized inverse is used".into());
    }
    let (b2, bread2) = solve(&zx, &zy, &w2)?;
    let e2 = resid(&m, &b2);
    // One-step robust sandwich.
    let infl1 = bread1.dot(&zx.t()).dot(&w1);
    let v1r = infl1.dot(&s).dot(&infl1.t());
    let infl2 = bread2.dot(&zx.t()).dot(&w2);
    // Windmeijer (2005): V2 + D V2 + V2 D' + D V1r D', D_k = −B2 X'Z W2 (∂S/∂β_k) W2 Z'ê2.
    let zbar2 = zsum(&m, &e2);
    let w2z = w2.dot(&zbar2);
    let zx_i: Vec<Array2<f64>> = m.z.iter().zip(&m.x).map(|(z, x)| z.t().dot(x)).collect();
    let ze1_i: Vec<Array1<f64>> = m.z.iter().zip(&e1).map(|(z, e)| z.t().dot(e)).collect();
    let mut d = Array2::<f64>::zeros((k, k));
    for j in 0..k {
        // ∂S/∂β_j = −Σ_i (Z'x_j e1'Z + Z'e1 x_j'Z); applied to W2 Z'ê2 as a vector.
        let mut dsv = Array1::<f64>::zeros(l);
        for (a, b) in zx_i.iter().zip(&ze1_i) {
            let aj = a.column(j);
            dsv = dsv - (&aj * b.dot(&w2z) + b * aj.dot(&w2z));
        }
        d.column_mut(j).assign(&(-infl2.dot(&dsv)));
    }
    let v2c = &bread2 + &d.dot(&bread2) + &bread2.dot(&d.t()) + d.dot(&v1r).dot(&d.t());
    let (coef, e, infl, vcov) = if opts.steps == 1 {
        (&b1, &e1, infl1, v1r)
    } else if opts.robust {
        (&b2, &e2, infl2, v2c)
    } else {
        (&b2, &e2, infl2, bread2)
    };
    // Tests.
    let df = l - k;
    let zfin = zsum(&m, e);
    let hansen = ChiTest::new(zfin.dot(&w2.dot(&zfin)), df);
    let n_units = m.x.len();
    let plm_sargan_onestep = zfin.dot(&w1.dot(&zfin)) * n_units as f64;
    let z1 = zsum(&m, &e1);
    let ssr_d: f64 = e1
        .iter()
        .map(|ei| ei.iter().take(m.nd).map(|v| v * v).sum::<f64>())
        .sum();
    let sigma2 = ssr_d / (2.0 * (m.nobs_diff as f64 - k as f64));
    let sargan = ChiTest::new(z1.dot(&w1.dot(&z1)) / sigma2, df);
    let ar1 = ar_test(&m, e, &infl, &vcov, 1);
    let ar2 = ar_test(&m, e, &infl, &vcov, 2);
    let diff_hansen = if m.level_gmm.is_empty() {
        None
    } else {
        diff_hansen(&m, &zx, &zy, &s, &w2, &zbar2, k)?
    };
    Ok(GmmFit {
        formula: formula.text.clone(),
        instruments: instruments.text.clone(),
        options: opts.clone(),
        terms: m.terms.clone(),
        coefficients: coef.to_vec(),
        coefficients_step1: b1.to_vec(),
        vcov,
        n_instruments: l,
        n_instruments_zero: m.n_zero_cols,
        n_units,
        n_groups: m.n_groups,
        n_times: m.n_times,
        nobs_diff: m.nobs_diff,
        nobs_level: m.nobs_level,
        sargan,
        hansen,
        diff_hansen,
        ar1,
        ar2,
        warnings,
        plm_sargan_onestep,
        response: formula.response.name.clone(),
    })
}

/// Difference-in-Hansen for the level-equation GMM instruments: the two-step estimate without
/// them, weighted by the matching block of the same one-step moment covariance, so the
/// difference of the two J statistics is non-negative (Hayashi 2000, C statistic).
fn diff_hansen(
    m: &Moments,
    zx: &Array2<f64>,
    zy: &Array1<f64>,
    s: &Array2<f64>,
    w2: &Array2<f64>,
    zbar2: &Array1<f64>,
    k: usize,
) -> Result<Option<DiffHansen>> {
    let l = zx.nrows();
    let keep: Vec<usize> = (0..l).filter(|c| !m.level_gmm.contains(c)).collect();
    if keep.len() < k {
        return Ok(None);
    }
    let ax = ndarray::Axis(0);
    let zx_r = zx.select(ax, &keep);
    let zy_r = zy.select(ax, &keep);
    let s_r = s.select(ax, &keep).select(ndarray::Axis(1), &keep);
    let (w_r, _) = inv_or_ginv(&s_r)?;
    let Ok((b_r, _)) = solve(&zx_r, &zy_r, &w_r) else {
        return Ok(None);
    };
    let g_r = &zy_r - &zx_r.dot(&b_r);
    let j_r = g_r.dot(&w_r.dot(&g_r));
    let j_full = zbar2.dot(&w2.dot(zbar2));
    let df_r = keep.len() - k;
    let df_full = l - k;
    Ok(Some(DiffHansen {
        excluding: ChiTest::new(j_r, df_r),
        difference: ChiTest::new(j_full - j_r, df_full - df_r),
    }))
}

#[cfg(test)]
mod tests;

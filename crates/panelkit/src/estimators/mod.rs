//! Exact panel estimators: pooled OLS, within (unit FE), two-way FE, first differences,
//! between, random effects (Swamy–Arora, plm's unbalanced formula), optionally weighted.
//!
//! [`estimate`] returns a [`Fit`] that keeps the transformed (√w-scaled) design, the
//! residuals, the unit/time ids, the weights and the degrees-of-freedom bookkeeping, so any
//! covariance ([`crate::inference`]) is chosen after estimation without refitting.
//!
//! ```
//! use panelkit::estimators::{fit_formula, Model};
//! use panelkit::inference::{Ssc, VcovKind, VcovSpec};
//! use panelkit::panel::{Column, ColumnData, Panel};
//!
//! let units: Vec<String> = ["a", "a", "a", "b", "b", "b", "c", "c", "c"]
//!     .iter().map(|s| s.to_string()).collect();
//! let years = vec![1, 2, 3, 1, 2, 3, 1, 2, 3];
//! let x = vec![1.0, 2.0, 4.0, 2.0, 5.0, 3.0, 0.0, 1.0, 3.0];
//! let y: Vec<f64> = x.iter().enumerate().map(|(i, v)| 2.0 * v + (i / 3) as f64 + 0.1 * ((i * 7) % 3) as f64).collect();
//! let col = |n: &str, v: Vec<f64>| Column { name: n.into(), data: ColumnData::Num(v) };
//! let panel = Panel::from_columns("unit", "year", units, years, vec![col("y", y), col("x", x)]).unwrap();
//!
//! let fit = fit_formula(&panel, "y ~ x | unit", None, None).unwrap(); // within
//! assert_eq!(fit.model, Model::Within);
//! let spec = VcovSpec { kind: VcovKind::Cluster, ssc: Ssc::Fixest, lags: None };
//! let table = fit.coef_table(&spec).unwrap();        // inference chosen after estimation
//! assert_eq!(table.rows[0].term, "x");
//! let v = fit.vcov(&VcovSpec { kind: VcovKind::Hc1, ssc: Ssc::Stata, lags: None }).unwrap();
//! let sum = fit.lincom(&[("x", 2.0)], &v, 0.95).unwrap();
//! assert!((sum.estimate - 2.0 * fit.coef("x").unwrap()).abs() < 1e-12);
//! ```

pub mod gmm;
pub mod transform;

use crate::error::{Error, Result};
use crate::formula::{Formula, Op};
use crate::linalg::Qr;
use crate::panel::Panel;
use ndarray::Array2;
use std::collections::BTreeMap;
use transform::{demean, group_means, twoway};

/// The name plm gives the intercept.
pub const INTERCEPT: &str = "(Intercept)";

/// The estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// OLS on the stacked panel, with intercept (plm `model="pooling"`).
    Pooled,
    /// Unit fixed effects absorbed by within-unit demeaning (plm `model="within"`).
    Within,
    /// Time fixed effects only, absorbed by within-period demeaning (plm `model="within",
    /// effect="time"`; fixest `| year`).
    WithinTime,
    /// Unit and time fixed effects (plm `effect="twoways"`), exact on unbalanced panels.
    Twoways,
    /// First differences within units, gap-aware, with intercept (plm `model="fd"`).
    Fd,
    /// OLS on unit means, with intercept (plm `model="between"`).
    Between,
    /// Random effects, Swamy–Arora variance components (plm `random.method="swar"`).
    Random,
}

impl Model {
    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Model::Pooled => "pooled",
            Model::Within => "within",
            Model::WithinTime => "within-time",
            Model::Twoways => "twoways",
            Model::Fd => "fd",
            Model::Between => "between",
            Model::Random => "random",
        }
    }

    /// Parses a model name.
    pub fn parse(s: &str) -> Result<Model> {
        Ok(match s {
            "pooled" | "pooling" => Model::Pooled,
            "within" | "fe" => Model::Within,
            "within-time" | "time" => Model::WithinTime,
            "twoways" | "twoway" => Model::Twoways,
            "fd" => Model::Fd,
            "between" => Model::Between,
            "random" | "re" => Model::Random,
            _ => {
                return Err(Error::Usage(format!(
                    "unknown model '{s}': expected pooled, within, within-time, twoways, fd, between or random"
                )))
            }
        })
    }

    /// Whether the model carries `(Intercept)` (when the formula keeps it).
    pub fn has_intercept(self) -> bool {
        matches!(
            self,
            Model::Pooled | Model::Fd | Model::Between | Model::Random
        )
    }

    /// The model implied by a formula's absorbed fixed effects and an optional explicit model:
    /// `| unit` → within, `| time` → within-time, `| unit + time` → twoways; no fixed effects
    /// and no model → within.
    pub fn resolve(formula: &Formula, panel: &Panel, model: Option<Model>) -> Result<Model> {
        let fe: Vec<&str> = formula
            .fixed_effects
            .iter()
            .map(|(s, _)| s.as_str())
            .collect();
        let has_unit = fe.contains(&panel.unit_name());
        let has_time = fe.contains(&panel.time_name());
        let implied = match (has_unit, has_time) {
            (false, false) => None,
            (true, false) => Some(Model::Within),
            (true, true) => Some(Model::Twoways),
            (false, true) => Some(Model::WithinTime),
        };
        match (implied, model) {
            (None, Some(m)) => Ok(m),
            (None, None) => Ok(Model::Within),
            (Some(i), None) => Ok(i),
            (Some(i), Some(m)) if i == m => Ok(m),
            (Some(i), Some(m)) => Err(Error::Usage(format!(
                "formula '{}' absorbs fixed effects of a {} model but --model is {}",
                formula.text,
                i.name(),
                m.name()
            ))),
        }
    }
}

/// How to estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateOptions {
    pub model: Model,
    /// Analytic weights column (e.g. population): WLS with weights w, as `lm(weights=)`.
    pub weights: Option<String>,
    /// Drop units observed once under unit fixed effects (they carry no information about
    /// the slopes); off by default, as in plm, fixest and linearmodels.
    pub drop_singletons: bool,
    /// Rows allowed in the estimation sample (e.g. the study's years), applied after lags
    /// and differences are computed on the whole panel, so a lag may reach before the
    /// sample; rows outside are counted under "outside sample".
    pub sample: Option<Vec<bool>>,
    /// fd only: difference consecutive observed rows of a unit even across a missing
    /// period, as plm's `model = "fd"` does. Off by default: a difference across a gap is
    /// dropped (counted under "differences").
    pub fd_across_gaps: bool,
}

impl EstimateOptions {
    /// Options for `model`, unweighted, singletons kept.
    pub fn new(model: Model) -> Self {
        EstimateOptions {
            model,
            weights: None,
            drop_singletons: false,
            sample: None,
            fd_across_gaps: false,
        }
    }
}

/// A regressor left out of the model, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DroppedTerm {
    pub term: String,
    pub reason: String,
}

/// Random-effects variance components (Swamy–Arora).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RandomComponents {
    /// Idiosyncratic variance σ²_ε.
    pub sigma2_idios: f64,
    /// Individual variance σ²_μ (set to 0 when the estimate is negative).
    pub sigma2_indiv: f64,
    /// θ_i per unit (one value on balanced panels).
    pub theta: Vec<f64>,
}

/// An estimated model and everything inference needs.
#[derive(Debug, Clone)]
pub struct Fit {
    pub model: Model,
    pub formula: String,
    pub response: String,
    /// Coefficient names (kept regressors), intercept first when present.
    pub terms: Vec<String>,
    pub coefficients: Vec<f64>,
    /// Transformed, √w-scaled design of the kept regressors (n × k).
    pub x: Array2<f64>,
    /// Residuals of the transformed model (not √w-scaled).
    pub resid: Vec<f64>,
    /// Transformed response (not √w-scaled).
    pub y: Vec<f64>,
    /// √w per observation (None when unweighted).
    pub sqrt_w: Option<Vec<f64>>,
    /// (X̃'X̃)⁻¹ of the transformed scaled design.
    pub xtx_inv: Array2<f64>,
    /// Per observation: dense unit index (0..n_units).
    pub unit: Vec<usize>,
    /// Per observation: the time value (year).
    pub time: Vec<i64>,
    /// Per observation: dense time index (0..n_times) in sorted order.
    pub time_idx: Vec<usize>,
    pub unit_labels: Vec<String>,
    pub n_units: usize,
    pub n_times: usize,
    /// Observations used.
    pub n: usize,
    /// Estimated coefficients (incl. intercept).
    pub k: usize,
    /// Absorbed fixed-effect parameters (within: units; twoways: units + kept time dummies).
    pub k_fe: usize,
    /// Whether unit / time fixed effects are absorbed (for nested-FE small-sample rules).
    pub fe_unit: bool,
    pub fe_time: bool,
    /// Residual sum of squares (weighted) of the transformed model.
    pub rss: f64,
    /// R² as plm reports it: squared correlation of the transformed response and fitted
    /// values (within R² for FE models).
    pub r2: f64,
    /// Within R² (FE models only).
    pub r2_within: Option<f64>,
    /// Observations dropped, by reason, in a stable order.
    pub dropped_obs: BTreeMap<String, usize>,
    pub dropped_terms: Vec<DroppedTerm>,
    pub random: Option<RandomComponents>,
}

impl Fit {
    /// Residual degrees of freedom n − k − k_fe.
    pub fn df_resid(&self) -> usize {
        self.n.saturating_sub(self.k + self.k_fe)
    }

    /// √w-scaled residuals (the residuals of the scaled regression).
    pub fn scaled_resid(&self) -> Vec<f64> {
        match &self.sqrt_w {
            Some(s) => self.resid.iter().zip(s).map(|(u, w)| u * w).collect(),
            None => self.resid.clone(),
        }
    }

    /// Index of a coefficient by name.
    pub fn term_index(&self, name: &str) -> Option<usize> {
        self.terms.iter().position(|t| t == name)
    }

    /// A coefficient by name.
    pub fn coef(&self, name: &str) -> Option<f64> {
        self.term_index(name).map(|i| self.coefficients[i])
    }
}

/// The estimation sample: variables on the rows kept, with ids and drop counts.
#[derive(Debug, Clone)]
pub struct Sample {
    pub y: Vec<f64>,
    /// Regressor columns in formula order (no intercept).
    pub cols: Vec<Vec<f64>>,
    pub names: Vec<String>,
    pub w: Option<Vec<f64>>,
    pub unit: Vec<usize>,
    pub time: Vec<i64>,
    pub time_idx: Vec<usize>,
    pub unit_labels: Vec<String>,
    pub n_units: usize,
    pub n_times: usize,
    pub dropped: BTreeMap<String, usize>,
}

fn count(map: &mut BTreeMap<String, usize>, reason: &str, by: usize) {
    if by > 0 {
        *map.entry(reason.to_string()).or_insert(0) += by;
    }
}

/// Builds the estimation sample: evaluates terms (gap-aware), takes first differences for the
/// fd model, drops incomplete rows and counts them by reason.
pub fn prepare(panel: &Panel, formula: &Formula, opts: &EstimateOptions) -> Result<Sample> {
    formula.check(panel)?;
    let nr = panel.nrows();
    let all: Vec<&crate::formula::Term> = std::iter::once(&formula.response)
        .chain(&formula.terms)
        .collect();
    let mut vals: Vec<Vec<f64>> = all.iter().map(|t| t.values(panel)).collect::<Result<_>>()?;
    let w: Option<Vec<f64>> = match &opts.weights {
        Some(c) => Some(panel.require_num(c)?.to_vec()),
        None => None,
    };
    if opts.model == Model::Fd {
        let uid = panel.unit_ids();
        for v in vals.iter_mut() {
            *v = if opts.fd_across_gaps {
                (0..nr)
                    .map(|r| {
                        if r > 0 && uid[r - 1] == uid[r] {
                            v[r] - v[r - 1]
                        } else {
                            f64::NAN
                        }
                    })
                    .collect()
            } else {
                panel.diff(v, 1)
            };
        }
    }
    let mut dropped = BTreeMap::new();
    let mut keep = vec![true; nr];
    for (r, keep_r) in keep.iter_mut().enumerate() {
        let raw_missing = all
            .iter()
            .any(|t| panel.num(&t.column).is_some_and(|c| c[r].is_nan()))
            || w.as_ref()
                .is_some_and(|w| !(w[r] > 0.0 && w[r].is_finite()));
        let outside = opts.sample.as_ref().is_some_and(|m| !m[r]);
        let reason = if outside {
            Some("outside sample")
        } else if raw_missing {
            Some("missing values")
        } else if all
            .iter()
            .zip(&vals)
            .any(|(t, v)| matches!(t.op, Op::Lag(_) | Op::Lead(_)) && v[r].is_nan())
        {
            Some("lags/leads")
        } else if vals.iter().any(|v| v[r].is_nan()) {
            Some("differences")
        } else {
            None
        };
        if let Some(why) = reason {
            *keep_r = false;
            count(&mut dropped, why, 1);
        }
    }
    if opts.drop_singletons && matches!(opts.model, Model::Within | Model::Twoways) {
        let uid = panel.unit_ids();
        let mut per = vec![0usize; panel.unit_labels().len()];
        for r in 0..nr {
            if keep[r] {
                per[uid[r]] += 1;
            }
        }
        for r in 0..nr {
            if keep[r] && per[uid[r]] == 1 {
                keep[r] = false;
                count(&mut dropped, "singletons", 1);
            }
        }
    }
    let rows: Vec<usize> = (0..nr).filter(|&r| keep[r]).collect();
    if rows.is_empty() {
        return Err(Error::Data(format!(
            "no complete observations for '{}' ({})",
            formula.text,
            dropped
                .iter()
                .map(|(k, v)| format!("{v} dropped for {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let uid = panel.unit_ids();
    let mut umap = BTreeMap::new();
    let mut unit_labels = Vec::new();
    let unit: Vec<usize> = rows
        .iter()
        .map(|&r| {
            let next = umap.len();
            *umap.entry(uid[r]).or_insert_with(|| {
                unit_labels.push(panel.unit_labels()[uid[r]].clone());
                next
            })
        })
        .collect();
    let time: Vec<i64> = rows.iter().map(|&r| panel.times()[r]).collect();
    let mut dt = time.clone();
    dt.sort_unstable();
    dt.dedup();
    let time_idx: Vec<usize> = time
        .iter()
        .map(|t| dt.binary_search(t).unwrap_or(0))
        .collect();
    let pick = |v: &Vec<f64>| -> Vec<f64> { rows.iter().map(|&r| v[r]).collect() };
    Ok(Sample {
        y: pick(&vals[0]),
        cols: vals[1..].iter().map(pick).collect(),
        names: formula.terms.iter().map(|t| t.name.clone()).collect(),
        w: w.as_ref().map(pick),
        unit,
        time,
        time_idx,
        n_units: unit_labels.len(),
        unit_labels,
        n_times: dt.len(),
        dropped,
    })
}

fn norm_w(x: &[f64], w: Option<&[f64]>) -> f64 {
    x.iter()
        .enumerate()
        .map(|(i, v)| w.map_or(1.0, |w| w[i]) * v * v)
        .sum::<f64>()
        .sqrt()
}

fn scale_by(x: &[f64], s: Option<&[f64]>) -> Vec<f64> {
    match s {
        Some(s) => x.iter().zip(s).map(|(a, b)| a * b).collect(),
        None => x.to_vec(),
    }
}

/// Result of one least-squares step on transformed, √w-scaled columns.
struct Ls {
    qr: Qr,
    beta: Vec<f64>,
}

fn least_squares(cols: &[Vec<f64>], refn: &[f64], y: &[f64]) -> Ls {
    let qr = Qr::new(cols, refn);
    let beta = qr.solve(y);
    Ls { qr, beta }
}

/// Parses `formula`, resolves the model (explicit, or implied by `| effects`, else within)
/// and estimates, optionally weighted by the column `weights`.
pub fn fit_formula(
    panel: &Panel,
    formula: &str,
    model: Option<Model>,
    weights: Option<&str>,
) -> Result<Fit> {
    let f = Formula::parse(formula)?;
    f.check(panel)?;
    let model = Model::resolve(&f, panel, model)?;
    let mut opts = EstimateOptions::new(model);
    opts.weights = weights.map(str::to_string);
    estimate(panel, &f, &opts)
}

/// Estimates `formula` on `panel` with the options' model and weights.
pub fn estimate(panel: &Panel, formula: &Formula, opts: &EstimateOptions) -> Result<Fit> {
    let s = prepare(panel, formula, opts)?;
    estimate_sample(&s, formula, opts)
}

/// Estimates on a prepared sample (lets several models share one preparation).
pub fn estimate_sample(s: &Sample, formula: &Formula, opts: &EstimateOptions) -> Result<Fit> {
    let model = opts.model;
    if opts.weights.is_some() && matches!(model, Model::Between | Model::Random) {
        return Err(Error::Usage(format!(
            "weights are not supported for the {} model",
            model.name()
        )));
    }
    let w = s.w.as_deref();
    let sw: Option<Vec<f64>> = s.w.as_ref().map(|w| w.iter().map(|v| v.sqrt()).collect());
    let swr = sw.as_deref();
    let intercept = formula.intercept && model.has_intercept();
    // Raw columns (intercept first) and their reference norms.
    let mut names: Vec<String> = Vec::new();
    let mut raw: Vec<Vec<f64>> = Vec::new();
    let n0 = s.y.len();
    if intercept {
        names.push(INTERCEPT.to_string());
        raw.push(vec![1.0; n0]);
    }
    names.extend(s.names.iter().cloned());
    raw.extend(s.cols.iter().cloned());
    let mut refn: Vec<f64> = raw.iter().map(|c| norm_w(c, w)).collect();
    let (nu, nt) = (s.n_units, s.n_times);

    // Transform y and the design; `xs` are √w-scaled transformed columns, `ys` likewise.
    let mut unit = s.unit.clone();
    let mut time = s.time.clone();
    let mut time_idx = s.time_idx.clone();
    let mut k_fe = 0usize;
    let mut random = None;
    let mut sqrt_w = sw.clone();
    let (ys, xs, y_t): (Vec<f64>, Vec<Vec<f64>>, Vec<f64>) = match model {
        Model::Pooled | Model::Fd => {
            let xs = raw.iter().map(|c| scale_by(c, swr)).collect();
            (scale_by(&s.y, swr), xs, s.y.clone())
        }
        Model::WithinTime => {
            k_fe = nt;
            let yt = demean(&s.y, &s.time_idx, nt, w);
            let xs = raw
                .iter()
                .map(|c| scale_by(&demean(c, &s.time_idx, nt, w), swr))
                .collect();
            (scale_by(&yt, swr), xs, yt)
        }
        Model::Within => {
            k_fe = nu;
            let yt = demean(&s.y, &s.unit, nu, w);
            let xs = raw
                .iter()
                .map(|c| scale_by(&demean(c, &s.unit, nu, w), swr))
                .collect();
            (scale_by(&yt, swr), xs, yt)
        }
        Model::Twoways => {
            let mut all = vec![s.y.clone()];
            all.extend(raw.iter().cloned());
            let (prim, sec) = if nu >= nt {
                ((&s.unit[..], nu), (&s.time_idx[..], nt))
            } else {
                ((&s.time_idx[..], nt), (&s.unit[..], nu))
            };
            let (mut out, kept) = twoway(&all, prim, sec, w);
            k_fe = prim.1 + kept;
            let ys = out.remove(0);
            let yt = match swr {
                Some(sw) => ys.iter().zip(sw).map(|(a, b)| a / b).collect(),
                None => ys.clone(),
            };
            (ys, out, yt)
        }
        Model::Between => {
            let yb = group_means(&s.y, &s.unit, nu, None);
            let xs: Vec<Vec<f64>> = raw
                .iter()
                .map(|c| group_means(c, &s.unit, nu, None))
                .collect();
            refn = xs.iter().map(|c| norm_w(c, None)).collect();
            // One observation per unit; its time is the unit's first period.
            let mut first_t = vec![i64::MAX; nu];
            for (u, t) in s.unit.iter().zip(&s.time) {
                first_t[*u] = first_t[*u].min(*t);
            }
            unit = (0..nu).collect();
            time = first_t;
            let mut dt = time.clone();
            dt.sort_unstable();
            dt.dedup();
            time_idx = time
                .iter()
                .map(|t| dt.binary_search(t).unwrap_or(0))
                .collect();
            sqrt_w = None;
            (yb.clone(), xs, yb)
        }
        Model::Random => {
            let comp = swamy_arora(s, &raw, &refn)?;
            let theta_row: Vec<f64> = s.unit.iter().map(|&u| comp.theta[u]).collect();
            let qd = |c: &Vec<f64>| -> Vec<f64> {
                let m = group_means(c, &s.unit, nu, None);
                c.iter()
                    .zip(&s.unit)
                    .zip(&theta_row)
                    .map(|((v, u), th)| v - th * m[*u])
                    .collect()
            };
            let yt = qd(&s.y);
            let xs = raw.iter().map(qd).collect();
            random = Some(comp);
            (yt.clone(), xs, yt)
        }
    };
    let ls = least_squares(&xs, &refn, &ys);
    let mut dropped_terms = Vec::new();
    for &j in &ls.qr.dropped {
        let tn = norm_w(&xs[j], None);
        let reason = if tn <= 1e-10 * refn[j].max(f64::MIN_POSITIVE) {
            match model {
                Model::Within => "no variation within units (absorbed by the unit fixed effects)",
                Model::WithinTime => {
                    "no variation within periods (absorbed by the time fixed effects)"
                }
                Model::Twoways => "no variation left after removing unit and time fixed effects",
                Model::Fd => "no variation in first differences",
                _ => "identically zero",
            }
        } else {
            "collinear with earlier regressors"
        };
        dropped_terms.push(DroppedTerm {
            term: names[j].clone(),
            reason: reason.to_string(),
        });
    }
    if ls.qr.rank() == 0 {
        return Err(Error::Data(format!(
            "every regressor of '{}' was dropped ({}); nothing to estimate",
            formula.text,
            dropped_terms
                .iter()
                .map(|d| format!("{}: {}", d.term, d.reason))
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let n = ys.len();
    let kept = ls.qr.kept.clone();
    let k = kept.len();
    let mut x = Array2::<f64>::zeros((n, k));
    for (c, &j) in kept.iter().enumerate() {
        for i in 0..n {
            x[[i, c]] = xs[j][i];
        }
    }
    let fitted_s: Vec<f64> = (0..n)
        .map(|i| (0..k).map(|c| x[[i, c]] * ls.beta[c]).sum())
        .collect();
    let resid_s: Vec<f64> = ys.iter().zip(&fitted_s).map(|(a, b)| a - b).collect();
    let resid: Vec<f64> = match &sqrt_w {
        Some(swv) => resid_s.iter().zip(swv).map(|(u, s)| u / s).collect(),
        None => resid_s.clone(),
    };
    let rss: f64 = resid_s.iter().map(|v| v * v).sum();
    // R² as plm reports it: the squared correlation of the transformed response and its
    // fitted values (= 1 − RSS/TSS for unweighted OLS with an intercept or on demeaned data).
    let r2 = {
        let fit_t: Vec<f64> = y_t.iter().zip(&resid).map(|(a, b)| a - b).collect();
        let nf = n as f64;
        let (my, mf) = (y_t.iter().sum::<f64>() / nf, fit_t.iter().sum::<f64>() / nf);
        let (mut syf, mut syy, mut sff) = (0.0, 0.0, 0.0);
        for (a, b) in y_t.iter().zip(&fit_t) {
            syf += (a - my) * (b - mf);
            syy += (a - my).powi(2);
            sff += (b - mf).powi(2);
        }
        syf * syf / (syy * sff)
    };
    let fe_model = matches!(model, Model::Within | Model::Twoways | Model::WithinTime);
    let fit = Fit {
        model,
        formula: formula.text.clone(),
        response: formula.response.name.clone(),
        terms: kept.iter().map(|&j| names[j].clone()).collect(),
        coefficients: ls.beta.clone(),
        x,
        resid,
        y: y_t,
        sqrt_w,
        xtx_inv: ls.qr.xtx_inv(),
        unit,
        time,
        time_idx,
        unit_labels: s.unit_labels.clone(),
        n_units: nu,
        n_times: nt,
        n,
        k,
        k_fe,
        fe_unit: matches!(model, Model::Within | Model::Twoways),
        fe_time: matches!(model, Model::Twoways | Model::WithinTime),
        rss,
        r2,
        r2_within: if fe_model { Some(r2) } else { None },
        dropped_obs: s.dropped.clone(),
        dropped_terms,
        random,
    };
    if fit.df_resid() == 0 {
        return Err(Error::Data(format!(
            "'{}' ({}) leaves no residual degrees of freedom: n = {}, k = {}, absorbed = {}",
            formula.text,
            model.name(),
            fit.n,
            fit.k,
            fit.k_fe
        )));
    }
    Ok(fit)
}

/// Swamy–Arora variance components as plm computes them (`random.method = "swar"`), valid
/// for unbalanced panels:
/// σ²_ε = RSS_within / (n − N − K_w);
/// σ²_μ = (RSS_B − (N − K_b) σ²_ε) / (n − tr[(X'PX)⁻¹ X'ZZ'X]), where RSS_B is the residual
/// sum of squares of the between regression on the unit means repeated T_i times
/// (Baltagi & Chang 1994), X the design with intercept, P the unit-mean projection and Z the
/// unit dummies; θ_i = 1 − √(σ²_ε / (σ²_ε + T_i σ²_μ)). A negative σ²_μ is set to 0.
fn swamy_arora(s: &Sample, raw: &[Vec<f64>], refn: &[f64]) -> Result<RandomComponents> {
    let nu = s.n_units;
    let n = s.y.len() as f64;
    let mut ti = vec![0f64; nu];
    for &u in &s.unit {
        ti[u] += 1.0;
    }
    // Within step (slopes only: the intercept column demeans to zero and is dropped).
    let wy = demean(&s.y, &s.unit, nu, None);
    let wx: Vec<Vec<f64>> = raw.iter().map(|c| demean(c, &s.unit, nu, None)).collect();
    let lw = least_squares(&wx, refn, &wy);
    let rw = lw.qr.residualize(&wy);
    let rss_w: f64 = rw.iter().map(|v| v * v).sum();
    let kw = lw.qr.rank() as f64;
    let df_w = n - nu as f64 - kw;
    if df_w <= 0.0 {
        return Err(Error::Data(
            "random effects: no degrees of freedom for the idiosyncratic variance".into(),
        ));
    }
    let s2e = rss_w / df_w;
    // Between step on unit means repeated T_i times.
    let ybar = group_means(&s.y, &s.unit, nu, None);
    let xbar: Vec<Vec<f64>> = raw
        .iter()
        .map(|c| group_means(c, &s.unit, nu, None))
        .collect();
    let by: Vec<f64> = s.unit.iter().map(|&u| ybar[u]).collect();
    let bx: Vec<Vec<f64>> = xbar
        .iter()
        .map(|m| s.unit.iter().map(|&u| m[u]).collect())
        .collect();
    let lb = least_squares(&bx, refn, &by);
    let rb = lb.qr.residualize(&by);
    let rss_b: f64 = rb.iter().map(|v| v * v).sum();
    let kb = lb.qr.rank();
    // tr[(X'PX)⁻¹ X'ZZ'X] with X'PX = Σ T_i x̄ x̄', X'ZZ'X = Σ T_i² x̄ x̄' (kept columns).
    let kc = &lb.qr.kept;
    let mut a = Array2::<f64>::zeros((kb, kb));
    let mut bm = Array2::<f64>::zeros((kb, kb));
    for u in 0..nu {
        for (p, &jp) in kc.iter().enumerate() {
            for (q, &jq) in kc.iter().enumerate() {
                let v = xbar[jp][u] * xbar[jq][u];
                a[[p, q]] += ti[u] * v;
                bm[[p, q]] += ti[u] * ti[u] * v;
            }
        }
    }
    let ainv = crate::linalg::inv_sym(&a)?;
    let tr = ainv.dot(&bm).diag().sum();
    let s2u_raw = (rss_b - (nu as f64 - kb as f64) * s2e) / (n - tr);
    let s2u = s2u_raw.max(0.0);
    let theta = ti
        .iter()
        .map(|t| 1.0 - (s2e / (s2e + t * s2u)).sqrt())
        .collect();
    Ok(RandomComponents {
        sigma2_idios: s2e,
        sigma2_indiv: s2u,
        theta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::{Column, ColumnData};

    fn panel(units: &[&str], years: &[i64], cols: Vec<(&str, Vec<f64>)>) -> Panel {
        Panel::from_columns(
            "unit",
            "year",
            units.iter().map(|s| s.to_string()).collect(),
            years.to_vec(),
            cols.into_iter()
                .map(|(n, v)| Column {
                    name: n.into(),
                    data: ColumnData::Num(v),
                })
                .collect(),
        )
        .unwrap()
    }

    /// y = 2 + unit effect + 0.5 x1 − 1.5 x2 exactly: every estimator must recover the slopes.
    #[test]
    fn recovers_exact_slopes() {
        let units = ["a", "a", "a", "b", "b", "b", "c", "c", "c", "c"];
        let years = [1, 2, 3, 1, 2, 3, 1, 2, 3, 4];
        let x1 = vec![1.0, 4.0, 2.0, 3.0, 7.0, 1.0, 5.0, 2.0, 8.0, 3.0];
        let x2 = vec![0.5, 1.0, 3.0, 2.0, 0.0, 1.5, 1.0, 4.0, 2.5, 0.0];
        let fe = [1.0, 1.0, 1.0, -2.0, -2.0, -2.0, 0.5, 0.5, 0.5, 0.5];
        let y: Vec<f64> = (0..10)
            .map(|i| 2.0 + fe[i] + 0.5 * x1[i] - 1.5 * x2[i])
            .collect();
        let p = panel(&units, &years, vec![("y", y), ("x1", x1), ("x2", x2)]);
        let f = Formula::parse("y ~ x1 + x2").unwrap();
        for m in [Model::Within, Model::Twoways, Model::Fd] {
            let fit = estimate(&p, &f, &EstimateOptions::new(m)).unwrap();
            assert!((fit.coef("x1").unwrap() - 0.5).abs() < 1e-12, "{m:?}");
            assert!((fit.coef("x2").unwrap() + 1.5).abs() < 1e-12, "{m:?}");
        }
        let fit = estimate(&p, &f, &EstimateOptions::new(Model::Fd)).unwrap();
        assert_eq!(fit.terms, ["(Intercept)", "x1", "x2"]);
        assert!(fit.coef(INTERCEPT).unwrap().abs() < 1e-12);
        assert_eq!(fit.n, 7);
        assert_eq!(fit.dropped_obs.get("differences"), Some(&3));
    }

    #[test]
    fn drops_collinear_and_constant_terms_and_counts_rows() {
        let units = [
            "a", "a", "a", "a", "a", "b", "b", "b", "b", "b", "c", "c", "c", "c", "c",
        ];
        let years = [1, 2, 4, 5, 6, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5];
        let x = vec![
            1.0,
            3.0,
            2.0,
            5.0,
            4.0,
            8.0,
            2.0,
            9.0,
            6.0,
            1.0,
            7.0,
            3.0,
            5.0,
            2.0,
            f64::NAN,
        ];
        let x2: Vec<f64> = x.iter().map(|v| 3.0 * v).collect();
        let z = vec![
            1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 7.0, 7.0, 7.0, 7.0, 7.0,
        ];
        let y = vec![
            1.0, 2.0, 0.5, 3.0, 1.0, 2.0, 4.0, 2.5, 1.0, 3.5, 0.0, 2.0, 1.5, 4.0, 2.0,
        ];
        let p = panel(
            &units,
            &years,
            vec![("y", y), ("x", x), ("x2", x2), ("z", z)],
        );
        let f = Formula::parse("y ~ x + x2 + z + l(x, 1)").unwrap();
        let fit = estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap();
        assert_eq!(fit.terms, ["x", "l(x, 1)"]);
        let dt: Vec<(&str, &str)> = fit
            .dropped_terms
            .iter()
            .map(|d| (d.term.as_str(), d.reason.as_str()))
            .collect();
        assert_eq!(dt[0], ("x2", "collinear with earlier regressors"));
        assert_eq!(dt[1].0, "z");
        assert!(dt[1].1.contains("no variation within units"));
        // Row (c,5) has x missing; (a,1),(b,1),(c,1) have no lag; (a,4) lags across the gap.
        assert_eq!(fit.dropped_obs.get("missing values"), Some(&1));
        assert_eq!(fit.dropped_obs.get("lags/leads"), Some(&4));
        assert_eq!(fit.n, 10);
        assert_eq!(fit.k_fe, 3);
        assert_eq!(fit.df_resid(), 5);
        let only_z = Formula::parse("y ~ z").unwrap();
        let e = estimate(&p, &only_z, &EstimateOptions::new(Model::Within)).unwrap_err();
        assert!(e.to_string().contains("every regressor"));
    }

    #[test]
    fn singletons_are_counted_when_dropped_and_change_nothing_else() {
        let units = ["a", "a", "a", "b", "b", "b", "c"];
        let years = [1, 2, 3, 1, 2, 3, 1];
        let x = vec![1.0, 4.0, 2.0, 3.0, 7.0, 1.0, 5.0];
        let y = vec![2.0, 1.0, 4.0, 3.0, 0.5, 2.0, 9.0];
        let p = panel(&units, &years, vec![("y", y), ("x", x)]);
        let f = Formula::parse("y ~ x").unwrap();
        let keep = estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap();
        let mut o = EstimateOptions::new(Model::Within);
        o.drop_singletons = true;
        let drop = estimate(&p, &f, &o).unwrap();
        assert_eq!(drop.dropped_obs.get("singletons"), Some(&1));
        assert_eq!((keep.n, drop.n), (7, 6));
        assert_eq!(keep.df_resid(), drop.df_resid());
        assert!((keep.coefficients[0] - drop.coefficients[0]).abs() < 1e-14);
    }

    #[test]
    fn fd_is_gap_aware_unless_asked_to_difference_across_gaps() {
        let units = ["a", "a", "a", "b", "b", "b", "b"];
        let years = [1, 2, 4, 1, 2, 3, 4];
        let x = vec![1.0, 4.0, 2.0, 3.0, 7.0, 1.0, 5.0];
        let y = vec![2.0, 1.0, 4.0, 3.0, 0.5, 2.0, 9.0];
        let p = panel(&units, &years, vec![("y", y), ("x", x)]);
        let f = Formula::parse("y ~ x").unwrap();
        let gap = estimate(&p, &f, &EstimateOptions::new(Model::Fd)).unwrap();
        assert_eq!(gap.n, 4);
        assert_eq!(gap.dropped_obs.get("differences"), Some(&3));
        let mut o = EstimateOptions::new(Model::Fd);
        o.fd_across_gaps = true;
        let rows = estimate(&p, &f, &o).unwrap();
        assert_eq!(rows.n, 5);
        // The (a, 2) → (a, 4) difference: Δy = 3, Δx = −2 enters the across-gaps sample.
        assert!(rows.y.contains(&3.0));
        assert!(!gap.y.contains(&3.0));
    }

    /// Slopes of dummy-variable least squares (unit and time dummies, √w-scaled).
    fn lsdv(s: &Sample) -> Vec<f64> {
        let w = s.w.clone().unwrap_or(vec![1.0; s.y.len()]);
        let sw: Vec<f64> = w.iter().map(|v| v.sqrt()).collect();
        let sc = |c: &[f64]| -> Vec<f64> { c.iter().zip(&sw).map(|(a, b)| a * b).collect() };
        let mut cols: Vec<Vec<f64>> = s.cols.iter().map(|c| sc(c)).collect();
        for u in 0..s.n_units {
            let d: Vec<f64> = s.unit.iter().map(|&g| f64::from(g == u)).collect();
            cols.push(sc(&d));
        }
        for t in 1..s.n_times {
            let d: Vec<f64> = s.time_idx.iter().map(|&g| f64::from(g == t)).collect();
            cols.push(sc(&d));
        }
        let refn: Vec<f64> = cols.iter().map(|c| norm_w(c, None)).collect();
        let qr = Qr::new(&cols, &refn);
        qr.solve(&sc(&s.y))[..s.cols.len()].to_vec()
    }

    #[test]
    fn twoways_equals_dummy_regression_on_unbalanced_weighted_panels() {
        let p = crate::panel::io::read_csv(
            &crate::testdata::reference("grunfeld_unbal.csv"),
            "firm",
            "year",
        )
        .unwrap();
        let f = Formula::parse("inv ~ value + capital").unwrap();
        let mut o = EstimateOptions::new(Model::Twoways);
        o.weights = Some("w".into());
        let fit = estimate(&p, &f, &o).unwrap();
        let want = lsdv(&prepare(&p, &f, &o).unwrap());
        for (a, b) in fit.coefficients.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-10 * b.abs(), "{a} vs {b}");
        }
        assert_eq!(fit.k_fe, 10 + 19);
        // Fewer units than periods: the unit dummies are the ones partialled out.
        let units: Vec<&str> = (0..20).map(|i| ["a", "b", "c"][i % 3]).collect();
        let years: Vec<i64> = (0..20).map(|i| 2000 + (i / 3) as i64).collect();
        let x: Vec<f64> = (0..20).map(|i| ((i * 7) % 11) as f64).collect();
        let z: Vec<f64> = (0..20).map(|i| ((i * 5) % 7) as f64 * 0.5).collect();
        let y: Vec<f64> = (0..20)
            .map(|i| x[i] - 2.0 * z[i] + ((i * 3) % 5) as f64)
            .collect();
        let q = panel(&units, &years, vec![("y", y), ("x", x), ("z", z)]);
        let g = Formula::parse("y ~ x + z").unwrap();
        let o = EstimateOptions::new(Model::Twoways);
        let fit = estimate(&q, &g, &o).unwrap();
        let want = lsdv(&prepare(&q, &g, &o).unwrap());
        for (a, b) in fit.coefficients.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-10 * b.abs(), "{a} vs {b}");
        }
        assert_eq!(fit.k_fe, 3 + 6);
    }
}

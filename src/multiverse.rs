//! Runs a multiverse ([`crate::spec::multiverse`]) on a panel: every spec estimated in
//! parallel, the specification curve's summary and joint test under the null (Simonsohn,
//! Simmons & Nelson 2020), Romano–Wolf adjusted p-values, and each spec's effect through DI's
//! projection under every reading.
//!
//! ```no_run
//! use iku::multiverse::run;
//! use iku::spec::multiverse::MultiverseFile;
//!
//! let m = MultiverseFile::load(std::path::Path::new("specs/multiverse.toml"))?;
//! let panel = iku::canonical::load(std::path::Path::new("data/synthetic/panel.csv"))?;
//! let r = run(&panel, &m, m.multiverse.year, m.multiverse.k)?;
//! println!("{} specs, median effect {:.2}", r.rows.len(), r.summary.median_effect);
//! # Ok::<(), iku::Error>(())
//! ```

use crate::projection::{self, definitions::Approach};
use crate::spec::multiverse::{MultiverseFile, DIMENSIONS};
use crate::spec::run::AnyRun;
use crate::Panel;
use panelkit::error::Result;
use panelkit::inference::bootstrap::WildBootstrap;
use panelkit::inference::multiple::{curve_test, median_of, romano_wolf, CurveTest};
use serde::Serialize;

/// Significance level of the curve's shares and joint test.
pub const ALPHA: f64 = 0.05;

/// One specification of the multiverse.
#[derive(Debug, Clone, Serialize)]
pub struct MultiverseRow {
    /// `m001`, … in enumeration order.
    pub spec: String,
    /// The option chosen in each dimension, in [`DIMENSIONS`] order.
    pub choices: Vec<String>,
    pub formula: String,
    /// The estimator that ran.
    pub estimator: String,
    /// The covariance.
    pub vcov: String,
    /// The IKU effect on spending (sum of the lag terms), DKK per inhabitant per pp.
    pub estimate: f64,
    pub std_error: f64,
    /// t degrees of freedom (None: normal).
    pub df: Option<f64>,
    pub conf_low: f64,
    pub conf_high: f64,
    pub p_value: f64,
    pub nobs: usize,
    pub n_units: usize,
    /// Romano–Wolf stepdown p-value across the whole multiverse (joint bootstrap draws).
    pub p_romano_wolf: Option<f64>,
    /// Savings at best practice, DKK, under the national, municipal-absolute and
    /// municipal-relative readings (the effect times each reading's multiplier).
    pub savings_dkk: [f64; 3],
    /// Whether this is the best estimate.
    pub best: bool,
}

/// The specification curve in numbers.
#[derive(Debug, Clone, Serialize)]
pub struct CurveSummary {
    pub n_specs: usize,
    pub median_effect: f64,
    pub share_negative: f64,
    /// Share with p < 0.05 (each spec's own covariance), either sign.
    pub share_significant: f64,
    /// Share negative and significant at 5 %.
    pub share_significant_negative: f64,
    pub min_effect: f64,
    pub max_effect: f64,
    /// The joint test under the null (None when `reps = 0`).
    pub joint_test: Option<CurveTest>,
}

/// The distribution of one reading's savings across the multiverse, DKK.
#[derive(Debug, Clone, Serialize)]
pub struct SavingsSummary {
    pub reading: &'static str,
    /// DKK of saving per DKK/inhabitant/pp of effect.
    pub multiplier: f64,
    pub min: f64,
    pub p05: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub p95: f64,
    pub max: f64,
    /// Share of specs whose saving is at least the published figure.
    pub share_at_least_published: f64,
    /// Share of specs with a saving (effect < 0).
    pub share_positive: f64,
}

/// Everything a multiverse run yields.
#[derive(Debug, Clone, Serialize)]
pub struct MultiverseResults {
    pub dimensions: Vec<&'static str>,
    /// Option names per dimension.
    pub options: Vec<Vec<String>>,
    /// Rules: (the combinations each excludes, its reason).
    pub rules: Vec<(usize, String)>,
    pub n_combinations: usize,
    pub rows: Vec<MultiverseRow>,
    pub summary: CurveSummary,
    pub savings: Vec<SavingsSummary>,
    /// Index of the best estimate in `rows`.
    pub best: usize,
    /// DI's published effect as an effect on spending (−12.5) and saving (DKK).
    pub published_effect: f64,
    pub published_savings_dkk: f64,
    pub year: i64,
    pub k: usize,
    pub reps: usize,
    pub seed: u64,
}

/// Expands the multiverse, estimates every spec in parallel on `panel` (same results and order
/// for any number of threads), and projects each effect for `year` and top `k`.
pub fn run(panel: &Panel, m: &MultiverseFile, year: i64, k: usize) -> Result<MultiverseResults> {
    let exp = m.expand()?;
    let file = m.spec_file(&exp);
    let runs = file.run_parallel(&m.origin, panel)?;
    let mult = projection::multipliers(panel, year, k)?;
    let boots: Vec<&WildBootstrap> = runs
        .iter()
        .filter_map(|r| match r {
            AnyRun::Panel(p) => p.draws.as_ref(),
            AnyRun::Gmm(_) => None,
        })
        .collect();
    let joint = boots.len() == runs.len() && !boots.is_empty();
    let rw = if joint {
        Some(romano_wolf(&boots)?)
    } else {
        None
    };
    let joint_test = if joint {
        Some(curve_test(&boots, ALPHA)?)
    } else {
        None
    };
    let rows: Vec<MultiverseRow> = runs
        .iter()
        .zip(&exp.specs)
        .enumerate()
        .map(|(i, (r, (c, spec)))| {
            let e = r.effect();
            let saving = projection::saving_of_coefficient(e.estimate);
            let (estimator, nobs, n_units) = match r {
                AnyRun::Panel(p) => (p.fit.model().name().to_string(), p.fit.n(), p.fit.n_units()),
                AnyRun::Gmm(g) => (g.spec.model.clone().unwrap_or_default(), 0, 0),
            };
            MultiverseRow {
                spec: spec.name.clone(),
                choices: (0..DIMENSIONS.len())
                    .map(|d| m.choice_name(c, d).to_string())
                    .collect(),
                formula: spec.formula.clone(),
                estimator,
                vcov: file
                    .vcov_of(spec)
                    .map(|v| v.kind().name().to_string())
                    .unwrap_or_default(),
                estimate: e.estimate,
                std_error: e.std_error,
                df: r.df(),
                conf_low: e.conf_low,
                conf_high: e.conf_high,
                p_value: e.p_value,
                nobs,
                n_units,
                p_romano_wolf: rw.as_ref().map(|p| p[i]),
                savings_dkk: Approach::ALL.map(|a| mult.of(a) * saving),
                best: i == exp.best,
            }
        })
        .collect();
    let published = projection::di_2022();
    let published_effect = projection::coefficient_of_saving(published.effect_dkk_per_capita_pp);
    let summary = summarize(&rows, joint_test);
    let savings = Approach::ALL
        .iter()
        .enumerate()
        .map(|(j, a)| {
            let v: Vec<f64> = rows.iter().map(|r| r.savings_dkk[j]).collect();
            savings_summary(a.as_str(), mult.of(*a), &v, published.savings_dkk)
        })
        .collect();
    Ok(MultiverseResults {
        dimensions: DIMENSIONS.to_vec(),
        options: m.options.clone(),
        rules: m
            .multiverse
            .rule
            .iter()
            .zip(&exp.excluded_by_rule)
            .map(|(r, n)| (*n, r.why.clone().unwrap_or_default()))
            .collect(),
        n_combinations: exp.n_combinations,
        rows,
        summary,
        savings,
        best: exp.best,
        published_effect,
        published_savings_dkk: published.savings_dkk,
        year,
        k,
        reps: m.multiverse.reps,
        seed: m.multiverse.seed,
    })
}

fn share(rows: &[MultiverseRow], f: impl Fn(&MultiverseRow) -> bool) -> f64 {
    rows.iter().filter(|r| f(r)).count() as f64 / rows.len().max(1) as f64
}

fn summarize(rows: &[MultiverseRow], joint_test: Option<CurveTest>) -> CurveSummary {
    let est: Vec<f64> = rows.iter().map(|r| r.estimate).collect();
    CurveSummary {
        n_specs: rows.len(),
        median_effect: median_of(&est),
        share_negative: share(rows, |r| r.estimate < 0.0),
        share_significant: share(rows, |r| r.p_value < ALPHA),
        share_significant_negative: share(rows, |r| r.p_value < ALPHA && r.estimate < 0.0),
        min_effect: est.iter().copied().fold(f64::INFINITY, f64::min),
        max_effect: est.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        joint_test,
    }
}

/// The q-quantile of sorted values (linear interpolation, R's type 7).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn savings_summary(
    reading: &'static str,
    multiplier: f64,
    v: &[f64],
    published: f64,
) -> SavingsSummary {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    let n = v.len().max(1) as f64;
    SavingsSummary {
        reading,
        multiplier,
        min: quantile(&s, 0.0),
        p05: quantile(&s, 0.05),
        p25: quantile(&s, 0.25),
        median: quantile(&s, 0.5),
        p75: quantile(&s, 0.75),
        p95: quantile(&s, 0.95),
        max: quantile(&s, 1.0),
        share_at_least_published: v.iter().filter(|x| **x >= published).count() as f64 / n,
        share_positive: v.iter().filter(|x| **x > 0.0).count() as f64 / n,
    }
}

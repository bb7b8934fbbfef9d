//! A whole spec set on a panel in memory, no files: the library path behind the pipeline's
//! estimates and the in-process Monte Carlo ([`crate::montecarlo`]).
//!
//! ```no_run
//! use iku::simulate::{simulate, SimConfig};
//! use iku::spec::{run_spec_set, SpecFile};
//!
//! let spec = SpecFile::load(std::path::Path::new("specs/vive.toml"))?;
//! for seed in 1..=3 {
//!     let sim = simulate(&SimConfig { seed, ..SimConfig::default() })?;
//!     let results = run_spec_set(&sim.panel, &spec)?;
//!     let best = results.best();
//!     println!("seed {seed}: {} = {:.3}", best.name, best.estimate);
//! }
//! # Ok::<(), iku::Error>(())
//! ```

use super::run::AnyRun;
use super::SpecFile;
use panelkit::error::Result;
use panelkit::panel::Panel;

/// The IKU effect of one spec: the sum of its effect terms with standard error, interval
/// (95 %) and p-value. An effect on spending: negative = spending falls (see the sign
/// convention in [`crate::projection`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SpecEffect {
    /// The spec's `name`.
    pub name: String,
    /// The spec's `label`.
    pub label: String,
    /// DKK per inhabitant per year per pp IKU.
    pub estimate: f64,
    pub std_error: f64,
    /// Degrees of freedom of the t distribution used (`None`: normal).
    pub df: Option<f64>,
    pub p_value: f64,
    pub conf_low: f64,
    pub conf_high: f64,
}

/// Every spec of a set estimated on one panel, in spec-file order.
#[derive(Debug, Clone)]
pub struct SpecResults {
    /// One run per spec, in file order.
    pub runs: Vec<AnyRun>,
    /// Index of the best-estimate spec in `runs`.
    best: usize,
    /// Municipalities left out of a derived variable, and why.
    pub notes: Vec<String>,
}

impl SpecResults {
    /// The effect of every spec, in file order.
    pub fn effects(&self) -> Vec<SpecEffect> {
        self.runs.iter().map(effect_of).collect()
    }

    /// The effect of the spec the study names as its best estimate.
    pub fn best(&self) -> SpecEffect {
        effect_of(&self.runs[self.best])
    }

    /// The run of the best-estimate spec.
    pub fn best_run(&self) -> &AnyRun {
        &self.runs[self.best]
    }
}

fn effect_of(r: &AnyRun) -> SpecEffect {
    let (spec, effect) = (r.spec(), r.effect());
    SpecEffect {
        name: spec.name.clone(),
        label: spec.label.clone(),
        estimate: effect.estimate,
        std_error: effect.std_error,
        df: r.df(),
        p_value: effect.p_value,
        conf_low: effect.conf_low,
        conf_high: effect.conf_high,
    }
}

/// Derives the spec set's variables on (a copy of) `panel` and estimates every spec, in
/// process. Errors name the spec file ([`SpecFile::origin`]) and the spec.
pub fn run_spec_set(panel: &Panel, spec: &SpecFile) -> Result<SpecResults> {
    let (runs, notes) = spec.run(&spec.origin, panel)?;
    let best = runs
        .iter()
        .position(|r| r.spec().name == spec.study.best_estimate)
        .unwrap_or(0);
    Ok(SpecResults { runs, best, notes })
}

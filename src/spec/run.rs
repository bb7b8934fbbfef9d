//! Runs a spec set on a panel: derive variables, estimate each spec, compute its IKU effect
//! (a single term or a cumulative sum with its SE), and assemble the estimate table.

use super::gmm::GmmRun;
use super::{Spec, SpecFile};
use crate::report::estimates::{
    BestEstimate, EffectBootstrap, EffectRow, SpecColumn, SpecEstimates,
};
use panelkit::error::{Error, Result};
use panelkit::estimators::{estimate, EstimateOptions, Fit, Model};
use panelkit::etable::{EstimateTable, ModelColumn};
use panelkit::formula::Formula;
use panelkit::inference::bootstrap::{BootKind, BootResult, WildBootstrap};
use panelkit::inference::clusters::{ClusterBy, ClusterVars};
use panelkit::inference::diagnostics::ClusterDiagnostics;
use panelkit::inference::multiple::romano_wolf;
use panelkit::inference::{CoefRow, CoefTable, LinearHypothesis, Ssc, VcovKind, VcovSpec};
use panelkit::panel::Panel;
use std::path::Path;

/// One estimated spec.
#[derive(Debug, Clone)]
pub struct SpecRun {
    pub spec: Spec,
    pub fit: Fit,
    pub table: CoefTable,
    /// The IKU effect: the term itself, or the sum of the listed terms.
    pub effect: CoefRow,
    /// Wild cluster bootstrap of effect = 0, when the spec or the study asks for it.
    pub bootstrap: Option<BootResult>,
    /// Its draws (for multiple-testing adjustments across specs).
    pub draws: Option<WildBootstrap>,
}

impl SpecRun {
    /// The IKU effect under the cluster jackknife (CRV3, clustered by unit) with the spec's
    /// small-sample preset: the alternative inference the Monte Carlo checks.
    pub fn crv3_effect(&self) -> Result<CoefRow> {
        let v = VcovSpec::new(VcovKind::Crv3).with_ssc(self.table.vcov.spec.ssc());
        let v = self.fit.vcov(&v)?;
        self.fit.lincom(&self.spec.effect_weights(), &v, 0.95)
    }
}

/// One estimated spec of either kind.
#[derive(Debug, Clone)]
pub enum AnyRun {
    /// A linear panel model with its covariance.
    Panel(Box<SpecRun>),
    /// Dynamic-panel GMM (`model = "gmm-diff" | "gmm-sys"`) and its IKU effect.
    Gmm(Box<GmmRun>),
}

impl AnyRun {
    /// The spec that was run.
    pub fn spec(&self) -> &Spec {
        match self {
            AnyRun::Panel(r) => &r.spec,
            AnyRun::Gmm(g) => &g.spec,
        }
    }

    /// The IKU effect: the term itself, or the sum of the listed terms.
    pub fn effect(&self) -> &CoefRow {
        match self {
            AnyRun::Panel(r) => &r.effect,
            AnyRun::Gmm(g) => &g.effect,
        }
    }

    /// Degrees of freedom of the effect's t test (None: normal).
    pub fn df(&self) -> Option<f64> {
        match self {
            AnyRun::Panel(r) => r.table.vcov.df,
            AnyRun::Gmm(..) => None,
        }
    }
}

/// Provenance of a run, printed under every table.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub data_file: String,
    pub data_sha256: String,
    pub spec_file: String,
    pub spec_sha256: String,
    pub synthetic: bool,
}

impl SpecFile {
    /// The covariance request of a spec (its own choices, else the study's defaults).
    pub fn vcov_of(&self, spec: &Spec) -> Result<VcovSpec> {
        Ok(VcovSpec::new(VcovKind::parse(
            spec.vcov.as_deref().unwrap_or(&self.study.vcov),
        )?)
        .with_ssc(Ssc::parse(spec.ssc.as_deref().unwrap_or(&self.study.ssc))?)
        .with_lags(spec.lags.or(self.study.lags)))
    }

    /// Derives the variables and estimates every spec on `panel` (in file order); with the
    /// derivation's notes (municipalities left out of a variable, and why).
    pub fn run(&self, origin: &Path, panel: &Panel) -> Result<(Vec<AnyRun>, Vec<String>)> {
        let (panel, notes) = self.derived(origin, panel)?;
        let runs = self
            .specs
            .iter()
            .map(|s| self.run_one(origin, &panel, s))
            .collect::<Result<_>>()?;
        Ok((runs, notes))
    }

    /// As [`SpecFile::run`], the specs estimated in parallel (rayon); the same results in the
    /// same order, whatever the number of threads.
    pub fn run_parallel(&self, origin: &Path, panel: &Panel) -> Result<Vec<AnyRun>> {
        use rayon::prelude::*;
        let (panel, _notes) = self.derived(origin, panel)?;
        self.specs
            .par_iter()
            .map(|s| self.run_one(origin, &panel, s))
            .collect()
    }

    /// A copy of `panel` with the derived variables (and the derivation's notes), every
    /// excluded unit checked.
    fn derived(&self, origin: &Path, panel: &Panel) -> Result<(Panel, Vec<String>)> {
        let mut panel = panel.clone();
        let notes = self.derive(origin, &mut panel)?;
        for s in &self.specs {
            if let Some(u) = s.exclude.iter().find(|u| !panel.unit_labels().contains(u)) {
                return Err(Error::input(
                    origin,
                    None,
                    None,
                    format!(
                        "spec '{}': exclude names unit '{u}', which the panel does not have",
                        s.name
                    ),
                ));
            }
        }
        Ok((panel, notes))
    }

    fn run_one(&self, origin: &Path, panel: &Panel, spec: &Spec) -> Result<AnyRun> {
        let ctx =
            |e: Error| Error::Usage(format!("{}: spec '{}': {e}", origin.display(), spec.name));
        let mut sample = self.sample_rows(panel, spec.years.as_deref());
        if !spec.exclude.is_empty() {
            let excluded: Vec<bool> = panel
                .unit_labels()
                .iter()
                .map(|l| spec.exclude.contains(l))
                .collect();
            for (keep, &u) in sample.iter_mut().zip(panel.unit_ids()) {
                *keep &= !excluded[u];
            }
        }
        if let Some(tr) = super::gmm::transformation(spec) {
            let periods = sample_periods(panel, spec, &sample);
            let (fit, effect) = super::gmm::run(panel, spec, tr, sample).map_err(ctx)?;
            return Ok(AnyRun::Gmm(Box::new(GmmRun {
                spec: spec.clone(),
                fit,
                effect,
                periods,
            })));
        }
        let formula = Formula::parse(&spec.formula).map_err(ctx)?;
        let model = match &spec.model {
            Some(m) => Some(Model::parse(m).map_err(ctx)?),
            None => None,
        };
        let model = Model::resolve(&formula, panel, model).map_err(ctx)?;
        let opts = EstimateOptions::new(model)
            .with_weights(spec.weights.as_deref())
            .with_sample(Some(sample));
        let fit = estimate(panel, &formula, &opts).map_err(ctx)?;
        let vspec = self.vcov_of(spec).map_err(ctx)?;
        let clusters = match spec.cluster.as_ref().or(self.study.cluster.as_ref()) {
            Some(c) => Some(
                ClusterVars::from_panel(panel, &fit, c)
                    .map_err(|e| ctx(Error::Usage(format!("cluster = \"{c}\": {e}"))))?,
            ),
            None => None,
        };
        let table = match &clusters {
            Some(c) => fit.coef_table_clustered(&vspec, c, 0.95),
            None => fit.coef_table(&vspec, 0.95),
        }
        .map_err(ctx)?;
        for t in &spec.effect {
            if fit.term_index(t).is_none() {
                return Err(ctx(Error::Usage(format!(
                    "effect term '{t}' is not among the estimated coefficients ({})",
                    fit.terms().join(", ")
                ))));
            }
        }
        let effect = fit
            .lincom(&spec.effect_weights(), &table.vcov, 0.95)
            .map_err(ctx)?;
        let draws = match spec.bootstrap.as_ref().or(self.study.bootstrap.as_ref()) {
            Some(b) => {
                let h = effect_hypothesis(spec).map_err(ctx)?;
                let mut o = b.options().map_err(ctx)?;
                if let Some(c) = &clusters {
                    o.cluster = c.one_way().map_err(ctx)?;
                }
                if b.by_label {
                    o.universe = Some(panel.unit_labels().to_vec());
                }
                Some(WildBootstrap::new(&fit, &h, &o).map_err(ctx)?)
            }
            None => None,
        };
        let bootstrap = draws.as_ref().map(WildBootstrap::result);
        Ok(AnyRun::Panel(Box::new(SpecRun {
            spec: spec.clone(),
            fit,
            table,
            effect,
            bootstrap,
            draws,
        })))
    }

    /// The estimate table (one column per spec) with the best estimate and provenance.
    pub fn table(&self, runs: &[AnyRun], prov: &Provenance) -> SpecEstimates {
        let (unit, time) = (&self.study.unit, &self.study.time);
        // Romano–Wolf across the bootstrapped specs (GMM specs are never bootstrapped) when
        // their bootstraps share clusters, seed and draws.
        let boots: Vec<(usize, &WildBootstrap)> = runs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                AnyRun::Panel(p) => p.draws.as_ref().map(|d| (i, d)),
                AnyRun::Gmm(_) => None,
            })
            .collect();
        let draws: Vec<&WildBootstrap> = boots.iter().map(|(_, d)| *d).collect();
        let rw: Option<Vec<(usize, f64)>> = (!draws.is_empty())
            .then(|| romano_wolf(&draws).ok())
            .flatten()
            .map(|p| boots.iter().map(|(i, _)| *i).zip(p).collect());
        let models: Vec<ModelColumn> = runs
            .iter()
            .map(|r| match r {
                AnyRun::Panel(r) => {
                    ModelColumn::from_fit(&r.spec.label, &r.fit, &r.table, unit, time)
                }
                AnyRun::Gmm(g) => super::gmm::column(g, unit, time),
            })
            .collect();
        // The etable's presets: a GMM column carries its note as vcov + formula, like the rest.
        let models = EstimateTable::new(models);
        let presets = models.presets();
        let columns: Vec<SpecColumn> = runs
            .iter()
            .zip(models.columns)
            .enumerate()
            .map(|(i, (r, fit))| {
                let (spec, effect) = (r.spec(), r.effect());
                let bootstrap = match r {
                    AnyRun::Panel(p) => p.bootstrap.as_ref().map(|b| {
                        let mut e = EffectBootstrap::from(b);
                        e.p_romano_wolf = rw
                            .as_ref()
                            .and_then(|p| p.iter().find(|(j, _)| *j == i).map(|(_, v)| *v));
                        e
                    }),
                    AnyRun::Gmm(_) => None,
                };
                SpecColumn {
                    name: spec.name.clone(),
                    fit,
                    effect: EffectRow {
                        terms: spec.effect.clone(),
                        estimate: effect.estimate,
                        std_error: effect.std_error,
                        df: r.df(),
                        p_value: effect.p_value,
                        conf_low: effect.conf_low,
                        conf_high: effect.conf_high,
                        nan_reason: effect.nan_reason.clone(),
                        bootstrap,
                    },
                    controls: spec.controls.clone(),
                    weights: spec.weights.clone(),
                }
            })
            .collect();
        let best = runs
            .iter()
            .find(|r| r.spec().name == self.study.best_estimate)
            .unwrap_or(&runs[0]);
        SpecEstimates {
            title: self.study.title.clone(),
            synthetic: prov.synthetic,
            data_file: prov.data_file.clone(),
            data_sha256: prov.data_sha256.clone(),
            spec_file: prov.spec_file.clone(),
            spec_sha256: prov.spec_sha256.clone(),
            sample: (self.study.from, self.study.to),
            notes: Vec::new(),
            labels: self.term_labels(),
            options: Default::default(),
            columns,
            best_estimate: BestEstimate {
                spec: best.spec().name.clone(),
                term: best.effect().term.clone(),
                estimate: best.effect().estimate,
                std_error: best.effect().std_error,
                df: best.df(),
                conf_low: best.effect().conf_low,
                conf_high: best.effect().conf_high,
                wcr_conf_low: wcr_ci(best).and_then(|c| c.0),
                wcr_conf_high: wcr_ci(best).and_then(|c| c.1),
            },
            presets,
            cluster_diagnostics: match best {
                AnyRun::Panel(b) => effect_hypothesis(&b.spec)
                    .and_then(|h| ClusterDiagnostics::new(&b.fit, &h, &ClusterBy::Unit))
                    .ok(),
                AnyRun::Gmm(_) => None,
            },
        }
    }
}

/// The distinct years of the sample rows where the response and every term of the spec's
/// formula are observed (lags included): the years a GMM spec's equations in levels use.
fn sample_periods(panel: &Panel, spec: &Spec, sample: &[bool]) -> Vec<i64> {
    let mut complete = sample.to_vec();
    if let Ok(f) = Formula::parse(&spec.formula) {
        for t in std::iter::once(&f.response).chain(&f.terms) {
            if let Ok(v) = t.values(panel) {
                for (c, x) in complete.iter_mut().zip(v) {
                    *c &= x.is_finite();
                }
            }
        }
    }
    let mut years: Vec<i64> = panel
        .times()
        .iter()
        .zip(&complete)
        .filter(|(_, c)| **c)
        .map(|(t, _)| *t)
        .collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// The WCR interval of a run's effect (low, high), when it was bootstrapped with the null
/// imposed and both sides are bounded.
fn wcr_ci(run: &AnyRun) -> Option<(Option<f64>, Option<f64>)> {
    match run {
        AnyRun::Panel(r) => r
            .bootstrap
            .as_ref()
            .filter(|b| b.kind == BootKind::Wcr && b.ci.iter().all(Option::is_some))
            .map(|b| (b.ci[0], b.ci[1])),
        AnyRun::Gmm(_) => None,
    }
}

/// The hypothesis "sum of the spec's effect terms = 0".
fn effect_hypothesis(spec: &Spec) -> Result<LinearHypothesis> {
    LinearHypothesis::parse(&format!("{} = 0", spec.effect.join(" + ")))
}

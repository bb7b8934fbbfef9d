//! Runs a spec set on a panel: derive variables, estimate each spec, compute its IKU effect
//! (a single term or a cumulative sum with its SE), and assemble the estimate table.

use super::{Spec, SpecFile};
use crate::report::estimates::{
    BestEstimate, EffectBootstrap, EffectRow, EstimateTable, SpecColumn, TermRow,
};
use panelkit::error::{Error, Result};
use panelkit::estimators::{estimate, EstimateOptions, Fit, Model};
use panelkit::formula::Formula;
use panelkit::inference::bootstrap::{BootResult, LinearHypothesis, WildBootstrap};
use panelkit::inference::clusters::ClusterBy;
use panelkit::inference::diagnostics::ClusterDiagnostics;
use panelkit::inference::multiple::romano_wolf;
use panelkit::inference::{CoefRow, CoefTable, Ssc, VcovKind, VcovSpec};
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
        Ok(VcovSpec {
            kind: VcovKind::parse(spec.vcov.as_deref().unwrap_or(&self.study.vcov))?,
            ssc: Ssc::parse(spec.ssc.as_deref().unwrap_or(&self.study.ssc))?,
            lags: spec.lags.or(self.study.lags),
        })
    }

    /// Derives the variables and estimates every spec on `panel` (in file order).
    pub fn run(&self, origin: &Path, panel: &Panel) -> Result<Vec<SpecRun>> {
        let mut panel = panel.clone();
        self.derive(origin, &mut panel)?;
        self.specs
            .iter()
            .map(|s| self.run_one(origin, &panel, s))
            .collect()
    }

    fn run_one(&self, origin: &Path, panel: &Panel, spec: &Spec) -> Result<SpecRun> {
        let ctx =
            |e: Error| Error::Usage(format!("{}: spec '{}': {e}", origin.display(), spec.name));
        let formula = Formula::parse(&spec.formula).map_err(ctx)?;
        let model = match &spec.model {
            Some(m) => Some(Model::parse(m).map_err(ctx)?),
            None => None,
        };
        let model = Model::resolve(&formula, panel, model).map_err(ctx)?;
        let years = panel.times();
        let sample: Vec<bool> = years
            .iter()
            .map(|t| {
                *t >= self.study.from
                    && *t <= self.study.to
                    && spec.years.as_ref().is_none_or(|ys| ys.contains(t))
            })
            .collect();
        let mut opts = EstimateOptions::new(model);
        opts.weights = spec.weights.clone();
        opts.sample = Some(sample);
        let fit = estimate(panel, &formula, &opts).map_err(ctx)?;
        let vspec = self.vcov_of(spec).map_err(ctx)?;
        let table = fit.coef_table(&vspec).map_err(ctx)?;
        for t in &spec.effect {
            if fit.term_index(t).is_none() {
                return Err(ctx(Error::Usage(format!(
                    "effect term '{t}' is not among the estimated coefficients ({})",
                    fit.terms.join(", ")
                ))));
            }
        }
        let weights: Vec<(&str, f64)> = spec.effect.iter().map(|t| (t.as_str(), 1.0)).collect();
        let effect = fit.lincom(&weights, &table.vcov, 0.95).map_err(ctx)?;
        let draws = match spec.bootstrap.as_ref().or(self.study.bootstrap.as_ref()) {
            Some(b) => {
                let h = effect_hypothesis(spec);
                Some(WildBootstrap::new(&fit, &h, &b.options().map_err(ctx)?).map_err(ctx)?)
            }
            None => None,
        };
        let bootstrap = draws.as_ref().map(WildBootstrap::result);
        Ok(SpecRun {
            spec: spec.clone(),
            fit,
            table,
            effect,
            bootstrap,
            draws,
        })
    }

    /// The estimate table (one column per spec) with the best estimate and provenance.
    pub fn table(&self, runs: &[SpecRun], prov: &Provenance) -> EstimateTable {
        let unit = &self.study.unit;
        let time = &self.study.time;
        // Romano–Wolf across the specs when every one was bootstrapped with the same draws.
        let boots: Option<Vec<&WildBootstrap>> = runs.iter().map(|r| r.draws.as_ref()).collect();
        let rw = boots.and_then(|b| romano_wolf(&b).ok());
        let columns: Vec<SpecColumn> = runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let fe = match r.fit.model {
                    Model::Within => unit.to_string(),
                    Model::Twoways => format!("{unit}, {time}"),
                    Model::WithinTime => time.to_string(),
                    _ => "none".to_string(),
                };
                SpecColumn {
                    name: r.spec.name.clone(),
                    label: r.spec.label.clone(),
                    formula: r.spec.formula.clone(),
                    model: r.fit.model.name().to_string(),
                    coefficients: r
                        .table
                        .rows
                        .iter()
                        .map(|c| TermRow {
                            term: c.term.clone(),
                            estimate: c.estimate,
                            std_error: c.std_error,
                            p_value: c.p_value,
                        })
                        .collect(),
                    effect: EffectRow {
                        terms: r.spec.effect.clone(),
                        estimate: r.effect.estimate,
                        std_error: r.effect.std_error,
                        df: r.table.vcov.df,
                        p_value: r.effect.p_value,
                        conf_low: r.effect.conf_low,
                        conf_high: r.effect.conf_high,
                        bootstrap: r.bootstrap.as_ref().map(|b| {
                            let mut e = EffectBootstrap::from(b);
                            e.p_romano_wolf = rw.as_ref().map(|p| p[i]);
                            e
                        }),
                    },
                    nobs: r.fit.n,
                    r2: r.fit.r2,
                    r2_within: r.fit.r2_within,
                    fixed_effects: fe,
                    controls: r.spec.controls.clone(),
                    weights: r.spec.weights.clone(),
                    se_type: se_type(&r.table, unit, time),
                    dropped: r
                        .fit
                        .dropped_obs
                        .iter()
                        .map(|(k, v)| (k.clone(), *v))
                        .collect(),
                }
            })
            .collect();
        let best = runs
            .iter()
            .find(|r| r.spec.name == self.study.best_estimate)
            .unwrap_or(&runs[0]);
        let mut presets: Vec<(String, String)> = Vec::new();
        for r in runs {
            let name = r.table.vcov.spec.ssc.name().to_string();
            let line = format!("{} — {}", r.table.vcov.spec.kind.name(), r.table.vcov.note);
            if !presets.iter().any(|(n, l)| *n == name && *l == line) {
                presets.push((name, line));
            }
        }
        EstimateTable {
            title: self.study.title.clone(),
            synthetic: prov.synthetic,
            data_file: prov.data_file.clone(),
            data_sha256: prov.data_sha256.clone(),
            spec_file: prov.spec_file.clone(),
            spec_sha256: prov.spec_sha256.clone(),
            sample: (self.study.from, self.study.to),
            columns,
            best_estimate: BestEstimate {
                spec: best.spec.name.clone(),
                term: best.effect.term.clone(),
                estimate: best.effect.estimate,
                std_error: best.effect.std_error,
                df: best.table.vcov.df,
                conf_low: best.effect.conf_low,
                conf_high: best.effect.conf_high,
            },
            presets,
            cluster_diagnostics: ClusterDiagnostics::new(
                &best.fit,
                &effect_hypothesis(&best.spec),
                &ClusterBy::Unit,
            )
            .ok(),
        }
    }
}

/// The hypothesis "sum of the spec's effect terms = 0".
fn effect_hypothesis(spec: &Spec) -> LinearHypothesis {
    LinearHypothesis {
        terms: spec.effect.iter().map(|t| (t.clone(), 1.0)).collect(),
        rhs: 0.0,
    }
}

fn se_type(t: &CoefTable, unit: &str, time: &str) -> String {
    let v = &t.vcov;
    let kind = match v.spec.kind {
        VcovKind::Cluster => format!("cluster({unit})"),
        VcovKind::ClusterTime => format!("cluster({time})"),
        VcovKind::ClusterTwoway => format!("cluster({unit}, {time})"),
        k => k.name().to_string(),
    };
    let mut s = format!("{kind}, ssc={}", v.spec.ssc.name());
    if let Some(l) = v.lags {
        s.push_str(&format!(", lags={l}"));
    }
    s
}

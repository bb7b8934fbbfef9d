//! Runs a spec set on a panel: derive variables, estimate each spec, compute its IKU effect
//! (a single term or a cumulative sum with its SE), and assemble the estimate table.

use super::{Spec, SpecFile};
use crate::report::estimates::{BestEstimate, EffectRow, SpecColumn, SpecEstimates};
use panelkit::error::{Error, Result};
use panelkit::estimators::{estimate, EstimateOptions, Fit, Model};
use panelkit::etable::EstimateTable;
use panelkit::formula::Formula;
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
        let opts = EstimateOptions::new(model)
            .with_weights(spec.weights.as_deref())
            .with_sample(Some(sample));
        let fit = estimate(panel, &formula, &opts).map_err(ctx)?;
        let vspec = self.vcov_of(spec).map_err(ctx)?;
        let table = fit.coef_table(&vspec, 0.95).map_err(ctx)?;
        for t in &spec.effect {
            if fit.term_index(t).is_none() {
                return Err(ctx(Error::Usage(format!(
                    "effect term '{t}' is not among the estimated coefficients ({})",
                    fit.terms().join(", ")
                ))));
            }
        }
        let weights: Vec<(&str, f64)> = spec.effect.iter().map(|t| (t.as_str(), 1.0)).collect();
        let effect = fit.lincom(&weights, &table.vcov, 0.95).map_err(ctx)?;
        Ok(SpecRun {
            spec: spec.clone(),
            fit,
            table,
            effect,
        })
    }

    /// The estimate table (one column per spec) with the best estimate and provenance.
    pub fn table(&self, runs: &[SpecRun], prov: &Provenance) -> SpecEstimates {
        let fits: Vec<(&str, &Fit, &CoefTable)> = runs
            .iter()
            .map(|r| (r.spec.label.as_str(), &r.fit, &r.table))
            .collect();
        let models = EstimateTable::from_fits(&fits, &self.study.unit, &self.study.time);
        let presets = models.presets();
        let columns: Vec<SpecColumn> = runs
            .iter()
            .zip(models.columns)
            .map(|(r, fit)| SpecColumn {
                name: r.spec.name.clone(),
                fit,
                effect: EffectRow {
                    terms: r.spec.effect.clone(),
                    estimate: r.effect.estimate,
                    std_error: r.effect.std_error,
                    df: r.table.vcov.df,
                    p_value: r.effect.p_value,
                    conf_low: r.effect.conf_low,
                    conf_high: r.effect.conf_high,
                },
                controls: r.spec.controls.clone(),
                weights: r.spec.weights.clone(),
            })
            .collect();
        let best = runs
            .iter()
            .find(|r| r.spec.name == self.study.best_estimate)
            .unwrap_or(&runs[0]);
        SpecEstimates {
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
        }
    }
}

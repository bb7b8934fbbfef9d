//! Dynamic-panel GMM specs: `model = "gmm-diff"` or `"gmm-sys"` with `instruments`, `steps`,
//! `collapse`, `time_effects` and `long_run` (see `panelkit::estimators::gmm`).

use super::Spec;
use crate::report::estimates::{EffectRow, SpecColumn, TermRow};
use panelkit::error::Result;
use panelkit::estimators::gmm::{gmm, Effect, GmmFit, GmmOptions, Instruments, Transformation};
use panelkit::formula::Formula;
use panelkit::inference::CoefRow;
use panelkit::panel::Panel;

/// The GMM transformation a spec asks for, if its model is a GMM model.
pub fn transformation(spec: &Spec) -> Option<Transformation> {
    spec.model.as_deref().and_then(Transformation::parse)
}

/// GMM keys only with a GMM model, and a GMM model needs its instruments.
pub fn check(spec: &Spec) -> std::result::Result<(), String> {
    let gmm_keys = spec.instruments.is_some()
        || spec.steps.is_some()
        || spec.collapse
        || spec.time_effects.is_some()
        || spec.long_run;
    match transformation(spec) {
        None if gmm_keys => Err(format!(
            "spec '{}': instruments, steps, collapse, time_effects and long_run need model = \"gmm-diff\" or \"gmm-sys\"",
            spec.name
        )),
        Some(_) if spec.instruments.is_none() => Err(format!(
            "spec '{}': a GMM model needs instruments = \"gmm(y, 2:99) + ...\"",
            spec.name
        )),
        Some(_) if spec.weights.is_some() || spec.vcov.is_some() || spec.ssc.is_some() => {
            Err(format!(
                "spec '{}': GMM specs take no weights, vcov or ssc (robust / Windmeijer errors)",
                spec.name
            ))
        }
        _ => Ok(()),
    }
}

/// A GMM spec's estimate and its IKU effect (sum of the effect terms, or their long-run
/// effect Σβ/(1 − Σρ) with `long_run = true`).
pub fn run(
    panel: &Panel,
    spec: &Spec,
    transformation: Transformation,
    sample: Vec<bool>,
) -> Result<(GmmFit, CoefRow)> {
    let formula = Formula::parse(&spec.formula)?;
    let inst = Instruments::parse(spec.instruments.as_deref().unwrap_or_default())?;
    let opts = GmmOptions {
        transformation,
        steps: spec.steps.unwrap_or(2),
        collapse: spec.collapse,
        effect: Effect::parse(spec.time_effects.as_deref().unwrap_or("twoways"))?,
        robust: true,
        sample: Some(sample),
    };
    let fit = gmm(panel, &formula, &inst, &opts)?;
    let terms: Vec<&str> = spec.effect.iter().map(String::as_str).collect();
    let effect = if spec.long_run {
        fit.long_run(&terms, 0.95)?
    } else {
        fit.sum(&terms, 0.95)?
    };
    Ok((fit, effect))
}

/// The estimate-table column of a GMM spec.
pub fn column(spec: &Spec, fit: &GmmFit, effect: &CoefRow, unit: &str, time: &str) -> SpecColumn {
    let steps = if fit.options.steps == 1 { "one" } else { "two" };
    SpecColumn {
        name: spec.name.clone(),
        label: spec.label.clone(),
        formula: format!("{} | instruments: {}", spec.formula, fit.instruments),
        model: fit.options.transformation.name().to_string(),
        // Period dummies are left out of the table, as plm's summary() does.
        coefficients: fit
            .coef_rows(0.95)
            .into_iter()
            .filter(|c| !c.term.starts_with(&format!("{time}::")))
            .map(|c| TermRow {
                term: c.term,
                estimate: c.estimate,
                std_error: c.std_error,
                p_value: c.p_value,
            })
            .collect(),
        effect: EffectRow {
            terms: spec.effect.clone(),
            estimate: effect.estimate,
            std_error: effect.std_error,
            df: None,
            p_value: effect.p_value,
            conf_low: effect.conf_low,
            conf_high: effect.conf_high,
        },
        nobs: fit.nobs(),
        r2: f64::NAN,
        r2_within: None,
        fixed_effects: match fit.options.effect {
            Effect::Twoways => format!("{unit} (GMM), {time}"),
            Effect::Individual => format!("{unit} (GMM)"),
        },
        controls: spec.controls.clone(),
        weights: None,
        se_type: format!(
            "{steps}-step {}, {} instruments{}",
            fit.vcov_name(),
            fit.n_instruments,
            if fit.options.collapse {
                " (collapsed)"
            } else {
                ""
            }
        ),
        dropped: Vec::new(),
    }
}

/// The preset line of a GMM spec under the table.
pub fn preset(fit: &GmmFit) -> (String, String) {
    (
        "gmm".to_string(),
        format!(
            "{} — normal inference; Hansen J {:.2} (df {}, p {:.3}), AR(2) {}",
            fit.vcov_name(),
            fit.hansen.stat,
            fit.hansen.df,
            fit.hansen.p_value,
            fit.ar2.z.map_or("n/a".to_string(), |z| format!("z {z:.2}"))
        ),
    )
}

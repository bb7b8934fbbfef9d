//! Dynamic-panel GMM specs: `model = "gmm-diff"` or `"gmm-sys"` with `instruments`, `steps`,
//! `collapse`, `time_effects` and `long_run` (see `panelkit::estimators::gmm`).

use super::Spec;
use panelkit::error::Result;
use panelkit::estimators::gmm::{gmm, Effect, GmmFit, GmmOptions, Instruments, Transformation};
use panelkit::etable::{ModelColumn, TermEstimate};
use panelkit::formula::Formula;
use panelkit::inference::CoefRow;
use panelkit::panel::Panel;

/// One estimated GMM spec and its IKU effect.
#[derive(Debug, Clone)]
pub struct GmmRun {
    pub spec: Spec,
    pub fit: GmmFit,
    pub effect: CoefRow,
    /// The years of the sample with the response and every term observed (the estimate
    /// table's "Years").
    pub periods: Vec<i64>,
}

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

/// The estimate-table column of a GMM spec (no R²; normal inference; period dummies left
/// out, as plm's `summary()` does).
pub fn column(run: &GmmRun, unit: &str, time: &str) -> ModelColumn {
    let (spec, fit) = (&run.spec, &run.fit);
    let steps = if fit.options.steps == 1 { "one" } else { "two" };

    ModelColumn {
        label: spec.label.clone(),
        formula: format!("{} | instruments: {}", spec.formula, fit.instruments),
        model: fit.options.transformation.name().to_string(),
        coefficients: fit
            .coef_rows(0.95)
            .into_iter()
            .filter(|c| !c.term.starts_with(&format!("{time}::")))
            .map(|c| TermEstimate::from(&c))
            .collect(),
        nobs: fit.nobs(),
        r2: f64::NAN,
        r2_overall: None,
        r2_within: None,
        periods: run.periods.clone(),
        fixed_effects: match fit.options.effect {
            Effect::Twoways => format!("{unit} (GMM), {time}"),
            Effect::Individual => format!("{unit} (GMM)"),
        },
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
        vcov: fit.vcov_name().to_string(),
        ssc: "gmm".to_string(),
        ssc_formula: inference_note(fit),
        df: None,
        dropped: Vec::new(),
    }
}

/// What stands after "<vcov> —" in the note under the table: normal inference and the
/// overidentification and serial-correlation tests.
fn inference_note(fit: &GmmFit) -> String {
    format!(
        "normal inference; Hansen J {:.2} (df {}, p {:.3}), AR(2) {}",
        fit.hansen.stat,
        fit.hansen.df,
        fit.hansen.p_value,
        fit.ar2.z.map_or("n/a".to_string(), |z| format!("z {z:.2}"))
    )
}

#[cfg(test)]
mod tests {
    use super::super::run::AnyRun;
    use super::super::SpecFile;
    use std::path::Path;

    fn parse_with(extra: &str) -> Result<SpecFile, String> {
        let text = super::super::tests::MINIMAL.replace("model = \"pooled\"", extra);
        SpecFile::parse(Path::new("s.toml"), &text).map_err(|e| e.to_string())
    }

    #[test]
    fn gmm_keys_are_checked() {
        let e = parse_with("model = \"pooled\"\ninstruments = \"gmm(y, 2:99)\"").unwrap_err();
        assert!(e.contains("need model = \"gmm-diff\""), "{e}");
        let e = parse_with("model = \"gmm-sys\"").unwrap_err();
        assert!(e.contains("needs instruments"), "{e}");
        let e = parse_with("model = \"gmm-sys\"\ninstruments = \"gmm(y, 2:99)\"\nweights = \"w\"")
            .unwrap_err();
        assert!(e.contains("no weights"), "{e}");
        let f =
            parse_with("model = \"gmm-diff\"\ninstruments = \"gmm(y, 2:99)\"\nsteps = 1").unwrap();
        assert_eq!(f.specs[0].steps, Some(1));
    }

    #[test]
    fn shipped_dynamic_spec_reports_the_long_run_effect() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let spec_path = root.join("specs/vive.toml");
        let specs = SpecFile::load(&spec_path).unwrap();
        let panel = crate::canonical::load(&root.join("data/synthetic/panel.csv")).unwrap();
        let (runs, _) = specs.run(&spec_path, &panel).unwrap();
        let (spec, fit, effect) = runs
            .iter()
            .find_map(|r| match r {
                AnyRun::Gmm(g) => Some((&g.spec, &g.fit, &g.effect)),
                AnyRun::Panel(_) => None,
            })
            .expect("a GMM spec in specs/vive.toml");
        assert_eq!(spec.name, "gmm_sys_dynamic");
        let b = |t: &str| fit.coefficients[fit.term_index(t).unwrap()];
        let lr = b("l(iku, 1)") / (1.0 - b("l(spend_pc, 1)"));
        assert!((effect.estimate - lr).abs() < 1e-12);
        assert!(effect.std_error > 0.0);
        // Dependent variable 2008–2018 (2007 has no lag): 11 level equations per municipality;
        // 2019–2020 are outside the sample, so their period dummies are not estimated.
        assert_eq!(fit.nobs_level, 98 * 11);
        assert!(fit.term_index("year::2019").is_none());
        assert_eq!(fit.options.steps, 2);
    }
}

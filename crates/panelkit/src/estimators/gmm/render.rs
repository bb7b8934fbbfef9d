//! Output of a GMM fit: a console table (coefficients, then the diagnostics) or one JSON
//! document (the usual estimate fields plus a `gmm` object).

use super::{ChiTest, DiffHansen, GmmFit, Transformation, ZTest};
use crate::inference::CoefRow;
use crate::table::Format;

/// The `gmm` object of the JSON output.
#[derive(Debug, serde::Serialize)]
#[allow(missing_docs)]
pub struct GmmDiagnostics<'a> {
    pub n_instruments: usize,
    pub steps: u8,
    pub collapse: bool,
    pub sargan: &'a ChiTest,
    pub hansen: &'a ChiTest,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_hansen_levels: Option<&'a DiffHansen>,
    pub ar1: &'a ZTest,
    pub ar2: &'a ZTest,
    pub warnings: &'a [String],
}

/// The JSON document of one GMM estimate.
#[derive(Debug, serde::Serialize)]
#[allow(missing_docs)]
pub struct GmmJson<'a> {
    pub formula: &'a str,
    pub instruments: &'a str,
    pub model: &'a str,
    pub effect: &'a str,
    pub vcov: &'a str,
    /// Observations: differenced equations (difference GMM) or level equations (system GMM).
    pub nobs: usize,
    pub nobs_diff: usize,
    pub nobs_level: usize,
    pub n_units: usize,
    pub n_groups: usize,
    pub n_times: usize,
    pub coefficients: &'a [CoefRow],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub long_run: &'a [CoefRow],
    pub gmm: GmmDiagnostics<'a>,
}

impl GmmFit {
    /// What the covariance is, in words.
    pub fn vcov_name(&self) -> &'static str {
        match (self.options.steps, self.options.robust) {
            (1, _) => "robust (one-step sandwich)",
            (_, true) => "robust (Windmeijer)",
            _ => "non-robust (two-step)",
        }
    }

    /// Observations as xtabond2 counts them: level equations in system GMM.
    pub fn nobs(&self) -> usize {
        match self.options.transformation {
            Transformation::Difference => self.nobs_diff,
            Transformation::System => self.nobs_level,
        }
    }
}

fn chi_line(name: &str, t: &ChiTest) -> String {
    format!(
        "{name}: chi2({}) = {:.4} (p = {:.4})\n",
        t.df, t.stat, t.p_value
    )
}

fn z_line(name: &str, t: &ZTest) -> String {
    match (t.z, t.p_value) {
        (Some(z), Some(p)) => format!("{name}: z = {z:.4} (p = {p:.4})\n"),
        _ => format!("{name}: not available (negative variance estimate or too few periods)\n"),
    }
}

/// Renders a GMM fit with its long-run effects (`table` or `json`).
pub fn render(fit: &GmmFit, long_run: &[CoefRow], format: Format) -> crate::Result<String> {
    let rows = fit.coef_rows(0.95);
    match format {
        Format::Json => {
            let doc = GmmJson {
                formula: &fit.formula,
                instruments: &fit.instruments,
                model: fit.options.transformation.name(),
                effect: fit.options.effect.name(),
                vcov: fit.vcov_name(),
                nobs: fit.nobs(),
                nobs_diff: fit.nobs_diff,
                nobs_level: fit.nobs_level,
                n_units: fit.n_units,
                n_groups: fit.n_groups,
                n_times: fit.n_times,
                coefficients: &rows,
                long_run,
                gmm: GmmDiagnostics {
                    n_instruments: fit.n_instruments,
                    steps: fit.options.steps,
                    collapse: fit.options.collapse,
                    sargan: &fit.sargan,
                    hansen: &fit.hansen,
                    diff_hansen_levels: fit.diff_hansen.as_ref(),
                    ar1: &fit.ar1,
                    ar2: &fit.ar2,
                    warnings: &fit.warnings,
                },
            };
            let mut s = serde_json::to_string_pretty(&doc)
                .map_err(|e| crate::Error::Numeric(format!("JSON: {e}")))?;
            s.push('\n');
            Ok(s)
        }
        Format::Text => {
            let step = if fit.options.steps == 1 { "One" } else { "Two" };
            let kind = match fit.options.transformation {
                Transformation::Difference => "difference",
                Transformation::System => "system",
            };
            let mut s = format!(
                "{step}-step {kind} GMM ({}), effect {}{}\nformula: {}\ninstruments: {}\n",
                fit.options.transformation.name(),
                fit.options.effect.name(),
                if fit.options.collapse {
                    ", collapsed instruments"
                } else {
                    ""
                },
                fit.formula,
                fit.instruments
            );
            s.push_str(&format!(
                "observations: {} differenced, {} level equations; groups: {} of {} units; periods: {}; instruments: {}\nvcov: {}\n\n",
                fit.nobs_diff,
                fit.nobs_level,
                fit.n_groups,
                fit.n_units,
                fit.n_times,
                fit.n_instruments,
                fit.vcov_name()
            ));
            let cells: Vec<[String; 5]> = rows
                .iter()
                .chain(long_run)
                .map(|r| {
                    [
                        r.term.clone(),
                        format!("{:.6}", r.estimate),
                        format!("{:.6}", r.std_error),
                        format!("{:.3}", r.statistic),
                        format!("{:.4}", r.p_value),
                    ]
                })
                .collect();
            let head = ["term", "estimate", "std_error", "z", "p_value"].map(String::from);
            let mut w = [0usize; 5];
            for c in cells.iter().chain(std::iter::once(&head)) {
                for (i, x) in c.iter().enumerate() {
                    w[i] = w[i].max(x.chars().count());
                }
            }
            for c in std::iter::once(&head).chain(&cells) {
                s.push_str(&format!("{:<w0$}", c[0], w0 = w[0]));
                for i in 1..5 {
                    s.push_str(&format!("  {:>wi$}", c[i], wi = w[i]));
                }
                s.push('\n');
            }
            s.push('\n');
            s.push_str(&z_line("Arellano-Bond AR(1)", &fit.ar1));
            s.push_str(&z_line("Arellano-Bond AR(2)", &fit.ar2));
            s.push_str(&chi_line("Sargan (not robust)", &fit.sargan));
            s.push_str(&chi_line("Hansen J (robust)", &fit.hansen));
            if let Some(d) = &fit.diff_hansen {
                s.push_str(&chi_line(
                    "Hansen J excluding level GMM instruments",
                    &d.excluding,
                ));
                s.push_str(&chi_line(
                    "Difference-in-Hansen (level GMM instruments)",
                    &d.difference,
                ));
            }
            for wn in &fit.warnings {
                s.push_str(&format!("warning: {wn}\n"));
            }
            Ok(s)
        }
        _ => Err(crate::Error::Usage(
            "GMM output supports --format table or json".into(),
        )),
    }
}

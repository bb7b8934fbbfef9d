//! The estimate table of a spec set: panelkit's multi-model table ([`panelkit::etable`]), one
//! column per spec, with the study's rows (the IKU effect, controls, weights) and notes
//! (sample, provenance, best estimate), rendered as CSV, Markdown and LaTeX through the grid;
//! JSON is the study's own document ([`SpecEstimates`]).

use panelkit::etable::{Anchor, EstimateTable, ModelColumn, Row, Stat, TermEstimate};
use panelkit::table::{fmt_coef, LatexNotes, Table, STARS_NOTE};
use serde::{Serialize, Serializer};

/// The IKU effect of a spec: one term, or the sum of several (cumulative distributed lag).
#[derive(Debug, Clone, Serialize)]
pub struct EffectRow {
    pub terms: Vec<String>,
    /// DKK per inhabitant per pp (negative = spending falls).
    pub estimate: f64,
    pub std_error: f64,
    /// Degrees of freedom of the t distribution used (None: normal).
    pub df: Option<f64>,
    pub p_value: f64,
    pub conf_low: f64,
    pub conf_high: f64,
}

/// One column of the table: the fit as panelkit summarises it, plus what the spec adds.
#[derive(Debug, Clone)]
pub struct SpecColumn {
    /// The spec's name in the spec file.
    pub name: String,
    /// Label, formula, model, coefficients, N, R², fixed effects, SE type, drops.
    pub fit: ModelColumn,
    pub effect: EffectRow,
    pub controls: Vec<String>,
    pub weights: Option<String>,
}

/// The JSON record of a column (flat, in the published field order).
#[derive(Serialize)]
struct SpecColumnJson<'a> {
    name: &'a str,
    label: &'a str,
    formula: &'a str,
    model: &'a str,
    coefficients: &'a [TermEstimate],
    effect: &'a EffectRow,
    nobs: usize,
    r2: f64,
    r2_within: Option<f64>,
    fixed_effects: &'a str,
    controls: &'a [String],
    weights: &'a Option<String>,
    /// Covariance and small-sample preset, e.g. "cluster(code), ssc=stata".
    se_type: &'a str,
    /// Observations dropped, by reason.
    dropped: &'a [(String, usize)],
}

impl Serialize for SpecColumn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = &self.fit;
        SpecColumnJson {
            name: &self.name,
            label: &f.label,
            formula: &f.formula,
            model: &f.model,
            coefficients: &f.coefficients,
            effect: &self.effect,
            nobs: f.nobs,
            r2: f.r2,
            r2_within: f.r2_within,
            fixed_effects: &f.fixed_effects,
            controls: &self.controls,
            weights: &self.weights,
            se_type: &f.se_type,
            dropped: &f.dropped,
        }
        .serialize(s)
    }
}

/// The estimates of a spec set plus their provenance.
#[derive(Debug, Clone, Serialize)]
pub struct SpecEstimates {
    pub title: String,
    pub synthetic: bool,
    pub data_file: String,
    pub data_sha256: String,
    pub spec_file: String,
    pub spec_sha256: String,
    /// Sample years of the dependent variable.
    pub sample: (i64, i64),
    pub columns: Vec<SpecColumn>,
    pub best_estimate: BestEstimate,
    /// The small-sample presets used, each with its formula.
    pub presets: Vec<(String, String)>,
}

/// The effect that feeds the projection.
#[derive(Debug, Clone, Serialize)]
pub struct BestEstimate {
    pub spec: String,
    pub term: String,
    pub estimate: f64,
    pub std_error: f64,
    pub df: Option<f64>,
    pub conf_low: f64,
    pub conf_high: f64,
}

impl SpecEstimates {
    /// The multi-model table: panelkit's layout with the effect after the coefficients and
    /// controls and weights after the fixed effects.
    pub fn etable(&self) -> EstimateTable {
        let mut t = EstimateTable::new(self.columns.iter().map(|c| c.fit.clone()).collect());
        let cells = |f: &dyn Fn(&SpecColumn) -> String| -> Vec<String> {
            self.columns.iter().map(f).collect()
        };
        t.insert_after(
            Anchor::Coefficients,
            [
                Row::estimate(
                    "IKU effect (DKK/inh./pp)",
                    self.columns
                        .iter()
                        .map(|c| {
                            Some(TermEstimate {
                                term: c.effect.terms.join(" + "),
                                estimate: c.effect.estimate,
                                std_error: c.effect.std_error,
                                p_value: c.effect.p_value,
                            })
                        })
                        .collect(),
                ),
                Row::line(
                    "95% CI",
                    cells(&|c| {
                        format!(
                            "[{}, {}]",
                            fmt_coef(c.effect.conf_low),
                            fmt_coef(c.effect.conf_high)
                        )
                    }),
                ),
                Row::line("Effect terms", cells(&|c| c.effect.terms.join(" + "))),
            ],
        );
        t.insert_after(
            Anchor::Stat(Stat::FixedEffects),
            [
                Row::line(
                    "Controls",
                    cells(&|c| {
                        if c.controls.is_empty() {
                            "no".into()
                        } else {
                            c.controls.join(", ")
                        }
                    }),
                ),
                Row::line(
                    "Weights",
                    cells(&|c| c.weights.clone().unwrap_or_else(|| "none".into())),
                ),
            ],
        );
        t.notes = self.notes(&t);
        t
    }

    /// Star legend, sample and provenance, the presets' formulas, the best estimate.
    fn notes(&self, t: &EstimateTable) -> Vec<String> {
        let mut n = vec![
            STARS_NOTE.to_string(),
            format!(
                "Sample: dependent variable in {}-{}. Data: {} (sha256 {}). Spec: {} (sha256 {}).",
                self.sample.0,
                self.sample.1,
                self.data_file,
                &self.data_sha256[..12.min(self.data_sha256.len())],
                self.spec_file,
                &self.spec_sha256[..12.min(self.spec_sha256.len())]
            ),
        ];
        n.extend(t.preset_notes());
        let b = &self.best_estimate;
        n.push(format!(
            "Best estimate ({}): {} DKK per inhabitant per pp IKU, 95% CI [{}, {}].",
            b.spec,
            fmt_coef(b.estimate),
            fmt_coef(b.conf_low),
            fmt_coef(b.conf_high)
        ));
        n
    }

    /// The grid as the study prints it: plain Markdown rules, notes as LaTeX comments.
    fn grid(&self) -> Table {
        self.etable()
            .grid()
            .markdown_alignment(false)
            .latex_notes(LatexNotes::Comments)
    }

    /// CSV: one column per spec.
    pub fn to_csv(&self) -> Vec<u8> {
        self.etable().to_csv().into_bytes()
    }

    /// JSON: the full structure, numbers at full precision.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Markdown table with notes underneath.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        if self.synthetic {
            s.push_str("**SYNTHETIC DATA — not a finding.**\n\n");
        }
        s.push_str(&self.grid().to_markdown());
        s
    }

    /// LaTeX tabular (booktabs) with the notes as comments.
    pub fn to_tex(&self) -> String {
        let mut s = String::new();
        if self.synthetic {
            s.push_str("% SYNTHETIC DATA -- not a finding.\n");
        }
        s.push_str(&self.grid().to_latex());
        s
    }
}

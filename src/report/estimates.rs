//! The estimate table of a spec set: panelkit's multi-model table ([`panelkit::etable`]), one
//! column per spec, with the study's rows (the IKU effect, controls, weights) and notes
//! (sample, provenance, best estimate), rendered as CSV, Markdown and LaTeX through the grid;
//! JSON is the study's own document ([`SpecEstimates`]).

use panelkit::etable::{
    Anchor, EstimateTable, EtableOptions, ModelColumn, Row, Stat, TermEstimate,
};
use panelkit::table::{escape_tex, fmt_coef, fmt_num, LatexNotes, Table, TermLabels, STARS_NOTE};
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
    /// Why the standard error or p-value is not a finite number (absent when both are).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nan_reason: Option<String>,
    /// Wild cluster bootstrap of effect = 0 (when the spec asks for it; never for GMM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<EffectBootstrap>,
}

/// The bootstrap p-value and interval of an effect, beside the analytic ones.
#[derive(Debug, Clone, Serialize)]
pub struct EffectBootstrap {
    /// `wcr` or `wcu`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What the bootstrap clusters on (`unit`, or a column); in the note, not in the JSON.
    #[serde(skip)]
    pub cluster: String,
    pub weights: String,
    pub reps: usize,
    pub enumerated: bool,
    pub seed: u64,
    pub t_stat: f64,
    pub p_value: f64,
    pub conf_low: Option<f64>,
    pub conf_high: Option<f64>,
    /// Romano–Wolf stepdown p-value over every bootstrapped spec of the table (same draws),
    /// if all were bootstrapped alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_romano_wolf: Option<f64>,
}

impl From<&panelkit::inference::bootstrap::BootResult> for EffectBootstrap {
    fn from(b: &panelkit::inference::bootstrap::BootResult) -> Self {
        EffectBootstrap {
            kind: b.kind.name().to_string(),
            cluster: b.cluster.clone(),
            weights: b.weights.name().to_string(),
            reps: b.reps,
            enumerated: b.enumerated,
            seed: b.seed,
            t_stat: b.t_stat,
            p_value: b.p_value,
            conf_low: b.ci[0],
            conf_high: b.ci[1],
            p_romano_wolf: None,
        }
    }
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
    /// plm's R² of the model as estimated (within R² under fixed effects, of the differences
    /// under first differences); null for GMM.
    r2: f64,
    /// fixest's R² of the full model, fixed effects included (null for first differences and
    /// GMM).
    r2_overall: Option<f64>,
    /// fixest's within R² (fixed-effects models).
    r2_within: Option<f64>,
    /// The years of the estimation sample (GMM: of the sample rows with the response and
    /// every term observed).
    years: &'a [i64],
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
            r2_overall: f.r2_overall,
            r2_within: f.r2_within,
            years: &f.periods,
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
    /// Cluster diagnostics (summclust) of the best estimate's effect, clustered by unit;
    /// None when a leave-one-cluster-out fit is singular or the best estimate is GMM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_diagnostics: Option<panelkit::inference::diagnostics::ClusterDiagnostics>,
    /// Municipalities left out of a derived variable, and why (empty on a complete panel).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The spec file's `[labels]`: the display tables' term labels.
    #[serde(skip)]
    pub labels: TermLabels,
    /// Display options of the tables (labels, keep, drop, order, panel width), checked by
    /// [`SpecEstimates::with_options`].
    #[serde(skip)]
    pub options: EtableOptions,
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
    /// The WCR bootstrap interval of the effect, when the best estimate was bootstrapped
    /// with the null imposed and both sides are bounded (the projection then uses it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wcr_conf_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wcr_conf_high: Option<f64>,
}

impl SpecEstimates {
    /// The same estimates shown with display `options` (as `iku-estimate --dict --keep
    /// --drop --order --max-columns`); a pattern that matches no term is an error.
    pub fn with_options(mut self, options: EtableOptions) -> panelkit::Result<Self> {
        self.options = options;
        let mut t = self.etable();
        t.set_options(&self.options)?;
        Ok(self)
    }

    /// The multi-model table: panelkit's layout with the effect after the coefficients and
    /// controls and weights after the fixed effects.
    pub fn etable(&self) -> EstimateTable {
        let mut t = EstimateTable::new(self.columns.iter().map(|c| c.fit.clone()).collect());
        t.add_labels(&self.labels);
        t.period_label = "Years".into();
        // The options were checked by `with_options` (the default ones cannot fail), so an
        // error here cannot happen; the table then keeps the spec file's labels only.
        if t.set_options(&self.options).is_err() {
            t.add_labels(&self.labels);
        }
        let cells = |f: &dyn Fn(&SpecColumn) -> String| -> Vec<String> {
            self.columns.iter().map(f).collect()
        };
        let mut effect_rows = vec![
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
                            nan_reason: c.effect.nan_reason.clone(),
                            display_name: None,
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
        ];
        effect_rows.extend(self.bootstrap_rows());
        effect_rows.push(Row::line(
            "Effect terms",
            cells(&|c| c.effect.terms.join(" + ")),
        ));
        t.insert_after(Anchor::Coefficients, effect_rows);
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

    /// The bootstrap of each effect (WCR p-value and interval; Romano–Wolf across specs)
    /// when any spec was bootstrapped; GMM columns and specs without a bootstrap stay empty.
    fn bootstrap_rows(&self) -> Vec<Row> {
        let boot = |c: &SpecColumn| c.effect.bootstrap.clone();
        let Some(first) = self.columns.iter().find_map(boot) else {
            return Vec::new();
        };
        let kind = first.kind.to_uppercase();
        let cells = |f: &dyn Fn(&EffectBootstrap) -> String| -> Vec<String> {
            self.columns
                .iter()
                .map(|c| c.effect.bootstrap.as_ref().map_or(String::new(), f))
                .collect()
        };
        let opt = |x: Option<f64>| x.map_or("unbounded".to_string(), fmt_coef);
        let mut rows = vec![
            Row::line(
                &format!("{kind} p-value"),
                cells(&|b| format!("{:.4}", b.p_value)),
            ),
            Row::line(
                &format!("{kind} 95% CI"),
                cells(&|b| format!("[{}, {}]", opt(b.conf_low), opt(b.conf_high))),
            ),
        ];
        if self.has_romano_wolf() {
            rows.push(Row::line(
                "Romano–Wolf p (bootstrapped specs)",
                cells(&|b| b.p_romano_wolf.map_or(String::new(), |p| format!("{p:.4}"))),
            ));
        }
        rows
    }

    /// Whether the effects carry Romano–Wolf p-values.
    fn has_romano_wolf(&self) -> bool {
        self.columns.iter().any(|c| {
            c.effect
                .bootstrap
                .as_ref()
                .is_some_and(|b| b.p_romano_wolf.is_some())
        })
    }

    /// One note per distinct bootstrap design, Romano–Wolf's, and the GMM columns left out.
    fn bootstrap_notes(&self) -> Vec<String> {
        let mut n: Vec<String> = Vec::new();
        for b in self
            .columns
            .iter()
            .filter_map(|c| c.effect.bootstrap.as_ref())
        {
            let line = format!(
                "{} p-value and 95% CI: wild cluster {} bootstrap of effect = 0, clustered by {}, {} {} draws{} (seed {}), symmetric p-value, interval by test inversion.",
                b.kind.to_uppercase(),
                if b.kind == "wcr" { "restricted" } else { "unrestricted" },
                b.cluster,
                b.reps,
                b.weights,
                if b.enumerated { ", full enumeration" } else { "" },
                b.seed
            );
            if !n.contains(&line) {
                n.push(line);
            }
        }
        if n.is_empty() {
            return n;
        }
        let bootstrapped = self
            .columns
            .iter()
            .filter(|c| c.effect.bootstrap.is_some())
            .count();
        if self.has_romano_wolf() {
            n.push(format!(
                "Romano–Wolf p: stepdown adjusted p-values over the {bootstrapped} bootstrapped specs' effects = 0, from the same bootstrap draws (as pyfixest `rwolf`), controlling the familywise error rate.",
            ));
        }
        let gmm: Vec<&str> = self
            .columns
            .iter()
            .filter(|c| c.fit.model.starts_with("gmm"))
            .map(|c| c.name.as_str())
            .collect();
        if !gmm.is_empty() {
            n.push(format!(
                "Not bootstrapped (GMM, normal inference only): {}.",
                gmm.join(", ")
            ));
        }
        n
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
        n.extend(self.bootstrap_notes());
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

    /// The display grids as the study prints them (terms labelled, panels of at most
    /// [`panelkit::etable::MAX_COLUMNS`] specs): plain Markdown rules, notes as LaTeX comments.
    fn panel_grids(t: &EstimateTable) -> Vec<(Option<String>, Table)> {
        t.panel_grids()
            .into_iter()
            .map(|(title, g)| {
                (
                    title,
                    g.markdown_alignment(false)
                        .latex_notes(LatexNotes::Comments),
                )
            })
            .collect()
    }

    /// CSV: one column per spec.
    pub fn to_csv(&self) -> Vec<u8> {
        self.etable().to_csv().into_bytes()
    }

    /// The tidy companion of the display table: one row per spec × term (and a row `effect`
    /// per spec for the IKU effect), numbers at full precision, no stars; each row carries its
    /// spec's statistics: `display_name` (the name the display table shows: `l(d(iku), 1)`
    /// for the first-difference model's `l(iku, 1)`, else the term), `r2_overall` (fixest's,
    /// of the full model), `r2_within` (fixed-effects models), `r2_differences` (plm's, first
    /// differences only), `first_year`, `last_year` (of the estimation sample); empty where a
    /// statistic does not apply.
    pub fn to_long_csv(&self) -> Vec<u8> {
        let mut t = Table::new([
            "spec",
            "term",
            "estimate",
            "std_error",
            "statistic",
            "p_value",
            "conf_low",
            "conf_high",
            "df",
            "nobs",
            "model",
            "vcov",
            "ssc",
            "synthetic",
            "display_name",
            "r2_overall",
            "r2_within",
            "r2_differences",
            "first_year",
            "last_year",
        ]);
        for c in &self.columns {
            let m = &c.fit;
            let q = panelkit::inference::p_and_quantile(0.0, m.df, 0.95).1;
            let opt = |x: Option<f64>| x.filter(|v| v.is_finite()).map(fmt_num).unwrap_or_default();
            let r2_differences = opt(Some(m.r2).filter(|_| m.model == "fd"));
            let year = |y: Option<&i64>| y.map(i64::to_string).unwrap_or_default();
            let mut push =
                |term: &str, shown: &str, est: f64, se: f64, p: f64, lo: f64, hi: f64| {
                    t.push_row([
                        c.name.clone(),
                        term.to_string(),
                        fmt_num(est),
                        fmt_num(se),
                        fmt_num(est / se),
                        fmt_num(p),
                        fmt_num(lo),
                        fmt_num(hi),
                        m.df.map(fmt_num).unwrap_or_default(),
                        m.nobs.to_string(),
                        m.model.clone(),
                        m.vcov.clone(),
                        m.ssc.clone(),
                        self.synthetic.to_string(),
                        shown.to_string(),
                        opt(m.r2_overall),
                        opt(m.r2_within),
                        r2_differences.clone(),
                        year(m.periods.first()),
                        year(m.periods.last()),
                    ]);
                };
            for x in &m.coefficients {
                push(
                    &x.term,
                    x.shown_name(),
                    x.estimate,
                    x.std_error,
                    x.p_value,
                    x.estimate - q * x.std_error,
                    x.estimate + q * x.std_error,
                );
            }
            let e = &c.effect;
            push(
                "effect",
                "effect",
                e.estimate,
                e.std_error,
                e.p_value,
                e.conf_low,
                e.conf_high,
            );
        }
        t.to_csv().into_bytes()
    }

    /// JSON: the full structure, numbers at full precision.
    pub fn to_json(&self) -> Vec<u8> {
        super::pretty_json(self).unwrap_or_default()
    }

    /// Markdown table with notes underneath.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        if self.synthetic {
            s.push_str(super::SYNTHETIC_BANNER);
        }
        let grids = Self::panel_grids(&self.etable());
        let parts: Vec<String> = grids
            .iter()
            .map(|(title, g)| match title {
                Some(title) => format!(
                    "**{}**\n\n{}",
                    title.replace("columns", "specifications"),
                    g.to_markdown()
                ),
                None => g.to_markdown(),
            })
            .collect();
        s.push_str(&parts.join("\n"));
        s
    }

    /// A LaTeX `table` float ready for an article (needs `booktabs` and `graphicx`): caption
    /// and label, SYNTHETIC printed when the data are, the specs in panels of at most
    /// [`panelkit::etable::MAX_COLUMNS`] columns each scaled to the text width, and the notes printed under them.
    pub fn to_tex(&self) -> String {
        let mut s = String::from(
            "% Estimates of the IKU effect on spending, one column per spec.\n\
             % Needs \\usepackage{booktabs} and \\usepackage{graphicx} in the preamble.\n",
        );
        let synthetic = if self.synthetic {
            " (SYNTHETIC DATA --- not a finding)"
        } else {
            ""
        };
        s.push_str(&format!(
            "\\begin{{table}}[htbp]\n\\centering\n\\caption{{Competition exposure (IKU) and net \
             administrative spending per inhabitant: estimates{synthetic}}}\n\\label{{tab:iku-estimates}}\n"
        ));
        if self.synthetic {
            s.push_str("\\textbf{SYNTHETIC DATA --- not a finding.}\\par\\medskip\n");
        }
        // Numbered headers, so five columns fit a page; the key is in the notes.
        let mut t = self.etable();
        for (j, c) in t.columns.iter_mut().enumerate() {
            c.label = format!("({})", j + 1);
        }
        let grids = Self::panel_grids(&t);
        for (title, g) in &grids {
            if let Some(title) = title {
                s.push_str(&format!(
                    "\\textit{{{}}}\\par\\smallskip\n",
                    escape_tex(&title.replace("columns", "specifications"))
                ));
            }
            let body = g.clone().latex_notes(LatexNotes::Omit).to_latex();
            s.push_str(&format!(
                "\\resizebox{{\\linewidth}}{{!}}{{%\n{body}}}\n\\medskip\n"
            ));
        }
        s.push_str("\\begin{minipage}{\\linewidth}\\footnotesize\n");
        let key: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(j, c)| format!("({}) {}", j + 1, escape_tex(&c.fit.label)))
            .collect();
        s.push_str(&format!("Columns: {}.\\par\n", key.join("; ")));
        let notes = grids
            .last()
            .map(|(_, g)| g.latex_note_lines())
            .unwrap_or_default();
        for n in notes {
            s.push_str(&format!("{n}\\par\n"));
        }
        s.push_str("\\end{minipage}\n\\end{table}\n");
        s
    }
}

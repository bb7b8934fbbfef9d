//! The estimate table of a spec set: one column per spec, like esttab or fixest's etable,
//! rendered as CSV, JSON, Markdown and LaTeX from one structure.

use serde::Serialize;

/// One coefficient of one spec.
#[derive(Debug, Clone, Serialize)]
pub struct TermRow {
    pub term: String,
    pub estimate: f64,
    pub std_error: f64,
    pub p_value: f64,
}

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
    /// Wild cluster bootstrap of effect = 0 (when the spec asks for it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<EffectBootstrap>,
}

/// The bootstrap p-value and interval of an effect, beside the analytic ones.
#[derive(Debug, Clone, Serialize)]
pub struct EffectBootstrap {
    /// `wcr` or `wcu`.
    #[serde(rename = "type")]
    pub kind: String,
    pub weights: String,
    pub reps: usize,
    pub enumerated: bool,
    pub seed: u64,
    pub t_stat: f64,
    pub p_value: f64,
    pub conf_low: Option<f64>,
    pub conf_high: Option<f64>,
    /// Romano–Wolf stepdown p-value over every spec of the table (same draws), if all were
    /// bootstrapped alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_romano_wolf: Option<f64>,
}

impl From<&panelkit::inference::bootstrap::BootResult> for EffectBootstrap {
    fn from(b: &panelkit::inference::bootstrap::BootResult) -> Self {
        EffectBootstrap {
            kind: b.kind.name().to_string(),
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

/// Everything one column of the table shows.
#[derive(Debug, Clone, Serialize)]
pub struct SpecColumn {
    pub name: String,
    pub label: String,
    pub formula: String,
    pub model: String,
    pub coefficients: Vec<TermRow>,
    pub effect: EffectRow,
    pub nobs: usize,
    pub r2: f64,
    pub r2_within: Option<f64>,
    pub fixed_effects: String,
    pub controls: Vec<String>,
    pub weights: Option<String>,
    /// Covariance and small-sample preset, e.g. "cluster(code), ssc=stata".
    pub se_type: String,
    /// Observations dropped, by reason.
    pub dropped: Vec<(String, usize)>,
}

/// The whole table plus its provenance.
#[derive(Debug, Clone, Serialize)]
pub struct EstimateTable {
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
    /// None when a leave-one-cluster-out fit is singular.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_diagnostics: Option<panelkit::inference::diagnostics::ClusterDiagnostics>,
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

fn stars(p: f64) -> &'static str {
    if p < 0.01 {
        "***"
    } else if p < 0.05 {
        "**"
    } else if p < 0.1 {
        "*"
    } else {
        ""
    }
}

/// Fixed-width number for tables: 3 decimals, or 4 significant digits for small values.
pub fn fmt_coef(x: f64) -> String {
    if !x.is_finite() {
        return "".into();
    }
    if x != 0.0 && x.abs() < 0.01 {
        format!("{x:.3e}")
    } else {
        format!("{x:.3}")
    }
}

/// A plain grid: header + rows of cells; every renderer formats it.
struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl EstimateTable {
    /// Ordered union of coefficient names over all columns.
    fn terms(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in &self.columns {
            for t in &c.coefficients {
                if !out.contains(&t.term) {
                    out.push(t.term.clone());
                }
            }
        }
        out
    }

    fn grid(&self) -> Grid {
        let mut header = vec![String::new()];
        header.extend(self.columns.iter().map(|c| c.label.clone()));
        let mut rows = Vec::new();
        for term in self.terms() {
            let mut est = vec![term.clone()];
            let mut se = vec![String::new()];
            for c in &self.columns {
                match c.coefficients.iter().find(|t| t.term == term) {
                    Some(t) => {
                        est.push(format!("{}{}", fmt_coef(t.estimate), stars(t.p_value)));
                        se.push(format!("({})", fmt_coef(t.std_error)));
                    }
                    None => {
                        est.push(String::new());
                        se.push(String::new());
                    }
                }
            }
            rows.push(est);
            rows.push(se);
        }
        let row = |name: &str, f: &dyn Fn(&SpecColumn) -> String| {
            let mut r = vec![name.to_string()];
            r.extend(self.columns.iter().map(f));
            r
        };
        rows.push(row("IKU effect (DKK/inh./pp)", &|c| {
            format!("{}{}", fmt_coef(c.effect.estimate), stars(c.effect.p_value))
        }));
        rows.push(row("", &|c| format!("({})", fmt_coef(c.effect.std_error))));
        rows.push(row("95% CI", &|c| {
            format!(
                "[{}, {}]",
                fmt_coef(c.effect.conf_low),
                fmt_coef(c.effect.conf_high)
            )
        }));
        if let Some(b) = self
            .columns
            .iter()
            .find_map(|c| c.effect.bootstrap.as_ref())
        {
            let kind = b.kind.to_uppercase();
            let opt = |x: Option<f64>| x.map_or("unbounded".to_string(), fmt_coef);
            rows.push(row(&format!("{kind} p-value"), &|c| {
                c.effect
                    .bootstrap
                    .as_ref()
                    .map_or(String::new(), |b| format!("{:.4}", b.p_value))
            }));
            rows.push(row(&format!("{kind} 95% CI"), &|c| {
                c.effect.bootstrap.as_ref().map_or(String::new(), |b| {
                    format!("[{}, {}]", opt(b.conf_low), opt(b.conf_high))
                })
            }));
        }
        if self.columns.iter().any(|c| {
            c.effect
                .bootstrap
                .as_ref()
                .is_some_and(|b| b.p_romano_wolf.is_some())
        }) {
            rows.push(row("Romano–Wolf p (all specs)", &|c| {
                c.effect
                    .bootstrap
                    .as_ref()
                    .and_then(|b| b.p_romano_wolf)
                    .map_or(String::new(), |p| format!("{p:.4}"))
            }));
        }
        rows.push(row("Effect terms", &|c| c.effect.terms.join(" + ")));
        rows.push(row("Model", &|c| c.model.clone()));
        rows.push(row("N", &|c| c.nobs.to_string()));
        rows.push(row("R²", &|c| format!("{:.4}", c.r2)));
        rows.push(row("R² within", &|c| {
            c.r2_within.map(|r| format!("{r:.4}")).unwrap_or_default()
        }));
        rows.push(row("Fixed effects", &|c| c.fixed_effects.clone()));
        rows.push(row("Controls", &|c| {
            if c.controls.is_empty() {
                "no".into()
            } else {
                c.controls.join(", ")
            }
        }));
        rows.push(row("Weights", &|c| {
            c.weights.clone().unwrap_or_else(|| "none".into())
        }));
        rows.push(row("SE", &|c| c.se_type.clone()));
        Grid { header, rows }
    }

    /// CSV: one column per spec.
    pub fn to_csv(&self) -> Vec<u8> {
        let g = self.grid();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = g.header.clone();
        header[0] = "row".into();
        // Writing to memory cannot fail.
        let _ = w.write_record(&header);
        for r in &g.rows {
            let _ = w.write_record(r);
        }
        w.into_inner().unwrap_or_default()
    }

    /// JSON: the full structure, numbers at full precision.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    fn notes(&self) -> Vec<String> {
        let mut n = vec![
            "Standard errors in parentheses. * p<0.1, ** p<0.05, *** p<0.01.".to_string(),
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
        let mut boots: Vec<String> = Vec::new();
        for b in self
            .columns
            .iter()
            .filter_map(|c| c.effect.bootstrap.as_ref())
        {
            let line = format!(
                "{} p-value and 95% CI: wild cluster {} bootstrap of effect = 0, clustered by unit, {} {} draws{} (seed {}), symmetric p-value, interval by test inversion.",
                b.kind.to_uppercase(),
                if b.kind == "wcr" { "restricted" } else { "unrestricted" },
                b.reps,
                b.weights,
                if b.enumerated { ", full enumeration" } else { "" },
                b.seed
            );
            if !boots.contains(&line) {
                boots.push(line);
            }
        }
        n.extend(boots);
        if self.columns.iter().any(|c| {
            c.effect
                .bootstrap
                .as_ref()
                .is_some_and(|b| b.p_romano_wolf.is_some())
        }) {
            n.push(format!(
                "Romano–Wolf p: stepdown adjusted p-values over the {} specs' effects = 0, from the same bootstrap draws (as pyfixest `rwolf`), controlling the familywise error rate.",
                self.columns.len()
            ));
        }
        for (name, formula) in &self.presets {
            n.push(format!("Small-sample preset `{name}`: {formula}"));
        }
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

    /// Markdown table with notes underneath.
    pub fn to_markdown(&self) -> String {
        let g = self.grid();
        let mut s = String::new();
        if self.synthetic {
            s.push_str("**SYNTHETIC DATA — not a finding.**\n\n");
        }
        let esc = |x: &str| x.replace('|', "\\|");
        s.push_str(&format!(
            "| {} |\n",
            g.header
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
        s.push_str(&format!("|{}\n", "---|".repeat(g.header.len())));
        for r in &g.rows {
            s.push_str(&format!(
                "| {} |\n",
                r.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | ")
            ));
        }
        s.push('\n');
        for n in self.notes() {
            s.push_str(&format!("{n}\n\n"));
        }
        s
    }

    /// LaTeX tabular (booktabs) with notes.
    pub fn to_tex(&self) -> String {
        let g = self.grid();
        let esc = |x: &str| {
            x.replace('\\', "\\textbackslash{}")
                .replace('&', "\\&")
                .replace('%', "\\%")
                .replace('_', "\\_")
                .replace('#', "\\#")
                .replace('²', "$^2$")
        };
        let mut s = String::new();
        if self.synthetic {
            s.push_str("% SYNTHETIC DATA -- not a finding.\n");
        }
        s.push_str(&format!(
            "\\begin{{tabular}}{{l{}}}\n\\toprule\n",
            "c".repeat(self.columns.len())
        ));
        s.push_str(&format!(
            "{} \\\\\n\\midrule\n",
            g.header
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" & ")
        ));
        for r in &g.rows {
            s.push_str(&format!(
                "{} \\\\\n",
                r.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" & ")
            ));
        }
        s.push_str("\\bottomrule\n\\end{tabular}\n");
        for n in self.notes() {
            s.push_str(&format!("% {n}\n"));
        }
        s
    }
}

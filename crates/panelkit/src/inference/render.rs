//! Renderings of a coefficient table: console (like R's `summary()`), JSON, CSV, Markdown, LaTeX.

use super::coef::{CoefRow, CoefTable};
use super::vcov::Vcov;
use crate::estimators::{DroppedTerm, Fit};
use crate::panel::io::fmt_num;
use std::collections::BTreeMap;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Md,
    Tex,
}

impl Format {
    /// Parses a format name.
    pub fn parse(s: &str) -> crate::error::Result<Format> {
        Ok(match s {
            "table" => Format::Table,
            "json" => Format::Json,
            "csv" => Format::Csv,
            "md" => Format::Md,
            "tex" => Format::Tex,
            _ => {
                return Err(crate::error::Error::Usage(format!(
                    "unknown format '{s}': expected table, json, csv, md or tex"
                )))
            }
        })
    }
}

/// The JSON document of one estimate.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EstimateJson<'a> {
    pub formula: &'a str,
    pub model: &'a str,
    pub vcov: &'a str,
    pub ssc: &'a str,
    pub ssc_formula: &'a str,
    pub lags: Option<usize>,
    pub nobs: usize,
    pub n_units: usize,
    pub n_times: usize,
    pub df_resid: usize,
    pub t_df: Option<f64>,
    pub n_clusters: Option<usize>,
    pub r2: f64,
    pub r2_within: Option<f64>,
    pub dropped: &'a BTreeMap<String, usize>,
    pub dropped_terms: &'a [DroppedTerm],
    pub coefficients: &'a [CoefRow],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub lincom: &'a [CoefRow],
    /// The joint Wald test, when asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wald: Option<&'a super::wald::WaldTest>,
    /// Confidence level of the intervals, when not 0.95.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
    /// Specification tests, when asked.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub tests: &'a [super::spectests::TestResult],
    /// Random effects only: σ²_ε, σ²_μ and θ per unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variance_components: Option<&'a crate::estimators::RandomComponents>,
}

fn g(v: f64) -> String {
    if !v.is_finite() {
        return fmt_num(v);
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e6).contains(&a) {
        format!("{v:.4e}")
    } else {
        format!("{v:.6}")
    }
}

fn p_fmt(p: f64) -> String {
    if p < 2.2e-16 {
        "< 2.2e-16".into()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

fn describe(v: &Vcov) -> String {
    let mut s = format!(
        "vcov: {} | ssc preset: {}",
        v.spec.kind().name(),
        v.spec.ssc().name()
    );
    if let Some(l) = v.lags {
        s.push_str(&format!(" | lags: {l}"));
    }
    if let Some(g) = v.n_clusters {
        s.push_str(&format!(" | clusters: {g}"));
    }
    s
}

/// The confidence level (when not 0.95) and the Wald test, one line each.
fn extra_lines(table: &CoefTable) -> String {
    let mut s = String::new();
    if table.level != 0.95 {
        s.push_str(&format!("Confidence intervals at level {}\n", table.level));
    }
    if let Some(w) = &table.wald {
        let dist = match (w.distribution, w.df2) {
            ("F", Some(d2)) => format!("F({}, {d2})", w.df1),
            ("F", None) => format!("F({}, ∞)", w.df1),
            (_, _) => format!("χ²({})", w.df1),
        };
        s.push_str(&format!(
            "Wald test of {}: {dist} = {}, p-value {}\n",
            w.hypothesis,
            g(w.stat),
            p_fmt(w.p_value)
        ));
    }
    s
}

/// Renders `table` for `fit` in `format` (deterministic text, ending with a newline).
pub fn render(fit: &Fit, table: &CoefTable, format: Format) -> String {
    render_with_tests(fit, table, &[], format)
}

/// Renders `table` and specification `tests` (JSON field `tests`; a section in table/md).
pub fn render_with_tests(
    fit: &Fit,
    table: &CoefTable,
    tests: &[super::spectests::TestResult],
    format: Format,
) -> String {
    let test_lines: String = tests
        .iter()
        .map(|t| {
            let df =
                t.df.iter()
                    .map(|d| format!("{d}"))
                    .collect::<Vec<_>>()
                    .join(", ");
            format!(
                "{}: statistic {} (df [{df}]), p-value {}\n",
                t.name,
                g(t.statistic),
                p_fmt(t.p_value)
            )
        })
        .collect();
    let v = &table.vcov;
    let header = [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
    ];
    let cells: Vec<Vec<String>> = table
        .rows
        .iter()
        .chain(&table.lincoms)
        .map(|r| {
            vec![
                r.term.clone(),
                g(r.estimate),
                g(r.std_error),
                format!("{:.3}", r.statistic),
                p_fmt(r.p_value),
                g(r.conf_low),
                g(r.conf_high),
            ]
        })
        .collect();
    let dropped = if fit.dropped_obs.is_empty() {
        "none".to_string()
    } else {
        fit.dropped_obs
            .iter()
            .map(|(k, n)| format!("{n} ({k})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let t_df = match v.df {
        Some(d) => format!("t({d})"),
        None => "normal".into(),
    };
    match format {
        Format::Json => {
            let doc = EstimateJson {
                formula: &fit.formula,
                model: fit.model.name(),
                vcov: v.spec.kind().name(),
                ssc: v.spec.ssc().name(),
                ssc_formula: &v.note,
                lags: v.lags,
                nobs: fit.n,
                n_units: fit.n_units(),
                n_times: fit.n_times(),
                df_resid: fit.df_resid(),
                t_df: v.df,
                n_clusters: v.n_clusters,
                r2: fit.r2,
                r2_within: fit.r2_within,
                dropped: &fit.dropped_obs,
                dropped_terms: &fit.dropped_terms,
                coefficients: &table.rows,
                lincom: &table.lincoms,
                wald: table.wald.as_ref(),
                level: (table.level != 0.95).then_some(table.level),
                tests,
                variance_components: fit.random.as_ref(),
            };
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{e}"));
            s.push('\n');
            s
        }
        Format::Csv => {
            let mut s = header.join(",");
            s.push('\n');
            for r in table.rows.iter().chain(&table.lincoms) {
                let t = if r.term.contains(',') || r.term.contains('"') {
                    format!("\"{}\"", r.term.replace('"', "\"\""))
                } else {
                    r.term.clone()
                };
                s.push_str(&format!(
                    "{t},{},{},{},{},{},{}\n",
                    fmt_num(r.estimate),
                    fmt_num(r.std_error),
                    fmt_num(r.statistic),
                    fmt_num(r.p_value),
                    fmt_num(r.conf_low),
                    fmt_num(r.conf_high)
                ));
            }
            s
        }
        Format::Md => {
            let mut s = format!("| {} |\n|", header.join(" | "));
            s.push_str(&"---|".repeat(header.len()));
            s.push('\n');
            for c in &cells {
                s.push_str(&format!("| `{}` | {} |\n", c[0], c[1..].join(" | ")));
            }
            s.push_str(&format!(
                "\n{} model, n = {}, {}; {}; df: {t_df}.\nSmall-sample factor: {}. Dropped observations: {dropped}.\n",
                fit.model.name(),
                fit.n,
                fit.formula,
                describe(v),
                v.note
            ));
            s.push_str(&extra_lines(table));
            if !test_lines.is_empty() {
                s.push_str(&format!("\nSpecification tests:\n\n{test_lines}"));
            }
            s
        }
        Format::Tex => {
            // ASCII-only LaTeX (pdflatex without extra packages).
            let esc = |t: &str| {
                t.replace('_', "\\_")
                    .replace('&', "\\&")
                    .replace('%', "\\%")
                    .replace('|', ";")
                    .replace('−', "-")
                    .replace('′', "'")
                    .replace('·', "$\\cdot$")
                    .replace('²', "$^2$")
                    .replace('…', "...")
            };
            let mut s = String::from("\\begin{tabular}{lrrrrrr}\n\\hline\n");
            s.push_str(
                &header
                    .iter()
                    .map(|h| esc(h))
                    .collect::<Vec<_>>()
                    .join(" & "),
            );
            s.push_str(" \\\\\n\\hline\n");
            for c in &cells {
                s.push_str(&format!(
                    "{} & {} \\\\\n",
                    esc(&c[0]),
                    c[1..]
                        .iter()
                        .map(|x| esc(x))
                        .collect::<Vec<_>>()
                        .join(" & ")
                ));
            }
            s.push_str(&format!(
                "\\hline\n\\multicolumn{{7}}{{l}}{{\\footnotesize {} model, $n = {}$; {}; {}. Dropped observations: {}.}} \\\\\n\\end{{tabular}}\n",
                fit.model.name(),
                fit.n,
                esc(&describe(v)),
                esc(&v.note),
                esc(&dropped)
            ));
            s
        }
        Format::Table => {
            let mut w = header.map(str::len).to_vec();
            for c in &cells {
                for (i, x) in c.iter().enumerate() {
                    w[i] = w[i].max(x.chars().count());
                }
            }
            let line = |c: &[String]| -> String {
                let mut s = format!("{:<w0$}", c[0], w0 = w[0]);
                for (i, x) in c.iter().enumerate().skip(1) {
                    s.push_str(&format!("  {:>wi$}", x, wi = w[i]));
                }
                s.push('\n');
                s
            };
            let mut s = format!(
                "Model: {} | formula: {}\nObservations: {} (units {}, periods {}) | df resid: {} | R²: {:.6}",
                fit.model.name(),
                fit.formula,
                fit.n,
                fit.n_units(),
                fit.n_times(),
                fit.df_resid(),
                fit.r2
            );
            if let Some(r) = fit.r2_within {
                s.push_str(&format!(" | within R²: {r:.6}"));
            }
            s.push_str(&format!("\nDropped observations: {dropped}\n"));
            if let Some(rc) = &fit.random {
                let (lo, hi) = rc
                    .theta
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
                        (a.min(*t), b.max(*t))
                    });
                let theta = if hi - lo < 1e-12 {
                    g(lo)
                } else {
                    format!("{} … {}", g(lo), g(hi))
                };
                s.push_str(&format!(
                    "Swamy–Arora: σ²_ε = {}, σ²_μ = {}, θ = {theta}\n",
                    g(rc.sigma2_idios),
                    g(rc.sigma2_indiv)
                ));
            }
            for d in &fit.dropped_terms {
                s.push_str(&format!("Dropped term {}: {}\n", d.term, d.reason));
            }
            s.push('\n');
            let hdr: Vec<String> = header.iter().map(|h| h.to_string()).collect();
            s.push_str(&line(&hdr));
            for c in &cells {
                s.push_str(&line(c));
            }
            s.push_str(&format!(
                "\n{}\nInference: {t_df}; small-sample factor ({}): {}\n",
                describe(v),
                v.spec.ssc().name(),
                v.note
            ));
            s.push_str(&extra_lines(table));
            if !test_lines.is_empty() {
                s.push_str(&format!("\nSpecification tests:\n{test_lines}"));
            }
            s
        }
    }
}

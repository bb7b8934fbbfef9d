//! The coefficient table of one fit — console (like R's `summary()`), JSON, CSV, Markdown,
//! LaTeX — built on the [`crate::table`] grid. Several fits side by side: [`crate::etable`].

use super::coef::{CoefRow, CoefTable};
use super::spectests::TestResult;
use super::vcov::Vcov;
use crate::estimators::{DroppedTerm, Fit, RandomComponents};
use crate::table::{escape_tex, fmt_num, fmt_p, fmt_sig, Align, LatexRules, Table};
use std::collections::BTreeMap;

pub use crate::table::Format;

/// The JSON document of one estimate (`iku-estimate --format json` documents the fields).
#[derive(Debug, Clone, serde::Serialize)]
#[allow(missing_docs)]
pub struct EstimateJson<'a> {
    pub formula: &'a str,
    pub model: &'a str,
    pub vcov: &'a str,
    /// The cluster columns, when clustered on columns (`--cluster`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<&'a str>,
    pub ssc: &'a str,
    pub ssc_formula: &'a str,
    pub lags: Option<usize>,
    pub nobs: usize,
    pub n_units: usize,
    pub n_times: usize,
    pub df_resid: usize,
    pub t_df: Option<f64>,
    pub n_clusters: Option<usize>,
    /// plm's R² of the model as estimated (of the transformed model).
    pub r2: f64,
    /// fixest's R² of the full model, fixed effects included (None for fd, random).
    pub r2_overall: Option<f64>,
    /// fixest's within R² (fixed-effects models).
    pub r2_within: Option<f64>,
    /// Why R² is not a number, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r2_nan_reason: Option<String>,
    pub dropped: &'a BTreeMap<String, usize>,
    pub dropped_terms: &'a [DroppedTerm],
    pub coefficients: &'a [CoefRow],
    /// Linear combinations, when asked.
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
    pub tests: &'a [TestResult],
    /// Random effects only: σ²_ε, σ²_μ and θ per unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variance_components: Option<&'a RandomComponents>,
}

/// The columns of every rendering.
const HEADER: [&str; 7] = [
    "term",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "conf_low",
    "conf_high",
];

/// Renders `table` for `fit` in `format` (deterministic text, ending with a newline).
pub fn render(fit: &Fit, table: &CoefTable, format: Format) -> String {
    render_with_tests(fit, table, &[], format)
}

/// Renders `table` and specification `tests` (JSON field `tests`; a section in text and
/// Markdown; not in CSV and LaTeX).
pub fn render_with_tests(
    fit: &Fit,
    table: &CoefTable,
    tests: &[TestResult],
    format: Format,
) -> String {
    match format {
        Format::Json => json(fit, table, tests),
        Format::Csv => csv(table),
        Format::Md => markdown(fit, table, tests),
        Format::Tex => latex(fit, table),
        Format::Text => text(fit, table, tests),
    }
}

/// The coefficients, then the linear combinations.
fn coef_rows(table: &CoefTable) -> impl Iterator<Item = &CoefRow> {
    table.rows.iter().chain(&table.lincoms)
}

/// The displayed grid: one row per coefficient with `term` wrapping the name; numbers
/// right-aligned.
fn display_grid(table: &CoefTable, term: impl Fn(&str) -> String) -> Table {
    Table::new(HEADER)
        .stub_and(Align::Right)
        .rows(coef_rows(table).map(|r| {
            [
                term(&r.term),
                fmt_sig(r.estimate),
                fmt_sig(r.std_error),
                format!("{:.3}", r.statistic),
                fmt_p(r.p_value),
                fmt_sig(r.conf_low),
                fmt_sig(r.conf_high),
            ]
        }))
}

/// The covariance in one line, parts joined by `sep`.
fn describe(v: &Vcov, sep: &str) -> String {
    let by = v
        .cluster
        .as_ref()
        .map_or(String::new(), |c| format!(" by {c}"));
    let mut s = format!(
        "vcov: {}{by}{sep}ssc preset: {}",
        v.spec.kind().name(),
        v.spec.ssc().name()
    );
    if let Some(l) = v.lags {
        s.push_str(&format!("{sep}lags: {l}"));
    }
    if let Some(g) = v.n_clusters {
        s.push_str(&format!("{sep}clusters: {g}"));
    }
    s
}

/// Observations dropped, by reason, or `none`.
fn dropped(fit: &Fit) -> String {
    if fit.dropped_obs.is_empty() {
        "none".to_string()
    } else {
        fit.dropped_obs
            .iter()
            .map(|(k, n)| format!("{n} ({k})"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The reference distribution: `t(df)` or `normal`.
fn t_df(v: &Vcov) -> String {
    match v.df {
        Some(d) => format!("t({d})"),
        None => "normal".into(),
    }
}

/// One line per specification test.
fn test_lines(tests: &[TestResult]) -> String {
    tests
        .iter()
        .map(|t| {
            let df =
                t.df.iter()
                    .map(|d| format!("{d}"))
                    .collect::<Vec<_>>()
                    .join(", ");
            let why = t
                .nan_reason
                .as_ref()
                .map_or(String::new(), |r| format!(" ({r})"));
            format!(
                "{}: statistic {} (df [{df}]), p-value {}{why}\n",
                t.name,
                fmt_sig(t.statistic),
                fmt_p(t.p_value)
            )
        })
        .collect()
}

/// Why R² is not a number: the transformed response has no variation, or the fit is exact
/// with a constant response.
fn r2_nan_reason(fit: &Fit) -> Option<String> {
    fit.r2.is_nan().then(|| {
        "the response (as transformed by the model) has no variation or the fitted values are \
         constant, so R² is 0/0"
            .to_string()
    })
}

/// One line per number shown as NaN (or infinite), with its reason.
fn nan_lines(fit: &Fit, table: &CoefTable) -> String {
    let mut s = String::new();
    if let Some(r) = r2_nan_reason(fit) {
        s.push_str(&format!("R² is NaN: {r}\n"));
    }
    for row in coef_rows(table) {
        if let Some(r) = &row.nan_reason {
            s.push_str(&format!("{}: not finite: {r}\n", row.term));
        }
    }
    if let Some(r) = table.wald.as_ref().and_then(|w| w.nan_reason.as_ref()) {
        s.push_str(&format!("Wald test: not finite: {r}\n"));
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
            fmt_sig(w.stat),
            fmt_p(w.p_value)
        ));
    }
    s
}

/// The specification-test section (`gap` between its title and the lines), or nothing.
fn tests_section(tests: &[TestResult], gap: &str) -> String {
    if tests.is_empty() {
        String::new()
    } else {
        format!("\nSpecification tests:\n{gap}{}", test_lines(tests))
    }
}

fn json(fit: &Fit, table: &CoefTable, tests: &[TestResult]) -> String {
    let v = &table.vcov;
    let doc = EstimateJson {
        formula: &fit.formula,
        model: fit.model.name(),
        vcov: v.spec.kind().name(),
        cluster: v.cluster.as_deref(),
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
        r2_overall: fit.r2_overall,
        r2_within: fit.r2_within,
        r2_nan_reason: r2_nan_reason(fit),
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

/// CSV: the numbers at full precision.
fn csv(table: &CoefTable) -> String {
    Table::new(HEADER)
        .rows(coef_rows(table).map(|r| {
            [
                r.term.clone(),
                fmt_num(r.estimate),
                fmt_num(r.std_error),
                fmt_num(r.statistic),
                fmt_num(r.p_value),
                fmt_num(r.conf_low),
                fmt_num(r.conf_high),
            ]
        }))
        .to_csv()
}

/// Markdown: the grid (terms as code), the fit in two lines, the tests.
fn markdown(fit: &Fit, table: &CoefTable, tests: &[TestResult]) -> String {
    let v = &table.vcov;
    let mut s = display_grid(table, |t| format!("`{t}`"))
        .markdown_alignment(false)
        .to_markdown();
    s.push_str(&format!(
        "\n{} model, n = {}, {}; {}; df: {}.\nSmall-sample factor: {}. Dropped observations: {}.\n",
        fit.model.name(),
        fit.n,
        fit.formula,
        describe(v, " | "),
        t_df(v),
        v.note,
        dropped(fit)
    ));
    s.push_str(&extra_lines(table));
    s.push_str(&nan_lines(fit, table));
    s.push_str(&tests_section(tests, "\n"));
    s
}

/// LaTeX (ASCII, `\hline` rules: pdflatex without extra packages) with the fit in a footer.
fn latex(fit: &Fit, table: &CoefTable) -> String {
    let v = &table.vcov;
    let facts = format!(
        "{}; {}. Dropped observations: {}.",
        describe(v, " ; "),
        v.note,
        dropped(fit)
    );
    display_grid(table, str::to_string)
        .latex_rules(LatexRules::Hline)
        .note_latex(
            format!("{} model, n = {}; {facts}", fit.model.name(), fit.n),
            format!(
                "{} model, $n = {}$; {}",
                escape_tex(fit.model.name()),
                fit.n,
                escape_tex(&facts)
            ),
        )
        .to_latex()
}

/// Random effects: the variance components and θ (its range when units differ).
fn random_effects_line(rc: &RandomComponents) -> String {
    let (lo, hi) = rc
        .theta
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
            (a.min(*t), b.max(*t))
        });
    let theta = if hi - lo < 1e-12 {
        fmt_sig(lo)
    } else {
        format!("{} … {}", fmt_sig(lo), fmt_sig(hi))
    };
    format!(
        "Swamy–Arora: σ²_ε = {}, σ²_μ = {}, θ = {theta}\n",
        fmt_sig(rc.sigma2_idios),
        fmt_sig(rc.sigma2_indiv)
    )
}

/// The console header: model, sample, fit, drops.
fn text_header(fit: &Fit) -> String {
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
        if let Some(r) = fit.r2_overall {
            s.push_str(&format!(" | R² with fixed effects: {r:.6}"));
        }
    }
    s.push_str(&format!("\nDropped observations: {}\n", dropped(fit)));
    if let Some(rc) = &fit.random {
        s.push_str(&random_effects_line(rc));
    }
    for d in &fit.dropped_terms {
        s.push_str(&format!("Dropped term {}: {}\n", d.term, d.reason));
    }
    s
}

/// Console: the header, the grid with the covariance under it, the tests.
fn text(fit: &Fit, table: &CoefTable, tests: &[TestResult]) -> String {
    let v = &table.vcov;
    let grid = display_grid(table, str::to_string).gap(2).notes([
        describe(v, " | "),
        format!(
            "Inference: {}; small-sample factor ({}): {}",
            t_df(v),
            v.spec.ssc().name(),
            v.note
        ),
    ]);
    format!(
        "{}\n{}{}{}{}",
        text_header(fit),
        grid.to_text(),
        extra_lines(table),
        nan_lines(fit, table),
        tests_section(tests, "")
    )
}

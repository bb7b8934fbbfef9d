//! Multi-model tables, like fixest's `etable` or Stata's `esttab`: any list of fits side by
//! side, one column per fit, rendered as plain text, Markdown, CSV, LaTeX or JSON through
//! the [`crate::table`] grid.
//!
//! The rows follow a layout ([`EstimateTable::rows`]): the coefficients (estimate with
//! significance stars, standard error in parentheses below; the union of the terms in order
//! of appearance), then model, N, R², within R², fixed effects and standard-error type. An
//! application adds its own rows — a linear combination shown like a coefficient
//! ([`Row::Estimate`]), a line of text per model ([`Row::Line`]) — anywhere in the layout
//! with [`EstimateTable::insert_after`], and replaces or extends the notes (by default the
//! star legend and each small-sample preset's formula).
//!
//! ```
//! # fn main() -> panelkit::Result<()> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/reference/data/grunfeld.csv");
//! use panelkit::estimators::{estimate, EstimateOptions, Model};
//! use panelkit::etable::{Anchor, EstimateTable, Row, Stat};
//! use panelkit::formula::Formula;
//! use panelkit::inference::{Ssc, VcovKind, VcovSpec};
//! use panelkit::table::Format;
//!
//! let panel = panelkit::panel::io::read_csv(path.as_ref(), "firm", "year")?;
//! let vcov = VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::fixest());
//! let mut fits = Vec::new();
//! for f in ["inv ~ value + capital | firm", "inv ~ value + capital | firm + year"] {
//!     let formula = Formula::parse(f)?;
//!     let model = Model::resolve(&formula, &panel, None)?;
//!     let fit = estimate(&panel, &formula, &EstimateOptions::new(model))?;
//!     let table = fit.coef_table(&vcov, 0.95)?;
//!     fits.push((fit, table));
//! }
//! let list: Vec<_> = fits
//!     .iter()
//!     .zip(["(1)", "(2)"])
//!     .map(|((fit, table), label)| (label, fit, table))
//!     .collect();
//! let mut t = EstimateTable::from_fits(&list, "firm", "year");
//! t.insert_after(Anchor::Stat(Stat::FixedEffects), [Row::line("Sample", ["all", "all"])]);
//! let md = t.render(Format::Md);
//! assert!(md.starts_with("|  | (1) | (2) |\n"));
//! assert!(md.contains("| Fixed effects | firm | firm, year |\n| Sample | all | all |\n"));
//! # Ok(())
//! # }
//! ```

use crate::estimators::{Fit, Model};
use crate::inference::{CoefRow, CoefTable, VcovKind};
use crate::table::{fmt_coef, stars, Align, Format, Table, STARS_NOTE};
use serde::Serialize;

/// One estimate in a multi-model table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermEstimate {
    /// Coefficient name (or a label for a combination).
    pub term: String,
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub std_error: f64,
    /// Two-sided p-value (sets the stars).
    pub p_value: f64,
    /// Why the standard error or p-value is not a finite number (absent when both are).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nan_reason: Option<String>,
}

impl From<&CoefRow> for TermEstimate {
    fn from(c: &CoefRow) -> TermEstimate {
        TermEstimate {
            term: c.term.clone(),
            estimate: c.estimate,
            std_error: c.std_error,
            p_value: c.p_value,
            nan_reason: c.nan_reason.clone(),
        }
    }
}

/// One column: what the table shows of one fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelColumn {
    /// Column header.
    pub label: String,
    /// The formula as written.
    pub formula: String,
    /// Estimator name (`within`, `twoways`, `fd`, …).
    pub model: String,
    /// Coefficients in the fit's order.
    pub coefficients: Vec<TermEstimate>,
    /// Observations used.
    pub nobs: usize,
    /// R² as the fit reports it (of the transformed model).
    pub r2: f64,
    /// Within R² (fixed-effects models).
    pub r2_within: Option<f64>,
    /// Absorbed effects by column name (`unit`, `unit, time`, …) or `none`.
    pub fixed_effects: String,
    /// Covariance and small-sample preset, e.g. `cluster(firm), ssc=fixest`.
    pub se_type: String,
    /// Covariance kind name (`cluster`, `hc1`, …).
    pub vcov: String,
    /// Small-sample preset name.
    pub ssc: String,
    /// The small-sample factor applied, in words.
    pub ssc_formula: String,
    /// Degrees of freedom of the t distribution used (None: normal).
    pub df: Option<f64>,
    /// Observations dropped, by reason.
    pub dropped: Vec<(String, usize)>,
}

impl ModelColumn {
    /// Summarises `fit` with its coefficient table; `unit` and `time` name the panel's key
    /// columns in the fixed-effects and clustering descriptions.
    pub fn from_fit(label: &str, fit: &Fit, table: &CoefTable, unit: &str, time: &str) -> Self {
        let v = &table.vcov;
        ModelColumn {
            label: label.to_string(),
            formula: fit.formula.clone(),
            model: fit.model.name().to_string(),
            coefficients: table.rows.iter().map(TermEstimate::from).collect(),
            nobs: fit.n,
            r2: fit.r2,
            r2_within: fit.r2_within,
            fixed_effects: fixed_effects(fit, unit, time),
            se_type: se_type(table, unit, time),
            vcov: v.spec.kind().name().to_string(),
            ssc: v.spec.ssc().name().to_string(),
            ssc_formula: v.note.clone(),
            df: v.df,
            dropped: fit
                .dropped_obs
                .iter()
                .map(|(k, n)| (k.clone(), *n))
                .collect(),
        }
    }
}

/// The absorbed effects of `model`, by column name.
fn fixed_effects(fit: &Fit, unit: &str, time: &str) -> String {
    match fit.model {
        Model::Within => unit.to_string(),
        Model::Twoways => format!("{unit}, {time}"),
        Model::WithinTime => time.to_string(),
        Model::Fixef => fit
            .fixed_effects()
            .iter()
            .map(|g| g.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        _ => "none".to_string(),
    }
}

/// `kind(clusters), ssc=preset[, lags=L]`.
fn se_type(t: &CoefTable, unit: &str, time: &str) -> String {
    let v = &t.vcov;
    let kind = match v.spec.kind() {
        _ if v.cluster.is_some() => format!(
            "cluster({})",
            v.cluster
                .as_deref()
                .unwrap_or_default()
                .replace(" + ", ", ")
        ),
        VcovKind::Cluster => format!("cluster({unit})"),
        VcovKind::ClusterTime => format!("cluster({time})"),
        VcovKind::ClusterTwoway => format!("cluster({unit}, {time})"),
        k => k.name().to_string(),
    };
    let mut s = format!("{kind}, ssc={}", v.spec.ssc().name());
    if let Some(l) = v.lags {
        s.push_str(&format!(", lags={l}"));
    }
    s
}

/// A fit statistic shown as one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stat {
    /// Estimator name.
    Model,
    /// Observations used (`N`).
    Nobs,
    /// R² (four decimals).
    R2,
    /// Within R² (four decimals; empty without fixed effects).
    R2Within,
    /// Absorbed effects.
    FixedEffects,
    /// Covariance and small-sample preset.
    SeType,
}

impl Stat {
    /// The row label.
    pub fn label(self) -> &'static str {
        match self {
            Stat::Model => "Model",
            Stat::Nobs => "N",
            Stat::R2 => "R²",
            Stat::R2Within => "R² within",
            Stat::FixedEffects => "Fixed effects",
            Stat::SeType => "SE",
        }
    }

    /// The cell of column `c`.
    pub fn cell(self, c: &ModelColumn) -> String {
        match self {
            Stat::Model => c.model.clone(),
            Stat::Nobs => c.nobs.to_string(),
            // Estimators without an R² (GMM) carry NaN: the cell stays empty.
            Stat::R2 if !c.r2.is_finite() => String::new(),
            Stat::R2 => format!("{:.4}", c.r2),
            Stat::R2Within => c.r2_within.map(|r| format!("{r:.4}")).unwrap_or_default(),
            Stat::FixedEffects => c.fixed_effects.clone(),
            Stat::SeType => c.se_type.clone(),
        }
    }
}

/// One entry of the layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Row {
    /// Every coefficient: estimate with stars, standard error in parentheses below.
    Coefficients,
    /// A fit statistic.
    Stat(Stat),
    /// An estimate per column (a linear combination, say), shown like a coefficient; `None`
    /// leaves the cell empty.
    Estimate {
        /// Row label.
        label: String,
        /// One per column.
        cells: Vec<Option<TermEstimate>>,
    },
    /// One line of text cells, one per column.
    Line {
        /// Row label.
        label: String,
        /// One per column.
        cells: Vec<String>,
    },
}

impl Row {
    /// A line of text cells.
    pub fn line<I, S>(label: &str, cells: I) -> Row
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Row::Line {
            label: label.to_string(),
            cells: cells.into_iter().map(Into::into).collect(),
        }
    }

    /// An estimate per column.
    pub fn estimate(label: &str, cells: Vec<Option<TermEstimate>>) -> Row {
        Row::Estimate {
            label: label.to_string(),
            cells,
        }
    }
}

/// A place in the layout to insert rows after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// After the coefficient rows.
    Coefficients,
    /// After a statistic's row.
    Stat(Stat),
}

impl Anchor {
    fn matches(self, r: &Row) -> bool {
        match (self, r) {
            (Anchor::Coefficients, Row::Coefficients) => true,
            (Anchor::Stat(a), Row::Stat(b)) => a == *b,
            _ => false,
        }
    }
}

/// Fits side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimateTable {
    /// One per fit, left to right.
    pub columns: Vec<ModelColumn>,
    /// The layout, top to bottom.
    pub rows: Vec<Row>,
    /// Printed under the table (Markdown, LaTeX and plain text).
    pub notes: Vec<String>,
}

impl EstimateTable {
    /// The standard layout: coefficients, model, N, R², within R², fixed effects, SE type.
    pub const STANDARD_ROWS: [Row; 7] = [
        Row::Coefficients,
        Row::Stat(Stat::Model),
        Row::Stat(Stat::Nobs),
        Row::Stat(Stat::R2),
        Row::Stat(Stat::R2Within),
        Row::Stat(Stat::FixedEffects),
        Row::Stat(Stat::SeType),
    ];

    /// A table of `(label, fit, coefficient table)` in column order; `unit` and `time` name
    /// the panel's key columns (fixed effects, clusters).
    pub fn from_fits(fits: &[(&str, &Fit, &CoefTable)], unit: &str, time: &str) -> Self {
        EstimateTable::new(
            fits.iter()
                .map(|(label, fit, table)| ModelColumn::from_fit(label, fit, table, unit, time))
                .collect(),
        )
    }

    /// A table of already summarised columns, with the standard layout and notes.
    pub fn new(columns: Vec<ModelColumn>) -> Self {
        let mut t = EstimateTable {
            columns,
            rows: Self::STANDARD_ROWS.to_vec(),
            notes: Vec::new(),
        };
        t.notes = std::iter::once(STARS_NOTE.to_string())
            .chain(t.preset_notes())
            .chain(t.nan_notes())
            .collect();
        t
    }

    /// One note per estimate whose standard error or p-value is not finite, with the reason.
    pub fn nan_notes(&self) -> Vec<String> {
        self.columns
            .iter()
            .flat_map(|c| {
                c.coefficients.iter().filter_map(move |e| {
                    e.nan_reason
                        .as_ref()
                        .map(|r| format!("{}, `{}`: not finite: {r}", c.label, e.term))
                })
            })
            .collect()
    }

    /// Inserts `rows` after the layout entry `anchor` (at the end when it is not in the
    /// layout).
    pub fn insert_after(&mut self, anchor: Anchor, rows: impl IntoIterator<Item = Row>) {
        let at = self
            .rows
            .iter()
            .position(|r| anchor.matches(r))
            .map_or(self.rows.len(), |i| i + 1);
        self.rows.splice(at..at, rows);
    }

    /// The distinct small-sample presets used, in column order: (preset name,
    /// `vcov kind — formula`).
    pub fn presets(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for c in &self.columns {
            let p = (c.ssc.clone(), format!("{} — {}", c.vcov, c.ssc_formula));
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    /// One note per distinct preset: ``Small-sample preset `name`: kind — formula``.
    pub fn preset_notes(&self) -> Vec<String> {
        self.presets()
            .into_iter()
            .map(|(name, line)| format!("Small-sample preset `{name}`: {line}"))
            .collect()
    }

    /// Ordered union of the coefficient names over all columns.
    fn terms(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.columns {
            for t in &c.coefficients {
                if !out.contains(&t.term.as_str()) {
                    out.push(&t.term);
                }
            }
        }
        out
    }

    /// The two lines of an estimate: `label | est*** …` and ` | (se) …`.
    fn estimate_lines<'a>(
        label: &str,
        cells: impl Iterator<Item = Option<&'a TermEstimate>>,
    ) -> [Vec<String>; 2] {
        let mut est = vec![label.to_string()];
        let mut se = vec![String::new()];
        for c in cells {
            match c {
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
        [est, se]
    }

    /// The body rows of one layout entry.
    fn lines(&self, row: &Row) -> Vec<Vec<String>> {
        match row {
            Row::Coefficients => self
                .terms()
                .into_iter()
                .flat_map(|term| {
                    Self::estimate_lines(
                        term,
                        self.columns
                            .iter()
                            .map(|c| c.coefficients.iter().find(|t| t.term == term)),
                    )
                })
                .collect(),
            Row::Stat(s) => {
                let mut r = vec![s.label().to_string()];
                r.extend(self.columns.iter().map(|c| s.cell(c)));
                vec![r]
            }
            Row::Estimate { label, cells } => {
                Self::estimate_lines(label, cells.iter().map(Option::as_ref)).to_vec()
            }
            Row::Line { label, cells } => {
                let mut r = vec![label.clone()];
                r.extend(cells.iter().cloned());
                vec![r]
            }
        }
    }

    /// The grid: an empty stub header, one column per fit (centred), the layout, the notes.
    /// Restyle it (e.g. [`Table::latex_notes`]) before rendering to change the look.
    pub fn grid(&self) -> Table {
        self.grid_with_stub("")
    }

    fn grid_with_stub(&self, stub: &str) -> Table {
        let header =
            std::iter::once(stub.to_string()).chain(self.columns.iter().map(|c| c.label.clone()));
        let mut t = Table::new(header)
            .stub_and(Align::Center)
            .notes(self.notes.iter().cloned());
        for r in &self.rows {
            for line in self.lines(r) {
                t.push_row(line);
            }
        }
        t
    }

    /// Plain text.
    pub fn to_text(&self) -> String {
        self.grid().to_text()
    }

    /// Markdown with the notes as paragraphs.
    pub fn to_markdown(&self) -> String {
        self.grid().to_markdown()
    }

    /// LaTeX tabular (booktabs) with the notes under it.
    pub fn to_latex(&self) -> String {
        self.grid().to_latex()
    }

    /// CSV: the displayed cells, the stub column headed `row`.
    pub fn to_csv(&self) -> String {
        self.grid_with_stub("row").to_csv()
    }

    /// JSON: columns (numbers at full precision), layout and notes.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{e}"));
        s.push('\n');
        s
    }

    /// Renders in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.to_text(),
            Format::Json => self.to_json(),
            Format::Csv => self.to_csv(),
            Format::Md => self.to_markdown(),
            Format::Tex => self.to_latex(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(label: &str, terms: &[(&str, f64, f64, f64)]) -> ModelColumn {
        ModelColumn {
            label: label.into(),
            formula: "y ~ x".into(),
            model: "within".into(),
            coefficients: terms
                .iter()
                .map(|&(t, e, s, p)| TermEstimate {
                    term: t.into(),
                    estimate: e,
                    std_error: s,
                    p_value: p,
                    nan_reason: None,
                })
                .collect(),
            nobs: 100,
            r2: 0.5,
            r2_within: None,
            fixed_effects: "firm".into(),
            se_type: "cluster(firm), ssc=fixest".into(),
            vcov: "cluster".into(),
            ssc: "fixest".into(),
            ssc_formula: "G/(G − 1)".into(),
            df: Some(9.0),
            dropped: vec![],
        }
    }

    #[test]
    fn columns_share_the_union_of_terms_and_rows_can_be_inserted() {
        let mut t = EstimateTable::new(vec![
            column("(1)", &[("x", 1.0, 0.1, 0.001)]),
            column("(2)", &[("x", 2.0, 1.5, 0.2), ("z", 0.004, 0.001, 0.04)]),
        ]);
        t.insert_after(
            Anchor::Coefficients,
            [Row::estimate(
                "x + z",
                vec![
                    None,
                    Some(TermEstimate {
                        term: "x + z".into(),
                        estimate: 2.004,
                        std_error: 1.5,
                        p_value: 0.2,
                        nan_reason: None,
                    }),
                ],
            )],
        );
        t.insert_after(
            Anchor::Stat(Stat::FixedEffects),
            [Row::line("Weights", ["none", "pop"])],
        );
        let md = t.to_markdown();
        assert_eq!(
            md,
            "|  | (1) | (2) |\n|---|:---:|:---:|\n\
             | x | 1.000*** | 2.000 |\n|  | (0.100) | (1.500) |\n\
             | z |  | 4.000e-3** |\n|  |  | (1.000e-3) |\n\
             | x + z |  | 2.004 |\n|  |  | (1.500) |\n\
             | Model | within | within |\n| N | 100 | 100 |\n| R² | 0.5000 | 0.5000 |\n\
             | R² within |  |  |\n| Fixed effects | firm | firm |\n| Weights | none | pop |\n\
             | SE | cluster(firm), ssc=fixest | cluster(firm), ssc=fixest |\n\n\
             Standard errors in parentheses. * p<0.1, ** p<0.05, *** p<0.01.\n\n\
             Small-sample preset `fixest`: cluster — G/(G − 1)\n\n"
        );
        assert!(t.to_csv().starts_with("row,(1),(2)\nx,1.000***,2.000\n"));
        assert!(t.to_latex().contains("R$^2$ & 0.5000 & 0.5000 \\\\\n"));
        assert_eq!(t.presets().len(), 1);
        let j: serde_json::Value = serde_json::from_str(&t.to_json()).unwrap();
        assert_eq!(j["columns"][1]["coefficients"][1]["term"], "z");
    }
}

//! Multi-model tables, like fixest's `etable` or Stata's `esttab`: any list of fits side by
//! side, one column per fit, rendered as plain text, Markdown, CSV, LaTeX or JSON through
//! the [`crate::table`] grid.
//!
//! The rows follow a layout ([`EstimateTable::rows`]): the coefficients (estimate with
//! significance stars, standard error in parentheses below; the union of the terms in order
//! of appearance), then model, N, the periods of the estimation sample, R² (fixest's, of the
//! full model with its fixed effects), within R² (fixed-effects models), R² of the differenced
//! regression (first differences, plm's) or of the quasi-demeaned one (random effects), fixed
//! effects and standard-error type; a statistic row that is empty in every column is left
//! out. An application adds its own rows — a linear combination shown like a coefficient
//! ([`Row::Estimate`]), a line of text per model ([`Row::Line`]) — anywhere in the layout
//! with [`EstimateTable::insert_after`], and replaces or extends the notes (by default the
//! star legend and each small-sample preset's formula).
//!
//! **Term names.** The display formats (text, Markdown, LaTeX) label the coefficients with
//! [`TermLabels`]: readable prose composed around the formula's operators (`l(d_iku, 1)` →
//! "Δ IKU, lag 1" once `d_iku` is labelled "Δ IKU"), from a dictionary the caller supplies
//! ([`EtableOptions::dict`], as fixest's `dict`). CSV keeps the formula's names, JSON the raw
//! names. A first-difference model's coefficients are on the changes of its terms, so their
//! display name is the difference ([`crate::table::difference_name`]: `l(iku, 1)` →
//! `l(d(iku), 1)`, JSON `display_name`) and they get rows of their own, apart from the levels
//! coefficients of the same terms in other models. Rows are matched by the displayed name, so
//! two terms given the same label share a row (a column's second term with a label already
//! used in that column gets its name appended in brackets).
//!
//! **Selection** ([`EtableOptions`], fixest's `keep`, `drop`, `order`): [`TermPattern`]s
//! matched against a term's raw name, its display name and its label; `keep` shows only the
//! terms matching any of its patterns, `drop` hides those matching any, `order` puts the terms
//! matching its first pattern first, then its second's, then the rest in their order. A
//! pattern that matches no coefficient of the table is an error (a typo would otherwise
//! silently show everything). Selection applies to the display formats and CSV; JSON keeps
//! every coefficient.
//!
//! **Panels.** With more columns than [`EtableOptions::max_columns`] (default
//! [`MAX_COLUMNS`]), text, Markdown and LaTeX print the columns in panels of at most that many
//! (Panel A, B, …; each with its own coefficient rows, the notes once at the end); CSV and JSON
//! keep every column in one table.
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

use crate::error::{Error, Result};
use crate::estimators::{Fit, Model};
use crate::inference::{CoefRow, CoefTable, VcovKind};
use crate::table::{
    difference_name, fmt_coef, ranges, stars, Align, Format, LatexNotes, Table, TermLabels,
    TermPattern, STARS_NOTE,
};
use serde::Serialize;

/// The most model columns one panel of a text, Markdown or LaTeX table holds by default.
pub const MAX_COLUMNS: usize = 5;

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
    /// The name the table shows when it differs from `term`: under first differences the
    /// coefficient is on the change of the term, `d(term)` (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl TermEstimate {
    /// The name the table shows: the display name, else the term.
    pub fn shown_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.term)
    }
}

impl From<&CoefRow> for TermEstimate {
    fn from(c: &CoefRow) -> TermEstimate {
        TermEstimate {
            term: c.term.clone(),
            estimate: c.estimate,
            std_error: c.std_error,
            p_value: c.p_value,
            nan_reason: c.nan_reason.clone(),
            display_name: None,
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
    /// R² as plm reports it (of the transformed model: within R² for fixed-effects models,
    /// of the differences for first differences).
    pub r2: f64,
    /// fixest's R² of the full model, fixed effects included (pooled, between and
    /// fixed-effects models; [`Fit::r2_overall`]).
    pub r2_overall: Option<f64>,
    /// fixest's within R² (fixed-effects models; [`Fit::r2_within`]).
    pub r2_within: Option<f64>,
    /// The distinct periods of the estimation sample, sorted (the time values as the panel
    /// stores them: years, or ranks of text labels; empty when not known, e.g. between).
    pub periods: Vec<i64>,
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
            coefficients: table
                .rows
                .iter()
                .map(|r| TermEstimate {
                    display_name: (fit.model == Model::Fd)
                        .then(|| difference_name(&r.term))
                        .filter(|d| *d != r.term),
                    ..TermEstimate::from(r)
                })
                .collect(),
            nobs: fit.n,
            r2: fit.r2,
            r2_overall: fit.r2_overall,
            r2_within: fit.r2_within,
            periods: periods(fit),
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

/// The distinct periods of a fit's observations (none for between: one row per unit).
fn periods(fit: &Fit) -> Vec<i64> {
    if fit.model == Model::Between {
        return Vec::new();
    }
    let mut p = fit.ids.time().to_vec();
    p.sort_unstable();
    p.dedup();
    p
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
    /// The periods of the estimation sample, as ranges (`2008–2018`); the row is labelled
    /// [`EstimateTable::period_label`].
    Periods,
    /// fixest's R² of the full model, fixed effects included (four decimals; empty for first
    /// differences, random effects and GMM).
    R2,
    /// fixest's within R² (four decimals; empty without fixed effects).
    R2Within,
    /// plm's R² of the differenced regression (first differences only).
    R2Differences,
    /// plm's R² of the quasi-demeaned regression (random effects only).
    R2QuasiDemeaned,
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
            Stat::Periods => "Periods",
            Stat::R2 => "R²",
            Stat::R2Within => "Within R²",
            Stat::R2Differences => "R² (differences)",
            Stat::R2QuasiDemeaned => "R² (quasi-demeaned)",
            Stat::FixedEffects => "Fixed effects",
            Stat::SeType => "SE",
        }
    }

    /// The cell of column `c`.
    pub fn cell(self, c: &ModelColumn) -> String {
        // A missing or non-finite R² (GMM carries NaN) leaves the cell empty.
        let r2 = |r: Option<f64>| {
            r.filter(|r| r.is_finite())
                .map(|r| format!("{r:.4}"))
                .unwrap_or_default()
        };
        let plm_r2 = |model: &str| r2(Some(c.r2).filter(|_| c.model == model));
        match self {
            Stat::Model => c.model.clone(),
            Stat::Nobs => c.nobs.to_string(),
            Stat::Periods => ranges(&c.periods),
            Stat::R2 => r2(c.r2_overall),
            Stat::R2Within => r2(c.r2_within),
            Stat::R2Differences => plm_r2(Model::Fd.name()),
            Stat::R2QuasiDemeaned => plm_r2(Model::Random.name()),
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
    /// The label of the [`Stat::Periods`] row (`Periods`; `Years` for yearly panels, say).
    #[serde(skip)]
    pub period_label: String,
    /// Term labels of the display formats and the selection of rows ([`EtableOptions`]).
    #[serde(skip)]
    display: Display,
}

/// How the display formats name, select and split: the parsed [`EtableOptions`].
#[derive(Debug, Clone, PartialEq)]
struct Display {
    labels: TermLabels,
    keep: Vec<TermPattern>,
    drop: Vec<TermPattern>,
    order: Vec<TermPattern>,
    max_columns: usize,
}

impl Default for Display {
    fn default() -> Self {
        Display {
            labels: TermLabels::new(),
            keep: Vec::new(),
            drop: Vec::new(),
            order: Vec::new(),
            max_columns: MAX_COLUMNS,
        }
    }
}

/// fixest `etable`'s display controls: `dict` (term or variable name → label), `keep`,
/// `drop` and `order` ([`TermPattern`]s; see the module docs for their rules) and the most
/// columns per panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EtableOptions {
    /// Labels of terms or variables, composed by the default rules ([`TermLabels`]).
    pub dict: TermLabels,
    /// Show only the terms matching any of these patterns (all when empty).
    pub keep: Vec<String>,
    /// Hide the terms matching any of these patterns.
    pub drop: Vec<String>,
    /// Put the terms matching these patterns first, in this order.
    pub order: Vec<String>,
    /// The most model columns per panel in text, Markdown and LaTeX (default [`MAX_COLUMNS`]).
    pub max_columns: Option<usize>,
}

/// One coefficient row of a display: its key (label or display name), the names patterns are
/// matched against, and the estimate of each column.
struct CoefLine<'a> {
    key: String,
    names: [String; 3],
    cells: Vec<Option<&'a TermEstimate>>,
}

impl EstimateTable {
    /// The standard layout: coefficients, model, N, periods, the R² rows, fixed effects, SE
    /// type.
    pub const STANDARD_ROWS: [Row; 10] = [
        Row::Coefficients,
        Row::Stat(Stat::Model),
        Row::Stat(Stat::Nobs),
        Row::Stat(Stat::Periods),
        Row::Stat(Stat::R2),
        Row::Stat(Stat::R2Within),
        Row::Stat(Stat::R2Differences),
        Row::Stat(Stat::R2QuasiDemeaned),
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
            period_label: Stat::Periods.label().to_string(),
            display: Display::default(),
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

    /// Applies fixest-style display options: the labels, the row selection and order, the
    /// panel width. A pattern that does not parse, or that matches no coefficient of the
    /// table, is an error naming it and listing the coefficients.
    pub fn set_options(&mut self, opts: &EtableOptions) -> Result<()> {
        let mut labels = self.display.labels.clone();
        labels.extend(&opts.dict);
        let max_columns = match opts.max_columns {
            Some(0) => {
                return Err(Error::Usage(
                    "the most columns per panel must be at least 1".into(),
                ))
            }
            Some(n) => n,
            None => self.display.max_columns,
        };
        let parse = |what: &str, list: &[String]| -> Result<Vec<TermPattern>> {
            list.iter()
                .map(|p| TermPattern::parse(p).map_err(|e| Error::Usage(format!("{what}: {e}"))))
                .collect()
        };
        let display = Display {
            labels,
            keep: parse("keep", &opts.keep)?,
            drop: parse("drop", &opts.drop)?,
            order: parse("order", &opts.order)?,
            max_columns,
        };
        let all = Self::names_of(&self.columns, &display.labels);
        for (what, list) in [
            ("keep", &display.keep),
            ("drop", &display.drop),
            ("order", &display.order),
        ] {
            for p in list {
                if !all.iter().any(|n| n.iter().any(|x| p.is_match(x))) {
                    let shown: Vec<&str> = all.iter().map(|n| n[1].as_str()).collect();
                    return Err(Error::Usage(format!(
                        "{what} pattern '{}' matches no coefficient of the table (coefficients: {}; \
                         a pattern is matched against the name, the displayed name and the label)",
                        p.as_str(),
                        shown.join(", ")
                    )));
                }
            }
        }
        self.display = display;
        Ok(())
    }

    /// Adds labels to the display formats' dictionary (later entries win).
    pub fn add_labels(&mut self, labels: &TermLabels) {
        self.display.labels.extend(labels);
    }

    /// The most model columns per panel of the display formats.
    pub fn max_columns(&self) -> usize {
        self.display.max_columns
    }

    /// Every coefficient's (raw name, display name, label), each once, in order of
    /// appearance.
    fn names_of(columns: &[ModelColumn], labels: &TermLabels) -> Vec<[String; 3]> {
        let mut out: Vec<[String; 3]> = Vec::new();
        for c in columns {
            for t in &c.coefficients {
                let n = [
                    t.term.clone(),
                    t.shown_name().to_string(),
                    labels.label(t.shown_name()),
                ];
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        out
    }

    /// The coefficient rows: keyed by label (`labelled`) or display name, selected and
    /// ordered by the options, in order of appearance over the columns.
    fn coef_lines(&self, labelled: bool) -> Vec<CoefLine<'_>> {
        let d = &self.display;
        let ncol = self.columns.len();
        let mut lines: Vec<CoefLine> = Vec::new();
        for (j, c) in self.columns.iter().enumerate() {
            let mut used: Vec<String> = Vec::new();
            for t in &c.coefficients {
                let shown = t.shown_name();
                let names = [t.term.clone(), shown.to_string(), d.labels.label(shown)];
                let hit =
                    |ps: &[TermPattern]| ps.iter().any(|p| names.iter().any(|n| p.is_match(n)));
                if (!d.keep.is_empty() && !hit(&d.keep)) || hit(&d.drop) {
                    continue;
                }
                let mut key = if labelled {
                    names[2].clone()
                } else {
                    names[1].clone()
                };
                if used.contains(&key) {
                    key = format!("{key} [{shown}]");
                }
                used.push(key.clone());
                match lines.iter_mut().find(|l| l.key == key) {
                    Some(l) => l.cells[j] = Some(t),
                    None => {
                        let mut cells = vec![None; ncol];
                        cells[j] = Some(t);
                        lines.push(CoefLine { key, names, cells });
                    }
                }
            }
        }
        let mut ordered = Vec::with_capacity(lines.len());
        for p in &d.order {
            let (first, rest): (Vec<CoefLine>, Vec<CoefLine>) = lines
                .into_iter()
                .partition(|l| l.names.iter().any(|n| p.is_match(n)));
            ordered.extend(first);
            lines = rest;
        }
        ordered.extend(lines);
        ordered
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

    /// The body rows of one layout entry (a statistic empty in every column has none).
    fn lines(&self, row: &Row, labelled: bool) -> Vec<Vec<String>> {
        match row {
            Row::Coefficients => self
                .coef_lines(labelled)
                .into_iter()
                .flat_map(|l| Self::estimate_lines(&l.key, l.cells.into_iter()))
                .collect(),
            Row::Stat(s) => {
                let cells: Vec<String> = self.columns.iter().map(|c| s.cell(c)).collect();
                if cells.iter().all(String::is_empty) {
                    return Vec::new();
                }
                let label = match s {
                    Stat::Periods => self.period_label.clone(),
                    _ => s.label().to_string(),
                };
                vec![std::iter::once(label).chain(cells).collect()]
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

    /// The grid of the whole table with the formula's names (CSV): an empty stub header, one
    /// column per fit (centred), the layout, the notes. Restyle it (e.g.
    /// [`Table::latex_notes`]) before rendering to change the look.
    pub fn grid(&self) -> Table {
        self.grid_with_stub("", false)
    }

    fn grid_with_stub(&self, stub: &str, labelled: bool) -> Table {
        let header =
            std::iter::once(stub.to_string()).chain(self.columns.iter().map(|c| c.label.clone()));
        let mut t = Table::new(header)
            .stub_and(Align::Center)
            .notes(self.notes.iter().cloned());
        for r in &self.rows {
            for line in self.lines(r, labelled) {
                t.push_row(line);
            }
        }
        t
    }

    /// The columns `range` as a table of their own (rows' cells cut to them), without notes.
    fn part(&self, range: std::ops::Range<usize>) -> EstimateTable {
        let rows = self
            .rows
            .iter()
            .map(|r| match r {
                Row::Estimate { label, cells } => Row::Estimate {
                    label: label.clone(),
                    cells: cells.get(range.clone()).unwrap_or_default().to_vec(),
                },
                Row::Line { label, cells } => Row::Line {
                    label: label.clone(),
                    cells: cells.get(range.clone()).unwrap_or_default().to_vec(),
                },
                r => r.clone(),
            })
            .collect();
        EstimateTable {
            columns: self.columns[range].to_vec(),
            rows,
            notes: Vec::new(),
            period_label: self.period_label.clone(),
            display: self.display.clone(),
        }
    }

    /// The display grids (terms labelled), one per panel of at most
    /// [`EstimateTable::max_columns`] columns, each with its title (`Panel A: columns 1–5`)
    /// when there is more than one; the notes go with the last. Restyle them before rendering.
    pub fn panel_grids(&self) -> Vec<(Option<String>, Table)> {
        let n = self.columns.len();
        let m = self.display.max_columns.max(1);
        if n <= m {
            return vec![(None, self.grid_with_stub("", true))];
        }
        let count = n.div_ceil(m);
        (0..count)
            .map(|i| {
                let range = i * m..((i + 1) * m).min(n);
                let letter = char::from(b'A' + (i % 26) as u8);
                let title = if range.len() == 1 {
                    format!("Panel {letter}: column {}", range.end)
                } else {
                    format!("Panel {letter}: columns {}–{}", range.start + 1, range.end)
                };
                let mut part = self.part(range);
                if i + 1 == count {
                    part.notes = self.notes.clone();
                }
                (Some(title), part.grid_with_stub("", true))
            })
            .collect()
    }

    /// Plain text (terms labelled; panels when there are more columns than the maximum).
    pub fn to_text(&self) -> String {
        render_panels(&self.panel_grids(), |title, t| match title {
            Some(title) => format!("{title}\n{}", t.to_text()),
            None => t.to_text(),
        })
    }

    /// Markdown with the notes as paragraphs (terms labelled; panels as for text).
    pub fn to_markdown(&self) -> String {
        render_panels(&self.panel_grids(), |title, t| match title {
            Some(title) => format!("**{title}**\n\n{}", t.to_markdown()),
            None => t.to_markdown(),
        })
    }

    /// LaTeX tabular (booktabs) with the notes under it (terms labelled; panels as for text,
    /// one tabular each, the notes under the last).
    pub fn to_latex(&self) -> String {
        let grids = self.panel_grids();
        let last = grids.len() - 1;
        let mut s = String::new();
        for (i, (title, t)) in grids.iter().enumerate() {
            let t = if i == last {
                t.clone()
            } else {
                t.clone().latex_notes(LatexNotes::Omit)
            };
            if let Some(title) = title {
                s.push_str(&format!(
                    "\\noindent\\textit{{{}}}\\par\\smallskip\n",
                    crate::table::escape_tex(title)
                ));
            }
            s.push_str(&t.to_latex());
            if i < last {
                s.push_str("\\medskip\n\n");
            }
        }
        s
    }

    /// CSV: the displayed cells with the formula's names (every column, one table; `keep`,
    /// `drop` and `order` apply), the stub column headed `row`.
    pub fn to_csv(&self) -> String {
        self.grid_with_stub("row", false).to_csv()
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

/// The panels rendered one after the other, a blank line apart.
fn render_panels(
    grids: &[(Option<String>, Table)],
    one: impl Fn(&Option<String>, &Table) -> String,
) -> String {
    grids
        .iter()
        .map(|(title, t)| one(title, t))
        .collect::<Vec<_>>()
        .join("\n")
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
                    display_name: None,
                })
                .collect(),
            nobs: 100,
            r2: 0.5,
            r2_overall: Some(0.5),
            r2_within: None,
            periods: vec![2001, 2002, 2003],
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
                        display_name: None,
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
             | Model | within | within |\n| N | 100 | 100 |\n\
             | Periods | 2001–2003 | 2001–2003 |\n| R² | 0.5000 | 0.5000 |\n\
             | Fixed effects | firm | firm |\n| Weights | none | pop |\n\
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

    fn fd_and_levels() -> EstimateTable {
        let mut levels = column(
            "(1)",
            &[("l(iku, 1)", 1.0, 0.1, 0.001), ("pop", 0.5, 0.1, 0.01)],
        );
        levels.r2_within = Some(0.25);
        let mut fd = column(
            "(2)",
            &[
                ("(Intercept)", 0.1, 0.1, 0.5),
                ("l(iku, 1)", 2.0, 0.1, 0.001),
            ],
        );
        fd.model = "fd".into();
        fd.r2 = 0.125;
        fd.r2_overall = None;
        fd.periods = vec![2008, 2009, 2011];
        for t in &mut fd.coefficients {
            t.display_name = Some(difference_name(&t.term)).filter(|d| *d != t.term);
        }
        EstimateTable::new(vec![levels, fd])
    }

    #[test]
    fn first_differences_get_their_own_rows_and_r2() {
        let mut t = fd_and_levels();
        t.set_options(&EtableOptions {
            dict: TermLabels::new().with("iku", "IKU (pp)"),
            ..EtableOptions::default()
        })
        .unwrap();
        let md = t.to_markdown();
        assert!(md.contains("| IKU (pp), lag 1 | 1.000*** |  |\n"), "{md}");
        assert!(md.contains("| Δ IKU (pp), lag 1 |  | 2.000*** |\n"), "{md}");
        assert!(md.contains("| Constant |  | 0.100 |\n"), "{md}");
        assert!(
            md.contains("| Periods | 2001–2003 | 2008–2009, 2011 |\n"),
            "{md}"
        );
        assert!(
            md.contains(
                "| R² | 0.5000 |  |\n| Within R² | 0.2500 |  |\n\
                             | R² (differences) |  | 0.1250 |\n"
            ),
            "{md}"
        );
        assert!(!md.contains("quasi-demeaned"), "{md}");
        // CSV keeps the formula's names, the differenced one as such; JSON the raw names.
        let csv = t.to_csv();
        assert!(
            csv.contains("\n\"l(iku, 1)\",1.000***,\n")
                && csv.contains("\n\"l(d(iku), 1)\",,2.000***\n"),
            "{csv}"
        );
        let j: serde_json::Value = serde_json::from_str(&t.to_json()).unwrap();
        assert_eq!(j["columns"][1]["coefficients"][1]["term"], "l(iku, 1)");
        assert_eq!(
            j["columns"][1]["coefficients"][1]["display_name"],
            "l(d(iku), 1)"
        );
        assert!(j["columns"][0]["coefficients"][0]
            .get("display_name")
            .is_none());
        assert_eq!(j["columns"][1]["r2_overall"], serde_json::Value::Null);
        // LaTeX: Δ as math, the rest escaped.
        let tex = t.to_latex();
        assert!(
            tex.contains("$\\Delta$ IKU (pp), lag 1 &  & 2.000***"),
            "{tex}"
        );
    }

    #[test]
    fn keep_drop_order_select_rows_and_a_pattern_matching_nothing_is_an_error() {
        let rows = |opts: EtableOptions| {
            let mut t = fd_and_levels();
            t.set_options(&opts).unwrap();
            t.to_csv()
                .lines()
                .skip(1)
                .step_by(2)
                .take_while(|l| !l.starts_with("Model"))
                .map(|l| l.split(',').next().unwrap().trim_matches('"').to_string())
                .collect::<Vec<_>>()
        };
        let all = rows(EtableOptions::default());
        assert_eq!(all, ["l(iku", "pop", "(Intercept)", "l(d(iku)"]);
        let o = |keep: &[&str], drop: &[&str], order: &[&str]| EtableOptions {
            keep: keep.iter().map(|s| s.to_string()).collect(),
            drop: drop.iter().map(|s| s.to_string()).collect(),
            order: order.iter().map(|s| s.to_string()).collect(),
            ..EtableOptions::default()
        };
        assert_eq!(rows(o(&["iku"], &[], &[])), ["l(iku", "l(d(iku)"]);
        assert_eq!(rows(o(&[], &["^l\\("], &[])), ["pop", "(Intercept)"]);
        assert_eq!(rows(o(&[], &["%l(iku,1)"], &[])), ["pop", "(Intercept)"]);
        assert_eq!(
            rows(o(&[], &[], &["Intercept", "pop"])),
            ["(Intercept)", "pop", "l(iku", "l(d(iku)"]
        );
        // Labels are matched too: "Constant" is the intercept's.
        assert_eq!(rows(o(&["^Constant$"], &[], &[])), ["(Intercept)"]);
        let mut t = fd_and_levels();
        let err = t
            .set_options(&o(&[], &["nothing"], &[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("drop pattern 'nothing' matches no coefficient")
                && err.contains("l(d(iku), 1)"),
            "{err}"
        );
        let err = t
            .set_options(&o(&["l(iku"], &[], &[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("usage: keep: pattern 'l(iku'")
                || err.contains("keep: pattern 'l(iku'"),
            "{err}"
        );
        assert!(t
            .set_options(&EtableOptions {
                max_columns: Some(0),
                ..EtableOptions::default()
            })
            .is_err());
    }

    #[test]
    fn wide_tables_print_in_panels_with_the_notes_once() {
        let cols: Vec<ModelColumn> = (1..=7)
            .map(|i| {
                column(
                    &format!("({i})"),
                    &[(if i < 6 { "x" } else { "z" }, 1.0, 0.1, 0.5)],
                )
            })
            .collect();
        let mut t = EstimateTable::new(cols);
        t.insert_after(
            Anchor::Stat(Stat::FixedEffects),
            [Row::line("Tag", ["a", "b", "c", "d", "e", "f", "g"])],
        );
        assert_eq!(t.max_columns(), MAX_COLUMNS);
        let md = t.to_markdown();
        assert!(
            md.starts_with("**Panel A: columns 1–5**\n\n|  | (1) | (2) | (3) | (4) | (5) |\n"),
            "{md}"
        );
        assert!(md.contains("**Panel B: columns 6–7**\n\n|  | (6) | (7) |\n|---|:---:|:---:|\n| z | 1.000 | 1.000 |\n"), "{md}");
        assert!(
            md.contains("| Tag | a | b | c | d | e |\n") && md.contains("| Tag | f | g |\n"),
            "{md}"
        );
        assert_eq!(md.matches("Standard errors in parentheses").count(), 1);
        assert!(md.find("Standard errors").unwrap() > md.find("Panel B").unwrap());
        let text = t.to_text();
        assert!(
            text.starts_with("Panel A: columns 1–5\n") && text.contains("\nPanel B: columns 6–7\n"),
            "{text}"
        );
        let tex = t.to_latex();
        assert_eq!(tex.matches("\\begin{tabular}").count(), 2);
        assert_eq!(tex.matches("\\footnotesize Standard errors").count(), 1);
        // CSV and JSON: one table.
        assert!(t.to_csv().starts_with("row,(1),(2),(3),(4),(5),(6),(7)\n"));
        t.set_options(&EtableOptions {
            max_columns: Some(7),
            ..EtableOptions::default()
        })
        .unwrap();
        assert!(!t.to_markdown().contains("Panel"));
    }
}

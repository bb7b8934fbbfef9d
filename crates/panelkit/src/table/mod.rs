//! Tables: one grid — header rows, body rows, notes, column alignment — rendered as
//! Markdown, CSV, LaTeX or plain text, with one escape function per format
//! ([`escape_md`], [`escape_csv`], [`escape_tex`]; plain text needs none) and the number
//! formats every table uses ([`fmt_num`], [`fmt_sig`], [`fmt_p`], [`fmt_coef`], [`stars`]),
//! and the display names of coefficients ([`TermLabels`], [`TermPattern`]).
//!
//! Everything that prints a table builds a [`Table`] of display strings and renders it
//! here: the coefficient table of one fit ([`crate::inference::render`]), the multi-model
//! table ([`crate::etable`]) and the reports of applications built on the toolkit. The
//! module depends on nothing else in the crate.
//!
//! ```
//! use panelkit::table::{Align, Table};
//! let t = Table::new(["term", "estimate"])
//!     .align(&[Align::Left, Align::Right])
//!     .row(["x", "0.5"])
//!     .note("A note.");
//! assert_eq!(t.to_markdown(), "| term | estimate |\n|---|---:|\n| x | 0.5 |\n\nA note.\n\n");
//! assert_eq!(t.to_text(), "term  estimate\nx          0.5\n\nA note.\n");
//! assert_eq!(t.to_csv(), "term,estimate\nx,0.5\n");
//! ```

mod escape;
mod num;
mod terms;

pub use escape::{escape_csv, escape_md, escape_tex};
pub use num::{fmt_coef, fmt_interval, fmt_num, fmt_p, fmt_sig, stars, STARS_NOTE};
pub use terms::{difference_name, ranges, TermLabels, TermPattern};

/// An output format of a table or an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain text for the console (named `table` on the command line).
    Text,
    /// One JSON document, numbers at full precision.
    Json,
    /// Comma-separated values.
    Csv,
    /// GitHub-flavoured Markdown.
    Md,
    /// A LaTeX `tabular`.
    Tex,
}

impl Format {
    /// Parses a format name: `table` (plain text), `json`, `csv`, `md` or `tex`.
    pub fn parse(s: &str) -> crate::Result<Format> {
        Ok(match s {
            "table" => Format::Text,
            "json" => Format::Json,
            "csv" => Format::Csv,
            "md" => Format::Md,
            "tex" => Format::Tex,
            _ => {
                return Err(crate::Error::Usage(format!(
                    "unknown format '{s}': expected table, json, csv, md or tex"
                )))
            }
        })
    }
}

/// Horizontal alignment of a column (text padding, the Markdown rule, the LaTeX column
/// spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left (`l`).
    Left,
    /// Centred (`c`).
    Center,
    /// Flush right (`r`), for numbers.
    Right,
}

/// The horizontal rules of a LaTeX table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatexRules {
    /// `\toprule`, `\midrule`, `\bottomrule` (needs the booktabs package).
    Booktabs,
    /// `\hline` (no package needed).
    Hline,
}

/// Where a LaTeX table puts its notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatexNotes {
    /// Inside the tabular, under the bottom rule: one `\multicolumn` row in footnote size per
    /// note (escaped, or the note's own LaTeX).
    Footer,
    /// After the tabular as `%` comment lines, verbatim (kept in the source, not printed).
    Comments,
    /// Not written: the caller places them (e.g. once under several panels), from
    /// [`Table::latex_note_lines`].
    Omit,
}

/// A note under a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The note as text (escaped per format).
    pub text: String,
    /// A hand-written LaTeX rendering (math, say), used verbatim instead of escaping `text`.
    pub latex: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    align: Align,
    /// Least width in plain text (characters).
    min_width: usize,
    /// Spaces before the column in plain text (ignored for the first column).
    gap: usize,
}

/// One column of a table built from records ([`Table::from_records`]): its header, its
/// alignment and how a record becomes its cell.
pub struct Col<'a, T> {
    header: String,
    align: Align,
    cell: Box<dyn Fn(&T) -> String + 'a>,
}

/// A column of a table built from records.
pub fn col<'a, T>(
    header: impl Into<String>,
    align: Align,
    cell: impl Fn(&T) -> String + 'a,
) -> Col<'a, T> {
    Col {
        header: header.into(),
        align,
        cell: Box::new(cell),
    }
}

/// A table of display strings: header rows, body rows, notes and per-column layout.
///
/// Rows are padded with empty cells (or cut) to the number of columns, which the first
/// header row fixes. Renderers:
/// - [`Table::to_markdown`]: GitHub table (the first header row is the header, further
///   header rows lead the body), then each note as a paragraph;
/// - [`Table::to_csv`]: header and body rows (notes are not data);
/// - [`Table::to_latex`]: a `tabular` with the column spec from the alignments and the
///   chosen [`LatexRules`] and [`LatexNotes`];
/// - [`Table::to_text`]: columns padded to their widest cell, then the notes one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    header: Vec<Vec<String>>,
    body: Vec<Vec<String>>,
    notes: Vec<Note>,
    columns: Vec<Column>,
    markdown_alignment: bool,
    latex_rules: LatexRules,
    latex_notes: LatexNotes,
}

fn cells<I, S>(row: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    row.into_iter().map(Into::into).collect()
}

impl Table {
    /// A table with one header row; the number of columns is its length. Columns are
    /// left-aligned, two spaces apart in plain text; Markdown rules show the alignment;
    /// LaTeX uses booktabs rules and prints the notes under the bottom rule.
    pub fn new<I, S>(header: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let header = cells(header);
        let columns = vec![
            Column {
                align: Align::Left,
                min_width: 0,
                gap: 2,
            };
            header.len()
        ];
        Table {
            header: vec![header],
            body: Vec::new(),
            notes: Vec::new(),
            columns,
            markdown_alignment: true,
            latex_rules: LatexRules::Booktabs,
            latex_notes: LatexNotes::Footer,
        }
    }

    /// One row per record, one column per [`Col`] (header, alignment, cell).
    pub fn from_records<'r, T: 'r>(
        records: impl IntoIterator<Item = &'r T>,
        columns: &[Col<'_, T>],
    ) -> Table {
        let align: Vec<Align> = columns.iter().map(|c| c.align).collect();
        let mut t = Table::new(columns.iter().map(|c| c.header.clone())).align(&align);
        for r in records {
            t.push_row(columns.iter().map(|c| (c.cell)(r)));
        }
        t
    }

    /// The number of columns.
    pub fn ncols(&self) -> usize {
        self.columns.len()
    }

    /// Adds a further header row.
    pub fn header_row<I, S>(mut self, row: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.header.push(cells(row));
        self
    }

    /// Adds a body row.
    pub fn row<I, S>(mut self, row: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.push_row(row);
        self
    }

    /// Adds a body row in place.
    pub fn push_row<I, S>(&mut self, row: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.body.push(cells(row));
    }

    /// Adds body rows.
    pub fn rows<R, I, S>(mut self, rows: R) -> Table
    where
        R: IntoIterator<Item = I>,
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for r in rows {
            self.push_row(r);
        }
        self
    }

    /// Adds a note.
    pub fn note(mut self, text: impl Into<String>) -> Table {
        self.notes.push(Note {
            text: text.into(),
            latex: None,
        });
        self
    }

    /// Adds a note with its own LaTeX rendering (used verbatim in LaTeX).
    pub fn note_latex(mut self, text: impl Into<String>, latex: impl Into<String>) -> Table {
        self.notes.push(Note {
            text: text.into(),
            latex: Some(latex.into()),
        });
        self
    }

    /// Adds notes.
    pub fn notes<I, S>(mut self, notes: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for n in notes {
            self = self.note(n);
        }
        self
    }

    /// Sets the alignment of the first `align.len()` columns.
    pub fn align(mut self, align: &[Align]) -> Table {
        for (c, a) in self.columns.iter_mut().zip(align) {
            c.align = *a;
        }
        self
    }

    /// Aligns the first column left and every other `rest`.
    pub fn stub_and(self, rest: Align) -> Table {
        let n = self.ncols();
        let mut a = vec![rest; n];
        if let Some(first) = a.first_mut() {
            *first = Align::Left;
        }
        self.align(&a)
    }

    /// Plain text: the least width of column `col`.
    pub fn min_width(mut self, col: usize, width: usize) -> Table {
        if let Some(c) = self.columns.get_mut(col) {
            c.min_width = width;
        }
        self
    }

    /// Plain text: the spaces between every two columns.
    pub fn gap(mut self, spaces: usize) -> Table {
        for c in &mut self.columns {
            c.gap = spaces;
        }
        self
    }

    /// Plain text: the spaces before column `col`.
    pub fn gap_before(mut self, col: usize, spaces: usize) -> Table {
        if let Some(c) = self.columns.get_mut(col) {
            c.gap = spaces;
        }
        self
    }

    /// Markdown: show the alignment in the rule (`---:`, `:---:`); off, every column's rule
    /// is `---`.
    pub fn markdown_alignment(mut self, on: bool) -> Table {
        self.markdown_alignment = on;
        self
    }

    /// LaTeX: the horizontal rules.
    pub fn latex_rules(mut self, rules: LatexRules) -> Table {
        self.latex_rules = rules;
        self
    }

    /// LaTeX: where the notes go.
    pub fn latex_notes(mut self, notes: LatexNotes) -> Table {
        self.latex_notes = notes;
        self
    }

    /// Header then body rows, each padded (or cut) to the number of columns.
    fn all_rows(&self) -> impl Iterator<Item = Vec<&str>> + '_ {
        let n = self.ncols();
        self.header.iter().chain(&self.body).map(move |r| {
            (0..n)
                .map(|i| r.get(i).map(String::as_str).unwrap_or(""))
                .collect()
        })
    }

    fn header_len(&self) -> usize {
        self.header.len()
    }

    /// Markdown: a GitHub table, then each note as a paragraph.
    pub fn to_markdown(&self) -> String {
        let line = |r: &[&str]| {
            let c: Vec<String> = r.iter().map(|x| escape_md(x)).collect();
            format!("| {} |\n", c.join(" | "))
        };
        let mut s = String::new();
        for (i, r) in self.all_rows().enumerate() {
            s.push_str(&line(&r));
            if i == 0 {
                s.push('|');
                for c in &self.columns {
                    let rule = match (self.markdown_alignment, c.align) {
                        (true, Align::Right) => "---:",
                        (true, Align::Center) => ":---:",
                        _ => "---",
                    };
                    s.push_str(rule);
                    s.push('|');
                }
                s.push('\n');
            }
        }
        if !self.notes.is_empty() {
            s.push('\n');
            for n in &self.notes {
                s.push_str(&n.text);
                s.push_str("\n\n");
            }
        }
        s
    }

    /// CSV: header and body rows, fields escaped with [`escape_csv`] (a row of one empty
    /// field is written `""` so that it is not read as a blank line).
    pub fn to_csv(&self) -> String {
        let mut s = String::new();
        for r in self.all_rows() {
            if r.len() == 1 && r[0].is_empty() {
                s.push_str("\"\"");
            } else {
                let c: Vec<String> = r.iter().map(|x| escape_csv(x)).collect();
                s.push_str(&c.join(","));
            }
            s.push('\n');
        }
        s
    }

    /// LaTeX: a `tabular` (cells escaped with [`escape_tex`]) with the notes placed as
    /// [`Table::latex_notes`] says.
    pub fn to_latex(&self) -> String {
        let (top, mid, bottom) = match self.latex_rules {
            LatexRules::Booktabs => ("\\toprule", "\\midrule", "\\bottomrule"),
            LatexRules::Hline => ("\\hline", "\\hline", "\\hline"),
        };
        let spec: String = self
            .columns
            .iter()
            .map(|c| match c.align {
                Align::Left => 'l',
                Align::Center => 'c',
                Align::Right => 'r',
            })
            .collect();
        let mut s = format!("\\begin{{tabular}}{{{spec}}}\n{top}\n");
        for (i, r) in self.all_rows().enumerate() {
            let c: Vec<String> = r.iter().map(|x| escape_tex(x)).collect();
            s.push_str(&c.join(" & "));
            s.push_str(" \\\\\n");
            if i + 1 == self.header_len() {
                s.push_str(mid);
                s.push('\n');
            }
        }
        s.push_str(bottom);
        s.push('\n');
        if self.latex_notes == LatexNotes::Footer {
            for n in &self.notes {
                let text = n.latex.clone().unwrap_or_else(|| escape_tex(&n.text));
                s.push_str(&format!(
                    "\\multicolumn{{{}}}{{l}}{{\\footnotesize {text}}} \\\\\n",
                    self.ncols()
                ));
            }
        }
        s.push_str("\\end{tabular}\n");
        if self.latex_notes == LatexNotes::Comments {
            for n in &self.notes {
                for l in n.text.lines() {
                    s.push_str(&format!("% {l}\n"));
                }
            }
        }
        s
    }

    /// Each note as LaTeX: its own rendering, or its text escaped.
    pub fn latex_note_lines(&self) -> Vec<String> {
        self.notes
            .iter()
            .map(|n| n.latex.clone().unwrap_or_else(|| escape_tex(&n.text)))
            .collect()
    }

    /// Plain text: every column padded to its widest cell (at least its least width) and
    /// aligned, columns separated by their gaps, trailing spaces cut; then a blank line and
    /// the notes, one per line.
    pub fn to_text(&self) -> String {
        let rows: Vec<Vec<&str>> = self.all_rows().collect();
        let mut width: Vec<usize> = self.columns.iter().map(|c| c.min_width).collect();
        for r in &rows {
            for (w, x) in width.iter_mut().zip(r) {
                *w = (*w).max(x.chars().count());
            }
        }
        let mut s = String::new();
        for r in &rows {
            let mut line = String::new();
            for (i, (x, c)) in r.iter().zip(&self.columns).enumerate() {
                if i > 0 {
                    line.push_str(&" ".repeat(c.gap));
                }
                let pad = width[i] - x.chars().count();
                let (before, after) = match c.align {
                    Align::Left => (0, pad),
                    Align::Right => (pad, 0),
                    Align::Center => (pad / 2, pad - pad / 2),
                };
                line.push_str(&" ".repeat(before));
                line.push_str(x);
                line.push_str(&" ".repeat(after));
            }
            s.push_str(line.trim_end_matches(' '));
            s.push('\n');
        }
        if !self.notes.is_empty() {
            s.push('\n');
            for n in &self.notes {
                s.push_str(&n.text);
                s.push('\n');
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table::new(["", "(1)", "(2)"])
            .stub_and(Align::Center)
            .row(["x_1", "0.5", ""])
            .row(["a|b", "1, 2", "50%"])
            .note("Note one.")
    }

    #[test]
    fn markdown_escapes_pipes_and_shows_alignment_when_asked() {
        let t = sample();
        assert_eq!(
            t.to_markdown(),
            "|  | (1) | (2) |\n|---|:---:|:---:|\n| x_1 | 0.5 |  |\n| a\\|b | 1, 2 | 50% |\n\nNote one.\n\n"
        );
        assert!(t
            .markdown_alignment(false)
            .to_markdown()
            .starts_with("|  | (1) | (2) |\n|---|---|---|\n"));
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_drops_notes() {
        assert_eq!(sample().to_csv(), ",(1),(2)\nx_1,0.5,\na|b,\"1, 2\",50%\n");
        assert_eq!(Table::new([""]).to_csv(), "\"\"\n");
    }

    #[test]
    fn latex_rules_and_notes() {
        let t = sample();
        assert_eq!(
            t.to_latex(),
            "\\begin{tabular}{lcc}\n\\toprule\n & (1) & (2) \\\\\n\\midrule\nx\\_1 & 0.5 &  \\\\\na\\textbar{}b & 1, 2 & 50\\% \\\\\n\\bottomrule\n\\multicolumn{3}{l}{\\footnotesize Note one.} \\\\\n\\end{tabular}\n"
        );
        let c = t
            .latex_rules(LatexRules::Hline)
            .latex_notes(LatexNotes::Comments)
            .to_latex();
        assert!(c.starts_with("\\begin{tabular}{lcc}\n\\hline\n"));
        assert!(c.ends_with("\\hline\n\\end{tabular}\n% Note one.\n"));
    }

    #[test]
    fn text_pads_aligns_and_cuts_trailing_spaces() {
        let t = Table::new(["name", "value", "ok"])
            .align(&[Align::Left, Align::Right, Align::Left])
            .min_width(1, 7)
            .gap(1)
            .gap_before(2, 2)
            .row(["a", "1.5", "yes"])
            .row(["longer", "10", "NO"]);
        assert_eq!(
            t.to_text(),
            "name     value  ok\na          1.5  yes\nlonger      10  NO\n"
        );
    }

    #[test]
    fn records_become_rows() {
        let t = Table::from_records(
            &[(1, "a"), (2, "b")],
            &[
                col("n", Align::Right, |r: &(i32, &str)| r.0.to_string()),
                col("s", Align::Left, |r: &(i32, &str)| r.1.to_string()),
            ],
        );
        assert_eq!(
            t.to_markdown(),
            "| n | s |\n|---:|---|\n| 1 | a |\n| 2 | b |\n"
        );
    }

    #[test]
    fn short_rows_are_padded() {
        let t = Table::new(["a", "b"]).row(["1"]);
        assert_eq!(t.to_csv(), "a,b\n1,\n");
    }
}

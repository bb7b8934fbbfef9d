//! noegletal.dk exports (the Ministry of the Interior's municipal key figures), the source of
//! IKU by municipality and year.
//!
//! Layout of a download ("Gem som" text file), as the site writes it: Latin-1 or UTF-8 with
//! BOM, CRLF, `;` separated; optional title lines; a header line whose second column is
//! `Kom.nr` and whose further columns are years (`2007`, or `pop_2007` in re-saved files);
//! then, per key figure, a heading line holding only the key figure's name, followed by one
//! line per municipality (`Københavns Kommune;101;21,5;…`). Footnote lines (no `Kom.nr`)
//! are ignored. Cells: Danish numbers (`.` thousands, `,` decimals); `-` means 0; `M` and
//! `U` mean missing (not reported / not relevant). Rows whose `Kom.nr` is not one of the
//! 98 municipalities but a known aggregate (0 = Hele landet, regions) are skipped.
//!
//! The site answers a report request (the form POST that `iku-data fetch` sends) with an
//! HTML page; that page is read too: key-figure names in elements of class `nwGrp`, a row of
//! year headings, one `<tr>` per municipality with cells of class `nwDatL` (`101 København`,
//! then the values, same cell conventions). This is the structure the public R package
//! FrLars21/noegletalR reads from the page.
//!
//! What noegletal.dk provides for this study: IKU in percent per municipality and year, in
//! total and on main account 6. Tendered and tenderable amounts in DKK are the IKU's
//! numerator and denominator; where a download of them is at hand it has the same layout
//! and is read by the same function.

use crate::sources::dk::{self, Area};
use panelkit::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// One key figure of an export: its name and its values by (municipality, year);
/// `None` for cells marked missing (`M`, `U`, `..`, empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: BTreeMap<(u32, i64), Option<f64>>,
}

/// A parsed export: its key figures in file order and how many aggregate rows were skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub series: Vec<Series>,
    pub aggregates_skipped: usize,
}

impl Export {
    /// The only key figure, or else the one whose name contains the first of `hints`
    /// (case-insensitive) that exactly one key figure's name contains.
    pub fn pick(&self, origin: &Path, hints: &[&str]) -> Result<&Series> {
        if self.series.len() == 1 {
            return Ok(&self.series[0]);
        }
        for hint in hints {
            let h = hint.to_lowercase();
            let hits: Vec<&Series> = self
                .series
                .iter()
                .filter(|s| s.name.to_lowercase().contains(&h))
                .collect();
            if let [one] = hits.as_slice() {
                return Ok(one);
            }
        }
        Err(Error::input(
            origin,
            None,
            None,
            format!(
                "expected one key figure, or exactly one whose name contains one of {}; found: {}",
                hints
                    .iter()
                    .map(|h| format!("'{h}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
                self.series
                    .iter()
                    .map(|s| format!("'{}'", s.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

/// Collects municipality rows into key-figure series, shared by the text and HTML readers.
struct Collector {
    out: Export,
    heading: Option<String>,
    current: Option<usize>,
    default_name: String,
}

impl Collector {
    fn new(default_name: String) -> Self {
        Collector {
            out: Export {
                series: Vec::new(),
                aggregates_skipped: 0,
            },
            heading: None,
            current: None,
            default_name,
        }
    }

    /// A key-figure heading: the rows that follow belong to it.
    fn heading(&mut self, name: &str) {
        self.heading = Some(name.to_string());
        self.current = None;
    }

    /// One municipality row: `code` and one cell per year; `column` names a cell's column.
    fn row(
        &mut self,
        origin: &Path,
        line: u64,
        code: u32,
        years: &[i64],
        cells: &[String],
        column: impl Fn(usize) -> String,
    ) -> Result<()> {
        match dk::area_code(code) {
            Some(Area::Municipality(_)) => {}
            Some(Area::Aggregate) => {
                self.out.aggregates_skipped += 1;
                return Ok(());
            }
            None => {
                return Err(Error::input(
                    origin,
                    Some(line),
                    Some("Kom.nr"),
                    format!(
                        "unknown municipality number {code}: expected one of the 98 codes (data/reference/municipalities.csv)"
                    ),
                ))
            }
        }
        if cells.len() > years.len() && cells[years.len()..].iter().any(|c| !c.is_empty()) {
            return Err(Error::input(
                origin,
                Some(line),
                None,
                format!(
                    "row has more values than the {} year columns of the header",
                    years.len()
                ),
            ));
        }
        let idx = match self.current {
            Some(i) => i,
            None => {
                self.out.series.push(Series {
                    name: self
                        .heading
                        .clone()
                        .unwrap_or_else(|| self.default_name.clone()),
                    values: BTreeMap::new(),
                });
                self.out.series.len() - 1
            }
        };
        self.current = Some(idx);
        for (j, year) in years.iter().enumerate() {
            let cell = cells.get(j).map(String::as_str).unwrap_or("");
            let v = match cell {
                "-" => Some(0.0),
                "M" | "U" => None,
                c => dk::parse_number(c)
                    .map_err(|m| Error::input(origin, Some(line), Some(&column(j)), m))?,
            };
            if self.out.series[idx]
                .values
                .insert((code, *year), v)
                .is_some()
            {
                return Err(Error::input(
                    origin,
                    Some(line),
                    Some("Kom.nr"),
                    format!("municipality {code} appears twice under the same key figure"),
                ));
            }
        }
        Ok(())
    }

    fn finish(self, origin: &Path) -> Result<Export> {
        if self.out.series.is_empty() {
            return Err(Error::input(
                origin,
                None,
                None,
                "no municipality rows: expected lines like 'Københavns Kommune;101;21,5;…' after the header",
            ));
        }
        Ok(self.out)
    }
}

/// A year in a column header (`2007`, `pop_2007`).
fn header_year(cell: &str) -> Option<i64> {
    let digits: String = cell.chars().filter(|c| c.is_ascii_digit()).collect();
    let tail = &digits[digits.len().saturating_sub(4)..];
    tail.parse::<i64>()
        .ok()
        .filter(|y| (1970..=2100).contains(y) && cell.ends_with(tail))
}

/// Reads a noegletal.dk export — the `;`-separated text download, or the HTML report page
/// the site answers a report request with; errors name the file, line and column.
pub fn read(origin: &Path, bytes: &[u8]) -> Result<Export> {
    let text = dk::decode(bytes);
    if text.trim_start().starts_with('<') {
        return read_html(origin, &text);
    }
    let recs = dk::records(origin, &text)?;
    let is_header = |f: &[String]| {
        f.get(1)
            .map(|c| c.to_lowercase().replace([' ', '.'], ""))
            .is_some_and(|c| c == "komnr")
    };
    let Some(h) = recs.iter().position(|r| is_header(&r.fields)) else {
        return Err(Error::input(
            origin,
            Some(1),
            None,
            "expected a header line with 'Kom.nr' in the second column and years after it (noegletal.dk export)",
        ));
    };
    let header = &recs[h];
    let mut years = Vec::new();
    for (i, cell) in header.fields.iter().enumerate().skip(2) {
        if cell.is_empty() && header.fields[i..].iter().all(|c| c.is_empty()) {
            break;
        }
        years.push(header_year(cell).ok_or_else(|| {
            Error::input(
                origin,
                Some(header.line),
                Some(cell),
                "expected a year (2007 or pop_2007) as column header",
            )
        })?);
    }
    let first = header.fields[0].trim();
    let default_name = if first.is_empty() || first.eq_ignore_ascii_case("navn") {
        "value".to_string()
    } else {
        first.to_string()
    };
    let mut c = Collector::new(default_name);
    for r in &recs[h + 1..] {
        let kom = r.fields.get(1).map(String::as_str).unwrap_or("");
        if kom.is_empty() {
            if r.fields.iter().skip(1).all(|c| c.is_empty()) && !r.fields[0].is_empty() {
                c.heading(&r.fields[0]);
            }
            continue;
        }
        let code: u32 = kom.parse().map_err(|_| {
            Error::input(
                origin,
                Some(r.line),
                Some("Kom.nr"),
                format!("expected a municipality number, found '{kom}'"),
            )
        })?;
        c.row(origin, r.line, code, &years, &r.fields[2..], |j| {
            header.fields[j + 2].clone()
        })?;
    }
    c.finish(origin)
}

/// Reads the HTML report page of noegletal.dk: key-figure names in elements of class
/// `nwGrp`, a table row of year headings, and one `<tr>` per municipality whose cells have
/// class `nwDatL`: an empty cell, `101 København`, then one value per year.
fn read_html(origin: &Path, text: &str) -> Result<Export> {
    let mut c = Collector::new("value".to_string());
    let mut years: Vec<i64> = Vec::new();
    let mut offset = 0usize;
    let mut grp: Option<(String, String)> = None;
    let mut row: Option<(usize, Vec<(bool, String)>)> = None;
    for (i, piece) in text.split('<').enumerate() {
        let at = offset;
        offset += piece.len() + 1;
        let (tag, rest) = if i == 0 {
            ("", piece)
        } else {
            piece.split_once('>').unwrap_or((piece, ""))
        };
        let lower = tag.to_ascii_lowercase();
        let closing = lower.starts_with('/');
        let name: String = lower
            .trim_start_matches('/')
            .chars()
            .take_while(|ch| ch.is_ascii_alphanumeric())
            .collect();
        let class_has = |cls: &str| {
            lower
                .split_once("class=")
                .is_some_and(|(_, v)| v.split(['>', ' ']).next().unwrap_or("").contains(cls))
        };
        if let Some((gname, buf)) = grp.as_mut() {
            if closing && name == *gname {
                let heading = entities(buf).trim().to_string();
                c.heading(&heading);
                grp = None;
            }
        } else if !closing && class_has("nwgrp") {
            grp = Some((name.clone(), String::new()));
        }
        match (closing, name.as_str()) {
            (false, "tr") => row = Some((at, Vec::new())),
            (false, "td") | (false, "th") => {
                if let Some((_, cells)) = row.as_mut() {
                    cells.push((class_has("nwdatl"), String::new()));
                }
            }
            (true, "tr") => {
                if let Some((start, cells)) = row.take() {
                    let line = text[..start].matches('\n').count() as u64 + 1;
                    let texts: Vec<String> = cells
                        .iter()
                        .map(|(_, t)| entities(t).trim().to_string())
                        .collect();
                    if cells.iter().any(|(d, _)| *d) && texts.len() >= 2 {
                        let digits: String = texts[1]
                            .chars()
                            .take_while(|ch| ch.is_ascii_digit())
                            .collect();
                        let code: u32 = digits.parse().map_err(|_| {
                            Error::input(
                                origin,
                                Some(line),
                                Some("Kom.nr"),
                                format!("expected '<number> <name>', found '{}'", texts[1]),
                            )
                        })?;
                        if years.is_empty() {
                            return Err(Error::input(
                                origin,
                                Some(line),
                                None,
                                "municipality row before any row of year headings",
                            ));
                        }
                        let ys = years.clone();
                        c.row(origin, line, code, &ys, &texts[2..], |j| ys[j].to_string())?;
                    } else {
                        // A heading row: its trailing cells are years (leading label cells allowed).
                        let ys: Vec<i64> = texts
                            .iter()
                            .rev()
                            .map_while(|t| header_year(t).filter(|_| t.len() == 4))
                            .collect();
                        if !ys.is_empty() {
                            years = ys.into_iter().rev().collect();
                        }
                    }
                }
            }
            _ => {}
        }
        if let Some((_, buf)) = grp.as_mut() {
            buf.push_str(rest);
        }
        if let Some((_, cells)) = row.as_mut() {
            if let Some((_, t)) = cells.last_mut() {
                t.push_str(rest);
            }
        }
    }
    c.finish(origin)
}

/// Decodes the HTML entities a noegletal.dk page uses.
fn entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let after = &rest[p..];
        let Some(end) = after.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let ent = &after[1..end];
        let ch = match ent {
            "nbsp" => Some(' '),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "aelig" => Some('æ'),
            "oslash" => Some('ø'),
            "aring" => Some('å'),
            "AElig" => Some('Æ'),
            "Oslash" => Some('Ø'),
            "Aring" => Some('Å'),
            e => e
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_key_figures_with_headings_titles_and_footnotes() {
        let s = "Nøgletal\r\nUdskrevet\r\n;Kom.nr;2019;2020\r\nIKU i alt\r\nKøbenhavns Kommune;101;30,1;-\r\nHele landet;0;26,5;26,3\r\nIKU hk 6\r\nKøbenhavns Kommune;101;M;21,5\r\nKilde: Indenrigsministeriet\r\n";
        let e = read(Path::new("n.csv"), s.as_bytes()).unwrap();
        assert_eq!(e.series.len(), 2);
        assert_eq!(e.aggregates_skipped, 1);
        assert_eq!(e.series[0].values[&(101, 2020)], Some(0.0));
        let hk6 = e
            .pick(Path::new("n.csv"), &["hovedkonto 6", "hk 6"])
            .unwrap();
        assert_eq!(hk6.values[&(101, 2019)], None);
        assert_eq!(hk6.values[&(101, 2020)], Some(21.5));
        assert!(e.pick(Path::new("n.csv"), &["iku"]).is_err());
    }

    #[test]
    fn html_entities() {
        assert_eq!(
            entities("K&oslash;ge &amp; &#197;r&nbsp;x &bogus; a&b"),
            "Køge & År x &bogus; a&b"
        );
    }

    #[test]
    fn malformed_cell_names_line_and_year_column() {
        let s = ";Kom.nr;2019;2020\nKøge Kommune;259;1,5;1,5x\n";
        let e = read(Path::new("n.csv"), s.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("n.csv:2: column '2020'") && e.contains("1,5x"),
            "{e}"
        );
    }

    #[test]
    fn unknown_code_and_missing_header_are_errors() {
        let e = read(Path::new("n.csv"), b";Kom.nr;2020\nX;102;1\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("n.csv:2: column 'Kom.nr'") && e.contains("102"),
            "{e}"
        );
        let e = read(Path::new("n.csv"), b"a;b;c\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("Kom.nr"), "{e}");
    }
}

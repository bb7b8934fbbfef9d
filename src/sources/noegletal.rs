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
//! What noegletal.dk provides for this study: IKU in percent per municipality and year, in
//! total and on main account 6. Tendered and tenderable amounts in DKK are the IKU's
//! numerator and denominator; where a download of them is at hand it has the same layout
//! and is read by the same function.

use crate::error::{Error, Result};
use crate::sources::dk::{self, Area};
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
    /// The only key figure, or the one whose name contains `hint` (case-insensitive).
    pub fn pick(&self, origin: &Path, hint: &str) -> Result<&Series> {
        if self.series.len() == 1 {
            return Ok(&self.series[0]);
        }
        let h = hint.to_lowercase();
        let hits: Vec<&Series> = self
            .series
            .iter()
            .filter(|s| s.name.to_lowercase().contains(&h))
            .collect();
        match hits.as_slice() {
            [one] => Ok(one),
            _ => Err(Error::input(
                origin,
                None,
                None,
                format!(
                    "expected one key figure, or exactly one whose name contains '{hint}'; found: {}",
                    self.series
                        .iter()
                        .map(|s| format!("'{}'", s.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

/// Reads a noegletal.dk export; errors name the file, line and column.
pub fn read(origin: &Path, bytes: &[u8]) -> Result<Export> {
    let text = dk::decode(bytes);
    if text.trim_start().starts_with('<') {
        return Err(Error::input(
            origin,
            Some(1),
            None,
            "this is an HTML page, not a noegletal.dk text export: on noegletal.dk choose the key figures, then save the report as a ';'-separated text file (see data/reference/README.md)",
        ));
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
        let digits: String = cell.chars().filter(|c| c.is_ascii_digit()).collect();
        let tail = &digits[digits.len().saturating_sub(4)..];
        match tail.parse::<i64>() {
            Ok(y) if (1970..=2100).contains(&y) && cell.ends_with(tail) => years.push(y),
            _ => {
                return Err(Error::input(
                    origin,
                    Some(header.line),
                    Some(cell),
                    "expected a year (2007 or pop_2007) as column header",
                ))
            }
        }
    }
    let first = header.fields[0].trim();
    let default_name = if first.is_empty() || first.eq_ignore_ascii_case("navn") {
        "value".to_string()
    } else {
        first.to_string()
    };
    let mut out = Export {
        series: Vec::new(),
        aggregates_skipped: 0,
    };
    let mut heading: Option<String> = None;
    let mut current: Option<usize> = None;
    for r in &recs[h + 1..] {
        let kom = r.fields.get(1).map(String::as_str).unwrap_or("");
        if kom.is_empty() {
            let rest_empty = r.fields.iter().skip(1).all(|c| c.is_empty());
            if rest_empty && !r.fields[0].is_empty() {
                heading = Some(r.fields[0].clone());
                current = None;
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
        match dk::area_code(code) {
            Some(Area::Municipality(_)) => {}
            Some(Area::Aggregate) => {
                out.aggregates_skipped += 1;
                continue;
            }
            None => {
                return Err(Error::input(
                    origin,
                    Some(r.line),
                    Some("Kom.nr"),
                    format!(
                        "unknown municipality number {code}: expected one of the 98 codes (data/reference/municipalities.csv)"
                    ),
                ))
            }
        }
        if r.fields.len() > years.len() + 2
            && r.fields[years.len() + 2..].iter().any(|c| !c.is_empty())
        {
            return Err(Error::input(
                origin,
                Some(r.line),
                None,
                format!(
                    "row has more values than the {} year columns of the header",
                    years.len()
                ),
            ));
        }
        let idx = match current {
            Some(i) => i,
            None => {
                out.series.push(Series {
                    name: heading.clone().unwrap_or_else(|| default_name.clone()),
                    values: BTreeMap::new(),
                });
                current = Some(out.series.len() - 1);
                out.series.len() - 1
            }
        };
        for (j, year) in years.iter().enumerate() {
            let cell = r.fields.get(j + 2).map(String::as_str).unwrap_or("");
            let v = match cell {
                "-" => Some(0.0),
                "M" | "U" => None,
                c => dk::parse_number(c).map_err(|m| {
                    Error::input(origin, Some(r.line), Some(&header.fields[j + 2]), m)
                })?,
            };
            if out.series[idx].values.insert((code, *year), v).is_some() {
                return Err(Error::input(
                    origin,
                    Some(r.line),
                    Some("Kom.nr"),
                    format!("municipality {code} appears twice under the same key figure"),
                ));
            }
        }
    }
    if out.series.is_empty() {
        return Err(Error::input(
            origin,
            None,
            None,
            "no municipality rows: expected lines like 'Københavns Kommune;101;21,5;…' after the header",
        ));
    }
    Ok(out)
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
        let hk6 = e.pick(Path::new("n.csv"), "hk 6").unwrap();
        assert_eq!(hk6.values[&(101, 2019)], None);
        assert_eq!(hk6.values[&(101, 2020)], Some(21.5));
        assert!(e.pick(Path::new("n.csv"), "iku").is_err());
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

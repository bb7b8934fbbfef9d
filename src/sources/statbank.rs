//! Statistics Denmark statbank exports (`https://api.statbank.dk/v1/data`, format `CSV`):
//! `;`-separated, UTF-8 with BOM, one column per table variable plus `INDHOLD`, `..` for
//! missing, Danish decimal commas. Each variable's cells may hold codes (`valuePresentation`
//! `Code`), texts (`Value`, the default) or both (`CodeAndValue`); every selector below
//! accepts all three.
//!
//! Tables and selections used (variable ids and codes as the tables' metadata,
//! `https://api.statbank.dk/v1/tableinfo/<TABLE>`, lists them; checked against published
//! descriptions of these tables, not against the live API):
//! - **REGK11** (municipal accounts by main account): `OMRÅDE`, `FUNK1` = `6` (6 Fællesudgifter
//!   og administration), `DRANST` = `1` (Driftskonti), `ART` = `TOT` (I alt (netto)),
//!   `PRISENHED` = `LOBM` (Løbende priser (1.000 kr.)), `TID` = year. The main-account total
//!   row is used directly: net operating expenditure on main account 6.
//! - **REGK31** (by function), the alternative when REGK11 is not at hand: the same selection
//!   with `FUNKTION` in place of `FUNK1`; the net operating expenditure of main account 6 is
//!   the sum over all functions 6.xx.xx (codes `6xxxx`); `..` cells count as absent, a
//!   municipality-year with no function present is missing.
//! - **FOLK1A** (population on the first day of the quarter): `OMRÅDE`, `KØN` = `TOT`,
//!   `ALDER` = `IALT`, `CIVILSTAND` = `TOT`, `TID` = `YYYYK1`; the first quarter is the
//!   population on 1 January. Other quarters are ignored. FOLK1A starts in 2008.
//! - **NAN1** (national accounts, annual): `TRANSAKT` = `P3S13D` (P.3 general government
//!   final consumption expenditure), `PRISENHED` = `V_M` (current prices) and `LAN_M`
//!   (chained prices). The price index is the implicit deflator of government consumption,
//!   `V_M / LAN_M`, rebased to 100 in the base year (2020). It is a national deflator for
//!   all public consumption, not KL's municipal PL index, which statbank does not publish.
//!
//! `OMRÅDE` labels are mapped to the 98 municipality codes; the country, regions, municipality
//! groupings and Christiansø are skipped; any other label is an error.

use crate::sources::dk::{self, Area};
use panelkit::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The value column of every statbank CSV export.
pub const VALUE: &str = "INDHOLD";

/// A parsed statbank CSV export: header and rows with their line numbers.
#[derive(Debug, Clone)]
pub struct StatbankCsv {
    pub origin: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<StatRow>,
}

/// One data row: the variable cells (header order, without `INDHOLD`) and its value.
#[derive(Debug, Clone)]
pub struct StatRow {
    pub line: u64,
    pub cells: Vec<String>,
    pub value: Option<f64>,
}

/// Reads a statbank CSV export; errors name the file, line and column.
pub fn read(origin: &Path, bytes: &[u8]) -> Result<StatbankCsv> {
    let text = dk::decode(bytes);
    let recs = dk::records(origin, &text)?;
    let Some(head) = recs.first() else {
        return Err(Error::input(
            origin,
            Some(1),
            None,
            "empty file: expected a statbank CSV header such as OMRÅDE;FUNK1;DRANST;ART;PRISENHED;TID;INDHOLD",
        ));
    };
    let header: Vec<String> = head.fields.iter().map(|h| h.to_uppercase()).collect();
    if header.last().map(String::as_str) != Some(VALUE) || !header.iter().any(|h| h == "TID") {
        return Err(Error::input(
            origin,
            Some(head.line),
            None,
            format!(
                "expected a statbank CSV header with TID and INDHOLD as the last column, found '{}'",
                head.fields.join(";")
            ),
        ));
    }
    let mut rows = Vec::with_capacity(recs.len());
    for r in &recs[1..] {
        if r.fields.len() != header.len() {
            return Err(Error::input(
                origin,
                Some(r.line),
                None,
                format!(
                    "row has {} fields, expected {} as in the header",
                    r.fields.len(),
                    header.len()
                ),
            ));
        }
        let value = dk::parse_number(&r.fields[header.len() - 1])
            .map_err(|m| Error::input(origin, Some(r.line), Some(VALUE), m))?;
        rows.push(StatRow {
            line: r.line,
            cells: r.fields[..header.len() - 1].to_vec(),
            value,
        });
    }
    Ok(StatbankCsv {
        origin: origin.to_path_buf(),
        header,
        rows,
    })
}

impl StatbankCsv {
    /// Index of a variable column (case-insensitive), if the export has it.
    pub fn column(&self, name: &str) -> Option<usize> {
        let n = name.to_uppercase();
        self.header.iter().position(|h| *h == n)
    }

    fn require(&self, names: &[&str]) -> Result<usize> {
        names.iter().find_map(|n| self.column(n)).ok_or_else(|| {
            Error::input(
                &self.origin,
                Some(1),
                None,
                format!(
                    "missing column {}: found {}",
                    names.join(" or "),
                    self.header.join(";")
                ),
            )
        })
    }

    /// The municipality of a row, `None` for aggregates; an error for unknown labels.
    fn municipality(&self, row: &StatRow, col: usize) -> Result<Option<u32>> {
        match dk::area(&row.cells[col]) {
            Some(Area::Municipality(c)) => Ok(Some(c)),
            Some(Area::Aggregate) => Ok(None),
            None => Err(dk::unknown_area(
                &self.origin,
                row.line,
                &self.header[col],
                &row.cells[col],
            )),
        }
    }

    /// The time of a row as (year, quarter); quarter is `None` for annual data.
    fn time(&self, row: &StatRow, col: usize) -> Result<(i64, Option<u8>)> {
        let t = row.cells[col].trim();
        let bad = || {
            Error::input(
                &self.origin,
                Some(row.line),
                Some("TID"),
                format!("expected a year (2020) or a quarter (2020K1), found '{t}'"),
            )
        };
        let (y, q) = match t.split_once(['K', 'Q']) {
            Some((y, q)) => (y, Some(q.parse::<u8>().map_err(|_| bad())?)),
            None => (t, None),
        };
        if y.len() != 4 || q.is_some_and(|q| !(1..=4).contains(&q)) {
            return Err(bad());
        }
        Ok((y.parse().map_err(|_| bad())?, q))
    }

    /// Keeps the row when the column (if present) holds `code` or one of `texts`.
    fn keep(&self, row: &StatRow, col: Option<usize>, code: &str, texts: &[&str]) -> bool {
        col.is_none_or(|c| is(&row.cells[c], code, texts))
    }
}

/// True when a cell is the code, starts with `code ` (CodeAndValue) or equals one of the texts.
fn is(cell: &str, code: &str, texts: &[&str]) -> bool {
    let c = cell.trim();
    c == code
        || c.strip_prefix(code).is_some_and(|r| r.starts_with(' '))
        || texts.iter().any(|t| c.to_lowercase() == t.to_lowercase())
}

/// Net operating expenditure on main account 6 by (municipality, year), in DKK current
/// prices, from a REGK11 export (main-account row) or a REGK31 export (sum of functions 6.xx.xx).
pub fn netexp_hk6(csv: &StatbankCsv) -> Result<BTreeMap<(u32, i64), f64>> {
    let area = csv.require(&["OMRÅDE", "OMRADE"])?;
    let tid = csv.require(&["TID"])?;
    let dranst = csv.column("DRANST");
    let art = csv.column("ART");
    let pris = csv.require(&["PRISENHED"])?;
    let (account, by_function) = match (csv.column("FUNK1"), csv.column("FUNKTION")) {
        (Some(c), _) => (c, false),
        (None, Some(c)) => (c, true),
        (None, None) => return Err(csv.require(&["FUNK1", "FUNKTION"]).unwrap_err()),
    };
    let mut out: BTreeMap<(u32, i64), f64> = BTreeMap::new();
    let mut seen: BTreeMap<(u32, i64, String), u64> = BTreeMap::new();
    for row in &csv.rows {
        let acc = row.cells[account].trim();
        let in_hk6 = if by_function {
            let code: String = acc.chars().take_while(|c| c.is_ascii_digit()).collect();
            (code.len() == 5 && code.starts_with('6')) || acc.starts_with("6.")
        } else {
            is(acc, "6", &["Fællesudgifter og administration"])
        };
        if !in_hk6
            || !csv.keep(row, dranst, "1", &["Driftskonti", "Drift"])
            || !csv.keep(row, art, "TOT", &["I alt (netto)"])
        {
            continue;
        }
        let unit = row.cells[pris].trim();
        if !is(unit, "LOBM", &["Løbende priser (1.000 kr.)"]) {
            if is(unit, "INDL", &["Pr. indbygger, løbende priser (kr.)"]) {
                continue;
            }
            return Err(Error::input(
                &csv.origin,
                Some(row.line),
                Some("PRISENHED"),
                format!("expected LOBM (Løbende priser (1.000 kr.)), found '{unit}'"),
            ));
        }
        let Some(code) = csv.municipality(row, area)? else {
            continue;
        };
        let (year, _) = csv.time(row, tid)?;
        if let Some(first) = seen.insert((code, year, acc.to_string()), row.line) {
            return Err(Error::input(
                &csv.origin,
                Some(row.line),
                None,
                format!("duplicate row for {code}/{year}/{acc} (first on line {first})"),
            ));
        }
        if let Some(v) = row.value {
            *out.entry((code, year)).or_insert(0.0) += v * 1000.0;
        }
    }
    Ok(out)
}

/// Population on 1 January by (municipality, year) from a FOLK1A export (first quarters).
pub fn population(csv: &StatbankCsv) -> Result<BTreeMap<(u32, i64), f64>> {
    let area = csv.require(&["OMRÅDE", "OMRADE"])?;
    let tid = csv.require(&["TID"])?;
    let kon = csv.column("KØN");
    let alder = csv.column("ALDER");
    let civ = csv.column("CIVILSTAND");
    let mut out = BTreeMap::new();
    for row in &csv.rows {
        if !csv.keep(row, kon, "TOT", &["I alt", "Total"])
            || !csv.keep(row, alder, "IALT", &["Alder i alt", "Age, total"])
            || !csv.keep(row, civ, "TOT", &["I alt", "Total"])
        {
            continue;
        }
        let (year, q) = csv.time(row, tid)?;
        if q.is_some_and(|q| q != 1) {
            continue;
        }
        let Some(code) = csv.municipality(row, area)? else {
            continue;
        };
        if let Some(v) = row.value {
            if out.insert((code, year), v).is_some() {
                return Err(Error::input(
                    &csv.origin,
                    Some(row.line),
                    None,
                    format!("duplicate population for {code}/{year}"),
                ));
            }
        }
    }
    Ok(out)
}

/// Implicit deflator of general government consumption (NAN1 `P3S13D`, current / chained
/// prices), by year, rebased to 100 in `base_year`.
pub fn price_index(csv: &StatbankCsv, base_year: i64) -> Result<BTreeMap<i64, f64>> {
    let tid = csv.require(&["TID"])?;
    let trans = csv.column("TRANSAKT");
    let pris = csv.require(&["PRISENHED"])?;
    let mut current: BTreeMap<i64, f64> = BTreeMap::new();
    let mut chained: BTreeMap<i64, f64> = BTreeMap::new();
    for row in &csv.rows {
        if !trans.is_none_or(|c| {
            let t = row.cells[c].to_lowercase();
            is(&row.cells[c], "P3S13D", &[]) || t.contains("offentlige forbrugsudgifter")
        }) {
            continue;
        }
        let p = row.cells[pris].trim();
        let pl = p.to_lowercase();
        let target = if is(p, "V_M", &[]) || pl.starts_with("løbende priser") {
            &mut current
        } else if is(p, "LAN_M", &[]) || (pl.contains("kædede") && !pl.contains("indbygger")) {
            &mut chained
        } else {
            continue;
        };
        let (year, _) = csv.time(row, tid)?;
        if let Some(v) = row.value {
            target.insert(year, v);
        }
    }
    let ratio: BTreeMap<i64, f64> = current
        .iter()
        .filter_map(|(y, v)| chained.get(y).filter(|c| **c != 0.0).map(|c| (*y, v / c)))
        .collect();
    let base = ratio.get(&base_year).copied().ok_or_else(|| {
        Error::input(
            &csv.origin,
            None,
            Some("TID"),
            format!(
                "no current-price (V_M) and chained-price (LAN_M) values of P3S13D for the base year {base_year}"
            ),
        )
    })?;
    Ok(ratio
        .into_iter()
        .map(|(y, r)| (y, r / base * 100.0))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(s: &str) -> StatbankCsv {
        read(Path::new("t.csv"), s.as_bytes()).unwrap()
    }

    #[test]
    fn regk11_codes_with_totals_and_missing() {
        let c = csv("\u{feff}OMRÅDE;FUNK1;DRANST;ART;PRISENHED;TID;INDHOLD\r\n000;6;1;TOT;LOBM;2020;35.000.000\r\n101;6;1;TOT;LOBM;2020;4.321.234,5\r\n101;6;1;TOT;LOBM;2019;..\r\n101;5;1;TOT;LOBM;2020;9\r\n");
        let m = netexp_hk6(&c).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[&(101, 2020)], 4_321_234_500.0);
    }

    #[test]
    fn malformed_value_names_line_and_column() {
        let e = read(
            Path::new("t.csv"),
            "OMRÅDE;TID;INDHOLD\n101;2020;1,2\n101;2021;1.2\n".as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("t.csv:3: column 'INDHOLD'"), "{e}");
    }

    #[test]
    fn unknown_area_is_an_error() {
        let c =
            csv("OMRÅDE;FUNK1;DRANST;ART;PRISENHED;TID;INDHOLD\nAtlantis;6;1;TOT;LOBM;2020;1\n");
        let e = netexp_hk6(&c).unwrap_err().to_string();
        assert!(
            e.contains("t.csv:2: column 'OMRÅDE'") && e.contains("Atlantis"),
            "{e}"
        );
    }

    #[test]
    fn bad_quarter_is_an_error() {
        let c = csv("OMRÅDE;TID;INDHOLD\n101;2020K5;1\n");
        let e = population(&c).unwrap_err().to_string();
        assert!(e.contains("t.csv:2: column 'TID'"), "{e}");
    }
}

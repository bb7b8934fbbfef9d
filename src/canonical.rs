//! The canonical municipal panel: one row per municipality-year, every column with its unit.
//!
//! | column | unit |
//! |---|---|
//! | `code` | municipality code (key; one of the 98) |
//! | `year` | calendar year (key) |
//! | `name` | municipality name (text) |
//! | `population` | inhabitants, 1 January |
//! | `iku_hk6_pct` | IKU on main account 6, % (tendered / tenderable × 100) |
//! | `tenderable_hk6_dkk` | tenderable tasks on main account 6, DKK, current prices |
//! | `tendered_hk6_dkk` | tendered tasks on main account 6, DKK, current prices |
//! | `netexp_hk6_dkk` | net operating expenditure on main account 6, DKK, current prices |
//! | `price_index` | price index for municipal administration, 2020 = 100 |
//! | any further column | a numeric control, its unit documented in the data's README |

use crate::sources::reference::municipalities;
use panelkit::error::{Error, Result};
use panelkit::panel::io::{read_csv_bytes, Kind};
use panelkit::Panel;
use std::path::Path;

/// Unit key column.
pub const CODE: &str = "code";
/// Time key column.
pub const YEAR: &str = "year";
/// Municipality name.
pub const NAME: &str = "name";
/// Inhabitants.
pub const POPULATION: &str = "population";
/// IKU on main account 6, %.
pub const IKU: &str = "iku_hk6_pct";
/// Tenderable tasks on main account 6, DKK.
pub const TENDERABLE: &str = "tenderable_hk6_dkk";
/// Tendered tasks on main account 6, DKK.
pub const TENDERED: &str = "tendered_hk6_dkk";
/// Net operating expenditure on main account 6, DKK current prices.
pub const NETEXP: &str = "netexp_hk6_dkk";
/// Price index, 2020 = 100.
pub const PRICE_INDEX: &str = "price_index";

/// Required non-key columns, in canonical order.
pub const REQUIRED: [&str; 7] = [
    NAME,
    POPULATION,
    IKU,
    TENDERABLE,
    TENDERED,
    NETEXP,
    PRICE_INDEX,
];

/// Loads and validates a canonical municipal panel file.
pub fn load(path: &Path) -> Result<Panel> {
    let bytes = panelkit::io::read(path)?;
    load_bytes(path, &bytes)
}

/// Validates canonical panel bytes; `origin` names the file in errors.
pub fn load_bytes(origin: &Path, bytes: &[u8]) -> Result<Panel> {
    let panel = read_csv_bytes(origin, bytes, CODE, YEAR, |c| {
        if c == NAME {
            Kind::Text
        } else {
            Kind::Num
        }
    })?;
    let names = panel.column_names();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !names.contains(c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::input(
            origin,
            Some(1),
            None,
            format!(
                "missing required column(s) {}; a canonical panel has {CODE},{YEAR},{}",
                missing.join(", "),
                REQUIRED.join(",")
            ),
        ));
    }
    let known: Vec<String> = municipalities()
        .iter()
        .map(|m| m.code.to_string())
        .collect();
    // Lines of the file are not kept after sorting; re-derive them for the error message.
    for label in panel.unit_labels() {
        if !known.contains(label) {
            let line = find_line(bytes, label);
            return Err(Error::input(
                origin,
                line,
                Some(CODE),
                format!(
                    "unknown municipality code '{label}': expected one of the 98 codes 101 ... 860 (data/reference/municipalities.csv)"
                ),
            ));
        }
    }
    if panel.time_label(panel.times()[0]).parse::<i64>().is_err() {
        return Err(Error::input(
            origin,
            Some(2),
            Some(YEAR),
            "expected integer years",
        ));
    }
    check_range(origin, bytes, &panel, POPULATION, 0.0, MAX_POPULATION)?;
    check_range(origin, bytes, &panel, IKU, 0.0, 100.0)?;
    check_range(origin, bytes, &panel, TENDERABLE, 0.0, MAX_DKK)?;
    check_range(origin, bytes, &panel, TENDERED, 0.0, MAX_DKK)?;
    check_range(origin, bytes, &panel, NETEXP, -MAX_DKK, MAX_DKK)?;
    check_range(
        origin,
        bytes,
        &panel,
        PRICE_INDEX,
        f64::MIN_POSITIVE,
        f64::INFINITY,
    )?;
    Ok(panel)
}

/// Largest amount accepted in a DKK column: 1e14 DKK is some thirty times Denmark's GDP, so
/// anything larger is a unit error. The bound also keeps every sum over the panel finite.
pub const MAX_DKK: f64 = 1e14;
/// Largest population accepted for one municipality (Denmark has about 6 million people).
pub const MAX_POPULATION: f64 = 1e8;

/// Every value of `col` (missing excepted) must be finite and within [`lo`, `hi`].
fn check_range(
    origin: &Path,
    bytes: &[u8],
    panel: &Panel,
    col: &str,
    lo: f64,
    hi: f64,
) -> Result<()> {
    let v = panel.require_num(col)?;
    for (r, x) in v.iter().enumerate() {
        if !x.is_nan() && (x.is_infinite() || *x < lo || *x > hi) {
            let unit = &panel.unit_labels()[panel.unit_ids()[r]];
            let year = panel.times()[r];
            let line = find_key_line(bytes, unit, year);
            return Err(Error::input(
                origin,
                line,
                Some(col),
                format!(
                    "value {} for {unit}/{year} is outside the valid range [{}, {}]",
                    compact(*x),
                    compact(lo),
                    compact(hi)
                ),
            ));
        }
    }
    Ok(())
}

/// A number as a reader wants it in a message: scientific notation when very large or small.
fn compact(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-4..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The 1-based line whose first field is `code`.
fn find_line(bytes: &[u8], code: &str) -> Option<u64> {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .position(|l| l.trim_start_matches('\u{feff}').split(',').next() == Some(code))
        .map(|i| i as u64 + 1)
}

/// The 1-based line whose first two fields are `code` and `year`.
fn find_key_line(bytes: &[u8], code: &str, year: i64) -> Option<u64> {
    let text = String::from_utf8_lossy(bytes);
    let y = year.to_string();
    text.lines()
        .position(|l| {
            let mut f = l.split(',');
            f.next() == Some(code) && f.next() == Some(y.as_str())
        })
        .map(|i| i as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "code,year,name,population,iku_hk6_pct,tenderable_hk6_dkk,tendered_hk6_dkk,netexp_hk6_dkk,price_index\n";

    fn load_str(s: &str) -> Result<Panel> {
        load_bytes(Path::new("t.csv"), s.as_bytes())
    }

    #[test]
    fn loads_a_small_unbalanced_panel_with_missing_values() {
        let s = format!(
            "{HEADER}101,2008,København,1000,20.5,100,20.5,5000,99\n101,2007,København,1000,NA,100,,5000,98\n147,2007,Frederiksberg,500,10,50,5,2500,98\n"
        );
        let p = load_str(&s).unwrap();
        assert_eq!(p.nrows(), 3);
        assert_eq!(p.times(), &[2007, 2008, 2007]);
        assert!(p.num(IKU).unwrap()[0].is_nan());
        assert_eq!(p.num(IKU).unwrap()[1], 20.5);
        let s = p.summary();
        assert!(!s.balanced);
        assert_eq!(
            s.missing.iter().find(|(c, _)| c == IKU).map(|x| x.1),
            Some(1)
        );
    }

    #[test]
    fn unknown_code_names_its_line() {
        let s = format!("{HEADER}101,2007,København,1,1,1,1,1,1\n999,2007,X,1,1,1,1,1,1\n");
        let e = load_str(&s).unwrap_err().to_string();
        assert!(e.contains("t.csv:3"), "{e}");
        assert!(e.contains("unknown municipality code '999'"), "{e}");
    }

    #[test]
    fn out_of_range_iku_is_rejected() {
        let s = format!("{HEADER}101,2007,København,1,101,1,1,1,1\n");
        let e = load_str(&s).unwrap_err().to_string();
        assert!(e.contains("t.csv:2") && e.contains("iku_hk6_pct"), "{e}");
    }

    #[test]
    fn missing_required_column_is_rejected() {
        let e = load_str("code,year,name\n101,2007,K\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing required column(s) population"), "{e}");
    }
}

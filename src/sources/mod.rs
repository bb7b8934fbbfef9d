//! Where the data comes from: the shipped real reference facts, and the official sources.

pub mod build;
pub mod dk;
pub mod fetch;
pub mod noegletal;
pub mod published;
pub mod reference;
pub mod statbank;

use panelkit::{Error, Result};

/// Earliest year the official series can hold: the municipal reform of 2007 created the 98.
pub const FIRST_YEAR: i64 = 2007;
/// Latest year accepted as an argument (a guard against runaway ranges, not a data fact).
pub const LAST_YEAR: i64 = 2100;

/// Checks a year range given on the command line: inside [`FIRST_YEAR`], [`LAST_YEAR`] and
/// in order, so a typo cannot ask for millions of years of downloads or rows.
pub fn check_years(what: &str, from: i64, to: i64) -> Result<()> {
    for (flag, y) in [("--from", from), ("--to", to)] {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&y) {
            return Err(Error::Usage(format!(
                "{what} {flag} {y}: expected a year from {FIRST_YEAR} to {LAST_YEAR}"
            )));
        }
    }
    if from > to {
        return Err(Error::Usage(format!(
            "{what} --from {from} is after --to {to}"
        )));
    }
    Ok(())
}

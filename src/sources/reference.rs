//! Real reference facts shipped with iku: the 98 municipalities and their populations.
//!
//! Transcribed from official figures by `data/reference/transcribe.py`; compiled into the
//! binary so validation works anywhere.

use std::collections::BTreeMap;

const MUNICIPALITIES_CSV: &str = include_str!("../../data/reference/municipalities.csv");
const POPULATION_CSV: &str = include_str!("../../data/reference/population.csv");

/// One of the 98 municipalities that exist since the 2007 reform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub code: u32,
    pub name: String,
    pub region_code: u32,
    pub region_name: String,
}

/// The 98 municipalities, ordered by code.
pub fn municipalities() -> Vec<Municipality> {
    let mut rdr = csv::Reader::from_reader(MUNICIPALITIES_CSV.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.expect("shipped municipalities.csv is valid CSV");
            Municipality {
                code: r[0].parse().expect("shipped code is an integer"),
                name: r[1].to_string(),
                region_code: r[2].parse().expect("shipped region code is an integer"),
                region_name: r[3].to_string(),
            }
        })
        .collect()
}

/// The municipality with this code, if it is one of the 98.
pub fn municipality(code: u32) -> Option<Municipality> {
    municipalities().into_iter().find(|m| m.code == code)
}

/// Inhabitants by (code, year), 2007–2022 (noegletal.dk key figures).
pub fn population() -> BTreeMap<(u32, i64), f64> {
    let mut rdr = csv::Reader::from_reader(POPULATION_CSV.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.expect("shipped population.csv is valid CSV");
            (
                (
                    r[0].parse().expect("shipped code is an integer"),
                    r[2].parse().expect("shipped year is an integer"),
                ),
                r[3].parse().expect("shipped population is a number"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ninety_eight_municipalities_in_five_regions() {
        let m = municipalities();
        assert_eq!(m.len(), 98);
        assert_eq!(m[0].name, "København");
        assert_eq!(m.last().map(|x| x.code), Some(860));
        let regions: std::collections::BTreeSet<u32> = m.iter().map(|x| x.region_code).collect();
        assert_eq!(regions.len(), 5);
    }

    #[test]
    fn population_totals_match_the_published_sums() {
        let p = population();
        let total =
            |y: i64| -> f64 { p.iter().filter(|((_, t), _)| *t == y).map(|(_, v)| v).sum() };
        assert_eq!(total(2007), 5_446_989.0);
        assert_eq!(total(2018), 5_781_107.0);
        assert_eq!(total(2020), 5_822_679.0);
    }
}

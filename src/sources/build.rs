//! Raw official exports → the canonical municipal panel (`panel::canonical`).
//!
//! File names looked for in the raw directory (fetched by `iku-data fetch`, or downloaded by
//! hand and saved under these names; see data/reference/README.md):
//!
//! | file | source | fills |
//! |---|---|---|
//! | `noegletal_iku_hk6.csv` or `.html` (required) | noegletal.dk export or report page | `iku_hk6_pct` |
//! | `noegletal_tenderable_hk6.csv` or `.html` (optional) | same layout, DKK | `tenderable_hk6_dkk` |
//! | `noegletal_tendered_hk6.csv` or `.html` (optional) | same layout, DKK | `tendered_hk6_dkk` |
//! | `regk11.csv`, else `regk31.csv` | statbank CSV | `netexp_hk6_dkk` (DKK, current prices) |
//! | `folk1a.csv` (optional) | statbank CSV | `population` (1 January) |
//! | `nan1.csv` (optional) | statbank CSV | `price_index` (2020 = 100) |
//!
//! Gaps are filled only where the figures determine them: `population` from the shipped
//! noegletal.dk population (`data/reference/population.csv`) where FOLK1A has no value;
//! `tendered = IKU/100 × tenderable` and `IKU = 100 × tendered/tenderable` where exactly one
//! of the three is missing. Everything else missing stays `NA`: in particular, with IKU
//! alone the tendered and tenderable amounts are `NA`, not invented.

use crate::canonical;
use crate::sources::{noegletal, reference, statbank};
use panelkit::error::{Error, Result};
use panelkit::table::fmt_num;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// File names of the raw exports the build reads.
pub mod files {
    /// noegletal.dk file stems; the build reads `<stem>.csv`, else `<stem>.html`.
    pub const IKU: &str = "noegletal_iku_hk6";
    pub const TENDERABLE: &str = "noegletal_tenderable_hk6";
    pub const TENDERED: &str = "noegletal_tendered_hk6";
    pub const REGK11: &str = "regk11.csv";
    pub const REGK31: &str = "regk31.csv";
    pub const FOLK1A: &str = "folk1a.csv";
    pub const NAN1: &str = "nan1.csv";
}

/// Base year of the price index.
pub const PRICE_BASE_YEAR: i64 = 2020;

/// What the build read and filled, for the user and the provenance log.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildReport {
    pub rows: usize,
    pub first_year: i64,
    pub last_year: i64,
    /// Files read, in the order used.
    pub sources: Vec<PathBuf>,
    /// Non-missing cells per canonical column.
    pub filled: Vec<(String, usize)>,
    /// Populations taken from the shipped reference because FOLK1A had none.
    pub population_from_reference: usize,
    /// Cells derived from the other two of IKU, tendered, tenderable.
    pub derived: usize,
}

impl std::fmt::Display for BuildReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} rows, 98 municipalities x {}-{}",
            self.rows, self.first_year, self.last_year
        )?;
        for s in &self.sources {
            writeln!(f, "  read {}", s.display())?;
        }
        for (c, n) in &self.filled {
            writeln!(f, "  {c}: {n} of {} values present", self.rows)?;
        }
        writeln!(
            f,
            "  population from data/reference/population.csv (no FOLK1A value): {}",
            self.population_from_reference
        )?;
        write!(
            f,
            "  derived from the other two of IKU/tendered/tenderable: {}",
            self.derived
        )
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    panelkit::io::read(path)
}

/// Values by (municipality code, year).
type Series = BTreeMap<(u32, i64), f64>;

fn noegletal_series(path: &Path, hints: &[&str]) -> Result<Series> {
    let export = noegletal::read(path, &read_file(path)?)?;
    let s = export.pick(path, hints)?;
    Ok(s.values
        .iter()
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect())
}

fn statbank_file(path: &Path) -> Result<statbank::StatbankCsv> {
    statbank::read(path, &read_file(path)?)
}

/// Every series the raw directory holds (missing optional exports give empty series), and the
/// files read, in the order used.
struct Raw {
    iku: Series,
    tenderable: Series,
    tendered: Series,
    netexp: Series,
    population: Series,
    price: BTreeMap<i64, f64>,
    sources: Vec<PathBuf>,
}

impl Raw {
    fn read(raw: &Path) -> Result<Raw> {
        let mut sources = Vec::new();
        let optional = |name: &str| {
            let p = raw.join(name);
            p.exists().then_some(p)
        };
        let noegletal_file = |stem: &str| {
            optional(&format!("{stem}.csv")).or_else(|| optional(&format!("{stem}.html")))
        };
        let Some(iku_path) = noegletal_file(files::IKU) else {
            return Err(Error::Usage(format!(
                "{} not found (nor .html): the panel needs IKU on main account 6 from noegletal.dk (see data/reference/README.md, 'Real data: how to fetch or import')",
                raw.join(files::IKU).with_extension("csv").display()
            )));
        };
        let iku = noegletal_series(&iku_path, &["hovedkonto 6", "hk. 6", "hk 6", "konkurrence"])?;
        sources.push(iku_path);
        let mut read_optional =
            |path: Option<PathBuf>, read: &dyn Fn(&Path) -> Result<Series>| -> Result<Series> {
                match path {
                    Some(p) => {
                        let s = read(&p)?;
                        sources.push(p);
                        Ok(s)
                    }
                    None => Ok(BTreeMap::new()),
                }
            };
        let tenderable = read_optional(noegletal_file(files::TENDERABLE), &|p| {
            noegletal_series(p, &["hovedkonto 6", "hk. 6", "hk 6", "udbudsegne"])
        })?;
        let tendered = read_optional(noegletal_file(files::TENDERED), &|p| {
            noegletal_series(p, &["hovedkonto 6", "hk. 6", "hk 6", "udbudt"])
        })?;
        let netexp = read_optional(
            optional(files::REGK11).or_else(|| optional(files::REGK31)),
            &|p| statbank::netexp_hk6(&statbank_file(p)?),
        )?;
        let population = read_optional(optional(files::FOLK1A), &|p| {
            statbank::population(&statbank_file(p)?)
        })?;
        let mut price = BTreeMap::new();
        if let Some(p) = optional(files::NAN1) {
            price = statbank::price_index(&statbank_file(&p)?, PRICE_BASE_YEAR)?;
            sources.push(p);
        }
        Ok(Raw {
            iku,
            tenderable,
            tendered,
            netexp,
            population,
            price,
            sources,
        })
    }

    /// `from..=to`, each defaulting to the first or last year of the IKU export.
    fn years(&self, from: Option<i64>, to: Option<i64>) -> Result<(i64, i64)> {
        let years_in_iku = || self.iku.keys().map(|(_, y)| *y);
        let first = from.or_else(|| years_in_iku().min()).unwrap_or(0);
        let last = to.or_else(|| years_in_iku().max()).unwrap_or(-1);
        if first > last {
            return Err(Error::Usage(format!(
                "empty year range {first}-{last}: the IKU export has no values in it"
            )));
        }
        Ok((first, last))
    }
}

/// IKU, tenderable and tendered with the one missing of the three derived from the other two
/// where they determine it; the flag says whether a value was derived.
fn complete_triple(
    iku: Option<f64>,
    tenderable: Option<f64>,
    tendered: Option<f64>,
) -> ([Option<f64>; 3], bool) {
    match (iku, tenderable, tendered) {
        (Some(i), Some(b), None) => ([iku, tenderable, Some(i / 100.0 * b)], true),
        (None, Some(b), Some(d)) if b > 0.0 => ([Some(100.0 * d / b), tenderable, tendered], true),
        (Some(i), None, Some(d)) if i > 0.0 => ([iku, Some(d / (i / 100.0)), tendered], true),
        _ => ([iku, tenderable, tendered], false),
    }
}

/// The canonical CSV text with what filled it.
struct Assembled {
    text: String,
    rows: usize,
    /// Non-missing cells per column after code, year and name.
    filled: Vec<usize>,
    derived: usize,
    population_from_reference: usize,
}

/// One row per municipality and year (code order, then year), every canonical column.
fn assemble(raw: &Raw, first: i64, last: i64) -> Assembled {
    let ref_pop = reference::population();
    let header = [canonical::CODE, canonical::YEAR]
        .iter()
        .chain(canonical::REQUIRED.iter())
        .copied()
        .collect::<Vec<_>>()
        .join(",");
    let mut a = Assembled {
        text: format!("{header}\n"),
        rows: 0,
        filled: vec![0usize; 6],
        derived: 0,
        population_from_reference: 0,
    };
    for m in reference::municipalities() {
        for year in first..=last {
            let k = (m.code, year);
            let ([i, tb, td], derived) = complete_triple(
                raw.iku.get(&k).copied(),
                raw.tenderable.get(&k).copied(),
                raw.tendered.get(&k).copied(),
            );
            a.derived += usize::from(derived);
            let pop = raw.population.get(&k).copied().or_else(|| {
                let r = ref_pop.get(&k).copied();
                a.population_from_reference += usize::from(r.is_some());
                r
            });
            let vals = [
                pop,
                i,
                tb,
                td,
                raw.netexp.get(&k).copied(),
                raw.price.get(&year).copied(),
            ];
            let mut line = format!("{},{},{}", m.code, year, m.name);
            for (j, v) in vals.iter().enumerate() {
                a.filled[j] += usize::from(v.is_some());
                let _ = write!(line, ",{}", fmt_num(v.unwrap_or(f64::NAN)));
            }
            a.text.push_str(&line);
            a.text.push('\n');
            a.rows += 1;
        }
    }
    a
}

/// Builds the canonical panel CSV bytes from the exports in `raw`, for `from..=to` (default:
/// the years of the IKU export), validated with the canonical loader: read → year range →
/// assemble → validate.
pub fn build(raw: &Path, from: Option<i64>, to: Option<i64>) -> Result<(Vec<u8>, BuildReport)> {
    if from.is_some() || to.is_some() {
        super::check_years(
            "build",
            from.unwrap_or(super::FIRST_YEAR),
            to.unwrap_or(super::LAST_YEAR),
        )?;
    }
    let series = Raw::read(raw)?;
    let (first, last) = series.years(from, to)?;
    let a = assemble(&series, first, last);
    let bytes = a.text.into_bytes();
    canonical::load_bytes(Path::new("<built panel>"), &bytes)?;
    let report = BuildReport {
        rows: a.rows,
        first_year: first,
        last_year: last,
        sources: series.sources,
        filled: canonical::REQUIRED[1..]
            .iter()
            .zip(a.filled)
            .map(|(c, n)| (c.to_string(), n))
            .collect(),
        population_from_reference: a.population_from_reference,
        derived: a.derived,
    };
    Ok((bytes, report))
}

/// Builds the panel from `raw` and writes it atomically to `out`.
pub fn build_to(raw: &Path, out: &Path, from: Option<i64>, to: Option<i64>) -> Result<BuildReport> {
    let (bytes, report) = build(raw, from, to)?;
    panelkit::io::write_atomic(out, &bytes)?;
    Ok(report)
}

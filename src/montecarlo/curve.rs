//! Monte Carlo of the specification curve's joint test: for every true effect and seed,
//! [`simulate`](crate::simulate::simulate) a panel, run a whole multiverse on it
//! ([`crate::multiverse::run`]) and keep the curve's summary with its joint test under the
//! null (Simonsohn, Simmons & Nelson 2020). Under a true effect the rejection rate is the
//! test's power, under zero its size.
//!
//! Same replication order, refusal of seeds and determinism as the spec-set Monte Carlo
//! ([`super::run_with`]): the multiverse's bootstrap seed is fixed by its file, so each
//! replication depends only on its seed and effect.
//!
//! ```no_run
//! use iku::montecarlo::{curve, Design};
//! use iku::spec::multiverse::MultiverseFile;
//!
//! let m = MultiverseFile::load(std::path::Path::new("notebooks/curve_mc.toml"))?;
//! let reps = curve::run(&Design::new(1..=10, vec![-12.5, 0.0]), &m, 2, &|_| {})?;
//! std::fs::write("curve_mc.csv", curve::to_csv(&reps)?).unwrap();
//! # Ok::<(), iku::Error>(())
//! ```

use super::{replicate_with, run_with, write_csv, Design, Progress, Replication};
use crate::multiverse::CurveSummary;
use crate::spec::multiverse::MultiverseFile;
use panelkit::error::{Error, Result};
use std::ops::RangeInclusive;

/// Simulates the panel of one seed and true effect and runs the multiverse on it; the curve's
/// summary always carries the joint test (a multiverse without it is an error).
pub fn replicate(
    seed: u64,
    effect: f64,
    years: RangeInclusive<i64>,
    m: &MultiverseFile,
) -> Result<Replication<CurveSummary>> {
    replicate_with(seed, effect, years, |panel| {
        let s = crate::multiverse::run(panel, m, m.multiverse.year, m.multiverse.k)?.summary;
        if s.joint_test.is_none() {
            return Err(Error::Usage(format!(
                "{}: the curve's joint test needs every spec bootstrapped (a GMM model has no \
                 joint bootstrap)",
                m.origin.display()
            )));
        }
        Ok(s)
    })
}

/// Runs every replication of `design` on `jobs` worker threads, in the order of
/// [`Design::draws`]. A multiverse with `reps = 0` (no joint test) is refused before any
/// simulation.
pub fn run(
    design: &Design,
    m: &MultiverseFile,
    jobs: usize,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<Replication<CurveSummary>>> {
    if m.multiverse.reps == 0 {
        return Err(Error::Usage(format!(
            "{}: reps = 0 has no joint test; set reps (e.g. 199) in [multiverse] or pass --reps",
            m.origin.display()
        )));
    }
    run_with(design, jobs, progress, &|seed, effect| {
        replicate(seed, effect, design.years.clone(), m)
    })
}

/// The columns of [`to_csv`].
pub const CSV_COLUMNS: [&str; 13] = [
    "seed",
    "effect",
    "status",
    "reason",
    "n_specs",
    "median_effect",
    "share_negative",
    "share_significant",
    "share_significant_negative",
    "direction",
    "reps",
    "p_median",
    "p_share",
];

/// One row per replication: the curve's number of specs, median effect, shares negative and
/// significant at 5 % (each spec's own covariance), and the joint test's direction (sign of
/// the median), draws and p-values; a refused seed has `status` = `refused`, its reason and
/// empty curve columns. Numbers in the shortest form that reads back to the same double.
pub fn to_csv(reps: &[Replication<CurveSummary>]) -> Result<Vec<u8>> {
    write_csv(&CSV_COLUMNS, reps, |seed, effect, s: &CurveSummary| {
        let j = s.joint_test.as_ref();
        let opt = |f: fn(&panelkit::inference::multiple::CurveTest) -> String| {
            j.map(f).unwrap_or_default()
        };
        vec![vec![
            seed.to_string(),
            effect.to_string(),
            "ok".into(),
            String::new(),
            s.n_specs.to_string(),
            s.median_effect.to_string(),
            s.share_negative.to_string(),
            s.share_significant.to_string(),
            s.share_significant_negative.to_string(),
            opt(|j| j.direction.to_string()),
            opt(|j| j.reps.to_string()),
            opt(|j| j.p_median.to_string()),
            opt(|j| j.p_share.to_string()),
        ]]
    })
}

#[cfg(test)]
mod tests {
    use super::super::Outcome;
    use super::*;
    use panelkit::inference::multiple::CurveTest;

    #[test]
    fn one_row_per_replication_and_refused_rows_keep_their_reason() {
        let summary = CurveSummary {
            n_specs: 36,
            median_effect: -11.25,
            share_negative: 0.75,
            share_significant: 0.5,
            share_significant_negative: 0.5,
            min_effect: -20.0,
            max_effect: 3.0,
            joint_test: Some(CurveTest {
                reps: 199,
                direction: -1.0,
                median: -11.25,
                p_median: 0.005,
                share_significant: 0.5,
                p_share: 0.01,
                alpha: 0.05,
            }),
        };
        let reps = vec![
            Replication {
                seed: 3,
                effect: 0.0,
                outcome: Outcome::Refused("seed 3: cannot reach 550000000, try another".into()),
            },
            Replication {
                seed: 4,
                effect: -12.5,
                outcome: Outcome::Estimated(summary),
            },
        ];
        let text = String::from_utf8(to_csv(&reps).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], CSV_COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "3,0,refused,\"seed 3: cannot reach 550000000, try another\",,,,,,,,,"
        );
        assert_eq!(
            lines[2],
            "4,-12.5,ok,,36,-11.25,0.75,0.5,0.5,-1,199,0.005,0.01"
        );
    }
}

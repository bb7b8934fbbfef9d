//! Monte Carlo of a spec set on the calibrated SYNTHETIC panel, in process: for every true
//! effect and seed, [`simulate`] a panel and estimate the whole spec set on it with
//! [`run_spec_set`] — no files, no subprocesses. Seeds whose calibration targets cannot be
//! met are refused by the simulator and kept, with the reason, as refused replications.
//!
//! The replications have one order, whatever the number of worker threads: true effects in
//! the order given, seeds ascending within each ([`Design::draws`]). Each replication depends
//! only on its seed and effect, so the results are identical for any `jobs`.
//!
//! ```no_run
//! use iku::montecarlo::{self, Design};
//! use iku::spec::SpecFile;
//!
//! let spec = SpecFile::load(std::path::Path::new("specs/vive.toml"))?;
//! let design = Design::new(1..=20, vec![-12.5, 0.0]);
//! let reps = montecarlo::run(&design, &spec, 2, &|_| {})?;
//! std::fs::write("mc.csv", montecarlo::to_csv(&reps)?).unwrap();
//! # Ok::<(), iku::Error>(())
//! ```

use crate::simulate::{simulate, SimConfig};
use crate::spec::run::AnyRun;
use crate::spec::{run_spec_set, SpecEffect, SpecFile};
use crate::Panel;
use panelkit::error::{Error, Result};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

pub mod curve;

/// Which replications to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Seeds tried for every true effect (both ends included).
    pub seeds: RangeInclusive<u64>,
    /// True effects β (effects on spending, DKK per inhabitant per pp; negative = saving).
    pub effects: Vec<f64>,
    /// Years of every simulated panel.
    pub years: RangeInclusive<i64>,
}

impl Design {
    /// Seeds × effects on the default years of [`SimConfig`].
    pub fn new(seeds: RangeInclusive<u64>, effects: Vec<f64>) -> Design {
        Design {
            seeds,
            effects,
            years: SimConfig::default().years,
        }
    }

    /// Every (seed, true effect) in the one order: effects as given, seeds ascending.
    pub fn draws(&self) -> Vec<(u64, f64)> {
        self.effects
            .iter()
            .flat_map(|&e| self.seeds.clone().map(move |s| (s, e)))
            .collect()
    }
}

/// Seeds written `A..B` or `A..=B` (both ends included) or a single `A`.
pub fn parse_seeds(text: &str) -> Result<RangeInclusive<u64>> {
    let num = |s: &str| {
        s.trim().parse::<u64>().map_err(|_| {
            Error::Usage(format!(
                "--seeds '{text}': '{s}' is not a seed (expected A..B, e.g. 1..200)"
            ))
        })
    };
    let (a, b) = match text.split_once("..") {
        Some((a, b)) => (num(a)?, num(b.strip_prefix('=').unwrap_or(b))?),
        None => (num(text)?, num(text)?),
    };
    if a > b {
        return Err(Error::Usage(format!(
            "--seeds '{text}': the first seed is after the last"
        )));
    }
    Ok(a..=b)
}

/// One spec's effect in one replication, with the alternative inference of the true effect.
#[derive(Debug, Clone, PartialEq)]
pub struct McEffect {
    /// The spec's effect with its analytic inference.
    pub effect: SpecEffect,
    /// The effect's CRV3 (cluster jackknife) standard error and 95 % interval `(se, low,
    /// high)`, same small-sample preset and t df as the analytic row; `None` for GMM specs.
    pub crv3: Option<(f64, f64, f64)>,
    /// The wild cluster bootstrap's symmetric p-value of H0: effect = the true effect (the
    /// spec's own bootstrap settings, the null imposed at the true value when WCR), so the
    /// bootstrap interval by test inversion covers the truth exactly when it exceeds 0.05;
    /// `None` when the spec is not bootstrapped.
    pub boot_p_true: Option<f64>,
}

/// What became of one replication; `T` is what an estimated one yields (by default every
/// spec's effect, in spec-file order).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T = Vec<McEffect>> {
    /// What the replication estimated.
    Estimated(T),
    /// The simulator refused the seed (a calibration target cannot be met); the first line
    /// of its reason.
    Refused(String),
}

/// One replication: a seed and a true effect, and what came of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Replication<T = Vec<McEffect>> {
    pub seed: u64,
    /// The true effect β.
    pub effect: f64,
    pub outcome: Outcome<T>,
}

/// Simulates the panel of one seed and true effect and estimates the spec set on it. A seed
/// the simulator refuses is a [`Outcome::Refused`] replication; a bad request (years, a
/// non-finite effect) or a failing estimation is an error.
pub fn replicate(
    seed: u64,
    effect: f64,
    years: RangeInclusive<i64>,
    spec: &SpecFile,
) -> Result<Replication> {
    replicate_with(seed, effect, years, |panel| {
        let set = run_spec_set(panel, spec)?;
        set.runs
            .iter()
            .zip(set.effects())
            .map(|(run, e)| mc_effect(run, e, effect))
            .collect()
    })
}

/// Simulates the panel of one seed and true effect and applies `estimate` to it: the one
/// path of every Monte Carlo here. A refused seed is [`Outcome::Refused`] with the first line
/// of the reason; a bad request or a failing `estimate` is an error naming the seed.
pub fn replicate_with<T>(
    seed: u64,
    effect: f64,
    years: RangeInclusive<i64>,
    estimate: impl FnOnce(&Panel) -> Result<T>,
) -> Result<Replication<T>> {
    let cfg = SimConfig {
        seed,
        true_effect: effect,
        years,
        persistence: 0.0,
    };
    let ctx = |e: Error| Error::Data(format!("seed {seed}, true effect {effect}: {e}"));
    let outcome = match simulate(&cfg) {
        Ok(sim) => Outcome::Estimated(estimate(&sim.panel).map_err(ctx)?),
        Err(e @ Error::Usage(_)) => return Err(e),
        Err(e) => Outcome::Refused(e.to_string().lines().next().unwrap_or("").to_string()),
    };
    Ok(Replication {
        seed,
        effect,
        outcome,
    })
}

/// A spec's effect with its CRV3 interval and the bootstrap p-value at the true effect.
fn mc_effect(run: &AnyRun, effect: SpecEffect, truth: f64) -> Result<McEffect> {
    let AnyRun::Panel(r) = run else {
        return Ok(McEffect {
            effect,
            crv3: None,
            boot_p_true: None,
        });
    };
    let c = r.crv3_effect()?;
    Ok(McEffect {
        effect,
        crv3: Some((c.std_error, c.conf_low, c.conf_high)),
        boot_p_true: r.draws.as_ref().map(|d| d.p_values_at(truth)[0]),
    })
}

/// How far a run is, reported after every replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub refused: usize,
}

/// Runs every replication of `design` on `jobs` worker threads and returns them in the order
/// of [`Design::draws`]. `progress` is called after each replication (from the worker that
/// finished it). The first error (in that order) stops the run.
pub fn run(
    design: &Design,
    spec: &SpecFile,
    jobs: usize,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<Replication>> {
    run_with(design, jobs, progress, &|seed, effect| {
        replicate(seed, effect, design.years.clone(), spec)
    })
}

/// Runs `one(seed, effect)` for every draw of `design` on `jobs` worker threads and returns
/// the replications in the order of [`Design::draws`], whatever `jobs`; `progress` is called
/// after each. The first error (in that order) stops the run.
pub fn run_with<T: Send>(
    design: &Design,
    jobs: usize,
    progress: &(dyn Fn(Progress) + Sync),
    one: &(dyn Fn(u64, f64) -> Result<Replication<T>> + Sync),
) -> Result<Vec<Replication<T>>> {
    let draws = design.draws();
    let total = draws.len();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let slots: Mutex<Vec<Option<Result<Replication<T>>>>> =
        Mutex::new((0..total).map(|_| None).collect());
    let counts = Mutex::new(Progress {
        done: 0,
        total,
        refused: 0,
    });
    let worker = || {
        while !stop.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(seed, effect)) = draws.get(i) else {
                break;
            };
            let r = one(seed, effect);
            if r.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            {
                let mut c = counts.lock().unwrap_or_else(|p| p.into_inner());
                c.done += 1;
                if matches!(
                    &r,
                    Ok(Replication {
                        outcome: Outcome::Refused(_),
                        ..
                    })
                ) {
                    c.refused += 1;
                }
                progress(*c);
            }
            slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, total.max(1)) {
            scope.spawn(worker);
        }
    });
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut out = Vec::with_capacity(total);
    for slot in slots {
        match slot {
            Some(r) => out.push(r?),
            // Not run because an earlier replication failed; that error comes first.
            None => break,
        }
    }
    if out.len() < total {
        return Err(Error::Data(
            "the Monte Carlo stopped before every replication ran".into(),
        ));
    }
    Ok(out)
}

/// The columns of [`to_csv`].
pub const CSV_COLUMNS: [&str; 16] = [
    "seed",
    "effect",
    "status",
    "reason",
    "spec",
    "label",
    "estimate",
    "std_error",
    "df",
    "p_value",
    "conf_low",
    "conf_high",
    "crv3_std_error",
    "crv3_conf_low",
    "crv3_conf_high",
    "boot_p_true",
];

/// One row per replication and spec (`status` = `ok`), or one row per refused replication
/// (`status` = `refused`, the reason, empty spec columns); in the order of the replications
/// and, within one, of the spec file. Numbers are written in the shortest form that reads
/// back to the same double; a normal-quantile effect has an empty `df`, a spec without CRV3
/// (GMM) or without a bootstrap empty `crv3_*` or `boot_p_true`.
pub fn to_csv(reps: &[Replication]) -> Result<Vec<u8>> {
    write_csv(
        &CSV_COLUMNS,
        reps,
        |seed, effect, effects: &Vec<McEffect>| {
            effects
                .iter()
                .map(|m| {
                    let e = &m.effect;
                    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
                    vec![
                        seed.to_string(),
                        effect.to_string(),
                        "ok".into(),
                        String::new(),
                        e.name.clone(),
                        e.label.clone(),
                        e.estimate.to_string(),
                        e.std_error.to_string(),
                        e.df.map(|d| d.to_string()).unwrap_or_default(),
                        e.p_value.to_string(),
                        e.conf_low.to_string(),
                        e.conf_high.to_string(),
                        opt(m.crv3.map(|c| c.0)),
                        opt(m.crv3.map(|c| c.1)),
                        opt(m.crv3.map(|c| c.2)),
                        opt(m.boot_p_true),
                    ]
                })
                .collect()
        },
    )
}

/// The CSV of replications whose first four columns are `seed, effect, status, reason`: a
/// refused replication is one row (`refused`, its reason, the other columns empty), an
/// estimated one the rows `rows(seed, effect, estimate)` gives, in the order of `reps`.
pub fn write_csv<T>(
    columns: &[&str],
    reps: &[Replication<T>],
    rows: impl Fn(u64, f64, &T) -> Vec<Vec<String>>,
) -> Result<Vec<u8>> {
    let err =
        |e: &dyn std::fmt::Display| Error::Data(format!("cannot render the Monte Carlo CSV: {e}"));
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(columns).map_err(|e| err(&e))?;
    for r in reps {
        let rows = match &r.outcome {
            Outcome::Refused(why) => {
                let mut row = vec![
                    r.seed.to_string(),
                    r.effect.to_string(),
                    "refused".into(),
                    why.clone(),
                ];
                row.resize(columns.len(), String::new());
                vec![row]
            }
            Outcome::Estimated(t) => rows(r.seed, r.effect, t),
        };
        for row in rows {
            w.write_record(&row).map_err(|e| err(&e))?;
        }
    }
    w.into_inner().map_err(|e| err(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_as_inclusive_ranges() {
        assert_eq!(parse_seeds("1..200").unwrap(), 1..=200);
        assert_eq!(parse_seeds("3..=5").unwrap(), 3..=5);
        assert_eq!(parse_seeds("7").unwrap(), 7..=7);
        assert!(parse_seeds("5..3").is_err());
        assert!(parse_seeds("a..3")
            .unwrap_err()
            .to_string()
            .contains("not a seed"));
    }

    #[test]
    fn draws_run_effects_outer_and_seeds_inner() {
        let d = Design::new(1..=2, vec![-12.5, 0.0]);
        assert_eq!(d.draws(), vec![(1, -12.5), (2, -12.5), (1, 0.0), (2, 0.0)]);
    }

    #[test]
    fn refused_rows_keep_their_reason_and_leave_the_spec_columns_empty() {
        let reps = vec![
            Replication {
                seed: 31,
                effect: -12.5,
                outcome: Outcome::Refused("seed 31: cannot reach 550000000, try another".into()),
            },
            Replication {
                seed: 32,
                effect: -12.5,
                outcome: Outcome::Estimated(vec![McEffect {
                    effect: SpecEffect {
                        name: "a".into(),
                        label: "A".into(),
                        estimate: -12.056_123_456_789_01,
                        std_error: 0.1,
                        df: None,
                        p_value: 1e-7,
                        conf_low: -13.0,
                        conf_high: -11.0,
                    },
                    crv3: Some((0.25, -13.5, -10.5)),
                    boot_p_true: None,
                }]),
            },
        ];
        let text = String::from_utf8(to_csv(&reps).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], CSV_COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "31,-12.5,refused,\"seed 31: cannot reach 550000000, try another\",,,,,,,,,,,,"
        );
        assert_eq!(
            lines[2],
            "32,-12.5,ok,,a,A,-12.05612345678901,0.1,,0.0000001,-13,-11,0.25,-13.5,-10.5,"
        );
    }
}

//! The calibrated synthetic panel: byte-identical regeneration, every target met, and an
//! honest recovery of the known true effect by a first-difference regression done by hand.

use iku::canonical::{IKU, NETEXP, POPULATION, PRICE_INDEX};
use iku::simulate::{default_effect, is_synthetic, simulate, SimConfig, DEFAULT_SEED};
use iku::Panel;
use ndarray::{Array1, Array2};
use ndarray_linalg::Inverse;
use std::path::{Path, PathBuf};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn default_panel_regenerates_byte_identically_and_meets_every_target() {
    let sim = simulate(&SimConfig::default()).expect("default seed calibrates");
    let committed = std::fs::read(repo("data/synthetic/panel.csv")).unwrap();
    assert!(
        sim.csv == committed,
        "data/synthetic/panel.csv differs from a fresh `iku-data simulate` with the default seed; regenerate it and bump GENERATOR_VERSION"
    );
    let manifest_text = std::fs::read_to_string(repo("data/synthetic/manifest.toml")).unwrap();
    assert!(
        sim.manifest("panel.csv").unwrap() == manifest_text,
        "data/synthetic/manifest.toml is stale; regenerate it with `make synthetic`"
    );
    let manifest: toml::Table = manifest_text.parse().unwrap();
    assert_eq!(manifest["synthetic"].as_bool(), Some(true));
    assert_eq!(manifest["seed"].as_integer(), Some(DEFAULT_SEED as i64));
    assert_eq!(
        manifest["panel_sha256"].as_str(),
        Some(panelkit::io::sha256_hex(&committed).as_str())
    );
    assert_eq!(
        manifest["generator_version"].as_integer(),
        Some(iku::simulate::GENERATOR_VERSION as i64)
    );
    assert_eq!(
        manifest["true_effect"]["dkk_per_inhabitant_per_pp"].as_float(),
        Some(default_effect())
    );
    let targets = manifest["target"].as_array().unwrap();
    assert_eq!(targets.len(), sim.report.len());
    assert!(targets.iter().all(|t| t["met"].as_bool() == Some(true)));

    assert!(sim.all_met(), "{}", sim.report_table());
    let achieved = |name: &str| {
        sim.report
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.achieved)
            .unwrap()
    };
    assert!((achieved("national_iku_2020") - 21.5).abs() < 0.01);
    assert!((achieved("national_iku_change_2017_2018") + 1.7).abs() < 0.01);
    assert!((achieved("best_practice_2020") - 27.5).abs() < 0.01);
    assert!((achieved("extra_tendering_2020_dkk") / 2.7e9 - 1.0).abs() < 0.001);
    assert!((achieved("savings_own_gap_2020_dkk") / 550e6 - 1.0).abs() < 0.001);
    assert!(sim.panel.nrows() == 98 * 14 && sim.panel.summary().balanced);

    let again = simulate(&SimConfig::default()).unwrap();
    assert!(sim.csv == again.csv, "two runs with one seed differ");
    let other = simulate(&SimConfig {
        seed: DEFAULT_SEED + 1,
        ..SimConfig::default()
    });
    if let Ok(other) = other {
        assert!(other.csv != sim.csv, "another seed gave the same panel");
    }
}

#[test]
fn the_shipped_panel_is_labelled_synthetic_and_a_plain_copy_is_not() {
    assert!(is_synthetic(&repo("data/synthetic/panel.csv")));
    let dir = tempfile::tempdir().unwrap();
    // Without its manifest the `synthetic` column still marks it.
    let copy = dir.path().join("copy.csv");
    std::fs::copy(repo("data/synthetic/panel.csv"), &copy).unwrap();
    assert!(is_synthetic(&copy));
    // Strip the column: nothing says synthetic any more.
    let text = std::fs::read_to_string(&copy).unwrap();
    let stripped: String = text
        .lines()
        .map(|l| format!("{}\n", l.rsplit_once(',').unwrap().0))
        .collect();
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, stripped).unwrap();
    assert!(!is_synthetic(&plain));
    // A manifest naming another file does not count.
    std::fs::write(
        dir.path().join("manifest.toml"),
        "synthetic = true\npanel_file = \"other.csv\"\n",
    )
    .unwrap();
    assert!(!is_synthetic(&plain));
    std::fs::write(
        dir.path().join("manifest.toml"),
        "synthetic = true\npanel_file = \"plain.csv\"\n",
    )
    .unwrap();
    assert!(is_synthetic(&plain));
}

/// Pooled first-difference OLS of Δy_it on ΔIKU_{i,t−1} with a full set of year dummies,
/// y = netexp / population / (price_index/100). Returns the slope and its standard error
/// clustered by municipality (no small-sample factor).
fn fd_lag1(panel: &Panel) -> (f64, f64, usize) {
    let ne = panel.require_num(NETEXP).unwrap();
    let pop = panel.require_num(POPULATION).unwrap();
    let pi = panel.require_num(PRICE_INDEX).unwrap();
    let y: Vec<f64> = (0..panel.nrows())
        .map(|r| ne[r] / pop[r] / (pi[r] / 100.0))
        .collect();
    let dy = panel.diff(&y, 1);
    let dx = panel.lag(&panel.diff(panel.require_num(IKU).unwrap(), 1), 1);
    let rows: Vec<usize> = (0..panel.nrows())
        .filter(|&r| dy[r].is_finite() && dx[r].is_finite())
        .collect();
    let mut years: Vec<i64> = rows.iter().map(|&r| panel.times()[r]).collect();
    years.sort();
    years.dedup();
    let k = 1 + years.len();
    let n = rows.len();
    let mut x = Array2::<f64>::zeros((n, k));
    let mut yv = Array1::<f64>::zeros(n);
    for (j, &r) in rows.iter().enumerate() {
        x[[j, 0]] = dx[r];
        let t = years.binary_search(&panel.times()[r]).unwrap();
        x[[j, 1 + t]] = 1.0;
        yv[j] = dy[r];
    }
    let xtx_inv = x.t().dot(&x).inv().unwrap();
    let b = xtx_inv.dot(&x.t().dot(&yv));
    let u = &yv - &x.dot(&b);
    let mut meat = Array2::<f64>::zeros((k, k));
    let units = panel.unit_ids();
    let mut start = 0;
    while start < n {
        let g = units[rows[start]];
        let mut end = start;
        let mut s = Array1::<f64>::zeros(k);
        while end < n && units[rows[end]] == g {
            s = s + &x.row(end) * u[end];
            end += 1;
        }
        for a in 0..k {
            for c in 0..k {
                meat[[a, c]] += s[a] * s[c];
            }
        }
        start = end;
    }
    let v = xtx_inv.dot(&meat).dot(&xtx_inv);
    (b[0], v[[0, 0]].sqrt(), n)
}

#[test]
fn first_differences_recover_the_true_effect_on_the_default_panel() {
    let panel = iku::canonical::load(&repo("data/synthetic/panel.csv")).unwrap();
    let (b, se, n) = fd_lag1(&panel);
    let truth = default_effect();
    eprintln!("default panel: FD estimate {b:.3} (cluster se {se:.3}, n = {n}), truth {truth}");
    assert_eq!(n, 98 * 12);
    assert!(se > 0.5 && se < 6.0, "implausible precision: se {se}");
    assert!(
        (b - truth).abs() < 3.0 * se,
        "estimate {b} is more than 3 se from the truth {truth}"
    );
}

#[test]
fn a_changed_true_effect_moves_the_estimate_by_the_same_amount() {
    // The draws never depend on β, so with one seed the noise is shared and the estimate
    // must move one-for-one with the true effect.
    let mut est = Vec::new();
    for effect in [-40.0, 0.0, 15.0] {
        let sim = simulate(&SimConfig {
            true_effect: effect,
            ..SimConfig::default()
        })
        .unwrap();
        assert!(sim.all_met());
        assert_eq!(sim.truth.effect, effect);
        let (b, se, _) = fd_lag1(&sim.panel);
        eprintln!("true effect {effect}: FD estimate {b:.3} (se {se:.3})");
        assert!((b - effect).abs() < 3.0 * se, "{b} vs {effect}");
        est.push((effect, b));
    }
    for w in est.windows(2) {
        let moved = w[1].1 - w[0].1;
        let truth = w[1].0 - w[0].0;
        assert!(
            (moved - truth).abs() < 0.05 * truth.abs(),
            "estimate moved {moved} for a change of {truth} in the true effect"
        );
    }
}

#[test]
fn first_differences_are_unbiased_across_seeds() {
    let effect = -25.0;
    let mut bs = Vec::new();
    let mut failed = 0;
    for seed in 1..=24u64 {
        match simulate(&SimConfig {
            seed,
            true_effect: effect,
            ..SimConfig::default()
        }) {
            Ok(sim) => bs.push(fd_lag1(&sim.panel).0),
            Err(_) => failed += 1,
        }
    }
    assert!(failed <= 2, "{failed} of 24 seeds failed to calibrate");
    let m = bs.len() as f64;
    let mean = bs.iter().sum::<f64>() / m;
    let sd = (bs.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (m - 1.0)).sqrt();
    eprintln!(
        "{} seeds: mean FD estimate {mean:.3}, sd {sd:.3}, truth {effect}",
        bs.len()
    );
    assert!(
        (mean - effect).abs() < 3.0 * sd / m.sqrt(),
        "mean estimate {mean} differs from {effect} by more than 3 Monte-Carlo se ({})",
        sd / m.sqrt()
    );
}

#[test]
fn years_outside_the_supported_range_are_refused() {
    let e = simulate(&SimConfig {
        years: 2005..=2020,
        ..SimConfig::default()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("within 2007–2022"), "{e}");
    let e = simulate(&SimConfig {
        years: 2007..=2019,
        ..SimConfig::default()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("cover 2017–2020"), "{e}");
}

#[test]
fn a_longer_panel_still_meets_the_targets() {
    let sim = simulate(&SimConfig {
        years: 2007..=2022,
        ..SimConfig::default()
    })
    .unwrap();
    assert_eq!(sim.panel.distinct_times().len(), 16);
    assert!(sim.all_met(), "{}", sim.report_table());
}

#[test]
fn the_command_refuses_and_writes_nothing_when_the_panel_cannot_be_made() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.csv");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_iku-data"))
        .args(["simulate", "--effect", "-1000000", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!status.status.success());
    let err = String::from_utf8_lossy(&status.stderr);
    assert!(err.contains("choose a smaller true effect"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let status = std::process::Command::new(env!("CARGO_BIN_EXE_iku-data"))
        .args(["simulate", "--seed", "7", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{:?}", status);
    assert!(out.exists() && dir.path().join("p.manifest.toml").exists());
    assert!(is_synthetic(&out));
}

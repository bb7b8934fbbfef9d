//! The whole pipeline on the shipped SYNTHETIC panel: outputs, truth recovery, DI's arithmetic
//! recomputed independently, determinism, and all-or-nothing failures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const PANEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/synthetic/panel.csv");
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/vive.toml");
/// A small multiverse on vive.toml (the shipped one is slow in a debug build).
const SMALL_MULTIVERSE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/multiverse_small.toml"
);

/// Runs the pipeline; without the multiverse unless `extra` names one (it is slow in a debug
/// build, and tests/multiverse.rs covers it).
fn reproduce(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_iku-reproduce"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--data", PANEL, "--spec", SPEC, "--out-dir"])
        .arg(out)
        .args(extra);
    if !extra.contains(&"--multiverse") {
        c.args(["--multiverse", "none"]);
    }
    c.output().unwrap()
}

fn all_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
    out
}

#[test]
fn reproduce_writes_every_output_and_recovers_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let r = reproduce(&out, &["--multiverse", SMALL_MULTIVERSE]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    for f in [
        "REPORT.md",
        "estimates.csv",
        "estimates.json",
        "estimates.md",
        "estimates.tex",
        "projection.json",
        "projection.csv",
        "projection.md",
        "estimates_long.csv",
        "multiverse.csv",
        "multiverse.json",
        "multiverse.md",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    for stem in [
        "fig7_spec_curve",
        "fig8_savings_multiverse",
        "fig1_iku_by_municipality",
        "fig2_national_iku",
        "fig3_tendered_bn_dkk",
        "fig4_effects",
        "fig5_savings_by_municipality",
        "fig6_spec_effects",
    ] {
        let png = std::fs::read(out.join("figures").join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png");
        let svg = std::fs::read_to_string(out.join("figures").join(format!("{stem}.svg"))).unwrap();
        assert!(svg.contains("SYNTHETIC DATA"), "{stem}.svg title");
    }
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    assert!(report.starts_with("# REPORT — SYNTHETIC DATA"));
    assert!(report.contains("## Multiverse") && report.contains("Joint test under the null"));
    assert!(report.contains("![Specification curve](figures/fig7_spec_curve.png)"));
    assert!(report.contains("It lies **inside** the best estimate's 95 % confidence interval"));

    // The truth (from the manifest) lies inside the best estimate's CI.
    let est: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("estimates.json")).unwrap()).unwrap();
    let b = &est["best_estimate"];
    let (lo, hi) = (
        b["conf_low"].as_f64().unwrap(),
        b["conf_high"].as_f64().unwrap(),
    );
    assert!(lo < -12.5 && -12.5 < hi, "CI [{lo}, {hi}]");
    assert_eq!(est["synthetic"], true);
    assert_eq!(b["spec"], "fd_year");

    // DI's arithmetic recomputed from the panel file, independently of the library.
    let text = std::fs::read_to_string(PANEL).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (cy, ciku, cten, cted, cpop) = (
        col("year"),
        col("iku_hk6_pct"),
        col("tenderable_hk6_dkk"),
        col("tendered_hk6_dkk"),
        col("population"),
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            l.split(',')
                .map(|c| c.parse::<f64>().unwrap_or(f64::NAN))
                .collect()
        })
        .filter(|r: &Vec<f64>| r[cy] == 2020.0)
        .collect();
    assert_eq!(rows.len(), 98);
    let national = 100.0 * rows.iter().map(|r| r[cted]).sum::<f64>()
        / rows.iter().map(|r| r[cten]).sum::<f64>();
    let mut ikus: Vec<f64> = rows.iter().map(|r| r[ciku]).collect();
    ikus.sort_by(|a, b| b.total_cmp(a));
    let best = ikus[..10].iter().sum::<f64>() / 10.0;
    let pop: f64 = rows.iter().map(|r| r[cpop]).sum();
    let expected_national = 12.5 * (best - national) * pop;
    let expected_abs: f64 = rows
        .iter()
        .map(|r| 12.5 * (best - r[ciku]).max(0.0) * r[cpop])
        .sum();
    let proj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("projection.json")).unwrap()).unwrap();
    let saving = |approach: &str, source: &str| {
        proj["savings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["approach"] == approach && s["effect_source"] == source)
            .unwrap()["total_dkk"]
            .as_f64()
            .unwrap()
    };
    assert!((saving("national", "published") - expected_national).abs() < 0.5);
    assert!((saving("municipal-absolute", "published") - expected_abs).abs() < 0.5);
    assert!((proj["national_iku"].as_f64().unwrap() - national).abs() < 1e-9);
    assert!((proj["best_practice_iku"].as_f64().unwrap() - best).abs() < 1e-9);
    assert_eq!(proj["best_practice_units"].as_array().unwrap().len(), 10);
    assert_eq!(proj["municipalities"].as_array().unwrap().len(), 98);

    // Same inputs → byte-identical outputs.
    let out2 = dir.path().join("again");
    let r = reproduce(&out2, &["--multiverse", SMALL_MULTIVERSE]);
    assert!(r.status.success());
    let a = all_files(&out);
    let b = all_files(&out2);
    assert_eq!(a.len(), b.len());
    for ((pa, ba), (_, bb)) in a.iter().zip(&b) {
        let text_a = String::from_utf8_lossy(ba).replace(out.to_str().unwrap(), "OUT");
        let text_b = String::from_utf8_lossy(bb).replace(out2.to_str().unwrap(), "OUT");
        assert!(text_a == text_b, "{} differs between runs", pa.display());
    }
}

fn fails_writing_nothing(args: &[&str], spec_text: Option<&str>, expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let spec = dir.path().join("spec.toml");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iku-reproduce"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--data", PANEL, "--out-dir"])
        .arg(&out);
    if let Some(t) = spec_text {
        std::fs::write(&spec, t).unwrap();
        cmd.arg("--spec").arg(&spec);
    } else {
        cmd.args(["--spec", SPEC]);
    }
    if !args.contains(&"--multiverse") {
        cmd.args(["--multiverse", "none"]);
    }
    let r = cmd.args(args).output().unwrap();
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains(expect), "expected '{expect}' in: {err}");
    assert!(!out.exists(), "nothing may be written on failure");
}

#[test]
fn spec_with_an_unknown_key_fails_and_writes_nothing() {
    let text = std::fs::read_to_string(SPEC).unwrap().replace(
        "best_estimate = \"fd_year\"",
        "best_estimate = \"fd_year\"\nbest_estimat = 1",
    );
    fails_writing_nothing(&[], Some(&text), "unknown field `best_estimat`");
}

#[test]
fn spec_naming_a_missing_column_fails_and_writes_nothing() {
    let text = std::fs::read_to_string(SPEC)
        .unwrap()
        .replace("of = \"iku_hk6_pct\"", "of = \"iku_hk9_pct\"");
    fails_writing_nothing(&[], Some(&text), "'iku_hk9_pct'");
}

#[test]
fn spec_formula_naming_a_missing_variable_fails() {
    let text = std::fs::read_to_string(SPEC).unwrap().replace(
        "formula = \"spend_pc ~ l(iku, 1)\"\nmodel = \"twoways\"",
        "formula = \"spend_pc ~ l(ikuu, 1)\"\nmodel = \"twoways\"",
    );
    fails_writing_nothing(&[], Some(&text), "ikuu");
}

#[test]
fn panel_without_the_year_fails_and_writes_nothing() {
    fails_writing_nothing(&["--year", "2031"], None, "no rows for year 2031");
}

#[test]
fn a_bad_multiverse_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("m.toml");
    let text = std::fs::read_to_string(SMALL_MULTIVERSE)
        .unwrap()
        .replace("../../specs/vive.toml", SPEC)
        .replace("model = \"twfe\" }", "model = \"tfwe\" }");
    std::fs::write(&bad, text).unwrap();
    fails_writing_nothing(
        &["--multiverse", bad.to_str().unwrap()],
        None,
        "model has no option 'tfwe'",
    );
}

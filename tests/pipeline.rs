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
    honest_labels(&out, &report);

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

/// On synthetic data: calibrated comparisons say so, HK's figure and the 2017→2018 fall are
/// compared, the readings' prose carries the computed gaps, every per-municipality row and
/// every figure's plotting area carry SYNTHETIC.
fn honest_labels(out: &Path, report: &str) {
    let proj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("projection.json")).unwrap()).unwrap();
    let rows = |label: &str| {
        report
            .lines()
            .filter(|l| l.starts_with(&format!("| {label}")))
            .collect::<Vec<_>>()
    };
    for label in [
        "national IKU on main account 6 |",
        "change in national IKU, 2017→2018",
        "best practice (mean of top 10)",
        "extra tendering at best practice",
        "total saving at best practice (municipal-absolute",
    ] {
        let r = rows(label);
        assert_eq!(r.len(), 1, "{label}");
        assert!(r[0].contains("calibrated (by construction)"), "{}", r[0]);
    }
    assert!(rows("total saving, HK's figure")[0].contains("700.0 mio. DKK"));
    let prose = report
        .split("## Reading DI's 550 mio. (for a policy reader)")
        .nth(1)
        .unwrap();
    let gap = proj["mean_gap_pp_population_weighted"].as_f64().unwrap();
    let national_gap = proj["national_gap_pp"].as_f64().unwrap();
    assert!(prose.contains(&format!("on average {gap:.2} pp across inhabitants")));
    assert!(prose.contains(&format!("national IKU, {national_gap:.2} pp")));
    assert!(prose.contains("the municipal-absolute reading (550.0 mio. DKK"));
    assert!(prose.contains("by construction"));
    // Per-municipality rows.
    let md = std::fs::read_to_string(out.join("projection.md")).unwrap();
    let table = md.split("## Municipalities").nth(1).unwrap();
    let body: Vec<&str> = table.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(body.len(), 99, "header and 98 rows");
    assert!(body
        .iter()
        .all(|l| l.ends_with("| SYNTHETIC |") || l.ends_with("| data |")));
    let influential = report
        .split("omission moves the estimate")
        .nth(1)
        .unwrap()
        .split("## Projection")
        .next()
        .unwrap();
    let rows: Vec<&str> = influential
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| municipality"))
        .collect();
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter().all(|l| l.ends_with("| SYNTHETIC |")),
        "{rows:?}"
    );
    // The stamp inside the plotting area, besides the title.
    for stem in [
        "fig1_iku_by_municipality",
        "fig4_effects",
        "fig6_spec_effects",
    ] {
        let svg = std::fs::read_to_string(out.join("figures").join(format!("{stem}.svg"))).unwrap();
        assert!(svg.matches("SYNTHETIC DATA").count() >= 2, "{stem}.svg");
    }
    let fig6 = std::fs::read_to_string(out.join("figures/fig6_spec_effects.svg")).unwrap();
    assert!(fig6.contains("best estimate (fd_year)") && fig6.contains("cumulative"));
}

/// The shipped panel as a real IKU-only source gives it: tendered and tenderable amounts
/// `NA` (noegletal.dk publishes the percentage only), no `synthetic` column, no manifest.
fn iku_only_panel(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(PANEL).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (ten, ted, syn) = (
        col("tenderable_hk6_dkk"),
        col("tendered_hk6_dkk"),
        col("synthetic"),
    );
    let keep = |cells: Vec<&str>| -> String {
        cells
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i != syn)
            .map(|(_, c)| c)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = keep(header.clone()) + "\n";
    for l in lines {
        let mut cells: Vec<&str> = l.split(',').collect();
        cells[ten] = "NA";
        cells[ted] = "NA";
        out += &(keep(cells) + "\n");
    }
    let path = dir.join("panel.csv");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn iku_only_panel_runs_and_every_output_flags_the_approximation() {
    let dir = tempfile::tempdir().unwrap();
    let panel = iku_only_panel(dir.path());
    let out = dir.path().join("reports");
    let r = Command::new(env!("CARGO_BIN_EXE_iku-reproduce"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data")
        .arg(&panel)
        .args(["--spec", SPEC, "--out-dir"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    let note = "approximated by net operating expenditure on main account 6";

    let report = read("REPORT.md");
    assert!(report.starts_with("# REPORT: competition"), "not SYNTHETIC");
    assert!(!report.contains("SYNTHETIC"));
    let banner = report.split("## What ran").next().unwrap();
    assert!(
        banner.contains(note),
        "the approximation is flagged at the top"
    );
    assert!(read("projection.md").contains(note));
    let proj: serde_json::Value = serde_json::from_str(&read("projection.json")).unwrap();
    assert_eq!(proj["synthetic"], false);
    assert_eq!(
        proj["tenderable_approximated"].as_array().unwrap().len(),
        98
    );
    let csv = read("projection.csv");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let flag = header
        .iter()
        .position(|h| *h == "tenderable_approximated")
        .unwrap();
    assert_eq!(csv.lines().count(), 99);
    assert!(csv
        .lines()
        .skip(1)
        .all(|l| l.split(',').nth(flag) == Some("true")));
    // National IKU = Σ IKU × spending / Σ spending in 2020, the approximation's definition.
    let text = std::fs::read_to_string(&panel).unwrap();
    let (mut num, mut den) = (0.0, 0.0);
    for l in text.lines().skip(1) {
        let c: Vec<&str> = l.split(',').collect();
        if c[1] == "2020" {
            let (iku, netexp): (f64, f64) = (c[4].parse().unwrap(), c[7].parse().unwrap());
            num += iku / 100.0 * netexp;
            den += netexp;
        }
    }
    assert!((proj["national_iku"].as_f64().unwrap() - 100.0 * num / den).abs() < 1e-9);

    for f in [
        "estimates.csv",
        "estimates.json",
        "estimates.md",
        "estimates.tex",
    ] {
        let body = read(f);
        assert!(!body.is_empty() && !body.contains("SYNTHETIC"), "{f}");
    }
    // Every figure exists; the three that rest on the amounts say so on the figure.
    for (stem, flagged) in [
        ("fig1_iku_by_municipality", true),
        ("fig2_national_iku", true),
        ("fig3_tendered_bn_dkk", true),
        ("fig4_effects", false),
        ("fig5_savings_by_municipality", false),
        ("fig6_spec_effects", false),
    ] {
        let png = std::fs::read(out.join("figures").join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png");
        let svg = read(&format!("figures/{stem}.svg"));
        assert!(!svg.contains("SYNTHETIC"), "{stem}.svg");
        assert_eq!(svg.contains("APPROXIMATED"), flagged, "{stem}.svg");
    }
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

//! Malformed panel files through the binaries: a clear error naming the file and line, a
//! non-zero exit, and nothing written.

use std::path::Path;
use std::process::Command;

const PANEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/synthetic/panel.csv");

/// The shipped panel's header and first `n` data lines.
fn head(n: usize) -> Vec<String> {
    std::fs::read_to_string(PANEL)
        .unwrap()
        .lines()
        .take(n + 1)
        .map(str::to_string)
        .collect()
}

fn check(name: &str, lines: &[String], expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join(format!("{name}.csv"));
    let mut text = lines.join("\n");
    if !lines.is_empty() {
        text.push('\n');
    }
    std::fs::write(&bad, text).unwrap();
    let r = Command::new(env!("CARGO_BIN_EXE_iku-data"))
        .arg("validate")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!r.status.success(), "{name}: validate must fail");
    let err = String::from_utf8_lossy(&r.stderr);
    for e in expect {
        assert!(err.contains(e), "{name}: expected '{e}' in: {err}");
    }
    assert!(
        err.contains(&bad.display().to_string()),
        "{name}: file not named: {err}"
    );
    // The whole pipeline refuses the file before writing anything.
    let out = dir.path().join("reports");
    let r = Command::new(env!("CARGO_BIN_EXE_iku-reproduce"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data")
        .arg(&bad)
        .arg("--out-dir")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!r.status.success(), "{name}: reproduce must fail");
    assert!(!out.exists(), "{name}: nothing may be written");
    // `iku-estimate --spec` likewise.
    let r = Command::new(env!("CARGO_BIN_EXE_iku-estimate"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--spec", "specs/vive.toml", "--data"])
        .arg(&bad)
        .arg("--out-dir")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!r.status.success(), "{name}: estimate must fail");
    assert!(!out.exists(), "{name}: nothing may be written");
}

#[test]
fn duplicate_key() {
    let mut l = head(3);
    l.push(l[2].clone());
    check(
        "duplicate",
        &l,
        &[
            ":5:",
            "duplicate key code=101 year=2008: already given on line 3",
        ],
    );
}

#[test]
fn text_in_a_numeric_column() {
    let mut l = head(3);
    l[2] = l[2].replacen(",509861,", ",lots,", 1);
    check(
        "text",
        &l,
        &[":3:", "column 'population'", "expected a number", "'lots'"],
    );
}

#[test]
fn unknown_municipality_code() {
    let mut l = head(3);
    l[3] = l[3].replacen("101,", "999,", 1);
    check("unknown", &l, &[":4:", "unknown municipality code '999'"]);
}

#[test]
fn empty_file() {
    check("empty", &[], &[":1:", "empty file"]);
}

#[test]
fn truncated_row() {
    let mut l = head(3);
    let cut: Vec<&str> = l[3].split(',').take(5).collect();
    l[3] = cut.join(",");
    check("truncated", &l, &[":4:", "row has 5 fields, expected 10"]);
}

#[test]
fn header_only() {
    check("header", &head(0), &[":2:", "no data rows"]);
}

#[test]
fn missing_file_is_named() {
    let r = Command::new(env!("CARGO_BIN_EXE_iku-data"))
        .args(["validate", "/nonexistent/panel.csv"])
        .output()
        .unwrap();
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("/nonexistent/panel.csv"));
    assert!(!Path::new("/nonexistent").exists());
}

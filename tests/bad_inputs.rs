//! The bad-input catalogue: every case exits non-zero with a message that names the file, line
//! or argument at fault, never panics, and writes nothing. Grouped by category; each defect
//! found in an audit has a regression test named after it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PANEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/synthetic/panel.csv");
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/vive.toml");

fn bin(name: &str) -> Command {
    let exe = match name {
        "iku-data" => env!("CARGO_BIN_EXE_iku-data"),
        "iku-estimate" => env!("CARGO_BIN_EXE_iku-estimate"),
        "iku-project" => env!("CARGO_BIN_EXE_iku-project"),
        _ => env!("CARGO_BIN_EXE_iku-reproduce"),
    };
    let mut c = Command::new(exe);
    c.current_dir(ROOT);
    if name == "iku-reproduce" {
        // The multiverse has its own tests (tests/multiverse.rs); these are about the rest.
        c.args(["--multiverse", "none"]);
    }
    c
}

/// Asserts a clean refusal: non-zero exit, no panic, every `expect` fragment in stderr.
fn refused(case: &str, out: &Output, expect: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{case}: must fail; stderr: {err}");
    assert_ne!(out.status.code(), Some(101), "{case}: panicked: {err}");
    assert!(!err.contains("panicked"), "{case}: panicked: {err}");
    for e in expect {
        assert!(err.contains(e), "{case}: expected '{e}' in: {err}");
    }
}

/// Every file under `dir` (none when it does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The shipped panel with `edit` applied to its lines (header is line 0).
fn edited_panel(dir: &Path, name: &str, edit: impl Fn(&mut Vec<String>)) -> PathBuf {
    let mut lines: Vec<String> = std::fs::read_to_string(PANEL)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    edit(&mut lines);
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

/// Runs the pipeline on `data` with `spec` into a fresh folder and checks a clean refusal
/// that writes nothing.
fn reproduce_refuses(case: &str, data: &Path, spec: &Path, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let r = bin("iku-reproduce")
        .arg("--data")
        .arg(data)
        .arg("--spec")
        .arg(spec)
        .arg("--out-dir")
        .arg(&out)
        .output()
        .unwrap();
    refused(case, &r, expect);
    assert!(files_under(dir.path()).is_empty(), "{case}: wrote files");
}

// ---------------------------------------------------------------- malformed panels

#[test]
fn non_integer_year_is_refused_not_ranked() {
    let dir = tempfile::tempdir().unwrap();
    let p = edited_panel(dir.path(), "half_year.csv", |l| {
        l[5] = l[5].replacen(",2011,", ",2010.5,", 1);
    });
    let r = bin("iku-data").arg("validate").arg(&p).output().unwrap();
    refused(
        "2010.5",
        &r,
        &["half_year.csv:6", "2010.5", "integer period"],
    );
    reproduce_refuses("2010.5 pipeline", &p, Path::new(SPEC), &["2010.5"]);
}

// ---------------------------------------------------------------- spec files

/// The shipped spec with one more derived variable, refused by the pipeline with `expect`.
fn extra_variable_refused(file: &str, variable: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(SPEC)
        .unwrap()
        .replace("[variables]\n", &format!("[variables]\n{variable}\n"));
    let spec = dir.path().join(file);
    std::fs::write(&spec, text).unwrap();
    let mut all = vec![file];
    all.extend_from_slice(expect);
    reproduce_refuses(file, Path::new(PANEL), &spec, &all);
}

#[test]
fn derived_variable_may_not_overwrite_a_panel_column() {
    extra_variable_refused(
        "overwrite.toml",
        "population = { op = \"copy\", of = \"iku_hk6_pct\" }",
        &["would overwrite", "population"],
    );
}

#[test]
fn deriving_from_a_text_column_says_it_is_text() {
    extra_variable_refused(
        "text.toml",
        "name_copy = { op = \"copy\", of = \"name\" }",
        &["holds text"],
    );
}

// ---------------------------------------------------------------- network / build arguments

#[test]
fn absurd_year_ranges_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let r = bin("iku-data")
        .args([
            "fetch",
            "--base-statbank",
            "http://127.0.0.1:9",
            "--to",
            "100000000",
            "--out",
        ])
        .arg(&raw)
        .output()
        .unwrap();
    refused("fetch --to 1e8", &r, &["--to 100000000", "expected a year"]);
    let r = bin("iku-data")
        .args([
            "build",
            "--raw",
            "tests/fixtures/official",
            "--from",
            "1",
            "--to",
            "10000000",
            "--out",
        ])
        .arg(dir.path().join("p.csv"))
        .output()
        .unwrap();
    refused("build --from 1", &r, &["--from 1", "expected a year"]);
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn repeated_noegletal_name_and_empty_id_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let base = [
        "fetch",
        "--base-statbank",
        "http://127.0.0.1:9",
        "--base-noegletal",
        "http://127.0.0.1:9",
    ];
    let r = bin("iku-data")
        .args(base)
        .args(["--noegletal", "a=1", "--noegletal", "a=2", "--out"])
        .arg(&raw)
        .output()
        .unwrap();
    refused("repeated name", &r, &["'a' twice"]);
    let r = bin("iku-data")
        .args(base)
        .args(["--noegletal", "a=", "--out"])
        .arg(&raw)
        .output()
        .unwrap();
    refused("empty id", &r, &["id is empty"]);
    assert!(files_under(dir.path()).is_empty());
}

// ---------------------------------------------------------------- output safety

#[test]
fn closed_stdout_and_stderr_pipes_do_not_panic() {
    let grunfeld = format!("{ROOT}/tests/reference/data/grunfeld.csv");
    let mut child = bin("iku-estimate")
        .args([
            "--data",
            &grunfeld,
            "--unit",
            "firm",
            "--time",
            "year",
            "--formula",
            "inv ~ value + capital",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "closed stdout: {err}");
    assert!(!err.contains("panicked"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("reports");
    let mut child = bin("iku-reproduce")
        .arg("--out-dir")
        .arg(&out_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "closed stderr: {status}");
    assert!(
        out_dir.join("REPORT.md").is_file(),
        "the run must still finish"
    );
}

#[test]
fn out_writes_through_symlinks_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let grunfeld = format!("{ROOT}/tests/reference/data/grunfeld.csv");
    let args = [
        "--data",
        &grunfeld,
        "--unit",
        "firm",
        "--time",
        "year",
        "--formula",
        "inv ~ value",
        "--format",
        "json",
        "--out",
    ];
    let r = bin("iku-estimate").args(args).arg(&link).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "link replaced"
    );
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .contains("\"coefficients\""));
    let r = bin("iku-estimate")
        .args(args)
        .arg("/dev/null")
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(!meta.is_file(), "/dev/null became a regular file");
}

#[test]
fn a_second_run_into_a_locked_folder_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("REPORT.md"), "old").unwrap();
    let lock = std::fs::File::create(dir.path().join(".reports.lock")).unwrap();
    lock.lock().unwrap();
    let r = bin("iku-reproduce")
        .arg("--out-dir")
        .arg(&out)
        .output()
        .unwrap();
    refused("locked", &r, &["another run"]);
    assert_eq!(files_under(&out), vec![out.join("REPORT.md")]);
    assert_eq!(
        std::fs::read_to_string(out.join("REPORT.md")).unwrap(),
        "old"
    );
}

// ---------------------------------------------------------------- formulas and arguments

/// `iku-estimate` on the Grunfeld panel with `args` after the data options.
fn estimate(args: &[&str]) -> Output {
    let grunfeld = format!("{ROOT}/tests/reference/data/grunfeld.csv");
    bin("iku-estimate")
        .args(["--data", &grunfeld, "--unit", "firm", "--time", "year"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_huge_lag_range_is_refused_at_its_position() {
    let r = estimate(&["--formula", "inv ~ l(value, 0:100000000)"]);
    refused("l(x, 0:1e8)", &r, &["at most 100 terms", "^"]);
}

#[test]
fn semicolon_separated_files_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let p = edited_panel(dir.path(), "semi.csv", |l| {
        for line in l.iter_mut() {
            *line = line.replace(',', ";");
        }
    });
    let r = bin("iku-data").arg("validate").arg(&p).output().unwrap();
    refused(
        "semicolons",
        &r,
        &["semi.csv:1", "separated by ';'", "comma-separated"],
    );
}

#[test]
fn a_seed_beyond_the_manifest_range_is_refused_as_an_argument() {
    let dir = tempfile::tempdir().unwrap();
    let r = bin("iku-data")
        .args(["simulate", "--seed", "18446744073709551615", "--out"])
        .arg(dir.path().join("s.csv"))
        .output()
        .unwrap();
    refused("u64::MAX seed", &r, &["--seed", "18446744073709551615"]);
    assert!(files_under(dir.path()).is_empty());
}

// ---------------------------------------------------------------- numerical stress

#[test]
fn an_all_zero_response_reports_nan_statistics_instead_of_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let z = dir.path().join("z.csv");
    std::fs::write(
        &z,
        "u,t,y,x\n1,1,0,1\n1,2,0,2\n2,1,0,3\n2,2,0,1\n3,1,0,2\n3,2,0,5\n",
    )
    .unwrap();
    let pooled = |extra: &str| {
        bin("iku-estimate")
            .arg("--data")
            .arg(&z)
            .args(["--unit", "u", "--time", "t", "--formula", "y ~ x"])
            .args(["--model", "pooled", extra])
            .output()
            .unwrap()
    };
    let r = pooled("--format=json");
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(r.status.success(), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    // 0/0: statistic and p-value are not numbers (JSON null), the estimate is exactly 0.
    assert_eq!(doc["coefficients"][1]["estimate"], 0.0);
    assert!(doc["coefficients"][1]["p_value"].is_null(), "{doc}");
    // Never a bare NaN: the reason stands beside it.
    assert!(doc["coefficients"][1]["nan_reason"]
        .as_str()
        .is_some_and(|r| r.contains("0/0")));
    assert!(doc["r2_nan_reason"].is_string(), "{doc}");
    // Random effects (and so --tests, which fits them) cannot form θ: a clear refusal.
    let r = pooled("--tests");
    refused(
        "all-zero --tests",
        &r,
        &["random effects", "θ", "undefined"],
    );
}

#[test]
fn lags_beyond_t_minus_one_are_refused_not_looped_over() {
    let r = estimate(&[
        "--formula",
        "inv ~ value",
        "--vcov",
        "newey-west",
        "--lags",
        "18446744073709551615",
    ]);
    refused("--lags u64::MAX", &r, &["at most T − 1 = 19"]);
}

#[test]
fn negative_weights_are_refused_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(format!("{ROOT}/tests/reference/data/grunfeld.csv")).unwrap();
    let mut lines: Vec<String> = src.lines().map(str::to_string).collect();
    lines[0].push_str(",wneg");
    for (i, l) in lines.iter_mut().enumerate().skip(1) {
        l.push_str(if i == 7 { ",-1" } else { ",1" });
    }
    let p = dir.path().join("w.csv");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let r = bin("iku-estimate")
        .arg("--data")
        .arg(&p)
        .args([
            "--unit",
            "firm",
            "--time",
            "year",
            "--formula",
            "inv ~ value",
            "--weights",
            "wneg",
        ])
        .output()
        .unwrap();
    refused(
        "negative weight",
        &r,
        &["must not be negative", "firm=1 year=1941"],
    );
}

#[test]
fn an_infinite_effect_estimate_is_refused_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let r = bin("iku-project")
        .args(["--data", PANEL, "--effect-estimate", "inf", "--out-dir"])
        .arg(dir.path().join("p"))
        .output()
        .unwrap();
    refused(
        "--effect-estimate inf",
        &r,
        &["must be a finite number, got inf"],
    );
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(!err.contains("-inf"), "{err}");
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn overflowing_amounts_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = edited_panel(dir.path(), "huge.csv", |l| {
        let i = l.iter().position(|x| x.starts_with("101,2020,")).unwrap();
        let mut f: Vec<String> = l[i].split(',').map(str::to_string).collect();
        f[5] = "1e308".into();
        f[6] = "1e308".into();
        l[i] = f.join(",");
    });
    reproduce_refuses(
        "1e308 DKK",
        &p,
        Path::new(SPEC),
        &["huge.csv:", "tenderable_hk6_dkk", "1e308", "1e14"],
    );
}

// ---------------------------------------------------------------- incomplete panels

/// One municipality without its 2020 row (the projection year and the fixed-price base year):
/// the pipeline runs, leaves it out of what needs that row — the spending variable in 2020
/// prices and the projection — and says which municipality and why on stderr, in REPORT.md
/// and in projection.md.
#[test]
fn a_municipality_missing_its_projection_year_row_is_left_out_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let data = edited_panel(dir.path(), "no101_2020.csv", |l| {
        l.retain(|line| !line.starts_with("101,2020,"))
    });
    let out = dir.path().join("reports");
    let r = bin("iku-reproduce")
        .arg("--data")
        .arg(&data)
        .args(["--spec", SPEC, "--out-dir"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let estimation = "municipality 101 has no price_index for 2020";
    let projection = "municipality 101 is left out of the 2020 projection (no 2020 row)";
    assert!(
        err.contains(estimation) && err.contains(projection),
        "{err}"
    );
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    assert!(report.contains(&format!("- Left out of estimation: {estimation}")));
    assert!(report.contains("- Left out of the 2020 projection: municipality 101 (no 2020 row)"));
    let proj = std::fs::read_to_string(out.join("projection.md")).unwrap();
    assert!(
        proj.contains("97 municipalities with complete data in 2020; left out: 101 (no 2020 row).")
    );
    let est: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("estimates.json")).unwrap()).unwrap();
    assert!(est["notes"][0].as_str().unwrap().starts_with(estimation));
    // The municipality's rows are out of the estimation sample: 97 clusters, not 98.
    assert!(
        report.contains("G = 97"),
        "the best estimate still clusters 98 municipalities"
    );
}

/// Grunfeld with `inv` and `value` rewritten by `f(column, value)`, in a temporary folder.
fn grunfeld_with(dir: &Path, f: impl Fn(&str, f64) -> f64) -> PathBuf {
    let text =
        std::fs::read_to_string(format!("{ROOT}/tests/reference/data/grunfeld.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut out = header.join(",") + "\n";
    for line in lines {
        let cells: Vec<String> = line
            .split(',')
            .zip(&header)
            .map(|(c, h)| match *h {
                "inv" | "value" => format!("{:?}", f(h, c.parse().unwrap())),
                _ => c.to_string(),
            })
            .collect();
        out.push_str(&(cells.join(",") + "\n"));
    }
    let p = dir.join("g.csv");
    std::fs::write(&p, out).unwrap();
    p
}

fn estimate_file(data: &Path, args: &[&str]) -> Output {
    bin("iku-estimate")
        .arg("--data")
        .arg(data)
        .args(["--unit", "firm", "--time", "year"])
        .args(args)
        .output()
        .unwrap()
}

/// Data scaled by 1e-160 (or a response of 1e308) gave infinite estimates with exit 0: now a
/// refusal naming the variable and its magnitude.
#[test]
fn data_scaled_by_1e_minus_160_or_1e308_is_refused_not_estimated_as_infinite() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = grunfeld_with(dir.path(), |_, v| v * 1e-160);
    for model in ["pooled", "within"] {
        let r = estimate_file(&tiny, &["--formula", "inv ~ value", "--model", model]);
        refused(
            "1e-160",
            &r,
            &["variable 'inv'", "outside 1e-150", "rescale"],
        );
    }
    let huge = grunfeld_with(dir.path(), |h, v| if h == "inv" { 1e308 } else { v });
    let r = estimate_file(&huge, &["--formula", "inv ~ value", "--model", "pooled"]);
    refused("1e308", &r, &["variable 'inv'", "1e308"]);
}

/// `x + 1e12` was dropped as "no variation within units": it is kept with x's slope.
#[test]
fn x_plus_1e12_keeps_its_within_variation() {
    let slope = |offset: f64| {
        let dir = tempfile::tempdir().unwrap();
        let data = grunfeld_with(dir.path(), |h, v| {
            if h == "value" {
                v / 1000.0 + offset
            } else {
                v
            }
        });
        let args = [
            "--formula",
            "inv ~ value",
            "--model",
            "within",
            "--format",
            "json",
        ];
        let r = estimate_file(&data, &args);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let doc: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(doc["dropped_terms"], serde_json::json!([]), "{offset}");
        doc["coefficients"][0]["estimate"].as_f64().unwrap()
    };
    // The stored doubles of value/1000 + 1e12 carry about 1e-4 of rounding.
    let (plain, shifted) = (slope(0.0), slope(1e12));
    assert!(
        (shifted - plain).abs() < 1e-4 * plain,
        "{shifted} vs {plain}"
    );
}

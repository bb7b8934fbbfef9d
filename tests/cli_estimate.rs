//! The iku-estimate binary: output shape, published Grunfeld values, errors and exit codes.

use std::process::Command;

const DATA: &str = "tests/reference/data/grunfeld.csv";

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iku-estimate"))
        .args(args)
        .output()
        .expect("run iku-estimate");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn base(formula: &str) -> Vec<String> {
    [
        "--data",
        DATA,
        "--unit",
        "firm",
        "--time",
        "year",
        "--formula",
        formula,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn json(extra: &[&str], formula: &str) -> serde_json::Value {
    let mut a = base(formula);
    a.extend(extra.iter().map(|s| s.to_string()));
    a.extend(["--format".to_string(), "json".to_string()]);
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, out, err) = run(&refs);
    assert!(ok, "{err}");
    serde_json::from_str(&out).expect("one JSON object")
}

#[test]
fn grunfeld_within_matches_published_values() {
    // Grunfeld within (unit FE) estimates as published: value 0.110124, capital 0.310065.
    let v = json(
        &["--model", "within", "--vcov", "iid"],
        "inv ~ value + capital",
    );
    let c = v["coefficients"].as_array().unwrap();
    assert_eq!(c[0]["term"], "value");
    assert_eq!(c[1]["term"], "capital");
    assert!((c[0]["estimate"].as_f64().unwrap() - 0.110124).abs() < 5e-7);
    assert!((c[1]["estimate"].as_f64().unwrap() - 0.310065).abs() < 5e-7);
    assert_eq!(v["nobs"], 200);
    assert_eq!(v["df_resid"], 188);
    assert_eq!(v["model"], "within");
    assert_eq!(v["ssc"], "fixest");
    for key in [
        "r2",
        "r2_within",
        "dropped",
        "dropped_terms",
        "lags",
        "formula",
        "vcov",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn pooled_has_intercept_first_and_fe_formula_implies_model() {
    let v = json(&["--model", "pooled"], "inv ~ value + capital");
    assert_eq!(v["coefficients"][0]["term"], "(Intercept)");
    // Grunfeld pooled OLS: intercept −42.714369, value 0.115562, capital 0.230678.
    assert!((v["coefficients"][0]["estimate"].as_f64().unwrap() + 42.714369).abs() < 5e-6);
    let t = json(&[], "inv ~ value + capital | firm + year");
    assert_eq!(t["model"], "twoways");
    assert_eq!(t["df_resid"], 169);
    assert_eq!(t["t_df"], 9.0);
}

#[test]
fn lincom_and_formats() {
    let v = json(
        &["--lincom", "value + capital", "--tests"],
        "inv ~ value + capital | firm",
    );
    // plm's pFtest on Grunfeld: F = 49.1766254994185 on [9, 188].
    let t = &v["tests"][0];
    assert!((t["statistic"].as_f64().unwrap() - 49.1766254994185).abs() < 1e-9);
    assert_eq!(t["df"], serde_json::json!([9.0, 188.0]));
    assert_eq!(v["tests"].as_array().unwrap().len(), 6);
    let l = &v["lincom"][0];
    let sum = v["coefficients"][0]["estimate"].as_f64().unwrap()
        + v["coefficients"][1]["estimate"].as_f64().unwrap();
    assert!((l["estimate"].as_f64().unwrap() - sum).abs() < 1e-12);
    for (fmt, needle) in [
        ("csv", "term,estimate,std_error"),
        ("md", "| term | estimate"),
        ("tex", "\\begin{tabular}"),
        ("table", "small-sample factor (fixest)"),
    ] {
        let mut a = base("inv ~ value + capital | firm");
        a.extend(["--format".to_string(), fmt.to_string()]);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let (ok, out, err) = run(&refs);
        assert!(ok, "{err}");
        assert!(out.contains(needle), "{fmt}: {out}");
        if fmt == "tex" {
            assert!(out.is_ascii(), "LaTeX output must be ASCII: {out}");
        }
        let (_, again, _) = run(&refs);
        assert_eq!(out, again, "{fmt} output is not deterministic");
    }
}

#[test]
fn errors_exit_non_zero_with_a_message() {
    let a = base("inv ~ value + capitl");
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, out, err) = run(&refs);
    assert!(!ok && out.is_empty());
    assert!(
        err.contains("no numeric column 'capitl'") && err.contains('^'),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.csv");
    std::fs::write(&one, "firm,year,y,x,c\n1,2000,1,2,5\n1,2001,2,3,5\n1,2002,4,3.5,5\n2,2000,1,1,6\n2,2001,3,2,6\n2,2002,2,7,6\n").unwrap();
    let p = one.to_str().unwrap();
    let common = ["--data", p, "--unit", "firm", "--time", "year"];
    let mut a: Vec<&str> = common.to_vec();
    a.extend(["--formula", "y ~ c", "--model", "within"]);
    let (ok, _, err) = run(&a);
    assert!(!ok && err.contains("every regressor"), "{err}");

    let single = dir.path().join("single.csv");
    std::fs::write(
        &single,
        "firm,year,y,x\n1,2000,1,2\n1,2001,2,3\n1,2002,4,3.5\n1,2003,3,1\n",
    )
    .unwrap();
    let p = single.to_str().unwrap();
    let a = [
        "--data",
        p,
        "--unit",
        "firm",
        "--time",
        "year",
        "--formula",
        "y ~ x",
        "--model",
        "pooled",
    ];
    let (ok, _, err) = run(&a);
    assert!(!ok && err.contains("at least 2 clusters"), "{err}");
}

#[test]
fn wild_cluster_bootstrap_json_and_same_seed_same_bytes() {
    let v = json(
        &["--boot", "wcr", "--boot-hypothesis", "value + capital = 0"],
        "inv ~ value + capital | firm",
    );
    let b = &v["bootstrap"];
    for key in [
        "type",
        "weights",
        "reps",
        "enumerated",
        "hypothesis",
        "t_stat",
        "p_value",
        "ci",
        "seed",
    ] {
        assert!(!b[key].is_null(), "bootstrap.{key} missing");
    }
    assert_eq!(b["type"], "wcr");
    assert_eq!(b["reps"], 1024);
    assert_eq!(b["enumerated"], true);
    assert_eq!(b["hypothesis"], "value + capital = 0");
    let ci = b["ci"].as_array().unwrap();
    let est = b["estimate"].as_f64().unwrap();
    assert!(ci[0].as_f64().unwrap() < est && est < ci[1].as_f64().unwrap());
    // Drawn (not enumerated) Webb weights: the same seed gives the same bytes.
    let mut a = base("inv ~ value + capital | firm");
    a.extend(
        [
            "--boot",
            "wcu",
            "--boot-weights",
            "webb",
            "--boot-reps",
            "999",
            "--boot-seed",
            "7",
            "--format",
            "json",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok1, out1, err1) = run(&refs);
    let (ok2, out2, _) = run(&refs);
    assert!(ok1 && ok2, "{err1}");
    assert_eq!(out1, out2);
    let v: serde_json::Value = serde_json::from_str(&out1).unwrap();
    assert_eq!(v["bootstrap"]["enumerated"], false);
    assert_eq!(v["bootstrap"]["reps"], 999);
    assert_eq!(v["bootstrap"]["hypothesis"], "value = 0");
}

#[test]
fn bootstrap_and_jackknife_errors_are_clear() {
    let f = "inv ~ value + capital | firm";
    for (extra, msg) in [
        (vec!["--boot", "wild"], "expected wcr or wcu"),
        (
            vec!["--boot", "wcr", "--boot-weights", "gauss"],
            "unknown bootstrap weights",
        ),
        (
            vec!["--boot", "wcr", "--boot-hypothesis", "vlue = 0"],
            "no coefficient 'vlue'",
        ),
        (
            vec!["--boot", "wcr", "--boot-hypothesis", "value = x"],
            "no coefficient 'x'",
        ),
        (
            vec![
                "--boot",
                "wcr",
                "--boot-hypothesis",
                "value = 0, capital = 0",
            ],
            "the wild cluster bootstrap tests one",
        ),
        (
            vec!["--boot", "wcr", "--formula", "inv ~ value | firm"],
            "apply to a single --formula",
        ),
        (
            vec![
                "--boot",
                "wcr",
                "--model",
                "gmm-diff",
                "--instruments",
                "gmm(inv, 2:99)",
            ],
            "not to GMM",
        ),
        (
            vec!["--boot", "wcr", "--format", "csv"],
            "json, table or md",
        ),
        (
            vec!["--boot", "wcr", "--boot-cluster", "region"],
            "--boot-cluster 'region': no column 'region'",
        ),
        (vec!["--vcov", "crv4"], "crv3"),
    ] {
        let mut a = base(f);
        a.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let (ok, out, err) = run(&refs);
        assert!(!ok && out.is_empty(), "{extra:?}");
        assert!(err.contains(msg), "{extra:?}: {err}");
    }
}

/// The names of the specification tests in a JSON document.
fn test_names(v: &serde_json::Value) -> Vec<&str> {
    v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

#[test]
fn tests_name_the_models_they_compare_and_refuse_other_fits() {
    let v = json(&["--tests"], "inv ~ value + capital | firm");
    let names = test_names(&v);
    assert!(names[0].ends_with("[within vs pooled]"), "{names:?}");
    assert!(names[1].ends_with("[within vs random]"), "{names:?}");
    // A two-way formula tests the two-way model; fd gets Wooldridge's fd test.
    let v = json(&["--tests"], "inv ~ value + capital | firm + year");
    let names = test_names(&v);
    assert_eq!(
        names[0],
        "F test for twoways effects [twoways within vs pooled]"
    );
    assert!(names.iter().all(|n| !n.contains("Hausman")), "{names:?}");
    let v = json(&["--tests", "--model", "fd"], "inv ~ value + capital");
    let first = v["tests"][0]["name"].as_str().unwrap();
    assert!(first.starts_with("Wooldridge first-difference"), "{first}");
    for (formula, extra, msg) in [
        (
            "inv ~ value + capital | firm",
            vec!["--weights", "w"],
            "unweighted fits",
        ),
        (
            "inv ~ value + capital",
            vec!["--model", "between"],
            "between fits",
        ),
    ] {
        let mut a = base(formula);
        a.extend(extra.iter().map(|s| s.to_string()));
        a.push("--tests".into());
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let (ok, out, err) = run(&refs);
        assert!(!ok && out.is_empty(), "{formula} {extra:?}");
        assert!(err.contains(msg), "{err}");
    }
}

#[test]
fn wald_test_matches_car_and_level_sets_the_intervals() {
    let fixture: serde_json::Value = serde_json::from_slice(
        &std::fs::read("tests/reference/fixtures/car_grunfeld_wald.json").unwrap(),
    )
    .unwrap();
    let case = |id: &str| {
        fixture["wald"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    let v = json(
        &[
            "--vcov",
            "cluster",
            "--ssc",
            "none",
            "--wald",
            "value = 0, capital = 0",
        ],
        "inv ~ value + capital | firm",
    );
    let w = &v["wald"];
    let mut keys: Vec<&str> = w.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["df1", "df2", "distribution", "p_value", "stat"]);
    let want = case("grunfeld/within/cluster/F/value = 0, capital = 0");
    assert_eq!(w["distribution"], "F");
    assert_eq!(
        (&w["df1"], &w["df2"]),
        (&serde_json::json!(2.0), &serde_json::json!(188.0))
    );
    for k in ["stat", "p_value"] {
        let (a, b) = (w[k].as_f64().unwrap(), want[k].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-6 * b.abs(), "{k}: {a} vs {b}");
    }
    // Normal inference (linearmodels): χ², no df2; spacing in names is ignored.
    let v = json(
        &[
            "--ssc",
            "linearmodels",
            "--wald",
            "l(value,1) = 0",
            "--lincom",
            "value+l(value,1)",
        ],
        "inv ~ value + l(value, 1) | firm",
    );
    assert_eq!(v["wald"]["distribution"], "chi2");
    assert!(v["wald"]["df2"].is_null());
    assert_eq!(v["lincom"][0]["term"], "value + l(value, 1)");
    // --level: narrower intervals at 0.90, reported; absent at the default.
    let d = json(&[], "inv ~ value + capital | firm");
    let l = json(&["--level", "0.9"], "inv ~ value + capital | firm");
    assert!(d.get("level").is_none());
    assert_eq!(l["level"], 0.9);
    let width = |v: &serde_json::Value| {
        v["coefficients"][0]["conf_high"].as_f64().unwrap()
            - v["coefficients"][0]["conf_low"].as_f64().unwrap()
    };
    assert!(width(&l) < width(&d));
    assert_eq!(
        l["coefficients"][0]["std_error"],
        d["coefficients"][0]["std_error"]
    );
    // Table output carries both.
    let mut a = base("inv ~ value + capital | firm");
    a.extend(["--level", "0.9", "--wald", "value = 0"].map(String::from));
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, out, err) = run(&refs);
    assert!(ok, "{err}");
    assert!(out.contains("Confidence intervals at level 0.9"), "{out}");
    assert!(out.contains("Wald test of value = 0: F(1, 9) = "), "{out}");
    // Errors: a bad level, a bad hypothesis, --wald with csv.
    for extra in [
        &["--level", "1.5"][..],
        &["--wald", "value = = 0"][..],
        &["--wald", "nope = 0"][..],
        &["--wald", "value = 0", "--format", "csv"][..],
    ] {
        let mut a = base("inv ~ value + capital | firm");
        a.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let (ok, out, err) = run(&refs);
        assert!(
            !ok && out.is_empty() && err.starts_with("iku-estimate: "),
            "{extra:?}: {err}"
        );
    }
}

#[test]
fn repeated_formulas_give_one_multi_model_table() {
    let mut a = base("inv ~ value + capital | firm");
    a.extend(
        [
            "--formula",
            "inv ~ value + capital | firm + year",
            "--format",
            "md",
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, out, err) = run(&refs);
    assert!(ok, "{err}");
    // Grunfeld within: value 0.110124 (published), clustered by firm: stars and SE below.
    assert!(out.starts_with("|  | (1) | (2) |\n"), "{out}");
    assert!(out.contains("| value | 0.110*** | "), "{out}");
    assert!(
        out.contains("| Fixed effects | firm | firm, year |"),
        "{out}"
    );
    assert!(out.contains("| SE | cluster(firm), ssc=fixest |"), "{out}");
    assert!(
        out.contains("Small-sample preset `fixest`: cluster"),
        "{out}"
    );
    for fmt in ["table", "csv", "tex", "json"] {
        let mut b = a.clone();
        let n = b.len();
        b[n - 1] = fmt.to_string();
        let refs: Vec<&str> = b.iter().map(String::as_str).collect();
        let (ok, out, err) = run(&refs);
        assert!(ok && out.contains("value"), "{fmt}: {err}");
    }
    a.push("--tests".into());
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, _, err) = run(&refs);
    assert!(!ok && err.contains("single --formula"), "{err}");
}

// --- GMM (--model gmm-diff|gmm-sys): the JSON contract, agreement with the plm pgmm
// fixture through the binary, and bad input.

const EMPLUK: &str = "tests/reference/data/emplUK.csv";
const GMM_FIXTURE: &str = "tests/reference/fixtures/gmm/plm_pgmm_emplUK.json";

fn gmm_base<'a>(model: &'a str, formula: &'a str, inst: &'a str) -> Vec<&'a str> {
    vec![
        "--data",
        EMPLUK,
        "--unit",
        "firm",
        "--time",
        "year",
        "--model",
        model,
        "--formula",
        formula,
        "--instruments",
        inst,
    ]
}

fn case(id: &str) -> serde_json::Value {
    let fx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(GMM_FIXTURE).unwrap()).unwrap();
    fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone()
}

#[test]
fn two_step_system_json_matches_plm() {
    let c = case("bb98_2s_collapse");
    let mut a = gmm_base(
        "gmm-sys",
        c["formula"].as_str().unwrap(),
        c["instruments"].as_str().unwrap(),
    );
    a.extend(["--steps", "2", "--collapse", "--format", "json"]);
    a.extend(["--long-run", "l(w, 0) + l(w, 1)"]);
    let (ok, out, err) = run(&a);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["model"], "gmm-sys");
    assert_eq!(v["gmm"]["steps"], 2);
    assert_eq!(v["gmm"]["n_instruments"], c["n_instruments"]);
    let rows = v["coefficients"].as_array().unwrap();
    let terms: Vec<&str> = c["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for (j, t) in terms.iter().enumerate() {
        let r = rows.iter().find(|r| r["term"] == *t).unwrap();
        let want_b = c["estimate"][j].as_f64().unwrap();
        let want_se = c["vcov_robust"][j][j].as_f64().unwrap().sqrt();
        assert!(
            (r["estimate"].as_f64().unwrap() - want_b).abs() < 1e-6,
            "{t}"
        );
        assert!(
            (r["std_error"].as_f64().unwrap() - want_se).abs() < 1e-6,
            "{t}"
        );
    }
    let h = &c["sargan_twosteps"];
    assert!(
        (v["gmm"]["hansen"]["stat"].as_f64().unwrap() - h["stat"].as_f64().unwrap()).abs() < 1e-6
    );
    assert_eq!(v["gmm"]["hansen"]["df"], h["df"]);
    let ar2 = c["ar2_robust"]["z"].as_f64().unwrap();
    assert!((v["gmm"]["ar2"]["z"].as_f64().unwrap() - ar2).abs() < 1e-6);
    for key in ["sargan", "hansen"] {
        assert!(v["gmm"][key]["p_value"].as_f64().is_some(), "{key}");
    }
    assert!(v["gmm"]["diff_hansen_levels"]["difference"]["df"] == 3);
    assert_eq!(v["long_run"][0]["term"], "long-run(l(w, 0) + l(w, 1))");
    assert_eq!(v["nobs"], 891);
}

#[test]
fn bad_instruments_and_flags_exit_2_and_write_nothing() {
    let out = std::env::temp_dir().join(format!("iku-gmm-{}.json", std::process::id()));
    let outs = out.to_str().unwrap();
    let mut a = gmm_base("gmm-diff", "n ~ l(n, 1)", "gmm(n, 2:99) + iv(w, 0:x)");
    a.extend(["--out", outs]);
    let (ok, _, err) = run(&a);
    assert!(!ok);
    assert!(err.contains("instruments error"), "{err}");
    assert!(err.contains('^'), "{err}");
    assert!(!out.exists());
    let (ok, _, err) = run(&gmm_base("gmm-diff", "n ~ l(n, 1)", "gmm(nn, 2:99)"));
    assert!(!ok && err.contains("no numeric column 'nn'"), "{err}");
    let mut a = gmm_base("gmm-diff", "n ~ l(n, 1)", "gmm(n, 2:99)");
    a.extend(["--vcov", "iid"]);
    let (ok, _, err) = run(&a);
    assert!(!ok && err.contains("robust"), "{err}");
    let mut a = gmm_base("gmm-diff", "n ~ l(n, 1)", "gmm(n, 2:99)");
    a.extend(["--format", "tex"]);
    let (ok, _, err) = run(&a);
    assert!(!ok && err.contains("table or json"), "{err}");
    // Without --model gmm-*: drop "--model within" from the GMM argument list.
    let mut a = gmm_base("within", "n ~ w", "gmm(n, 2:99)");
    a.drain(6..8);
    let (ok, _, err) = run(&a);
    assert!(!ok && err.contains("need --model gmm-diff"), "{err}");
}

/// Every binary answers `--version` with its name and the crate's version.
#[test]
fn every_binary_prints_its_version() {
    for (name, exe) in [
        ("iku-data", env!("CARGO_BIN_EXE_iku-data")),
        ("iku-estimate", env!("CARGO_BIN_EXE_iku-estimate")),
        ("iku-project", env!("CARGO_BIN_EXE_iku-project")),
        ("iku-reproduce", env!("CARGO_BIN_EXE_iku-reproduce")),
    ] {
        let out = std::process::Command::new(exe)
            .arg("--version")
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{name} {}", env!("CARGO_PKG_VERSION"))
        );
    }
}

/// `iku-estimate --spec SPEC` on the shipped panel into a new folder, which it returns.
fn spec_run(spec: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iku-estimate"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--spec",
            spec,
            "--data",
            "data/synthetic/panel.csv",
            "--out-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// `estimates.json` of a spec run.
fn estimates_json(dir: &tempfile::TempDir) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.path().join("estimates.json")).unwrap()).unwrap()
}

/// The column of spec `name` in `estimates.json`.
fn spec_column(json: &serde_json::Value, name: &str) -> serde_json::Value {
    json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no spec {name}"))
        .clone()
}

/// `specs/vive_break2016.toml` on the shipped panel: the 2016 IKU definition break handled by
/// dropping the change across it (`break_year`) and by a post-2016 sample, beside the
/// unadjusted spec.
#[test]
fn the_2016_break_specs_drop_the_changes_across_the_break() {
    let dir = spec_run("specs/vive_break2016.toml");
    let json = estimates_json(&dir);
    let col = |name: &str| spec_column(&json, name);
    let n = |name: &str| col(name)["nobs"].as_u64().unwrap();
    let effect = |name: &str| col(name)["effect"]["estimate"].as_f64().unwrap();
    // 98 municipalities; spending changes 2009–2020 have a lagged IKU change.
    assert_eq!(n("fd_year"), 98 * 12);
    // Exactly the spending change of 2017 (on the IKU change 2015→2016) is gone: the IKU
    // change of 2016 itself being missing does not drop 2016, which uses only its lag.
    assert_eq!(n("fd_year_break"), 98 * 11);
    assert_ne!(effect("fd_year_break"), effect("fd_year"));
    // Post-2016 definition only: spending changes 2018, 2019, 2020.
    assert_eq!(n("fd_year_post2016"), 98 * 3);
    assert_eq!(json["best_estimate"]["spec"], "fd_year_break");
}

/// `--save-fit FILE` writes the fit's coefficients, covariance and rows; the library reads it
/// back and it agrees with the JSON table.
#[test]
fn save_fit_writes_a_fit_the_library_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fit.json");
    let v = json(
        &["--save-fit", path.to_str().unwrap()],
        "inv ~ value + capital | firm",
    );
    let saved = panelkit::savefit::SavedFit::read(&path).unwrap();
    assert_eq!(saved.terms, vec!["value", "capital"]);
    assert_eq!(saved.rows.len(), 200);
    for (j, row) in v["coefficients"].as_array().unwrap().iter().enumerate() {
        assert_eq!(saved.coefficients[j], row["estimate"].as_f64().unwrap());
        let se = saved.std_error(&saved.terms[j]).unwrap();
        assert!((se - row["std_error"].as_f64().unwrap()).abs() < 1e-12 * se);
    }
    // With two formulas it is refused before anything is written.
    let other = dir.path().join("other.json");
    let mut a = base("inv ~ value");
    a.extend(
        [
            "--formula",
            "inv ~ capital",
            "--save-fit",
            other.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, _, err) = run(&refs);
    assert!(!ok && err.contains("--save-fit"), "{err}");
    assert!(!other.exists());
}

/// `estimates.tex` is a table float an article can `\input` as is: where `pdflatex` is
/// installed (Debian: texlive-latex-base, texlive-latex-recommended), a minimal article with
/// booktabs and graphicx compiles it; the float has a caption, a label, panels of at most
/// five columns, SYNTHETIC printed and the notes as text, not comments.
#[test]
fn estimates_tex_compiles_in_an_article() {
    let dir = spec_run("specs/vive.toml");
    let tex = std::fs::read_to_string(dir.path().join("estimates.tex")).unwrap();
    for part in [
        "\\begin{table}",
        "\\caption{",
        "\\label{tab:iku-estimates}",
        "\\textbf{SYNTHETIC DATA",
        "Panel A: specifications 1--5",
        "Panel B: specifications 6--10",
        "Columns: (1) FD, year effects;",
        "Standard errors in parentheses",
    ] {
        assert!(tex.contains(part), "{part}");
    }
    assert!(
        !tex.lines().any(|l| l.starts_with("% Sample")),
        "notes are printed"
    );
    let have_pdflatex = std::process::Command::new("pdflatex")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_pdflatex {
        eprintln!("pdflatex not installed: estimates.tex checked as text only");
        return;
    }
    std::fs::write(
        dir.path().join("doc.tex"),
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n\
         \\usepackage{booktabs}\n\\usepackage{graphicx}\n\\begin{document}\n\
         \\input{estimates.tex}\n\\end{document}\n",
    )
    .unwrap();
    let run = std::process::Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", "doc.tex"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert!(dir.path().join("doc.pdf").exists());
}

/// `--help` lists the allowed values of every choice in that option's own help, taken here
/// from the library so the help cannot drift from what the parser accepts.
#[test]
fn help_lists_the_allowed_values() {
    let out = Command::new(env!("CARGO_BIN_EXE_iku-estimate"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout).to_string();
    // The help paragraph of one option: from its flag to the next flag.
    let option = |flag: &str| -> String {
        let start = help
            .find(&format!("{flag} <"))
            .unwrap_or_else(|| panic!("{flag}"));
        let rest = &help[start + flag.len()..];
        let end = rest.find("\n      --").unwrap_or(rest.len());
        rest[..end].replace('\n', " ")
    };
    let word = |text: &str, w: &str| {
        text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .any(|t| t == w)
    };
    let mut models: Vec<String> = panelkit::Model::ALL
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    models.extend(["gmm-diff", "gmm-sys"].map(String::from));
    let vcovs: Vec<String> = panelkit::inference::VcovKind::ALL
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    let sscs: Vec<String> = panelkit::inference::Ssc::PRESETS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let formats = ["table", "json", "csv", "md", "tex"]
        .map(String::from)
        .to_vec();
    let weights = ["rademacher", "webb", "mammen", "normal"]
        .map(String::from)
        .to_vec();
    for (flag, names) in [
        ("--model", models),
        ("--vcov", vcovs),
        ("--ssc", sscs),
        ("--format", formats),
        ("--boot-weights", weights),
    ] {
        let text = option(flag);
        for n in names {
            assert!(word(&text, &n), "{flag} help does not list '{n}': {text}");
        }
    }
}

/// Two Grunfeld models side by side with etable's display options.
fn two_models(extra: &[&str]) -> (bool, String, String) {
    let mut a = base("inv ~ value + capital | firm");
    a.extend(["--formula", "inv ~ value + l(capital, 1) | firm + year"].map(String::from));
    a.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    run(&refs)
}

/// The coefficient rows of a Markdown table, top to bottom.
fn md_terms(md: &str) -> Vec<String> {
    md.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("|  |"))
        .map(|l| l[2..l[2..].find(" |").unwrap() + 2].to_string())
        .take_while(|t| t != "Model")
        .collect()
}

#[test]
fn multi_model_tables_label_select_order_and_split_terms() {
    // Default labels in md/text/tex; the periods of each estimation sample; fixest's R² and
    // within R² (pyfixest on Grunfeld within: 0.94407…, 0.76676…).
    let (ok, md, err) = two_models(&["--format", "md"]);
    assert!(ok, "{err}");
    assert_eq!(md_terms(&md), ["value", "capital", "capital, lag 1"]);
    assert!(md.contains("| Periods | 1935–1954 | 1936–1954 |\n"), "{md}");
    assert!(md.contains("| R² | 0.9441 | "), "{md}");
    assert!(md.contains("| Within R² | 0.7668 | "), "{md}");
    assert!(!md.contains("R² (differences)"), "{md}");
    // --dict labels a variable or a whole term; csv keeps the formula's names.
    let dict = [
        "--dict",
        "value=Firm value",
        "--dict",
        "l(capital,1) = Lagged capital",
    ];
    let (ok, md, err) = two_models(&[&dict[..], &["--format", "md"]].concat());
    assert!(ok, "{err}");
    assert_eq!(md_terms(&md), ["Firm value", "capital", "Lagged capital"]);
    let (ok, csv, _) = two_models(&[&dict[..], &["--format", "csv"]].concat());
    assert!(
        ok && csv.contains("\n\"l(capital, 1)\",,") && csv.contains("\nvalue,"),
        "{csv}"
    );
    let (ok, tex, _) = two_models(&[&dict[..], &["--format", "tex"]].concat());
    assert!(
        ok && tex.contains("\nLagged capital &  & ") && tex.is_ascii(),
        "{tex}"
    );
    // A dictionary file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("labels.toml");
    std::fs::write(
        &file,
        "value = \"Value\"\n\"l(capital, 1)\" = \"Capital, last year\"\n",
    )
    .unwrap();
    let (ok, md, err) = two_models(&["--dict", file.to_str().unwrap(), "--format", "md"]);
    assert!(ok, "{err}");
    assert_eq!(md_terms(&md), ["Value", "capital", "Capital, last year"]);
    // keep / drop / order: patterns on names and labels.
    let rows = |extra: &[&str]| {
        let (ok, md, err) = two_models(&[extra, &["--format", "md"]].concat());
        assert!(ok, "{err}");
        md_terms(&md)
    };
    assert_eq!(rows(&["--keep", "value"]), ["value"]);
    assert_eq!(rows(&["--drop", "^l\\("]), ["value", "capital"]);
    assert_eq!(
        rows(&["--drop", "%l(capital, 1)", "--drop", "^value$"]),
        ["capital"]
    );
    assert_eq!(
        rows(&["--order", "capital"]),
        ["capital", "capital, lag 1", "value"]
    );
    assert_eq!(
        rows(&["--order", "lag", "--order", "value"]),
        ["capital, lag 1", "value", "capital"]
    );
    // Panels of at most --max-columns models, notes once.
    let (ok, md, _) = two_models(&["--max-columns", "1", "--format", "md"]);
    assert!(
        ok && md.starts_with("**Panel A: column 1**\n\n|  | (1) |\n"),
        "{md}"
    );
    assert!(md.contains("**Panel B: column 2**\n\n|  | (2) |\n"), "{md}");
    assert_eq!(md.matches("Standard errors in parentheses").count(), 1);
    // Bad options: a clear error, exit 2, nothing on stdout.
    for (args, msg) in [
        (
            vec!["--keep", "nothing_like_it"],
            "keep pattern 'nothing_like_it' matches no coefficient",
        ),
        (vec!["--drop", "l(capital"], "groups are not supported"),
        (vec!["--dict", "no equals sign"], "expected NAME=LABEL"),
        (vec!["--max-columns", "0"], "at least 1"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_iku-estimate"))
            .args(base("inv ~ value | firm"))
            .args(["--formula", "inv ~ capital | firm"])
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let mut one = base("inv ~ value");
    one.extend(["--keep", "value"].map(String::from));
    let refs: Vec<&str> = one.iter().map(String::as_str).collect();
    let (ok, _, err) = run(&refs);
    assert!(!ok && err.contains("multi-model tables"), "{err}");
}

/// The spec set's tables: labelled terms, plm's first differences in rows of their own, the
/// years of every spec, the R² of each kind, and the tidy CSV carrying them.
#[test]
fn spec_tables_show_labels_years_and_every_r2() {
    let dir = spec_run("specs/vive.toml");
    let md = std::fs::read_to_string(dir.path().join("estimates.md")).unwrap();
    // fd_plm's l(iku, 1) is on Δ IKU: it shares the row of the hand-made differences
    // (fd_year's l(d_iku, 1)), not the levels row of the two-way FE specs.
    let row = |label: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {label} |")))
            .unwrap_or_else(|| panic!("no row {label}: {md}"))
            .to_string()
    };
    let cells = |line: &str| -> Vec<String> {
        line.split(" | ")
            .skip(1)
            .map(|c| c.trim_end_matches(" |").to_string())
            .collect()
    };
    let fd = cells(&row("Δ IKU (pp), lag 1"));
    let levels = cells(&row("IKU (pp), lag 1"));
    // Panel A holds specs 1–5 (fd_year, fd_year_ctrl, fd_year_w, twfe_levels, twfe_levels_ctrl).
    assert!(
        !fd[0].is_empty() && !fd[2].is_empty() && fd[3].is_empty(),
        "{fd:?}"
    );
    assert!(
        levels[0].is_empty() && !levels[3].is_empty() && !levels[4].is_empty(),
        "{levels:?}"
    );
    assert!(
        md.contains("**Panel A: specifications 1–5**")
            && md.contains("**Panel B: specifications 6–10**"),
        "{md}"
    );
    assert!(md.contains("| Years | 2009–2018 |"), "{md}");
    assert!(md.contains("| R² (differences) |"), "{md}");
    assert!(md.contains("| Within R² |"), "{md}");
    let json = estimates_json(&dir);
    let col = |name: &str| spec_column(&json, name);
    let plm = col("fd_plm");
    assert_eq!(plm["coefficients"][1]["term"], "l(iku, 1)");
    assert_eq!(plm["coefficients"][1]["display_name"], "l(d(iku), 1)");
    assert!(plm["r2_overall"].is_null() && plm["r2"].as_f64().is_some());
    let twfe = col("twfe_levels");
    assert!(twfe["r2_overall"].as_f64().unwrap() > twfe["r2_within"].as_f64().unwrap());
    assert_eq!(col("long_diff")["years"], serde_json::json!([2018]));
    assert_eq!(col("fd_year")["years"].as_array().unwrap().len(), 10);
    // The tidy CSV: one value per spec, repeated on its rows, empty where it does not apply.
    let long = std::fs::read_to_string(dir.path().join("estimates_long.csv")).unwrap();
    let mut lines = long.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |h: &str| header.iter().position(|x| *x == h).unwrap();
    let mut seen = 0;
    for l in lines.filter(|l| l.starts_with("fd_plm,") || l.starts_with("twfe_levels,")) {
        let f: Vec<&str> = l.split(',').collect();
        // Terms with a comma are quoted: count fields from the end.
        let from_end = |h: &str| f[f.len() - (header.len() - at(h))];
        if l.starts_with("fd_plm,") {
            assert!(
                from_end("r2_overall").is_empty() && !from_end("r2_differences").is_empty(),
                "{l}"
            );
        } else {
            assert!(
                !from_end("r2_overall").is_empty() && !from_end("r2_within").is_empty(),
                "{l}"
            );
            assert!(from_end("r2_differences").is_empty(), "{l}");
        }
        seen += 1;
    }
    assert!(seen >= 4, "{long}");
}

/// The display options apply to a spec set's tables too; a bad one writes nothing.
#[test]
fn spec_sets_take_the_display_options_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let spec = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_iku-estimate"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "--spec",
                "specs/vive.toml",
                "--data",
                "data/synthetic/panel.csv",
            ])
            .arg("--out-dir")
            .arg(dir.path().join("out"))
            .args(extra)
            .output()
            .unwrap()
    };
    let bad = spec(&["--drop", "nothing_at_all"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("drop pattern 'nothing_at_all'"));
    assert!(!dir.path().join("out").exists(), "nothing is written");
    let ok = spec(&["--keep", "IKU", "--max-columns", "10"]);
    assert!(ok.status.success());
    let md = std::fs::read_to_string(dir.path().join("out/estimates.md")).unwrap();
    assert!(
        !md.contains("Panel A") && !md.contains("Population growth"),
        "{md}"
    );
    assert!(md.contains("| Δ IKU over 10 years (pp), lag 1 |"), "{md}");
    let csv = std::fs::read_to_string(dir.path().join("out/estimates.csv")).unwrap();
    assert!(
        !csv.lines().any(|l| l.starts_with("pop_growth,")) && csv.contains("\"l(d(iku), 1)\","),
        "{csv}"
    );
}

//! iku-estimate with the formula language, clusters on any column and `--spec` with
//! `--formula`: the command line agrees with the pyfixest fixture and with the spec runner.
//! Multiple estimation (stepwise functions, several outcomes, `--split` and `--fsplit`): the
//! models agree with the pyfixest 0.60 fixture (`make_fixtures_multi.py`; estimates to 1e-8
//! relative, CRV1 SEs by unit to 1e-6) in number and order; the JSON contract (a single
//! model's document unchanged, each of several the document of its own formula plus
//! `split`), the tables, usage errors and `--spec`.

use serde_json::Value;

use std::process::Command;

const DATA: &str = "tests/reference/data/formula_panel.csv";
const SYNTHETIC: &str = "data/synthetic/panel.csv";

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

/// Runs `formula` on the fixture panel with `extra` flags.
fn on_panel(formula: &str, extra: &[&str]) -> (bool, String, String) {
    let mut a = vec![
        "--data",
        DATA,
        "--unit",
        "code",
        "--time",
        "year",
        "--formula",
        formula,
    ];
    a.extend_from_slice(extra);
    run(&a)
}

/// The JSON document of a successful run.
fn parsed((ok, out, err): (bool, String, String)) -> serde_json::Value {
    assert!(ok, "{err}");
    serde_json::from_str(&out).expect("one JSON object")
}

/// JSON of `formula` on the fixture panel with `extra` flags.
fn json(formula: &str, extra: &[&str]) -> serde_json::Value {
    let mut a = extra.to_vec();
    a.extend(["--format", "json"]);
    parsed(on_panel(formula, &a))
}

/// `formula` with `--spec specs/vive.toml` on the synthetic panel, as JSON.
fn spec_run(formula: &str) -> (bool, String, String) {
    run(&[
        "--spec",
        "specs/vive.toml",
        "--data",
        SYNTHETIC,
        "--formula",
        formula,
        "--format",
        "json",
    ])
}

/// JSON of `formula` with `--spec specs/vive.toml` on the synthetic panel.
fn spec_json(formula: &str) -> serde_json::Value {
    parsed(spec_run(formula))
}

/// The pyfixest fixture case `id`.
fn case(id: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/reference/fixtures/formula/pyfixest_formula.json").unwrap(),
    )
    .unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone()
}

/// Coefficient names, estimates and SEs of the CLI's JSON against a fixture case.
fn agrees(v: &serde_json::Value, c: &serde_json::Value) {
    let rows = v["coefficients"].as_array().unwrap();
    assert_eq!(rows.len(), c["terms"].as_array().unwrap().len());
    for (j, r) in rows.iter().enumerate() {
        assert_eq!(r["term"], c["terms"][j]);
        let (b, s) = (
            c["estimate"][j].as_f64().unwrap(),
            c["std_error"][j].as_f64().unwrap(),
        );
        assert!((r["estimate"].as_f64().unwrap() - b).abs() <= 1e-8 * b.abs());
        assert!((r["std_error"].as_f64().unwrap() - s).abs() <= 1e-6 * s);
    }
    assert_eq!(v["nobs"], c["nobs"]);
    assert_eq!(v["t_df"].as_f64(), c["t_df"].as_f64());
}

#[test]
fn cluster_on_columns_one_and_two_way_match_pyfixest() {
    let c = case("log_factor_unit_fe_cluster_region");
    let v = json(c["formula"].as_str().unwrap(), &["--cluster", "region"]);
    agrees(&v, &c);
    assert_eq!(v["cluster"], "region");
    assert_eq!(v["vcov"], "cluster");
    assert_eq!(v["n_clusters"], 5);
    assert!(v["ssc_formula"]
        .as_str()
        .unwrap()
        .starts_with("clustered by region: "));
    let c = case("event_study_unit_and_region_year_fe");
    let v = json(c["formula"].as_str().unwrap(), &["--cluster", "code"]);
    agrees(&v, &c);
    assert_eq!(v["model"], "fixef");
    let c = case("region_fe_cluster_code_and_grp");
    let v = json(c["formula"].as_str().unwrap(), &["--cluster", "code + grp"]);
    agrees(&v, &c);
    assert_eq!(v["vcov"], "cluster-twoway");
    // Without --cluster nothing changes: clustered by unit, no "cluster" field.
    let v = json("y ~ x | code", &[]);
    assert!(v.get("cluster").is_none());
    let table = on_panel("y ~ x | region^year", &["--cluster", "region"]);
    assert!(table.0, "{}", table.2);
    assert!(table.1.contains("vcov: cluster by region"), "{}", table.1);
}

#[test]
fn bootstrap_clusters_on_a_column() {
    let v = json(
        "y ~ x + z | code",
        &[
            "--boot",
            "wcr",
            "--boot-reps",
            "199",
            "--boot-cluster",
            "region",
        ],
    );
    assert_eq!(v["bootstrap"]["cluster"], "region");
    assert_eq!(v["bootstrap"]["n_clusters"], 5);
    assert_eq!(v["bootstrap"]["enumerated"], true);
    let (ok, _, err) = on_panel(
        "y ~ x | code",
        &["--boot", "wcr", "--boot-cluster", "nosuch"],
    );
    assert!(!ok && err.contains("--boot-cluster 'nosuch'") && err.contains("no column"));
}

#[test]
fn bad_formulas_and_clusters_exit_2_with_a_caret() {
    for (formula, col, msg) in [
        ("y ~ log(x + )", 12, "expected a column"),
        ("y ~ x^2", 5, "I(x^2)"),
        ("y ~ i(grp, ref = \"zz\") | code", 17, "not a level"),
        ("y ~ x | region^nosuch", 15, "no column 'nosuch'"),
    ] {
        let (ok, out, err) = on_panel(formula, &[]);
        assert!(!ok && out.is_empty(), "{formula}");
        assert!(err.contains(msg), "{formula}: {err}");
        let caret = err.lines().last().unwrap();
        assert_eq!(caret.find('^').unwrap() - 2, col, "{formula}: {err}");
    }
    let (ok, _, err) = on_panel("y ~ x | code", &["--cluster", "region + year + grp"]);
    assert!(!ok && err.contains("one column or two"), "{err}");
    let (ok, _, err) = on_panel("y ~ x | code", &["--cluster", "region", "--vcov", "hc1"]);
    assert!(!ok && err.contains("needs a clustered covariance"), "{err}");
}

/// `--spec FILE --formula` sees the derived variables and the sample window: the spec's own
/// formula gives the spec runner's estimate; without `--spec` the variable is unknown.
#[test]
fn spec_variables_and_sample_in_an_ad_hoc_formula() {
    let data = SYNTHETIC;
    let spec_path = std::path::Path::new("specs/vive.toml");
    let mut sf = iku::spec::SpecFile::load(spec_path).unwrap();
    sf.study.bootstrap = None;
    sf.specs.retain(|s| s.name == "fd_year");
    sf.specs[0].bootstrap = None;
    let panel = iku::canonical::load(std::path::Path::new(data)).unwrap();
    let (runs, _notes) = sf.run(spec_path, &panel).unwrap();
    let effect = runs[0].effect();
    let formula = sf.specs[0].formula.clone();
    let v = spec_json(&formula);
    let row = &v["coefficients"][0];
    // serde_json's default float parsing may be one ulp off the printed shortest form.
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-14 * b.abs();
    assert!(same(row["estimate"].as_f64().unwrap(), effect.estimate));
    assert!(same(row["std_error"].as_f64().unwrap(), effect.std_error));
    assert!(v["dropped"]["outside sample"].as_u64().unwrap() > 0);
    // The new syntax on the derived variables.
    let v = spec_json("d_spend_pc ~ l(d_iku, 0:1) + I(pop_growth^2) | code + year");
    assert_eq!(v["coefficients"][2]["term"], "I(pop_growth^2)");
    let (ok, _, err) = run(&[
        "--data",
        data,
        "--unit",
        "code",
        "--time",
        "year",
        "--formula",
        &formula,
    ]);
    assert!(
        !ok && err.contains("no numeric column 'd_spend_pc'"),
        "{err}"
    );
}

// --- Multiple estimation.

const MULTI_FIXTURE: &str = "tests/reference/fixtures/multi/pyfixest_multi.json";

/// The standard output of a successful run.
fn ok((ok, out, err): (bool, String, String)) -> String {
    assert!(ok, "{err}");
    out
}

/// A formula compared across spellings: no whitespace, no `+ 1` (pyfixest's zero step).
fn normal(f: &str) -> String {
    let s: String = f.chars().filter(|c| !c.is_whitespace()).collect();
    s.replace("+1|", "|").trim_end_matches("+1").to_string()
}

#[test]
fn models_agree_with_pyfixest_in_number_order_and_values() {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(MULTI_FIXTURE).unwrap()).unwrap();
    assert_eq!(doc["versions"]["pyfixest"], "0.60.0");
    for c in doc["cases"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let mut extra = vec!["--format", "json"];
        if let Some(v) = c["split"].as_str() {
            extra.extend(["--split", v]);
        }
        if let Some(v) = c["fsplit"].as_str() {
            extra.extend(["--fsplit", v]);
        }
        let out: Value =
            serde_json::from_str(&ok(on_panel(c["formula"].as_str().unwrap(), &extra))).unwrap();
        let got = out["models"].as_array().unwrap();
        let want = c["models"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{id}: model count");
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            let what = format!("{id} model {k}");
            assert_eq!(
                normal(g["formula"].as_str().unwrap()),
                normal(w["formula"].as_str().unwrap()),
                "{what}"
            );
            match (&g["split"], &w["split"]) {
                (Value::Number(a), Value::Number(b)) => assert_eq!(a.as_f64(), b.as_f64()),
                (a, b) => assert_eq!(a, b, "{what}: split"),
            }
            let split_var = c["split"].as_str().or(c["fsplit"].as_str());
            assert_eq!(g["split_var"].as_str(), split_var, "{what}: split_var");
            assert_eq!(g["nobs"], w["nobs"], "{what}: nobs");
            let rows = g["coefficients"].as_array().unwrap();
            assert_eq!(rows.len(), w["terms"].as_array().unwrap().len(), "{what}");
            for (j, r) in rows.iter().enumerate() {
                assert_eq!(r["term"], w["terms"][j], "{what}");
                let (b, s) = (
                    w["estimate"][j].as_f64().unwrap(),
                    w["std_error"][j].as_f64().unwrap(),
                );
                let (eb, es) = (
                    r["estimate"].as_f64().unwrap(),
                    r["std_error"].as_f64().unwrap(),
                );
                assert!(
                    (eb - b).abs() <= 1e-8 * b.abs(),
                    "{what} {}: {eb} vs {b}",
                    r["term"]
                );
                assert!(
                    (es - s).abs() <= 1e-6 * s,
                    "{what} {}: {es} vs {s}",
                    r["term"]
                );
            }
        }
    }
}

#[test]
fn one_model_prints_the_single_document_and_each_of_several_is_its_own_document() {
    let json = ["--format", "json"];
    // A stepwise function of one element is one model: the single-model document, byte for
    // byte the document of the formula it expands to.
    let single = ok(on_panel("y ~ x + z | code", &json));
    assert_eq!(ok(on_panel("y ~ x + sw(z) | code", &json)), single);
    assert!(
        single.starts_with("{\n  \"formula\": \"y ~ x + z | code\","),
        "{single}"
    );
    // Several: each element is the document of its formula pasted back, plus "split".
    let multi = ok(on_panel(
        "c(y, log(y)) ~ x + sw0(z) | csw(code, year)",
        &json,
    ));
    assert!(
        multi.starts_with("{\n  \"models\": [\n    {\n      \"formula\": "),
        "{multi}"
    );
    let doc: Value = serde_json::from_str(&multi).unwrap();
    let models = doc["models"].as_array().unwrap();
    assert_eq!(models.len(), 8);
    for m in models {
        let f = m["formula"].as_str().unwrap();
        let mut alone: Value = serde_json::from_str(&ok(on_panel(f, &json))).unwrap();
        alone["split"] = Value::Null;
        assert_eq!(m, &alone, "{f}");
        assert!(m.get("split_var").is_none());
    }
    assert_eq!(models[0]["formula"], "y ~ x | code");
    assert_eq!(models[7]["formula"], "log(y) ~ x + z | code + year");
    // Repeated --formula: the models of each, concatenated in order.
    let (_, both, _) = on_panel(
        "y ~ sw(x, z) | code",
        &["--formula", "y ~ x + z | code", "--format", "json"],
    );
    let both: Value = serde_json::from_str(&both).unwrap();
    let texts: Vec<&str> = both["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["formula"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["y ~ x | code", "y ~ z | code", "y ~ x + z | code"]);
    // Same inputs, same bytes.
    assert_eq!(
        ok(on_panel(
            "c(y, log(y)) ~ x + sw0(z) | csw(code, year)",
            &json
        )),
        multi
    );
}

#[test]
fn tables_label_models_by_number_with_formula_and_sample() {
    let md = ok(on_panel(
        "y ~ sw(x, z) | code",
        &["--fsplit", "size", "--format", "md", "--max-columns", "8"],
    ));
    assert!(
        md.starts_with("|  | (1) | (2) | (3) | (4) | (5) | (6) | (7) | (8) |\n"),
        "{md}"
    );
    assert!(
        md.contains("| Sample | all | all | size = 1 | size = 1 | size = 2 | size = 2 | size = 3 | size = 3 |\n"),
        "{md}"
    );
    assert!(
        md.contains("(1) y ~ x | code\n\n(2) y ~ z | code\n"),
        "{md}"
    );
    assert!(md.contains("| N | 383 | 383 | 126 |"), "{md}");
    for fmt in ["table", "csv", "tex"] {
        let out = ok(on_panel(
            "c(y, log(y)) ~ x + csw(z, I(z^2)) | code",
            &["--split", "region", "--format", fmt],
        ));
        assert!(
            out.contains("(20)") && out.contains("region = west"),
            "{fmt}: {out}"
        );
    }
}

#[test]
fn usage_errors_exit_2_without_output() {
    for (formula, extra, msg) in [
        ("y ~ sw(x, z) | code", vec!["--lincom", "x"], "single model"),
        ("c(y, x) ~ z | code", vec!["--tests"], "single model"),
        (
            "y ~ x | code",
            vec!["--split", "region", "--save-fit", "/tmp/never.json"],
            "single model",
        ),
        (
            "y ~ x | sw(code, year)",
            vec!["--wald", "x = 0"],
            "single model",
        ),
        (
            "y ~ x | code",
            vec!["--split", "nosuch"],
            "split variable 'nosuch'",
        ),
        (
            "y ~ x | code",
            vec!["--split", "region", "--fsplit", "size"],
            "cannot be used with",
        ),
        (
            "y ~ sw(x, z) + csw(w, z) | code",
            vec![],
            "second stepwise function",
        ),
        (
            "y ~ x + c(z, w) | code",
            vec![],
            "c() lists several outcomes",
        ),
        (
            "y ~ sw(x, nosuch) | code",
            vec![],
            "no numeric column 'nosuch'",
        ),
        // A zero step leaving nothing to estimate under the default within model.
        ("y ~ sw0(x)", vec![], "nothing to estimate"),
        ("y ~ 1", vec![], "nothing to estimate"),
    ] {
        let (ok, out, err) = on_panel(formula, &extra);
        assert!(!ok && out.is_empty(), "{formula} {extra:?}: {out}");
        assert!(err.contains(msg), "{formula} {extra:?}: {err}");
    }
    assert!(!std::path::Path::new("/tmp/never.json").exists());
    // The caret is under the offending place of the formula as written.
    let (_, _, err) = on_panel("y ~ sw(x, z) + csw(w, z) | code", &[]);
    assert!(
        err.ends_with("  y ~ sw(x, z) + csw(w, z) | code\n                 ^\n"),
        "{err}"
    );
    let (_, _, err) = on_panel("y ~ x + sw(z, x) | code", &[]);
    assert!(
        err.ends_with("  y ~ x + sw(z, x) | code\n                ^\n"),
        "{err}"
    );
    // A model failing on one split sample names the sample.
    // (size is constant on each of its samples: nothing is left to estimate.)
    let (ok, _, err) = on_panel("y ~ size | code", &["--split", "size"]);
    assert!(!ok && err.contains("on the sample size = 1: "), "{err}");
    let (ok, _, err) = run(&[
        "--spec",
        "specs/vive.toml",
        "--data",
        SYNTHETIC,
        "--split",
        "region",
    ]);
    assert!(!ok && err.contains("apply to --formula"), "{err}");
}

/// `--spec FILE --formula` expands on the spec's derived variables and sample window: each
/// model is the single run of its own formula.
#[test]
fn spec_formulas_expand_on_the_derived_variables() {
    let spec = |formula: &str| ok(spec_run(formula));
    let doc: Value = serde_json::from_str(&spec(
        "d_spend_pc ~ csw(d_iku, l(d_iku, 1), I(pop_growth^2)) | code + year",
    ))
    .unwrap();
    let models = doc["models"].as_array().unwrap();
    assert_eq!(models.len(), 3);
    assert_eq!(
        models[2]["formula"],
        "d_spend_pc ~ d_iku + l(d_iku, 1) + I(pop_growth^2) | code + year"
    );
    for m in models {
        let mut alone: Value = serde_json::from_str(&spec(m["formula"].as_str().unwrap())).unwrap();
        alone["split"] = Value::Null;
        assert_eq!(m, &alone);
        assert!(m["dropped"]["outside sample"].as_u64().unwrap() > 0);
    }
}

#[test]
fn help_describes_multiple_estimation() {
    let (ok, help, _) = run(&["--help"]);
    assert!(ok);
    for needle in [
        "Multiple estimation",
        "csw0(a, b)",
        "c(y1, y2)",
        "--split <COL>",
        "--fsplit <COL>",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}: {help}");
    }
}

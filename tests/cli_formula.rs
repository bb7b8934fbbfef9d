//! iku-estimate with the formula language, clusters on any column and `--spec` with
//! `--formula`: the command line agrees with the pyfixest fixture and with the spec runner.

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

/// JSON of `formula` with `--spec specs/vive.toml` on the synthetic panel.
fn spec_json(formula: &str) -> serde_json::Value {
    parsed(run(&[
        "--spec",
        "specs/vive.toml",
        "--data",
        SYNTHETIC,
        "--formula",
        formula,
        "--format",
        "json",
    ]))
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

//! The formula language, fixed effects on any column and clustering on any column against
//! pyfixest 0.60 (`tests/reference/make_fixtures_formula.py`, fixture
//! `fixtures/formula/pyfixest_formula.json`): for every case the coefficient names (fixest's) in
//! order, the observation count, the estimates to 1e-8 relative and the CRV1 standard errors
//! (fixest's small-sample preset, clustered on the case's column or columns) to 1e-6, and the
//! t degrees of freedom. Multiple estimation (stepwise functions, several outcomes, split
//! samples; `make_fixtures_multi.py`, `fixtures/multi/pyfixest_multi.json`) the same way, with
//! the number and order of the models, their formulas and split values.

use panelkit::estimators::{estimate, EstimateOptions, Fit, Model};
use panelkit::formula::{expand, split_samples, Formula, SplitSample, SplitValue};
use panelkit::inference::clusters::ClusterVars;
use panelkit::inference::{Ssc, Vcov, VcovKind, VcovSpec};
use serde_json::Value;
use std::path::Path;

fn workspace(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// The fixture panel of `make_fixtures_formula.py`.
fn formula_panel() -> panelkit::Panel {
    panelkit::panel::io::read_csv(
        &workspace("tests/reference/data/formula_panel.csv"),
        "code",
        "year",
    )
    .unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// A pyfixest 0.60 fixture and the panel it was computed on.
fn fixture(path: &str) -> (Value, panelkit::Panel) {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(workspace(path)).unwrap()).unwrap();
    assert_eq!(doc["versions"]["pyfixest"], "0.60.0");
    let panel = panelkit::panel::io::read_csv(
        &workspace(doc["data_file"].as_str().unwrap()),
        doc["unit"].as_str().unwrap(),
        doc["time"].as_str().unwrap(),
    )
    .unwrap();
    (doc, panel)
}

/// Checks a fit against a fixture record (`terms`, `nobs`, `estimate` to 1e-8 relative,
/// `std_error` to 1e-6 under the covariance `v`); returns the worst relative differences.
fn agrees(what: &str, fit: &Fit, v: &Vcov, rec: &Value) -> (f64, f64) {
    let want: Vec<&str> = rec["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(fit.terms(), want.as_slice(), "{what}: term names");
    assert_eq!(
        fit.n(),
        rec["nobs"].as_u64().unwrap() as usize,
        "{what}: nobs"
    );
    let (mut worst_est, mut worst_se) = (0.0f64, 0.0f64);
    for (j, term) in want.iter().enumerate() {
        let (b, s) = (
            rec["estimate"][j].as_f64().unwrap(),
            rec["std_error"][j].as_f64().unwrap(),
        );
        let (eb, es) = (
            rel(fit.coefficients()[j], b),
            rel(v.matrix[[j, j]].sqrt(), s),
        );
        assert!(
            eb < 1e-8,
            "{what} {term}: estimate {} vs {b}",
            fit.coefficients()[j]
        );
        assert!(
            es < 1e-6,
            "{what} {term}: SE {} vs {s}",
            v.matrix[[j, j]].sqrt()
        );
        worst_est = worst_est.max(eb);
        worst_se = worst_se.max(es);
    }
    (worst_est, worst_se)
}

#[test]
fn formula_cases_agree_with_pyfixest() {
    let (doc, panel) = fixture("tests/reference/fixtures/formula/pyfixest_formula.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    let (mut worst_est, mut worst_se) = (0.0f64, 0.0f64);
    for c in cases {
        let id = c["id"].as_str().unwrap();
        let f = Formula::parse(c["formula"].as_str().unwrap()).unwrap();
        let model = c["model"].as_str().map(|m| Model::parse(m).unwrap());
        let model = Model::resolve(&f, &panel, model).unwrap();
        let opts = EstimateOptions::new(model).with_weights(c["weights"].as_str());
        let fit = estimate(&panel, &f, &opts).unwrap_or_else(|e| panic!("{id}: {e}"));
        let vars = ClusterVars::from_panel(&panel, &fit, c["cluster"].as_str().unwrap()).unwrap();
        let spec = VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::fixest());
        let v = fit.vcov_clustered(&spec, &vars).unwrap();
        assert_eq!(v.df, c["t_df"].as_f64(), "{id}: t df");
        let (e, s) = agrees(id, &fit, &v, c);
        worst_est = worst_est.max(e);
        worst_se = worst_se.max(s);
    }
    println!(
        "worst relative difference: estimates {worst_est:.1e}, standard errors {worst_se:.1e}"
    );
}

/// A formula compared across spellings: no whitespace, no `+ 1` (pyfixest's zero step).
fn normal(f: &str) -> String {
    let s: String = f.chars().filter(|c| !c.is_whitespace()).collect();
    s.replace("+1|", "|").trim_end_matches("+1").to_string()
}

#[test]
fn multiple_estimation_agrees_with_pyfixest() {
    let (doc, panel) = fixture("tests/reference/fixtures/multi/pyfixest_multi.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    let spec = VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::fixest());
    let (mut worst_est, mut worst_se, mut n_models) = (0.0f64, 0.0f64, 0);
    for c in cases {
        let id = c["id"].as_str().unwrap();
        let formulas = expand(c["formula"].as_str().unwrap()).unwrap();
        let samples = match (c["split"].as_str(), c["fsplit"].as_str()) {
            (Some(v), _) => split_samples(&panel, v, false).unwrap(),
            (None, Some(v)) => split_samples(&panel, v, true).unwrap(),
            (None, None) => vec![SplitSample {
                value: None,
                rows: vec![true; panel.nrows()],
            }],
        };
        let want = c["models"].as_array().unwrap();
        // The samples outermost, then the models of the formula, as pyfixest orders them.
        assert_eq!(
            samples.len() * formulas.len(),
            want.len(),
            "{id}: model count"
        );
        let ours = samples
            .iter()
            .flat_map(|s| formulas.iter().map(move |f| (s, f)));
        for (k, ((s, f), m)) in ours.zip(want).enumerate() {
            let what = format!("{id} model {k} ({})", f.text);
            assert_eq!(
                normal(&f.text),
                normal(m["formula"].as_str().unwrap()),
                "{what}"
            );
            match (&s.value, &m["split"]) {
                (None, Value::Null) => {}
                (Some(SplitValue::Number(a)), b) => assert_eq!(Some(*a), b.as_f64(), "{what}"),
                (Some(SplitValue::Text(a)), b) => assert_eq!(Some(a.as_str()), b.as_str()),
                (a, b) => panic!("{what}: split {a:?} vs {b}"),
            }
            let model = Model::resolve(f, &panel, None).unwrap();
            let opts = EstimateOptions::new(model).with_sample(Some(s.rows.clone()));
            let fit = estimate(&panel, f, &opts).unwrap_or_else(|e| panic!("{what}: {e}"));
            let vars =
                ClusterVars::from_panel(&panel, &fit, doc["cluster"].as_str().unwrap()).unwrap();
            let v = fit.vcov_clustered(&spec, &vars).unwrap();
            let (e, se) = agrees(&what, &fit, &v, m);
            worst_est = worst_est.max(e);
            worst_se = worst_se.max(se);
            n_models += 1;
        }
    }
    assert_eq!(n_models, 12 + 6 + 4 + 5 + 12);
    println!("{n_models} models; worst relative difference: estimates {worst_est:.1e}, standard errors {worst_se:.1e}");
}

#[test]
fn split_values_sort_numerically_or_by_text_and_skip_missing() {
    let panel = formula_panel();
    let labels = |var: &str, full: bool| -> Vec<String> {
        split_samples(&panel, var, full)
            .unwrap()
            .iter()
            .map(|s| s.value.as_ref().map_or("all".into(), SplitValue::label))
            .collect()
    };
    assert_eq!(
        labels("region", false),
        ["centre", "east", "north", "south", "west"]
    );
    assert_eq!(labels("size", true), ["all", "1", "2", "3"]);
    assert_eq!(labels("w", false), ["1", "1.25", "1.5", "1.75", "2"]);
    // The unit key: numeric order (2 before 10), as pandas sorts an integer column.
    let units = labels("code", false);
    assert_eq!(units.len(), 40);
    assert_eq!(units[..3], ["1", "2", "3"]);
    assert_eq!(units[39], "40");
    // Each split sample is the rows with that value; together they are every row.
    let s = split_samples(&panel, "size", true).unwrap();
    let counted: usize = s[1..]
        .iter()
        .map(|x| x.rows.iter().filter(|&&r| r).count())
        .sum();
    assert_eq!(counted, panel.nrows());
    assert!(s[0].rows.iter().all(|&r| r));
    // A missing value belongs to the full sample only.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("p.csv");
    std::fs::write(&csv, "u,t,g,y\n1,1,b,1\n1,2,,2\n2,1,a,3\n2,2,b,4\n").unwrap();
    let p = panelkit::panel::io::read_csv(&csv, "u", "t").unwrap();
    let s = split_samples(&p, "g", true).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s[0].rows, [true; 4]);
    assert_eq!(s[1].value, Some(SplitValue::Text("a".into())));
    assert_eq!(s[1].rows, [false, false, true, false]);
    assert_eq!(s[2].rows, [true, false, false, true]);
    assert!(split_samples(&panel, "nope", false)
        .unwrap_err()
        .to_string()
        .contains("split variable 'nope' is not in the data"));
}

/// Clustering on the unit column equals the unit-clustered kind, factor and all.
#[test]
fn clustering_on_the_unit_column_equals_the_cluster_kind() {
    let panel = formula_panel();
    let f = Formula::parse("y ~ x + z | code + year").unwrap();
    let fit = estimate(&panel, &f, &EstimateOptions::new(Model::Twoways)).unwrap();
    for (kind, cols) in [
        (VcovKind::Cluster, "code"),
        (VcovKind::ClusterTwoway, "code + year"),
    ] {
        let spec = VcovSpec::new(kind);
        let a = fit.vcov(&spec).unwrap();
        let vars = ClusterVars::from_panel(&panel, &fit, cols).unwrap();
        let b = fit.vcov_clustered(&spec, &vars).unwrap();
        assert_eq!(a.df, b.df);
        for (x, y) in a.matrix.iter().zip(b.matrix.iter()) {
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1e-300),
                "{cols}: {x} vs {y}"
            );
        }
        assert_eq!(b.cluster.as_deref(), Some(cols));
    }
    // Any fixed effects (alternating projections): the unit-clustered kind counts the unit
    // fixed effects nested in the unit clusters once, as clustering on the unit column does.
    let g = Formula::parse("y ~ log(x) + z | code + region^year").unwrap();
    let ap = estimate(&panel, &g, &EstimateOptions::new(Model::Fixef)).unwrap();
    let spec = VcovSpec::new(VcovKind::Cluster);
    let a = ap.vcov(&spec).unwrap();
    let b = ap
        .vcov_clustered(
            &spec,
            &ClusterVars::from_panel(&panel, &ap, "code").unwrap(),
        )
        .unwrap();
    for (x, y) in a.matrix.iter().zip(b.matrix.iter()) {
        assert!((x - y).abs() <= 1e-12 * x.abs().max(1e-300), "{x} vs {y}");
    }
    let vars = ClusterVars::from_panel(&panel, &fit, "nosuch").unwrap_err();
    assert!(vars.to_string().contains("no column 'nosuch'"));
    let three = ClusterVars::from_panel(&panel, &fit, "code + year + region").unwrap_err();
    assert!(three.to_string().contains("one column or two"));
}

/// Alternating projections on the unit and time effects equal the exact two-way path.
#[test]
fn alternating_projections_equal_the_exact_twoways_path() {
    let panel = formula_panel();
    let f = Formula::parse("y ~ log(x) + z | code + year").unwrap();
    let exact = estimate(&panel, &f, &EstimateOptions::new(Model::Twoways)).unwrap();
    let ap = estimate(&panel, &f, &EstimateOptions::new(Model::Fixef)).unwrap();
    for (a, b) in exact.coefficients().iter().zip(ap.coefficients()) {
        assert!(rel(*b, *a) < 1e-9, "{a} vs {b}");
    }
    assert_eq!(exact.k_fe(), ap.k_fe());
}

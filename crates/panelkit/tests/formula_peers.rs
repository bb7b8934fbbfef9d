//! The formula language, fixed effects on any column and clustering on any column against
//! pyfixest 0.60 (`tests/reference/make_fixtures_formula.py`, fixture
//! `fixtures/formula/pyfixest_formula.json`): for every case the coefficient names (fixest's) in
//! order, the observation count, the estimates to 1e-8 relative and the CRV1 standard errors
//! (fixest's small-sample preset, clustered on the case's column or columns) to 1e-6, and the
//! t degrees of freedom.

use panelkit::estimators::{estimate, EstimateOptions, Model};
use panelkit::formula::Formula;
use panelkit::inference::clusters::ClusterVars;
use panelkit::inference::{Ssc, VcovKind, VcovSpec};
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

#[test]
fn formula_cases_agree_with_pyfixest() {
    let text = std::fs::read_to_string(workspace(
        "tests/reference/fixtures/formula/pyfixest_formula.json",
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["versions"]["pyfixest"], "0.60.0");
    let panel = panelkit::panel::io::read_csv(
        &workspace(doc["data_file"].as_str().unwrap()),
        doc["unit"].as_str().unwrap(),
        doc["time"].as_str().unwrap(),
    )
    .unwrap();
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
        let want: Vec<&str> = c["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(fit.terms(), want.as_slice(), "{id}: term names");
        assert_eq!(fit.n(), c["nobs"].as_u64().unwrap() as usize, "{id}: nobs");
        let vars = ClusterVars::from_panel(&panel, &fit, c["cluster"].as_str().unwrap()).unwrap();
        let spec = VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::fixest());
        let v = fit.vcov_clustered(&spec, &vars).unwrap();
        assert_eq!(v.df, c["t_df"].as_f64(), "{id}: t df");
        for (j, term) in want.iter().enumerate() {
            let (b, s) = (
                c["estimate"][j].as_f64().unwrap(),
                c["std_error"][j].as_f64().unwrap(),
            );
            let (eb, es) = (
                rel(fit.coefficients()[j], b),
                rel(v.matrix[[j, j]].sqrt(), s),
            );
            assert!(
                eb < 1e-8,
                "{id} {term}: estimate {} vs {b}",
                fit.coefficients()[j]
            );
            assert!(
                es < 1e-6,
                "{id} {term}: SE {} vs {s}",
                v.matrix[[j, j]].sqrt()
            );
            worst_est = worst_est.max(eb);
            worst_se = worst_se.max(es);
        }
    }
    println!(
        "worst relative difference: estimates {worst_est:.1e}, standard errors {worst_se:.1e}"
    );
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

//! R² against the peers, to 1e-10 relative: fixest's R² of the full model (fixed effects
//! included) and within R², from pyfixest 0.60.0 (`fit._r2`, `fit._r2_within`; fixture
//! `tests/reference/fixtures/r2/pyfixest_r2.json`, script `make_fixtures_r2.py`) for pooled,
//! within, within-time, two-way and multi-way fixed effects, weighted and not, on balanced and
//! unbalanced panels; and plm 2.6-2's `r.squared` of the differenced regression for first
//! differences (fixtures `plm_grunfeld*.json`, `make_fixtures_R.R`).

use panelkit::estimators::{estimate, EstimateOptions, Model};
use panelkit::formula::Formula;
use serde_json::Value;
use std::path::Path;

const TOL: f64 = 1e-10;

fn workspace(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn fixture(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(workspace(rel)).unwrap()).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn r2_and_within_r2_agree_with_pyfixest() {
    let doc = fixture("tests/reference/fixtures/r2/pyfixest_r2.json");
    assert_eq!(doc["versions"]["pyfixest"], "0.60.0");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 19);
    let mut within_seen = 0;
    for c in cases {
        let id = c["id"].as_str().unwrap();
        let panel = panelkit::panel::io::read_csv(
            &workspace(c["data_file"].as_str().unwrap()),
            c["unit"].as_str().unwrap(),
            c["time"].as_str().unwrap(),
        )
        .unwrap();
        let f = Formula::parse(c["formula"].as_str().unwrap()).unwrap();
        let model = c["model"].as_str().map(|m| Model::parse(m).unwrap());
        let model = Model::resolve(&f, &panel, model).unwrap();
        let opts = EstimateOptions::new(model).with_weights(c["weights"].as_str());
        let fit = estimate(&panel, &f, &opts).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(fit.n(), c["nobs"].as_u64().unwrap() as usize, "{id}: nobs");
        let r2 = c["r2"].as_f64().unwrap();
        let mine = fit.r2_overall().unwrap_or_else(|| panic!("{id}: no R²"));
        assert!(rel(mine, r2) < TOL, "{id}: R² {mine} vs pyfixest {r2}");
        match c["r2_within"].as_f64() {
            Some(w) => {
                let mine = fit
                    .r2_within()
                    .unwrap_or_else(|| panic!("{id}: no within R²"));
                assert!(rel(mine, w) < TOL, "{id}: within R² {mine} vs pyfixest {w}");
                within_seen += 1;
            }
            None => assert_eq!(fit.r2_within(), None, "{id}: within R² without effects"),
        }
    }
    assert_eq!(within_seen, 15);
}

#[test]
fn first_difference_r2_is_plms_of_the_differenced_regression() {
    let mut seen = 0;
    for ds in ["grunfeld", "grunfeld_unbal"] {
        let doc = fixture(&format!("tests/reference/fixtures/plm_{ds}.json"));
        assert_eq!(doc["versions"]["plm"], "2.6-2");
        let panel = panelkit::panel::io::read_csv(
            &workspace(doc["data_file"].as_str().unwrap()),
            "firm",
            "year",
        )
        .unwrap();
        for c in doc["cases"].as_array().unwrap() {
            if c["model"] != "fd" || c["vcov"] != "iid" || !c["weights"].is_null() {
                continue;
            }
            let id = c["id"].as_str().unwrap();
            let f = Formula::parse(c["formula"].as_str().unwrap()).unwrap();
            // plm differences consecutive rows of a unit, across gaps.
            let opts = EstimateOptions::new(Model::Fd).with_fd_across_gaps(true);
            let fit = estimate(&panel, &f, &opts).unwrap();
            assert_eq!(fit.n(), c["nobs"].as_u64().unwrap() as usize, "{id}");
            let want = c["r2"].as_f64().unwrap();
            assert!(
                rel(fit.r2(), want) < TOL,
                "{id}: {} vs plm {want}",
                fit.r2()
            );
            assert_eq!(fit.r2_overall(), None, "{id}: no full-model R² under fd");
            assert_eq!(fit.r2_within(), None, "{id}");
            seen += 1;
        }
    }
    assert_eq!(seen, 4);
}

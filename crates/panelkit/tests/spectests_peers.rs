//! Spec-test cases where iku used to disagree with plm (fixture
//! `fixtures/spec_tests/plm_spectests.json`, written by
//! `tests/reference/make_fixtures_spectests.R`): Hausman with V_W − V_R not positive definite
//! (plm reports |H|) and Pesaran CD on a panel where some unit pairs share at most one period
//! (plm skips them and normalises by the pairs used).

use panelkit::estimators::{estimate, EstimateOptions, Model};
use panelkit::formula::Formula;
use panelkit::inference::{hausman, pesaran_cd};
use serde_json::Value;
use std::path::Path;

fn workspace(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn case(id: &str) -> Value {
    let text = std::fs::read_to_string(workspace(
        "tests/reference/fixtures/spec_tests/plm_spectests.json",
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone()
}

fn fit(c: &Value, model: Model) -> panelkit::estimators::Fit {
    let p = panelkit::panel::io::read_csv(
        &workspace(c["data_file"].as_str().unwrap()),
        c["unit"].as_str().unwrap(),
        c["time"].as_str().unwrap(),
    )
    .unwrap();
    let f = Formula::parse(c["formula"].as_str().unwrap()).unwrap();
    estimate(&p, &f, &EstimateOptions::new(model)).unwrap()
}

#[test]
fn hausman_with_a_non_positive_definite_difference_reports_the_absolute_value() {
    let c = case("phtest_indefinite");
    assert!(c["quadratic_form"].as_f64().unwrap() < 0.0);
    let h = hausman(&fit(&c, Model::Within), &fit(&c, Model::Random)).unwrap();
    let want = c["statistic"].as_f64().unwrap();
    assert!(
        (h.statistic - want).abs() < 1e-8 * want,
        "{} vs {want}",
        h.statistic
    );
    assert!((h.p_value - c["p_value"].as_f64().unwrap()).abs() < 1e-8);
    assert!(h.name.contains("not positive definite"), "{}", h.name);
}

#[test]
fn pesaran_cd_skips_pairs_with_one_common_period_and_counts_the_rest() {
    let c = case("pcdtest_cd_sparse");
    let t = pesaran_cd(&fit(&c, Model::Within)).unwrap();
    let want = c["statistic"].as_f64().unwrap();
    assert!(
        (t.statistic - want).abs() < 1e-8 * want,
        "{} vs {want}",
        t.statistic
    );
    assert!((t.p_value - c["p_value"].as_f64().unwrap()).abs() < 1e-8);
    let note = format!(
        "{} of {} unit pairs skipped",
        c["skipped_pairs"].as_u64().unwrap(),
        c["pairs"].as_u64().unwrap()
    );
    assert!(t.name.contains(&note), "{}", t.name);
}

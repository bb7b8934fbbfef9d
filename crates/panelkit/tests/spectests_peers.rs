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

/// The tests `--tests` runs for a two-way, time-effects or first-difference fit agree with
/// plm's on the balanced and unbalanced Grunfeld panels, in the battery's order, each named
/// with the models it compares. plm's fd differences across gaps, so the fd fit does too.
#[test]
fn the_battery_tests_the_model_actually_fitted() {
    use panelkit::estimators::EstimateOptions;
    use panelkit::inference::standard_for;
    let order: [(&str, Model, &[&str], &str); 3] = [
        (
            "twoways",
            Model::Twoways,
            &["f_twoways", "f_time", "bp_twoways", "pwartest", "cd"],
            "twoways within",
        ),
        (
            "time",
            Model::WithinTime,
            &["f_time", "bp_time", "cd"],
            "time within",
        ),
        (
            "fd",
            Model::Fd,
            &["pwfdtest_fd", "pwfdtest_fe"],
            "fd residuals",
        ),
    ];
    for data in ["grunfeld", "grunfeld_unbal"] {
        for (tag, model, keys, label) in order {
            let c = case(&format!("battery_{tag}_{data}"));
            let p = panelkit::panel::io::read_csv(
                &workspace(c["data_file"].as_str().unwrap()),
                "firm",
                "year",
            )
            .unwrap();
            let f = Formula::parse(c["formula"].as_str().unwrap()).unwrap();
            let opts = EstimateOptions::new(model).with_fd_across_gaps(true);
            let fit = estimate(&p, &f, &opts).unwrap();
            if let Some(n) = c["n_fd"].as_u64() {
                assert_eq!(fit.n() as u64, n, "{data}: fd rows");
            }
            let got = standard_for(&fit, &p, &f, &opts).unwrap();
            assert_eq!(got.len(), keys.len(), "{tag} {data}");
            for (t, key) in got.iter().zip(keys) {
                let want = &c["tests"][key];
                let (s, pv) = (
                    want["statistic"].as_f64().unwrap(),
                    want["p_value"].as_f64().unwrap(),
                );
                assert!(
                    (t.statistic - s).abs() <= 1e-8 * s.abs().max(1.0),
                    "{tag} {data} {key}: {} vs {s}",
                    t.statistic
                );
                assert!(
                    (t.p_value - pv).abs() <= 1e-8,
                    "{tag} {data} {key}: p {} vs {pv}",
                    t.p_value
                );
                // jsonlite writes a one-element df as a scalar, the normal's as nothing.
                let df: Vec<f64> = match &want["df"] {
                    Value::Array(a) => a.iter().map(|v| v.as_f64().unwrap()).collect(),
                    Value::Number(n) => vec![n.as_f64().unwrap()],
                    _ => vec![],
                };
                assert_eq!(t.df, df, "{tag} {data} {key}: df");
                assert!(t.name.contains('['), "{}", t.name);
            }
            assert!(got.iter().any(|t| t.name.contains(label)), "{tag}: {label}");
        }
    }
}

/// Weighted and between fits are refused with a message saying why, not tested silently
/// as another model.
#[test]
fn the_battery_refuses_weighted_and_between_fits() {
    use panelkit::estimators::EstimateOptions;
    use panelkit::inference::standard_for;
    let p = panelkit::panel::io::read_csv(
        &workspace("tests/reference/data/grunfeld.csv"),
        "firm",
        "year",
    )
    .unwrap();
    let f = Formula::parse("inv ~ value + capital").unwrap();
    let weighted = EstimateOptions::new(Model::Twoways).with_weights(Some("w"));
    let fit = estimate(&p, &f, &weighted).unwrap();
    let e = standard_for(&fit, &p, &f, &weighted)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unweighted"), "{e}");
    let between = EstimateOptions::new(Model::Between);
    let fit = estimate(&p, &f, &between).unwrap();
    let e = standard_for(&fit, &p, &f, &between)
        .unwrap_err()
        .to_string();
    assert!(e.contains("between"), "{e}");
}

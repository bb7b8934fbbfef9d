//! A statistic, standard error or p-value that is not a number always comes with its reason
//! (JSON `nan_reason` / `r2_nan_reason`, a line under the text and Markdown tables), and
//! nothing panics: an all-zero response, a negative two-way cluster variance, a
//! specification test dividing by a zero residual sum of squares.

use panelkit::estimators::{estimate, EstimateOptions, Model};
use panelkit::formula::Formula;
use panelkit::inference::render::{render, render_with_tests, Format};
use panelkit::inference::{pftest, Ssc, VcovKind, VcovSpec};
use panelkit::panel::io::{read_csv_bytes, Kind};
use std::path::Path;

fn panel(csv: &str) -> panelkit::Panel {
    read_csv_bytes(Path::new("p.csv"), csv.as_bytes(), "u", "t", |_| Kind::Auto).unwrap()
}

const ZERO: &str = "u,t,y,x\n1,1,0,1\n1,2,0,2\n2,1,0,3\n2,2,0,1\n3,1,0,2\n3,2,0,5\n";

#[test]
fn an_all_zero_response_says_why_its_statistics_are_nan() {
    let p = panel(ZERO);
    let f = Formula::parse("y ~ x").unwrap();
    let fit = estimate(&p, &f, &EstimateOptions::new(Model::Pooled)).unwrap();
    let t = fit
        .coef_table(&VcovSpec::new(VcovKind::Cluster), 0.95)
        .unwrap();
    for row in &t.rows {
        assert!(row.statistic.is_nan() && row.p_value.is_nan());
        assert!(
            row.nan_reason.as_deref().unwrap().contains("0/0"),
            "{row:?}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&render(&fit, &t, Format::Json)).unwrap();
    assert!(json["coefficients"][1]["p_value"].is_null());
    assert!(json["coefficients"][1]["nan_reason"]
        .as_str()
        .unwrap()
        .contains("fits the response exactly"));
    assert!(json["r2"].is_null());
    assert!(json["r2_nan_reason"]
        .as_str()
        .unwrap()
        .contains("no variation"));
    for format in [Format::Text, Format::Md] {
        let text = render(&fit, &t, format);
        assert!(text.contains("R² is NaN: the response"), "{text}");
        assert!(text.contains("x: not finite: estimate and standard error are both 0"));
    }
    // The multi-model table: a note under it, the reason in its JSON.
    let et = panelkit::etable::EstimateTable::from_fits(&[("(1)", &fit, &t)], "u", "t");
    let md = et.to_markdown();
    assert!(
        md.contains("(1), `x`: not finite: estimate and standard error are both 0"),
        "{md}"
    );
    let j: serde_json::Value = serde_json::from_str(&et.to_json()).unwrap();
    assert!(
        j["columns"][0]["coefficients"][1]["nan_reason"].is_string(),
        "{j}"
    );
}

/// The F test for unit effects divides the RSS difference by the within RSS: 0/0 here.
#[test]
fn a_specification_test_on_an_all_zero_response_says_why_it_is_nan() {
    let p = panel(ZERO);
    let f = Formula::parse("y ~ x").unwrap();
    let pooled = estimate(&p, &f, &EstimateOptions::new(Model::Pooled)).unwrap();
    let within = estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap();
    let test = pftest(&within, &pooled).unwrap();
    assert!(test.statistic.is_nan() && test.p_value.is_nan());
    let why = test.nan_reason.clone().unwrap();
    assert!(why.contains("residual sum"), "{why}");
    let t = pooled
        .coef_table(&VcovSpec::new(VcovKind::Iid), 0.95)
        .unwrap();
    let text = render_with_tests(&pooled, &t, std::slice::from_ref(&test), Format::Text);
    assert!(text.contains(&format!("p-value NaN ({why})")), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&render_with_tests(&pooled, &t, &[test], Format::Json)).unwrap();
    assert_eq!(json["tests"][0]["nan_reason"].as_str(), Some(why.as_str()));
}

#[test]
fn a_negative_two_way_cluster_variance_gives_a_nan_standard_error_with_its_reason() {
    let csv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference/data/near_collinear.csv");
    let p = panelkit::panel::io::read_csv(&csv, "id", "t").unwrap();
    let f = Formula::parse("y ~ x1 + x2").unwrap();
    let fit = estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap();
    let spec = VcovSpec::new(VcovKind::ClusterTwoway).with_ssc(Ssc::none());
    let t = fit.coef_table(&spec, 0.95).unwrap();
    // The exact two-way variances of x1 and x2 are negative (make_fixtures_exact.py).
    for row in &t.rows {
        assert!(row.std_error.is_nan(), "{row:?}");
        assert!(row
            .nan_reason
            .as_deref()
            .unwrap()
            .contains("negative or undefined"));
    }
    let text = render(&fit, &t, Format::Md);
    assert!(text.contains("x1: not finite: the variance estimate is negative"));
}

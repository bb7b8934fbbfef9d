//! Few-cluster inference against peers (fixture `bootstrap_grunfeld.json`, written by
//! `tests/reference/make_fixtures_boot.py`): the wild cluster bootstrap against pyfixest and
//! wildboottest under full enumeration (10 firms, 1024 sign vectors, exact), CRV3 against
//! pyfixest, Romano–Wolf and Westfall–Young against pyfixest's `rwolf` / `wyoung`; CRV2
//! against R clubSandwich.
//!
//! t statistics are compared free of the small-sample factor (t·√c, each side with its own
//! c), the whole sorted bootstrap distribution to 1e-9, p-values exactly up to the draws that
//! tie the observed statistic (the sign vectors ±1 under WCR), which a peer counts or not by
//! rounding; iku counts them (its observed statistic is the draw v = 1).

use panelkit::estimators::{estimate, EstimateOptions, Fit, Model};
use panelkit::formula::Formula;
use panelkit::inference::bootstrap::{BootKind, BootOptions, PValueKind, WildBootstrap};
use panelkit::inference::multiple::{romano_wolf, westfall_young};
use panelkit::inference::{LinearHypothesis, Ssc, VcovKind, VcovSpec};
use serde_json::Value;
use std::path::Path;

fn workspace(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(workspace(
        "tests/reference/fixtures/few_clusters/bootstrap_grunfeld.json",
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn fit(file: &str, formula: &str, model: &str, weights: Option<&str>) -> Fit {
    let p = panelkit::panel::io::read_csv(&workspace(file), "firm", "year").unwrap();
    let f = Formula::parse(formula).unwrap();
    let o = EstimateOptions::new(Model::parse(model).unwrap()).with_weights(weights);
    estimate(&p, &f, &o).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn wild_cluster_bootstrap_matches_pyfixest_and_wildboottest_under_full_enumeration() {
    let fx = fixture();
    let cases = fx["bootstrap"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for c in cases {
        let id = c["id"].as_str().unwrap();
        let model = c["model"].as_str().unwrap();
        let formula = c["formula"].as_str().unwrap().split(" |").next().unwrap();
        let fit = fit(
            c["data_file"].as_str().unwrap(),
            formula,
            model,
            c["weights"].as_str(),
        );
        let h = LinearHypothesis::parse(c["hypothesis"].as_str().unwrap()).unwrap();
        let mut o = BootOptions::new(1);
        o.kind = BootKind::parse(c["type"].as_str().unwrap()).unwrap();
        let wb = WildBootstrap::new(&fit, &h, &o).unwrap();
        let res = wb.result();
        assert!(res.enumerated, "{id}");
        let reps = c["reps"].as_u64().unwrap() as usize;
        assert_eq!(res.reps, reps, "{id}");
        let ssc = c["ssc"].as_f64().unwrap();
        let raw_ours = res.t_stat * res.small_sample_factor.sqrt();
        let raw_peer = c["t_stat"].as_f64().unwrap() * ssc.sqrt();
        assert!(
            close(raw_ours, raw_peer, 1e-8),
            "{id}: t {raw_ours} vs {raw_peer}"
        );
        let mut ours: Vec<f64> = wb
            .t_star_at(h.restrictions()[0].rhs)
            .iter()
            .map(|t| t * (res.small_sample_factor / ssc).sqrt())
            .collect();
        ours.sort_by(f64::total_cmp);
        let peer: Vec<f64> = c["t_boot_sorted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for (a, b) in ours.iter().zip(&peer) {
            assert!(close(*a, *b, 1e-9), "{id}: t* {a} vs {b}");
        }
        let tie = c["ties"].as_u64().unwrap() as f64 / reps as f64;
        for (name, ours) in [
            ("p_symmetric", res.p_symmetric),
            ("p_equal_tailed", res.p_equal_tailed),
            ("p_upper", res.p_upper),
            ("p_lower", res.p_lower),
        ] {
            if let Some(p) = c[name].as_f64() {
                let tol = if name == "p_equal_tailed" {
                    2.0 * tie
                } else {
                    tie
                };
                assert!(
                    (ours - p).abs() <= tol + 1e-12,
                    "{id}: {name} {ours} vs {p} (ties {tie})"
                );
            }
        }
        // Under WCR the draws v = ±1 reproduce ±t exactly, and are counted.
        if o.kind == BootKind::Wcr {
            assert!(res.p_symmetric >= 2.0 / reps as f64, "{id}");
        }
    }
}

/// The interval by test inversion is where the p-value crosses α: just inside each end the
/// test does not reject, just outside it does.
#[test]
fn confidence_interval_inverts_the_test() {
    let fit = fit(
        "tests/reference/data/grunfeld.csv",
        "inv ~ value + capital",
        "within",
        None,
    );
    let h = LinearHypothesis::parse("capital = 0").unwrap();
    for kind in [BootKind::Wcr, BootKind::Wcu] {
        for pk in [PValueKind::Symmetric, PValueKind::EqualTailed] {
            let mut o = BootOptions::new(7);
            o.kind = kind;
            o.p_kind = pk;
            let wb = WildBootstrap::new(&fit, &h, &o).unwrap();
            let res = wb.result();
            let (lo, hi) = (res.ci[0].unwrap(), res.ci[1].unwrap());
            assert!(lo < res.estimate && res.estimate < hi);
            let p = |r: f64| {
                let v = wb.p_values_at(r);
                if pk == PValueKind::Symmetric {
                    v[0]
                } else {
                    v[1]
                }
            };
            let eps = 1e-6 * (hi - lo);
            assert!(p(lo + eps) > 0.05 && p(lo - eps) <= 0.05, "{kind:?} {pk:?}");
            assert!(p(hi - eps) > 0.05 && p(hi + eps) <= 0.05, "{kind:?} {pk:?}");
        }
    }
}

/// Every case's standard errors under `kind` / `ssc` against the fixture's, with t(G − 1).
fn check_std_errors(cases: &[Value], kind: VcovKind, ssc: Ssc) {
    for c in cases {
        let id = c["id"].as_str().unwrap();
        let fit = fit(
            c["data_file"].as_str().unwrap(),
            c["formula"].as_str().unwrap(),
            c["model"].as_str().unwrap(),
            None,
        );
        let spec = VcovSpec::new(kind).with_ssc(ssc);
        let v = fit.vcov(&spec).unwrap();
        assert_eq!(v.df, Some(9.0), "{id}");
        for (term, se) in c["std_errors"].as_object().unwrap() {
            let j = fit.term_index(term).unwrap();
            let ours = v.matrix[[j, j]].sqrt();
            let want = se.as_f64().unwrap();
            assert!(close(ours, want, 1e-8), "{id} {term}: {ours} vs {want}");
        }
    }
}

#[test]
fn crv3_matches_pyfixest() {
    let fx = fixture();
    let cases = fx["crv3"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    check_std_errors(cases, VcovKind::Crv3, Ssc::fixest());
}

/// CRV2 against clubSandwich's CR2 (fixture `clubsandwich_grunfeld.json`, written by
/// `tests/reference/make_fixtures_crv2.R`).
#[test]
fn crv2_matches_clubsandwich() {
    let text = std::fs::read_to_string(workspace(
        "tests/reference/fixtures/few_clusters/clubsandwich_grunfeld.json",
    ))
    .unwrap();
    let fx: Value = serde_json::from_str(&text).unwrap();
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    check_std_errors(cases, VcovKind::Crv2, Ssc::stata());
}

#[test]
fn romano_wolf_and_westfall_young_match_pyfixest() {
    let fx = fixture();
    let m = &fx["multiple"];
    let file = m["data_file"].as_str().unwrap();
    let h = LinearHypothesis::parse(m["param"].as_str().unwrap()).unwrap();
    let boots: Vec<WildBootstrap> = m["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let fit = fit(
                file,
                s["formula"].as_str().unwrap(),
                s["model"].as_str().unwrap(),
                None,
            );
            WildBootstrap::new(&fit, &h, &BootOptions::new(1)).unwrap()
        })
        .collect();
    let refs: Vec<&WildBootstrap> = boots.iter().collect();
    let reps = m["reps"].as_u64().unwrap() as f64;
    let rw = romano_wolf(&refs).unwrap();
    let wy = westfall_young(&refs).unwrap();
    let ties: Vec<f64> = m["ties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let max_ties: f64 = ties.iter().sum();
    for (s, (ours, want)) in rw.iter().zip(m["rwolf"].as_array().unwrap()).enumerate() {
        let want = want.as_f64().unwrap();
        assert!(
            (ours - want).abs() <= max_ties / (reps + 1.0) + 1e-12,
            "rwolf {s}: {ours} vs {want}"
        );
    }
    for (s, (ours, want)) in wy.iter().zip(m["wyoung"].as_array().unwrap()).enumerate() {
        let want = want.as_f64().unwrap();
        assert!(
            (ours - want).abs() <= max_ties / reps + 1e-12,
            "wyoung {s}: {ours} vs {want}"
        );
    }
}

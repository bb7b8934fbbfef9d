//! GMM against plm::pgmm fixtures (tests/reference/fixtures/gmm/plm_pgmm_emplUK.json, written by
//! tests/reference/make_fixtures_gmm.R) and properties plm does not report.

use super::*;
use serde_json::Value;

const TOL: f64 = 1e-6;

fn close(got: f64, want: f64, what: &str) {
    let scale = want.abs().max(1.0);
    assert!(
        (got - want).abs() <= TOL * scale,
        "{what}: got {got}, plm {want} (diff {:e})",
        got - want
    );
}

fn fixture() -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/reference/fixtures/gmm/plm_pgmm_emplUK.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn panel(dataset: &str) -> Panel {
    crate::panel::io::read_csv(
        &crate::testdata::reference(&format!("{dataset}.csv")),
        "firm",
        "year",
    )
    .unwrap()
}

fn fit_case(c: &Value, robust: bool) -> GmmFit {
    let p = panel(c["dataset"].as_str().unwrap());
    let f = Formula::parse(c["formula"].as_str().unwrap()).unwrap();
    let i = Instruments::parse(c["instruments"].as_str().unwrap()).unwrap();
    let opts = GmmOptions {
        transformation: if c["transformation"] == "d" {
            Transformation::Difference
        } else {
            Transformation::System
        },
        steps: c["steps"].as_u64().unwrap() as u8,
        collapse: c["collapse"].as_bool().unwrap(),
        effect: Effect::parse(c["effect"].as_str().unwrap()).unwrap(),
        robust,
        sample: None,
    };
    gmm(&p, &f, &i, &opts).unwrap()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Compares a fit's covariance with plm's, mapping plm's term order by name.
fn check_vcov(fit: &GmmFit, order: &[usize], want: &Value, id: &str) {
    for (a, row) in want.as_array().unwrap().iter().enumerate() {
        for (b, w) in f64s(row).iter().enumerate() {
            close(
                fit.vcov[[order[a], order[b]]],
                *w,
                &format!(
                    "{id} vcov[{}, {}]",
                    fit.terms[order[a]], fit.terms[order[b]]
                ),
            );
        }
    }
}

fn check_z(got: &ZTest, want: &Value, what: &str) {
    match want["z"].as_f64() {
        Some(z) => {
            close(got.z.expect(what), z, what);
            close(
                got.p_value.unwrap(),
                want["p_value"].as_f64().unwrap(),
                what,
            );
        }
        // plm prints NaN when the variance estimate is negative; iku reports none.
        None => assert_eq!(got.z, None, "{what}"),
    }
}

#[test]
fn reproduces_plm_pgmm() {
    let fx = fixture();
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for c in cases {
        let id = c["id"].as_str().unwrap();
        let fit = fit_case(c, true);
        let plm_terms: Vec<&str> = c["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(fit.terms.len(), plm_terms.len(), "{id}: {:?}", fit.terms);
        let order: Vec<usize> = plm_terms
            .iter()
            .map(|t| fit.term_index(t).unwrap_or_else(|| panic!("{id}: no {t}")))
            .collect();
        for (a, w) in f64s(&c["estimate"]).iter().enumerate() {
            close(
                fit.coefficients[order[a]],
                *w,
                &format!("{id} {}", plm_terms[a]),
            );
        }
        check_vcov(&fit, &order, &c["vcov_robust"], id);
        // Instrument layout: plm's columns minus those zero for every unit, which iku drops
        // (plm keeps them: the generalized inverse ignores them, the J df counts them).
        let plm_zero = c["zero_columns"].as_u64().unwrap() as usize;
        assert_eq!(
            fit.n_instruments,
            c["n_instruments"].as_u64().unwrap() as usize - plm_zero,
            "{id} instruments"
        );
        assert_eq!(
            fit.nobs_diff + fit.nobs_level,
            c["nobs"].as_u64().unwrap() as usize,
            "{id} nobs"
        );
        let h = &c["sargan_twosteps"];
        close(
            fit.hansen.stat,
            h["stat"].as_f64().unwrap(),
            &format!("{id} hansen"),
        );
        assert_eq!(
            fit.hansen.df + plm_zero,
            h["df"].as_u64().unwrap() as usize,
            "{id} hansen df"
        );
        if plm_zero == 0 {
            close(
                fit.hansen.p_value,
                h["p_value"].as_f64().unwrap(),
                &format!("{id} hansen p"),
            );
        }
        close(
            fit.plm_sargan_onestep,
            c["sargan_onestep"]["stat"].as_f64().unwrap(),
            &format!("{id} sargan(onestep)"),
        );
        check_z(&fit.ar1, &c["ar1_robust"], &format!("{id} AR(1)"));
        check_z(&fit.ar2, &c["ar2_robust"], &format!("{id} AR(2)"));
        if fit.options.steps == 2 {
            for (a, w) in f64s(&c["estimate_step1"]).iter().enumerate() {
                close(
                    fit.coefficients_step1[order[a]],
                    *w,
                    &format!("{id} step 1"),
                );
            }
            let nr = fit_case(c, false);
            check_vcov(&nr, &order, &c["vcov"], &format!("{id} non-robust"));
            check_z(&nr.ar1, &c["ar1"], &format!("{id} AR(1) non-robust"));
            check_z(&nr.ar2, &c["ar2"], &format!("{id} AR(2) non-robust"));
        }
    }
}

#[test]
fn arellano_bond_1991_table4_b() {
    // AB (1991) table 4, column (b), as plm's ?pgmm example reproduces it: two-step
    // coefficients of n(t−1), n(t−2) and w(t).
    let fx = fixture();
    let c = fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ab91_b")
        .unwrap();
    let fit = fit_case(c, false);
    let b = |t: &str| fit.coefficients[fit.term_index(t).unwrap()];
    assert!((b("l(n, 1)") - 0.4742).abs() < 5e-5);
    assert!((b("l(n, 2)") - (-0.0530)).abs() < 5e-5);
    assert!((b("l(w, 0)") - (-0.5132)).abs() < 5e-5);
    assert_eq!(fit.nobs_diff, 611);
    assert_eq!(fit.n_groups, 140);
    assert_eq!(fit.hansen.df, 25);
}

#[test]
fn diff_hansen_is_a_c_statistic() {
    let p = panel("emplUK");
    let f = Formula::parse("n ~ l(n, 1) + l(w, 0:1) + l(k, 0:1)").unwrap();
    let i = Instruments::parse("gmm(n, 2:99) + gmm(w, 2:99) + gmm(k, 2:99)").unwrap();
    let mut o = GmmOptions::new(Transformation::System);
    o.collapse = true;
    o.steps = 2;
    let fit = gmm(&p, &f, &i, &o).unwrap();
    let dh = fit.diff_hansen.clone().unwrap();
    // Two-step J of the full set = the reported Hansen; the difference is non-negative and
    // its df is the number of level-equation GMM columns (3 when collapsed).
    close(
        dh.excluding.stat + dh.difference.stat,
        fit.hansen.stat,
        "J(excl) + C = J(all)",
    );
    assert!(dh.difference.stat >= 0.0);
    assert_eq!(dh.difference.df, 3);
    assert_eq!(dh.excluding.df + 3, fit.hansen.df);
    // Difference GMM has no level equations to test.
    let d = gmm(&p, &f, &i, &GmmOptions::new(Transformation::Difference)).unwrap();
    assert!(d.diff_hansen.is_none());
    assert!(d.sargan.stat > 0.0 && d.sargan.df == d.hansen.df);
}

#[test]
fn long_run_effect_and_delta_method() {
    let p = panel("emplUK");
    let f = Formula::parse("n ~ l(n, 1:2) + l(w, 0:1) + k").unwrap();
    let i = Instruments::parse("gmm(n, 2:99) + iv(w, 0:1) + iv(k)").unwrap();
    let fit = gmm(&p, &f, &i, &GmmOptions::new(Transformation::Difference)).unwrap();
    let lr = fit.long_run(&["l(w, 0)", "l(w, 1)"], 0.95).unwrap();
    let b = |t: &str| fit.coefficients[fit.term_index(t).unwrap()];
    let den = 1.0 - b("l(n, 1)") - b("l(n, 2)");
    close(lr.estimate, (b("l(w, 0)") + b("l(w, 1)")) / den, "long run");
    // Delta method against a numerical gradient.
    let idx = ["l(w, 0)", "l(w, 1)", "l(n, 1)", "l(n, 2)"].map(|t| fit.term_index(t).unwrap());
    let f_lr = |c: &[f64]| (c[idx[0]] + c[idx[1]]) / (1.0 - c[idx[2]] - c[idx[3]]);
    let mut g = vec![0.0; fit.coefficients.len()];
    for (j, gj) in g.iter_mut().enumerate() {
        let (mut up, mut dn) = (fit.coefficients.clone(), fit.coefficients.clone());
        up[j] += 1e-6;
        dn[j] -= 1e-6;
        *gj = (f_lr(&up) - f_lr(&dn)) / 2e-6;
    }
    let g = Array1::from(g);
    close(
        lr.std_error,
        g.dot(&fit.vcov.dot(&g)).sqrt(),
        "delta-method SE",
    );
    let one = fit.sum(&["l(w, 0)"], 0.95).unwrap();
    close(one.estimate, b("l(w, 0)"), "sum of one term");
    close(one.std_error, fit.std_errors()[idx[0]], "its SE");
    let two = fit.sum(&["l(w, 0)", "l(w, 1)"], 0.95).unwrap();
    let v = &fit.vcov;
    let var = v[[idx[0], idx[0]]] + v[[idx[1], idx[1]]] + 2.0 * v[[idx[0], idx[1]]];
    close(two.std_error, var.sqrt(), "SE of a sum");
    assert!(fit.long_run(&["l(n, 1)"], 0.95).is_err());
    assert!(fit.long_run(&["nope"], 0.95).is_err());
}

#[test]
fn bad_input_is_a_clear_error() {
    let p = panel("emplUK");
    let i = Instruments::parse("gmm(n, 2:99)").unwrap();
    let o = GmmOptions::new(Transformation::Difference);
    let e = gmm(&p, &Formula::parse("n ~ l(n, 1) | firm").unwrap(), &i, &o).unwrap_err();
    assert!(e.to_string().contains("--effect"), "{e}");
    let e = gmm(&p, &Formula::parse("n ~ d(w)").unwrap(), &i, &o).unwrap_err();
    assert!(e.to_string().contains("leads and differences"), "{e}");
    let bad = Instruments::parse("gmm(zz, 2:99)").unwrap();
    let e = gmm(&p, &Formula::parse("n ~ l(n, 1)").unwrap(), &bad, &o).unwrap_err();
    assert!(e.to_string().contains("no numeric column 'zz'"), "{e}");
    let mut one = o.clone();
    one.steps = 1;
    one.robust = false;
    assert!(gmm(&p, &Formula::parse("n ~ l(n, 1)").unwrap(), &i, &one).is_err());
    // Two instruments (collapsed, lags 2:3) for three coefficients.
    let few = Instruments::parse("gmm(n, 2:3)").unwrap();
    let mut c = GmmOptions::new(Transformation::Difference);
    c.collapse = true;
    c.effect = Effect::Individual;
    let e = gmm(
        &p,
        &Formula::parse("n ~ l(n, 1) + w + k").unwrap(),
        &few,
        &c,
    )
    .unwrap_err();
    assert!(e.to_string().contains("under-identified"), "{e}");
}

#[test]
fn too_many_instruments_warns() {
    let p = panel("emplUK_bal");
    let f = Formula::parse("n ~ l(n, 1) + w + k").unwrap();
    let i = Instruments::parse("gmm(n, 2:99) + gmm(w, 1:99) + gmm(k, 1:99)").unwrap();
    let fit = gmm(&p, &f, &i, &GmmOptions::new(Transformation::System)).unwrap();
    assert!(fit.n_instruments > fit.n_groups);
    let json = render::render(&fit, &[], crate::inference::render::Format::Json).unwrap();
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["gmm"]["n_instruments"], fit.n_instruments);
    assert!(v["gmm"]["warnings"][0].as_str().unwrap().contains("exceed"));
    assert!(fit.warnings.iter().any(|w| w.contains("exceed")));
}

#[test]
fn sample_restricts_equations_not_instruments() {
    let p = panel("emplUK");
    let f = Formula::parse("n ~ l(n, 1) + w").unwrap();
    let i = Instruments::parse("gmm(n, 2:99) + iv(w)").unwrap();
    let mut o = GmmOptions::new(Transformation::System);
    o.effect = Effect::Individual;
    let all = gmm(&p, &f, &i, &o).unwrap();
    o.sample = Some(vec![true; p.nrows()]);
    let same = gmm(&p, &f, &i, &o).unwrap();
    assert_eq!(all.coefficients, same.coefficients);
    // Equations up to 1982 only: fewer equations, the earlier ones unchanged in number.
    o.sample = Some(p.times().iter().map(|t| *t <= 1982).collect());
    let part = gmm(&p, &f, &i, &o).unwrap();
    assert!(part.nobs_diff < all.nobs_diff && part.nobs_level < all.nobs_level);
    assert_ne!(part.coefficients, all.coefficients);
}

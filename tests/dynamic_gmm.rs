//! Monte Carlo on the SYNTHETIC panel with persistent spending (`SimConfig::persistence`):
//! at T = 12 the two-way fixed-effects estimate of the persistence suffers the Nickell bias;
//! difference GMM removes most of it; collapsed system GMM overshoots on this design.

use iku::canonical::{IKU, NETEXP, POPULATION, PRICE_INDEX};
use iku::simulate::{simulate, SimConfig};
use iku::Panel;
use panelkit::estimators::gmm::{gmm, GmmOptions, Instruments, Transformation};
use panelkit::estimators::{estimate, EstimateOptions, Model};
use panelkit::formula::Formula;

/// True persistence φ and short-run effect β of the simulated panels.
const PHI: f64 = 0.5;
const BETA: f64 = -12.5;

/// The study sample 2007–2018 (T = 12) with spending per inhabitant in fixed prices.
fn study_panel(seed: u64) -> Option<Panel> {
    let sim = simulate(&SimConfig {
        seed,
        true_effect: BETA,
        persistence: PHI,
        ..SimConfig::default()
    })
    .ok()?;
    let p = &sim.panel;
    let keep: Vec<bool> = p.times().iter().map(|t| *t <= 2018).collect();
    let mut p = p.filter_rows(&keep);
    let (ne, pop, price) = (
        p.require_num(NETEXP).unwrap(),
        p.require_num(POPULATION).unwrap(),
        p.require_num(PRICE_INDEX).unwrap(),
    );
    let y: Vec<f64> = (0..p.nrows())
        .map(|r| ne[r] / pop[r] / (price[r] / 100.0))
        .collect();
    let iku = p.require_num(IKU).unwrap().to_vec();
    p.set_num("y", y).unwrap();
    p.set_num("iku", iku).unwrap();
    Some(p)
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.len() as f64;
    let mean = v.iter().sum::<f64>() / m;
    let sd = (v.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (m - 1.0)).sqrt();
    (mean, sd / m.sqrt())
}

/// Mean ρ̂, its Monte Carlo s.e., mean β̂ of `l(iku, 1)` and its s.e. over the seeds.
struct Summary {
    rho: (f64, f64),
    beta: (f64, f64),
}

fn summarise(rho: &[f64], beta: &[f64]) -> Summary {
    Summary {
        rho: mean_sd(rho),
        beta: mean_sd(beta),
    }
}

#[test]
fn nickell_bias_of_fixed_effects_and_what_gmm_recovers() {
    let fe_f = Formula::parse("y ~ l(y, 1) + l(iku, 1) | code + year").unwrap();
    let f = Formula::parse("y ~ l(y, 1) + l(iku, 1)").unwrap();
    let inst = Instruments::parse("gmm(y, 2:99) + iv(iku, 1)").unwrap();
    let mut diff = GmmOptions::new(Transformation::Difference);
    diff.steps = 2;
    let mut sys = GmmOptions::new(Transformation::System);
    sys.steps = 2;
    sys.collapse = true;
    // [FE, difference GMM, system GMM collapsed] × (ρ̂, β̂)
    let mut est: [(Vec<f64>, Vec<f64>); 3] = Default::default();
    let mut long_run = Vec::new();
    for seed in 1..=16u64 {
        let Some(p) = study_panel(seed) else { continue };
        let fe = estimate(&p, &fe_f, &EstimateOptions::new(Model::Twoways)).unwrap();
        est[0].0.push(fe.coef("l(y, 1)").unwrap());
        est[0].1.push(fe.coef("l(iku, 1)").unwrap());
        for (slot, opts) in [(1, &diff), (2, &sys)] {
            let g = gmm(&p, &f, &inst, opts).unwrap();
            let b = |t: &str| g.coefficients[g.term_index(t).unwrap()];
            est[slot].0.push(b("l(y, 1)"));
            est[slot].1.push(b("l(iku, 1)"));
            if slot == 1 {
                long_run.push(g.long_run(&["l(iku, 1)"], 0.95).unwrap().estimate);
            }
        }
    }
    let s = est.each_ref().map(|(r, b)| summarise(r, b));
    let lr = mean_sd(&long_run);
    eprintln!(
        "{} seeds, phi = {PHI}, beta = {BETA}, T = 12 (mean ± MC s.e.):\n\
         two-way FE:          rho {:.3} ± {:.3}, beta {:.2} ± {:.2}\n\
         difference GMM (2s): rho {:.3} ± {:.3}, beta {:.2} ± {:.2}, long run {:.2} ± {:.2} (truth {:.2})\n\
         system GMM (2s, collapsed): rho {:.3} ± {:.3}, beta {:.2} ± {:.2}",
        est[0].0.len(),
        s[0].rho.0, s[0].rho.1, s[0].beta.0, s[0].beta.1,
        s[1].rho.0, s[1].rho.1, s[1].beta.0, s[1].beta.1, lr.0, lr.1, BETA / (1.0 - PHI),
        s[2].rho.0, s[2].rho.1, s[2].beta.0, s[2].beta.1,
    );
    assert!(est[0].0.len() >= 12, "{} seeds calibrated", est[0].0.len());
    // Nickell: the within estimate of φ is biased down, by about (1 + φ)/(T − 1) ≈ 0.14.
    let fe_bias = s[0].rho.0 - PHI;
    assert!(
        fe_bias < -0.08 && fe_bias < -5.0 * s[0].rho.1,
        "FE rho {:?}",
        s[0].rho
    );
    // Difference GMM removes most of it (what remains is its weak-instrument bias toward FE).
    let d_bias = s[1].rho.0 - PHI;
    assert!(
        d_bias.abs() < 0.5 * fe_bias.abs(),
        "difference GMM rho {:?}",
        s[1].rho
    );
    assert!(
        (s[1].beta.0 - BETA).abs() < 3.0 * s[1].beta.1,
        "difference GMM beta {:?}",
        s[1].beta
    );
    // System GMM overshoots here: the municipality effects are large relative to the
    // idiosyncratic noise, which makes the level instruments weak and pulls the estimate
    // towards OLS in levels (Bun and Windmeijer 2010).
    assert!(s[2].rho.0 > PHI, "system GMM rho {:?}", s[2].rho);
}

#[test]
fn persistence_outside_the_unit_interval_is_refused() {
    for phi in [-0.1, 1.0, f64::NAN] {
        let e = simulate(&SimConfig {
            persistence: phi,
            ..SimConfig::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("persistence"), "{e}");
    }
}

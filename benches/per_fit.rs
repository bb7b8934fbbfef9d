//! In-process cost of one fit + clustered covariance at the study's size (the best estimate,
//! `fd_year`: 980 rows, 98 clusters): `cargo bench --bench per_fit`.
//!
//! Derives the spec file's variables on the shipped panel once, then times `REPS` calls of
//! `estimate` (sample preparation from the panel's columns, transformation, QR solve) plus
//! `coef_table` with the clustered covariance, and prints the median and the quartiles.

use panelkit::estimators::{estimate, EstimateOptions, Model};
use panelkit::formula::Formula;
use panelkit::inference::{Ssc, VcovKind, VcovSpec};
use std::path::Path;
use std::time::Instant;

const REPS: usize = 5001;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let canonical =
        iku::canonical::load(&root.join("data/synthetic/panel.csv")).expect("shipped panel");
    let spec = iku::spec::SpecFile::load(&root.join("specs/vive.toml")).expect("spec file");
    let (panel, sample) = spec.study_panel(&canonical).expect("derived variables");
    let formula = Formula::parse("d_spend_pc ~ l(d_iku, 1) | year").expect("formula");
    let opts = EstimateOptions::new(Model::WithinTime).with_sample(Some(sample));
    let vcov = VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::fixest());
    let mut times = Vec::with_capacity(REPS);
    let mut last = None;
    for _ in 0..REPS {
        let t0 = Instant::now();
        let fit = estimate(&panel, &formula, &opts).expect("fit");
        let table = fit.coef_table(&vcov, 0.95).expect("covariance");
        times.push(t0.elapsed().as_secs_f64() * 1e6);
        last = Some((fit.n(), table.rows[0].estimate, table.rows[0].std_error));
    }
    times.sort_by(f64::total_cmp);
    let (n, b, se) = last.expect("at least one run");
    println!("fd_year: n = {n}, estimate {b:.6}, clustered SE {se:.6}");
    println!(
        "one fit + clustered SE, {REPS} runs: median {:.1} µs (quartiles {:.1}, {:.1}; min {:.1})",
        times[REPS / 2],
        times[REPS / 4],
        times[3 * REPS / 4],
        times[0]
    );
}

//! Wall time of the wild cluster restricted bootstrap (B = 9,999, Rademacher, 98 clusters)
//! on the study's best estimate, after the fit: `cargo bench --bench wild_bootstrap`.
//!
//! Fits the spec set of `specs/vive.toml` on the shipped panel once, then times
//! `WildBootstrap::new` + `result()` (one pass over the data, 9,999 draws, p-values and the
//! confidence interval by test inversion) `REPS` times and prints the median and the range.

use iku::spec::run::AnyRun;
use panelkit::inference::bootstrap::{BootOptions, WildBootstrap};
use panelkit::inference::LinearHypothesis;
use std::path::Path;
use std::time::Instant;

const REPS: usize = 51;

/// Nanoseconds this thread has run on a CPU (Linux `/proc/thread-self/schedstat`), to tell
/// the work from the wait on a shared machine; None elsewhere.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let panel = iku::canonical::load(&root.join("data/synthetic/panel.csv")).expect("panel");
    let spec_path = root.join("specs/vive.toml");
    let specs = iku::spec::SpecFile::load(&spec_path).expect("spec file");
    let (runs, _) = specs.run(&spec_path, &panel).expect("estimates");
    let best = match runs
        .iter()
        .find(|r| r.spec().name == specs.study.best_estimate)
        .expect("best estimate")
    {
        AnyRun::Panel(r) => r,
        AnyRun::Gmm(_) => panic!("the best estimate is a GMM spec: nothing to bootstrap"),
    };
    let h = LinearHypothesis::parse(&format!("{} = 0", best.spec.effect.join(" + ")))
        .expect("hypothesis");
    let opts = BootOptions::new(20220301);
    let (mut times, mut draw_times) = (Vec::with_capacity(REPS), Vec::with_capacity(REPS));
    let mut last = None;
    let cpu0 = cpu_ns();
    for _ in 0..REPS {
        let t0 = Instant::now();
        let wb = WildBootstrap::new(&best.fit, &h, &opts).expect("bootstrap");
        draw_times.push(t0.elapsed().as_secs_f64() * 1e3);
        let res = wb.result();
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        last = Some(res);
    }
    let cpu_ms = match (cpu0, cpu_ns()) {
        (Some(a), Some(b)) => format!("{:.2} ms", (b - a) as f64 / 1e6 / REPS as f64),
        _ => "unavailable".to_string(),
    };
    times.sort_by(f64::total_cmp);
    draw_times.sort_by(f64::total_cmp);
    let res = last.expect("at least one repetition");
    println!(
        "best estimate '{}' ({} obs, {} clusters), H0 {}: WCR B = {} Rademacher, p = {:.4}, CI [{:.3}, {:.3}]",
        best.spec.name,
        best.fit.n(),
        res.n_clusters,
        res.hypothesis,
        res.reps,
        res.p_value,
        res.ci[0].unwrap_or(f64::NAN),
        res.ci[1].unwrap_or(f64::NAN)
    );
    println!(
        "wall time after the fit, {REPS} runs: median {:.2} ms (min {:.2}, max {:.2}); of which the pass over the data and the draws: median {:.2} ms",
        times[REPS / 2],
        times[0],
        times[REPS - 1],
        draw_times[REPS / 2]
    );
    println!("CPU time of this thread per run (mean): {cpu_ms}");
}

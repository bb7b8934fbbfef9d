//! The in-process simulate → spec-set path: the same numbers as the two binaries run on the
//! files, and `iku-data montecarlo` writes them in one order whatever `--jobs`.

use iku::montecarlo::{replicate, Outcome};
use iku::simulate::{simulate, SimConfig};
use iku::spec::{run_spec_set, SpecFile};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn in_process_replication_equals_the_spec_set_on_the_written_panel() {
    let spec = SpecFile::load(&repo("specs/vive.toml")).unwrap();
    let cfg = SimConfig {
        seed: 3,
        ..SimConfig::default()
    };
    // The file path: write the simulated panel, read it back as iku-estimate --spec does.
    let sim = simulate(&cfg).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("panel.csv");
    std::fs::write(&file, &sim.csv).unwrap();
    let from_file = run_spec_set(&iku::canonical::load(&file).unwrap(), &spec).unwrap();
    // The in-process path.
    let rep = replicate(cfg.seed, cfg.true_effect, cfg.years.clone(), &spec).unwrap();
    let Outcome::Estimated(effects) = rep.outcome else {
        panic!("seed 3 calibrates");
    };
    let analytic: Vec<_> = effects.iter().map(|m| m.effect.clone()).collect();
    assert_eq!(analytic, from_file.effects());
    // Every linear spec carries a CRV3 interval around its estimate; the bootstrap p-value
    // is at the true effect (−12.5 here), not at the bootstrap's own null of 0.
    for (m, run) in effects.iter().zip(&from_file.runs) {
        let iku::spec::run::AnyRun::Panel(r) = run else {
            assert!(m.crv3.is_none() && m.boot_p_true.is_none());
            continue;
        };
        let (se, lo, hi) = m.crv3.expect("CRV3 of a linear spec");
        assert!(se > 0.0 && lo < m.effect.estimate && m.effect.estimate < hi);
        let b = r
            .draws
            .as_ref()
            .expect("vive.toml bootstraps every linear spec");
        assert_eq!(m.boot_p_true, Some(b.p_values_at(-12.5)[0]));
    }
    assert_eq!(effects.len(), spec.specs.len());
    assert_eq!(from_file.best().name, spec.study.best_estimate);
    // Under a true effect of 0 the bootstrap p-value at the truth is the spec's own WCR
    // p-value of effect = 0.
    let rep = replicate(cfg.seed, 0.0, cfg.years.clone(), &spec).unwrap();
    let set = run_spec_set(
        &simulate(&SimConfig {
            true_effect: 0.0,
            ..cfg.clone()
        })
        .unwrap()
        .panel,
        &spec,
    )
    .unwrap();
    let Outcome::Estimated(effects) = rep.outcome else {
        panic!("seed 3 calibrates under 0");
    };
    for (m, run) in effects.iter().zip(&set.runs) {
        if let iku::spec::run::AnyRun::Panel(r) = run {
            let own = r.bootstrap.as_ref().unwrap().p_symmetric;
            assert!(
                (m.boot_p_true.unwrap() - own).abs() < 1e-12,
                "{}",
                m.effect.name
            );
        }
    }
    // A refused seed is a replication with its reason, not an error.
    let rep = replicate(31, -12.5, cfg.years.clone(), &spec).unwrap();
    assert!(
        matches!(&rep.outcome, Outcome::Refused(why) if why.starts_with("seed 31: the own-gap saving")),
        "{rep:?}"
    );
    // A bad request is an error.
    assert!(replicate(1, f64::NAN, cfg.years, &spec).is_err());
}

#[test]
fn the_command_writes_one_order_for_any_number_of_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let run = |jobs: &str, out: &Path| {
        let r = Command::new(env!("CARGO_BIN_EXE_iku-data"))
            .args([
                "montecarlo",
                "--seeds",
                "30..31",
                "--effect=-12.5,0",
                "--spec",
            ])
            .arg(repo("specs/vive.toml"))
            .args(["--jobs", jobs, "--out"])
            .arg(out)
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(String::from_utf8_lossy(&r.stderr).contains("montecarlo: 4/4 replications"));
        std::fs::read_to_string(out).unwrap()
    };
    let one = run("1", &dir.path().join("one.csv"));
    let two = run("2", &dir.path().join("two.csv"));
    assert_eq!(one, two);
    let n_specs = SpecFile::load(&repo("specs/vive.toml"))
        .unwrap()
        .specs
        .len();
    let lines: Vec<&str> = one.lines().collect();
    // Header, seed 30 (every spec), seed 31 (refused), for each effect in the order given.
    assert_eq!(lines.len(), 1 + 2 * (n_specs + 1));
    assert!(lines[1].starts_with("30,-12.5,ok,,fd_year,"));
    assert!(lines[n_specs + 1].starts_with("31,-12.5,refused,"));
    assert!(lines[n_specs + 2].starts_with("30,0,ok,,"));
}

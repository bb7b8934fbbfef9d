//! The multiverse: expansion and rules, errors for bad files, byte-identical reruns, and the
//! specification curve's joint test (rejects under a true effect, holds its size under zero).

use iku::multiverse::run;
use iku::report::multiverse::MultiverseReport;
use iku::simulate::{simulate, SimConfig};
use iku::spec::multiverse::{MultiverseFile, DIMENSIONS};
use std::path::{Path, PathBuf};

fn vive() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/vive.toml")
}

/// A small multiverse on vive.toml: 2 timings × 2 models × 2 control sets, one rule (6 specs).
fn small(reps: usize, seed: u64) -> String {
    format!(
        r#"
[multiverse]
base = "{}"
treatment = "iku"
reps = {reps}
seed = {seed}
best = {{ timing = "lag1", model = "fd_year" }}

[[multiverse.outcome]]
name = "real"
variable = "spend_pc"

[[multiverse.timing]]
name = "lag1"
lags = [1]

[[multiverse.timing]]
name = "distlag"
lags = [0, 1, 2]

[[multiverse.model]]
name = "fd_year"
difference = true
fe = "year"

[[multiverse.model]]
name = "twfe"
model = "twoways"

[[multiverse.controls]]
name = "none"

[[multiverse.controls]]
name = "pop_growth"
variables = ["pop_growth"]

[[multiverse.rule]]
exclude = {{ controls = "pop_growth", model = "twfe" }}
why = "levels model"
"#,
        vive().display()
    )
}

fn parse(text: &str) -> iku::Result<MultiverseFile> {
    MultiverseFile::parse(Path::new("/tmp/m.toml"), text)
}

#[test]
fn expansion_counts_the_cross_product_less_the_rules() {
    let m = parse(&small(0, 1)).unwrap();
    let e = m.expand().unwrap();
    assert_eq!(e.n_combinations, 8);
    assert_eq!(e.excluded_by_rule, vec![2]);
    assert_eq!(e.specs.len(), 6);
    // First dimension slowest: timing, then model, then controls.
    let names: Vec<String> = e
        .specs
        .iter()
        .map(|(c, _)| {
            format!(
                "{}/{}/{}",
                m.choice_name(c, 1),
                m.choice_name(c, 2),
                m.choice_name(c, 3)
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "lag1/fd_year/none",
            "lag1/fd_year/pop_growth",
            "lag1/twfe/none",
            "distlag/fd_year/none",
            "distlag/fd_year/pop_growth",
            "distlag/twfe/none"
        ]
    );
    let (_, s) = &e.specs[4];
    assert_eq!(
        s.formula,
        "d_spend_pc ~ l(d_iku, 0) + l(d_iku, 1) + l(d_iku, 2) + pop_growth | year"
    );
    assert_eq!(s.effect, ["l(d_iku, 0)", "l(d_iku, 1)", "l(d_iku, 2)"]);
    assert_eq!(e.specs[e.best].1.formula, "d_spend_pc ~ l(d_iku, 1) | year");
}

#[test]
fn shipped_multiverse_expands_to_its_documented_size() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/multiverse.toml");
    let m = MultiverseFile::load(&path).unwrap();
    let e = m.expand().unwrap();
    let sizes: Vec<usize> = m.options.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 4, 5, 3, 2, 2, 3, 2]);
    assert_eq!(e.n_combinations, 2880);
    assert_eq!(e.excluded_by_rule, vec![384, 576, 192]);
    assert_eq!(e.specs.len(), 2880 - 384 - 576 - 192);
    // No kept spec matches a rule.
    for (c, _) in &e.specs {
        let ch = |d: &str| m.choice_name(c, DIMENSIONS.iter().position(|x| *x == d).unwrap());
        assert!(!(ch("controls") == "pop_growth" && ["twfe", "unit_fe"].contains(&ch("model"))));
        assert!(!(ch("controls") == "log_pop" && ch("model").starts_with("fd")));
        assert!(!(ch("outcome") == "nominal" && ch("model") == "unit_fe"));
    }
}

#[test]
fn bad_multiverse_files_are_errors_naming_the_file() {
    let base = small(0, 1);
    for (from, to, msg) in [
        (
            r#"exclude = { controls = "pop_growth", model = "twfe" }"#,
            r#"exclude = { controls = "pop", model = "twfe" }"#,
            "controls has no option 'pop'",
        ),
        (
            r#"exclude = { controls = "pop_growth", model = "twfe" }"#,
            r#"exclude = { colour = "red" }"#,
            "'colour' is not a dimension",
        ),
        (
            r#"best = { timing = "lag1", model = "fd_year" }"#,
            r#"best = { timing = "lag1", model = "twfe", controls = "pop_growth" }"#,
            "excluded by a rule",
        ),
        ("lags = [1]", "lags = []", "non-empty list"),
        (
            "treatment = \"iku\"",
            "treatment = \"iku\"\ntreatmnt = 1",
            "unknown field",
        ),
    ] {
        assert!(base.contains(from), "{from}");
        let text = base.replace(from, to);
        let e = parse(&text).and_then(|m| m.expand().map(|_| ()));
        let e = e.unwrap_err().to_string();
        assert!(e.contains("/tmp/m.toml") && e.contains(msg), "{e}");
    }
}

#[test]
fn an_excluded_unit_the_panel_lacks_is_an_error() {
    let sim = simulate(&SimConfig::default()).unwrap();
    let text = small(0, 1).replace(
        "[[multiverse.rule]]",
        "[[multiverse.exclude]]\nname = \"x\"\nunits = [\"999\"]\n\n[[multiverse.rule]]",
    );
    let m = parse(&text).unwrap();
    let e = run(&sim.panel, &m, 2020, 10).unwrap_err().to_string();
    assert!(e.contains("exclude names unit '999'"), "{e}");
}

fn report(panel: &iku::Panel, m: &MultiverseFile) -> MultiverseReport {
    MultiverseReport {
        synthetic: true,
        data_file: "sim".into(),
        data_sha256: "-".into(),
        multiverse_file: "m.toml".into(),
        multiverse_sha256: "-".into(),
        results: run(panel, m, 2020, 10).unwrap(),
    }
}

#[test]
fn reruns_are_byte_identical_and_match_the_sequential_run() {
    let sim = simulate(&SimConfig::default()).unwrap();
    let m = parse(&small(99, 5)).unwrap();
    let a = report(&sim.panel, &m).files(Path::new("out")).unwrap();
    let b = report(&sim.panel, &m).files(Path::new("out")).unwrap();
    assert_eq!(a.len(), 7);
    for ((pa, ba), (pb, bb)) in a.iter().zip(&b) {
        assert_eq!(pa, pb);
        assert!(ba == bb, "{} differs between runs", pa.display());
    }
    // The parallel run gives the sequential run's effects.
    let e = m.expand().unwrap();
    let f = m.spec_file(&e);
    let (seq, _notes) = f.run(&m.origin, &sim.panel).unwrap();
    let par = run(&sim.panel, &m, 2020, 10).unwrap();
    for (s, p) in seq.iter().zip(&par.rows) {
        assert_eq!(s.effect().estimate, p.estimate);
        assert_eq!(s.effect().std_error, p.std_error);
    }
    // The best estimate is vive.toml's fd_year, estimated alike.
    let vive = iku::spec::SpecFile::load(&vive()).unwrap();
    let best = iku::spec::run_spec_set(&sim.panel, &vive).unwrap().best();
    let row = &par.rows[par.best];
    assert!((row.estimate - best.estimate).abs() < 1e-12);
    assert!((row.std_error - best.std_error).abs() < 1e-12);
    // Savings are the effect times each reading's multiplier.
    assert!((row.savings_dkk[0] - par.savings[0].multiplier * -row.estimate).abs() < 1e-6);
}

#[test]
fn joint_test_rejects_under_a_true_effect_and_holds_its_size_under_zero() {
    let m = parse(&small(199, 11)).unwrap();
    for seed in 1..=2 {
        let sim = simulate(&SimConfig {
            seed,
            ..SimConfig::default()
        })
        .unwrap();
        let j = run(&sim.panel, &m, 2020, 10)
            .unwrap()
            .summary
            .joint_test
            .unwrap();
        assert!(j.direction < 0.0 && j.median < -5.0, "{j:?}");
        assert!(j.p_median < 0.05 && j.p_share < 0.05, "seed {seed}: {j:?}");
    }
    let mut rejections = (0, 0);
    let n = 12;
    // Seeds whose calibration cannot be met are skipped, as the simulator asks.
    let panels = (100..200u64)
        .filter_map(|seed| {
            simulate(&SimConfig {
                seed,
                true_effect: 0.0,
                ..SimConfig::default()
            })
            .ok()
        })
        .take(n);
    for sim in panels {
        let j = run(&sim.panel, &m, 2020, 10)
            .unwrap()
            .summary
            .joint_test
            .unwrap();
        rejections.0 += usize::from(j.p_median < 0.05);
        rejections.1 += usize::from(j.p_share < 0.05);
    }
    eprintln!("rejections under zero effect (median, share) of {n}: {rejections:?}");
    // Expected 0.6 of 12 at a 5 % size; 4 or more has probability 0.002 under the nominal size.
    assert!(
        rejections.0 <= 3 && rejections.1 <= 3,
        "rejections under zero effect (median, share) of {n}: {rejections:?}"
    );
}

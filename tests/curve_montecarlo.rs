//! `iku-data curve-montecarlo`: one CSV row per replication, in one order whatever `--jobs`,
//! each row the curve summary and joint test the library's multiverse run gives on the same
//! simulated panel; bad input is an error with no output file.

use iku::simulate::{simulate, SimConfig};
use iku::spec::multiverse::MultiverseFile;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn curve_mc(args: &[&str], multiverse: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iku-data"))
        .arg("curve-montecarlo")
        .args(args)
        .arg("--multiverse")
        .arg(multiverse)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn the_csv_has_one_row_per_replication_in_one_order_for_any_number_of_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let m = repo("notebooks/curve_mc.toml");
    let run = |jobs: &str, out: &Path| {
        let r = curve_mc(
            &[
                "--seeds",
                "30..31",
                "--effect=-12.5,0",
                "--reps",
                "19",
                "--jobs",
                jobs,
            ],
            &m,
            out,
        );
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(String::from_utf8_lossy(&r.stderr).contains("curve-montecarlo: 4/4 replications"));
        std::fs::read_to_string(out).unwrap()
    };
    let one = run("1", &dir.path().join("one.csv"));
    let two = run("2", &dir.path().join("two.csv"));
    assert_eq!(one, two);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(one.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let lines: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().collect()).collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0], iku::montecarlo::curve::CSV_COLUMNS);
    assert!(lines[2][3].starts_with("seed 31: "), "{:?}", lines[2]);
    // Seed 30 calibrates, seed 31 is refused, for each effect in the order given.
    assert_eq!(lines[1][..3], ["30", "-12.5", "ok"]);
    assert_eq!(lines[2][..3], ["31", "-12.5", "refused"]);
    assert_eq!(lines[3][..3], ["30", "0", "ok"]);
    assert_eq!(lines[4][..3], ["31", "0", "refused"]);
    assert!(lines[2][4..].iter().all(|c| c.is_empty()), "{:?}", lines[2]);
    // The row of seed 30 under the truth is the library's curve on that panel.
    let mut mv = MultiverseFile::load(&m).unwrap();
    mv.multiverse.reps = 19;
    let sim = simulate(&SimConfig {
        seed: 30,
        ..SimConfig::default()
    })
    .unwrap();
    let s = iku::multiverse::run(&sim.panel, &mv, mv.multiverse.year, mv.multiverse.k)
        .unwrap()
        .summary;
    let j = s.joint_test.unwrap();
    let want = [
        s.n_specs.to_string(),
        s.median_effect.to_string(),
        s.share_negative.to_string(),
        s.share_significant.to_string(),
        s.share_significant_negative.to_string(),
        j.direction.to_string(),
        j.reps.to_string(),
        j.p_median.to_string(),
        j.p_share.to_string(),
    ];
    assert_eq!(lines[1][4..], want);
    assert_eq!(s.n_specs, 36);
    assert_eq!(j.reps, 19);
}

#[test]
fn bad_input_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("curve.csv");
    let m = repo("notebooks/curve_mc.toml");
    let missing = dir.path().join("no_such_multiverse.toml");
    for (args, multiverse, msg) in [
        (
            vec!["--seeds", "5..3", "--effect", "0"],
            m.as_path(),
            "the first seed is after the last",
        ),
        (
            vec!["--seeds", "1..x", "--effect", "0"],
            m.as_path(),
            "'x' is not a seed",
        ),
        (
            vec!["--seeds", "1..2", "--effect", "0"],
            missing.as_path(),
            "no_such_multiverse.toml",
        ),
        (
            vec!["--seeds", "1..2", "--effect", "0", "--reps", "0"],
            m.as_path(),
            "reps = 0 has no joint test",
        ),
    ] {
        let r = curve_mc(&args, multiverse, &out);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(!r.status.success(), "{args:?} succeeded");
        assert!(
            err.contains("iku-data: error:") && err.contains(msg),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

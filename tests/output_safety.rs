//! All-or-nothing output sets: the pipeline killed at every step of its commit leaves the output
//! folder holding either the complete old set or the complete new one, and the next run cleans
//! whatever the killed run left beside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn reproduce(out: &Path, k: &str, abort_at: Option<&str>) -> std::process::ExitStatus {
    let mut c = Command::new(env!("CARGO_BIN_EXE_iku-reproduce"));
    c.current_dir(ROOT)
        .args(["--multiverse", "none", "--k", k, "--out-dir"])
        .arg(out);
    c.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Some(point) = abort_at {
        c.env("PANELKIT_ABORT_AT", point);
    }
    c.status().unwrap()
}

/// Relative path → bytes of every file under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect()
}

#[test]
fn a_run_killed_at_every_step_leaves_the_old_or_the_new_set_never_a_mix() {
    let tmp = tempfile::tempdir().unwrap();
    // One folder path throughout (REPORT.md names the command, so the path is part of the bytes).
    let parent = tmp.path().join("work");
    let out = parent.join("reports");
    // The two complete sets: old (k = 10, plus a file the pipeline does not own) and new (k = 5).
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("README.md"), "not an output").unwrap();
    assert!(reproduce(&out, "10", None).success());
    let old = snapshot(&out);
    assert!(reproduce(&out, "5", None).success());
    let new = snapshot(&out);
    assert!(
        old != new,
        "the two sets must differ for the test to mean anything"
    );
    assert_eq!(new[Path::new("README.md")], b"not an output");

    for point in ["staged", "swapped"] {
        std::fs::remove_dir_all(&out).unwrap();
        for (rel, bytes) in &old {
            let p = out.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        let status = reproduce(&out, "5", Some(point));
        assert!(!status.success(), "{point}: the run was meant to be killed");
        let now = snapshot(&out);
        assert!(
            now == old || now == new,
            "{point}: the folder holds a mix of the old and the new set"
        );
        assert_eq!(
            now == new,
            point == "swapped",
            "{point}: which set is in place"
        );
        assert!(
            !leftovers(&parent).is_empty(),
            "{point}: a killed run leaves its staging folder"
        );
        // The next run completes and removes what the killed run left beside the folder.
        assert!(reproduce(&out, "5", None).success());
        assert!(
            snapshot(&out) == new,
            "{point}: the rerun gives the new set"
        );
        assert!(
            leftovers(&parent).is_empty(),
            "{point}: {:?}",
            leftovers(&parent)
        );
    }
}

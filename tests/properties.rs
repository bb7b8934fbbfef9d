//! Property tests with a fixed budget for the spec loader: arbitrary text, and the shipped spec
//! with lines dropped, repeated or altered, never panic — they load or give an error.

use iku::spec::SpecFile;
use proptest::prelude::*;
use std::path::Path;

const SPEC: &str = include_str!("../specs/vive.toml");

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        // A fixed seed: the same cases on every run and machine (a fixed budget, not a lottery).
        rng_seed: proptest::test_runner::RngSeed::Fixed(20220301),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn spec_loader_never_panics_on_arbitrary_text(text in "([\\[\\]a-z_=\"{}, .0-9+~()|\n-]{0,60}\n){0,10}") {
        let _ = SpecFile::parse(Path::new("x.toml"), &text);
    }

    #[test]
    fn spec_loader_never_panics_on_an_edited_spec(
        edits in proptest::collection::vec((0usize..200, 0u8..4, "[a-z0-9=\"\\[\\] ]{0,8}"), 1..6)
    ) {
        let mut lines: Vec<String> = SPEC.lines().map(str::to_string).collect();
        for (at, kind, text) in edits {
            let i = at % lines.len().max(1);
            match kind {
                0 => { lines.remove(i); }
                1 => { let l = lines[i].clone(); lines.insert(i, l); }
                2 => lines[i] = text,
                _ => lines[i].push_str(&text),
            }
            if lines.is_empty() { break; }
        }
        let _ = SpecFile::parse(Path::new("x.toml"), &lines.join("\n"));
    }
}

#[test]
fn the_shipped_spec_loads() {
    let s = SpecFile::parse(Path::new("specs/vive.toml"), SPEC).unwrap();
    assert!(s.specs.len() >= 9);
}

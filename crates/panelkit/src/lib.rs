//! panelkit: panel econometrics in Rust.
//!
//! A unit × time [`panel`], R/fixest-style [`formula`]s, exact panel [`estimators`]
//! (pooled, within, two-way, first differences, between, random effects), covariances
//! chosen after estimation with named small-sample presets, the wild cluster bootstrap,
//! CRV2/CRV3, cluster diagnostics, multiple-testing adjustments and specification tests
//! ([`inference`]).

pub mod error;
pub mod estimators;
pub mod formula;
pub mod inference;
pub mod io;
pub mod linalg;
pub mod panel;

pub use error::{Error, Result};
pub use panel::Panel;

/// Paths of the shared peer-reference data, for unit tests.
#[cfg(test)]
pub(crate) mod testdata {
    /// `tests/reference/data/<file>` under the workspace root.
    pub fn reference(file: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/reference/data")
            .join(file)
    }
}

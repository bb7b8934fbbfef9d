//! iku: competition exposure (IKU) of Danish municipal administration and its effect on
//! administrative spending — panel estimation and the savings projection, reproducibly.
//!
//! The pipeline, one module per arrow:
//! official exports or fetch ([`sources`]) → the unit × time [`panel`] (or the calibrated
//! synthetic panel with a known true effect) → formula and spec → estimator → fit →
//! inference (covariances with named small-sample presets, tests) → projection (best
//! practice, gaps, savings under every reading) → report (tables, figures, REPORT.md).

pub mod error;
pub mod estimators;
pub mod formula;
pub mod inference;
pub mod io;
pub mod panel;
pub mod pipeline;
pub mod projection;
pub mod report;
pub mod simulate;
pub mod sources;
pub mod spec;

pub use error::{Error, Result};
pub use panel::Panel;

//! iku: competition exposure (IKU) of Danish municipal administration and its effect on
//! administrative spending — panel estimation and the savings projection, reproducibly.
//!
//! The study sits on the general panel toolkit [`panelkit`]; this crate adds what is
//! specific to the IKU study, one module per arrow of the pipeline:
//! official exports or fetch ([`sources`]) → the [`canonical`] municipal panel (or the
//! calibrated synthetic panel with a known true effect, [`simulate`]) → spec files
//! ([`spec`]) → panelkit's estimators and inference → [`projection`] (best practice, gaps,
//! savings under every reading) → [`report`] (tables, figures, REPORT.md), run end to end
//! by the [`pipeline`]. [`montecarlo`] repeats simulate → spec set in process over seeds.

pub mod canonical;
pub mod montecarlo;
pub mod multiverse;
pub mod pipeline;
pub mod projection;
pub mod report;
pub mod simulate;
pub mod sources;
pub mod spec;

pub use panelkit::{Error, Panel, Result};

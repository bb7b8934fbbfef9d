//! Reports: estimate tables, figures (plotters, PNG and SVG) and REPORT.md.

pub mod estimates;
pub mod figures;
pub mod markdown;

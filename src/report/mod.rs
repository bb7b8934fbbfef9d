//! Reports: estimate tables, figures and REPORT.md.

pub mod estimates;

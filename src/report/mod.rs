//! Reports: the estimate table, the projection's outputs, the calibration report, figures
//! (plotters, PNG and SVG) and REPORT.md. Tables are built on panelkit's grid
//! ([`panelkit::table`]), which holds the escaping and number formats of every format.

pub mod calibration;
pub mod estimates;
pub mod figures;
pub mod markdown;
pub mod multiverse;
pub mod projection;
pub mod text;

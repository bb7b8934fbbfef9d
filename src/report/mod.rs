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

/// The banner that opens every Markdown output made from the synthetic panel.
pub const SYNTHETIC_BANNER: &str = "**SYNTHETIC DATA — not a finding.**\n\n";

/// Pretty JSON with a trailing newline, as every JSON output is written.
pub fn pretty_json<T: serde::Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(value)?;
    v.push(b'\n');
    Ok(v)
}

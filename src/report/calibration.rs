//! The synthetic panel's calibration report: each target, the value achieved, the tolerance,
//! whether it is met.

use crate::simulate::{Simulated, TargetCheck};
use panelkit::table::{col, Align, Table};

impl Simulated {
    /// The calibration report as an aligned text table.
    pub fn report_table(&self) -> String {
        use Align::{Left, Right};
        Table::from_records(
            &self.report,
            &[
                col("target", Left, |t: &TargetCheck| t.name.clone()),
                col("value", Right, |t: &TargetCheck| format!("{:.4}", t.target)),
                col("achieved", Right, |t: &TargetCheck| {
                    format!("{:.4}", t.achieved)
                }),
                col("tolerance", Right, |t: &TargetCheck| t.tolerance_text()),
                col("met", Left, |t: &TargetCheck| {
                    if t.met { "yes" } else { "NO" }.to_string()
                }),
            ],
        )
        .min_width(0, 32)
        .min_width(1, 16)
        .min_width(2, 16)
        .min_width(3, 10)
        .gap(1)
        .gap_before(4, 2)
        .to_text()
    }
}

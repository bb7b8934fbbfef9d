//! The least-squares step shared by the estimators: Householder QR with collinear columns
//! dropped in formula order.

use crate::linalg::Qr;

/// Result of one least-squares step on transformed, √w-scaled columns.
pub(crate) struct Ls {
    pub(crate) qr: Qr,
    pub(crate) beta: Vec<f64>,
}

/// Regresses `y` on the columns `cols`; `refn[j]` is column j's norm before the panel
/// transformation (the reference for dropping it as collinear).
pub(crate) fn least_squares(cols: &[Vec<f64>], refn: &[f64], y: &[f64]) -> Ls {
    let qr = Qr::new(cols, refn);
    let beta = qr.solve(y);
    Ls { qr, beta }
}

//! Least squares by Householder QR, with collinear columns detected in formula order.
//!
//! Columns are processed left to right (as R's `lm` does): column j is dropped when the norm
//! of its part orthogonal to the columns kept before it is below `COLLINEAR_TOL` times the
//! norm of the column *before* any panel transformation (so a regressor that the within
//! transformation wipes out is recognised even though its transformed norm is rounding noise).

use crate::error::{Error, Result};
use ndarray::Array2;

/// Relative tolerance for dropping a column: ‖residual of x_j on kept x_<j‖ < 1e-10 · ‖raw x_j‖.
pub const COLLINEAR_TOL: f64 = 1e-10;

/// A Householder QR factorisation of the kept columns of a design.
#[derive(Debug, Clone)]
pub struct Qr {
    n: usize,
    /// Reflector vectors (entries from row `r` down) and their scalars 2/(v'v).
    refl: Vec<(Vec<f64>, f64)>,
    /// R as columns: `r_cols[j]` holds rows 0..=j of kept column j.
    r_cols: Vec<Vec<f64>>,
    /// Indices of kept columns, in order.
    pub kept: Vec<usize>,
    /// Indices of dropped (collinear or zero) columns.
    pub dropped: Vec<usize>,
}

impl Qr {
    /// Factorises the columns `cols` (each of length n); `scale[j]` is the reference norm of
    /// column j (its norm before transformation).
    pub fn new(cols: &[Vec<f64>], scale: &[f64]) -> Qr {
        let n = cols.first().map_or(0, |c| c.len());
        let mut qr = Qr {
            n,
            refl: Vec::new(),
            r_cols: Vec::new(),
            kept: Vec::new(),
            dropped: Vec::new(),
        };
        for (j, c) in cols.iter().enumerate() {
            let mut a = c.clone();
            qr.apply_qt(&mut a);
            let r = qr.refl.len();
            let norm = a[r..].iter().map(|v| v * v).sum::<f64>().sqrt();
            let refnorm = scale[j].max(f64::MIN_POSITIVE);
            if r >= n || !norm.is_finite() || norm <= COLLINEAR_TOL * refnorm {
                qr.dropped.push(j);
                continue;
            }
            let alpha = if a[r] > 0.0 { -norm } else { norm };
            let mut v = a[r..].to_vec();
            v[0] -= alpha;
            let vv: f64 = v.iter().map(|x| x * x).sum();
            let mut rc = a[..r].to_vec();
            rc.push(alpha);
            qr.refl.push((v, 2.0 / vv));
            qr.r_cols.push(rc);
            qr.kept.push(j);
        }
        qr
    }

    /// Number of kept columns.
    pub fn rank(&self) -> usize {
        self.kept.len()
    }

    /// y ← Q'y.
    pub fn apply_qt(&self, y: &mut [f64]) {
        for (r, (v, beta)) in self.refl.iter().enumerate() {
            let s: f64 = v.iter().zip(&y[r..]).map(|(a, b)| a * b).sum::<f64>() * beta;
            for (yi, vi) in y[r..].iter_mut().zip(v) {
                *yi -= s * vi;
            }
        }
    }

    /// y ← Qy.
    pub fn apply_q(&self, y: &mut [f64]) {
        for (r, (v, beta)) in self.refl.iter().enumerate().rev() {
            let s: f64 = v.iter().zip(&y[r..]).map(|(a, b)| a * b).sum::<f64>() * beta;
            for (yi, vi) in y[r..].iter_mut().zip(v) {
                *yi -= s * vi;
            }
        }
    }

    /// Residual of y after projection on the kept columns.
    pub fn residualize(&self, y: &[f64]) -> Vec<f64> {
        let mut z = y.to_vec();
        self.apply_qt(&mut z);
        for v in z.iter_mut().take(self.rank()) {
            *v = 0.0;
        }
        self.apply_q(&mut z);
        z
    }

    /// Least-squares coefficients of y on the kept columns (none for a design without
    /// columns, whose length the factorisation cannot know).
    pub fn solve(&self, y: &[f64]) -> Vec<f64> {
        assert!(self.kept.is_empty() || y.len() == self.n);
        let mut z = y.to_vec();
        self.apply_qt(&mut z);
        let k = self.rank();
        let mut b = vec![0.0; k];
        for i in (0..k).rev() {
            let mut s = z[i];
            for (j, bj) in b.iter().enumerate().skip(i + 1) {
                s -= self.r_cols[j][i] * bj;
            }
            b[i] = s / self.r_cols[i][i];
        }
        b
    }

    /// R⁻¹ (upper triangular, rank × rank).
    pub fn r_inv(&self) -> Array2<f64> {
        let k = self.rank();
        let mut inv = Array2::<f64>::zeros((k, k));
        for c in 0..k {
            // Solve R x = e_c by back substitution.
            for i in (0..=c).rev() {
                let mut s = if i == c { 1.0 } else { 0.0 };
                for j in (i + 1)..=c {
                    s -= self.r_cols[j][i] * inv[[j, c]];
                }
                inv[[i, c]] = s / self.r_cols[i][i];
            }
        }
        inv
    }

    /// The thin Q (n × rank): Q applied to the first rank unit vectors, so its columns are
    /// orthonormal to rounding however ill-conditioned the design is.
    pub fn thin_q(&self) -> Array2<f64> {
        let k = self.rank();
        let mut q = Array2::<f64>::zeros((self.n, k));
        let mut e = vec![0.0; self.n];
        for c in 0..k {
            e.iter_mut().for_each(|v| *v = 0.0);
            e[c] = 1.0;
            self.apply_q(&mut e);
            q.column_mut(c).assign(&ndarray::ArrayView1::from(&e[..]));
        }
        q
    }
}

extern "C" {
    /// OpenBLAS's setting of its own worker threads.
    fn openblas_set_num_threads(n: std::os::raw::c_int);
}

/// Keeps OpenBLAS to the calling thread; call before any LAPACK routine. The matrices here are
/// small (k × k, T × T), so its worker threads never help, and after each call they spin
/// (`sched_yield`) for a while, taking a core from the fits' own threads: on 2 cores the
/// 1,000-specification multiverse took 4× its wall time.
pub(crate) fn blas_single_thread() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: a plain setter of OpenBLAS's thread count, called once, before any BLAS work
    // of this crate; it takes an integer and touches no memory of ours.
    ONCE.call_once(|| unsafe { openblas_set_num_threads(1) });
}

/// Inverse of a symmetric positive-definite matrix (Cholesky via ndarray-linalg).
pub fn inv_sym(a: &Array2<f64>) -> Result<Array2<f64>> {
    use ndarray_linalg::{InverseC, InverseInto};
    blas_single_thread();
    a.invc().or_else(|_| a.clone().inv_into()).map_err(|e| {
        Error::Numeric(format!(
            "cannot invert a {}×{} matrix: {e}",
            a.nrows(),
            a.ncols()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_solution_and_collinear_drop() {
        let x1 = vec![1.0, 2.0, 3.0, 4.0, 5.0];
        let one = vec![1.0; 5];
        let dup: Vec<f64> = x1.iter().map(|v| 2.0 * v + 1.0).collect();
        let x3 = vec![0.0, 1.0, 0.0, 2.0, 1.0];
        let y: Vec<f64> = (0..5).map(|i| 3.0 + 0.5 * x1[i] - 2.0 * x3[i]).collect();
        let cols = vec![one, x1, dup, x3];
        let sc: Vec<f64> = cols
            .iter()
            .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
            .collect();
        let qr = Qr::new(&cols, &sc);
        assert_eq!(qr.kept, vec![0, 1, 3]);
        assert_eq!(qr.dropped, vec![2]);
        let b = qr.solve(&y);
        for (got, want) in b.iter().zip([3.0, 0.5, -2.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        let r = qr.residualize(&y);
        assert!(r.iter().all(|v| v.abs() < 1e-12));
    }
}

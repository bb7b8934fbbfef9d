//! Panel transformations on plain columns: (weighted) group demeaning, the exact two-way
//! within transformation, group means, √w scaling and weighted norms.

use crate::linalg::Qr;

/// Weighted means of `x` per group (`g[i]` in 0..ng); weights default to 1.
pub fn group_means(x: &[f64], g: &[usize], ng: usize, w: Option<&[f64]>) -> Vec<f64> {
    let mut s = vec![0.0; ng];
    let mut sw = vec![0.0; ng];
    for i in 0..x.len() {
        let wi = w.map_or(1.0, |w| w[i]);
        s[g[i]] += wi * x[i];
        sw[g[i]] += wi;
    }
    s.iter()
        .zip(&sw)
        .map(|(a, b)| if *b > 0.0 { a / b } else { 0.0 })
        .collect()
}

/// `x` minus its (weighted) group mean.
pub fn demean(x: &[f64], g: &[usize], ng: usize, w: Option<&[f64]>) -> Vec<f64> {
    let mut out = x.to_vec();
    demean_in_place(&mut out, g, ng, w);
    out
}

/// `x` minus its (weighted) group mean, in place.
pub fn demean_in_place(x: &mut [f64], g: &[usize], ng: usize, w: Option<&[f64]>) {
    let m = group_means(x, g, ng, w);
    x.iter_mut().zip(g).for_each(|(v, gi)| *v -= m[*gi]);
}

/// The exact two-way within transformation of several columns, in √w-scaled space.
///
/// By Frisch–Waugh–Lovell, regressing on both sets of dummies equals: demean (weighted) by the
/// `primary` grouping, then partial out the demeaned dummies of the `secondary` grouping.
/// Those dummies are never built: their cross-products form the small system
/// A = F'WF − F'WD(D'WD)⁻¹D'WF over the secondary levels (first level left out), accumulated
/// group by group in O(Σ_g n_g²) — O(n·T) for a panel with T periods — and each column then
/// costs O(n): b = F'W·demeaned(x), γ = A⁺b, and the fitted part of row i is
/// γ[s(i)] − (weighted mean of γ over row i's primary group). A is solved through its
/// eigen-decomposition; eigenvalues below `RANK_TOL` × the largest are null directions (a
/// disconnected panel), so the result stays the exact projection. Returns the transformed
/// √w-scaled columns and rank(A), the number of secondary effects kept.
pub fn twoway(
    cols: &[Vec<f64>],
    primary: (&[usize], usize),
    secondary: (&[usize], usize),
    w: Option<&[f64]>,
) -> (Vec<Vec<f64>>, usize) {
    let (pg, np) = primary;
    let (sg, ns) = secondary;
    let n = pg.len();
    let wt = |i: usize| w.map_or(1.0, |w| w[i]);
    let m = ns.saturating_sub(1);
    // Rows of each primary group (counting sort), and each group's total weight.
    let mut start = vec![0usize; np + 1];
    for &g in pg {
        start[g + 1] += 1;
    }
    for g in 0..np {
        start[g + 1] += start[g];
    }
    let mut fill = start.clone();
    let mut rows = vec![0usize; n];
    for (i, &g) in pg.iter().enumerate() {
        rows[fill[g]] = i;
        fill[g] += 1;
    }
    let mut wp = vec![0.0; np];
    for i in 0..n {
        wp[pg[i]] += wt(i);
    }
    // A over secondary levels 1..ns (index level − 1).
    let mut a = ndarray::Array2::<f64>::zeros((m, m));
    for i in 0..n {
        if sg[i] > 0 {
            a[[sg[i] - 1, sg[i] - 1]] += wt(i);
        }
    }
    for g in 0..np {
        if wp[g] <= 0.0 {
            continue;
        }
        let members = &rows[start[g]..start[g + 1]];
        for &r1 in members {
            if sg[r1] == 0 {
                continue;
            }
            let f = wt(r1) / wp[g];
            for &r2 in members {
                if sg[r2] > 0 {
                    a[[sg[r1] - 1, sg[r2] - 1]] -= f * wt(r2);
                }
            }
        }
    }
    let Some(solver) = PseudoInverse::new(a) else {
        // Non-finite sums (absurd weights): the dense reference reports what it can.
        return twoway_by_dummies(cols, primary, secondary, w);
    };
    let out = cols
        .iter()
        .map(|c| {
            let d = demean(c, pg, np, w);
            let mut b = vec![0.0; m];
            for i in 0..n {
                if sg[i] > 0 {
                    b[sg[i] - 1] += wt(i) * d[i];
                }
            }
            let gamma = solver.solve(&b);
            let level = |i: usize| if sg[i] == 0 { 0.0 } else { gamma[sg[i] - 1] };
            let mut gbar = vec![0.0; np];
            for i in 0..n {
                gbar[pg[i]] += wt(i) * level(i);
            }
            for g in 0..np {
                if wp[g] > 0.0 {
                    gbar[g] /= wp[g];
                }
            }
            (0..n)
                .map(|i| (d[i] - (level(i) - gbar[pg[i]])) * wt(i).sqrt())
                .collect()
        })
        .collect();
    (out, solver.rank)
}

/// Relative eigenvalue threshold below which a direction of the two-way system is null.
pub const RANK_TOL: f64 = 1e-10;

/// A⁺ of a symmetric positive semi-definite matrix, by its eigen-decomposition.
struct PseudoInverse {
    vectors: ndarray::Array2<f64>,
    inv_values: Vec<f64>,
    rank: usize,
}

impl PseudoInverse {
    fn new(a: ndarray::Array2<f64>) -> Option<PseudoInverse> {
        use ndarray_linalg::{Eigh, UPLO};
        crate::linalg::blas_single_thread();
        let m = a.nrows();
        if m == 0 {
            return Some(PseudoInverse {
                vectors: a,
                inv_values: Vec::new(),
                rank: 0,
            });
        }
        if a.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let (values, vectors) = a.eigh(UPLO::Lower).ok()?;
        let top = values.iter().cloned().fold(0.0f64, f64::max);
        let inv_values: Vec<f64> = values
            .iter()
            .map(|&v| if v > RANK_TOL * top { 1.0 / v } else { 0.0 })
            .collect();
        let rank = inv_values.iter().filter(|v| **v > 0.0).count();
        Some(PseudoInverse {
            vectors,
            inv_values,
            rank,
        })
    }

    /// A⁺ b = V diag(1/λ) V' b over the non-null directions.
    fn solve(&self, b: &[f64]) -> Vec<f64> {
        let m = b.len();
        let mut out = vec![0.0; m];
        for (j, &iv) in self.inv_values.iter().enumerate() {
            if iv == 0.0 {
                continue;
            }
            let col = self.vectors.column(j);
            let c: f64 = (0..m).map(|r| col[r] * b[r]).sum::<f64>() * iv;
            for r in 0..m {
                out[r] += c * col[r];
            }
        }
        out
    }
}

/// The exact two-way transformation through demeaned dummy columns and Householder QR: the
/// reference the O(n) [`twoway`] is tested against (cost O(n·T²)).
pub fn twoway_by_dummies(
    cols: &[Vec<f64>],
    primary: (&[usize], usize),
    secondary: (&[usize], usize),
    w: Option<&[f64]>,
) -> (Vec<Vec<f64>>, usize) {
    let n = primary.0.len();
    let sw: Vec<f64> = (0..n).map(|i| w.map_or(1.0, |w| w[i].sqrt())).collect();
    let scale = |v: Vec<f64>| -> Vec<f64> { v.iter().zip(&sw).map(|(a, b)| a * b).collect() };
    let mut dummies = Vec::new();
    let mut refn = Vec::new();
    for level in 1..secondary.1 {
        let d: Vec<f64> = secondary
            .0
            .iter()
            .map(|&g| if g == level { 1.0 } else { 0.0 })
            .collect();
        refn.push(
            d.iter()
                .zip(&sw)
                .map(|(a, b)| (a * b).powi(2))
                .sum::<f64>()
                .sqrt(),
        );
        dummies.push(scale(demean(&d, primary.0, primary.1, w)));
    }
    let qr = if dummies.is_empty() {
        None
    } else {
        Some(Qr::new(&dummies, &refn))
    };
    let out = cols
        .iter()
        .map(|c| {
            let d = scale(demean(c, primary.0, primary.1, w));
            match &qr {
                Some(q) => q.residualize(&d),
                None => d,
            }
        })
        .collect();
    (out, qr.map_or(0, |q| q.rank()))
}

/// The weighted Euclidean norm √(Σ w_i x_i²) (unweighted when `w` is `None`).
pub fn norm_w(x: &[f64], w: Option<&[f64]>) -> f64 {
    x.iter()
        .enumerate()
        .map(|(i, v)| w.map_or(1.0, |w| w[i]) * v * v)
        .sum::<f64>()
        .sqrt()
}

/// `x` times `s` elementwise (`x` itself when `s` is `None`): the √w scaling.
pub fn scale_by(x: &[f64], s: Option<&[f64]>) -> Vec<f64> {
    let mut out = x.to_vec();
    scale_in_place(&mut out, s);
    out
}

/// `x` times `s` elementwise, in place (unchanged when `s` is `None`).
pub fn scale_in_place(x: &mut [f64], s: Option<&[f64]>) {
    if let Some(s) = s {
        x.iter_mut().zip(s).for_each(|(a, b)| *a *= b);
    }
}

/// Convergence tolerance of [`alternating_projections`]: a sweep whose largest removed group
/// mean is below `FIXEF_TOL` × (1 + max |x|) ends the iteration (fixest's `fixef.tol` is
/// 1e-6 on the same kind of criterion, pyfixest's 1e-8; this is tighter, so results agree
/// with theirs to their tolerance).
pub const FIXEF_TOL: f64 = 1e-12;

/// Sweeps after which [`alternating_projections`] gives up (a badly connected design).
pub const FIXEF_MAX_ITER: usize = 100_000;

/// Demeans `x` (weighted) by several groupings in turn until no group mean is left
/// (Gauss–Seidel alternating projections, the method of fixest and pyfixest for any number
/// of fixed effects): the residual of the projection on all their dummies. `None` when it
/// has not converged after [`FIXEF_MAX_ITER`] sweeps.
pub fn alternating_projections(
    x: &[f64],
    groups: &[(&[usize], usize)],
    w: Option<&[f64]>,
) -> Option<Vec<f64>> {
    let scale = 1.0 + x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut out = x.to_vec();
    for _ in 0..FIXEF_MAX_ITER {
        let mut largest = 0.0f64;
        for &(g, ng) in groups {
            let m = group_means(&out, g, ng, w);
            largest = m.iter().fold(largest, |a, v| a.max(v.abs()));
            for (v, gi) in out.iter_mut().zip(g) {
                *v -= m[*gi];
            }
        }
        if largest <= FIXEF_TOL * scale {
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic unbalanced panel: `nu` units over `nt` periods with about a fifth of the
    /// cells missing; `split` makes two groups of units that share no period (disconnected).
    fn panel(
        nu: usize,
        nt: usize,
        split: bool,
    ) -> (Vec<usize>, Vec<usize>, Vec<f64>, Vec<Vec<f64>>) {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut u, mut t, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..nu {
            for p in 0..nt {
                let first_half = p < nt / 2;
                if split && (i < nu / 2) != first_half {
                    continue;
                }
                if next() < 0.2 {
                    continue;
                }
                u.push(i);
                t.push(p);
                w.push(0.5 + 3.0 * next());
            }
        }
        let cols = (0..3)
            .map(|c| {
                (0..u.len())
                    .map(|r| next() * 10.0 + (c * u[r]) as f64 + t[r] as f64)
                    .collect()
            })
            .collect();
        (u, t, w, cols)
    }

    fn assert_same(a: &(Vec<Vec<f64>>, usize), b: &(Vec<Vec<f64>>, usize)) {
        assert_eq!(a.1, b.1, "kept secondary effects");
        for (x, y) in a.0.iter().zip(&b.0) {
            let scale = y.iter().map(|v| v.abs()).fold(1.0, f64::max);
            for (p, q) in x.iter().zip(y) {
                assert!((p - q).abs() <= 1e-10 * scale, "{p} vs {q}");
            }
        }
    }

    #[test]
    fn equals_the_dummy_reference_weighted_unbalanced_and_disconnected() {
        for split in [false, true] {
            let (u, t, w, cols) = panel(40, 9, split);
            let nu = 40;
            let nt = 9;
            for weights in [None, Some(&w[..])] {
                let fast = twoway(&cols, (&u, nu), (&t, nt), weights);
                let slow = twoway_by_dummies(&cols, (&u, nu), (&t, nt), weights);
                assert_same(&fast, &slow);
                // Either grouping may be the primary one.
                let fast = twoway(&cols, (&t, nt), (&u, nu), weights);
                let slow = twoway_by_dummies(&cols, (&t, nt), (&u, nu), weights);
                assert_same(&fast, &slow);
            }
            let kept = twoway(&cols, (&u, nu), (&t, nt), None).1;
            assert_eq!(kept, if split { nt - 2 } else { nt - 1 }, "split {split}");
        }
    }
}

//! Covariance routines on plain arrays (as linearmodels' `covariance.py`): scores,
//! leverages and the meats of every recipe, and the sandwich. Nothing here knows a fit; the
//! glue in `vcov.rs` hands over the QR factors X̃ = QR of the scaled design, the residuals of
//! the scaled regression and the ids.
//!
//! The sandwich B M B, B = (X̃'X̃)⁻¹ = R⁻¹R⁻ᵀ, is computed from the QR factors: the scores are
//! taken in the orthonormal basis Q and rotated by R⁻¹ first, s̄_i = R⁻¹ q_i ũ_i = B x̃_i ũ_i,
//! so every meat of the s̄_i is the covariance itself and X̃'ΩX̃ is never formed. Near-collinear
//! designs keep their accuracy (the cross-product route squares the condition number), and a
//! clustered variance Σ_g (Σ_{i∈g} s̄_i)² can never be negative. Leverages are h_i = ‖q_i‖².
//!
//! Meats, with scores s_i = x̃_i ũ_i:
//! - heteroskedastic: Σ s̃_i s̃_i', s̃_i = s_i (hc0, hc1), s_i/√(1 − h_i) (hc2), s_i/(1 − h_i)
//!   (hc3), h_i = x̃_i'B x̃_i (leverage in the transformed design);
//! - clustered: Σ_g S_g S_g', S_g = Σ_{i∈g} s_i; two-way: M_unit + M_time − M_unit∩time;
//! - Driscoll–Kraay (lags L): with h_t = Σ_{i∈t} s_i,
//!   Σ_t h_t h_t' + Σ_{l=1..L} (1 − l/(L+1)) Σ_t (h_t h_{t−l}' + h_{t−l} h_t');
//! - panel Newey–West (lags L): Σ_i [Σ_t s_it s_it' + Σ_l (1 − l/(L+1)) Σ_t (s_it s_i,t−l' +
//!   s_i,t−l s_it')], the lag taken at period t − l of the same unit (gap-aware).

use super::kind::{ClusterBy, Hac, Leverage, Recipe};
use ndarray::{Array1, Array2};
use std::collections::BTreeMap;

/// Scores s_i = x_i u_i: the rows of `x` times the residuals `u` of the same regression.
pub(crate) fn scores(x: &Array2<f64>, u: &[f64]) -> Array2<f64> {
    let mut s = x.clone();
    for (i, mut row) in s.rows_mut().into_iter().enumerate() {
        row *= u[i];
    }
    s
}

/// Leverages h_i = x_i' B x_i = ‖q_i‖², from the thin Q of the design.
pub(crate) fn leverage(q: &Array2<f64>) -> Vec<f64> {
    q.rows().into_iter().map(|r| r.dot(&r)).collect()
}

/// Dense group ids 0..G in order of first appearance, and G.
pub(crate) fn dense_ids<T: Ord + Copy>(ids: &[T]) -> (Vec<usize>, usize) {
    let mut map = BTreeMap::new();
    let out = ids
        .iter()
        .map(|i| {
            let next = map.len();
            *map.entry(*i).or_insert(next)
        })
        .collect();
    (out, map.len())
}

/// [`dense_ids`] for small non-negative integer ids (a lookup table, no map): the same
/// numbering, in order of first appearance.
pub(crate) fn dense_small(ids: &[usize]) -> (Vec<usize>, usize) {
    let bound = ids.iter().max().map_or(0, |m| m + 1);
    if bound > 4 * ids.len() + 64 {
        return dense_ids(ids);
    }
    let mut map = vec![usize::MAX; bound];
    let mut next = 0;
    let out = ids
        .iter()
        .map(|&i| {
            if map[i] == usize::MAX {
                map[i] = next;
                next += 1;
            }
            map[i]
        })
        .collect();
    (out, next)
}

/// The B M B sandwich.
pub(crate) fn sandwich(bread: &Array2<f64>, meat: &Array2<f64>) -> Array2<f64> {
    bread.dot(meat).dot(bread)
}

/// Σ s̃_i s̃_i' with leverage-scaled scores (`h` is needed unless `leverage` is `None`).
pub(crate) fn hetero_meat(s: &Array2<f64>, h: &[f64], leverage: Leverage) -> Array2<f64> {
    if leverage == Leverage::None {
        return s.t().dot(s);
    }
    let mut s2 = s.clone();
    for (i, mut row) in s2.rows_mut().into_iter().enumerate() {
        let d = match leverage {
            Leverage::Sqrt => (1.0 - h[i]).sqrt(),
            _ => 1.0 - h[i],
        };
        row /= d;
    }
    s2.t().dot(&s2)
}

/// Σ_g S_g S_g' for cluster ids `g` (any labels), and the number of clusters G.
pub(crate) fn cluster_meat<T: Ord + Copy>(s: &Array2<f64>, g: &[T]) -> (Array2<f64>, usize) {
    let (g, ng) = dense_ids(g);
    (cluster_meat_dense(s, &g, ng), ng)
}

/// [`cluster_meat`] for integer cluster ids (numbered by a lookup table, not a map).
pub(crate) fn cluster_meat_small(s: &Array2<f64>, g: &[usize]) -> (Array2<f64>, usize) {
    let (g, ng) = dense_small(g);
    (cluster_meat_dense(s, &g, ng), ng)
}

/// Σ_g S_g S_g' for dense cluster ids `g` in 0..ng.
fn cluster_meat_dense(s: &Array2<f64>, g: &[usize], ng: usize) -> Array2<f64> {
    let k = s.ncols();
    let mut sums = Array2::<f64>::zeros((ng, k));
    match (s.as_slice(), sums.as_slice_mut()) {
        (Some(sv), Some(out)) => {
            for (row, gi) in sv.chunks_exact(k.max(1)).zip(g) {
                for (o, v) in out[gi * k..(gi + 1) * k].iter_mut().zip(row) {
                    *o += v;
                }
            }
        }
        _ => {
            for (i, gi) in g.iter().enumerate() {
                let mut r = sums.row_mut(*gi);
                r += &s.row(i);
            }
        }
    }
    sums.t().dot(&sums)
}

/// The three clustered meats of two-way clustering by `g1` and `g2`: by g1, by g2 and by
/// their intersection, each with its number of clusters.
pub(crate) fn twoway_meats<A: Ord + Copy, B: Ord + Copy>(
    s: &Array2<f64>,
    g1: &[A],
    g2: &[B],
) -> [(Array2<f64>, usize); 3] {
    let both: Vec<(A, B)> = g1.iter().copied().zip(g2.iter().copied()).collect();
    [
        cluster_meat(s, g1),
        cluster_meat(s, g2),
        cluster_meat(s, &both),
    ]
}

fn outer_add(m: &mut Array2<f64>, a: &Array1<f64>, b: &Array1<f64>, w: f64) {
    let k = a.len();
    for p in 0..k {
        for q in 0..k {
            m[[p, q]] += w * (a[p] * b[q] + b[p] * a[q]);
        }
    }
}

fn bartlett(l: usize, lags: usize) -> f64 {
    1.0 - l as f64 / (lags as f64 + 1.0)
}

/// Driscoll–Kraay meat over the periods `time` (values, so a lag is the period t − l), and
/// the number of periods.
pub(crate) fn driscoll_kraay_meat(
    s: &Array2<f64>,
    time: &[i64],
    lags: usize,
) -> (Array2<f64>, usize) {
    let (gt, nt) = dense_ids(time);
    let mut tval = vec![0i64; nt];
    for (i, g) in gt.iter().enumerate() {
        tval[*g] = time[i];
    }
    let mut h = Array2::<f64>::zeros((nt, s.ncols()));
    for (i, g) in gt.iter().enumerate() {
        let mut r = h.row_mut(*g);
        r += &s.row(i);
    }
    let mut m = h.t().dot(&h);
    let pos: BTreeMap<i64, usize> = tval.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    for l in 1..=lags {
        let w = bartlett(l, lags);
        for (a, t) in tval.iter().enumerate() {
            if let Some(&b) = pos.get(&(t - l as i64)) {
                outer_add(&mut m, &h.row(a).to_owned(), &h.row(b).to_owned(), w);
            }
        }
    }
    (m, nt)
}

/// Panel Newey–West meat (units `unit`, periods `time`), and the number of periods.
pub(crate) fn newey_west_meat<U: Ord + Copy>(
    s: &Array2<f64>,
    unit: &[U],
    time: &[i64],
    lags: usize,
) -> (Array2<f64>, usize) {
    let mut m = s.t().dot(s);
    let mut pos = BTreeMap::new();
    for i in 0..s.nrows() {
        pos.insert((unit[i], time[i]), i);
    }
    for l in 1..=lags {
        let w = bartlett(l, lags);
        for i in 0..s.nrows() {
            if let Some(&j) = pos.get(&(unit[i], time[i] - l as i64)) {
                outer_add(&mut m, &s.row(i).to_owned(), &s.row(j).to_owned(), w);
            }
        }
    }
    (m, dense_ids(time).1)
}

/// Scores rotated into coefficient space, s̄_i = R⁻¹ q_i u_i (row i of the result), for the
/// thin Q and R⁻¹ of the design: a meat of these rows is a covariance B M B.
pub(crate) fn coef_scores(q: &Array2<f64>, r_inv: &Array2<f64>, u: &[f64]) -> Array2<f64> {
    // In blocks of rows, so the unrotated scores are never held for every row at once.
    const BLOCK: usize = 8192;
    let n = q.nrows();
    if n <= BLOCK {
        return scores(q, u).dot(&r_inv.t());
    }
    let mut out = Array2::<f64>::zeros((n, r_inv.nrows()));
    for a in (0..n).step_by(BLOCK) {
        let b = (a + BLOCK).min(n);
        let block = scores(&q.slice(ndarray::s![a..b, ..]).to_owned(), &u[a..b]);
        out.slice_mut(ndarray::s![a..b, ..])
            .assign(&block.dot(&r_inv.t()));
    }
    out
}

/// What the meats are computed from: the QR factors of the scaled design, its residuals and
/// the ids.
pub(crate) struct MeatInputs<'a> {
    /// Thin Q (n × k).
    pub(crate) q: &'a Array2<f64>,
    /// R⁻¹ (k × k).
    pub(crate) r_inv: &'a Array2<f64>,
    pub(crate) u: &'a [f64],
    pub(crate) unit: &'a [usize],
    /// The ids, for the time values (read only by the serial-correlation meats).
    pub(crate) ids: &'a crate::estimators::PanelIds,
    pub(crate) time_idx: &'a [usize],
}

/// The plain (uncorrected) meat of a recipe, built on the rotated scores s̄_i, so it is
/// already the covariance B M B.
pub(crate) enum Meat {
    /// iid has no meat: σ² B.
    None,
    /// One meat and the number of clusters (or periods) it sums over, if any.
    One(Array2<f64>, Option<usize>),
    /// Two-way clustering: the meats by unit, by period and by both, with their counts.
    Twoway([(Array2<f64>, usize); 3]),
}

impl Meat {
    /// The covariance times `factor`: the meat itself (it is already B M B), σ²-free B for
    /// iid; two-way meats combined as M_1 + M_2 − M_both, or with each term's own weight.
    pub(crate) fn covariance(
        self,
        bread: &Array2<f64>,
        factor: f64,
        twoway_weights: Option<[f64; 3]>,
    ) -> Array2<f64> {
        match self {
            Meat::None => bread * factor,
            Meat::One(m, _) => m * factor,
            Meat::Twoway([(m1, _), (m2, _), (mb, _)]) => {
                let m = match twoway_weights {
                    None => m1 + m2 - mb,
                    Some([w1, w2, wb]) => m1 * w1 + m2 * w2 - mb * wb,
                };
                m * factor
            }
        }
    }

    /// The cluster counts: [G], or [G_unit, G_time, G_both].
    pub(crate) fn clusters(&self) -> Option<Vec<usize>> {
        match self {
            Meat::None | Meat::One(_, None) => None,
            Meat::One(_, Some(g)) => Some(vec![*g]),
            Meat::Twoway(p) => Some(p.iter().map(|(_, g)| *g).collect()),
        }
    }
}

/// The meat of `recipe` on the rotated scores (lags for the HAC recipes).
pub(crate) fn meat(recipe: Recipe, d: &MeatInputs, lags: usize) -> Meat {
    let s = coef_scores(d.q, d.r_inv, d.u);
    match recipe {
        Recipe::Iid => Meat::None,
        Recipe::Hetero { leverage: lev, .. } => {
            let h = if lev == Leverage::None {
                Vec::new()
            } else {
                leverage(d.q)
            };
            Meat::One(hetero_meat(&s, &h, lev), None)
        }
        Recipe::Cluster(ClusterBy::Unit) => {
            let (m, g) = cluster_meat_small(&s, d.unit);
            Meat::One(m, Some(g))
        }
        Recipe::Cluster(ClusterBy::Time) => {
            let (m, g) = cluster_meat_small(&s, d.time_idx);
            Meat::One(m, Some(g))
        }
        Recipe::Cluster(ClusterBy::UnitAndTime) => {
            Meat::Twoway(twoway_meats(&s, d.unit, d.time_idx))
        }
        Recipe::Hac(Hac::DriscollKraay) => {
            let (m, t) = driscoll_kraay_meat(&s, d.ids.time(), lags);
            Meat::One(m, Some(t))
        }
        Recipe::Hac(Hac::NeweyWest) => {
            let (m, t) = newey_west_meat(&s, d.unit, d.ids.time(), lags);
            Meat::One(m, Some(t))
        }
        Recipe::Jackknife(_) => unreachable!("CRV2/CRV3 are built in jackknife.rs"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// x = [1, t], t = 0..3; u = (1, −1, 2, −2): scores (1,0), (−1,−1), (2,4), (−2,−6).
    fn small() -> (Array2<f64>, Vec<f64>, Array2<f64>) {
        let x = array![[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]];
        let u = vec![1.0, -1.0, 2.0, -2.0];
        // (X'X)⁻¹ = [[14, −6], [−6, 4]] / 20.
        let b = array![[0.7, -0.3], [-0.3, 0.2]];
        (x, u, b)
    }

    fn close(a: &Array2<f64>, b: &Array2<f64>) -> bool {
        a.shape() == b.shape() && a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-12)
    }

    #[test]
    fn scores_leverages_and_heteroskedastic_meats_by_hand() {
        let (x, u, b) = small();
        let s = scores(&x, &u);
        assert_eq!(
            s,
            array![[1.0, 0.0], [-1.0, -1.0], [2.0, 4.0], [-2.0, -6.0]]
        );
        let cols: Vec<Vec<f64>> = x.columns().into_iter().map(|c| c.to_vec()).collect();
        let qr = crate::linalg::Qr::new(&cols, &[2.0, 3.7]);
        let h = leverage(&qr.thin_q());
        for (got, want) in h.iter().zip([0.7, 0.3, 0.3, 0.7]) {
            assert!((got - want).abs() < 1e-12);
        }
        assert_eq!(
            hetero_meat(&s, &h, Leverage::None),
            array![[10.0, 21.0], [21.0, 53.0]]
        );
        // HC3: Σ s_i s_i' / (1 − h_i)²; HC2: / (1 − h_i).
        let (w3, w2): (Vec<f64>, Vec<f64>) = h
            .iter()
            .map(|v| (1.0 / (1.0 - v).powi(2), 1.0 / (1.0 - v)))
            .unzip();
        for (lev, w) in [(Leverage::Full, &w3), (Leverage::Sqrt, &w2)] {
            let mut want = Array2::<f64>::zeros((2, 2));
            for i in 0..4 {
                for p in 0..2 {
                    for q in 0..2 {
                        want[[p, q]] += w[i] * s[[i, p]] * s[[i, q]];
                    }
                }
            }
            assert!(close(&hetero_meat(&s, &h, lev), &want), "{lev:?}");
        }
        // Sandwich of the HC0 meat: B M B.
        let v = sandwich(&b, &hetero_meat(&s, &h, Leverage::None));
        let want = b.dot(&array![[10.0, 21.0], [21.0, 53.0]]).dot(&b);
        assert!(close(&v, &want));
    }

    #[test]
    fn clustered_meats_by_hand() {
        let (x, u, _) = small();
        let s = scores(&x, &u);
        // Clusters {0, 1} and {2, 3}: S = (0, −1) and (0, −2).
        let (m, g) = cluster_meat(&s, &["a", "a", "b", "b"]);
        assert_eq!((m, g), (array![[0.0, 0.0], [0.0, 5.0]], 2));
        // Second dimension {0, 2}, {1, 3}: S = (3, 4), (−3, −7); cells are single rows.
        let [(mu, gu), (mt, gt), (mb, gb)] =
            twoway_meats(&s, &[0, 0, 1, 1], &[1990, 1991, 1990, 1991]);
        assert_eq!((gu, gt, gb), (2, 2, 4));
        assert_eq!(mt, array![[18.0, 33.0], [33.0, 65.0]]);
        assert_eq!(mu + mt - mb, array![[8.0, 12.0], [12.0, 17.0]]);
        // Every row its own cluster: the heteroskedastic meat.
        assert_eq!(cluster_meat(&s, &[3, 1, 2, 0]).0, s.t().dot(&s));
    }

    #[test]
    fn driscoll_kraay_and_newey_west_by_hand() {
        let (x, u, _) = small();
        let s = scores(&x, &u);
        let time = [1, 2, 1, 2];
        // Period sums h_1 = (3, 4), h_2 = (−3, −7); lag 1 weight 1/2.
        let (dk, t) = driscoll_kraay_meat(&s, &time, 1);
        assert_eq!(t, 2);
        assert!(close(&dk, &array![[9.0, 16.5], [16.5, 37.0]]));
        assert_eq!(
            driscoll_kraay_meat(&s, &time, 0).0,
            array![[18.0, 33.0], [33.0, 65.0]]
        );
        // Within units 0 = rows {0, 1} and 1 = rows {2, 3}, lag at t − 1.
        let (nw, t) = newey_west_meat(&s, &[0, 0, 1, 1], &time, 1);
        assert_eq!(t, 2);
        assert!(close(&nw, &array![[5.0, 10.5], [10.5, 29.0]]));
        // A gap: no period t − 1 in the unit, no lag term (plm's vcovNW).
        let (gap, _) = newey_west_meat(&s, &[0, 0, 1, 1], &[1, 3, 1, 3], 1);
        assert_eq!(gap, s.t().dot(&s));
    }
}

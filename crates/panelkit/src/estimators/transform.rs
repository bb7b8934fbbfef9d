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
    let m = group_means(x, g, ng, w);
    x.iter().zip(g).map(|(v, gi)| v - m[*gi]).collect()
}

/// The exact two-way within transformation of several columns, in √w-scaled space.
///
/// Columns are demeaned (weighted) by the `primary` grouping; then the demeaned dummies of
/// the `secondary` grouping (first level left out) are partialled out by least squares
/// (Householder QR, collinear dummies dropped — they arise when the panel is disconnected).
/// By Frisch–Waugh–Lovell this equals regressing on both sets of dummies, for balanced and
/// unbalanced panels alike, without iteration. Returns the transformed √w-scaled columns and
/// the number of secondary dummies kept.
pub fn twoway(
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
    match s {
        Some(s) => x.iter().zip(s).map(|(a, b)| a * b).collect(),
        None => x.to_vec(),
    }
}

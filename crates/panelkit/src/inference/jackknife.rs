//! Cluster covariances for few or unequal clusters: CRV3 (the cluster jackknife) and CRV2
//! (Bell–McCaffrey), on the fit's transformed (fixed-effect-projected, √w-scaled) design.
//!
//! - CRV3: V₃ = c · Σ_g (β̂_(g) − β̂)(β̂_(g) − β̂)', β̂_(g) = (X'X − X_g'X_g)⁻¹(X'y − X_g'y_g) the
//!   leave-one-cluster-out estimate. c = (G − 1)/G (the jackknife), except under the `fixest`
//!   preset, where c is pyfixest's CRV factor G/(G − 1)·(n − 1)/(n − K′), as pyfixest applies it.
//! - CRV2: meat Σ_g X_g'A_g û_g û_g'A_g X_g with A_g = (I − H_gg)^{-1/2}, H_gg = X_g B X_g'
//!   (symmetric inverse square root; eigenvalues of I − H_gg at zero are skipped); factor 1.
//!
//! Both use t(G − 1). With unit fixed effects nested in unit clusters, dropping a cluster
//! from the within-transformed data is the same as refitting without it; with effects not
//! nested in the clusters (two-way effects clustered by unit) the absorbed effects are held
//! at the full-sample projection.

use super::clusters::{ClusterBy, ClusterSums};
use super::covariance::sandwich;
use super::kind::{self, Jackknife, Recipe};
use super::ssc::{factors, Ssc};
use super::vcov::{Vcov, VcovSpec};
use crate::error::{Error, Result};
use crate::estimators::Fit;
use crate::linalg::inv_sym;
use ndarray::{Array1, Array2};

/// Leave-one-cluster-out coefficients β̂_(g), one per cluster, in cluster order.
pub fn leave_one_out(fit: &Fit, cs: &ClusterSums) -> Result<Vec<Array1<f64>>> {
    let k = fit.k;
    let mut xtx = Array2::<f64>::zeros((k, k));
    let mut xty = Array1::<f64>::zeros(k);
    for g in 0..cs.ng {
        xtx += &cs.xtx[g];
        xty += &cs.xty[g];
    }
    (0..cs.ng)
        .map(|g| {
            let a = &xtx - &cs.xtx[g];
            let inv = inv_sym(&a).map_err(|_| {
                Error::Numeric(format!(
                    "leaving out cluster '{}' leaves a singular design: a regressor varies only within it",
                    cs.labels[g]
                ))
            })?;
            Ok(inv.dot(&(&xty - &cs.xty[g])))
        })
        .collect()
}

/// Σ_g (β̂_(g) − β̂)(β̂_(g) − β̂)'.
fn jackknife_sum(fit: &Fit, cs: &ClusterSums) -> Result<Array2<f64>> {
    let b = Array1::from(fit.coefficients.clone());
    let mut m = Array2::<f64>::zeros((fit.k, fit.k));
    for bg in leave_one_out(fit, cs)? {
        let d = &bg - &b;
        for p in 0..fit.k {
            for q in 0..fit.k {
                m[[p, q]] += d[p] * d[q];
            }
        }
    }
    Ok(m)
}

/// Symmetric inverse square root of a symmetric positive semi-definite matrix; eigenvalues
/// below 1e-12 (relative) are treated as zero (pseudo-inverse).
fn inv_sqrt_sym(a: &Array2<f64>) -> Result<Array2<f64>> {
    use ndarray_linalg::{Eigh, UPLO};
    crate::linalg::blas_single_thread();
    let (vals, vecs) = a
        .eigh(UPLO::Lower)
        .map_err(|e| Error::Numeric(format!("CRV2: eigen-decomposition failed: {e}")))?;
    let top = vals.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let n = a.nrows();
    let mut out = Array2::<f64>::zeros((n, n));
    for (j, &l) in vals.iter().enumerate() {
        if l <= 1e-12 * top.max(1.0) {
            continue;
        }
        let s = 1.0 / l.sqrt();
        let c = vecs.column(j);
        for p in 0..n {
            for q in 0..n {
                out[[p, q]] += s * c[p] * c[q];
            }
        }
    }
    Ok(out)
}

/// The Bell–McCaffrey meat Σ_g X_g'A_g û_g û_g'A_g X_g.
fn crv2_meat(fit: &Fit, cs: &ClusterSums) -> Result<Array2<f64>> {
    let k = fit.k;
    let u = fit.scaled_resid();
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); cs.ng];
    for (i, &g) in cs.index.iter().enumerate() {
        rows[g].push(i);
    }
    let mut meat = Array2::<f64>::zeros((k, k));
    for idx in &rows {
        let ng = idx.len();
        let mut xg = Array2::<f64>::zeros((ng, k));
        for (r, &i) in idx.iter().enumerate() {
            xg.row_mut(r).assign(&fit.x.row(i));
        }
        let h = xg.dot(&fit.xtx_inv).dot(&xg.t());
        let i_minus_h = Array2::<f64>::eye(ng) - h;
        let a = inv_sqrt_sym(&i_minus_h)?;
        let ug = Array1::from(idx.iter().map(|&i| u[i]).collect::<Vec<f64>>());
        let s = xg.t().dot(&a.dot(&ug));
        for p in 0..k {
            for q in 0..k {
                meat[[p, q]] += s[p] * s[q];
            }
        }
    }
    Ok(meat)
}

/// CRV2 or CRV3 clustered by unit under `spec` (called by [`Fit::vcov`]).
pub(crate) fn vcov(fit: &Fit, spec: &VcovSpec, which: Jackknife) -> Result<Vcov> {
    let cs = ClusterSums::new(fit, &ClusterBy::Unit)?;
    let g = cs.ng as f64;
    let (matrix, factor, note) = match which {
        Jackknife::Cr3 => {
            let m = jackknife_sum(fit, &cs)?;
            let (factor, note) = if spec.ssc() == Ssc::fixest() {
                let unit = Recipe::Cluster(kind::ClusterBy::Unit);
                let f = factors(&Ssc::fixest(), unit, &fit.counts(), Some(&[cs.ng]));
                (
                    f.factor,
                    format!(
                        "CRV3 jackknife Σ(β̂_(g) − β̂)(β̂_(g) − β̂)' × {} (pyfixest); t df = G − 1",
                        f.note.split(';').next().unwrap_or("")
                    ),
                )
            } else {
                (
                    (g - 1.0) / g,
                    format!("CRV3 jackknife (G − 1)/G · Σ(β̂_(g) − β̂)(β̂_(g) − β̂)', G = {g}; t df = G − 1"),
                )
            };
            (m * factor, factor, note)
        }
        Jackknife::Cr2 => {
            let meat = crv2_meat(fit, &cs)?;
            (
                sandwich(&fit.xtx_inv, &meat),
                1.0,
                format!("CRV2 (Bell–McCaffrey): A_g = (I − H_gg)^(-1/2), factor 1, G = {g}; t df = G − 1"),
            )
        }
    };
    Ok(Vcov {
        spec: *spec,
        matrix,
        df: Some(g - 1.0),
        factor,
        lags: None,
        n_clusters: Some(cs.ng),
        note,
        cluster: None,
    })
}

//! Random-effects variance components (Swamy–Arora, plm's unbalanced formula).

use super::fit::RandomComponents;
use super::sample::Sample;
use super::solve::least_squares;
use super::transform::{demean, group_means};
use crate::error::{Error, Result};
use ndarray::Array2;

/// Swamy–Arora variance components as plm computes them (`random.method = "swar"`), valid
/// for unbalanced panels:
/// σ²_ε = RSS_within / (n − N − K_w);
/// σ²_μ = (RSS_B − (N − K_b) σ²_ε) / (n − tr[(X'PX)⁻¹ X'ZZ'X]), where RSS_B is the residual
/// sum of squares of the between regression on the unit means repeated T_i times
/// (Baltagi & Chang 1994), X the design with intercept, P the unit-mean projection and Z the
/// unit dummies; θ_i = 1 − √(σ²_ε / (σ²_ε + T_i σ²_μ)). A negative σ²_μ is set to 0.
pub(crate) fn swamy_arora(s: &Sample, raw: &[Vec<f64>], refn: &[f64]) -> Result<RandomComponents> {
    let unit = &s.ids.unit;
    let nu = s.ids.n_units();
    let n = s.y.len() as f64;
    let mut ti = vec![0f64; nu];
    for &u in unit {
        ti[u] += 1.0;
    }
    // Within step (slopes only: the intercept column demeans to zero and is dropped).
    let wy = demean(&s.y, unit, nu, None);
    let wx: Vec<Vec<f64>> = raw.iter().map(|c| demean(c, unit, nu, None)).collect();
    let lw = least_squares(&wx, refn, &wy);
    let rw = lw.qr.residualize(&wy);
    let rss_w: f64 = rw.iter().map(|v| v * v).sum();
    let kw = lw.qr.rank() as f64;
    let df_w = n - nu as f64 - kw;
    if df_w <= 0.0 {
        return Err(Error::Data(
            "random effects: no degrees of freedom for the idiosyncratic variance".into(),
        ));
    }
    let s2e = rss_w / df_w;
    // Between step on unit means repeated T_i times.
    let ybar = group_means(&s.y, unit, nu, None);
    let xbar: Vec<Vec<f64>> = raw.iter().map(|c| group_means(c, unit, nu, None)).collect();
    let by: Vec<f64> = unit.iter().map(|&u| ybar[u]).collect();
    let bx: Vec<Vec<f64>> = xbar
        .iter()
        .map(|m| unit.iter().map(|&u| m[u]).collect())
        .collect();
    let lb = least_squares(&bx, refn, &by);
    let rb = lb.qr.residualize(&by);
    let rss_b: f64 = rb.iter().map(|v| v * v).sum();
    let kb = lb.qr.rank();
    // tr[(X'PX)⁻¹ X'ZZ'X] with X'PX = Σ T_i x̄ x̄', X'ZZ'X = Σ T_i² x̄ x̄' (kept columns).
    let kc = &lb.qr.kept;
    let mut a = Array2::<f64>::zeros((kb, kb));
    let mut bm = Array2::<f64>::zeros((kb, kb));
    for u in 0..nu {
        for (p, &jp) in kc.iter().enumerate() {
            for (q, &jq) in kc.iter().enumerate() {
                let v = xbar[jp][u] * xbar[jq][u];
                a[[p, q]] += ti[u] * v;
                bm[[p, q]] += ti[u] * ti[u] * v;
            }
        }
    }
    let ainv = crate::linalg::inv_sym(&a)?;
    let tr = ainv.dot(&bm).diag().sum();
    let s2u_raw = (rss_b - (nu as f64 - kb as f64) * s2e) / (n - tr);
    let s2u = s2u_raw.max(0.0);
    let theta: Vec<f64> = ti
        .iter()
        .map(|t| 1.0 - (s2e / (s2e + t * s2u)).sqrt())
        .collect();
    if theta.iter().any(|t| !t.is_finite()) {
        return Err(Error::Data(format!(
            "random effects: the variance components are σ²_ε = {s2e} and σ²_μ = {s2u}, so \
             θ = 1 − √(σ²_ε / (σ²_ε + T σ²_μ)) is undefined (0/0: the response has no \
             variation around the regressors, e.g. an all-zero response)"
        )));
    }
    Ok(RandomComponents {
        sigma2_idios: s2e,
        sigma2_indiv: s2u,
        theta,
    })
}

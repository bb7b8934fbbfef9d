//! Small-sample corrections as named presets, formula by formula.
//!
//! Notation: n observations used; k estimated coefficients (incl. the intercept);
//! k_fe absorbed fixed-effect parameters (within: N units; twoways: N + T − 1 on a connected
//! panel); K = k + k_fe; G the number of clusters (G_min the smaller of the two for two-way
//! clustering); T the number of periods. "plain" is the uncorrected sandwich B M B of
//! [`crate::inference`]; iid is σ² B. Every preset uses σ² = RSS/(n − K) for iid except
//! `linearmodels` (RSS/(n − k_fe), see below).
//!
//! **none** — the plain estimators (plm / sandwich `type = "HC0"`):
//! iid σ² = RSS/(n − K); hc0, hc2, hc3, cluster, cluster-time, cluster-twoway (V_unit +
//! V_time − V_unit∩time), driscoll-kraay (plm `vcovSCC(type="HC0")`), newey-west (plm
//! `vcovNW(type="HC0")`): factor 1; hc1: n/(n − K). t df = n − K.
//!
//! **fixest** — fixest's defaults `ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE,
//! cluster.df = "min", t.df = "min")`, as pyfixest `ssc()`:
//! iid σ² = RSS/(n − K), t df n − K; hc1 (fixest "hetero") n/(n − K) — that is
//! (n − 1)/(n − K) · n/(n − 1), t df n − K; hc0 plain;
//! cluster / cluster-time: G/(G − 1) · (n − 1)/(n − K′), t df G − 1, where
//! K′ = K − Σ_{FE nested in the cluster} (levels − 1) (a nested fixed effect counts once);
//! cluster-twoway: G_min/(G_min − 1) · (n − 1)/(n − K′) applied to V_unit + V_time −
//! V_unit∩time, t df G_min − 1; hc2, hc3: n/(n − K); driscoll-kraay and newey-west:
//! T/(T − 1) · (n − 1)/(n − K), t df T − 1.
//!
//! **stata** — `regress, vce(robust)` / `vce(cluster)` with the fixed effects as dummies
//! (as statsmodels with `use_t`): iid as none; hc1 n/(n − K) (hc0, hc2, hc3 plain);
//! cluster / cluster-time: G/(G − 1) · (n − 1)/(n − K), t df G − 1 (plm `type = "sss"` for
//! models without absorbed effects); cluster-twoway the same factor with G_min, t df
//! G_min − 1; driscoll-kraay, newey-west plain, t df n − K.
//!
//! **plm** — plm's defaults per covariance: `vcov()` iid σ² = RSS/(n − K); `vcovHC()`
//! defaults (arellano, HC0, cluster by group) plain; hc1 n/(n − k) where plm's k counts the
//! coefficients of the transformed model only (absorbed effects excluded) — for fd plm divides
//! by the undifferenced row count, n/(n + N − k), a factor below 1; hc0, hc2, hc3,
//! cluster-time, `vcovDC`, `vcovSCC`, `vcovNW` plain. t df = n − K throughout (as
//! `lmtest::coeftest` on a plm fit).
//!
//! **linearmodels** — `fit(debiased=False)` (linearmodels 7.1's `fit` defaults to
//! `debiased=True`, which is n/(n − K) with t(n − K) inference, i.e. the `none` hc1 factor
//! for the sandwiches and `none` iid; this preset reproduces the undebiased option, whose
//! factors are not otherwise available): every covariance is the
//! plain one times n/(n − k_fe) (absorbed effects are counted, slopes are not): iid σ² =
//! RSS/(n − k_fe); hc0 (`robust`), clustered (`group_debias=False`) and `kernel`
//! (Driscoll–Kraay, Bartlett) × n/(n − k_fe) — except entity effects alone with clustering
//! by entity (nested), where the factor is 1. Without absorbed effects (pooled, fd, between,
//! random) k_fe = 0, so iid σ² = RSS/n and the sandwiches are plain. Inference on the
//! normal distribution (no t df).

use super::VcovKind;
use crate::error::{Error, Result};
use crate::estimators::Fit;

/// A small-sample preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ssc {
    None,
    Fixest,
    Stata,
    Plm,
    Linearmodels,
}

impl Ssc {
    /// Every preset.
    pub const ALL: [Ssc; 5] = [
        Ssc::None,
        Ssc::Fixest,
        Ssc::Stata,
        Ssc::Plm,
        Ssc::Linearmodels,
    ];

    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Ssc::None => "none",
            Ssc::Fixest => "fixest",
            Ssc::Stata => "stata",
            Ssc::Plm => "plm",
            Ssc::Linearmodels => "linearmodels",
        }
    }

    /// Parses a preset name.
    pub fn parse(s: &str) -> Result<Ssc> {
        Ssc::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown ssc preset '{s}': expected none, fixest, stata, plm or linearmodels"
                ))
            })
    }
}

/// The factor, t degrees of freedom and the formula in words for one kind under one preset.
#[derive(Debug, Clone, PartialEq)]
pub struct Factors {
    pub factor: f64,
    pub df: Option<f64>,
    pub note: String,
}

/// Absorbed parameters that remain counted when clustering on `kind` under fixest's
/// `fixef.K = "nested"`: a fixed effect nested in the cluster variable counts once.
fn k_fe_nested(fit: &Fit, kind: VcovKind) -> usize {
    let mut kfe = fit.k_fe;
    let unit_nested = fit.fe_unit && matches!(kind, VcovKind::Cluster | VcovKind::ClusterTwoway);
    let time_nested =
        fit.fe_time && matches!(kind, VcovKind::ClusterTime | VcovKind::ClusterTwoway);
    if unit_nested {
        kfe = kfe.saturating_sub(fit.n_units.saturating_sub(1));
    }
    if time_nested {
        kfe = kfe.saturating_sub(fit.n_times.saturating_sub(1));
    }
    kfe
}

/// Computes the preset's factor and df for `kind`; `clusters` holds G (or [G_unit, G_time, _]).
pub fn factors(fit: &Fit, kind: VcovKind, ssc: Ssc, clusters: Option<&[usize]>) -> Result<Factors> {
    let n = fit.n as f64;
    let kk = (fit.k + fit.k_fe) as f64;
    let k_only = fit.k as f64;
    let dfr = n - kk;
    let g = clusters.map(|c| c.iter().take(2).copied().min().unwrap_or(0) as f64);
    let gadj = |g: f64| g / (g - 1.0);
    let f = |factor: f64, df: Option<f64>, note: String| Factors { factor, df, note };
    use VcovKind as V;
    Ok(match (ssc, kind) {
        (Ssc::Linearmodels, _) => {
            // linearmodels counts absorbed effects: every covariance is scaled by
            // n/(n − k_fe), except entity effects alone with clustering by entity.
            let nested = fit.fe_unit && !fit.fe_time && kind == V::Cluster;
            let kfe = if nested { 0.0 } else { fit.k_fe as f64 };
            let adj = n / (n - kfe);
            if kind == V::Iid {
                f(
                    fit.rss / n * adj,
                    None,
                    format!("σ² = RSS/(n − k_fe), k_fe = {kfe}; normal inference (linearmodels debiased=False)"),
                )
            } else {
                f(
                    adj,
                    None,
                    format!("n/(n − k_fe), k_fe = {kfe} (absorbed effects; 0 when entity effects are nested in entity clusters); normal inference (linearmodels debiased=False)"),
                )
            }
        }
        (_, V::Iid) => f(
            fit.rss / dfr,
            Some(dfr),
            "σ² = RSS/(n − K); t df = n − K".into(),
        ),
        (Ssc::Plm, V::Hc1) if fit.model == crate::estimators::Model::Fd => {
            // plm counts the undifferenced rows in the denominator: n_fd + N − k.
            let nl = n + fit.n_units as f64;
            f(
                n / (nl - k_only),
                Some(dfr),
                "n/(n + N − k) (plm HC1 on fd: n + N undifferenced rows); t df = n − K".into(),
            )
        }
        (Ssc::Plm, V::Hc1) => f(
            n / (n - k_only),
            Some(dfr),
            "n/(n − k), k without absorbed effects (plm HC1); t df = n − K".into(),
        ),
        (Ssc::None | Ssc::Stata | Ssc::Fixest, V::Hc1) => {
            f(n / (n - kk), Some(dfr), "n/(n − K); t df = n − K".into())
        }
        (Ssc::Fixest, V::Hc2 | V::Hc3) => f(
            n / (n - kk),
            Some(dfr),
            "n/(n − K) (fixest adj · cluster.adj with G = n); t df = n − K".into(),
        ),
        (_, V::Hc0 | V::Hc2 | V::Hc3) => f(1.0, Some(dfr), "plain (factor 1); t df = n − K".into()),
        (Ssc::Fixest, V::Cluster | V::ClusterTime | V::ClusterTwoway) => {
            let g = g.unwrap_or(0.0);
            let kp = (fit.k + k_fe_nested(fit, kind)) as f64;
            f(
                gadj(g) * (n - 1.0) / (n - kp),
                Some(g - 1.0),
                format!(
                    "G/(G − 1) · (n − 1)/(n − K′), G = {g}, K′ = {kp} (FE nested in the cluster counted once); t df = G − 1"
                ),
            )
        }
        (Ssc::Stata, V::Cluster | V::ClusterTime | V::ClusterTwoway) => {
            let g = g.unwrap_or(0.0);
            f(
                gadj(g) * (n - 1.0) / (n - kk),
                Some(g - 1.0),
                format!("G/(G − 1) · (n − 1)/(n − K), G = {g}; t df = G − 1"),
            )
        }
        (Ssc::Fixest, V::DriscollKraay | V::NeweyWest) => {
            let t = fit.n_times as f64;
            f(
                gadj(t) * (n - 1.0) / (n - kk),
                Some(t - 1.0),
                format!("T/(T − 1) · (n − 1)/(n − K), T = {t}; t df = T − 1"),
            )
        }
        (_, _) => f(1.0, Some(dfr), "plain (factor 1); t df = n − K".into()),
    })
}

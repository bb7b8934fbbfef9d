//! Covariances chosen after estimation, coefficient tables and linear combinations.
//!
//! Every covariance is a sandwich `c · B M B` (or `c · σ² B` for iid) built from what a
//! [`Fit`] keeps: the bread B = (X̃'X̃)⁻¹ of the transformed √w-scaled design, the scores
//! s_i = x̃_i ũ_i, and the unit/time ids. The meat M by kind:
//! - `hc0`, `hc1`: Σ s_i s_i' (hc1 differs by its preset factor);  `hc2`: s_i/√(1−h_i);
//!   `hc3`: s_i/(1−h_i), h_i = x̃_i'B x̃_i (leverage in the transformed design);
//! - `cluster` / `cluster-time`: Σ_g S_g S_g', S_g = Σ_{i∈g} s_i (units / periods);
//! - `cluster-twoway`: M_unit + M_time − M_unit∩time;
//! - `driscoll-kraay` (lags L): with h_t = Σ_{i∈t} s_i,
//!   Σ_t h_t h_t' + Σ_{l=1..L} (1 − l/(L+1)) Σ_t (h_t h_{t−l}' + h_{t−l} h_t');
//! - `newey-west` (panel, lags L): Σ_i [Σ_t s_it s_it' + Σ_l (1 − l/(L+1)) Σ_t (s_it s_i,t−l' +
//!   s_i,t−l s_it')], the lag taken at period t − l of the same unit (gap-aware).
//!
//! The factor c and the t degrees of freedom come from the small-sample preset ([`ssc`]).

pub mod bootstrap;
pub mod clusters;
pub mod diagnostics;
pub mod jackknife;
pub mod multiple;
pub mod render;
pub mod spectests;
pub mod ssc;

use crate::error::{Error, Result};
use crate::estimators::Fit;
use ndarray::{Array1, Array2};
pub use ssc::Ssc;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// The covariance estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum VcovKind {
    Iid,
    Hc0,
    Hc1,
    Hc2,
    Hc3,
    Cluster,
    ClusterTime,
    ClusterTwoway,
    DriscollKraay,
    NeweyWest,
    /// Bell–McCaffrey CR2 by unit ([`jackknife`]).
    Crv2,
    /// Cluster jackknife CR3 by unit ([`jackknife`]).
    Crv3,
}

impl VcovKind {
    /// Every kind, in documentation order.
    pub const ALL: [VcovKind; 12] = [
        VcovKind::Iid,
        VcovKind::Hc0,
        VcovKind::Hc1,
        VcovKind::Hc2,
        VcovKind::Hc3,
        VcovKind::Cluster,
        VcovKind::ClusterTime,
        VcovKind::ClusterTwoway,
        VcovKind::DriscollKraay,
        VcovKind::NeweyWest,
        VcovKind::Crv2,
        VcovKind::Crv3,
    ];

    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        match self {
            VcovKind::Iid => "iid",
            VcovKind::Hc0 => "hc0",
            VcovKind::Hc1 => "hc1",
            VcovKind::Hc2 => "hc2",
            VcovKind::Hc3 => "hc3",
            VcovKind::Cluster => "cluster",
            VcovKind::ClusterTime => "cluster-time",
            VcovKind::ClusterTwoway => "cluster-twoway",
            VcovKind::DriscollKraay => "driscoll-kraay",
            VcovKind::NeweyWest => "newey-west",
            VcovKind::Crv2 => "crv2",
            VcovKind::Crv3 => "crv3",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Result<VcovKind> {
        VcovKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = VcovKind::ALL.iter().map(|k| k.name()).collect();
                Error::Usage(format!(
                    "unknown vcov '{s}': expected one of {}",
                    names.join(", ")
                ))
            })
    }

    /// Whether the kind uses a lag length.
    pub fn uses_lags(self) -> bool {
        matches!(self, VcovKind::DriscollKraay | VcovKind::NeweyWest)
    }
}

/// A covariance request: kind, preset, lags (default ⌊T^{1/4}⌋ as plm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcovSpec {
    pub kind: VcovKind,
    pub ssc: Ssc,
    pub lags: Option<usize>,
}

/// A computed covariance with the degrees of freedom for t-based inference.
#[derive(Debug, Clone)]
pub struct Vcov {
    pub spec: VcovSpec,
    pub matrix: Array2<f64>,
    /// Student-t degrees of freedom; `None` means the normal distribution.
    pub df: Option<f64>,
    /// The multiplicative small-sample factor applied to the plain estimator.
    pub factor: f64,
    /// Lags used (lag-based kinds).
    pub lags: Option<usize>,
    /// Number of clusters (smallest one for two-way clustering).
    pub n_clusters: Option<usize>,
    /// The formula applied, in words (printed under tables).
    pub note: String,
}

fn scores(fit: &Fit) -> Array2<f64> {
    let u = fit.scaled_resid();
    let mut s = fit.x.clone();
    for (i, mut row) in s.rows_mut().into_iter().enumerate() {
        row *= u[i];
    }
    s
}

fn leverage(fit: &Fit) -> Vec<f64> {
    let xb = fit.x.dot(&fit.xtx_inv);
    (0..fit.n).map(|i| xb.row(i).dot(&fit.x.row(i))).collect()
}

/// Σ_g S_g S_g' for cluster ids `g` (0..ng).
fn cluster_meat(s: &Array2<f64>, g: &[usize], ng: usize) -> Array2<f64> {
    let k = s.ncols();
    let mut sums = Array2::<f64>::zeros((ng, k));
    for (i, gi) in g.iter().enumerate() {
        let mut r = sums.row_mut(*gi);
        r += &s.row(i);
    }
    sums.t().dot(&sums)
}

fn outer_add(m: &mut Array2<f64>, a: &Array1<f64>, b: &Array1<f64>, w: f64) {
    let k = a.len();
    for p in 0..k {
        for q in 0..k {
            m[[p, q]] += w * (a[p] * b[q] + b[p] * a[q]);
        }
    }
}

/// Default lag length ⌊T^{1/4}⌋ (plm's `vcovSCC`/`vcovNW` default), T = periods in the fit.
pub fn default_lags(fit: &Fit) -> usize {
    (fit.n_times as f64).powf(0.25).floor() as usize
}

pub(crate) fn dense_ids(ids: &[usize]) -> (Vec<usize>, usize) {
    let mut map = std::collections::BTreeMap::new();
    let out = ids
        .iter()
        .map(|i| {
            let next = map.len();
            *map.entry(*i).or_insert(next)
        })
        .collect();
    (out, map.len())
}

/// The plain (uncorrected) meat for a kind, and the number of clusters involved.
fn meat(fit: &Fit, kind: VcovKind, lags: usize) -> (Array2<f64>, Option<Vec<usize>>) {
    let s = scores(fit);
    let k = fit.k;
    match kind {
        // CRV2 / CRV3 are computed in `jackknife` (Fit::vcov never asks for their meat).
        VcovKind::Iid | VcovKind::Crv2 | VcovKind::Crv3 => (Array2::zeros((k, k)), None),
        VcovKind::Hc0 | VcovKind::Hc1 => (s.t().dot(&s), None),
        VcovKind::Hc2 | VcovKind::Hc3 => {
            let h = leverage(fit);
            let mut s2 = s.clone();
            for (i, mut row) in s2.rows_mut().into_iter().enumerate() {
                let d = if kind == VcovKind::Hc2 {
                    (1.0 - h[i]).sqrt()
                } else {
                    1.0 - h[i]
                };
                row /= d;
            }
            (s2.t().dot(&s2), None)
        }
        VcovKind::Cluster => {
            let (g, ng) = dense_ids(&fit.unit);
            (cluster_meat(&s, &g, ng), Some(vec![ng]))
        }
        VcovKind::ClusterTime => {
            let (g, ng) = dense_ids(&fit.time_idx);
            (cluster_meat(&s, &g, ng), Some(vec![ng]))
        }
        VcovKind::ClusterTwoway => {
            let (gu, nu) = dense_ids(&fit.unit);
            let (gt, nt) = dense_ids(&fit.time_idx);
            let inter: Vec<usize> = fit
                .unit
                .iter()
                .zip(&fit.time_idx)
                .map(|(u, t)| u * (fit.n_times + 1) + t)
                .collect();
            let (gi, ni) = dense_ids(&inter);
            let m =
                cluster_meat(&s, &gu, nu) + cluster_meat(&s, &gt, nt) - cluster_meat(&s, &gi, ni);
            (m, Some(vec![nu, nt, ni]))
        }
        VcovKind::DriscollKraay => {
            let (gt, nt) = dense_ids(&fit.time_idx);
            let mut tval = vec![0i64; nt];
            for (i, g) in gt.iter().enumerate() {
                tval[*g] = fit.time[i];
            }
            let mut h = Array2::<f64>::zeros((nt, k));
            for (i, g) in gt.iter().enumerate() {
                let mut r = h.row_mut(*g);
                r += &s.row(i);
            }
            let mut m = h.t().dot(&h);
            let pos: std::collections::BTreeMap<i64, usize> =
                tval.iter().enumerate().map(|(i, t)| (*t, i)).collect();
            for l in 1..=lags {
                let w = 1.0 - l as f64 / (lags as f64 + 1.0);
                for (a, t) in tval.iter().enumerate() {
                    if let Some(&b) = pos.get(&(t - l as i64)) {
                        outer_add(&mut m, &h.row(a).to_owned(), &h.row(b).to_owned(), w);
                    }
                }
            }
            (m, Some(vec![nt]))
        }
        VcovKind::NeweyWest => {
            let mut m = s.t().dot(&s);
            let mut pos = std::collections::BTreeMap::new();
            for i in 0..fit.n {
                pos.insert((fit.unit[i], fit.time[i]), i);
            }
            for l in 1..=lags {
                let w = 1.0 - l as f64 / (lags as f64 + 1.0);
                for i in 0..fit.n {
                    if let Some(&j) = pos.get(&(fit.unit[i], fit.time[i] - l as i64)) {
                        outer_add(&mut m, &s.row(i).to_owned(), &s.row(j).to_owned(), w);
                    }
                }
            }
            let (_, nt) = dense_ids(&fit.time_idx);
            (m, Some(vec![nt]))
        }
    }
}

impl Fit {
    /// The covariance of the coefficients under `spec`.
    pub fn vcov(&self, spec: &VcovSpec) -> Result<Vcov> {
        if matches!(spec.kind, VcovKind::Crv2 | VcovKind::Crv3) {
            return jackknife::vcov(self, spec);
        }
        let lags = if spec.kind.uses_lags() {
            Some(spec.lags.unwrap_or_else(|| default_lags(self)))
        } else {
            None
        };
        let (m, clusters) = meat(self, spec.kind, lags.unwrap_or(0));
        if let Some(c) = &clusters {
            if matches!(
                spec.kind,
                VcovKind::Cluster | VcovKind::ClusterTime | VcovKind::ClusterTwoway
            ) && c.iter().take(2).any(|&g| g < 2)
            {
                return Err(Error::Data(format!(
                    "{} covariance needs at least 2 clusters; the sample has {}",
                    spec.kind.name(),
                    c.iter().take(2).min().copied().unwrap_or(0)
                )));
            }
        }
        let f = ssc::factors(self, spec.kind, spec.ssc, clusters.as_deref())?;
        let b = &self.xtx_inv;
        let matrix = if spec.kind == VcovKind::Iid {
            b * f.factor
        } else {
            b.dot(&m).dot(b) * f.factor
        };
        Ok(Vcov {
            spec: *spec,
            matrix,
            df: f.df,
            factor: f.factor,
            lags,
            n_clusters: clusters.map(|c| c.iter().take(2).copied().min().unwrap_or(0)),
            note: f.note,
        })
    }

    /// The coefficient table under `spec` at confidence level 0.95.
    pub fn coef_table(&self, spec: &VcovSpec) -> Result<CoefTable> {
        let v = self.vcov(spec)?;
        Ok(CoefTable::new(self, v, 0.95))
    }

    /// A linear combination Σ a_j β_j of named coefficients under covariance `v`.
    pub fn lincom(&self, weights: &[(&str, f64)], v: &Vcov, level: f64) -> Result<CoefRow> {
        let mut a = Array1::<f64>::zeros(self.k);
        let mut label = Vec::new();
        for (name, w) in weights {
            let j = self.term_index(name).ok_or_else(|| {
                Error::Usage(format!(
                    "lincom: no coefficient '{name}' (coefficients: {})",
                    self.terms.join(", ")
                ))
            })?;
            a[j] += w;
            label.push(if *w == 1.0 {
                name.to_string()
            } else {
                format!("{w}*{name}")
            });
        }
        if weights.is_empty() {
            return Err(Error::Usage("lincom: no terms given".into()));
        }
        let est: f64 = a.iter().zip(&self.coefficients).map(|(x, y)| x * y).sum();
        let se = a.dot(&v.matrix.dot(&a)).sqrt();
        Ok(CoefRow::new(label.join(" + "), est, se, v.df, level))
    }
}

/// One row of a coefficient table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CoefRow {
    pub term: String,
    pub estimate: f64,
    pub std_error: f64,
    pub statistic: f64,
    pub p_value: f64,
    pub conf_low: f64,
    pub conf_high: f64,
}

/// Two-sided p-value and the (1+level)/2 quantile for t(df) or the normal.
pub fn p_and_quantile(stat: f64, df: Option<f64>, level: f64) -> (f64, f64) {
    let q = (1.0 + level) / 2.0;
    match df {
        Some(d) if d.is_finite() && d > 0.0 => match StudentsT::new(0.0, 1.0, d) {
            Ok(t) => (2.0 * t.sf(stat.abs()), t.inverse_cdf(q)),
            Err(_) => (f64::NAN, f64::NAN),
        },
        _ => {
            let n = Normal::new(0.0, 1.0).expect("standard normal");
            (2.0 * n.sf(stat.abs()), n.inverse_cdf(q))
        }
    }
}

impl CoefRow {
    /// A row from an estimate and its standard error.
    pub fn new(term: String, estimate: f64, std_error: f64, df: Option<f64>, level: f64) -> Self {
        let statistic = estimate / std_error;
        let (p_value, q) = p_and_quantile(statistic, df, level);
        CoefRow {
            term,
            estimate,
            std_error,
            statistic,
            p_value,
            conf_low: estimate - q * std_error,
            conf_high: estimate + q * std_error,
        }
    }
}

/// A coefficient table: rows in formula order (intercept first) and the covariance used.
#[derive(Debug, Clone)]
pub struct CoefTable {
    pub rows: Vec<CoefRow>,
    /// Linear combinations requested with [`CoefTable::add_lincom`].
    pub lincoms: Vec<CoefRow>,
    pub vcov: Vcov,
    pub level: f64,
}

impl CoefTable {
    /// Builds the table for `fit` under covariance `v`.
    pub fn new(fit: &Fit, v: Vcov, level: f64) -> Self {
        let rows = fit
            .terms
            .iter()
            .enumerate()
            .map(|(j, t)| {
                CoefRow::new(
                    t.clone(),
                    fit.coefficients[j],
                    v.matrix[[j, j]].sqrt(),
                    v.df,
                    level,
                )
            })
            .collect();
        CoefTable {
            rows,
            lincoms: Vec::new(),
            vcov: v,
            level,
        }
    }

    /// Adds the linear combination Σ a_j β_j (same covariance and df as the table).
    pub fn add_lincom(&mut self, fit: &Fit, weights: &[(&str, f64)]) -> Result<()> {
        let row = fit.lincom(weights, &self.vcov, self.level)?;
        self.lincoms.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::{estimate, EstimateOptions, Model};
    use crate::formula::Formula;

    fn grunfeld_within() -> Fit {
        let p =
            crate::panel::io::read_csv(&crate::testdata::reference("grunfeld.csv"), "firm", "year")
                .unwrap();
        let f = Formula::parse("inv ~ value + capital").unwrap();
        estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap()
    }

    #[test]
    fn lincom_is_a_prime_b_with_sqrt_a_prime_v_a() {
        let fit = grunfeld_within();
        let spec = VcovSpec {
            kind: VcovKind::Cluster,
            ssc: Ssc::Fixest,
            lags: None,
        };
        let v = fit.vcov(&spec).unwrap();
        let l = fit
            .lincom(&[("value", 2.0), ("capital", -1.0)], &v, 0.95)
            .unwrap();
        let (b, m) = (&fit.coefficients, &v.matrix);
        assert!((l.estimate - (2.0 * b[0] - b[1])).abs() < 1e-14);
        let var = 4.0 * m[[0, 0]] + m[[1, 1]] - 4.0 * m[[0, 1]];
        assert!((l.std_error - var.sqrt()).abs() < 1e-14);
        // t(G − 1) = t(9) inference, as the table's rows.
        let (p, q) = p_and_quantile(l.statistic, Some(9.0), 0.95);
        assert!((l.p_value - p).abs() < 1e-15);
        assert!((l.conf_high - l.estimate - q * l.std_error).abs() < 1e-12);
        let single = fit.lincom(&[("capital", 1.0)], &v, 0.95).unwrap();
        let table = CoefTable::new(&fit, v.clone(), 0.95);
        assert_eq!(single.std_error, table.rows[1].std_error);
        assert_eq!(single.p_value, table.rows[1].p_value);
        assert!(fit.lincom(&[("nope", 1.0)], &v, 0.95).is_err());
        assert!(fit.lincom(&[], &v, 0.95).is_err());
    }

    #[test]
    fn single_cluster_is_an_error() {
        let p = Panel1::single();
        let f = Formula::parse("y ~ x").unwrap();
        let fit = estimate(&p, &f, &EstimateOptions::new(Model::Pooled)).unwrap();
        let spec = VcovSpec {
            kind: VcovKind::Cluster,
            ssc: Ssc::None,
            lags: None,
        };
        let e = fit.vcov(&spec).unwrap_err();
        assert!(e.to_string().contains("at least 2 clusters"));
        let ok = VcovSpec {
            kind: VcovKind::ClusterTime,
            ..spec
        };
        assert!(fit.vcov(&ok).is_ok());
    }

    struct Panel1;
    impl Panel1 {
        fn single() -> crate::Panel {
            crate::Panel::from_columns(
                "u",
                "t",
                vec!["1".into(); 4],
                vec![1, 2, 3, 4],
                vec![
                    crate::panel::Column {
                        name: "y".into(),
                        data: crate::panel::ColumnData::Num(vec![1.0, 3.0, 2.0, 5.0]),
                    },
                    crate::panel::Column {
                        name: "x".into(),
                        data: crate::panel::ColumnData::Num(vec![0.0, 1.0, 1.5, 3.0]),
                    },
                ],
            )
            .unwrap()
        }
    }
}

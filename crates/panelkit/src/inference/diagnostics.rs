//! Cluster diagnostics as Stata's `summclust` (MacKinnon, Nielsen & Webb 2023): cluster sizes,
//! leverage and partial leverage per cluster, the effective number of clusters G* (Carter,
//! Schnepel & Steigerwald 2017) and leave-one-cluster-out estimates, for one linear
//! combination Rβ, on the fit's transformed (fixed-effect-projected, √w-scaled) design.
//!
//! With B = (X'X)⁻¹ and a = B R: leverage L_g = tr(X_g B X_g') (Σ L_g = k); partial leverage
//! γ_g / Σγ with γ_g = a'X_g'X_g a (for R = e_j this is x̃_gj'x̃_gj / x̃_j'x̃_j, x̃_j the part
//! of x_j orthogonal to the other regressors; Σ = 1); G* = G / (1 + Γ),
//! Γ = (1/G) Σ_g (γ_g − γ̄)² / γ̄² (CSS with ρ = 0: errors independent within clusters).
//! G* well below G says a few clusters carry the estimate and clustered t tests over-reject.

use super::bootstrap::Tested;
use super::clusters::{ClusterBy, ClusterSums};
use super::hypothesis::LinearHypothesis;
use super::jackknife::leave_one_out;
use crate::error::Result;
use crate::estimators::Fit;

/// One cluster's row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[allow(missing_docs)] // a JSON document: the fields are its keys
pub struct ClusterRow {
    pub label: String,
    /// Observations.
    pub size: usize,
    /// tr(H_gg).
    pub leverage: f64,
    /// Share of the identifying variation of Rβ in this cluster.
    pub partial_leverage: f64,
    /// Rβ̂ with this cluster left out.
    pub estimate_without: f64,
}

/// Five-number summary and mean of a distribution.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[allow(missing_docs)] // a JSON document: the fields are its keys
pub struct Summary {
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub mean: f64,
    pub q3: f64,
    pub max: f64,
}

impl Summary {
    /// Quartiles by linear interpolation (R's type 7, Stata's `summarize, detail` differs
    /// only in ties).
    fn of(values: &[f64]) -> Summary {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let h = (v.len() - 1) as f64 * p;
            let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
            v[lo] + (h - lo as f64) * (v[hi] - v[lo])
        };
        Summary {
            min: v[0],
            q1: q(0.25),
            median: q(0.5),
            mean: v.iter().sum::<f64>() / v.len() as f64,
            q3: q(0.75),
            max: v[v.len() - 1],
        }
    }
}

/// The diagnostics of one fit for one linear combination.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[allow(missing_docs)] // a JSON document: the fields are its keys
pub struct ClusterDiagnostics {
    pub hypothesis: String,
    pub cluster: String,
    pub n_clusters: usize,
    /// Rβ̂ on the full sample.
    pub estimate: f64,
    /// Effective number of clusters G*(ρ = 0).
    pub g_star: f64,
    pub sizes: Summary,
    pub leverage: Summary,
    pub partial_leverage: Summary,
    pub estimate_without: Summary,
    /// Every cluster, in cluster order.
    pub clusters: Vec<ClusterRow>,
}

impl ClusterDiagnostics {
    /// Computes the diagnostics of `fit` for the combination on the left of `hypothesis`.
    pub fn new(fit: &Fit, hypothesis: &LinearHypothesis, by: &ClusterBy) -> Result<Self> {
        let (tested, r) = Tested::new(fit, hypothesis)?;
        let cs = ClusterSums::new(fit, by)?;
        let b = &fit.xtx_inv;
        let a = b.dot(&r);
        let gamma: Vec<f64> = cs.xtx.iter().map(|m| a.dot(&m.dot(&a))).collect();
        let total: f64 = gamma.iter().sum();
        let g = cs.ng as f64;
        let mean = total / g;
        let big_gamma = gamma
            .iter()
            .map(|v| (v - mean).powi(2) / (mean * mean))
            .sum::<f64>()
            / g;
        let loo = leave_one_out(fit, &cs)?;
        let clusters: Vec<ClusterRow> = (0..cs.ng)
            .map(|j| ClusterRow {
                label: cs.labels[j].clone(),
                size: cs.sizes[j],
                leverage: (&cs.xtx[j] * b).sum(),
                partial_leverage: gamma[j] / total,
                estimate_without: r.dot(&loo[j]),
            })
            .collect();
        let col = |f: fn(&ClusterRow) -> f64| -> Summary {
            Summary::of(&clusters.iter().map(f).collect::<Vec<f64>>())
        };
        Ok(ClusterDiagnostics {
            hypothesis: tested.text,
            cluster: by.name().to_string(),
            n_clusters: cs.ng,
            estimate: r.iter().zip(&fit.coefficients).map(|(x, y)| x * y).sum(),
            g_star: g / (1.0 + big_gamma),
            sizes: col(|c| c.size as f64),
            leverage: col(|c| c.leverage),
            partial_leverage: col(|c| c.partial_leverage),
            estimate_without: col(|c| c.estimate_without),
            clusters,
        })
    }

    /// The `n` clusters whose omission moves the estimate most, largest shift first.
    pub fn most_influential(&self, n: usize) -> Vec<&ClusterRow> {
        let mut rows: Vec<&ClusterRow> = self.clusters.iter().collect();
        rows.sort_by(|x, y| {
            let dx = (x.estimate_without - self.estimate).abs();
            let dy = (y.estimate_without - self.estimate).abs();
            dy.total_cmp(&dx)
        });
        rows.truncate(n);
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::{fit_formula, Model};
    use crate::panel::io::read_csv;

    /// Leave-one-out estimates equal refits without the firm; leverages sum to k, partial
    /// leverages to 1; G* ≤ G.
    #[test]
    fn summclust_identities_and_refits() {
        let file = crate::testdata::reference("grunfeld_unbal.csv");
        let p = read_csv(&file, "firm", "year").unwrap();
        let f = "inv ~ value + capital";
        let fit = fit_formula(&p, f, Some(Model::Within), Some("w")).unwrap();
        let h = LinearHypothesis::parse("value + 2*capital = 0").unwrap();
        let d = ClusterDiagnostics::new(&fit, &h, &ClusterBy::Unit).unwrap();
        assert_eq!(d.n_clusters, 10);
        let lev: f64 = d.clusters.iter().map(|c| c.leverage).sum();
        let part: f64 = d.clusters.iter().map(|c| c.partial_leverage).sum();
        assert!((lev - 2.0).abs() < 1e-12 && (part - 1.0).abs() < 1e-12);
        assert!(d.g_star > 1.0 && d.g_star < 10.0);
        assert_eq!(d.clusters.iter().map(|c| c.size).sum::<usize>(), fit.n);
        let text = std::fs::read_to_string(&file).unwrap();
        for row in &d.clusters {
            // The CSV without this firm's rows, refitted.
            let kept: Vec<&str> = text
                .lines()
                .enumerate()
                .filter(|(i, l)| *i == 0 || l.split(',').next() != Some(row.label.as_str()))
                .map(|(_, l)| l)
                .collect();
            let tmp = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(tmp.path(), kept.join("\n")).unwrap();
            let q = read_csv(tmp.path(), "firm", "year").unwrap();
            let refit = fit_formula(&q, f, Some(Model::Within), Some("w")).unwrap();
            let want = refit.coef("value").unwrap() + 2.0 * refit.coef("capital").unwrap();
            assert!(
                (row.estimate_without - want).abs() < 1e-9 * want.abs(),
                "firm {}: {} vs {want}",
                row.label,
                row.estimate_without
            );
        }
        let top = d.most_influential(3);
        assert_eq!(top.len(), 3);
        let shift = |r: &ClusterRow| (r.estimate_without - d.estimate).abs();
        assert!(shift(top[0]) >= shift(top[1]) && shift(top[1]) >= shift(top[2]));
        assert!(d.clusters.iter().all(|r| shift(r) <= shift(top[0])));
    }

    /// Identical clusters (the same design repeated) have equal γ_g, so G* = G.
    #[test]
    fn g_star_equals_g_for_identical_clusters() {
        let units: Vec<String> = (0..12).map(|i| format!("u{}", i / 4)).collect();
        let years: Vec<i64> = (0..12).map(|i| 2000 + (i % 4) as i64).collect();
        let x: Vec<f64> = (0..12).map(|i| [1.0, 3.0, 2.0, 5.0][i % 4]).collect();
        let y: Vec<f64> = (0..12).map(|i| x[i] + (i as f64 * 0.7).sin()).collect();
        let col = |n: &str, v: Vec<f64>| crate::panel::Column {
            name: n.into(),
            data: crate::panel::ColumnData::Num(v),
        };
        let p = crate::Panel::from_columns("u", "t", units, years, vec![col("y", y), col("x", x)])
            .unwrap();
        let fit = fit_formula(&p, "y ~ x", Some(Model::Within), None).unwrap();
        let h = LinearHypothesis::parse("x").unwrap();
        let d = ClusterDiagnostics::new(&fit, &h, &ClusterBy::Unit).unwrap();
        assert!((d.g_star - 3.0).abs() < 1e-12, "{}", d.g_star);
        assert!((d.sizes.median - 4.0).abs() < 1e-15);
    }
}

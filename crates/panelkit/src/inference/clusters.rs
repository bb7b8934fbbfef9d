//! Cluster ids and per-cluster cross products: the one pass over the data that the wild
//! cluster bootstrap, the cluster jackknife (CRV3) and the cluster diagnostics share.

use crate::error::{Error, Result};
use crate::estimators::Fit;
use ndarray::{Array1, Array2};

/// What to cluster on: the fit's unit or time id, or any id per observation of the fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterBy {
    /// The unit (cross-section) id.
    Unit,
    /// The time id.
    Time,
    /// One id per observation of the fit (in the fit's row order), e.g. a region column.
    Ids(Vec<usize>),
}

impl ClusterBy {
    /// A short name for output (`unit`, `time`, `ids`).
    pub fn name(&self) -> &'static str {
        match self {
            ClusterBy::Unit => "unit",
            ClusterBy::Time => "time",
            ClusterBy::Ids(_) => "ids",
        }
    }
}

/// Per-cluster sizes and cross products of the fit's transformed, √w-scaled design X̃,
/// response ỹ and residuals û: X̃_g'X̃_g, X̃_g'ỹ_g, X̃_g'û_g.
#[derive(Debug, Clone)]
pub struct ClusterSums {
    /// Dense cluster index per observation (0..ng, in order of first appearance).
    pub index: Vec<usize>,
    /// Number of clusters G.
    pub ng: usize,
    /// Observations per cluster.
    pub sizes: Vec<usize>,
    /// A label per cluster (the unit label, the period, or the id).
    pub labels: Vec<String>,
    /// X̃_g'X̃_g per cluster.
    pub xtx: Vec<Array2<f64>>,
    /// X̃_g'ỹ_g per cluster.
    pub xty: Vec<Array1<f64>>,
    /// X̃_g'û_g per cluster.
    pub xtu: Vec<Array1<f64>>,
}

impl ClusterSums {
    /// One pass over the fit's rows; at least two clusters are required.
    pub fn new(fit: &Fit, by: &ClusterBy) -> Result<ClusterSums> {
        let raw: Vec<usize> = match by {
            ClusterBy::Unit => fit.ids.unit().to_vec(),
            ClusterBy::Time => fit.ids.time_idx().to_vec(),
            ClusterBy::Ids(ids) => {
                if ids.len() != fit.n {
                    return Err(Error::Usage(format!(
                        "cluster ids: {} given for a fit of {} observations",
                        ids.len(),
                        fit.n
                    )));
                }
                ids.clone()
            }
        };
        let (index, ng) = super::covariance::dense_ids(&raw);
        if ng < 2 {
            return Err(Error::Data(format!(
                "clustering on {} needs at least 2 clusters; the sample has {ng}",
                by.name()
            )));
        }
        let mut labels = vec![String::new(); ng];
        for (i, &g) in index.iter().enumerate() {
            if labels[g].is_empty() {
                labels[g] = match by {
                    ClusterBy::Unit => fit.ids.unit_labels()[fit.ids.unit()[i]].clone(),
                    ClusterBy::Time => fit.ids.time()[i].to_string(),
                    ClusterBy::Ids(ids) => ids[i].to_string(),
                };
            }
        }
        let k = fit.k;
        let u = fit.scaled_resid();
        let ys: Vec<f64> = match &fit.sqrt_w {
            Some(s) => fit.y.iter().zip(s).map(|(a, b)| a * b).collect(),
            None => fit.y.clone(),
        };
        let mut sizes = vec![0usize; ng];
        let mut xtx = vec![Array2::<f64>::zeros((k, k)); ng];
        let mut xty = vec![Array1::<f64>::zeros(k); ng];
        let mut xtu = vec![Array1::<f64>::zeros(k); ng];
        for (i, &g) in index.iter().enumerate() {
            sizes[g] += 1;
            let row = fit.x.row(i);
            for p in 0..k {
                xty[g][p] += row[p] * ys[i];
                xtu[g][p] += row[p] * u[i];
                for q in 0..k {
                    xtx[g][[p, q]] += row[p] * row[q];
                }
            }
        }
        Ok(ClusterSums {
            index,
            ng,
            sizes,
            labels,
            xtx,
            xty,
            xtu,
        })
    }

    /// The cluster-robust small-sample factor G/(G − 1) · (n − 1)/(n − k), k the estimated
    /// slopes (absorbed effects not counted), as boottest and wildboottest use.
    pub fn crv1_factor(&self, fit: &Fit) -> f64 {
        let (g, n, k) = (self.ng as f64, fit.n as f64, fit.k as f64);
        g / (g - 1.0) * (n - 1.0) / (n - k)
    }
}

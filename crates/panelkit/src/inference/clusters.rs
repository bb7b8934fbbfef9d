//! Cluster ids and per-cluster cross products: the one pass over the data that the wild
//! cluster bootstrap, the cluster jackknife (CRV3) and the cluster diagnostics share; and
//! clusters read from any column of the panel ([`ClusterVars`]), one-way or two-way.

use super::covariance::{cluster_meat, coef_scores, twoway_meats, Meat};
use super::kind::{ClusterBy as Grouped, Recipe};
use super::ssc::factors;
use super::vcov::{Vcov, VcovSpec};
use super::{CoefTable, VcovKind};
use crate::error::{Error, Result};
use crate::estimators::Fit;
use crate::formula::Categorical;
use crate::panel::Panel;
use ndarray::{Array1, Array2};

/// Cluster variables read from columns of the panel a fit was estimated on: one
/// (`region`) or two (`region + year`, Cameron–Gelbach–Miller two-way clustering).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterVars {
    /// The column names, in the order given.
    pub names: Vec<String>,
    /// Per variable: a dense cluster id per observation of the fit.
    pub ids: Vec<Vec<usize>>,
}

impl ClusterVars {
    /// Splits `"region"` or `"region + year"` into column names (one or two).
    pub fn parse_names(spec: &str) -> Result<Vec<String>> {
        let names: Vec<String> = spec.split('+').map(|s| s.trim().to_string()).collect();
        if names.iter().any(|n| n.is_empty()) || names.len() > 2 {
            return Err(Error::Usage(format!(
                "expected one column or two joined by '+', e.g. \"region\" or \"region + \
                 year\"; got '{spec}'"
            )));
        }
        Ok(names)
    }

    /// Reads the cluster columns (any column, text or numeric, or a key) of `spec` for the
    /// observations of `fit`, which must have been estimated on `panel`.
    pub fn from_panel(panel: &Panel, fit: &Fit, spec: &str) -> Result<ClusterVars> {
        let names = Self::parse_names(spec)?;
        let rows = fit.ids().rows();
        if rows.len() != fit.n() || rows.iter().any(|&r| r >= panel.nrows()) {
            return Err(Error::Usage(format!(
                "clustering on a column needs one panel row per observation, which the {} \
                 model does not have",
                fit.model().name()
            )));
        }
        let mut ids = Vec::new();
        for name in &names {
            let cat = Categorical::of(panel, name).ok_or_else(|| {
                Error::Usage(format!(
                    "no column '{name}' in the data (columns: {})",
                    crate::formula::columns_listed(panel)
                ))
            })?;
            let mut v = Vec::with_capacity(rows.len());
            for &r in rows {
                v.push(cat.codes[r].ok_or_else(|| {
                    Error::Data(format!(
                        "cluster column '{name}' is missing at {}={} {}={}, an observation of \
                         the model",
                        panel.unit_name(),
                        panel.unit_labels()[panel.unit_ids()[r]],
                        panel.time_name(),
                        panel.time_label(panel.times()[r])
                    ))
                })?);
            }
            ids.push(super::covariance::dense_ids(&v).0);
        }
        Ok(ClusterVars { names, ids })
    }

    /// The one-way clustering of the wild bootstrap (two variables are refused: the wild
    /// cluster bootstrap here clusters one way).
    pub fn one_way(&self) -> Result<ClusterBy> {
        match (self.names.as_slice(), self.ids.as_slice()) {
            ([name], [ids]) => Ok(ClusterBy::Column {
                name: name.clone(),
                ids: ids.clone(),
            }),
            _ => Err(Error::Usage(format!(
                "the wild cluster bootstrap clusters one way; '{}' names {} columns",
                self.label(),
                self.names.len()
            ))),
        }
    }

    /// The variables as written back: `region` or `region + year`.
    pub fn label(&self) -> String {
        self.names.join(" + ")
    }
}

impl Fit {
    /// The covariance clustered on columns (`spec`'s kind must be a clustered one; one
    /// variable gives `cluster`, two `cluster-twoway`), with the small-sample corrections of
    /// `spec`: under [`super::FixefK::Nested`] a fixed effect nested in a cluster variable
    /// counts once, as fixest and pyfixest do.
    pub fn vcov_clustered(&self, spec: &VcovSpec, clusters: &ClusterVars) -> Result<Vcov> {
        if !spec.kind().is_clustered() {
            return Err(Error::Usage(format!(
                "clustering on '{}' needs a clustered covariance (cluster), not {}",
                clusters.label(),
                spec.kind().name()
            )));
        }
        let (kind, grouped) = match clusters.ids.len() {
            1 => (VcovKind::Cluster, Grouped::Unit),
            _ => (VcovKind::ClusterTwoway, Grouped::UnitAndTime),
        };
        let spec = VcovSpec::new(kind)
            .with_ssc(spec.ssc())
            .with_lags(spec.lags());
        // Scores rotated by the QR factors, so each meat is already the covariance B M B.
        let s = coef_scores(&self.q, &self.r_inv, &self.scaled_resid());
        let m = match clusters.ids.as_slice() {
            [g] => {
                let (m, ng) = cluster_meat(&s, g);
                Meat::One(m, Some(ng))
            }
            [g1, g2, ..] => Meat::Twoway(twoway_meats(&s, g1, g2)),
            [] => return Err(Error::Usage("cluster: no column given".into())),
        };
        let counts_g = m.clusters().unwrap_or_default();
        if let Some(g) = counts_g.iter().take(2).copied().min().filter(|&g| g < 2) {
            return Err(Error::Data(format!(
                "clustering on '{}' needs at least 2 clusters; the sample has {g}",
                clusters.label()
            )));
        }
        let ids: Vec<&[usize]> = clusters.ids.iter().map(|g| g.as_slice()).collect();
        let mut counts = self.counts();
        counts.nested_fe = Some(self.nested_fe_levels(&ids));
        counts.absorbs_unit = false;
        counts.absorbs_time = false;
        let f = factors(
            &spec.ssc(),
            Recipe::Cluster(grouped),
            &counts,
            Some(&counts_g),
        );
        let matrix = m.covariance(&self.xtx_inv, f.factor, f.twoway_weights);
        Ok(Vcov {
            spec,
            matrix,
            df: f.df,
            factor: f.factor,
            lags: None,
            n_clusters: counts_g.iter().take(2).copied().min(),
            note: format!("clustered by {}: {}", clusters.label(), f.note),
            cluster: Some(clusters.label()),
        })
    }

    /// The coefficient table clustered on columns (see [`Fit::vcov_clustered`]).
    pub fn coef_table_clustered(
        &self,
        spec: &VcovSpec,
        clusters: &ClusterVars,
        level: f64,
    ) -> Result<CoefTable> {
        super::coef::check_level(level)?;
        let v = self.vcov_clustered(spec, clusters)?;
        Ok(CoefTable::new(self, v, level))
    }
}

/// What to cluster on: the fit's unit or time id, or any id per observation of the fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterBy {
    /// The unit (cross-section) id.
    Unit,
    /// The time id.
    Time,
    /// One id per observation of the fit (in the fit's row order), e.g. a region column.
    Ids(Vec<usize>),
    /// A named column's ids per observation of the fit ([`ClusterVars::one_way`]).
    Column {
        /// The column's name.
        name: String,
        /// One id per observation of the fit.
        ids: Vec<usize>,
    },
}

impl ClusterBy {
    /// A short name for output (`unit`, `time`, `ids`, or the column's name).
    pub fn name(&self) -> &str {
        match self {
            ClusterBy::Unit => "unit",
            ClusterBy::Time => "time",
            ClusterBy::Ids(_) => "ids",
            ClusterBy::Column { name, .. } => name,
        }
    }

    /// The ids per observation, when given explicitly.
    fn ids(&self) -> Option<&[usize]> {
        match self {
            ClusterBy::Ids(ids) | ClusterBy::Column { ids, .. } => Some(ids),
            _ => None,
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
        let raw: Vec<usize> = match (by, by.ids()) {
            (ClusterBy::Unit, _) => fit.ids.unit().to_vec(),
            (ClusterBy::Time, _) => fit.ids.time_idx().to_vec(),
            (_, ids) => {
                let ids = ids.unwrap_or_default();
                if ids.len() != fit.n {
                    return Err(Error::Usage(format!(
                        "cluster ids: {} given for a fit of {} observations",
                        ids.len(),
                        fit.n
                    )));
                }
                ids.to_vec()
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
                    _ => raw[i].to_string(),
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

//! The covariance request ([`VcovSpec`]), its result ([`Vcov`]) and [`Fit::vcov`], the glue
//! that hands a fit's arrays to the covariance routines and the small-sample corrections.

use super::covariance::{meat, MeatInputs};
use super::kind::{ClusterBy, Recipe, VcovKind};
use super::ssc::{factors, Counts, Ssc};
use crate::error::{Error, Result};
use crate::estimators::{Fit, Model};
use ndarray::Array2;

/// A covariance request: kind, small-sample corrections (default [`Ssc::fixest`]) and lag
/// length for the HAC kinds (default ⌊T^{1/4}⌋, as plm).
///
/// ```
/// use panelkit::inference::{Ssc, VcovKind, VcovSpec};
/// let spec = VcovSpec::new(VcovKind::DriscollKraay).with_ssc(Ssc::none()).with_lags(Some(2));
/// assert_eq!((spec.kind(), spec.ssc().name(), spec.lags()), (VcovKind::DriscollKraay, "none", Some(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcovSpec {
    kind: VcovKind,
    ssc: Ssc,
    lags: Option<usize>,
}

impl VcovSpec {
    /// A request for `kind` under fixest's corrections, default lags.
    pub fn new(kind: VcovKind) -> VcovSpec {
        VcovSpec {
            kind,
            ssc: Ssc::fixest(),
            lags: None,
        }
    }

    /// The same request under other small-sample corrections.
    pub fn with_ssc(mut self, ssc: Ssc) -> VcovSpec {
        self.ssc = ssc;
        self
    }

    /// The same request with a lag length (`None`: ⌊T^{1/4}⌋); used by the HAC kinds only.
    pub fn with_lags(mut self, lags: Option<usize>) -> VcovSpec {
        self.lags = lags;
        self
    }

    /// The covariance kind.
    pub fn kind(&self) -> VcovKind {
        self.kind
    }

    /// The small-sample corrections.
    pub fn ssc(&self) -> Ssc {
        self.ssc
    }

    /// The lag length asked for, if any.
    pub fn lags(&self) -> Option<usize> {
        self.lags
    }
}

/// A computed covariance with the degrees of freedom for t-based inference.
#[derive(Debug, Clone)]
pub struct Vcov {
    /// The request.
    pub spec: VcovSpec,
    /// The k × k covariance of the coefficients.
    pub matrix: Array2<f64>,
    /// Student-t degrees of freedom; `None` means the normal distribution.
    pub df: Option<f64>,
    /// The multiplicative small-sample factor applied to the plain estimator (iid: σ²).
    pub factor: f64,
    /// Lags used (lag-based kinds).
    pub lags: Option<usize>,
    /// Number of clusters (smallest one for two-way clustering; periods for HAC kinds).
    pub n_clusters: Option<usize>,
    /// The formula applied, in words (printed under tables).
    pub note: String,
    /// The cluster columns when clustered on columns of the panel (`region`, `region +
    /// year`); `None` for the unit / period clusters of the kinds themselves.
    pub cluster: Option<String>,
}

/// Default lag length ⌊T^{1/4}⌋ (plm's `vcovSCC`/`vcovNW` default), T = periods in the fit.
pub fn default_lags(fit: &Fit) -> usize {
    (fit.n_times() as f64).powf(0.25).floor() as usize
}

impl Fit {
    /// What the small-sample corrections count in this fit.
    pub(crate) fn counts(&self) -> Counts {
        Counts {
            n: self.n,
            k: self.k,
            k_fe: self.k_fe,
            n_units: self.ids.n_units(),
            n_times: self.ids.n_times(),
            rss: self.rss,
            absorbs_unit: self.model.absorbs_unit(),
            absorbs_time: self.model.absorbs_time(),
            differenced: self.model.differences(),
            nested_fe: None,
        }
    }

    /// Σ (levels − 1) over the absorbed fixed effects nested in one of the `clusters`
    /// groupings (fixest's `fixef.K = "nested"` leaves them out of K).
    pub(crate) fn nested_fe_levels(&self, clusters: &[&[usize]]) -> usize {
        self.fixed_effects()
            .iter()
            .filter(|fe| clusters.iter().any(|g| fe.nested_in(g)))
            .map(|fe| fe.levels.saturating_sub(1))
            .sum()
    }

    /// The covariance of the coefficients under `spec`.
    pub fn vcov(&self, spec: &VcovSpec) -> Result<Vcov> {
        let (_, recipe) = spec.kind().recipe();
        if let Recipe::Jackknife(j) = recipe {
            return super::jackknife::vcov(self, spec, j);
        }
        let lags = spec
            .kind
            .uses_lags()
            .then(|| spec.lags.unwrap_or_else(|| default_lags(self)));
        let max_lag = self.n_times().saturating_sub(1);
        if let Some(l) = lags.filter(|l| *l > max_lag) {
            return Err(Error::Usage(format!(
                "lags {l}: at most T − 1 = {max_lag} with {} periods",
                self.n_times()
            )));
        }
        let u = self.scaled_resid_ref();
        let inputs = MeatInputs {
            q: &self.q,
            r_inv: &self.r_inv,
            u: &u,
            unit: self.ids.unit(),
            ids: &self.ids,
            time_idx: self.ids.time_idx(),
        };
        let m = meat(recipe, &inputs, lags.unwrap_or(0));
        let clusters = m.clusters();
        if let Some(c) = clusters.as_ref().filter(|_| spec.kind().is_clustered()) {
            if c.iter().take(2).any(|&g| g < 2) {
                return Err(Error::Data(format!(
                    "{} covariance needs at least 2 clusters; the sample has {}",
                    spec.kind().name(),
                    c.iter().take(2).min().copied().unwrap_or(0)
                )));
            }
        }
        let mut counts = self.counts();
        if let (Recipe::Cluster(by), Model::Fixef) = (recipe, self.model) {
            // Any fixed effects: those nested in the unit or period clusters, by inspection.
            let ids: Vec<&[usize]> = match by {
                ClusterBy::Unit => vec![self.ids.unit()],
                ClusterBy::Time => vec![self.ids.time_idx()],
                ClusterBy::UnitAndTime => vec![self.ids.unit(), self.ids.time_idx()],
            };
            counts.nested_fe = Some(self.nested_fe_levels(&ids));
        }
        let f = factors(&spec.ssc(), recipe, &counts, clusters.as_deref());
        let matrix = m.covariance(&self.xtx_inv, f.factor, f.twoway_weights);
        Ok(Vcov {
            spec: *spec,
            matrix,
            df: f.df,
            factor: f.factor,
            lags,
            n_clusters: clusters.map(|c| c.iter().take(2).copied().min().unwrap_or(0)),
            note: f.note,
            cluster: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::{estimate, EstimateOptions, Model};
    use crate::formula::Formula;

    #[test]
    fn single_cluster_is_an_error() {
        let p = Panel1::single();
        let f = Formula::parse("y ~ x").unwrap();
        let fit = estimate(&p, &f, &EstimateOptions::new(Model::Pooled)).unwrap();
        let spec = VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::none());
        let e = fit.vcov(&spec).unwrap_err();
        assert!(e.to_string().contains("at least 2 clusters"));
        let ok = VcovSpec::new(VcovKind::ClusterTime).with_ssc(Ssc::none());
        assert!(fit.vcov(&ok).is_ok());
    }

    /// Conventional two-way clustering: each of V_unit, V_time, V_unit∩time with its own
    /// G/(G − 1); on a balanced panel the intersection cells are single rows (HC0).
    #[test]
    fn conventional_twoway_weights_each_dimension() {
        let p =
            crate::panel::io::read_csv(&crate::testdata::reference("grunfeld.csv"), "firm", "year")
                .unwrap();
        let f = Formula::parse("inv ~ value + capital").unwrap();
        let fit = estimate(&p, &f, &EstimateOptions::new(Model::Pooled)).unwrap();
        let plain = |kind| {
            fit.vcov(&VcovSpec::new(kind).with_ssc(Ssc::none()))
                .unwrap()
                .matrix
        };
        let mut conv = Ssc::none();
        conv.cluster_adj = true;
        conv.cluster_df = crate::inference::ssc::ClusterDf::Conventional;
        let v = fit
            .vcov(&VcovSpec::new(VcovKind::ClusterTwoway).with_ssc(conv))
            .unwrap();
        let want = plain(VcovKind::Cluster) * (10.0 / 9.0)
            + plain(VcovKind::ClusterTime) * (20.0 / 19.0)
            - plain(VcovKind::Hc0) * (200.0 / 199.0);
        for (a, b) in v.matrix.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-10 * b.abs(), "{a} vs {b}");
        }
        assert_eq!((v.n_clusters, v.df), (Some(10), Some(197.0)));
        assert!(v.note.contains("G = 10, 20, 200"), "{}", v.note);
    }

    struct Panel1;
    impl Panel1 {
        fn single() -> crate::panel::Panel {
            crate::panel::Panel::from_columns(
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

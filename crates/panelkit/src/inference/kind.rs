//! The covariance kinds. Each kind is defined in one place, [`VcovKind::recipe`]: its name
//! and the recipe its meat is made by; the covariance routines and the small-sample
//! corrections work on the recipe, so a kind built from an existing recipe is one row here.

use crate::error::{Error, Result};

/// The covariance estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum VcovKind {
    /// σ² (X̃'X̃)⁻¹.
    Iid,
    /// Heteroskedasticity-robust, plain (White).
    Hc0,
    /// Heteroskedasticity-robust with the n/(n − K) correction.
    Hc1,
    /// Heteroskedasticity-robust, scores scaled by 1/√(1 − h_i).
    Hc2,
    /// Heteroskedasticity-robust, scores scaled by 1/(1 − h_i).
    Hc3,
    /// Clustered by unit (Arellano).
    Cluster,
    /// Clustered by period.
    ClusterTime,
    /// Clustered by unit and period (Cameron–Gelbach–Miller).
    ClusterTwoway,
    /// Driscoll–Kraay: serial and cross-sectional correlation (Bartlett kernel).
    DriscollKraay,
    /// Panel Newey–West: serial correlation within units (Bartlett kernel).
    NeweyWest,
}

/// Leverage scaling of heteroskedasticity-robust scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leverage {
    /// Scores as they are (HC0, HC1).
    None,
    /// s_i/√(1 − h_i) (HC2).
    Sqrt,
    /// s_i/(1 − h_i) (HC3).
    Full,
}

/// The grouping of clustered scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClusterBy {
    /// Units.
    Unit,
    /// Periods.
    Time,
    /// Units and periods: M_unit + M_time − M_unit∩time.
    UnitAndTime,
}

/// Heteroskedasticity- and autocorrelation-consistent meats (Bartlett weights 1 − l/(L+1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hac {
    /// Cross-sectional sums per period, autocorrelated over periods.
    DriscollKraay,
    /// Scores autocorrelated within units, lag at period t − l.
    NeweyWest,
}

/// How a kind's covariance is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recipe {
    /// σ² B.
    Iid,
    /// B (Σ s̃_i s̃_i') B with leverage-scaled scores; `hc1`: the kind is defined with the
    /// n/(n − K) correction.
    Hetero { leverage: Leverage, hc1: bool },
    /// B (Σ_g S_g S_g') B.
    Cluster(ClusterBy),
    /// B M_HAC B with a lag length.
    Hac(Hac),
}

impl VcovKind {
    /// Every kind, in documentation order.
    pub const ALL: [VcovKind; 10] = [
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
    ];

    /// The definition of each kind: its command-line / JSON name and its recipe.
    pub(crate) fn recipe(self) -> (&'static str, Recipe) {
        let hetero = |leverage, hc1| Recipe::Hetero { leverage, hc1 };
        match self {
            VcovKind::Iid => ("iid", Recipe::Iid),
            VcovKind::Hc0 => ("hc0", hetero(Leverage::None, false)),
            VcovKind::Hc1 => ("hc1", hetero(Leverage::None, true)),
            VcovKind::Hc2 => ("hc2", hetero(Leverage::Sqrt, false)),
            VcovKind::Hc3 => ("hc3", hetero(Leverage::Full, false)),
            VcovKind::Cluster => ("cluster", Recipe::Cluster(ClusterBy::Unit)),
            VcovKind::ClusterTime => ("cluster-time", Recipe::Cluster(ClusterBy::Time)),
            VcovKind::ClusterTwoway => ("cluster-twoway", Recipe::Cluster(ClusterBy::UnitAndTime)),
            VcovKind::DriscollKraay => ("driscoll-kraay", Recipe::Hac(Hac::DriscollKraay)),
            VcovKind::NeweyWest => ("newey-west", Recipe::Hac(Hac::NeweyWest)),
        }
    }

    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        self.recipe().0
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
        matches!(self.recipe().1, Recipe::Hac(_))
    }

    /// Whether the kind clusters the scores (and so needs at least two clusters).
    pub fn is_clustered(self) -> bool {
        matches!(self.recipe().1, Recipe::Cluster(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        for (i, k) in VcovKind::ALL.iter().enumerate() {
            assert_eq!(VcovKind::parse(k.name()).unwrap(), *k);
            assert!(VcovKind::ALL[..i].iter().all(|o| o.name() != k.name()));
        }
        assert!(VcovKind::parse("hc4").is_err());
    }
}

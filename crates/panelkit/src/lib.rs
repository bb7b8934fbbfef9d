//! panelkit: panel econometrics in Rust.
//!
//! A unit × time [`Panel`] read from CSV, R/fixest-style [`Formula`]s (functions, `I()`,
//! nested panel operators, `factor()`, `i()`, interactions, fixed effects on any column),
//! exact panel [`estimators`] (pooled, within, two-way, first differences, between, random
//! effects; any fixed effects by alternating projections; Arellano–Bond and Blundell–Bond
//! GMM for dynamic panels in [`estimators::gmm`]),
//! and [`inference`] chosen after estimation: covariances with small-sample corrections as
//! knobs ([`Ssc`], five named presets), clustered on any column or two
//! ([`inference::clusters::ClusterVars`]), coefficient tables and linear combinations at any
//! confidence level, Wald tests of hypotheses written as text, specification tests, and for
//! few clusters CRV2/CRV3, the wild cluster bootstrap ([`inference::bootstrap`]), cluster
//! diagnostics and multiple-testing adjustments; and
//! tables: one grid rendered as text, Markdown, CSV or LaTeX ([`table`]) and fits side by
//! side ([`etable`]).
//!
//! ```
//! use panelkit::{estimate, EstimateOptions, Formula, Model, Ssc, VcovKind, VcovSpec};
//!
//! // Load: a CSV with a unit and a time column (Grunfeld's investment data).
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/reference/data/grunfeld.csv");
//! let panel = panelkit::panel::io::read_csv(path.as_ref(), "firm", "year")?;
//!
//! // Fit: firm fixed effects, absorbed by the within transformation.
//! let formula = Formula::parse("inv ~ value + capital")?;
//! let fit = estimate(&panel, &formula, &EstimateOptions::new(Model::Within))?;
//! assert_eq!((fit.n(), fit.k(), fit.k_fe()), (200, 2, 10));
//!
//! // Vcov: clustered by firm, fixest's small-sample corrections, t(G − 1).
//! let spec = VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::fixest());
//! let v = fit.vcov(&spec)?;
//! assert_eq!(v.df, Some(9.0));
//!
//! // Table: estimates, standard errors, p-values and 90 % intervals.
//! let mut table = fit.coef_table(&spec, 0.90)?;
//! assert_eq!(table.rows[0].term, "value");
//! assert!((table.rows[0].estimate - 0.110124).abs() < 1e-6);
//!
//! // Lincom: a linear combination written as text, at the table's level.
//! table.add_lincom_text(&fit, "value + capital")?;
//! let sum = &table.lincoms[0];
//! assert!((sum.estimate - (fit.coef("value").unwrap() + fit.coef("capital").unwrap())).abs() < 1e-12);
//! assert!(sum.conf_low < sum.estimate && sum.estimate < sum.conf_high);
//! # Ok::<(), panelkit::Error>(())
//! ```
//!
//! The modules are namespaces: [`panel`] (the data and its CSV I/O), [`formula`],
//! [`estimators`], [`inference`], [`table`], [`etable`], [`io`] (atomic file writes,
//! hashes) and [`error`]; the
//! items most programs need are also re-exported here.

#![deny(missing_docs)]

mod dist;
pub mod error;
pub mod estimators;
pub mod etable;
pub mod formula;
pub mod inference;
pub mod io;
mod linalg;
pub mod outset;
pub mod panel;
pub mod savefit;
pub mod table;

pub use error::{Error, Result};
pub use estimators::{estimate, fit_formula, EstimateOptions, Fit, Model};
pub use formula::Formula;
pub use inference::{
    CoefRow, CoefTable, LinearHypothesis, Ssc, Vcov, VcovKind, VcovSpec, WaldForm, WaldTest,
};
pub use panel::Panel;

/// Paths of the shared peer-reference data, for unit tests.
#[cfg(test)]
pub(crate) mod testdata {
    /// `tests/reference/data/<file>` under the workspace root.
    pub fn reference(file: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/reference/data")
            .join(file)
    }
}

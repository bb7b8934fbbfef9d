//! Exact panel estimators: pooled OLS, within (unit FE), two-way FE, first differences,
//! between, random effects (Swamy–Arora, plm's unbalanced formula), optionally weighted.
//!
//! [`estimate`] returns a [`Fit`] that keeps the transformed (√w-scaled) design, the
//! residuals, the unit/time ids ([`PanelIds`]), the weights and the degrees-of-freedom
//! bookkeeping, so any covariance ([`crate::inference`]) is chosen after estimation without
//! refitting. Estimation runs in named stages: the sample is prepared (terms evaluated
//! gap-aware, differenced for fd, incomplete rows dropped by reason), then transformed by
//! the model, solved by QR and assembled into the fit.
//!
//! ```
//! use panelkit::estimators::{fit_formula, Model};
//! use panelkit::inference::{Ssc, VcovKind, VcovSpec};
//! use panelkit::panel::{Column, ColumnData, Panel};
//!
//! let units: Vec<String> = ["a", "a", "a", "b", "b", "b", "c", "c", "c"]
//!     .iter().map(|s| s.to_string()).collect();
//! let years = vec![1, 2, 3, 1, 2, 3, 1, 2, 3];
//! let x = vec![1.0, 2.0, 4.0, 2.0, 5.0, 3.0, 0.0, 1.0, 3.0];
//! let y: Vec<f64> = x.iter().enumerate().map(|(i, v)| 2.0 * v + (i / 3) as f64 + 0.1 * ((i * 7) % 3) as f64).collect();
//! let col = |n: &str, v: Vec<f64>| Column { name: n.into(), data: ColumnData::Num(v) };
//! let panel = Panel::from_columns("unit", "year", units, years, vec![col("y", y), col("x", x)]).unwrap();
//!
//! let fit = fit_formula(&panel, "y ~ x | unit", None, None).unwrap(); // within
//! assert_eq!(fit.model(), Model::Within);
//! let spec = VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::fixest());
//! let table = fit.coef_table(&spec, 0.95).unwrap();   // inference chosen after estimation
//! assert_eq!(table.rows[0].term, "x");
//! let v = fit.vcov(&VcovSpec::new(VcovKind::Hc1).with_ssc(Ssc::stata())).unwrap();
//! let sum = fit.lincom(&[("x", 2.0)], &v, 0.90).unwrap();
//! assert!((sum.estimate - 2.0 * fit.coef("x").unwrap()).abs() < 1e-12);
//! ```

mod estimate;
mod fit;
pub mod gmm;
mod ids;
mod model;
mod options;
mod random;
mod sample;
mod solve;
mod transform;

pub use estimate::{estimate, estimate_models, fit_formula};
pub use fit::{DroppedTerm, Fit, RandomComponents};
pub use ids::PanelIds;
pub use model::{Model, INTERCEPT};
pub use options::EstimateOptions;
pub use transform::{demean, group_means};

pub(crate) use fit::normalize_term;

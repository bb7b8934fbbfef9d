//! Inference after estimation: covariances with small-sample corrections, coefficient tables
//! and linear combinations at any confidence level, joint Wald tests of linear hypotheses
//! parsed from text, and specification tests.
//!
//! Every covariance is a sandwich `c · B M B` (or `c · σ² B` for iid) built from what a
//! [`Fit`](crate::estimators::Fit) keeps: the bread B = (X̃'X̃)⁻¹ of the transformed
//! √w-scaled design, the scores s_i = x̃_i ũ_i, and the unit/time ids. The meat M by
//! [`VcovKind`]:
//! - `hc0`, `hc1`: Σ s_i s_i' (hc1 differs by its factor);  `hc2`: s_i/√(1−h_i);
//!   `hc3`: s_i/(1−h_i), h_i = x̃_i'B x̃_i (leverage in the transformed design);
//! - `cluster` / `cluster-time`: Σ_g S_g S_g', S_g = Σ_{i∈g} s_i (units / periods);
//! - `cluster-twoway`: M_unit + M_time − M_unit∩time;
//! - `driscoll-kraay` (lags L): with h_t = Σ_{i∈t} s_i,
//!   Σ_t h_t h_t' + Σ_{l=1..L} (1 − l/(L+1)) Σ_t (h_t h_{t−l}' + h_{t−l} h_t');
//! - `newey-west` (panel, lags L): Σ_i [Σ_t s_it s_it' + Σ_l (1 − l/(L+1)) Σ_t (s_it s_i,t−l' +
//!   s_i,t−l s_it')], the lag taken at period t − l of the same unit (gap-aware).
//!
//! The factor c and the t degrees of freedom come from the small-sample corrections
//! ([`Ssc`], where the formulas of the five presets are documented).
//!
//! ```
//! use panelkit::estimators::fit_formula;
//! use panelkit::inference::{LinearHypothesis, Ssc, VcovKind, VcovSpec, WaldForm};
//! # let p = panelkit::panel::io::read_csv(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/reference/data/grunfeld.csv")), "firm", "year").unwrap();
//! let fit = fit_formula(&p, "inv ~ value + capital | firm", None, None).unwrap();
//! let v = fit.vcov(&VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::stata())).unwrap();
//! let h = LinearHypothesis::parse("value = 0, capital = 0").unwrap();
//! let w = fit.wald(&h, &v, WaldForm::F).unwrap();
//! assert_eq!((w.df1, w.df2), (2.0, Some(9.0))); // F(2, G − 1)
//! ```

pub mod bootstrap;
pub mod clusters;
mod coef;
pub(crate) mod covariance;
pub mod diagnostics;
mod hypothesis;
pub mod jackknife;
mod kind;
pub mod multiple;
#[allow(missing_docs)] // moving to the presentation module (panelkit::table), documented there
pub mod render;
mod spectests;
mod ssc;
mod vcov;
mod wald;

pub use coef::{p_and_quantile, CoefRow, CoefTable};
pub use hypothesis::{parse_lincom, LinearHypothesis, Restriction};
pub use kind::VcovKind;
pub use spectests::{
    breusch_pagan, breusch_pagan_time, breusch_pagan_twoways, effects_f_test, hausman,
    hausman_robust, pesaran_cd, pftest, pwartest, pwfdtest, standard_for, standard_tests, FdNull,
    TestResult,
};
pub use ssc::{AdjScope, ClusterDf, FixefK, Ssc, TDf};
pub use vcov::{default_lags, Vcov, VcovSpec};
pub use wald::{wald_test, WaldForm, WaldTest};

//! An estimated model: coefficients, the transformed design and what inference needs.

use super::ids::{Grouping, PanelIds};
use super::model::Model;
use ndarray::Array2;
use std::collections::BTreeMap;

/// A regressor left out of the model, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DroppedTerm {
    /// The term's name.
    pub term: String,
    /// Why it was dropped (collinear, or no variation after the transformation).
    pub reason: String,
}

/// Random-effects variance components (Swamy–Arora).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RandomComponents {
    /// Idiosyncratic variance σ²_ε.
    pub sigma2_idios: f64,
    /// Individual variance σ²_μ (set to 0 when the estimate is negative).
    pub sigma2_indiv: f64,
    /// θ_i per unit (one value on balanced panels).
    pub theta: Vec<f64>,
}

/// An estimated model and everything inference needs: the transformed (√w-scaled) design,
/// the residuals, the ids, the weights and the degrees-of-freedom bookkeeping, so any
/// covariance is chosen after estimation without refitting. Read it through its accessors.
#[derive(Debug, Clone)]
pub struct Fit {
    pub(crate) model: Model,
    pub(crate) formula: String,
    pub(crate) response: String,
    /// Coefficient names (kept regressors), intercept first when present.
    pub(crate) terms: Vec<String>,
    pub(crate) coefficients: Vec<f64>,
    /// Transformed, √w-scaled design of the kept regressors (n × k).
    pub(crate) x: Array2<f64>,
    /// Residuals of the transformed model (not √w-scaled).
    pub(crate) resid: Vec<f64>,
    /// Transformed response (not √w-scaled).
    pub(crate) y: Vec<f64>,
    /// √w per observation (None when unweighted).
    pub(crate) sqrt_w: Option<Vec<f64>>,
    /// (X̃'X̃)⁻¹ of the transformed scaled design.
    pub(crate) xtx_inv: Array2<f64>,
    /// Thin Q of the QR factorisation X̃ = QR (n × k): the sandwich meats are built on it.
    pub(crate) q: Array2<f64>,
    /// R⁻¹ of the same factorisation (k × k, upper triangular).
    pub(crate) r_inv: Array2<f64>,
    /// Unit and time of each observation (between: one per unit).
    pub(crate) ids: PanelIds,
    /// Observations used.
    pub(crate) n: usize,
    /// Estimated coefficients (incl. intercept).
    pub(crate) k: usize,
    /// Absorbed fixed-effect parameters (within: units; twoways: units + kept time dummies).
    pub(crate) k_fe: usize,
    /// Residual sum of squares (weighted) of the transformed model.
    pub(crate) rss: f64,
    /// R² as plm reports it: squared correlation of the transformed response and fitted
    /// values (within R² for FE models).
    pub(crate) r2: f64,
    /// fixest's R² of the full model, fixed effects included (pooled, between and FE models).
    pub(crate) r2_overall: Option<f64>,
    /// fixest's within R², 1 − RSS / Σ w ỹ² (FE models only).
    pub(crate) r2_within: Option<f64>,
    /// Observations dropped, by reason, in a stable order.
    pub(crate) dropped_obs: BTreeMap<String, usize>,
    pub(crate) dropped_terms: Vec<DroppedTerm>,
    pub(crate) random: Option<RandomComponents>,
    /// The absorbed fixed effects as groupings of the observations (for nesting checks):
    /// given for the fixef model, built from the ids on first use for the others.
    pub(crate) fe: std::sync::OnceLock<Vec<Grouping>>,
}

/// A term name without whitespace, so `l(x,1)` and `l(x, 1)` compare equal.
pub(crate) fn normalize_term(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Fit {
    /// The estimator.
    pub fn model(&self) -> Model {
        self.model
    }

    /// The formula as written.
    pub fn formula(&self) -> &str {
        &self.formula
    }

    /// Name of the response term.
    pub fn response(&self) -> &str {
        &self.response
    }

    /// Coefficient names (kept regressors), intercept first when present.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Estimated coefficients, in the order of [`Fit::terms`].
    pub fn coefficients(&self) -> &[f64] {
        &self.coefficients
    }

    /// Transformed, √w-scaled design of the kept regressors (n × k).
    pub fn x(&self) -> &Array2<f64> {
        &self.x
    }

    /// Residuals of the transformed model (not √w-scaled).
    pub fn resid(&self) -> &[f64] {
        &self.resid
    }

    /// Transformed response (not √w-scaled).
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// √w per observation (`None` when unweighted).
    pub fn sqrt_w(&self) -> Option<&[f64]> {
        self.sqrt_w.as_deref()
    }

    /// (X̃'X̃)⁻¹ of the transformed scaled design: the bread of every sandwich.
    pub fn xtx_inv(&self) -> &Array2<f64> {
        &self.xtx_inv
    }

    /// Unit and time of each observation, unit labels and counts.
    pub fn ids(&self) -> &PanelIds {
        &self.ids
    }

    /// Units in the sample.
    pub fn n_units(&self) -> usize {
        self.ids.n_units()
    }

    /// Periods in the sample.
    pub fn n_times(&self) -> usize {
        self.ids.n_times()
    }

    /// Observations used.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Estimated coefficients (incl. intercept).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Absorbed fixed-effect parameters (within: units; twoways: units + kept time dummies).
    pub fn k_fe(&self) -> usize {
        self.k_fe
    }

    /// Residual sum of squares (weighted) of the transformed model.
    pub fn rss(&self) -> f64 {
        self.rss
    }

    /// R² as plm reports it (of the transformed model; within R² for FE models).
    pub fn r2(&self) -> f64 {
        self.r2
    }

    /// fixest's R² (`r2`, pyfixest `_r2`): of the full model, fixed effects included,
    /// 1 − RSS / Σ w (y − ȳ_w)² on the untransformed response; pooled, between (plm's, on
    /// unit means) and fixed-effects models; `None` for first differences and random effects.
    pub fn r2_overall(&self) -> Option<f64> {
        self.r2_overall
    }

    /// fixest's within R² (`wr2`, pyfixest `_r2_within`), 1 − RSS / Σ w ỹ² on the demeaned
    /// response (FE models only; unweighted it equals plm's R² of the within model).
    pub fn r2_within(&self) -> Option<f64> {
        self.r2_within
    }

    /// Observations dropped, by reason, in a stable order.
    pub fn dropped_obs(&self) -> &BTreeMap<String, usize> {
        &self.dropped_obs
    }

    /// Regressors left out of the model, and why.
    pub fn dropped_terms(&self) -> &[DroppedTerm] {
        &self.dropped_terms
    }

    /// The absorbed fixed effects as groupings of the observations.
    pub fn fixed_effects(&self) -> &[Grouping] {
        self.fe.get_or_init(|| {
            let unit = || Grouping::of_usize("unit", &self.ids.unit);
            let time = || Grouping::of_usize("time", &self.ids.time_idx);
            match self.model {
                Model::Within => vec![unit()],
                Model::WithinTime => vec![time()],
                Model::Twoways => vec![unit(), time()],
                _ => Vec::new(),
            }
        })
    }

    /// Random-effects variance components (random effects only).
    pub fn random(&self) -> Option<&RandomComponents> {
        self.random.as_ref()
    }

    /// Residual degrees of freedom n − k − k_fe.
    pub fn df_resid(&self) -> usize {
        self.n.saturating_sub(self.k + self.k_fe)
    }

    /// √w-scaled residuals (the residuals of the scaled regression).
    pub fn scaled_resid(&self) -> Vec<f64> {
        match &self.sqrt_w {
            Some(s) => self.resid.iter().zip(s).map(|(u, w)| u * w).collect(),
            None => self.resid.clone(),
        }
    }

    /// [`Fit::scaled_resid`] without a copy when unweighted.
    pub(crate) fn scaled_resid_ref(&self) -> std::borrow::Cow<'_, [f64]> {
        match &self.sqrt_w {
            Some(_) => std::borrow::Cow::Owned(self.scaled_resid()),
            None => std::borrow::Cow::Borrowed(&self.resid),
        }
    }

    /// Index of a coefficient by name; spacing is ignored (`l(x,1)` finds `l(x, 1)`).
    pub fn term_index(&self, name: &str) -> Option<usize> {
        self.terms.iter().position(|t| t == name).or_else(|| {
            let want = normalize_term(name);
            self.terms.iter().position(|t| normalize_term(t) == want)
        })
    }

    /// A coefficient by name (spacing ignored, as [`Fit::term_index`]).
    pub fn coef(&self, name: &str) -> Option<f64> {
        self.term_index(name).map(|i| self.coefficients[i])
    }
}

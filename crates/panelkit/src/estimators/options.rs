//! How to estimate: the model and the sample choices, built step by step.

use super::model::Model;

/// How to estimate: the model, optional analytic weights and the sample choices.
///
/// ```
/// use panelkit::estimators::{EstimateOptions, Model};
/// let opts = EstimateOptions::new(Model::Within)
///     .with_weights(Some("pop"))
///     .with_drop_singletons(true);
/// assert_eq!(opts.weights(), Some("pop"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateOptions {
    pub(crate) model: Model,
    pub(crate) weights: Option<String>,
    pub(crate) drop_singletons: bool,
    pub(crate) sample: Option<Vec<bool>>,
    pub(crate) fd_across_gaps: bool,
}

impl EstimateOptions {
    /// Options for `model`, unweighted, singletons kept, every row allowed, fd gap-aware.
    pub fn new(model: Model) -> Self {
        EstimateOptions {
            model,
            weights: None,
            drop_singletons: false,
            sample: None,
            fd_across_gaps: false,
        }
    }

    /// The same options for another model.
    pub fn with_model(mut self, model: Model) -> Self {
        self.model = model;
        self
    }

    /// Analytic weights column (e.g. population): WLS with weights w, as `lm(weights=)`;
    /// `None` for an unweighted fit.
    pub fn with_weights(mut self, column: Option<&str>) -> Self {
        self.weights = column.map(str::to_string);
        self
    }

    /// Drop units observed once under unit fixed effects (they carry no information about
    /// the slopes); off by default, as in plm, fixest and linearmodels.
    pub fn with_drop_singletons(mut self, drop: bool) -> Self {
        self.drop_singletons = drop;
        self
    }

    /// Rows allowed in the estimation sample (one flag per panel row, e.g. the study's
    /// years), applied after lags and differences are computed on the whole panel, so a lag
    /// may reach before the sample; rows outside are counted under "outside sample".
    pub fn with_sample(mut self, rows: Option<Vec<bool>>) -> Self {
        self.sample = rows;
        self
    }

    /// fd only: difference consecutive observed rows of a unit even across a missing
    /// period, as plm's `model = "fd"` does. Off by default: a difference across a gap is
    /// dropped (counted under "differences").
    pub fn with_fd_across_gaps(mut self, across: bool) -> Self {
        self.fd_across_gaps = across;
        self
    }

    /// The estimator.
    pub fn model(&self) -> Model {
        self.model
    }

    /// The analytic weights column, if any.
    pub fn weights(&self) -> Option<&str> {
        self.weights.as_deref()
    }

    /// Whether singletons are dropped under unit fixed effects.
    pub fn drop_singletons(&self) -> bool {
        self.drop_singletons
    }

    /// The rows allowed in the estimation sample, if restricted.
    pub fn sample(&self) -> Option<&[bool]> {
        self.sample.as_deref()
    }

    /// Whether fd differences consecutive rows across missing periods.
    pub fn fd_across_gaps(&self) -> bool {
        self.fd_across_gaps
    }
}

//! The estimator and the facts that follow from it (intercept, absorbed effects, names).

use crate::error::{Error, Result};
use crate::formula::Formula;
use crate::panel::Panel;

/// The name plm gives the intercept.
pub const INTERCEPT: &str = "(Intercept)";

/// The estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// OLS on the stacked panel, with intercept (plm `model="pooling"`).
    Pooled,
    /// Unit fixed effects absorbed by within-unit demeaning (plm `model="within"`).
    Within,
    /// Time fixed effects only, absorbed by within-period demeaning (plm `model="within",
    /// effect="time"`; fixest `| year`).
    WithinTime,
    /// Unit and time fixed effects (plm `effect="twoways"`), exact on unbalanced panels.
    Twoways,
    /// First differences within units, gap-aware, with intercept (plm `model="fd"`).
    Fd,
    /// OLS on unit means, with intercept (plm `model="between"`).
    Between,
    /// Random effects, Swamy–Arora variance components (plm `random.method="swar"`).
    Random,
}

impl Model {
    /// Every model, in documentation order.
    pub const ALL: [Model; 7] = [
        Model::Pooled,
        Model::Within,
        Model::WithinTime,
        Model::Twoways,
        Model::Fd,
        Model::Between,
        Model::Random,
    ];

    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Model::Pooled => "pooled",
            Model::Within => "within",
            Model::WithinTime => "within-time",
            Model::Twoways => "twoways",
            Model::Fd => "fd",
            Model::Between => "between",
            Model::Random => "random",
        }
    }

    /// A label for readers: the estimator in words.
    pub fn label(self) -> &'static str {
        match self {
            Model::Pooled => "pooled OLS",
            Model::Within => "within (unit fixed effects)",
            Model::WithinTime => "within (time fixed effects)",
            Model::Twoways => "two-way fixed effects",
            Model::Fd => "first differences",
            Model::Between => "between (unit means)",
            Model::Random => "random effects (Swamy–Arora)",
        }
    }

    /// Parses a model name (plm's and the usual abbreviations are accepted).
    pub fn parse(s: &str) -> Result<Model> {
        Ok(match s {
            "pooled" | "pooling" => Model::Pooled,
            "within" | "fe" => Model::Within,
            "within-time" | "time" => Model::WithinTime,
            "twoways" | "twoway" => Model::Twoways,
            "fd" => Model::Fd,
            "between" => Model::Between,
            "random" | "re" => Model::Random,
            _ => {
                return Err(Error::Usage(format!(
                    "unknown model '{s}': expected pooled, within, within-time, twoways, fd, between or random"
                )))
            }
        })
    }

    /// Whether the model carries `(Intercept)` (when the formula keeps it).
    pub fn has_intercept(self) -> bool {
        matches!(
            self,
            Model::Pooled | Model::Fd | Model::Between | Model::Random
        )
    }

    /// Whether unit fixed effects are absorbed (within, twoways).
    pub fn absorbs_unit(self) -> bool {
        matches!(self, Model::Within | Model::Twoways)
    }

    /// Whether time fixed effects are absorbed (within-time, twoways).
    pub fn absorbs_time(self) -> bool {
        matches!(self, Model::Twoways | Model::WithinTime)
    }

    /// Whether any fixed effects are absorbed (the fixed-effects models).
    pub fn absorbs_effects(self) -> bool {
        self.absorbs_unit() || self.absorbs_time()
    }

    /// Whether the model is estimated on first differences within units.
    pub fn differences(self) -> bool {
        self == Model::Fd
    }

    /// Whether analytic weights are supported (not for between and random effects).
    pub fn supports_weights(self) -> bool {
        !matches!(self, Model::Between | Model::Random)
    }

    /// Why a regressor with no variation left after the model's transformation was dropped.
    pub(crate) fn no_variation_reason(self) -> &'static str {
        match self {
            Model::Within => "no variation within units (absorbed by the unit fixed effects)",
            Model::WithinTime => "no variation within periods (absorbed by the time fixed effects)",
            Model::Twoways => "no variation left after removing unit and time fixed effects",
            Model::Fd => "no variation in first differences",
            _ => "identically zero",
        }
    }

    /// The model implied by a formula's absorbed fixed effects and an optional explicit model:
    /// `| unit` → within, `| time` → within-time, `| unit + time` → twoways; no fixed effects
    /// and no model → within.
    pub fn resolve(formula: &Formula, panel: &Panel, model: Option<Model>) -> Result<Model> {
        let fe: Vec<&str> = formula
            .fixed_effects
            .iter()
            .map(|(s, _)| s.as_str())
            .collect();
        let has_unit = fe.contains(&panel.unit_name());
        let has_time = fe.contains(&panel.time_name());
        let implied = match (has_unit, has_time) {
            (false, false) => None,
            (true, false) => Some(Model::Within),
            (true, true) => Some(Model::Twoways),
            (false, true) => Some(Model::WithinTime),
        };
        match (implied, model) {
            (None, Some(m)) => Ok(m),
            (None, None) => Ok(Model::Within),
            (Some(i), None) => Ok(i),
            (Some(i), Some(m)) if i == m => Ok(m),
            (Some(i), Some(m)) => Err(Error::Usage(format!(
                "formula '{}' absorbs fixed effects of a {} model but --model is {}",
                formula.text,
                i.name(),
                m.name()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_facts_agree() {
        for m in Model::ALL {
            assert_eq!(Model::parse(m.name()).unwrap(), m);
            assert_eq!(m.absorbs_effects(), m.absorbs_unit() || m.absorbs_time());
            // A model with absorbed effects has no intercept of its own.
            assert!(!(m.absorbs_effects() && m.has_intercept()), "{m:?}");
        }
        assert!(Model::parse("ols").is_err());
    }
}

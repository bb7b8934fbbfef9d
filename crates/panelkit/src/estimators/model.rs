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
    /// Any fixed effects of the formula (`| code + region^year`), absorbed by alternating
    /// projections (fixest's `feols` with other than the unit and time effects).
    Fixef,
}

impl Model {
    /// Every model, in documentation order.
    pub const ALL: [Model; 8] = [
        Model::Pooled,
        Model::Within,
        Model::WithinTime,
        Model::Twoways,
        Model::Fd,
        Model::Between,
        Model::Random,
        Model::Fixef,
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
            Model::Fixef => "fixef",
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
            Model::Fixef => "fixed effects (alternating projections)",
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
            "fixef" => Model::Fixef,
            _ => {
                return Err(Error::Usage(format!(
                    "unknown model '{s}': expected pooled, within, within-time, twoways, fd, between, random or fixef"
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
        self.absorbs_unit() || self.absorbs_time() || self == Model::Fixef
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
            Model::Fixef => "no variation left after removing the fixed effects",
            _ => "identically zero",
        }
    }

    /// The model implied by a formula's absorbed fixed effects and an optional explicit model:
    /// `| unit` → within, `| time` → within-time, `| unit + time` → twoways (exact
    /// demeaning), any other fixed effects (`| region`, `| code + region^year`) → fixef
    /// (alternating projections); no fixed effects and no model → within. An explicit
    /// `fixef` forces alternating projections on any fixed effects.
    pub fn resolve(formula: &Formula, panel: &Panel, model: Option<Model>) -> Result<Model> {
        let fe = formula.fixed_effect_columns();
        let is = |name: &str| fe.iter().any(|cols| cols.as_slice() == [name]);
        let has_unit = is(panel.unit_name());
        let has_time = is(panel.time_name());
        let only_keys = fe.len() == usize::from(has_unit) + usize::from(has_time);
        let implied = match (has_unit, has_time) {
            _ if fe.is_empty() => None,
            _ if !only_keys => Some(Model::Fixef),
            (true, false) => Some(Model::Within),
            (true, true) => Some(Model::Twoways),
            _ => Some(Model::WithinTime),
        };
        match (implied, model) {
            (None, Some(Model::Fixef)) => Err(Error::Usage(format!(
                "formula '{}': the fixef model needs fixed effects after '|'",
                formula.text
            ))),
            (None, Some(m)) => Ok(m),
            (None, None) => Ok(Model::Within),
            (Some(i), None) => Ok(i),
            (Some(_), Some(Model::Fixef)) => Ok(Model::Fixef),
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
            assert_eq!(
                m.absorbs_effects(),
                m.absorbs_unit() || m.absorbs_time() || m == Model::Fixef
            );
            // A model with absorbed effects has no intercept of its own.
            assert!(!(m.absorbs_effects() && m.has_intercept()), "{m:?}");
        }
        assert!(Model::parse("ols").is_err());
    }
}

//! The estimation sample: the formula's variables on the rows kept, with ids and drop counts.
//!
//! [`prepare`] runs five stages: evaluate the terms on the whole panel (gap-aware lags),
//! take first differences for fd, flag incomplete rows by reason, drop singletons when asked,
//! expand factor terms and the fixed effects on the rows kept.

use super::ids::{Grouping, PanelIds};
use super::model::Model;
use super::options::EstimateOptions;
use crate::error::{Error, Result};
use crate::formula::{Categorical, Formula, Term};
use crate::panel::Panel;
use std::collections::BTreeMap;

/// The estimation sample: variables on the rows kept, with ids and drop counts.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub(crate) y: Vec<f64>,
    /// Regressor columns in formula order (no intercept).
    pub(crate) cols: Vec<Vec<f64>>,
    pub(crate) names: Vec<String>,
    pub(crate) w: Option<Vec<f64>>,
    pub(crate) ids: PanelIds,
    pub(crate) dropped: BTreeMap<String, usize>,
    /// The formula's absorbed fixed effects on the sample rows (the alternating-projections
    /// model demeans by them).
    pub(crate) fe: Vec<Grouping>,
}

fn count(map: &mut BTreeMap<String, usize>, reason: &str, by: usize) {
    if by > 0 {
        *map.entry(reason.to_string()).or_insert(0) += by;
    }
}

/// Builds the estimation sample: evaluates terms (gap-aware), takes first differences for the
/// fd model, drops incomplete rows and counts them by reason.
pub(crate) fn prepare(panel: &Panel, formula: &Formula, opts: &EstimateOptions) -> Result<Sample> {
    formula.check(panel)?;
    if opts.model.differences() && formula.has_factors() {
        return Err(Error::Usage(format!(
            "'{}': factor terms are not differenced by fd; use a within or pooled model on \
             differenced variables, e.g. d(y) ~ d(x) + i(year)",
            formula.text
        )));
    }
    let terms: Vec<&Term> = std::iter::once(&formula.response)
        .chain(&formula.terms)
        .collect();
    let mut vals: Vec<Vec<f64>> = terms
        .iter()
        .map(|t| t.values(panel))
        .collect::<Result<_>>()?;
    let mut cats: Vec<Categorical> = Vec::new();
    for t in &terms {
        cats.extend(formula.factor_of(panel, t)?);
    }
    // The keys are never missing, so a fixed effect made of keys only is built when the
    // model absorbs it by alternating projections, not to flag missing rows.
    let fes: Vec<Categorical> = formula
        .fixed_effect_columns()
        .iter()
        .filter(|cols| {
            opts.model == Model::Fixef
                || cols
                    .iter()
                    .any(|c| *c != panel.unit_name() && *c != panel.time_name())
        })
        .map(|cols| {
            Categorical::combine(
                cols.iter()
                    .filter_map(|c| Categorical::of(panel, c))
                    .collect(),
            )
        })
        .collect();
    let w: Option<Vec<f64>> = match &opts.weights {
        Some(c) => Some(panel.require_num(c)?.to_vec()),
        None => None,
    };
    if let (Some(c), Some(w)) = (&opts.weights, &w) {
        // As R, fixest and Stata: a negative weight is an error, not a missing value.
        if let Some(r) = w.iter().position(|v| *v < 0.0) {
            return Err(Error::Data(format!(
                "weights '{c}' must not be negative: {} at {}={} {}={}",
                w[r],
                panel.unit_name(),
                panel.unit_labels()[panel.unit_ids()[r]],
                panel.time_name(),
                panel.time_label(panel.times()[r])
            )));
        }
    }
    if opts.model.differences() {
        for v in vals.iter_mut() {
            *v = first_differences(panel, v, opts.fd_across_gaps);
        }
    }
    let cat_missing: Vec<bool> = (0..panel.nrows())
        .map(|r| cats.iter().chain(&fes).any(|c| c.codes[r].is_none()))
        .collect();
    let (mut keep, mut dropped) =
        complete_rows(panel, &terms, &vals, &cat_missing, w.as_deref(), opts);
    if opts.drop_singletons && opts.model.absorbs_unit() {
        drop_singletons(panel, &mut keep, &mut dropped);
    }
    let rows: Vec<usize> = (0..panel.nrows()).filter(|&r| keep[r]).collect();
    if rows.is_empty() {
        return Err(Error::Data(format!(
            "no complete observations for '{}' ({})",
            formula.text,
            dropped
                .iter()
                .map(|(k, v)| format!("{v} dropped for {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let pick = |v: &Vec<f64>| -> Vec<f64> { rows.iter().map(|&r| v[r]).collect() };
    let regressors = formula.regressors(panel, &vals[1..], &rows)?;
    let fe = if opts.model == Model::Fixef {
        formula
            .fixed_effects
            .iter()
            .zip(&fes)
            .map(|((name, _), c)| {
                let raw: Vec<usize> = rows.iter().map(|&r| c.codes[r].unwrap_or(0)).collect();
                Grouping::of_usize(name, &raw)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Sample {
        y: pick(&vals[0]),
        names: regressors.iter().map(|r| r.name.clone()).collect(),
        cols: regressors.into_iter().map(|r| r.values).collect(),
        w: w.as_ref().map(pick),
        ids: PanelIds::of_rows(panel, &rows),
        dropped,
        fe,
    })
}

/// x_t − x_{t−1} within units: at the previous period (gap-aware), or at the unit's previous
/// observed row when `across_gaps` (plm's fd).
fn first_differences(panel: &Panel, v: &[f64], across_gaps: bool) -> Vec<f64> {
    if !across_gaps {
        return panel.diff(v, 1);
    }
    let uid = panel.unit_ids();
    (0..panel.nrows())
        .map(|r| {
            if r > 0 && uid[r - 1] == uid[r] {
                v[r] - v[r - 1]
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// Which panel rows are complete, and the others counted by the first reason that applies:
/// outside the sample, a missing raw value (a numeric input, a factor level or fixed effect,
/// or a non-positive weight), a lag/lead reaching a missing period, a difference reaching
/// one, a non-finite transformation (the log of zero).
fn complete_rows(
    panel: &Panel,
    terms: &[&Term],
    vals: &[Vec<f64>],
    cat_missing: &[bool],
    w: Option<&[f64]>,
    opts: &EstimateOptions,
) -> (Vec<bool>, BTreeMap<String, usize>) {
    let mut by_reason: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut keep = vec![true; panel.nrows()];
    let mut names: Vec<&str> = Vec::new();
    for t in terms {
        for e in t.exprs() {
            names.extend(e.columns().into_iter().map(|(c, _)| c));
        }
    }
    names.sort_unstable();
    names.dedup();
    let raw: Vec<_> = names
        .iter()
        .filter_map(|c| crate::formula::eval_numeric(panel, c))
        .collect();
    let lagged: Vec<bool> = terms
        .iter()
        .map(|t| t.exprs().iter().any(|e| e.has_lag_or_lead()))
        .collect();
    let differenced: Vec<bool> = terms
        .iter()
        .map(|t| opts.model.differences() || t.exprs().iter().any(|e| e.has_diff()))
        .collect();
    for (r, keep_r) in keep.iter_mut().enumerate() {
        // A row is dropped only when a value the model uses is missing: a column that enters
        // only through its lag (`l(x, 1)`) may be missing in the row itself, as in fixest
        // and plm. The reason is the first that explains it.
        let outside = opts.sample.as_ref().is_some_and(|m| !m[r]);
        let value_missing = !outside && vals.iter().any(|v| v[r].is_nan());
        let bad_weight = w.is_some_and(|w| !(w[r] > 0.0 && w[r].is_finite()));
        if !outside && !value_missing && !cat_missing[r] && !bad_weight {
            // Complete (the usual row): no reason to look for.
            continue;
        }
        let raw_missing =
            (value_missing && raw.iter().any(|c| c[r].is_nan())) || cat_missing[r] || bad_weight;
        let nan_where = |flags: &[bool]| vals.iter().zip(flags).any(|(v, f)| *f && v[r].is_nan());
        let reason = if outside {
            Some("outside sample")
        } else if raw_missing {
            Some("missing values")
        } else if nan_where(&lagged) {
            Some("lags/leads")
        } else if nan_where(&differenced) {
            Some("differences")
        } else if value_missing {
            Some("non-finite values")
        } else {
            None
        };
        if let Some(why) = reason {
            *keep_r = false;
            *by_reason.entry(why).or_insert(0) += 1;
        }
    }
    let mut dropped = BTreeMap::new();
    for (why, n) in by_reason {
        count(&mut dropped, why, n);
    }
    (keep, dropped)
}

/// Drops the kept rows of units that keep a single row, counted as "singletons".
fn drop_singletons(panel: &Panel, keep: &mut [bool], dropped: &mut BTreeMap<String, usize>) {
    let uid = panel.unit_ids();
    let mut per = vec![0usize; panel.unit_labels().len()];
    for r in 0..panel.nrows() {
        if keep[r] {
            per[uid[r]] += 1;
        }
    }
    let mut n = 0;
    for r in 0..panel.nrows() {
        if keep[r] && per[uid[r]] == 1 {
            keep[r] = false;
            n += 1;
        }
    }
    count(dropped, "singletons", n);
}

//! The estimation sample: the formula's variables on the rows kept, with ids and drop counts.
//!
//! [`prepare`] runs four stages: evaluate the terms on the whole panel (gap-aware lags),
//! take first differences for fd, flag incomplete rows by reason, drop singletons when asked.

use super::ids::PanelIds;
use super::options::EstimateOptions;
use crate::error::{Error, Result};
use crate::formula::{Formula, Op, Term};
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
    let terms: Vec<&Term> = std::iter::once(&formula.response)
        .chain(&formula.terms)
        .collect();
    let mut vals: Vec<Vec<f64>> = terms
        .iter()
        .map(|t| t.values(panel))
        .collect::<Result<_>>()?;
    let w: Option<Vec<f64>> = match &opts.weights {
        Some(c) => Some(panel.require_num(c)?.to_vec()),
        None => None,
    };
    if opts.model.differences() {
        for v in vals.iter_mut() {
            *v = first_differences(panel, v, opts.fd_across_gaps);
        }
    }
    let (mut keep, mut dropped) = complete_rows(panel, &terms, &vals, w.as_deref(), opts);
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
    Ok(Sample {
        y: pick(&vals[0]),
        cols: vals[1..].iter().map(pick).collect(),
        names: formula.terms.iter().map(|t| t.name.clone()).collect(),
        w: w.as_ref().map(pick),
        ids: PanelIds::of_rows(panel, &rows),
        dropped,
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
/// outside the sample, a missing raw value (or a non-positive weight), a lag/lead reaching a
/// missing period, a difference reaching one.
fn complete_rows(
    panel: &Panel,
    terms: &[&Term],
    vals: &[Vec<f64>],
    w: Option<&[f64]>,
    opts: &EstimateOptions,
) -> (Vec<bool>, BTreeMap<String, usize>) {
    let mut dropped = BTreeMap::new();
    let mut keep = vec![true; panel.nrows()];
    for (r, keep_r) in keep.iter_mut().enumerate() {
        let raw_missing = terms
            .iter()
            .any(|t| panel.num(&t.column).is_some_and(|c| c[r].is_nan()))
            || w.is_some_and(|w| !(w[r] > 0.0 && w[r].is_finite()));
        let outside = opts.sample.as_ref().is_some_and(|m| !m[r]);
        let reason = if outside {
            Some("outside sample")
        } else if raw_missing {
            Some("missing values")
        } else if terms
            .iter()
            .zip(vals)
            .any(|(t, v)| matches!(t.op, Op::Lag(_) | Op::Lead(_)) && v[r].is_nan())
        {
            Some("lags/leads")
        } else if vals.iter().any(|v| v[r].is_nan()) {
            Some("differences")
        } else {
            None
        };
        if let Some(why) = reason {
            *keep_r = false;
            count(&mut dropped, why, 1);
        }
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
    for r in 0..panel.nrows() {
        if keep[r] && per[uid[r]] == 1 {
            keep[r] = false;
            count(dropped, "singletons", 1);
        }
    }
}

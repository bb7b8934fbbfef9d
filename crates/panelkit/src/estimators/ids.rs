//! Who and when each observation is: the ids an estimation sample and a fit share.

use crate::panel::Panel;
use std::collections::BTreeMap;

/// Per-observation panel ids of an estimation sample (and of the fit made from it): the
/// unit (dense, in order of first appearance), the time value and its dense index, the unit
/// labels and the counts. Clustered and serial-correlation covariances read them.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelIds {
    /// Per observation: dense unit index (0..n_units).
    pub(crate) unit: Vec<usize>,
    /// Per observation: the time value (year, or rank of a text time label).
    pub(crate) time: Vec<i64>,
    /// Per observation: dense time index (0..n_times) in sorted order.
    pub(crate) time_idx: Vec<usize>,
    /// Label of each dense unit index.
    pub(crate) unit_labels: Vec<String>,
    /// Periods spanned by the estimation sample.
    pub(crate) n_times: usize,
    /// Per observation: its row in the panel estimated on (empty for unit means), so any
    /// column can be read for the fit's observations (clustering on a column).
    pub(crate) rows: Vec<usize>,
}

/// One absorbed fixed effect of a fit: a dense level per observation and the level count.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    /// The fixed effect as written (`code`, `region^year`).
    pub name: String,
    /// Per observation: dense level index (0..levels).
    pub ids: Vec<usize>,
    /// Number of levels in the sample.
    pub levels: usize,
}

impl Grouping {
    /// A grouping from per-observation labels of any ordered type (dense in first appearance).
    pub fn new<T: Ord + Copy>(name: &str, raw: &[T]) -> Grouping {
        let (ids, levels) = crate::inference::covariance::dense_ids(raw);
        Grouping {
            name: name.to_string(),
            ids,
            levels,
        }
    }

    /// Whether every level of this grouping lies within one level of `outer` (nested).
    pub fn nested_in(&self, outer: &[usize]) -> bool {
        let mut seen: Vec<Option<usize>> = vec![None; self.levels];
        self.ids.iter().zip(outer).all(|(&g, &o)| match seen[g] {
            Some(x) => x == o,
            None => {
                seen[g] = Some(o);
                true
            }
        })
    }
}

/// Dense index of each time value among the sorted distinct values, and their number.
fn time_index(time: &[i64]) -> (Vec<usize>, usize) {
    let mut distinct = time.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let idx = time
        .iter()
        .map(|t| distinct.binary_search(t).unwrap_or(0))
        .collect();
    (idx, distinct.len())
}

impl PanelIds {
    /// The ids of the panel rows `rows` (in that order).
    pub(crate) fn of_rows(panel: &Panel, rows: &[usize]) -> PanelIds {
        let uid = panel.unit_ids();
        let mut dense = BTreeMap::new();
        let mut unit_labels = Vec::new();
        let unit: Vec<usize> = rows
            .iter()
            .map(|&r| {
                let next = dense.len();
                *dense.entry(uid[r]).or_insert_with(|| {
                    unit_labels.push(panel.unit_labels()[uid[r]].clone());
                    next
                })
            })
            .collect();
        let time: Vec<i64> = rows.iter().map(|&r| panel.times()[r]).collect();
        let (time_idx, n_times) = time_index(&time);
        PanelIds {
            unit,
            time,
            time_idx,
            unit_labels,
            n_times,
            rows: rows.to_vec(),
        }
    }

    /// The ids of the unit means (between): one observation per unit, dated at the unit's
    /// first period; the sample's period count is kept.
    pub(crate) fn unit_means(&self) -> PanelIds {
        let nu = self.n_units();
        let mut first_t = vec![i64::MAX; nu];
        for (u, t) in self.unit.iter().zip(&self.time) {
            first_t[*u] = first_t[*u].min(*t);
        }
        let (time_idx, _) = time_index(&first_t);
        PanelIds {
            unit: (0..nu).collect(),
            time: first_t,
            time_idx,
            unit_labels: self.unit_labels.clone(),
            n_times: self.n_times,
            rows: Vec::new(),
        }
    }

    /// Per observation: dense unit index (0..n_units), in order of first appearance.
    pub fn unit(&self) -> &[usize] {
        &self.unit
    }

    /// Per observation: the time value (year, or rank of a text time label).
    pub fn time(&self) -> &[i64] {
        &self.time
    }

    /// Per observation: dense time index (0..n_times) in sorted order.
    pub fn time_idx(&self) -> &[usize] {
        &self.time_idx
    }

    /// Label of each dense unit index.
    pub fn unit_labels(&self) -> &[String] {
        &self.unit_labels
    }

    /// Per observation: its panel row (empty for the unit means of between).
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// Units in the sample.
    pub fn n_units(&self) -> usize {
        self.unit_labels.len()
    }

    /// Periods spanned by the estimation sample.
    pub fn n_times(&self) -> usize {
        self.n_times
    }

    /// Observations.
    pub fn len(&self) -> usize {
        self.unit.len()
    }

    /// Whether there are no observations.
    pub fn is_empty(&self) -> bool {
        self.unit.is_empty()
    }
}

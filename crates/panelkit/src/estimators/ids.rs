//! Who and when each observation is: the ids an estimation sample and a fit share.

use crate::panel::Panel;
use std::sync::Arc;

/// Per-observation panel ids of an estimation sample (and of the fit made from it): the
/// unit (dense, in order of first appearance), the time value and its dense index, the unit
/// labels and the counts. Clustered and serial-correlation covariances read them.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelIds {
    /// Per observation: dense unit index (0..n_units).
    pub(crate) unit: Vec<usize>,
    /// Per observation: the time value (year, or rank of a text time label), listed on
    /// first use from `time_idx` and the sorted distinct values.
    pub(crate) time: LazyTimes,
    /// Per observation: dense time index (0..n_times) in sorted order.
    pub(crate) time_idx: Vec<usize>,
    /// Label of each dense unit index.
    pub(crate) unit_labels: Arc<Vec<String>>,
    /// Periods spanned by the estimation sample.
    pub(crate) n_times: usize,
    /// Per observation: its row in the panel estimated on (empty for unit means), so any
    /// column can be read for the fit's observations (clustering on a column).
    pub(crate) rows: PanelRows,
}

/// The time values of a sample: the sorted distinct values, and the per-observation list
/// built from the dense index only when asked for (a word per row saved otherwise).
#[derive(Debug, Clone)]
pub(crate) struct LazyTimes {
    values: Vec<i64>,
    listed: std::sync::OnceLock<Vec<i64>>,
}

impl PartialEq for LazyTimes {
    /// Equal distinct values; with equal dense indices (compared beside), equal times.
    fn eq(&self, other: &LazyTimes) -> bool {
        self.values == other.values
    }
}

/// The panel rows of a sample's observations: every row of the panel in order is kept as
/// its count alone (the usual case) and listed only when asked for, saving a word per row.
#[derive(Debug, Clone)]
pub(crate) struct PanelRows {
    /// Every panel row 0..n, in order.
    all: Option<usize>,
    /// The rows, listed (at once when not all, on first use when all).
    listed: std::sync::OnceLock<Vec<usize>>,
}

impl PanelRows {
    /// The rows `rows` of a panel of `nrows` rows.
    fn of(rows: &[usize], nrows: usize) -> PanelRows {
        let all = rows.len() == nrows && rows.iter().enumerate().all(|(i, &r)| i == r);
        let listed = std::sync::OnceLock::new();
        if !all {
            let _ = listed.set(rows.to_vec());
        }
        PanelRows {
            all: all.then_some(nrows),
            listed,
        }
    }

    fn get(&self) -> &[usize] {
        self.listed
            .get_or_init(|| (0..self.all.unwrap_or(0)).collect())
    }
}

impl PartialEq for PanelRows {
    fn eq(&self, other: &PanelRows) -> bool {
        match (self.all, other.all) {
            (Some(a), Some(b)) => a == b,
            _ => self.get() == other.get(),
        }
    }
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

    /// A grouping from integer labels (numbered by a lookup table; the same numbering as
    /// [`Grouping::new`]).
    pub fn of_usize(name: &str, raw: &[usize]) -> Grouping {
        let (ids, levels) = crate::inference::covariance::dense_small(raw);
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

/// Dense index of each time value among the sorted distinct values, and those values.
fn time_index(time: &[i64]) -> (Vec<usize>, Vec<i64>) {
    let distinct = crate::panel::sorted_distinct(time);
    let idx = time
        .iter()
        .map(|t| distinct.binary_search(t).unwrap_or(0))
        .collect();
    (idx, distinct)
}

impl PanelIds {
    /// The ids of the panel rows `rows` (in that order).
    pub(crate) fn of_rows(panel: &Panel, rows: &[usize]) -> PanelIds {
        let uid = panel.unit_ids();
        let mut dense: Vec<Option<usize>> = vec![None; panel.unit_labels().len()];
        let mut order: Vec<usize> = Vec::new();
        let unit: Vec<usize> = rows
            .iter()
            .map(|&r| {
                *dense[uid[r]].get_or_insert_with(|| {
                    order.push(uid[r]);
                    order.len() - 1
                })
            })
            .collect();
        // Every unit, in panel order (the usual case): share the panel's labels.
        let unit_labels =
            if order.len() == dense.len() && order.iter().enumerate().all(|(i, &u)| i == u) {
                Arc::clone(panel.unit_labels_shared())
            } else {
                Arc::new(
                    order
                        .iter()
                        .map(|&u| panel.unit_labels()[u].clone())
                        .collect(),
                )
            };
        let (time_idx, values) = {
            let time: Vec<i64> = rows.iter().map(|&r| panel.times()[r]).collect();
            time_index(&time)
        };
        PanelIds {
            unit,
            n_times: values.len(),
            time: LazyTimes {
                values,
                listed: std::sync::OnceLock::new(),
            },
            time_idx,
            unit_labels,
            rows: PanelRows::of(rows, panel.nrows()),
        }
    }

    /// The ids of the unit means (between): one observation per unit, dated at the unit's
    /// first period; the sample's period count is kept.
    pub(crate) fn unit_means(&self) -> PanelIds {
        let nu = self.n_units();
        let mut first_t = vec![i64::MAX; nu];
        for (u, t) in self.unit.iter().zip(self.time()) {
            first_t[*u] = first_t[*u].min(*t);
        }
        let (time_idx, values) = time_index(&first_t);
        let listed = std::sync::OnceLock::new();
        let _ = listed.set(first_t);
        PanelIds {
            unit: (0..nu).collect(),
            time: LazyTimes { values, listed },
            time_idx,
            unit_labels: self.unit_labels.clone(),
            n_times: self.n_times,
            rows: PanelRows::of(&[], usize::MAX),
        }
    }

    /// Per observation: dense unit index (0..n_units), in order of first appearance.
    pub fn unit(&self) -> &[usize] {
        &self.unit
    }

    /// Per observation: the time value (year, or rank of a text time label).
    pub fn time(&self) -> &[i64] {
        self.time
            .listed
            .get_or_init(|| self.time_idx.iter().map(|&i| self.time.values[i]).collect())
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
        self.rows.get()
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

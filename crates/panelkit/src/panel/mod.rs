//! The panel: observations indexed by unit × time, sorted, with unique keys.
//!
//! A [`Panel`] holds numeric columns (missing = NaN) and text columns. Rows are sorted by
//! unit, then time; each unit's rows are contiguous, so gap-aware lags are a binary search
//! inside the unit's block. Unbalanced panels and gaps are allowed and reported.

pub mod io;
mod keys;
mod ops;
pub use ops::FixedPrices;

use crate::error::{Error, Result};
use keys::RawKeys;
use std::sync::Arc;

/// The values of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Numbers; NaN marks a missing value.
    Num(Vec<f64>),
    /// Text labels (e.g. unit names); empty string marks a missing value.
    Text(Vec<String>),
}

/// A named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name (CSV header).
    pub name: String,
    /// Its values.
    pub data: ColumnData,
}

/// A unit × time panel with sorted, unique keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    unit_name: String,
    time_name: String,
    /// Sorted unique unit labels (numerically when all are integers).
    unit_labels: Arc<Vec<String>>,
    /// Per row: index into `unit_labels`.
    unit: Vec<usize>,
    /// Per row: the time as an integer (the year, or the rank of a text time label).
    time: Vec<i64>,
    /// Text time labels by rank, when the time column was not integer.
    time_text: Option<Vec<String>>,
    /// Per unit: the half-open row range of its block.
    blocks: Vec<(usize, usize)>,
    /// Sorted distinct times (computed once: every fit with time effects reads them).
    distinct_times: Vec<i64>,
    columns: Vec<Column>,
}

/// Sorted distinct values of a time column (a presence table when the times span a short
/// range, as years do; a sort otherwise).
pub(crate) fn sorted_distinct(time: &[i64]) -> Vec<i64> {
    let (lo, hi) = time
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
    let span = (hi as i128 - lo as i128 + 1).max(0) as usize;
    if !time.is_empty() && span <= 4 * time.len() + 64 {
        let mut seen = vec![false; span];
        for &t in time {
            seen[(t - lo) as usize] = true;
        }
        return (0..span)
            .filter(|&i| seen[i])
            .map(|i| lo + i as i64)
            .collect();
    }
    let mut t = time.to_vec();
    t.sort_unstable();
    t.dedup();
    t.shrink_to_fit();
    t
}

/// What a reader needs to know about a panel's shape.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PanelSummary {
    /// Name of the unit key column.
    pub unit: String,
    /// Name of the time key column.
    pub time: String,
    /// Number of units.
    pub n_units: usize,
    /// Number of rows (unit-time observations).
    pub n_rows: usize,
    /// Earliest time.
    pub first_time: i64,
    /// Latest time.
    pub last_time: i64,
    /// Number of distinct times.
    pub n_times: usize,
    /// Whether every unit is observed at every time.
    pub balanced: bool,
    /// Units with fewer rows than the number of distinct times.
    pub n_units_short: usize,
    /// Missing interior periods, as (unit, time) pairs.
    pub gaps: Vec<(String, i64)>,
    /// Missing values per numeric column, in column order.
    pub missing: Vec<(String, usize)>,
}

impl Panel {
    /// Builds a panel from rows in any order. Row `i` of every column belongs to the keys'
    /// row `i`. Rows already sorted by unit and time are kept in place (no sort, no copy);
    /// duplicate (unit, time) keys are an error naming both lines of `origin`.
    pub(crate) fn from_raw(
        origin: &std::path::Path,
        unit_name: &str,
        time_name: &str,
        keys: RawKeys,
        columns: Vec<Column>,
    ) -> Result<Panel> {
        let n = keys.len();
        for c in &columns {
            let len = match &c.data {
                ColumnData::Num(v) => v.len(),
                ColumnData::Text(v) => v.len(),
            };
            if len != n {
                return Err(Error::Data(format!(
                    "column '{}' has {len} values for {n} keys",
                    c.name
                )));
            }
        }
        let (labels, unit_of) = keys.number_units();
        let (time_vals, time_text) = keys.number_times();
        let key = |i: usize| (unit_of[i], time_vals[i]);
        let sorted = (1..n).all(|i| key(i - 1) < key(i));
        let (unit, time, columns) = if sorted {
            (unit_of, time_vals, columns)
        } else {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&i| (unit_of[i], time_vals[i], i));
            for w in order.windows(2) {
                let (a, b) = (w[0], w[1]);
                if key(a) == key(b) {
                    return Err(Error::input(
                        origin,
                        Some(keys.lines[b]),
                        None,
                        format!(
                            "duplicate key {unit_name}={} {time_name}={}: already given on line {}",
                            keys.unit_text(b),
                            keys.time_text(b),
                            keys.lines[a]
                        ),
                    ));
                }
            }
            let columns = columns
                .into_iter()
                .map(|c| Column {
                    name: c.name,
                    data: match c.data {
                        ColumnData::Num(v) => {
                            ColumnData::Num(order.iter().map(|&i| v[i]).collect())
                        }
                        ColumnData::Text(mut v) => ColumnData::Text(
                            order.iter().map(|&i| std::mem::take(&mut v[i])).collect(),
                        ),
                    },
                })
                .collect();
            (
                order.iter().map(|&i| unit_of[i]).collect(),
                order.iter().map(|&i| time_vals[i]).collect(),
                columns,
            )
        };
        let mut blocks = vec![(0usize, 0usize); labels.len()];
        let mut start = 0;
        for r in 1..=n {
            if r == n || unit[r] != unit[start] {
                blocks[unit[start]] = (start, r);
                start = r;
            }
        }
        Ok(Panel {
            unit_name: unit_name.to_string(),
            time_name: time_name.to_string(),
            unit_labels: Arc::new(labels),
            unit,
            distinct_times: sorted_distinct(&time),
            time,
            time_text,
            blocks,
            columns,
        })
    }

    /// Builds a panel in memory from integer-like unit labels, integer times and numeric columns.
    pub fn from_columns(
        unit_name: &str,
        time_name: &str,
        units: Vec<String>,
        times: Vec<i64>,
        columns: Vec<Column>,
    ) -> Result<Panel> {
        if units.len() != times.len() {
            return Err(Error::Data("unit and time keys differ in length".into()));
        }
        let origin = std::path::Path::new("<memory>");
        let mut keys = RawKeys::new();
        for (i, (u, t)) in units.iter().zip(times).enumerate() {
            keys.push(origin, time_name, u.trim(), &t.to_string(), i as u64 + 1)?;
        }
        Panel::from_raw(origin, unit_name, time_name, keys, columns)
    }

    /// Number of rows (unit-time observations).
    pub fn nrows(&self) -> usize {
        self.time.len()
    }

    /// Name of the unit key column.
    pub fn unit_name(&self) -> &str {
        &self.unit_name
    }

    /// Name of the time key column.
    pub fn time_name(&self) -> &str {
        &self.time_name
    }

    /// Sorted unique unit labels.
    pub fn unit_labels(&self) -> &[String] {
        &self.unit_labels
    }

    /// The unit labels, shared (a fit on every unit in panel order reuses them, not a copy).
    pub(crate) fn unit_labels_shared(&self) -> &Arc<Vec<String>> {
        &self.unit_labels
    }

    /// Per row: the unit's index into [`Panel::unit_labels`].
    pub fn unit_ids(&self) -> &[usize] {
        &self.unit
    }

    /// Per row: the time (year, or rank of a text label).
    pub fn times(&self) -> &[i64] {
        &self.time
    }

    /// The label of a time value (the year itself, or the text label of a rank).
    pub fn time_label(&self, t: i64) -> String {
        match &self.time_text {
            Some(tl) => tl.get(t as usize).cloned().unwrap_or_default(),
            None => t.to_string(),
        }
    }

    /// Sorted distinct times present in the panel.
    pub fn distinct_times(&self) -> &[i64] {
        &self.distinct_times
    }

    /// Half-open row range of unit `u`'s block.
    pub fn block(&self, u: usize) -> std::ops::Range<usize> {
        let (a, b) = self.blocks[u];
        a..b
    }

    /// The row of (unit `u`, time `t`), if observed.
    pub fn row_of(&self, u: usize, t: i64) -> Option<usize> {
        let r = self.block(u);
        let start = r.start;
        self.time[r].binary_search(&t).ok().map(|i| start + i)
    }

    /// All columns, in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Names of all columns (excluding the keys), in file order.
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// A numeric column by name.
    pub fn num(&self, name: &str) -> Option<&[f64]> {
        self.columns.iter().find_map(|c| match &c.data {
            ColumnData::Num(v) if c.name == name => Some(v.as_slice()),
            _ => None,
        })
    }

    /// A numeric column by name, or an error that lists what the panel has.
    pub fn require_num(&self, name: &str) -> Result<&[f64]> {
        self.num(name).ok_or_else(|| {
            let have: Vec<&str> = self
                .columns
                .iter()
                .filter(|c| matches!(c.data, ColumnData::Num(_)))
                .map(|c| c.name.as_str())
                .collect();
            Error::Usage(format!(
                "no numeric column '{name}' in the panel (numeric columns: {})",
                have.join(", ")
            ))
        })
    }

    /// A text column by name.
    pub fn text(&self, name: &str) -> Option<&[String]> {
        self.columns.iter().find_map(|c| match &c.data {
            ColumnData::Text(v) if c.name == name => Some(v.as_slice()),
            _ => None,
        })
    }

    /// Adds or replaces a numeric column (values in row order).
    pub fn set_num(&mut self, name: &str, values: Vec<f64>) -> Result<()> {
        if values.len() != self.nrows() {
            return Err(Error::Data(format!(
                "column '{name}' has {} values for {} rows",
                values.len(),
                self.nrows()
            )));
        }
        let data = ColumnData::Num(values);
        match self.columns.iter_mut().find(|c| c.name == name) {
            Some(c) => c.data = data,
            None => self.columns.push(Column {
                name: name.to_string(),
                data,
            }),
        }
        Ok(())
    }

    /// Keeps only the rows where `keep` is true (keys stay sorted and unique).
    pub fn filter_rows(&self, keep: &[bool]) -> Panel {
        let idx: Vec<usize> = (0..self.nrows()).filter(|&r| keep[r]).collect();
        let unit_old: Vec<usize> = idx.iter().map(|&r| self.unit[r]).collect();
        let mut present: Vec<usize> = unit_old.clone();
        present.dedup();
        let mut remap = vec![usize::MAX; self.unit_labels.len()];
        for (new, &old) in present.iter().enumerate() {
            remap[old] = new;
        }
        let unit: Vec<usize> = unit_old.iter().map(|&u| remap[u]).collect();
        let time: Vec<i64> = idx.iter().map(|&r| self.time[r]).collect();
        let mut blocks = vec![(0usize, 0usize); present.len()];
        let mut start = 0;
        for r in 1..=unit.len() {
            if r == unit.len() || unit[r] != unit[start] {
                blocks[unit[start]] = (start, r);
                start = r;
            }
        }
        Panel {
            unit_name: self.unit_name.clone(),
            time_name: self.time_name.clone(),
            unit_labels: Arc::new(
                present
                    .iter()
                    .map(|&u| self.unit_labels[u].clone())
                    .collect(),
            ),
            unit,
            distinct_times: sorted_distinct(&time),
            time,
            time_text: self.time_text.clone(),
            blocks,
            columns: self
                .columns
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    data: match &c.data {
                        ColumnData::Num(v) => ColumnData::Num(idx.iter().map(|&r| v[r]).collect()),
                        ColumnData::Text(v) => {
                            ColumnData::Text(idx.iter().map(|&r| v[r].clone()).collect())
                        }
                    },
                })
                .collect(),
        }
    }

    /// Shape, balance, gaps and missing values.
    pub fn summary(&self) -> PanelSummary {
        let times = self.distinct_times();
        let mut gaps = Vec::new();
        let mut short = 0;
        for (u, label) in self.unit_labels.iter().enumerate() {
            let r = self.block(u);
            if r.len() < times.len() {
                short += 1;
            }
            let ts = &self.time[r];
            for w in ts.windows(2) {
                for t in (w[0] + 1)..w[1] {
                    if times.binary_search(&t).is_ok() || self.time_text.is_none() {
                        gaps.push((label.clone(), t));
                    }
                }
            }
        }
        let missing = self
            .columns
            .iter()
            .filter_map(|c| match &c.data {
                ColumnData::Num(v) => {
                    Some((c.name.clone(), v.iter().filter(|x| x.is_nan()).count()))
                }
                ColumnData::Text(_) => None,
            })
            .collect();
        PanelSummary {
            unit: self.unit_name.clone(),
            time: self.time_name.clone(),
            n_units: self.unit_labels.len(),
            n_rows: self.nrows(),
            first_time: times.first().copied().unwrap_or(0),
            last_time: times.last().copied().unwrap_or(0),
            n_times: times.len(),
            balanced: short == 0,
            n_units_short: short,
            gaps,
            missing,
        }
    }
}

impl std::fmt::Display for PanelSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} rows: {} units ({}) x {} periods ({} {}-{}), {}",
            self.n_rows,
            self.n_units,
            self.unit,
            self.n_times,
            self.time,
            self.first_time,
            self.last_time,
            if self.balanced {
                "balanced".to_string()
            } else {
                format!("unbalanced ({} units short)", self.n_units_short)
            }
        )?;
        if self.gaps.is_empty() {
            writeln!(f, "no interior gaps")?;
        } else {
            let shown: Vec<String> = self
                .gaps
                .iter()
                .take(10)
                .map(|(u, t)| format!("{u}/{t}"))
                .collect();
            writeln!(
                f,
                "{} interior gaps: {}{}",
                self.gaps.len(),
                shown.join(", "),
                if self.gaps.len() > 10 { ", ..." } else { "" }
            )?;
        }
        for (c, m) in &self.missing {
            if *m > 0 {
                writeln!(f, "missing {c}: {m}")?;
            }
        }
        Ok(())
    }
}

//! The unit and time keys of raw rows, collected without a string per row on the common
//! path: integer labels are parsed once to numbers, and only a label whose text is not the
//! integer's plain form (e.g. "007") keeps its text.

use crate::error::{Error, Result};
use std::path::Path;

/// Parses an integer label as `str::parse::<i64>` does after trimming ASCII whitespace.
pub(crate) fn int_of(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok()
}

/// Unit labels of the rows, in file order.
pub(crate) enum UnitKeys {
    /// Every label so far is an integer; `odd` keeps (row, text) where the text is not the
    /// integer's plain form, so the unit is labelled as written on its first row.
    Int {
        vals: Vec<i64>,
        odd: Vec<(usize, String)>,
    },
    /// Some label is not an integer: every label as text (trimmed).
    Text(Vec<String>),
}

/// Time labels of the rows, in file order.
pub(crate) enum TimeKeys {
    /// Integer periods (e.g. years).
    Int(Vec<i64>),
    /// Text labels, ranked in text order when the panel is built.
    Text(Vec<String>),
}

/// The keys of the raw rows and the file line of each, in file order.
pub(crate) struct RawKeys {
    pub units: UnitKeys,
    pub times: TimeKeys,
    pub lines: Vec<u64>,
}

impl RawKeys {
    /// No rows yet.
    pub fn new() -> RawKeys {
        RawKeys {
            units: UnitKeys::Int {
                vals: Vec::new(),
                odd: Vec::new(),
            },
            times: TimeKeys::Int(Vec::new()),
            lines: Vec::new(),
        }
    }

    /// Room for `more` rows of integer keys without reallocating.
    pub fn reserve(&mut self, more: usize) {
        if let UnitKeys::Int { vals, .. } = &mut self.units {
            vals.reserve_exact(more);
        }
        if let TimeKeys::Int(v) = &mut self.times {
            v.reserve_exact(more);
        }
        self.lines.reserve_exact(more);
    }

    /// Releases the capacity beyond the rows read.
    pub fn shrink_to_fit(&mut self) {
        match &mut self.units {
            UnitKeys::Int { vals, odd } => {
                vals.shrink_to_fit();
                odd.shrink_to_fit();
            }
            UnitKeys::Text(v) => v.shrink_to_fit(),
        }
        match &mut self.times {
            TimeKeys::Int(v) => v.shrink_to_fit(),
            TimeKeys::Text(v) => v.shrink_to_fit(),
        }
        self.lines.shrink_to_fit();
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Adds one row's (trimmed) keys. A time column that mixes integer periods with other
    /// labels (2010.5, "x") is an error naming the line: ranking it would silently renumber
    /// every year.
    pub fn push(
        &mut self,
        origin: &Path,
        time_name: &str,
        unit: &str,
        time: &str,
        line: u64,
    ) -> Result<()> {
        let row = self.lines.len();
        match (&mut self.times, int_of(time)) {
            (TimeKeys::Int(v), Some(t)) => v.push(t),
            (TimeKeys::Int(v), None) if v.is_empty() => {
                self.times = TimeKeys::Text(vec![time.to_string()]);
            }
            (TimeKeys::Int(v), None) => {
                return Err(mixed_times(
                    origin,
                    time_name,
                    time,
                    line,
                    v[0],
                    self.lines[0],
                ))
            }
            (TimeKeys::Text(v), None) => v.push(time.to_string()),
            (TimeKeys::Text(v), Some(t)) => {
                return Err(mixed_times(
                    origin,
                    time_name,
                    &v[0],
                    self.lines[0],
                    t,
                    line,
                ))
            }
        }
        match &mut self.units {
            UnitKeys::Int { vals, odd } => match int_of(unit) {
                Some(u) => {
                    if unit != u.to_string() {
                        odd.push((row, unit.to_string()));
                    }
                    vals.push(u);
                }
                None => {
                    let mut text = self.unit_texts();
                    text.push(unit.to_string());
                    self.units = UnitKeys::Text(text);
                }
            },
            UnitKeys::Text(v) => v.push(unit.to_string()),
        }
        self.lines.push(line);
        Ok(())
    }

    /// Every row's unit label as written (trimmed).
    fn unit_texts(&self) -> Vec<String> {
        match &self.units {
            UnitKeys::Text(v) => v.clone(),
            UnitKeys::Int { vals, odd } => {
                let mut t: Vec<String> = vals.iter().map(|v| v.to_string()).collect();
                for (r, s) in odd {
                    t[*r] = s.clone();
                }
                t
            }
        }
    }

    /// Row `r`'s unit label as written (for messages).
    pub fn unit_text(&self, r: usize) -> String {
        match &self.units {
            UnitKeys::Text(v) => v[r].clone(),
            UnitKeys::Int { vals, odd } => match odd.binary_search_by_key(&r, |(row, _)| *row) {
                Ok(i) => odd[i].1.clone(),
                Err(_) => vals[r].to_string(),
            },
        }
    }

    /// Row `r`'s time label as written (for messages).
    pub fn time_text(&self, r: usize) -> String {
        match &self.times {
            TimeKeys::Int(v) => v[r].to_string(),
            TimeKeys::Text(v) => v[r].clone(),
        }
    }

    /// Sorted unit labels (numeric order when every label is an integer, each labelled as
    /// written on its first row; text order otherwise) and each row's unit number.
    pub fn number_units(&self) -> (Vec<String>, Vec<usize>) {
        match &self.units {
            UnitKeys::Int { vals, odd } => {
                let mut distinct = vals.clone();
                distinct.sort_unstable();
                distinct.dedup();
                let unit_of: Vec<usize> = vals
                    .iter()
                    .map(|v| distinct.binary_search(v).unwrap_or(0))
                    .collect();
                let mut labels: Vec<Option<String>> = vec![None; distinct.len()];
                let mut next_odd = odd.iter().peekable();
                for (r, &u) in unit_of.iter().enumerate() {
                    let text = match next_odd.peek() {
                        Some((row, s)) if *row == r => {
                            next_odd.next();
                            Some(s)
                        }
                        _ => None,
                    };
                    if labels[u].is_none() {
                        labels[u] = Some(text.cloned().unwrap_or_else(|| distinct[u].to_string()));
                    }
                }
                (
                    labels.into_iter().map(Option::unwrap_or_default).collect(),
                    unit_of,
                )
            }
            UnitKeys::Text(v) => rank_texts(v),
        }
    }

    /// Each row's time value (the integer, or the rank of its text label) and the text
    /// labels by rank when the times are text.
    pub fn number_times(&self) -> (Vec<i64>, Option<Vec<String>>) {
        match &self.times {
            TimeKeys::Int(v) => (v.clone(), None),
            TimeKeys::Text(v) => {
                let (labels, rank) = rank_texts(v);
                (rank.into_iter().map(|r| r as i64).collect(), Some(labels))
            }
        }
    }
}

/// Distinct text labels in text order, and each row's rank among them.
fn rank_texts(v: &[String]) -> (Vec<String>, Vec<usize>) {
    let mut labels = v.to_vec();
    labels.sort();
    labels.dedup();
    let rank = v
        .iter()
        .map(|k| labels.binary_search(k).unwrap_or(0))
        .collect();
    (labels, rank)
}

/// The error for a time column mixing integer periods and other labels.
fn mixed_times(
    origin: &Path,
    time_name: &str,
    bad: &str,
    bad_line: u64,
    first_int: i64,
    first_int_line: u64,
) -> Error {
    Error::input(
        origin,
        Some(bad_line),
        Some(time_name),
        format!(
            "time '{bad}' is not an integer period, but line {first_int_line} gives the integer \
             '{first_int}': every row needs an integer period (e.g. a year), or every row a \
             text label"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(rows: &[(&str, &str)]) -> Result<RawKeys> {
        let mut k = RawKeys::new();
        for (i, (u, t)) in rows.iter().enumerate() {
            k.push(Path::new("p.csv"), "t", u, t, i as u64 + 2)?;
        }
        Ok(k)
    }

    #[test]
    fn integer_units_keep_the_text_of_their_first_row() {
        let k = keys(&[("007", "1"), ("7", "2"), ("10", "1"), ("2", "1")]).unwrap();
        let (labels, unit_of) = k.number_units();
        assert_eq!(labels, vec!["2", "007", "10"]);
        assert_eq!(unit_of, vec![1, 1, 2, 0]);
        assert_eq!(k.unit_text(0), "007");
        assert_eq!(k.unit_text(1), "7");
    }

    #[test]
    fn a_text_unit_turns_every_label_to_text() {
        let k = keys(&[("10", "1"), ("007", "1"), ("b", "1")]).unwrap();
        let (labels, unit_of) = k.number_units();
        assert_eq!(labels, vec!["007", "10", "b"]);
        assert_eq!(unit_of, vec![1, 0, 2]);
    }

    #[test]
    fn text_times_are_ranked_and_mixed_times_refused_either_way() {
        let k = keys(&[("1", "b"), ("1", "a")]).unwrap();
        assert_eq!(
            k.number_times(),
            (vec![1, 0], Some(vec!["a".into(), "b".into()]))
        );
        let e = keys(&[("1", "2010"), ("1", "2010.5")])
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("p.csv:3:") && e.contains("'2010.5'") && e.contains("line 2"),
            "{e}"
        );
        let e = keys(&[("1", "x"), ("1", "2011")])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("'x'") && e.contains("'2011'"), "{e}");
    }
}

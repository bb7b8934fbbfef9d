//! Evaluating a formula on a panel: numeric expressions per row, categorical columns as
//! level codes, and factor terms expanded into their regressors on the estimation sample.

use super::{caret_error, fmt_num, BinOp, Expr, FactorStyle, Formula, Func, Op, Term, TermKind};
use crate::error::{Error, Result};
use crate::panel::{ColumnData, Panel};
use std::borrow::Cow;

/// A numeric column by name, or the time key when its labels are numbers.
pub(crate) fn numeric<'a>(panel: &'a Panel, name: &str) -> Option<Cow<'a, [f64]>> {
    if let Some(v) = panel.num(name) {
        return Some(Cow::Borrowed(v));
    }
    let t = panel.times();
    let numeric_time = name == panel.time_name()
        && t.first()
            .is_none_or(|&t0| panel.time_label(t0) == t0.to_string());
    numeric_time.then(|| Cow::Owned(t.iter().map(|&v| v as f64).collect()))
}

impl Expr {
    /// [`Expr::eval`], borrowing a plain column instead of copying it.
    fn eval_borrowed<'a>(&self, panel: &'a Panel) -> Result<Cow<'a, [f64]>> {
        match self {
            Expr::Col { name, .. } => match numeric(panel, name) {
                Some(v) => Ok(v),
                None => Ok(Cow::Borrowed(panel.require_num(name)?)),
            },
            Expr::Paren(a) | Expr::Protect(a) => a.eval_borrowed(panel),
            _ => Ok(Cow::Owned(self.eval(panel)?)),
        }
    }

    /// The expression's value per panel row; NaN where an input is missing, a lag reaches an
    /// absent period, or the result is not finite.
    pub fn eval(&self, panel: &Panel) -> Result<Vec<f64>> {
        let map =
            |v: Vec<f64>, f: &dyn Fn(f64) -> f64| -> Vec<f64> { v.into_iter().map(f).collect() };
        let v = match self {
            Expr::Col { name, .. } => match numeric(panel, name) {
                Some(v) => v.into_owned(),
                None => panel.require_num(name)?.to_vec(),
            },
            Expr::Num(c) => vec![*c; panel.nrows()],
            Expr::Call(f, a) => {
                let v = a.eval(panel)?;
                match f {
                    Func::Log => map(v, &f64::ln),
                    Func::Exp => map(v, &f64::exp),
                    Func::Sqrt => map(v, &f64::sqrt),
                }
            }
            Expr::Shift(op, a) => {
                let v = a.eval_borrowed(panel)?;
                match op {
                    Op::Lag(k) => panel.lag(&v, *k),
                    Op::Lead(k) => panel.lead(&v, *k),
                    Op::Diff(k) => panel.diff(&v, *k),
                    Op::Level => v.into_owned(),
                }
            }
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(panel)?, b.eval(panel)?);
                a.iter()
                    .zip(&b)
                    .map(|(x, y)| match op {
                        BinOp::Add => x + y,
                        BinOp::Sub => x - y,
                        BinOp::Mul => x * y,
                        BinOp::Div => x / y,
                        BinOp::Pow => x.powf(*y),
                    })
                    .collect()
            }
            Expr::Neg(a) => map(a.eval(panel)?, &|x| -x),
            Expr::Paren(a) | Expr::Protect(a) => a.eval(panel)?,
        };
        Ok(map(v, &|x| if x.is_finite() { x } else { f64::NAN }))
    }
}

impl Term {
    /// The value of a numeric term per panel row (the product for an interaction; a factor
    /// term's `by` expression, 1 when it has none).
    pub fn values(&self, panel: &Panel) -> Result<Vec<f64>> {
        let exprs = self.exprs();
        if let [e] = exprs.as_slice() {
            // One factor: its values as they are (1 · v = v exactly).
            return e.eval(panel);
        }
        let mut out = vec![1.0; panel.nrows()];
        for e in exprs {
            for (o, v) in out.iter_mut().zip(e.eval(panel)?) {
                *o *= v;
            }
        }
        Ok(out)
    }
}

/// The keys and columns of `panel`, comma-separated: the list an error about a missing
/// column shows.
pub(crate) fn columns_listed(panel: &Panel) -> String {
    let mut have = vec![panel.unit_name(), panel.time_name()];
    have.extend(panel.column_names());
    have.join(", ")
}

/// A categorical column: a level code per panel row (None where missing) and the level
/// labels in sorted order (numerically for numbers, by text otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct Categorical {
    /// Per panel row: index into `labels`, or None when missing.
    pub codes: Vec<Option<usize>>,
    /// Sorted level labels.
    pub labels: Vec<String>,
}

impl Categorical {
    /// The categorical view of a column or key; None when the panel has no such column.
    pub fn of(panel: &Panel, name: &str) -> Option<Categorical> {
        if name == panel.unit_name() {
            return Some(Categorical {
                codes: panel.unit_ids().iter().map(|&u| Some(u)).collect(),
                labels: panel.unit_labels().to_vec(),
            });
        }
        if name == panel.time_name() {
            let distinct = panel.distinct_times();
            return Some(Categorical {
                codes: panel
                    .times()
                    .iter()
                    .map(|t| distinct.binary_search(t).ok())
                    .collect(),
                labels: distinct.iter().map(|&t| panel.time_label(t)).collect(),
            });
        }
        let col = panel.columns().iter().find(|c| c.name == name)?;
        Some(match &col.data {
            ColumnData::Num(v) => {
                let mut d: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
                d.sort_by(f64::total_cmp);
                d.dedup();
                Categorical {
                    codes: v
                        .iter()
                        .map(|x| d.binary_search_by(|y| y.total_cmp(x)).ok())
                        .collect(),
                    labels: d.iter().map(|&x| fmt_num(x)).collect(),
                }
            }
            ColumnData::Text(v) => {
                let mut d: Vec<&str> = v
                    .iter()
                    .map(|s| s.as_str())
                    .filter(|s| !s.is_empty())
                    .collect();
                d.sort_unstable();
                d.dedup();
                Categorical {
                    codes: v
                        .iter()
                        .map(|s| d.binary_search(&s.as_str()).ok())
                        .collect(),
                    labels: d.iter().map(|s| s.to_string()).collect(),
                }
            }
        })
    }

    /// Whether `name` can be read as a categorical (a key or a column), without building it.
    pub fn exists(panel: &Panel, name: &str) -> bool {
        name == panel.unit_name()
            || name == panel.time_name()
            || panel.columns().iter().any(|c| c.name == name)
    }

    /// The combination of several categorical columns (`region^year`): a level per distinct
    /// combination, labelled `a_b`. One part is returned as it is.
    pub fn combine(parts: Vec<Categorical>) -> Categorical {
        let mut parts = parts.into_iter();
        let first = parts.next().unwrap_or(Categorical {
            codes: Vec::new(),
            labels: Vec::new(),
        });
        parts.fold(first, |a, b| a.pair(&b))
    }

    /// The combination of two categoricals, levels sorted as (a, b) pairs; the pair code
    /// `a · |b| + b` fits in u128 for any row count, so no allocation per row.
    fn pair(&self, other: &Categorical) -> Categorical {
        let m = other.labels.len() as u128;
        let keys: Vec<Option<u128>> = self
            .codes
            .iter()
            .zip(&other.codes)
            .map(|(a, b)| Some((*a)? as u128 * m + (*b)? as u128))
            .collect();
        let mut d: Vec<u128> = keys.iter().flatten().copied().collect();
        d.sort_unstable();
        d.dedup();
        Categorical {
            codes: keys
                .iter()
                .map(|k| k.and_then(|k| d.binary_search(&k).ok()))
                .collect(),
            labels: d
                .iter()
                .map(|&k| {
                    format!(
                        "{}_{}",
                        self.labels[(k / m) as usize],
                        other.labels[(k % m) as usize]
                    )
                })
                .collect(),
        }
    }
}

/// One regressor column of the design: its name and its values on the sample rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Regressor {
    /// The coefficient name (fixest's).
    pub name: String,
    /// Values on the sample rows.
    pub values: Vec<f64>,
}

impl Formula {
    /// The categorical view of the factor column of term `t`, if it is a factor term.
    pub(crate) fn factor_of(&self, panel: &Panel, t: &Term) -> Result<Option<Categorical>> {
        match &t.kind {
            TermKind::Factor(f) => Categorical::of(panel, &f.var).map(Some).ok_or_else(|| {
                caret_error(&self.text, f.var_pos, &format!("no column '{}'", f.var))
            }),
            _ => Ok(None),
        }
    }

    /// The regressors of the right-hand side on the panel rows `rows`, in term order: a
    /// numeric term is one column (`values[j]` per panel row); a factor term one dummy per
    /// level present in the rows, less its references. `factor(v)` and `i(v)` without `ref`
    /// leave out the first level (full-rank coding, as pyfixest), unless it is the first
    /// factor of a model without intercept or fixed effects.
    pub fn regressors(
        &self,
        panel: &Panel,
        values: &[Vec<f64>],
        rows: &[usize],
    ) -> Result<Vec<Regressor>> {
        let mut out = Vec::new();
        let mut full_rank_done = self.intercept || !self.fixed_effects.is_empty();
        for (t, v) in self.terms.iter().zip(values) {
            let pick = || -> Vec<f64> { rows.iter().map(|&r| v[r]).collect() };
            let TermKind::Factor(f) = &t.kind else {
                out.push(Regressor {
                    name: t.name.clone(),
                    values: pick(),
                });
                continue;
            };
            let cat = self
                .factor_of(panel, t)?
                .ok_or_else(|| Error::Usage(format!("internal: '{}' is not a factor", t.name)))?;
            let mut present = vec![false; cat.labels.len()];
            for &r in rows {
                if let Some(c) = cat.codes[r] {
                    present[c] = true;
                }
            }
            let mut skip = vec![false; cat.labels.len()];
            for (lvl, pos) in &f.refs {
                match cat.labels.iter().position(|l| l == lvl) {
                    Some(i) => skip[i] = true,
                    None => {
                        return Err(caret_error(
                            &self.text,
                            *pos,
                            &format!(
                                "'{lvl}' is not a level of '{}' (levels: {})",
                                f.var,
                                cat.labels.join(", ")
                            ),
                        ))
                    }
                }
            }
            let reduce = match f.style {
                FactorStyle::Factor => true,
                FactorStyle::I => f.by.is_none() && f.refs.is_empty(),
            };
            if reduce {
                if full_rank_done {
                    if let Some(first) = present.iter().position(|&p| p) {
                        skip[first] = true;
                    }
                }
                full_rank_done = true;
            }
            let by_name = f.by.as_ref().map(Expr::name);
            for (c, label) in cat.labels.iter().enumerate() {
                if !present[c] || skip[c] {
                    continue;
                }
                let name = match (f.style, &by_name) {
                    (FactorStyle::Factor, _) => format!("factor({}){label}", f.var),
                    (FactorStyle::I, None) => format!("{}::{label}", f.var),
                    (FactorStyle::I, Some(x)) => format!("{}::{label}:{x}", f.var),
                };
                let values = rows
                    .iter()
                    .map(|&r| if cat.codes[r] == Some(c) { v[r] } else { 0.0 })
                    .collect();
                out.push(Regressor { name, values });
            }
        }
        Ok(out)
    }
}

//! R/fixest-style model formulas:
//! `y ~ log(x) + l(d(x), 0:2) + I(z^2) + i(year, ref = 2010) + x:z | code + region^year`.
//!
//! Grammar (whitespace is free):
//! ```text
//! formula := value "~" rhs [ "|" fe ( "+" fe )* ]        fe := name ( "^" name )*
//! rhs     := item ( ("+" | "-") item )*                   item := "1" | "0" | chain
//! chain   := atom ( ("*" | ":") atom )*                    (":" binds tighter than "*")
//! atom    := value | op "(" expr "," a ":" b ")" | factor "(" name ")"
//!          | i "(" name [ "," expr ] [ "," ref "=" level | c(level, ...) ] ")"
//! value   := name | op "(" expr [ "," k ] ")" | fun "(" expr ")" | I "(" expr ")"
//! expr    := arithmetic on values and numbers with + - * / ^ and parentheses
//! op      := l | f | d            fun := log | exp | sqrt
//! ```
//! `l(e, k)` is the lag k of the expression `e` (default 1), `l(e, a:b)` expands to the lags
//! a..=b, `f(e, k)` the lead k, `d(e, k)` the k-th difference `e_t − e_{t−k}` (default 1).
//! They nest both ways (`l(d(x), 1)`, `d(log(x))`, `l(log(x), 0:2)`) and are computed within
//! units on the panel index, gap-aware: across a missing period the value is missing, never
//! the value of the wrong period. `log`, `exp` and `sqrt` apply elementwise; a non-finite
//! result (the log of zero) is a missing value. `I(...)` protects arithmetic.
//!
//! Factors: `factor(v)` and `i(v)` expand to one dummy per level of `v` in the estimation
//! sample but the first (the reference; all levels for the first factor of a model with
//! neither intercept nor fixed effects); `i(v, ref = r)` leaves out `r` instead (or several,
//! `ref = c(r1, r2)`); `i(v, x)` gives every level's dummy times the numeric `x`, and
//! `i(v, x, ref = r)` all but `r` (event studies). `v` may be any column, text or numeric, or a key. Interactions: `x:z`
//! is the product of numeric values, `x*z` expands to `x + z + x:z`. Terms are ordered by
//! degree (main effects first), as R's `terms()` and fixest do.
//!
//! `- 1` or `+ 0` removes the intercept; `+ 1` keeps it (the default). Fixed effects after
//! `|` name any column (text or numeric, or a key); `a^b` is the combination of `a` and `b`.
//!
//! Term names are fixest's (R's deparse): a column keeps its name, `log(x)`, `I(x^2)`,
//! `I(x * z)`, `I(x/2)`, `x:z`, `factor(v)b`, `v::2010`, `v::2010:x`. A lag is named
//! `l(e, k)` for every k ≥ 0 (so `l(x, 0:2)` gives `l(x, 0)`, `l(x, 1)`, `l(x, 2)`, where
//! fixest names the lag 0 `x`), a lead `f(e, k)`, a difference `d(e)` when k = 1 and
//! `d(e, k)` otherwise.
//!
//! # Multiple estimation
//!
//! [`expand`] (or [`Formula::parse_multi`]) reads fixest's multiple-estimation syntax and
//! gives one formula per model:
//! ```text
//! formula  := outcomes "~" rhs [ "|" fe ]
//! outcomes := value | "c" "(" value ( "," value )* ")" | value ( "+" value )+
//! rhs, fe  := as above, where one term of each may be a stepwise function:
//! stepwise := ( sw | sw0 | csw | csw0 ) "(" part ( "," part )* ")"
//! ```
//! `sw(a, b)` gives one model per element (a; b), `sw0(a, b)` first none of them (none; a;
//! b), `csw(a, b)` adds them cumulatively (a; a + b) and `csw0(a, b)` starts from none (none;
//! a; a + b). An element is any sum of terms of the language (`l(x, 0:2)`, `log(x)`,
//! `i(v, ref = r)`, `x:z`, `x + z`; in the fixed effects `code + year`, `region^year`).
//! Several outcomes are written `c(y1, y2)` (fixest) or `y1 + y2` (pyfixest). As in
//! fixest, each part (outcomes, right-hand side, fixed effects) holds at most one stepwise
//! function, which stands as a whole term joined by `+`, and they do not nest; c() is for
//! outcomes only. A zero step removes the term (`y ~ x`; `y ~ 1` when it was the only one;
//! no `|` when it was the only fixed effect — the model is then iku's default for a formula
//! without fixed effects, unless one is chosen). One element is enough (`sw(a)`), where
//! pyfixest asks for two.
//!
//! The models come in pyfixest's order (its `FixestMulti` groups the models by fixed effects
//! after expanding left to right): fixed-effects step outermost, then outcome, then
//! right-hand-side step. `c(y1, y2) ~ x + csw0(a, b) | sw(f1, f2)` gives 2 × 3 × 2 = 12
//! models: `y1 ~ x | f1`, `y1 ~ x + a | f1`, `y1 ~ x + a + b | f1`, `y2 ~ x | f1`, …,
//! `y2 ~ x + a + b | f2`. Each formula's `text` is the model's formula in this language
//! (whitespace tidied), so it can be pasted back; syntax errors point at the formula as
//! written. A formula without the syntax expands to itself, its text unchanged.
//!
//! [`split_samples`] gives fixest's `split` and `fsplit` samples: the rows of each value of
//! a variable, in sorted order (numeric when every value is a number, else by text, as
//! pyfixest sorts), after the full sample for `fsplit`. With a split, the sample is the
//! outermost loop (all models on the full sample, then all on the first value, …), as in
//! pyfixest. Lags and differences are computed on the whole panel; the split selects the
//! rows estimated (like any estimation sample).
//!
//! ```
//! use panelkit::formula::expand;
//!
//! let models = expand("c(y1, y2) ~ x + csw0(a, l(z, 0:1)) | sw(code, code + year)")?;
//! assert_eq!(models.len(), 12);
//! let texts: Vec<&str> = models.iter().map(|f| f.text.as_str()).collect();
//! assert_eq!(texts[..3], ["y1 ~ x | code", "y1 ~ x + a | code", "y1 ~ x + a + l(z, 0:1) | code"]);
//! assert_eq!(texts[11], "y2 ~ x + a + l(z, 0:1) | code + year");
//! assert_eq!(models[2].terms.len(), 4); // x, a, l(z, 0), l(z, 1)
//!
//! let err = expand("y ~ sw(a, b) + csw(c, d)").unwrap_err().to_string();
//! assert!(err.ends_with("y ~ sw(a, b) + csw(c, d)\n                 ^"), "{err}");
//! # Ok::<(), panelkit::Error>(())
//! ```

mod eval;
mod multi;
mod parse;
#[cfg(test)]
mod tests;

pub(crate) use eval::{columns_listed, numeric as eval_numeric};
pub use eval::{Categorical, Regressor};
pub use multi::{expand, split_samples, SplitSample, SplitValue, MAX_MODELS};

use crate::error::{Error, Result};
use crate::panel::Panel;

/// A time-series operator applied to an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The value itself.
    Level,
    /// Value at t − k (k ≥ 0).
    Lag(i64),
    /// Value at t + k.
    Lead(i64),
    /// e_t − e_{t−k}.
    Diff(i64),
}

/// An elementwise function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// Natural logarithm.
    Log,
    /// Exponential.
    Exp,
    /// Square root.
    Sqrt,
}

/// A binary arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^`
    Pow,
}

/// A numeric expression evaluated per panel row.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A numeric column (or the time key), with its byte offset in the formula.
    Col {
        /// Column name.
        name: String,
        /// Byte offset of the name in the formula text.
        pos: usize,
    },
    /// A number.
    Num(f64),
    /// `log(e)`, `exp(e)`, `sqrt(e)`.
    Call(Func, Box<Expr>),
    /// `l(e, k)`, `f(e, k)`, `d(e, k)` (never [`Op::Level`]).
    Shift(Op, Box<Expr>),
    /// `a + b`, `a - b`, `a * b`, `a / b`, `a ^ b`.
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `(e)`.
    Paren(Box<Expr>),
    /// `I(e)`.
    Protect(Box<Expr>),
}

/// How a factor term is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorStyle {
    /// `factor(v)`: every level but the first; names `factor(v)LEVEL`.
    Factor,
    /// `i(v, ...)`: every level but the references; names `v::LEVEL` (`v::LEVEL:x`).
    I,
}

/// A factor term: level dummies of a column, optionally times a numeric expression.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorTerm {
    /// The categorical column (any column, or a key).
    pub var: String,
    /// Byte offset of the column name.
    pub var_pos: usize,
    /// Coding and naming.
    pub style: FactorStyle,
    /// Reference levels left out (`i(v, ref = r)`), with their positions.
    pub refs: Vec<(String, usize)>,
    /// The numeric expression the dummies multiply (`i(v, x)`).
    pub by: Option<Expr>,
}

/// What a term computes.
#[derive(Debug, Clone, PartialEq)]
pub enum TermKind {
    /// One numeric expression.
    Value(Expr),
    /// The product of numeric expressions (`x:z`).
    Interaction(Vec<Expr>),
    /// Level dummies, expanded on the estimation sample.
    Factor(FactorTerm),
}

/// One term of a formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Stable display name (see the module docs); a factor's regressors are named per level.
    pub name: String,
    /// What it computes.
    pub kind: TermKind,
    /// Byte offset of the term in the formula text (for error carets).
    pub pos: usize,
}

/// The most terms one lag or lead range `l(x, a:b)` may expand to (a guard against runaway
/// memory from a typo; a panel with more periods than this has no use for so many lags).
pub const MAX_RANGE_TERMS: i64 = 100;

/// A parsed formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    /// The formula as written; for a model of a multiple estimation ([`expand`]), its own
    /// formula in the language.
    pub text: String,
    /// The response (left-hand side; always a [`TermKind::Value`]).
    pub response: Term,
    /// Right-hand-side terms, by degree then formula order (the intercept is not a term).
    pub terms: Vec<Term>,
    /// Whether the model carries an intercept (when the estimator allows one).
    pub intercept: bool,
    /// Absorbed fixed effects (`code`, `region^year`), in order, with their positions.
    pub fixed_effects: Vec<(String, usize)>,
}

/// A usage error showing the formula with a caret under byte offset `pos`.
pub fn caret_error(text: &str, pos: usize, message: &str) -> Error {
    caret_error_for("formula", text, pos, message)
}

/// A usage error about `what` (e.g. "formula", "instruments") with a caret under byte `pos`.
pub fn caret_error_for(what: &str, text: &str, pos: usize, message: &str) -> Error {
    let col = text
        .char_indices()
        .take_while(|(i, _)| *i < pos)
        .count()
        .min(text.chars().count());
    Error::Usage(format!(
        "{what} error: {message}\n  {text}\n  {}^",
        " ".repeat(col)
    ))
}

/// A number as R deparses it: integers without a decimal point, others in shortest form.
pub(crate) fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

impl Expr {
    /// The expression as R deparses it (`I(x^2)`, `I(x * z)`, `I(x/2)`, `log(x + 1)`).
    pub fn name(&self) -> String {
        match self {
            Expr::Col { name, .. } => name.clone(),
            Expr::Num(v) => fmt_num(*v),
            Expr::Call(f, a) => {
                let f = match f {
                    Func::Log => "log",
                    Func::Exp => "exp",
                    Func::Sqrt => "sqrt",
                };
                format!("{f}({})", a.name())
            }
            Expr::Shift(op, a) => match op {
                Op::Lag(k) => format!("l({}, {k})", a.name()),
                Op::Lead(k) => format!("f({}, {k})", a.name()),
                Op::Diff(1) => format!("d({})", a.name()),
                Op::Diff(k) => format!("d({}, {k})", a.name()),
                Op::Level => a.name(),
            },
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.name(), b.name());
                match op {
                    BinOp::Add => format!("{a} + {b}"),
                    BinOp::Sub => format!("{a} - {b}"),
                    BinOp::Mul => format!("{a} * {b}"),
                    BinOp::Div => format!("{a}/{b}"),
                    BinOp::Pow => format!("{a}^{b}"),
                }
            }
            Expr::Neg(a) => format!("-{}", a.name()),
            Expr::Paren(a) => format!("({})", a.name()),
            Expr::Protect(a) => format!("I({})", a.name()),
        }
    }

    /// The columns the expression reads, with their positions, in formula order.
    pub fn columns(&self) -> Vec<(&str, usize)> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Col { name, pos } = e {
                out.push((name.as_str(), *pos));
            }
        });
        out
    }

    /// Whether a lag or lead appears anywhere in the expression.
    pub fn has_lag_or_lead(&self) -> bool {
        let mut any = false;
        self.visit(&mut |e| any |= matches!(e, Expr::Shift(Op::Lag(_) | Op::Lead(_), _)));
        any
    }

    /// Whether a difference appears anywhere in the expression.
    pub fn has_diff(&self) -> bool {
        let mut any = false;
        self.visit(&mut |e| any |= matches!(e, Expr::Shift(Op::Diff(_), _)));
        any
    }

    fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Col { .. } | Expr::Num(_) => {}
            Expr::Call(_, a) | Expr::Shift(_, a) | Expr::Neg(a) | Expr::Paren(a) => a.visit(f),
            Expr::Protect(a) => a.visit(f),
            Expr::Bin(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
        }
    }
}

impl Term {
    /// A plain column or one operator on a column: its name and the operator (GMM and other
    /// estimators that take columns only).
    pub fn simple(&self) -> Option<(&str, Op)> {
        match &self.kind {
            TermKind::Value(Expr::Col { name, .. }) => Some((name, Op::Level)),
            TermKind::Value(Expr::Shift(op, a)) => match a.as_ref() {
                Expr::Col { name, .. } => Some((name, *op)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The numeric expressions the term reads (a factor's `by` expression, if any).
    pub fn exprs(&self) -> Vec<&Expr> {
        match &self.kind {
            TermKind::Value(e) => vec![e],
            TermKind::Interaction(es) => es.iter().collect(),
            TermKind::Factor(f) => f.by.iter().collect(),
        }
    }

    /// Interaction degree (number of multiplied parts), the key R orders terms by.
    pub(crate) fn degree(&self) -> usize {
        match &self.kind {
            TermKind::Interaction(es) => es.len(),
            _ => 1,
        }
    }
}

impl Formula {
    /// Parses a formula; syntax errors are `Error::Usage` with a caret under the offending place.
    pub fn parse(text: &str) -> Result<Formula> {
        parse::parse(text)
    }

    /// The columns of each fixed effect (`region^year` → `region`, `year`).
    pub fn fixed_effect_columns(&self) -> Vec<Vec<&str>> {
        self.fixed_effects
            .iter()
            .map(|(f, _)| f.split('^').collect())
            .collect()
    }

    /// Every column the formula reads (response, regressors, factor variables, fixed
    /// effects), once each, in formula order: what a reader must keep.
    pub fn data_columns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for t in std::iter::once(&self.response).chain(&self.terms) {
            for e in t.exprs() {
                out.extend(e.columns().into_iter().map(|(c, _)| c));
            }
            if let TermKind::Factor(f) = &t.kind {
                out.push(&f.var);
            }
        }
        out.extend(self.fixed_effect_columns().into_iter().flatten());
        let mut seen = std::collections::BTreeSet::new();
        out.retain(|c| seen.insert(*c));
        out
    }

    /// Whether the formula has factor terms (expanded on the estimation sample).
    pub fn has_factors(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t.kind, TermKind::Factor(_)))
    }

    /// Checks every column and fixed effect against the panel; errors point at the name.
    pub fn check(&self, panel: &Panel) -> Result<()> {
        for t in std::iter::once(&self.response).chain(&self.terms) {
            for e in t.exprs() {
                for (col, pos) in e.columns() {
                    if eval::numeric(panel, col).is_none() {
                        return Err(caret_error(
                            &self.text,
                            pos,
                            &format!(
                                "no numeric column '{col}' in the data (columns: {})",
                                panel.column_names().join(", ")
                            ),
                        ));
                    }
                }
            }
            if let TermKind::Factor(f) = &t.kind {
                self.check_categorical(panel, &f.var, f.var_pos)?;
            }
        }
        for (fe, p) in &self.fixed_effects {
            let mut at = *p;
            for col in fe.split('^') {
                self.check_categorical(panel, col, at)?;
                at += col.len() + 1;
            }
        }
        Ok(())
    }

    fn check_categorical(&self, panel: &Panel, col: &str, pos: usize) -> Result<()> {
        if !Categorical::exists(panel, col) {
            return Err(caret_error(
                &self.text,
                pos,
                &format!(
                    "no column '{col}' in the data (columns: {})",
                    eval::columns_listed(panel)
                ),
            ));
        }
        Ok(())
    }
}

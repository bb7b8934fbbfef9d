//! R/fixest-style model formulas: `y ~ x1 + l(x2, 0:2) + d(x3) + f(x4, 1) | unit + year`.
//!
//! Grammar (whitespace is free):
//! ```text
//! formula := expr "~" rhs [ "|" fe ( "+" fe )* ]
//! rhs     := item ( ("+" | "-") item )*       item := term | "1" | "0"
//! term    := name | op "(" name [ "," k | "," a ":" b ] ")"      op := l | f | d
//! ```
//! `l(x, k)` is the lag k of `x` (default 1), `l(x, a:b)` expands to the lags a..=b,
//! `f(x, k)` the lead k, `d(x, k)` the k-th difference `x_t − x_{t−k}` (default 1). All are
//! computed within units on the panel index, gap-aware: across a missing period the value is
//! missing, never the value of the wrong period. `- 1` or `+ 0` removes the intercept; `+ 1`
//! keeps it (the default). Absorbed fixed effects after `|` name the unit or time key column.
//!
//! Term names are stable and documented: a plain column keeps its name; a lag is named
//! `l(x, k)` for every k ≥ 0 (so `l(x, 0:2)` gives `l(x, 0)`, `l(x, 1)`, `l(x, 2)`), a lead
//! `f(x, k)`, a difference `d(x)` when k = 1 and `d(x, k)` otherwise.

use crate::error::{Error, Result};
use crate::panel::Panel;

/// The time-series operator applied to a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The column itself.
    Level,
    /// Value at t − k (k ≥ 0).
    Lag(i64),
    /// Value at t + k.
    Lead(i64),
    /// x_t − x_{t−k}.
    Diff(i64),
}

/// One variable of a formula: a column and the operator applied to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Stable display name (see the module docs).
    pub name: String,
    /// The panel column it is computed from.
    pub column: String,
    /// The operator applied to the column.
    pub op: Op,
    /// Byte offset of the column name in the formula text (for error carets).
    pub pos: usize,
}

/// The most terms one lag or lead range `l(x, a:b)` may expand to (a guard against runaway
/// memory from a typo; a panel with more periods than this has no use for so many lags).
pub const MAX_RANGE_TERMS: i64 = 100;

/// A parsed formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formula {
    /// The formula as written.
    pub text: String,
    /// The response (left-hand side).
    pub response: Term,
    /// Right-hand-side terms in formula order (the intercept is not a term).
    pub terms: Vec<Term>,
    /// Whether the model carries an intercept (when the estimator allows one).
    pub intercept: bool,
    /// Absorbed fixed effects (names of key columns), in order, with their positions.
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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Int(i64),
    Sym(char),
    End,
}

struct Lexer<'a> {
    text: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Result<Self> {
        let mut toks = Vec::new();
        let b: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i < b.len() {
            let (p, c) = b[i];
            if c.is_whitespace() {
                i += 1;
            } else if c.is_ascii_digit() {
                let mut j = i;
                while j < b.len() && b[j].1.is_ascii_digit() {
                    j += 1;
                }
                let end = if j < b.len() { b[j].0 } else { text.len() };
                if j < b.len() && (b[j].1.is_alphabetic() || b[j].1 == '_' || b[j].1 == '.') {
                    return Err(caret_error(text, b[j].0, "a number cannot run into a name"));
                }
                let v = text[p..end]
                    .parse::<i64>()
                    .map_err(|_| caret_error(text, p, "number too large"))?;
                toks.push((Tok::Int(v), p));
                i = j;
            } else if c.is_alphabetic() || c == '_' || c == '.' {
                let mut j = i;
                while j < b.len() && (b[j].1.is_alphanumeric() || b[j].1 == '_' || b[j].1 == '.') {
                    j += 1;
                }
                let end = if j < b.len() { b[j].0 } else { text.len() };
                toks.push((Tok::Ident(text[p..end].to_string()), p));
                i = j;
            } else if "~+-(),:|".contains(c) {
                toks.push((Tok::Sym(c), p));
                i += 1;
            } else {
                return Err(caret_error(text, p, &format!("unexpected character '{c}'")));
            }
        }
        toks.push((Tok::End, text.len()));
        Ok(Lexer { text, toks, at: 0 })
    }

    fn peek(&self) -> &(Tok, usize) {
        &self.toks[self.at]
    }

    fn next(&mut self) -> (Tok, usize) {
        let t = self.toks[self.at].clone();
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }

    fn err(&self, pos: usize, msg: &str) -> Error {
        caret_error(self.text, pos, msg)
    }

    fn expect_sym(&mut self, c: char, what: &str) -> Result<usize> {
        match self.next() {
            (Tok::Sym(s), p) if s == c => Ok(p),
            (_, p) => Err(self.err(p, &format!("expected {what}"))),
        }
    }

    fn ident(&mut self, what: &str) -> Result<(String, usize)> {
        match self.next() {
            (Tok::Ident(s), p) => Ok((s, p)),
            (_, p) => Err(self.err(p, &format!("expected {what}"))),
        }
    }

    fn int(&mut self, what: &str) -> Result<(i64, usize)> {
        match self.next() {
            (Tok::Int(v), p) => Ok((v, p)),
            (_, p) => Err(self.err(p, &format!("expected {what}"))),
        }
    }

    /// A variable: a name or an operator call; returns one or more terms (lag ranges expand).
    fn variable(&mut self) -> Result<Vec<Term>> {
        let (name, pos) = self.ident("a column name or l(), f(), d()")?;
        let is_call = matches!(self.peek().0, Tok::Sym('('));
        if !is_call {
            return Ok(vec![Term {
                name: name.clone(),
                column: name,
                op: Op::Level,
                pos,
            }]);
        }
        if !matches!(name.as_str(), "l" | "f" | "d") {
            return Err(self.err(
                pos,
                &format!("unknown function '{name}': use l(x, k), f(x, k) or d(x, k)"),
            ));
        }
        self.expect_sym('(', "'('")?;
        let (col, cpos) = self.ident("a column name")?;
        let (mut a, mut b) = (1i64, 1i64);
        if matches!(self.peek().0, Tok::Sym(',')) {
            self.next();
            let (k, kpos) = self.int("a non-negative integer")?;
            a = k;
            b = k;
            if matches!(self.peek().0, Tok::Sym(':')) {
                self.next();
                let (k2, k2pos) = self.int("the end of the range a:b")?;
                if k2 < k {
                    return Err(self.err(k2pos, "range end is below its start"));
                }
                if name != "l" && name != "f" {
                    return Err(self.err(kpos, "a range a:b is allowed in l() and f() only"));
                }
                if k2 - k >= MAX_RANGE_TERMS {
                    return Err(self.err(
                        k2pos,
                        &format!("a range a:b may expand to at most {MAX_RANGE_TERMS} terms"),
                    ));
                }
                b = k2;
            }
            if name == "d" && a == 0 {
                return Err(self.err(kpos, "a difference needs k ≥ 1"));
            }
        }
        self.expect_sym(')', "')'")?;
        Ok((a..=b)
            .map(|k| {
                let (op, nm) = match name.as_str() {
                    "l" => (Op::Lag(k), format!("l({col}, {k})")),
                    "f" => (Op::Lead(k), format!("f({col}, {k})")),
                    _ if k == 1 => (Op::Diff(1), format!("d({col})")),
                    _ => (Op::Diff(k), format!("d({col}, {k})")),
                };
                Term {
                    name: nm,
                    column: col.clone(),
                    op,
                    pos: cpos,
                }
            })
            .collect())
    }
}

impl Formula {
    /// Parses a formula; syntax errors are `Error::Usage` with a caret under the offending place.
    pub fn parse(text: &str) -> Result<Formula> {
        let mut lx = Lexer::new(text)?;
        if matches!(lx.peek().0, Tok::End) {
            return Err(lx.err(0, "empty formula: expected 'y ~ x1 + x2'"));
        }
        let mut lhs = lx.variable()?;
        if lhs.len() != 1 {
            return Err(lx.err(lhs[0].pos, "the response must be a single variable"));
        }
        let response = lhs.remove(0);
        lx.expect_sym('~', "'~' after the response")?;
        let mut terms: Vec<Term> = Vec::new();
        let mut intercept = true;
        let mut sign = '+';
        let mut first = true;
        loop {
            if !first {
                match lx.peek().clone() {
                    (Tok::Sym(c), _) if c == '+' || c == '-' => {
                        lx.next();
                        sign = c;
                    }
                    _ => break,
                }
            } else if let (Tok::Sym('-'), _) = lx.peek() {
                lx.next();
                sign = '-';
            }
            first = false;
            match lx.peek().clone() {
                (Tok::Int(v), p) => {
                    lx.next();
                    match (v, sign) {
                        (1, '+') => intercept = true,
                        (1, '-') | (0, '+') => intercept = false,
                        _ => return Err(lx.err(p, "only '+ 1', '- 1' or '+ 0' may stand alone")),
                    }
                }
                (Tok::Ident(_), p) => {
                    if sign == '-' {
                        return Err(lx.err(p, "removing a variable with '-' is not supported"));
                    }
                    for t in lx.variable()? {
                        if terms.iter().any(|u| u.name == t.name) {
                            return Err(lx.err(t.pos, &format!("'{}' appears twice", t.name)));
                        }
                        terms.push(t);
                    }
                }
                (_, p) => return Err(lx.err(p, "expected a variable, '1' or '0'")),
            }
        }
        let mut fixed_effects = Vec::new();
        if let (Tok::Sym('|'), _) = lx.peek() {
            lx.next();
            loop {
                let (fe, p) = lx.ident("a fixed-effect name (the unit or time column)")?;
                if fixed_effects.iter().any(|(f, _)| *f == fe) {
                    return Err(lx.err(p, &format!("fixed effect '{fe}' appears twice")));
                }
                fixed_effects.push((fe, p));
                match lx.peek() {
                    (Tok::Sym('+'), _) => {
                        lx.next();
                    }
                    _ => break,
                }
            }
        }
        match lx.peek() {
            (Tok::End, _) => {}
            (_, p) => return Err(lx.err(*p, "unexpected text after the formula")),
        }
        Ok(Formula {
            text: text.to_string(),
            response,
            terms,
            intercept,
            fixed_effects,
        })
    }

    /// Checks every column and fixed effect against the panel; errors point at the name.
    pub fn check(&self, panel: &Panel) -> Result<()> {
        for t in std::iter::once(&self.response).chain(&self.terms) {
            if panel.num(&t.column).is_none() {
                let have: Vec<&str> = panel.column_names();
                return Err(caret_error(
                    &self.text,
                    t.pos,
                    &format!(
                        "no numeric column '{}' in the data (columns: {})",
                        t.column,
                        have.join(", ")
                    ),
                ));
            }
        }
        for (fe, p) in &self.fixed_effects {
            if fe != panel.unit_name() && fe != panel.time_name() {
                return Err(caret_error(
                    &self.text,
                    *p,
                    &format!(
                        "fixed effect '{fe}' must be the unit column '{}' or the time column '{}'",
                        panel.unit_name(),
                        panel.time_name()
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl Term {
    /// The term's values per panel row (NaN where missing or where the lag/lead/difference
    /// reaches a period the unit does not have).
    pub fn values(&self, panel: &Panel) -> Result<Vec<f64>> {
        let x = panel.require_num(&self.column)?;
        Ok(match self.op {
            Op::Level => x.to_vec(),
            Op::Lag(k) => panel.lag(x, k),
            Op::Lead(k) => panel.lead(x, k),
            Op::Diff(k) => panel.diff(x, k),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lags_leads_diffs_and_fe() {
        let f = Formula::parse(
            "y ~ x1 + l(x3, 1) + l(x2, 0:2) + d(x4) + f(y, 1) + d(x5, 2) | unit + year",
        )
        .unwrap();
        let names: Vec<&str> = f.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "x1", "l(x3, 1)", "l(x2, 0)", "l(x2, 1)", "l(x2, 2)", "d(x4)", "f(y, 1)",
                "d(x5, 2)"
            ]
        );
        assert_eq!(f.terms[4].op, Op::Lag(2));
        assert_eq!(f.terms[6].op, Op::Lead(1));
        assert_eq!(f.terms[7].op, Op::Diff(2));
        assert!(f.intercept);
        let fe: Vec<&str> = f.fixed_effects.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(fe, ["unit", "year"]);
    }

    #[test]
    fn intercept_removal() {
        assert!(!Formula::parse("y ~ x - 1").unwrap().intercept);
        assert!(!Formula::parse("y ~ x + 0").unwrap().intercept);
        assert!(!Formula::parse("y ~ 0 + x").unwrap().intercept);
        assert!(Formula::parse("y ~ 1 + x").unwrap().intercept);
        assert_eq!(Formula::parse("y ~ 1 + x").unwrap().terms.len(), 1);
    }

    fn caret_col(e: Error) -> usize {
        let s = e.to_string();
        let last = s.lines().last().unwrap();
        last.find('^').unwrap() - 2
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        let e = Formula::parse("y ~ x1 + * x2").unwrap_err();
        assert!(e.to_string().contains("unexpected character '*'"));
        assert_eq!(caret_col(e), 9);
        let e = Formula::parse("y ~ x1 + g(x2)").unwrap_err();
        assert!(e.to_string().contains("unknown function 'g'"));
        assert_eq!(caret_col(e), 9);
        let e = Formula::parse("y ~ l(x, 3:1)").unwrap_err();
        assert_eq!(caret_col(e), 11);
        let e = Formula::parse("y x").unwrap_err();
        assert_eq!(caret_col(e), 2);
        let e = Formula::parse("y ~ x +").unwrap_err();
        assert_eq!(caret_col(e), 7);
        let e = Formula::parse("y ~ x + x").unwrap_err();
        assert!(e.to_string().contains("appears twice"));
        assert_eq!(caret_col(e), 8);
    }

    #[test]
    fn unknown_column_points_at_name() {
        let p = Panel::from_columns(
            "unit",
            "year",
            vec!["1".into(), "1".into()],
            vec![2000, 2001],
            vec![
                crate::panel::Column {
                    name: "y".into(),
                    data: crate::panel::ColumnData::Num(vec![1.0, 2.0]),
                },
                crate::panel::Column {
                    name: "x".into(),
                    data: crate::panel::ColumnData::Num(vec![1.0, 3.0]),
                },
            ],
        )
        .unwrap();
        let f = Formula::parse("y ~ x + l(zz, 1)").unwrap();
        let e = f.check(&p).unwrap_err();
        assert!(e.to_string().contains("no numeric column 'zz'"));
        assert_eq!(caret_col(e), 10);
        let f = Formula::parse("y ~ x | region").unwrap();
        let e = f.check(&p).unwrap_err();
        assert_eq!(caret_col(e), 8);
        let lag = Formula::parse("y ~ l(x, 1)").unwrap();
        let v = lag.terms[0].values(&p).unwrap();
        assert!(v[0].is_nan() && v[1] == 1.0);
    }
}

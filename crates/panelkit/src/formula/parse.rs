//! The formula lexer and recursive-descent parser (grammar in the module docs).

use super::{
    caret_error, BinOp, Expr, FactorStyle, FactorTerm, Formula, Func, Op, Term, TermKind,
    MAX_RANGE_TERMS,
};
use crate::error::{Error, Result};

/// A token of the formula text.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Num(f64),
    Str(String),
    Sym(char),
    End,
}

struct Parser<'a> {
    /// The text shown in error messages (byte offsets are the same as in the parsed text).
    text: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
}

/// Tokens of `text`: names, numbers (`2`, `0.5`, `1e-3`), quoted strings and symbols.
pub(super) fn lex(text: &str) -> Result<Vec<(Tok, usize)>> {
    let mut toks = Vec::new();
    let b: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |j: usize| if j < b.len() { b[j].0 } else { text.len() };
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
            if j + 1 < b.len() && b[j].1 == '.' && b[j + 1].1.is_ascii_digit() {
                j += 1;
                while j < b.len() && b[j].1.is_ascii_digit() {
                    j += 1;
                }
            }
            if j < b.len() && (b[j].1 == 'e' || b[j].1 == 'E') {
                let mut k = j + 1;
                if k < b.len() && (b[k].1 == '-' || b[k].1 == '+') {
                    k += 1;
                }
                if k < b.len() && b[k].1.is_ascii_digit() {
                    while k < b.len() && b[k].1.is_ascii_digit() {
                        k += 1;
                    }
                    j = k;
                }
            }
            if j < b.len() && (b[j].1.is_alphabetic() || b[j].1 == '_' || b[j].1 == '.') {
                return Err(caret_error(text, b[j].0, "a number cannot run into a name"));
            }
            let v = text[p..end_of(j)]
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| caret_error(text, p, "number too large"))?;
            toks.push((Tok::Num(v), p));
            i = j;
        } else if c.is_alphabetic() || c == '_' || c == '.' {
            let mut j = i;
            while j < b.len() && (b[j].1.is_alphanumeric() || b[j].1 == '_' || b[j].1 == '.') {
                j += 1;
            }
            toks.push((Tok::Ident(text[p..end_of(j)].to_string()), p));
            i = j;
        } else if c == '"' || c == '\'' {
            let mut j = i + 1;
            while j < b.len() && b[j].1 != c {
                j += 1;
            }
            if j >= b.len() {
                return Err(caret_error(text, p, "unterminated string"));
            }
            toks.push((
                Tok::Str(text[b[i + 1].0.min(end_of(j))..end_of(j)].to_string()),
                p,
            ));
            i = j + 1;
        } else if "~+-(),:|*/^=".contains(c) {
            toks.push((Tok::Sym(c), p));
            i += 1;
        } else {
            return Err(caret_error(text, p, &format!("unexpected character '{c}'")));
        }
    }
    toks.push((Tok::End, text.len()));
    Ok(toks)
}

/// A term as parsed, before the `*` expansion: its parts and where it came from.
struct Chain {
    /// `:`-groups joined by `*` (each group a product of atoms).
    groups: Vec<Vec<(Vec<Term>, usize)>>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &(Tok, usize) {
        &self.toks[self.at]
    }

    fn peek_sym(&self, c: char) -> bool {
        matches!(self.peek().0, Tok::Sym(s) if s == c)
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
            (Tok::Num(v), p) if v.fract() == 0.0 && (0.0..1e15).contains(&v) => Ok((v as i64, p)),
            (_, p) => Err(self.err(p, &format!("expected {what}"))),
        }
    }

    /// expr := mul (("+" | "-") mul)*
    fn arith(&mut self) -> Result<Expr> {
        let mut e = self.mul()?;
        loop {
            let op = match self.peek().0 {
                Tok::Sym('+') => BinOp::Add,
                Tok::Sym('-') => BinOp::Sub,
                _ => return Ok(e),
            };
            self.next();
            e = Expr::Bin(op, Box::new(e), Box::new(self.mul()?));
        }
    }

    fn mul(&mut self) -> Result<Expr> {
        let mut e = self.unary()?;
        loop {
            let op = match self.peek().0 {
                Tok::Sym('*') => BinOp::Mul,
                Tok::Sym('/') => BinOp::Div,
                _ => return Ok(e),
            };
            self.next();
            e = Expr::Bin(op, Box::new(e), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.peek_sym('-') {
            self.next();
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        let base = self.primary()?;
        if self.peek_sym('^') {
            self.next();
            return Ok(Expr::Bin(
                BinOp::Pow,
                Box::new(base),
                Box::new(self.unary()?),
            ));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr> {
        match self.peek().clone() {
            (Tok::Num(v), _) => {
                self.next();
                Ok(Expr::Num(v))
            }
            (Tok::Sym('('), _) => {
                self.next();
                let e = self.arith()?;
                self.expect_sym(')', "')'")?;
                Ok(Expr::Paren(Box::new(e)))
            }
            (Tok::Ident(_), _) => {
                let mut v = self.value(false)?;
                Ok(v.remove(0))
            }
            (_, p) => Err(self.err(p, "expected a column, a number or '('")),
        }
    }

    /// A value: a column, `log/exp/sqrt(e)`, `I(e)`, or `l/f/d(e, k)`; a lag range `a:b`
    /// (only when `range`) gives several values.
    fn value(&mut self, range: bool) -> Result<Vec<Expr>> {
        let (name, pos) = self.ident("a column name or a function")?;
        if !self.peek_sym('(') {
            return Ok(vec![Expr::Col { name, pos }]);
        }
        let func = match name.as_str() {
            "log" => Some(Func::Log),
            "exp" => Some(Func::Exp),
            "sqrt" => Some(Func::Sqrt),
            _ => None,
        };
        let op = name.as_str();
        if func.is_none() && !matches!(op, "I" | "l" | "f" | "d") {
            let msg = if matches!(op, "factor" | "i") {
                format!("{op}() is a term of its own: it cannot be used inside an expression")
            } else {
                format!(
                    "unknown function '{name}': use log(), exp(), sqrt(), I(), l(x, k), f(x, k), \
                     d(x, k), factor(v) or i(v, x, ref = r)"
                )
            };
            return Err(self.err(pos, &msg));
        }
        self.expect_sym('(', "'('")?;
        let arg = self.arith()?;
        if let Some(f) = func {
            self.expect_sym(')', "')'")?;
            return Ok(vec![Expr::Call(f, Box::new(arg))]);
        }
        if op == "I" {
            self.expect_sym(')', "')'")?;
            return Ok(vec![Expr::Protect(Box::new(arg))]);
        }
        let (mut a, mut b) = (1i64, 1i64);
        if self.peek_sym(',') {
            self.next();
            let (k, kpos) = self.int("a non-negative integer")?;
            (a, b) = (k, k);
            if self.peek_sym(':') {
                self.next();
                let (k2, k2pos) = self.int("the end of the range a:b")?;
                if k2 < k {
                    return Err(self.err(k2pos, "range end is below its start"));
                }
                if op == "d" {
                    return Err(self.err(kpos, "a range a:b is allowed in l() and f() only"));
                }
                if !range {
                    return Err(self.err(kpos, "a range a:b is allowed only as a whole term"));
                }
                if k2 - k >= MAX_RANGE_TERMS {
                    return Err(self.err(
                        k2pos,
                        &format!("a range a:b may expand to at most {MAX_RANGE_TERMS} terms"),
                    ));
                }
                b = k2;
            }
            if op == "d" && a == 0 {
                return Err(self.err(kpos, "a difference needs k ≥ 1"));
            }
        }
        self.expect_sym(')', "')'")?;
        Ok((a..=b)
            .map(|k| {
                let o = match op {
                    "l" => Op::Lag(k),
                    "f" => Op::Lead(k),
                    _ => Op::Diff(k),
                };
                Expr::Shift(o, Box::new(arg.clone()))
            })
            .collect())
    }

    /// A level written in `ref = ...`: a number, a string or a bare name.
    fn level(&mut self) -> Result<(String, usize)> {
        let neg = self.peek_sym('-');
        let start = self.peek().1;
        if neg {
            self.next();
        }
        match self.next() {
            (Tok::Num(v), _) => Ok((super::fmt_num(if neg { -v } else { v }), start)),
            (Tok::Str(s), p) | (Tok::Ident(s), p) if !neg => Ok((s, p)),
            (_, p) => Err(self.err(p, "expected a level (a number or a quoted string)")),
        }
    }

    /// `factor(v)` or `i(v [, x] [, ref = r])`, at `pos` (the function name).
    fn factor(&mut self, style: FactorStyle, pos: usize) -> Result<Term> {
        self.expect_sym('(', "'('")?;
        let (var, var_pos) = self.ident("a column name")?;
        let mut by = None;
        let mut refs = Vec::new();
        while style == FactorStyle::I && self.peek_sym(',') {
            self.next();
            let is_ref = matches!(&self.peek().0, Tok::Ident(s) if s == "ref")
                && matches!(self.toks.get(self.at + 1), Some((Tok::Sym('='), _)));
            if is_ref {
                self.next();
                self.next();
                let vector = matches!(&self.peek().0, Tok::Ident(s) if s == "c")
                    && matches!(self.toks.get(self.at + 1), Some((Tok::Sym('('), _)));
                if vector {
                    self.next();
                    self.next();
                    loop {
                        refs.push(self.level()?);
                        if !self.peek_sym(',') {
                            break;
                        }
                        self.next();
                    }
                    self.expect_sym(')', "')'")?;
                } else {
                    refs.push(self.level()?);
                }
            } else if by.is_none() && refs.is_empty() {
                by = Some(self.arith()?);
            } else {
                return Err(self.err(self.peek().1, "expected 'ref = level'"));
            }
        }
        self.expect_sym(')', "')'")?;
        let name = match style {
            FactorStyle::Factor => format!("factor({var})"),
            FactorStyle::I => {
                let mut args = vec![var.clone()];
                args.extend(by.as_ref().map(Expr::name));
                let quote = |l: &str| match l.parse::<f64>() {
                    Ok(_) => l.to_string(),
                    Err(_) => format!("\"{l}\""),
                };
                let levels: Vec<String> = refs.iter().map(|(l, _)| quote(l)).collect();
                match levels.as_slice() {
                    [] => {}
                    [one] => args.push(format!("ref = {one}")),
                    _ => args.push(format!("ref = c({})", levels.join(", "))),
                }
                format!("i({})", args.join(", "))
            }
        };
        Ok(Term {
            name,
            kind: TermKind::Factor(FactorTerm {
                var,
                var_pos,
                style,
                refs,
                by,
            }),
            pos,
        })
    }

    /// One atom of a chain: values (a lag range gives several) or a factor term.
    fn atom(&mut self) -> Result<(Vec<Term>, usize)> {
        let (tok, pos) = self.peek().clone();
        match tok {
            Tok::Ident(name) => {
                let call = matches!(self.toks.get(self.at + 1), Some((Tok::Sym('('), _)));
                if call && (name == "factor" || name == "i") {
                    self.next();
                    let style = if name == "factor" {
                        FactorStyle::Factor
                    } else {
                        FactorStyle::I
                    };
                    return Ok((vec![self.factor(style, pos)?], pos));
                }
                if !call
                    && self
                        .toks
                        .get(self.at + 1)
                        .is_some_and(|t| t.0 == Tok::Sym('^'))
                {
                    return Err(self.err(
                        self.toks[self.at + 1].1,
                        "a power in a formula must be protected: write I(x^2)",
                    ));
                }
                let terms = self
                    .value(true)?
                    .into_iter()
                    .map(|e| Term {
                        name: e.name(),
                        kind: TermKind::Value(e),
                        pos,
                    })
                    .collect();
                Ok((terms, pos))
            }
            _ => Err(self.err(pos, "expected a variable, '1' or '0'")),
        }
    }

    /// chain := atom (("*" | ":") atom)*
    fn chain(&mut self) -> Result<Chain> {
        let mut groups = vec![vec![self.atom()?]];
        loop {
            match self.peek().0 {
                Tok::Sym(':') => {
                    self.next();
                    let a = self.atom()?;
                    if let Some(g) = groups.last_mut() {
                        g.push(a);
                    }
                }
                Tok::Sym('*') => {
                    self.next();
                    groups.push(vec![self.atom()?]);
                }
                _ => return Ok(Chain { groups }),
            }
        }
    }

    /// The terms of a chain: a lone atom as it is; otherwise every non-empty subset of the
    /// `*`-groups as the product of its numeric values (`a*b` → `a`, `b`, `a:b`).
    fn expand(&self, chain: Chain) -> Result<Vec<(Term, bool)>> {
        if let [g] = chain.groups.as_slice() {
            if let [(terms, _)] = g.as_slice() {
                return Ok(terms.iter().map(|t| (t.clone(), false)).collect());
            }
        }
        let mut parts: Vec<Vec<Expr>> = Vec::new();
        for g in &chain.groups {
            let mut es = Vec::new();
            for (terms, pos) in g {
                match terms.as_slice() {
                    [Term {
                        kind: TermKind::Value(e),
                        ..
                    }] => es.push(e.clone()),
                    [Term {
                        kind: TermKind::Factor(_),
                        ..
                    }] => {
                        return Err(self.err(
                            *pos,
                            "a factor in an interaction: write i(v, x) for level dummies times x",
                        ))
                    }
                    _ => return Err(self.err(*pos, "a lag range cannot be part of an interaction")),
                }
            }
            parts.push(es);
        }
        let pos = chain.groups[0][0].1;
        let star = parts.len() > 1;
        let mut out = Vec::new();
        for mask in 1..(1usize << parts.len()) {
            let es: Vec<Expr> = (0..parts.len())
                .filter(|i| mask & (1 << i) != 0)
                .flat_map(|i| parts[i].clone())
                .collect();
            let term = if es.len() == 1 {
                Term {
                    name: es[0].name(),
                    kind: TermKind::Value(es[0].clone()),
                    pos,
                }
            } else {
                Term {
                    name: es.iter().map(Expr::name).collect::<Vec<_>>().join(":"),
                    kind: TermKind::Interaction(es),
                    pos,
                }
            };
            out.push((term, star));
        }
        // Subsets in R's order: by degree, then by first appearance.
        out.sort_by_key(|(t, _)| t.degree());
        Ok(out)
    }
}

/// Parses `text` (see the module docs).
pub(super) fn parse(text: &str) -> Result<Formula> {
    parse_shown(text, text)
}

/// Parses `text`, showing `shown` (of the same byte length, e.g. the formula before a
/// multiple-estimation expansion blanked parts of it) in error messages.
pub(super) fn parse_shown(text: &str, shown: &str) -> Result<Formula> {
    let mut lx = Parser {
        text: shown,
        toks: lex(text)?,
        at: 0,
    };
    if matches!(lx.peek().0, Tok::End) {
        return Err(lx.err(0, "empty formula: expected 'y ~ x1 + x2'"));
    }
    let rpos = lx.peek().1;
    let lhs = lx.value(false)?;
    let e = lhs
        .into_iter()
        .next()
        .ok_or_else(|| lx.err(rpos, "expected the response"))?;
    let response = Term {
        name: e.name(),
        kind: TermKind::Value(e),
        pos: rpos,
    };
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
        } else if lx.peek_sym('-') {
            lx.next();
            sign = '-';
        }
        first = false;
        match lx.peek().clone() {
            (Tok::Num(v), p) => {
                lx.next();
                if v == 1.0 && sign == '+' {
                    intercept = true;
                } else if (v == 1.0 && sign == '-') || (v == 0.0 && sign == '+') {
                    intercept = false;
                } else {
                    return Err(lx.err(p, "only '+ 1', '- 1' or '+ 0' may stand alone"));
                }
            }
            (_, p) => {
                if sign == '-' {
                    return Err(lx.err(p, "removing a variable with '-' is not supported"));
                }
                let chain = lx.chain()?;
                for (t, from_star) in lx.expand(chain)? {
                    if terms.iter().any(|u| u.name == t.name) {
                        if from_star {
                            continue;
                        }
                        return Err(lx.err(t.pos, &format!("'{}' appears twice", t.name)));
                    }
                    terms.push(t);
                }
            }
        }
    }
    terms.sort_by_key(Term::degree);
    let mut fixed_effects: Vec<(String, usize)> = Vec::new();
    if lx.peek_sym('|') {
        lx.next();
        loop {
            let (mut fe, p) = lx.ident("a fixed-effect column name")?;
            while lx.peek_sym('^') {
                lx.next();
                let (more, _) = lx.ident("a column name after '^'")?;
                fe = format!("{fe}^{more}");
            }
            if fixed_effects.iter().any(|(f, _)| *f == fe) {
                return Err(lx.err(p, &format!("fixed effect '{fe}' appears twice")));
            }
            fixed_effects.push((fe, p));
            if !lx.peek_sym('+') {
                break;
            }
            lx.next();
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

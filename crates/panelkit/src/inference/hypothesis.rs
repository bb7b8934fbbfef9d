//! Linear hypotheses on named coefficients, parsed from text: a combination `a + 2*b − c`
//! ([`parse_lincom`]) or restrictions `a = 0, 2*a - b = 1` ([`LinearHypothesis`], R β = r).
//!
//! Grammar (whitespace is free):
//! ```text
//! hypothesis  := restriction ( "," restriction )*
//! restriction := side [ "=" side ]                  (no "=" means "= 0")
//! side        := sign item ( ( "+" | "-" ) sign item )*       sign := [ "+" | "-" ]
//! item        := number [ "*" term ] | term [ "*" number ]
//! term        := name [ "(" … ")" ] | "(" … ")"     e.g. value, l(d_iku, 1), (Intercept)
//! ```
//! A term is matched against the fit's coefficients ignoring spacing, so `l(d_iku,1)` is
//! `l(d_iku, 1)`. A number alone is a constant, moved to the right-hand side.

use crate::error::{Error, Result};
use crate::estimators::Fit;
use ndarray::{Array1, Array2};

/// One restriction Σ_j w_j β_j = rhs.
#[derive(Debug, Clone, PartialEq)]
pub struct Restriction {
    /// (term, weight) pairs, each term once, in order of appearance.
    pub terms: Vec<(String, f64)>,
    /// The right-hand side.
    pub rhs: f64,
}

/// Joint linear restrictions R β = r on named coefficients.
///
/// ```
/// use panelkit::inference::LinearHypothesis;
/// let h = LinearHypothesis::parse("value = 0, 2*capital - value = 1").unwrap();
/// assert_eq!(h.restrictions().len(), 2);
/// assert_eq!(h.restrictions()[1].terms, vec![("capital".to_string(), 2.0), ("value".to_string(), -1.0)]);
/// assert_eq!(h.restrictions()[1].rhs, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearHypothesis {
    text: String,
    restrictions: Vec<Restriction>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Term(String),
    Sym(char),
    End,
}

fn err(text: &str, pos: usize, msg: &str) -> Error {
    let col = text[..pos.min(text.len())].chars().count();
    Error::Usage(format!(
        "hypothesis error: {msg}\n  {text}\n  {}^",
        " ".repeat(col)
    ))
}

/// Splits `text` into tokens with their byte offsets; a term swallows its parentheses.
fn lex(text: &str) -> Result<Vec<(Tok, usize)>> {
    let cs: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| cs.get(i).map_or(text.len(), |c| c.0);
    let mut toks = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let (p, c) = cs[i];
        let next_digit = cs.get(i + 1).is_some_and(|n| n.1.is_ascii_digit());
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && next_digit) {
            let mut j = i;
            while j < cs.len() && (cs[j].1.is_ascii_digit() || cs[j].1 == '.') {
                j += 1;
            }
            if j < cs.len() && matches!(cs[j].1, 'e' | 'E') {
                let mut e = j + 1;
                if e < cs.len() && matches!(cs[e].1, '+' | '-') {
                    e += 1;
                }
                if e < cs.len() && cs[e].1.is_ascii_digit() {
                    j = e;
                    while j < cs.len() && cs[j].1.is_ascii_digit() {
                        j += 1;
                    }
                }
            }
            let s = &text[p..at(j)];
            let v: f64 = s
                .parse()
                .map_err(|_| err(text, p, &format!("'{s}' is not a number")))?;
            toks.push((Tok::Num(v), p));
            i = j;
        } else if c.is_alphabetic() || c == '_' || c == '.' || c == '(' {
            let mut j = i;
            while j < cs.len() && (cs[j].1.is_alphanumeric() || cs[j].1 == '_' || cs[j].1 == '.') {
                j += 1;
            }
            if j < cs.len() && cs[j].1 == '(' {
                let mut depth = 0i32;
                while j < cs.len() {
                    match cs[j].1 {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                    if depth == 0 {
                        break;
                    }
                }
                if depth != 0 {
                    return Err(err(text, p, "unbalanced parentheses"));
                }
            }
            toks.push((Tok::Term(text[p..at(j)].to_string()), p));
            i = j;
        } else if "+-*=,".contains(c) {
            toks.push((Tok::Sym(c), p));
            i += 1;
        } else {
            return Err(err(text, p, &format!("unexpected character '{c}'")));
        }
    }
    toks.push((Tok::End, text.len()));
    Ok(toks)
}

/// One side of a restriction: (term, weight) pairs in order and the constant.
type Side = (Vec<(String, f64)>, f64);

struct Parser<'a> {
    text: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
}

impl Parser<'_> {
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

    fn eat(&mut self, c: char) -> bool {
        if self.peek().0 == Tok::Sym(c) {
            self.next();
            true
        } else {
            false
        }
    }

    /// item := number ["*" term] | term ["*" number]; returns (term or None, weight).
    fn item(&mut self) -> Result<(Option<String>, f64)> {
        match self.next() {
            (Tok::Num(v), _) => {
                if self.eat('*') {
                    match self.next() {
                        (Tok::Term(t), _) => Ok((Some(t), v)),
                        (_, p) => Err(err(self.text, p, "expected a coefficient name after '*'")),
                    }
                } else {
                    Ok((None, v))
                }
            }
            (Tok::Term(t), _) => {
                if self.eat('*') {
                    match self.next() {
                        (Tok::Num(v), _) => Ok((Some(t), v)),
                        (_, p) => Err(err(self.text, p, "expected a number after '*'")),
                    }
                } else {
                    Ok((Some(t), 1.0))
                }
            }
            (_, p) => Err(err(self.text, p, "expected a coefficient name or a number")),
        }
    }

    /// An optional sign: -1 for '-', 1 for '+' or none.
    fn sign(&mut self) -> f64 {
        if self.eat('-') {
            -1.0
        } else {
            self.eat('+');
            1.0
        }
    }

    fn side(&mut self) -> Result<Side> {
        let mut terms: Vec<(String, f64)> = Vec::new();
        let mut constant = 0.0;
        let mut sign = self.sign();
        loop {
            // A signed item after the operator, as in `a + -2*b`.
            sign *= self.sign();
            match self.item()? {
                (Some(t), w) => terms.push((t, sign * w)),
                (None, v) => constant += sign * v,
            }
            sign = if self.eat('+') {
                1.0
            } else if self.eat('-') {
                -1.0
            } else {
                break;
            };
        }
        Ok((terms, constant))
    }

    fn restriction(&mut self) -> Result<Restriction> {
        let start = self.peek().1;
        let (mut terms, lc) = self.side()?;
        let mut rhs = -lc;
        if self.eat('=') {
            let (rt, rc) = self.side()?;
            terms.extend(rt.into_iter().map(|(t, w)| (t, -w)));
            rhs += rc;
        }
        // Each term once (spacing ignored), weights summed.
        let mut merged: Vec<(String, f64)> = Vec::new();
        for (t, w) in terms {
            let key = crate::estimators::normalize_term(&t);
            match merged
                .iter_mut()
                .find(|(m, _)| crate::estimators::normalize_term(m) == key)
            {
                Some(m) => m.1 += w,
                None => merged.push((t, w)),
            }
        }
        merged.retain(|(_, w)| *w != 0.0);
        if merged.is_empty() {
            return Err(err(self.text, start, "a restriction without coefficients"));
        }
        Ok(Restriction { terms: merged, rhs })
    }
}

impl LinearHypothesis {
    /// Parses comma-separated restrictions, e.g. `"a = 0, b = 0"` or `"2*a - b = 1"`.
    pub fn parse(text: &str) -> Result<LinearHypothesis> {
        let mut p = Parser {
            text,
            toks: lex(text)?,
            at: 0,
        };
        if p.peek().0 == Tok::End {
            return Err(err(
                text,
                0,
                "empty hypothesis: expected e.g. 'a = 0, b = 0'",
            ));
        }
        let mut restrictions = vec![p.restriction()?];
        while p.eat(',') {
            restrictions.push(p.restriction()?);
        }
        if p.peek().0 != Tok::End {
            return Err(err(
                text,
                p.peek().1,
                "expected '+', '-', '=', ',' or the end",
            ));
        }
        Ok(LinearHypothesis {
            text: text.trim().to_string(),
            restrictions,
        })
    }

    /// The hypothesis as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The restrictions, in order.
    pub fn restrictions(&self) -> &[Restriction] {
        &self.restrictions
    }

    /// R (q × k, columns in the order of the fit's coefficients) and r (q).
    pub fn matrices(&self, fit: &Fit) -> Result<(Array2<f64>, Array1<f64>)> {
        let q = self.restrictions.len();
        let mut r_mat = Array2::<f64>::zeros((q, fit.k()));
        let mut r = Array1::<f64>::zeros(q);
        for (i, res) in self.restrictions.iter().enumerate() {
            for (t, w) in &res.terms {
                let j = fit.term_index(t).ok_or_else(|| {
                    Error::Usage(format!(
                        "hypothesis '{}': no coefficient '{t}' (coefficients: {})",
                        self.text,
                        fit.terms().join(", ")
                    ))
                })?;
                r_mat[[i, j]] += w;
            }
            r[i] = res.rhs;
        }
        Ok((r_mat, r))
    }
}

/// Parses a linear combination of coefficients, e.g. `"l(x, 0) + l(x, 1)"` or
/// `"0.5*a + 2*b - c"`, into (term, weight) pairs (see the module grammar; no `=`, no
/// constant, one combination).
pub fn parse_lincom(text: &str) -> Result<Vec<(String, f64)>> {
    let mut p = Parser {
        text,
        toks: lex(text)?,
        at: 0,
    };
    if p.peek().0 == Tok::End {
        return Err(err(text, 0, "empty combination: expected e.g. 'a + b'"));
    }
    let (terms, constant) = p.side()?;
    if p.peek().0 != Tok::End {
        let what = match p.peek().0 {
            Tok::Sym('=') => "a combination has no '=' (test restrictions with a Wald test)",
            Tok::Sym(',') => "one combination at a time",
            _ => "expected '+', '-' or the end",
        };
        return Err(err(text, p.peek().1, what));
    }
    if constant != 0.0 {
        return Err(err(
            text,
            0,
            "a combination of coefficients has no constant term",
        ));
    }
    if terms.is_empty() {
        return Err(err(text, 0, "no coefficient in the combination"));
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, f64)]) -> Vec<(String, f64)> {
        v.iter().map(|(t, w)| (t.to_string(), *w)).collect()
    }

    #[test]
    fn combinations_with_lag_names_weights_and_signs() {
        assert_eq!(
            parse_lincom("l(d_iku, 0) + l(d_iku,1)").unwrap(),
            pairs(&[("l(d_iku, 0)", 1.0), ("l(d_iku,1)", 1.0)])
        );
        assert_eq!(
            parse_lincom("0.5*a + -2*b - c*3 + (Intercept)").unwrap(),
            pairs(&[("a", 0.5), ("b", -2.0), ("c", -3.0), ("(Intercept)", 1.0)])
        );
        assert_eq!(
            parse_lincom("- 1e-1 * x.y").unwrap(),
            pairs(&[("x.y", -0.1)])
        );
        assert_eq!(
            parse_lincom("0.5*value+-2*capital").unwrap(),
            pairs(&[("value", 0.5), ("capital", -2.0)])
        );
        for bad in [
            "",
            "a +",
            "a = 0",
            "a, b",
            "a + 1",
            "a * b",
            "l(x, 1",
            "a $ b",
            "a + + + b",
        ] {
            assert!(parse_lincom(bad).is_err(), "{bad}");
        }
        let e = parse_lincom("a + * b").unwrap_err().to_string();
        assert!(
            e.contains("expected a coefficient name") && e.ends_with("    ^"),
            "{e}"
        );
    }

    #[test]
    fn restrictions_move_constants_right_and_merge_terms() {
        let h = LinearHypothesis::parse(" a = 0, b = 0 ").unwrap();
        assert_eq!(h.text(), "a = 0, b = 0");
        assert_eq!(
            h.restrictions(),
            [
                Restriction {
                    terms: pairs(&[("a", 1.0)]),
                    rhs: 0.0
                },
                Restriction {
                    terms: pairs(&[("b", 1.0)]),
                    rhs: 0.0
                },
            ]
        );
        let h = LinearHypothesis::parse("2*a - b + 1 = b + 3, l(x, 1) - l(x,1) + c").unwrap();
        assert_eq!(h.restrictions()[0].terms, pairs(&[("a", 2.0), ("b", -2.0)]));
        assert_eq!(h.restrictions()[0].rhs, 2.0);
        assert_eq!(h.restrictions()[1].terms, pairs(&[("c", 1.0)]));
        assert!(LinearHypothesis::parse("a - a = 0").is_err());
        assert!(LinearHypothesis::parse("a = 0,").is_err());
        assert!(LinearHypothesis::parse("a = b = c").is_err());
    }
}

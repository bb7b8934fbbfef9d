//! Instrument specifications for dynamic-panel GMM: `gmm(y, 2:99) + gmm(x, 2:4) + iv(z, 0:1)`.
//!
//! Grammar (whitespace is free):
//! ```text
//! spec := item ( "+" item )*
//! item := "gmm" "(" name "," a [ ":" b ] ")"     GMM-style: levels of name at lags a..=b
//!       | "iv"  "(" name [ "," a [ ":" b ] ] ")"  IV-style: name at lags a..=b (default 0)
//! ```
//! Errors are `Error::Usage` with a caret under the offending character, as the formula parser.

use crate::error::{Error, Result};
use crate::formula::caret_error_for;
use crate::panel::Panel;

/// A GMM-style instrument block (Holtz-Eakin–Newey–Rosen / Arellano–Bond): one column per
/// period and lag, or one per lag when collapsed (Roodman 2009).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmmStyle {
    /// The instrumenting column.
    pub column: String,
    /// First and last lag (a ≥ 1 in the differenced equations).
    pub first: i64,
    /// Last lag used.
    pub last: i64,
    /// Byte offset of the column name (for error carets).
    pub pos: usize,
}

/// An IV-style (standard) instrument: `column` at lags `first..=last` (0 = the current value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvStyle {
    /// The instrumenting column.
    pub column: String,
    /// First lag used (0 = the current value).
    pub first: i64,
    /// Last lag used.
    pub last: i64,
    /// Byte offset of the column name (for error carets).
    pub pos: usize,
}

/// A parsed instrument specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruments {
    /// The specification as written.
    pub text: String,
    /// GMM-style blocks, in order.
    pub gmm: Vec<GmmStyle>,
    /// IV-style instruments, in order.
    pub iv: Vec<IvStyle>,
}

fn err(text: &str, pos: usize, msg: &str) -> Error {
    caret_error_for("instruments", text, pos, msg)
}

/// A cursor over the specification text.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl Cursor<'_> {
    fn skip_ws(&mut self) {
        while let Some(c) = self.text[self.at..].chars().next() {
            if !c.is_whitespace() {
                break;
            }
            self.at += c.len_utf8();
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.text[self.at..].chars().next()
    }

    fn eat(&mut self, c: char, what: &str) -> Result<()> {
        match self.peek() {
            Some(d) if d == c => {
                self.at += 1;
                Ok(())
            }
            _ => Err(err(self.text, self.at, &format!("expected {what}"))),
        }
    }

    fn word(&mut self, what: &str) -> Result<(String, usize)> {
        self.skip_ws();
        let start = self.at;
        let rest = &self.text[start..];
        let len: usize = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .map(char::len_utf8)
            .sum();
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(err(self.text, start, &format!("expected {what}")));
        }
        self.at += len;
        Ok((rest[..len].to_string(), start))
    }

    fn int(&mut self, what: &str) -> Result<(i64, usize)> {
        self.skip_ws();
        let start = self.at;
        let len = self.text[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        if len == 0 {
            return Err(err(self.text, start, &format!("expected {what}")));
        }
        self.at += len;
        let v = self.text[start..start + len]
            .parse::<i64>()
            .map_err(|_| err(self.text, start, "number too large"))?;
        Ok((v, start))
    }

    /// `a` or `a:b` after a comma; returns (a, b).
    fn lags(&mut self) -> Result<(i64, i64)> {
        let (a, _) = self.int("a lag a or a range a:b")?;
        if self.peek() == Some(':') {
            self.at += 1;
            let (b, bpos) = self.int("the end of the range a:b")?;
            if b < a {
                return Err(err(self.text, bpos, "range end is below its start"));
            }
            return Ok((a, b));
        }
        Ok((a, a))
    }
}

impl Instruments {
    /// Parses an instrument specification.
    pub fn parse(text: &str) -> Result<Instruments> {
        let mut c = Cursor { text, at: 0 };
        let mut out = Instruments {
            text: text.to_string(),
            gmm: Vec::new(),
            iv: Vec::new(),
        };
        if c.peek().is_none() {
            return Err(err(
                text,
                0,
                "empty instruments: expected e.g. 'gmm(y, 2:99) + iv(x)'",
            ));
        }
        loop {
            let (kind, kpos) = c.word("gmm(...) or iv(...)")?;
            if kind != "gmm" && kind != "iv" {
                return Err(err(
                    text,
                    kpos,
                    &format!("unknown instrument type '{kind}': use gmm(x, a:b) or iv(x, a:b)"),
                ));
            }
            c.eat('(', "'('")?;
            let (column, pos) = c.word("a column name")?;
            let (mut first, mut last) = (0, 0);
            if c.peek() == Some(',') {
                c.at += 1;
                let at = {
                    c.skip_ws();
                    c.at
                };
                (first, last) = c.lags()?;
                if kind == "gmm" && first < 1 {
                    return Err(err(
                        text,
                        at,
                        "GMM-style lags start at 1 or later (the current level is correlated with the differenced error)",
                    ));
                }
            } else if kind == "gmm" {
                return Err(err(text, c.at, "expected ', a:b' (the lags, e.g. 2:99)"));
            }
            c.eat(')', "')'")?;
            if kind == "gmm" {
                out.gmm.push(GmmStyle {
                    column,
                    first,
                    last,
                    pos,
                });
            } else {
                out.iv.push(IvStyle {
                    column,
                    first,
                    last,
                    pos,
                });
            }
            match c.peek() {
                None => break,
                Some('+') => c.at += 1,
                Some(_) => return Err(err(text, c.at, "expected '+' or the end")),
            }
        }
        Ok(out)
    }

    /// Checks every column against the panel; errors point at the name.
    pub fn check(&self, panel: &Panel) -> Result<()> {
        let names = self
            .gmm
            .iter()
            .map(|g| (&g.column, g.pos))
            .chain(self.iv.iter().map(|v| (&v.column, v.pos)));
        for (col, pos) in names {
            if panel.num(col).is_none() {
                return Err(err(
                    &self.text,
                    pos,
                    &format!(
                        "no numeric column '{col}' in the data (columns: {})",
                        panel.column_names().join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caret_col(e: Error) -> usize {
        let s = e.to_string();
        s.lines().last().unwrap().find('^').unwrap() - 2
    }

    #[test]
    fn parses_gmm_and_iv_items() {
        let i = Instruments::parse("gmm(y, 2:99) + gmm(x,3) + iv(z) + iv(w, 0:1)").unwrap();
        assert_eq!(i.gmm.len(), 2);
        assert_eq!((i.gmm[0].first, i.gmm[0].last), (2, 99));
        assert_eq!(
            (i.gmm[1].column.as_str(), i.gmm[1].first, i.gmm[1].last),
            ("x", 3, 3)
        );
        assert_eq!((i.iv[0].first, i.iv[0].last), (0, 0));
        assert_eq!((i.iv[1].column.as_str(), i.iv[1].last), ("w", 1));
        assert_eq!(i.gmm[1].pos, 19);
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        let e = Instruments::parse("gmm(y, 2:99) + ivs(z)").unwrap_err();
        assert!(e.to_string().contains("unknown instrument type 'ivs'"));
        assert!(e.to_string().starts_with("instruments error"));
        assert_eq!(caret_col(e), 15);
        let e = Instruments::parse("gmm(y, 0:99)").unwrap_err();
        assert_eq!(caret_col(e), 7);
        let e = Instruments::parse("gmm(y)").unwrap_err();
        assert_eq!(caret_col(e), 5);
        let e = Instruments::parse("gmm(y, 4:2)").unwrap_err();
        assert_eq!(caret_col(e), 9);
        let e = Instruments::parse("gmm(y, 2:3) iv(x)").unwrap_err();
        assert_eq!(caret_col(e), 12);
        let e = Instruments::parse("gmm(y, 2:3) + ").unwrap_err();
        assert_eq!(caret_col(e), 14);
        assert!(Instruments::parse("  ").is_err());
    }
}

//! Coefficient names for display: readable labels composed from the formula's operators
//! ([`TermLabels`]), the name of a term estimated in first differences
//! ([`difference_name`]), and the patterns that select terms ([`TermPattern`], as fixest's
//! `etable(keep, drop, order)`).
//!
//! ```
//! use panelkit::table::TermLabels;
//! let labels = TermLabels::new().with("d_iku", "Δ IKU (pp)").with("pop", "Population");
//! assert_eq!(labels.label("l(d_iku, 1)"), "Δ IKU (pp), lag 1");
//! assert_eq!(labels.label("d(log(pop))"), "Δ log Population");
//! assert_eq!(labels.label("x:z"), "x × z");
//! assert_eq!(labels.label("year::2010"), "year = 2010");
//! assert_eq!(labels.label("(Intercept)"), "Constant");
//! ```

use crate::error::{Error, Result};

/// The intercept's name in every fit.
const INTERCEPT: &str = "(Intercept)";

/// Term name → display label: a dictionary of names (whole terms or variables; spacing
/// ignored) and the default rules that compose labels around the operators of fixest's term
/// names. A name in the dictionary is used as is, at any depth; otherwise:
///
/// | term | label |
/// |---|---|
/// | `(Intercept)` | Constant |
/// | `l(e, k)`, `f(e, k)` | *e*, lag *k* / *e*, lead *k* (lag 0: *e*) |
/// | `d(e)`, `d(e, k)` | Δ *e* / Δ *e*, *k* periods |
/// | `log(e)`, `exp(e)`, `sqrt(e)` | log *e*, exp(*e*), sqrt(*e*) |
/// | `x:z` | *x* × *z* |
/// | `v::2010`, `factor(v)b` | *v* = 2010, *v* = b |
/// | a variable, `I(…)`, anything else | itself |
///
/// Labels are plain text (Unicode Δ and ×); the LaTeX escaper writes them as math
/// (`$\Delta$`, `$\times$`) and escapes everything else, dictionary labels included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermLabels {
    /// (name without whitespace, label), later entries first.
    dict: Vec<(String, String)>,
}

/// `s` without whitespace: `l(x,1)` and `l(x, 1)` name the same term.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Splits `s` at `sep` where it is outside parentheses (and, for `:`, not part of `::`).
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let b: Vec<(usize, char)> = s.char_indices().collect();
    let (mut depth, mut start, mut out) = (0i32, 0usize, Vec::new());
    for (j, &(i, c)) in b.iter().enumerate() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if c == sep && depth == 0 => {
                let double = sep == ':'
                    && (b.get(j + 1).is_some_and(|x| x.1 == ':') || (j > 0 && b[j - 1].1 == ':'));
                if !double {
                    out.push(&s[start..i]);
                    start = i + c.len_utf8();
                }
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// `name(args)` as (name, arguments split at top-level commas), when `s` is one call.
fn call(s: &str) -> Option<(&str, Vec<&str>)> {
    let open = s.find('(')?;
    let name = &s[..open];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let inner = s[open + 1..].strip_suffix(')')?;
    // The parenthesis opened after the name must close at the very end.
    let mut depth = 0i32;
    for c in inner.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            return None;
        }
    }
    Some((
        name,
        split_top(inner, ',').into_iter().map(str::trim).collect(),
    ))
}

/// Whether a label needs parentheses when an operator is written before it.
fn compound(label: &str) -> bool {
    label.contains(", ") || label.contains(" × ") || label.contains(" = ")
}

/// The name of `term` when the model estimated it in first differences (plm's `fd`): the
/// coefficient on `term` is the coefficient on its change, so a table shows it as `d(term)`,
/// with the difference inside a lag or lead (`l(x, 1)` → `l(d(x), 1)`); the intercept (a
/// trend in levels) keeps its name.
pub fn difference_name(term: &str) -> String {
    if term == INTERCEPT {
        return term.to_string();
    }
    if let Some((op @ ("l" | "f"), args)) = call(term) {
        if let [e, k] = args.as_slice() {
            return format!("{op}(d({e}), {k})");
        }
    }
    format!("d({term})")
}

impl TermLabels {
    /// No dictionary: the default rules only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `name → label` (a later entry for the same name wins).
    pub fn with(mut self, name: &str, label: &str) -> Self {
        self.insert(name, label);
        self
    }

    /// Adds `name → label` in place.
    pub fn insert(&mut self, name: &str, label: &str) {
        let key = squeeze(name);
        self.dict.retain(|(k, _)| *k != key);
        self.dict.insert(0, (key, label.to_string()));
    }

    /// Adds every entry of `other`, which wins over this dictionary.
    pub fn extend(&mut self, other: &TermLabels) {
        for (k, v) in other.dict.iter().rev() {
            self.insert(k, v);
        }
    }

    /// The dictionary's label of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        let key = squeeze(name);
        self.dict
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the dictionary is empty.
    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// The display label of a term name (see the type's rules).
    pub fn label(&self, term: &str) -> String {
        let term = term.trim();
        if let Some(l) = self.get(term) {
            return l.to_string();
        }
        if term == INTERCEPT {
            return "Constant".into();
        }
        let parts = split_top(term, ':');
        if parts.len() > 1 {
            return parts
                .iter()
                .map(|p| self.label(p))
                .collect::<Vec<_>>()
                .join(" × ");
        }
        if let Some((v, level)) = term.split_once("::") {
            if !v.contains('(') {
                return format!("{} = {level}", self.label(v));
            }
        }
        if let Some(rest) = term.strip_prefix("factor(") {
            if let Some((v, level)) = rest.split_once(')') {
                if !level.is_empty() && !v.contains('(') {
                    return format!("{} = {level}", self.label(v));
                }
            }
        }
        let Some((name, args)) = call(term) else {
            return term.to_string();
        };
        let inner = |e: &str| self.label(e);
        let wrapped = |e: &str| {
            let l = self.label(e);
            if compound(&l) {
                format!("({l})")
            } else {
                l
            }
        };
        match (name, args.as_slice()) {
            ("l", [e, "0"]) => inner(e),
            ("l", [e, k]) => format!("{}, lag {k}", inner(e)),
            ("f", [e, k]) => format!("{}, lead {k}", inner(e)),
            ("d", [e]) => format!("Δ {}", wrapped(e)),
            ("d", [e, k]) => format!("Δ {}, {k} periods", wrapped(e)),
            ("log", [e]) => format!("log {}", wrapped(e)),
            ("exp" | "sqrt", [e]) => format!("{name}({})", inner(e)),
            _ => term.to_string(),
        }
    }
}

/// One atom of a [`TermPattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Atom {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
}

impl Atom {
    fn matches(&self, c: char) -> bool {
        match self {
            Atom::Char(x) => *x == c,
            Atom::Any => true,
            Atom::Class(ranges, negated) => {
                ranges.iter().any(|(a, b)| (*a..=*b).contains(&c)) != *negated
            }
        }
    }
}

/// An atom with its repetition: (atom, least, most).
type Piece = (Atom, usize, usize);

/// One alternative: anchored at the start and/or end, then its pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Branch {
    start: bool,
    end: bool,
    pieces: Vec<Piece>,
}

/// A pattern that selects coefficient names, as fixest's `etable(keep, drop, order)`:
///
/// - `%NAME`: exactly the term `NAME` (spacing ignored), e.g. `%l(x, 1)`;
/// - otherwise a small regular expression that matches anywhere in the name ("contains"):
///   literal characters, `.` any character, `[abc]`, `[a-z]`, `[^…]` classes, `*`, `+`, `?`
///   after an atom, `^` and `$` anchors, `|` between alternatives, `\` before a character
///   to take it literally (`\(`, `\.`). Groups are not supported: an unescaped `(` or `)` is
///   an error saying to write `\(` or use `%NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermPattern {
    text: String,
    kind: PatternKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternKind {
    Exact(String),
    Regex(Vec<Branch>),
}

impl TermPattern {
    /// Parses a pattern; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<TermPattern> {
        let kind = match text.strip_prefix('%') {
            Some(name) => PatternKind::Exact(squeeze(name)),
            None => PatternKind::Regex(
                split_alternatives(text)
                    .into_iter()
                    .map(|(at, b)| parse_branch(text, at, b))
                    .collect::<Result<_>>()?,
            ),
        };
        Ok(TermPattern {
            text: text.to_string(),
            kind,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `name` matches.
    pub fn is_match(&self, name: &str) -> bool {
        match &self.kind {
            PatternKind::Exact(n) => squeeze(name) == *n,
            PatternKind::Regex(branches) => {
                let s: Vec<char> = name.chars().collect();
                branches.iter().any(|b| {
                    let starts = if b.start { 0..=0 } else { 0..=s.len() };
                    starts
                        .into_iter()
                        .any(|i| match_here(&b.pieces, &s, i, b.end))
                })
            }
        }
    }
}

/// The alternatives of a pattern at unescaped `|`, each with its character offset.
fn split_alternatives(text: &str) -> Vec<(usize, Vec<char>)> {
    let mut out = vec![(0, Vec::new())];
    let mut chars = text.chars().enumerate().peekable();
    let mut in_class = false;
    while let Some((i, c)) = chars.next() {
        let cur = &mut out.last_mut().expect("one alternative").1;
        match c {
            '\\' => {
                cur.push(c);
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                }
            }
            '[' => {
                in_class = true;
                cur.push(c);
            }
            ']' => {
                in_class = false;
                cur.push(c);
            }
            '|' if !in_class => out.push((i + 1, Vec::new())),
            _ => cur.push(c),
        }
    }
    out
}

fn pattern_error(text: &str, at: usize, what: &str) -> Error {
    Error::Usage(format!(
        "pattern '{text}': {what}\n  {text}\n  {}^",
        " ".repeat(
            text[..text.char_indices().nth(at).map_or(text.len(), |(i, _)| i)]
                .chars()
                .count()
        )
    ))
}

/// Parses one alternative (`at`: its offset in `text`, for errors).
fn parse_branch(text: &str, at: usize, b: Vec<char>) -> Result<Branch> {
    let mut i = 0;
    let start = b.first() == Some(&'^');
    if start {
        i = 1;
    }
    let mut pieces: Vec<Piece> = Vec::new();
    let mut end = false;
    while i < b.len() {
        let pos = at + i;
        let c = b[i];
        let atom = match c {
            '$' if i + 1 == b.len() => {
                end = true;
                i += 1;
                continue;
            }
            '\\' => {
                i += 1;
                let n = *b
                    .get(i)
                    .ok_or_else(|| pattern_error(text, pos, "a trailing '\\' escapes nothing"))?;
                Atom::Char(n)
            }
            '.' => Atom::Any,
            '(' | ')' => {
                return Err(pattern_error(
                    text,
                    pos,
                    "groups are not supported: write \\( or \\) for a parenthesis, or %NAME for one exact term",
                ))
            }
            '*' | '+' | '?' => {
                return Err(pattern_error(
                    text,
                    pos,
                    "a repetition needs something before it to repeat",
                ))
            }
            '[' => {
                let close = b[i + 1..]
                    .iter()
                    .position(|&x| x == ']')
                    .map(|p| i + 1 + p)
                    .ok_or_else(|| pattern_error(text, pos, "'[' is not closed by ']'"))?;
                let mut set = &b[i + 1..close];
                let negated = set.first() == Some(&'^');
                if negated {
                    set = &set[1..];
                }
                let mut ranges = Vec::new();
                let mut j = 0;
                while j < set.len() {
                    if j + 2 < set.len() && set[j + 1] == '-' {
                        ranges.push((set[j], set[j + 2]));
                        j += 3;
                    } else {
                        ranges.push((set[j], set[j]));
                        j += 1;
                    }
                }
                i = close;
                Atom::Class(ranges, negated)
            }
            c => Atom::Char(c),
        };
        i += 1;
        let (lo, hi) = match b.get(i) {
            Some('*') => (0, usize::MAX),
            Some('+') => (1, usize::MAX),
            Some('?') => (0, 1),
            _ => (1, 1),
        };
        if (lo, hi) != (1, 1) {
            i += 1;
        }
        pieces.push((atom, lo, hi));
    }
    Ok(Branch { start, end, pieces })
}

/// Whether `pieces` match `s` from position `i` (to the end when `end`), greedily with
/// backtracking.
fn match_here(pieces: &[Piece], s: &[char], i: usize, end: bool) -> bool {
    let Some(((atom, lo, hi), rest)) = pieces.split_first() else {
        return !end || i == s.len();
    };
    let mut n = 0;
    while n < *hi && i + n < s.len() && atom.matches(s[i + n]) {
        n += 1;
    }
    (*lo..=n)
        .rev()
        .any(|k| k >= *lo && match_here(rest, s, i + k, end))
}

/// The consecutive runs of sorted distinct integers, written `a–b` (or `a`), joined by
/// commas: the periods of an estimation sample (`2008–2018`, `2008–2012, 2014–2018`).
pub fn ranges(values: &[i64]) -> String {
    let mut v = values.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            v[i].to_string()
        } else {
            format!("{}–{}", v[i], v[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_compose_around_variable_labels() {
        let l = TermLabels::new()
            .with("d_iku", "Δ IKU (pp)")
            .with("iku", "IKU (pp)");
        assert_eq!(l.label("l(d_iku, 1)"), "Δ IKU (pp), lag 1");
        assert_eq!(l.label("l(d_iku,0)"), "Δ IKU (pp)");
        assert_eq!(l.label("l(d(iku), 2)"), "Δ IKU (pp), lag 2");
        assert_eq!(l.label("f(iku, 1)"), "IKU (pp), lead 1");
        assert_eq!(l.label("d(iku, 10)"), "Δ IKU (pp), 10 periods");
        assert_eq!(l.label("d(l(iku, 1))"), "Δ (IKU (pp), lag 1)");
        assert_eq!(l.label("log(x)"), "log x");
        assert_eq!(l.label("exp(z)"), "exp(z)");
        assert_eq!(l.label("x:l(iku, 1)"), "x × IKU (pp), lag 1");
        assert_eq!(l.label("i::2012:x"), "i = 2012 × x");
        assert_eq!(l.label("factor(grp)b"), "grp = b");
        assert_eq!(l.label("I(x^2)"), "I(x^2)");
        assert_eq!(l.label("unknown(x)"), "unknown(x)");
        // A whole term in the dictionary wins over the rules, spacing ignored.
        let l = l.with("l(d_iku,1)", "Lagged change");
        assert_eq!(l.label("l(d_iku, 1)"), "Lagged change");
        assert_eq!(l.label("(Intercept)"), "Constant");
    }

    #[test]
    fn first_differences_go_inside_lags() {
        assert_eq!(difference_name("l(iku, 1)"), "l(d(iku), 1)");
        assert_eq!(difference_name("f(x, 2)"), "f(d(x), 2)");
        assert_eq!(difference_name("iku"), "d(iku)");
        assert_eq!(difference_name("log(x)"), "d(log(x))");
        assert_eq!(difference_name("(Intercept)"), "(Intercept)");
    }

    #[test]
    fn patterns_contain_anchor_alternate_and_match_exactly() {
        let m = |p: &str, s: &str| TermPattern::parse(p).unwrap().is_match(s);
        assert!(m("iku", "l(d_iku, 1)"));
        assert!(!m("^iku", "l(d_iku, 1)"));
        assert!(m("^l\\(", "l(d_iku, 1)"));
        assert!(!m("^l\\(", "pop_growth"));
        assert!(m("growth$", "pop_growth"));
        assert!(m("^x$|^z$", "z"));
        assert!(!m("^x$|^z$", "xz"));
        assert!(m("l\\(d_iku, [0-9]\\)", "l(d_iku, 2)"));
        assert!(m("a.*c", "abbbc"));
        assert!(m("ab+c", "abc") && !m("ab+c", "ac") && m("ab?c", "ac"));
        assert!(m("[^a-z]", "a1") && !m("^[^a-z]+$", "a1"));
        assert!(m("%l(x,1)", "l(x, 1)") && !m("%l(x, 1)", "l(x, 10)"));
        let err = TermPattern::parse("l(x").unwrap_err().to_string();
        assert!(
            err.contains("groups are not supported") && err.contains("\n   ^"),
            "{err}"
        );
        assert!(TermPattern::parse("*x").is_err());
        assert!(TermPattern::parse("x\\").is_err());
        assert!(TermPattern::parse("[ab").is_err());
    }

    #[test]
    fn ranges_of_periods() {
        assert_eq!(ranges(&[2010, 2008, 2009, 2009]), "2008–2010");
        assert_eq!(ranges(&[2018]), "2018");
        assert_eq!(
            ranges(&[2008, 2009, 2010, 2012, 2014, 2015]),
            "2008–2010, 2012, 2014–2015"
        );
        assert_eq!(ranges(&[]), "");
    }
}

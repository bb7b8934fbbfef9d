//! Multiple estimation (fixest's stepwise functions and several outcomes) and split samples.
//!
//! [`expand`] turns one formula into the formulas of its models; [`split_samples`] gives the
//! rows of each value of a split variable. The module docs of [`crate::formula`] describe
//! the syntax and the order of the models.

use super::parse::{lex, parse_shown, Tok};
use super::{caret_error, columns_listed, fmt_num, Categorical, Formula};
use crate::error::{Error, Result};
use crate::panel::Panel;
use serde::Serialize;

/// The most models one formula may expand to (a guard against a runaway product of
/// stepwise functions).
pub const MAX_MODELS: usize = 1000;

/// A stepwise function (or the several outcomes of the left-hand side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `sw(a, b)`: a; b.
    Sw,
    /// `sw0(a, b)`: none; a; b.
    Sw0,
    /// `csw(a, b)`: a; a + b.
    Csw,
    /// `csw0(a, b)`: none; a; a + b.
    Csw0,
}

impl Kind {
    fn of(name: &str) -> Option<Kind> {
        match name {
            "sw" => Some(Kind::Sw),
            "sw0" => Some(Kind::Sw0),
            "csw" => Some(Kind::Csw),
            "csw0" => Some(Kind::Csw0),
            _ => None,
        }
    }

    /// The elements kept by each step, in order.
    fn steps(self, n: usize) -> Vec<Vec<usize>> {
        let zero = matches!(self, Kind::Sw0 | Kind::Csw0).then(Vec::new);
        let rest = (0..n).map(|i| match self {
            Kind::Sw | Kind::Sw0 => vec![i],
            Kind::Csw | Kind::Csw0 => (0..=i).collect(),
        });
        zero.into_iter().chain(rest).collect()
    }
}

/// The three parts of a formula a stepwise function may stand in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Outcome,
    Rhs,
    FixedEffects,
}

/// One stepwise call (or the list of outcomes) found in the formula text.
#[derive(Debug, Clone)]
struct Call {
    kind: Kind,
    part: Part,
    /// Byte range of the whole call, `sw(` to `)`.
    span: (usize, usize),
    /// Byte ranges of the elements (untrimmed).
    elems: Vec<(usize, usize)>,
    /// Byte offsets of the separators between elements (commas, or `+` between outcomes).
    seps: Vec<usize>,
    /// The `+` joining the call to the term before it, else to the term after it.
    plus: Option<usize>,
    /// The only term of its part: for the fixed effects, the offset of the `|` before it;
    /// for the right-hand side, `usize::MAX` (its zero step is the intercept `1`).
    alone: Option<usize>,
}

/// Per token: its depth in parentheses (an opening or closing parenthesis counts outside).
fn depths(toks: &[(Tok, usize)]) -> Vec<usize> {
    let mut d = 0usize;
    toks.iter()
        .map(|(t, _)| match t {
            Tok::Sym('(') => {
                d += 1;
                d - 1
            }
            Tok::Sym(')') => {
                d = d.saturating_sub(1);
                d
            }
            _ => d,
        })
        .collect()
}

/// The index of the `)` closing the `(` at token `open`, with the top-level commas between.
fn closing(
    text: &str,
    toks: &[(Tok, usize)],
    open: usize,
    name: usize,
) -> Result<(usize, Vec<usize>)> {
    let mut depth = 0usize;
    let mut commas = Vec::new();
    for (j, (t, _)) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Sym('(') => depth += 1,
            Tok::Sym(')') => {
                depth -= 1;
                if depth == 0 {
                    return Ok((j, commas));
                }
            }
            Tok::Sym(',') if depth == 1 => commas.push(j),
            _ => {}
        }
    }
    Err(caret_error(text, toks[name].1, "this '(' is never closed"))
}

fn is_sym(toks: &[(Tok, usize)], i: usize, c: char) -> bool {
    matches!(toks.get(i), Some((Tok::Sym(s), _)) if *s == c)
}

/// Finds the stepwise calls and the outcomes of `text`; errors point at the offending place.
fn calls(text: &str, toks: &[(Tok, usize)]) -> Result<Vec<Call>> {
    let depth = depths(toks);
    let top = |c: char| (0..toks.len()).find(|&i| depth[i] == 0 && is_sym(toks, i, c));
    let Some(tilde) = top('~') else {
        return Ok(Vec::new());
    };
    let bar = (tilde..toks.len()).find(|&i| depth[i] == 0 && is_sym(toks, i, '|'));
    let part_of = |i: usize| {
        if i < tilde {
            Part::Outcome
        } else if bar.is_some_and(|b| i > b) {
            Part::FixedEffects
        } else {
            Part::Rhs
        }
    };
    let mut out: Vec<Call> = Vec::new();
    // Inside a call's arguments (no call may start there): the end token of the latest call.
    let mut inside: Option<(usize, usize)> = None;
    for i in 0..toks.len() {
        let Tok::Ident(name) = &toks[i].0 else {
            continue;
        };
        if !is_sym(toks, i + 1, '(') {
            continue;
        }
        let pos = toks[i].1;
        let kind = Kind::of(name);
        let is_c = name == "c";
        // `i(v, ref = c(a, b))` is a vector of levels, not outcomes.
        let ref_vector = is_c
            && i >= 2
            && is_sym(toks, i - 1, '=')
            && matches!(&toks[i - 2].0, Tok::Ident(r) if r == "ref");
        if (kind.is_none() && !is_c) || ref_vector {
            continue;
        }
        if let Some((outer, _)) = inside.filter(|&(_, close)| i < close) {
            return Err(caret_error(
                text,
                pos,
                &format!(
                    "{name}() inside {}(): stepwise functions and c() do not nest",
                    match &toks[outer].0 {
                        Tok::Ident(o) => o.as_str(),
                        _ => "",
                    }
                ),
            ));
        }
        let part = part_of(i);
        if is_c && part != Part::Outcome {
            return Err(caret_error(
                text,
                pos,
                "c() lists several outcomes on the left of '~'; on the right use sw(), sw0(), \
                 csw() or csw0()",
            ));
        }
        if kind.is_some() && part == Part::Outcome {
            return Err(caret_error(
                text,
                pos,
                &format!("{name}() on the left of '~': write c(y1, y2) for several outcomes"),
            ));
        }
        let (close, commas) = closing(text, toks, i + 1, i)?;
        inside = Some((i, close));
        let mut bounds = vec![i + 1];
        bounds.extend(&commas);
        bounds.push(close);
        let mut elems = Vec::new();
        for w in bounds.windows(2) {
            if w[1] == w[0] + 1 {
                let msg = if bounds.len() == 2 {
                    format!("{name}() needs at least one element")
                } else {
                    format!("empty element in {name}(): expected a term")
                };
                return Err(caret_error(text, toks[w[1]].1, &msg));
            }
            elems.push((toks[w[0] + 1].1, toks[w[1]].1));
        }
        let span = (pos, toks[close].1 + 1);
        if is_c {
            if i != 0 || close + 1 != tilde {
                return Err(caret_error(
                    text,
                    pos,
                    "c(y1, y2) must be the whole left-hand side",
                ));
            }
        } else {
            let before = &toks[i - 1].0;
            let after = &toks[close + 1].0;
            let starts = matches!(before, Tok::Sym('~' | '|' | '+'));
            let ends = matches!(after, Tok::Sym('+' | '|' | '-') | Tok::End)
                && !(part == Part::FixedEffects && matches!(after, Tok::Sym('-')));
            if !starts || !ends {
                return Err(caret_error(
                    text,
                    pos,
                    &format!("{name}() must be a whole term, joined to the others by '+'"),
                ));
            }
        }
        // The joining '+' and whether it stands alone (c() spans the whole left side).
        let (plus, alone) = if is_c {
            (None, None)
        } else {
            let plus = if is_sym(toks, i - 1, '+') {
                Some(toks[i - 1].1)
            } else if is_sym(toks, close + 1, '+') {
                Some(toks[close + 1].1)
            } else {
                None
            };
            let alone = match (part, &toks[i - 1].0, &toks[close + 1].0) {
                (Part::FixedEffects, Tok::Sym('|'), Tok::End) => Some(toks[i - 1].1),
                (Part::Rhs, Tok::Sym('~'), Tok::Sym('|') | Tok::End) => Some(usize::MAX),
                _ => None,
            };
            (plus, alone)
        };
        out.push(Call {
            kind: kind.unwrap_or(Kind::Sw),
            part,
            span,
            elems,
            seps: commas.iter().map(|&j| toks[j].1).collect(),
            plus,
            alone,
        });
    }
    // Several outcomes written y1 + y2 (pyfixest's form): '+' at the top of the left side.
    let pluses: Vec<usize> = (0..tilde)
        .filter(|&i| depth[i] == 0 && is_sym(toks, i, '+'))
        .collect();
    if !pluses.is_empty() && !out.iter().any(|c| c.part == Part::Outcome) {
        let mut bounds = vec![usize::MAX];
        bounds.extend(&pluses);
        bounds.push(tilde);
        let mut elems = Vec::new();
        for w in bounds.windows(2) {
            let first = w[0].wrapping_add(1);
            if first == w[1] {
                return Err(caret_error(text, toks[w[1]].1, "expected an outcome"));
            }
            elems.push((toks[first].1, toks[w[1]].1));
        }
        // The outcomes end at the last character before '~' (the space before it stays).
        let end = text[..toks[tilde].1].trim_end().len();
        if let Some(last) = elems.last_mut() {
            last.1 = end;
        }
        out.push(Call {
            kind: Kind::Sw,
            part: Part::Outcome,
            span: (toks[0].1, end),
            elems,
            seps: pluses.iter().map(|&j| toks[j].1).collect(),
            plus: None,
            alone: None,
        });
    }
    for (k, c) in out.iter().enumerate() {
        if out[..k].iter().any(|d| d.part == c.part) {
            let what = match c.part {
                Part::Outcome => "the outcomes",
                Part::Rhs => "the right-hand side",
                Part::FixedEffects => "the fixed effects",
            };
            return Err(caret_error(
                text,
                c.span.0,
                &format!("a second stepwise function in {what}: fixest allows one per part"),
            ));
        }
    }
    Ok(out)
}

/// The formula text of one step of `call`: the text blanked in place (same byte offsets, for
/// error carets on the formula as written) and the text as it reads.
struct Edit {
    /// Byte range replaced.
    range: (usize, usize),
    /// Replacement in the readable text.
    readable: String,
    /// Replacement keeping byte offsets (same length as the range).
    in_place: Vec<u8>,
}

fn edits(text: &str, call: &Call, keep: &[usize]) -> Vec<Edit> {
    let b = text.as_bytes();
    let (s, e) = call.span;
    if keep.is_empty() {
        let mut out = vec![Edit {
            range: (s, e),
            readable: String::new(),
            in_place: vec![b' '; e - s],
        }];
        match (call.alone, call.plus) {
            (Some(usize::MAX), _) => {
                out[0].readable = "1".into();
                out[0].in_place[0] = b'1';
            }
            (Some(bar), _) => out.push(Edit {
                range: (bar, bar + 1),
                readable: String::new(),
                in_place: vec![b' '],
            }),
            (None, Some(p)) => out.push(Edit {
                range: (p, p + 1),
                readable: String::new(),
                in_place: vec![b' '],
            }),
            (None, None) => {}
        }
        return out;
    }
    let mut in_place = vec![b' '; e - s];
    for &k in keep {
        let (a, z) = call.elems[k];
        in_place[a - s..z - s].copy_from_slice(&b[a..z]);
        if keep.contains(&(k + 1)) {
            in_place[call.seps[k] - s] = b'+';
        }
    }
    let readable = keep
        .iter()
        .map(|&k| text[call.elems[k].0..call.elems[k].1].trim())
        .collect::<Vec<_>>()
        .join(" + ");
    vec![Edit {
        range: (s, e),
        readable,
        in_place,
    }]
}

/// Whitespace runs outside quoted strings made single spaces, the ends trimmed.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut space = false;
    for c in text.trim().chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => space = true,
            None => {
                if space {
                    out.push(' ');
                    space = false;
                }
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// Expands a formula with fixest's multiple-estimation syntax into one parsed formula per
/// model, in pyfixest's order (see the module docs of [`crate::formula`]); each formula's
/// `text` is the model's formula in the formula language. A formula without that syntax
/// gives itself, its text unchanged. Errors point at the formula as written.
pub fn expand(text: &str) -> Result<Vec<Formula>> {
    let toks = lex(text)?;
    let calls = calls(text, &toks)?;
    if calls.is_empty() {
        return Ok(vec![Formula::parse(text)?]);
    }
    let steps = |part: Part| -> Vec<(Option<&Call>, Vec<usize>)> {
        match calls.iter().find(|c| c.part == part) {
            Some(c) => c
                .kind
                .steps(c.elems.len())
                .into_iter()
                .map(|k| (Some(c), k))
                .collect(),
            None => vec![(None, Vec::new())],
        }
    };
    let (fe, lhs, rhs) = (
        steps(Part::FixedEffects),
        steps(Part::Outcome),
        steps(Part::Rhs),
    );
    let n = fe.len() * lhs.len() * rhs.len();
    if n > MAX_MODELS {
        return Err(caret_error(
            text,
            calls[0].span.0,
            &format!("the formula expands to {n} models; at most {MAX_MODELS} are allowed"),
        ));
    }
    let mut out = Vec::with_capacity(n);
    for f in &fe {
        for l in &lhs {
            for r in &rhs {
                let mut all: Vec<Edit> = [f, l, r]
                    .iter()
                    .filter_map(|(c, keep)| c.map(|c| edits(text, c, keep)))
                    .flatten()
                    .collect();
                all.sort_by_key(|e| e.range.0);
                let mut in_place = text.as_bytes().to_vec();
                let mut readable = String::new();
                let mut at = 0;
                for e in &all {
                    in_place[e.range.0..e.range.1].copy_from_slice(&e.in_place);
                    readable.push_str(&text[at..e.range.0]);
                    readable.push_str(&e.readable);
                    at = e.range.1;
                }
                readable.push_str(&text[at..]);
                let in_place = String::from_utf8(in_place).map_err(|_| {
                    Error::Numeric("internal: formula expansion split a character".into())
                })?;
                // Syntax errors of this model, with carets on the formula as written.
                parse_shown(&in_place, text)?;
                out.push(Formula::parse(&tidy(&readable))?);
            }
        }
    }
    Ok(out)
}

impl Formula {
    /// The formulas of a multiple estimation ([`expand`]).
    pub fn parse_multi(text: &str) -> Result<Vec<Formula>> {
        expand(text)
    }
}

/// The value of a split variable a sample was taken on.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitValue {
    /// A numeric column or key.
    Number(f64),
    /// A text column or key.
    Text(String),
}

impl SplitValue {
    /// The value as text (numbers as R prints them: `3`, `2.5`).
    pub fn label(&self) -> String {
        match self {
            SplitValue::Number(v) => fmt_num(*v),
            SplitValue::Text(s) => s.clone(),
        }
    }
}

impl Serialize for SplitValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            SplitValue::Number(v) if v.fract() == 0.0 && v.abs() < 1e15 => {
                s.serialize_i64(*v as i64)
            }
            SplitValue::Number(v) => s.serialize_f64(*v),
            SplitValue::Text(t) => s.serialize_str(t),
        }
    }
}

/// One sample of a split estimation.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitSample {
    /// The split variable's value (None: the full sample, first with `fsplit`).
    pub value: Option<SplitValue>,
    /// Per panel row: whether it belongs to the sample.
    pub rows: Vec<bool>,
}

/// The samples of fixest's `split = ~var` (`full` false) or `fsplit = ~var` (`full` true:
/// the full sample first): one per distinct non-missing value of `var` (any column, or a
/// key), in sorted order — numeric order when every value is a number, text order
/// otherwise, as pyfixest sorts them. Rows where `var` is missing belong to the full sample
/// only.
pub fn split_samples(panel: &Panel, var: &str, full: bool) -> Result<Vec<SplitSample>> {
    let cat = Categorical::of(panel, var).ok_or_else(|| {
        Error::Usage(format!(
            "split variable '{var}' is not in the data (columns: {})",
            columns_listed(panel)
        ))
    })?;
    let numbers: Option<Vec<f64>> = cat
        .labels
        .iter()
        .map(|l| l.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect();
    let mut order: Vec<usize> = (0..cat.labels.len()).collect();
    match &numbers {
        Some(v) => order.sort_by(|&a, &b| v[a].total_cmp(&v[b])),
        None => order.sort_by(|&a, &b| cat.labels[a].cmp(&cat.labels[b])),
    }
    let mut out = Vec::with_capacity(order.len() + 1);
    if full {
        out.push(SplitSample {
            value: None,
            rows: vec![true; panel.nrows()],
        });
    }
    for k in order {
        out.push(SplitSample {
            value: Some(match &numbers {
                Some(v) => SplitValue::Number(v[k]),
                None => SplitValue::Text(cat.labels[k].clone()),
            }),
            rows: cat.codes.iter().map(|c| *c == Some(k)).collect(),
        });
    }
    Ok(out)
}

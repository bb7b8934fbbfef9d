//! Danish export conventions shared by the official sources: text encoding (UTF-8 with or
//! without BOM, or Latin-1), `;`-separated records with CRLF, Danish numbers (`1.234,5`),
//! and municipality identification by code or name.

use crate::sources::reference::municipalities;
use panelkit::error::{Error, Result};
use std::path::Path;

/// Decodes an export's bytes: a UTF-8 BOM is dropped; text that is not valid UTF-8 is read as
/// Latin-1 (ISO 8859-1), the encoding of noegletal.dk's downloads.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// One `;`-separated record with its 1-based line number in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: u64,
    pub fields: Vec<String>,
}

/// Splits decoded text into `;`-separated records (CRLF or LF; a field may be quoted with
/// `"`, a doubled `""` inside is a quote), skipping lines that are empty or hold only separators.
pub fn records(origin: &Path, text: &str) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = i as u64 + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                '"' => quoted = !quoted,
                ';' if !quoted => fields.push(std::mem::take(&mut cur).trim().to_string()),
                c => cur.push(c),
            }
        }
        if quoted {
            return Err(Error::input(
                origin,
                Some(line),
                None,
                "unterminated quoted field: expected a closing '\"' on the same line",
            ));
        }
        fields.push(cur.trim().to_string());
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        out.push(Record { line, fields });
    }
    Ok(out)
}

/// Parses a number written the Danish way: `.` groups thousands (in groups of three), `,`
/// marks decimals, a leading `-` or `−` is the sign. `..`, `...` and an empty cell are
/// missing (`Ok(None)`). Anything else is an error saying what was expected.
pub fn parse_number(cell: &str) -> std::result::Result<Option<f64>, String> {
    let s = cell.trim();
    if s.is_empty() || s == ".." || s == "..." {
        return Ok(None);
    }
    let bad = || {
        format!(
            "expected a Danish number such as 1.234,5 ('.' groups thousands, ',' marks decimals) or '..' for missing, found '{s}'"
        )
    };
    let (neg, body) = if let Some(r) = s.strip_prefix('-') {
        (true, r)
    } else if let Some(r) = s.strip_prefix('\u{2212}') {
        (true, r)
    } else if let Some(r) = s.strip_prefix('+') {
        (false, r)
    } else {
        (false, s)
    };
    let (int, frac) = match body.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let groups: Vec<&str> = int.split('.').collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let int_ok = if groups.len() == 1 {
        digits(groups[0])
    } else {
        digits(groups[0])
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3 && digits(g))
    };
    if !int_ok || frac.is_some_and(|f| !digits(f)) {
        return Err(bad());
    }
    let mut plain: String = groups.concat();
    if let Some(f) = frac {
        plain.push('.');
        plain.push_str(f);
    }
    let v: f64 = plain.parse().map_err(|_| bad())?;
    Ok(Some(if neg { -v } else { v }))
}

/// What an area label in an official export refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// One of the 98 municipalities, by code.
    Municipality(u32),
    /// The country, a region, a landsdel, a municipality grouping, or Christiansø (which is
    /// not one of the 98): skipped by the importers.
    Aggregate,
}

/// Identifies an area label: a code (`101`, `0101`), a code with its name (`101 København`),
/// or a name (`København`, `Københavns Kommune`, `Bornholms Regionskommune`, `Århus`).
/// `None` when the label is neither a municipality nor a known aggregate.
pub fn area(label: &str) -> Option<Area> {
    let s = label.trim();
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() {
        let code: u32 = digits.parse().ok()?;
        return area_code(code);
    }
    let name = normalise(s);
    if name == "hele landet"
        || name == "i alt"
        || name.starts_with("region ")
        || name.starts_with("landsdel ")
        || name == "christiansø"
        || name.ends_with("kommuner")
        || name.starts_with("kommuner ")
    {
        return Some(Area::Aggregate);
    }
    municipality_by_name(&name).map(Area::Municipality)
}

/// Classifies a numeric area code: the 98 municipalities; 0 (country), 81-85 and 1081-1085
/// (regions), 411 (Christiansø) and 900-999 (municipality groupings) are aggregates.
pub fn area_code(code: u32) -> Option<Area> {
    if municipalities().iter().any(|m| m.code == code) {
        Some(Area::Municipality(code))
    } else if code == 0
        || (81..=85).contains(&code)
        || (1081..=1085).contains(&code)
        || code == 411
        || (900..=999).contains(&code)
    {
        Some(Area::Aggregate)
    } else {
        None
    }
}

fn normalise(s: &str) -> String {
    let mut n = s.trim().to_lowercase();
    for suffix in [" regionskommune", " kommune"] {
        if let Some(r) = n.strip_suffix(suffix) {
            n = r.trim().to_string();
        }
    }
    n
}

fn municipality_by_name(name: &str) -> Option<u32> {
    let ms = municipalities();
    let find = |n: &str| {
        ms.iter()
            .find(|m| m.name.to_lowercase() == n)
            .map(|m| m.code)
    };
    if let Some(c) = find(name) {
        return Some(c);
    }
    match name {
        "århus" => return Some(751),
        "høje taastrup" => return Some(169),
        "lyngby taarbæk" => return Some(173),
        _ => {}
    }
    // noegletal writes genitive names: "Københavns Kommune", "Bornholms Kommune".
    name.strip_suffix('s').and_then(find)
}

/// The error for an area label that is neither a municipality nor a known aggregate.
pub fn unknown_area(origin: &Path, line: u64, column: &str, label: &str) -> Error {
    Error::input(
        origin,
        Some(line),
        Some(column),
        format!(
            "unknown area '{label}': expected one of the 98 municipalities (code or name, data/reference/municipalities.csv), a region or 'Hele landet'"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers() {
        assert_eq!(parse_number("1.234,5"), Ok(Some(1234.5)));
        assert_eq!(parse_number("503.699"), Ok(Some(503699.0)));
        assert_eq!(parse_number("-0,7"), Ok(Some(-0.7)));
        assert_eq!(parse_number("\u{2212}12,25"), Ok(Some(-12.25)));
        assert_eq!(parse_number("1.234.567"), Ok(Some(1234567.0)));
        assert_eq!(parse_number("21,5"), Ok(Some(21.5)));
        assert_eq!(parse_number("42"), Ok(Some(42.0)));
        assert_eq!(parse_number(".."), Ok(None));
        assert_eq!(parse_number(" "), Ok(None));
    }

    #[test]
    fn malformed_danish_numbers_are_rejected() {
        for s in [
            "1.23", "12.3456", "1,2,3", "abc", "1.234.5", ",5", "1e5", "-", "1 000",
        ] {
            let e = parse_number(s).unwrap_err();
            assert!(e.contains(&format!("found '{s}'")), "{s}: {e}");
        }
    }

    #[test]
    fn decode_handles_bom_and_latin1() {
        assert_eq!(decode(b"\xEF\xBB\xBFK\xC3\xB8ge"), "Køge");
        assert_eq!(decode(b"K\xF8ge"), "Køge");
    }

    #[test]
    fn records_split_crlf_and_skip_blank_lines() {
        let r = records(Path::new("t"), "a;b\r\n;\r\n\r\n1;\"x;y\"\r\n").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].line, 4);
        assert_eq!(r[1].fields, vec!["1", "x;y"]);
    }

    #[test]
    fn areas_by_code_and_name() {
        assert_eq!(area("101"), Some(Area::Municipality(101)));
        assert_eq!(area("0101"), Some(Area::Municipality(101)));
        assert_eq!(area("101 København"), Some(Area::Municipality(101)));
        assert_eq!(area("Københavns Kommune"), Some(Area::Municipality(101)));
        assert_eq!(
            area("Bornholms Regionskommune"),
            Some(Area::Municipality(400))
        );
        assert_eq!(area("Nordfyns Kommune"), Some(Area::Municipality(480)));
        assert_eq!(area("Århus"), Some(Area::Municipality(751)));
        assert_eq!(area("Hele landet"), Some(Area::Aggregate));
        assert_eq!(area("Region Hovedstaden"), Some(Area::Aggregate));
        assert_eq!(area("000"), Some(Area::Aggregate));
        assert_eq!(area("Christiansø"), Some(Area::Aggregate));
        assert_eq!(area("Atlantis"), None);
        assert_eq!(area("102"), None);
    }
}

//! Reading and writing panels as CSV, with errors that name file, line and column.
//!
//! Format: UTF-8 (a BOM is accepted), `,` separated, a header line, `.` decimals.
//! Missing values are written `NA`; on input an empty cell, `NA`, `.` or `NaN` is missing.

use super::keys::RawKeys;
use super::{Column, ColumnData, Panel};
use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Tokens read as an explicit missing value.
pub const MISSING_TOKENS: [&str; 5] = ["", "NA", ".", "NaN", "nan"];

/// The type a column must have; `Auto` decides from its first non-missing cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Numbers (missing tokens become NaN).
    Num,
    /// Text labels.
    Text,
    /// Numeric when the first non-missing cell parses as a number, text otherwise.
    Auto,
    /// Not kept: the column is not read into the panel (only the columns a model uses need
    /// to be, which bounds memory by the data actually used).
    Skip,
}

/// Parses a cell as a number, treating the missing tokens as NaN; `None` when it is text.
pub fn parse_cell(s: &str) -> Option<f64> {
    let t = s.trim();
    if MISSING_TOKENS.contains(&t) {
        return Some(f64::NAN);
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads a panel from a CSV file; every non-key column's type is decided automatically.
pub fn read_csv(path: &Path, unit: &str, time: &str) -> Result<Panel> {
    read_csv_with(path, unit, time, |_| Kind::Auto)
}

/// Reads a panel from a CSV file, with the type of each column given by `kind_of`. The file
/// is streamed, not loaded whole: memory is the panel's columns and keys.
pub fn read_csv_with(
    path: &Path,
    unit: &str,
    time: &str,
    kind_of: impl Fn(&str) -> Kind,
) -> Result<Panel> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().ok().map(|m| m.len());
    let reader = BufReader::with_capacity(1 << 16, file);
    read_csv_from(path, reader, size, unit, time, kind_of)
}

/// The column names of a CSV file's header line (trimmed), reading nothing else.
pub fn read_header(path: &Path) -> Result<Vec<String>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut input = BufReader::new(file);
    skip_bom(path, &mut input)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    Ok(rdr
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect())
}

/// Reads a panel from CSV bytes; `origin` is the file name used in errors.
pub fn read_csv_bytes(
    origin: &Path,
    bytes: &[u8],
    unit: &str,
    time: &str,
    kind_of: impl Fn(&str) -> Kind,
) -> Result<Panel> {
    read_csv_from(origin, bytes, Some(bytes.len() as u64), unit, time, kind_of)
}

/// Rows read before the row count of the whole input is estimated from its size.
const SIZE_PROBE_ROWS: usize = 4096;

/// Reads a panel from buffered CSV input; `origin` is the file name used in errors, `size`
/// the input's length in bytes when known (the columns are then allocated once at about
/// the right length instead of growing by doubling).
fn read_csv_from<R: BufRead>(
    origin: &Path,
    mut input: R,
    size: Option<u64>,
    unit: &str,
    time: &str,
    kind_of: impl Fn(&str) -> Kind,
) -> Result<Panel> {
    let io_err = |e: std::io::Error| Error::io(origin, e);
    if input
        .fill_buf()
        .map_err(io_err)?
        .starts_with(b"\xEF\xBB\xBF")
    {
        input.consume(3);
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(origin, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(|h| h.is_empty()) && rest_is_blank(&mut rdr, origin)? {
        return Err(Error::input(
            origin,
            Some(1),
            None,
            "empty file: expected a header line naming the columns",
        ));
    }
    check_headers(origin, &headers)?;
    let find = |name: &str| find_column(origin, &headers, name);
    let ui = find(unit)?;
    let ti = find(time)?;
    let others: Vec<usize> = (0..headers.len())
        .filter(|&i| i != ui && i != ti && kind_of(&headers[i]) != Kind::Skip)
        .collect();
    let mut kinds: Vec<Kind> = others.iter().map(|&i| kind_of(&headers[i])).collect();
    let mut nums: Vec<Vec<f64>> = vec![Vec::new(); others.len()];
    let mut texts: Vec<Vec<String>> = vec![Vec::new(); others.len()];
    let mut keys = RawKeys::new();
    let mut rec = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_error(origin, e))?
    {
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        // The record is checked as UTF-8 once; a field is then a slice of it (a field that
        // does not start and end on character boundaries is checked on its own, and fails).
        let whole = std::str::from_utf8(rec.as_slice()).ok();
        let cell = |i: usize| -> Result<&str> {
            if let Some(s) = whole.and_then(|w| rec.range(i).and_then(|r| w.get(r))) {
                return Ok(trim_cell(s));
            }
            let b = rec.get(i).unwrap_or(b"");
            std::str::from_utf8(b).map(str::trim).map_err(|_| {
                Error::input(
                    origin,
                    Some(line),
                    Some(&headers[i]),
                    "not valid UTF-8 text",
                )
            })
        };
        let (u, t) = (cell(ui)?, cell(ti)?);
        for (s, name) in [(u, unit), (t, time)] {
            if MISSING_TOKENS.contains(&s) {
                return Err(Error::input(
                    origin,
                    Some(line),
                    Some(name),
                    "missing key: every row needs a unit and a time",
                ));
            }
        }
        keys.push(origin, time, u, t, line)?;
        if keys.len() == SIZE_PROBE_ROWS {
            if let (Some(size), Some(p)) = (size, rec.position()) {
                let per_row = p.byte() as f64 / keys.len() as f64;
                let rows = (size as f64 / per_row.max(1.0) * 1.02) as usize + 16;
                let more = rows.saturating_sub(keys.len());
                keys.reserve(more);
                for (j, v) in nums.iter_mut().enumerate() {
                    if kinds[j] != Kind::Text {
                        v.reserve_exact(more);
                    }
                }
            }
        }
        for (j, &i) in others.iter().enumerate() {
            let s = cell(i)?;
            if kinds[j] == Kind::Auto && !MISSING_TOKENS.contains(&s) {
                kinds[j] = if parse_cell(s).is_some() {
                    Kind::Num
                } else {
                    Kind::Text
                };
                // Rows seen before this one were all missing.
                let seen = keys.len() - 1;
                nums[j] = vec![f64::NAN; seen];
                texts[j] = vec![String::new(); seen];
            }
            match kinds[j] {
                Kind::Num => nums[j].push(parse_cell(s).ok_or_else(|| {
                    Error::input(
                        origin,
                        Some(line),
                        Some(&headers[i]),
                        format!("expected a number (or NA for missing), found '{s}'"),
                    )
                })?),
                Kind::Text => texts[j].push(if MISSING_TOKENS.contains(&s) {
                    String::new()
                } else {
                    s.to_string()
                }),
                Kind::Auto | Kind::Skip => {
                    nums[j].push(f64::NAN);
                    texts[j].push(String::new());
                }
            }
        }
    }
    if keys.len() == 0 {
        return Err(Error::input(
            origin,
            Some(2),
            None,
            "no data rows after the header",
        ));
    }
    keys.shrink_to_fit();
    nums.iter_mut().for_each(|v| v.shrink_to_fit());
    texts.iter_mut().for_each(|v| v.shrink_to_fit());
    let columns = others
        .iter()
        .enumerate()
        .map(|(j, &i)| Column {
            name: headers[i].clone(),
            data: match kinds[j] {
                Kind::Text => ColumnData::Text(std::mem::take(&mut texts[j])),
                _ => ColumnData::Num(std::mem::take(&mut nums[j])),
            },
        })
        .collect();
    Panel::from_raw(origin, unit, time, keys, columns)
}

/// A cell without surrounding whitespace (`str::trim`, skipped when the first and last bytes
/// are plain ASCII characters other than whitespace, as in almost every cell).
fn trim_cell(s: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|c| c.is_ascii() && !c.is_ascii_whitespace());
    if plain(s.as_bytes().first()) && plain(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// Steps over a UTF-8 byte-order mark at the start of the input.
fn skip_bom(origin: &Path, input: &mut impl BufRead) -> Result<()> {
    if input
        .fill_buf()
        .map_err(|e| Error::io(origin, e))?
        .starts_with(b"\xEF\xBB\xBF")
    {
        input.consume(3);
    }
    Ok(())
}

/// Whether everything after a blank header is blank too (then the file is empty).
fn rest_is_blank<R: Read>(rdr: &mut csv::Reader<R>, origin: &Path) -> Result<bool> {
    let mut rec = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_error(origin, e))?
    {
        if rec.iter().any(|f| !f.iter().all(u8::is_ascii_whitespace)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Every header field named, and no name twice.
fn check_headers(origin: &Path, headers: &[String]) -> Result<()> {
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            return Err(Error::input(
                origin,
                Some(1),
                None,
                format!("header field {} is empty: every column needs a name", i + 1),
            ));
        }
        if headers[..i].contains(h) {
            return Err(Error::input(
                origin,
                Some(1),
                Some(h),
                "column name appears twice in the header",
            ));
        }
    }
    Ok(())
}

/// The position of column `name`, or an error listing the header (and saying so when the
/// file is not comma-separated).
fn find_column(origin: &Path, headers: &[String], name: &str) -> Result<usize> {
    headers.iter().position(|h| h == name).ok_or_else(|| {
        if headers.len() == 1 && (headers[0].contains(';') || headers[0].contains('\t')) {
            let sep = if headers[0].contains(';') {
                "';'"
            } else {
                "a tab"
            };
            return Error::input(
                origin,
                Some(1),
                None,
                format!(
                    "the header is one column separated by {sep}: this reader expects \
                     comma-separated values (found '{}')",
                    headers[0]
                ),
            );
        }
        Error::input(
            origin,
            Some(1),
            None,
            format!(
                "no column '{name}' in the header (columns: {})",
                headers.join(", ")
            ),
        )
    })
}

/// Maps a csv crate error to one naming the file and line.
pub fn csv_error(origin: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "row has {len} fields, expected {expected_len} as in the header (truncated or extra fields?)"
        ),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    Error::input(origin, line, None, message)
}

/// The CSV number format (shortest round-trip text, `NA` when missing), defined with the
/// other table formats.
pub use crate::table::fmt_num;

/// Renders a panel as CSV bytes: key columns first, then the columns in order.
pub fn to_csv_bytes(panel: &Panel) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header = vec![panel.unit_name().to_string(), panel.time_name().to_string()];
    header.extend(panel.column_names().iter().map(|s| s.to_string()));
    let csv_err = |e: csv::Error| Error::Data(format!("cannot render CSV: {e}"));
    w.write_record(&header).map_err(csv_err)?;
    for r in 0..panel.nrows() {
        let mut rec = vec![
            panel.unit_labels()[panel.unit_ids()[r]].clone(),
            panel.time_label(panel.times()[r]),
        ];
        for c in panel.columns() {
            rec.push(match &c.data {
                ColumnData::Num(v) => fmt_num(v[r]),
                ColumnData::Text(v) => {
                    if v[r].is_empty() {
                        "NA".to_string()
                    } else {
                        v[r].clone()
                    }
                }
            });
        }
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner()
        .map_err(|e| Error::Data(format!("cannot render CSV: {e}")))
}

/// Writes a panel as CSV atomically (temporary file, then rename).
pub fn write_csv(panel: &Panel, path: &Path) -> Result<()> {
    crate::io::write_atomic(path, &to_csv_bytes(panel)?)
}

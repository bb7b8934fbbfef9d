//! Downloads the official series over HTTPS into a raw directory, with a provenance manifest
//! (`manifest.toml`: per file the URL, request body, UTC time, sha256 and size).
//!
//! All downloads are held in memory until every one has succeeded; only then are the files
//! and the manifest written, each atomically. A timeout, a network error or an HTTP status
//! other than 200 stops the fetch with a message and leaves the directory untouched.
//!
//! Statistics Denmark: `POST {base}/data` with a JSON body (`table`, `format` = `CSV`,
//! `lang` = `da`, `valuePresentation` = `Code`, `variables` = [{`code`, `values`}]), as the
//! statbank API documentation describes. noegletal.dk: `POST {base}/nctrlman` with the
//! report form's fields (`qListKom`, `qListAar`, `qListNog`, …), as the site's own report
//! form sends them; its answer is the report as an HTML page, saved as `<name>.html`.

use crate::sources::build::files;
use crate::sources::reference::municipalities;
use panelkit::error::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Name of the provenance manifest written next to the downloads.
pub const MANIFEST: &str = "manifest.toml";

/// What to fetch and where from.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Directory the files and the manifest are written to.
    pub out: PathBuf,
    /// Statbank API base, without trailing slash.
    pub base_statbank: String,
    /// noegletal.dk application base, without trailing slash.
    pub base_noegletal: String,
    /// First and last year.
    pub from: i64,
    pub to: i64,
    /// noegletal.dk key-figure ids to fetch, as (file stem, id), e.g. (`noegletal_iku_hk6`, id).
    pub noegletal: Vec<(String, String)>,
    /// noegletal.dk data version sent as `qVers` (the site's current release, e.g. `24A`).
    pub noegletal_version: String,
    /// Timeout for each whole request.
    pub timeout: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            out: PathBuf::from("data/raw"),
            base_statbank: "https://api.statbank.dk/v1".to_string(),
            base_noegletal: "https://www.noegletal.dk/noegletal".to_string(),
            from: 2007,
            to: 2020,
            noegletal: Vec::new(),
            noegletal_version: "24A".to_string(),
            timeout: Duration::from_secs(120),
        }
    }
}

/// One HTTP request of a fetch and the file its answer is saved to.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub file: String,
    pub url: String,
    pub content_type: &'static str,
    pub body: String,
}

/// One manifest entry: where a file came from and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestEntry {
    pub name: String,
    pub url: String,
    pub method: String,
    pub body: String,
    pub fetched_utc: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Serialize)]
struct Manifest<'a> {
    file: &'a [ManifestEntry],
}

fn statbank_body(table: &str, vars: &[(&str, Vec<String>)]) -> String {
    let variables: Vec<serde_json::Value> = vars
        .iter()
        .map(|(c, v)| serde_json::json!({"code": c, "values": v}))
        .collect();
    serde_json::json!({
        "table": table,
        "format": "CSV",
        "lang": "da",
        "valuePresentation": "Code",
        "variables": variables,
    })
    .to_string()
}

fn one(v: &str) -> Vec<String> {
    vec![v.to_string()]
}

/// The requests a fetch makes, in order.
pub fn plan(cfg: &FetchConfig) -> Vec<Request> {
    let years: Vec<String> = (cfg.from..=cfg.to).map(|y| y.to_string()).collect();
    // FOLK1A starts in 2008; earlier populations come from the shipped reference.
    let quarters: Vec<String> = (cfg.from.max(2008)..=cfg.to)
        .map(|y| format!("{y}K1"))
        .collect();
    let url = format!("{}/data", cfg.base_statbank);
    let json = "application/json";
    let mut out = vec![
        Request {
            file: files::REGK11.to_string(),
            url: url.clone(),
            content_type: json,
            body: statbank_body(
                "REGK11",
                &[
                    ("OMRÅDE", one("*")),
                    ("FUNK1", one("6")),
                    ("DRANST", one("1")),
                    ("ART", one("TOT")),
                    ("PRISENHED", one("LOBM")),
                    ("Tid", years.clone()),
                ],
            ),
        },
        Request {
            file: files::FOLK1A.to_string(),
            url: url.clone(),
            content_type: json,
            body: statbank_body(
                "FOLK1A",
                &[
                    ("OMRÅDE", one("*")),
                    ("KØN", one("TOT")),
                    ("ALDER", one("IALT")),
                    ("CIVILSTAND", one("TOT")),
                    ("Tid", quarters),
                ],
            ),
        },
        Request {
            file: files::NAN1.to_string(),
            url,
            content_type: json,
            body: statbank_body(
                "NAN1",
                &[
                    ("TRANSAKT", one("P3S13D")),
                    ("PRISENHED", vec!["V_M".to_string(), "LAN_M".to_string()]),
                    ("Tid", years.clone()),
                ],
            ),
        },
    ];
    let codes: Vec<String> = municipalities()
        .iter()
        .map(|m| m.code.to_string())
        .collect();
    for (stem, id) in &cfg.noegletal {
        // The report form's fields; the site rejects a request that lacks any of them.
        let s = |v: &str| v.to_string();
        let fields = [
            ("qUdv", s("1")),
            ("qUdvBasis", s("0")),
            ("qSort", s("1")),
            ("qSortBasis", s("0")),
            ("qSaveAs", s("0")),
            ("qCommand", s("Rap")),
            ("qReform", s("1")),
            ("qListAar", years.join(",")),
            ("qListKom", codes.join(",")),
            ("qListNog", id.clone()),
            ("qPreKom", s("Alle kommuner")),
            ("qPreKomNr", s("921")),
            ("qPreNog", s("x")),
            ("qPreNogNr", s("0")),
            ("qPris", s("1")),
            ("qPrisBasis", s("0")),
            ("qKomInddel", s("0")),
            ("qHighlight", s("0")),
            ("qHighl_kom", s("0")),
            ("qVisKunGns", s("0")),
            ("qVers", cfg.noegletal_version.clone()),
            ("qHtmlVers", s("43")),
            ("qLevel", s("1")),
            ("qResVs", s("42")),
            ("qUserResol", s("X")),
            ("qUserAppl", s("X")),
            ("qUserAgent", s("X")),
        ];
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        out.push(Request {
            file: format!("{stem}.html"),
            url: format!("{}/nctrlman", cfg.base_noegletal),
            content_type: "application/x-www-form-urlencoded",
            body,
        });
    }
    out
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// POSTs `body` to `url` and returns the answer's bytes; any status but 200 is an error.
pub fn post(url: &str, content_type: &str, body: &str, timeout: Duration) -> Result<Vec<u8>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .post(url)
        .header("Content-Type", content_type)
        .send(body.as_bytes())
        .map_err(|e| fetch_error(url, timeout, e))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(512 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| fetch_error(url, timeout, e))?;
    if status != 200 {
        let snippet: String = String::from_utf8_lossy(&bytes).chars().take(300).collect();
        return Err(Error::Fetch(format!(
            "{url}: HTTP {status}; the server said: {}",
            snippet.trim()
        )));
    }
    Ok(bytes)
}

fn fetch_error(url: &str, timeout: Duration, e: ureq::Error) -> Error {
    match e {
        ureq::Error::Timeout(_) => Error::Fetch(format!(
            "{url}: no complete answer within {} s (timeout); try again later or download by hand (data/reference/README.md)",
            timeout.as_secs()
        )),
        e => Error::Fetch(format!("{url}: {e}")),
    }
}

/// Runs every request of [`plan`], then writes the files and the manifest atomically;
/// `progress` receives one line per download. Nothing is written if any request fails.
pub fn fetch(cfg: &FetchConfig, mut progress: impl FnMut(&str)) -> Result<Vec<ManifestEntry>> {
    super::check_years("fetch", cfg.from, cfg.to)?;
    if let Some((stem, _)) = cfg.noegletal.iter().find(|(_, id)| id.trim().is_empty()) {
        return Err(Error::Usage(format!(
            "--noegletal {stem}=: the key-figure id is empty (expected NAME=ID)"
        )));
    }
    for (i, (stem, _)) in cfg.noegletal.iter().enumerate() {
        if cfg.noegletal[..i].iter().any(|(s, _)| s == stem) {
            return Err(Error::Usage(format!(
                "--noegletal names '{stem}' twice: each download needs its own file name"
            )));
        }
    }
    if let Some((stem, _)) = cfg.noegletal.iter().find(|(stem, _)| {
        stem.is_empty()
            || !stem
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }) {
        return Err(Error::Usage(format!(
            "noegletal file name '{stem}' must be a plain name of letters, digits, '_' or '-' (e.g. noegletal_iku_hk6)"
        )));
    }
    let mut downloaded = Vec::new();
    let mut entries = Vec::new();
    for req in plan(cfg) {
        progress(&format!("fetch {} <- POST {}", req.file, req.url));
        let bytes = post(&req.url, req.content_type, &req.body, cfg.timeout)?;
        let entry = ManifestEntry {
            name: req.file.clone(),
            url: req.url.clone(),
            method: "POST".to_string(),
            body: req.body.clone(),
            fetched_utc: utc_now(),
            sha256: panelkit::io::sha256_hex(&bytes),
            bytes: bytes.len() as u64,
        };
        progress(&format!(
            "  {} bytes, sha256 {}",
            entry.bytes,
            &entry.sha256[..16]
        ));
        downloaded.push((cfg.out.join(&req.file), bytes));
        entries.push(entry);
    }
    let manifest = format!(
        "# Provenance of the raw official exports in this directory, written by `iku-data fetch`.\n{}",
        toml::to_string(&Manifest { file: &entries })
            .map_err(|e| Error::Data(format!("cannot render the manifest: {e}")))?
    );
    downloaded.push((cfg.out.join(MANIFEST), manifest.into_bytes()));
    let refs: Vec<(&Path, Vec<u8>)> = downloaded
        .iter()
        .map(|(p, b)| (p.as_path(), b.clone()))
        .collect();
    panelkit::io::write_all_atomic(&refs)?;
    Ok(entries)
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    utc_string(secs)
}

/// Formats seconds since the Unix epoch as a UTC timestamp (proleptic Gregorian calendar).
pub fn utc_string(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from day count (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noegletal_names_must_be_plain() {
        let cfg = FetchConfig {
            noegletal: vec![("../x".into(), "1".into())],
            ..FetchConfig::default()
        };
        let e = fetch(&cfg, |_| {}).unwrap_err().to_string();
        assert!(e.contains("'../x' must be a plain name"), "{e}");
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(utc_string(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_string(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_string(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn plan_asks_statbank_for_the_documented_selections() {
        let cfg = FetchConfig {
            from: 2007,
            to: 2009,
            noegletal: vec![("noegletal_iku_hk6".into(), "123".into())],
            ..FetchConfig::default()
        };
        let p = plan(&cfg);
        assert_eq!(p.len(), 4);
        assert_eq!(p[0].url, "https://api.statbank.dk/v1/data");
        let b: serde_json::Value = serde_json::from_str(&p[0].body).unwrap();
        assert_eq!(b["table"], "REGK11");
        assert_eq!(b["format"], "CSV");
        assert_eq!(b["variables"][1]["values"][0], "6");
        assert_eq!(b["variables"][5]["values"].as_array().unwrap().len(), 3);
        let f: serde_json::Value = serde_json::from_str(&p[1].body).unwrap();
        assert_eq!(
            f["variables"][4]["values"],
            serde_json::json!(["2008K1", "2009K1"])
        );
        assert_eq!(p[3].file, "noegletal_iku_hk6.html");
        assert!(
            p[3].body.contains("qListNog=123") && p[3].body.contains("qListAar=2007%2C2008%2C2009")
        );
    }
}

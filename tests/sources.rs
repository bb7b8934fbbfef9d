//! Official-format imports (fixtures in tests/fixtures/official), the build of the canonical
//! panel, and fetch against a local mock server.

use iku::sources::{build, fetch, noegletal, reference, statbank};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/official")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn stat(name: &str) -> statbank::StatbankCsv {
    statbank::read(&fixture(name), &bytes(name)).unwrap()
}

#[test]
fn regk11_main_account_rows_in_dkk() {
    let m = statbank::netexp_hk6(&stat("regk11.csv")).unwrap();
    assert_eq!(m.len(), 5, "{m:?}");
    assert_eq!(m[&(101, 2019)], 3_904_117_400.0);
    assert_eq!(m[&(101, 2020)], 4_012_655_100.0);
    assert_eq!(m[&(147, 2020)], 598_300_000.0);
    assert!(!m.contains_key(&(147, 2019)), "'..' is missing, not zero");
    assert_eq!(m[&(751, 2020)], -1_234_500.0);
}

#[test]
fn regk31_sums_functions_of_main_account_6() {
    let m = statbank::netexp_hk6(&stat("regk31.csv")).unwrap();
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(m[&(101, 2020)], (2_045_330.0 + 301_200.5) * 1000.0);
    assert_eq!(m[&(751, 2020)], 950_113_200.0);
}

#[test]
fn folk1a_first_quarter_is_the_january_population() {
    let p = statbank::population(&stat("folk1a.csv")).unwrap();
    assert_eq!(p.len(), 4, "{p:?}");
    assert_eq!(p[&(101, 2019)], 623_404.0);
    assert_eq!(p[&(101, 2020)], 632_340.0);
    assert_eq!(p[&(147, 2020)], 104_305.0);
    assert_eq!(p[&(751, 2020)], 349_983.0);
}

#[test]
fn nan1_implicit_deflator_rebased_to_2020() {
    let i = statbank::price_index(&stat("nan1.csv"), 2020).unwrap();
    assert_eq!(i[&2020], 100.0);
    assert!((i[&2019] - 557.3 / 565.1 * 100.0).abs() < 1e-12);
    let e = statbank::price_index(&stat("nan1.csv"), 2015)
        .unwrap_err()
        .to_string();
    assert!(e.contains("base year 2015"), "{e}");
}

#[test]
fn noegletal_latin1_export_with_title_heading_and_footnote() {
    let e = noegletal::read(
        &fixture("noegletal_iku_hk6.csv"),
        &bytes("noegletal_iku_hk6.csv"),
    )
    .unwrap();
    assert_eq!(e.series.len(), 1);
    assert_eq!(e.aggregates_skipped, 1);
    let s = &e.series[0];
    assert!(
        s.name.starts_with("Indikator for konkurrenceudsættelse"),
        "{}",
        s.name
    );
    assert_eq!(s.values[&(101, 2019)], Some(20.3));
    assert_eq!(s.values[&(101, 2020)], Some(21.4));
    assert_eq!(s.values[&(147, 2019)], None);
    assert_eq!(s.values[&(147, 2020)], Some(18.0));
    assert_eq!(s.values[&(751, 2019)], Some(0.0));
}

#[test]
fn noegletal_html_report_page_gives_the_same_series() {
    let p = fixture("noegletal_iku_hk6.html");
    let html = noegletal::read(&p, &bytes("noegletal_iku_hk6.html")).unwrap();
    assert_eq!(html.series.len(), 2);
    let text = noegletal::read(
        &fixture("noegletal_iku_hk6.csv"),
        &bytes("noegletal_iku_hk6.csv"),
    )
    .unwrap();
    assert_eq!(html.series[0], text.series[0]);
    let total = html.pick(&p, &["i alt"]).unwrap();
    assert_eq!(total.values[&(101, 2020)], Some(30.1));
    assert_eq!(total.values.len(), 2);
}

#[test]
fn noegletal_population_excerpt_matches_the_reference_data() {
    let e = noegletal::read(
        &fixture("noegletal_population.csv"),
        &bytes("noegletal_population.csv"),
    )
    .unwrap();
    let s = &e.series[0];
    assert_eq!(s.values.len(), 3 * 16);
    let r = reference::population();
    for ((code, year), v) in &s.values {
        assert_eq!(Some(r[&(*code, *year)]), *v, "{code}/{year}");
    }
    assert_eq!(s.values[&(101, 2007)], Some(503_699.0));
}

/// The fixture's bytes with the first occurrence of `from` replaced (byte-wise, so Latin-1
/// files stay Latin-1).
fn corrupt(name: &str, from: &str, to: &str) -> Vec<u8> {
    let b = bytes(name);
    let at = b
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("'{from}' not in {name}"));
    [&b[..at], to.as_bytes(), &b[at + from.len()..]].concat()
}

#[test]
fn malformed_statbank_inputs_name_line_and_column() {
    let p = Path::new("regk11.csv");
    let b = corrupt("regk11.csv", "598.300", "598.30");
    let e = statbank::read(p, &b).unwrap_err().to_string();
    assert!(e.starts_with("regk11.csv:8: column 'INDHOLD'"), "{e}");
    assert!(e.contains("found '598.30'"), "{e}");
    let b = corrupt(
        "regk11.csv",
        "147;6;1;TOT;LOBM;2019;..",
        "147;6;1;TOT;2019;..",
    );
    let e = statbank::read(p, &b).unwrap_err().to_string();
    assert!(
        e.starts_with("regk11.csv:7:") && e.contains("6 fields, expected 7"),
        "{e}"
    );
    let b = corrupt("regk11.csv", "OMRÅDE;FUNK1", "OMRÅDE;FUNK2");
    let c = statbank::read(p, &b).unwrap();
    let e = statbank::netexp_hk6(&c).unwrap_err().to_string();
    assert!(e.contains("missing column FUNK1 or FUNKTION"), "{e}");
    let b = corrupt("regk11.csv", "LOBM;2020;598.300", "XYZ;2020;598.300");
    let e = statbank::netexp_hk6(&statbank::read(p, &b).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("regk11.csv:8: column 'PRISENHED'"), "{e}");
}

#[test]
fn malformed_noegletal_inputs_name_line_and_column() {
    let p = Path::new("n.csv");
    let b = bytes("noegletal_iku_hk6.csv");
    let mut bad = b.clone();
    let pos = bad.windows(4).position(|w| w == b"18,0").unwrap();
    bad[pos + 2] = b'.';
    let e = noegletal::read(p, &bad).unwrap_err().to_string();
    assert!(
        e.starts_with("n.csv:6: column '2020'") && e.contains("18.0"),
        "{e}"
    );
    let e = noegletal::read(p, b"<html><body>report</body></html>")
        .unwrap_err()
        .to_string();
    assert!(e.contains("no municipality rows"), "{e}");
    let html = corrupt("noegletal_iku_hk6.html", "30,2", "30;2");
    let e = noegletal::read(p, &html).unwrap_err().to_string();
    assert!(
        e.starts_with("n.csv:7: column '2020'") && e.contains("30;2"),
        "{e}"
    );
}

fn raw_dir_with_fixtures() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for f in [
        "regk11.csv",
        "regk31.csv",
        "folk1a.csv",
        "nan1.csv",
        "noegletal_iku_hk6.csv",
    ] {
        std::fs::copy(fixture(f), d.path().join(f)).unwrap();
    }
    d
}

#[test]
fn build_fixtures_into_a_valid_canonical_panel() {
    let raw = raw_dir_with_fixtures();
    std::fs::write(
        raw.path().join("noegletal_tenderable_hk6.csv"),
        "\u{feff};Kom.nr;2020\r\nUdbudsegnede opgaver, hovedkonto 6 (kr.)\r\nKøbenhavns Kommune;101;1.000.000.000\r\n",
    )
    .unwrap();
    let out = raw.path().join("out/panel.csv");
    let rep = build::build_to(raw.path(), &out, None, None).unwrap();
    assert_eq!((rep.rows, rep.first_year, rep.last_year), (196, 2019, 2020));
    assert_eq!(rep.derived, 1);
    let panel = iku::canonical::load(&out).unwrap();
    assert_eq!(panel.nrows(), 196);
    let row = |code: &str, year: i64| {
        let u = panel.unit_labels().iter().position(|l| l == code).unwrap();
        panel.row_of(u, year).unwrap()
    };
    let num = |c: &str, r: usize| panel.num(c).unwrap()[r];
    let r = row("101", 2020);
    assert_eq!(num("population", r), 632_340.0);
    assert_eq!(num("iku_hk6_pct", r), 21.4);
    assert_eq!(num("tenderable_hk6_dkk", r), 1e9);
    assert_eq!(num("tendered_hk6_dkk", r), 0.214 * 1e9);
    assert_eq!(num("netexp_hk6_dkk", r), 4_012_655_100.0);
    assert_eq!(num("price_index", r), 100.0);
    let r = row("147", 2019);
    assert_eq!(
        num("population", r),
        103_960.0,
        "reference fills FOLK1A gaps"
    );
    assert!(num("iku_hk6_pct", r).is_nan());
    assert!(num("tendered_hk6_dkk", r).is_nan() && num("tenderable_hk6_dkk", r).is_nan());
    assert!(num("netexp_hk6_dkk", r).is_nan());
    let r = row("860", 2020);
    assert!(num("iku_hk6_pct", r).is_nan());
    assert_eq!(num("population", r), reference::population()[&(860, 2020)]);
    // Same inputs, byte-identical output.
    let (b1, _) = build::build(raw.path(), None, None).unwrap();
    assert_eq!(b1, std::fs::read(&out).unwrap());
    // Year restriction.
    let (_, rep) = build::build(raw.path(), Some(2020), Some(2020)).unwrap();
    assert_eq!(rep.rows, 98);
}

#[test]
fn build_reads_the_html_report_when_no_text_export_is_there() {
    let raw = raw_dir_with_fixtures();
    let (from_text, _) = build::build(raw.path(), None, None).unwrap();
    std::fs::remove_file(raw.path().join("noegletal_iku_hk6.csv")).unwrap();
    std::fs::copy(
        fixture("noegletal_iku_hk6.html"),
        raw.path().join("noegletal_iku_hk6.html"),
    )
    .unwrap();
    let (from_html, rep) = build::build(raw.path(), None, None).unwrap();
    assert_eq!(from_html, from_text);
    assert!(rep.sources[0].ends_with("noegletal_iku_hk6.html"));
}

#[test]
fn build_without_iku_says_what_is_missing_and_writes_nothing() {
    let raw = raw_dir_with_fixtures();
    std::fs::remove_file(raw.path().join("noegletal_iku_hk6.csv")).unwrap();
    let out = raw.path().join("panel.csv");
    let e = build::build_to(raw.path(), &out, None, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("noegletal_iku_hk6.csv not found"), "{e}");
    assert!(!out.exists());
}

#[test]
fn cli_build_fails_cleanly_on_bad_input() {
    let raw = raw_dir_with_fixtures();
    let b = corrupt("folk1a.csv", "2020K1;632340", "2020K7;632340");
    std::fs::write(raw.path().join("folk1a.csv"), b).unwrap();
    let out = raw.path().join("panel.csv");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_iku-data"))
        .args(["build", "--raw"])
        .arg(raw.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("folk1a.csv:7: column 'TID'"), "{err}");
    assert!(!out.exists());
}

/// A tiny HTTP/1.1 server on 127.0.0.1 answering statbank-style POSTs from the fixtures;
/// `fail_table` gets an HTTP 500. Records (path, body) of every request.
/// (path, body) of each request the mock server received.
type RequestLog = Arc<Mutex<Vec<(String, String)>>>;

fn mock_server(fail_table: Option<&'static str>) -> (String, RequestLog) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut s = stream.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                let n = s.read(&mut chunk).unwrap();
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(p + 4);
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < head_end + len {
                let n = s.read(&mut chunk).unwrap();
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string();
            let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
            log.lock().unwrap().push((path, body.clone()));
            let table = ["REGK11", "FOLK1A", "NAN1"]
                .into_iter()
                .find(|t| body.contains(&format!("\"table\":\"{t}\"")));
            let (status, payload) = match table {
                Some(t) if Some(t) == fail_table => ("500 Internal Server Error", b"boom".to_vec()),
                Some(t) => ("200 OK", bytes(&format!("{}.csv", t.to_lowercase()))),
                None => ("404 Not Found", b"no such table".to_vec()),
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: text/csv; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                payload.len()
            );
            let _ = s.write_all(&payload);
        }
    });
    (base, seen)
}

#[test]
fn fetch_from_mock_statbank_writes_files_and_manifest() {
    let (base, seen) = mock_server(None);
    let out = tempfile::tempdir().unwrap();
    let cfg = fetch::FetchConfig {
        out: out.path().join("raw"),
        base_statbank: format!("{base}/v1"),
        from: 2019,
        to: 2020,
        timeout: Duration::from_secs(20),
        ..fetch::FetchConfig::default()
    };
    let mut lines = Vec::new();
    let entries = fetch::fetch(&cfg, |l| lines.push(l.to_string())).unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(lines.len(), 6, "{lines:?}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    for (path, body) in &seen {
        assert_eq!(path, "/v1/data");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["format"], "CSV");
        assert_eq!(v["valuePresentation"], "Code");
    }
    let regk: serde_json::Value = serde_json::from_str(&seen[0].1).unwrap();
    assert_eq!(regk["table"], "REGK11");
    assert_eq!(
        regk["variables"],
        serde_json::json!([
            {"code": "OMRÅDE", "values": ["*"]},
            {"code": "FUNK1", "values": ["6"]},
            {"code": "DRANST", "values": ["1"]},
            {"code": "ART", "values": ["TOT"]},
            {"code": "PRISENHED", "values": ["LOBM"]},
            {"code": "Tid", "values": ["2019", "2020"]}
        ])
    );
    for f in ["regk11.csv", "folk1a.csv", "nan1.csv"] {
        assert_eq!(std::fs::read(cfg.out.join(f)).unwrap(), bytes(f), "{f}");
    }
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(cfg.out.join("manifest.toml")).unwrap()).unwrap();
    let files = manifest["file"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    let first = &files[0];
    assert_eq!(first["name"].as_str(), Some("regk11.csv"));
    assert_eq!(
        first["url"].as_str(),
        Some(format!("{base}/v1/data").as_str())
    );
    assert_eq!(
        first["sha256"].as_str().unwrap(),
        panelkit::io::sha256_hex(&bytes("regk11.csv"))
    );
    assert_eq!(
        first["bytes"].as_integer(),
        Some(bytes("regk11.csv").len() as i64)
    );
    assert!(first["fetched_utc"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn fetch_http_500_is_an_error_and_writes_nothing() {
    let (base, _) = mock_server(Some("FOLK1A"));
    let out = tempfile::tempdir().unwrap();
    let cfg = fetch::FetchConfig {
        out: out.path().join("raw"),
        base_statbank: format!("{base}/v1"),
        timeout: Duration::from_secs(20),
        ..fetch::FetchConfig::default()
    };
    let e = fetch::fetch(&cfg, |_| {}).unwrap_err().to_string();
    assert!(e.contains("HTTP 500") && e.contains("boom"), "{e}");
    assert!(!cfg.out.exists() || std::fs::read_dir(&cfg.out).unwrap().next().is_none());
}

#[test]
fn fetch_timeout_is_a_clear_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let out = tempfile::tempdir().unwrap();
    let cfg = fetch::FetchConfig {
        out: out.path().join("raw"),
        base_statbank: base,
        timeout: Duration::from_secs(1),
        ..fetch::FetchConfig::default()
    };
    let e = fetch::fetch(&cfg, |_| {}).unwrap_err().to_string();
    assert!(e.contains("timeout"), "{e}");
    assert!(!cfg.out.exists());
}

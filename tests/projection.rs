//! The savings projection recomputed by hand on small panels, its intervals, its errors, the
//! `iku-project` binary and the figures.

use iku::canonical::{IKU, NAME, NETEXP, POPULATION, PRICE_INDEX, TENDERABLE, TENDERED};
use iku::projection::{project, Approach, Effect, EffectSource, Projection};
use iku::Panel;
use panelkit::inference::p_and_quantile;
use panelkit::panel::{Column, ColumnData};
use std::path::Path;

/// (code, iku %, population, tenderable DKK, tendered DKK, netexp DKK) in 2020.
const SMALL: [(u32, f64, f64, f64, f64, f64); 6] = [
    (101, 30.0, 1000.0, 500.0, 150.0, 6000.0),
    (147, 25.0, 2000.0, 800.0, 200.0, 10000.0),
    (151, 25.0, 500.0, 300.0, 75.0, 4000.0),
    (153, 10.0, 1500.0, 600.0, 60.0, 9000.0),
    (155, 40.0, 800.0, 400.0, 160.0, 5000.0),
    (157, 5.0, 1200.0, 700.0, 35.0, 7200.0),
];

fn name_of(code: u32) -> String {
    iku::sources::reference::municipality(code).unwrap().name
}

/// One panel row: (code, year, iku, pop, tenderable, tendered, netexp, price index).
type Row = (u32, i64, f64, f64, f64, f64, f64, f64);

/// A canonical panel from rows, optionally without the net expenditure column.
fn panel_from(rows: &[Row], with_netexp: bool) -> Panel {
    let units = rows.iter().map(|r| r.0.to_string()).collect();
    let times = rows.iter().map(|r| r.1).collect();
    let num = |name: &str, f: &dyn Fn(&Row) -> f64| Column {
        name: name.to_string(),
        data: ColumnData::Num(rows.iter().map(f).collect()),
    };
    let mut cols = vec![
        Column {
            name: NAME.to_string(),
            data: ColumnData::Text(rows.iter().map(|r| name_of(r.0)).collect()),
        },
        num(POPULATION, &|r| r.3),
        num(IKU, &|r| r.2),
        num(TENDERABLE, &|r| r.4),
        num(TENDERED, &|r| r.5),
    ];
    if with_netexp {
        cols.push(num(NETEXP, &|r| r.6));
    }
    cols.push(num(PRICE_INDEX, &|r| r.7));
    Panel::from_columns("code", "year", units, times, cols).unwrap()
}

/// The small panel: 2020 as in `SMALL`, 2019 with every IKU 2 pp lower.
fn small_panel() -> Panel {
    let mut rows = Vec::new();
    for &(c, iku, pop, tb, td, ne) in &SMALL {
        rows.push((c, 2020, iku, pop, tb, td, ne, 100.0));
        rows.push((c, 2019, iku - 2.0, pop, tb, td * 0.9, ne, 98.0));
    }
    panel_from(&rows, true)
}

/// 98 municipalities with their real 2019–2020 populations and a made-up IKU with many ties.
fn national_panel() -> Panel {
    let pop = iku::sources::reference::population();
    let mut rows = Vec::new();
    for m in iku::sources::reference::municipalities() {
        for year in [2019, 2020] {
            let p = pop[&(m.code, year)];
            let iku = 8.0 + ((m.code * 37) % 23) as f64 + if year == 2020 { 0.5 } else { 0.0 };
            let spc = 5200.0 + ((m.code * 13) % 11) as f64 * 150.0;
            let netexp = spc * p;
            let tenderable = 0.9 * netexp;
            rows.push((
                m.code,
                year,
                iku,
                p,
                tenderable,
                tenderable * iku / 100.0,
                netexp,
                if year == 2020 { 100.0 } else { 98.5 },
            ));
        }
    }
    panel_from(&rows, true)
}

fn estimated() -> Effect {
    Effect::from_coefficient(-12.3, Some(4.1), Some(97.0))
}

fn saving(p: &Projection, a: Approach, s: EffectSource) -> &iku::projection::Saving {
    p.savings
        .iter()
        .find(|x| x.approach == a && x.effect_source == s)
        .unwrap()
}

fn close(a: f64, b: f64, tol: f64) {
    assert!(
        (a - b).abs() <= tol * (1.0 + b.abs()),
        "{a} vs {b} (tol {tol})"
    );
}

#[test]
fn every_reading_matches_a_hand_computation() {
    let p = project(&small_panel(), 2020, 3, &[Effect::published(), estimated()]).unwrap();
    // National IKU: Σ tendered / Σ tenderable.
    let (st, sb): (f64, f64) = SMALL.iter().fold((0.0, 0.0), |a, r| (a.0 + r.4, a.1 + r.3));
    assert_eq!(st, 680.0);
    assert_eq!(sb, 3300.0);
    close(p.national_iku, 680.0 / 3300.0 * 100.0, 1e-14);
    // Top 3: 155 (40), 101 (30), then the tie at 25 goes to the lower code 147, not 151.
    assert_eq!(p.best_practice_units, vec!["155", "101", "147"]);
    let bp = (40.0 + 30.0 + 25.0) / 3.0;
    close(p.best_practice_iku, bp, 1e-14);
    let gaps = [bp - 30.0, bp - 25.0, bp - 25.0, bp - 10.0, 0.0, bp - 5.0];
    for (m, g) in p.municipalities.iter().zip(gaps) {
        close(m.gap_pp, g, 1e-12);
    }
    // 155 is above best practice and counts zero; 101 is in the top 3 yet below their mean.
    assert_eq!(p.municipalities[4].gap_pp, 0.0);
    assert!(p.municipalities[0].in_best_practice && p.municipalities[0].gap_pp > 1.6);
    assert!(!p.municipalities[2].in_best_practice);
    assert_eq!(
        p.municipalities.iter().map(|m| m.rank).collect::<Vec<_>>(),
        vec![2, 3, 4, 5, 1, 6]
    );
    // Extra tendered volume.
    let extra: f64 = SMALL.iter().zip(gaps).map(|(r, g)| g / 100.0 * r.3).sum();
    close(p.extra_tendered_dkk, extra, 1e-12);
    // 500·1⅔ % + 800·6⅔ % + 300·6⅔ % + 600·21⅔ % + 0 + 700·26⅔ %
    close(extra, 398.0 + 1.0 / 3.0, 1e-12);
    let pop: f64 = SMALL.iter().map(|r| r.2).sum();
    let netexp: f64 = SMALL.iter().map(|r| r.5).sum();
    for e in [Effect::published(), estimated()] {
        let es = e.saving_dkk_per_capita_pp;
        let nat = es * (bp - 680.0 / 3300.0 * 100.0) * pop;
        let abs: f64 = SMALL.iter().zip(gaps).map(|(r, g)| es * g * r.2).sum();
        let share = es / (netexp / pop);
        let rel: f64 = SMALL.iter().zip(gaps).map(|(r, g)| share * g * r.5).sum();
        close(
            saving(&p, Approach::National, e.source).total_dkk,
            nat,
            1e-12,
        );
        close(
            saving(&p, Approach::MunicipalAbsolute, e.source).total_dkk,
            abs,
            1e-12,
        );
        close(
            saving(&p, Approach::MunicipalRelative, e.source).total_dkk,
            rel,
            1e-12,
        );
    }
    // Per municipality (published, the headline): absolute and relative savings add up.
    let sum_abs: f64 = p.municipalities.iter().map(|m| m.savings_dkk).sum();
    let sum_rel: f64 = p
        .municipalities
        .iter()
        .map(|m| m.savings_relative_dkk)
        .sum();
    close(
        sum_abs,
        saving(&p, Approach::MunicipalAbsolute, EffectSource::Published).total_dkk,
        1e-12,
    );
    close(
        sum_rel,
        saving(&p, Approach::MunicipalRelative, EffectSource::Published).total_dkk,
        1e-12,
    );
    assert_eq!(p.headline_effect_source, EffectSource::Published);
    assert_eq!(p.municipalities[1].name, "Frederiksberg");
}

#[test]
fn national_reading_is_12_5_times_gap_times_population_to_the_krone() {
    let panel = national_panel();
    let p = project(&panel, 2020, 10, &[Effect::published()]).unwrap();
    // Independent recomputation from the reference population and the IKU formula.
    let pop = iku::sources::reference::population();
    let mut rows: Vec<(u32, f64, f64, f64)> = Vec::new(); // code, iku, pop, tenderable
    for m in iku::sources::reference::municipalities() {
        let p20 = pop[&(m.code, 2020)];
        let iku = 8.5 + ((m.code * 37) % 23) as f64;
        let spc = 5200.0 + ((m.code * 13) % 11) as f64 * 150.0;
        rows.push((m.code, iku, p20, 0.9 * spc * p20));
    }
    let total_pop: f64 = rows.iter().map(|r| r.2).sum();
    assert_eq!(total_pop, 5_822_679.0);
    let tendered: f64 = rows.iter().map(|r| r.3 * r.1 / 100.0).sum();
    let tenderable: f64 = rows.iter().map(|r| r.3).sum();
    let national = tendered / tenderable * 100.0;
    let mut by_iku = rows.clone();
    by_iku.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap().then(a.0.cmp(&b.0)));
    let top: Vec<String> = by_iku[..10].iter().map(|r| r.0.to_string()).collect();
    let bp: f64 = by_iku[..10].iter().map(|r| r.1).sum::<f64>() / 10.0;
    assert_eq!(p.best_practice_units, top);
    let expected = 12.5 * (bp - national) * total_pop;
    let got = saving(&p, Approach::National, EffectSource::Published).total_dkk;
    assert_eq!(got.round(), expected.round(), "{got} vs {expected}");
    assert!((got - expected).abs() < 0.5);
    close(p.national_iku, national, 1e-12);
    assert_eq!(p.n_municipalities, 98);
}

#[test]
fn intervals_propagate_the_standard_error_linearly() {
    // The projection's one quantile function is panelkit's.
    let q97 = p_and_quantile(0.0, Some(97.0), 0.95).1;
    close(q97, 1.984_723, 1e-6);
    close(
        p_and_quantile(0.0, None, 0.95).1,
        1.959_963_984_540_054,
        1e-12,
    );
    let p = project(&small_panel(), 2020, 3, &[Effect::published(), estimated()]).unwrap();
    for a in Approach::ALL {
        let est = saving(&p, a, EffectSource::Estimated);
        let m = est.total_dkk / 12.3; // the reading's multiplier
        close(est.effect_dkk_per_capita_pp, 12.3, 1e-15);
        close(est.ci_low_dkk.unwrap(), m * (12.3 - q97 * 4.1), 1e-12);
        close(est.ci_high_dkk.unwrap(), m * (12.3 + q97 * 4.1), 1e-12);
        assert!(est.ci_basis.starts_with("own standard error"));
        let publ = saving(&p, a, EffectSource::Published);
        close(publ.ci_low_dkk.unwrap(), m * (12.5 - q97 * 4.1), 1e-12);
        close(publ.ci_high_dkk.unwrap(), m * (12.5 + q97 * 4.1), 1e-12);
        assert_eq!(publ.effect_std_error, Some(4.1));
        assert!(
            publ.ci_basis.contains("re-estimated effect")
                && publ.ci_basis.contains("not available"),
            "{}",
            publ.ci_basis
        );
    }
    // Without any standard error there is no interval, and it says so.
    let p = project(&small_panel(), 2020, 3, &[Effect::published()]).unwrap();
    let s = saving(&p, Approach::National, EffectSource::Published);
    assert!(s.ci_low_dkk.is_none() && s.ci_high_dkk.is_none());
    assert!(s.ci_basis.starts_with("none"));
    // Normal quantile when no df is given.
    let e = Effect::from_coefficient(-10.0, Some(2.0), None);
    let p = project(&small_panel(), 2020, 3, &[e]).unwrap();
    let s = saving(&p, Approach::MunicipalAbsolute, EffectSource::Estimated);
    let m = s.total_dkk / 10.0;
    close(
        s.ci_low_dkk.unwrap(),
        m * (10.0 - 1.959_963_984_540_054 * 2.0),
        1e-12,
    );
}

#[test]
fn a_positive_coefficient_is_a_negative_saving() {
    let e = Effect::from_coefficient(4.0, None, None);
    assert_eq!(e.saving_dkk_per_capita_pp, -4.0);
    assert_eq!(e.coefficient(), 4.0);
    let p = project(&small_panel(), 2020, 3, &[e]).unwrap();
    assert!(saving(&p, Approach::National, EffectSource::Estimated).total_dkk < 0.0);
    // Back on spending, the interval's bounds swap with the sign.
    let e = Effect::from_coefficient(-10.0, Some(2.0), None);
    let p = project(&small_panel(), 2020, 3, &[e]).unwrap();
    let s = saving(&p, Approach::National, EffectSource::Estimated);
    let (c, lo, hi) = s.effect_as_coefficient();
    assert_eq!(c, -10.0);
    assert_eq!(lo, s.effect_ci_high.map(|v| -v));
    assert_eq!(hi, s.effect_ci_low.map(|v| -v));
    assert!(lo.unwrap() < c && c < hi.unwrap());
}

#[test]
fn sensitivity_rows_agree_with_separate_projections() {
    let panel = national_panel();
    let effects = [Effect::published(), estimated()];
    let p = project(&panel, 2020, 10, &effects).unwrap();
    // 4 values of k × 2 effects × 3 levels.
    assert_eq!(p.sensitivity.len(), 24);
    for k in [5, 10, 15, 20] {
        let q = project(&panel, 2020, k, &effects).unwrap();
        let row = p
            .sensitivity
            .iter()
            .find(|r| {
                r.k == k && r.effect_source == EffectSource::Published && r.effect_level == "point"
            })
            .unwrap();
        close(row.best_practice_iku, q.best_practice_iku, 1e-14);
        close(row.extra_tendered_dkk, q.extra_tendered_dkk, 1e-14);
        close(
            row.municipal_relative_dkk,
            saving(&q, Approach::MunicipalRelative, EffectSource::Published).total_dkk,
            1e-14,
        );
        let hi = p
            .sensitivity
            .iter()
            .find(|r| {
                r.k == k
                    && r.effect_source == EffectSource::Estimated
                    && r.effect_level == "ci_high"
            })
            .unwrap();
        close(
            hi.national_dkk,
            saving(&q, Approach::National, EffectSource::Estimated)
                .ci_high_dkk
                .unwrap(),
            1e-12,
        );
    }
    // On 6 municipalities only k = 5 fits.
    let small = project(&small_panel(), 2020, 3, &effects).unwrap();
    assert!(small.sensitivity.iter().all(|r| r.k == 5));
}

#[test]
fn municipalities_with_missing_values_are_left_out_and_listed() {
    let mut rows = Vec::new();
    for &(c, iku, pop, tb, td, ne) in &SMALL {
        let ne = if c == 153 { f64::NAN } else { ne };
        rows.push((c, 2020, iku, pop, tb, td, ne, 100.0));
    }
    let p = project(&panel_from(&rows, true), 2020, 3, &[Effect::published()]).unwrap();
    assert_eq!(p.n_municipalities, 5);
    assert_eq!(p.excluded.len(), 1);
    assert_eq!(p.excluded[0].code, "153");
    assert_eq!(p.excluded[0].missing, vec![NETEXP.to_string()]);
    close(p.national_iku, 620.0 / 2700.0 * 100.0, 1e-14);
}

#[test]
fn missing_amounts_are_approximated_from_spending_and_flagged() {
    // IKU-only sources: tenderable and tendered missing for 101 and 147.
    let mut rows = Vec::new();
    for &(c, iku, pop, tb, td, ne) in &SMALL {
        let (tb, td) = if c == 101 || c == 147 {
            (f64::NAN, f64::NAN)
        } else {
            (tb, td)
        };
        rows.push((c, 2020, iku, pop, tb, td, ne, 100.0));
    }
    let p = project(&panel_from(&rows, true), 2020, 3, &[Effect::published()]).unwrap();
    assert_eq!(p.n_municipalities, 6);
    assert_eq!(p.tenderable_approximated, vec!["101", "147"]);
    // 101: 6000 tenderable, 1800 tendered; 147: 10000 and 2500; the others as given.
    let tenderable = 6000.0 + 10000.0 + 300.0 + 600.0 + 400.0 + 700.0;
    let tendered = 1800.0 + 2500.0 + 75.0 + 60.0 + 160.0 + 35.0;
    close(p.national_iku, tendered / tenderable * 100.0, 1e-12);
    assert!(p
        .to_markdown()
        .contains("approximated by net operating expenditure"));
}

#[test]
fn bad_requests_are_clear_errors() {
    let panel = small_panel();
    let e = project(&panel, 2021, 3, &[Effect::published()])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no rows for year 2021") && e.contains("2019–2020"),
        "{e}"
    );
    let mut rows = Vec::new();
    for &(c, iku, pop, tb, td, ne) in &SMALL {
        rows.push((c, 2020, iku, pop, tb, td, ne, 100.0));
    }
    let e = project(&panel_from(&rows, false), 2020, 3, &[Effect::published()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("no numeric column 'netexp_hk6_dkk'"), "{e}");
    let e = project(&panel, 2020, 7, &[Effect::published()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("k = 7") && e.contains("≤ 6"), "{e}");
    assert!(project(&panel, 2020, 0, &[Effect::published()]).is_err());
    let e = project(&panel, 2020, 3, &[]).unwrap_err().to_string();
    assert!(e.contains("at least one effect"), "{e}");
    let e = project(
        &panel,
        2020,
        3,
        &[Effect::from_coefficient(-1.0, Some(-2.0), None)],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("standard error"), "{e}");
}

#[test]
fn renderers_carry_every_municipality_and_the_synthetic_mark() {
    let mut p = project(&small_panel(), 2020, 3, &[Effect::published()]).unwrap();
    let csv = String::from_utf8(p.to_csv().unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 7);
    assert!(csv.lines().next().unwrap().ends_with(",synthetic"));
    assert!(csv
        .lines()
        .nth(2)
        .unwrap()
        .starts_with("147,Frederiksberg,2020,25,3,"));
    assert!(csv.lines().skip(1).all(|l| l.ends_with(",false")));
    p.synthetic = true;
    let csv = String::from_utf8(p.to_csv().unwrap()).unwrap();
    assert!(csv.lines().skip(1).all(|l| l.ends_with(",true")));
    let json: serde_json::Value = serde_json::from_slice(&p.to_json().unwrap()).unwrap();
    assert_eq!(json["synthetic"], true);
    assert_eq!(json["year"], 2020);
    assert_eq!(json["best_practice_k"], 3);
    assert_eq!(json["savings"][0]["approach"], "national");
    assert_eq!(json["savings"][0]["effect_source"], "published");
    assert!(json["savings"][0]["ci_low_dkk"].is_null());
    assert_eq!(json["municipalities"].as_array().unwrap().len(), 6);
    let md = p.to_markdown();
    assert!(md.starts_with("# Savings projection, 2020 (best practice = top 3) — SYNTHETIC DATA"));
    assert!(md.contains("| municipal-relative | published | 12.50 |"));
}

#[test]
fn estimates_json_gives_the_saving_with_its_se_and_df() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("estimates.json");
    std::fs::write(
        &f,
        r#"{"best_estimate": {"spec": "fe", "term": "iku", "estimate": -11.5, "std_error": 3.0, "df": null, "conf_low": -17.4, "conf_high": -5.6}}"#,
    )
    .unwrap();
    let e = Effect::from_estimates_json(&f).unwrap();
    assert_eq!(e.source, EffectSource::Estimated);
    assert_eq!(e.saving_dkk_per_capita_pp, 11.5);
    assert_eq!(e.std_error, Some(3.0));
    assert_eq!(e.df, None);
    std::fs::write(&f, r#"{"best_estimate": {"estimate": "x"}}"#).unwrap();
    let err = Effect::from_estimates_json(&f).unwrap_err().to_string();
    assert!(
        err.contains("best_estimate.estimate") && err.contains("expected a number"),
        "{err}"
    );
    std::fs::write(&f, r#"{"fits": []}"#).unwrap();
    let err = Effect::from_estimates_json(&f).unwrap_err().to_string();
    assert!(err.contains("best_estimate"), "{err}");
}

fn write_panel_csv(path: &Path, panel: &Panel) {
    panelkit::panel::io::write_csv(panel, path).unwrap();
}

#[test]
fn binary_writes_all_three_reports_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let panel = data.join("panel.csv");
    write_panel_csv(&panel, &national_panel());
    std::fs::write(
        data.join("manifest.toml"),
        "synthetic = true\npanel_file = \"panel.csv\"\n",
    )
    .unwrap();
    let out = dir.path().join("reports");
    let bin = env!("CARGO_BIN_EXE_iku-project");
    // A missing year fails and writes nothing.
    let r = std::process::Command::new(bin)
        .args(["--data", panel.to_str().unwrap(), "--year", "2021"])
        .args(["--out-dir", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("no rows for year 2021"), "{err}");
    assert!(!out.exists());
    // A good run with an explicit estimate.
    let r = std::process::Command::new(bin)
        .args(["--data", panel.to_str().unwrap()])
        .args([
            "--effect-estimate",
            "-12.3",
            "--effect-se",
            "4.1",
            "--effect-df",
            "97",
        ])
        .args(["--out-dir", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("projection.json")).unwrap()).unwrap();
    assert_eq!(json["synthetic"], true);
    assert_eq!(json["savings"].as_array().unwrap().len(), 6);
    assert_eq!(json["savings"][1]["effect_dkk_per_capita_pp"], 12.3);
    let md = std::fs::read_to_string(out.join("projection.md")).unwrap();
    assert!(md.contains("SYNTHETIC DATA"));
    let csv = std::fs::read_to_string(out.join("projection.csv")).unwrap();
    assert_eq!(csv.lines().count(), 99);
    // Same inputs, same bytes.
    let first = std::fs::read(out.join("projection.json")).unwrap();
    let r = std::process::Command::new(bin)
        .args(["--data", panel.to_str().unwrap()])
        .args([
            "--effect-estimate",
            "-12.3",
            "--effect-se",
            "4.1",
            "--effect-df",
            "97",
        ])
        .args(["--out-dir", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(r.status.success());
    assert_eq!(std::fs::read(out.join("projection.json")).unwrap(), first);
    // With an estimates file and the figures.
    let est = dir.path().join("estimates.json");
    std::fs::write(
        &est,
        r#"{"best_estimate": {"spec": "fe", "term": "iku", "estimate": -10.0, "std_error": 2.5, "df": 97}}"#,
    )
    .unwrap();
    let r = std::process::Command::new(bin)
        .args(["--data", panel.to_str().unwrap(), "--figures"])
        .args(["--estimates", est.to_str().unwrap()])
        .args(["--out-dir", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("projection.json")).unwrap()).unwrap();
    assert_eq!(json["savings"][1]["effect_source"], "estimated");
    assert_eq!(json["savings"][1]["effect_dkk_per_capita_pp"], 10.0);
    assert_eq!(json["savings"][0]["effect_std_error"], 2.5);
    assert!(out
        .join("figures/fig5_savings_by_municipality.png")
        .is_file());
}

#[test]
fn figures_are_written_as_png_and_svg_with_their_titles() {
    let panel = national_panel();
    let p = project(&panel, 2020, 10, &[Effect::published(), estimated()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = iku::report::figures::render_all(&p, &panel, dir.path(), true).unwrap();
    assert_eq!(paths.len(), 10);
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.len() > 1000, "{}", path.display());
        match path.extension().and_then(|e| e.to_str()) {
            Some("png") => assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n"),
            Some("svg") => {
                let s = String::from_utf8(bytes).unwrap();
                assert!(
                    s.contains("<svg") && s.contains("SYNTHETIC DATA"),
                    "{}",
                    path.display()
                );
            }
            other => panic!("unexpected extension {other:?}"),
        }
    }
    let svg = std::fs::read_to_string(dir.path().join("fig1_iku_by_municipality.svg")).unwrap();
    assert!(svg.contains("IKU on main account 6 by municipality, 2020"));
    assert!(svg.contains("Hjørring") && svg.contains("Ærø") && svg.contains("Læsø"));
    assert!(svg.contains("IKU, main account 6 (%)"));
    let svg = std::fs::read_to_string(dir.path().join("fig3_tendered_bn_dkk.svg")).unwrap();
    assert!(svg.contains("2020 prices"));
    // Deterministic bytes.
    let again = iku::report::figures::render_all_bytes(&p, &panel, dir.path(), true).unwrap();
    for (path, bytes) in again {
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{}", path.display());
    }
    // Without the synthetic flag the titles do not say so.
    let files = iku::report::figures::national_iku(&panel, dir.path(), false).unwrap();
    let svg = String::from_utf8(files[1].1.clone()).unwrap();
    assert!(svg.contains("National IKU on main account 6") && !svg.contains("SYNTHETIC"));
}

#[test]
fn coefficient_plot_takes_any_rows_and_a_reference() {
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        ("fe, lag 1".to_string(), -12.0, -18.0, -6.0),
        ("fd".to_string(), -9.0, -20.0, 2.0),
        ("pooled".to_string(), 3.0, -1.0, 7.0),
    ];
    let paths = iku::report::figures::write_coefficient_plot(
        &rows,
        Some((-12.5, "true effect −12.5")),
        "Specifications",
        iku::report::figures::EFFECT_X_DESC,
        dir.path(),
        "coef",
        false,
    )
    .unwrap();
    assert_eq!(
        paths,
        vec![dir.path().join("coef.png"), dir.path().join("coef.svg")]
    );
    let svg = std::fs::read_to_string(&paths[1]).unwrap();
    assert!(
        svg.contains("Specifications") && svg.contains("fe, lag 1") && svg.contains("true effect")
    );
    assert!(
        iku::report::figures::coefficient_plot(&[], None, "t", "x", dir.path(), "e", false)
            .is_err()
    );
}

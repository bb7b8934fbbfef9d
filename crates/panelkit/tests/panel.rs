//! Panel loading and gap-aware operators.

use panelkit::panel::io::{read_csv_bytes, to_csv_bytes, Kind};
use panelkit::Panel;
use std::path::Path;

fn read(s: &str) -> panelkit::Result<Panel> {
    read_csv_bytes(Path::new("p.csv"), s.as_bytes(), "id", "t", |_| Kind::Auto)
}

#[test]
fn lag_across_a_gap_is_missing_not_the_wrong_year() {
    // Unit 1 has 2001, 2002, 2004 (2003 missing); unit 2 is complete; rows deliberately shuffled.
    let p =
        read("id,t,x\n1,2004,40\n2,2001,1\n1,2001,10\n1,2002,20\n2,2002,2\n2,2003,3\n").unwrap();
    let x = p.num("x").unwrap().to_vec();
    assert_eq!(x, vec![10.0, 20.0, 40.0, 1.0, 2.0, 3.0]);
    let l1 = p.lag(&x, 1);
    assert!(l1[0].is_nan());
    assert_eq!(l1[1], 10.0);
    assert!(l1[2].is_nan(), "2004's lag must not be 2002's value");
    assert_eq!(&l1[4..], &[1.0, 2.0]);
    let l2 = p.lag(&x, 2);
    assert_eq!(l2[2], 20.0, "2004's second lag is 2002");
    let f1 = p.lead(&x, 1);
    assert_eq!(f1[0], 20.0);
    assert!(f1[1].is_nan(), "2002's lead across the gap is missing");
    let d = p.diff(&x, 1);
    assert_eq!(d[1], 10.0);
    assert!(d[2].is_nan());
    let s = p.summary();
    assert!(!s.balanced);
    assert_eq!(s.gaps, vec![("1".to_string(), 2003)]);
}

#[test]
fn text_units_and_text_times_are_accepted() {
    let p = read("id,t,x\nb,q2,2\na,q1,1\na,q2,3\n").unwrap();
    assert_eq!(p.unit_labels(), &["a".to_string(), "b".to_string()]);
    let x = p.num("x").unwrap().to_vec();
    assert_eq!(x, vec![1.0, 3.0, 2.0]);
    assert_eq!(p.lag(&x, 1)[1], 1.0);
    assert_eq!(p.time_label(p.times()[2]), "q2");
}

#[test]
fn units_sort_numerically() {
    let p = read("id,t,x\n1000,1,1\n101,1,2\n99,1,3\n").unwrap();
    assert_eq!(p.unit_labels(), &["99", "101", "1000"]);
}

#[test]
fn duplicate_key_names_both_lines() {
    let e = read("id,t,x\n1,2001,1\n1,2002,2\n1,2001,3\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("p.csv:4:"), "{e}");
    assert!(
        e.contains("duplicate key id=1 t=2001: already given on line 2"),
        "{e}"
    );
}

#[test]
fn text_in_a_numeric_column_names_line_and_column() {
    let e = read("id,t,x\n1,2001,1.5\n1,2002,abc\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "p.csv:3: column 'x': expected a number (or NA for missing), found 'abc'"
    );
}

#[test]
fn truncated_row_is_an_error_with_its_line() {
    let e = read("id,t,x,y\n1,2001,1,2\n1,2002,3\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("p.csv:3:"), "{e}");
    assert!(e.contains("row has 3 fields, expected 4"), "{e}");
}

#[test]
fn empty_file_and_header_only_are_errors() {
    assert!(read("").unwrap_err().to_string().contains("empty file"));
    assert!(read("id,t,x\n")
        .unwrap_err()
        .to_string()
        .contains("no data rows"));
}

#[test]
fn explicit_missing_values_and_bom_round_trip() {
    let p = read("\u{feff}id,t,x,name\n1,2001,NA,a\n1,2002,.,\n2,2001,2.5,c\n").unwrap();
    let x = p.num("x").unwrap();
    assert!(x[0].is_nan() && x[1].is_nan());
    let out = String::from_utf8(to_csv_bytes(&p).unwrap()).unwrap();
    assert_eq!(
        out,
        "id,t,x,name\n1,2001,NA,a\n1,2002,NA,NA\n2,2001,2.5,c\n"
    );
}

/// A unit without its base-year row is left out (NaN rows, listed), not a refusal of all.
#[test]
fn a_unit_missing_its_base_year_row_is_left_out_of_fixed_prices() {
    let p = read("id,t,spend,pi\n1,2019,1000,98\n1,2020,1100,100\n2,2019,500,98\n").unwrap();
    let fp = p.fixed_prices("spend", "pi", 2020).unwrap();
    assert_eq!(fp.units_without_base, ["2"]);
    assert!((fp.values[0] - 1000.0 * 100.0 / 98.0).abs() < 1e-9);
    assert_eq!(fp.values[1], 1100.0);
    assert!(fp.values[2].is_nan());
}

#[test]
fn per_capita_and_fixed_prices() {
    let mut p = read("id,t,spend,pop,pi\n1,2019,1000,10,98\n1,2020,1100,10,100\n").unwrap();
    assert_eq!(p.per_capita("spend", "pop").unwrap(), vec![100.0, 110.0]);
    let fp = p.fixed_prices("spend", "pi", 2020).unwrap();
    assert!(fp.units_without_base.is_empty());
    let fp = fp.values;
    assert!((fp[0] - 1000.0 * 100.0 / 98.0).abs() < 1e-9);
    assert_eq!(fp[1], 1100.0);
    let e = p.fixed_prices("spend", "pi", 2030).unwrap_err();
    assert!(e.to_string().contains("base year 2030 for any unit"), "{e}");
    p.set_num("fp", fp).unwrap();
    assert!(p.num("fp").is_some());
}

/// A column that enters only through its lag may be missing in the row itself: the row is
/// kept, as plm 2.6-2 does (`plm(y ~ lag(x, 1), model = "pooling")` on this panel: 7
/// observations, coefficients 2.5 and 0.04166667, from the R code
/// below), not dropped as "missing values".
///
/// ```r
/// d <- data.frame(id = rep(1:3, each = 4), t = rep(1:4, 3),
///                 y = c(1,2,4,3, 2,3,5,4, 0,1,1,3), x = c(1,NA,2,3, 2,1,NA,4, 1,2,3,2))
/// m <- plm(y ~ lag(x, 1), data = pdata.frame(d, index = c("id", "t")), model = "pooling")
/// ```
#[test]
fn a_column_missing_only_in_the_row_of_its_lag_keeps_the_row() {
    let p = read(
        "id,t,y,x\n1,1,1,1\n1,2,2,NA\n1,3,4,2\n1,4,3,3\n2,1,2,2\n2,2,3,1\n2,3,5,NA\n2,4,4,4\n\
         3,1,0,1\n3,2,1,2\n3,3,1,3\n3,4,3,2\n",
    )
    .unwrap();
    let f = panelkit::Formula::parse("y ~ l(x, 1)").unwrap();
    let fit = panelkit::estimate(
        &p,
        &f,
        &panelkit::EstimateOptions::new(panelkit::Model::Pooled),
    )
    .unwrap();
    assert_eq!(fit.n(), 7);
    assert!((fit.coefficients()[0] - 2.5).abs() < 1e-12);
    assert!((fit.coefficients()[1] - 0.041_666_666_666_666_67).abs() < 1e-12);
    assert_eq!(fit.dropped_obs().get("missing values"), None);
    assert_eq!(fit.dropped_obs().get("lags/leads"), Some(&5));
}

#[test]
fn cells_are_trimmed_as_text_and_invalid_utf8_names_line_and_column() {
    // Unicode whitespace around a number is trimmed (str::trim), multi-byte text is kept.
    let p = read("id,t,x,name\n1,2001,\u{a0}1.5\u{2003},Tårnby\n1,2002, 2 ,Ærø \n").unwrap();
    assert_eq!(p.num("x").unwrap(), &[1.5, 2.0]);
    let name = p.columns().iter().find(|c| c.name == "name").unwrap();
    assert_eq!(
        name.data,
        panelkit::panel::ColumnData::Text(vec!["Tårnby".to_string(), "Ærø".to_string()])
    );
    // An invalid byte, and a character split across two fields, are errors naming the place.
    for bytes in [
        &b"id,t,x\n1,2001,1\n1,2002,\xff\n"[..],
        &b"id,t,x,y\n1,2001,1,\xc3\n1,2002,2,\xa5\n"[..],
    ] {
        let e = read_csv_bytes(Path::new("p.csv"), bytes, "id", "t", |_| Kind::Auto)
            .unwrap_err()
            .to_string();
        assert!(e.contains("p.csv") && e.contains("not valid UTF-8"), "{e}");
    }
    let e = read_csv_bytes(
        Path::new("p.csv"),
        &b"id,t,x,y\n1,2001,\xc3,\xa5\n"[..],
        "id",
        "t",
        |_| Kind::Auto,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("p.csv:2") && e.contains("column 'x'"), "{e}");
}

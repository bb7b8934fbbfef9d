//! Parser and evaluation tests.

use super::*;

#[test]
fn parses_lags_leads_diffs_and_fe() {
    let f =
        Formula::parse("y ~ x1 + l(x3, 1) + l(x2, 0:2) + d(x4) + f(y, 1) + d(x5, 2) | unit + year")
            .unwrap();
    let names: Vec<&str> = f.terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["x1", "l(x3, 1)", "l(x2, 0)", "l(x2, 1)", "l(x2, 2)", "d(x4)", "f(y, 1)", "d(x5, 2)"]
    );
    assert_eq!(f.terms[4].simple(), Some(("x2", Op::Lag(2))));
    assert_eq!(f.terms[6].simple(), Some(("y", Op::Lead(1))));
    assert_eq!(f.terms[7].simple(), Some(("x5", Op::Diff(2))));
    assert!(f.intercept);
    let fe: Vec<&str> = f.fixed_effects.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(fe, ["unit", "year"]);
}

#[test]
fn intercept_removal() {
    assert!(!Formula::parse("y ~ x - 1").unwrap().intercept);
    assert!(!Formula::parse("y ~ x + 0").unwrap().intercept);
    assert!(!Formula::parse("y ~ 0 + x").unwrap().intercept);
    assert!(Formula::parse("y ~ 1 + x").unwrap().intercept);
    assert_eq!(Formula::parse("y ~ 1 + x").unwrap().terms.len(), 1);
}

fn caret_col(e: Error) -> usize {
    let s = e.to_string();
    let last = s.lines().last().unwrap();
    last.find('^').unwrap() - 2
}

#[test]
fn errors_point_at_the_offending_character() {
    let e = Formula::parse("y ~ x1 + * x2").unwrap_err();
    assert!(e.to_string().contains("expected a variable"));
    assert_eq!(caret_col(e), 9);
    let e = Formula::parse("y ~ x1 + $ x2").unwrap_err();
    assert!(e.to_string().contains("unexpected character '$'"));
    assert_eq!(caret_col(e), 9);
    let e = Formula::parse("y ~ x1 + g(x2)").unwrap_err();
    assert!(e.to_string().contains("unknown function 'g'"));
    assert_eq!(caret_col(e), 9);
    let e = Formula::parse("y ~ log(l(x, 0:2))").unwrap_err();
    assert!(e.to_string().contains("whole term"));
    assert_eq!(caret_col(e), 13);
    let e = Formula::parse("y ~ x^2").unwrap_err();
    assert!(e.to_string().contains("I(x^2)"));
    assert_eq!(caret_col(e), 5);
    let e = Formula::parse("y ~ factor(v):x").unwrap_err();
    assert!(e.to_string().contains("i(v, x)"));
    assert_eq!(caret_col(e), 4);
    let e = Formula::parse("y ~ i(v, ref = )").unwrap_err();
    assert_eq!(caret_col(e), 15);
    let e = Formula::parse("y ~ I(x + )").unwrap_err();
    assert_eq!(caret_col(e), 10);
    let e = Formula::parse("y ~ l(x, 3:1)").unwrap_err();
    assert_eq!(caret_col(e), 11);
    let e = Formula::parse("y x").unwrap_err();
    assert_eq!(caret_col(e), 2);
    let e = Formula::parse("y ~ x +").unwrap_err();
    assert_eq!(caret_col(e), 7);
    let e = Formula::parse("y ~ x + x").unwrap_err();
    assert!(e.to_string().contains("appears twice"));
    assert_eq!(caret_col(e), 8);
}

#[test]
fn unknown_column_points_at_name() {
    let p = Panel::from_columns(
        "unit",
        "year",
        vec!["1".into(), "1".into()],
        vec![2000, 2001],
        vec![
            crate::panel::Column {
                name: "y".into(),
                data: crate::panel::ColumnData::Num(vec![1.0, 2.0]),
            },
            crate::panel::Column {
                name: "x".into(),
                data: crate::panel::ColumnData::Num(vec![1.0, 3.0]),
            },
        ],
    )
    .unwrap();
    let f = Formula::parse("y ~ x + l(zz, 1)").unwrap();
    let e = f.check(&p).unwrap_err();
    assert!(e.to_string().contains("no numeric column 'zz'"));
    assert_eq!(caret_col(e), 10);
    let f = Formula::parse("y ~ x | region").unwrap();
    let e = f.check(&p).unwrap_err();
    assert_eq!(caret_col(e), 8);
    let lag = Formula::parse("y ~ l(x, 1)").unwrap();
    let v = lag.terms[0].values(&p).unwrap();
    assert!(v[0].is_nan() && v[1] == 1.0);
}

#[test]
fn names_follow_fixest() {
    let f = Formula::parse(
        "log(y) ~ I(x^2) + I(x*z) + I(x / 2) + I((x+1)^2) + sqrt(x) + exp(-z) + l(d(x), 1) \
             + d(log(x)) + l(log(x), 0:2) + x:z + factor(v) + i(v) + i(v, ref = 2) \
             + i(g, x, ref = c(\"a\", 'b')) + I(x - 1.5e-1) | code + region^year",
    )
    .unwrap();
    assert_eq!(f.response.name, "log(y)");
    let names: Vec<&str> = f.terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "I(x^2)",
            "I(x * z)",
            "I(x/2)",
            "I((x + 1)^2)",
            "sqrt(x)",
            "exp(-z)",
            "l(d(x), 1)",
            "d(log(x))",
            "l(log(x), 0)",
            "l(log(x), 1)",
            "l(log(x), 2)",
            "factor(v)",
            "i(v)",
            "i(v, ref = 2)",
            "i(g, x, ref = c(\"a\", \"b\"))",
            "I(x - 0.15)",
            "x:z",
        ]
    );
    let TermKind::Factor(ft) = &f.terms[14].kind else {
        panic!("not a factor")
    };
    let refs: Vec<&str> = ft.refs.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(refs, ["a", "b"]);
    assert_eq!(
        f.fixed_effect_columns(),
        vec![vec!["code"], vec!["region", "year"]]
    );
}

#[test]
fn star_expands_and_terms_order_by_degree() {
    let f = Formula::parse("y ~ x:z + w + a + a*b*c").unwrap();
    let names: Vec<&str> = f.terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["w", "a", "b", "c", "x:z", "a:b", "a:c", "b:c", "a:b:c"]
    );
    assert!(Formula::parse("y ~ a + a").is_err());
}

fn small_panel() -> Panel {
    let num = |name: &str, v: Vec<f64>| crate::panel::Column {
        name: name.into(),
        data: crate::panel::ColumnData::Num(v),
    };
    Panel::from_columns(
        "unit",
        "year",
        ["1", "1", "1", "2", "2", "2"].map(String::from).to_vec(),
        vec![2000, 2001, 2002, 2000, 2001, 2002],
        vec![
            num("y", vec![1.0, 2.0, 4.0, 3.0, 5.0, 6.0]),
            num("x", vec![1.0, 2.0, 4.0, 8.0, 16.0, 0.0]),
            crate::panel::Column {
                name: "g".into(),
                data: crate::panel::ColumnData::Text(
                    ["b", "a", "b", "c", "a", ""].map(String::from).to_vec(),
                ),
            },
        ],
    )
    .unwrap()
}

#[test]
fn nested_operators_and_functions_evaluate_gap_aware() {
    let p = small_panel();
    let f = Formula::parse("y ~ l(log(x), 1) + d(log(x)) + l(d(x), 1) + I(year - 2000)").unwrap();
    f.check(&p).unwrap();
    let v: Vec<Vec<f64>> = f.terms.iter().map(|t| t.values(&p).unwrap()).collect();
    assert!(v[0][0].is_nan() && (v[0][1] - 0.0).abs() < 1e-15);
    assert!((v[1][2] - 2f64.ln()).abs() < 1e-15);
    assert!(v[1][5].is_nan(), "log(0) is missing");
    assert!(v[2][1].is_nan() && v[2][2] == 1.0);
    assert_eq!(v[3], [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]);
}

#[test]
fn factors_expand_on_the_sample_rows() {
    let p = small_panel();
    let f = Formula::parse("y ~ factor(g) + i(year, ref = 2001) + i(g, x, ref = \"a\")").unwrap();
    f.check(&p).unwrap();
    let vals: Vec<Vec<f64>> = f.terms.iter().map(|t| t.values(&p).unwrap()).collect();
    let rows = [0, 1, 2, 3, 4];
    let r = f.regressors(&p, &vals, &rows).unwrap();
    let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "factor(g)b",
            "factor(g)c",
            "year::2000",
            "year::2002",
            "g::b:x",
            "g::c:x"
        ]
    );
    assert_eq!(r[0].values, [1.0, 0.0, 1.0, 0.0, 0.0]);
    assert_eq!(r[4].values, [1.0, 0.0, 4.0, 0.0, 0.0]);
    let bad = Formula::parse("y ~ i(year, ref = 1999)").unwrap();
    let e = bad.regressors(&p, &[vec![1.0; 6]], &rows).unwrap_err();
    assert!(e.to_string().contains("not a level"));
    assert_eq!(caret_col(e), 18);
    let no_int = Formula::parse("y ~ 0 + factor(g)").unwrap();
    let r = no_int.regressors(&p, &[vec![1.0; 6]], &rows).unwrap();
    assert_eq!(r.len(), 3);
    let combo = Categorical::combine(vec![
        Categorical::of(&p, "g").unwrap(),
        Categorical::of(&p, "year").unwrap(),
    ]);
    assert_eq!(combo.codes[5], None);
    assert_eq!(combo.labels[0], "a_2001");
}

#[test]
fn data_columns_lists_every_column_read_once() {
    let f =
        Formula::parse("log(y) ~ l(d(x), 1) + I(x * z) + i(g, w, ref = 1) | code + region^year")
            .unwrap();
    assert_eq!(
        f.data_columns(),
        vec!["y", "x", "z", "w", "g", "code", "region", "year"]
    );
}

/// The texts of a multiple estimation's models.
fn expanded(text: &str) -> Vec<String> {
    expand(text).unwrap().into_iter().map(|f| f.text).collect()
}

#[test]
fn stepwise_functions_expand_in_fixest_order() {
    assert_eq!(expanded("y ~ x + sw(a, b)"), ["y ~ x + a", "y ~ x + b"]);
    assert_eq!(
        expanded("y ~ x + sw0(a, b)"),
        ["y ~ x", "y ~ x + a", "y ~ x + b"]
    );
    assert_eq!(
        expanded("y ~ csw(a, b) + x"),
        ["y ~ a + x", "y ~ a + b + x"]
    );
    assert_eq!(
        expanded("y ~ csw0(a, b) + x"),
        ["y ~ x", "y ~ a + x", "y ~ a + b + x"]
    );
    assert_eq!(expanded("y ~ sw0(a, b)"), ["y ~ 1", "y ~ a", "y ~ b"]);
    assert_eq!(expanded("y ~ sw0(a) - 1"), ["y ~ - 1", "y ~ a - 1"]);
    assert_eq!(
        expanded("y ~ x | sw0(code, code + year)"),
        ["y ~ x", "y ~ x | code", "y ~ x | code + year"]
    );
    assert_eq!(
        expanded("y ~ x | code + csw0(year, region^year)"),
        [
            "y ~ x | code",
            "y ~ x | code + year",
            "y ~ x | code + year + region^year"
        ]
    );
    // Outcomes: c() (fixest) or + (pyfixest); any value.
    assert_eq!(
        expanded("c(y, log(y + 1)) ~ x"),
        ["y ~ x", "log(y + 1) ~ x"]
    );
    assert_eq!(expanded("y + d(y) ~ x"), ["y ~ x", "d(y) ~ x"]);
    // Elements are any terms; the parsed formulas carry them.
    let f = expand("y ~ sw(l(x, 0:2), i(g, z, ref = c(1, 2)), x:z, x*z)").unwrap();
    let names = |k: usize| -> Vec<String> { f[k].terms.iter().map(|t| t.name.clone()).collect() };
    assert_eq!(names(0), ["l(x, 0)", "l(x, 1)", "l(x, 2)"]);
    assert_eq!(names(1), ["i(g, z, ref = c(1, 2))"]);
    assert_eq!(names(2), ["x:z"]);
    assert_eq!(names(3), ["x", "z", "x:z"]);
    // Quoted levels keep their spacing; other whitespace is tidied.
    assert_eq!(
        expanded("y  ~ sw( a ,i(g, ref = \"n  e\") )"),
        ["y ~ a", "y ~ i(g, ref = \"n  e\")"]
    );
}

#[test]
fn expansion_counts_multiply_over_the_parts() {
    let f = expand("c(y1, y2) ~ x + csw0(a, b) | sw(fe1, fe2)").unwrap();
    assert_eq!(f.len(), 12);
    // Fixed effects outermost, then outcome, then right-hand side (pyfixest's order).
    assert_eq!(f[0].text, "y1 ~ x | fe1");
    assert_eq!(f[3].text, "y2 ~ x | fe1");
    assert_eq!(f[5].text, "y2 ~ x + a + b | fe1");
    assert_eq!(f[6].text, "y1 ~ x | fe2");
    assert_eq!(f[11].text, "y2 ~ x + a + b | fe2");
    assert_eq!(f[11].fixed_effects[0].0, "fe2");
    assert_eq!(
        expand("c(a, b, c) ~ sw(x, z, w) | csw0(f, g, h)")
            .unwrap()
            .len(),
        36
    );
    // Without the syntax: the formula itself, text untouched (spacing and all).
    let one = expand("y ~  x+ i(g, ref = c(1, 2)) | code").unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        one[0],
        Formula::parse("y ~  x+ i(g, ref = c(1, 2)) | code").unwrap()
    );
    // Deterministic.
    assert_eq!(
        expand("c(y1, y2) ~ sw0(a, b) | csw(f, g)").unwrap(),
        expand("c(y1, y2) ~ sw0(a, b) | csw(f, g)").unwrap()
    );
    let many = format!(
        "c({}) ~ sw({}) | sw({})",
        ["y"; 11].join(","),
        ["x"; 10].join(","),
        ["f"; 10].join(",")
    );
    assert!(expand(&many)
        .unwrap_err()
        .to_string()
        .contains("1100 models"));
}

#[test]
fn expansion_errors_point_at_the_formula_as_written() {
    for (text, msg, col) in [
        ("y ~ sw()", "sw() needs at least one element", 7),
        ("y ~ sw(a, , b)", "empty element in sw()", 10),
        ("y ~ sw(a, csw(b, c))", "csw() inside sw()", 10),
        ("y ~ x + c(a, b)", "c() lists several outcomes", 8),
        ("sw(y1, y2) ~ x", "write c(y1, y2)", 0),
        (
            "y ~ sw(a, b) + csw(c, d)",
            "second stepwise function in the right-hand side",
            15,
        ),
        (
            "y ~ x | sw(f, g) + sw(h, k)",
            "second stepwise function in the fixed effects",
            19,
        ),
        ("c(y1, y2) + y3 ~ x", "whole left-hand side", 0),
        ("y ~ x:sw(a, b)", "whole term", 6),
        ("y ~ sw(a, b", "never closed", 4),
        ("y1 + ~ x", "expected an outcome", 5),
        // Errors of one model's formula, with the caret on the formula as written.
        ("y ~ x + sw(z, x)", "'x' appears twice", 14),
        ("y ~ x + csw(z, w^2)", "I(x^2)", 16),
        (
            "y ~ x | sw(code, code + code)",
            "fixed effect 'code' appears twice",
            24,
        ),
    ] {
        let e = expand(text).unwrap_err();
        let s = e.to_string();
        assert!(s.contains(msg), "{text}: {s}");
        assert!(s.contains(&format!("\n  {text}\n")), "{text}: {s}");
        assert_eq!(caret_col(e), col, "{text}: {s}");
    }
    // c() inside i(..., ref = c(...)) is a vector of levels, not outcomes.
    assert_eq!(expand("y ~ sw(x, i(g, ref = c(1, 2)))").unwrap().len(), 2);
}

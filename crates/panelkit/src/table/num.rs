//! Number formatting shared by every table: full precision for data files, fixed widths
//! for displayed estimates, p-values and significance stars.

/// Shortest text that reads back to the same value; `NA` when missing (NaN). The format of
/// every CSV number (data files, coefficient tables).
pub fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "NA".to_string()
    } else {
        format!("{v}")
    }
}

/// Six decimals, or four-digit scientific notation outside [1e-4, 1e6) (like R's
/// `summary()`); non-finite values as [`fmt_num`] writes them.
pub fn fmt_sig(v: f64) -> String {
    if !v.is_finite() {
        return fmt_num(v);
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e6).contains(&a) {
        format!("{v:.4e}")
    } else {
        format!("{v:.6}")
    }
}

/// A p-value: `< 2.2e-16` below R's machine-precision floor, scientific below 1e-4, else four
/// decimals.
pub fn fmt_p(p: f64) -> String {
    if p < 2.2e-16 {
        "< 2.2e-16".into()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

/// An estimate in a multi-model table: three decimals, or scientific with three decimals
/// when |x| < 0.01; empty when not finite.
pub fn fmt_coef(x: f64) -> String {
    if !x.is_finite() {
        return "".into();
    }
    if x != 0.0 && x.abs() < 0.01 {
        format!("{x:.3e}")
    } else {
        format!("{x:.3}")
    }
}

/// `[lo, hi]` divided by `scale` with `decimals` decimals; `—` when either bound is missing.
pub fn fmt_interval(lo: Option<f64>, hi: Option<f64>, scale: f64, decimals: usize) -> String {
    match (lo, hi) {
        (Some(l), Some(h)) => format!("[{:.*}, {:.*}]", decimals, l / scale, decimals, h / scale),
        _ => "—".to_string(),
    }
}

/// Significance stars: `***` p < 0.01, `**` p < 0.05, `*` p < 0.1 (see [`STARS_NOTE`]).
pub fn stars(p: f64) -> &'static str {
    if p < 0.01 {
        "***"
    } else if p < 0.05 {
        "**"
    } else if p < 0.1 {
        "*"
    } else {
        ""
    }
}

/// The note that explains [`stars`] and the standard errors in parentheses.
pub const STARS_NOTE: &str = "Standard errors in parentheses. * p<0.1, ** p<0.05, *** p<0.01.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_formats() {
        assert_eq!(fmt_num(f64::NAN), "NA");
        assert_eq!(fmt_num(0.1), "0.1");
        assert_eq!(fmt_sig(0.110124), "0.110124");
        assert_eq!(fmt_sig(1.5e-5), "1.5000e-5");
        assert_eq!(fmt_sig(f64::INFINITY), "inf");
        assert_eq!(fmt_p(1e-20), "< 2.2e-16");
        assert_eq!(fmt_p(4.83e-5), "4.83e-5");
        assert_eq!(fmt_p(0.31194), "0.3119");
        assert_eq!(fmt_coef(-14.2851), "-14.285");
        assert_eq!(fmt_coef(0.001234), "1.234e-3");
        assert_eq!(fmt_coef(f64::NAN), "");
        assert_eq!(fmt_interval(Some(1e6), Some(2.5e6), 1e6, 1), "[1.0, 2.5]");
        assert_eq!(fmt_interval(None, Some(1.0), 1.0, 1), "—");
        assert_eq!([0.001, 0.02, 0.07, 0.5].map(stars), ["***", "**", "*", ""]);
    }
}

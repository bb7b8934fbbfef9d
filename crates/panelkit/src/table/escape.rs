//! One escape function per output format. Plain text needs none.

/// A Markdown table cell: `|` escaped, line breaks as spaces.
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A CSV field (RFC 4180, as the `csv` crate writes it): quoted when it holds a comma, a
/// quote or a line break, with quotes doubled.
pub fn escape_csv(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// LaTeX text: the special characters escaped and the typographic characters the toolkit
/// writes (minus, prime, middle dot, times, Δ, superscript two, ellipsis, dashes, < and >) spelled in ASCII, so
/// the result compiles with pdflatex without extra packages.
pub fn escape_tex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '_' | '#' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '|' => out.push_str("\\textbar{}"),
            // Without T1 font encoding a bare < or > prints as ¡ or ¿.
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '−' => out.push('-'),
            '–' => out.push_str("--"),
            '—' => out.push_str("---"),
            '′' => out.push('\''),
            '·' => out.push_str("$\\cdot$"),
            '×' => out.push_str("$\\times$"),
            'Δ' => out.push_str("$\\Delta$"),
            '²' => out.push_str("$^2$"),
            '…' => out.push_str("..."),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_escapes_its_specials() {
        assert_eq!(escape_md("a|b"), "a\\|b");
        assert_eq!(escape_csv("plain"), "plain");
        assert_eq!(escape_csv("a, b"), "\"a, b\"");
        assert_eq!(escape_csv("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(
            escape_tex("l(x_1, 1) & 95% R² \\ #1"),
            "l(x\\_1, 1) \\& 95\\% R$^2$ \\textbackslash{} \\#1"
        );
        assert_eq!(
            escape_tex("G/(G − 1) · (n − K′)"),
            "G/(G - 1) $\\cdot$ (n - K')"
        );
        assert_eq!(escape_tex("Δ IKU × x"), "$\\Delta$ IKU $\\times$ x");
        assert_eq!(
            escape_tex("* p<0.1, a > b"),
            "* p\\textless{}0.1, a \\textgreater{} b"
        );
        assert_eq!(
            escape_tex("{x}^2 $ ~"),
            "\\{x\\}\\textasciicircum{}2 \\$ \\textasciitilde{}"
        );
    }
}

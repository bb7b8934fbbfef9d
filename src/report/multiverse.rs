//! The multiverse's outputs: `multiverse.{csv,json,md}` (one row per specification, each
//! choice its own column), the specification curve and savings figures, and REPORT.md's
//! section.

use crate::multiverse::{MultiverseResults, SavingsSummary};
use crate::projection::definitions::Approach;
use crate::report::figures;
use panelkit::error::Result;
use panelkit::table::{fmt_num, fmt_p, Table};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A multiverse run with its provenance.
#[derive(Debug, Clone, Serialize)]
pub struct MultiverseReport {
    pub synthetic: bool,
    pub data_file: String,
    pub data_sha256: String,
    pub multiverse_file: String,
    pub multiverse_sha256: String,
    #[serde(flatten)]
    pub results: MultiverseResults,
}

/// The figure stems, in report order.
pub const CURVE_STEM: &str = "fig7_spec_curve";
pub const SAVINGS_STEM: &str = "fig8_savings_multiverse";

fn opt(v: Option<f64>) -> String {
    v.map(fmt_num).unwrap_or_default()
}

fn mio(v: f64) -> String {
    format!("{:.0}", v / 1e6)
}

impl MultiverseReport {
    /// One row per spec: the choices, the effect with SE, CI, p-values, N and the savings
    /// under each reading (numbers at full precision).
    pub fn to_csv(&self) -> Vec<u8> {
        let r = &self.results;
        let mut header: Vec<String> = vec!["spec".into()];
        header.extend(r.dimensions.iter().map(|d| d.to_string()));
        header.extend(
            [
                "formula",
                "estimator",
                "vcov",
                "estimate",
                "std_error",
                "df",
                "conf_low",
                "conf_high",
                "p_value",
                "p_romano_wolf",
                "nobs",
                "n_units",
            ]
            .map(String::from),
        );
        header.extend(
            Approach::ALL
                .iter()
                .map(|a| format!("savings_{}_dkk", a.as_str().replace('-', "_"))),
        );
        header.extend(["best".to_string(), "synthetic".to_string()]);
        let mut t = Table::new(header);
        for row in &r.rows {
            let mut cells = vec![row.spec.clone()];
            cells.extend(row.choices.iter().cloned());
            cells.extend([
                row.formula.clone(),
                row.estimator.clone(),
                row.vcov.clone(),
                fmt_num(row.estimate),
                fmt_num(row.std_error),
                opt(row.df),
                fmt_num(row.conf_low),
                fmt_num(row.conf_high),
                fmt_num(row.p_value),
                opt(row.p_romano_wolf),
                row.nobs.to_string(),
                row.n_units.to_string(),
            ]);
            cells.extend(row.savings_dkk.iter().map(|v| fmt_num(*v)));
            cells.extend([row.best.to_string(), self.synthetic.to_string()]);
            t.push_row(cells);
        }
        t.to_csv().into_bytes()
    }

    /// The whole run as JSON (numbers at full precision).
    pub fn to_json(&self) -> Vec<u8> {
        super::pretty_json(self).unwrap_or_default()
    }

    /// The summary, the joint test, the savings distribution and the table of every spec.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        if self.synthetic {
            s.push_str(super::SYNTHETIC_BANNER);
        }
        s.push_str("# Multiverse\n\n");
        s.push_str(&format!(
            "Data `{}` (sha256 `{}`{}); multiverse `{}` (sha256 `{}`).\n\n",
            self.data_file,
            self.data_sha256,
            if self.synthetic { ", SYNTHETIC" } else { "" },
            self.multiverse_file,
            self.multiverse_sha256
        ));
        s.push_str(&self.summary_markdown(2));
        s.push_str("## Every specification\n\n");
        let r = &self.results;
        let mut header: Vec<String> = vec!["spec".into()];
        header.extend(r.dimensions.iter().map(|d| d.to_string()));
        header.extend(
            [
                "effect",
                "SE",
                "95 % CI",
                "p",
                "p (RW)",
                "N",
                "saving, national (mio.)",
            ]
            .map(String::from),
        );
        let mut t = Table::new(header);
        for row in &r.rows {
            let mut cells = vec![if row.best {
                format!("{} (best)", row.spec)
            } else {
                row.spec.clone()
            }];
            cells.extend(row.choices.iter().cloned());
            cells.extend([
                format!("{:.3}", row.estimate),
                format!("{:.3}", row.std_error),
                format!("[{:.3}, {:.3}]", row.conf_low, row.conf_high),
                fmt_p(row.p_value),
                row.p_romano_wolf.map(fmt_p).unwrap_or_default(),
                row.nobs.to_string(),
                mio(row.savings_dkk[0]),
            ]);
            t.push_row(cells);
        }
        s.push_str(&t.to_markdown());
        s.push('\n');
        s
    }

    /// The curve's summary, the joint test, the rules and the savings distribution, with
    /// headings at `level`.
    pub fn summary_markdown(&self, level: usize) -> String {
        let h = "#".repeat(level);
        let r = &self.results;
        let c = &r.summary;
        let b = &r.rows[r.best];
        let excluded: usize = r.rules.iter().map(|x| x.0).sum();
        let mut s = format!("{h} Specification curve\n\n");
        s.push_str(&format!(
            "{} specifications: the cross product of {} ({} combinations) less {} excluded by {} rule{}. \
             Effects are on net spending on main account 6, DKK per inhabitant per year per +1 pp IKU \
             (negative = saving).\n\n",
            c.n_specs,
            r.dimensions
                .iter()
                .zip(&r.options)
                .map(|(d, o)| format!("{d} ({})", o.len()))
                .collect::<Vec<_>>()
                .join(" × "),
            r.n_combinations,
            excluded,
            r.rules.len(),
            if r.rules.len() == 1 { "" } else { "s" }
        ));
        let mut t = Table::new(["", "value"]);
        t.push_row([
            "median effect".to_string(),
            format!("{:.3}", c.median_effect),
        ]);
        t.push_row([
            "range of effects".to_string(),
            format!("[{:.3}, {:.3}]", c.min_effect, c.max_effect),
        ]);
        t.push_row([
            "share negative".to_string(),
            format!("{:.1} %", 100.0 * c.share_negative),
        ]);
        t.push_row([
            "share significant at 5 % (either sign)".to_string(),
            format!("{:.1} %", 100.0 * c.share_significant),
        ]);
        t.push_row([
            "share negative and significant at 5 %".to_string(),
            format!("{:.1} %", 100.0 * c.share_significant_negative),
        ]);
        t.push_row([
            format!("best estimate ({}: {})", b.spec, b.choices.join(" · ")),
            format!("{:.3} [{:.3}, {:.3}]", b.estimate, b.conf_low, b.conf_high),
        ]);
        t.push_row([
            "published (VIVE 2020 via DI 2022)".to_string(),
            format!("{:.3}", r.published_effect),
        ]);
        s.push_str(&t.to_markdown());
        s.push('\n');
        match &c.joint_test {
            Some(j) => {
                s.push_str(&format!(
                    "Joint test under the null (Simonsohn, Simmons & Nelson 2020): {} draws of a wild \
                     cluster bootstrap by municipality with the effect imposed to be zero in every \
                     specification, Rademacher weights shared across specifications (seed {}), so each \
                     draw re-estimates the whole curve. Both statistics are two-sided: a draw \
                     counts when it is as extreme in either direction, since the direction is read \
                     from the data ({} median).\n\n",
                    j.reps,
                    r.seed,
                    if j.direction < 0.0 { "negative" } else { "positive" }
                ));
                let mut t = Table::new(["statistic", "observed", "p under the null"]);
                t.push_row([
                    "median effect".to_string(),
                    format!("{:.3}", j.median),
                    fmt_p(j.p_median),
                ]);
                t.push_row([
                    "share significant at 5 % in the more frequent direction (bootstrap CRV1 t by \
                     municipality)"
                        .to_string(),
                    format!("{:.1} %", 100.0 * j.share_significant),
                    fmt_p(j.p_share),
                ]);
                s.push_str(&t.to_markdown());
                s.push_str(
                    "\nRomano–Wolf stepdown p-values from the same draws are in the `p_romano_wolf` \
                     column of `multiverse.csv`.\n\n",
                );
            }
            None => s.push_str("No joint test (`reps = 0`).\n\n"),
        }
        if !r.rules.is_empty() {
            s.push_str("Rules (combinations left out):\n\n");
            for (n, why) in &r.rules {
                s.push_str(&format!("- {n}: {why}\n"));
            }
            s.push('\n');
        }
        s.push_str(&format!(
            "{h} Savings across the multiverse\n\nEach specification's effect through DI's projection \
             ({}, best practice = mean IKU of the top {}), under every reading; DI published {} mio. DKK.\n\n",
            r.year,
            r.k,
            mio(r.published_savings_dkk)
        ));
        s.push_str(&savings_table(&r.savings).to_markdown());
        s.push('\n');
        s
    }

    /// The specification curve and the savings distribution (PNG and SVG each) in `dir`.
    pub fn figures(&self, dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let r = &self.results;
        let mut files = figures::spec_curve(
            &figures::CurveInput {
                effects: r
                    .rows
                    .iter()
                    .map(|x| (x.estimate, x.conf_low, x.conf_high))
                    .collect(),
                choices: r.rows.iter().map(|x| x.choices.clone()).collect(),
                dimensions: r.dimensions.iter().map(|d| d.to_string()).collect(),
                options: r.options.clone(),
                best: r.best,
                published: r.published_effect,
            },
            dir,
            CURVE_STEM,
            self.synthetic,
        )?;
        let series: Vec<(String, Vec<f64>)> = Approach::ALL
            .iter()
            .enumerate()
            .map(|(j, a)| {
                (
                    a.as_str().to_string(),
                    r.rows.iter().map(|x| x.savings_dkk[j]).collect(),
                )
            })
            .collect();
        files.extend(figures::savings_distribution(
            &series,
            r.published_savings_dkk,
            dir,
            SAVINGS_STEM,
            self.synthetic,
        )?);
        Ok(files)
    }

    /// `multiverse.{csv,json,md}` in `dir` and the figures in `dir/figures`, rendered.
    pub fn files(&self, dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let mut files = vec![
            (dir.join("multiverse.csv"), self.to_csv()),
            (dir.join("multiverse.json"), self.to_json()),
            (dir.join("multiverse.md"), self.to_markdown().into_bytes()),
        ];
        files.extend(self.figures(&dir.join("figures"))?);
        Ok(files)
    }
}

/// The savings distribution per reading, mio. DKK.
fn savings_table(rows: &[SavingsSummary]) -> Table {
    let mut t = Table::new([
        "reading",
        "min",
        "5 %",
        "25 %",
        "median",
        "75 %",
        "95 %",
        "max",
        "share ≥ published",
        "share > 0",
    ]);
    for x in rows {
        t.push_row([
            x.reading.to_string(),
            mio(x.min),
            mio(x.p05),
            mio(x.p25),
            mio(x.median),
            mio(x.p75),
            mio(x.p95),
            mio(x.max),
            format!("{:.1} %", 100.0 * x.share_at_least_published),
            format!("{:.1} %", 100.0 * x.share_positive),
        ]);
    }
    t
}

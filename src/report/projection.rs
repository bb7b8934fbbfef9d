//! The projection's outputs — `projection.{json,csv,md}` — and the savings and sensitivity
//! tables that REPORT.md shows too, each defined once here and rendered through panelkit's
//! table grid.

use crate::canonical::{CODE, IKU, NAME, NETEXP, POPULATION, TENDERABLE, TENDERED};
use crate::projection::{MunicipalityRow, Projection, Saving, SensitivityRow};
use panelkit::error::{Error, Result};
use panelkit::table::{col, fmt_interval, fmt_num, Align, Col, Table};

const SYNTHETIC_NOTE: &str = "SYNTHETIC DATA — not real municipal figures";

/// An amount of DKK with its own unit: `1.234 bn DKK`, `550.0 mio. DKK`, `900 DKK`.
pub(crate) fn dkk(x: f64) -> String {
    let a = x.abs();
    if a >= 1e9 {
        format!("{:.3} bn DKK", x / 1e9)
    } else if a >= 1e6 {
        format!("{:.1} mio. DKK", x / 1e6)
    } else {
        format!("{x:.0} DKK")
    }
}

/// `columns` with a last column `data` reading SYNTHETIC on every row when `synthetic`, so
/// a row copied out of a per-municipality table keeps the mark.
pub(crate) fn with_synthetic_column<'a, T: 'a>(
    mut columns: Vec<Col<'a, T>>,
    synthetic: bool,
) -> Vec<Col<'a, T>> {
    if synthetic {
        columns.push(col("data", Align::Left, |_: &T| "SYNTHETIC".to_string()));
    }
    columns
}

/// [`dkk`], or `—` when missing.
fn opt_dkk(x: Option<f64>) -> String {
    x.map(dkk).unwrap_or_else(|| "—".into())
}

/// Which document a shared table goes into: the documents differ in how they show money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// REPORT.md: every amount with its own unit ([`dkk`]), the interval basis per row.
    Report,
    /// projection.md: right-aligned numbers in fixed units (mio. DKK, bn DKK), the effect's
    /// interval beside the saving's.
    Projection,
}

/// Savings under every reading × effect.
pub(crate) fn savings_table(p: &Projection, layout: Layout) -> Table {
    use Align::{Left, Right};
    let reading = col("reading", Left, |s: &Saving| {
        s.approach.as_str().to_string()
    });
    let effect = col("effect", Left, |s: &Saving| {
        s.effect_source.as_str().to_string()
    });
    let per_pp = |header: &str, align| {
        col(header, align, |s: &Saving| {
            format!("{:.2}", s.effect_dkk_per_capita_pp)
        })
    };
    let columns: Vec<Col<Saving>> = match layout {
        Layout::Report => vec![
            reading,
            effect,
            per_pp("DKK per inh. per pp", Left),
            col("saving per year", Left, |s: &Saving| dkk(s.total_dkk)),
            col("95 % interval", Left, |s: &Saving| {
                format!("[{}, {}]", opt_dkk(s.ci_low_dkk), opt_dkk(s.ci_high_dkk))
            }),
            col("interval basis", Left, |s: &Saving| s.ci_basis.clone()),
        ],
        Layout::Projection => vec![
            reading,
            effect,
            per_pp("DKK/inh./pp", Right),
            col("95 % CI of effect", Right, |s: &Saving| {
                fmt_interval(s.effect_ci_low, s.effect_ci_high, 1.0, 2)
            }),
            col("saving (mio. DKK)", Right, |s: &Saving| {
                format!("{:.1}", s.total_dkk / 1e6)
            }),
            col("95 % CI (mio. DKK)", Right, |s: &Saving| {
                fmt_interval(s.ci_low_dkk, s.ci_high_dkk, 1e6, 1)
            }),
        ],
    };
    Table::from_records(&p.savings, &columns)
}

/// The savings at each k and at the effect's point estimate and interval bounds.
pub(crate) fn sensitivity_table(p: &Projection, layout: Layout) -> Table {
    use Align::{Left, Right};
    let money = move |x: f64| match layout {
        Layout::Report => dkk(x),
        Layout::Projection => format!("{:.1}", x / 1e6),
    };
    let (bp, extra, num) = match layout {
        Layout::Report => ("best practice %", "extra tendering", Left),
        Layout::Projection => ("best practice (%)", "extra tendered (bn DKK)", Right),
    };
    let columns: Vec<Col<SensitivityRow>> = vec![
        col("k", num, |r: &SensitivityRow| r.k.to_string()),
        col(bp, num, |r: &SensitivityRow| {
            format!("{:.2}", r.best_practice_iku)
        }),
        col(extra, num, move |r: &SensitivityRow| match layout {
            Layout::Report => dkk(r.extra_tendered_dkk),
            Layout::Projection => format!("{:.3}", r.extra_tendered_dkk / 1e9),
        }),
        col("effect", Left, |r: &SensitivityRow| {
            r.effect_source.as_str().to_string()
        }),
        col("level", Left, |r: &SensitivityRow| {
            r.effect_level.to_string()
        }),
        col("DKK/inh./pp", num, |r: &SensitivityRow| {
            format!("{:.2}", r.effect_dkk_per_capita_pp)
        }),
        col("national", num, move |r: &SensitivityRow| {
            money(r.national_dkk)
        }),
        col("municipal-absolute", num, move |r: &SensitivityRow| {
            money(r.municipal_absolute_dkk)
        }),
        col("municipal-relative", num, move |r: &SensitivityRow| {
            money(r.municipal_relative_dkk)
        }),
    ];
    Table::from_records(&p.sensitivity, &columns)
}

/// The warning printed when tenderable and tendered amounts were approximated, or `None`.
/// `sep` joins its two halves (the two documents punctuate it differently).
pub(crate) fn approximation_warning(p: &Projection, sep: &str) -> Option<String> {
    (!p.tenderable_approximated.is_empty()).then(|| {
        format!(
            "**Tenderable and tendered amounts were missing for {} municipalities and are \
             approximated by net operating expenditure on main account 6 (tendered = IKU × \
             that){sep} the national IKU and the extra tendering rest on that approximation.**\n\n",
            p.tenderable_approximated.len()
        )
    })
}

impl Projection {
    /// Pretty JSON with a trailing newline (missing intervals are `null`).
    pub fn to_json(&self) -> Result<Vec<u8>> {
        super::pretty_json(self)
            .map_err(|e| Error::Data(format!("cannot render projection JSON: {e}")))
    }

    /// One row per municipality (code order). `tenderable_approximated` is `true` where the
    /// amounts were approximated from spending; the last column `synthetic` is `true` on every
    /// row when the panel is synthetic, so both marks survive any CSV reader.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let n = |f: fn(&MunicipalityRow) -> f64| move |m: &MunicipalityRow| fmt_num(f(m));
        let year = self.year.to_string();
        let synthetic = self.synthetic.to_string();
        let l = Align::Left;
        let columns: Vec<Col<MunicipalityRow>> = vec![
            col(CODE, l, |m: &MunicipalityRow| m.code.clone()),
            col(NAME, l, |m: &MunicipalityRow| m.name.clone()),
            col("year", l, |_: &MunicipalityRow| year.clone()),
            col(IKU, l, n(|m| m.iku)),
            col("rank", l, |m: &MunicipalityRow| m.rank.to_string()),
            col("in_best_practice", l, |m: &MunicipalityRow| {
                m.in_best_practice.to_string()
            }),
            col("gap_pp", l, n(|m| m.gap_pp)),
            col(POPULATION, l, n(|m| m.population)),
            col(TENDERABLE, l, n(|m| m.tenderable_dkk)),
            col(TENDERED, l, n(|m| m.tendered_dkk)),
            col(NETEXP, l, n(|m| m.netexp_dkk)),
            col("extra_tendered_dkk", l, n(|m| m.extra_tendered_dkk)),
            col("savings_dkk", l, n(|m| m.savings_dkk)),
            col("savings_relative_dkk", l, n(|m| m.savings_relative_dkk)),
            col("tenderable_approximated", l, |m: &MunicipalityRow| {
                self.tenderable_approximated.contains(&m.code).to_string()
            }),
            col("synthetic", l, |_: &MunicipalityRow| synthetic.clone()),
        ];
        Ok(Table::from_records(&self.municipalities, &columns)
            .to_csv()
            .into_bytes())
    }

    /// A readable report: the figures next to DI's, the savings table, the sensitivity table,
    /// the formulas, and the municipalities.
    pub fn to_markdown(&self) -> String {
        [
            self.md_heading(),
            self.md_comparison(),
            self.md_savings(),
            self.md_sensitivity(),
            self.md_formulas(),
            self.md_municipalities(),
        ]
        .concat()
    }

    /// Title, SYNTHETIC banner, panel hash, the municipalities covered.
    fn md_heading(&self) -> String {
        let mut s = format!(
            "# Savings projection, {} (best practice = top {}){}\n\n",
            self.year,
            self.best_practice_k,
            if self.synthetic {
                " — SYNTHETIC DATA"
            } else {
                ""
            }
        );
        if self.synthetic {
            s.push_str(&format!(
                "**{SYNTHETIC_NOTE}: every number below is computed on a synthetic panel and illustrates the method only.**\n\n"
            ));
        }
        if let Some(h) = &self.panel_sha256 {
            s.push_str(&format!("Panel sha256: `{h}`\n\n"));
        }
        let left_out = if self.excluded.is_empty() {
            String::new()
        } else {
            format!(
                "; left out: {}",
                self.excluded
                    .iter()
                    .map(|e| format!("{} ({})", e.code, e.missing.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        s.push_str(&format!(
            "{} municipalities with complete data in {}{left_out}.\n\n",
            self.n_municipalities, self.year
        ));
        s.push_str(&approximation_warning(self, ":").unwrap_or_default());
        s
    }

    /// This projection's figures beside DI (2022)'s, how each of this projection's values
    /// arises (on synthetic data the calibrated ones agree by construction), and the
    /// best-practice municipalities.
    fn md_comparison(&self) -> String {
        let p = &self.published;
        let basis = |published: bool| {
            match (published, self.synthetic) {
                (false, _) => "—",
                (true, true) => "calibrated (by construction)",
                (true, false) => "computed from the panel",
            }
            .to_string()
        };
        let rows: [(String, String, String, bool); 7] = [
            (
                "national IKU, main account 6 (%)".to_string(),
                format!("{:.2}", self.national_iku),
                format!("{:.1}", p.national_iku),
                true,
            ),
            (
                format!(
                    "best practice, mean IKU of top {} (%)",
                    self.best_practice_k
                ),
                format!("{:.2}", self.best_practice_iku),
                format!("{:.1} (top {})", p.best_practice_iku, p.best_practice_k),
                true,
            ),
            (
                "best practice − national (pp)".to_string(),
                format!("{:.2}", self.national_gap_pp),
                format!("{:.1}", p.best_practice_iku - p.national_iku),
                true,
            ),
            (
                "population-weighted mean gap (pp)".to_string(),
                format!("{:.2}", self.mean_gap_pp_population_weighted),
                "—".to_string(),
                false,
            ),
            (
                "extra tendered at best practice (bn DKK)".to_string(),
                format!("{:.3}", self.extra_tendered_dkk / 1e9),
                format!("{:.1}", p.extra_tendered_dkk / 1e9),
                true,
            ),
            (
                "net spending, main account 6, per inhabitant (DKK)".to_string(),
                format!("{:.0}", self.netexp_per_capita_dkk),
                "—".to_string(),
                false,
            ),
            (
                "savings per year (mio. DKK)".to_string(),
                "see below".to_string(),
                format!("{:.0}", p.savings_dkk / 1e6),
                false,
            ),
        ];
        let mut t = Table::new([
            "figure".to_string(),
            "this projection".to_string(),
            format!("DI (2022), {}", p.year),
            "this projection's value is".to_string(),
        ])
        .align(&[Align::Left, Align::Right, Align::Right, Align::Left]);
        for (label, ours, theirs, published) in rows {
            t.push_row([label, ours, theirs, basis(published)]);
        }
        let note = if self.synthetic {
            " On this synthetic panel the municipal-absolute saving with the published effect \
             equals DI's 550 mio. by construction (calibrated)."
        } else {
            ""
        };
        format!(
            "{}\nBest practice municipalities (codes): {}\n\nDI's savings figure is compared \
             reading by reading below.{note}\n\n",
            t.to_markdown(),
            self.best_practice_units.join(", ")
        )
    }

    /// The savings table and the basis of each effect's interval.
    fn md_savings(&self) -> String {
        let mut s = String::from("## Savings per year by reading\n\n");
        s.push_str(
            "Effects are savings in DKK per inhabitant per year for +1 pp IKU (a coefficient of −12.3 on spending is a saving of 12.3).\n\n",
        );
        s.push_str(&savings_table(self, Layout::Projection).to_markdown());
        let mut bases: Vec<(&str, &str)> = Vec::new();
        for sv in &self.savings {
            let b = (sv.effect_source.as_str(), sv.ci_basis.as_str());
            if !bases.contains(&b) {
                bases.push(b);
            }
        }
        s.push_str("\nInterval basis:\n");
        for (src, b) in bases {
            s.push_str(&format!("- {src}: {b}\n"));
        }
        s
    }

    /// The sensitivity table.
    fn md_sensitivity(&self) -> String {
        format!(
            "\n## Sensitivity: k × effect (mio. DKK per year)\n\n{}",
            sensitivity_table(self, Layout::Projection).to_markdown()
        )
    }

    /// The definitions, with this projection's year and headline effect.
    fn md_formulas(&self) -> String {
        format!(
            "\n## Formulas\n\n\
             - national IKU N = Σ tendered / Σ tenderable × 100; best practice B = mean IKU of the top k (ties by lower code); gap g_i = max(0, B − IKU_i) pp.\n\
             - extra tendered = Σ g_i / 100 × tenderable_i (DKK, {} prices).\n\
             - national: e × (B − N) × Σ population.\n\
             - municipal-absolute: Σ e × g_i × population_i.\n\
             - municipal-relative: s = e / (Σ netexp / Σ population) per pp (= {:.4} % of spending per inhabitant for e = {}), saving Σ s × g_i × netexp_i.\n\
             - 95 % interval: e ± q × SE (q from Student's t with the estimate's df, normal without df), multiplied through (savings are linear in e).\n",
            self.year,
            self.headline_effect_dkk_per_capita_pp / self.netexp_per_capita_dkk * 100.0,
            self.headline_effect_dkk_per_capita_pp
        )
    }

    /// One row per municipality with the headline effect.
    fn md_municipalities(&self) -> String {
        use Align::{Left, Right};
        let columns: Vec<Col<MunicipalityRow>> = vec![
            col("code", Right, |m: &MunicipalityRow| m.code.clone()),
            col("name", Left, |m: &MunicipalityRow| m.name.clone()),
            col("IKU (%)", Right, |m: &MunicipalityRow| {
                format!("{:.2}", m.iku)
            }),
            col("rank", Right, |m: &MunicipalityRow| m.rank.to_string()),
            col("gap (pp)", Right, |m: &MunicipalityRow| {
                format!("{:.2}", m.gap_pp)
            }),
            col("population", Right, |m: &MunicipalityRow| {
                format!("{:.0}", m.population)
            }),
            col("extra tendered (mio. DKK)", Right, |m: &MunicipalityRow| {
                format!("{:.2}", m.extra_tendered_dkk / 1e6)
            }),
            col(
                "saving, absolute (mio. DKK)",
                Right,
                |m: &MunicipalityRow| format!("{:.2}", m.savings_dkk / 1e6),
            ),
            col(
                "saving, relative (mio. DKK)",
                Right,
                |m: &MunicipalityRow| format!("{:.2}", m.savings_relative_dkk / 1e6),
            ),
        ];
        let columns = with_synthetic_column(columns, self.synthetic);
        format!(
            "\n## Municipalities ({} effect, {} DKK/inh./pp){}\n\n{}",
            self.headline_effect_source.as_str(),
            self.headline_effect_dkk_per_capita_pp,
            if self.synthetic {
                " — SYNTHETIC DATA"
            } else {
                ""
            },
            Table::from_records(&self.municipalities, &columns).to_markdown()
        )
    }
}

//! REPORT.md: what ran on which data, the estimate table, the recovered effect beside the
//! truth (synthetic data), the projection beside each of DI's published figures, the figures.

use crate::projection::{Approach, EffectSource, Projection};
use crate::report::estimates::{SpecColumn, SpecEstimates};
use crate::report::projection::{
    approximation_warning, dkk, savings_table, sensitivity_table, Layout,
};
use panelkit::inference::diagnostics::ClusterDiagnostics;
use panelkit::panel::PanelSummary;
use panelkit::table::{col, fmt_coef, Align, Table};

/// The known truth of a synthetic panel.
#[derive(Debug, Clone)]
pub struct Truth {
    /// True effect on spending per inhabitant, DKK per pp (negative = saving).
    pub effect: f64,
    /// How the effect enters (lag structure), in words.
    pub structure: String,
}

/// A published figure to report against, with this run's value.
#[derive(Debug, Clone)]
pub struct Target {
    pub label: String,
    pub published: f64,
    /// This run's value (NaN when the panel cannot give it).
    pub this_run: f64,
    pub unit: String,
    pub source: String,
    /// The synthetic panel is calibrated to hit this figure, so agreement on synthetic data
    /// holds by construction.
    pub calibrated: bool,
    /// This run's value rests on the tenderable and tendered amounts (approximated when a
    /// panel has IKU only).
    pub uses_amounts: bool,
}

/// Everything REPORT.md shows.
#[derive(Debug, Clone)]
pub struct ReportInputs<'a> {
    pub command: String,
    pub version: String,
    pub panel_file: String,
    pub panel_sha256: String,
    pub synthetic: bool,
    pub summary: PanelSummary,
    pub truth: Option<Truth>,
    pub table: &'a SpecEstimates,
    pub projection: &'a Projection,
    /// The published figures, each beside this run's value.
    pub targets: Vec<Target>,
    /// (caption, path relative to the report).
    pub figures: Vec<(String, String)>,
    /// The multiverse's section (specification curve, joint test, savings), when one ran.
    pub multiverse: Option<String>,
}

/// Renders REPORT.md.
pub fn render(r: &ReportInputs) -> String {
    [
        heading(r),
        what_ran(r),
        estimates(r),
        best_estimate(r),
        cluster_diagnostics(r),
        projection(r),
        readings(r),
        r.multiverse.clone().unwrap_or_default(),
        figures(r),
    ]
    .concat()
}

/// Title and, on synthetic data, the banner that says what the numbers are.
fn heading(r: &ReportInputs) -> String {
    let mut s = String::from(if r.synthetic {
        "# REPORT — SYNTHETIC DATA: competition exposure and administrative spending"
    } else {
        "# REPORT: competition exposure and administrative spending"
    });
    s.push_str("\n\n");
    if r.synthetic {
        s.push_str(
            "> **SYNTHETIC DATA.** Every number below is computed from the calibrated synthetic \
             panel shipped with iku, which has a known true effect. It shows that the pipeline \
             recovers that effect and reproduces DI's arithmetic; it is not a finding about \
             Danish municipalities. Run on the real panel (`iku-data fetch`, `iku-data build`, \
             `make reproduce PANEL=...`) for real numbers.\n\n",
        );
    }
    if let Some(w) = approximation_warning(r.projection, ";") {
        s.push_str(&format!("> {w}"));
    }
    s
}

/// Command, data, specs, panel shape, stages.
fn what_ran(r: &ReportInputs) -> String {
    let t = r.table;
    let mut s = String::from("## What ran\n\n");
    s.push_str(&format!("- Command: `{}` (iku {})\n", r.command, r.version));
    s.push_str(&format!(
        "- Data: `{}`, sha256 `{}`{}\n",
        r.panel_file,
        r.panel_sha256,
        if r.synthetic { " — SYNTHETIC" } else { "" }
    ));
    s.push_str(&format!(
        "- Specs: `{}`, sha256 `{}`\n",
        t.spec_file, t.spec_sha256
    ));
    s.push_str(&format!(
        "- Panel: {} rows, {} municipalities, {}–{}, {}\n",
        r.summary.n_rows,
        r.summary.n_units,
        r.summary.first_time,
        r.summary.last_time,
        if r.summary.balanced {
            "balanced".to_string()
        } else {
            format!("unbalanced ({} interior gaps)", r.summary.gaps.len())
        }
    ));
    for n in &t.notes {
        s.push_str(&format!("- Left out of estimation: {n}\n"));
    }
    for e in &r.projection.excluded {
        s.push_str(&format!(
            "- Left out of the {} projection: municipality {} ({})\n",
            r.projection.year,
            e.code,
            e.missing.join(", ")
        ));
    }
    s.push_str(
        "- Stages: data → estimates → projection → figures → report (timings are printed on \
         the console, not here, so that the same inputs give a byte-identical report)\n\n",
    );
    s
}

/// The estimate table, as in `estimates.md`.
fn estimates(r: &ReportInputs) -> String {
    format!(
        "## Estimates (`reports/estimates.{{csv,json,md,tex}}`)\n\n{}\n\n{}",
        r.table.title,
        r.table.to_markdown()
    )
}

/// The best estimate and, on synthetic data, the check against the truth.
fn best_estimate(r: &ReportInputs) -> String {
    let b = &r.table.best_estimate;
    let mut s = String::from("## Best estimate\n\n");
    s.push_str(&format!(
        "Spec `{}` ({}): **{} DKK per inhabitant per pp IKU** (SE {}, 95 % CI [{}, {}]); a \
         negative coefficient is a saving.\n\n",
        b.spec,
        b.term,
        fmt_coef(b.estimate),
        fmt_coef(b.std_error),
        fmt_coef(b.conf_low),
        fmt_coef(b.conf_high)
    ));
    if let Some(truth) = &r.truth {
        s.push_str(&truth_check(r, truth));
    }
    s
}

/// The summclust table of the best estimate (linear models; none for GMM): how unequal the
/// clusters are, how many effectively inform the estimate, and which move it most.
fn cluster_diagnostics(r: &ReportInputs) -> String {
    let Some(d) = &r.table.cluster_diagnostics else {
        return String::new();
    };
    let mut s = String::from("### Cluster diagnostics (best estimate, summclust)\n\n");
    s.push_str(&format!(
        "Clustered by municipality: G = {}, effective number of clusters G*(ρ = 0) = **{:.1}** \
         (Carter, Schnepel & Steigerwald 2017). Partial leverage is a municipality's share of \
         the variation that identifies `{}`; \"estimate without\" refits with the municipality \
         left out.\n\n",
        d.n_clusters,
        d.g_star,
        d.hypothesis.trim_end_matches(" = 0")
    ));
    s.push_str(&summary_table(d).to_markdown());
    s.push_str(&format!(
        "\nThe five municipalities whose omission moves the estimate ({}) most:\n\n",
        fmt_coef(d.estimate)
    ));
    let mut header = vec![
        "municipality",
        "observations",
        "partial leverage",
        "estimate without",
        "change",
    ];
    if r.synthetic {
        header.push("data");
    }
    let mut t = Table::new(header);
    for c in d.most_influential(5) {
        let mut row = vec![
            c.label.clone(),
            c.size.to_string(),
            format!("{:.4}", c.partial_leverage),
            fmt_coef(c.estimate_without),
            fmt_coef(c.estimate_without - d.estimate),
        ];
        if r.synthetic {
            row.push("SYNTHETIC".to_string());
        }
        t.push_row(row);
    }
    s.push_str(&t.to_markdown());
    s.push('\n');
    s
}

/// Five-number summaries and means of cluster sizes, leverages and leave-one-out estimates.
fn summary_table(d: &ClusterDiagnostics) -> Table {
    // Observation counts as counts (one decimal where a quartile interpolates).
    let count = |x: f64| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    };
    let mut t = Table::new(["", "min", "q1", "median", "mean", "q3", "max"]);
    for (name, m, f) in [
        ("observations", &d.sizes, &count as &dyn Fn(f64) -> String),
        ("leverage", &d.leverage, &fmt_coef),
        ("partial leverage", &d.partial_leverage, &fmt_coef),
        ("estimate without", &d.estimate_without, &fmt_coef),
    ] {
        t.push_row([
            name.to_string(),
            f(m.min),
            f(m.q1),
            f(m.median),
            f(m.mean),
            f(m.q3),
            f(m.max),
        ]);
    }
    t
}

/// The true effect against the best estimate's interval and each spec's.
fn truth_check(r: &ReportInputs, truth: &Truth) -> String {
    let b = &r.table.best_estimate;
    let mut s = String::new();
    let covers = |lo: f64, hi: f64| truth.effect >= lo && truth.effect <= hi;
    s.push_str(&format!(
        "The synthetic panel's true effect is **{} DKK** per inhabitant per pp ({}). It lies \
         **{}** the best estimate's 95 % confidence interval [{}, {}] (estimate − truth = {}).\n\n",
        fmt_coef(truth.effect),
        truth.structure,
        if covers(b.conf_low, b.conf_high) {
            "inside"
        } else {
            "OUTSIDE"
        },
        fmt_coef(b.conf_low),
        fmt_coef(b.conf_high),
        fmt_coef(b.estimate - truth.effect)
    ));
    let l = Align::Left;
    let table = Table::from_records(
        &r.table.columns,
        &[
            col("spec", l, |c: &SpecColumn| c.fit.label.clone()),
            col("estimate", l, |c: &SpecColumn| fmt_coef(c.effect.estimate)),
            col("95 % CI", l, |c: &SpecColumn| {
                format!(
                    "[{}, {}]",
                    fmt_coef(c.effect.conf_low),
                    fmt_coef(c.effect.conf_high)
                )
            }),
            col("truth inside CI", l, |c: &SpecColumn| {
                if covers(c.effect.conf_low, c.effect.conf_high) {
                    "yes".into()
                } else {
                    "no".into()
                }
            }),
        ],
    );
    s.push_str(&table.to_markdown());
    s.push('\n');
    s
}

/// The projection beside each published figure, then the savings and sensitivity tables.
fn projection(r: &ReportInputs) -> String {
    let p = r.projection;
    let mut s = format!(
        "## Projection {} beside DI (2022) (`reports/projection.{{json,csv,md}}`)\n\n",
        p.year
    );
    s.push_str(&approximation_warning(p, ";").unwrap_or_default());
    s.push_str(&published_comparison(r).to_markdown());
    s.push_str(
        "\nDI's 550 mio. is set beside the municipal-absolute reading with the published \
         effect, the reading that reproduces it (see *Reading DI's 550 mio.* below); every \
         reading is below.\n\n",
    );
    s.push_str("### Savings under every reading\n\n");
    s.push_str(&savings_table(p, Layout::Report).to_markdown());
    s.push_str(
        "\n- national: effect × (best practice − national IKU) × population;\n\
         - municipal-absolute: Σ effect × gap_i × population_i, gap_i = max(0, best practice − IKU_i);\n\
         - municipal-relative: the effect as a share of national spending per inhabitant, applied to each municipality's own spending: Σ (effect / national spending per inhabitant) × gap_i × spending_i.\n\n",
    );
    s.push_str("### Sensitivity: top-k and the effect's interval\n\n");
    s.push_str(&sensitivity_table(p, Layout::Report).to_markdown());
    s.push('\n');
    s
}

/// The published effect's saving under `a`, DKK per year (NaN when absent).
fn published_saving(p: &Projection, a: Approach) -> f64 {
    p.savings
        .iter()
        .find(|x| x.approach == a && x.effect_source == EffectSource::Published)
        .map(|x| x.total_dkk)
        .unwrap_or(f64::NAN)
}

/// Prose for a policy reader: what each reading of DI's 550 mio. assumes, which one
/// reproduces it, and why the national reading is lower, every number computed from the
/// projection (and DI's and HK's published figures).
fn readings(r: &ReportInputs) -> String {
    let p = r.projection;
    let published = crate::sources::published::published();
    let fig = |k: &str| published.value(k).unwrap_or(f64::NAN);
    let e = fig("effect_dkk_per_capita_pp");
    let (b, n) = (p.best_practice_iku, p.national_iku);
    let pop = p.total_population;
    let signed: f64 = p
        .municipalities
        .iter()
        .map(|m| (b - m.iku) * m.population)
        .sum::<f64>()
        / pop;
    let above: Vec<_> = p.municipalities.iter().filter(|m| m.iku > b).collect();
    let above_pop: f64 = above.iter().map(|m| m.population).sum();
    let [national, absolute, relative] = Approach::ALL.map(|a| published_saving(p, a));
    let target = p.published.savings_dkk;
    let closest = Approach::ALL
        .into_iter()
        .zip([national, absolute, relative])
        .min_by(|x, y| (x.1 - target).abs().total_cmp(&(y.1 - target).abs()))
        .map(|x| x.0)
        .unwrap_or(Approach::MunicipalAbsolute);
    let by_construction = if r.synthetic {
        " — by construction: the synthetic panel is calibrated to it, so this agreement \
         shows the arithmetic, not the data"
    } else {
        ""
    };
    let di_pw_gap = fig("savings_dkk") / (e * fig("population_2020"));
    let di_gap = fig("best_practice_iku_hk6_2020") - fig("national_iku_hk6_2020");
    let hk_effect = fig("hk_effect_dkk_per_capita_pp");
    let hk_total = fig("hk_total_saving_dkk");
    let hk_gap = hk_total / (hk_effect * pop);
    let mut s = String::from("## Reading DI's 550 mio. (for a policy reader)\n\n");
    if r.synthetic {
        s.push_str(
            "**SYNTHETIC DATA: the numbers show the arithmetic, not Danish municipalities.**\n\n",
        );
    }
    s.push_str(&format!(
        "DI multiplies VIVE's effect, {e} DKK per inhabitant per year for each percentage \
         point (pp) of IKU, by how far municipalities are from best practice, but does not say \
         how. Three readings of that sentence give different totals ({year}, published \
         effect):\n\n\
         - **National, {nat}.** The country as a whole moves from the national IKU ({n:.2} %) \
         to best practice ({b:.2} %), {gap:.2} pp, and every inhabitant saves {e} DKK per pp. \
         It assumes one national average stands for every municipality.\n\
         - **Municipal-absolute, {abs}.** Each municipality below best practice rises to it and \
         its inhabitants save {e} DKK per pp of its own gap; the {n_above} municipalities \
         already above best practice ({above_share:.1} % of inhabitants) count as zero, not as \
         falling back. It assumes the same saving per inhabitant in every municipality.\n\
         - **Municipal-relative, {rel}.** The {e} DKK is read as a share of national \
         administrative spending per inhabitant ({share:.3} % of {spend:.0} DKK per pp) and \
         applied to each municipality's own spending. It assumes the saving scales with what a \
         municipality spends.\n\n\
         DI's footnote 8 says its \"more scalable approach\" assumes the marginal effect to be \
         scale-independent (*skalauafhængig*, DI's word); which municipal reading that is, DI \
         does not state.\n\n\
         **Which reproduces DI's {target}:** the {closest} reading ({closest_value}, difference \
         {diff}){by_construction}.\n\n\
         **Why the national reading is lower.** The national reading uses the gap between best \
         practice and the national IKU, {gap:.2} pp; the municipal readings use each \
         municipality's own gap, on average {pw:.2} pp across inhabitants. Two things open that \
         difference: municipalities above best practice count as zero rather than as negative \
         gaps (without that, the population-weighted gap would be {signed:.2} pp, so the \
         truncation adds {trunc:+.2} pp); and the national IKU weights municipalities by their \
         tenderable tasks, the savings by their inhabitants ({signed:.2} − {gap:.2} = \
         {weighting:+.2} pp). On DI's own figures the same arithmetic reads {target} / ({e} DKK \
         × {pop20:.0} inhabitants) = {di_pw_gap:.2} pp against {di_gap:.1} pp.\n\n\
         **HK's 700 mio.** HK (2021) reports about {hk_effect} DKK per inhabitant per pp, \
         \"0.2 % of administrative spending\", and {hk} in all, without saying which gap it \
         assumes: at {hk_effect} DKK, {hk} implies a gap of {hk_gap:.2} pp for every one of \
         this run's {pop:.0} inhabitants, more than either gap above.\n\n",
        year = p.year,
        nat = dkk(national),
        abs = dkk(absolute),
        rel = dkk(relative),
        gap = p.national_gap_pp,
        n_above = above.len(),
        above_share = 100.0 * above_pop / pop,
        share = e / p.netexp_per_capita_dkk * 100.0,
        spend = p.netexp_per_capita_dkk,
        target = dkk(target),
        closest = closest.as_str(),
        closest_value = dkk(published_saving(p, closest)),
        diff = dkk(published_saving(p, closest) - target),
        pw = p.mean_gap_pp_population_weighted,
        trunc = p.mean_gap_pp_population_weighted - signed,
        weighting = signed - p.national_gap_pp,
        pop20 = fig("population_2020"),
        hk = dkk(hk_total),
    ));
    s
}

/// How this run's value of a target arises: on synthetic data a calibrated target agrees by
/// construction, and the effect's truth was set to the published value.
fn basis(r: &ReportInputs, tg: &Target) -> &'static str {
    if tg.uses_amounts && !r.projection.tenderable_approximated.is_empty() {
        return "computed with approximated tenderable amounts";
    }
    match (r.synthetic, tg.calibrated, tg.unit.as_str()) {
        (true, true, _) => "calibrated (by construction)",
        (true, false, "DKK/inh./pp") => {
            "estimated; the true effect was set to the published value (by construction)"
        }
        (true, false, _) => "computed on the synthetic panel; not calibrated",
        (false, _, "DKK/inh./pp") => "estimated from the panel",
        (false, _, _) => "computed from the panel",
    }
}

/// Each published figure (in the order of [`ReportInputs::targets`]) beside this run's, with
/// how this run's value arises.
fn published_comparison(r: &ReportInputs) -> Table {
    let mut t = Table::new([
        "figure",
        "published",
        "this run",
        "difference",
        "this run's value is",
        "source",
    ]);
    for tg in &r.targets {
        let v = tg.this_run;
        let (pubs, mine, diff) = if !v.is_finite() {
            (
                format!("{} {}", tg.published, tg.unit),
                "—".to_string(),
                "—".to_string(),
            )
        } else if tg.unit == "DKK" {
            (dkk(tg.published), dkk(v), dkk(v - tg.published))
        } else {
            let diff_unit = if tg.unit == "%" {
                "pp"
            } else {
                tg.unit.as_str()
            };
            // A difference that rounds to zero is shown without a sign's minus.
            let d = v - tg.published;
            let d = if (d * 100.0).round() == 0.0 { 0.0 } else { d };
            (
                format!("{} {}", tg.published, tg.unit),
                format!("{v:.2} {}", tg.unit),
                format!("{d:+.2} {diff_unit}"),
            )
        };
        t.push_row([
            tg.label.clone(),
            pubs,
            mine,
            diff,
            basis(r, tg).to_string(),
            tg.source.clone(),
        ]);
    }
    t
}

/// The figures with their captions.
fn figures(r: &ReportInputs) -> String {
    let mut s = String::from("## Figures (`reports/figures/`, PNG and SVG)\n\n");
    for (caption, path) in &r.figures {
        s.push_str(&format!("### {caption}\n\n![{caption}]({path})\n\n"));
    }
    s
}

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

/// A published figure to report against.
#[derive(Debug, Clone)]
pub struct Target {
    pub label: String,
    pub published: f64,
    pub unit: String,
    pub source: String,
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
    /// Published national IKU, best practice, extra tendering, effect, savings (in that order).
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
    let mut t = Table::new([
        "municipality",
        "observations",
        "partial leverage",
        "estimate without",
        "change",
    ]);
    for c in d.most_influential(5) {
        t.push_row([
            c.label.clone(),
            c.size.to_string(),
            format!("{:.4}", c.partial_leverage),
            fmt_coef(c.estimate_without),
            fmt_coef(c.estimate_without - d.estimate),
        ]);
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
        "\nThe savings row compares DI's 550 mio. with the per-municipality absolute reading \
         and the published effect; every reading is below.\n\n",
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

/// Each published figure (in the order of [`ReportInputs::targets`]) beside this run's.
fn published_comparison(r: &ReportInputs) -> Table {
    let p = r.projection;
    let saving = |a: Approach, src: EffectSource| {
        p.savings
            .iter()
            .find(|x| x.approach == a && x.effect_source == src)
    };
    let ours = [
        p.national_iku,
        p.best_practice_iku,
        p.extra_tendered_dkk,
        crate::projection::saving_of_coefficient(r.table.best_estimate.estimate),
        saving(Approach::MunicipalAbsolute, EffectSource::Published)
            .map(|x| x.total_dkk)
            .unwrap_or(f64::NAN),
    ];
    let mut t = Table::new(["figure", "published", "this run", "difference", "source"]);
    for (tg, v) in r.targets.iter().zip(ours) {
        let (pubs, mine, diff) = if tg.unit == "DKK" {
            (dkk(tg.published), dkk(v), dkk(v - tg.published))
        } else {
            let diff_unit = if tg.unit == "%" {
                "pp"
            } else {
                tg.unit.as_str()
            };
            (
                format!("{} {}", tg.published, tg.unit),
                format!("{v:.2} {}", tg.unit),
                format!("{:+.2} {diff_unit}", v - tg.published),
            )
        };
        t.push_row([tg.label.clone(), pubs, mine, diff, tg.source.clone()]);
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

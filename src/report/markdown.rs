//! REPORT.md: what ran on which data, the estimate table, the recovered effect beside the
//! truth (synthetic data), the projection beside each of DI's published figures, the figures.

use crate::projection::{Approach, EffectSource, Projection};
use crate::report::estimates::{fmt_coef, EstimateTable};
use panelkit::inference::diagnostics::ClusterDiagnostics;
use panelkit::panel::PanelSummary;

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
    pub table: &'a EstimateTable,
    pub projection: &'a Projection,
    /// Published national IKU, best practice, extra tendering, effect, savings (in that order).
    pub targets: Vec<Target>,
    /// (caption, path relative to the report).
    pub figures: Vec<(String, String)>,
}

fn dkk(x: f64) -> String {
    let a = x.abs();
    if a >= 1e9 {
        format!("{:.3} bn DKK", x / 1e9)
    } else if a >= 1e6 {
        format!("{:.1} mio. DKK", x / 1e6)
    } else {
        format!("{x:.0} DKK")
    }
}

fn opt_dkk(x: Option<f64>) -> String {
    x.map(dkk).unwrap_or_else(|| "—".into())
}

/// The summclust table of the best estimate: how unequal the clusters are, how many
/// effectively inform the estimate, and which move it most.
fn cluster_diagnostics(d: &ClusterDiagnostics) -> String {
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
    s.push_str("| | min | q1 | median | mean | q3 | max |\n|---|---|---|---|---|---|---|\n");
    // Observation counts as counts (one decimal where a quartile interpolates).
    let count = |x: f64| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    };
    for (name, m, f) in [
        ("observations", &d.sizes, &count as &dyn Fn(f64) -> String),
        ("leverage", &d.leverage, &fmt_coef),
        ("partial leverage", &d.partial_leverage, &fmt_coef),
        ("estimate without", &d.estimate_without, &fmt_coef),
    ] {
        s.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} | {} |\n",
            f(m.min),
            f(m.q1),
            f(m.median),
            f(m.mean),
            f(m.q3),
            f(m.max)
        ));
    }
    s.push_str(&format!(
        "\nThe five municipalities whose omission moves the estimate ({}) most:\n\n\
         | municipality | observations | partial leverage | estimate without | change |\n\
         |---|---|---|---|---|\n",
        fmt_coef(d.estimate)
    ));
    for c in d.most_influential(5) {
        s.push_str(&format!(
            "| {} | {} | {:.4} | {} | {} |\n",
            c.label,
            c.size,
            c.partial_leverage,
            fmt_coef(c.estimate_without),
            fmt_coef(c.estimate_without - d.estimate)
        ));
    }
    s.push('\n');
    s
}

/// Renders REPORT.md.
pub fn render(r: &ReportInputs) -> String {
    let p = r.projection;
    let t = r.table;
    let b = &t.best_estimate;
    let mut s = String::new();
    let title = if r.synthetic {
        "# REPORT — SYNTHETIC DATA: competition exposure and administrative spending"
    } else {
        "# REPORT: competition exposure and administrative spending"
    };
    s.push_str(title);
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

    s.push_str("## What ran\n\n");
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

    s.push_str("## Estimates (`reports/estimates.{csv,json,md,tex}`)\n\n");
    s.push_str(&format!("{}\n\n", t.title));
    s.push_str(&t.to_markdown());

    s.push_str("## Best estimate\n\n");
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
    if let Some(d) = &t.cluster_diagnostics {
        s.push_str(&cluster_diagnostics(d));
    }
    if let Some(truth) = &r.truth {
        let inside = truth.effect >= b.conf_low && truth.effect <= b.conf_high;
        s.push_str(&format!(
            "The synthetic panel's true effect is **{} DKK** per inhabitant per pp ({}). It lies \
             **{}** the best estimate's 95 % confidence interval [{}, {}] (estimate − truth = {}).\n\n",
            fmt_coef(truth.effect),
            truth.structure,
            if inside { "inside" } else { "OUTSIDE" },
            fmt_coef(b.conf_low),
            fmt_coef(b.conf_high),
            fmt_coef(b.estimate - truth.effect)
        ));
        s.push_str("| spec | estimate | 95 % CI | truth inside CI |\n|---|---|---|---|\n");
        for c in &t.columns {
            let e = &c.effect;
            let inside = truth.effect >= e.conf_low && truth.effect <= e.conf_high;
            s.push_str(&format!(
                "| {} | {} | [{}, {}] | {} |\n",
                c.label,
                fmt_coef(e.estimate),
                fmt_coef(e.conf_low),
                fmt_coef(e.conf_high),
                if inside { "yes" } else { "no" }
            ));
        }
        s.push('\n');
    }

    s.push_str(&format!(
        "## Projection {} beside DI (2022) (`reports/projection.{{json,csv,md}}`)\n\n",
        p.year
    ));
    if !p.tenderable_approximated.is_empty() {
        s.push_str(&format!(
            "**Tenderable and tendered amounts were missing for {} municipalities and are \
             approximated by net operating expenditure on main account 6 (tendered = IKU × \
             that); the national IKU and the extra tendering rest on that approximation.**\n\n",
            p.tenderable_approximated.len()
        ));
    }
    s.push_str("| figure | published | this run | difference | source |\n|---|---|---|---|---|\n");
    let saving = |a: Approach, src: EffectSource| {
        p.savings
            .iter()
            .find(|x| x.approach == a && x.effect_source == src)
    };
    let ours = [
        p.national_iku,
        p.best_practice_iku,
        p.extra_tendered_dkk,
        -b.estimate,
        saving(Approach::MunicipalAbsolute, EffectSource::Published)
            .map(|x| x.total_dkk)
            .unwrap_or(f64::NAN),
    ];
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
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            tg.label, pubs, mine, diff, tg.source
        ));
    }
    s.push_str(
        "\nThe savings row compares DI's 550 mio. with the per-municipality absolute reading \
         and the published effect; every reading is below.\n\n",
    );
    s.push_str("### Savings under every reading\n\n");
    s.push_str(
        "| reading | effect | DKK per inh. per pp | saving per year | 95 % interval | interval basis |\n|---|---|---|---|---|---|\n",
    );
    for x in &p.savings {
        s.push_str(&format!(
            "| {} | {} | {:.2} | {} | [{}, {}] | {} |\n",
            x.approach.as_str(),
            x.effect_source.as_str(),
            x.effect_dkk_per_capita_pp,
            dkk(x.total_dkk),
            opt_dkk(x.ci_low_dkk),
            opt_dkk(x.ci_high_dkk),
            x.ci_basis
        ));
    }
    s.push_str(
        "\n- national: effect × (best practice − national IKU) × population;\n\
         - municipal-absolute: Σ effect × gap_i × population_i, gap_i = max(0, best practice − IKU_i);\n\
         - municipal-relative: the effect as a share of national spending per inhabitant, applied to each municipality's own spending: Σ (effect / national spending per inhabitant) × gap_i × spending_i.\n\n",
    );
    s.push_str("### Sensitivity: top-k and the effect's interval\n\n");
    s.push_str(
        "| k | best practice % | extra tendering | effect | level | DKK/inh./pp | national | municipal-absolute | municipal-relative |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for x in &p.sensitivity {
        s.push_str(&format!(
            "| {} | {:.2} | {} | {} | {} | {:.2} | {} | {} | {} |\n",
            x.k,
            x.best_practice_iku,
            dkk(x.extra_tendered_dkk),
            x.effect_source.as_str(),
            x.effect_level,
            x.effect_dkk_per_capita_pp,
            dkk(x.national_dkk),
            dkk(x.municipal_absolute_dkk),
            dkk(x.municipal_relative_dkk)
        ));
    }
    s.push('\n');

    s.push_str("## Figures (`reports/figures/`, PNG and SVG)\n\n");
    for (caption, path) in &r.figures {
        s.push_str(&format!("### {caption}\n\n![{caption}]({path})\n\n"));
    }
    s
}

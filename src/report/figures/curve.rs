//! Figures of a multiverse: the specification curve (Simonsohn, Simmons & Nelson 2020) and the
//! distribution of the savings across the specifications.

use super::{
    draw_err, legend, render, row_labels, title, with_legend_band, Figure, Files, Mark, BAR,
    BAR_TOP, BEST, EXTRA, FONT, NATIONAL,
};
use panelkit::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// What the specification curve shows.
#[derive(Debug, Clone)]
pub struct CurveInput {
    /// (estimate, conf_low, conf_high) per spec, in spec order.
    pub effects: Vec<(f64, f64, f64)>,
    /// The option chosen in each dimension, per spec.
    pub choices: Vec<Vec<String>>,
    pub dimensions: Vec<String>,
    /// Option names per dimension.
    pub options: Vec<Vec<String>>,
    /// Index of the best estimate.
    pub best: usize,
    /// The published effect on spending (−12.5).
    pub published: f64,
}

/// "SYNTHETIC DATA" inside the plot area, top left.
fn synthetic_mark<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, at: (i32, i32)) -> Result<()> {
    let style = TextStyle::from((FONT, 20).into_font())
        .color(&NATIONAL)
        .pos(Pos::new(HPos::Left, VPos::Top));
    area.draw(&Text::new("SYNTHETIC DATA", at, style))
        .map_err(draw_err)
}

struct SpecCurve {
    title: String,
    input: CurveInput,
    /// Spec indices sorted by estimate (ties by index).
    order: Vec<usize>,
    /// (dimension index, option index) of each indicator row, top first; dimensions with
    /// one option are left out.
    rows: Vec<(usize, usize)>,
    synthetic: bool,
}

const TOP: u32 = 430;
const ROW: u32 = 17;

impl Figure for SpecCurve {
    fn size(&self) -> (u32, u32) {
        (1400, TOP + 90 + ROW * self.rows.len() as u32 + LEGEND)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let (main, foot) = with_legend_band(root);
        let (upper, lower) = main.split_vertically(TOP);
        let n = self.order.len();
        let labels: Vec<String> = self
            .rows
            .iter()
            .map(|&(d, o)| format!("{}: {}", self.input.dimensions[d], self.input.options[d][o]))
            .collect();
        let left = super::label_width(&labels, 13);
        let mut lo = self.input.published.min(0.0);
        let mut hi = self.input.published.max(0.0);
        for &(e, l, h) in &self.input.effects {
            for v in [e, l, h] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
        let pad = (hi - lo).max(1e-9) * 0.06;
        let xr = -0.5..(n as f64 - 0.5);
        let mut chart = ChartBuilder::on(&upper)
            .caption(&self.title, (FONT, 22))
            .margin(15)
            .x_label_area_size(10)
            .y_label_area_size(left)
            .build_cartesian_2d(xr.clone(), (lo - pad)..(hi + pad))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .y_desc("Effect (DKK/inh./pp)")
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .draw()
            .map_err(draw_err)?;
        let hline = |v: f64| vec![(-0.5, v), (n as f64 - 0.5, v)];
        chart
            .draw_series(LineSeries::new(hline(0.0), BLACK.mix(0.6).stroke_width(1)))
            .map_err(draw_err)?;
        chart
            .draw_series((0..40).step_by(2).map(|j| {
                let a = -0.5 + n as f64 * j as f64 / 40.0;
                let b = -0.5 + n as f64 * (j + 1) as f64 / 40.0;
                PathElement::new(
                    vec![(a, self.input.published), (b, self.input.published)],
                    NATIONAL.stroke_width(2),
                )
            }))
            .map_err(draw_err)?;
        chart
            .draw_series(self.order.iter().enumerate().filter_map(|(x, &i)| {
                let (_, l, h) = self.input.effects[i];
                (l.is_finite() && h.is_finite()).then(|| {
                    PathElement::new(
                        vec![(x as f64, l), (x as f64, h)],
                        BAR.mix(0.45).stroke_width(1),
                    )
                })
            }))
            .map_err(draw_err)?;
        chart
            .draw_series(self.order.iter().enumerate().map(|(x, &i)| {
                Circle::new((x as f64, self.input.effects[i].0), 2, BAR_TOP.filled())
            }))
            .map_err(draw_err)?;
        let best_x = self.order.iter().position(|&i| i == self.input.best);
        if let Some(bx) = best_x {
            let (e, l, h) = self.input.effects[self.input.best];
            chart
                .draw_series([PathElement::new(
                    vec![(bx as f64, l), (bx as f64, h)],
                    BEST.stroke_width(3),
                )])
                .map_err(draw_err)?;
            chart
                .draw_series([Circle::new((bx as f64, e), 6, BEST.filled())])
                .map_err(draw_err)?;
        }
        if self.synthetic {
            let (x, y) = chart.backend_coord(&(-0.5, hi + pad));
            synthetic_mark(root, (x + 8, y + 6))?;
        }
        // The indicators: one row per option, a mark where the spec uses it.
        let r = self.rows.len();
        let mut ind = ChartBuilder::on(&lower)
            .margin_left(15)
            .margin_right(15)
            .x_label_area_size(40)
            .y_label_area_size(left)
            .build_cartesian_2d(xr, -0.5..(r as f64 - 0.5))
            .map_err(draw_err)?;
        ind.configure_mesh()
            .disable_mesh()
            .y_labels(0)
            .x_label_formatter(&|x| format!("{:.0}", x + 1.0))
            .x_desc("Specifications, sorted by effect")
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .draw()
            .map_err(draw_err)?;
        let yrow = |k: usize| (r - 1 - k) as f64;
        for (k, &(d, o)) in self.rows.iter().enumerate() {
            // Runs of consecutive specs with the option, one rectangle each.
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for (x, &i) in self.order.iter().enumerate() {
                if self.input.choices[i][d] == self.input.options[d][o] {
                    match runs.last_mut() {
                        Some(last) if last.1 + 1 == x => last.1 = x,
                        _ => runs.push((x, x)),
                    }
                }
            }
            let color = if d % 2 == 0 { BAR_TOP } else { EXTRA };
            ind.draw_series(runs.into_iter().map(|(a, b)| {
                Rectangle::new(
                    [
                        (a as f64 - 0.5, yrow(k) - 0.32),
                        (b as f64 + 0.5, yrow(k) + 0.32),
                    ],
                    color.filled(),
                )
            }))
            .map_err(draw_err)?;
        }
        if let Some(bx) = best_x {
            ind.draw_series([PathElement::new(
                vec![(bx as f64, -0.5), (bx as f64, r as f64 - 0.5)],
                BEST.stroke_width(2),
            )])
            .map_err(draw_err)?;
        }
        let lx = ind.backend_coord(&(-0.5, 0.0)).0;
        row_labels(
            root,
            |k| (lx, ind.backend_coord(&(-0.5, yrow(k))).1),
            &labels,
            13,
        )?;
        legend(
            &foot,
            &[
                (Mark::Dot(BAR_TOP), "estimate".to_string()),
                (Mark::Line(BAR), "95 % confidence interval".to_string()),
                (Mark::Dot(BEST), "best estimate".to_string()),
                (
                    Mark::Dashed(NATIONAL),
                    format!("published {}", self.input.published).replace('-', "−"),
                ),
            ],
        )
    }
}

const LEGEND: u32 = super::LEGEND_BAND;

/// The specification curve as files `dir/{stem}.{png,svg}`: sorted effects with their 95 %
/// intervals above, the choices below, the best estimate and the published effect marked.
pub fn spec_curve(input: &CurveInput, dir: &Path, stem: &str, synthetic: bool) -> Result<Files> {
    if input.effects.is_empty() || input.best >= input.effects.len() {
        return Err(Error::Usage(
            "a specification curve needs at least one spec and its best estimate".into(),
        ));
    }
    let mut order: Vec<usize> = (0..input.effects.len()).collect();
    order.sort_by(|&a, &b| {
        input.effects[a]
            .0
            .total_cmp(&input.effects[b].0)
            .then(a.cmp(&b))
    });
    let rows = input
        .options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.len() > 1)
        .flat_map(|(d, o)| (0..o.len()).map(move |j| (d, j)))
        .collect();
    let fig = SpecCurve {
        title: title(
            "Specification curve: IKU effect on spending across the multiverse",
            synthetic,
        ),
        input: input.clone(),
        order,
        rows,
        synthetic,
    };
    render(&fig, dir, stem)
}

struct SavingsHistograms {
    title: String,
    /// (reading, savings in mio. DKK per spec).
    series: Vec<(String, Vec<f64>)>,
    published: f64,
    synthetic: bool,
}

const PANEL: u32 = 230;
const BINS: usize = 40;

impl Figure for SavingsHistograms {
    fn size(&self) -> (u32, u32) {
        (1100, 70 + PANEL * self.series.len() as u32 + LEGEND)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let (main, foot) = with_legend_band(root);
        let (head, body) = main.split_vertically(60);
        head.draw(&Text::new(
            self.title.clone(),
            (550, 30),
            TextStyle::from((FONT, 22).into_font()).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(draw_err)?;
        let mut lo = self.published.min(0.0);
        let mut hi = self.published.max(0.0);
        for v in self
            .series
            .iter()
            .flat_map(|s| &s.1)
            .filter(|v| v.is_finite())
        {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
        let width = ((hi - lo) / BINS as f64).max(1e-9);
        let panels = body.split_evenly((self.series.len(), 1));
        for (k, ((name, v), area)) in self.series.iter().zip(&panels).enumerate() {
            let mut counts = vec![0usize; BINS];
            for x in v.iter().filter(|x| x.is_finite()) {
                counts[(((x - lo) / width) as usize).min(BINS - 1)] += 1;
            }
            let ymax = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.15;
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{name} reading"), (FONT, 16))
                .margin_left(15)
                .margin_right(25)
                .x_label_area_size(if k + 1 == self.series.len() { 45 } else { 25 })
                .y_label_area_size(60)
                .build_cartesian_2d(lo..hi, 0.0..ymax)
                .map_err(draw_err)?;
            let mut mesh = chart.configure_mesh();
            mesh.disable_x_mesh()
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| format!("{y:.0}"))
                .y_desc("specs")
                .axis_desc_style((FONT, 14))
                .label_style((FONT, 12));
            if k + 1 == self.series.len() {
                mesh.x_desc("Saving at best practice (mio. DKK per year)");
            }
            mesh.draw().map_err(draw_err)?;
            chart
                .draw_series(
                    counts
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| **c > 0)
                        .map(|(b, c)| {
                            let a = lo + b as f64 * width;
                            Rectangle::new([(a, 0.0), (a + width, *c as f64)], BAR.filled())
                        }),
                )
                .map_err(draw_err)?;
            let med = panelkit::inference::multiple::median_of(v);
            chart
                .draw_series([PathElement::new(
                    vec![(med, 0.0), (med, ymax)],
                    BAR_TOP.stroke_width(3),
                )])
                .map_err(draw_err)?;
            chart
                .draw_series((0..20).step_by(2).map(|j| {
                    let y0 = ymax * j as f64 / 20.0;
                    let y1 = ymax * (j + 1) as f64 / 20.0;
                    PathElement::new(
                        vec![(self.published, y0), (self.published, y1)],
                        NATIONAL.stroke_width(2),
                    )
                }))
                .map_err(draw_err)?;
            if self.synthetic {
                let at = chart.backend_coord(&(lo, ymax));
                synthetic_mark(root, (at.0 + 8, at.1 + 4))?;
            }
        }
        legend(
            &foot,
            &[
                (Mark::Bar(BAR), "specifications".to_string()),
                (Mark::Line(BAR_TOP), "median".to_string()),
                (
                    Mark::Dashed(NATIONAL),
                    format!("published {:.0} mio. DKK", self.published),
                ),
            ],
        )
    }
}

/// The savings of every spec under each reading (DKK) as stacked histograms in mio. DKK,
/// with the median and DI's published figure marked: `dir/{stem}.{png,svg}`.
pub fn savings_distribution(
    series: &[(String, Vec<f64>)],
    published_dkk: f64,
    dir: &Path,
    stem: &str,
    synthetic: bool,
) -> Result<Files> {
    if series.is_empty() || series.iter().any(|s| s.1.is_empty()) {
        return Err(Error::Usage(
            "a savings distribution needs at least one reading with savings".into(),
        ));
    }
    let fig = SavingsHistograms {
        title: title("Savings at best practice across the multiverse", synthetic),
        series: series
            .iter()
            .map(|(n, v)| (n.clone(), v.iter().map(|x| x / 1e6).collect()))
            .collect(),
        published: published_dkk / 1e6,
        synthetic,
    };
    render(&fig, dir, stem)
}

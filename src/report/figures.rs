//! Figures of the projection and of estimates, each as PNG and SVG (plotters).
//!
//! DI's three figures — (1) IKU on main account 6 by municipality, (2) national IKU over time,
//! (3) tendered tasks in bn DKK, actual versus the extra at best practice — plus (4) a
//! coefficient plot with horizontal 95 % intervals and (5) the savings by municipality.
//! Figures are rendered in memory and written all-or-nothing; the same inputs give the same
//! bytes. Text is DejaVu Sans (æ, ø, å included), compiled into the binary (or `$IKU_FONT`):
//! measured through plotters' `ab_glyph` backend and, in the PNGs, drawn by
//! [`ShapedText`](crate::report::text::ShapedText) with the font's side bearings and kerning
//! (plotters' fontconfig backend drops glyphs that reach left of their origin, the "j" of
//! Hjørring; its `ab_glyph` drawer spaces letters wrongly). The SVGs keep text as text.
//! On synthetic data every title says "SYNTHETIC DATA" and the mark is stamped across the
//! plotting area too (repeated down tall figures), so a cropped figure keeps it. Notes that
//! qualify a figure (approximated amounts, an effect without a published interval, cumulative
//! effects) are printed under it, on the figure itself.

use crate::canonical::PRICE_INDEX;
use crate::projection::{national_iku_series, tender_rows, Effect, EffectSource, Projection};
use crate::report::estimates::{SpecColumn, SpecEstimates};
use crate::report::text::ShapedText;
use crate::Panel;
use panelkit::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

mod curve;
pub use curve::{savings_distribution, spec_curve, CurveInput};

const FONT: &str = "sans-serif";
const BAR: RGBColor = RGBColor(93, 138, 168);
const BAR_TOP: RGBColor = RGBColor(25, 60, 110);
const EXTRA: RGBColor = RGBColor(230, 140, 40);
const NATIONAL: RGBColor = RGBColor(200, 30, 30);
const BEST: RGBColor = RGBColor(20, 130, 60);

type Files = Vec<(PathBuf, Vec<u8>)>;

/// DejaVu Sans 2.37 (free licence, `src/report/fonts/LICENSE-DejaVu`), compiled in so that
/// figures render the same bytes on every machine, with or without system fonts.
const EMBEDDED_FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// Registers the text font once per process (`$IKU_FONT` when set, else the embedded font)
/// and returns its bytes, which the bitmap text drawer ([`ShapedText`]) reads too.
fn ensure_font() -> Result<&'static [u8]> {
    static DONE: std::sync::OnceLock<std::result::Result<&'static [u8], String>> =
        std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let (bytes, origin): (&'static [u8], String) = match std::env::var_os("IKU_FONT") {
            Some(p) => {
                let path = PathBuf::from(p);
                let b = std::fs::read(&path)
                    .map_err(|e| format!("IKU_FONT={}: {e}", path.display()))?;
                (Box::leak(b.into_boxed_slice()), path.display().to_string())
            }
            None => (EMBEDDED_FONT, "embedded DejaVu Sans".to_string()),
        };
        plotters::style::register_font(FONT, FontStyle::Normal, bytes)
            .map_err(|_| format!("{origin}: not a usable TrueType font"))?;
        Ok(bytes)
    })
    .clone()
    .map_err(Error::Data)
}

/// A figure that can draw itself on any plotters backend.
trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole figure on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

fn draw_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Data(format!("cannot draw figure: {e:?}"))
}

/// Renders `fig` to `dir/stem.png` and `dir/stem.svg`, in memory.
fn render<F: Figure>(fig: &F, dir: &Path, stem: &str) -> Result<Files> {
    let font = ab_glyph::FontRef::try_from_slice(ensure_font()?)
        .map_err(|_| Error::Data("the figure font is not a usable TrueType font".into()))?;
    let (w, h) = fig.size();
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root =
            ShapedText::new(BitMapBackend::with_buffer(&mut rgb, (w, h)), font).into_drawing_area();
        fig.draw(&root)?;
        root.present().map_err(draw_err)?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png_bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(draw_err)?;
        wr.write_image_data(&rgb).map_err(draw_err)?;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        fig.draw(&root)?;
        root.present().map_err(draw_err)?;
    }
    Ok(vec![
        (dir.join(format!("{stem}.png")), png_bytes),
        (dir.join(format!("{stem}.svg")), svg.into_bytes()),
    ])
}

fn title(text: &str, synthetic: bool) -> String {
    if synthetic {
        format!("SYNTHETIC DATA — {text}")
    } else {
        text.to_string()
    }
}

/// What every figure carries besides its data: the SYNTHETIC stamp and the notes under it.
#[derive(Debug, Clone, Default)]
struct Decor {
    synthetic: bool,
    notes: Vec<String>,
}

/// Height in pixels of one note line under a figure.
const NOTE_LINE: u32 = 22;

impl Decor {
    fn new(synthetic: bool) -> Decor {
        Decor {
            synthetic,
            notes: Vec::new(),
        }
    }

    /// Adds a note, wrapped at word boundaries to lines that fit the narrowest figure.
    fn note(mut self, note: Option<String>) -> Decor {
        const WIDTH: usize = 120;
        let Some(note) = note else { return self };
        let mut line = String::from("Note:");
        for word in note.split_whitespace() {
            if line.chars().count() + 1 + word.chars().count() > WIDTH {
                self.notes
                    .push(std::mem::replace(&mut line, format!("  {word}")));
            } else {
                line.push(' ');
                line.push_str(word);
            }
        }
        self.notes.push(line);
        self
    }

    /// Pixels the notes add to a figure's height.
    fn height(&self) -> u32 {
        if self.notes.is_empty() {
            0
        } else {
            NOTE_LINE * self.notes.len() as u32 + 10
        }
    }

    /// Draws the notes in a band at the bottom of `root`; returns the area above it.
    fn split<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<DrawingArea<DB, Shift>> {
        let h = root.dim_in_pixel().1;
        let (body, band) = root.split_vertically(h.saturating_sub(self.height()));
        let ink = BLACK.mix(0.85);
        let style = TextStyle::from((FONT, 14).into_font())
            .color(&ink)
            .pos(Pos::new(HPos::Left, VPos::Top));
        for (i, n) in self.notes.iter().enumerate() {
            band.draw(&Text::new(
                n.clone(),
                (20, i as i32 * NOTE_LINE as i32),
                style.clone(),
            ))
            .map_err(draw_err)?;
        }
        Ok(body)
    }

    /// Stamps "SYNTHETIC DATA" across the plotting area, once per 450 px of its height, in a
    /// translucent red that leaves the data readable; nothing on real data.
    fn stamp<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        if !self.synthetic {
            return Ok(());
        }
        let (w, h) = area.dim_in_pixel();
        let size = (w as f64 / 11.0).clamp(24.0, 72.0);
        let ink = SYNTHETIC_RED.mix(0.22);
        let style = TextStyle::from((FONT, size).into_font())
            .color(&ink)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let n = (h / 450).max(1);
        for i in 0..n {
            let y = (h as f64 * (2 * i + 1) as f64 / (2 * n) as f64) as i32;
            area.draw(&Text::new(
                "SYNTHETIC DATA",
                (w as i32 / 2, y),
                style.clone(),
            ))
            .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// The colour of the SYNTHETIC stamp.
const SYNTHETIC_RED: RGBColor = RGBColor(190, 0, 0);

/// The note of a figure whose tenderable and tendered amounts were approximated, or `None`.
fn approximation_note(n: usize, what: &str) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "APPROXIMATED: tenderable tasks are missing for {n} {what} and approximated by \
             net operating expenditure on main account 6 (tendered = IKU × that), as in the \
             projection."
        )
    })
}

/// Pixel width of a left label column wide enough for `labels` at `size` px.
/// A year axis label: the year at whole numbers, nothing in between.
fn year_label(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        String::new()
    }
}

fn label_width(labels: &[String], size: u32) -> u32 {
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    (chars * size * 6 / 10 + 20).clamp(60, 420)
}

/// The frame shared by the horizontal bar charts with one row per municipality: x from 0 to
/// `xmax`, one slot per name (names drawn by the caller), a vertical grid only.
fn municipality_bars<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
    caption_size: u32,
    names: &[String],
    xmax: f64,
    x_desc: &str,
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
> {
    let n = names.len();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, caption_size))
        .margin(15)
        .x_label_area_size(55)
        .y_label_area_size(label_width(names, 13))
        .build_cartesian_2d(0.0..xmax, -0.5..(n as f64 - 0.5))
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(x_desc)
        .y_desc("Municipality")
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 14))
        .draw()
        .map_err(draw_err)?;
    Ok(chart)
}

/// Draws `labels[i]` right-aligned left of the plotting area at row `i`.
fn row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: impl Fn(usize) -> (i32, i32),
    labels: &[String],
    size: u32,
) -> Result<()> {
    let style = TextStyle::from((FONT, size).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (i, l) in labels.iter().enumerate() {
        let (x, y) = at(i);
        root.draw(&Text::new(l.clone(), (x - 6, y), style.clone()))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// Height in pixels of the legend band under every chart with a legend.
const LEGEND_BAND: u32 = 44;

/// A legend entry's symbol.
enum Mark {
    Bar(RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
    Dot(RGBColor),
}

/// Splits `root` into the chart area and a legend band at the bottom.
fn with_legend_band<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let h = root.dim_in_pixel().1;
    root.split_vertically(h.saturating_sub(LEGEND_BAND))
}

/// Draws a one-line legend centred in `area`, outside the plot so it never hides data.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Mark, String)],
) -> Result<()> {
    let style = TextStyle::from((FONT, 15).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let (w, h) = area.dim_in_pixel();
    let y = h as i32 / 2;
    let widths: Vec<i32> = entries
        .iter()
        .map(|(_, t)| {
            area.estimate_text_size(t, &style)
                .map(|s| s.0 as i32)
                .unwrap_or(8 * t.chars().count() as i32)
        })
        .collect();
    let total: i32 = widths.iter().map(|tw| 26 + tw + 32).sum::<i32>() - 32;
    let mut x = ((w as i32 - total) / 2).max(10);
    for ((mark, text), tw) in entries.iter().zip(widths) {
        match mark {
            Mark::Bar(c) => area.draw(&Rectangle::new([(x, y - 7), (x + 20, y + 7)], c.filled())),
            Mark::Line(c) => area.draw(&PathElement::new(
                vec![(x, y), (x + 20, y)],
                c.stroke_width(3),
            )),
            Mark::Dashed(c) => area
                .draw(&PathElement::new(
                    vec![(x, y), (x + 7, y)],
                    c.stroke_width(3),
                ))
                .and_then(|_| {
                    area.draw(&PathElement::new(
                        vec![(x + 13, y), (x + 20, y)],
                        c.stroke_width(3),
                    ))
                }),
            Mark::Dot(c) => area.draw(&Circle::new((x + 10, y), 6, c.filled())),
        }
        .map_err(draw_err)?;
        area.draw(&Text::new(text.clone(), (x + 26, y), style.clone()))
            .map_err(draw_err)?;
        x += 26 + tw + 32;
    }
    Ok(())
}

fn nice_max(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v * 1.1
    } else {
        1.0
    }
}

/// Figure 1: IKU by municipality, sorted, with the national and best-practice lines.
struct IkuByMunicipality {
    title: String,
    /// (name, IKU %, in best practice), sorted ascending (highest drawn at the top).
    rows: Vec<(String, f64, bool)>,
    national: f64,
    best: f64,
    k: usize,
    decor: Decor,
}

impl Figure for IkuByMunicipality {
    fn size(&self) -> (u32, u32) {
        (
            1100,
            200 + LEGEND_BAND + 17 * self.rows.len() as u32 + self.decor.height(),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let root = &self.decor.split(root)?;
        let (main, foot) = with_legend_band(root);
        let n = self.rows.len();
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let xmax = nice_max(
            self.rows
                .iter()
                .map(|r| r.1)
                .fold(self.best.max(self.national), f64::max),
        );
        let mut chart = municipality_bars(
            &main,
            &self.title,
            24,
            &names,
            xmax,
            "IKU, main account 6 (%)",
        )?;
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                let c = if r.2 { BAR_TOP } else { BAR };
                Rectangle::new([(0.0, i as f64 - 0.38), (r.1, i as f64 + 0.38)], c.filled())
            }))
            .map_err(draw_err)?;
        let top = n as f64 - 0.5;
        for (x, color) in [(self.national, NATIONAL), (self.best, BEST)] {
            chart
                .draw_series(LineSeries::new(
                    vec![(x, -0.5), (x, top)],
                    color.stroke_width(3),
                ))
                .map_err(draw_err)?;
        }
        self.decor
            .stamp(&chart.plotting_area().strip_coord_spec())?;
        legend(
            &foot,
            &[
                (
                    Mark::Line(NATIONAL),
                    format!(
                        "national IKU {:.1} %{}",
                        self.national,
                        if self.decor.notes.is_empty() {
                            ""
                        } else {
                            " (approximated)"
                        }
                    ),
                ),
                (
                    Mark::Line(BEST),
                    format!("best practice (mean of top {}) {:.1} %", self.k, self.best),
                ),
                (Mark::Bar(BAR_TOP), format!("top {} municipalities", self.k)),
                (Mark::Bar(BAR), "other municipalities".to_string()),
            ],
        )?;
        let left = chart.backend_coord(&(0.0, 0.0)).0;
        row_labels(
            root,
            |i| (left, chart.backend_coord(&(0.0, i as f64)).1),
            &names,
            13,
        )
    }
}

/// Figure 2: national IKU over time.
struct NationalOverTime {
    title: String,
    series: Vec<(i64, f64)>,
    decor: Decor,
}

impl Figure for NationalOverTime {
    fn size(&self) -> (u32, u32) {
        (1000, 600 + self.decor.height())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let root = &self.decor.split(root)?;
        let (t0, t1) = match (self.series.first(), self.series.last()) {
            (Some(a), Some(b)) => (a.0, b.0),
            _ => (0, 1),
        };
        let ymax = nice_max(self.series.iter().map(|x| x.1).fold(0.0, f64::max)).max(5.0);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d((t0 as f64 - 0.5)..(t1 as f64 + 0.5), 0.0..ymax)
            .map_err(draw_err)?;
        let nyears = (t1 - t0 + 1).max(1) as usize;
        chart
            .configure_mesh()
            .x_labels(nyears + 1)
            .x_label_formatter(&year_label)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_desc("Year")
            .y_desc("National IKU, main account 6 (%)")
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 14))
            .draw()
            .map_err(draw_err)?;
        let pts: Vec<(f64, f64)> = self.series.iter().map(|&(t, v)| (t as f64, v)).collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), BAR_TOP.stroke_width(3)))
            .map_err(draw_err)?;
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 5, BAR_TOP.filled())))
            .map_err(draw_err)?;
        // Value labels 12 px above their points, clear of the line and the markers.
        chart
            .draw_series(pts.iter().map(|&(t, v)| {
                EmptyElement::at((t, v))
                    + Text::new(
                        format!("{v:.1}"),
                        (0, -12),
                        TextStyle::from((FONT, 13).into_font())
                            .pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )
            }))
            .map_err(draw_err)?;
        self.decor
            .stamp(&chart.plotting_area().strip_coord_spec())?;
        Ok(())
    }
}

/// Figure 3: tendered tasks per year, bn DKK, with the extra at best practice stacked on the
/// projection year.
struct TenderedBars {
    title: String,
    y_desc: String,
    /// (year, actual bn DKK)
    actual: Vec<(i64, f64)>,
    year: i64,
    extra: f64,
    k: usize,
    decor: Decor,
}

impl Figure for TenderedBars {
    fn size(&self) -> (u32, u32) {
        (1000, 600 + LEGEND_BAND + self.decor.height())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let root = &self.decor.split(root)?;
        let (main, foot) = with_legend_band(root);
        let (t0, t1) = match (self.actual.first(), self.actual.last()) {
            (Some(a), Some(b)) => (a.0, b.0),
            _ => (self.year, self.year),
        };
        let top_year = self
            .actual
            .iter()
            .find(|a| a.0 == self.year)
            .map(|a| a.1)
            .unwrap_or(0.0);
        let ymax = nice_max(
            self.actual
                .iter()
                .map(|a| a.1)
                .fold(top_year + self.extra, f64::max),
        );
        let mut chart = ChartBuilder::on(&main)
            .caption(&self.title, (FONT, 22))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d((t0 as f64 - 0.6)..(t1 as f64 + 0.6), 0.0..ymax)
            .map_err(draw_err)?;
        let nyears = (t1 - t0 + 1).max(1) as usize;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(nyears + 1)
            .x_label_formatter(&year_label)
            .y_label_formatter(&|y| format!("{y:.1}"))
            .x_desc("Year")
            .y_desc(self.y_desc.as_str())
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 14))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(self.actual.iter().map(|&(t, v)| {
                Rectangle::new([(t as f64 - 0.35, 0.0), (t as f64 + 0.35, v)], BAR.filled())
            }))
            .map_err(draw_err)?;
        let t = self.year as f64;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(t - 0.35, top_year), (t + 0.35, top_year + self.extra)],
                EXTRA.filled(),
            )))
            .map_err(draw_err)?;
        self.decor
            .stamp(&chart.plotting_area().strip_coord_spec())?;
        legend(
            &foot,
            &[
                (Mark::Bar(BAR), "tendered (actual)".to_string()),
                (
                    Mark::Bar(EXTRA),
                    format!(
                        "extra at best practice (top {}), {}: {:.2} bn DKK",
                        self.k, self.year, self.extra
                    ),
                ),
            ],
        )?;
        Ok(())
    }
}

/// One row of a coefficient plot: label, estimate, 95 % interval.
pub type CoefRow = (String, f64, f64, f64);

/// Figure 4: estimates with horizontal 95 % intervals and a dashed reference line.
struct CoefPlot {
    title: String,
    x_desc: String,
    rows: Vec<CoefRow>,
    reference: Option<(f64, String)>,
    /// The row drawn as the best estimate (a larger, differently coloured marker).
    highlight: Option<(usize, String)>,
    decor: Decor,
}

impl Figure for CoefPlot {
    fn size(&self) -> (u32, u32) {
        (
            1100,
            200 + LEGEND_BAND + 40 * self.rows.len() as u32 + self.decor.height(),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let root = &self.decor.split(root)?;
        let (main, foot) = with_legend_band(root);
        let n = self.rows.len();
        let labels: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for r in &self.rows {
            for v in [r.1, r.2, r.3] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
        if let Some((v, _)) = &self.reference {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
        lo = lo.min(0.0);
        hi = hi.max(0.0);
        if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
            lo = -1.0;
            hi = 1.0;
        }
        let pad = (hi - lo) * 0.08;
        let mut chart = ChartBuilder::on(&main)
            .caption(&self.title, (FONT, 22))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(label_width(&labels, 14))
            .build_cartesian_2d((lo - pad)..(hi + pad), -0.7..(n as f64 - 0.3))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(self.x_desc.as_str())
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 14))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, -0.7), (0.0, n as f64 - 0.3)],
                BLACK.mix(0.5).stroke_width(1),
            ))
            .map_err(draw_err)?;
        if let Some((v, _)) = &self.reference {
            let v = *v;
            let pts: Vec<(f64, f64)> = (0..=40)
                .map(|j| (v, -0.7 + (n as f64 + 0.4) * j as f64 / 40.0))
                .collect();
            chart
                .draw_series(
                    pts.chunks(2)
                        .map(|c| PathElement::new(c.to_vec(), NATIONAL.stroke_width(2))),
                )
                .map_err(draw_err)?;
        }
        // Row 0 at the top.
        let yrow = |i: usize| (n - 1 - i) as f64;
        chart
            .draw_series(
                self.rows
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.2.is_finite() && r.3.is_finite())
                    .map(|(i, r)| {
                        PathElement::new(
                            vec![(r.2, yrow(i)), (r.3, yrow(i))],
                            BAR_TOP.stroke_width(3),
                        )
                    }),
            )
            .map_err(draw_err)?;
        chart
            .draw_series(
                self.rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Circle::new((r.1, yrow(i)), 6, BAR_TOP.filled())),
            )
            .map_err(draw_err)?;
        if let Some((i, _)) = &self.highlight {
            let r = &self.rows[*i];
            chart
                .draw_series([
                    Circle::new((r.1, yrow(*i)), 10, BEST.filled()),
                    Circle::new((r.1, yrow(*i)), 10, BLACK.stroke_width(1)),
                ])
                .map_err(draw_err)?;
        }
        self.decor
            .stamp(&chart.plotting_area().strip_coord_spec())?;
        let mut entries = vec![(Mark::Dot(BAR_TOP), "estimate".to_string())];
        if let Some((_, label)) = &self.highlight {
            entries.push((Mark::Dot(BEST), label.clone()));
        }
        if self.rows.iter().any(|r| r.2.is_finite() && r.3.is_finite()) {
            entries.push((Mark::Line(BAR_TOP), "95 % confidence interval".to_string()));
        }
        if let Some((_, label)) = &self.reference {
            entries.push((Mark::Dashed(NATIONAL), label.clone()));
        }
        legend(&foot, &entries)?;
        let left = chart.backend_coord(&(lo - pad, 0.0)).0;
        row_labels(
            root,
            |i| (left, chart.backend_coord(&(lo - pad, yrow(i))).1),
            &labels,
            14,
        )
    }
}

/// Figure 5: savings by municipality, mio. DKK, absolute and relative readings side by side.
struct SavingsByMunicipality {
    title: String,
    /// (name, absolute mio., relative mio.), sorted ascending by absolute.
    rows: Vec<(String, f64, f64)>,
    decor: Decor,
}

impl Figure for SavingsByMunicipality {
    fn size(&self) -> (u32, u32) {
        (
            1100,
            200 + LEGEND_BAND + 17 * self.rows.len() as u32 + self.decor.height(),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let root = &self.decor.split(root)?;
        let (main, foot) = with_legend_band(root);
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let xmax = nice_max(self.rows.iter().map(|r| r.1.max(r.2)).fold(0.0, f64::max));
        let mut chart = municipality_bars(
            &main,
            &self.title,
            22,
            &names,
            xmax,
            "Saving per year (mio. DKK)",
        )?;
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                Rectangle::new([(0.0, i as f64), (r.1, i as f64 + 0.4)], BAR_TOP.filled())
            }))
            .map_err(draw_err)?;
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                Rectangle::new([(0.0, i as f64 - 0.4), (r.2, i as f64)], EXTRA.filled())
            }))
            .map_err(draw_err)?;
        self.decor
            .stamp(&chart.plotting_area().strip_coord_spec())?;
        legend(
            &foot,
            &[
                (
                    Mark::Bar(BAR_TOP),
                    "municipal-absolute (DKK per inhabitant)".to_string(),
                ),
                (
                    Mark::Bar(EXTRA),
                    "municipal-relative (share of own spending)".to_string(),
                ),
            ],
        )?;
        let left = chart.backend_coord(&(0.0, 0.0)).0;
        row_labels(
            root,
            |i| (left, chart.backend_coord(&(0.0, i as f64)).1),
            &names,
            13,
        )
    }
}

/// Figure 1 as files `dir/fig1_iku_by_municipality.{png,svg}` (bytes, not yet written).
pub fn iku_by_municipality(p: &Projection, dir: &Path, synthetic: bool) -> Result<Files> {
    let mut rows: Vec<(String, f64, bool, usize)> = p
        .municipalities
        .iter()
        .map(|m| (m.name.clone(), m.iku, m.in_best_practice, m.rank))
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.3));
    let fig = IkuByMunicipality {
        title: title(
            &format!("IKU on main account 6 by municipality, {}", p.year),
            synthetic,
        ),
        rows: rows.into_iter().map(|r| (r.0, r.1, r.2)).collect(),
        national: p.national_iku,
        best: p.best_practice_iku,
        k: p.best_practice_k,
        decor: Decor::new(synthetic).note(approximation_note(
            p.tenderable_approximated.len(),
            "municipalities in the national IKU line",
        )),
    };
    render(&fig, dir, "fig1_iku_by_municipality")
}

/// Figure 2 as files `dir/fig2_national_iku.{png,svg}`.
pub fn national_iku(panel: &Panel, dir: &Path, synthetic: bool) -> Result<Files> {
    let series = national_iku_series(panel)?;
    if series.is_empty() {
        return Err(Error::Data(
            "no year has tendered and tenderable tasks: cannot draw the national IKU".into(),
        ));
    }
    let approximated = tender_rows(panel)?
        .iter()
        .filter(|a| a.approximated)
        .count();
    let fig = NationalOverTime {
        title: title(
            if approximated > 0 {
                "National IKU on main account 6 (approximated amounts)"
            } else {
                "National IKU on main account 6"
            },
            synthetic,
        ),
        series,
        decor: Decor::new(synthetic).note(approximation_note(approximated, "municipality-years")),
    };
    render(&fig, dir, "fig2_national_iku")
}

/// Per row: the factor that converts current prices to 2020 prices, when the price index is
/// observed for every unit in 2020 and in the row's year.
fn to_2020_prices(panel: &Panel) -> Option<Vec<f64>> {
    let idx = panel.num(PRICE_INDEX)?;
    let unit = panel.unit_ids();
    (0..panel.nrows())
        .map(|r| {
            let base = idx[panel.row_of(unit[r], 2020)?];
            let f = base / idx[r];
            (f.is_finite() && f > 0.0).then_some(f)
        })
        .collect()
}

/// Figure 3 as files `dir/fig3_tendered_bn_dkk.{png,svg}`: tendered tasks per year and the
/// extra at best practice, in 2020 prices when the price index allows, else current prices.
pub fn tendered_bn_dkk(
    p: &Projection,
    panel: &Panel,
    dir: &Path,
    synthetic: bool,
) -> Result<Files> {
    let amounts = tender_rows(panel)?;
    let factor = to_2020_prices(panel);
    let ones = vec![1.0; panel.nrows()];
    let f = factor.as_deref().unwrap_or(&ones);
    let mut actual: Vec<(i64, f64)> = panel
        .distinct_times()
        .iter()
        .copied()
        .map(|t| (t, 0.0))
        .collect();
    for (r, a) in amounts.iter().enumerate() {
        if a.tendered.is_finite() {
            let i = actual
                .binary_search_by_key(&panel.times()[r], |a| a.0)
                .map_err(|_| Error::Data("panel time index is inconsistent".into()))?;
            actual[i].1 += a.tendered * f[r] / 1e9;
        }
    }
    let approximated = amounts.iter().filter(|a| a.approximated).count();
    let labels = panel.unit_labels();
    let mut extra = 0.0;
    for m in &p.municipalities {
        let fr = labels
            .iter()
            .position(|l| *l == m.code)
            .and_then(|u| panel.row_of(u, p.year))
            .map(|r| f[r])
            .unwrap_or(1.0);
        extra += m.extra_tendered_dkk * fr / 1e9;
    }
    let prices = match (factor.is_some(), approximated > 0) {
        (true, false) => "2020 prices",
        (false, false) => "current prices",
        (true, true) => "2020 prices, approximated",
        (false, true) => "current prices, approximated",
    };
    let fig = TenderedBars {
        title: title(
            &format!("Tendered tasks on main account 6 (bn DKK, {prices})"),
            synthetic,
        ),
        y_desc: format!("Tendered tasks (bn DKK, {prices})"),
        actual,
        year: p.year,
        extra,
        k: p.best_practice_k,
        decor: Decor::new(synthetic).note(approximation_note(approximated, "municipality-years")),
    };
    render(&fig, dir, "fig3_tendered_bn_dkk")
}

/// A coefficient plot as files `dir/{stem}.{png,svg}`: one row per `(label, estimate,
/// conf_low, conf_high)` (first row at the top), horizontal 95 % intervals, and a dashed
/// reference line at `reference` (e.g. the true effect on synthetic data, or
/// [`published_reference`]).
pub fn coefficient_plot(
    rows: &[CoefRow],
    reference: Option<(f64, &str)>,
    plot_title: &str,
    x_desc: &str,
    dir: &Path,
    stem: &str,
    synthetic: bool,
) -> Result<Files> {
    let fig = CoefPlot {
        title: title(plot_title, synthetic),
        x_desc: x_desc.to_string(),
        rows: rows.to_vec(),
        reference: reference.map(|(v, l)| (v, l.to_string())),
        highlight: None,
        decor: Decor::new(synthetic),
    };
    render_coef(fig, dir, stem)
}

/// Renders a coefficient plot after checking it has rows and a valid highlighted row.
fn render_coef(fig: CoefPlot, dir: &Path, stem: &str) -> Result<Files> {
    if fig.rows.is_empty() {
        return Err(Error::Usage(
            "a coefficient plot needs at least one row".into(),
        ));
    }
    if fig
        .highlight
        .as_ref()
        .is_some_and(|h| h.0 >= fig.rows.len())
    {
        return Err(Error::Usage(
            "the highlighted row of a coefficient plot does not exist".into(),
        ));
    }
    render(&fig, dir, stem)
}

/// The coefficient plot of every spec's IKU effect (`fig6_spec_effects`): the best estimate
/// marked, distributed-lag effects labelled cumulative (the sum of their lag coefficients),
/// and a dashed reference line (the true effect on synthetic data, else the published one).
pub fn spec_effects(
    table: &SpecEstimates,
    reference: (f64, &str),
    dir: &Path,
    synthetic: bool,
) -> Result<Files> {
    let cumulative = |c: &SpecColumn| c.effect.terms.len() > 1;
    let rows: Vec<CoefRow> = table
        .columns
        .iter()
        .map(|c| {
            let mut label = c.fit.label.clone();
            if cumulative(c) {
                label.push_str(" — cumulative");
            }
            if c.name == table.best_estimate.spec {
                label.push_str(" (best)");
            }
            (
                label,
                c.effect.estimate,
                c.effect.conf_low,
                c.effect.conf_high,
            )
        })
        .collect();
    let best = &table.best_estimate.spec;
    let highlight = table
        .columns
        .iter()
        .position(|c| &c.name == best)
        .map(|i| (i, format!("best estimate ({best})")));
    let note = table.columns.iter().find(|c| cumulative(c)).map(|c| {
        format!(
            "\"cumulative\": the effect of a distributed lag is the sum of its coefficients ({}), \
             with the SE of that sum.",
            c.effect.terms.join(" + ")
        )
    });
    let fig = CoefPlot {
        title: title(
            "IKU effect on spending by specification (95 % CI)",
            synthetic,
        ),
        x_desc: EFFECT_X_DESC.to_string(),
        rows,
        reference: Some((reference.0, reference.1.to_string())),
        highlight,
        decor: Decor::new(synthetic).note(note),
    };
    render_coef(fig, dir, "fig6_spec_effects")
}

/// Writes a coefficient plot (PNG and SVG) and returns the paths written.
pub fn write_coefficient_plot(
    rows: &[CoefRow],
    reference: Option<(f64, &str)>,
    plot_title: &str,
    x_desc: &str,
    dir: &Path,
    stem: &str,
    synthetic: bool,
) -> Result<Vec<PathBuf>> {
    write(coefficient_plot(
        rows, reference, plot_title, x_desc, dir, stem, synthetic,
    )?)
}

/// The x-axis label for effects of IKU on spending.
pub const EFFECT_X_DESC: &str =
    "Effect of +1 pp IKU on net spending, main account 6 (DKK per inhabitant per year)";

/// The reference line of the effect plots: DI's published effect as an effect on spending
/// (negative = saving) and its label, e.g. `(-12.5, "published −12.5")`.
pub fn published_reference() -> (f64, String) {
    let c = Effect::published().coefficient();
    (c, format!("published {}", format!("{c}").replace('-', "−")))
}

/// Figure 4 of the projection: its effects as coefficients on spending (negative = saving).
pub fn projection_effects(p: &Projection, dir: &Path, synthetic: bool) -> Result<Files> {
    let mut rows: Vec<CoefRow> = Vec::new();
    for s in p
        .savings
        .iter()
        .filter(|s| s.approach.as_str() == "national")
    {
        let label = match s.effect_source {
            EffectSource::Published => "published (VIVE 2020, via DI 2022)".to_string(),
            EffectSource::Estimated => "re-estimated (best estimate)".to_string(),
        };
        let (estimate, low, high) = s.effect_as_coefficient();
        // The published effect has no published standard error: no interval is drawn for it.
        let (low, high) = match s.effect_source {
            EffectSource::Published => (None, None),
            EffectSource::Estimated => (low, high),
        };
        rows.push((
            label,
            estimate,
            low.unwrap_or(f64::NAN),
            high.unwrap_or(f64::NAN),
        ));
    }
    let (reference, reference_label) = published_reference();
    let fig = CoefPlot {
        title: title(
            "Effect of competition exposure on administrative spending",
            synthetic,
        ),
        x_desc: EFFECT_X_DESC.to_string(),
        rows,
        reference: Some((reference, reference_label)),
        highlight: None,
        decor: Decor::new(synthetic).note(Some(
            "VIVE (2020) published no standard error for its effect, so none is drawn; \
             the projection's interval for it borrows the re-estimated SE (labelled there)."
                .to_string(),
        )),
    };
    render_coef(fig, dir, "fig4_effects")
}

/// Figure 5 as files `dir/fig5_savings_by_municipality.{png,svg}` (headline effect).
pub fn savings_by_municipality(p: &Projection, dir: &Path, synthetic: bool) -> Result<Files> {
    let mut rows: Vec<(String, f64, f64, String)> = p
        .municipalities
        .iter()
        .map(|m| {
            (
                m.name.clone(),
                m.savings_dkk / 1e6,
                m.savings_relative_dkk / 1e6,
                m.code.clone(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.3.cmp(&a.3)));
    let fig = SavingsByMunicipality {
        title: title(
            &format!(
                "Saving at best practice by municipality, {} ({} effect, {} DKK/inh./pp)",
                p.year,
                p.headline_effect_source.as_str(),
                p.headline_effect_dkk_per_capita_pp
            ),
            synthetic,
        ),
        rows: rows.into_iter().map(|r| (r.0, r.1, r.2)).collect(),
        decor: Decor::new(synthetic),
    };
    render(&fig, dir, "fig5_savings_by_municipality")
}

/// All five figures as (path, bytes), not yet written.
pub fn render_all_bytes(
    p: &Projection,
    panel: &Panel,
    dir: &Path,
    synthetic: bool,
) -> Result<Files> {
    let mut files = iku_by_municipality(p, dir, synthetic)?;
    files.extend(national_iku(panel, dir, synthetic)?);
    files.extend(tendered_bn_dkk(p, panel, dir, synthetic)?);
    files.extend(projection_effects(p, dir, synthetic)?);
    files.extend(savings_by_municipality(p, dir, synthetic)?);
    Ok(files)
}

/// Renders all five figures into `dir` (PNG and SVG each, all-or-nothing) and returns the paths.
pub fn render_all(
    p: &Projection,
    panel: &Panel,
    dir: &Path,
    synthetic: bool,
) -> Result<Vec<PathBuf>> {
    write(render_all_bytes(p, panel, dir, synthetic)?)
}

fn write(files: Files) -> Result<Vec<PathBuf>> {
    let refs: Vec<(&Path, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (p.as_path(), b.clone()))
        .collect();
    panelkit::io::write_all_atomic(&refs)?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

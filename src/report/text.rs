//! Text on the bitmap figures, laid out glyph by glyph with the font's advance widths, side
//! bearings and kerning, at sub-pixel positions.
//!
//! plotters' `ab_glyph` text drawer starts every glyph's ink at the pen position (it drops the
//! left side bearing) and rounds the pen to whole pixels, so letters crowd or gap ("SYN THETIC",
//! "Bornh olm"). [`ShapedText`] wraps any backend and draws text itself; every other call is
//! passed through unchanged, so shapes render exactly as before. Text is measured as plotters
//! measures it (same advances and kerning), so chart layouts do not move.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// A backend that draws text with exact glyph metrics and delegates everything else.
pub struct ShapedText<B> {
    inner: B,
    font: FontRef<'static>,
}

impl<B: DrawingBackend> ShapedText<B> {
    /// Wraps `inner`; `font` is the TrueType font every text is drawn with.
    pub fn new(inner: B, font: FontRef<'static>) -> ShapedText<B> {
        ShapedText { inner, font }
    }
}

/// Pen positions (x of each glyph's origin) and the total advance of `text` at `size` px,
/// with kerning between each pair of glyphs.
fn layout(font: &FontRef<'static>, size: f32, text: &str) -> (Vec<(ab_glyph::GlyphId, f32)>, f32) {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut pen = 0f32;
    let mut prev = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        glyphs.push((id, pen));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    (glyphs, pen)
}

impl<B: DrawingBackend> DrawingBackend for ShapedText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    /// The same box plotters computes (so layouts agree between PNG and SVG).
    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.inner.estimate_text_size(text, style)
    }

    /// Draws each glyph at its sub-pixel pen position, ink placed by the glyph's own bounds
    /// (side bearings kept), the baseline where the font's ascent puts it in plotters' box,
    /// anchored and rotated as plotters does.
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let size = style.size() as f32;
        let (w, h) = self.estimate_text_size(text, style)?;
        let (width, height) = (w as f32, h as f32);
        let scaled = self.font.as_scaled(PxScale::from(size));
        let baseline = height * scaled.ascent() / (scaled.ascent() - scaled.descent());
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Right => -width,
            HPos::Center => -width / 2.0,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (glyphs, _) = layout(&self.font, size, text);
        let mut ink: Vec<(i32, i32, f32)> = Vec::new();
        for (id, x) in glyphs {
            let glyph =
                id.with_scale_and_position(PxScale::from(size), point(x + dx, baseline + dy));
            if let Some(outline) = self.font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, c| {
                    ink.push((b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, c));
                });
            }
        }
        for (x, y, c) in ink {
            if c <= 0.0 {
                continue;
            }
            let (x, y) = trans.transform(x, y);
            self.inner
                .draw_pixel((pos.0 + x, pos.1 + y), color.mix(c.min(1.0) as f64))?;
        }
        Ok(())
    }
}

//! Drawing with plotters, once for every output: the same code draws on the SVG backend (for
//! the UI and SVG export) and on the bitmap backend (PNG export, drawn at twice the size and
//! averaged down, so edges are smooth). Every chart's SVG carries its data as JSON in a
//! `<metadata id="onemap-chart">` element, with the pixel frame of its plot area, so a reader
//! (or a test) can check what is drawn against what was counted.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::font::FAMILY;

/// The two looks: dark for the command center and the briefing screen, light for print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Dark background (the default).
    #[default]
    Dark,
    /// White background.
    Light,
}

impl Theme {
    /// Parses `dark` or `light`; `None` gives dark.
    ///
    /// ```
    /// use onemap_dashboard::draw::Theme;
    /// assert_eq!(Theme::parse(Some("light")).unwrap(), Theme::Light);
    /// assert!(Theme::parse(Some("pink")).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] for another name.
    pub fn parse(s: Option<&str>) -> Result<Theme> {
        match s {
            None | Some("" | "dark") => Ok(Theme::Dark),
            Some("light") => Ok(Theme::Light),
            Some(o) => Err(Error::Invalid(format!(
                "unknown theme {o:?} (dark or light)"
            ))),
        }
    }

    pub(crate) fn colours(self) -> Colours {
        match self {
            Theme::Dark => Colours {
                background: rgb(0x05, 0x0d, 0x1a),
                panel: rgb(0x0b, 0x1b, 0x30),
                text: rgb(0xe0, 0xf2, 0xfe),
                muted: rgb(0x93, 0xa8, 0xc4),
                grid: rgb(0x1e, 0x3a, 0x5f),
                accent: rgb(0x38, 0xbd, 0xf8),
            },
            Theme::Light => Colours {
                background: rgb(0xff, 0xff, 0xff),
                panel: rgb(0xf1, 0xf5, 0xf9),
                text: rgb(0x0f, 0x17, 0x2a),
                muted: rgb(0x47, 0x55, 0x69),
                grid: rgb(0xcb, 0xd5, 0xe1),
                accent: rgb(0x03, 0x69, 0xa1),
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Colours {
    pub background: RGBColor,
    pub panel: RGBColor,
    pub text: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    pub accent: RGBColor,
}

pub(crate) const fn rgb(r: u8, g: u8, b: u8) -> RGBColor {
    RGBColor(r, g, b)
}

/// `#RRGGBB` of a colour, as the SVG backend writes it.
pub(crate) fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

pub(crate) fn de<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Draw(e.to_string())
}

/// A text style in the registered CJK family.
pub(crate) fn font(size: f64, colour: RGBColor, bold: bool) -> TextStyle<'static> {
    let f = (FAMILY, size).into_font();
    let f = if bold { f.style(FontStyle::Bold) } else { f };
    f.color(&colour)
}

/// Draws `text` with its top-left (or, with `anchor`, another point) at `at`.
pub(crate) fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    style: &TextStyle<'_>,
    anchor: (HPos, VPos),
) -> Result<()> {
    let style = style.pos(Pos::new(anchor.0, anchor.1));
    area.draw(&Text::new(s.to_string(), at, style)).map_err(de)
}

pub(crate) use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Renders `draw` into an SVG document of `size` (design pixels).
pub(crate) fn to_svg<T>(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<T>,
) -> Result<(String, T)> {
    crate::font::ensure_for_layout()?;
    let mut s = String::new();
    let out = {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        let out = draw(&root)?;
        root.present().map_err(de)?;
        out
    };
    Ok((s, out))
}

/// Renders `draw` into a PNG of `size × scale` pixels; `draw` gets the drawing area and the
/// factor to multiply design pixels by. Drawn at twice that and averaged down 2×2.
pub(crate) fn to_png(
    size: (u32, u32),
    scale: f64,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>, f64) -> Result<()>,
) -> Result<Vec<u8>> {
    crate::font::ensure()?;
    if !(0.25..=4.0).contains(&scale) {
        return Err(Error::Invalid(format!(
            "scale must lie in 0.25..=4, not {scale}"
        )));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (w, h) = (
        (f64::from(size.0) * scale).round() as u32,
        (f64::from(size.1) * scale).round() as u32,
    );
    let (bw, bh) = (w * 2, h * 2);
    let mut big = vec![0u8; bw as usize * bh as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut big, (bw, bh)).into_drawing_area();
        draw(&root, scale * 2.0)?;
        root.present().map_err(de)?;
    }
    let small = downsample(&big, bw as usize, bh as usize);
    encode_png(&small, w, h)
}

/// Averages each 2×2 block of an RGB image (`w`, `h` even).
fn downsample(big: &[u8], w: usize, h: usize) -> Vec<u8> {
    let (sw, sh) = (w / 2, h / 2);
    let mut out = vec![0u8; sw * sh * 3];
    for y in 0..sh {
        for x in 0..sw {
            for c in 0..3 {
                let at =
                    |dx: usize, dy: usize| u32::from(big[((2 * y + dy) * w + 2 * x + dx) * 3 + c]);
                let sum = at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1);
                #[allow(clippy::cast_possible_truncation)]
                {
                    out[(y * sw + x) * 3 + c] = ((sum + 2) / 4) as u8;
                }
            }
        }
    }
    out
}

/// Encodes an RGB buffer as PNG.
pub(crate) fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| Error::Draw(format!("png: {e}")))?;
        writer
            .write_image_data(rgb)
            .map_err(|e| Error::Draw(format!("png: {e}")))?;
    }
    Ok(out)
}

/// Puts `<title>` and `<metadata id="onemap-chart">` (JSON) right after the opening `<svg>`.
pub(crate) fn with_metadata(svg: &str, title: &str, meta: &serde_json::Value) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let Some(end) = svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| i + j + 1))
    else {
        return svg.to_string();
    };
    format!(
        "{}\n<title>{}</title>\n<metadata id=\"onemap-chart\">{}</metadata>{}",
        &svg[..end],
        esc(title),
        esc(&meta.to_string()),
        &svg[end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With the CJK font, 光 and 明 come out as two different inked shapes (a missing glyph
    /// would draw the same empty box for both).
    #[test]
    fn chinese_is_drawn_with_real_glyphs_in_png() {
        crate::font::ensure().expect("a CJK font (fonts-noto-cjk)");
        let render = |s: &str| {
            let mut buf = vec![0u8; 64 * 64 * 3];
            {
                let root = BitMapBackend::with_buffer(&mut buf, (64, 64)).into_drawing_area();
                root.fill(&BLACK).expect("fill");
                text(
                    &root,
                    s,
                    (4, 4),
                    &font(48.0, WHITE, false),
                    (HPos::Left, VPos::Top),
                )
                .expect("text");
                root.present().expect("present");
            }
            buf
        };
        let (a, b) = (render("光"), render("明"));
        let ink = |v: &[u8]| v.iter().filter(|x| **x > 128).count();
        assert!(ink(&a) > 300 && ink(&b) > 300, "{} {}", ink(&a), ink(&b));
        assert_ne!(a, b);
    }

    #[test]
    fn downsampling_averages_each_block() {
        // 2×2 pixels → 1: (0+10+20+30)/4 = 15 in each channel.
        let big = [0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30];
        assert_eq!(downsample(&big, 2, 2), vec![15, 15, 15]);
    }

    #[test]
    fn metadata_lands_inside_the_svg_element_escaped() {
        let s = with_metadata(
            "<svg width=\"1\">\n</svg>",
            "a < b",
            &serde_json::json!({"k": "x&y"}),
        );
        assert!(s.starts_with("<svg width=\"1\">\n<title>a &lt; b</title>"));
        assert!(s.contains("{\"k\":\"x&amp;y\"}"));
        roxmltree::Document::parse(&s).expect("well-formed");
    }
}

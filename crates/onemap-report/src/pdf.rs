//! The report as an A4 PDF: the blocks laid out top to bottom with page breaks (tables repeat
//! their header on each page), the map as an image, a footer with the page number. Text is
//! measured with the font's own advances and wrapped (between any two CJK characters, at spaces
//! in Latin text); the fonts are embedded as subsets by krilla.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use crate::document::{Block, Table, page_label};
use crate::fonts::{Face, Fonts};
use crate::{Lang, ReportError};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 46.0;
const MARGIN_TOP: f32 = 48.0;
const MARGIN_BOTTOM: f32 = 54.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

const INK: (u8, u8, u8) = (29, 36, 48);
const RED: (u8, u8, u8) = (164, 22, 26);
const GREY: (u8, u8, u8) = (90, 96, 108);
const RULE: (u8, u8, u8) = (201, 206, 216);
const HEAD_BG: (u8, u8, u8) = (238, 240, 244);
const ZEBRA: (u8, u8, u8) = (247, 248, 250);

/// A face ready to draw and to measure.
struct Typeface {
    font: Font,
    face: Face,
}

impl Typeface {
    fn new(face: &Face) -> Result<Typeface, ReportError> {
        let font =
            Font::new(std::sync::Arc::clone(&face.data).into(), face.index).ok_or_else(|| {
                ReportError::Font(format!(
                    "{} (face {}): krilla cannot read it",
                    face.path.display(),
                    face.index
                ))
            })?;
        Ok(Typeface {
            font,
            face: face.clone(),
        })
    }

    /// Width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(f) = ttf_parser::Face::parse(&self.face.data, self.face.index) else {
            return text.chars().count() as f32 * size;
        };
        let upem = f32::from(f.units_per_em());
        text.chars()
            .map(|c| {
                f.glyph_index(c)
                    .and_then(|g| f.glyph_hor_advance(g))
                    .map_or(size, |a| f32::from(a) / upem * size)
            })
            .sum()
    }
}

/// Whether a line may break before `c` (CJK characters and after spaces).
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Splits `text` into lines no wider than `width`.
fn wrap(tf: &Typeface, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        // Tokens: single CJK characters, or runs of other characters ending at a space.
        let mut tokens: Vec<String> = Vec::new();
        let mut cur = String::new();
        for c in para.chars() {
            if is_cjk(c) {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
                tokens.push(c.to_string());
            } else {
                cur.push(c);
                if c == ' ' {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
        }
        if !cur.is_empty() {
            tokens.push(cur);
        }
        let mut line = String::new();
        let mut w = 0.0;
        for t in tokens {
            let tw = tf.width(&t, size);
            if w + tw > width && !line.is_empty() {
                lines.push(line.trim_end().to_string());
                line = String::new();
                w = 0.0;
                if t == " " {
                    continue;
                }
            }
            // A token wider than the line on its own is cut by characters.
            if tw > width {
                for c in t.chars() {
                    let cw = tf.width(&c.to_string(), size);
                    if w + cw > width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        w = 0.0;
                    }
                    line.push(c);
                    w += cw;
                }
                continue;
            }
            line.push_str(&t);
            w += tw;
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

fn fill(c: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// The page being filled and where the next line goes.
struct Writer<'a> {
    doc: Document,
    pages: Vec<Vec<Op>>,
    y: f32,
    regular: &'a Typeface,
    bold: &'a Typeface,
}

/// A drawing operation, recorded per page and played back at the end (krilla's page borrows
/// the document while it is open).
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: (u8, u8, u8),
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: (u8, u8, u8),
    },
    Line {
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
        color: (u8, u8, u8),
        width: f32,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

impl Writer<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let n = self.pages.len();
        &mut self.pages[n - 1]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    /// Makes room for `h` points, starting a new page if needed.
    fn room(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN_BOTTOM {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, baseline: f32, size: f32, bold: bool, color: (u8, u8, u8), t: &str) {
        if t.is_empty() {
            return;
        }
        self.ops().push(Op::Text {
            x,
            y: baseline,
            size,
            bold,
            color,
            text: t.to_string(),
        });
    }

    fn paragraph(&mut self, text: &str, size: f32, bold: bool, color: (u8, u8, u8), gap: f32) {
        let tf = if bold { self.bold } else { self.regular };
        let lead = size * 1.45;
        for line in wrap(tf, text, size, CONTENT_W) {
            self.room(lead);
            let base = self.y + size;
            self.text(MARGIN_X, base, size, bold, color, &line);
            self.y += lead;
        }
        self.y += gap;
    }

    fn table(&mut self, t: &Table) {
        let size = 7.6;
        let pad = 3.0;
        let lead = size * 1.35;
        let total: f32 = t.widths.iter().sum::<f32>().max(1e-3);
        let widths: Vec<f32> = t.widths.iter().map(|w| w / total * CONTENT_W).collect();
        let xs: Vec<f32> = widths
            .iter()
            .scan(MARGIN_X, |x, w| {
                let at = *x;
                *x += w;
                Some(at)
            })
            .collect();
        let cells = |row: &[String], tf: &Typeface| -> Vec<Vec<String>> {
            row.iter()
                .enumerate()
                .map(|(i, c)| {
                    wrap(
                        tf,
                        c,
                        size,
                        widths.get(i).copied().unwrap_or(50.0) - 2.0 * pad,
                    )
                })
                .collect()
        };
        let header = cells(&t.headers, self.bold);
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 2.0 * pad;
        let draw_row =
            |w: &mut Writer<'_>, lines: &[Vec<String>], h: f32, head: bool, zebra: bool| {
                let y = w.y;
                if head || zebra {
                    let color = if head { HEAD_BG } else { ZEBRA };
                    w.ops().push(Op::Rect {
                        x: MARGIN_X,
                        y,
                        w: CONTENT_W,
                        h,
                        color,
                    });
                }
                let tf = if head { w.bold } else { w.regular };
                for (i, cell) in lines.iter().enumerate() {
                    let (x, cw) = (
                        xs.get(i).copied().unwrap_or(MARGIN_X),
                        widths.get(i).copied().unwrap_or(0.0),
                    );
                    let right = t.numeric.get(i).copied().unwrap_or(false);
                    for (k, line) in cell.iter().enumerate() {
                        let lw = tf.width(line, size);
                        let lx = if right { x + cw - pad - lw } else { x + pad };
                        let base = y + pad + size + k as f32 * lead;
                        w.text(lx, base, size, head, INK, line);
                    }
                }
                w.ops().push(Op::Line {
                    x0: MARGIN_X,
                    y0: y + h,
                    x1: MARGIN_X + CONTENT_W,
                    y1: y + h,
                    color: RULE,
                    width: 0.5,
                });
                w.y += h;
            };
        self.room(header_h + lead + 2.0 * pad);
        draw_row(self, &header, header_h, true, false);
        for (r, row) in t.rows.iter().enumerate() {
            let lines = cells(row, self.regular);
            let h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 2.0 * pad;
            if self.y + h > PAGE_H - MARGIN_BOTTOM {
                self.new_page();
                draw_row(self, &header, header_h, true, false);
            }
            draw_row(self, &lines, h, false, r % 2 == 1);
        }
        self.y += 8.0;
    }
}

/// Renders `blocks` (with the map PNG) as an A4 PDF.
///
/// # Errors
/// [`ReportError::Font`] when the fonts cannot be used, [`ReportError::Pdf`] when the PNG is
/// unreadable or krilla fails.
pub fn render(
    blocks: &[Block],
    map_png: &[u8],
    lang: Lang,
    fonts: &Fonts,
) -> Result<Vec<u8>, ReportError> {
    let regular = Typeface::new(&fonts.regular)?;
    let bold = Typeface::new(&fonts.bold)?;
    let mut w = Writer {
        doc: Document::new(),
        pages: Vec::new(),
        y: MARGIN_TOP,
        regular: &regular,
        bold: &bold,
    };
    let mut title_text = String::new();
    let mut map: Option<(Image, f32, f32)> = None;
    if !map_png.is_empty() {
        let img = Image::from_png(map_png.to_vec().into(), true)
            .map_err(|e| ReportError::Pdf(format!("map image: {e}")))?;
        let (pw, ph) = png_size(map_png).unwrap_or((1600, 1200));
        map = Some((img, pw as f32, ph as f32));
    }
    let map_h = map.as_ref().map_or(0.0, |(_, pw, ph)| CONTENT_W * ph / pw);
    for (i, b) in blocks.iter().enumerate() {
        // Keep headings and lead-in paragraphs with what follows them: room for the map, or
        // for a table's header and first rows.
        match (b, blocks.get(i + 1)) {
            (Block::Heading(_) | Block::Subheading(_) | Block::Para(_), Some(Block::Map(_))) => {
                w.room(map_h + 70.0);
            }
            (Block::Heading(_) | Block::Subheading(_) | Block::Para(_), Some(Block::Table(_))) => {
                w.room(90.0);
            }
            _ => {}
        }
        match b {
            Block::Title { title, lines } => {
                title_text.clone_from(title);
                w.paragraph(title, 19.0, true, RED, 6.0);
                for l in lines {
                    w.paragraph(l, 9.0, false, GREY, 1.0);
                }
                w.y += 6.0;
            }
            Block::Heading(t) => {
                w.room(40.0);
                w.y += 6.0;
                w.paragraph(t, 13.0, true, INK, 0.0);
                let y = w.y;
                w.ops().push(Op::Line {
                    x0: MARGIN_X,
                    y0: y,
                    x1: MARGIN_X + CONTENT_W,
                    y1: y,
                    color: RED,
                    width: 1.0,
                });
                w.y += 6.0;
            }
            Block::Subheading(t) => {
                w.room(30.0);
                w.y += 3.0;
                w.paragraph(t, 10.5, true, INK, 2.0);
            }
            Block::Para(t) => w.paragraph(t, 9.0, false, INK, 3.0),
            Block::Table(t) => w.table(t),
            Block::Map(caption) => {
                let Some((_, pw, ph)) = &map else {
                    continue;
                };
                let h = CONTENT_W * ph / pw;
                w.room(h + 30.0);
                let y = w.y;
                w.ops().push(Op::Image {
                    x: MARGIN_X,
                    y,
                    w: CONTENT_W,
                    h,
                });
                w.y += h + 4.0;
                w.paragraph(caption, 7.8, false, GREY, 4.0);
            }
        }
    }
    // Play the pages back into the document.
    let pages = std::mem::take(&mut w.pages);
    let mut doc = w.doc;
    for (i, ops) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| ReportError::Pdf("page size".into()))?;
        let mut page = doc.start_page_with(settings);
        let mut s = page.surface();
        for op in ops {
            draw(&mut s, op, &regular, &bold, map.as_ref().map(|m| &m.0));
        }
        // Footer.
        let label = format!("{}  ·  {}", page_label(lang, i + 1), title_text);
        let size = 7.5;
        let lw = regular.width(&label, size);
        draw(
            &mut s,
            Op::Text {
                x: (PAGE_W - lw) / 2.0,
                y: PAGE_H - 26.0,
                size,
                bold: false,
                color: GREY,
                text: label,
            },
            &regular,
            &bold,
            None,
        );
        s.finish();
        page.finish();
    }
    doc.set_metadata(
        Metadata::new()
            .title(title_text)
            .creator("OneMap (一张图)".to_string())
            .language(match lang {
                Lang::ZhCn => "zh-CN".to_string(),
                Lang::En => "en".to_string(),
            }),
    );
    doc.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

fn draw(s: &mut Surface<'_>, op: Op, regular: &Typeface, bold: &Typeface, map: Option<&Image>) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold: b,
            color,
            text,
        } => {
            s.set_fill(Some(fill(color)));
            s.set_stroke(None);
            let font = if b { &bold.font } else { &regular.font };
            s.draw_text(
                Point::from_xy(x, y),
                font.clone(),
                size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect { x, y, w, h, color } => {
            if let Some(r) = Rect::from_xywh(x, y, w, h) {
                let mut pb = PathBuilder::new();
                pb.push_rect(r);
                if let Some(path) = pb.finish() {
                    s.set_fill(Some(fill(color)));
                    s.set_stroke(None);
                    s.draw_path(&path);
                }
            }
        }
        Op::Line {
            x0,
            y0,
            x1,
            y1,
            color,
            width,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(x0, y0);
            pb.line_to(x1, y1);
            if let Some(path) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(color.0, color.1, color.2).into(),
                    width,
                    ..Default::default()
                }));
                s.draw_path(&path);
                s.set_stroke(None);
            }
        }
        Op::Image { x, y, w, h } => {
            if let (Some(img), Some(size)) = (map, Size::from_wh(w, h)) {
                s.push_transform(&Transform::from_translate(x, y));
                s.draw_image(img.clone(), size);
                s.pop();
            }
        }
    }
}

/// Width and height from a PNG's header.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[1..4] != b"PNG" {
        return None;
    }
    let w = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let h = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    Some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_text_wraps_between_characters_and_latin_at_spaces() {
        let Ok(fonts) = crate::fonts::system() else {
            panic!("the PDF tests need Debian's fonts-noto-cjk (scripts/test.sh installs it)");
        };
        let tf = Typeface::new(&fonts.regular).expect("as the test sets up");
        // 10 CJK characters at 10 pt are 100 pt wide: 45 pt holds 4 per line.
        let lines = wrap(&tf, "一二三四五六七八九十", 10.0, 45.0);
        assert_eq!(lines, vec!["一二三四", "五六七八", "九十"]);
        let lines = wrap(&tf, "walking distance along roads", 10.0, 70.0);
        assert!(lines.iter().all(|l| tf.width(l, 10.0) <= 70.0), "{lines:?}");
        assert_eq!(lines.join(" "), "walking distance along roads");
    }
}

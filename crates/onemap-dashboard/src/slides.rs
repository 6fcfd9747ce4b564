//! The tour as slides: one 1920 × 1080 picture per step (PNG, or SVG), dark, in large type,
//! numbered in the tour's order, and a ZIP of them all. Drawn by plotters from the tour's own
//! data and the Atlas's outlines, so a slide shows exactly what the screen shows and nothing
//! personal.

use std::collections::HashMap;
use std::io::Write;

use onemap_geo::atlas::Atlas;
use onemap_geo::dataset::AdminLevel;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::briefing::{Step, StepKind, Tour};
use crate::context::Source;
use crate::draw::{self, Colours, HPos, Theme, VPos, de, font, rgb, text};
use crate::error::{Error, Result};
use crate::i18n::{Lang, tr, trf};

/// The design size of a slide.
pub const SIZE: (u32, u32) = (1920, 1080);

/// The colour of a risk score on the choropleth (0 → deep blue, 100 → red), shared with the UI.
///
/// ```
/// use onemap_dashboard::slides::risk_colour;
/// assert_eq!(risk_colour(0.0), (0x1e, 0x3a, 0x8a));
/// assert_eq!(risk_colour(100.0), (0xdc, 0x26, 0x26));
/// ```
#[must_use]
pub fn risk_colour(score: f64) -> (u8, u8, u8) {
    const STOPS: [(f64, [f64; 3]); 4] = [
        (0.0, [30.0, 58.0, 138.0]),
        (30.0, [13.0, 148.0, 136.0]),
        (60.0, [234.0, 179.0, 8.0]),
        (100.0, [220.0, 38.0, 38.0]),
    ];
    let s = score.clamp(0.0, 100.0);
    let i = STOPS
        .iter()
        .rposition(|(at, _)| *at <= s)
        .unwrap_or(0)
        .min(STOPS.len() - 2);
    let (a, ca) = STOPS[i];
    let (b, cb) = STOPS[i + 1];
    let t = (s - a) / (b - a);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let c = |k: usize| (ca[k] + (cb[k] - ca[k]) * t).round() as u8;
    (c(0), c(1), c(2))
}

fn grade_colour(g: i64) -> RGBColor {
    match g {
        1 => rgb(0xff, 0x2d, 0x55),
        2 => rgb(0xff, 0x9f, 0x0a),
        _ => rgb(0xff, 0xd6, 0x0a),
    }
}

/// Maps plane metres into a pixel box, keeping the aspect.
struct Frame {
    min: (f64, f64),
    k: f64,
    origin: (f64, f64),
}

impl Frame {
    fn fit(bbox_plane: [f64; 4], panel: [f64; 4]) -> Frame {
        let (w, h) = (bbox_plane[2] - bbox_plane[0], bbox_plane[3] - bbox_plane[1]);
        let (pw, ph) = (panel[2] - panel[0], panel[3] - panel[1]);
        let k = (pw / w.max(1.0)).min(ph / h.max(1.0));
        let origin = (
            panel[0] + (pw - w * k) / 2.0,
            panel[1] + (ph - h * k) / 2.0 + h * k,
        );
        Frame {
            min: (bbox_plane[0], bbox_plane[1]),
            k,
            origin,
        }
    }
    #[allow(clippy::cast_possible_truncation)]
    fn px(&self, x: f64, y: f64) -> (i32, i32) {
        (
            (self.origin.0 + (x - self.min.0) * self.k).round() as i32,
            (self.origin.1 - (y - self.min.1) * self.k).round() as i32,
        )
    }
}

fn plane_bbox(atlas: &Atlas, b: [f64; 4]) -> [f64; 4] {
    let [x0, y0] = atlas.project(b[0], b[1]);
    let [x1, y1] = atlas.project(b[2], b[3]);
    // A little air around the unit.
    let pad = 0.06 * (x1 - x0).max(y1 - y0).max(400.0);
    [x0 - pad, y0 - pad, x1 + pad, y1 + pad]
}

fn rings(u: &onemap_geo::atlas::Unit) -> impl Iterator<Item = &geo::LineString<f64>> {
    u.geometry.0.iter().map(geo::Polygon::exterior)
}

impl Tour {
    /// Slide `n` (1-based) as PNG at `scale` × 1920 × 1080.
    ///
    /// # Errors
    /// [`Error::NotFound`] for a slide the tour does not have; [`Error::NoFont`] without a CJK
    /// font.
    pub fn slide_png(&self, src: &Source, n: usize, theme: Theme, scale: f64) -> Result<Vec<u8>> {
        let step = self.step(n)?;
        let atlas = src.atlas()?;
        draw::to_png(SIZE, scale, |root, k| {
            self.draw(root, atlas, step, theme, k)
        })
    }

    /// Slide `n` as SVG.
    ///
    /// # Errors
    /// As [`Tour::slide_png`].
    pub fn slide_svg(&self, src: &Source, n: usize, theme: Theme) -> Result<String> {
        let step = self.step(n)?;
        let atlas = src.atlas()?;
        let (svg, ()) = draw::to_svg(SIZE, |root| self.draw(root, atlas, step, theme, 1.0))?;
        Ok(svg)
    }

    /// Every slide as PNG, named as the tour names them (`01-district.png`, …).
    ///
    /// # Errors
    /// As [`Tour::slide_png`].
    pub fn slides_png(
        &self,
        src: &Source,
        theme: Theme,
        scale: f64,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        self.steps
            .iter()
            .map(|s| Ok((s.slide.clone(), self.slide_png(src, s.n, theme, scale)?)))
            .collect()
    }

    /// Every slide as PNG in one ZIP (stored, not deflated: PNGs do not shrink).
    ///
    /// # Errors
    /// As [`Tour::slide_png`].
    pub fn slides_zip(&self, src: &Source, theme: Theme, scale: f64) -> Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let io = |e: std::io::Error| Error::Draw(format!("zip: {e}"));
        for (name, png) in self.slides_png(src, theme, scale)? {
            zip.start_file(name, opts)
                .map_err(|e| Error::Draw(format!("zip: {e}")))?;
            zip.write_all(&png).map_err(io)?;
        }
        Ok(zip
            .finish()
            .map_err(|e| Error::Draw(format!("zip: {e}")))?
            .into_inner())
    }

    fn step(&self, n: usize) -> Result<&Step> {
        self.steps.iter().find(|s| s.n == n).ok_or_else(|| {
            Error::NotFound(format!(
                "the tour has slides 1 to {}, not {n}",
                self.steps.len()
            ))
        })
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        atlas: &Atlas,
        step: &Step,
        theme: Theme,
        k: f64,
    ) -> Result<()> {
        let c = theme.colours();
        let lang = self.lang;
        let px = |v: f64| (v * k).round() as i32;
        root.fill(&c.background).map_err(de)?;
        // The map.
        let panel = [60.0 * k, 170.0 * k, 1130.0 * k, 1030.0 * k];
        root.draw(&Rectangle::new(
            [(px(60.0), px(170.0)), (px(1130.0), px(1030.0))],
            c.panel.filled(),
        ))
        .map_err(de)?;
        self.draw_map(root, atlas, step, &c, panel, k)?;
        // The map draws beyond its panel where the unit's shape is wide; paint the margins over.
        for [x0, y0, x1, y1] in [
            [0.0, 0.0, 1920.0, 170.0],
            [0.0, 1030.0, 1920.0, 1080.0],
            [0.0, 170.0, 60.0, 1030.0],
            [1130.0, 170.0, 1920.0, 1030.0],
        ] {
            root.draw(&Rectangle::new(
                [(px(x0), px(y0)), (px(x1), px(y1))],
                c.background.filled(),
            ))
            .map_err(de)?;
        }
        self.draw_legend(root, step, &c, panel, k)?;
        // Header.
        text(
            root,
            &step.title,
            (px(60.0), px(36.0)),
            &font(56.0 * k, c.text, true),
            (HPos::Left, VPos::Top),
        )?;
        text(
            root,
            &step.subtitle,
            (px(62.0), px(110.0)),
            &font(26.0 * k, c.muted, false),
            (HPos::Left, VPos::Top),
        )?;
        let page = trf(
            lang,
            "slide.page",
            &[
                ("n", step.n.to_string()),
                ("total", self.steps.len().to_string()),
            ],
        );
        text(
            root,
            &page,
            (px(1860.0), px(44.0)),
            &font(28.0 * k, c.muted, false),
            (HPos::Right, VPos::Top),
        )?;
        text(
            root,
            &tr(lang, "slide.no_personal_data"),
            (px(1860.0), px(88.0)),
            &font(22.0 * k, c.accent, false),
            (HPos::Right, VPos::Top),
        )?;
        // The side: tiles, then the ranking.
        let mut y = 170.0;
        for (i, t) in step.tiles.iter().enumerate() {
            let col = i % 2;
            let x = 1180.0 + 350.0 * col as f64;
            let yy = y + 150.0 * (i / 2) as f64;
            root.draw(&Rectangle::new(
                [(px(x), px(yy)), (px(x + 330.0), px(yy + 134.0))],
                c.panel.filled(),
            ))
            .map_err(de)?;
            let tone = match t.tone {
                "good" => rgb(0x34, 0xd3, 0x99),
                "warn" => rgb(0xfa, 0xcc, 0x15),
                "bad" => rgb(0xf8, 0x71, 0x71),
                _ => c.text,
            };
            text(
                root,
                &t.label,
                (px(x + 20.0), px(yy + 16.0)),
                &font(24.0 * k, c.muted, false),
                (HPos::Left, VPos::Top),
            )?;
            text(
                root,
                &t.value,
                (px(x + 20.0), px(yy + 50.0)),
                &font(52.0 * k, tone, true),
                (HPos::Left, VPos::Top),
            )?;
            if !t.detail.is_empty() {
                text(
                    root,
                    &t.detail,
                    (px(x + 316.0), px(yy + 104.0)),
                    &font(20.0 * k, c.muted, false),
                    (HPos::Right, VPos::Top),
                )?;
            }
        }
        y += 150.0 * step.tiles.len().div_ceil(2) as f64 + 10.0;
        if !step.ranking.is_empty() {
            let rows = ((1030.0 - y) / 78.0).floor().max(0.0) as usize;
            for r in step.ranking.iter().take(rows) {
                let (cr, cg, cb) = risk_colour(r.score);
                root.draw(&Rectangle::new(
                    [(px(1180.0), px(y)), (px(1860.0), px(y + 70.0))],
                    c.panel.filled(),
                ))
                .map_err(de)?;
                root.draw(&Rectangle::new(
                    [(px(1180.0), px(y)), (px(1192.0), px(y + 70.0))],
                    rgb(cr, cg, cb).filled(),
                ))
                .map_err(de)?;
                text(
                    root,
                    &format!("{}", r.rank),
                    (px(1226.0), px(y + 35.0)),
                    &font(34.0 * k, c.text, true),
                    (HPos::Center, VPos::Center),
                )?;
                text(
                    root,
                    &r.name,
                    (px(1262.0), px(y + 8.0)),
                    &font(28.0 * k, c.text, true),
                    (HPos::Left, VPos::Top),
                )?;
                text(
                    root,
                    &r.inputs,
                    (px(1262.0), px(y + 44.0)),
                    &font(19.0 * k, c.muted, false),
                    (HPos::Left, VPos::Top),
                )?;
                text(
                    root,
                    &format!("{:.1}", r.score),
                    (px(1845.0), px(y + 35.0)),
                    &font(36.0 * k, rgb(cr, cg, cb), true),
                    (HPos::Right, VPos::Center),
                )?;
                y += 78.0;
            }
        }
        Ok(())
    }

    fn draw_map<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        atlas: &Atlas,
        step: &Step,
        c: &Colours,
        panel: [f64; 4],
        k: f64,
    ) -> Result<()> {
        let inner = [
            panel[0] + 20.0 * k,
            panel[1] + 20.0 * k,
            panel[2] - 20.0 * k,
            panel[3] - 70.0 * k,
        ];
        let frame = Frame::fit(plane_bbox(atlas, step.bbox), inner);
        let clip = root.clone();
        let w = |v: f64| (v * k).round().max(1.0) as u32;
        // Sub-grids filled by risk.
        for u in atlas.units(AdminLevel::Subgrid) {
            let score = self.risk.get(&u.code).copied().unwrap_or(0.0);
            let (r, g, b) = risk_colour(score);
            let dim = match step.kind {
                StepKind::Street => !u.code.starts_with(&step.code),
                _ => false,
            };
            let fill = if dim {
                rgb(r, g, b).mix(0.25)
            } else {
                rgb(r, g, b).mix(0.85)
            };
            for ring in rings(u) {
                let pts: Vec<(i32, i32)> = ring.0.iter().map(|p| frame.px(p.x, p.y)).collect();
                clip.draw(&Polygon::new(pts.clone(), fill.filled()))
                    .map_err(de)?;
                clip.draw(&PathElement::new(pts, c.background.stroke_width(w(1.0))))
                    .map_err(de)?;
            }
        }
        for u in atlas.units(AdminLevel::Community) {
            for ring in rings(u) {
                let pts: Vec<(i32, i32)> = ring.0.iter().map(|p| frame.px(p.x, p.y)).collect();
                clip.draw(&PathElement::new(pts, c.grid.stroke_width(w(1.5))))
                    .map_err(de)?;
            }
        }
        for u in atlas.units(AdminLevel::Street) {
            let on = step.kind == StepKind::Street && u.code == step.code;
            let style = if on {
                rgb(0xfd, 0xe0, 0x47).stroke_width(w(5.0))
            } else {
                c.accent.stroke_width(w(2.5))
            };
            for ring in rings(u) {
                let pts: Vec<(i32, i32)> = ring.0.iter().map(|p| frame.px(p.x, p.y)).collect();
                clip.draw(&PathElement::new(pts, style)).map_err(de)?;
            }
        }
        // Street names on the overview and the live map; ranks on the hot sub-grids.
        if matches!(step.kind, StepKind::District | StepKind::Live) {
            use geo::InteriorPoint;
            for u in atlas.units(AdminLevel::Street) {
                if let Some(p) = u.geometry.interior_point() {
                    let at = frame.px(p.x(), p.y());
                    text(
                        root,
                        &u.name,
                        at,
                        &font(30.0 * k, c.text, true),
                        (HPos::Center, VPos::Center),
                    )?;
                }
            }
        }
        if !step.ranking.is_empty() {
            use geo::InteriorPoint;
            let by_code: HashMap<&str, &onemap_geo::atlas::Unit> = atlas
                .units(AdminLevel::Subgrid)
                .iter()
                .map(|u| (u.code.as_str(), u))
                .collect();
            for r in &step.ranking {
                let Some(u) = by_code.get(r.code.as_str()) else {
                    continue;
                };
                for ring in rings(u) {
                    let pts: Vec<(i32, i32)> = ring.0.iter().map(|p| frame.px(p.x, p.y)).collect();
                    clip.draw(&PathElement::new(
                        pts,
                        rgb(0xfd, 0xe0, 0x47).stroke_width(w(4.0)),
                    ))
                    .map_err(de)?;
                }
                if let Some(p) = u.geometry.interior_point() {
                    let (x, y) = frame.px(p.x(), p.y());
                    clip.draw(&Circle::new(
                        (x, y),
                        (20.0 * k) as i32,
                        c.background.filled(),
                    ))
                    .map_err(de)?;
                    text(
                        root,
                        &r.rank.to_string(),
                        (x, y),
                        &font(26.0 * k, rgb(0xfd, 0xe0, 0x47), true),
                        (HPos::Center, VPos::Center),
                    )?;
                }
            }
        }
        // Open cases.
        let mut dots: Vec<&crate::briefing::Dot> = step.dots.iter().collect();
        dots.sort_by_key(|d| std::cmp::Reverse(d.grade));
        for d in dots {
            let [x, y] = atlas.project(d.lon, d.lat);
            let at = frame.px(x, y);
            let r = (match d.grade {
                1 => 11.0,
                2 => 8.0,
                _ => 6.0,
            } * k) as i32;
            clip.draw(&Circle::new(at, r, grade_colour(d.grade).filled()))
                .map_err(de)?;
            clip.draw(&Circle::new(at, r, c.background.stroke_width(w(1.5))))
                .map_err(de)?;
        }
        Ok(())
    }
}

impl Tour {
    fn draw_legend<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        step: &Step,
        c: &Colours,
        panel: [f64; 4],
        k: f64,
    ) -> Result<()> {
        // The legend: the risk ramp.
        let (lx, ly) = (panel[0] + 30.0 * k, panel[3] - 40.0 * k);
        text(
            root,
            &tr(self.lang, "slide.legend.risk"),
            (lx as i32, ly as i32),
            &font(22.0 * k, c.text, false),
            (HPos::Left, VPos::Center),
        )?;
        let x0 = lx + 130.0 * k;
        for i in 0..50 {
            let (r, g, b) = risk_colour(f64::from(i) * 2.0);
            let xa = x0 + f64::from(i) * 6.0 * k;
            root.draw(&Rectangle::new(
                [
                    (xa as i32, (ly - 10.0 * k) as i32),
                    ((xa + 6.0 * k).ceil() as i32, (ly + 10.0 * k) as i32),
                ],
                rgb(r, g, b).filled(),
            ))
            .map_err(de)?;
        }
        text(
            root,
            &tr(self.lang, "slide.legend.low"),
            ((x0 - 8.0 * k) as i32, (ly + 26.0 * k) as i32),
            &font(18.0 * k, c.muted, false),
            (HPos::Left, VPos::Center),
        )?;
        text(
            root,
            &tr(self.lang, "slide.legend.high"),
            ((x0 + 300.0 * k) as i32, (ly + 26.0 * k) as i32),
            &font(18.0 * k, c.muted, false),
            (HPos::Right, VPos::Center),
        )?;
        if step.kind == StepKind::Live {
            let mut x = x0 + 360.0 * k;
            for g in 1..=3 {
                root.draw(&Circle::new(
                    (x as i32, ly as i32),
                    (9.0 * k) as i32,
                    grade_colour(g).filled(),
                ))
                .map_err(de)?;
                let label = tr(self.lang, &format!("grade.{g}"));
                text(
                    root,
                    &label,
                    ((x + 16.0 * k) as i32, ly as i32),
                    &font(22.0 * k, c.text, false),
                    (HPos::Left, VPos::Center),
                )?;
                x += 150.0 * k;
            }
        }
        Ok(())
    }
}

/// The language and theme slides are drawn in when nobody says.
#[must_use]
pub fn defaults() -> (Lang, Theme) {
    (Lang::ZhCn, Theme::Dark)
}

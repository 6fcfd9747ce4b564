//! The map as a printable PNG: a page (A4 or A3, portrait or landscape, at a chosen dpi) with
//! the map of a bounding box, a title block, a legend, a scale bar and a north arrow, drawn on
//! the Rust side with plotters. `onemap geodata render` draws a whole dataset with it, and the
//! UI's "print / export view" sends the bounding box on screen.
//!
//! The map is drawn in OneMap's metric plane (transverse Mercator on 114°E, CGCS2000 3°
//! Gauss-Krüger zone 38, EPSG:4547), so that the scale bar holds everywhere on the page. Text is
//! drawn with the Noto CJK font from Debian's `fonts-noto-cjk` (falling back to DejaVu Sans,
//! then to codes in place of Chinese names).

use std::collections::BTreeMap;
use std::path::Path;

use geo::{Area, Centroid};
use geo_types::{Coord, Geometry, LineString, MultiPolygon};
use onemap_geo::projection::TransverseMercator;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::source::Record;

/// Paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// 297 × 210 mm.
    A4,
    /// 420 × 297 mm.
    A3,
}

/// Languages of the page's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// Chinese (the default).
    #[serde(rename = "zh-CN")]
    Zh,
    /// English.
    #[serde(rename = "en")]
    En,
}

/// What to print.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintOptions {
    /// `[west, south, east, north]` in WGS84 degrees.
    pub bbox: [f64; 4],
    /// Paper size (default A4).
    #[serde(default = "default_paper")]
    pub paper: Paper,
    /// Landscape (default) or portrait.
    #[serde(default = "yes")]
    pub landscape: bool,
    /// Dots per inch (default 300; 72–600).
    #[serde(default = "default_dpi")]
    pub dpi: u32,
    /// The title (default: the district's name and 一张图).
    #[serde(default)]
    pub title: Option<String>,
    /// A line under the title (e.g. the date or the operator's note).
    #[serde(default)]
    pub subtitle: Option<String>,
    /// Language of the legend and notes.
    #[serde(default = "default_lang")]
    pub lang: Lang,
    /// Layers to draw (default: all the scene has): `context`, `districts`, `streets`,
    /// `communities`, `subgrids`, `roads`, `circles`, `buildings`, `stations`, `cameras`, `cases`.
    #[serde(default)]
    pub layers: Option<Vec<String>>,
}

fn default_paper() -> Paper {
    Paper::A4
}
fn yes() -> bool {
    true
}
fn default_dpi() -> u32 {
    300
}
fn default_lang() -> Lang {
    Lang::Zh
}

impl PrintOptions {
    /// The page size in pixels.
    ///
    /// ```
    /// use onemap_formats::print::{Paper, PrintOptions, Lang};
    /// let o = PrintOptions { bbox: [113.9, 22.7, 114.0, 22.8], paper: Paper::A4, landscape: true,
    ///     dpi: 300, title: None, subtitle: None, lang: Lang::Zh, layers: None };
    /// assert_eq!(o.pixels(), (3508, 2480));
    /// ```
    #[must_use]
    pub fn pixels(&self) -> (u32, u32) {
        let (w, h) = match self.paper {
            Paper::A4 => (297.0, 210.0),
            Paper::A3 => (420.0, 297.0),
        };
        let (w, h) = if self.landscape { (w, h) } else { (h, w) };
        let px = |mm: f64| (mm / 25.4 * f64::from(self.dpi)).round() as u32;
        (px(w), px(h))
    }
}

/// What was printed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PrintInfo {
    /// Page width, pixels.
    pub width: u32,
    /// Page height, pixels.
    pub height: u32,
    /// Metres per pixel on the map.
    pub metres_per_pixel: f64,
    /// The scale on paper, `1:n`.
    pub scale: u64,
}

/// Why a page could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The options are unusable.
    #[error("{0}")]
    Invalid(String),
    /// Drawing or writing failed.
    #[error("drawing: {0}")]
    Draw(String),
    /// Cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// The layers to draw, as records in WGS84 by layer name (`districts`, `buildings`, …).
#[derive(Debug, Clone, Default)]
pub struct Scene {
    /// Records by layer.
    pub layers: BTreeMap<String, Vec<Record>>,
    /// Whether the data below the district outline is synthetic (noted on the page).
    pub synthetic: bool,
}

impl Scene {
    /// The records of a layer.
    #[must_use]
    pub fn layer(&self, name: &str) -> &[Record] {
        self.layers.get(name).map_or(&[], Vec::as_slice)
    }

    /// Adds a layer from GeoJSON FeatureCollection text; features whose geometry does not
    /// parse are skipped.
    ///
    /// # Errors
    /// A message when the text is not a FeatureCollection.
    pub fn add_geojson(&mut self, name: &str, text: &str) -> Result<(), String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let features = v
            .get("features")
            .and_then(Value::as_array)
            .ok_or("not a FeatureCollection")?;
        let records = features
            .iter()
            .map(|f| Record {
                properties: f
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                geometry: f
                    .get("geometry")
                    .and_then(|g| crate::source::geometry_from_json(g).ok()),
                geometry_error: None,
            })
            .collect();
        self.layers.insert(name.to_owned(), records);
        Ok(())
    }

    /// The bounding box of the districts (else of everything), `[west, south, east, north]`.
    #[must_use]
    pub fn extent(&self) -> Option<[f64; 4]> {
        use geo::BoundingRect;
        let mut acc: Option<[f64; 4]> = None;
        let layers: Vec<&str> = if self.layer("districts").is_empty() {
            self.layers.keys().map(String::as_str).collect()
        } else {
            vec!["districts"]
        };
        for l in layers {
            for r in self.layer(l) {
                if let Some(b) = r.geometry.as_ref().and_then(BoundingRect::bounding_rect) {
                    let a = acc.get_or_insert([b.min().x, b.min().y, b.max().x, b.max().y]);
                    a[0] = a[0].min(b.min().x);
                    a[1] = a[1].min(b.min().y);
                    a[2] = a[2].max(b.max().x);
                    a[3] = a[3].max(b.max().y);
                }
            }
        }
        acc
    }
}

/// Registers a CJK font (or at least a Latin one) as the family `onemap`; whether Chinese can
/// be drawn, `None` when no font was found.
fn register_font() -> Option<bool> {
    static FONT: std::sync::OnceLock<Option<bool>> = std::sync::OnceLock::new();
    *FONT.get_or_init(|| {
        let candidates = [
            (
                "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                true,
            ),
            ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", true),
            ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", true),
            ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", false),
        ];
        for (path, cjk) in candidates {
            if let Ok(bytes) = std::fs::read(path) {
                // plotters keeps registered fonts for the life of the process.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("onemap", FontStyle::Normal, bytes).is_ok() {
                    return Some(cjk);
                }
            }
        }
        None
    })
}

fn de<E: std::error::Error + Send + Sync + 'static>(e: DrawingAreaErrorKind<E>) -> PrintError {
    PrintError::Draw(e.to_string())
}

/// Lon/lat → page pixels.
struct Frame {
    /// Plane coordinates of the map area's centre.
    centre: Coord,
    metres_per_pixel: f64,
    /// The map area on the page: left, top, width, height.
    area: (i32, i32, i32, i32),
}

impl Frame {
    fn pixel(&self, lonlat: Coord) -> (i32, i32) {
        let (x, y) = TransverseMercator::LOCAL.forward(lonlat.x, lonlat.y);
        let (l, t, w, h) = self.area;
        let px = f64::from(l) + f64::from(w) / 2.0 + (x - self.centre.x) / self.metres_per_pixel;
        let py = f64::from(t) + f64::from(h) / 2.0 - (y - self.centre.y) / self.metres_per_pixel;
        (px.round() as i32, py.round() as i32)
    }
}

fn rings(g: &Geometry<f64>) -> Vec<&LineString<f64>> {
    match g {
        Geometry::Polygon(p) => std::iter::once(p.exterior()).chain(p.interiors()).collect(),
        Geometry::MultiPolygon(mp) => {
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .collect()
        }
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        _ => Vec::new(),
    }
}

fn point(g: &Geometry<f64>) -> Option<Coord> {
    match g {
        Geometry::Point(p) => Some(p.0),
        _ => None,
    }
}

fn label_at(g: &Geometry<f64>) -> Option<Coord> {
    match g {
        Geometry::Polygon(p) => p.centroid().map(|c| c.0),
        Geometry::MultiPolygon(mp) => {
            let largest =
                mp.0.iter()
                    .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
            MultiPolygon::new(vec![largest.clone()])
                .centroid()
                .map(|c| c.0)
        }
        _ => None,
    }
}

fn text<'a>(r: &'a Record, k: &str) -> &'a str {
    r.properties.get(k).and_then(Value::as_str).unwrap_or("")
}

const RATING_COLOURS: [(&str, RGBColor, &str, &str); 3] = [
    ("safe", RGBColor(70, 165, 90), "放心级", "safe"),
    ("general", RGBColor(240, 180, 20), "一般级", "general"),
    ("warning", RGBColor(215, 35, 35), "警示级", "warning"),
];
const STATION_LEVELS: [(&str, i32, RGBColor, &str, &str); 4] = [
    (
        "district_hall",
        11,
        RGBColor(10, 30, 120),
        "区群众诉求服务中心",
        "district hall",
    ),
    (
        "street_hall",
        8,
        RGBColor(20, 60, 170),
        "街道服务大厅",
        "street hall",
    ),
    (
        "community_hall",
        5,
        RGBColor(40, 100, 210),
        "社区服务大厅",
        "community hall",
    ),
    (
        "subgrid_station",
        3,
        RGBColor(70, 150, 240),
        "小分格服务站",
        "sub-grid station",
    ),
];
const GRADE_COLOURS: [(i64, RGBColor, &str, &str); 3] = [
    (1, RGBColor(200, 0, 60), "一级预警案件", "grade 1 case"),
    (2, RGBColor(245, 120, 0), "二级预警案件", "grade 2 case"),
    (3, RGBColor(120, 90, 200), "三级/一般案件", "grade 3 case"),
];

/// Draws `scene` for `options` into the PNG `output`.
///
/// # Errors
/// [`PrintError::Invalid`] for an empty or inverted bounding box or a dpi outside 72–600;
/// [`PrintError::Draw`] when drawing or writing fails; [`PrintError::Cancelled`].
pub fn render(
    scene: &Scene,
    options: &PrintOptions,
    output: &Path,
    progress: &onemap_progress::Progress,
) -> Result<PrintInfo, PrintError> {
    let [w, s, e, n] = options.bbox;
    if !(w < e && s < n) || [w, s, e, n].iter().any(|v| !v.is_finite()) {
        return Err(PrintError::Invalid(format!(
            "bbox {:?} is not [west, south, east, north] with west < east and south < north",
            options.bbox
        )));
    }
    if !(72..=600).contains(&options.dpi) {
        return Err(PrintError::Invalid(format!(
            "dpi {} is outside 72–600",
            options.dpi
        )));
    }
    let zh = options.lang == Lang::Zh;
    let cjk = register_font();
    let (width, height) = options.pixels();
    // Sizes scale with the resolution: 1 "point" is dpi/72 pixels.
    let pt = |v: f64| (v * f64::from(options.dpi) / 72.0).round().max(1.0) as i32;
    let margin = pt(24.0);
    let panel = pt(170.0);
    let title_h = pt(54.0);
    let map_area = (
        margin,
        margin + title_h,
        width as i32 - 3 * margin - panel,
        height as i32 - 2 * margin - title_h,
    );
    let (x0, y0) = TransverseMercator::LOCAL.forward(w, s);
    let (x1, y1) = TransverseMercator::LOCAL.forward(e, n);
    let metres_per_pixel =
        ((x1 - x0) / f64::from(map_area.2)).max((y1 - y0) / f64::from(map_area.3));
    let frame = Frame {
        centre: Coord {
            x: (x0 + x1) / 2.0,
            y: (y0 + y1) / 2.0,
        },
        metres_per_pixel,
        area: map_area,
    };
    let layers: Vec<String> = options
        .layers
        .clone()
        .unwrap_or_else(|| scene.layers.keys().cloned().collect());
    let on = |l: &str| layers.iter().any(|x| x == l) && !scene.layer(l).is_empty();
    let total: usize = layers.iter().map(|l| scene.layer(l).len()).sum();
    progress.stage("drawing the map", total as u64);

    let root = BitMapBackend::new(output, (width, height)).into_drawing_area();
    root.fill(&RGBColor(250, 250, 247)).map_err(de)?;
    let step = |n: usize| -> Result<(), PrintError> {
        if progress.is_cancelled() {
            return Err(PrintError::Cancelled);
        }
        progress.advance(n as u64);
        Ok(())
    };
    let stroke = |c: RGBColor, w: f64| c.stroke_width(pt(w) as u32);
    let draw_rings = |layer: &str, style: ShapeStyle| -> Result<(), PrintError> {
        for r in scene.layer(layer) {
            if let Some(g) = &r.geometry {
                for ring in rings(g) {
                    let pts: Vec<(i32, i32)> = ring.0.iter().map(|c| frame.pixel(*c)).collect();
                    root.draw(&PathElement::new(pts, style)).map_err(de)?;
                }
            }
        }
        step(scene.layer(layer).len())
    };
    if on("context") {
        for r in scene.layer("context") {
            if let Some(g) = &r.geometry {
                for ring in rings(g) {
                    let pts: Vec<(i32, i32)> = ring.0.iter().map(|c| frame.pixel(*c)).collect();
                    root.draw(&Polygon::new(pts.clone(), RGBColor(232, 232, 226).filled()))
                        .map_err(de)?;
                    root.draw(&PathElement::new(pts, stroke(RGBColor(190, 190, 185), 0.6)))
                        .map_err(de)?;
                }
            }
        }
        step(scene.layer("context").len())?;
    }
    if on("districts") {
        for r in scene.layer("districts") {
            if let Some(g) = &r.geometry {
                for ring in rings(g) {
                    let pts: Vec<(i32, i32)> = ring.0.iter().map(|c| frame.pixel(*c)).collect();
                    root.draw(&Polygon::new(pts, WHITE.filled())).map_err(de)?;
                }
            }
        }
    }
    if on("circles") {
        for r in scene.layer("circles") {
            if let Some(g) = &r.geometry {
                for ring in rings(g) {
                    let pts: Vec<(i32, i32)> = ring.0.iter().map(|c| frame.pixel(*c)).collect();
                    root.draw(&Polygon::new(pts, RGBAColor(60, 120, 230, 0.06).filled()))
                        .map_err(de)?;
                }
            }
        }
        step(scene.layer("circles").len())?;
    }
    if on("roads") {
        for (class, colour, wd) in [
            ("local", RGBColor(205, 205, 205), 0.5),
            ("secondary", RGBColor(240, 190, 110), 0.9),
            ("arterial", RGBColor(225, 130, 40), 1.4),
        ] {
            for r in scene
                .layer("roads")
                .iter()
                .filter(|r| text(r, "class") == class)
            {
                if let Some(g) = &r.geometry {
                    for ring in rings(g) {
                        let pts: Vec<(i32, i32)> = ring.0.iter().map(|c| frame.pixel(*c)).collect();
                        root.draw(&PathElement::new(pts, stroke(colour, wd)))
                            .map_err(de)?;
                    }
                }
            }
        }
        step(scene.layer("roads").len())?;
    }
    if on("buildings") {
        for (rating, colour, _, _) in RATING_COLOURS {
            for (i, b) in scene
                .layer("buildings")
                .iter()
                .filter(|b| text(b, "rating") == rating)
                .enumerate()
            {
                if i.is_multiple_of(2048) {
                    if progress.is_cancelled() {
                        return Err(PrintError::Cancelled);
                    }
                    if i > 0 {
                        progress.advance(2048);
                    }
                }
                if let Some(p) = b.geometry.as_ref().and_then(point) {
                    let size = if rating == "safe" { pt(0.8) } else { pt(1.2) };
                    root.draw(&Circle::new(frame.pixel(p), size, colour.filled()))
                        .map_err(de)?;
                }
            }
        }
        // The loop above counted whole blocks of 2,048; count the rest.
        let counted: usize = RATING_COLOURS
            .iter()
            .map(|(r, ..)| {
                let n = scene
                    .layer("buildings")
                    .iter()
                    .filter(|b| text(b, "rating") == *r)
                    .count();
                n.saturating_sub(1) / 2048 * 2048
            })
            .sum();
        step(scene.layer("buildings").len() - counted)?;
    }
    if on("subgrids") {
        draw_rings("subgrids", stroke(RGBColor(150, 150, 175), 0.4))?;
    }
    if on("communities") {
        draw_rings("communities", stroke(RGBColor(80, 80, 140), 0.8))?;
    }
    if on("streets") {
        draw_rings("streets", stroke(RGBColor(35, 35, 95), 1.5))?;
    }
    if on("districts") {
        draw_rings("districts", stroke(BLACK, 2.0))?;
    }
    if on("cameras") {
        for c in scene.layer("cameras") {
            if let Some(p) = c.geometry.as_ref().and_then(point) {
                root.draw(&Cross::new(
                    frame.pixel(p),
                    pt(1.5),
                    stroke(RGBColor(130, 40, 160), 0.5),
                ))
                .map_err(de)?;
            }
        }
        step(scene.layer("cameras").len())?;
    }
    if on("stations") {
        for (level, r, colour, _, _) in STATION_LEVELS.iter().rev() {
            for st in scene
                .layer("stations")
                .iter()
                .filter(|s| text(s, "level") == *level)
            {
                if let Some(p) = st.geometry.as_ref().and_then(point) {
                    let px = frame.pixel(p);
                    let r = pt(f64::from(*r) / 2.5);
                    root.draw(&Circle::new(px, r + pt(0.4), WHITE.filled()))
                        .map_err(de)?;
                    root.draw(&Circle::new(px, r, colour.filled()))
                        .map_err(de)?;
                }
            }
        }
        step(scene.layer("stations").len())?;
    }
    if on("cases") {
        for (grade, colour, _, _) in GRADE_COLOURS.iter().rev() {
            for c in scene.layer("cases").iter().filter(|c| {
                c.properties
                    .get("grade")
                    .and_then(Value::as_i64)
                    .unwrap_or(3)
                    == *grade
            }) {
                if let Some(p) = c.geometry.as_ref().and_then(point) {
                    let px = frame.pixel(p);
                    root.draw(&Circle::new(px, pt(2.2), WHITE.filled()))
                        .map_err(de)?;
                    root.draw(&Circle::new(px, pt(1.7), colour.filled()))
                        .map_err(de)?;
                }
            }
        }
        step(scene.layer("cases").len())?;
    }
    // Labels: street names when the view is wide, community names when it is close.
    if let Some(cjk) = cjk {
        let name = |r: &Record| {
            if cjk {
                text(r, "name").to_owned()
            } else {
                text(r, "code").to_owned()
            }
        };
        let wide = metres_per_pixel * f64::from(map_area.2) > 12_000.0;
        let (layer, size, colour) = if wide {
            ("streets", 13.0, RGBColor(20, 20, 70))
        } else {
            ("communities", 10.0, RGBColor(60, 60, 110))
        };
        if on(layer) {
            let style = ("onemap", pt(size))
                .into_font()
                .color(&colour)
                .pos(Pos::new(HPos::Center, VPos::Center));
            for r in scene.layer(layer) {
                if let Some(at) = r.geometry.as_ref().and_then(label_at) {
                    root.draw_text(&name(r), &style, frame.pixel(at))
                        .map_err(de)?;
                }
            }
        }
    }
    // Everything outside the map area is covered by the page's margins and panels.
    let paper = RGBColor(255, 255, 255);
    let (ml, mt, mw, mh) = map_area;
    for (a, b) in [
        ((0, 0), (width as i32, mt)),
        ((0, mt + mh), (width as i32, height as i32)),
        ((0, 0), (ml, height as i32)),
        ((ml + mw, 0), (width as i32, height as i32)),
    ] {
        root.draw(&Rectangle::new([a, b], paper.filled()))
            .map_err(de)?;
    }
    root.draw(&Rectangle::new(
        [(ml, mt), (ml + mw, mt + mh)],
        stroke(BLACK, 0.8),
    ))
    .map_err(de)?;

    let scale = (metres_per_pixel * f64::from(options.dpi) / 0.0254).round() as u64;
    if let Some(cjk) = cjk {
        let t = |cn: &'static str, en: &'static str| if zh && cjk { cn } else { en };
        let font = |size: f64| {
            ("onemap", pt(size))
                .into_font()
                .color(&RGBColor(30, 30, 30))
        };
        // Title block.
        let district = match scene.layer("districts") {
            [one] if cjk => text(one, "name").to_owned(),
            _ if cjk && zh => "深圳市".to_owned(),
            _ => "Shenzhen".to_owned(),
        };
        let title = options.title.clone().unwrap_or_else(|| {
            if zh && cjk {
                format!("{district} 一张图")
            } else {
                "OneMap".to_owned()
            }
        });
        root.draw_text(&title, &font(20.0), (margin, margin))
            .map_err(de)?;
        let mut sub = options.subtitle.clone().unwrap_or_default();
        if !sub.is_empty() {
            sub.push_str("    ");
        }
        sub.push_str(&format!(
            "{} 1:{}    {} {:.5}–{:.5}°E, {:.5}–{:.5}°N",
            t("比例尺", "scale"),
            thousands(scale),
            t("范围", "extent"),
            w,
            e,
            s,
            n
        ));
        root.draw_text(&sub, &font(9.0), (margin, margin + pt(28.0)))
            .map_err(de)?;

        // Legend panel.
        let x = ml + mw + margin;
        let mut y = mt;
        root.draw_text(t("图例", "Legend"), &font(13.0), (x, y))
            .map_err(de)?;
        y += pt(22.0);
        let row_h = pt(14.0);
        let label = |y: i32, s: &str| root.draw_text(s, &font(8.5), (x + pt(22.0), y - pt(5.0)));
        let line_item = |y: i32, style: ShapeStyle, s: &str| -> Result<(), PrintError> {
            root.draw(&PathElement::new(vec![(x, y), (x + pt(16.0), y)], style))
                .map_err(de)?;
            label(y, s).map_err(de)
        };
        if on("districts") {
            line_item(y, stroke(BLACK, 2.0), t("区界", "district"))?;
            y += row_h;
        }
        if on("streets") {
            line_item(y, stroke(RGBColor(35, 35, 95), 1.5), t("街道", "street"))?;
            y += row_h;
        }
        if on("communities") {
            line_item(
                y,
                stroke(RGBColor(80, 80, 140), 0.8),
                t("社区", "community"),
            )?;
            y += row_h;
        }
        if on("subgrids") {
            line_item(
                y,
                stroke(RGBColor(150, 150, 175), 0.4),
                t("红色小分格", "red sub-grid"),
            )?;
            y += row_h;
        }
        if on("roads") {
            line_item(
                y,
                stroke(RGBColor(225, 130, 40), 1.4),
                t("主干道", "arterial road"),
            )?;
            y += row_h;
            line_item(
                y,
                stroke(RGBColor(240, 190, 110), 0.9),
                t("次干道", "secondary road"),
            )?;
            y += row_h;
        }
        if on("buildings") {
            y += pt(4.0);
            for (rating, colour, cn, en) in RATING_COLOURS {
                let count = scene
                    .layer("buildings")
                    .iter()
                    .filter(|b| text(b, "rating") == rating)
                    .count();
                root.draw(&Circle::new((x + pt(8.0), y), pt(2.5), colour.filled()))
                    .map_err(de)?;
                label(y, &format!("{} {}", t(cn, en), thousands(count as u64))).map_err(de)?;
                y += row_h;
            }
        }
        if on("stations") {
            y += pt(4.0);
            for (level, r, colour, cn, en) in STATION_LEVELS {
                let count = scene
                    .layer("stations")
                    .iter()
                    .filter(|s| text(s, "level") == level)
                    .count();
                root.draw(&Circle::new(
                    (x + pt(8.0), y),
                    pt(f64::from(r) / 2.5),
                    colour.filled(),
                ))
                .map_err(de)?;
                label(y, &format!("{} {count}", t(cn, en))).map_err(de)?;
                y += row_h;
            }
        }
        if on("circles") {
            root.draw(&Circle::new(
                (x + pt(8.0), y),
                pt(5.0),
                RGBAColor(60, 120, 230, 0.2).filled(),
            ))
            .map_err(de)?;
            label(y, t("500米服务圈", "500 m service circle")).map_err(de)?;
            y += row_h;
        }
        if on("cameras") {
            root.draw(&Cross::new(
                (x + pt(8.0), y),
                pt(2.0),
                stroke(RGBColor(130, 40, 160), 0.7),
            ))
            .map_err(de)?;
            label(
                y,
                &format!(
                    "{} {}",
                    t("视频探头", "camera"),
                    scene.layer("cameras").len()
                ),
            )
            .map_err(de)?;
            y += row_h;
        }
        if on("cases") {
            for (_, colour, cn, en) in GRADE_COLOURS {
                root.draw(&Circle::new((x + pt(8.0), y), pt(2.0), colour.filled()))
                    .map_err(de)?;
                label(y, t(cn, en)).map_err(de)?;
                y += row_h;
            }
        }

        // North arrow, top right of the map.
        let (ax, ay) = (ml + mw - pt(26.0), mt + pt(16.0));
        let h = pt(22.0);
        root.draw(&Polygon::new(
            vec![(ax, ay), (ax - pt(7.0), ay + h), (ax, ay + h - pt(6.0))],
            BLACK.filled(),
        ))
        .map_err(de)?;
        root.draw(&Polygon::new(
            vec![(ax, ay), (ax + pt(7.0), ay + h), (ax, ay + h - pt(6.0))],
            WHITE.filled(),
        ))
        .map_err(de)?;
        root.draw(&PathElement::new(
            vec![
                (ax, ay),
                (ax + pt(7.0), ay + h),
                (ax, ay + h - pt(6.0)),
                (ax, ay),
            ],
            stroke(BLACK, 0.6),
        ))
        .map_err(de)?;
        let centred = ("onemap", pt(10.0))
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        root.draw_text(t("北", "N"), &centred, (ax, ay + h + pt(2.0)))
            .map_err(de)?;

        // Scale bar, bottom left of the map: a round length near a fifth of the map's width.
        let target = metres_per_pixel * f64::from(mw) / 5.0;
        let magnitude = 10f64.powf(target.log10().floor());
        let length = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .rfind(|l| *l <= target)
            .unwrap_or(magnitude);
        let bar_px = (length / metres_per_pixel).round() as i32;
        let (bx, by) = (ml + pt(14.0), mt + mh - pt(18.0));
        let bh = pt(4.0);
        root.draw(&Rectangle::new(
            [
                (bx - pt(4.0), by - pt(16.0)),
                (bx + bar_px + pt(30.0), by + bh + pt(4.0)),
            ],
            RGBAColor(255, 255, 255, 0.85).filled(),
        ))
        .map_err(de)?;
        for i in 0..4 {
            let a = bx + bar_px * i / 4;
            let b = bx + bar_px * (i + 1) / 4;
            let fill = if i % 2 == 0 { BLACK } else { WHITE };
            root.draw(&Rectangle::new([(a, by), (b, by + bh)], fill.filled()))
                .map_err(de)?;
        }
        root.draw(&Rectangle::new(
            [(bx, by), (bx + bar_px, by + bh)],
            stroke(BLACK, 0.5),
        ))
        .map_err(de)?;
        let len_text = if length >= 1000.0 {
            format!("{} km", length / 1000.0)
        } else {
            format!("{length} m")
        };
        let small = ("onemap", pt(8.0)).into_font().color(&BLACK);
        root.draw_text("0", &small, (bx - pt(2.0), by - pt(12.0)))
            .map_err(de)?;
        root.draw_text(&len_text, &small, (bx + bar_px - pt(6.0), by - pt(12.0)))
            .map_err(de)?;

        // Notes at the bottom of the panel.
        let mut ny = mt + mh - pt(40.0);
        let notes = [
            t(
                "坐标系：WGS84 经纬度；投影 CGCS2000 高斯-克吕格 3° 带 CM 114°E (EPSG:4547)",
                "WGS84; drawn in CGCS2000 GK CM 114°E (EPSG:4547)",
            ),
            if scene.synthetic {
                t(
                    "区界、名称与代码真实；边界以下数据为合成（synthetic）",
                    "district outline, names and codes real; data below synthetic",
                )
            } else {
                ""
            },
            t("OneMap 一张图 · 离线绘制", "OneMap · drawn offline"),
        ];
        for note in notes.iter().filter(|s| !s.is_empty()) {
            root.draw_text(
                note,
                &("onemap", pt(6.0)).into_font().color(&RGBColor(90, 90, 90)),
                (x, ny),
            )
            .map_err(de)?;
            ny += pt(10.0);
        }
    }
    progress.check().map_err(|_| PrintError::Cancelled)?;
    progress.stage("encoding the PNG", 0);
    root.present().map_err(de)?;
    // A cancel that came while encoding still wins: the caller removes the file.
    progress.check().map_err(|_| PrintError::Cancelled)?;
    Ok(PrintInfo {
        width,
        height,
        metres_per_pixel,
        scale,
    })
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

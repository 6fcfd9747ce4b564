//! The planning map as a PNG (plotters, drawn in memory): sub-grids coloured by their worst
//! service's resident coverage, the inhabited buildings missing a service, the stations (new
//! ones marked), and numbered suggested sites. No text is drawn on the image itself: the legend
//! is the caption under it, in the report's language.

use onemap_geo::atlas::Atlas;
use onemap_geo::dataset::StationLevel;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;

/// What to draw besides the administrative tree.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// Per service (appeal, legal, psych): whether each building (Atlas order) is covered.
    pub covered: Vec<Vec<bool>>,
    /// Stations to draw: lon, lat, level, and whether the scenario adds it.
    pub stations: Vec<(f64, f64, StationLevel, bool)>,
    /// Suggested sites (lon, lat), numbered from 1 in this order.
    pub sites: Vec<(f64, f64)>,
}

/// Registers the report's regular face with plotters as `onemap-report`, once.
fn register_font() -> bool {
    static DONE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DONE.get_or_init(|| {
        crate::fonts::system().is_ok_and(|f| {
            let data: &'static [u8] = f.regular.data.as_slice();
            plotters::style::register_font("onemap-report", FontStyle::Normal, data).is_ok()
        })
    })
}

/// The fill of a sub-grid whose worst service covers `share` of its residents.
fn share_colour(share: f64) -> RGBColor {
    match share {
        s if s >= 0.99 => RGBColor(46, 139, 87),
        s if s >= 0.95 => RGBColor(144, 200, 120),
        s if s >= 0.80 => RGBColor(245, 215, 110),
        s if s >= 0.50 => RGBColor(244, 162, 89),
        _ => RGBColor(214, 69, 65),
    }
}

fn de<E: std::fmt::Debug>(e: E) -> ReportError {
    ReportError::Map(format!("{e:?}"))
}

/// Draws the map `width` pixels wide (height from the districts' extent) and encodes it as PNG.
///
/// ```
/// let atlas = onemap_geo::atlas::Atlas::example();
/// let png = onemap_report::map::render(&atlas, &Default::default(), 400).unwrap();
/// assert_eq!(&png[1..4], b"PNG");
/// ```
///
/// # Errors
/// [`ReportError::Map`] when drawing or encoding fails.
pub fn render(atlas: &Atlas, layers: &Layers, width: u32) -> Result<Vec<u8>, ReportError> {
    // Frame: the districts' extent in the plane.
    let mut min = [f64::INFINITY; 2];
    let mut max = [f64::NEG_INFINITY; 2];
    for d in atlas.districts() {
        for p in &d.geometry.0 {
            for c in &p.exterior().0 {
                min = [min[0].min(c.x), min[1].min(c.y)];
                max = [max[0].max(c.x), max[1].max(c.y)];
            }
        }
    }
    if !min[0].is_finite() {
        min = [0.0, 0.0];
        max = [1000.0, 1000.0];
    }
    let margin = 16.0;
    let width = width.max(200);
    let scale = (f64::from(width) - 2.0 * margin) / (max[0] - min[0]).max(1.0);
    let height = ((max[1] - min[1]) * scale + 2.0 * margin).ceil().max(100.0) as u32;
    let px = |x: f64, y: f64| -> (i32, i32) {
        (
            (margin + (x - min[0]) * scale).round() as i32,
            (f64::from(height) - margin - (y - min[1]) * scale).round() as i32,
        )
    };
    let lonlat_px = |lon: f64, lat: f64| {
        let [x, y] = atlas.project(lon, lat);
        px(x, y)
    };
    let mut buf = vec![255u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        // Sub-grids by their worst service's resident share.
        let ns = atlas.subgrids().len();
        let mut residents = vec![0u64; ns];
        let mut covered = vec![vec![0u64; ns]; layers.covered.len()];
        let mut missing: Vec<usize> = Vec::new();
        for (b, (bl, &s)) in atlas
            .buildings()
            .iter()
            .zip(atlas.building_subgrids())
            .enumerate()
        {
            if bl.residents == 0 {
                continue;
            }
            let lacks = layers.covered.iter().any(|c| !c[b]);
            if lacks {
                missing.push(b);
            }
            if s == u32::MAX {
                continue;
            }
            residents[s as usize] += u64::from(bl.residents);
            for (k, c) in layers.covered.iter().enumerate() {
                if c[b] {
                    covered[k][s as usize] += u64::from(bl.residents);
                }
            }
        }
        for (s, unit) in atlas.subgrids().iter().enumerate() {
            let share = if residents[s] == 0 || covered.is_empty() {
                1.0
            } else {
                covered
                    .iter()
                    .map(|c| c[s] as f64 / residents[s] as f64)
                    .fold(1.0, f64::min)
            };
            for p in &unit.geometry.0 {
                let pts: Vec<(i32, i32)> = p.exterior().0.iter().map(|c| px(c.x, c.y)).collect();
                root.draw(&Polygon::new(pts, share_colour(share).mix(0.85).filled()))
                    .map_err(de)?;
            }
        }
        let outline = |units: &[onemap_geo::atlas::Unit], colour: RGBColor, w: u32| {
            for u in units {
                for p in &u.geometry.0 {
                    let pts: Vec<(i32, i32)> =
                        p.exterior().0.iter().map(|c| px(c.x, c.y)).collect();
                    root.draw(&PathElement::new(pts, colour.stroke_width(w)))
                        .map_err(de)?;
                }
            }
            Ok::<(), ReportError>(())
        };
        outline(atlas.subgrids(), RGBColor(255, 255, 255), 1)?;
        outline(
            atlas.units(onemap_geo::dataset::AdminLevel::Community),
            RGBColor(120, 120, 140),
            1,
        )?;
        outline(
            atlas.units(onemap_geo::dataset::AdminLevel::Street),
            RGBColor(60, 60, 80),
            2,
        )?;
        outline(atlas.districts(), RGBColor(20, 20, 30), 3)?;
        // Buildings missing a service.
        let xy = atlas.building_xy();
        for &b in &missing {
            root.draw(&Circle::new(
                px(xy[b][0], xy[b][1]),
                1,
                RGBColor(120, 10, 20).filled(),
            ))
            .map_err(de)?;
        }
        // Stations.
        for &(lon, lat, level, added) in &layers.stations {
            let p = lonlat_px(lon, lat);
            if added {
                root.draw(&Rectangle::new(
                    [(p.0 - 5, p.1 - 5), (p.0 + 5, p.1 + 5)],
                    RGBColor(0, 150, 70).filled(),
                ))
                .map_err(de)?;
                root.draw(&Rectangle::new(
                    [(p.0 - 5, p.1 - 5), (p.0 + 5, p.1 + 5)],
                    WHITE.stroke_width(1),
                ))
                .map_err(de)?;
                continue;
            }
            let r = if level == StationLevel::SubgridStation {
                3
            } else {
                5
            };
            root.draw(&Circle::new(p, r, RGBColor(25, 90, 200).filled()))
                .map_err(de)?;
            root.draw(&Circle::new(p, r, WHITE.stroke_width(1)))
                .map_err(de)?;
        }
        // Suggested sites: numbered rings (the digits need the CJK font registered; without
        // it the rings stay plain).
        let numbers = register_font();
        for (i, &(lon, lat)) in layers.sites.iter().enumerate() {
            let p = lonlat_px(lon, lat);
            root.draw(&Circle::new(p, 11, WHITE.filled())).map_err(de)?;
            root.draw(&Circle::new(p, 11, RGBColor(110, 40, 170).stroke_width(3)))
                .map_err(de)?;
            if numbers {
                let style = TextStyle::from(("onemap-report", 15).into_font())
                    .color(&RGBColor(110, 40, 170))
                    .pos(Pos::new(HPos::Center, VPos::Center));
                root.draw(&Text::new(format!("{}", i + 1), p, style))
                    .map_err(de)?;
            }
        }
        root.present().map_err(de)?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(de)?;
        w.write_image_data(&buf).map_err(de)?;
    }
    Ok(out)
}

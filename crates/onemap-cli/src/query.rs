//! The spatial query commands: `locate`, `nearest`, `coverage`, `gaps`, `within`.
//!
//! Each loads an Atlas from `--data DIR` (default: the Guangming dataset built into the
//! binary), calls one function of `onemap-geo`, and prints a table, or JSON with `--json`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use onemap_geo::atlas::Atlas;
use onemap_geo::dataset::{AdminLevel, Dataset, Service};
use serde_json::{Value, json};

/// Exit status of `onemap locate` when the point lies outside every sub-grid.
pub const EXIT_OUTSIDE: i32 = 3;

/// Options every query command takes.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// Dataset directory (the layout of geodata/guangming/); default: the bundled Guangming dataset.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// `onemap locate`.
#[derive(clap::Args, Debug)]
pub struct LocateArgs {
    /// Longitude, WGS84 degrees.
    #[arg(long, allow_hyphen_values = true)]
    lon: f64,
    /// Latitude, WGS84 degrees.
    #[arg(long, allow_hyphen_values = true)]
    lat: f64,
    #[command(flatten)]
    common: Common,
}

/// `onemap nearest`.
#[derive(clap::Args, Debug)]
pub struct NearestArgs {
    /// Longitude, WGS84 degrees.
    #[arg(long, allow_hyphen_values = true)]
    lon: f64,
    /// Latitude, WGS84 degrees.
    #[arg(long, allow_hyphen_values = true)]
    lat: f64,
    /// Only stations offering this service: appeal, legal or psych.
    #[arg(long)]
    service: Option<Service>,
    /// How many stations.
    #[arg(short = 'k', long = "k", default_value_t = 5)]
    k: usize,
    #[command(flatten)]
    common: Common,
}

/// `onemap coverage`.
#[derive(clap::Args, Debug)]
pub struct CoverageArgs {
    /// One service (appeal, legal, psych); default: every service and "any".
    #[arg(long)]
    service: Option<Service>,
    /// Radius of the service circle, metres.
    #[arg(long, default_value_t = 500.0)]
    radius: f64,
    /// Unit to report by: district, street, community or subgrid.
    #[arg(long, default_value = "district")]
    by: AdminLevel,
    #[command(flatten)]
    common: Common,
}

/// `onemap gaps`.
#[derive(clap::Args, Debug)]
pub struct GapsArgs {
    /// One service (appeal, legal, psych); default: any station.
    #[arg(long)]
    service: Option<Service>,
    /// Radius of the service circle, metres.
    #[arg(long, default_value_t = 500.0)]
    radius: f64,
    /// Write the gap polygons and the uncovered buildings here (GeoJSON, WGS84).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

/// `onemap within`.
#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("area").required(true).args(["polygon", "radius"]))]
pub struct WithinArgs {
    /// A GeoJSON file (Polygon / MultiPolygon geometry, Feature or FeatureCollection, WGS84).
    #[arg(long, value_name = "FILE")]
    polygon: Option<PathBuf>,
    /// Longitude of the centre, with --radius.
    #[arg(long, allow_hyphen_values = true, requires = "radius")]
    lon: Option<f64>,
    /// Latitude of the centre, with --radius.
    #[arg(long, allow_hyphen_values = true, requires = "radius")]
    lat: Option<f64>,
    /// Radius around --lon/--lat, metres.
    #[arg(long, requires_all = ["lon", "lat"])]
    radius: Option<f64>,
    /// List every building (id, rating, residents, address), not only the counts.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    common: Common,
}

/// Loads the Atlas from `--data` or the bundled dataset.
pub fn load_atlas(data: Option<&Path>) -> anyhow::Result<Atlas> {
    let ds = match data {
        Some(dir) => {
            Dataset::from_dir(dir).with_context(|| format!("reading {}", dir.display()))?
        }
        None => Dataset::from_sources(&crate::bundled::SOURCES).context("bundled dataset")?,
    };
    Atlas::from_dataset(ds).context("building the atlas")
}

fn print_json(v: &Value) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

/// Runs `onemap locate`; returns the process exit status.
pub fn locate(a: &LocateArgs) -> anyhow::Result<i32> {
    let atlas = load_atlas(a.common.data.as_deref())?;
    let loc = atlas.locate(a.lon, a.lat);
    if a.common.json {
        print_json(&json!({"lon": a.lon, "lat": a.lat, "inside": loc.is_some(), "location": loc}))?;
    } else {
        match &loc {
            Some(l) => {
                for (level, u) in [
                    ("sub-grid 小分格", &l.subgrid),
                    ("community 社区", &l.community),
                    ("street 街道", &l.street),
                    ("district 区", &l.district),
                ] {
                    println!("{level:<16} {:<16} {}", u.code, u.name);
                }
            }
            None => println!(
                "{}, {} is outside the district (no sub-grid contains it)",
                a.lon, a.lat
            ),
        }
    }
    Ok(if loc.is_some() { 0 } else { EXIT_OUTSIDE })
}

/// Runs `onemap nearest`.
pub fn nearest(a: &NearestArgs) -> anyhow::Result<()> {
    let atlas = load_atlas(a.common.data.as_deref())?;
    let near = atlas.nearest_stations(a.lon, a.lat, a.service, a.k);
    if a.common.json {
        return print_json(
            &json!({"lon": a.lon, "lat": a.lat, "service": a.service, "stations": near}),
        );
    }
    println!("{:<10} {:>10}  {:<16} name", "id", "distance_m", "level");
    for s in &near {
        println!(
            "{:<10} {:>10.1}  {:<16} {}",
            s.id,
            s.distance_m,
            s.level.as_str(),
            s.name
        );
    }
    Ok(())
}

/// Runs `onemap coverage`.
pub fn coverage(a: &CoverageArgs) -> anyhow::Result<()> {
    if a.radius.is_nan() || a.radius < 0.0 {
        bail!("--radius must be a non-negative number of metres");
    }
    let atlas = load_atlas(a.common.data.as_deref())?;
    let services: Vec<Option<Service>> = match a.service {
        Some(s) => vec![Some(s)],
        None => Service::ALL
            .iter()
            .map(|s| Some(*s))
            .chain([None])
            .collect(),
    };
    let rows: Vec<_> = services
        .iter()
        .flat_map(|s| atlas.coverage(*s, a.radius, a.by))
        .collect();
    if a.common.json {
        return print_json(&json!({"radius_m": a.radius, "by": a.by, "rows": rows}));
    }
    println!(
        "{:<7} {:<16} {:<14} {:>9} {:>9} {:>6} {:>10} {:>10} {:>6} {:>9} {:>9} {:>6}",
        "service",
        "code",
        "name",
        "bld",
        "bld_cov",
        "share",
        "residents",
        "res_cov",
        "share",
        "area_km2",
        "uncov_km2",
        "share"
    );
    for r in &rows {
        println!(
            "{:<7} {:<16} {:<14} {:>9} {:>9} {:>5.1}% {:>10} {:>10} {:>5.1}% {:>9.3} {:>9.3} {:>5.1}%",
            r.service.map_or("any", Service::as_str),
            r.code,
            r.name,
            r.buildings_total,
            r.buildings_covered,
            r.building_share * 100.0,
            r.residents_total,
            r.residents_covered,
            r.resident_share * 100.0,
            r.area_km2,
            r.uncovered_km2,
            r.area_share * 100.0,
        );
    }
    Ok(())
}

/// Runs `onemap gaps`.
pub fn gaps(a: &GapsArgs) -> anyhow::Result<()> {
    if a.radius.is_nan() || a.radius < 0.0 {
        bail!("--radius must be a non-negative number of metres");
    }
    let atlas = load_atlas(a.common.data.as_deref())?;
    let g = atlas.gaps(a.service, a.radius);
    let service = a.service.map_or("any", Service::as_str);
    if let Some(path) = &a.out {
        std::fs::write(path, onemap_report::export::gaps_geojson(&atlas, &g))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let residents: u64 = g.polygons.iter().map(|p| p.residents).sum();
    let summary = json!({
        "service": service, "radius_m": a.radius, "district_km2": g.district_km2,
        "uncovered_km2": g.uncovered_km2, "uncovered_share": g.uncovered_km2 / g.district_km2.max(f64::MIN_POSITIVE),
        "polygons": g.polygons.len(), "uncovered_buildings": g.uncovered_buildings.len(),
        "uncovered_residents": residents,
        "largest": g.polygons.iter().take(10).map(|p| json!({"area_km2": p.area_km2, "buildings": p.buildings, "residents": p.residents})).collect::<Vec<_>>(),
        "out": a.out.as_ref().map(|p| p.display().to_string()),
    });
    if a.common.json {
        return print_json(&summary);
    }
    println!(
        "service {service}, radius {} m: {:.3} of {:.3} km² uncovered ({:.1}%) in {} polygons; {} buildings, {} residents outside every circle",
        a.radius,
        g.uncovered_km2,
        g.district_km2,
        100.0 * g.uncovered_km2 / g.district_km2.max(f64::MIN_POSITIVE),
        g.polygons.len(),
        g.uncovered_buildings.len(),
        residents
    );
    println!(
        "{:>4} {:>9} {:>9} {:>10}",
        "#", "area_km2", "buildings", "residents"
    );
    for (i, p) in g.polygons.iter().take(10).enumerate() {
        println!(
            "{:>4} {:>9.3} {:>9} {:>10}",
            i + 1,
            p.area_km2,
            p.buildings,
            p.residents
        );
    }
    if let Some(path) = &a.out {
        println!("written to {}", path.display());
    }
    Ok(())
}

fn ring_from(v: &Value) -> anyhow::Result<LineString<f64>> {
    let pts = v.as_array().context("a ring is an array of positions")?;
    pts.iter()
        .map(|p| {
            let x = p.get(0).and_then(Value::as_f64);
            let y = p.get(1).and_then(Value::as_f64);
            match (x, y) {
                (Some(x), Some(y)) => Ok(Coord { x, y }),
                _ => bail!("a position is [lon, lat]"),
            }
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(LineString::new)
}

fn polygon_from(v: &Value) -> anyhow::Result<Polygon<f64>> {
    let rings = v
        .as_array()
        .context("polygon coordinates are an array of rings")?;
    let mut it = rings.iter();
    let exterior = ring_from(it.next().context("a polygon needs an exterior ring")?)?;
    Ok(Polygon::new(
        exterior,
        it.map(ring_from).collect::<anyhow::Result<_>>()?,
    ))
}

/// Polygons of a GeoJSON text: a Polygon or MultiPolygon geometry, a Feature, or a
/// FeatureCollection (all its polygonal features).
fn polygons_of(v: &Value, out: &mut Vec<Polygon<f64>>) -> anyhow::Result<()> {
    match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            for f in v
                .get("features")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                polygons_of(f, out)?;
            }
        }
        Some("Feature") => {
            if let Some(g) = v.get("geometry") {
                polygons_of(g, out)?;
            }
        }
        Some("Polygon") => out.push(polygon_from(&v["coordinates"])?),
        Some("MultiPolygon") => {
            for p in v["coordinates"]
                .as_array()
                .context("MultiPolygon coordinates")?
            {
                out.push(polygon_from(p)?);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Runs `onemap within`.
pub fn within(a: &WithinArgs) -> anyhow::Result<()> {
    let atlas = load_atlas(a.common.data.as_deref())?;
    let (w, area) = match (&a.polygon, a.lon, a.lat, a.radius) {
        (Some(path), ..) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let v: Value = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", path.display()))?;
            let mut polys = Vec::new();
            polygons_of(&v, &mut polys)?;
            if polys.is_empty() {
                bail!("{} holds no Polygon or MultiPolygon", path.display());
            }
            (
                atlas.buildings_in_polygon(&MultiPolygon::new(polys)),
                json!({"polygon": path.display().to_string()}),
            )
        }
        (None, Some(lon), Some(lat), Some(r)) => {
            if r.is_nan() || r < 0.0 {
                bail!("--radius must be a non-negative number of metres");
            }
            (
                atlas.buildings_within_radius(lon, lat, r),
                json!({"lon": lon, "lat": lat, "radius_m": r}),
            )
        }
        _ => bail!("give --polygon FILE, or --lon X --lat Y --radius M"),
    };
    let rows: Vec<Value> = w
        .buildings
        .iter()
        .map(|&b| {
            let bl = &atlas.buildings()[b];
            json!({"id": bl.id, "rating": bl.rating, "residents": bl.residents, "address": bl.address,
                   "lon": bl.lon, "lat": bl.lat})
        })
        .collect();
    if a.common.json {
        let mut v = json!({"area": area, "buildings": w.buildings.len(), "residents": w.residents,
            "by_rating": {"safe": w.safe, "general": w.general, "warning": w.warning}});
        if a.list {
            v["list"] = Value::Array(rows);
        }
        return print_json(&v);
    }
    println!(
        "{} buildings, {} residents: safe 放心级 {}, general 一般级 {}, warning 警示级 {}",
        w.buildings.len(),
        w.residents,
        w.safe,
        w.general,
        w.warning
    );
    if a.list {
        for (r, &b) in rows.iter().zip(&w.buildings) {
            let bl = &atlas.buildings()[b];
            println!(
                "{:<10} {:<8} {:>5}  {}",
                bl.id,
                bl.rating.as_str(),
                bl.residents,
                r["address"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}

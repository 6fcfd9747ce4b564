//! The figures of a dataset at a glance: counts, areas, people, ratings, stations and their
//! 500-metre circles (straight line), and the case history's outcome.

use std::collections::BTreeMap;

use geo::{Coord, Rect};
use serde::Serialize;

use crate::buckets::Buckets;
use crate::plane;
use crate::read::LoadedDataset;

/// Minimum, mean and maximum.
#[derive(Debug, Clone, Serialize)]
pub struct Spread {
    /// Smallest.
    pub min: f64,
    /// Mean.
    pub mean: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Spread {
        if values.is_empty() {
            return Spread {
                min: 0.0,
                mean: 0.0,
                max: 0.0,
            };
        }
        Spread {
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            mean: values.iter().sum::<f64>() / values.len() as f64,
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// Shares of buildings within 500 m of a station offering each service.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Any service.
    pub any: f64,
    /// Appeal service (群众诉求).
    pub appeal: f64,
    /// Public legal service (公共法律).
    pub legal: f64,
    /// Social psychology service (社会心理).
    pub psych: f64,
}

/// The case history in figures.
#[derive(Debug, Clone, Serialize)]
pub struct CaseFigures {
    /// Cases.
    pub total: usize,
    /// Resolved.
    pub resolved: usize,
    /// Resolved / total.
    pub resolved_share: f64,
    /// Of the resolved, share resolved on the local day they were reported.
    pub same_day_share: f64,
    /// Cases per channel.
    pub by_channel: BTreeMap<String, usize>,
    /// First and last report date.
    pub period: (String, String),
}

/// A dataset summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `meta.json` scale.
    pub scale: String,
    /// `meta.json` seed.
    pub seed: u64,
    /// Features per layer.
    pub counts: BTreeMap<String, usize>,
    /// Total district area, km².
    pub district_area_km2: f64,
    /// Street areas, km².
    pub street_area_km2: Spread,
    /// Community areas, km².
    pub community_area_km2: Spread,
    /// Sub-grid areas, km².
    pub subgrid_area_km2: Spread,
    /// Residents over all sub-grids.
    pub population: f64,
    /// Staff over all sub-grids.
    pub staff: f64,
    /// Buildings per rating.
    pub ratings: BTreeMap<String, usize>,
    /// Buildings per kind.
    pub building_kinds: BTreeMap<String, usize>,
    /// Stations per level.
    pub station_levels: BTreeMap<String, usize>,
    /// Cameras per kind.
    pub camera_kinds: BTreeMap<String, usize>,
    /// Roads per class.
    pub road_classes: BTreeMap<String, usize>,
    /// Building coverage by the 500 m circles.
    pub coverage_500m: Coverage,
    /// Case history.
    pub cases: CaseFigures,
    /// File sizes, bytes.
    pub files: BTreeMap<String, u64>,
}

/// Share of `points` within `radius` metres of any of `centres` (all in metres).
pub fn share_within(points: &[Coord], centres: &[Coord], radius: f64) -> f64 {
    if points.is_empty() {
        return 0.0;
    }
    let (mut min, mut max) = (
        Coord {
            x: f64::INFINITY,
            y: f64::INFINITY,
        },
        Coord {
            x: f64::NEG_INFINITY,
            y: f64::NEG_INFINITY,
        },
    );
    for p in points.iter().chain(centres) {
        min = Coord {
            x: min.x.min(p.x),
            y: min.y.min(p.y),
        };
        max = Coord {
            x: max.x.max(p.x),
            y: max.y.max(p.y),
        };
    }
    let mut grid = Buckets::new(Rect::new(min, max), radius);
    for (i, c) in centres.iter().enumerate() {
        grid.insert(i as u32, *c, 0.0);
    }
    let covered = points
        .iter()
        .filter(|p| {
            grid.around(**p, radius).any(|i| {
                let c = centres[i as usize];
                (c.x - p.x).powi(2) + (c.y - p.y).powi(2) <= radius * radius
            })
        })
        .count();
    covered as f64 / points.len() as f64
}

fn tally<'a>(values: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for v in values {
        *map.entry(v.to_owned()).or_insert(0) += 1;
    }
    map
}

/// Computes the summary of a loaded dataset.
pub fn summarize(ds: &LoadedDataset) -> Summary {
    let counts = ds
        .layers
        .iter()
        .map(|(k, v)| (k.clone(), v.len()))
        .collect();
    let areas =
        |layer: &str| -> Vec<f64> { ds.layer(layer).iter().map(|f| f.num("area_km2")).collect() };
    let buildings: Vec<Coord> = ds
        .layer("buildings")
        .iter()
        .filter_map(|f| f.point())
        .map(plane::to_plane)
        .collect();
    let stations_with = |service: Option<&str>| -> Vec<Coord> {
        ds.layer("stations")
            .iter()
            .filter(|s| {
                service.is_none_or(|sv| {
                    s.properties
                        .get("services")
                        .and_then(|v| v.as_array())
                        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(sv)))
                })
            })
            .filter_map(|s| s.point())
            .map(plane::to_plane)
            .collect()
    };
    let cases = ds.layer("cases");
    let resolved: Vec<_> = cases
        .iter()
        .filter(|c| c.str("outcome") == "resolved")
        .collect();
    let same_day = resolved
        .iter()
        .filter(|c| c.str("reported_at").get(..10) == c.str("resolved_at").get(..10))
        .count();
    let mut dates: Vec<&str> = cases
        .iter()
        .filter_map(|c| c.str("reported_at").get(..10))
        .collect();
    dates.sort_unstable();
    Summary {
        scale: ds
            .meta
            .get("scale")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned(),
        seed: ds.meta.get("seed").and_then(|v| v.as_u64()).unwrap_or(0),
        counts,
        district_area_km2: areas("districts").iter().sum(),
        street_area_km2: Spread::of(&areas("streets")),
        community_area_km2: Spread::of(&areas("communities")),
        subgrid_area_km2: Spread::of(&areas("subgrids")),
        population: ds
            .layer("subgrids")
            .iter()
            .map(|f| f.num("population"))
            .sum(),
        staff: ds.layer("subgrids").iter().map(|f| f.num("staff")).sum(),
        ratings: tally(ds.layer("buildings").iter().map(|f| f.str("rating"))),
        building_kinds: tally(ds.layer("buildings").iter().map(|f| f.str("kind"))),
        station_levels: tally(ds.layer("stations").iter().map(|f| f.str("level"))),
        camera_kinds: tally(ds.layer("cameras").iter().map(|f| f.str("kind"))),
        road_classes: tally(ds.layer("roads").iter().map(|f| f.str("class"))),
        coverage_500m: Coverage {
            any: share_within(&buildings, &stations_with(None), 500.0),
            appeal: share_within(&buildings, &stations_with(Some("appeal")), 500.0),
            legal: share_within(&buildings, &stations_with(Some("legal")), 500.0),
            psych: share_within(&buildings, &stations_with(Some("psych")), 500.0),
        },
        cases: CaseFigures {
            total: cases.len(),
            resolved: resolved.len(),
            resolved_share: resolved.len() as f64 / cases.len().max(1) as f64,
            same_day_share: same_day as f64 / resolved.len().max(1) as f64,
            by_channel: tally(cases.iter().map(|c| c.str("channel"))),
            period: (
                dates.first().map(|s| s.to_string()).unwrap_or_default(),
                dates.last().map(|s| s.to_string()).unwrap_or_default(),
            ),
        },
        files: ds.file_sizes.clone(),
    }
}

/// The summary as a human-readable table.
pub fn to_table(s: &Summary) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "dataset: scale {} seed {}", s.scale, s.seed);
    let _ = writeln!(out, "\nlayer          features");
    for (k, v) in &s.counts {
        let _ = writeln!(out, "  {k:<12} {v:>9}");
    }
    let _ = writeln!(out, "\nareas (km²)       total      min     mean      max");
    let _ = writeln!(out, "  districts   {:>9.1}", s.district_area_km2);
    for (name, sp) in [
        ("streets", &s.street_area_km2),
        ("communities", &s.community_area_km2),
        ("subgrids", &s.subgrid_area_km2),
    ] {
        let _ = writeln!(
            out,
            "  {name:<11} {:>9} {:>8.3} {:>8.3} {:>8.3}",
            "", sp.min, sp.mean, sp.max
        );
    }
    let _ = writeln!(
        out,
        "\npeople {:.0}, grid staff {:.0}",
        s.population, s.staff
    );
    let _ = writeln!(out, "\nbuildings by rating: {}", join(&s.ratings));
    let _ = writeln!(out, "buildings by kind:   {}", join(&s.building_kinds));
    let _ = writeln!(out, "stations by level:   {}", join(&s.station_levels));
    let _ = writeln!(out, "cameras by kind:     {}", join(&s.camera_kinds));
    let _ = writeln!(out, "roads by class:      {}", join(&s.road_classes));
    let c = &s.coverage_500m;
    let _ = writeln!(
        out,
        "\nbuildings within 500 m (straight line) of a station: any {:.1}%, appeal {:.1}%, legal {:.1}%, psych {:.1}%",
        c.any * 100.0,
        c.appeal * 100.0,
        c.legal * 100.0,
        c.psych * 100.0
    );
    let k = &s.cases;
    let _ = writeln!(
        out,
        "\ncases {} ({} to {}): resolved {} ({:.2}%), same day {:.1}% of resolved",
        k.total,
        k.period.0,
        k.period.1,
        k.resolved,
        k.resolved_share * 100.0,
        k.same_day_share * 100.0
    );
    let _ = writeln!(out, "cases by channel: {}", join(&k.by_channel));
    let _ = writeln!(out, "\nfiles (bytes)");
    for (f, b) in &s.files {
        let _ = writeln!(out, "  {f:<24} {b:>12}");
    }
    out
}

fn join(map: &BTreeMap<String, usize>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

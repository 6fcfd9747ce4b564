//! Writes a [`Dataset`] in the layout of `geodata/SCHEMA.md`: one FeatureCollection per layer,
//! one feature per line, properties in a fixed order, coordinates rounded to 7 decimals.

use std::fmt::Write as _;
use std::path::Path;

use geo::{Coord, LineString, MultiPolygon};
use serde::Serialize;

use crate::GenError;
use crate::admin::AdminArea;
use crate::buildings::Rating;
use crate::civil_time::{format_date, format_local_instant};
use crate::dataset::Dataset;
use crate::plane::round_to;

/// Files written, with their sizes in bytes, in writing order.
pub type WrittenFiles = Vec<(String, u64)>;

fn push_coord(out: &mut String, c: Coord) {
    // `Display` of f64 is the shortest string that reads back to the same value.
    let _ = write!(out, "[{},{}]", c.x, c.y);
}

fn push_ring(out: &mut String, ring: &LineString) {
    out.push('[');
    for (i, c) in ring.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_coord(out, *c);
    }
    out.push(']');
}

fn multipolygon_json(mp: &MultiPolygon) -> String {
    let mut out = String::new();
    if mp.0.len() == 1 {
        out.push_str("{\"type\":\"Polygon\",\"coordinates\":[");
        let p = &mp.0[0];
        push_ring(&mut out, p.exterior());
        for r in p.interiors() {
            out.push(',');
            push_ring(&mut out, r);
        }
        out.push_str("]}");
        return out;
    }
    out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
    for (i, p) in mp.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        push_ring(&mut out, p.exterior());
        for r in p.interiors() {
            out.push(',');
            push_ring(&mut out, r);
        }
        out.push(']');
    }
    out.push_str("]}");
    out
}

fn point_json(c: Coord) -> String {
    let mut out = String::from("{\"type\":\"Point\",\"coordinates\":");
    push_coord(&mut out, c);
    out.push('}');
    out
}

fn line_json(l: &LineString) -> String {
    let mut out = String::from("{\"type\":\"LineString\",\"coordinates\":");
    push_ring(&mut out, l);
    out.push('}');
    out
}

fn feature_line(id: &str, geometry: &str, properties: &impl Serialize) -> Result<String, GenError> {
    let props = serde_json::to_string(properties).map_err(|e| GenError::Read(e.to_string()))?;
    let id = serde_json::to_string(id).map_err(|e| GenError::Read(e.to_string()))?;
    Ok(format!(
        "{{\"type\":\"Feature\",\"id\":{id},\"geometry\":{geometry},\"properties\":{props}}}"
    ))
}

fn write_collection(
    dir: &Path,
    name: &str,
    lines: &[String],
    written: &mut WrittenFiles,
) -> Result<(), GenError> {
    PROGRESS.with(|p| -> Result<(), GenError> {
        if let Some(p) = p.borrow().as_ref() {
            p.check()?;
            p.advance(lines.len() as u64);
        }
        Ok(())
    })?;
    let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 2).sum::<usize>() + 64);
    text.push_str("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, l) in lines.iter().enumerate() {
        text.push_str(l);
        text.push_str(if i + 1 < lines.len() { ",\n" } else { "\n" });
    }
    text.push_str("]}\n");
    write_file(dir, name, &text, written)
}

fn write_file(
    dir: &Path,
    name: &str,
    text: &str,
    written: &mut WrittenFiles,
) -> Result<(), GenError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|source| GenError::Io {
        path: path.display().to_string(),
        source,
    })?;
    written.push((name.to_owned(), text.len() as u64));
    Ok(())
}

#[derive(Serialize)]
struct DistrictProps<'a> {
    code: &'a str,
    name: &'a str,
    area_km2: f64,
    synthetic: bool,
}

#[derive(Serialize)]
struct StreetProps<'a> {
    code: &'a str,
    name: &'a str,
    district_code: &'a str,
    area_km2: f64,
    synthetic: bool,
}

#[derive(Serialize)]
struct CommunityProps<'a> {
    code: &'a str,
    name: &'a str,
    official_name: &'a str,
    street_code: &'a str,
    district_code: &'a str,
    area_km2: f64,
    synthetic: bool,
}

#[derive(Serialize)]
struct SubgridProps<'a> {
    code: &'a str,
    name: &'a str,
    community_code: &'a str,
    street_code: &'a str,
    district_code: &'a str,
    area_km2: f64,
    population: usize,
    staff: usize,
    synthetic: bool,
}

#[derive(Serialize)]
struct StationProps<'a> {
    id: &'a str,
    name: &'a str,
    level: &'a str,
    services: &'a [&'a str],
    hours: &'a str,
    subgrid_code: &'a str,
    community_code: &'a str,
    street_code: &'a str,
    synthetic: bool,
}

#[derive(Serialize)]
struct BuildingProps<'a> {
    id: &'a str,
    address: &'a str,
    floors: u32,
    households: u32,
    residents: u32,
    rating: &'a str,
    #[serde(skip_serializing_if = "<[&str]>::is_empty")]
    reasons: &'a [&'a str],
    last_inspection: String,
    kind: &'a str,
    subgrid_code: &'a str,
    synthetic: bool,
}

#[derive(Serialize)]
struct CameraProps<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    road: Option<&'a str>,
    subgrid_code: &'a str,
    synthetic: bool,
}

#[derive(Serialize)]
struct RoadProps<'a> {
    id: &'a str,
    name: &'a str,
    class: &'a str,
    length_m: f64,
    synthetic: bool,
}

#[derive(Serialize)]
struct MatterProps<'a> {
    code: &'a str,
    name: &'a str,
    domain: &'a str,
    domain_name: &'a str,
    default_level: &'a str,
    notice_minutes: u32,
    meet_minutes: u32,
    resolve: &'a str,
    synthetic: bool,
}

#[derive(Serialize)]
struct CaseProps<'a> {
    id: &'a str,
    channel: &'a str,
    matter: &'a str,
    description: &'a str,
    level: &'a str,
    grade: u8,
    people: u32,
    money_yuan: u32,
    subgrid_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    building_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    camera_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reporter_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reporter_phone: Option<&'a str>,
    reported_at: String,
    noticed_at: String,
    met_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_at: Option<String>,
    outcome: &'a str,
    synthetic: bool,
}

#[derive(Serialize)]
struct Counts {
    districts: usize,
    streets: usize,
    communities: usize,
    subgrids: usize,
    stations: usize,
    buildings: usize,
    cameras: usize,
    roads: usize,
    matters: usize,
    cases: usize,
}

#[derive(Serialize)]
struct Ratings {
    safe: usize,
    general: usize,
    warning: usize,
}

#[derive(Serialize)]
struct Files {
    cases: Vec<String>,
}

#[derive(Serialize)]
struct Meta<'a> {
    generator: &'a str,
    version: &'a str,
    seed: u64,
    scale: &'a str,
    as_of: String,
    counts: Counts,
    ratings: Ratings,
    cases_resolved: usize,
    population: usize,
    staff: usize,
    files: Files,
}

fn area_km2(a: &AdminArea) -> f64 {
    round_to(a.area_km2, 3)
}

/// The id of the `n`-th (0-based) building.
pub fn building_id(n: usize) -> String {
    format!("B-{:06}", n + 1)
}

/// The id of the `n`-th (0-based) camera.
pub fn camera_id(n: usize) -> String {
    format!("CAM-{:04}", n + 1)
}

/// The name of the half-year part of the case history a local day falls in.
pub fn cases_part_name(local_day: i64) -> String {
    let (year, month, _) = crate::civil_time::civil_from_days(local_day);
    format!("cases-{year}h{}.geojson", if month <= 6 { 1 } else { 2 })
}

thread_local! {
    /// The progress of the write running on this thread (set by [`write_with`]).
    static PROGRESS: std::cell::RefCell<Option<onemap_progress::Progress>> =
        const { std::cell::RefCell::new(None) };
}

/// Writes every layer and `meta.json` into `dir` (created if missing).
pub fn write(dataset: &Dataset, dir: &Path) -> Result<WrittenFiles, GenError> {
    write_with(dataset, dir, &onemap_progress::Progress::new())
}

/// [`write`], counting features written in `progress`. Files are written into a staging
/// directory inside `dir` and moved into place only when all are written: a cancel
/// ([`GenError::Cancelled`]) or a failure leaves `dir` as it was.
///
/// # Errors
/// As [`write`], and [`GenError::Cancelled`].
pub fn write_with(
    dataset: &Dataset,
    dir: &Path,
    progress: &onemap_progress::Progress,
) -> Result<WrittenFiles, GenError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| GenError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let staging = dir.join(format!(".onemap-gen-partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let t = &dataset.territory;
    let total = t.districts.len()
        + t.streets.len()
        + t.communities.len()
        + t.subgrids.len()
        + dataset.roads.roads.len()
        + dataset.buildings.len()
        + dataset.stations.len()
        + dataset.cameras.len()
        + dataset.matters.len()
        + dataset.cases.len();
    progress.stage("writing features", total as u64);
    PROGRESS.with(|p| *p.borrow_mut() = Some(progress.clone()));
    let result = write_files(dataset, &staging);
    PROGRESS.with(|p| *p.borrow_mut() = None);
    let moved = result.and_then(|written| {
        for (name, _) in &written {
            let from = staging.join(name);
            std::fs::rename(&from, dir.join(name)).map_err(io(&from))?;
        }
        Ok(written)
    });
    let _ = std::fs::remove_dir_all(&staging);
    moved
}

fn write_files(dataset: &Dataset, dir: &Path) -> Result<WrittenFiles, GenError> {
    std::fs::create_dir_all(dir).map_err(|source| GenError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut written = Vec::new();
    let t = &dataset.territory;
    let district_of_street = |s: usize| &t.districts[t.streets[s].parent];
    let street_of_community = |c: usize| &t.streets[t.communities[c].parent];

    let lines = t
        .districts
        .iter()
        .map(|d| {
            feature_line(
                &d.code,
                &multipolygon_json(&d.lonlat),
                &DistrictProps {
                    code: &d.code,
                    name: &d.name,
                    area_km2: area_km2(d),
                    synthetic: d.synthetic,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_collection(dir, "districts.geojson", &lines, &mut written)?;

    let lines = t
        .streets
        .iter()
        .map(|s| {
            feature_line(
                &s.code,
                &multipolygon_json(&s.lonlat),
                &StreetProps {
                    code: &s.code,
                    name: &s.name,
                    district_code: &t.districts[s.parent].code,
                    area_km2: area_km2(s),
                    synthetic: s.synthetic,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_collection(dir, "streets.geojson", &lines, &mut written)?;

    let lines = t
        .communities
        .iter()
        .map(|c| {
            let street = &t.streets[c.parent];
            feature_line(
                &c.code,
                &multipolygon_json(&c.lonlat),
                &CommunityProps {
                    code: &c.code,
                    name: &c.name,
                    official_name: c.official_name.as_deref().unwrap_or(&c.name),
                    street_code: &street.code,
                    district_code: &district_of_street(c.parent).code,
                    area_km2: area_km2(c),
                    synthetic: c.synthetic,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_collection(dir, "communities.geojson", &lines, &mut written)?;

    let lines = t
        .subgrids
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let community = &t.communities[s.parent];
            let street = street_of_community(s.parent);
            feature_line(
                &s.code,
                &multipolygon_json(&s.lonlat),
                &SubgridProps {
                    code: &s.code,
                    name: &s.name,
                    community_code: &community.code,
                    street_code: &street.code,
                    district_code: &district_of_street(community.parent).code,
                    area_km2: area_km2(s),
                    population: dataset.subgrid_population[i],
                    staff: dataset.subgrid_staff[i],
                    synthetic: s.synthetic,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_collection(dir, "subgrids.geojson", &lines, &mut written)?;

    let lines = dataset
        .stations
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let id = format!("ST-{:04}", i + 1);
            let sub = &t.subgrids[s.subgrid];
            let community = &t.communities[sub.parent];
            feature_line(
                &id,
                &point_json(s.lonlat),
                &StationProps {
                    id: &id,
                    name: &s.name,
                    level: s.level.as_str(),
                    services: &s.services,
                    hours: s.hours,
                    subgrid_code: &sub.code,
                    community_code: &community.code,
                    street_code: &street_of_community(sub.parent).code,
                    synthetic: true,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_collection(dir, "stations.geojson", &lines, &mut written)?;

    let lines = dataset
        .buildings
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let id = building_id(i);
            feature_line(
                &id,
                &point_json(b.lonlat),
                &BuildingProps {
                    id: &id,
                    address: &b.address,
                    floors: b.floors,
                    households: b.households,
                    residents: b.residents,
                    rating: b.rating.as_str(),
                    reasons: &b.reasons,
                    last_inspection: format_date(b.last_inspection),
                    kind: b.kind.as_str(),
                    subgrid_code: &t.subgrids[b.subgrid].code,
                    synthetic: true,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_collection(dir, "buildings.geojson", &lines, &mut written)?;

    let lines = dataset
        .cameras
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let id = camera_id(i);
            feature_line(
                &id,
                &point_json(c.lonlat),
                &CameraProps {
                    id: &id,
                    name: &c.name,
                    kind: c.kind.as_str(),
                    road: c.road.as_deref(),
                    subgrid_code: &t.subgrids[c.subgrid].code,
                    synthetic: true,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_collection(dir, "cameras.geojson", &lines, &mut written)?;

    let lines = dataset
        .roads
        .roads
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = format!("R-{:05}", i + 1);
            feature_line(
                &id,
                &line_json(&r.lonlat),
                &RoadProps {
                    id: &id,
                    name: &r.name,
                    class: r.class.as_str(),
                    length_m: round_to(r.length_m, 1),
                    synthetic: true,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_collection(dir, "roads.geojson", &lines, &mut written)?;

    let lines = dataset
        .matters
        .iter()
        .map(|m| {
            let props = MatterProps {
                code: &m.code,
                name: m.name,
                domain: m.domain,
                domain_name: m.domain_name,
                default_level: m.default_level,
                notice_minutes: 10,
                meet_minutes: 30,
                resolve: &m.resolve,
                synthetic: true,
            };
            let props = serde_json::to_string(&props).map_err(|e| GenError::Read(e.to_string()))?;
            Ok(format!(
                "{{\"type\":\"Feature\",\"id\":\"{}\",\"geometry\":null,\"properties\":{props}}}",
                m.code
            ))
        })
        .collect::<Result<Vec<_>, GenError>>()?;
    write_collection(dir, "matters.geojson", &lines, &mut written)?;

    // The case history is written in half-year parts to keep every file small.
    let mut parts: Vec<(String, Vec<String>)> = Vec::new();
    for case in &dataset.cases {
        let part = cases_part_name(case.reported_at.div_euclid(86_400));
        let props = CaseProps {
            id: &case.id,
            channel: case.channel,
            matter: &dataset.matters[case.matter].code,
            description: &case.description,
            level: case.level,
            grade: case.grade,
            people: case.people,
            money_yuan: case.money_yuan,
            subgrid_code: &t.subgrids[case.subgrid].code,
            building_id: case.building.map(building_id),
            camera_id: case.camera.map(camera_id),
            reporter_name: case.reporter_name.as_deref(),
            reporter_phone: case.reporter_phone.as_deref(),
            reported_at: format_local_instant(case.reported_at),
            noticed_at: format_local_instant(case.noticed_at),
            met_at: format_local_instant(case.met_at),
            resolved_at: case.resolved_at.map(format_local_instant),
            closed_at: case.closed_at.map(format_local_instant),
            outcome: case.outcome,
            synthetic: true,
        };
        let line = feature_line(&case.id, &point_json(case.lonlat), &props)?;
        match parts.last_mut() {
            Some((name, lines)) if *name == part => lines.push(line),
            _ => parts.push((part, vec![line])),
        }
    }
    for (name, lines) in &parts {
        write_collection(dir, name, lines, &mut written)?;
    }

    let ratings = |r: Rating| dataset.buildings.iter().filter(|b| b.rating == r).count();
    let meta = Meta {
        generator: "onemap-gen",
        version: env!("CARGO_PKG_VERSION"),
        seed: dataset.seed,
        scale: dataset.profile.scale.as_str(),
        as_of: format_date(crate::cases::history_end_days()),
        counts: Counts {
            districts: t.districts.len(),
            streets: t.streets.len(),
            communities: t.communities.len(),
            subgrids: t.subgrids.len(),
            stations: dataset.stations.len(),
            buildings: dataset.buildings.len(),
            cameras: dataset.cameras.len(),
            roads: dataset.roads.roads.len(),
            matters: dataset.matters.len(),
            cases: dataset.cases.len(),
        },
        ratings: Ratings {
            safe: ratings(Rating::Safe),
            general: ratings(Rating::General),
            warning: ratings(Rating::Warning),
        },
        cases_resolved: dataset
            .cases
            .iter()
            .filter(|c| c.outcome == "resolved")
            .count(),
        population: dataset.subgrid_population.iter().sum(),
        staff: dataset.subgrid_staff.iter().sum(),
        files: Files {
            cases: parts.iter().map(|(n, _)| n.clone()).collect(),
        },
    };
    let mut text =
        serde_json::to_string_pretty(&meta).map_err(|e| GenError::Read(e.to_string()))?;
    text.push('\n');
    write_file(dir, "meta.json", &text, &mut written)?;
    Ok(written)
}

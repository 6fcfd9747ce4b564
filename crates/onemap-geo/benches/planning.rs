//! Criterion benches of the planning engine: a what-if edit (move, add, remove a station) with
//! its incremental coverage, suggested sites, the policy check and walking coverage, on the
//! bundled Guangming dataset and, when it exists, the city-scale dataset (600,000 buildings,
//! ~1,000 stations, 5,000 sub-grids).
//!
//! ```sh
//! onemap geodata generate --scale shenzhen --out ~/.cache/onemap/shenzhen   # once
//! ONEMAP_CITY_DATA=~/.cache/onemap/shenzhen cargo bench -p onemap-geo --bench planning
//! ```
//! Without `ONEMAP_CITY_DATA` (or `~/.cache/onemap/shenzhen`) the city groups are skipped with a
//! message.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use onemap_geo::atlas::Atlas;
use onemap_geo::dataset::Service;
use onemap_geo::scenario::{Baseline, Edit, Scenario};
use onemap_geo::suggest::{Candidates, Objective, Request, Stop, suggest};
use onemap_geo::walking::{RoadNetwork, Walking};

fn guangming() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../geodata/guangming")
}

fn city() -> Option<PathBuf> {
    let dir = std::env::var_os("ONEMAP_CITY_DATA")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/onemap/shenzhen"))
        })?;
    if dir.join("buildings.geojson").exists() || dir.join("meta.json").exists() {
        Some(dir)
    } else {
        eprintln!(
            "planning bench: no city-scale dataset at {} (set ONEMAP_CITY_DATA); city groups skipped",
            dir.display()
        );
        None
    }
}

fn load(dir: &Path) -> Arc<Atlas> {
    match Atlas::load_dir(dir) {
        Ok(a) => Arc::new(a),
        Err(e) => panic!("{}: {e}", dir.display()),
    }
}

/// The station whose 500-m circle holds the most buildings: the costliest to move.
fn busiest_station(atlas: &Atlas) -> usize {
    let mut best = (0, 0usize);
    for (i, s) in atlas.stations().iter().enumerate() {
        let n = atlas
            .buildings_within_radius(s.lon, s.lat, 500.0)
            .buildings
            .len();
        if n > best.1 {
            best = (i, n);
        }
    }
    best.0
}

fn whatif(c: &mut Criterion, name: &str, atlas: &Arc<Atlas>) {
    let mut g = c.benchmark_group(format!("whatif/{name}"));
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    g.bench_function("baseline", |b| {
        b.iter(|| black_box(Baseline::new(Arc::clone(atlas), 500.0)));
    });
    let base = Arc::new(Baseline::new(Arc::clone(atlas), 500.0));
    g.bench_function("new_scenario", |b| {
        b.iter(|| black_box(Scenario::new(Arc::clone(&base))));
    });
    g.finish();
    let s = &atlas.stations()[busiest_station(atlas)];
    let (id, lon, lat) = (s.id.clone(), s.lon, s.lat);
    let mut g = c.benchmark_group(format!("whatif/{name}"));
    g.sample_size(60).measurement_time(Duration::from_secs(4));
    let mut sc = Scenario::new(Arc::clone(&base));
    // A drag: the busiest hall moves 150 m east and back, one edit per iteration.
    let mut east = false;
    g.bench_function("move_busiest_station_150m", |b| {
        b.iter(|| {
            east = !east;
            let dlon = if east { 0.00146 } else { 0.0 };
            black_box(
                sc.apply(&Edit::Move {
                    id: id.clone(),
                    lon: lon + dlon,
                    lat,
                })
                .ok(),
            )
        });
    });
    let mut sc = Scenario::new(Arc::clone(&base));
    let mut added: Option<String> = None;
    g.bench_function("add_or_remove_a_station", |b| {
        b.iter(|| {
            let edit = match added.take() {
                Some(id) => Edit::Remove { id },
                None => Edit::Add {
                    id: None,
                    name: None,
                    level: None,
                    services: Service::ALL.to_vec(),
                    lon: lon + 0.003,
                    lat: lat + 0.002,
                },
            };
            let out = sc.apply(&edit).ok();
            if matches!(edit, Edit::Add { .. }) {
                added = out.as_ref().map(|o| o.station.clone());
            }
            black_box(out)
        });
    });
    g.finish();
}

fn siting(c: &mut Criterion, name: &str, atlas: &Arc<Atlas>) {
    let covered = atlas.covered_buildings(Some(Service::Psych), 500.0);
    let halls = atlas.halls_without(Some(Service::Psych));
    let mut g = c.benchmark_group(format!("suggest/{name}"));
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for (label, candidates, stop) in [
        (
            "10_sites_at_buildings",
            Candidates::Buildings,
            Stop::Count { n: 10 },
        ),
        (
            "10_sites_on_lattice_50m",
            Candidates::Lattice { spacing_m: 50.0 },
            Stop::Count { n: 10 },
        ),
        (
            "fewest_for_98pct_residents",
            Candidates::BuildingsAndHalls,
            Stop::Target {
                share: 0.98,
                max: 5_000,
            },
        ),
    ] {
        g.bench_function(label, |b| {
            b.iter(|| {
                black_box(suggest(
                    atlas,
                    &Request {
                        service: Some(Service::Psych),
                        objective: Objective::Residents,
                        candidates,
                        stop,
                        exclude: None,
                        radius_m: 500.0,
                        covered: &covered,
                        halls: &halls,
                        residential_only: false,
                        only: None,
                    },
                ))
            });
        });
    }
    g.finish();
}

fn walking(c: &mut Criterion, name: &str, dir: &Path, atlas: &Arc<Atlas>) {
    let Ok(text) = std::fs::read_to_string(dir.join("roads.geojson")) else {
        eprintln!("planning bench: {} has no roads.geojson", dir.display());
        return;
    };
    let mut g = c.benchmark_group(format!("walking/{name}"));
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("network_and_snaps", |b| {
        b.iter(|| {
            let net = RoadNetwork::from_geojson(&text, &atlas.plane()).ok();
            black_box(net.map(|n| Walking::new(atlas, n, 500.0)))
        });
    });
    let Ok(net) = RoadNetwork::from_geojson(&text, &atlas.plane()) else {
        return;
    };
    let w = Walking::new(atlas, net, 500.0);
    let stations: Vec<[f64; 2]> = atlas
        .stations()
        .iter()
        .filter(|s| s.offers(Service::Appeal))
        .map(|s| atlas.project(s.lon, s.lat))
        .collect();
    g.bench_function("distances_appeal", |b| {
        b.iter(|| black_box(w.distances(&stations)));
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let gm = guangming();
    let atlas = load(&gm);
    whatif(c, "guangming", &atlas);
    siting(c, "guangming", &atlas);
    walking(c, "guangming", &gm, &atlas);
    if let Some(dir) = city() {
        let atlas = load(&dir);
        whatif(c, "city", &atlas);
        siting(c, "city", &atlas);
        walking(c, "city", &dir, &atlas);
    }
}

criterion_group!(planning, benches);
criterion_main!(planning);

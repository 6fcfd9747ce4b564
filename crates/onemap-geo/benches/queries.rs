//! Criterion benches, one group per query of the spatial engine, on seeded random data shaped
//! like the city-scale benchmark (buildings in clusters, stations among them, a tiling of
//! cells), and on the bundled Guangming dataset through the Atlas.
//!
//! `cargo bench -p onemap-geo` (all), `cargo bench -p onemap-geo -- locate` (one group).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use onemap_geo::atlas::Atlas;
use onemap_geo::coverage::{covered_mask, uncovered_area, uncovered_in_order};
use onemap_geo::dataset::{AdminLevel, Service};
use onemap_geo::index::PointIndex;
use onemap_geo::locate::PolygonIndex;
use onemap_geo::nearest::{NearestIndex, nearest_all_indexed};
use onemap_geo::siting::greedy_sites;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SIDE: f64 = 20_000.0;
const R: f64 = 500.0;

/// Clustered points in a SIDE × SIDE square.
fn clustered(rng: &mut ChaCha8Rng, n: usize, centres: usize) -> Vec<[f64; 2]> {
    let cs: Vec<[f64; 2]> = (0..centres)
        .map(|_| [rng.random_range(0.0..SIDE), rng.random_range(0.0..SIDE)])
        .collect();
    (0..n)
        .map(|_| {
            let c = cs[rng.random_range(0..centres)];
            let a = rng.random_range(0.0..std::f64::consts::TAU);
            let d = rng.random_range(0.0..1.0f64).sqrt() * 900.0;
            [
                (c[0] + d * a.cos()).clamp(0.0, SIDE),
                (c[1] + d * a.sin()).clamp(0.0, SIDE),
            ]
        })
        .collect()
}

/// A tiling of the square by `k × k` quadrilaterals with jittered shared corners.
fn tiling(rng: &mut ChaCha8Rng, k: usize) -> Vec<MultiPolygon<f64>> {
    let s = SIDE / k as f64;
    let corner: Vec<Vec<[f64; 2]>> = (0..=k)
        .map(|j| {
            (0..=k)
                .map(|i| {
                    let mut jit = |e: usize| {
                        if e == 0 || e == k {
                            0.0
                        } else {
                            rng.random_range(-0.3..0.3) * s
                        }
                    };
                    [i as f64 * s + jit(i), j as f64 * s + jit(j)]
                })
                .collect()
        })
        .collect();
    let mut out = Vec::with_capacity(k * k);
    for j in 0..k {
        for i in 0..k {
            let ring: Vec<Coord<f64>> = [
                corner[j][i],
                corner[j][i + 1],
                corner[j + 1][i + 1],
                corner[j + 1][i],
                corner[j][i],
            ]
            .iter()
            .map(|p| Coord { x: p[0], y: p[1] })
            .collect();
            out.push(MultiPolygon::new(vec![Polygon::new(
                LineString::new(ring),
                vec![],
            )]));
        }
    }
    out
}

struct Data {
    buildings: Vec<[f64; 2]>,
    building_index: PointIndex,
    stations: Vec<[f64; 2]>,
    station_index: NearestIndex,
    cells: PolygonIndex,
    square: MultiPolygon<f64>,
}

fn data() -> Data {
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_602);
    let buildings = clustered(&mut rng, 200_000, 120);
    let stations = clustered(&mut rng, 400, 120);
    let ids: Vec<u32> = (0..buildings.len() as u32).collect();
    let building_index = PointIndex::with_cell(&buildings, &ids, R / 6.0);
    let station_index = NearestIndex::new(&stations, [0.0, 0.0], [SIDE, SIDE]);
    let cells = PolygonIndex::new(&tiling(&mut rng, 40));
    let square = tiling(&mut rng, 1).remove(0);
    Data {
        buildings,
        building_index,
        stations,
        station_index,
        cells,
        square,
    }
}

fn benches(c: &mut Criterion) {
    let d = data();
    let mut g = c.benchmark_group("nearest");
    g.sample_size(20);
    g.bench_function("nearest station for 200k buildings", |b| {
        b.iter(|| nearest_all_indexed(&d.station_index, black_box(&d.building_index)));
    });
    g.bench_function("one nearest-station lookup", |b| {
        let mut k = 0usize;
        b.iter(|| {
            k = (k + 7919) % d.buildings.len();
            let p = d.buildings[k];
            d.station_index.nearest(black_box(p[0]), black_box(p[1]))
        });
    });
    g.finish();

    let mut g = c.benchmark_group("coverage");
    g.sample_size(20);
    g.bench_function("200k buildings within 500 m of 400 stations", |b| {
        b.iter(|| covered_mask(&d.building_index, black_box(&d.stations), R));
    });
    g.bench_function("uncovered area, exact circles", |b| {
        b.iter(|| uncovered_area(&d.square, black_box(&d.stations), R));
    });
    g.finish();

    let mut g = c.benchmark_group("locate");
    g.sample_size(20);
    g.bench_function("200k buildings into 1,600 cells", |b| {
        b.iter(|| d.cells.locate_all_indexed(black_box(&d.building_index)));
    });
    g.bench_function("one point-in-cell lookup", |b| {
        let mut k = 0usize;
        b.iter(|| {
            k = (k + 7919) % d.buildings.len();
            let p = d.buildings[k];
            d.cells.locate(black_box(p[0]), black_box(p[1]))
        });
    });
    g.finish();

    let mut g = c.benchmark_group("within");
    g.bench_function("buildings within 500 m of a point", |b| {
        let mut k = 0usize;
        b.iter(|| {
            k = (k + 7919) % d.buildings.len();
            let p = d.buildings[k];
            d.building_index
                .count_within(black_box(p[0]), black_box(p[1]), R)
        });
    });
    g.finish();

    let mut g = c.benchmark_group("siting");
    g.sample_size(10);
    let unc_ids = uncovered_in_order(&d.building_index, &d.stations, R);
    let unc: Vec<[f64; 2]> = unc_ids.iter().map(|&i| d.buildings[i as usize]).collect();
    let cand: Vec<[f64; 2]> = d.buildings.iter().step_by(4).copied().collect();
    g.bench_function("greedy 10 sites, 50k candidates", |b| {
        b.iter(|| greedy_sites(black_box(&unc), &cand, R, 10));
    });
    g.finish();

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata/guangming");
    if let Ok(atlas) = Atlas::load_dir(&dir) {
        let mut g = c.benchmark_group("atlas (Guangming)");
        g.sample_size(20);
        g.bench_function("locate", |b| {
            b.iter(|| atlas.locate(black_box(113.93), black_box(22.76)))
        });
        g.bench_function("5 nearest appeal stations", |b| {
            b.iter(|| {
                atlas.nearest_stations(
                    black_box(113.93),
                    black_box(22.76),
                    Some(Service::Appeal),
                    5,
                )
            });
        });
        g.bench_function("coverage by street, any service", |b| {
            b.iter(|| atlas.coverage(None, R, AdminLevel::Street));
        });
        g.bench_function("gaps, any service", |b| b.iter(|| atlas.gaps(None, R)));
        g.finish();
    }
}

criterion_group!(queries, benches);
criterion_main!(queries);

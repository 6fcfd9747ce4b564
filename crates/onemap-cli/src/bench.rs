//! `onemap bench`: the onemap peer of the shared spatial benchmark (`../shared/bench/README.md`).
//!
//! Loads `<data>/<scale>/*.geojson`, projects to EPSG:32649 (UTM 49N, the plane the protocol
//! defines distances in), builds the indexes, then runs one query once as warm-up and five
//! times timed, and writes the record `<out>/onemap_<scale>_<Q>.json` and, for Q1, Q2, Q3 and
//! Q5, the answer arrays `<out>/answers/onemap_<scale>_<Q>.json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use onemap_geo::coverage::{covered_mask, uncovered_area, uncovered_in_order};
use onemap_geo::index::PointIndex;
use onemap_geo::locate::PolygonIndex;
use onemap_geo::nearest::{NearestIndex, nearest_all_indexed};
use onemap_geo::projection::TransverseMercator;
use onemap_geo::siting::greedy_sites_indexed;
use serde::Deserialize;
use serde_json::{Value, json};

/// Radius of the service circles, metres.
const R: f64 = 500.0;
/// Timed runs after the warm-up.
const RUNS: usize = 5;
/// New sites in Q6.
const N_NEW: usize = 10;
const KINDS: [&str; 3] = ["appeal", "legal", "psych"];

/// Arguments of `onemap bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Data directory holding `<scale>/*.geojson` (written by the harness's gen.py).
    #[arg(long)]
    data: PathBuf,
    /// `district` or `city`.
    #[arg(long)]
    scale: String,
    /// `Q1` … `Q6`.
    #[arg(long)]
    query: String,
    /// Results directory (the record goes here, answer arrays under `answers/`).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Deserialize)]
struct Collection<P> {
    features: Vec<Feature<P>>,
}

#[derive(Deserialize)]
struct Feature<P> {
    properties: P,
    geometry: Geometry,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Geometry {
    Point {
        coordinates: [f64; 2],
    },
    Polygon {
        coordinates: Vec<Vec<[f64; 2]>>,
    },
    MultiPolygon {
        coordinates: Vec<Vec<Vec<[f64; 2]>>>,
    },
}

#[derive(Deserialize)]
struct IdProps {
    id: usize,
}

#[derive(Deserialize)]
struct StationProps {
    id: usize,
    kind: String,
}

/// The loaded data set, projected and indexed.
struct Data {
    buildings: Vec<[f64; 2]>,
    building_index: PointIndex,
    stations: Vec<[f64; 2]>,
    station_index: NearestIndex,
    /// Q6 candidates (every building at district scale, every 10th at city scale) and their index.
    candidates: Vec<[f64; 2]>,
    candidate_index: PointIndex,
    step: usize,
    kind_centres: [Vec<[f64; 2]>; 3],
    grid_index: PolygonIndex,
    district: MultiPolygon<f64>,
    qpoints: Vec<[f64; 2]>,
}

fn read<P: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> anyhow::Result<Vec<Feature<P>>> {
    let path = dir.join(format!("{name}.geojson"));
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let c: Collection<P> =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok(c.features)
}

fn proj(p: [f64; 2]) -> [f64; 2] {
    let (x, y) = TransverseMercator::UTM_49N.forward(p[0], p[1]);
    [x, y]
}

/// Places projected points at their `id`; ids must be 0 … n−1.
fn points<P>(features: Vec<Feature<P>>, id: impl Fn(&P) -> usize) -> anyhow::Result<Vec<[f64; 2]>> {
    let n = features.len();
    let mut out = vec![[f64::NAN; 2]; n];
    for f in features {
        let i = id(&f.properties);
        let Geometry::Point { coordinates } = f.geometry else {
            bail!("feature {i} is not a Point");
        };
        if i >= n {
            bail!("id {i} out of range 0..{n}");
        }
        out[i] = proj(coordinates);
    }
    Ok(out)
}

fn polygon(rings: Vec<Vec<[f64; 2]>>) -> Polygon<f64> {
    let ring = |r: Vec<[f64; 2]>| {
        LineString::new(
            r.into_iter()
                .map(|p| {
                    let [x, y] = proj(p);
                    Coord { x, y }
                })
                .collect(),
        )
    };
    let mut it = rings.into_iter();
    let exterior = it.next().map_or_else(|| LineString::new(vec![]), ring);
    Polygon::new(exterior, it.map(ring).collect())
}

fn multipolygon(g: Geometry) -> anyhow::Result<MultiPolygon<f64>> {
    Ok(match g {
        Geometry::Polygon { coordinates } => MultiPolygon::new(vec![polygon(coordinates)]),
        Geometry::MultiPolygon { coordinates } => {
            MultiPolygon::new(coordinates.into_iter().map(polygon).collect())
        }
        Geometry::Point { .. } => bail!("expected a (Multi)Polygon"),
    })
}

fn bbox(sets: &[&[[f64; 2]]]) -> ([f64; 2], [f64; 2]) {
    let mut min = [f64::INFINITY; 2];
    let mut max = [f64::NEG_INFINITY; 2];
    for p in sets.iter().flat_map(|s| s.iter()) {
        for d in 0..2 {
            min[d] = min[d].min(p[d]);
            max[d] = max[d].max(p[d]);
        }
    }
    (min, max)
}

fn load(dir: &Path, scale: &str) -> anyhow::Result<Data> {
    let buildings = points(read::<IdProps>(dir, "buildings")?, |p| p.id)?;
    let ids: Vec<u32> = (0..buildings.len() as u32).collect();
    let building_index = PointIndex::with_cell(&buildings, &ids, R / 6.0);
    let st = read::<StationProps>(dir, "stations")?;
    let mut kind = vec![usize::MAX; st.len()];
    for f in &st {
        if let (Some(k), true) = (
            KINDS.iter().position(|k| *k == f.properties.kind),
            f.properties.id < kind.len(),
        ) {
            kind[f.properties.id] = k;
        }
    }
    let stations = points(st, |p| p.id)?;
    let kind_centres = [0, 1, 2].map(|k| {
        stations
            .iter()
            .zip(&kind)
            .filter(|(_, kk)| **kk == k)
            .map(|(p, _)| *p)
            .collect::<Vec<_>>()
    });
    let mut grid: Vec<(usize, MultiPolygon<f64>)> = read::<IdProps>(dir, "grid")?
        .into_iter()
        .map(|f| Ok((f.properties.id, multipolygon(f.geometry)?)))
        .collect::<anyhow::Result<_>>()?;
    grid.sort_by_key(|(id, _)| *id);
    if grid.iter().enumerate().any(|(i, (id, _))| i != *id) {
        bail!("grid ids are not 0 … n−1");
    }
    let grid_index = PolygonIndex::new(&grid.into_iter().map(|(_, g)| g).collect::<Vec<_>>());
    let district = read::<IdProps>(dir, "district")?
        .into_iter()
        .next()
        .context("district.geojson has no feature")?;
    let district = multipolygon(district.geometry)?;
    let qpoints = points(read::<IdProps>(dir, "qpoints")?, |p| p.id)?;
    let (min, max) = bbox(&[&buildings, &qpoints, &stations]);
    let station_index = NearestIndex::new(&stations, min, max);
    let step = if scale == "district" { 1 } else { 10 };
    let candidates: Vec<[f64; 2]> = buildings.iter().step_by(step).copied().collect();
    let cids: Vec<u32> = (0..candidates.len() as u32).collect();
    // Cells of one radius: per-row work dominates, so few large cells beat many small ones.
    let candidate_index = PointIndex::with_cell(&candidates, &cids, R);
    Ok(Data {
        buildings,
        building_index,
        stations,
        station_index,
        candidates,
        candidate_index,
        step,
        kind_centres,
        grid_index,
        district,
        qpoints,
    })
}

fn status_kib(field: &str) -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1)
}

/// Peak RSS (`VmHWM`, KiB) read right after the timed runs of [`time`], before the answer
/// arrays are built.
static PEAK_KIB: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(-1);

/// Warm-up, then [`RUNS`] timed runs; the durations and the last result. Records the peak RSS
/// in [`PEAK_KIB`].
fn time<T>(mut f: impl FnMut() -> T) -> (Vec<f64>, T) {
    let _ = f();
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        drop(last.take()); // free the previous result before the next run
        let t0 = Instant::now();
        let r = f();
        times.push(t0.elapsed().as_secs_f64());
        last = Some(r);
    }
    PEAK_KIB.store(status_kib("VmHWM"), std::sync::atomic::Ordering::Relaxed);
    match last {
        Some(r) => (times, r),
        None => unreachable!("RUNS > 0"),
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Runs `onemap bench`.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let scale = args.scale.as_str();
    if !matches!(scale, "district" | "city") {
        bail!("--scale must be district or city, not {scale}");
    }
    let q = args.query.as_str();
    let t0 = Instant::now();
    let d = load(&args.data.join(scale), scale)?;
    let load_s = t0.elapsed().as_secs_f64();
    let rss_after_load_kib = status_kib("VmRSS");
    let hwm_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let n = d.buildings.len();
    let mut arrays: Option<Value> = None;
    let (times, answer, model): (Vec<f64>, Value, &str) = match q {
        "Q1" => {
            let (times, (idx, dist)) =
                time(|| nearest_all_indexed(&d.station_index, &d.building_index));
            let mean = dist.iter().sum::<f64>() / n as f64;
            let max = dist.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let answer = json!({"mean_m": mean, "max_m": max, "p50_m": median(&dist)});
            arrays = Some(json!({"idx": idx, "dist": dist}));
            (
                times,
                answer,
                "raster of nearest-station candidate lists (Voronoi-cell cover), buildings visited in grid order, 2 threads",
            )
        }
        "Q2" => {
            let (times, cov) = time(|| {
                std::thread::scope(|s| {
                    let hs: Vec<_> = d
                        .kind_centres
                        .iter()
                        .map(|c| s.spawn(|| covered_mask(&d.building_index, c, R)))
                        .collect();
                    hs.into_iter()
                        .map(|h| match h.join() {
                            Ok(v) => v,
                            Err(e) => std::panic::resume_unwind(e),
                        })
                        .collect::<Vec<Vec<bool>>>()
                })
            });
            let any: Vec<bool> = (0..n).map(|i| cov.iter().any(|c| c[i])).collect();
            let share = |m: &[bool]| m.iter().filter(|b| **b).count() as f64 / n as f64;
            let answer = json!({"appeal": share(&cov[0]), "legal": share(&cov[1]),
                                "psych": share(&cov[2]), "any": share(&any)});
            arrays = Some(json!({"appeal": cov[0], "legal": cov[1], "psych": cov[2], "any": any}));
            (
                times,
                answer,
                "from each station outward: 500-m disc over a CSR building grid, whole inner cell runs set in a bitset, edge cells tested",
            )
        }
        "Q3" => {
            let (times, grid) = time(|| d.grid_index.locate_all_indexed(&d.building_index));
            let assigned = grid.iter().filter(|g| **g >= 0).count();
            let id_sum: i64 = grid.iter().filter(|g| **g >= 0).sum();
            let answer =
                json!({"assigned": assigned, "unassigned": n - assigned, "id_sum": id_sum});
            arrays = Some(json!({"grid": grid}));
            (
                times,
                answer,
                "raster of grid cells (interior cells answer directly, boundary cells test candidate polygons, even-odd), buildings visited in grid order, 2 threads",
            )
        }
        "Q4" => {
            let (times, a) = time(|| uncovered_area(&d.district, &d.stations, R));
            let district_km2 = uncovered_area(&d.district, &[], R) / 1e6;
            let answer = json!({"gap_km2": a / 1e6, "district_km2": district_km2});
            (
                times,
                answer,
                "exact circles: area of district minus the union of discs by Green's theorem over region edges outside all discs and circle arcs inside the region outside all other discs",
            )
        }
        "Q5" => {
            let (times, (ni, gi)) = time(|| {
                let mut ni = vec![0i64; d.qpoints.len()];
                let mut gi = vec![-1i64; d.qpoints.len()];
                for (k, p) in d.qpoints.iter().enumerate() {
                    ni[k] = d
                        .station_index
                        .nearest(p[0], p[1])
                        .map_or(-1, |(id, _)| i64::from(id));
                    gi[k] = d.grid_index.locate(p[0], p[1]).map_or(-1, i64::from);
                }
                (ni, gi)
            });
            let nq = d.qpoints.len().max(1) as f64;
            let answer = json!({"per_query_us": median(&times) / nq * 1e6,
                                "nearest_id_sum": ni.iter().sum::<i64>(),
                                "grid_id_sum": gi.iter().sum::<i64>(),
                                "n_queries": d.qpoints.len()});
            arrays = Some(json!({"nearest": ni, "grid": gi}));
            (
                times,
                answer,
                "one query at a time: grid ring search for the nearest station, raster cell lookup for the grid cell",
            )
        }
        "Q6" => {
            let step = d.step;
            let (times, (chosen, gains, base, n_cand, n_pairs)) = time(|| {
                let unc_ids = uncovered_in_order(&d.building_index, &d.stations, R);
                let unc: Vec<[f64; 2]> = unc_ids.iter().map(|&i| d.buildings[i as usize]).collect();
                let s = greedy_sites_indexed(&unc, &d.candidates, &d.candidate_index, R, N_NEW);
                let base = n - unc.len();
                let chosen: Vec<usize> = s.chosen.iter().map(|c| c * step).collect();
                (chosen, s.gains, base, d.candidates.len(), s.n_pairs)
            });
            let total: u64 = gains.iter().sum();
            let answer = json!({"chosen": chosen, "gains": gains, "total_gain": total,
                                "base_covered": base, "n_candidates": n_cand, "n_pairs": n_pairs,
                                "new_share": (base as f64 + total as f64) / n as f64});
            (
                times,
                answer,
                "station-outward base coverage, then gains counted from each uncovered building outward over a CSR grid of candidates (whole inner runs added through a difference array), lazy greedy with a max-heap (ties to the lowest candidate), 2 threads",
            )
        }
        other => bail!("unknown query {other} (Q1 … Q6)"),
    };
    let peak_rss_kib = PEAK_KIB.load(std::sync::atomic::Ordering::Relaxed);
    let record = json!({
        "peer": "onemap", "scale": scale, "query": q,
        "times_s": times, "median_s": median(&times), "answer": answer,
        "load_s": load_s, "rss_after_load_kib": rss_after_load_kib, "peak_rss_kib": peak_rss_kib,
        "hwm_reset": hwm_reset,
        "distance_model": format!("planar EPSG:32649 (own Krüger-series UTM 49N, matches PROJ to < 1 mm), Euclidean metres; {model}"),
    });
    std::fs::create_dir_all(args.out.join("answers"))?;
    std::fs::write(
        args.out.join(format!("onemap_{scale}_{q}.json")),
        serde_json::to_string_pretty(&record)?,
    )?;
    if let Some(a) = arrays {
        std::fs::write(
            args.out
                .join("answers")
                .join(format!("onemap_{scale}_{q}.json")),
            serde_json::to_string(&a)?,
        )?;
    }
    println!(
        "{}",
        json!({"peer": "onemap", "scale": scale, "query": q, "median_s": median(&times), "answer": record["answer"]})
    );
    Ok(())
}

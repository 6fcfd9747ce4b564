//! The cutter's tiles decoded back: the protobuf by prost (geozero's generated types), the
//! geometry commands by a decoder written here from the spec (section 4.3), independent of the
//! encoder. Features must land in the right tiles, be clipped at the edges and keep their
//! properties.
use geo::{Area, BooleanOps, Coord, Euclidean, Length, LineString, MultiPolygon, Polygon, polygon};
use geozero::mvt::tile::{self, GeomType};
use geozero::mvt::{Message, Tile};
use onemap_tiles::{
    Aggregation, BUFFER, PointInput, PointTiles, ShapeTiles, TileId, encode::EXTENT,
    lonlat_to_world,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn unzig(v: u32) -> i32 {
    #[allow(clippy::cast_possible_wrap)]
    let r = ((v >> 1) as i32) ^ -((v & 1) as i32);
    r
}

/// The spec's command stream as paths of tile coordinates; `ClosePath` repeats the first point.
fn paths(geometry: &[u32]) -> Vec<Vec<[i32; 2]>> {
    let (mut x, mut y) = (0i32, 0i32);
    let mut out: Vec<Vec<[i32; 2]>> = Vec::new();
    let mut i = 0;
    while i < geometry.len() {
        let (cmd, count) = (geometry[i] & 7, geometry[i] >> 3);
        i += 1;
        match cmd {
            1 | 2 => {
                for _ in 0..count {
                    x += unzig(geometry[i]);
                    y += unzig(geometry[i + 1]);
                    i += 2;
                    if cmd == 1 {
                        out.push(vec![[x, y]]);
                    } else {
                        out.last_mut().expect("LineTo after MoveTo").push([x, y]);
                    }
                }
            }
            7 => {
                let p = out.last_mut().expect("ClosePath after MoveTo");
                let first = p[0];
                p.push(first);
            }
            other => panic!("unknown command {other}"),
        }
    }
    out
}

fn decode(bytes: &[u8]) -> Vec<tile::Layer> {
    Tile::decode(bytes).expect("a valid protobuf tile").layers
}

fn prop<'a>(layer: &'a tile::Layer, f: &tile::Feature, key: &str) -> Option<&'a tile::Value> {
    f.tags
        .chunks(2)
        .find(|kv| layer.keys[kv[0] as usize] == key)
        .map(|kv| &layer.values[kv[1] as usize])
}

fn uint(layer: &tile::Layer, f: &tile::Feature, key: &str) -> u64 {
    prop(layer, f, key).and_then(|v| v.uint_value).unwrap_or(0)
}

/// Back from tile coordinates to world coordinates.
fn world(t: TileId, p: [i32; 2]) -> [f64; 2] {
    let n = f64::from(1u32 << t.z);
    let e = f64::from(EXTENT);
    [
        (f64::from(t.x) + f64::from(p[0]) / e) / n,
        (f64::from(t.y) + f64::from(p[1]) / e) / n,
    ]
}

fn random_points(n: usize, seed: u64) -> Vec<PointInput> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| PointInput {
            lon: rng.random_range(113.85..114.01),
            lat: rng.random_range(22.68..22.84),
            class: rng.random_range(0..3),
        })
        .collect()
}

fn tiles_covering(points: &[PointInput], z: u8) -> Vec<TileId> {
    let mut ts: Vec<TileId> = points
        .iter()
        .map(|p| TileId::containing(p.lon, p.lat, z))
        .collect();
    ts.sort_unstable();
    ts.dedup();
    ts
}

fn classes() -> Vec<String> {
    vec!["safe".into(), "general".into(), "warning".into()]
}

#[test]
fn every_point_lands_once_in_the_tile_that_contains_it_and_decodes_back_to_its_place() {
    let pts = random_points(5_000, 1);
    let layer = PointTiles::new("buildings", pts.clone(), None);
    for z in [9u8, 12, 14, 16] {
        let mut seen = vec![0u32; pts.len()];
        for t in tiles_covering(&pts, z) {
            let bytes = layer.tile(t, &|i, p| {
                p.uint("i", i as u64);
            });
            let layers = decode(&bytes);
            assert_eq!(layers.len(), 1);
            let l = &layers[0];
            assert_eq!(
                (l.name.as_str(), l.version, l.extent),
                ("buildings", 2, Some(EXTENT))
            );
            for f in &l.features {
                assert_eq!(f.r#type(), GeomType::Point);
                let i = usize::try_from(uint(l, f, "i")).expect("an index");
                seen[i] += 1;
                let p = paths(&f.geometry);
                assert_eq!(p.len(), 1);
                let [x, y] = p[0][0];
                assert!(
                    (0..4096).contains(&x) && (0..4096).contains(&y),
                    "{x},{y} outside {t}"
                );
                assert_eq!(TileId::containing(pts[i].lon, pts[i].lat, z), t);
                let [wx, wy] = world(t, [x, y]);
                let [ex, ey] = lonlat_to_world(pts[i].lon, pts[i].lat);
                let unit = 1.0 / (f64::from(1u32 << z) * f64::from(EXTENT));
                assert!((wx - ex).abs() <= unit && (wy - ey).abs() <= unit);
            }
        }
        assert!(
            seen.iter().all(|&n| n == 1),
            "zoom {z}: a point missing or repeated"
        );
    }
}

#[test]
fn low_zoom_tiles_hold_cells_whose_counts_add_up_to_their_points() {
    let pts = random_points(20_000, 2);
    let agg = Aggregation {
        below_zoom: 14,
        cells_log2: 3,
        classes: classes(),
    };
    let layer = PointTiles::new("buildings", pts.clone(), Some(agg));
    for z in [8u8, 11, 13] {
        let (mut total, mut warning) = (0u64, 0u64);
        let mut cells = 0;
        for t in tiles_covering(&pts, z) {
            let layers = decode(&layer.tile(t, &|_, p| {
                p.str("rating", "single");
            }));
            let l = &layers[0];
            assert!(l.features.len() <= 64, "more features than cells at {t}");
            for f in &l.features {
                let n = uint(l, f, "point_count");
                if n == 0 {
                    total += 1; // a cell of one: the point itself, with its properties
                    assert_eq!(
                        prop(l, f, "rating").and_then(|v| v.string_value.as_deref()),
                        Some("single")
                    );
                    continue;
                }
                cells += 1;
                let by_class: u64 = ["safe", "general", "warning"]
                    .iter()
                    .map(|c| uint(l, f, c))
                    .sum();
                assert_eq!(by_class, n);
                total += n;
                warning += uint(l, f, "warning");
            }
        }
        assert!(cells > 0);
        assert_eq!(total, pts.len() as u64, "zoom {z}");
        let expected = pts.iter().filter(|p| p.class == 2).count() as u64;
        // Warnings in single-point cells are not counted as cells.
        assert!(
            warning <= expected && warning * 10 >= expected * 9,
            "zoom {z}: {warning} of {expected}"
        );
    }
}

#[test]
fn from_the_aggregation_zoom_on_every_point_is_its_own_feature() {
    let pts = random_points(3_000, 3);
    let agg = Aggregation {
        below_zoom: 14,
        cells_log2: 3,
        classes: classes(),
    };
    let layer = PointTiles::new("buildings", pts.clone(), Some(agg));
    let n: usize = tiles_covering(&pts, 14)
        .into_iter()
        .map(|t| decode(&layer.tile(t, &|_, _| {}))[0].features.len())
        .sum();
    assert_eq!(n, pts.len());
}

/// A polygon in world coordinates scaled to zoom `z`'s tile units (the frame the tiles'
/// decoded coordinates are compared in).
fn world_polygon(lonlat: &Polygon<f64>, z: u8) -> Polygon<f64> {
    let s = f64::from(1u32 << z) * f64::from(EXTENT);
    lonlat.map_coords(|c| {
        let [x, y] = lonlat_to_world(c.x, c.y);
        Coord { x: x * s, y: y * s }
    })
}

use geo::MapCoords;

fn decoded_polygons(t: TileId, l: &tile::Layer) -> MultiPolygon<f64> {
    let s = f64::from(1u32 << t.z) * f64::from(EXTENT);
    let mut polys: Vec<Polygon<f64>> = Vec::new();
    for f in &l.features {
        assert_eq!(f.r#type(), GeomType::Polygon);
        for ring in paths(&f.geometry) {
            for &[x, y] in &ring {
                let b = BUFFER as i32;
                assert!(
                    x >= -b && x <= 4096 + b && y >= -b && y <= 4096 + b,
                    "{x},{y} past the buffer of {t}"
                );
            }
            let ls: LineString<f64> = ring
                .iter()
                .map(|&p| {
                    let [wx, wy] = world(t, p);
                    Coord {
                        x: wx * s,
                        y: wy * s,
                    }
                })
                .collect();
            // Outer rings are clockwise on screen: positive signed area with y down.
            let a: f64 = ring
                .windows(2)
                .map(|w| {
                    f64::from(w[0][0]) * f64::from(w[1][1])
                        - f64::from(w[1][0]) * f64::from(w[0][1])
                })
                .sum();
            if a > 0.0 {
                polys.push(Polygon::new(ls, vec![]));
            } else {
                let last = polys.last_mut().expect("a hole after its outer ring");
                last.interiors_push(ls);
            }
        }
    }
    MultiPolygon(polys)
}

#[test]
fn a_polygon_across_tiles_is_clipped_at_each_edge_and_its_pieces_add_up_to_it() {
    // A district-sized polygon with a hole, over many z14 tiles.
    let shape = Polygon::new(
        LineString::from(vec![
            (113.86, 22.70),
            (113.99, 22.69),
            (114.0, 22.82),
            (113.90, 22.83),
            (113.86, 22.70),
        ]),
        vec![LineString::from(vec![
            (113.92, 22.75),
            (113.95, 22.75),
            (113.95, 22.78),
            (113.92, 22.78),
            (113.92, 22.75),
        ])],
    );
    let layer = ShapeTiles::new("subgrids", [geo::Geometry::Polygon(shape.clone())]);
    let z = 14u8;
    let expected = world_polygon(&shape, z).unsigned_area();
    let (a, b) = (
        TileId::containing(113.85, 22.84, z),
        TileId::containing(114.01, 22.68, z),
    );
    let mut sum = 0.0;
    let mut touched = 0;
    for x in a.x..=b.x {
        for y in a.y..=b.y {
            let t = TileId::new(z, x, y).expect("a tile on the grid");
            let bytes = layer.tile(t, &|i, p| {
                p.str("code", &format!("S{i}"));
            });
            if bytes.is_empty() {
                continue;
            }
            touched += 1;
            let l = &decode(&bytes)[0];
            assert_eq!(
                prop(l, &l.features[0], "code").and_then(|v| v.string_value.as_deref()),
                Some("S0")
            );
            // The part inside the tile proper (the buffer belongs to the neighbours).
            let s = f64::from(EXTENT);
            let (x0, y0) = (f64::from(x) * s, f64::from(y) * s);
            let square = polygon![(x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s)];
            sum += decoded_polygons(t, l)
                .intersection(&MultiPolygon(vec![square]))
                .unsigned_area();
        }
    }
    assert!(touched > 40, "only {touched} tiles");
    let err = (sum - expected).abs() / expected;
    assert!(err < 1e-3, "pieces {sum} vs whole {expected} ({err})");
}

#[test]
fn a_tile_far_from_every_shape_is_empty() {
    let square: geo::Geometry<f64> = polygon![(x: 113.9, y: 22.7), (x: 113.91, y: 22.7), (x: 113.91, y: 22.71), (x: 113.9, y: 22.71)].into();
    let layer = ShapeTiles::new("subgrids", [square]);
    assert!(
        layer
            .tile(TileId::containing(120.0, 30.0, 12), &|_, _| {})
            .is_empty()
    );
    assert!(
        !layer
            .tile(TileId::containing(113.905, 22.705, 12), &|_, _| {})
            .is_empty()
    );
}

#[test]
fn a_line_across_tiles_keeps_its_length_inside_them() {
    let line = LineString::from(vec![
        (113.86, 22.70),
        (113.93, 22.76),
        (114.0, 22.74),
        (113.95, 22.82),
    ]);
    let layer = ShapeTiles::new("roads", [geo::Geometry::LineString(line.clone())]);
    let z = 14u8;
    let s = f64::from(1u32 << z) * f64::from(EXTENT);
    let whole = Euclidean.length(&line.map_coords(|c| {
        let [x, y] = lonlat_to_world(c.x, c.y);
        Coord { x: x * s, y: y * s }
    }));
    let (a, b) = (
        TileId::containing(113.85, 22.83, z),
        TileId::containing(114.01, 22.69, z),
    );
    let mut inside = 0.0;
    for x in a.x..=b.x {
        for y in a.y..=b.y {
            let t = TileId::new(z, x, y).expect("a tile on the grid");
            let bytes = layer.tile(t, &|_, _| {});
            if bytes.is_empty() {
                continue;
            }
            let l = &decode(&bytes)[0];
            for f in &l.features {
                assert_eq!(f.r#type(), GeomType::Linestring);
                for part in paths(&f.geometry) {
                    // Length inside the tile proper: clip each decoded segment to [0, 4096]².
                    for w in part.windows(2) {
                        let (p, q) = (w[0].map(f64::from), w[1].map(f64::from));
                        let steps = 64;
                        for k in 0..steps {
                            let t0 = f64::from(k) / f64::from(steps);
                            let t1 = f64::from(k + 1) / f64::from(steps);
                            let m = [
                                p[0] + (q[0] - p[0]) * (t0 + t1) / 2.0,
                                p[1] + (q[1] - p[1]) * (t0 + t1) / 2.0,
                            ];
                            if (0.0..4096.0).contains(&m[0]) && (0.0..4096.0).contains(&m[1]) {
                                inside += ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt()
                                    / f64::from(steps);
                            }
                        }
                    }
                }
            }
        }
    }
    let err = (inside - whole).abs() / whole;
    assert!(err < 2e-3, "inside {inside} vs whole {whole} ({err})");
}

//! Line and polygon layers (sub-grids, roads) cut into tiles: projected once into world
//! coordinates, then per tile scaled, clipped to the tile and a small buffer, simplified to
//! the tile's resolution and snapped to its integer grid.
//!
//! Polygons are clipped ring by ring (Sutherland–Hodgman against the buffered square): a ring
//! cut by the tile edge runs along the buffer, which MapLibre clips away when drawing. Outer
//! rings come out clockwise on screen and holes counter-clockwise, as the spec asks.

use geo::{Coord, LineString, MultiLineString, MultiPolygon, Polygon, Simplify};

use crate::TileId;
use crate::encode::{EXTENT, LayerBuilder, Props};
use crate::tile_id::lonlat_to_world;

/// Tile units of buffer kept around each tile (64 of 4096: 8 px on a 512-px tile), so that
/// lines and outlines do not stop short at tile edges.
pub const BUFFER: f64 = 64.0;

/// A ring or line in world coordinates.
type Path = Vec<[f64; 2]>;

#[derive(Debug, Clone)]
enum Shape {
    /// Polygons: each an outer ring then its holes.
    Polygons(Vec<Vec<Path>>),
    Lines(Vec<Path>),
}

#[derive(Debug, Clone)]
struct Entry {
    shape: Shape,
    /// [min x, min y, max x, max y] in world coordinates.
    bbox: [f64; 4],
    /// Tiles below this zoom leave the shape out (a lane has no place in a city-wide tile).
    min_zoom: u8,
}

/// A line or polygon layer ready to cut.
#[derive(Debug, Clone)]
pub struct ShapeTiles {
    name: String,
    entries: Vec<Entry>,
}

fn project(ls: &LineString<f64>) -> Path {
    ls.0.iter().map(|c| lonlat_to_world(c.x, c.y)).collect()
}

fn bbox_of(paths: &[&Path]) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in paths {
        for &[x, y] in *p {
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
    b
}

fn entry_of(g: &geo::Geometry<f64>) -> Option<Entry> {
    let polys = |ps: &[Polygon<f64>]| -> Vec<Vec<Path>> {
        ps.iter()
            .map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(project)
                    .collect()
            })
            .collect()
    };
    let shape = match g {
        geo::Geometry::Polygon(p) => Shape::Polygons(polys(std::slice::from_ref(p))),
        geo::Geometry::MultiPolygon(mp) => Shape::Polygons(polys(&mp.0)),
        geo::Geometry::LineString(l) => Shape::Lines(vec![project(l)]),
        geo::Geometry::MultiLineString(ml) => Shape::Lines(ml.0.iter().map(project).collect()),
        _ => return None,
    };
    let bbox = match &shape {
        Shape::Polygons(ps) => bbox_of(
            &ps.iter()
                .filter_map(|rings| rings.first())
                .collect::<Vec<_>>(),
        ),
        Shape::Lines(ls) => bbox_of(&ls.iter().collect::<Vec<_>>()),
    };
    bbox[0].is_finite().then_some(Entry {
        shape,
        bbox,
        min_zoom: 0,
    })
}

/// Clips a closed ring (first point repeated last, or not) to the square [lo, hi]².
fn clip_ring(ring: &[[f64; 2]], lo: f64, hi: f64) -> Vec<[f64; 2]> {
    let mut pts: Vec<[f64; 2]> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    // One pass per edge: (axis, bound, keep when the coordinate is ≥ bound?).
    for (axis, bound, keep_above) in [(0, lo, true), (0, hi, false), (1, lo, true), (1, hi, false)]
    {
        if pts.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if keep_above {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        let mut out = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let cur = pts[i];
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            let (ci, pi) = (inside(&cur), inside(&prev));
            if ci != pi {
                let t = (bound - prev[axis]) / (cur[axis] - prev[axis]);
                let mut p = [
                    prev[0] + t * (cur[0] - prev[0]),
                    prev[1] + t * (cur[1] - prev[1]),
                ];
                p[axis] = bound;
                out.push(p);
            }
            if ci {
                out.push(cur);
            }
        }
        pts = out;
    }
    pts
}

/// Clips a line to the square [lo, hi]²: the parts inside, each a line of its own
/// (Liang–Barsky per segment).
fn clip_line(line: &[[f64; 2]], lo: f64, hi: f64) -> Vec<Vec<[f64; 2]>> {
    let mut parts: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut cur: Vec<[f64; 2]> = Vec::new();
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        let mut visible = true;
        for (p, q) in [
            (-dx, a[0] - lo),
            (dx, hi - a[0]),
            (-dy, a[1] - lo),
            (dy, hi - a[1]),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    visible = false;
                    break;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
                if t0 > t1 {
                    visible = false;
                    break;
                }
            }
        }
        if !visible {
            if cur.len() > 1 {
                parts.push(std::mem::take(&mut cur));
            }
            cur.clear();
            continue;
        }
        // The segment's own ends exactly when uncut, so consecutive segments join.
        let start = if t0 == 0.0 {
            a
        } else {
            [a[0] + t0 * dx, a[1] + t0 * dy]
        };
        let end = if t1 == 1.0 {
            b
        } else {
            [a[0] + t1 * dx, a[1] + t1 * dy]
        };
        if cur.last() != Some(&start) {
            if cur.len() > 1 {
                parts.push(std::mem::take(&mut cur));
            }
            cur.clear();
            cur.push(start);
        }
        cur.push(end);
        if t1 < 1.0 {
            // The line leaves the square here.
            parts.push(std::mem::take(&mut cur));
        }
    }
    if cur.len() > 1 {
        parts.push(cur);
    }
    parts
}

/// Simplifies (to a quarter of a tile unit) and snaps to the integer grid, dropping repeats.
fn snap(path: &[[f64; 2]], closed: bool) -> Vec<Coord<f64>> {
    let mut ls: LineString<f64> = path.iter().map(|&[x, y]| Coord { x, y }).collect();
    if closed
        && ls.0.first() != ls.0.last()
        && let Some(&first) = ls.0.first()
    {
        ls.0.push(first);
    }
    let ls = ls.simplify(0.25);
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ls.0.len());
    for c in ls.0 {
        let c = Coord {
            x: c.x.round(),
            y: c.y.round(),
        };
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
    out
}

/// Twice the signed area of a closed ring in tile coordinates (y down): positive when the
/// ring runs clockwise on screen.
fn area2(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
}

/// A closed, snapped ring with the orientation asked, or `None` when it collapsed.
fn finish_ring(path: &[[f64; 2]], outer: bool) -> Option<LineString<f64>> {
    let mut ring = snap(path, true);
    // Closed with at least three distinct corners: four coordinates.
    if ring.len() < 4 {
        return None;
    }
    let a = area2(&ring);
    if a == 0.0 {
        return None;
    }
    if (a > 0.0) != outer {
        ring.reverse();
    }
    Some(LineString(ring))
}

impl ShapeTiles {
    /// Indexes `shapes` (lon/lat polygons or lines; other geometry types are skipped) for the
    /// layer `name`. Shape `i` of the input is the index the property writer of
    /// [`ShapeTiles::tile`] is called with.
    ///
    /// ```
    /// use geo::{Geometry, polygon};
    /// let square: Geometry<f64> = polygon![(x: 113.9, y: 22.7), (x: 114.0, y: 22.7), (x: 114.0, y: 22.8), (x: 113.9, y: 22.8)].into();
    /// let layer = onemap_tiles::ShapeTiles::new("subgrids", [square]);
    /// assert_eq!(layer.len(), 1);
    /// ```
    #[must_use]
    pub fn new(name: &str, shapes: impl IntoIterator<Item = geo::Geometry<f64>>) -> ShapeTiles {
        let entries = shapes
            .into_iter()
            .map(|g| {
                entry_of(&g).unwrap_or(Entry {
                    shape: Shape::Lines(Vec::new()),
                    bbox: [f64::NAN; 4],
                    min_zoom: 0,
                })
            })
            .collect();
        ShapeTiles {
            name: name.to_string(),
            entries,
        }
    }

    /// Gives each shape, in input order, the zoom from which tiles carry it (shapes past the
    /// end of `zooms` keep zoom 0): minor roads only in street-level tiles.
    ///
    /// ```
    /// use geo::{Geometry, line_string};
    /// use onemap_tiles::{ShapeTiles, TileId};
    /// let lane: Geometry<f64> = line_string![(x: 113.90, y: 22.75), (x: 113.91, y: 22.76)].into();
    /// let layer = ShapeTiles::new("roads", [lane]).with_min_zooms([13]);
    /// let none = |_: usize, _: &mut onemap_tiles::Props<'_>| {};
    /// assert!(layer.tile(TileId::containing(113.905, 22.755, 10), &none).is_empty());
    /// assert!(!layer.tile(TileId::containing(113.905, 22.755, 13), &none).is_empty());
    /// ```
    #[must_use]
    pub fn with_min_zooms(mut self, zooms: impl IntoIterator<Item = u8>) -> ShapeTiles {
        for (entry, z) in self.entries.iter_mut().zip(zooms) {
            entry.min_zoom = z;
        }
        self
    }

    /// The layer's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many shapes the layer holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the layer holds no shape.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds tile `t`'s features to `layer`: every shape touching the buffered tile, clipped.
    /// `props(i, p)` writes the properties of the caller's shape `i`.
    pub fn cut_into(
        &self,
        t: TileId,
        layer: &mut LayerBuilder,
        props: &dyn Fn(usize, &mut Props<'_>),
    ) {
        let n = f64::from(1u32 << t.z);
        let scale = n * f64::from(EXTENT);
        let (x0, y0) = (f64::from(t.x) / n, f64::from(t.y) / n);
        let margin = BUFFER / scale;
        let [w, nn, e, s] = [
            x0 - margin,
            y0 - margin,
            x0 + 1.0 / n + margin,
            y0 + 1.0 / n + margin,
        ];
        let (lo, hi) = (-BUFFER, f64::from(EXTENT) + BUFFER);
        let local = |p: &Path| -> Path {
            p.iter()
                .map(|&[x, y]| [(x - x0) * scale, (y - y0) * scale])
                .collect()
        };
        for (i, entry) in self.entries.iter().enumerate() {
            if t.z < entry.min_zoom {
                continue;
            }
            let b = entry.bbox;
            // NaN boxes (skipped geometry) fail every comparison and are passed over.
            if !(b[0] <= e && b[2] >= w && b[1] <= s && b[3] >= nn) {
                continue;
            }
            let geometry: Option<geo::Geometry<f64>> = match &entry.shape {
                Shape::Polygons(polys) => {
                    let out: Vec<Polygon<f64>> = polys
                        .iter()
                        .filter_map(|rings| {
                            let mut rings = rings.iter();
                            let outer =
                                finish_ring(&clip_ring(&local(rings.next()?), lo, hi), true)?;
                            let holes: Vec<LineString<f64>> = rings
                                .filter_map(|r| finish_ring(&clip_ring(&local(r), lo, hi), false))
                                .collect();
                            Some(Polygon::new(outer, holes))
                        })
                        .collect();
                    (!out.is_empty()).then(|| MultiPolygon(out).into())
                }
                Shape::Lines(lines) => {
                    let out: Vec<LineString<f64>> = lines
                        .iter()
                        .flat_map(|l| clip_line(&local(l), lo, hi))
                        .map(|part| LineString(snap(&part, false)))
                        .filter(|l| l.0.len() >= 2)
                        .collect();
                    (!out.is_empty()).then(|| MultiLineString(out).into())
                }
            };
            if let Some(g) = geometry {
                layer.shape(&g, |p| props(i, p));
            }
        }
    }

    /// Tile `t` of this layer alone, as MVT bytes (empty when no shape touches it).
    #[must_use]
    pub fn tile(&self, t: TileId, props: &dyn Fn(usize, &mut Props<'_>)) -> Vec<u8> {
        let mut layer = LayerBuilder::new(&self.name);
        self.cut_into(t, &mut layer, props);
        crate::encode::encode_tile(vec![layer])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_crossing_the_tile_edge_is_cut_at_the_edge() {
        let ring = [
            [-100.0, 10.0],
            [50.0, 10.0],
            [50.0, 60.0],
            [-100.0, 60.0],
            [-100.0, 10.0],
        ];
        let c = clip_ring(&ring, 0.0, 4096.0);
        assert!(c.iter().all(|p| p[0] >= 0.0));
        assert!(c.contains(&[0.0, 10.0]) && c.contains(&[0.0, 60.0]));
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn a_ring_outside_the_tile_clips_to_nothing() {
        let ring = [
            [5000.0, 10.0],
            [5050.0, 10.0],
            [5050.0, 60.0],
            [5000.0, 10.0],
        ];
        assert!(clip_ring(&ring, 0.0, 4096.0).is_empty());
    }

    #[test]
    fn a_line_through_the_tile_keeps_only_its_inside_part() {
        let parts = clip_line(&[[-10.0, 5.0], [10.0, 5.0], [10.0, -10.0]], 0.0, 100.0);
        assert_eq!(parts, vec![vec![[0.0, 5.0], [10.0, 5.0], [10.0, 0.0]]]);
    }

    #[test]
    fn a_line_leaving_and_entering_again_gives_two_parts() {
        let parts = clip_line(
            &[[10.0, 10.0], [10.0, 200.0], [20.0, 200.0], [20.0, 10.0]],
            0.0,
            100.0,
        );
        assert_eq!(parts.len(), 2);
    }

    #[test]
    fn outer_rings_come_out_clockwise_on_screen_and_holes_counter_clockwise() {
        // Counter-clockwise on screen (y down): (0,0) → (0,10) → (10,10) → (10,0).
        let ccw = [
            [0.0, 0.0],
            [0.0, 10.0],
            [10.0, 10.0],
            [10.0, 0.0],
            [0.0, 0.0],
        ];
        let outer = finish_ring(&ccw, true).expect("a ring");
        assert!(area2(&outer.0) > 0.0);
        let hole = finish_ring(&ccw, false).expect("a ring");
        assert!(area2(&hole.0) < 0.0);
    }

    #[test]
    fn a_ring_smaller_than_a_tile_unit_collapses() {
        let tiny = [[1.1, 1.1], [1.2, 1.1], [1.2, 1.2], [1.1, 1.1]];
        assert!(finish_ring(&tiny, true).is_none());
    }
}

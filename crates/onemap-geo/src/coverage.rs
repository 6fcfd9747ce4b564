//! 500-metre service coverage: which buildings have a station within the radius, and how much
//! of an area lies outside every station's circle.
//!
//! Buildings are marked from the stations outward: each station's disc hands whole runs of
//! grid cells to a bitset and tests only the points of the cells its edge crosses. Uncovered
//! area is computed for exact circles with Green's theorem: the boundary of
//! `region − ⋃ discs` consists of region edges outside every disc and circle arcs inside the
//! region and outside every other disc, and ½∮(x dy − y dx) over them is the area — no polygon
//! clipping and no polygonised circles.

use std::f64::consts::TAU;

use geo::MultiPolygon;
use serde::Serialize;

use crate::atlas::Atlas;
use crate::dataset::{AdminLevel, Service};
use crate::geom::Shape;
use crate::index::PointIndex;

/// For every point of `points` (in id order: the index's ids must be `0..n`), whether some
/// centre lies within `r` of it (distance ≤ r).
///
/// ```
/// use onemap_geo::{coverage::covered_mask, index::PointIndex};
/// let buildings = PointIndex::new(&[[0.0, 0.0], [400.0, 0.0], [900.0, 0.0]]);
/// assert_eq!(covered_mask(&buildings, &[[0.0, 0.0]], 500.0), vec![true, true, false]);
/// ```
#[must_use]
pub fn covered_mask(points: &PointIndex, centres: &[[f64; 2]], r: f64) -> Vec<bool> {
    let n = points.len();
    let mut bits = vec![0u64; n.div_ceil(64)];
    for c in centres {
        points.visit_disc(c[0], c[1], r, |run| set_run(&mut bits, run));
    }
    let mut out = vec![false; n];
    for (pos, &id) in points.ids().iter().enumerate() {
        out[id as usize] = bits[pos >> 6] >> (pos & 63) & 1 == 1;
    }
    out
}

/// The ids of the points of `points` with no centre within `r`, in the index's storage order
/// (grid order: spatially coherent, so later per-point work stays in cache).
///
/// ```
/// use onemap_geo::{coverage::uncovered_in_order, index::PointIndex};
/// let buildings = PointIndex::new(&[[0.0, 0.0], [400.0, 0.0], [900.0, 0.0]]);
/// assert_eq!(uncovered_in_order(&buildings, &[[0.0, 0.0]], 500.0), vec![2]);
/// ```
#[must_use]
pub fn uncovered_in_order(points: &PointIndex, centres: &[[f64; 2]], r: f64) -> Vec<u32> {
    let n = points.len();
    let mut bits = vec![0u64; n.div_ceil(64)];
    for c in centres {
        points.visit_disc(c[0], c[1], r, |run| set_run(&mut bits, run));
    }
    (0..n)
        .filter(|&pos| bits[pos >> 6] >> (pos & 63) & 1 == 0)
        .map(|pos| points.ids()[pos])
        .collect()
}

/// Sets bits `run.start..run.end`.
pub(crate) fn set_run(bits: &mut [u64], run: std::ops::Range<usize>) {
    let (a, b) = (run.start, run.end);
    if a >= b {
        return;
    }
    let (wa, wb) = (a >> 6, (b - 1) >> 6);
    let lo = !0u64 << (a & 63);
    let hi = !0u64 >> (63 - ((b - 1) & 63));
    if wa == wb {
        bits[wa] |= lo & hi;
    } else {
        bits[wa] |= lo;
        for w in &mut bits[wa + 1..wb] {
            *w = !0;
        }
        bits[wb] |= hi;
    }
}

/// Merges intervals (sorted in place) into disjoint ones.
fn merge(iv: &mut Vec<(f64, f64)>) {
    iv.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(iv.len());
    for &(a, b) in iv.iter() {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    *iv = out;
}

/// Parameters t (unclamped) where the segment `a + t·d` meets the circle (c, r), if it does.
#[inline]
fn segment_circle(a: [f64; 2], d: [f64; 2], c: [f64; 2], r: f64) -> Option<(f64, f64)> {
    let f = [a[0] - c[0], a[1] - c[1]];
    let qa = d[0] * d[0] + d[1] * d[1];
    if qa == 0.0 {
        return None;
    }
    let qb = 2.0 * (d[0] * f[0] + d[1] * f[1]);
    let qc = f[0] * f[0] + f[1] * f[1] - r * r;
    let disc = qb * qb - 4.0 * qa * qc;
    if disc <= 0.0 {
        return None;
    }
    let s = disc.sqrt();
    Some(((-qb - s) / (2.0 * qa), (-qb + s) / (2.0 * qa)))
}

/// Area of `region` (plane metres) not within `r` of any centre, in square metres, with exact
/// circles.
///
/// ```
/// use geo::{MultiPolygon, polygon};
/// use onemap_geo::coverage::uncovered_area;
/// let sq = MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 2000.0, y: 0.0),
///     (x: 2000.0, y: 2000.0), (x: 0.0, y: 2000.0)]]);
/// // A disc wholly inside the square.
/// let a = uncovered_area(&sq, &[[1000.0, 1000.0]], 500.0);
/// assert!((a - (4e6 - std::f64::consts::PI * 250_000.0)).abs() < 1e-3);
/// // A disc centred on a corner covers a quarter of itself.
/// let a = uncovered_area(&sq, &[[0.0, 0.0]], 500.0);
/// assert!((a - (4e6 - std::f64::consts::PI * 250_000.0 / 4.0)).abs() < 1e-3);
/// ```
#[must_use]
pub fn uncovered_area(region: &MultiPolygon<f64>, centres: &[[f64; 2]], r: f64) -> f64 {
    let shape = Shape::from_multipolygon(region);
    uncovered_area_of_shape(&shape, centres, r)
}

pub(crate) fn uncovered_area_of_shape(shape: &Shape, centres: &[[f64; 2]], r: f64) -> f64 {
    if shape.rings.is_empty() {
        return 0.0;
    }
    if r.is_nan() || r <= 0.0 {
        return shape.area();
    }
    // Work relative to the middle of the region to keep the cross products small.
    let o = [
        (shape.min[0] + shape.max[0]) / 2.0,
        (shape.min[1] + shape.max[1]) / 2.0,
    ];
    let mut cs: Vec<[f64; 2]> = centres
        .iter()
        .filter(|c| {
            c[0] >= shape.min[0] - r
                && c[0] <= shape.max[0] + r
                && c[1] >= shape.min[1] - r
                && c[1] <= shape.max[1] + r
        })
        .map(|c| [c[0] - o[0], c[1] - o[1]])
        .collect();
    cs.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    cs.dedup();
    let rings: Vec<Vec<[f64; 2]>> = shape
        .rings
        .iter()
        .map(|ring| ring.iter().map(|p| [p[0] - o[0], p[1] - o[1]]).collect())
        .collect();
    let local = Shape {
        rings,
        min: [shape.min[0] - o[0], shape.min[1] - o[1]],
        max: [shape.max[0] - o[0], shape.max[1] - o[1]],
    };
    let index = PointIndex::with_cell(&cs, &(0..cs.len() as u32).collect::<Vec<_>>(), 2.0 * r);
    let mut twice_area = 0.0;
    // Edges of circles: per circle, the region edges near it.
    let mut near_edges: Vec<Vec<([f64; 2], [f64; 2])>> = vec![Vec::new(); cs.len()];
    let mut iv: Vec<(f64, f64)> = Vec::new();
    for (a, b) in local.edges() {
        let d = [b[0] - a[0], b[1] - a[1]];
        iv.clear();
        let min = [a[0].min(b[0]) - r, a[1].min(b[1]) - r];
        let max = [a[0].max(b[0]) + r, a[1].max(b[1]) + r];
        index.for_each_in_rect(min, max, |ci| {
            let c = cs[ci as usize];
            if let Some((t0, t1)) = segment_circle(a, d, c, r) {
                near_edges[ci as usize].push((a, b));
                let (t0, t1) = (t0.max(0.0), t1.min(1.0));
                if t0 < t1 {
                    iv.push((t0, t1));
                }
            }
        });
        merge(&mut iv);
        let at = |t: f64| [a[0] + t * d[0], a[1] + t * d[1]];
        let mut t = 0.0;
        for &(s, e) in iv.iter().chain(std::iter::once(&(1.0, 1.0))) {
            if s > t {
                let (p, q) = (at(t), at(s));
                twice_area += p[0] * q[1] - q[0] * p[1];
            }
            t = t.max(e);
        }
    }
    let two_r = 2.0 * r;
    for (i, &c) in cs.iter().enumerate() {
        iv.clear();
        // Arcs inside other discs.
        index.for_each_within(c[0], c[1], two_r, |j, dd| {
            if j as usize != i && dd > 0.0 && dd < two_r {
                let cj = cs[j as usize];
                let phi = (cj[1] - c[1]).atan2(cj[0] - c[0]);
                let alpha = (dd / two_r).acos();
                push_wrapped(&mut iv, phi - alpha, phi + alpha);
            }
        });
        // Arcs outside the region.
        let mut cross: Vec<f64> = Vec::new();
        for &(a, b) in &near_edges[i] {
            let d = [b[0] - a[0], b[1] - a[1]];
            if let Some((t0, t1)) = segment_circle(a, d, c, r) {
                for t in [t0, t1] {
                    if (0.0..=1.0).contains(&t) {
                        let p = [a[0] + t * d[0] - c[0], a[1] + t * d[1] - c[1]];
                        cross.push(p[1].atan2(p[0]).rem_euclid(TAU));
                    }
                }
            }
        }
        let on = |th: f64| [c[0] + r * th.cos(), c[1] + r * th.sin()];
        if cross.is_empty() {
            let p = on(0.0);
            if !local.contains(p[0], p[1]) {
                continue;
            }
        } else {
            cross.sort_by(f64::total_cmp);
            let m = cross.len();
            for k in 0..m {
                let a = cross[k];
                let b = if k + 1 < m {
                    cross[k + 1]
                } else {
                    cross[0] + TAU
                };
                if b - a <= 0.0 {
                    continue;
                }
                let p = on((a + b) / 2.0);
                if !local.contains(p[0], p[1]) {
                    push_wrapped(&mut iv, a, b);
                }
            }
        }
        merge(&mut iv);
        let mut th = 0.0;
        for &(s, e) in iv.iter().chain(std::iter::once(&(TAU, TAU))) {
            if s > th {
                twice_area -= arc_term(c, r, th, s);
            }
            th = th.max(e);
        }
    }
    twice_area / 2.0
}

/// ∫ (x dy − y dx) along the circle (c, r) from angle a to b (counter-clockwise).
#[inline]
fn arc_term(c: [f64; 2], r: f64, a: f64, b: f64) -> f64 {
    r * c[0] * (b.sin() - a.sin()) - r * c[1] * (b.cos() - a.cos()) + r * r * (b - a)
}

/// Pushes the angle interval [a, b] (b − a ≤ 2π) split into pieces within [0, 2π).
fn push_wrapped(iv: &mut Vec<(f64, f64)>, a: f64, b: f64) {
    if b - a >= TAU {
        iv.push((0.0, TAU));
        return;
    }
    let a2 = a.rem_euclid(TAU);
    let b2 = a2 + (b - a);
    if b2 <= TAU {
        iv.push((a2, b2));
    } else {
        iv.push((a2, TAU));
        iv.push((0.0, b2 - TAU));
    }
}

/// Coverage of one administrative unit by one service (or by any, `service: None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCoverage {
    /// Level of the unit.
    pub level: AdminLevel,
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// The service, or `None` for "any service".
    pub service: Option<Service>,
    /// Radius used, metres.
    pub radius_m: f64,
    /// Buildings located in the unit.
    pub buildings_total: u64,
    /// Of which within the radius of a station.
    pub buildings_covered: u64,
    /// Residents of those buildings.
    pub residents_total: u64,
    /// Residents of the covered buildings.
    pub residents_covered: u64,
    /// Planar area of the unit, km².
    pub area_km2: f64,
    /// Area outside every station's circle, km² (exact circles).
    pub uncovered_km2: f64,
    /// `buildings_covered / buildings_total` (1 when there are no buildings).
    pub building_share: f64,
    /// `residents_covered / residents_total` (1 when there are no residents).
    pub resident_share: f64,
    /// `1 − uncovered_km2 / area_km2`.
    pub area_share: f64,
}

impl Atlas {
    /// Whether each building (in [`Atlas::buildings`] order) has a station offering `service`
    /// (any station with `None`) within `radius_m`.
    ///
    /// ```
    /// use onemap_geo::dataset::Service;
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// assert_eq!(atlas.covered_buildings(None, 500.0), vec![true, true, false, false]);
    /// assert_eq!(atlas.covered_buildings(Some(Service::Legal), 500.0), vec![true, false, false, false]);
    /// ```
    #[must_use]
    pub fn covered_buildings(&self, service: Option<Service>, radius_m: f64) -> Vec<bool> {
        let centres = self.service_centres(service);
        covered_mask(&self.building_index, &centres, radius_m)
    }

    /// Plane positions (metres, [`Atlas::project`]) of the stations offering `service` (all
    /// with `None`), in [`Atlas::stations`] order.
    ///
    /// ```
    /// use onemap_geo::dataset::Service;
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// let s = &atlas.stations()[0];
    /// assert_eq!(atlas.service_centres(None).len(), atlas.stations().len());
    /// assert_eq!(atlas.service_centres(None)[0], atlas.project(s.lon, s.lat));
    /// assert!(atlas.service_centres(Some(Service::Legal)).len() <= atlas.stations().len());
    /// ```
    #[must_use]
    pub fn service_centres(&self, service: Option<Service>) -> Vec<[f64; 2]> {
        self.stations
            .iter()
            .zip(&self.station_xy)
            .filter(|(s, _)| service.is_none_or(|svc| s.offers(svc)))
            .map(|(_, p)| *p)
            .collect()
    }

    /// The unit at `level` that sub-grid `s` belongs to.
    pub(crate) fn unit_of_subgrid(&self, s: usize, level: AdminLevel) -> usize {
        let c = self.subgrids[s].parent;
        let st = self.communities[c].parent;
        match level {
            AdminLevel::Subgrid => s,
            AdminLevel::Community => c,
            AdminLevel::Street => st,
            AdminLevel::District => self.streets[st].parent,
        }
    }

    /// Coverage per unit of `level` by `service` (any station with `None`) within `radius_m`:
    /// buildings and residents (buildings are assigned to units by location) and area.
    ///
    /// ```
    /// use onemap_geo::dataset::AdminLevel;
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// let rows = atlas.coverage(None, 500.0, AdminLevel::District);
    /// assert_eq!(rows[0].buildings_total, 4);
    /// assert_eq!(rows[0].buildings_covered, 2);
    /// assert_eq!(rows[0].residents_covered, 50);
    /// // Both 500-m discs lie inside the 2 km × 2.2 km district.
    /// let covered = 2.0 * std::f64::consts::PI * 0.25;
    /// assert!((rows[0].area_km2 - rows[0].uncovered_km2 - covered).abs() < 1e-3);
    /// ```
    #[must_use]
    pub fn coverage(
        &self,
        service: Option<Service>,
        radius_m: f64,
        level: AdminLevel,
    ) -> Vec<UnitCoverage> {
        let covered = self.covered_buildings(service, radius_m);
        let units = self.units(level);
        let mut rows: Vec<UnitCoverage> = units
            .iter()
            .map(|u| UnitCoverage {
                level,
                code: u.code.clone(),
                name: u.name.clone(),
                service,
                radius_m,
                buildings_total: 0,
                buildings_covered: 0,
                residents_total: 0,
                residents_covered: 0,
                area_km2: u.area_m2 / 1e6,
                uncovered_km2: 0.0,
                building_share: 1.0,
                resident_share: 1.0,
                area_share: 1.0,
            })
            .collect();
        for (b, &s) in self.building_subgrid.iter().enumerate() {
            if s == u32::MAX {
                continue;
            }
            let row = &mut rows[self.unit_of_subgrid(s as usize, level)];
            let residents = u64::from(self.buildings[b].residents);
            row.buildings_total += 1;
            row.residents_total += residents;
            if covered[b] {
                row.buildings_covered += 1;
                row.residents_covered += residents;
            }
        }
        let centres = self.service_centres(service);
        let uncovered = crate::parallel::map_blocks(units.len(), |range| {
            range
                .map(|u| {
                    let shape = Shape::from_multipolygon(&units[u].geometry);
                    uncovered_area_of_shape(&shape, &centres, radius_m)
                })
                .collect::<Vec<f64>>()
        });
        for (row, un) in rows.iter_mut().zip(uncovered.into_iter().flatten()) {
            row.uncovered_km2 = un / 1e6;
            if row.buildings_total > 0 {
                row.building_share = row.buildings_covered as f64 / row.buildings_total as f64;
            }
            if row.residents_total > 0 {
                row.resident_share = row.residents_covered as f64 / row.residents_total as f64;
            }
            if row.area_km2 > 0.0 {
                row.area_share = 1.0 - row.uncovered_km2 / row.area_km2;
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, Coord, LineString, Polygon};
    use proptest::prelude::*;

    fn ngon(c: [f64; 2], r: f64, n: usize) -> Polygon<f64> {
        let pts: Vec<Coord<f64>> = (0..n)
            .map(|k| {
                let a = k as f64 * TAU / n as f64;
                Coord {
                    x: c[0] + r * a.cos(),
                    y: c[1] + r * a.sin(),
                }
            })
            .collect();
        Polygon::new(LineString::new(pts), vec![])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, rng_seed: proptest::test_runner::RngSeed::Fixed(5), ..ProptestConfig::default() })]

        #[test]
        fn covered_mask_agrees_with_brute_force(
            pts in prop::collection::vec((0.0..5000.0f64, 0.0..5000.0f64), 0..2000),
            centres in prop::collection::vec((0.0..5000.0f64, 0.0..5000.0f64), 0..40),
            r in 0.0..1500.0f64, cell in 10.0..700.0f64,
        ) {
            let pts: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| [x, y]).collect();
            let cs: Vec<[f64; 2]> = centres.iter().map(|&(x, y)| [x, y]).collect();
            let idx = PointIndex::with_cell(&pts, &(0..pts.len() as u32).collect::<Vec<_>>(), cell);
            let want: Vec<bool> = pts.iter().map(|p| cs.iter().any(|c| ((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2)).sqrt() <= r)).collect();
            prop_assert_eq!(covered_mask(&idx, &cs, r), want);
        }

        #[test]
        fn uncovered_area_agrees_with_polygon_clipping_of_fine_polygons(
            radii in prop::collection::vec(600.0..2500.0f64, 3..12),
            centres in prop::collection::vec((-2500.0..2500.0f64, -2500.0..2500.0f64), 0..25),
            r in 100.0..900.0f64,
        ) {
            // A random star-shaped region around the origin, and centres in and around it.
            let n = radii.len();
            let region = Polygon::new(LineString::new(radii.iter().enumerate().map(|(k, rr)| {
                let a = k as f64 * TAU / n as f64;
                Coord { x: rr * a.cos(), y: rr * a.sin() }
            }).collect()), vec![]);
            let cs: Vec<[f64; 2]> = centres.iter().map(|&(x, y)| [x, y]).collect();
            let exact = uncovered_area(&MultiPolygon::new(vec![region.clone()]), &cs, r);
            // Reference: clip with 2048-gons (area within 1.6e-6 of the circle's per disc).
            let discs: Vec<Polygon<f64>> = cs.iter().map(|c| ngon(*c, r, 2048)).collect();
            let union = geo::unary_union(&discs);
            let reference = region.difference(&union).unsigned_area();
            let tol = 1.0 + cs.len() as f64 * std::f64::consts::PI * r * r * 2e-6;
            prop_assert!((exact - reference).abs() <= tol, "exact {} vs clipped {}", exact, reference);
        }
    }

    #[test]
    fn identical_and_tangent_circles_are_handled() {
        let sq = MultiPolygon::new(vec![ngon([0.0, 0.0], 10_000.0, 4)]);
        let full = uncovered_area(&sq, &[], 500.0);
        let one = uncovered_area(&sq, &[[0.0, 0.0]], 500.0);
        let twice = uncovered_area(&sq, &[[0.0, 0.0], [0.0, 0.0]], 500.0);
        let tangent = uncovered_area(&sq, &[[0.0, 0.0], [1000.0, 0.0]], 500.0);
        let disc = std::f64::consts::PI * 250_000.0;
        assert!((full - one - disc).abs() < 1e-3);
        assert!((one - twice).abs() < 1e-6);
        assert!((full - tangent - 2.0 * disc).abs() < 1e-3);
    }

    #[test]
    fn set_run_sets_exactly_the_run() {
        for (a, b) in [
            (0, 0),
            (0, 1),
            (3, 64),
            (60, 70),
            (0, 200),
            (64, 128),
            (65, 191),
        ] {
            let mut bits = vec![0u64; 4];
            set_run(&mut bits, a..b);
            for i in 0..256 {
                assert_eq!(
                    bits[i >> 6] >> (i & 63) & 1 == 1,
                    (a..b).contains(&i),
                    "{a}..{b} at {i}"
                );
            }
        }
    }
}

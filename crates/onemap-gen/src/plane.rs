//! The metric plane the generator works in, and the trip back to rounded WGS84.
//!
//! Generation happens in metres on [`TransverseMercator::LOCAL`]; every geometry is converted
//! to longitude/latitude rounded to 7 decimals (about 1 cm) only when it is written. Rounding is
//! done once, here, so that the generator and the tests see the same coordinates.

use geo::{Coord, LineString, MultiPolygon, Orient, Polygon, orient::Direction};
use onemap_geo::projection::TransverseMercator;

/// Decimal places kept in written coordinates.
pub const COORDINATE_DECIMALS: i32 = 7;

/// Rounds one degree value to [`COORDINATE_DECIMALS`] places.
pub fn round_degrees(value: f64) -> f64 {
    let factor = 10f64.powi(COORDINATE_DECIMALS);
    (value * factor).round() / factor
}

/// Rounds a value to `decimals` places (areas, lengths).
pub fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

/// Projects a longitude/latitude coordinate to metres.
pub fn to_plane(lonlat: Coord) -> Coord {
    let (x, y) = TransverseMercator::LOCAL.forward(lonlat.x, lonlat.y);
    Coord { x, y }
}

/// Unprojects metres to longitude/latitude rounded to 7 decimals.
pub fn to_lonlat(plane: Coord) -> Coord {
    let (lon, lat) = TransverseMercator::LOCAL.inverse(plane.x, plane.y);
    Coord {
        x: round_degrees(lon),
        y: round_degrees(lat),
    }
}

fn map_ring(ring: &LineString, f: &impl Fn(Coord) -> Coord) -> LineString {
    let mapped: Vec<Coord> = ring.0.iter().map(|c| f(*c)).collect();
    LineString::new(without_repeats_and_spikes(mapped))
}

/// Cleans a closed ring of the two defects snapping and rounding can leave: neighbouring
/// vertices that coincide, and zero-width spikes (…, A, X, A, …) where a vertex snapped onto a
/// shared edge was inserted on the way out and back. A spike is a self-intersection to GEOS and
/// PostGIS, so the dataset would not load as valid geometry; removing it changes no area.
pub fn without_repeats_and_spikes(closed: Vec<Coord>) -> Vec<Coord> {
    let mut open = closed;
    if open.len() > 1 && open.first() == open.last() {
        open.pop();
    }
    loop {
        let mut kept: Vec<Coord> = Vec::with_capacity(open.len());
        for c in open.iter().copied() {
            if kept.last() == Some(&c) {
                continue;
            }
            if kept.len() >= 2 && kept[kept.len() - 2] == c {
                kept.pop();
                continue;
            }
            kept.push(c);
        }
        // The ring is cyclic: a defect across the seam between its last and first vertices is
        // moved to the middle and cleaned on the next pass, which then removes a vertex, so
        // this ends.
        let n = kept.len();
        let seam_defect =
            n >= 3 && (kept[n - 1] == kept[0] || kept[n - 2] == kept[0] || kept[n - 1] == kept[1]);
        open = kept;
        if !seam_defect {
            break;
        }
        open.rotate_left(n / 2);
    }
    if let Some(first) = open.first().copied() {
        open.push(first);
    }
    open
}

fn map_polygon(polygon: &Polygon, f: &impl Fn(Coord) -> Coord) -> Polygon {
    Polygon::new(
        map_ring(polygon.exterior(), f),
        polygon.interiors().iter().map(|r| map_ring(r, f)).collect(),
    )
}

/// Projects a longitude/latitude multipolygon to metres.
pub fn multipolygon_to_plane(mp: &MultiPolygon) -> MultiPolygon {
    MultiPolygon::new(mp.0.iter().map(|p| map_polygon(p, &to_plane)).collect())
}

/// Unprojects a metric multipolygon to rounded longitude/latitude with counter-clockwise
/// exteriors and clockwise holes, as the dataset schema requires.
pub fn multipolygon_to_lonlat(mp: &MultiPolygon) -> MultiPolygon {
    MultiPolygon::new(
        mp.0.iter()
            .map(|p| map_polygon(p, &to_lonlat))
            .filter(|p| p.exterior().0.len() >= 4)
            .collect(),
    )
    .orient(Direction::Default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plane_round_trip_lands_within_a_centimetre() {
        let start = Coord {
            x: 113.93,
            y: 22.77,
        };
        let back = to_lonlat(to_plane(start));
        assert!((back.x - start.x).abs() < 1e-7 && (back.y - start.y).abs() < 1e-7);
    }

    #[test]
    fn rings_lose_repeats_and_spikes_also_across_the_seam() {
        let c = |x: f64, y: f64| Coord { x, y };
        let (a, b, d, e, x) = (
            c(0.0, 0.0),
            c(1.0, 0.0),
            c(1.0, 1.0),
            c(0.0, 1.0),
            c(2.0, 0.5),
        );
        // A spike out of the edge b→d, and a repeated vertex.
        let cleaned = without_repeats_and_spikes(vec![a, b, b, x, b, d, e, a]);
        assert_eq!(cleaned, vec![a, b, d, e, a]);
        // A spike whose tip is the ring's first vertex.
        let cleaned = without_repeats_and_spikes(vec![x, b, d, e, a, b, x]);
        assert_eq!(cleaned.len(), 5);
        assert_eq!(cleaned.first(), cleaned.last());
        assert!(!cleaned.contains(&x));
    }

    #[test]
    fn rounding_keeps_seven_decimals() {
        assert_eq!(round_degrees(113.123_456_789), 113.123_456_8);
    }
}

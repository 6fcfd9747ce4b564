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
    let mut coords: Vec<Coord> = Vec::with_capacity(ring.0.len());
    for c in ring.0.iter() {
        let mapped = f(*c);
        // Rounding can make neighbouring vertices coincide; drop the repeats.
        if coords.last() != Some(&mapped) {
            coords.push(mapped);
        }
    }
    LineString::new(coords)
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
    fn rounding_keeps_seven_decimals() {
        assert_eq!(round_degrees(113.123_456_789), 113.123_456_8);
    }
}

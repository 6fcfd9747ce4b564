//! Tile addresses and the Web Mercator world they cut.
//!
//! "World" coordinates here are Web Mercator scaled to the unit square: x from 0 (180°W) to 1
//! (180°E), y from 0 (85.05°N) to 1 (85.05°S), the XYZ tile scheme MapLibre asks in.

use crate::TileError;

/// The deepest zoom a tile may be asked for (a z24 tile is about 2 m across).
pub const MAX_ZOOM: u8 = 24;

/// The latitude limit of Web Mercator, degrees.
const MAX_LAT: f64 = 85.051_128_779_806_59;

/// One tile of the XYZ scheme: zoom `z`, column `x` from the west, row `y` from the north.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom level, 0 ..= [`MAX_ZOOM`].
    pub z: u8,
    /// Column, 0 .. 2^z.
    pub x: u32,
    /// Row, 0 .. 2^z.
    pub y: u32,
}

impl TileId {
    /// A checked tile address.
    ///
    /// ```
    /// use onemap_tiles::TileId;
    /// assert!(TileId::new(14, 13_377, 7_128).is_ok());
    /// assert!(TileId::new(2, 4, 0).is_err()); // only 4 columns at zoom 2
    /// assert!(TileId::new(25, 0, 0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`TileError::BadTile`] when `z` is past [`MAX_ZOOM`] or `x`/`y` past the grid.
    pub fn new(z: u8, x: u32, y: u32) -> Result<TileId, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::BadTile(format!(
                "zoom {z} is past the deepest zoom {MAX_ZOOM}"
            )));
        }
        let n = 1u32 << z;
        if x >= n || y >= n {
            return Err(TileError::BadTile(format!(
                "tile {z}/{x}/{y} is outside the grid: zoom {z} has {n} columns and rows"
            )));
        }
        Ok(TileId { z, x, y })
    }

    /// The tile at zoom `z` holding the point (lon, lat).
    ///
    /// ```
    /// use onemap_tiles::TileId;
    /// let t = TileId::containing(113.93, 22.75, 14);
    /// assert_eq!((t.x, t.y), (13_377, 7_128));
    /// ```
    #[must_use]
    pub fn containing(lon: f64, lat: f64, z: u8) -> TileId {
        let [wx, wy] = lonlat_to_world(lon, lat);
        let z = z.min(MAX_ZOOM);
        let n = f64::from(1u32 << z);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (x, y) = (
            ((wx * n).floor() as u32).min((1u32 << z) - 1),
            ((wy * n).floor() as u32).min((1u32 << z) - 1),
        );
        TileId { z, x, y }
    }

    /// The tile's extent in world coordinates: [west, north, east, south] (y grows south).
    ///
    /// ```
    /// let b = onemap_tiles::TileId::new(1, 1, 0).unwrap().world_bounds();
    /// assert_eq!(b, [0.5, 0.0, 1.0, 0.5]);
    /// ```
    #[must_use]
    pub fn world_bounds(self) -> [f64; 4] {
        let n = f64::from(1u32 << self.z);
        [
            f64::from(self.x) / n,
            f64::from(self.y) / n,
            f64::from(self.x + 1) / n,
            f64::from(self.y + 1) / n,
        ]
    }

    /// The tile's extent in degrees: [west, south, east, north].
    ///
    /// ```
    /// let [w, s, e, n] = onemap_tiles::TileId::new(0, 0, 0).unwrap().lonlat_bounds();
    /// assert_eq!((w, e), (-180.0, 180.0));
    /// assert!((n - 85.0511).abs() < 1e-4 && (s + 85.0511).abs() < 1e-4);
    /// ```
    #[must_use]
    pub fn lonlat_bounds(self) -> [f64; 4] {
        let [x0, y0, x1, y1] = self.world_bounds();
        let [w, n] = world_to_lonlat(x0, y0);
        let [e, s] = world_to_lonlat(x1, y1);
        [w, s, e, n]
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Web Mercator world coordinates of (lon, lat), in the unit square; latitudes past ±85.05°
/// are clamped.
///
/// ```
/// let [x, y] = onemap_tiles::lonlat_to_world(0.0, 0.0);
/// assert!((x - 0.5).abs() < 1e-12 && (y - 0.5).abs() < 1e-12);
/// ```
#[must_use]
pub fn lonlat_to_world(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    [x, y]
}

/// The inverse of [`lonlat_to_world`].
///
/// ```
/// let [lon, lat] = onemap_tiles::world_to_lonlat(0.25, 0.5);
/// assert!((lon + 90.0).abs() < 1e-12 && lat.abs() < 1e-12);
/// ```
#[must_use]
pub fn world_to_lonlat(x: f64, y: f64) -> [f64; 2] {
    let lon = x * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees();
    [lon, lat]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_coordinates_round_trip_through_degrees() {
        for (lon, lat) in [(113.93, 22.75), (-70.1, -33.4), (179.9, 80.0), (0.0, 0.0)] {
            let [x, y] = lonlat_to_world(lon, lat);
            let [lon2, lat2] = world_to_lonlat(x, y);
            assert!((lon - lon2).abs() < 1e-9 && (lat - lat2).abs() < 1e-9);
        }
    }

    #[test]
    fn a_point_lies_inside_the_bounds_of_its_tile_at_every_zoom() {
        let (lon, lat) = (113.9310, 22.7480);
        for z in 0..=MAX_ZOOM {
            let [w, s, e, n] = TileId::containing(lon, lat, z).lonlat_bounds();
            assert!(lon >= w && lon < e && lat > s && lat <= n, "zoom {z}");
        }
    }
}

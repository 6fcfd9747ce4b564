//! Datum conversion to WGS84 for imports.
//!
//! - `wgs84`: as is.
//! - `cgcs2000`: as is. CGCS2000 and WGS84 (G1762) agree to a few centimetres, far below what a
//!   street map resolves; Chinese surveying practice treats them as the same at this scale.
//! - `gcj02`: the obfuscated "Mars" datum of Chinese web maps (Amap, Tencent). Its forward
//!   formula is public; the inverse is found by fixed-point iteration until the forward image of
//!   the estimate is within 1e-9 degrees (≈ 0.1 mm) of the input.
//! - `bd09`: Baidu's datum, a further offset on top of GCJ-02; undone exactly, then as gcj02.

use std::f64::consts::PI;

use crate::model::string_enum;

string_enum! {
    /// The datum of an import's coordinates.
    Datum {
        /// WGS84 (RFC 7946).
        Wgs84 = "wgs84",
        /// China Geodetic Coordinate System 2000 (treated as WGS84).
        Cgcs2000 = "cgcs2000",
        /// GCJ-02 ("Mars" coordinates).
        Gcj02 = "gcj02",
        /// BD-09 (Baidu).
        Bd09 = "bd09",
    }
}

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 → GCJ-02 (the public forward formula).
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let dlat = transform_lat(lon - 105.0, lat - 35.0);
    let dlon = transform_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let magic = 1.0 - EE * radlat.sin() * radlat.sin();
    let sqrtmagic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * PI);
    let dlon = (dlon * 180.0) / (A / sqrtmagic * radlat.cos() * PI);
    (lon + dlon, lat + dlat)
}

/// GCJ-02 → WGS84, by iterating the forward formula.
///
/// ```
/// use onemap::datum::{gcj02_to_wgs84, wgs84_to_gcj02};
/// let (lon, lat) = (113.9355, 22.7489);
/// let (gx, gy) = wgs84_to_gcj02(lon, lat);
/// let (x, y) = gcj02_to_wgs84(gx, gy);
/// assert!((x - lon).abs() < 1e-8 && (y - lat).abs() < 1e-8);
/// ```
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (mut x, mut y) = (lon, lat);
    for _ in 0..30 {
        let (fx, fy) = wgs84_to_gcj02(x, y);
        let (dx, dy) = (fx - lon, fy - lat);
        x -= dx;
        y -= dy;
        if dx.abs() < 1e-9 && dy.abs() < 1e-9 {
            break;
        }
    }
    (x, y)
}

/// BD-09 → GCJ-02.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let x_pi = PI * 3000.0 / 180.0;
    let x = lon - 0.0065;
    let y = lat - 0.006;
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * x_pi).sin();
    let theta = y.atan2(x) - 0.000003 * (x * x_pi).cos();
    (z * theta.cos(), z * theta.sin())
}

impl Datum {
    /// Converts a position of this datum to WGS84.
    pub fn to_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Datum::Wgs84 | Datum::Cgcs2000 => (lon, lat),
            Datum::Gcj02 => gcj02_to_wgs84(lon, lat),
            Datum::Bd09 => {
                let (x, y) = bd09_to_gcj02(lon, lat);
                gcj02_to_wgs84(x, y)
            }
        }
    }
}

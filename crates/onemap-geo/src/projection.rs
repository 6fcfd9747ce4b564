//! Transverse Mercator on the WGS84 / CGCS2000 ellipsoid.
//!
//! Krüger's series to sixth order in the third flattening (Karney 2011, "Transverse Mercator
//! with an accuracy of a few nanometers"), the same method PROJ uses for `tmerc` and UTM. Within
//! a few degrees of the central meridian it agrees with PROJ to well under a millimetre, which
//! matters because the spatial benchmark compares our distances with PROJ's to 1 cm.
//!
//! Two planes are used:
//! - [`TransverseMercator::LOCAL`]: central meridian 114°E, scale 1 (the CGCS2000 3° zone 38
//!   plane, EPSG:4547 less its datum nuance). All of Shenzhen (113.75°–114.62°E) lies within
//!   0.7° of it, so planar distances are within 0.006% of geodesic ones. The Atlas uses it.
//! - [`TransverseMercator::UTM_49N`]: EPSG:32649, the plane the peer benchmark is defined in.
//!
//! WGS84 and CGCS2000 differ in their flattening by about 1e-11; that is 0.1 mm at the equator,
//! so one ellipsoid serves both.

/// Semi-major axis of WGS84 / CGCS2000, metres.
const A: f64 = 6_378_137.0;
/// Flattening of WGS84.
const F: f64 = 1.0 / 298.257_223_563;

/// A transverse Mercator projection: forward (lon/lat degrees → easting/northing metres) and
/// inverse.
///
/// ```
/// use onemap_geo::projection::TransverseMercator;
/// let tm = TransverseMercator::LOCAL;
/// let (x, y) = tm.forward(113.93, 22.76);
/// let (lon, lat) = tm.inverse(x, y);
/// assert!((lon - 113.93).abs() < 1e-10 && (lat - 22.76).abs() < 1e-10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransverseMercator {
    /// Central meridian, degrees east.
    pub lon0: f64,
    /// Scale factor on the central meridian.
    pub k0: f64,
    /// Added to every easting, metres.
    pub false_easting: f64,
    /// Added to every northing, metres.
    pub false_northing: f64,
}

/// Series coefficients derived from the ellipsoid; computed once (they are constants).
struct Series {
    /// Rectifying radius A of Krüger's series (times nothing; k0 applied separately).
    rect_radius: f64,
    /// First eccentricity.
    e: f64,
    alpha: [f64; 6],
    beta: [f64; 6],
}

fn series() -> Series {
    let n = F / (2.0 - F);
    let n2 = n * n;
    let n3 = n2 * n;
    let n4 = n3 * n;
    let n5 = n4 * n;
    let n6 = n5 * n;
    let rect_radius = A / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0 + n6 / 256.0);
    let alpha = [
        n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0 + 41.0 * n4 / 180.0 - 127.0 * n5 / 288.0
            + 7891.0 * n6 / 37800.0,
        13.0 * n2 / 48.0 - 3.0 * n3 / 5.0 + 557.0 * n4 / 1440.0 + 281.0 * n5 / 630.0
            - 1_983_433.0 * n6 / 1_935_360.0,
        61.0 * n3 / 240.0 - 103.0 * n4 / 140.0
            + 15061.0 * n5 / 26880.0
            + 167_603.0 * n6 / 181_440.0,
        49561.0 * n4 / 161_280.0 - 179.0 * n5 / 168.0 + 6_601_661.0 * n6 / 7_257_600.0,
        34729.0 * n5 / 80640.0 - 3_418_889.0 * n6 / 1_995_840.0,
        212_378_941.0 * n6 / 319_334_400.0,
    ];
    let beta = [
        n / 2.0 - 2.0 * n2 / 3.0 + 37.0 * n3 / 96.0 - n4 / 360.0 - 81.0 * n5 / 512.0
            + 96199.0 * n6 / 604_800.0,
        n2 / 48.0 + n3 / 15.0 - 437.0 * n4 / 1440.0 + 46.0 * n5 / 105.0
            - 1_118_711.0 * n6 / 3_870_720.0,
        17.0 * n3 / 480.0 - 37.0 * n4 / 840.0 - 209.0 * n5 / 4480.0 + 5569.0 * n6 / 90720.0,
        4397.0 * n4 / 161_280.0 - 11.0 * n5 / 504.0 - 830_251.0 * n6 / 7_257_600.0,
        4583.0 * n5 / 161_280.0 - 108_847.0 * n6 / 3_991_680.0,
        20_648_693.0 * n6 / 638_668_800.0,
    ];
    Series {
        rect_radius,
        e: (F * (2.0 - F)).sqrt(),
        alpha,
        beta,
    }
}

fn with_series<T>(f: impl FnOnce(&Series) -> T) -> T {
    use std::sync::OnceLock;
    static SERIES: OnceLock<Series> = OnceLock::new();
    f(SERIES.get_or_init(series))
}

impl TransverseMercator {
    /// The local metric plane of OneMap: central meridian 114°E, scale 1, false easting 500 km
    /// (CGCS2000 3° Gauss-Krüger zone 38 without the zone prefix, as EPSG:4547).
    pub const LOCAL: Self = Self {
        lon0: 114.0,
        k0: 1.0,
        false_easting: 500_000.0,
        false_northing: 0.0,
    };

    /// UTM zone 49 north (EPSG:32649): central meridian 111°E, scale 0.9996.
    pub const UTM_49N: Self = Self {
        lon0: 111.0,
        k0: 0.9996,
        false_easting: 500_000.0,
        false_northing: 0.0,
    };

    /// Projects longitude/latitude in degrees to easting/northing in metres.
    ///
    /// ```
    /// use onemap_geo::projection::TransverseMercator;
    /// // On the central meridian at the equator we land on the false origin.
    /// let (x, y) = TransverseMercator::LOCAL.forward(114.0, 0.0);
    /// assert!((x - 500_000.0).abs() < 1e-6 && y.abs() < 1e-6);
    /// ```
    #[must_use]
    pub fn forward(&self, lon: f64, lat: f64) -> (f64, f64) {
        with_series(|s| {
            let phi = lat.to_radians();
            let lam = (lon - self.lon0).to_radians();
            // Conformal latitude via its tangent.
            let sin_phi = phi.sin();
            let t = (sin_phi.atanh() - s.e * (s.e * sin_phi).atanh()).sinh();
            let xi_p = t.atan2(lam.cos());
            let eta_p = (lam.sin() / (1.0 + t * t).sqrt()).atanh();
            let mut xi = xi_p;
            let mut eta = eta_p;
            for (j, a) in s.alpha.iter().enumerate() {
                let k = 2.0 * (j as f64 + 1.0);
                xi += a * (k * xi_p).sin() * (k * eta_p).cosh();
                eta += a * (k * xi_p).cos() * (k * eta_p).sinh();
            }
            let scale = self.k0 * s.rect_radius;
            (
                self.false_easting + scale * eta,
                self.false_northing + scale * xi,
            )
        })
    }

    /// Inverse of [`forward`](Self::forward): easting/northing in metres to longitude/latitude
    /// in degrees.
    #[must_use]
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        with_series(|s| {
            let scale = self.k0 * s.rect_radius;
            let xi = (y - self.false_northing) / scale;
            let eta = (x - self.false_easting) / scale;
            let mut xi_p = xi;
            let mut eta_p = eta;
            for (j, b) in s.beta.iter().enumerate() {
                let k = 2.0 * (j as f64 + 1.0);
                xi_p -= b * (k * xi).sin() * (k * eta).cosh();
                eta_p -= b * (k * xi).cos() * (k * eta).sinh();
            }
            let tau_p = xi_p.sin() / (eta_p.sinh().powi(2) + xi_p.cos().powi(2)).sqrt();
            let lam = eta_p.sinh().atan2(xi_p.cos());
            let tau = tau_from_conformal(tau_p, s.e);
            (self.lon0 + lam.to_degrees(), tau.atan().to_degrees())
        })
    }
}

/// Solves tan(φ) from the tangent of the conformal latitude by Newton's method (Karney 2011,
/// eqs. 7–9); converges to machine precision in two or three steps.
fn tau_from_conformal(tau_p: f64, e: f64) -> f64 {
    let e2m = 1.0 - e * e;
    let mut tau = tau_p;
    for _ in 0..6 {
        let one_plus_tau2 = 1.0 + tau * tau;
        let sigma = (e * (e * tau / one_plus_tau2.sqrt()).atanh()).sinh();
        let tau_p_i = tau * (1.0 + sigma * sigma).sqrt() - sigma * one_plus_tau2.sqrt();
        let d = (tau_p - tau_p_i) / (1.0 + tau_p_i * tau_p_i).sqrt() * (1.0 + e2m * tau * tau)
            / (e2m * one_plus_tau2.sqrt());
        tau += d;
        if d.abs() < 1e-15 * tau.abs().max(1.0) {
            break;
        }
    }
    tau
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values computed with pyproj 3 / PROJ 9 (`Transformer.from_crs("EPSG:4326",
    /// "EPSG:32649")`, and `+proj=tmerc +lon_0=114 +k=1 +x_0=500000 +ellps=WGS84`).
    #[test]
    #[allow(clippy::inconsistent_digit_grouping)] // PROJ's output, digits as printed
    fn both_planes_match_proj_to_a_millimetre() {
        let utm = [
            (113.93, 22.76, 800_891.6271, 2_519_930.4162),
            (111.0, 0.0, 500_000.0, 0.0),
            (114.62, 22.45, 872_645.9270, 2_487_136.6067),
            (113.75, 22.86, 782_190.1698, 2_530_654.1434),
        ];
        let local = [
            (113.93, 22.76, 492_810.7963, 2_517_961.1169),
            (114.62, 22.45, 563_819.4672, 2_483_762.3386),
            (113.75, 22.86, 474_342.9523, 2_529_055.2994),
        ];
        for (tm, cases) in [
            (TransverseMercator::UTM_49N, &utm[..]),
            (TransverseMercator::LOCAL, &local[..]),
        ] {
            for &(lon, lat, e, n) in cases {
                let (x, y) = tm.forward(lon, lat);
                assert!(
                    (x - e).abs() < 0.001 && (y - n).abs() < 0.001,
                    "{lon},{lat} -> {x},{y}"
                );
            }
        }
    }

    #[test]
    fn inverse_undoes_forward_across_shenzhen_to_a_micrometre() {
        for tm in [TransverseMercator::LOCAL, TransverseMercator::UTM_49N] {
            for i in 0..=20 {
                for j in 0..=20 {
                    let lon = 113.7 + 1.0 * f64::from(i) / 20.0;
                    let lat = 22.4 + 0.5 * f64::from(j) / 20.0;
                    let (x, y) = tm.forward(lon, lat);
                    let (lon2, lat2) = tm.inverse(x, y);
                    assert!((lon - lon2).abs() < 1e-11 && (lat - lat2).abs() < 1e-11);
                }
            }
        }
    }
}

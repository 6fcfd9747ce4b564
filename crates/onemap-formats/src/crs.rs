//! Coordinate systems of imported data, detected from an EPSG code or a `.prj` WKT.
//!
//! Supported: WGS84 (EPSG:4326), CGCS2000 geographic (EPSG:4490) and the CGCS2000 3° Gauss-Krüger
//! zones, both without the zone prefix in the easting (EPSG:4534–4554, e.g. 4547 with central
//! meridian 114°E, the one Shenzhen uses) and with it (EPSG:4513–4533, false easting
//! `zone × 1 000 000 + 500 000`). Any other transverse Mercator / Gauss-Krüger WKT on the CGCS2000
//! or WGS84 datum is read from its parameters.
//!
//! CGCS2000 is treated as WGS84: the ellipsoids differ only in the flattening's 11th digit (0.1 mm
//! at the surface) and the frames agree to a few centimetres, far below the 1 m OneMap needs.
//! GCJ-02 and BD-09 cannot be declared in a `.prj`; the caller chooses them by flag (see
//! `onemap::datum`).

use onemap_geo::projection::TransverseMercator;

/// A coordinate system OneMap can read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crs {
    /// Longitude/latitude on WGS84 (EPSG:4326).
    Wgs84,
    /// Longitude/latitude on CGCS2000 (EPSG:4490).
    Cgcs2000,
    /// A transverse Mercator plane on CGCS2000 (or WGS84); `epsg` when it is a known code.
    GaussKruger {
        /// The projection's parameters.
        projection: TransverseMercator,
        /// Its EPSG code, when it is a known one.
        epsg: Option<u32>,
    },
}

/// Why a coordinate system was not understood.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CrsError {
    /// An EPSG code outside the supported set.
    #[error(
        "EPSG:{0} is not supported (use WGS84 4326, CGCS2000 4490 or a CGCS2000 3° Gauss-Krüger zone 4513–4554)"
    )]
    UnsupportedEpsg(u32),
    /// A WKT that is neither a supported code nor a transverse Mercator on CGCS2000/WGS84.
    #[error("the .prj / WKT names a coordinate system OneMap cannot read: {0}")]
    UnsupportedWkt(String),
}

impl Crs {
    /// The system of an EPSG code.
    ///
    /// # Errors
    /// [`CrsError::UnsupportedEpsg`] for any code outside the supported set.
    pub fn from_epsg(code: u32) -> Result<Self, CrsError> {
        match code {
            4326 => Ok(Self::Wgs84),
            4490 => Ok(Self::Cgcs2000),
            // Zones 25..=45 with the zone number prefixed to the easting.
            4513..=4533 => {
                let zone = code - 4513 + 25;
                Ok(Self::gk3(zone, true, code))
            }
            // The same zones as "CM nnnE", easting without prefix.
            4534..=4554 => {
                let zone = code - 4534 + 25;
                Ok(Self::gk3(zone, false, code))
            }
            other => Err(CrsError::UnsupportedEpsg(other)),
        }
    }

    fn gk3(zone: u32, prefixed: bool, epsg: u32) -> Self {
        let false_easting = if prefixed {
            f64::from(zone) * 1_000_000.0 + 500_000.0
        } else {
            500_000.0
        };
        Self::GaussKruger {
            projection: TransverseMercator {
                lon0: f64::from(zone) * 3.0,
                k0: 1.0,
                false_easting,
                false_northing: 0.0,
            },
            epsg: Some(epsg),
        }
    }

    /// The system a WKT (a Shapefile's `.prj`, OGC WKT1, ESRI WKT or WKT2) declares.
    ///
    /// An EPSG authority on the outermost system wins; otherwise a geographic system is told by
    /// its datum and a projected one is read from its transverse Mercator parameters.
    ///
    /// # Errors
    /// [`CrsError::UnsupportedWkt`] when the WKT is neither a supported code nor a transverse
    /// Mercator on CGCS2000/WGS84.
    pub fn from_wkt(wkt: &str) -> Result<Self, CrsError> {
        let wkt = wkt.trim();
        let upper = wkt.to_ascii_uppercase();
        let unsupported = || {
            let head: String = wkt.chars().take(80).collect();
            CrsError::UnsupportedWkt(head)
        };
        if let Some(code) = outer_epsg(&upper) {
            return Self::from_epsg(code);
        }
        let datum_ok = upper.contains("CHINA_2000")
            || upper.contains("CHINA 2000")
            || upper.contains("CGCS2000")
            || upper.contains("CGCS_2000")
            || upper.contains("WGS_1984")
            || upper.contains("WGS 84")
            || upper.contains("WGS84");
        if !datum_ok {
            return Err(unsupported());
        }
        let projected = upper.starts_with("PROJCS") || upper.starts_with("PROJCRS");
        if !projected {
            let cgcs = upper.contains("CHINA") || upper.contains("CGCS");
            return Ok(if cgcs { Self::Cgcs2000 } else { Self::Wgs84 });
        }
        let tm = upper.contains("TRANSVERSE_MERCATOR")
            || upper.contains("TRANSVERSE MERCATOR")
            || upper.contains("GAUSS_KRUGER")
            || upper.contains("GAUSS-KRUGER");
        if !tm {
            return Err(unsupported());
        }
        let lon0 = parameter(&upper, &["CENTRAL_MERIDIAN", "LONGITUDE OF NATURAL ORIGIN"])
            .ok_or_else(unsupported)?;
        let projection = TransverseMercator {
            lon0,
            k0: parameter(&upper, &["SCALE_FACTOR", "SCALE FACTOR AT NATURAL ORIGIN"])
                .unwrap_or(1.0),
            false_easting: parameter(&upper, &["FALSE_EASTING", "FALSE EASTING"]).unwrap_or(0.0),
            false_northing: parameter(&upper, &["FALSE_NORTHING", "FALSE NORTHING"]).unwrap_or(0.0),
        };
        let lat0 = parameter(
            &upper,
            &["LATITUDE_OF_ORIGIN", "LATITUDE OF NATURAL ORIGIN"],
        )
        .unwrap_or(0.0);
        if lat0 != 0.0 {
            return Err(unsupported());
        }
        Ok(Self::GaussKruger {
            projection,
            epsg: None,
        })
    }

    /// Source coordinates (x = easting or longitude) to WGS84 longitude/latitude in degrees.
    #[must_use]
    pub fn to_wgs84(&self, x: f64, y: f64) -> (f64, f64) {
        match self {
            Self::Wgs84 | Self::Cgcs2000 => (x, y),
            Self::GaussKruger { projection, .. } => projection.inverse(x, y),
        }
    }

    /// A short name for previews, e.g. `EPSG:4547 CGCS2000 / 3° Gauss-Krüger CM 114°E`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Wgs84 => "EPSG:4326 WGS84 longitude/latitude".to_owned(),
            Self::Cgcs2000 => "EPSG:4490 CGCS2000 longitude/latitude".to_owned(),
            Self::GaussKruger { projection, epsg } => {
                let code = epsg.map_or_else(|| "from .prj".to_owned(), |c| format!("EPSG:{c}"));
                format!(
                    "{code} CGCS2000 / Gauss-Krüger CM {}°E (k {}, false easting {} m)",
                    projection.lon0, projection.k0, projection.false_easting
                )
            }
        }
    }
}

/// The EPSG code of the outermost system: an `AUTHORITY["EPSG","n"]` / `ID["EPSG",n]` that is a
/// direct child of the outer bracket (inner ones name the datum, ellipsoid or units).
fn outer_epsg(upper: &str) -> Option<u32> {
    let mut depth = 0_i32;
    for (at, c) in upper.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if depth != 1 {
            continue;
        }
        let rest = &upper[at + c.len_utf8()..];
        let rest = rest.trim_start_matches([',', ' ', '\n', '\r', '\t']);
        let body = rest
            .strip_prefix("AUTHORITY[\"EPSG\"")
            .or_else(|| rest.strip_prefix("ID[\"EPSG\""));
        if let Some(body) = body {
            let close = body.find(']')?;
            let digits: String = body[..close].chars().filter(char::is_ascii_digit).collect();
            return digits.parse().ok();
        }
    }
    None
}

/// The value of the first `PARAMETER["name", value]` whose name is one of `names`.
fn parameter(upper: &str, names: &[&str]) -> Option<f64> {
    names.iter().find_map(|name| {
        let key = format!("PARAMETER[\"{name}\"");
        let at = upper.find(&key)? + key.len();
        let rest = upper[at..].trim_start().strip_prefix(',')?;
        let end = rest.find([',', ']'])?;
        rest[..end].trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `.prj` ogr2ogr (GDAL 3.6, Debian 12) writes for EPSG:4547.
    const PRJ_4547: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    /// …and for EPSG:4526 (zone 38 with the prefix in the easting).
    const PRJ_4526: &str = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_38",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",38500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    /// `ogr2ogr -t_srs EPSG:4547` (PROJ) put lon 113.93, lat 22.76 here.
    const PROJ_4547_X: f64 = 492_810.796_301_007;
    const PROJ_4547_Y: f64 = 2_517_961.116_789_4;

    fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
        let dy = (a.1 - b.1) * 111_320.0;
        let dx = (a.0 - b.0) * 111_320.0 * a.1.to_radians().cos();
        dx.hypot(dy)
    }

    #[test]
    fn epsg_4547_is_cm_114_without_prefix_and_lands_on_projs_point() {
        let crs = Crs::from_epsg(4547).expect("supported");
        let Crs::GaussKruger { projection, .. } = crs else {
            panic!("projected expected, got {crs:?}");
        };
        assert_eq!(projection, TransverseMercator::LOCAL);
        let back = crs.to_wgs84(PROJ_4547_X, PROJ_4547_Y);
        assert!(metres_between(back, (113.93, 22.76)) < 0.01, "{back:?}");
    }

    #[test]
    fn zone_ranges_map_to_their_central_meridians() {
        let cm = |code| match Crs::from_epsg(code) {
            Ok(Crs::GaussKruger { projection, .. }) => (projection.lon0, projection.false_easting),
            other => panic!("{code}: {other:?}"),
        };
        assert_eq!(cm(4534), (75.0, 500_000.0));
        assert_eq!(cm(4554), (135.0, 500_000.0));
        assert_eq!(cm(4513), (75.0, 25_500_000.0));
        assert_eq!(cm(4526), (114.0, 38_500_000.0));
        assert_eq!(cm(4533), (135.0, 45_500_000.0));
        assert_eq!(Crs::from_epsg(4326), Ok(Crs::Wgs84));
        assert_eq!(Crs::from_epsg(4490), Ok(Crs::Cgcs2000));
        assert_eq!(Crs::from_epsg(3857), Err(CrsError::UnsupportedEpsg(3857)));
        assert_eq!(Crs::from_epsg(4512), Err(CrsError::UnsupportedEpsg(4512)));
    }

    #[test]
    fn esri_prj_from_ogr2ogr_is_read_from_its_parameters() {
        let crs = Crs::from_wkt(PRJ_4547).expect("readable");
        let back = crs.to_wgs84(PROJ_4547_X, PROJ_4547_Y);
        assert!(metres_between(back, (113.93, 22.76)) < 0.01, "{back:?}");
        let prefixed = Crs::from_wkt(PRJ_4526).expect("readable");
        let back = prefixed.to_wgs84(PROJ_4547_X + 38_000_000.0, PROJ_4547_Y);
        assert!(metres_between(back, (113.93, 22.76)) < 0.01, "{back:?}");
        assert!(crs.describe().contains("CM 114°E"), "{}", crs.describe());
    }

    #[test]
    fn geographic_wkts_and_outer_authority() {
        let esri_4490 = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(Crs::from_wkt(esri_4490), Ok(Crs::Cgcs2000));
        let esri_4326 = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(Crs::from_wkt(esri_4326), Ok(Crs::Wgs84));
        // OGC WKT1 with authorities: the inner datum/ellipsoid codes must not be taken.
        let ogc_4547 = r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 114E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",114],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","4547"]]"#;
        let crs = Crs::from_wkt(ogc_4547).expect("readable");
        assert!(
            matches!(
                crs,
                Crs::GaussKruger {
                    epsg: Some(4547),
                    ..
                }
            ),
            "{crs:?}"
        );
        // Inner authorities only (no outer one): read from the parameters, not from EPSG:9001.
        let inner_only = ogc_4547.replace(",AUTHORITY[\"EPSG\",\"4547\"]]", "]");
        let crs = Crs::from_wkt(&inner_only).expect("readable");
        assert!(
            matches!(crs, Crs::GaussKruger { epsg: None, .. }),
            "{crs:?}"
        );
        // Beijing 1954 is not silently taken for CGCS2000.
        let beijing = r#"GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert!(matches!(
            Crs::from_wkt(beijing),
            Err(CrsError::UnsupportedWkt(_))
        ));
    }
}

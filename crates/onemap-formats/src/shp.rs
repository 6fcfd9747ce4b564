//! Shapefile reader: `.shp` geometry, `.dbf` attributes in the `.cpg`'s (or a chosen) encoding,
//! `.prj` coordinate system; features come out as GeoJSON in WGS84 longitude/latitude.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use encoding_rs::Encoding;
use geojson::{Feature, Geometry, GeometryValue, JsonObject};
use serde_json::json;
use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape};

use crate::crs::{Crs, CrsError};

/// A Shapefile read into memory.
#[derive(Debug)]
pub struct ShapefileLayer {
    /// The coordinate system the `.prj` declared.
    pub crs: Crs,
    /// The attribute encoding used (from the caller, else the `.cpg`, else UTF-8).
    pub encoding: &'static Encoding,
    /// Features in WGS84, attributes as JSON properties, in file order.
    pub features: Vec<Feature>,
}

/// Why a Shapefile could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ShpError {
    #[error("{path}: no .prj beside the .shp; OneMap will not guess the coordinate system")]
    MissingPrj { path: String },
    #[error("{path}: {source}")]
    Crs { path: String, source: CrsError },
    #[error("{path}: unknown encoding {label:?} (try GBK, GB18030 or UTF-8)")]
    UnknownEncoding { path: String, label: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Shapefile {
        path: String,
        source: shapefile::Error,
    },
    #[error("{path}: feature {index}: unsupported shape type {kind}")]
    UnsupportedShape {
        path: String,
        index: usize,
        kind: String,
    },
}

/// Reads `path` (the `.shp`; `.shx`, `.dbf`, `.prj` and optional `.cpg` beside it).
/// `encoding` is an encoding label (`GBK`, `GB18030`, `UTF-8`…) that overrides the `.cpg`.
///
/// # Errors
/// [`ShpError`] naming the file and what is wrong: no `.prj`, a coordinate system or encoding
/// OneMap does not know, an unreadable file, or a shape type other than point/line/polygon.
pub fn read(path: &Path, encoding: Option<&str>) -> Result<ShapefileLayer, ShpError> {
    let shown = path.display().to_string();
    let io = |source| ShpError::Io {
        path: shown.clone(),
        source,
    };
    let prj = std::fs::read_to_string(path.with_extension("prj")).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ShpError::MissingPrj {
                path: shown.clone(),
            }
        } else {
            io(e)
        }
    })?;
    let crs = Crs::from_wkt(&prj).map_err(|source| ShpError::Crs {
        path: shown.clone(),
        source,
    })?;
    let label = match encoding {
        Some(label) => Some(label.to_owned()),
        None => std::fs::read_to_string(path.with_extension("cpg")).ok(),
    };
    let encoding = match label {
        None => encoding_rs::UTF_8,
        Some(label) => {
            let trimmed = label.trim().trim_start_matches('\u{feff}');
            Encoding::for_label(trimmed.as_bytes()).ok_or_else(|| ShpError::UnknownEncoding {
                path: shown.clone(),
                label: trimmed.to_owned(),
            })?
        }
    };
    let shp_err = |source| ShpError::Shapefile {
        path: shown.clone(),
        source,
    };
    let shapes = shapefile::ShapeReader::from_path(path).map_err(shp_err)?;
    let dbf = File::open(path.with_extension("dbf")).map_err(io)?;
    let dbf = dbase::ReaderBuilder::new()
        .with_encoding(dbase::encoding::EncodingRs::from(encoding))
        .build(BufReader::new(dbf))
        .map_err(|e| shp_err(shapefile::Error::DbaseError(e)))?;
    let mut reader = shapefile::Reader::new(shapes, dbf);
    let mut features = Vec::new();
    for (index, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(shp_err)?;
        let geometry = match to_geojson(&shape, &crs) {
            Some(value) => Some(Geometry::new(value)),
            None if matches!(shape, Shape::NullShape) => None,
            None => {
                return Err(ShpError::UnsupportedShape {
                    path: shown,
                    index,
                    kind: shape.shapetype().to_string(),
                });
            }
        };
        let mut properties = JsonObject::new();
        for (name, value) in record {
            properties.insert(name, field_json(value));
        }
        features.push(Feature {
            bbox: None,
            geometry,
            id: None,
            properties: Some(properties),
            foreign_members: None,
        });
    }
    Ok(ShapefileLayer {
        crs,
        encoding,
        features,
    })
}

fn field_json(value: FieldValue) -> serde_json::Value {
    match value {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => json!(s.trim_end()),
        FieldValue::Numeric(Some(n)) | FieldValue::Double(n) | FieldValue::Currency(n) => {
            json!(n)
        }
        FieldValue::Float(Some(f)) => json!(f),
        FieldValue::Integer(i) => json!(i),
        FieldValue::Logical(Some(b)) => json!(b),
        FieldValue::Date(Some(d)) => {
            json!(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        _ => serde_json::Value::Null,
    }
}

fn to_geojson(shape: &Shape, crs: &Crs) -> Option<GeometryValue> {
    let pos = |x: f64, y: f64| {
        let (lon, lat) = crs.to_wgs84(x, y);
        [lon, lat]
    };
    Some(match shape {
        Shape::Point(p) => GeometryValue::new_point(pos(p.x, p.y)),
        Shape::PointZ(p) => GeometryValue::new_point(pos(p.x, p.y)),
        Shape::Multipoint(m) => {
            GeometryValue::new_multi_point(m.points().iter().map(|p| pos(p.x, p.y)))
        }
        Shape::Polyline(l) => GeometryValue::new_multi_line_string(
            l.parts()
                .iter()
                .map(|part| part.iter().map(|p| pos(p.x, p.y)).collect::<Vec<_>>()),
        ),
        Shape::Polygon(poly) => {
            // Each outer ring starts a polygon; the inner rings that follow are its holes.
            let mut polygons: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
            for ring in poly.rings() {
                let coords: Vec<[f64; 2]> = ring.points().iter().map(|p| pos(p.x, p.y)).collect();
                match ring {
                    PolygonRing::Outer(_) => polygons.push(vec![coords]),
                    PolygonRing::Inner(_) => match polygons.last_mut() {
                        Some(last) => last.push(coords),
                        None => polygons.push(vec![coords]),
                    },
                }
            }
            if polygons.len() == 1 {
                GeometryValue::new_polygon(polygons.remove(0))
            } else {
                GeometryValue::new_multi_polygon(polygons)
            }
        }
        _ => return None,
    })
}

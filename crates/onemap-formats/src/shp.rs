//! Shapefile reader and writer.
//!
//! Reading: `.shp` geometry, `.dbf` attributes in the `.cpg`'s (or a chosen) encoding, `.prj`
//! coordinate system; [`read`] gives GeoJSON features in WGS84, [`read_source`] a
//! [`Source`] in the file's own coordinates for the import wizard, [`read_zip`] the same from a
//! `.zip` holding one Shapefile. Polygon exteriors come out counter-clockwise (RFC 7946), a
//! one-part polyline as a `LineString`.
//!
//! Writing ([`write`]): one `.shp`/`.shx`/`.dbf`/`.prj`/`.cpg` set per layer in WGS84
//! (EPSG:4326), attributes in UTF-8. dBase field names have at most 10 bytes, so the writer
//! shortens long names and writes beside the `.shp` a OneMap mapping file
//! (`<layer>.mapping.json`) that names every short field's OneMap property: importing with it
//! (`onemap import LAYER FILE.shp --mapping FILE.mapping.json`) restores the names and types.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use encoding_rs::Encoding;
use geojson::{Feature, Geometry, GeometryValue, JsonObject};
use serde_json::json;
use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape};

use crate::crs::{Crs, CrsError};
use crate::source::{Format, Record, Source};

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
    /// There is no `.prj`.
    #[error("{path}: no .prj beside the .shp; OneMap will not guess the coordinate system")]
    MissingPrj {
        /// The `.shp`.
        path: String,
    },
    /// The `.prj` names a system OneMap cannot read.
    #[error("{path}: {source}")]
    Crs {
        /// The `.shp`.
        path: String,
        /// Why.
        source: CrsError,
    },
    /// The encoding label is unknown.
    #[error("{path}: unknown encoding {label:?} (try GBK, GB18030 or UTF-8)")]
    UnknownEncoding {
        /// The `.shp`.
        path: String,
        /// The label given.
        label: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        source: std::io::Error,
    },
    /// The Shapefile is malformed.
    #[error("{path}: {source}")]
    Shapefile {
        /// The `.shp`.
        path: String,
        /// What the reader said.
        source: shapefile::Error,
    },
    /// Cancelled through the progress handle; the files written so far were removed.
    #[error("cancelled")]
    Cancelled,
    /// A `.zip` could not be read or holds no single Shapefile.
    #[error("{path}: {message}")]
    Zip {
        /// The archive.
        path: String,
        /// Why.
        message: String,
    },
    /// A layer cannot be written as a Shapefile.
    #[error("{path}: {message}")]
    Write {
        /// The `.shp`.
        path: String,
        /// Why.
        message: String,
    },
    /// A shape type OneMap does not read.
    #[error("{path}: feature {index}: unsupported shape type {kind}")]
    UnsupportedShape {
        /// The `.shp`.
        path: String,
        /// The feature.
        index: usize,
        /// Its shape type.
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
    let raw = read_raw(path, encoding)?;
    let crs = raw.crs;
    let features = raw
        .records
        .into_iter()
        .map(|r| Feature {
            bbox: None,
            geometry: r.geometry.map(|g| {
                let g = geo::MapCoords::map_coords(&g, |c| {
                    let (x, y) = crs.to_wgs84(c.x, c.y);
                    geo_types::Coord { x, y }
                });
                Geometry::new(GeometryValue::from(&g))
            }),
            id: None,
            properties: Some(r.properties),
            foreign_members: None,
        })
        .collect();
    Ok(ShapefileLayer {
        crs,
        encoding: raw.encoding,
        features,
    })
}

/// Reads a Shapefile as a [`Source`]: geometry in the file's coordinates, the `.prj`'s system.
///
/// # Errors
/// As [`read`].
pub fn read_source(path: &Path, encoding: Option<&str>) -> Result<Source, ShpError> {
    let raw = read_raw(path, encoding)?;
    Ok(Source {
        format: Format::Shapefile,
        path: path.to_path_buf(),
        crs: Some(raw.crs),
        crs_source: ".prj".to_owned(),
        encoding: Some(raw.encoding.name().to_owned()),
        layer: None,
        layers: Vec::new(),
        fields: Vec::new(),
        records: raw.records,
    })
}

/// Reads the one Shapefile inside a `.zip` (unpacked into a temporary directory).
///
/// # Errors
/// As [`read`], and when the archive holds no `.shp` or more than one.
pub fn read_zip(path: &Path, encoding: Option<&str>) -> Result<Source, ShpError> {
    let shown = path.display().to_string();
    let io = |source| ShpError::Io {
        path: shown.clone(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| ShpError::Zip {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let dir = tempfile::tempdir().map_err(io)?;
    let mut shps = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| ShpError::Zip {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        if entry.is_dir() {
            continue;
        }
        // Flatten: only the file name counts, never a path that could escape the directory.
        let Some(name) = entry
            .enclosed_name()
            .and_then(|p| p.file_name().map(std::ffi::OsStr::to_owned))
        else {
            continue;
        };
        let out = dir.path().join(&name);
        let mut dst = File::create(&out).map_err(io)?;
        std::io::copy(&mut entry, &mut dst).map_err(io)?;
        if out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
        {
            shps.push(out);
        }
    }
    let shp = match shps.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(ShpError::Zip {
                path: shown,
                message: "the archive holds no .shp".into(),
            });
        }
        many => {
            return Err(ShpError::Zip {
                path: shown,
                message: format!(
                    "the archive holds {} .shp files; import one at a time",
                    many.len()
                ),
            });
        }
    };
    let mut source = read_source(&shp, encoding)?;
    source.path = path.to_path_buf();
    Ok(source)
}

struct RawLayer {
    crs: Crs,
    encoding: &'static Encoding,
    records: Vec<Record>,
}

fn read_raw(path: &Path, encoding: Option<&str>) -> Result<RawLayer, ShpError> {
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
    let mut records = Vec::new();
    for (index, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(shp_err)?;
        let geometry = match to_geo(&shape) {
            Some(g) => Some(g),
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
        records.push(Record {
            properties,
            geometry,
            geometry_error: None,
        });
    }
    Ok(RawLayer {
        crs,
        encoding,
        records,
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

fn to_geo(shape: &Shape) -> Option<geo_types::Geometry<f64>> {
    use geo::orient::{Direction, Orient};
    use geo_types::{Coord, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
    let pt = |x: f64, y: f64| Coord { x, y };
    Some(match shape {
        Shape::Point(p) => Point(pt(p.x, p.y)).into(),
        Shape::PointZ(p) => Point(pt(p.x, p.y)).into(),
        Shape::PointM(p) => Point(pt(p.x, p.y)).into(),
        Shape::Multipoint(m) => {
            MultiPoint(m.points().iter().map(|p| Point(pt(p.x, p.y))).collect()).into()
        }
        Shape::Polyline(l) => {
            let mut parts: Vec<LineString<f64>> = l
                .parts()
                .iter()
                .map(|part| part.iter().map(|p| pt(p.x, p.y)).collect())
                .collect();
            if parts.len() == 1 {
                parts.remove(0).into()
            } else {
                MultiLineString(parts).into()
            }
        }
        Shape::PolylineZ(l) => {
            let mut parts: Vec<LineString<f64>> = l
                .parts()
                .iter()
                .map(|part| part.iter().map(|p| pt(p.x, p.y)).collect())
                .collect();
            if parts.len() == 1 {
                parts.remove(0).into()
            } else {
                MultiLineString(parts).into()
            }
        }
        Shape::Polygon(poly) => {
            // Each outer ring starts a polygon; the inner rings that follow are its holes.
            let mut polygons: Vec<(LineString<f64>, Vec<LineString<f64>>)> = Vec::new();
            for ring in poly.rings() {
                let coords: LineString<f64> = ring.points().iter().map(|p| pt(p.x, p.y)).collect();
                match ring {
                    PolygonRing::Outer(_) => polygons.push((coords, Vec::new())),
                    PolygonRing::Inner(_) => match polygons.last_mut() {
                        Some(last) => last.1.push(coords),
                        None => polygons.push((coords, Vec::new())),
                    },
                }
            }
            // Shapefile outer rings run clockwise; RFC 7946 wants them counter-clockwise.
            let mut polygons: Vec<Polygon<f64>> = polygons
                .into_iter()
                .map(|(outer, inner)| Polygon::new(outer, inner).orient(Direction::Default))
                .collect();
            if polygons.len() == 1 {
                polygons.remove(0).into()
            } else {
                MultiPolygon(polygons).into()
            }
        }
        _ => return None,
    })
}

/// The `.prj` written with every exported Shapefile: WGS84 longitude/latitude, as GDAL writes
/// it for EPSG:4326.
pub const PRJ_WGS84: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;

/// Writes `records` (WGS84) as the Shapefile `dir/<name>.shp` with its `.shx`, `.dbf` (UTF-8),
/// `.prj`, `.cpg` and the mapping file `<name>.mapping.json` for `layer`. Every record must have
/// a geometry of one kind (points, lines or polygons; `Multi*` mixes with its single form).
/// Returns the files written.
///
/// # Errors
/// [`ShpError::Write`] for mixed or missing geometry, a text longer than a dBase field holds
/// (254 bytes), or a failing write; [`ShpError::Io`] for the file system. Cancelling through
/// `progress` stops with [`ShpError::Cancelled`]. On any error the files written so far are
/// removed.
pub fn write(
    dir: &Path,
    name: &str,
    layer: &str,
    records: &[Record],
    progress: &onemap_progress::Progress,
) -> Result<Vec<std::path::PathBuf>, ShpError> {
    let base = dir.join(name);
    let files: Vec<std::path::PathBuf> = ["shp", "shx", "dbf", "prj", "cpg", "mapping.json"]
        .iter()
        .map(|ext| base.with_extension(ext))
        .collect();
    let result = write_files(&base, layer, records, progress);
    if result.is_err() {
        for f in &files {
            let _ = std::fs::remove_file(f);
        }
    }
    result.map(|()| files)
}

fn write_files(
    base: &Path,
    layer: &str,
    records: &[Record],
    progress: &onemap_progress::Progress,
) -> Result<(), ShpError> {
    use crate::flat::{Column, ColumnKind};
    use geo_types::Geometry as G;
    let shown = base.with_extension("shp").display().to_string();
    let fail = |message: String| ShpError::Write {
        path: shown.clone(),
        message,
    };
    let kind = |g: &G<f64>| match g {
        G::Point(_) | G::MultiPoint(_) => Some(1),
        G::LineString(_) | G::MultiLineString(_) => Some(3),
        G::Polygon(_) | G::MultiPolygon(_) => Some(5),
        _ => None,
    };
    let mut shape_kind = None;
    for (i, r) in records.iter().enumerate() {
        let Some(g) = &r.geometry else {
            return Err(fail(format!("feature #{i} has no geometry")));
        };
        let k = kind(g).ok_or_else(|| fail(format!("feature #{i}: unsupported geometry")))?;
        match shape_kind {
            None => shape_kind = Some(k),
            Some(s) if s == k => {}
            Some(_) => {
                return Err(fail(format!(
                    "feature #{i}: a Shapefile holds one geometry type; this layer mixes them"
                )));
            }
        }
    }
    let columns = Column::plan(records, 10);
    let mut builder = dbase::TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(
        encoding_rs::UTF_8,
    ));
    for c in &columns {
        let fname = dbase::FieldName::try_from(c.short.as_str())
            .map_err(|e| fail(format!("field {}: {e}", c.name)))?;
        builder = match c.kind {
            ColumnKind::Integer => builder.add_numeric_field(fname, 18, 0),
            ColumnKind::Real => builder.add_numeric_field(fname, 24, c.decimals.min(15)),
            ColumnKind::Bool => builder.add_logical_field(fname),
            ColumnKind::Text | ColumnKind::List | ColumnKind::Json => {
                let longest = records
                    .iter()
                    .filter_map(|r| r.properties.get(&c.name))
                    .map(|v| crate::flat::text_of(v).len())
                    .max()
                    .unwrap_or(1);
                if longest > 254 {
                    return Err(fail(format!(
                        "field {}: a value of {longest} bytes does not fit a dBase text field (254); export GeoPackage instead",
                        c.name
                    )));
                }
                builder.add_character_field(fname, longest.clamp(1, 254) as u8)
            }
        };
    }
    let io = |source| ShpError::Io {
        path: shown.clone(),
        source,
    };
    let dbf = builder
        .build_with_file_dest(base.with_extension("dbf"))
        .map_err(|e| fail(e.to_string()))?;
    let shp_file = File::create(base.with_extension("shp")).map_err(io)?;
    let shx_file = File::create(base.with_extension("shx")).map_err(io)?;
    let shapes = shapefile::ShapeWriter::with_shx(
        std::io::BufWriter::new(shp_file),
        std::io::BufWriter::new(shx_file),
    );
    let dbf_file = dbf;
    let mut writer = shapefile::Writer::new(shapes, dbf_file);
    progress.stage(&format!("writing {layer}.shp"), records.len() as u64);
    for r in records {
        if progress.is_cancelled() {
            return Err(ShpError::Cancelled);
        }
        let mut record = dbase::Record::default();
        for c in &columns {
            let v = r
                .properties
                .get(&c.name)
                .unwrap_or(&serde_json::Value::Null);
            let value = match c.kind {
                ColumnKind::Integer | ColumnKind::Real => FieldValue::Numeric(v.as_f64()),
                ColumnKind::Bool => FieldValue::Logical(v.as_bool()),
                _ => FieldValue::Character(Some(crate::flat::text_of(v)).filter(|s| !s.is_empty())),
            };
            record.insert(c.short.clone(), value);
        }
        let written = match r.geometry.as_ref() {
            Some(G::Point(p)) => {
                writer.write_shape_and_record(&shapefile::Point::new(p.x(), p.y()), &record)
            }
            Some(G::MultiPoint(m)) => writer.write_shape_and_record(
                &shapefile::Multipoint::new(
                    m.0.iter()
                        .map(|p| shapefile::Point::new(p.x(), p.y()))
                        .collect(),
                ),
                &record,
            ),
            Some(G::LineString(l)) => {
                writer.write_shape_and_record(&shapefile::Polyline::new(points(&l.0)), &record)
            }
            Some(G::MultiLineString(m)) => writer.write_shape_and_record(
                &shapefile::Polyline::with_parts(m.0.iter().map(|l| points(&l.0)).collect()),
                &record,
            ),
            Some(G::Polygon(p)) => {
                writer.write_shape_and_record(&shapefile::Polygon::with_rings(rings(p)), &record)
            }
            Some(G::MultiPolygon(m)) => writer.write_shape_and_record(
                &shapefile::Polygon::with_rings(m.0.iter().flat_map(rings).collect()),
                &record,
            ),
            _ => return Err(fail("unsupported geometry".into())),
        };
        written.map_err(|e| fail(e.to_string()))?;
        progress.advance(1);
    }
    drop(writer);
    std::fs::write(base.with_extension("prj"), PRJ_WGS84).map_err(io)?;
    std::fs::write(base.with_extension("cpg"), "UTF-8").map_err(io)?;
    let mapping = crate::mapping::Mapping::for_columns(layer, &columns);
    let text = serde_json::to_string_pretty(&mapping).map_err(|e| fail(e.to_string()))?;
    std::fs::write(base.with_extension("mapping.json"), text + "\n").map_err(io)?;
    Ok(())
}

fn points(coords: &[geo_types::Coord<f64>]) -> Vec<shapefile::Point> {
    coords
        .iter()
        .map(|c| shapefile::Point::new(c.x, c.y))
        .collect()
}

fn rings(p: &geo_types::Polygon<f64>) -> Vec<PolygonRing<shapefile::Point>> {
    std::iter::once(PolygonRing::Outer(points(&p.exterior().0)))
        .chain(
            p.interiors()
                .iter()
                .map(|r| PolygonRing::Inner(points(&r.0))),
        )
        .collect()
}

//! A source file read into memory, before any mapping: its format, the coordinate system it
//! declares, its fields and its records with geometry in the source's own coordinates.
//!
//! [`read`] picks the reader by the file's extension (`.geojson`/`.json`, `.shp`, `.gpkg`,
//! `.kml`, `.csv`, `.xlsx`/`.xls`/`.ods`) or by a `.zip` holding a Shapefile. Geometry stays in
//! the source's coordinates so that the caller can still override the detected system; the
//! mapping step ([`crate::mapping`]) turns records into OneMap features in WGS84.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo_types::Geometry;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::crs::{Crs, CrsError};

/// The formats OneMap reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// GeoJSON (RFC 7946, or the 2008 form with a `crs` member).
    GeoJson,
    /// ESRI Shapefile (`.shp` + `.shx` + `.dbf` + `.prj`, optional `.cpg`).
    Shapefile,
    /// OGC GeoPackage.
    GeoPackage,
    /// KML 2.2 (always WGS84).
    Kml,
    /// CSV with a header row.
    Csv,
    /// A spreadsheet (XLSX, XLS or ODS).
    Spreadsheet,
}

impl Format {
    /// The name the UI and the CLI show.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Format::GeoJson => "GeoJSON",
            Format::Shapefile => "Shapefile",
            Format::GeoPackage => "GeoPackage",
            Format::Kml => "KML",
            Format::Csv => "CSV",
            Format::Spreadsheet => "XLSX",
        }
    }

    /// Whether records carry no geometry of their own (coordinates or an address come from
    /// columns named in the mapping).
    #[must_use]
    pub fn is_table(self) -> bool {
        matches!(self, Format::Csv | Format::Spreadsheet)
    }
}

/// What a source field holds, as far as its values tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Text.
    Text,
    /// Whole numbers.
    Integer,
    /// Numbers.
    Real,
    /// True/false.
    Bool,
    /// Mixed or empty.
    Mixed,
}

/// A field of the source with a few sample values, for the wizard's mapping table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// Its name in the source.
    pub name: String,
    /// What its values are.
    pub kind: FieldKind,
    /// Up to three distinct non-empty values.
    pub samples: Vec<String>,
}

/// One record: properties as JSON values and, for spatial formats, a geometry in the source's
/// coordinates (or why it could not be read).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Source attributes.
    pub properties: Map<String, Value>,
    /// Geometry in source coordinates.
    pub geometry: Option<Geometry<f64>>,
    /// Why the geometry could not be read, when it could not.
    pub geometry_error: Option<String>,
}

/// A source read into memory.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its format.
    pub format: Format,
    /// The file read (for a Shapefile, the `.shp`).
    pub path: PathBuf,
    /// The coordinate system the source declares (`None` for tables: the mapping says).
    pub crs: Option<Crs>,
    /// Where the system came from (`.prj`, `gpkg_spatial_ref_sys srs_id 4490`, …).
    pub crs_source: String,
    /// The attribute encoding used, for formats that have one.
    pub encoding: Option<String>,
    /// The table or sheet read (GeoPackage, spreadsheet).
    pub layer: Option<String>,
    /// Every table or sheet the file has.
    pub layers: Vec<String>,
    /// Fields in source order.
    pub fields: Vec<Field>,
    /// Records in source order.
    pub records: Vec<Record>,
}

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The extension names no format OneMap reads.
    #[error(
        "{0}: unknown format (OneMap reads .geojson/.json, .shp or a .zip with one, .gpkg, .kml, .csv, .xlsx/.xls/.ods)"
    )]
    UnknownFormat(String),
    /// The file could not be opened or read.
    #[error("{path}: {message}")]
    Unreadable {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The declared coordinate system is not one OneMap reads.
    #[error("{path}: {source}")]
    Crs {
        /// The file.
        path: String,
        /// Why.
        source: CrsError,
    },
    /// A Shapefile problem.
    #[error(transparent)]
    Shapefile(#[from] crate::shp::ShpError),
    /// The requested table or sheet is not in the file.
    #[error("{path}: no layer {layer:?} (it has: {})", available.join(", "))]
    NoSuchLayer {
        /// The file.
        path: String,
        /// The layer asked for.
        layer: String,
        /// The layers it has.
        available: Vec<String>,
    },
}

impl SourceError {
    pub(crate) fn unreadable(path: &Path, message: impl std::fmt::Display) -> Self {
        SourceError::Unreadable {
            path: path.display().to_string(),
            message: message.to_string(),
        }
    }
}

/// How to read a source.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Attribute encoding label (`GBK`, `GB18030`, `UTF-8`…): for Shapefile `.dbf`s it overrides
    /// the `.cpg`; for CSV it replaces the UTF-8 default.
    pub encoding: Option<String>,
    /// The GeoPackage table or spreadsheet sheet to read (default: the first).
    pub layer: Option<String>,
}

/// The format of `path` by its extension.
///
/// ```
/// use onemap_formats::source::{format_of, Format};
/// assert_eq!(format_of("grid.SHP".as_ref()), Some(Format::Shapefile));
/// assert_eq!(format_of("楼栋.xlsx".as_ref()), Some(Format::Spreadsheet));
/// assert_eq!(format_of("x.txt".as_ref()), None);
/// ```
#[must_use]
pub fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "geojson" | "json" => Format::GeoJson,
        "shp" | "zip" => Format::Shapefile,
        "gpkg" => Format::GeoPackage,
        "kml" => Format::Kml,
        "csv" => Format::Csv,
        "xlsx" | "xls" | "xlsm" | "ods" => Format::Spreadsheet,
        _ => return None,
    })
}

/// Reads any supported source.
///
/// # Errors
/// [`SourceError`] naming the file and what is wrong.
pub async fn read(path: &Path, options: &ReadOptions) -> Result<Source, SourceError> {
    let format =
        format_of(path).ok_or_else(|| SourceError::UnknownFormat(path.display().to_string()))?;
    let mut source = match format {
        Format::GeoJson => read_geojson(path)?,
        Format::Shapefile => {
            let is_zip = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
            if is_zip {
                crate::shp::read_zip(path, options.encoding.as_deref())?
            } else {
                crate::shp::read_source(path, options.encoding.as_deref())?
            }
        }
        Format::GeoPackage => crate::gpkg::read(path, options.layer.as_deref()).await?,
        Format::Kml => crate::kml::read(path)?,
        Format::Csv => crate::table::read_csv(path, options.encoding.as_deref())?,
        Format::Spreadsheet => crate::table::read_sheet(path, options.layer.as_deref())?,
    };
    source.fields = describe_fields(&source.records);
    Ok(source)
}

/// The fields of `records`, in first-seen order, with their kinds and samples.
#[must_use]
pub fn describe_fields(records: &[Record]) -> Vec<Field> {
    let mut order: Vec<String> = Vec::new();
    let mut seen: BTreeMap<String, (Option<FieldKind>, Vec<String>)> = BTreeMap::new();
    for r in records {
        for (k, v) in &r.properties {
            let entry = seen.entry(k.clone()).or_insert_with(|| {
                order.push(k.clone());
                (None, Vec::new())
            });
            let kind = match v {
                Value::Null => continue,
                Value::String(s) if s.is_empty() => continue,
                Value::Bool(_) => FieldKind::Bool,
                Value::Number(n) if n.is_i64() || n.is_u64() => FieldKind::Integer,
                Value::Number(_) => FieldKind::Real,
                _ => FieldKind::Text,
            };
            entry.0 = Some(match (entry.0, kind) {
                (None, k) => k,
                (Some(a), b) if a == b => a,
                (Some(FieldKind::Integer), FieldKind::Real)
                | (Some(FieldKind::Real), FieldKind::Integer) => FieldKind::Real,
                _ => FieldKind::Mixed,
            });
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if entry.1.len() < 3 && !entry.1.contains(&text) {
                entry.1.push(text);
            }
        }
    }
    order
        .into_iter()
        .map(|name| {
            let (kind, samples) = seen.remove(&name).unwrap_or((None, Vec::new()));
            Field {
                name,
                kind: kind.unwrap_or(FieldKind::Mixed),
                samples,
            }
        })
        .collect()
}

/// Reads a GeoJSON FeatureCollection (or a single Feature). An RFC 7946 file is WGS84; a 2008
/// `crs` member naming an EPSG code (`urn:ogc:def:crs:EPSG::4547`, `EPSG:4490`) is honoured.
fn read_geojson(path: &Path) -> Result<Source, SourceError> {
    let text = std::fs::read_to_string(path).map_err(|e| SourceError::unreadable(path, e))?;
    let text = text.trim_start_matches('\u{feff}');
    let root: Value = serde_json::from_str(text)
        .map_err(|e| SourceError::unreadable(path, format!("not JSON: {e}")))?;
    let features = match root.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => root
            .get("features")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| {
                SourceError::unreadable(path, "FeatureCollection has no features array")
            })?,
        Some("Feature") => vec![root.clone()],
        _ => {
            return Err(SourceError::unreadable(
                path,
                "not a GeoJSON FeatureCollection or Feature",
            ));
        }
    };
    let (crs, crs_source) = match geojson_crs_name(&root) {
        Some(name) => {
            let code = epsg_in(&name).ok_or_else(|| SourceError::Crs {
                path: path.display().to_string(),
                source: CrsError::UnsupportedWkt(name.clone()),
            })?;
            let crs = Crs::from_epsg(code).map_err(|source| SourceError::Crs {
                path: path.display().to_string(),
                source,
            })?;
            (crs, format!("GeoJSON crs member {name}"))
        }
        None => (Crs::Wgs84, "GeoJSON (RFC 7946: WGS84)".to_owned()),
    };
    let records = features
        .into_iter()
        .map(|f| {
            let mut properties = f
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some(id) = f.get("id").filter(|v| !v.is_null())
                && !properties.contains_key("id")
            {
                properties.insert("id".into(), id.clone());
            }
            let (geometry, geometry_error) = match f.get("geometry") {
                None | Some(Value::Null) => (None, None),
                Some(g) => match geometry_from_json(g) {
                    Ok(g) => (Some(g), None),
                    Err(e) => (None, Some(e)),
                },
            };
            Record {
                properties,
                geometry,
                geometry_error,
            }
        })
        .collect();
    Ok(Source {
        format: Format::GeoJson,
        path: path.to_path_buf(),
        crs: Some(crs),
        crs_source,
        encoding: Some("UTF-8".into()),
        layer: None,
        layers: Vec::new(),
        fields: Vec::new(),
        records,
    })
}

fn geojson_crs_name(root: &Value) -> Option<String> {
    let name = root.get("crs")?.get("properties")?.get("name")?.as_str()?;
    // CRS84 is WGS84 longitude/latitude: the RFC 7946 default.
    if name.ends_with("CRS84") {
        return None;
    }
    Some(name.to_owned())
}

/// The EPSG code in `EPSG:4547`, `urn:ogc:def:crs:EPSG::4547` or `http://…/EPSG/0/4547`.
fn epsg_in(name: &str) -> Option<u32> {
    let upper = name.to_ascii_uppercase();
    let at = upper.find("EPSG")?;
    let digits: String = upper[at + 4..]
        .trim_start_matches([':', '/', '0'])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    // `EPSG/0/4547`: the `0/` version segment was trimmed with the separators.
    digits.parse().ok()
}

/// A GeoJSON geometry object as a `geo_types` geometry (no checks beyond shape).
///
/// # Errors
/// A message saying why the object is not a geometry.
pub fn geometry_from_json(g: &Value) -> Result<Geometry<f64>, String> {
    let value: geojson::Geometry =
        serde_json::from_value(g.clone()).map_err(|e| format!("not a GeoJSON geometry: {e}"))?;
    Geometry::<f64>::try_from(value.value).map_err(|e| e.to_string())
}

/// A `geo_types` geometry as a GeoJSON geometry object.
#[must_use]
pub fn geometry_to_json(g: &Geometry<f64>) -> Value {
    let value = geojson::GeometryValue::from(g);
    serde_json::to_value(geojson::Geometry::new(value)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epsg_codes_are_read_from_the_usual_crs_names() {
        assert_eq!(epsg_in("urn:ogc:def:crs:EPSG::4547"), Some(4547));
        assert_eq!(epsg_in("EPSG:4490"), Some(4490));
        assert_eq!(
            epsg_in("http://www.opengis.net/def/crs/EPSG/0/4547"),
            Some(4547)
        );
        assert_eq!(epsg_in("urn:ogc:def:crs:OGC:1.3:CRS84"), None);
    }

    #[test]
    fn fields_are_described_in_first_seen_order_with_kinds() {
        let rec = |p: Value| Record {
            properties: p.as_object().cloned().unwrap_or_default(),
            geometry: None,
            geometry_error: None,
        };
        let fields = describe_fields(&[
            rec(serde_json::json!({"名称": "甲", "层数": 6, "面积": 1})),
            rec(serde_json::json!({"名称": "乙", "层数": 7, "面积": 2.5, "备注": null})),
        ]);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["名称", "层数", "面积", "备注"]);
        assert_eq!(fields[1].kind, FieldKind::Integer);
        assert_eq!(fields[2].kind, FieldKind::Real);
        assert_eq!(fields[0].samples, ["甲", "乙"]);
        assert_eq!(fields[3].kind, FieldKind::Mixed);
    }
}

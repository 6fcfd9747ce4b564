//! Importing a district's own files: any source `onemap_formats` reads (GeoJSON, Shapefile,
//! GeoPackage, KML, CSV, spreadsheets), mapped onto a layer, previewed with every problem by
//! row before anything is written, then written atomically.
//!
//! The steps are the import wizard's and `onemap import --mapping`'s:
//! 1. [`onemap_formats::source::read`] the file (format, declared coordinate system, fields);
//! 2. take a [`Mapping`] (the suggested one, or a mapping file);
//! 3. [`Store::preview_import`]: map every row, validate every feature as an import would
//!    (required fields, ids, geometry, coordinates near the district), and report the first rows,
//!    the features in WGS84 for the map and every problem, by source row;
//! 4. [`Store::import_source`]: the same, and when nothing is wrong, write the layer in one
//!    transaction ([`Store::write_layer`]); a cancel rolls it back.

use serde::Serialize;
use serde_json::{Value, json};

use onemap_formats::mapping::{Gazetteer, GeometryFrom, Mapping, MappingError};
use onemap_formats::schema::LayerSchema;
use onemap_formats::source::{Field, Source};
use onemap_progress::Progress;

use crate::datum::Datum;
use crate::error::{Error, FeatureProblem, Result};
use crate::layers::{ImportReport, ValidFeature, check_features};
use crate::store::Store;

/// How many mapped rows a preview shows in its table.
pub const PREVIEW_ROWS: usize = 20;
/// How many features a preview carries for the map (the count covers all of them).
pub const PREVIEW_FEATURES: usize = 20_000;

/// What the wizard shows before anything is written.
#[derive(Debug, Clone, Serialize)]
pub struct ImportPreview {
    /// The source format (`Shapefile`, `GeoPackage`, …).
    pub format: &'static str,
    /// The coordinate system used, described (`EPSG:4547 CGCS2000 / Gauss-Krüger CM 114°E …`).
    pub crs: String,
    /// Where it came from (`.prj`, `gpkg_spatial_ref_sys srs_id 4490 (EPSG:4490)`, the mapping).
    pub crs_source: String,
    /// The datum longitude/latitude were converted from.
    pub datum: Datum,
    /// The attribute encoding.
    pub encoding: Option<String>,
    /// The table or sheet read, and every one the file has.
    pub source_layer: Option<String>,
    /// Every table or sheet of the file.
    pub source_layers: Vec<String>,
    /// The source's fields with samples.
    pub fields: Vec<Field>,
    /// The layer's target fields (`geodata/SCHEMA.md`).
    pub targets: &'static LayerSchema,
    /// The mapping applied.
    pub mapping: Mapping,
    /// Records in the source.
    pub count: usize,
    /// Records that would be imported (no problem).
    pub valid: usize,
    /// The first mapped rows: `{row, id, properties}`.
    pub rows: Vec<Value>,
    /// The valid features in WGS84 (up to [`PREVIEW_FEATURES`]) for the map.
    pub features: Value,
    /// Their bounding box `[west, south, east, north]`, when there are any.
    pub bbox: Option<[f64; 4]>,
    /// Every problem, by source row (0-based `index`).
    pub problems: Vec<FeatureProblem>,
}

fn mapping_error(e: MappingError) -> Error {
    Error::invalid(format!("mapping: {e}"))
}

/// The mapping's datum.
///
/// # Errors
/// [`Error::Invalid`] for an unknown name.
pub fn datum_of(mapping: &Mapping) -> Result<Datum> {
    mapping
        .datum
        .as_deref()
        .map_or(Ok(Datum::Wgs84), Datum::parse)
}

struct Checked {
    valid: Vec<ValidFeature>,
    rows: Vec<usize>,
    problems: Vec<FeatureProblem>,
    preview_rows: Vec<Value>,
}

impl Store {
    /// The building addresses of the store, for address columns.
    pub async fn gazetteer(&self) -> Result<Gazetteer> {
        let buildings = self.layer_features("buildings").await?;
        Ok(Gazetteer::new(buildings.into_iter().filter_map(|b| {
            let address = b.properties.get("address")?.as_str()?.to_owned();
            let c = b.geometry.as_ref()?.get("coordinates")?;
            Some((address, c.get(0)?.as_f64()?, c.get(1)?.as_f64()?))
        })))
    }

    async fn check_source(
        &self,
        source: &Source,
        mapping: &Mapping,
        progress: &Progress,
    ) -> Result<Checked> {
        let datum = datum_of(mapping)?;
        let gazetteer = match mapping.geometry {
            Some(GeometryFrom::Address { .. }) => Some(self.gazetteer().await?),
            _ => None,
        };
        let mapped = mapping
            .apply(source, gazetteer.as_ref(), progress)
            .map_err(mapping_error)?;
        progress.check()?;
        let region = self.region().await?;
        progress.stage("validating", mapped.features.len() as u64);
        let (valid, found) = check_features(&mapping.layer, &mapped.features, datum, region)?;
        progress.set_done(mapped.features.len() as u64);
        progress.check()?;
        let mut problems: Vec<FeatureProblem> = mapped
            .problems
            .into_iter()
            .map(|p| FeatureProblem {
                index: p.index,
                id: p.id,
                reason: p.reason,
            })
            .collect();
        let bad: std::collections::HashSet<usize> = found.iter().map(|p| p.index).collect();
        problems.extend(found.into_iter().map(|p| FeatureProblem {
            index: mapped.rows[p.index],
            ..p
        }));
        problems.sort_by_key(|p| p.index);
        let rows: Vec<usize> = mapped
            .rows
            .iter()
            .enumerate()
            .filter(|(i, _)| !bad.contains(i))
            .map(|(_, r)| *r)
            .collect();
        let preview_rows = mapped
            .features
            .iter()
            .zip(&mapped.rows)
            .take(PREVIEW_ROWS)
            .map(|(f, row)| json!({"row": row, "id": f.get("id"), "properties": f["properties"]}))
            .collect();
        Ok(Checked {
            valid,
            rows,
            problems,
            preview_rows,
        })
    }

    /// Maps and validates `source` without writing anything.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the mapping does not fit the source at all (problems with
    /// single rows are in the preview); [`Error::Cancelled`].
    pub async fn preview_import(
        &self,
        source: &Source,
        mapping: &Mapping,
        progress: &Progress,
    ) -> Result<ImportPreview> {
        let checked = self.check_source(source, mapping, progress).await?;
        let crs = mapping.effective_crs(source).map_err(mapping_error)?;
        let mut bbox: Option<[f64; 4]> = None;
        let features: Vec<Value> = checked
            .valid
            .iter()
            .zip(&checked.rows)
            .take(PREVIEW_FEATURES)
            .map(|(f, row)| {
                if let Some(g) = &f.geometry {
                    extend_bbox(&mut bbox, g);
                }
                let mut props = f.properties.clone();
                props.insert("_row".into(), json!(row));
                json!({"type": "Feature", "id": f.id, "geometry": f.geometry, "properties": props})
            })
            .collect();
        let crs_source = if mapping.crs.is_some() {
            "the mapping".to_owned()
        } else if source.crs.is_none() {
            "default for coordinate columns (WGS84)".to_owned()
        } else {
            source.crs_source.clone()
        };
        Ok(ImportPreview {
            format: source.format.label(),
            crs: crs.describe(),
            crs_source,
            datum: datum_of(mapping)?,
            encoding: source.encoding.clone(),
            source_layer: source.layer.clone(),
            source_layers: source.layers.clone(),
            fields: source.fields.clone(),
            targets: onemap_formats::schema::layer(&mapping.layer)
                .ok_or_else(|| Error::invalid(format!("unknown layer {:?}", mapping.layer)))?,
            mapping: mapping.clone(),
            count: source.records.len(),
            valid: checked.valid.len(),
            rows: checked.preview_rows,
            features: json!({"type": "FeatureCollection", "features": features}),
            bbox,
            problems: checked.problems,
        })
    }

    /// Maps, validates and — when no row has a problem — writes `source` as the mapping's
    /// layer in one transaction. Nothing is written when any row is bad or on cancel.
    ///
    /// # Errors
    /// [`Error::BadFeatures`] naming every bad row; [`Error::Invalid`] for a mapping that does
    /// not fit; [`Error::Cancelled`].
    pub async fn import_source(
        &self,
        source: &Source,
        mapping: &Mapping,
        progress: &Progress,
    ) -> Result<ImportReport> {
        let checked = self.check_source(source, mapping, progress).await?;
        if !checked.problems.is_empty() {
            return Err(Error::BadFeatures {
                layer: mapping.layer.clone(),
                problems: checked.problems,
            });
        }
        if checked.valid.is_empty() {
            return Err(Error::invalid(format!(
                "{}: the source has no features to import",
                mapping.layer
            )));
        }
        self.write_layer(&mapping.layer, checked.valid, datum_of(mapping)?, progress)
            .await
    }
}

fn extend_bbox(bbox: &mut Option<[f64; 4]>, g: &Value) {
    fn walk(v: &Value, b: &mut Option<[f64; 4]>) {
        let Some(a) = v.as_array() else { return };
        if let (Some(x), Some(y)) = (
            a.first().and_then(Value::as_f64),
            a.get(1).and_then(Value::as_f64),
        ) {
            let acc = b.get_or_insert([x, y, x, y]);
            acc[0] = acc[0].min(x);
            acc[1] = acc[1].min(y);
            acc[2] = acc[2].max(x);
            acc[3] = acc[3].max(y);
        } else {
            a.iter().for_each(|c| walk(c, b));
        }
    }
    if let Some(c) = g.get("coordinates") {
        walk(c, bbox);
    }
}

/// Turns stored features into records for the writers of `onemap_formats`.
pub(crate) fn records_of(features: &[ValidFeature]) -> Vec<onemap_formats::source::Record> {
    features
        .iter()
        .map(|f| {
            // The id is one of the properties already (validation requires it).
            onemap_formats::source::Record {
                properties: f.properties.clone(),
                geometry: f
                    .geometry
                    .as_ref()
                    .and_then(|g| onemap_formats::source::geometry_from_json(g).ok()),
                geometry_error: None,
            }
        })
        .collect()
}

/// The largest file an upload may have (256 MiB), and all files of one import together.
pub const MAX_UPLOAD_BYTES: u64 = 256 * 1024 * 1024;

/// What an opened source looks like, before any mapping.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    /// The import session.
    pub session: String,
    /// The file read.
    pub file: String,
    /// Its format (`Shapefile`, …).
    pub format: &'static str,
    /// Whether it is a table (CSV, spreadsheet) whose geometry comes from columns.
    pub table: bool,
    /// The declared coordinate system, described, when it declares one.
    pub crs: Option<String>,
    /// Where it came from.
    pub crs_source: String,
    /// The attribute encoding used.
    pub encoding: Option<String>,
    /// The table or sheet read.
    pub source_layer: Option<String>,
    /// Every table or sheet of the file.
    pub source_layers: Vec<String>,
    /// Its fields with samples.
    pub fields: Vec<Field>,
    /// Its records.
    pub count: usize,
    /// The layer the file's name suggests (`buildings.shp` → `buildings`), if any.
    pub suggested_layer: Option<String>,
}

struct Session {
    dir: tempfile::TempDir,
    files: Vec<(String, u64)>,
    source: Option<std::sync::Arc<Source>>,
    touched: std::time::Instant,
}

/// Files uploaded for the import wizard, each import in its own temporary directory, and the
/// source read from them. Sessions untouched for an hour are removed.
#[derive(Clone, Default)]
pub struct ImportSessions {
    sessions: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Session>>>,
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for ImportSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportSessions").finish_non_exhaustive()
    }
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        what: "import session",
        id: id.to_owned(),
    }
}

/// The extensions a source's main file may have, in the order one is picked.
const MAIN_EXTENSIONS: [&str; 10] = [
    "shp", "gpkg", "geojson", "json", "kml", "xlsx", "xls", "ods", "csv", "zip",
];

impl ImportSessions {
    /// No sessions.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Session>> {
        match self.sessions.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Starts an import; returns its id.
    ///
    /// # Errors
    /// [`Error::Io`] when no temporary directory can be made.
    pub fn create(&self) -> Result<String> {
        self.lock()
            .retain(|_, s| s.touched.elapsed() < std::time::Duration::from_secs(3600));
        let dir = tempfile::Builder::new()
            .prefix("onemap-import-")
            .tempdir()
            .map_err(|source| Error::Io {
                path: std::env::temp_dir().display().to_string(),
                source,
            })?;
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let id = format!("imp-{}-{n}", std::process::id());
        self.lock().insert(
            id.clone(),
            Session {
                dir,
                files: Vec::new(),
                source: None,
                touched: std::time::Instant::now(),
            },
        );
        Ok(id)
    }

    /// Stores an uploaded file (a Shapefile comes as several: `.shp`, `.shx`, `.dbf`, `.prj`,
    /// `.cpg`). `name` is the file's own name; any directory part is refused.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad name or a file over [`MAX_UPLOAD_BYTES`] (for the session);
    /// [`Error::NotFound`] for an unknown session.
    pub fn put_file(&self, id: &str, name: &str, bytes: &[u8]) -> Result<Vec<String>> {
        let clean = name.trim();
        if clean.is_empty()
            || clean.contains(['/', '\\', '\0'])
            || clean.starts_with('.')
            || clean.len() > 200
        {
            return Err(Error::invalid(format!("{name:?} is not a plain file name")));
        }
        let mut sessions = self.lock();
        let s = sessions.get_mut(id).ok_or_else(|| not_found(id))?;
        let total: u64 = s
            .files
            .iter()
            .filter(|(n, _)| n != clean)
            .map(|(_, b)| b)
            .sum();
        if total + bytes.len() as u64 > MAX_UPLOAD_BYTES {
            return Err(Error::invalid(format!(
                "the files of one import may have {} MiB together",
                MAX_UPLOAD_BYTES / 1024 / 1024
            )));
        }
        let path = s.dir.path().join(clean);
        std::fs::write(&path, bytes).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        s.files.retain(|(n, _)| n != clean);
        s.files.push((clean.to_owned(), bytes.len() as u64));
        s.source = None;
        s.touched = std::time::Instant::now();
        Ok(s.files.iter().map(|(n, _)| n.clone()).collect())
    }

    /// Reads the session's main file (the `.shp`, `.gpkg`, … among the uploads).
    ///
    /// # Errors
    /// [`Error::Invalid`] when no file can be read (naming why); [`Error::NotFound`].
    pub async fn open(
        &self,
        id: &str,
        options: &onemap_formats::source::ReadOptions,
    ) -> Result<SourceSummary> {
        let main = {
            let sessions = self.lock();
            let s = sessions.get(id).ok_or_else(|| not_found(id))?;
            let pick = MAIN_EXTENSIONS.iter().find_map(|ext| {
                s.files.iter().find(|(n, _)| {
                    std::path::Path::new(n)
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
                })
            });
            match pick {
                Some((n, _)) => s.dir.path().join(n),
                None if s.files.is_empty() => return Err(Error::invalid("no file uploaded yet")),
                None => {
                    return Err(Error::invalid(format!(
                        "none of {} is a format OneMap reads (.shp with .shx/.dbf/.prj, .zip, .gpkg, .geojson, .kml, .csv, .xlsx)",
                        s.files
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        };
        let source = onemap_formats::source::read(&main, options)
            .await
            .map_err(|e| Error::invalid(e.to_string()))?;
        let file = main
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let stem = main
            .file_stem()
            .map_or_else(String::new, |n| n.to_string_lossy().to_lowercase());
        let suggested_layer = onemap_formats::schema::LAYERS
            .iter()
            .find(|l| stem.contains(l.name) || stem.contains(l.name_zh))
            .map(|l| l.name.to_owned());
        let summary = SourceSummary {
            session: id.to_owned(),
            file,
            format: source.format.label(),
            table: source.format.is_table(),
            crs: source.crs.map(|c| c.describe()),
            crs_source: source.crs_source.clone(),
            encoding: source.encoding.clone(),
            source_layer: source.layer.clone(),
            source_layers: source.layers.clone(),
            fields: source.fields.clone(),
            count: source.records.len(),
            suggested_layer,
        };
        let mut sessions = self.lock();
        let s = sessions.get_mut(id).ok_or_else(|| not_found(id))?;
        s.source = Some(std::sync::Arc::new(source));
        s.touched = std::time::Instant::now();
        Ok(summary)
    }

    /// The source read by [`ImportSessions::open`].
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown session, [`Error::Invalid`] before `open`.
    pub fn source(&self, id: &str) -> Result<std::sync::Arc<Source>> {
        let mut sessions = self.lock();
        let s = sessions.get_mut(id).ok_or_else(|| not_found(id))?;
        s.touched = std::time::Instant::now();
        s.source
            .clone()
            .ok_or_else(|| Error::invalid("open the uploaded file first"))
    }

    /// Ends an import and removes its files.
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }
}

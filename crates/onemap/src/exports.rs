//! Exporting the store: every layer and the case table as one GeoPackage, every spatial layer
//! as Shapefiles (with the mapping files that restore their names on re-import), one layer as
//! GeoJSON, CSV or KML. Every export reports progress, can be cancelled, and writes to a
//! temporary name beside its target that is renamed into place only when complete: a cancelled
//! or failed export leaves no partial file.
//!
//! Personal data (the reporter's name and phone of a case) is left out unless asked for.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::Row;

use onemap_formats::source::Record;
use onemap_progress::Progress;

use crate::error::{Error, Result};
use crate::imports::records_of;
use crate::layers::{ExportFormat, LAYERS};
use crate::store::{Store, with_db};
use crate::time::format_instant;

/// What an export wrote.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportReport {
    /// The files written.
    pub files: Vec<String>,
    /// Features written per layer (in writing order).
    pub counts: Vec<(String, usize)>,
}

/// Formats of a whole-store or one-layer export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// One GeoPackage with every layer and the case table.
    GeoPackage,
    /// One Shapefile per spatial layer (a directory).
    Shapefile,
    /// One layer as a GeoJSON FeatureCollection.
    GeoJson,
    /// One layer as CSV.
    Csv,
    /// One layer as KML.
    Kml,
}

impl ExportKind {
    /// Parses `gpkg`/`geopackage`, `shp`/`shapefile`, `geojson`, `csv`, `kml`.
    ///
    /// # Errors
    /// [`Error::Invalid`] for anything else.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "gpkg" | "geopackage" => Self::GeoPackage,
            "shp" | "shapefile" => Self::Shapefile,
            "geojson" | "json" => Self::GeoJson,
            "csv" => Self::Csv,
            "kml" => Self::Kml,
            other => {
                return Err(Error::invalid(format!(
                    "unknown export format {other:?} (gpkg, shp, geojson, csv, kml)"
                )));
            }
        })
    }

    /// The file extension.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::GeoPackage => "gpkg",
            Self::Shapefile => "zip",
            Self::GeoJson => "geojson",
            Self::Csv => "csv",
            Self::Kml => "kml",
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A temporary path beside `target` (same directory, so the final rename is atomic).
fn partial_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    target.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Removes a partial file or directory, ignoring what is already gone.
fn remove_partial(p: &Path) {
    if p.is_dir() {
        let _ = std::fs::remove_dir_all(p);
    } else {
        let _ = std::fs::remove_file(p);
    }
}

impl Store {
    /// Every case in the store (history and live) as point records, oldest first, with the
    /// properties of `geodata/SCHEMA.md` plus `state` and `urgency`; reporter name and phone
    /// only when `personal`.
    pub async fn case_records(&self, personal: bool) -> Result<Vec<Record>> {
        let rows = with_db!(&self.inner.db, |p| {
            let rows = sqlx::query(
                "SELECT id, channel, matter, description, lon, lat, subgrid_code, building_id, \
                 camera_id, reporter_name, reporter_phone, level, grade, people, money_yuan, urgency, \
                 reported_at, noticed_at, met_at, resolved_at, closed_at, outcome, state \
                 FROM cases ORDER BY reported_at, id",
            )
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut m = Map::new();
                let text = |k: &str| -> Result<Option<String>, sqlx::Error> { r.try_get(k) };
                let inst = |k: &str| -> Result<Option<String>, sqlx::Error> {
                    Ok(r.try_get::<Option<i64>, _>(k)?.map(format_instant))
                };
                m.insert("id".into(), json!(r.try_get::<String, _>("id")?));
                for k in [
                    "channel",
                    "matter",
                    "description",
                    "level",
                    "urgency",
                    "state",
                ] {
                    m.insert(k.into(), json!(r.try_get::<String, _>(k)?));
                }
                for k in ["subgrid_code", "building_id", "camera_id"] {
                    if let Some(v) = text(k)? {
                        m.insert(k.into(), json!(v));
                    }
                }
                if personal {
                    for k in ["reporter_name", "reporter_phone"] {
                        if let Some(v) = text(k)? {
                            m.insert(k.into(), json!(v));
                        }
                    }
                }
                m.insert("grade".into(), json!(r.try_get::<i64, _>("grade")?));
                m.insert("people".into(), json!(r.try_get::<i64, _>("people")?));
                m.insert(
                    "money_yuan".into(),
                    json!(r.try_get::<f64, _>("money_yuan")?),
                );
                m.insert(
                    "reported_at".into(),
                    json!(format_instant(r.try_get::<i64, _>("reported_at")?)),
                );
                for k in ["noticed_at", "met_at", "resolved_at", "closed_at"] {
                    if let Some(v) = inst(k)? {
                        m.insert(k.into(), json!(v));
                    }
                }
                let outcome = text("outcome")?.unwrap_or_else(|| "open".into());
                m.insert("outcome".into(), json!(outcome));
                let lon: Option<f64> = r.try_get("lon")?;
                let lat: Option<f64> = r.try_get("lat")?;
                out.push(Record {
                    properties: m,
                    geometry: lon
                        .zip(lat)
                        .map(|(x, y)| geo_types::Point::new(x, y).into()),
                    geometry_error: None,
                });
            }
            out
        });
        Ok(rows)
    }

    /// The records of a stored layer for the writers; `cases` come from the case table.
    async fn records(&self, layer: &str, personal: bool) -> Result<Vec<Record>> {
        if layer == "cases" {
            return self.case_records(personal).await;
        }
        Ok(records_of(&self.layer_features(layer).await?))
    }

    /// Writes every stored layer, the matter catalogue (an attributes table) and the case
    /// table into the new GeoPackage `path`.
    ///
    /// # Errors
    /// [`Error::Io`] when `path` exists or cannot be written, [`Error::Cancelled`]; nothing is
    /// left at `path` on error.
    pub async fn export_geopackage(
        &self,
        path: &Path,
        personal: bool,
        progress: &Progress,
    ) -> Result<ExportReport> {
        if path.exists() {
            return Err(Error::invalid(format!(
                "{} already exists; choose another name",
                path.display()
            )));
        }
        let partial = partial_path(path);
        remove_partial(&partial);
        let result = self.write_geopackage(&partial, personal, progress).await;
        match result {
            Ok(counts) => {
                std::fs::rename(&partial, path).map_err(io(path))?;
                Ok(ExportReport {
                    files: vec![path.display().to_string()],
                    counts,
                })
            }
            Err(e) => {
                remove_partial(&partial);
                Err(e)
            }
        }
    }

    async fn layer_names(&self) -> Result<Vec<String>> {
        let stored: Vec<String> = self.layers().await?.into_iter().map(|(n, _)| n).collect();
        let mut names: Vec<String> = LAYERS
            .iter()
            .map(|s| s.name.to_owned())
            .filter(|n| n != "cases" && stored.contains(n))
            .collect();
        if self.case_count().await? > 0 {
            names.push("cases".into());
        }
        Ok(names)
    }

    async fn write_geopackage(
        &self,
        path: &Path,
        personal: bool,
        progress: &Progress,
    ) -> Result<Vec<(String, usize)>> {
        let gpkg_err = |e: onemap_formats::gpkg::GpkgError| match e {
            onemap_formats::gpkg::GpkgError::Cancelled => Error::Cancelled,
            other => Error::invalid(other.to_string()),
        };
        let mut writer = onemap_formats::gpkg::Writer::create(path)
            .await
            .map_err(gpkg_err)?;
        let mut counts = Vec::new();
        for layer in self.layer_names().await? {
            progress.check()?;
            let records = self.records(&layer, personal).await?;
            let spatial = layer != "matters";
            let description = onemap_formats::schema::layer(&layer).map_or(String::new(), |s| {
                format!("OneMap {} ({})", s.name_zh, s.name)
            });
            writer
                .add_layer(&layer, &description, spatial, &records, progress)
                .await
                .map_err(gpkg_err)?;
            counts.push((layer, records.len()));
        }
        writer.finish().await.map_err(gpkg_err)?;
        Ok(counts)
    }

    /// Writes every stored spatial layer (and the cases) as Shapefiles into the new directory
    /// `dir`, each with its `.mapping.json`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when `dir` exists or a layer does not fit a Shapefile,
    /// [`Error::Cancelled`]; nothing is left at `dir` on error.
    pub async fn export_shapefiles(
        &self,
        dir: &Path,
        personal: bool,
        progress: &Progress,
    ) -> Result<ExportReport> {
        if dir.exists() {
            return Err(Error::invalid(format!(
                "{} already exists; choose another name",
                dir.display()
            )));
        }
        let partial = partial_path(dir);
        remove_partial(&partial);
        std::fs::create_dir_all(&partial).map_err(io(&partial))?;
        let mut counts = Vec::new();
        let mut files = Vec::new();
        let result: Result<()> = async {
            for layer in self.layer_names().await? {
                if layer == "matters" {
                    continue;
                }
                progress.check()?;
                let records = self.records(&layer, personal).await?;
                let written =
                    onemap_formats::shp::write(&partial, &layer, &layer, &records, progress)
                        .map_err(|e| match e {
                            onemap_formats::shp::ShpError::Cancelled => Error::Cancelled,
                            other => Error::invalid(other.to_string()),
                        })?;
                files.extend(
                    written
                        .iter()
                        .filter_map(|f| f.file_name().map(|n| dir.join(n).display().to_string())),
                );
                counts.push((layer, records.len()));
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                std::fs::rename(&partial, dir).map_err(io(dir))?;
                Ok(ExportReport { files, counts })
            }
            Err(e) => {
                remove_partial(&partial);
                Err(e)
            }
        }
    }

    /// Writes one layer as GeoJSON, CSV or KML to the new file `path`.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown layer, an existing file or a whole-store format;
    /// [`Error::Cancelled`]; nothing is left at `path` on error.
    pub async fn export_layer_file(
        &self,
        layer: &str,
        kind: ExportKind,
        path: &Path,
        personal: bool,
        progress: &Progress,
    ) -> Result<ExportReport> {
        crate::layers::spec(layer)?;
        if path.exists() {
            return Err(Error::invalid(format!(
                "{} already exists; choose another name",
                path.display()
            )));
        }
        let partial = partial_path(path);
        let result: Result<usize> = async {
            progress.stage(&format!("reading {layer}"), 0);
            let bytes = match kind {
                ExportKind::GeoJson | ExportKind::Csv if layer != "cases" => {
                    let format = if kind == ExportKind::Csv {
                        ExportFormat::Csv
                    } else {
                        ExportFormat::GeoJson
                    };
                    let n = self.layer_features(layer).await?.len();
                    (self.export_layer(layer, format).await?.into_bytes(), n)
                }
                ExportKind::GeoJson => {
                    let records = self.case_records(personal).await?;
                    (geojson_text(&records).into_bytes(), records.len())
                }
                ExportKind::Kml => {
                    let records = self.records(layer, personal).await?;
                    let name_field = if layer == "cases" { "id" } else { "name" };
                    let mut out = Vec::new();
                    onemap_formats::kml::write(&mut out, layer, name_field, &records, progress)
                        .map_err(|e| {
                            if progress.is_cancelled() {
                                Error::Cancelled
                            } else {
                                Error::invalid(e)
                            }
                        })?;
                    (out, records.len())
                }
                ExportKind::Csv => {
                    return Err(Error::invalid(
                        "cases export as GeoJSON, KML or in the GeoPackage",
                    ));
                }
                ExportKind::GeoPackage | ExportKind::Shapefile => {
                    return Err(Error::invalid(
                        "GeoPackage and Shapefile exports hold every layer: use export_geopackage / export_shapefiles",
                    ));
                }
            };
            progress.check()?;
            std::fs::write(&partial, &bytes.0).map_err(io(&partial))?;
            progress.check()?;
            Ok(bytes.1)
        }
        .await;
        match result {
            Ok(n) => {
                std::fs::rename(&partial, path).map_err(io(path))?;
                Ok(ExportReport {
                    files: vec![path.display().to_string()],
                    counts: vec![(layer.to_owned(), n)],
                })
            }
            Err(e) => {
                remove_partial(&partial);
                Err(e)
            }
        }
    }
}

fn geojson_text(records: &[Record]) -> String {
    let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, r) in records.iter().enumerate() {
        let f = json!({
            "type": "Feature",
            "id": r.properties.get("id"),
            "geometry": r.geometry.as_ref().map_or(Value::Null, onemap_formats::source::geometry_to_json),
            "properties": r.properties,
        });
        s.push_str(&f.to_string());
        s.push_str(if i + 1 < records.len() { ",\n" } else { "\n" });
    }
    s.push_str("]}\n");
    s
}

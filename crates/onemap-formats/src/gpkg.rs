//! GeoPackage (OGC 12-128r18) through SQLite (sqlx) and georust `geozero` for the geometry
//! blobs (GeoPackage binary header + WKB).
//!
//! Reading ([`read`]): one feature or attribute table (the first, or the one asked for), its
//! coordinate system from `gpkg_geometry_columns.srs_id` → `gpkg_spatial_ref_sys` (an EPSG
//! organisation code, else the WKT definition), every column but the integer primary key as a
//! property (`BOOLEAN` columns as true/false).
//!
//! Writing ([`Writer`]): a new file with the required metadata tables, one feature table per
//! layer in EPSG:4326 (its geometry type the layer's one type, or its `MULTI` form when single
//! and multi parts mix, else `GEOMETRY`), attribute tables for layers without geometry, the
//! extent of each layer in `gpkg_contents`. No R-tree index is written: its maintenance
//! triggers call functions only GDAL-like clients define, and readers do not need it (QGIS
//! builds one on demand). QGIS and `ogrinfo` open the file.

use std::path::Path;
use std::str::FromStr;

use geo::BoundingRect;
use geo_types::Geometry;
use geozero::{CoordDimensions, ToGeo, ToWkb};
use serde_json::{Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Row, ValueRef};

use crate::crs::Crs;
use crate::flat::{Column, ColumnKind};
use crate::source::{Format, Record, Source, SourceError};

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads a table of a GeoPackage (the first feature table, or `layer`).
///
/// # Errors
/// [`SourceError`] when the file is not a GeoPackage, has no such table, or declares a
/// coordinate system OneMap cannot read.
pub async fn read(path: &Path, layer: Option<&str>) -> Result<Source, SourceError> {
    let bad = |e: &dyn std::fmt::Display| SourceError::unreadable(path, e);
    let opts = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|e| bad(&e))?
        .filename(path)
        .read_only(true);
    let mut conn = SqliteConnection::connect_with(&opts)
        .await
        .map_err(|e| bad(&e))?;
    let tables: Vec<(String, String)> =
        sqlx::query_as("SELECT table_name, data_type FROM gpkg_contents ORDER BY rowid")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| bad(&format!("not a GeoPackage (no gpkg_contents): {e}")))?;
    let names: Vec<String> = tables.iter().map(|(n, _)| n.clone()).collect();
    let table = match layer {
        Some(l) => tables
            .iter()
            .find(|(n, _)| n == l)
            .map(|(n, _)| n.clone())
            .ok_or_else(|| SourceError::NoSuchLayer {
                path: path.display().to_string(),
                layer: l.to_owned(),
                available: names.clone(),
            })?,
        None => tables
            .iter()
            .find(|(_, t)| t == "features")
            .or(tables.first())
            .map(|(n, _)| n.clone())
            .ok_or_else(|| bad(&"the GeoPackage has no tables"))?,
    };
    let geometry_column: Option<(String, i64)> = sqlx::query_as(
        "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
    )
    .bind(&table)
    .fetch_optional(&mut conn)
    .await
    .map_err(|e| bad(&e))?;
    let (crs, crs_source) = match &geometry_column {
        None => (None, "attributes table (no geometry)".to_owned()),
        Some((_, srs_id)) => {
            let row: Option<(String, i64, String)> = sqlx::query_as(
                "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
            )
            .bind(srs_id)
            .fetch_optional(&mut conn)
            .await
            .map_err(|e| bad(&e))?;
            let (org, code, wkt) =
                row.ok_or_else(|| bad(&format!("srs_id {srs_id} is not in gpkg_spatial_ref_sys")))?;
            let crs_err = |source| SourceError::Crs {
                path: path.display().to_string(),
                source,
            };
            let crs = if org.eq_ignore_ascii_case("EPSG") {
                Crs::from_epsg(u32::try_from(code).unwrap_or(0)).map_err(crs_err)?
            } else {
                Crs::from_wkt(&wkt).map_err(crs_err)?
            };
            (
                Some(crs),
                format!("gpkg_spatial_ref_sys srs_id {srs_id} ({org}:{code})"),
            )
        }
    };
    // Column types as declared (BOOLEAN is stored as an integer), and the primary key.
    let info = sqlx::query(&format!("PRAGMA table_info({})", quote(&table)))
        .fetch_all(&mut conn)
        .await
        .map_err(|e| bad(&e))?;
    let mut columns: Vec<(String, String)> = Vec::new();
    for r in &info {
        let name: String = r.try_get("name").map_err(|e| bad(&e))?;
        let ty: String = r.try_get("type").map_err(|e| bad(&e))?;
        let pk: i64 = r.try_get("pk").map_err(|e| bad(&e))?;
        if pk > 0 && ty.eq_ignore_ascii_case("INTEGER") {
            continue;
        }
        columns.push((name, ty.to_ascii_uppercase()));
    }
    let list: Vec<String> = columns.iter().map(|(n, _)| quote(n)).collect();
    let rows = sqlx::query(&format!(
        "SELECT {} FROM {}",
        list.join(", "),
        quote(&table)
    ))
    .fetch_all(&mut conn)
    .await
    .map_err(|e| bad(&e))?;
    let geom_name = geometry_column.as_ref().map(|(n, _)| n.as_str());
    let mut records = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut properties = Map::new();
        let mut geometry = None;
        let mut geometry_error = None;
        for (i, (name, ty)) in columns.iter().enumerate() {
            let raw = row.try_get_raw(i).map_err(|e| bad(&e))?;
            if raw.is_null() {
                continue;
            }
            if Some(name.as_str()) == geom_name {
                let blob: Vec<u8> = row.try_get(i).map_err(|e| bad(&e))?;
                match geozero::wkb::GpkgWkb(blob).to_geo() {
                    Ok(g) => geometry = Some(g),
                    Err(e) => geometry_error = Some(format!("unreadable geometry blob: {e}")),
                }
                continue;
            }
            let stored = raw.type_info().to_string();
            let value = match stored.as_str() {
                "INTEGER" => {
                    let n: i64 = row.try_get(i).map_err(|e| bad(&e))?;
                    if ty == "BOOLEAN" {
                        Value::Bool(n != 0)
                    } else {
                        Value::from(n)
                    }
                }
                "REAL" => {
                    let f: f64 = row.try_get(i).map_err(|e| bad(&e))?;
                    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
                }
                "BLOB" => continue,
                _ => Value::String(row.try_get::<String, _>(i).map_err(|e| bad(&e))?),
            };
            properties.insert(name.clone(), value);
        }
        records.push(Record {
            properties,
            geometry,
            geometry_error,
        });
    }
    conn.close().await.map_err(|e| bad(&e))?;
    Ok(Source {
        format: Format::GeoPackage,
        path: path.to_path_buf(),
        crs,
        crs_source,
        encoding: Some("UTF-8".into()),
        layer: Some(table),
        layers: names,
        fields: Vec::new(),
        records,
    })
}

/// Why a GeoPackage could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GpkgError {
    /// SQLite failed.
    #[error("{path}: {source}")]
    Sqlite {
        /// The file.
        path: String,
        /// What happened.
        source: sqlx::Error,
    },
    /// A geometry could not be encoded.
    #[error("{path}: layer {layer}, feature #{index}: {message}")]
    Geometry {
        /// The file.
        path: String,
        /// The layer.
        layer: String,
        /// The feature.
        index: usize,
        /// Why.
        message: String,
    },
    /// The file already exists.
    #[error("{0}: already exists")]
    Exists(String),
    /// Cancelled through the progress handle.
    #[error("cancelled")]
    Cancelled,
}

/// A GeoPackage being written. Create with [`Writer::create`], add layers, then
/// [`Writer::finish`].
pub struct Writer {
    conn: SqliteConnection,
    path: String,
}

const SRS_WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

const METADATA: &str = r"
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
";

impl Writer {
    /// Creates the GeoPackage `path` (which must not exist) with its metadata tables.
    ///
    /// # Errors
    /// [`GpkgError::Exists`], or SQLite failing.
    pub async fn create(path: &Path) -> Result<Self, GpkgError> {
        let shown = path.display().to_string();
        if path.exists() {
            return Err(GpkgError::Exists(shown));
        }
        let err = |source| GpkgError::Sqlite {
            path: shown.clone(),
            source,
        };
        let opts = SqliteConnectOptions::from_str("sqlite:")
            .map_err(err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Delete);
        let mut conn = SqliteConnection::connect_with(&opts).await.map_err(err)?;
        // 'GPKG' and version 1.2.1.
        // One statement at a time (`raw_sql`'s future is not `Send` across await points).
        let statements = [
            "PRAGMA application_id = 1196444487",
            "PRAGMA user_version = 10201",
        ]
        .into_iter()
        .chain(METADATA.split(';').map(str::trim).filter(|s| !s.is_empty()));
        for statement in statements {
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .map_err(err)?;
        }
        for (name, id, org, code, def, desc) in [
            (
                "Undefined cartesian SRS",
                -1_i64,
                "NONE",
                -1_i64,
                "undefined",
                "undefined cartesian coordinate reference system",
            ),
            (
                "Undefined geographic SRS",
                0,
                "NONE",
                0,
                "undefined",
                "undefined geographic coordinate reference system",
            ),
            (
                "WGS 84 geodetic",
                4326,
                "EPSG",
                4326,
                SRS_WGS84_WKT,
                "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
            ),
        ] {
            sqlx::query("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)")
                .bind(name)
                .bind(id)
                .bind(org)
                .bind(code)
                .bind(def)
                .bind(desc)
                .execute(&mut conn)
                .await
                .map_err(err)?;
        }
        Ok(Self { conn, path: shown })
    }

    /// Adds `name` as a feature table (records with geometry, WGS84) or, when `spatial` is
    /// false, an attributes table, in one transaction. `description` goes to `gpkg_contents`.
    ///
    /// # Errors
    /// [`GpkgError`] for a geometry that cannot be encoded, SQLite failing, or a cancel.
    pub async fn add_layer(
        &mut self,
        name: &str,
        description: &str,
        spatial: bool,
        records: &[Record],
        progress: &onemap_progress::Progress,
    ) -> Result<(), GpkgError> {
        let columns = Column::plan(records, 0);
        let columns: Vec<Column> = columns
            .into_iter()
            .filter(|c| !c.name.eq_ignore_ascii_case("fid") && !c.name.eq_ignore_ascii_case("geom"))
            .collect();
        let geometry_type = if spatial {
            geometry_type(records)
        } else {
            None
        };
        let mut defs = vec!["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_owned()];
        if let Some(t) = &geometry_type {
            defs.push(format!("geom {t}"));
        }
        for c in &columns {
            let ty = match c.kind {
                ColumnKind::Integer => "INTEGER",
                ColumnKind::Real => "REAL",
                ColumnKind::Bool => "BOOLEAN",
                ColumnKind::Text | ColumnKind::List | ColumnKind::Json => "TEXT",
            };
            defs.push(format!("{} {ty}", quote(&c.name)));
        }
        let path = self.path.clone();
        let err = |source| GpkgError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut tx = self.conn.begin().await.map_err(err)?;
        sqlx::query(&format!(
            "CREATE TABLE {} ({})",
            quote(name),
            defs.join(", ")
        ))
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let mut placeholders = Vec::new();
        let mut insert_cols = Vec::new();
        if geometry_type.is_some() {
            insert_cols.push("geom".to_owned());
            placeholders.push("?");
        }
        for c in &columns {
            insert_cols.push(quote(&c.name));
            placeholders.push("?");
        }
        let insert = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(name),
            insert_cols.join(", "),
            placeholders.join(", ")
        );
        let mut extent: Option<[f64; 4]> = None;
        progress.stage(&format!("writing {name}"), records.len() as u64);
        for (index, r) in records.iter().enumerate() {
            if index.is_multiple_of(256) && progress.is_cancelled() {
                return Err(GpkgError::Cancelled);
            }
            let mut q = sqlx::query(&insert);
            if geometry_type.is_some() {
                let promoted = r
                    .geometry
                    .as_ref()
                    .map(|g| promote(g, geometry_type.as_deref()));
                let blob = match &promoted {
                    None => None,
                    Some(g) => {
                        let env = g.bounding_rect().map(|b| {
                            let e = [b.min().x, b.min().y, b.max().x, b.max().y];
                            let acc = extent.get_or_insert(e);
                            acc[0] = acc[0].min(e[0]);
                            acc[1] = acc[1].min(e[1]);
                            acc[2] = acc[2].max(e[2]);
                            acc[3] = acc[3].max(e[3]);
                            e
                        });
                        // Points carry no envelope (GDAL's habit); others [minx, maxx, miny, maxy].
                        let envelope = match (g, env) {
                            (Geometry::Point(_), _) | (_, None) => Vec::new(),
                            (_, Some(e)) => vec![e[0], e[2], e[1], e[3]],
                        };
                        let blob = g
                            .to_gpkg_wkb(CoordDimensions::xy(), Some(4326), envelope)
                            .map_err(|e| GpkgError::Geometry {
                                path: path.clone(),
                                layer: name.to_owned(),
                                index,
                                message: e.to_string(),
                            })?;
                        Some(blob)
                    }
                };
                q = q.bind(blob);
            }
            for c in &columns {
                let v = r.properties.get(&c.name).unwrap_or(&Value::Null);
                q = match (c.kind, v) {
                    (_, Value::Null) => q.bind(None::<String>),
                    (ColumnKind::Integer, v) => q.bind(v.as_i64()),
                    (ColumnKind::Real, v) => q.bind(v.as_f64()),
                    (ColumnKind::Bool, v) => q.bind(v.as_bool().map(i64::from)),
                    (_, v) => q.bind(crate::flat::text_of(v)),
                };
            }
            q.execute(&mut *tx).await.map_err(err)?;
            progress.advance(1);
        }
        let data_type = if geometry_type.is_some() {
            "features"
        } else {
            "attributes"
        };
        let [min_x, min_y, max_x, max_y] = extent.map_or([None; 4], |e| e.map(Some));
        sqlx::query(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(name)
        .bind(data_type)
        .bind(name)
        .bind(description)
        .bind(min_x)
        .bind(min_y)
        .bind(max_x)
        .bind(max_y)
        .bind(geometry_type.as_ref().map(|_| 4326_i64))
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if let Some(t) = &geometry_type {
            sqlx::query("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)")
                .bind(name)
                .bind(t)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(())
    }

    /// Closes the file.
    ///
    /// # Errors
    /// SQLite failing.
    pub async fn finish(self) -> Result<(), GpkgError> {
        let path = self.path.clone();
        self.conn
            .close()
            .await
            .map_err(|source| GpkgError::Sqlite { path, source })
    }
}

/// The geometry type name of a layer: its one type, the `MULTI` form when single and multi
/// parts of one kind mix, else `GEOMETRY`.
fn geometry_type(records: &[Record]) -> Option<String> {
    let mut names: Vec<&'static str> = records
        .iter()
        .filter_map(|r| r.geometry.as_ref())
        .map(|g| match g {
            Geometry::Point(_) => "POINT",
            Geometry::MultiPoint(_) => "MULTIPOINT",
            Geometry::LineString(_) | Geometry::Line(_) => "LINESTRING",
            Geometry::MultiLineString(_) => "MULTILINESTRING",
            Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "POLYGON",
            Geometry::MultiPolygon(_) => "MULTIPOLYGON",
            Geometry::GeometryCollection(_) => "GEOMETRYCOLLECTION",
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    Some(match names.as_slice() {
        [] => "GEOMETRY".to_owned(),
        [one] => (*one).to_owned(),
        [a, b] if b.strip_prefix("MULTI") == Some(a) => (*b).to_owned(),
        _ => "GEOMETRY".to_owned(),
    })
}

/// A single part as its `MULTI` form when the layer's type is that form.
fn promote(g: &Geometry<f64>, layer_type: Option<&str>) -> Geometry<f64> {
    use geo_types::{MultiLineString, MultiPoint, MultiPolygon};
    match (g, layer_type) {
        (Geometry::Point(p), Some("MULTIPOINT")) => MultiPoint(vec![*p]).into(),
        (Geometry::LineString(l), Some("MULTILINESTRING")) => {
            MultiLineString(vec![l.clone()]).into()
        }
        (Geometry::Polygon(p), Some("MULTIPOLYGON")) => MultiPolygon(vec![p.clone()]).into(),
        _ => g.clone(),
    }
}

/// Compile-time check: the reader's and writer's futures are `Send` (the shells run them on
/// tokio's multi-threaded runtime, in jobs).
#[cfg(test)]
#[allow(dead_code)]
fn futures_are_send(w: &mut Writer, r: &[Record], p: &onemap_progress::Progress) {
    fn is_send<T: Send>(_: T) {}
    is_send(Writer::create(Path::new("x")));
    is_send(w.add_layer("a", "b", true, r, p));
    is_send(read(Path::new("x"), None));
}

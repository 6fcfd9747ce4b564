//! OneMap's data formats: reading the sources a district brings (GeoJSON, Shapefile,
//! GeoPackage, KML, CSV, spreadsheets), what their coordinates mean, mapping their fields onto
//! OneMap's layers, and writing layers back out (GeoPackage, Shapefile, KML).
//!
//! This crate knows nothing of the store, HTTP or Tauri:
//!
//! - [`crs`]: the coordinate system a source declares (EPSG code or `.prj` WKT) → WGS84.
//! - [`source`]: a source read into memory ([`source::read`] picks the reader by extension).
//! - [`shp`], [`gpkg`], [`kml`], [`table`]: the readers and writers of each format.
//! - [`schema`]: the layer contract of `geodata/SCHEMA.md` as data (field types, enumerations).
//! - [`mapping`]: the mapping file, the suggested mapping, and applying it (coercion, labels,
//!   coordinate columns, address matching).
//! - [`flat`]: properties as columns of flat formats.
//! - [`print`]: the map of a bounding box as a printable PNG (legend, scale bar, north arrow,
//!   title block).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod crs;
pub mod flat;
pub mod gpkg;
pub mod kml;
pub mod mapping;
pub mod print;
pub mod schema;
pub mod shp;
pub mod source;
pub mod table;

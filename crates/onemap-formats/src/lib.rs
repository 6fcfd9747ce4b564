//! OneMap's data formats: what an imported file's coordinates mean.
//!
//! This crate knows nothing of HTTP or Tauri. Its first part, [`crs`], reads the coordinate
//! system a source declares (an EPSG code from a GeoPackage's `gpkg_spatial_ref_sys`, or the WKT
//! of a Shapefile's `.prj`) and turns source coordinates into WGS84 longitude/latitude, the
//! datum OneMap stores.

pub mod crs;
pub mod shp;

//! OneMap's vector-tile cutter: large layers of the one map as Mapbox Vector Tiles (MVT 2.1),
//! cut on the Rust side, lazily, for MapLibre.
//!
//! Knows nothing of HTTP, Tauri or the dataset's schema: a layer is points with a class, or
//! lines and polygons, and the caller writes each feature's properties.
//!
//! - [`TileId`]: the XYZ address of a tile and the Web Mercator world it covers.
//! - [`PointTiles`]: points (buildings, cameras), each in exactly one tile; below a zoom, one
//!   feature per cell with `point_count` and a count per class, so that at city scale the
//!   share of warnings in each cell can be drawn.
//! - [`ShapeTiles`]: lines and polygons (sub-grids, roads), clipped to each tile with a buffer,
//!   simplified to the tile's resolution.
//! - [`encode`]: the MVT layer writer over geozero's protobuf types.
//! - [`TileCache`]: cut tiles kept under a byte budget.
//!
//! ```
//! use onemap_tiles::{Aggregation, PointInput, PointTiles, TileId};
//! let pts = (0..100).map(|i| PointInput { lon: 113.9 + f64::from(i) * 1e-4, lat: 22.75, class: u8::from(i % 10 == 0) });
//! let agg = Aggregation { below_zoom: 14, cells_log2: 3, classes: vec!["safe".into(), "warning".into()] };
//! let layer = PointTiles::new("buildings", pts, Some(agg));
//! let tile = layer.tile(TileId::containing(113.9, 22.75, 10), &|i, p| { p.uint("i", i as u64); });
//! assert!(!tile.is_empty());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
pub mod encode;
mod points;
mod shapes;
mod tile_id;

pub use cache::TileCache;
pub use encode::{LayerBuilder, Props};
pub use points::{Aggregation, PointInput, PointTiles};
pub use shapes::{BUFFER, ShapeTiles};
pub use tile_id::{MAX_ZOOM, TileId, lonlat_to_world, world_to_lonlat};

/// What can go wrong asking for a tile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The address is not a tile (zoom too deep, column or row off the grid, not numbers).
    #[error("{0}")]
    BadTile(String),
}

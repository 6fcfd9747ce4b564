//! Deterministic generator of OneMap datasets.
//!
//! Builds the layers of `geodata/SCHEMA.md` on the real district outlines, street and
//! community names and codes, matching the published counts exactly (buildings and their
//! ratings, sub-grids, stations, cameras, cases) and generating everything nobody publishes
//! (boundaries below the district, buildings, roads, stations, cameras, case history) from a
//! seed. The same seed gives the same bytes.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod buckets;
pub mod buildings;
pub mod cameras;
pub mod cases;
pub mod civil_time;
pub mod dataset;
pub mod landuse;
pub mod locate;
pub mod matters;
pub mod names;
pub mod partition;
pub mod plane;
pub mod profile;
pub mod read;
pub mod reference;
pub mod roads;
pub mod stations;
pub mod summary;
pub mod write;

pub use dataset::{Dataset, generate, generate_with};
pub use profile::{DEFAULT_SEED, Scale};

/// What can go wrong while generating or writing a dataset.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The embedded reference data did not parse.
    #[error("reference data: {0}")]
    Reference(String),
    /// Writing the dataset failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file being written.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Reading a dataset failed.
    #[error("reading dataset: {0}")]
    Read(String),
    /// Cancelled through the progress handle; nothing was written.
    #[error("cancelled; nothing was written")]
    Cancelled,
}

impl From<onemap_progress::Cancelled> for GenError {
    fn from(_: onemap_progress::Cancelled) -> Self {
        GenError::Cancelled
    }
}

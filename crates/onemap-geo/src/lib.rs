//! OneMap's spatial core.
//!
//! Knows nothing of databases, HTTP or Tauri: it parses layers, projects them once into a
//! metric plane and answers the questions of the one map in metres.
//!
//! - [`dataset`]: the layers of `geodata/SCHEMA.md` as typed records.
//! - [`atlas`]: the immutable snapshot with its indexes (`Send + Sync`, meant for an `Arc`).
//! - [`locate`]: which sub-grid / community / street a point lies in.
//! - [`nearest`]: the nearest service stations.
//! - [`coverage`]: 500-m coverage of buildings, residents and area (exact circles).
//! - [`gaps`]: the uncovered part of the district as polygons.
//! - [`within`]: buildings in a polygon or a radius, by rating.
//! - [`siting`]: greedy siting of new stations (maximum coverage), as the peer benchmark runs it.
//! - [`scenario`]: what-if — add, move, remove stations; incremental coverage per unit.
//! - [`suggest`]: suggested sites (weighted lazy greedy) with optimality bounds, exact on small
//!   instances.
//! - [`policy`]: the rule "every sub-grid has each service within 500 m of its residents".
//! - [`walking`]: walking distance along a road network, against the circle.
//! - [`index`]: the uniform-grid point index under all of them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod atlas;
pub mod coverage;
pub mod dataset;
pub mod gaps;
mod geom;
pub mod index;
pub mod locate;
pub mod nearest;
mod parallel;
pub mod policy;
pub mod projection;
pub mod scenario;
pub mod siting;
pub mod suggest;
pub mod walking;
pub mod within;

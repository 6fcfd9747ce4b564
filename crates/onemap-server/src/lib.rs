//! OneMap's map API and browser mode.
//!
//! - [`map`]: what the one map asks of the Rust side (layers as GeoJSON, popups, search,
//!   coverage gaps) as plain functions over a loaded dataset. The Tauri shell calls these too.
//! - `http` (feature `http`, on by default): the axum routes over [`map`], the live stream
//!   (SSE), health and readiness, and the UI embedded in the binary.
//! - `dashboard` (feature `http`): the dashboard, risk and briefing routes over
//!   `onemap_dashboard`, and the briefing-only guard of `onemap serve --briefing`.
//! - `reports` (feature `reports`): the same reports as plain async functions, for the desktop.
//! - `intake` (feature `store`): cases filed in the store and its live bus forwarded to the map.
//! - `formats` (feature `http`): the import wizard, exports, print and jobs routes.
//! - `print` (feature `formats`): the map's layers as a print scene, and the jobs that print
//!   and export (shared by the HTTP routes and the desktop's commands).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "http")]
pub mod dashboard;
#[cfg(feature = "http")]
pub mod formats;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "store")]
pub mod intake;
pub mod live;
pub mod map;
#[cfg(feature = "formats")]
pub mod print;
#[cfg(feature = "reports")]
pub mod reports;

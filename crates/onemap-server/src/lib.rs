//! OneMap's map API, app API and browser mode.
//!
//! - [`map`]: what the one map asks of the Rust side (layers as GeoJSON, popups, search,
//!   coverage gaps) as plain functions over a loaded dataset. The Tauri shell calls these too.
//! - `app` (feature `store`): the app API every shell calls — the case queue and detail, the
//!   loop's actions, new cases, camera alerts, Open311's services and requests, boards, figures,
//!   access and the audit log — taking the caller's principal and enforcing its role and street.
//! - `http` (feature `http`, on by default): the axum routes over both (`api`), `guard` (who may
//!   call what, body limit, uniform `{code, message}` errors), `open311` (GeoReport v2, JSON and
//!   XML), the live stream (SSE), health and readiness, and the UI embedded in the binary.
//! - `dashboard` (feature `http`): the dashboard, risk and briefing routes over
//!   `onemap_dashboard`, and the briefing-only guard of `onemap serve --briefing`.
//! - `reports` (feature `reports`): the same reports as plain async functions, for the desktop.
//! - `planning` (feature `store`): the planning app API — coverage, gaps, what-if scenarios,
//!   suggested sites, the policy check, walking, exports; `planning_http` its routes.
//! - `formats` (feature `http`): the import wizard, exports, print and jobs routes.
//! - `print` (feature `formats`): the map's layers as a print scene, and the jobs that print
//!   and export (shared by the HTTP routes and the desktop's commands).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "http")]
pub mod api;
#[cfg(feature = "store")]
pub mod app;
#[cfg(feature = "http")]
pub mod dashboard;
#[cfg(feature = "http")]
pub mod formats;
#[cfg(feature = "http")]
pub mod guard;
#[cfg(feature = "http")]
pub mod http;
pub mod live;
pub mod map;
#[cfg(feature = "http")]
pub mod open311;
#[cfg(feature = "store")]
pub mod planning;
#[cfg(feature = "http")]
pub mod planning_http;
#[cfg(feature = "formats")]
pub mod print;
#[cfg(feature = "reports")]
pub mod reports;

/// Locks `m`, taking the data of a poisoned mutex too: a holder that panicked leaves what its
/// last finished write made (these mutexes guard maps and queues, never a half-made value), and
/// one panicked request must not take every later one down with it.
#[cfg(feature = "store")]
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

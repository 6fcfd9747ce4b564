//! OneMap's dashboard, risk score and briefing, over the store ([`onemap::Store`]) and the
//! Atlas the store locates cases with. No HTTP, no Tauri: the shells call these functions and
//! pass their answers on.
//!
//! - [`kpi`]: the KPI tiles (today's appeals, same-day rate, resolution since 2022, orders on
//!   time, open breaches, warning buildings, coverage per service).
//! - [`charts`]: the dashboard's charts, drawn by plotters as SVG (and PNG for export) with
//!   their data in the SVG's metadata.
//! - [`risk`]: the sub-grid risk score (docs/risk.md), rolled up to communities, streets and
//!   the district.
//! - [`briefing`]: the leaders' tour (district → streets → hottest sub-grids → live cases),
//!   case playback, and nothing personal; [`slides`] draws the tour as numbered PNG slides.
//! - [`i18n`]: the zh-CN and en catalogue every text of a report comes from.
//! - [`font`]: finding the CJK font PNGs are drawn with.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod briefing;
pub mod charts;
mod context;
mod coverage;
pub mod draw;
pub mod error;
pub mod font;
pub mod i18n;
pub mod kpi;
pub mod risk;
pub mod slides;

pub use context::{AsOf, AsOfBasis, Source};
pub use error::{Error, Result};
pub use i18n::Lang;

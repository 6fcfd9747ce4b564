//! OneMap's application core: the store (SQLite by default, PostgreSQL for several seats), the
//! closed case loop, SLA clocks and their scheduler, department orders, figures, the live bus,
//! layer import/export, planning scenarios, the operators' queue, camera alerts and possible
//! duplicates, and roles and access (users, sessions, API keys, the audit log). It knows nothing
//! of Tauri or HTTP: shells call the async methods of [`Store`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access;
pub mod audit;
pub mod board;
pub mod bus;
pub mod camera;
pub mod cases;
pub mod clocks;
pub mod datum;
pub mod error;
pub mod exports;
pub mod figures;
pub mod geometry;
pub mod grading;
pub mod history;
pub mod imports;
mod intake;
pub mod jobs;
pub mod layers;
pub mod lifecycle;
pub mod locate;
pub mod matters;
pub mod model;
pub mod nearby;
pub mod orders;
pub mod queue;
pub mod scenarios;
pub mod store;
pub mod tallies;
pub mod time;

pub use error::{Error, ErrorCode, Result};
pub use store::{Options, Store, Target};

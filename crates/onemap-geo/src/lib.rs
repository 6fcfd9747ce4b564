//! OneMap's spatial core.
//!
//! Knows nothing of databases, HTTP or Tauri: it parses layers, projects them once into a
//! metric plane and answers the questions of the one map in metres.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod projection;

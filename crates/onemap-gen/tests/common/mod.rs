//! Shared by the integration tests: the committed dataset, read once per test binary.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use onemap_gen::read::{LoadedDataset, read_dir};

/// `geodata/guangming/` in the repository.
pub fn committed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../geodata/guangming")
}

/// The committed dataset.
pub fn committed() -> &'static LoadedDataset {
    static DATA: OnceLock<LoadedDataset> = OnceLock::new();
    DATA.get_or_init(|| read_dir(&committed_dir()).expect("geodata/guangming reads"))
}

/// Rows of a reference CSV (no quoted commas in the columns used).
pub fn reference_rows(file: &str) -> Vec<Vec<String>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../geodata/reference")
        .join(file);
    let text = std::fs::read_to_string(path).expect("reference csv reads");
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

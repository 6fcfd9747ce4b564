//! The big layers' records (buildings, cases) kept lean: at city scale (600,000 buildings,
//! 476,000 cases) a JSON value tree per feature would take gigabytes. What the map, search and
//! counts need stays in memory in a compact row; a popup reads its feature back from the
//! dataset file through the byte span remembered at load (a few hundred bytes, microseconds).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::MapError;

/// Where one feature's text lies: which file, from which byte, how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    file: u16,
    offset: u64,
    len: u32,
}

/// The dataset files spans point into.
#[derive(Debug, Default)]
pub(super) struct FeatureFiles {
    paths: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct Collection<'a> {
    #[serde(borrow)]
    features: Vec<&'a RawValue>,
}

impl FeatureFiles {
    /// Reads `path` (a FeatureCollection) and calls `each(raw feature text, its span)` in file
    /// order. Only one file's text is held at a time.
    pub(super) fn scan(
        &mut self,
        path: &Path,
        mut each: impl FnMut(&str, Span) -> Result<(), MapError>,
    ) -> Result<(), MapError> {
        let bad = |e: &dyn std::fmt::Display| MapError::Dataset(format!("{}: {e}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| bad(&e))?;
        let fc: Collection<'_> = serde_json::from_str(&text).map_err(|e| bad(&e))?;
        let file = u16::try_from(self.paths.len()).map_err(|e| bad(&e))?;
        self.paths.push(path.to_path_buf());
        let base = text.as_ptr() as usize;
        for raw in fc.features {
            let s = raw.get();
            let span = Span {
                file,
                offset: (s.as_ptr() as usize - base) as u64,
                len: u32::try_from(s.len()).map_err(|e| bad(&e))?,
            };
            each(s, span)?;
        }
        Ok(())
    }

    /// The feature at `span`, parsed.
    pub(super) fn read(&self, span: Span) -> Result<Value, MapError> {
        let path = self
            .paths
            .get(usize::from(span.file))
            .ok_or_else(|| MapError::Dataset("a feature of an unknown file".into()))?;
        let bad = |e: &dyn std::fmt::Display| MapError::Dataset(format!("{}: {e}", path.display()));
        let mut f = std::fs::File::open(path).map_err(|e| bad(&e))?;
        f.seek(SeekFrom::Start(span.offset)).map_err(|e| bad(&e))?;
        let mut buf = vec![0u8; span.len as usize];
        f.read_exact(&mut buf).map_err(|e| bad(&e))?;
        serde_json::from_slice(&buf).map_err(|e| bad(&e))
    }

    /// The properties of the feature at `span`.
    pub(super) fn properties(
        &self,
        span: Span,
    ) -> Result<serde_json::Map<String, Value>, MapError> {
        match self.read(span)?.get_mut("properties").map(Value::take) {
            Some(Value::Object(m)) => Ok(m),
            _ => Ok(serde_json::Map::new()),
        }
    }
}

/// Just the id of a feature.
#[derive(Deserialize)]
pub(super) struct IdOnly {
    pub properties: IdProps,
}

/// Just the id of a feature's properties.
#[derive(Deserialize)]
pub(super) struct IdProps {
    pub id: String,
}

/// What a case row is read from.
#[derive(Deserialize)]
pub(super) struct CaseIn {
    pub geometry: Option<PointIn>,
    pub properties: CasePropsIn,
}

/// A point geometry.
#[derive(Deserialize)]
pub(super) struct PointIn {
    pub coordinates: Vec<f64>,
}

/// The case properties the rows keep.
#[derive(Deserialize)]
pub(super) struct CasePropsIn {
    pub id: String,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub reported_at: Option<String>,
    #[serde(default)]
    pub subgrid_code: Option<String>,
    #[serde(default)]
    pub building_id: Option<String>,
}

/// One case in memory: enough to search, count, order and draw it; the rest is in its file.
#[derive(Debug)]
pub(super) struct CaseRow {
    pub id: Box<str>,
    pub lon: f64,
    pub lat: f64,
    pub reported_at: Box<str>,
    pub open: bool,
    pub span: Span,
}

//! Reads a dataset directory back: the layers as plain features, for the summary, the
//! renderer and the tests.

use std::collections::BTreeMap;
use std::path::Path;

use geo::{Coord, Geometry, LineString, Point};
use serde_json::{Map, Value};

use crate::GenError;
use crate::reference::multipolygon_from_geometry;

/// The layers of `geodata/SCHEMA.md`, in reading order.
pub const LAYERS: [&str; 10] = [
    "districts",
    "streets",
    "communities",
    "subgrids",
    "stations",
    "buildings",
    "cameras",
    "roads",
    "matters",
    "cases",
];

/// One feature as read.
#[derive(Debug, Clone)]
pub struct Feature {
    /// The feature's `id` member.
    pub id: String,
    /// Its geometry (WGS84), `None` for `null`.
    pub geometry: Option<Geometry>,
    /// Its properties.
    pub properties: Map<String, Value>,
}

impl Feature {
    /// A string property, or `""`.
    pub fn str(&self, key: &str) -> &str {
        self.properties
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// A numeric property, or 0.
    pub fn num(&self, key: &str) -> f64 {
        self.properties
            .get(key)
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    }

    /// The position of a Point feature.
    pub fn point(&self) -> Option<Coord> {
        match &self.geometry {
            Some(Geometry::Point(p)) => Some(p.0),
            _ => None,
        }
    }
}

/// A dataset as read from a directory.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    /// `meta.json`.
    pub meta: Value,
    /// Features per layer name; every layer of [`LAYERS`] is present (maybe empty).
    pub layers: BTreeMap<String, Vec<Feature>>,
    /// Bytes of every file read, by file name.
    pub file_sizes: BTreeMap<String, u64>,
}

impl LoadedDataset {
    /// The features of a layer.
    pub fn layer(&self, name: &str) -> &[Feature] {
        self.layers.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn coord(v: &Value) -> Option<Coord> {
    let a = v.as_array()?;
    Some(Coord {
        x: a.first()?.as_f64()?,
        y: a.get(1)?.as_f64()?,
    })
}

fn geometry(v: &Value) -> Option<Geometry> {
    match v.get("type")?.as_str()? {
        "Point" => Some(Geometry::Point(Point(coord(v.get("coordinates")?)?))),
        "LineString" => Some(Geometry::LineString(LineString::new(
            v.get("coordinates")?
                .as_array()?
                .iter()
                .map(coord)
                .collect::<Option<Vec<_>>>()?,
        ))),
        "Polygon" | "MultiPolygon" => Some(Geometry::MultiPolygon(multipolygon_from_geometry(v)?)),
        _ => None,
    }
}

fn read_text(path: &Path) -> Result<String, GenError> {
    std::fs::read_to_string(path).map_err(|e| GenError::Read(format!("{}: {e}", path.display())))
}

fn parse_collection(text: &str, name: &str) -> Result<Vec<Feature>, GenError> {
    let json: Value =
        serde_json::from_str(text).map_err(|e| GenError::Read(format!("{name}: {e}")))?;
    let features = json
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| GenError::Read(format!("{name}: no features array")))?;
    features
        .iter()
        .map(|f| {
            let id = match f.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let geometry = match f.get("geometry") {
                None | Some(Value::Null) => None,
                Some(g) => Some(
                    geometry(g)
                        .ok_or_else(|| GenError::Read(format!("{name}: bad geometry in {id}")))?,
                ),
            };
            let properties = f
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            Ok(Feature {
                id,
                geometry,
                properties,
            })
        })
        .collect()
}

/// The files a layer is stored in: `<layer>.geojson`, or the parts `meta.json` lists under
/// `files.<layer>` (the case history is written in half-year parts).
pub fn layer_files(meta: &Value, layer: &str) -> Vec<String> {
    match meta
        .get("files")
        .and_then(|f| f.get(layer))
        .and_then(Value::as_array)
    {
        Some(parts) => parts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        None => vec![format!("{layer}.geojson")],
    }
}

/// Reads every layer of the dataset in `dir`.
pub fn read_dir(dir: &Path) -> Result<LoadedDataset, GenError> {
    let meta_text = read_text(&dir.join("meta.json"))?;
    let meta: Value =
        serde_json::from_str(&meta_text).map_err(|e| GenError::Read(format!("meta.json: {e}")))?;
    let mut layers = BTreeMap::new();
    let mut file_sizes = BTreeMap::new();
    file_sizes.insert("meta.json".to_owned(), meta_text.len() as u64);
    for layer in LAYERS {
        let mut features = Vec::new();
        for file in layer_files(&meta, layer) {
            let text = read_text(&dir.join(&file))?;
            file_sizes.insert(file.clone(), text.len() as u64);
            features.extend(parse_collection(&text, &file)?);
        }
        layers.insert(layer.to_owned(), features);
    }
    Ok(LoadedDataset {
        meta,
        layers,
        file_sizes,
    })
}

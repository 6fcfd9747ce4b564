//! The map's data API: what the one map asks of the Rust side, as plain synchronous functions
//! over a loaded dataset. The HTTP routes and the Tauri commands are one-line adapters over
//! these.
//!
//! A [`MapData`] is built once from a dataset directory (`geodata/SCHEMA.md`): the
//! [`Atlas`] for the spatial questions, the layers pre-serialised as GeoJSON text for the map,
//! and the raw feature properties for popups and search.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use onemap_geo::atlas::Atlas;
use onemap_geo::coverage::UnitCoverage;
use onemap_geo::dataset::{AdminLevel, Service};
use serde::Serialize;
use serde_json::{Map, Value, json};

mod current;
mod records;
mod tiles;
pub use current::{CurrentMap, Redrawn};
pub use tiles::{BUILDING_DETAIL_ZOOM, LOCAL_ROAD_ZOOM, SECONDARY_ROAD_ZOOM, TileLayer};

use records::{CaseIn, CaseRow, FeatureFiles, IdOnly, Span};

/// The radius of every service circle (500米服务圈), metres.
pub const CIRCLE_RADIUS_M: f64 = 500.0;
/// The side of a coverage-gap cell, metres.
pub const GAP_CELL_M: f64 = 250.0;
/// How many of the most recent historical cases the cases layer carries besides the open ones.
pub const RECENT_CASES: usize = 300;

/// Shenzhen's districts (real outlines), the context around the dataset.
const SHENZHEN_DISTRICTS: &str =
    include_str!("../../../geodata/reference/shenzhen_districts_wgs84.geojson");
/// The cities around Shenzhen (real outlines).
const NEIGHBOUR_CITIES: &str =
    include_str!("../../../geodata/reference/shenzhen_neighbour_cities_wgs84.geojson");

/// What can go wrong; each variant maps to one `code` at the IPC and HTTP boundary.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// No such layer, building, station, sub-grid or case.
    #[error("{0}")]
    NotFound(String),
    /// The request itself is wrong (an empty query, an unknown service).
    #[error("{0}")]
    Invalid(String),
    /// The dataset could not be read.
    #[error("dataset: {0}")]
    Dataset(String),
}

impl MapError {
    /// The closed code the UI switches on: `not_found`, `invalid` or `dataset`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            MapError::NotFound(_) => "not_found",
            MapError::Invalid(_) => "invalid",
            MapError::Dataset(_) => "dataset",
        }
    }

    /// The `{code, message}` object that crosses IPC and HTTP.
    #[must_use]
    pub fn body(&self) -> ApiError {
        ApiError {
            code: self.code(),
            message: self.to_string(),
        }
    }
}

/// An error as the UI sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ApiError {
    /// One of a small closed set (`not_found`, `invalid`, `dataset`, `internal`).
    pub code: &'static str,
    /// What went wrong, for a person.
    pub message: String,
}

/// The layers the map asks for by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// Shenzhen's other districts and the neighbouring cities (real outlines).
    Context,
    /// The dataset's district(s).
    Districts,
    /// Streets (街道).
    Streets,
    /// Communities (社区).
    Communities,
    /// Red sub-grids (红色小分格).
    Subgrids,
    /// Roads.
    Roads,
    /// Service halls and stations.
    Stations,
    /// True metric 500-m circles, one polygon per station and service.
    Circles,
    /// Rated buildings (id and rating only; details come from [`MapData::building`]).
    Buildings,
    /// Video cameras.
    Cameras,
    /// Open and most recent cases.
    Cases,
    /// One label point per district, street, community and sub-grid (inside its outline), and
    /// per context place (`kind: context`, inside its largest part).
    Labels,
}

impl Layer {
    /// Every layer, in drawing order.
    pub const ALL: [Layer; 12] = [
        Layer::Context,
        Layer::Districts,
        Layer::Streets,
        Layer::Communities,
        Layer::Subgrids,
        Layer::Roads,
        Layer::Circles,
        Layer::Stations,
        Layer::Buildings,
        Layer::Cameras,
        Layer::Cases,
        Layer::Labels,
    ];

    /// The layer's name in URLs and commands.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Context => "context",
            Layer::Districts => "districts",
            Layer::Streets => "streets",
            Layer::Communities => "communities",
            Layer::Subgrids => "subgrids",
            Layer::Roads => "roads",
            Layer::Stations => "stations",
            Layer::Circles => "circles",
            Layer::Buildings => "buildings",
            Layer::Cameras => "cameras",
            Layer::Cases => "cases",
            Layer::Labels => "labels",
        }
    }

    /// The layer named `name`.
    ///
    /// ```
    /// use onemap_server::map::Layer;
    /// assert_eq!(Layer::parse("buildings").unwrap(), Layer::Buildings);
    /// assert_eq!(Layer::parse("nope").unwrap_err().code(), "not_found");
    /// ```
    ///
    /// # Errors
    /// [`MapError::NotFound`] for an unknown name.
    pub fn parse(name: &str) -> Result<Layer, MapError> {
        Layer::ALL
            .into_iter()
            .find(|l| l.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Layer::ALL.iter().map(|l| l.as_str()).collect();
                MapError::NotFound(format!("no layer {name:?} (one of: {})", names.join(", ")))
            })
    }
}

/// A search hit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchHit {
    /// `street`, `community`, `subgrid`, `station`, `building` or `case`.
    pub kind: &'static str,
    /// Its code or id.
    pub id: String,
    /// What to show (Chinese name, address).
    pub label: String,
    /// Where it belongs (`光明街道 · 光明社区`).
    pub context: String,
    /// Where to fly: [west, south, east, north]; a point has west = east.
    pub bbox: [f64; 4],
}

/// Metadata about the loaded dataset, for the status bar and for readiness.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Overview {
    /// The dataset directory.
    pub data_dir: String,
    /// The bounding box of the dataset's districts: [west, south, east, north].
    pub bbox: [f64; 4],
    /// Features per layer.
    pub counts: HashMap<&'static str, usize>,
    /// Buildings per rating.
    pub ratings: HashMap<&'static str, usize>,
    /// The dataset's `meta.json`, when present.
    pub meta: Value,
}

#[derive(Debug)]
struct Point {
    lon: f64,
    lat: f64,
    props: Map<String, Value>,
}

#[derive(Debug)]
struct Area {
    props: Map<String, Value>,
    bbox: [f64; 4],
}

/// The loaded dataset and everything the map asks of it. `Send + Sync`; share it in an `Arc`.
#[derive(Debug)]
pub struct MapData {
    atlas: Arc<Atlas>,
    dir: PathBuf,
    layers: HashMap<Layer, Arc<String>>,
    counts: HashMap<&'static str, usize>,
    bbox: [f64; 4],
    meta: Value,
    /// The dataset files the spans below point into.
    files: FeatureFiles,
    /// Per Atlas building: where its feature lies in `buildings.geojson` (the popup's record).
    building_spans: Vec<Option<Span>>,
    /// Atlas buildings by id.
    building_by_id: IdIndex,
    stations: Vec<Point>,
    station_by_id: HashMap<String, usize>,
    areas: HashMap<String, (&'static str, Area)>,
    cases: Vec<CaseRow>,
    /// Cases by id.
    case_by_id: IdIndex,
    /// Atlas cameras by id (camera alerts name their camera).
    camera_by_id: IdIndex,
    open_by_subgrid: HashMap<String, u64>,
    /// (Atlas building index, case index), sorted.
    cases_by_building: Vec<(u32, u32)>,
    coverage: OnceLock<HashMap<&'static str, HashMap<String, UnitCoverage>>>,
    gaps: OnceLock<Arc<String>>,
    tiles: OnceLock<tiles::Tiles>,
    roads: tiles::Roads,
    /// The directory of layers written from the store ([`MapData::load_with_store`]), kept
    /// for as long as the map reads from it.
    #[cfg(feature = "formats")]
    overlay: Option<tempfile::TempDir>,
}

/// Positions sorted by the id of what they point at: an id → position index of 4 bytes an
/// entry (a map of owned ids would take ten times that at city scale). `id_of(i)` gives the
/// id at position `i`, the same function at build and at lookup.
#[derive(Debug)]
struct IdIndex(Vec<u32>);

impl IdIndex {
    fn new<'a>(len: usize, id_of: impl Fn(usize) -> &'a str) -> IdIndex {
        let mut order: Vec<u32> = (0..len)
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        order.sort_unstable_by(|&a, &b| id_of(a as usize).cmp(id_of(b as usize)));
        IdIndex(order)
    }

    fn find<'a>(&self, id: &str, id_of: impl Fn(usize) -> &'a str) -> Option<usize> {
        self.0
            .binary_search_by(|&k| id_of(k as usize).cmp(id))
            .ok()
            .map(|k| self.0[k] as usize)
    }
}

/// A link to `from` at `to` (a copy where links are not supported).
#[cfg(feature = "formats")]
fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(from, to)
    }
    #[cfg(not(unix))]
    {
        std::fs::copy(from, to).map(drop)
    }
}

fn read_collection(dir: &Path, name: &str, required: bool) -> Result<Vec<Value>, MapError> {
    let path = dir.join(format!("{name}.geojson"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(MapError::Dataset(format!("{}: {e}", path.display()))),
    };
    features_of(&text).map_err(|e| MapError::Dataset(format!("{}: {e}", path.display())))
}

/// The case layer's files: `cases.geojson` or its parts (`cases-2022h1.geojson`, …), sorted.
fn case_files(dir: &Path) -> Result<Vec<String>, MapError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| MapError::Dataset(format!("{}: {e}", dir.display())))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n == "cases.geojson" || (n.starts_with("cases-") && n.ends_with(".geojson")))
        .map(|n| n.trim_end_matches(".geojson").to_string())
        .collect();
    names.sort();
    Ok(names)
}

fn features_of(text: &str) -> Result<Vec<Value>, String> {
    let mut v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match v.get_mut("features").map(Value::take) {
        Some(Value::Array(a)) => Ok(a),
        _ => Err("not a FeatureCollection".to_string()),
    }
}

fn props_of(f: &Value) -> Map<String, Value> {
    f.get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn point_of(f: &Value) -> Option<(f64, f64)> {
    let c = f.get("geometry")?.get("coordinates")?.as_array()?;
    Some((c.first()?.as_f64()?, c.get(1)?.as_f64()?))
}

fn str_prop<'a>(p: &'a Map<String, Value>, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or("")
}

/// The bounding box of any GeoJSON geometry's coordinates.
fn bbox_of(geometry: &Value) -> Option<[f64; 4]> {
    fn walk(v: &Value, b: &mut [f64; 4]) {
        if let Some(a) = v.as_array() {
            if let (Some(x), Some(y)) = (
                a.first().and_then(Value::as_f64),
                a.get(1).and_then(Value::as_f64),
            ) {
                b[0] = b[0].min(x);
                b[1] = b[1].min(y);
                b[2] = b[2].max(x);
                b[3] = b[3].max(y);
            } else {
                for c in a {
                    walk(c, b);
                }
            }
        }
    }
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    walk(geometry.get("coordinates")?, &mut b);
    b[0].is_finite().then_some(b)
}

fn union(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

fn collection(features: Vec<Value>) -> Arc<String> {
    Arc::new(json!({"type": "FeatureCollection", "features": features}).to_string())
}

fn point_feature(lon: f64, lat: f64, props: Map<String, Value>) -> Value {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props})
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// The point `distance_m` from (lon, lat) at `bearing` radians, on the WGS84 mean sphere.
fn destination(lon: f64, lat: f64, bearing: f64, distance_m: f64) -> [f64; 2] {
    const R: f64 = 6_371_008.8;
    let d = distance_m / R;
    let (p1, l1) = (lat.to_radians(), lon.to_radians());
    let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * bearing.cos()).asin();
    let l2 = l1 + (bearing.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
    [round7(l2.to_degrees()), round7(p2.to_degrees())]
}

/// A true metric circle of `radius_m` around (lon, lat) as a GeoJSON ring (64 segments).
///
/// ```
/// let ring = onemap_server::map::circle_ring(113.93, 22.75, 500.0);
/// assert_eq!(ring.len(), 65);
/// assert_eq!(ring[0], ring[64]);
/// ```
#[must_use]
pub fn circle_ring(lon: f64, lat: f64, radius_m: f64) -> Vec<[f64; 2]> {
    let n = 64;
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            // Counter-clockwise (RFC 7946): bearings decreasing from north.
            let b = -(f64::from(i) / f64::from(n)) * std::f64::consts::TAU;
            destination(lon, lat, b, radius_m)
        })
        .collect();
    ring.push(ring[0]);
    ring
}

fn service_name(s: Service) -> &'static str {
    s.as_str()
}

const SERVICES: [Service; 3] = [Service::Appeal, Service::Legal, Service::Psych];

impl MapData {
    /// Loads the dataset in `dir` (the layout of `geodata/SCHEMA.md`).
    ///
    /// # Errors
    /// [`MapError::Dataset`] when a required layer is missing or malformed.
    pub fn load(dir: &Path) -> Result<MapData, MapError> {
        let atlas = Arc::new(Atlas::load_dir(dir).map_err(|e| MapError::Dataset(e.to_string()))?);
        let meta = std::fs::read_to_string(dir.join("meta.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let mut layers = HashMap::new();
        let mut counts = HashMap::new();
        let mut areas = HashMap::new();
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut district_codes = Vec::new();

        for (layer, kind) in [
            (Layer::Districts, "district"),
            (Layer::Streets, "street"),
            (Layer::Communities, "community"),
            (Layer::Subgrids, "subgrid"),
        ] {
            let features = read_collection(dir, layer.as_str(), true)?;
            counts.insert(layer.as_str(), features.len());
            for f in &features {
                let props = props_of(f);
                let code = str_prop(&props, "code").to_string();
                let b = f.get("geometry").and_then(bbox_of).unwrap_or([0.0; 4]);
                if layer == Layer::Districts {
                    bbox = union(bbox, b);
                    district_codes.push(code.clone());
                }
                areas.insert(code, (kind, Area { props, bbox: b }));
            }
            layers.insert(layer, collection(features));
        }

        let mut context = Vec::new();
        let mut labels = label_points(&atlas);
        for text in [SHENZHEN_DISTRICTS, NEIGHBOUR_CITIES] {
            let features = features_of(text).map_err(MapError::Dataset)?;
            for mut f in features {
                let props = props_of(&f);
                let code = str_prop(&props, "adcode").to_string();
                if district_codes.contains(&code) {
                    continue;
                }
                let name = str_prop(&props, "name");
                // One label per place: MapLibre would label every island of a multipolygon.
                if let Some((lon, lat)) = f.get("geometry").and_then(label_point_of_largest_part) {
                    let mut l = Map::new();
                    l.insert("kind".into(), "context".into());
                    l.insert("code".into(), code.clone().into());
                    l.insert("name".into(), name.into());
                    labels.push(point_feature(round7(lon), round7(lat), l));
                }
                f["properties"] = json!({
                    "code": code,
                    "name": name,
                    "level": str_prop(&props, "level"),
                });
                context.push(f);
            }
        }
        counts.insert(Layer::Context.as_str(), context.len());
        layers.insert(Layer::Context, collection(context));

        counts.insert(Layer::Labels.as_str(), labels.len());
        layers.insert(Layer::Labels, collection(labels));

        // Roads reach the map as tiles; their GeoJSON is the dataset's file, read on request.
        let roads = tiles::Roads::from_features(&read_collection(dir, "roads", false)?);
        counts.insert(Layer::Roads.as_str(), roads.len());
        let cameras = read_collection(dir, "cameras", false)?;
        counts.insert(Layer::Cameras.as_str(), cameras.len());
        layers.insert(Layer::Cameras, collection(cameras));

        // Stations and their circles.
        let station_features = read_collection(dir, "stations", true)?;
        let mut stations = Vec::new();
        let mut circles = Vec::new();
        for f in &station_features {
            let Some((lon, lat)) = point_of(f) else {
                continue;
            };
            let props = props_of(f);
            let services: Vec<String> = props
                .get("services")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            for s in services {
                circles.push(json!({
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [circle_ring(lon, lat, CIRCLE_RADIUS_M)]},
                    "properties": {"station": str_prop(&props, "id"), "service": s, "level": str_prop(&props, "level")},
                }));
            }
            stations.push(Point { lon, lat, props });
        }
        counts.insert(Layer::Stations.as_str(), station_features.len());
        counts.insert(Layer::Circles.as_str(), circles.len());
        layers.insert(Layer::Stations, collection(station_features));
        layers.insert(Layer::Circles, collection(circles));
        let station_by_id = stations
            .iter()
            .enumerate()
            .map(|(i, s)| (str_prop(&s.props, "id").to_string(), i))
            .collect();

        // Buildings: the Atlas holds what the map, search and counts use; a popup reads the
        // full record back from the file through its span. (The map draws them from tiles;
        // the GeoJSON layer is written on request.)
        let mut files = FeatureFiles::default();
        let n_buildings = atlas.buildings().len();
        let building_id = |i: usize| atlas.buildings()[i].id.as_str();
        let building_by_id = IdIndex::new(n_buildings, building_id);
        let find_building = |id: &str| building_by_id.find(id, building_id);
        let mut building_spans: Vec<Option<Span>> = vec![None; n_buildings];
        files.scan(&dir.join("buildings.geojson"), |raw, span| {
            if let Ok(f) = serde_json::from_str::<IdOnly>(raw)
                && let Some(i) = find_building(&f.properties.id)
            {
                building_spans[i] = Some(span);
            }
            Ok(())
        })?;
        counts.insert(Layer::Buildings.as_str(), n_buildings);

        // Cases: all are searchable and counted, the open and the most recent are drawn; each
        // is a small row in memory and its feature stays in its file (at city scale 476,000
        // full records would not fit the desktop app's memory).
        let mut cases: Vec<CaseRow> = Vec::new();
        let mut open_by_subgrid: HashMap<String, u64> = HashMap::new();
        let mut cases_by_building: Vec<(u32, u32)> = Vec::new();
        for name in case_files(dir)? {
            let path = dir.join(format!("{name}.geojson"));
            files.scan(&path, |raw, span| {
                let f: CaseIn = serde_json::from_str(raw)
                    .map_err(|e| MapError::Dataset(format!("{}: {e}", path.display())))?;
                let Some(&[lon, lat]) = f.geometry.as_ref().map(|g| g.coordinates.as_slice())
                else {
                    return Ok(());
                };
                let p = f.properties;
                let open = p.outcome.as_deref() == Some("open");
                if open {
                    *open_by_subgrid
                        .entry(p.subgrid_code.unwrap_or_default())
                        .or_default() += 1;
                }
                let index = u32::try_from(cases.len()).unwrap_or(u32::MAX);
                if let Some(b) = p.building_id.as_deref().and_then(find_building) {
                    cases_by_building.push((u32::try_from(b).unwrap_or(u32::MAX), index));
                }
                cases.push(CaseRow {
                    id: p.id.into(),
                    lon,
                    lat,
                    reported_at: p.reported_at.unwrap_or_default().into(),
                    open,
                    span,
                });
                Ok(())
            })?;
        }
        cases_by_building.sort_unstable();
        let mut order: Vec<usize> = (0..cases.len()).collect();
        order.sort_by(|&a, &b| cases[b].reported_at.cmp(&cases[a].reported_at));
        let mut drawn: Vec<Value> = Vec::new();
        for (rank, &i) in order.iter().enumerate() {
            let c = &cases[i];
            if rank < RECENT_CASES || c.open {
                let props = files.properties(c.span)?;
                drawn.push(MapData::case_feature(c.lon, c.lat, &props, false));
            }
        }
        counts.insert(Layer::Cases.as_str(), drawn.len());
        layers.insert(Layer::Cases, collection(drawn));
        let case_by_id = IdIndex::new(cases.len(), |i| &*cases[i].id);
        let camera_by_id = IdIndex::new(atlas.cameras().len(), |i| atlas.cameras()[i].id.as_str());

        Ok(MapData {
            atlas,
            dir: dir.to_path_buf(),
            layers,
            counts,
            bbox,
            meta,
            files,
            building_spans,
            building_by_id,
            stations,
            station_by_id,
            areas,
            cases,
            case_by_id,
            camera_by_id,
            open_by_subgrid,
            cases_by_building,
            coverage: OnceLock::new(),
            gaps: OnceLock::new(),
            tiles: OnceLock::new(),
            roads,
            #[cfg(feature = "formats")]
            overlay: None,
        })
    }

    /// Loads the dataset in `dir` as the store has it: the layers the store holds newer
    /// versions of ([`onemap::Store::layers_rewritten`]: imported, or written by a planning
    /// apply) are taken from the store, the rest from `dir`. `None` when there are no such
    /// layers (then [`MapData::load`] of `dir` is the map). Returns the map and the layers
    /// taken from the store.
    ///
    /// # Errors
    /// [`MapError::Dataset`] when the store cannot be read, the overlay cannot be written or
    /// a layer is malformed.
    #[cfg(feature = "formats")]
    pub async fn load_with_store(
        dir: &Path,
        store: &onemap::Store,
    ) -> Result<Option<(MapData, Vec<String>)>, MapError> {
        let store_error = |e: onemap::Error| MapError::Dataset(format!("the store: {e}"));
        let rewritten = store.layers_rewritten().await.map_err(store_error)?;
        if rewritten.is_empty() {
            return Ok(None);
        }
        let io =
            |what: &Path, e: std::io::Error| MapError::Dataset(format!("{}: {e}", what.display()));
        // A directory in the dataset's layout: the rewritten layers written from the store,
        // every other file a link to the dataset's own (case history, roads, meta.json).
        let overlay = tempfile::Builder::new()
            .prefix("onemap-map-")
            .tempdir()
            .map_err(|e| io(Path::new("a temporary directory"), e))?;
        let source = dir.canonicalize().map_err(|e| io(dir, e))?;
        for layer in &rewritten {
            let text = store
                .export_layer(layer, onemap::layers::ExportFormat::GeoJson)
                .await
                .map_err(store_error)?;
            let path = overlay.path().join(format!("{layer}.geojson"));
            std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        }
        for entry in std::fs::read_dir(&source).map_err(|e| io(&source, e))? {
            let entry = entry.map_err(|e| io(&source, e))?;
            let to = overlay.path().join(entry.file_name());
            if !to.exists() {
                link_or_copy(&entry.path(), &to).map_err(|e| io(&to, e))?;
            }
        }
        let mut map = MapData::load_blocking(overlay.path().to_path_buf()).await?;
        map.overlay = Some(overlay);
        Ok(Some((map, rewritten)))
    }

    /// [`MapData::load`] on tokio's blocking pool: parsing a city-scale dataset takes tens of
    /// seconds, which must not stall the server's other requests.
    ///
    /// # Errors
    /// As [`MapData::load`].
    #[cfg(feature = "formats")]
    pub async fn load_blocking(dir: PathBuf) -> Result<MapData, MapError> {
        tokio::task::spawn_blocking(move || MapData::load(&dir))
            .await
            .map_err(|e| MapError::Dataset(format!("loading the map: {e}")))?
    }

    /// The Atlas index of the building `id`.
    fn building_index(&self, id: &str) -> Option<usize> {
        let b = self.atlas.buildings();
        self.building_by_id.find(id, |i| b[i].id.as_str())
    }

    /// The buildings as one GeoJSON layer (id and rating), written on request: the map draws
    /// them from tiles, and at city scale the text would hold tens of MB for nobody.
    fn buildings_layer(&self) -> Arc<String> {
        let features: Vec<Value> = self
            .atlas
            .buildings()
            .iter()
            .map(|b| {
                let mut p = Map::new();
                p.insert("id".into(), b.id.clone().into());
                p.insert("rating".into(), b.rating.as_str().into());
                point_feature(b.lon, b.lat, p)
            })
            .collect();
        collection(features)
    }

    /// The roads as one GeoJSON layer: the dataset's own `roads.geojson`, read on request (the
    /// map draws roads from tiles), or an empty collection when the dataset has none.
    fn roads_layer(&self) -> Result<Arc<String>, MapError> {
        let path = self.dir.join("roads.geojson");
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Arc::new(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(collection(Vec::new())),
            Err(e) => Err(MapError::Dataset(format!("{}: {e}", path.display()))),
        }
    }

    /// The Atlas under the map.
    #[must_use]
    pub fn atlas(&self) -> &Atlas {
        &self.atlas
    }

    /// The camera `id` of the dataset.
    #[must_use]
    pub fn camera(&self, id: &str) -> Option<&onemap_geo::dataset::Camera> {
        let cameras = self.atlas.cameras();
        self.camera_by_id
            .find(id, |i| cameras[i].id.as_str())
            .map(|i| &cameras[i])
    }

    /// The Atlas under the map, shared (planning keeps it).
    #[must_use]
    pub fn shared_atlas(&self) -> Arc<Atlas> {
        Arc::clone(&self.atlas)
    }

    /// The dataset directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the dataset says it was generated (`meta.json` from `onemap-gen`): synthetic.
    #[must_use]
    pub fn is_synthetic(&self) -> bool {
        self.meta.get("generator").and_then(Value::as_str) == Some("onemap-gen")
    }

    /// What is loaded: bounding box, counts, ratings, meta.
    #[must_use]
    pub fn overview(&self) -> Overview {
        let mut ratings = HashMap::new();
        for b in self.atlas.buildings() {
            *ratings.entry(b.rating.as_str()).or_default() += 1;
        }
        Overview {
            data_dir: self.dir.display().to_string(),
            bbox: self.bbox,
            counts: self.counts.clone(),
            ratings,
            meta: self.meta.clone(),
        }
    }

    /// A layer as GeoJSON text (a FeatureCollection), ready to send.
    ///
    /// # Errors
    /// [`MapError::NotFound`] for an unknown layer name.
    pub fn layer(&self, name: &str) -> Result<Arc<String>, MapError> {
        if name == "gaps" {
            return Ok(self.gaps());
        }
        let layer = Layer::parse(name)?;
        if layer == Layer::Buildings {
            return Ok(self.buildings_layer());
        }
        if layer == Layer::Roads {
            return self.roads_layer();
        }
        self.layers
            .get(&layer)
            .cloned()
            .ok_or_else(|| MapError::NotFound(format!("layer {name:?} is not loaded")))
    }

    /// A building's popup: its properties, where it lies, the nearest station of each service
    /// and its cases.
    ///
    /// # Errors
    /// [`MapError::NotFound`] for an unknown id.
    pub fn building(&self, id: &str) -> Result<Value, MapError> {
        let i = self
            .building_index(id)
            .ok_or_else(|| MapError::NotFound(format!("no building {id:?}")))?;
        let b = &self.atlas.buildings()[i];
        let props = match self.building_spans[i] {
            Some(span) => self.files.properties(span)?,
            None => Map::new(),
        };
        let nearest: Map<String, Value> = SERVICES
            .iter()
            .filter_map(|&s| {
                let n = self
                    .atlas
                    .nearest_stations(b.lon, b.lat, Some(s), 1)
                    .into_iter()
                    .next()?;
                Some((
                    service_name(s).to_string(),
                    json!({"id": n.id, "name": n.name, "distance_m": n.distance_m.round()}),
                ))
            })
            .collect();
        let key = u32::try_from(i).unwrap_or(u32::MAX);
        let from = self.cases_by_building.partition_point(|&(b, _)| b < key);
        let cases = self.cases_by_building[from..]
            .iter()
            .take_while(|&&(b, _)| b == key)
            .map(|&(_, c)| {
                Ok(case_summary(
                    &self.files.properties(self.cases[c as usize].span)?,
                ))
            })
            .collect::<Result<Vec<Value>, MapError>>()?;
        Ok(json!({
            "kind": "building",
            "lon": b.lon, "lat": b.lat,
            "properties": props,
            "location": self.atlas.locate(b.lon, b.lat),
            "nearest": nearest,
            "cases": cases,
        }))
    }

    /// A station's popup: its properties and, per service it offers, the buildings and residents
    /// within 500 m (warnings among them).
    ///
    /// # Errors
    /// [`MapError::NotFound`] for an unknown id.
    pub fn station(&self, id: &str) -> Result<Value, MapError> {
        let &i = self
            .station_by_id
            .get(id)
            .ok_or_else(|| MapError::NotFound(format!("no station {id:?}")))?;
        let s = &self.stations[i];
        let [sx, sy] = self.atlas.project(s.lon, s.lat);
        let r2 = CIRCLE_RADIUS_M * CIRCLE_RADIUS_M;
        let (mut n, mut residents, mut warning, mut general) = (0u64, 0u64, 0u64, 0u64);
        for (b, &[x, y]) in self.atlas.building_xy().iter().enumerate() {
            if (x - sx).powi(2) + (y - sy).powi(2) <= r2 {
                let rec = &self.atlas.buildings()[b];
                n += 1;
                residents += u64::from(rec.residents);
                match rec.rating.as_str() {
                    "warning" => warning += 1,
                    "general" => general += 1,
                    _ => {}
                }
            }
        }
        Ok(json!({
            "kind": "station",
            "lon": s.lon, "lat": s.lat,
            "properties": s.props,
            "location": self.atlas.locate(s.lon, s.lat),
            "radius_m": CIRCLE_RADIUS_M,
            "covers": {"buildings": n, "residents": residents, "warning": warning, "general": general},
        }))
    }

    fn coverage_table(&self) -> &HashMap<&'static str, HashMap<String, UnitCoverage>> {
        self.coverage.get_or_init(|| {
            let mut t = HashMap::new();
            for (name, s) in [
                ("any", None),
                ("appeal", Some(Service::Appeal)),
                ("legal", Some(Service::Legal)),
                ("psych", Some(Service::Psych)),
            ] {
                let rows = self.atlas.coverage(s, CIRCLE_RADIUS_M, AdminLevel::Subgrid);
                t.insert(
                    name,
                    rows.into_iter().map(|r| (r.code.clone(), r)).collect(),
                );
            }
            t
        })
    }

    /// An administrative unit's popup (street, community or sub-grid): its properties, open
    /// cases, and for a sub-grid its 500-m coverage per service.
    ///
    /// # Errors
    /// [`MapError::NotFound`] for an unknown code.
    pub fn unit(&self, code: &str) -> Result<Value, MapError> {
        let (kind, area) = self.areas.get(code).ok_or_else(|| {
            MapError::NotFound(format!(
                "no district, street, community or sub-grid {code:?}"
            ))
        })?;
        let open: u64 = self
            .open_by_subgrid
            .iter()
            .filter(|(sg, _)| sg.starts_with(code))
            .map(|(_, n)| n)
            .sum();
        let mut out = json!({
            "kind": kind,
            "bbox": area.bbox,
            "properties": area.props,
            "open_cases": open,
            "path": self.path_of(code),
        });
        if *kind == "subgrid" {
            let cov: Map<String, Value> = self
                .coverage_table()
                .iter()
                .filter_map(|(s, rows)| {
                    Some((s.to_string(), serde_json::to_value(rows.get(code)?).ok()?))
                })
                .collect();
            out["coverage"] = Value::Object(cov);
            let [w, s, e, n] = area.bbox;
            let inside = |p: &&Point| {
                str_prop(&p.props, "subgrid_code") == code
                    && p.lon >= w
                    && p.lon <= e
                    && p.lat >= s
                    && p.lat <= n
            };
            out["stations"] = self.stations.iter().filter(inside).count().into();
            out["buildings"] = self
                .atlas
                .buildings()
                .iter()
                .filter(|b| {
                    b.subgrid_code == code && b.lon >= w && b.lon <= e && b.lat >= s && b.lat <= n
                })
                .count()
                .into();
        }
        Ok(out)
    }

    /// The Chinese name and kind (`district`, `street`, `community`, `subgrid`) of a unit code.
    ///
    /// ```no_run
    /// # let map = onemap_server::map::MapData::load(std::path::Path::new("geodata/guangming")).unwrap();
    /// assert_eq!(map.unit_name("440311001"), Some(("street", "光明街道")));
    /// ```
    #[must_use]
    pub fn unit_name(&self, code: &str) -> Option<(&'static str, &str)> {
        self.areas
            .get(code)
            .map(|(kind, a)| (*kind, str_prop(&a.props, "name")))
    }

    /// A building's id, address and position by its exact address (the first match).
    #[must_use]
    pub fn building_at_address(&self, address: &str) -> Option<(String, f64, f64)> {
        let a = address.trim();
        if a.is_empty() {
            return None;
        }
        self.atlas
            .buildings()
            .iter()
            .find(|b| b.address == a)
            .map(|b| (b.id.clone(), b.lon, b.lat))
    }

    /// A building's position by id.
    #[must_use]
    pub fn building_position(&self, id: &str) -> Option<(f64, f64)> {
        let b = &self.atlas.buildings()[self.building_index(id)?];
        Some((b.lon, b.lat))
    }

    /// The breadcrumb of a unit: district → street → community → sub-grid, as (code, name).
    fn path_of(&self, code: &str) -> Vec<Value> {
        [6usize, 9, 12, 15]
            .iter()
            .filter(|&&n| n <= code.len())
            .filter_map(|&n| {
                let c = &code[..n];
                let (kind, a) = self.areas.get(c)?;
                Some(json!({"kind": kind, "code": c, "name": str_prop(&a.props, "name"), "bbox": a.bbox}))
            })
            .collect()
    }

    /// A case's popup.
    ///
    /// # Errors
    /// [`MapError::NotFound`] for an unknown id.
    pub fn case(&self, id: &str) -> Result<Value, MapError> {
        let c = self
            .case_by_id
            .find(id, |i| &*self.cases[i].id)
            .map(|i| &self.cases[i])
            .ok_or_else(|| MapError::NotFound(format!("no case {id:?}")))?;
        let mut props = self.files.properties(c.span)?;
        // The map is shown on big screens: personal data stays out of it.
        props.remove("reporter_name");
        props.remove("reporter_phone");
        Ok(
            json!({"kind": "case", "lon": c.lon, "lat": c.lat, "properties": props, "location": self.atlas.locate(c.lon, c.lat)}),
        )
    }

    /// Search communities, sub-grids, streets, stations, addresses and case ids; at most
    /// `limit` hits, exact ids first.
    ///
    /// # Errors
    /// [`MapError::Invalid`] for an empty query.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, MapError> {
        let q = query.trim();
        if q.is_empty() {
            return Err(MapError::Invalid("the search query is empty".into()));
        }
        let limit = limit.clamp(1, 50);
        let mut hits: Vec<(u8, SearchHit)> = Vec::new();
        let rank = |label: &str, id: &str| -> Option<u8> {
            if id.eq_ignore_ascii_case(q) || label == q {
                Some(0)
            } else if label.starts_with(q) || id.starts_with(q) {
                Some(1)
            } else if label.contains(q) || id.contains(q) {
                Some(2)
            } else {
                None
            }
        };
        let level = |k: &str| match k {
            "district" => 0,
            "street" => 1,
            "community" => 2,
            "subgrid" => 3,
            _ => 4,
        };
        for (code, (kind, a)) in &self.areas {
            let name = str_prop(&a.props, "name");
            if let Some(r) = rank(name, code) {
                let context: Vec<String> = self
                    .path_of(code)
                    .iter()
                    .rev()
                    .skip(1)
                    .rev()
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect();
                hits.push((
                    r * 10 + level(kind),
                    SearchHit {
                        kind,
                        id: code.clone(),
                        label: name.to_string(),
                        context: context.join(" · "),
                        bbox: a.bbox,
                    },
                ));
            }
        }
        for s in &self.stations {
            let (id, name) = (str_prop(&s.props, "id"), str_prop(&s.props, "name"));
            if let Some(r) = rank(name, id) {
                hits.push((
                    r * 10 + 5,
                    point_hit("station", id, name, str_prop(&s.props, "hours"), s),
                ));
            }
        }
        let ascii = q.is_ascii();
        for b in self.atlas.buildings() {
            let (id, addr) = (b.id.as_str(), b.address.as_str());
            let r = if ascii { rank("", id) } else { rank(addr, id) };
            if let Some(r) = r {
                hits.push((r * 10 + 6, hit_at("building", id, addr, id, b.lon, b.lat)));
                if hits.len() > 500 {
                    break;
                }
            }
        }
        // A case hit's context is its description, read from its file for the hits kept.
        let mut case_of_hit: HashMap<String, usize> = HashMap::new();
        if ascii {
            for (i, c) in self.cases.iter().enumerate() {
                if let Some(r) = rank("", &c.id) {
                    hits.push((r * 10 + 7, hit_at("case", &c.id, &c.id, "", c.lon, c.lat)));
                    case_of_hit.insert(c.id.to_string(), i);
                    if hits.len() > 1000 {
                        break;
                    }
                }
            }
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        hits.into_iter()
            .take(limit)
            .map(|(_, mut h)| {
                if h.kind == "case"
                    && let Some(&i) = case_of_hit.get(&h.id)
                {
                    let props = self.files.properties(self.cases[i].span)?;
                    h.context = str_prop(&props, "description").to_string();
                }
                Ok(h)
            })
            .collect()
    }

    /// Coverage gaps: cells of [`GAP_CELL_M`] holding buildings outside every 500-m circle of a
    /// service, one feature per cell and service with the buildings and residents left out.
    #[must_use]
    pub fn gaps(&self) -> Arc<String> {
        Arc::clone(self.gaps.get_or_init(|| {
            let plane = self.atlas.plane();
            let mut features = Vec::new();
            for s in SERVICES {
                let covered = self.atlas.covered_buildings(Some(s), CIRCLE_RADIUS_M);
                let mut cells: HashMap<(i64, i64), (u64, u64, u64)> = HashMap::new();
                for (b, &[x, y]) in self.atlas.building_xy().iter().enumerate() {
                    if covered[b] {
                        continue;
                    }
                    #[allow(clippy::cast_possible_truncation)]
                    let key = ((x / GAP_CELL_M).floor() as i64, (y / GAP_CELL_M).floor() as i64);
                    let e = cells.entry(key).or_default();
                    let rec = &self.atlas.buildings()[b];
                    e.0 += 1;
                    e.1 += u64::from(rec.residents);
                    if rec.rating.as_str() == "warning" {
                        e.2 += 1;
                    }
                }
                let mut keys: Vec<_> = cells.into_iter().collect();
                keys.sort_by_key(|(k, _)| *k);
                for ((i, j), (n, residents, warning)) in keys {
                    #[allow(clippy::cast_precision_loss)]
                    let (x0, y0) = (i as f64 * GAP_CELL_M, j as f64 * GAP_CELL_M);
                    let ring: Vec<[f64; 2]> = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
                        .iter()
                        .map(|(dx, dy)| {
                            let (lon, lat) = plane.inverse(x0 + dx * GAP_CELL_M, y0 + dy * GAP_CELL_M);
                            [round7(lon), round7(lat)]
                        })
                        .collect();
                    features.push(json!({
                        "type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                        "properties": {"service": service_name(s), "buildings": n, "residents": residents, "warning": warning},
                    }));
                }
            }
            collection(features)
        }))
    }

    /// The GeoJSON feature the map draws for a case given as properties and a position (a live
    /// case from the store, or one of the dataset's).
    #[must_use]
    pub fn case_feature(lon: f64, lat: f64, props: &Map<String, Value>, new: bool) -> Value {
        case_feature(
            &Point {
                lon,
                lat,
                props: props.clone(),
            },
            new,
        )
    }
}

/// A label point inside each unit (its interior point in the metric plane), carrying `kind`,
/// `code` and `name`; tiled polygons would repeat their labels.
fn label_points(atlas: &Atlas) -> Vec<Value> {
    use geo::InteriorPoint;
    let plane = atlas.plane();
    let mut out = Vec::new();
    for level in [
        AdminLevel::District,
        AdminLevel::Street,
        AdminLevel::Community,
        AdminLevel::Subgrid,
    ] {
        for u in atlas.units(level) {
            let Some(p) = u.geometry.interior_point() else {
                continue;
            };
            let (lon, lat) = plane.inverse(p.x(), p.y());
            let mut props = Map::new();
            props.insert("kind".into(), level.as_str().into());
            props.insert("code".into(), u.code.clone().into());
            props.insert("name".into(), u.name.clone().into());
            out.push(point_feature(round7(lon), round7(lat), props));
        }
    }
    out
}

/// A point inside the largest part of a GeoJSON Polygon or MultiPolygon (lon, lat).
fn label_point_of_largest_part(geometry: &Value) -> Option<(f64, f64)> {
    use geo::{Area as _, InteriorPoint as _};
    fn ring(v: &Value) -> Option<geo::LineString<f64>> {
        v.as_array()?
            .iter()
            .map(|c| Some(geo::coord! { x: c.get(0)?.as_f64()?, y: c.get(1)?.as_f64()? }))
            .collect::<Option<Vec<_>>>()
            .map(geo::LineString::new)
    }
    fn polygon(v: &Value) -> Option<geo::Polygon<f64>> {
        let mut rings = v.as_array()?.iter().map(ring);
        let outer = rings.next()??;
        Some(geo::Polygon::new(outer, rings.collect::<Option<Vec<_>>>()?))
    }
    let coords = geometry.get("coordinates")?;
    let parts: Vec<geo::Polygon<f64>> = match geometry.get("type")?.as_str()? {
        "Polygon" => vec![polygon(coords)?],
        "MultiPolygon" => coords.as_array()?.iter().filter_map(polygon).collect(),
        _ => return None,
    };
    let largest = parts
        .iter()
        .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    let p = largest.interior_point()?;
    Some((p.x(), p.y()))
}

fn point_hit(kind: &'static str, id: &str, label: &str, context: &str, p: &Point) -> SearchHit {
    hit_at(kind, id, label, context, p.lon, p.lat)
}

fn hit_at(
    kind: &'static str,
    id: &str,
    label: &str,
    context: &str,
    lon: f64,
    lat: f64,
) -> SearchHit {
    SearchHit {
        kind,
        id: id.to_string(),
        label: label.to_string(),
        context: context.to_string(),
        bbox: [lon, lat, lon, lat],
    }
}

fn case_summary(p: &Map<String, Value>) -> Value {
    json!({
        "id": p.get("id"), "matter": p.get("matter"), "grade": p.get("grade"), "level": p.get("level"),
        "outcome": p.get("outcome"), "reported_at": p.get("reported_at"), "description": p.get("description"),
    })
}

fn case_feature(c: &Point, new: bool) -> Value {
    let p = &c.props;
    let mut m = Map::new();
    for k in [
        "id",
        "grade",
        "level",
        "matter",
        "channel",
        "outcome",
        "reported_at",
        "subgrid_code",
    ] {
        if let Some(v) = p.get(k) {
            m.insert(k.into(), v.clone());
        }
    }
    m.insert("new".into(), new.into());
    point_feature(c.lon, c.lat, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circle_ring_points_lie_500_m_from_the_centre() {
        let (lon, lat) = (113.935, 22.748);
        for p in circle_ring(lon, lat, 500.0) {
            // Haversine back to the centre.
            let (p1, p2) = (lat.to_radians(), p[1].to_radians());
            let dp = p2 - p1;
            let dl = (p[0] - lon).to_radians();
            let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
            let d = 2.0 * 6_371_008.8 * a.sqrt().asin();
            assert!((d - 500.0).abs() < 0.5, "{d}");
        }
    }

    #[test]
    fn a_multipolygon_is_labelled_once_inside_its_largest_part() {
        let g = json!({"type": "MultiPolygon", "coordinates": [
            [[[0.0, 0.0], [0.1, 0.0], [0.1, 0.1], [0.0, 0.1], [0.0, 0.0]]],
            [[[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0], [1.0, 1.0]]],
        ]});
        let (x, y) = label_point_of_largest_part(&g).expect("a label point");
        assert!(
            (1.0..=3.0).contains(&x) && (1.0..=3.0).contains(&y),
            "({x}, {y})"
        );
        let line = json!({"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]});
        assert_eq!(label_point_of_largest_part(&line), None);
    }

    #[test]
    fn circle_ring_is_counter_clockwise() {
        let r = circle_ring(113.9, 22.7, 500.0);
        let area2: f64 = r
            .windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum();
        assert!(area2 > 0.0);
    }
}

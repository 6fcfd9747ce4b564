//! The planning app API: coverage by unit, gaps, what-if scenarios (edit, undo, save, compare,
//! apply), suggested sites, the policy check, walking against the circle and the exports. Plain
//! functions over a [`Planning`] service, knowing nothing of HTTP or Tauri: the routes of
//! [`crate::planning_http`] and the desktop's commands are one-line adapters over them.
//!
//! A scenario being edited lives in memory as a working copy (a
//! [`onemap_geo::scenario::Scenario`], so each edit is incremental: a station dragged across
//! the map updates the figures in about a millisecond); saving writes its plan to the store
//! (optimistic versions), applying writes the stations layer through the store's validated
//! import and swaps the Atlas under every working copy. Without a store, scenarios live in
//! memory only and cannot be saved or applied (`no_store`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use onemap::Store;
use onemap_geo::atlas::Atlas;
use onemap_geo::dataset::{AdminLevel, Service};
use onemap_geo::policy::PolicyReport;
use onemap_geo::scenario::{Baseline, Edit, EditOutcome, Plan, SLOTS, Scenario, ScenarioError};
use onemap_geo::suggest::{Candidates, Objective, Request, Stop, Suggestion};
use onemap_geo::walking::{RoadNetwork, Walking, WalkingRow};
use onemap_report::{Format, Lang};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::lock;
use crate::map::{ApiError, circle_ring};

/// The radius of every service circle, metres.
pub const RADIUS_M: f64 = 500.0;
/// Working copies kept in memory; beyond it the least recently used saved one is dropped
/// (and reloaded from the store when asked for again).
pub const MAX_WORKING: usize = 24;
/// Building ids listed per service in an edit's answer (counts are always complete).
pub const LISTED_BUILDINGS: usize = 500;

/// What can go wrong; `code` is the closed set the UI switches on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct PlanningError {
    /// `invalid`, `not_found`, `conflict`, `no_store`, `cancelled` or `internal`.
    pub code: &'static str,
    /// For a person.
    pub message: String,
}

impl PlanningError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        PlanningError {
            code,
            message: message.into(),
        }
    }
    fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid", message)
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self::new("not_found", message)
    }
    fn no_store() -> Self {
        Self::new(
            "no_store",
            "scenarios are saved and applied in the store, and this server runs without one",
        )
    }

    /// The `{code, message}` body.
    #[must_use]
    pub fn body(&self) -> ApiError {
        ApiError {
            code: self.code,
            message: self.message.clone(),
        }
    }
}

impl From<ScenarioError> for PlanningError {
    fn from(e: ScenarioError) -> Self {
        match e {
            ScenarioError::UnknownStation(_) => PlanningError::not_found(e.to_string()),
            _ => PlanningError::invalid(e.to_string()),
        }
    }
}

impl From<onemap::Error> for PlanningError {
    fn from(e: onemap::Error) -> Self {
        let code = match e.code() {
            // The planning API answers an illegal step as a bad request (400), not a conflict.
            onemap::ErrorCode::IllegalTransition => "invalid",
            c => c.as_str(),
        };
        if code == "internal" {
            eprintln!("planning: store error: {e}");
            return PlanningError::new(code, "the store failed; see the server log");
        }
        PlanningError::new(code, e.to_string())
    }
}

type Result<T> = std::result::Result<T, PlanningError>;

/// A service or "any" from its name: `appeal`, `legal`, `psych`, or `any` / absent.
///
/// # Errors
/// `invalid` for another name.
pub fn parse_service(s: Option<&str>) -> Result<Option<Service>> {
    match s {
        None | Some("" | "any") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(PlanningError::invalid),
    }
}

/// A unit level from its name (sub-grid by default).
///
/// # Errors
/// `invalid` for another name.
pub fn parse_level(s: Option<&str>) -> Result<AdminLevel> {
    s.unwrap_or("subgrid")
        .parse()
        .map_err(PlanningError::invalid)
}

/// What the saved layers look like now: the Atlas, its baseline and the road network.
struct Base {
    /// Bumped whenever the stations layer (or any layer) is swapped.
    version: u64,
    baseline: Arc<Baseline>,
    roads: Option<String>,
    walking: OnceLock<Option<Arc<Walking>>>,
    gaps: [OnceLock<Arc<String>>; 4],
}

impl Base {
    fn new(atlas: Arc<Atlas>, roads: Option<String>, version: u64) -> Base {
        Base {
            version,
            baseline: Arc::new(Baseline::new(atlas, RADIUS_M)),
            roads,
            walking: OnceLock::new(),
            gaps: Default::default(),
        }
    }

    fn atlas(&self) -> &Arc<Atlas> {
        self.baseline.atlas()
    }

    /// The road network with every building snapped, built on first use.
    fn walking(&self) -> Option<Arc<Walking>> {
        self.walking
            .get_or_init(|| {
                let text = self.roads.as_deref()?;
                let net = RoadNetwork::from_geojson(text, &self.atlas().plane()).ok()?;
                if net.edge_count() == 0 {
                    return None;
                }
                Some(Arc::new(Walking::new(self.atlas(), net, RADIUS_M)))
            })
            .clone()
    }
}

/// A scenario's identity and saved state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioMeta {
    /// Id (`SC-0001`; `SC-M0001` for one kept in memory only, without a store).
    pub id: String,
    /// Name.
    pub name: String,
    /// Note.
    pub note: String,
    /// The stored version the working copy started from (0: never stored).
    pub version: i64,
    /// Edits not saved yet.
    pub dirty: bool,
    /// When it was applied (milliseconds since the epoch), if it was.
    pub applied_at: Option<i64>,
}

struct Working {
    meta: ScenarioMeta,
    scenario: Scenario,
    base_version: u64,
    used: Instant,
}

/// The planning service. `Send + Sync`; share it in an `Arc`.
pub struct Planning {
    store: Option<Store>,
    base: RwLock<Arc<Base>>,
    working: Mutex<HashMap<String, Arc<Mutex<Working>>>>,
    memory_ids: std::sync::atomic::AtomicU32,
    synthetic: bool,
}

impl std::fmt::Debug for Planning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planning")
            .field("store", &self.store.is_some())
            .finish_non_exhaustive()
    }
}

/// One unit's figures for one service, saved and (with a scenario) in the scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    /// Level.
    pub level: AdminLevel,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `appeal`, `legal`, `psych` or `any`.
    pub service: &'static str,
    /// Buildings located in the unit.
    pub buildings: u64,
    /// Their residents.
    pub residents: u64,
    /// Warning-rated buildings.
    pub warning: u64,
    /// Area, km².
    pub area_km2: f64,
    /// With the saved stations.
    pub saved: Figures,
    /// In the scenario (equal to `saved` without one).
    pub scenario: Figures,
}

/// Covered counts, uncovered area and shares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figures {
    /// Buildings covered.
    pub buildings_covered: u64,
    /// Residents covered.
    pub residents_covered: u64,
    /// Warning buildings covered.
    pub warning_covered: u64,
    /// Uncovered area, km².
    pub uncovered_km2: f64,
    /// Covered share of buildings (1 without buildings).
    pub building_share: f64,
    /// Covered share of residents (1 without residents).
    pub resident_share: f64,
    /// Covered share of the area.
    pub area_share: f64,
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

fn row_of(u: &onemap_geo::scenario::UnitChange) -> CoverageRow {
    let fig = |c: &onemap_geo::scenario::Covered| Figures {
        buildings_covered: c.buildings,
        residents_covered: c.residents,
        warning_covered: c.warning,
        uncovered_km2: c.uncovered_m2 / 1e6,
        building_share: share(c.buildings, u.totals.buildings),
        resident_share: share(c.residents, u.totals.residents),
        area_share: if u.totals.area_m2 > 0.0 {
            1.0 - c.uncovered_m2 / u.totals.area_m2
        } else {
            1.0
        },
    };
    CoverageRow {
        level: u.level,
        code: u.code.clone(),
        name: u.name.clone(),
        service: u.service.map_or("any", Service::as_str),
        buildings: u.totals.buildings,
        residents: u.totals.residents,
        warning: u.totals.warning,
        area_km2: u.totals.area_m2 / 1e6,
        saved: fig(&u.base),
        scenario: fig(&u.now),
    }
}

/// The coverage table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageTable {
    /// The scenario the `scenario` figures are of, if any.
    pub scenario: Option<String>,
    /// Level of the rows.
    pub level: AdminLevel,
    /// Radius, metres.
    pub radius_m: f64,
    /// The whole dataset, per service asked.
    pub totals: Vec<CoverageRow>,
    /// Per unit and service.
    pub rows: Vec<CoverageRow>,
}

/// What one change to a scenario did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditResult {
    /// The scenario after the change.
    pub scenario: ScenarioMeta,
    /// Stations the edits touched (the new ids for added ones).
    pub stations: Vec<String>,
    /// Undo steps available.
    pub undo_depth: usize,
    /// The whole dataset per service and "any", saved against scenario.
    pub totals: Vec<CoverageRow>,
    /// Per service and "any": what these edits changed.
    pub changes: Vec<SlotDelta>,
    /// The sub-grids whose figures these edits changed, per service and "any".
    pub subgrids: Vec<CoverageRow>,
    /// The communities and streets holding those sub-grids, per service and "any" (so a table
    /// at either level follows a drag as the sub-grid table does).
    pub units: Vec<CoverageRow>,
}

/// One service's change from one request's edits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotDelta {
    /// `appeal`, `legal`, `psych` or `any`.
    pub service: &'static str,
    /// Buildings these edits covered.
    pub newly_covered: usize,
    /// Buildings these edits left uncovered.
    pub newly_uncovered: usize,
    /// Their ids (at most [`LISTED_BUILDINGS`] each).
    pub newly_covered_ids: Vec<String>,
    /// Ids of the uncovered ones.
    pub newly_uncovered_ids: Vec<String>,
    /// Change of covered residents.
    pub residents: i64,
    /// Change of uncovered area, km².
    pub uncovered_km2: f64,
}

/// A scenario as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioView {
    /// Identity.
    pub scenario: ScenarioMeta,
    /// Its changes.
    pub plan: Plan,
    /// Undo steps available.
    pub undo_depth: usize,
    /// The whole dataset per service and "any".
    pub totals: Vec<CoverageRow>,
}

/// A saved or working scenario in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioItem {
    /// Identity.
    pub scenario: ScenarioMeta,
    /// Stations added, changed, removed.
    pub added: usize,
    /// Changed.
    pub changed: usize,
    /// Removed.
    pub removed: usize,
    /// Last saved (ms since the epoch), when stored.
    pub updated_at: Option<i64>,
    /// Saved by.
    pub updated_by: Option<String>,
}

/// Scenarios side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The columns: the saved stations first (`id` empty), then each scenario.
    pub columns: Vec<ComparisonColumn>,
    /// Per unit of the level asked.
    pub rows: Vec<ComparisonRow>,
}

/// A column of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonColumn {
    /// Scenario id (empty: saved stations).
    pub id: String,
    /// Name.
    pub name: String,
    /// The whole dataset in it.
    pub total: Figures,
    /// Stations added, changed, removed.
    pub stations: [usize; 3],
}

/// A row of a comparison: one unit, a value per column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonRow {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Residents.
    pub residents: u64,
    /// Per column.
    pub values: Vec<Figures>,
}

/// Parameters of a suggestion.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    /// `appeal`, `legal`, `psych` (or `any`).
    #[serde(default)]
    pub service: Option<String>,
    /// How many sites (default 5, when no target is given).
    #[serde(default)]
    pub count: Option<usize>,
    /// A share to reach instead (0–1, or "98%").
    #[serde(default)]
    pub target: Option<Value>,
    /// `residents` (default), `buildings`, `warning-buildings`.
    #[serde(default)]
    pub objective: Option<String>,
    /// `buildings` (default), `halls`, `lattice:50m`.
    #[serde(default)]
    pub candidates: Option<String>,
    /// Areas where no station may go: a GeoJSON geometry, Feature or FeatureCollection.
    #[serde(default)]
    pub exclude: Option<Value>,
    /// Relative to this scenario's stations instead of the saved ones.
    #[serde(default)]
    pub scenario: Option<String>,
}

/// A share from `0.98`, `98`, `"98%"` or `"0.98"`.
///
/// ```
/// use onemap_server::planning::parse_share;
/// use serde_json::json;
/// for v in [json!(0.98), json!(98), json!("98%"), json!("0.98")] {
///     assert!((parse_share(&v).unwrap() - 0.98).abs() < 1e-12);
/// }
/// assert!(parse_share(&json!("150%")).is_err());
/// ```
///
/// # Errors
/// `invalid` for anything else or outside 0–100%.
pub fn parse_share(v: &Value) -> Result<f64> {
    // A number above 1 is a percentage; a string ending in % always is.
    let fraction = |x: f64| if x > 1.0 { x / 100.0 } else { x };
    let x = match v {
        Value::Number(n) => n.as_f64().map(fraction),
        Value::String(s) => {
            let t = s.trim();
            match t.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().ok().map(|p| p / 100.0),
                None => t.parse::<f64>().ok().map(fraction),
            }
        }
        _ => None,
    };
    match x {
        Some(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(PlanningError::invalid(format!(
            "target must be a share such as 0.98 or \"98%\", not {v}"
        ))),
    }
}

/// Polygons of a GeoJSON value (geometry, Feature or FeatureCollection).
///
/// # Errors
/// `invalid` when it holds no polygon or a malformed one.
pub fn polygons_of(v: &Value) -> Result<geo::MultiPolygon<f64>> {
    fn ring(v: &Value) -> Option<geo::LineString<f64>> {
        let pts = v.as_array()?;
        let coords: Option<Vec<geo::Coord<f64>>> = pts
            .iter()
            .map(|p| {
                Some(geo::Coord {
                    x: p.get(0)?.as_f64()?,
                    y: p.get(1)?.as_f64()?,
                })
            })
            .collect();
        Some(geo::LineString::new(coords?))
    }
    fn polygon(v: &Value) -> Option<geo::Polygon<f64>> {
        let rings = v.as_array()?;
        let mut it = rings.iter();
        let ext = ring(it.next()?)?;
        Some(geo::Polygon::new(ext, it.map(ring).collect::<Option<_>>()?))
    }
    fn walk(v: &Value, out: &mut Vec<geo::Polygon<f64>>) -> Option<()> {
        match v.get("type").and_then(Value::as_str)? {
            "FeatureCollection" => {
                for f in v.get("features")?.as_array()? {
                    walk(f, out)?;
                }
            }
            "Feature" => {
                walk(v.get("geometry")?, out)?;
            }
            "Polygon" => out.push(polygon(v.get("coordinates")?)?),
            "MultiPolygon" => {
                for p in v.get("coordinates")?.as_array()? {
                    out.push(polygon(p)?);
                }
            }
            _ => {}
        }
        Some(())
    }
    let mut polys = Vec::new();
    if walk(v, &mut polys).is_none() || polys.is_empty() {
        return Err(PlanningError::invalid(
            "exclude must be GeoJSON holding Polygon or MultiPolygon geometries (WGS84)",
        ));
    }
    Ok(geo::MultiPolygon::new(polys))
}

/// Walking against the circle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkingView {
    /// Whether a road network exists (a roads layer with lines).
    pub available: bool,
    /// The service.
    pub service: &'static str,
    /// The scenario the stations are of, if any.
    pub scenario: Option<String>,
    /// Network edges.
    pub edges: usize,
    /// Network length, km.
    pub length_km: f64,
    /// The whole dataset.
    pub total: Option<WalkingRow>,
    /// Per unit.
    pub rows: Vec<WalkingRow>,
}

/// An export: its bytes, media type and a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Content.
    pub bytes: Vec<u8>,
    /// Media type.
    pub content_type: &'static str,
    /// Suggested file name.
    pub file_name: String,
}

impl Planning {
    /// A planning service over `atlas` (and the roads layer's GeoJSON text, when there is
    /// one), with scenarios saved in `store` when given. With a store, its Atlas and roads are
    /// used instead when it has them (the store is the truth after an import or an apply).
    pub async fn new(
        atlas: Arc<Atlas>,
        roads: Option<String>,
        store: Option<Store>,
        synthetic: bool,
    ) -> Planning {
        let (atlas, roads) = match &store {
            Some(s) => stored_layers(s, atlas, roads).await,
            None => (atlas, roads),
        };
        Planning {
            store,
            base: RwLock::new(Arc::new(Base::new(atlas, roads, 1))),
            working: Mutex::new(HashMap::new()),
            memory_ids: std::sync::atomic::AtomicU32::new(1),
            synthetic,
        }
    }

    fn base(&self) -> Arc<Base> {
        match self.base.read() {
            Ok(b) => Arc::clone(&b),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    fn store(&self) -> Result<&Store> {
        self.store.as_ref().ok_or_else(PlanningError::no_store)
    }

    /// Puts a planning write (`scenario.create`, `.save`, `.delete`, `.apply`) on scenario
    /// `id` in the store's audit log, as done or failed; then hands back its result. Without
    /// a store nothing persists, so there is nothing to record.
    ///
    /// # Errors
    /// The write's own error; `internal` when the audit entry cannot be written.
    pub async fn audited<T>(
        &self,
        who: &onemap::access::Principal,
        action: &str,
        id: &str,
        result: Result<T>,
    ) -> Result<T> {
        if let Some(store) = &self.store {
            let (outcome, detail) = match &result {
                Ok(_) => (onemap::audit::Outcome::Ok, String::new()),
                Err(e) => (onemap::audit::Outcome::Failed, e.message.clone()),
            };
            let entry =
                onemap::audit::Entry::by(who, action, format!("scenario:{id}"), outcome, detail);
            store.audit(entry).await?;
        }
        result
    }

    /// The working copy of scenario `id`, loaded from the store when not in memory, rebased
    /// onto the current saved layers when they changed.
    async fn working(&self, id: &str) -> Result<Arc<Mutex<Working>>> {
        let base = self.base();
        let open = lock(&self.working).get(id).cloned();
        if let Some(w) = open {
            let mut g = lock(&w);
            g.used = Instant::now();
            if g.base_version != base.version {
                // The saved layers changed under it: replay its plan on the new ones.
                let plan = g.scenario.plan();
                g.scenario =
                    Scenario::from_plan(Arc::clone(&base.baseline), &plan).map_err(|e| {
                        PlanningError::new(
                            "conflict",
                            format!("scenario {id} no longer fits the saved stations: {e}"),
                        )
                    })?;
                g.base_version = base.version;
            }
            drop(g);
            return Ok(w);
        }
        let store = self
            .store
            .as_ref()
            .ok_or_else(|| PlanningError::not_found(format!("no scenario {id:?}")))?;
        let saved = store.scenario(id).await?;
        let scenario = if saved.applied_at.is_some() {
            // Its changes are the saved layers now.
            Scenario::new(Arc::clone(&base.baseline))
        } else {
            Scenario::from_plan(Arc::clone(&base.baseline), &saved.plan).map_err(|e| {
                PlanningError::new(
                    "conflict",
                    format!("scenario {id} no longer fits the saved stations: {e}"),
                )
            })?
        };
        let w = Arc::new(Mutex::new(Working {
            meta: ScenarioMeta {
                id: saved.id.clone(),
                name: saved.name,
                note: saved.note,
                version: saved.version,
                dirty: false,
                applied_at: saved.applied_at,
            },
            scenario,
            base_version: base.version,
            used: Instant::now(),
        }));
        self.keep(id.to_string(), Arc::clone(&w)).await;
        Ok(w)
    }

    /// Keeps a working copy, dropping the least recently used clean one beyond
    /// [`MAX_WORKING`] (a dirty one is saved to the store first).
    async fn keep(&self, id: String, w: Arc<Mutex<Working>>) {
        let evict = {
            let mut map = lock(&self.working);
            map.insert(id, w);
            if map.len() <= MAX_WORKING {
                None
            } else {
                map.iter()
                    .min_by_key(|(_, w)| lock(w).used)
                    .map(|(k, _)| k.clone())
                    .and_then(|k| map.remove(&k).map(|w| (k, w)))
            }
        };
        if let (Some((_, w)), Some(store)) = (evict, &self.store) {
            let (meta, plan) = {
                let g = lock(&w);
                (g.meta.clone(), g.scenario.plan())
            };
            if meta.dirty
                && meta.applied_at.is_none()
                && let Err(e) = store
                    .save_scenario(
                        &meta.id,
                        &meta.name,
                        &meta.note,
                        &plan,
                        meta.version,
                        "planning",
                    )
                    .await
            {
                eprintln!("planning: saving evicted scenario {}: {e}", meta.id);
            }
        }
    }

    /// Coverage per unit of `level` for `service` (every service and "any" with `None`), with
    /// the saved stations and, given a scenario id, in that scenario.
    ///
    /// # Errors
    /// `not_found` for an unknown scenario.
    pub async fn coverage(
        &self,
        level: AdminLevel,
        service: Option<Option<Service>>,
        scenario: Option<&str>,
    ) -> Result<CoverageTable> {
        let services: Vec<Option<Service>> = match service {
            Some(s) => vec![s],
            None => SLOTS.to_vec(),
        };
        let (rows, totals) = match scenario {
            Some(id) => {
                let w = self.working(id).await?;
                let g = lock(&w);
                let rows: Vec<CoverageRow> = services
                    .iter()
                    .flat_map(|&s| g.scenario.units(level, s))
                    .map(|u| row_of(&u))
                    .collect();
                let totals = services
                    .iter()
                    .map(|&s| row_of(&g.scenario.total(s)))
                    .collect();
                (rows, totals)
            }
            None => {
                let base = self.base();
                let rows = services
                    .iter()
                    .flat_map(|&s| base.baseline.units(level, s))
                    .map(|u| row_of(&u))
                    .collect();
                let totals = services
                    .iter()
                    .map(|&s| total_row(&base.baseline, s))
                    .collect();
                (rows, totals)
            }
        };
        Ok(CoverageTable {
            scenario: scenario.map(str::to_string),
            level,
            radius_m: RADIUS_M,
            totals,
            rows,
        })
    }

    /// The coverage gaps of `service` as GeoJSON (gap polygons, then uncovered buildings),
    /// with the saved stations or a scenario's.
    ///
    /// # Errors
    /// `not_found` for an unknown scenario.
    pub async fn gaps(
        &self,
        service: Option<Service>,
        scenario: Option<&str>,
    ) -> Result<Arc<String>> {
        let base = self.base();
        match scenario {
            None => Ok(Arc::clone(
                base.gaps[onemap_geo::scenario::slot_of(service)].get_or_init(|| {
                    let atlas = base.atlas();
                    Arc::new(onemap_report::export::gaps_geojson(
                        atlas,
                        &atlas.gaps(service, RADIUS_M),
                    ))
                }),
            )),
            Some(id) => {
                let w = self.working(id).await?;
                let (centres, atlas) = {
                    let g = lock(&w);
                    (
                        g.scenario.centres(service),
                        Arc::clone(g.scenario.baseline().atlas()),
                    )
                };
                let gaps = atlas.gaps_of_centres(service, &centres, RADIUS_M);
                Ok(Arc::new(onemap_report::export::gaps_geojson(&atlas, &gaps)))
            }
        }
    }

    /// Stations as GeoJSON points (the saved ones, or a scenario's active ones with
    /// `planned: "added" | "changed"` marking its changes), with `circles` their 500-m
    /// circles per service instead.
    ///
    /// # Errors
    /// `not_found` for an unknown scenario.
    pub async fn stations(&self, scenario: Option<&str>, circles: bool) -> Result<String> {
        match scenario {
            Some(id) => {
                let w = self.working(id).await?;
                let g = lock(&w);
                Ok(stations_geojson(&g.scenario, circles))
            }
            None => {
                let base = self.base();
                let atlas = base.atlas();
                let mut features = Vec::new();
                for s in atlas.stations() {
                    if circles {
                        for svc in &s.services {
                            features.push(circle_feature(&s.id, s.lon, s.lat, *svc, s.level, ""));
                        }
                    } else {
                        features.push(station_feature(
                            &s.id,
                            &s.name,
                            s.level,
                            &s.services,
                            s.lon,
                            s.lat,
                            "",
                        ));
                    }
                }
                Ok(json!({"type": "FeatureCollection", "features": features}).to_string())
            }
        }
    }

    /// Starts a scenario: empty, or a copy of scenario `from`. Stored at once when there is a
    /// store (so it has an id and a version).
    ///
    /// # Errors
    /// `invalid` for a bad or taken name; `not_found` for an unknown `from`.
    pub async fn create(
        &self,
        name: &str,
        note: &str,
        from: Option<&str>,
        actor: &str,
    ) -> Result<ScenarioView> {
        let base = self.base();
        let plan = match from {
            Some(f) => {
                let w = self.working(f).await?;
                let g = lock(&w);
                g.scenario.plan()
            }
            None => Plan::default(),
        };
        let scenario = Scenario::from_plan(Arc::clone(&base.baseline), &plan)?;
        let meta = match &self.store {
            Some(store) => {
                let s = store.create_scenario(name, note, &plan, actor).await?;
                ScenarioMeta {
                    id: s.id,
                    name: s.name,
                    note: s.note,
                    version: s.version,
                    dirty: false,
                    applied_at: None,
                }
            }
            None => {
                let n = name.trim();
                if n.is_empty() {
                    return Err(PlanningError::invalid("a scenario needs a name"));
                }
                let k = self
                    .memory_ids
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                ScenarioMeta {
                    id: format!("SC-M{k:04}"),
                    name: n.to_string(),
                    note: note.to_string(),
                    version: 0,
                    dirty: true,
                    applied_at: None,
                }
            }
        };
        let view = view_of(&meta, &scenario);
        let w = Arc::new(Mutex::new(Working {
            meta: meta.clone(),
            scenario,
            base_version: base.version,
            used: Instant::now(),
        }));
        self.keep(meta.id.clone(), w).await;
        Ok(view)
    }

    /// Saved scenarios (and, without a store, the ones in memory), most recent first, with
    /// their working state where one is open.
    ///
    /// # Errors
    /// Store failures.
    pub async fn list(&self) -> Result<Vec<ScenarioItem>> {
        let open: HashMap<String, (ScenarioMeta, Plan)> = lock(&self.working)
            .iter()
            .map(|(k, w)| {
                let g = lock(w);
                (k.clone(), (g.meta.clone(), g.scenario.plan()))
            })
            .collect();
        let mut out = Vec::new();
        match &self.store {
            Some(store) => {
                for s in store.scenarios().await? {
                    let (meta, plan) = match open.get(&s.id) {
                        Some((m, p)) => (m.clone(), p.clone()),
                        None => (
                            ScenarioMeta {
                                id: s.id.clone(),
                                name: s.name.clone(),
                                note: s.note.clone(),
                                version: s.version,
                                dirty: false,
                                applied_at: s.applied_at,
                            },
                            s.plan.clone(),
                        ),
                    };
                    out.push(ScenarioItem {
                        added: plan.added.len(),
                        changed: plan.changed.len(),
                        removed: plan.removed.len(),
                        scenario: meta,
                        updated_at: Some(s.updated_at),
                        updated_by: Some(s.updated_by),
                    });
                }
            }
            None => {
                let mut v: Vec<_> = open.into_values().collect();
                v.sort_by(|a, b| b.0.id.cmp(&a.0.id));
                for (meta, plan) in v {
                    out.push(ScenarioItem {
                        added: plan.added.len(),
                        changed: plan.changed.len(),
                        removed: plan.removed.len(),
                        scenario: meta,
                        updated_at: None,
                        updated_by: None,
                    });
                }
            }
        }
        Ok(out)
    }

    /// A scenario: identity, plan and totals.
    ///
    /// # Errors
    /// `not_found`.
    pub async fn get(&self, id: &str) -> Result<ScenarioView> {
        let w = self.working(id).await?;
        let g = lock(&w);
        Ok(view_of(&g.meta, &g.scenario))
    }

    /// Makes `edits` in order, all or none: when one is refused, the ones before it in this
    /// request are taken back and the error names the refused one.
    ///
    /// # Errors
    /// `not_found` for an unknown scenario or station, `invalid` for a refused edit or an
    /// applied scenario.
    pub async fn edit(&self, id: &str, edits: &[Edit]) -> Result<EditResult> {
        if edits.is_empty() {
            return Err(PlanningError::invalid("no edit given"));
        }
        if edits.len() > 1000 {
            return Err(PlanningError::invalid("at most 1,000 edits per request"));
        }
        let w = self.working(id).await?;
        let mut g = lock(&w);
        if g.meta.applied_at.is_some() {
            return Err(PlanningError::invalid(format!(
                "scenario {id} was applied and is kept as a record; start a new scenario"
            )));
        }
        let mut outcomes = Vec::with_capacity(edits.len());
        for (k, e) in edits.iter().enumerate() {
            match g.scenario.apply(e) {
                Ok(o) => outcomes.push(o),
                Err(err) => {
                    for _ in 0..outcomes.len() {
                        let _ = g.scenario.undo();
                    }
                    let mut pe = PlanningError::from(err);
                    if edits.len() > 1 {
                        pe.message =
                            format!("edit #{} refused, nothing changed: {}", k + 1, pe.message);
                    }
                    return Err(pe);
                }
            }
        }
        g.meta.dirty = true;
        Ok(edit_result(&g.meta, &g.scenario, &outcomes))
    }

    /// Takes back the last edit.
    ///
    /// # Errors
    /// `invalid` when there is nothing to undo.
    pub async fn undo(&self, id: &str) -> Result<EditResult> {
        let w = self.working(id).await?;
        let mut g = lock(&w);
        let o = g.scenario.undo()?;
        g.meta.dirty = true;
        Ok(edit_result(&g.meta, &g.scenario, &[o]))
    }

    /// Saves the working copy (name and note too, when given) at the version it started from.
    ///
    /// # Errors
    /// `no_store`; `conflict` when someone else saved it since (their version is in the
    /// message; reload to see it); `invalid` for a bad name or an applied scenario.
    pub async fn save(
        &self,
        id: &str,
        name: Option<&str>,
        note: Option<&str>,
        actor: &str,
    ) -> Result<ScenarioView> {
        let store = self.store()?;
        let w = self.working(id).await?;
        let (meta, plan) = {
            let g = lock(&w);
            (g.meta.clone(), g.scenario.plan())
        };
        let name = name.unwrap_or(&meta.name);
        let note = note.unwrap_or(&meta.note);
        let saved = store
            .save_scenario(id, name, note, &plan, meta.version, actor)
            .await?;
        let mut g = lock(&w);
        g.meta.name = saved.name;
        g.meta.note = saved.note;
        g.meta.version = saved.version;
        // Edits made while saving stay dirty.
        g.meta.dirty = g.scenario.plan() != plan;
        Ok(view_of(&g.meta, &g.scenario))
    }

    /// Deletes a scenario (at its stored version) and its working copy.
    ///
    /// # Errors
    /// `not_found`, `conflict`.
    pub async fn delete(&self, id: &str) -> Result<()> {
        match &self.store {
            Some(store) => {
                let open = lock(&self.working).get(id).cloned();
                let version = match open {
                    Some(w) => lock(&w).meta.version,
                    None => store.scenario(id).await?.version,
                };
                store.delete_scenario(id, version).await?;
            }
            None => {
                let open = lock(&self.working).contains_key(id);
                if !open {
                    return Err(PlanningError::not_found(format!("no scenario {id:?}")));
                }
            }
        }
        lock(&self.working).remove(id);
        Ok(())
    }

    /// The saved stations and the given scenarios side by side, per unit of `level`, for
    /// `service` (any with `None`).
    ///
    /// # Errors
    /// `not_found` for an unknown scenario; `invalid` for more than 8.
    pub async fn compare(
        &self,
        ids: &[String],
        level: AdminLevel,
        service: Option<Service>,
    ) -> Result<Comparison> {
        if ids.len() > 8 {
            return Err(PlanningError::invalid("compare at most 8 scenarios"));
        }
        let base = self.base();
        let saved = base.baseline.units(level, service);
        let mut columns = vec![ComparisonColumn {
            id: String::new(),
            name: String::new(),
            total: total_row(&base.baseline, service).saved,
            stations: [0, 0, 0],
        }];
        let mut rows: Vec<ComparisonRow> = saved
            .iter()
            .map(|u| ComparisonRow {
                code: u.code.clone(),
                name: u.name.clone(),
                residents: u.totals.residents,
                values: vec![row_of(u).saved],
            })
            .collect();
        for id in ids {
            let w = self.working(id).await?;
            let g = lock(&w);
            let plan = g.scenario.plan();
            columns.push(ComparisonColumn {
                id: g.meta.id.clone(),
                name: g.meta.name.clone(),
                total: row_of(&g.scenario.total(service)).scenario,
                stations: [plan.added.len(), plan.changed.len(), plan.removed.len()],
            });
            for (row, u) in rows.iter_mut().zip(g.scenario.units(level, service)) {
                row.values.push(row_of(&u).scenario);
            }
        }
        Ok(Comparison { columns, rows })
    }

    /// [`Planning::apply`] on behalf of `who`, on the audit log either way. Applying rewrites
    /// the stations layer every seat works with, as an import does, so it is an
    /// administrator's step (as imports are): planners build, save and compare scenarios, an
    /// administrator applies one; a planner's attempt is refused and the refusal recorded.
    ///
    /// # Errors
    /// `forbidden` for a role that does not administer; else those of [`Planning::apply`].
    pub async fn apply_as(&self, id: &str, who: &onemap::access::Principal) -> Result<Value> {
        if !who.role.administers() {
            let why = format!(
                "only an administrator may apply a scenario (it rewrites the stations layer for everyone); you are a {}",
                who.role
            );
            if let Some(store) = &self.store {
                let entry = onemap::audit::Entry::by(
                    who,
                    "scenario.apply",
                    format!("scenario:{id}"),
                    onemap::audit::Outcome::Denied,
                    why.clone(),
                );
                store.audit(entry).await?;
            }
            return Err(PlanningError::new("forbidden", why));
        }
        let applied = self.apply(id, &who.user).await;
        self.audited(who, "scenario.apply", id, applied).await
    }

    /// Applies a saved, unedited scenario: the stations layer is rewritten through the store's
    /// validated import, the Atlas swapped, and every working copy rebased on it.
    ///
    /// # Errors
    /// `no_store`; `invalid` when it has unsaved edits or was applied; `conflict` for a stale
    /// version; import errors.
    pub async fn apply(&self, id: &str, actor: &str) -> Result<Value> {
        let store = self.store()?;
        let w = self.working(id).await?;
        let meta = lock(&w).meta.clone();
        if meta.dirty {
            return Err(PlanningError::invalid(format!(
                "scenario {id} has unsaved edits: save it first, so what is applied is what is stored"
            )));
        }
        let report = store.apply_scenario(id, meta.version, actor).await?;
        self.reload().await;
        let saved = store.scenario(id).await?;
        {
            let base = self.base();
            let mut g = lock(&w);
            g.meta.version = saved.version;
            g.meta.applied_at = saved.applied_at;
            g.scenario = Scenario::new(Arc::clone(&base.baseline));
            g.base_version = base.version;
        }
        Ok(json!({"scenario": lock(&w).meta.clone(), "import": report}))
    }

    /// Rebuilds the saved layers from the store (after an apply or another seat's import).
    pub async fn reload(&self) {
        let Some(store) = &self.store else {
            return;
        };
        let old = self.base();
        let (atlas, roads) = stored_layers(store, Arc::clone(old.atlas()), old.roads.clone()).await;
        let next = Arc::new(Base::new(atlas, roads, old.version + 1));
        match self.base.write() {
            Ok(mut b) => *b = next,
            Err(p) => *p.into_inner() = next,
        }
    }

    /// Suggested sites (see [`onemap_geo::suggest`]).
    ///
    /// # Errors
    /// `invalid` for bad parameters; `not_found` for an unknown scenario.
    pub async fn suggest(&self, p: &SuggestParams) -> Result<Suggestion> {
        let service = parse_service(p.service.as_deref())?;
        let objective: Objective = p
            .objective
            .as_deref()
            .unwrap_or("residents")
            .parse()
            .map_err(PlanningError::invalid)?;
        let candidates: Candidates = p
            .candidates
            .as_deref()
            .unwrap_or("buildings")
            .parse()
            .map_err(PlanningError::invalid)?;
        let stop = match (&p.target, p.count) {
            (Some(t), count) => Stop::Target {
                share: parse_share(t)?,
                max: count.unwrap_or(1000),
            },
            (None, count) => Stop::Count {
                n: count.unwrap_or(5),
            },
        };
        let exclude = p.exclude.as_ref().map(polygons_of).transpose()?;
        let (atlas, covered, halls) = self.stations_of(p.scenario.as_deref(), service).await?;
        onemap_geo::suggest::suggest(
            &atlas,
            &Request {
                service,
                objective,
                candidates,
                stop,
                exclude: exclude.as_ref(),
                radius_m: RADIUS_M,
                covered: &covered,
                halls: &halls,
                residential_only: false,
                only: None,
            },
        )
        .map_err(|e| PlanningError::invalid(e.to_string()))
    }

    /// The Atlas, coverage and halls without the service, of the saved stations or a scenario.
    async fn stations_of(
        &self,
        scenario: Option<&str>,
        service: Option<Service>,
    ) -> Result<(Arc<Atlas>, Vec<bool>, Vec<onemap_geo::suggest::Hall>)> {
        Ok(match scenario {
            Some(id) => {
                let w = self.working(id).await?;
                let g = lock(&w);
                (
                    Arc::clone(g.scenario.baseline().atlas()),
                    g.scenario.covered_buildings(service),
                    g.scenario.halls_without(service),
                )
            }
            None => {
                let base = self.base();
                let atlas = Arc::clone(base.atlas());
                let covered = atlas.covered_buildings(service, RADIUS_M);
                let halls = atlas.halls_without(service);
                (atlas, covered, halls)
            }
        })
    }

    /// The policy check for `service` (all three with `None`).
    ///
    /// # Errors
    /// `not_found` for an unknown scenario.
    pub async fn policy(
        &self,
        service: Option<Service>,
        scenario: Option<&str>,
    ) -> Result<PolicyReport> {
        let services: Vec<Service> = service.map_or_else(|| Service::ALL.to_vec(), |s| vec![s]);
        let base = self.base();
        let atlas = Arc::clone(base.atlas());
        // Coverage and halls per service, taken under the working copy's lock, then the check
        // runs without it.
        let mut inputs: HashMap<Service, (Vec<bool>, Vec<onemap_geo::suggest::Hall>)> =
            HashMap::new();
        match scenario {
            Some(id) => {
                let w = self.working(id).await?;
                let g = lock(&w);
                for &s in &services {
                    inputs.insert(
                        s,
                        (
                            g.scenario.covered_buildings(Some(s)),
                            g.scenario.halls_without(Some(s)),
                        ),
                    );
                }
            }
            None => {
                for &s in &services {
                    inputs.insert(
                        s,
                        (
                            atlas.covered_buildings(Some(s), RADIUS_M),
                            atlas.halls_without(Some(s)),
                        ),
                    );
                }
            }
        }
        Ok(onemap_geo::policy::check(
            &atlas,
            &services,
            RADIUS_M,
            |s| inputs.get(&s).map(|i| i.0.clone()).unwrap_or_default(),
            |s| inputs.get(&s).map(|i| i.1.clone()).unwrap_or_default(),
        ))
    }

    /// Walking against the circle per unit of `level` for `service`.
    ///
    /// # Errors
    /// `not_found` for an unknown scenario.
    pub async fn walking(
        &self,
        service: Option<Service>,
        level: AdminLevel,
        scenario: Option<&str>,
    ) -> Result<WalkingView> {
        let base = self.base();
        let centres = match scenario {
            Some(id) => {
                let w = self.working(id).await?;
                let g = lock(&w);
                g.scenario.centres(service)
            }
            None => base.atlas().service_centres(service),
        };
        let name = service.map_or("any", Service::as_str);
        let Some(walking) = base.walking() else {
            return Ok(WalkingView {
                available: false,
                service: name,
                scenario: scenario.map(str::to_string),
                edges: 0,
                length_km: 0.0,
                total: None,
                rows: Vec::new(),
            });
        };
        let atlas = base.atlas();
        let mut both = walking.compare_levels(atlas, &centres, &[level, AdminLevel::District]);
        let districts = both.pop().unwrap_or_default();
        let rows = both.pop().unwrap_or_default();
        let total = districts.into_iter().reduce(|mut a, b| {
            a.buildings += b.buildings;
            a.residents += b.residents;
            a.circle_buildings += b.circle_buildings;
            a.circle_residents += b.circle_residents;
            a.walking_buildings += b.walking_buildings;
            a.walking_residents += b.walking_residents;
            a
        });
        Ok(WalkingView {
            available: true,
            service: name,
            scenario: scenario.map(str::to_string),
            edges: walking.network().edge_count(),
            length_km: walking.network().length_m() / 1000.0,
            total,
            rows,
        })
    }

    /// The coverage table as CSV.
    ///
    /// # Errors
    /// `not_found` for an unknown scenario.
    pub async fn export_csv(
        &self,
        level: AdminLevel,
        scenario: Option<&str>,
        lang: Lang,
    ) -> Result<Export> {
        let per_service: Vec<Vec<onemap_geo::scenario::UnitChange>> = match scenario {
            Some(id) => {
                let w = self.working(id).await?;
                let g = lock(&w);
                SLOTS.iter().map(|&s| g.scenario.units(level, s)).collect()
            }
            None => {
                let base = self.base();
                SLOTS
                    .iter()
                    .map(|&s| base.baseline.units(level, s))
                    .collect()
            }
        };
        Ok(Export {
            bytes: onemap_report::export::coverage_csv(&per_service, lang).into_bytes(),
            content_type: "text/csv; charset=utf-8",
            file_name: format!("coverage-{}{}.csv", level.as_str(), suffix(scenario)),
        })
    }

    /// The gaps of `service` as a GeoJSON file.
    ///
    /// # Errors
    /// `not_found` for an unknown scenario.
    pub async fn export_gaps(
        &self,
        service: Option<Service>,
        scenario: Option<&str>,
    ) -> Result<Export> {
        let text = self.gaps(service, scenario).await?;
        Ok(Export {
            bytes: text.as_bytes().to_vec(),
            content_type: "application/geo+json",
            file_name: format!(
                "gaps-{}{}.geojson",
                service.map_or("any", Service::as_str),
                suffix(scenario)
            ),
        })
    }

    /// The printable planning report (HTML or PDF), with a scenario side by side when given.
    ///
    /// # Errors
    /// `not_found` for an unknown scenario; `internal` when the PDF cannot be made (no CJK
    /// font: the message says which package to install).
    pub async fn export_report(
        &self,
        format: Format,
        lang: Lang,
        scenario: Option<&str>,
        date: &str,
        progress: &onemap_report::Progress,
    ) -> Result<Export> {
        let base = self.base();
        let sc = match scenario {
            Some(id) => {
                let w = self.working(id).await?;
                let g = lock(&w);
                Some((g.scenario.clone(), g.meta.name.clone()))
            }
            None => None,
        };
        let walking = base.walking();
        let input = onemap_report::Input {
            atlas: base.atlas(),
            baseline: &base.baseline,
            scenario: sc.as_ref().map(|(s, n)| (s, n.as_str())),
            walking: walking.as_deref(),
            synthetic: self.synthetic,
            date: date.to_string(),
            suggestions: 5,
        };
        let bytes = onemap_report::render(&input, lang, format, progress).map_err(|e| match e {
            onemap_report::ReportError::Cancelled => PlanningError::new("cancelled", "cancelled"),
            other => PlanningError::new("internal", other.to_string()),
        })?;
        let (ext, content_type) = match format {
            Format::Html => ("html", "text/html; charset=utf-8"),
            Format::Pdf => ("pdf", "application/pdf"),
        };
        let lang_tag = match lang {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        };
        Ok(Export {
            bytes,
            content_type,
            file_name: format!("planning-report-{lang_tag}{}.{ext}", suffix(scenario)),
        })
    }
}

/// Runs CPU-heavy planning work on the blocking pool, off the async workers (the routes'
/// analyses and exports, the report's job).
///
/// # Errors
/// `f`'s error, or `internal` when the task itself failed.
pub async fn on_blocking_pool<T, F, Fut>(p: &Arc<Planning>, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(Arc<Planning>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T>>,
{
    let p = Arc::clone(p);
    let h = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || h.block_on(f(p)))
        .await
        .map_err(|e| PlanningError::new("internal", format!("planning task failed: {e}")))?
}

/// The printable planning report as a background job (browser mode's `POST
/// /api/exports/planning-report` and the desktop's `planning_report_start`): rendered on the blocking
/// pool while `progress` counts its steps (half a minute at city scale), cancelled between
/// steps, and left as the job's file in a temporary directory.
///
/// # Errors
/// [`onemap::Error::Cancelled`] when cancelled; `Invalid` with the reason otherwise (an unknown
/// scenario, no CJK font for the PDF).
#[cfg(feature = "formats")]
pub async fn report_job(
    planning: Arc<Planning>,
    format: Format,
    lang: Lang,
    scenario: Option<String>,
    progress: onemap_report::Progress,
) -> onemap::Result<onemap::jobs::JobOutput> {
    let date = onemap_report::today();
    let export = on_blocking_pool(&planning, move |p| async move {
        p.export_report(format, lang, scenario.as_deref(), &date, &progress)
            .await
    })
    .await
    .map_err(|e| match e.code {
        "cancelled" => onemap::Error::Cancelled,
        _ => onemap::Error::Invalid(e.message),
    })?;
    let dir = tempfile::Builder::new()
        .prefix("onemap-report-")
        .tempdir()
        .map_err(|e| onemap::Error::Io {
            path: "temporary directory".into(),
            source: e,
        })?;
    // The job registry removes the file when it forgets the job.
    let path = dir.keep().join(&export.file_name);
    std::fs::write(&path, &export.bytes).map_err(|e| onemap::Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    Ok(onemap::jobs::JobOutput {
        result: json!({"bytes": export.bytes.len()}),
        file: Some(onemap::jobs::JobFile {
            path,
            content_type: export.content_type.into(),
            file_name: export.file_name,
        }),
    })
}

fn station_feature(
    id: &str,
    name: &str,
    level: onemap_geo::dataset::StationLevel,
    services: &[Service],
    lon: f64,
    lat: f64,
    planned: &str,
) -> Value {
    json!({"type": "Feature", "id": id,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"id": id, "name": name, "level": level, "services": services, "planned": planned}})
}

fn circle_feature(
    id: &str,
    lon: f64,
    lat: f64,
    service: Service,
    level: onemap_geo::dataset::StationLevel,
    planned: &str,
) -> Value {
    json!({"type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [circle_ring(lon, lat, RADIUS_M)]},
        "properties": {"station": id, "service": service, "level": level, "planned": planned}})
}

/// A scenario's active stations (and, as points, its removed ones) as GeoJSON, each marked
/// `planned: "added" | "changed" | "removed" | ""`.
fn stations_geojson(sc: &Scenario, circles: bool) -> String {
    let plan = sc.plan();
    let mut features = Vec::new();
    for s in sc.stations().iter().filter(|s| s.active) {
        let planned = if s.saved.is_none() {
            "added"
        } else if plan.changed.iter().any(|c| c.id == s.id) {
            "changed"
        } else {
            ""
        };
        if circles {
            for svc in &s.services {
                features.push(circle_feature(&s.id, s.lon, s.lat, *svc, s.level, planned));
            }
        } else {
            features.push(station_feature(
                &s.id,
                &s.name,
                s.level,
                &s.services,
                s.lon,
                s.lat,
                planned,
            ));
        }
    }
    if !circles {
        for id in &plan.removed {
            if let Some(s) = sc.station(id) {
                features.push(station_feature(
                    &s.id,
                    &s.name,
                    s.level,
                    &s.services,
                    s.lon,
                    s.lat,
                    "removed",
                ));
            }
        }
    }
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

fn suffix(scenario: Option<&str>) -> String {
    scenario.map(|s| format!("-{s}")).unwrap_or_default()
}

/// The whole dataset's row with the saved stations.
fn total_row(baseline: &Baseline, service: Option<Service>) -> CoverageRow {
    let rows = baseline.units(AdminLevel::District, service);
    let mut it = rows.into_iter();
    let mut t = it
        .next()
        .unwrap_or_else(|| onemap_geo::scenario::UnitChange {
            level: AdminLevel::District,
            unit: 0,
            code: String::new(),
            name: String::new(),
            service,
            totals: Default::default(),
            base: Default::default(),
            now: Default::default(),
        });
    let mut n = 1;
    for r in it {
        t.totals += r.totals;
        t.base += r.base;
        t.now += r.now;
        n += 1;
    }
    if n > 1 {
        t.code = String::new();
        t.name = String::new();
    }
    row_of(&t)
}

fn view_of(meta: &ScenarioMeta, sc: &Scenario) -> ScenarioView {
    ScenarioView {
        scenario: meta.clone(),
        plan: sc.plan(),
        undo_depth: sc.undo_depth(),
        totals: SLOTS.iter().map(|&s| row_of(&sc.total(s))).collect(),
    }
}

fn edit_result(meta: &ScenarioMeta, sc: &Scenario, outcomes: &[EditOutcome]) -> EditResult {
    let atlas = sc.baseline().atlas();
    let mut subgrids: Vec<usize> = outcomes
        .iter()
        .flat_map(|o| o.subgrids.iter().copied())
        .collect();
    subgrids.sort_unstable();
    subgrids.dedup();
    let changes = SLOTS
        .iter()
        .enumerate()
        .map(|(slot, &service)| {
            // Net over the request's edits: covered at the end and not before, or the reverse.
            let mut gained: Vec<usize> = Vec::new();
            let mut lost: Vec<usize> = Vec::new();
            for o in outcomes {
                let c = &o.slots[slot];
                for &b in &c.newly_covered {
                    if let Some(i) = lost.iter().position(|&x| x == b) {
                        lost.swap_remove(i);
                    } else {
                        gained.push(b);
                    }
                }
                for &b in &c.newly_uncovered {
                    if let Some(i) = gained.iter().position(|&x| x == b) {
                        gained.swap_remove(i);
                    } else {
                        lost.push(b);
                    }
                }
            }
            gained.sort_unstable();
            lost.sort_unstable();
            let ids = |v: &[usize]| {
                v.iter()
                    .take(LISTED_BUILDINGS)
                    .map(|&b| atlas.buildings()[b].id.clone())
                    .collect()
            };
            SlotDelta {
                service: service.map_or("any", Service::as_str),
                newly_covered: gained.len(),
                newly_uncovered: lost.len(),
                newly_covered_ids: ids(&gained),
                newly_uncovered_ids: ids(&lost),
                residents: outcomes.iter().map(|o| o.slots[slot].residents).sum(),
                uncovered_km2: outcomes
                    .iter()
                    .map(|o| o.slots[slot].uncovered_m2)
                    .sum::<f64>()
                    / 1e6,
            }
        })
        .collect();
    let mut stations: Vec<String> = outcomes.iter().map(|o| o.station.clone()).collect();
    stations.dedup();
    EditResult {
        scenario: meta.clone(),
        stations,
        undo_depth: sc.undo_depth(),
        totals: SLOTS.iter().map(|&s| row_of(&sc.total(s))).collect(),
        changes,
        subgrids: SLOTS
            .iter()
            .flat_map(|&s| sc.subgrid_rows(&subgrids, s))
            .map(|u| row_of(&u))
            .collect(),
        units: [AdminLevel::Community, AdminLevel::Street]
            .iter()
            .flat_map(|&level| SLOTS.iter().map(move |&s| (level, s)))
            .flat_map(|(level, s)| sc.unit_rows(level, &subgrids, s))
            .map(|u| row_of(&u))
            .collect(),
    }
}

/// The store's Atlas and roads when it has them, else the given ones.
async fn stored_layers(
    store: &Store,
    atlas: Arc<Atlas>,
    roads: Option<String>,
) -> (Arc<Atlas>, Option<String>) {
    let atlas = store.atlas().unwrap_or(atlas);
    let has_roads = store
        .layers()
        .await
        .map(|l| l.iter().any(|(n, c)| n == "roads" && *c > 0))
        .unwrap_or(false);
    let roads = if has_roads {
        match store
            .export_layer("roads", onemap::layers::ExportFormat::GeoJson)
            .await
        {
            Ok(t) => Some(t),
            Err(_) => roads,
        }
    } else {
        roads
    };
    (atlas, roads)
}

//! What-if: add, move or remove service stations in a scenario over an Atlas, without touching
//! the saved layers, and see the coverage change per service and per unit.
//!
//! A [`Baseline`] holds, for one Atlas and radius, everything that does not change with an
//! edit: how many stations of each service reach every building (its *cover count*), the
//! totals of every sub-grid, and their covered buildings, residents and exact uncovered area.
//! A [`Scenario`] copies the cover counts and then keeps them up to date edit by edit: moving a
//! station only visits the buildings of its old and its new circle (decrementing and
//! incrementing their counts; a count falling to 0 uncovers the building, rising from 0 covers
//! it) and recomputes the exact uncovered area of the few sub-grids those circles touch. Nothing
//! is recomputed for the rest of the city, which is why an edit costs microseconds to a few
//! milliseconds at city scale (see `benches/planning.rs`).
//!
//! Upper units (community, street, district) are sums of their sub-grids, which partition them:
//! their buildings, residents and uncovered area are added up from the sub-grid figures.
//!
//! A scenario's changes are written out as a [`Plan`] (new stations, moved or re-serviced ones,
//! removed ones), the form a scenario is saved in; [`Scenario::from_plan`] replays one.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::atlas::Atlas;
use crate::coverage::uncovered_area_of_shape;
use crate::dataset::{AdminLevel, Rating, Service, StationLevel};
use crate::geom::Shape;

/// The coverage slots a scenario tracks: each service, then "any station" (`None`).
pub const SLOTS: [Option<Service>; 4] = [
    Some(Service::Appeal),
    Some(Service::Legal),
    Some(Service::Psych),
    None,
];

/// Position of a service (or "any", `None`) in [`SLOTS`].
///
/// ```
/// use onemap_geo::{dataset::Service, scenario::slot_of};
/// assert_eq!(slot_of(Some(Service::Legal)), 1);
/// assert_eq!(slot_of(None), 3);
/// ```
#[must_use]
pub fn slot_of(service: Option<Service>) -> usize {
    service.map_or(3, Service::index)
}

/// How far outside the districts' bounding box a station may stand, metres.
pub const STATION_MARGIN_M: f64 = 2_000.0;

/// Why an edit or a plan was refused; the scenario is left as it was.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// No station with this id in the scenario.
    #[error("no station {0:?} in this scenario")]
    UnknownStation(String),
    /// A new station was given an id that is already taken.
    #[error("station id {0:?} is already taken")]
    DuplicateId(String),
    /// The position is not a finite lon/lat near the districts.
    #[error(
        "({lon}, {lat}) is not a position within {STATION_MARGIN_M} m of the districts' extent"
    )]
    BadPosition {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// A station must offer at least one service.
    #[error("station {0:?} would offer no service; remove it instead")]
    NoServices(String),
    /// The station is removed; only restoring it is possible.
    #[error("station {0:?} is removed in this scenario; restore it first")]
    Removed(String),
    /// Undo with an empty history.
    #[error("nothing to undo")]
    NothingToUndo,
}

/// One change to a scenario. Serialised with an `op` tag: `{"op": "move", "id": "ST-0001",
/// "lon": 113.93, "lat": 22.76}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    /// A new station. Without `id` one is made up (`ST-N0001`, …); without `name`, one from
    /// its sub-grid (`…规划站点`); without `level`, a sub-grid station.
    Add {
        /// Wanted id.
        #[serde(default)]
        id: Option<String>,
        /// Name.
        #[serde(default)]
        name: Option<String>,
        /// Level in "1+6+31+N".
        #[serde(default)]
        level: Option<StationLevel>,
        /// Services offered (at least one).
        services: Vec<Service>,
        /// Longitude, WGS84.
        lon: f64,
        /// Latitude, WGS84.
        lat: f64,
    },
    /// Moves a station (with its services).
    Move {
        /// The station.
        id: String,
        /// New longitude.
        lon: f64,
        /// New latitude.
        lat: f64,
    },
    /// Removes a station (and every service it offers).
    Remove {
        /// The station.
        id: String,
    },
    /// Brings a removed station back.
    Restore {
        /// The station.
        id: String,
    },
    /// Changes the services a station offers.
    Services {
        /// The station.
        id: String,
        /// The services it offers from now on (at least one).
        services: Vec<Service>,
    },
}

/// A station as the scenario sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioStation {
    /// Id (`ST-0001` for saved stations, `ST-N0001` for new ones unless named otherwise).
    pub id: String,
    /// Name.
    pub name: String,
    /// Level.
    pub level: StationLevel,
    /// Services offered.
    pub services: Vec<Service>,
    /// Longitude, WGS84.
    pub lon: f64,
    /// Latitude, WGS84.
    pub lat: f64,
    /// Index into [`Atlas::stations`] for a station of the saved layer; `None` for a new one.
    pub saved: Option<usize>,
    /// Whether it is in the scenario (false once removed).
    pub active: bool,
    /// Position in the Atlas plane.
    #[serde(skip)]
    xy: [f64; 2],
}

impl ScenarioStation {
    /// Whether the station counts for `slot` (a service, or any station for slot 3).
    fn serves(&self, slot: usize) -> bool {
        self.active && (slot == 3 || self.services.contains(&Service::ALL[slot]))
    }
}

/// A station of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedStation {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Level.
    pub level: StationLevel,
    /// Services.
    pub services: Vec<Service>,
    /// Longitude, WGS84.
    pub lon: f64,
    /// Latitude, WGS84.
    pub lat: f64,
}

/// A scenario's changes against the saved stations: the form it is saved and applied in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// New stations.
    #[serde(default)]
    pub added: Vec<PlannedStation>,
    /// Saved stations that moved or offer other services (their new state).
    #[serde(default)]
    pub changed: Vec<PlannedStation>,
    /// Ids of saved stations removed.
    #[serde(default)]
    pub removed: Vec<String>,
}

impl Plan {
    /// Whether the plan changes nothing.
    ///
    /// ```
    /// assert!(onemap_geo::scenario::Plan::default().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Covered buildings, residents and warning buildings of a unit, and its uncovered area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Covered {
    /// Buildings within the radius of a station.
    pub buildings: u64,
    /// Their residents.
    pub residents: u64,
    /// Warning-rated (警示级) buildings among them.
    pub warning: u64,
    /// Area outside every circle, m² (exact circles).
    pub uncovered_m2: f64,
}

impl std::ops::AddAssign for Covered {
    fn add_assign(&mut self, o: Covered) {
        self.buildings += o.buildings;
        self.residents += o.residents;
        self.warning += o.warning;
        self.uncovered_m2 += o.uncovered_m2;
    }
}

/// What a unit holds: buildings located in it, their residents and warning buildings, its area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Buildings.
    pub buildings: u64,
    /// Residents of those buildings.
    pub residents: u64,
    /// Warning-rated buildings.
    pub warning: u64,
    /// Planar area, m².
    pub area_m2: f64,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, o: Totals) {
        self.buildings += o.buildings;
        self.residents += o.residents;
        self.warning += o.warning;
        self.area_m2 += o.area_m2;
    }
}

/// One unit's coverage for one slot, saved and in the scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitChange {
    /// Level of the unit.
    pub level: AdminLevel,
    /// Index in [`Atlas::units`] of that level.
    pub unit: usize,
    /// Code (empty for the whole dataset).
    pub code: String,
    /// Name.
    pub name: String,
    /// The service, `None` for any station.
    pub service: Option<Service>,
    /// What the unit holds.
    pub totals: Totals,
    /// Coverage with the saved stations.
    pub base: Covered,
    /// Coverage in the scenario.
    pub now: Covered,
}

/// The change one edit made to one slot.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlotChange {
    /// The service, `None` for any station.
    pub service: Option<Service>,
    /// Buildings (indexes into [`Atlas::buildings`], ascending) covered by the edit.
    pub newly_covered: Vec<usize>,
    /// Buildings no longer covered after the edit.
    pub newly_uncovered: Vec<usize>,
    /// Change in covered buildings (those located in a sub-grid).
    pub buildings: i64,
    /// Change in covered residents.
    pub residents: i64,
    /// Change in covered warning buildings.
    pub warning: i64,
    /// Change in uncovered area, m² (negative: less uncovered).
    pub uncovered_m2: f64,
}

/// What one edit did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditOutcome {
    /// The station edited (the new id after an add).
    pub station: String,
    /// The change per slot, in [`SLOTS`] order.
    pub slots: Vec<SlotChange>,
    /// Sub-grids (indexes) whose figures changed, ascending.
    pub subgrids: Vec<usize>,
}

/// Everything a scenario needs that its edits do not change: see the module documentation.
#[derive(Debug)]
pub struct Baseline {
    atlas: Arc<Atlas>,
    radius: f64,
    /// Cover counts per slot, by building *position* in the Atlas's building index.
    counts: [Vec<u32>; 4],
    /// Per building position: its sub-grid (`u32::MAX` outside), residents, warning flag.
    pos_subgrid: Vec<u32>,
    pos_residents: Vec<u32>,
    pos_warning: Vec<bool>,
    totals: Vec<Totals>,
    covered: [Vec<Covered>; 4],
    shapes: Vec<Shape>,
    /// Lon/lat box stations may stand in.
    extent: [f64; 4],
}

impl Baseline {
    /// Computes the baseline of `atlas` for circles of `radius_m`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use onemap_geo::{atlas::Atlas, scenario::Baseline};
    /// let base = Baseline::new(Arc::new(Atlas::example()), 500.0);
    /// assert_eq!(base.radius(), 500.0);
    /// ```
    #[must_use]
    pub fn new(atlas: Arc<Atlas>, radius_m: f64) -> Baseline {
        let index = &atlas.building_index;
        let n = index.len();
        let pos_subgrid: Vec<u32> = index
            .ids()
            .iter()
            .map(|&b| atlas.building_subgrid[b as usize])
            .collect();
        let pos_residents: Vec<u32> = index
            .ids()
            .iter()
            .map(|&b| atlas.buildings[b as usize].residents)
            .collect();
        let pos_warning: Vec<bool> = index
            .ids()
            .iter()
            .map(|&b| atlas.buildings[b as usize].rating == Rating::Warning)
            .collect();
        let mut counts: [Vec<u32>; 4] = std::array::from_fn(|_| vec![0u32; n]);
        for (s, xy) in atlas.stations.iter().zip(&atlas.station_xy) {
            index.visit_disc(xy[0], xy[1], radius_m, |run| {
                for (slot, c) in counts.iter_mut().enumerate() {
                    if slot == 3 || s.offers(Service::ALL[slot]) {
                        for v in &mut c[run.clone()] {
                            *v += 1;
                        }
                    }
                }
            });
        }
        let ns = atlas.subgrids.len();
        let shapes: Vec<Shape> = atlas
            .subgrids
            .iter()
            .map(|u| Shape::from_multipolygon(&u.geometry))
            .collect();
        let mut totals: Vec<Totals> = atlas
            .subgrids
            .iter()
            .map(|u| Totals {
                area_m2: u.area_m2,
                ..Totals::default()
            })
            .collect();
        let mut covered: [Vec<Covered>; 4] = std::array::from_fn(|_| vec![Covered::default(); ns]);
        for pos in 0..n {
            let s = pos_subgrid[pos];
            if s == u32::MAX {
                continue;
            }
            let s = s as usize;
            let (r, w) = (u64::from(pos_residents[pos]), u64::from(pos_warning[pos]));
            totals[s].buildings += 1;
            totals[s].residents += r;
            totals[s].warning += w;
            for slot in 0..4 {
                if counts[slot][pos] > 0 {
                    covered[slot][s].buildings += 1;
                    covered[slot][s].residents += r;
                    covered[slot][s].warning += w;
                }
            }
        }
        for (slot, cov) in covered.iter_mut().enumerate() {
            let centres = atlas.service_centres(SLOTS[slot]);
            let areas = crate::parallel::map_blocks(ns, |range| {
                range
                    .map(|s| area_near(&shapes[s], &centres, radius_m))
                    .collect::<Vec<f64>>()
            });
            for (c, a) in cov.iter_mut().zip(areas.into_iter().flatten()) {
                c.uncovered_m2 = a;
            }
        }
        let mut extent = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for d in &atlas.districts {
            for p in &d.geometry.0 {
                for c in &p.exterior().0 {
                    let (lon, lat) = atlas.plane.inverse(c.x, c.y);
                    extent = [
                        extent[0].min(lon),
                        extent[1].min(lat),
                        extent[2].max(lon),
                        extent[3].max(lat),
                    ];
                }
            }
        }
        if !extent[0].is_finite() {
            // No districts: any position in Shenzhen's wide box.
            extent = [113.0, 22.0, 115.0, 23.5];
        }
        // Degrees per metre, generously (latitude ~22.7°N).
        let m = STATION_MARGIN_M / 100_000.0;
        let extent = [extent[0] - m, extent[1] - m, extent[2] + m, extent[3] + m];
        Baseline {
            atlas,
            radius: radius_m,
            counts,
            pos_subgrid,
            pos_residents,
            pos_warning,
            totals,
            covered,
            shapes,
            extent,
        }
    }

    /// The Atlas this baseline was computed from.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use onemap_geo::{atlas::Atlas, scenario::Baseline};
    /// let base = Baseline::new(Arc::new(Atlas::example()), 500.0);
    /// assert_eq!(base.atlas().stations().len(), 2);
    /// ```
    #[must_use]
    pub fn atlas(&self) -> &Arc<Atlas> {
        &self.atlas
    }

    /// The circle radius, metres.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use onemap_geo::{atlas::Atlas, scenario::Baseline};
    /// assert_eq!(Baseline::new(Arc::new(Atlas::example()), 300.0).radius(), 300.0);
    /// ```
    #[must_use]
    pub fn radius(&self) -> f64 {
        self.radius
    }
}

impl Baseline {
    /// Coverage per unit of `level` with the saved stations (`base` and `now` alike).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use onemap_geo::{atlas::Atlas, dataset::AdminLevel, scenario::Baseline};
    /// let base = Baseline::new(Arc::new(Atlas::example()), 500.0);
    /// let rows = base.units(AdminLevel::District, None);
    /// assert_eq!((rows[0].totals.buildings, rows[0].base.buildings), (4, 2));
    /// ```
    #[must_use]
    pub fn units(&self, level: AdminLevel, service: Option<Service>) -> Vec<UnitChange> {
        self.rows(level, service, &self.covered[slot_of(service)])
    }

    /// Rows per unit of `level`, summing sub-grid figures: saved coverage against `now`.
    fn rows(
        &self,
        level: AdminLevel,
        service: Option<Service>,
        now: &[Covered],
    ) -> Vec<UnitChange> {
        let atlas = &self.atlas;
        let slot = slot_of(service);
        let mut rows: Vec<UnitChange> = atlas
            .units(level)
            .iter()
            .enumerate()
            .map(|(i, u)| UnitChange {
                level,
                unit: i,
                code: u.code.clone(),
                name: u.name.clone(),
                service,
                totals: Totals::default(),
                base: Covered::default(),
                now: Covered::default(),
            })
            .collect();
        for s in 0..atlas.subgrids.len() {
            let row = &mut rows[atlas.unit_of_subgrid(s, level)];
            row.totals += self.totals[s];
            row.base += self.covered[slot][s];
            row.now += now[s];
        }
        rows
    }
}

/// Exact uncovered area of `shape` by the discs of `centres` near it.
fn area_near(shape: &Shape, centres: &[[f64; 2]], r: f64) -> f64 {
    let near: Vec<[f64; 2]> = centres
        .iter()
        .filter(|c| {
            c[0] >= shape.min[0] - r
                && c[0] <= shape.max[0] + r
                && c[1] >= shape.min[1] - r
                && c[1] <= shape.max[1] + r
        })
        .copied()
        .collect();
    uncovered_area_of_shape(shape, &near, r)
}

/// A what-if over a [`Baseline`]: see the module documentation.
///
/// ```
/// use std::sync::Arc;
/// use onemap_geo::{atlas::Atlas, dataset::Service, scenario::{Baseline, Edit, Scenario}};
/// let base = Arc::new(Baseline::new(Arc::new(Atlas::example()), 500.0));
/// let mut sc = Scenario::new(base);
/// // A legal-service station next to the uncovered warning building B-000003.
/// let out = sc.apply(&Edit::Add { id: None, name: None, level: None,
///     services: vec![Service::Legal], lon: 113.9195, lat: 22.7020 }).unwrap();
/// assert_eq!(out.station, "ST-N0001");
/// let legal = &out.slots[Service::Legal.index()];
/// assert_eq!(legal.newly_covered, vec![2]);
/// assert_eq!((legal.buildings, legal.residents, legal.warning), (1, 40, 1));
/// // Undo restores the saved coverage.
/// sc.undo().unwrap();
/// assert!(sc.plan().is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Scenario {
    base: Arc<Baseline>,
    stations: Vec<ScenarioStation>,
    by_id: HashMap<String, usize>,
    counts: [Vec<u32>; 4],
    covered: [Vec<Covered>; 4],
    /// Inverse edits, most recent last.
    undo: Vec<Edit>,
    next_new: u32,
}

impl Scenario {
    /// A scenario with no changes: the saved stations.
    #[must_use]
    pub fn new(base: Arc<Baseline>) -> Scenario {
        let atlas = &base.atlas;
        let stations: Vec<ScenarioStation> = atlas
            .stations
            .iter()
            .zip(&atlas.station_xy)
            .enumerate()
            .map(|(i, (s, xy))| ScenarioStation {
                id: s.id.clone(),
                name: s.name.clone(),
                level: s.level,
                services: s.services.clone(),
                lon: s.lon,
                lat: s.lat,
                saved: Some(i),
                active: true,
                xy: *xy,
            })
            .collect();
        let by_id = stations
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        Scenario {
            counts: base.counts.clone(),
            covered: base.covered.clone(),
            base,
            stations,
            by_id,
            undo: Vec::new(),
            next_new: 1,
        }
    }

    /// Replays a saved plan over `base`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use onemap_geo::{atlas::Atlas, scenario::{Baseline, Edit, Scenario}};
    /// let base = Arc::new(Baseline::new(Arc::new(Atlas::example()), 500.0));
    /// let mut a = Scenario::new(Arc::clone(&base));
    /// a.apply(&Edit::Move { id: "ST-0002".into(), lon: 113.918, lat: 22.712 }).unwrap();
    /// let b = Scenario::from_plan(base, &a.plan()).unwrap();
    /// assert_eq!(a.plan(), b.plan());
    /// ```
    ///
    /// # Errors
    /// The first edit of the plan that cannot be made (an unknown station, a taken id, a bad
    /// position).
    pub fn from_plan(base: Arc<Baseline>, plan: &Plan) -> Result<Scenario, ScenarioError> {
        let mut sc = Scenario::new(base);
        for id in &plan.removed {
            sc.apply(&Edit::Remove { id: id.clone() })?;
        }
        for p in &plan.changed {
            let &i = sc
                .by_id
                .get(&p.id)
                .ok_or_else(|| ScenarioError::UnknownStation(p.id.clone()))?;
            if sc.stations[i].services != p.services {
                sc.apply(&Edit::Services {
                    id: p.id.clone(),
                    services: p.services.clone(),
                })?;
            }
            if sc.stations[i].lon != p.lon || sc.stations[i].lat != p.lat {
                sc.apply(&Edit::Move {
                    id: p.id.clone(),
                    lon: p.lon,
                    lat: p.lat,
                })?;
            }
            let st = &mut sc.stations[i];
            st.name.clone_from(&p.name);
            st.level = p.level;
        }
        for p in &plan.added {
            sc.apply(&Edit::Add {
                id: Some(p.id.clone()),
                name: Some(p.name.clone()),
                level: Some(p.level),
                services: p.services.clone(),
                lon: p.lon,
                lat: p.lat,
            })?;
        }
        sc.undo.clear();
        Ok(sc)
    }

    /// The baseline this scenario edits.
    #[must_use]
    pub fn baseline(&self) -> &Arc<Baseline> {
        &self.base
    }

    /// Every station of the scenario, removed ones included (see [`ScenarioStation::active`]).
    #[must_use]
    pub fn stations(&self) -> &[ScenarioStation] {
        &self.stations
    }

    /// A station by id.
    #[must_use]
    pub fn station(&self, id: &str) -> Option<&ScenarioStation> {
        self.by_id.get(id).map(|&i| &self.stations[i])
    }

    /// Plane positions of the active stations offering `service` (every active station with
    /// `None`).
    #[must_use]
    pub fn centres(&self, service: Option<Service>) -> Vec<[f64; 2]> {
        let slot = slot_of(service);
        self.stations
            .iter()
            .filter(|s| s.serves(slot))
            .map(|s| s.xy)
            .collect()
    }

    /// The scenario's active stations that do not offer `service` (all of them with `None`),
    /// as candidate places to add it.
    #[must_use]
    pub fn halls_without(&self, service: Option<Service>) -> Vec<crate::suggest::Hall> {
        self.stations
            .iter()
            .filter(|s| s.active && service.is_none_or(|svc| !s.services.contains(&svc)))
            .map(|s| crate::suggest::Hall {
                id: s.id.clone(),
                name: s.name.clone(),
                lon: s.lon,
                lat: s.lat,
            })
            .collect()
    }

    /// Whether each building (in [`Atlas::buildings`] order) is covered for `service` in the
    /// scenario.
    #[must_use]
    pub fn covered_buildings(&self, service: Option<Service>) -> Vec<bool> {
        let c = &self.counts[slot_of(service)];
        let mut out = vec![false; c.len()];
        for (pos, &b) in self.base.atlas.building_index.ids().iter().enumerate() {
            out[b as usize] = c[pos] > 0;
        }
        out
    }

    /// Buildings covered in the scenario but not with the saved stations, and the other way
    /// round (indexes into [`Atlas::buildings`], ascending).
    #[must_use]
    pub fn changes_vs_saved(&self, service: Option<Service>) -> (Vec<usize>, Vec<usize>) {
        let slot = slot_of(service);
        let (now, was) = (&self.counts[slot], &self.base.counts[slot]);
        let ids = self.base.atlas.building_index.ids();
        let (mut gained, mut lost) = (Vec::new(), Vec::new());
        for pos in 0..now.len() {
            match (was[pos] > 0, now[pos] > 0) {
                (false, true) => gained.push(ids[pos] as usize),
                (true, false) => lost.push(ids[pos] as usize),
                _ => {}
            }
        }
        gained.sort_unstable();
        lost.sort_unstable();
        (gained, lost)
    }

    /// The scenario's changes against the saved stations.
    #[must_use]
    pub fn plan(&self) -> Plan {
        let atlas = &self.base.atlas;
        let mut plan = Plan::default();
        for s in &self.stations {
            let planned = || PlannedStation {
                id: s.id.clone(),
                name: s.name.clone(),
                level: s.level,
                services: s.services.clone(),
                lon: s.lon,
                lat: s.lat,
            };
            match (s.saved, s.active) {
                (None, true) => plan.added.push(planned()),
                (None, false) => {}
                (Some(_), false) => plan.removed.push(s.id.clone()),
                (Some(i), true) => {
                    let o = &atlas.stations[i];
                    if o.lon != s.lon
                        || o.lat != s.lat
                        || o.services != s.services
                        || o.name != s.name
                        || o.level != s.level
                    {
                        plan.changed.push(planned());
                    }
                }
            }
        }
        plan
    }

    /// How many edits [`Scenario::undo`] can take back.
    #[must_use]
    pub fn undo_depth(&self) -> usize {
        self.undo.len()
    }

    /// Takes back the last edit.
    ///
    /// # Errors
    /// [`ScenarioError::NothingToUndo`] when no edit was made.
    pub fn undo(&mut self) -> Result<EditOutcome, ScenarioError> {
        let inverse = self.undo.pop().ok_or(ScenarioError::NothingToUndo)?;
        match self.apply(&inverse) {
            Ok(out) => {
                // The inverse's own inverse is not an undo step.
                self.undo.pop();
                Ok(out)
            }
            Err(e) => {
                self.undo.push(inverse);
                Err(e)
            }
        }
    }

    fn checked_position(&self, lon: f64, lat: f64) -> Result<[f64; 2], ScenarioError> {
        let e = self.base.extent;
        if !(lon.is_finite() && lat.is_finite())
            || lon < e[0]
            || lat < e[1]
            || lon > e[2]
            || lat > e[3]
        {
            return Err(ScenarioError::BadPosition { lon, lat });
        }
        Ok(self.base.atlas.project(lon, lat))
    }

    fn index_of(&self, id: &str) -> Result<usize, ScenarioError> {
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| ScenarioError::UnknownStation(id.to_string()))
    }

    fn new_id(&mut self) -> String {
        loop {
            let id = format!("ST-N{:04}", self.next_new);
            self.next_new += 1;
            if !self.by_id.contains_key(&id) {
                return id;
            }
        }
    }

    /// Makes one edit and reports what it changed. A refused edit changes nothing.
    ///
    /// # Errors
    /// See [`ScenarioError`].
    pub fn apply(&mut self, edit: &Edit) -> Result<EditOutcome, ScenarioError> {
        // Each arm finds (station, old circle, new circle) and the inverse edit, then the
        // common part below updates counts and areas.
        let (i, old, new, inverse) = match edit {
            Edit::Add {
                id,
                name,
                level,
                services,
                lon,
                lat,
            } => {
                let xy = self.checked_position(*lon, *lat)?;
                let id = match id {
                    Some(id) if self.by_id.contains_key(id) => {
                        return Err(ScenarioError::DuplicateId(id.clone()));
                    }
                    Some(id) if id.trim().is_empty() => self.new_id(),
                    Some(id) => id.clone(),
                    None => self.new_id(),
                };
                let services = normalise(services);
                if services.is_empty() {
                    return Err(ScenarioError::NoServices(id));
                }
                let name = name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| match self.base.atlas.locate_subgrid_xy(xy[0], xy[1]) {
                        Some(s) => format!("{}规划站点", self.base.atlas.subgrids[s].name),
                        None => "规划站点".to_string(),
                    });
                let i = self.stations.len();
                self.stations.push(ScenarioStation {
                    id: id.clone(),
                    name,
                    level: level.unwrap_or(StationLevel::SubgridStation),
                    services: services.clone(),
                    lon: *lon,
                    lat: *lat,
                    saved: None,
                    active: false,
                    xy,
                });
                self.by_id.insert(id.clone(), i);
                let mask = mask_of(&services);
                (i, None, Some((xy, mask)), Edit::Remove { id })
            }
            Edit::Move { id, lon, lat } => {
                let i = self.index_of(id)?;
                let s = &self.stations[i];
                if !s.active {
                    return Err(ScenarioError::Removed(id.clone()));
                }
                let xy = self.checked_position(*lon, *lat)?;
                let mask = mask_of(&s.services);
                let inverse = Edit::Move {
                    id: id.clone(),
                    lon: s.lon,
                    lat: s.lat,
                };
                (i, Some((s.xy, mask)), Some((xy, mask)), inverse)
            }
            Edit::Remove { id } => {
                let i = self.index_of(id)?;
                let s = &self.stations[i];
                if !s.active {
                    return Err(ScenarioError::Removed(id.clone()));
                }
                let mask = mask_of(&s.services);
                (
                    i,
                    Some((s.xy, mask)),
                    None,
                    Edit::Restore { id: id.clone() },
                )
            }
            Edit::Restore { id } => {
                let i = self.index_of(id)?;
                let s = &self.stations[i];
                if s.active {
                    // Already there: nothing to do.
                    return Ok(EditOutcome {
                        station: id.clone(),
                        slots: SLOTS
                            .iter()
                            .map(|&service| SlotChange {
                                service,
                                ..SlotChange::default()
                            })
                            .collect(),
                        subgrids: Vec::new(),
                    });
                }
                let mask = mask_of(&s.services);
                (i, None, Some((s.xy, mask)), Edit::Remove { id: id.clone() })
            }
            Edit::Services { id, services } => {
                let i = self.index_of(id)?;
                let s = &self.stations[i];
                if !s.active {
                    return Err(ScenarioError::Removed(id.clone()));
                }
                let services = normalise(services);
                if services.is_empty() {
                    return Err(ScenarioError::NoServices(id.clone()));
                }
                let inverse = Edit::Services {
                    id: id.clone(),
                    services: s.services.clone(),
                };
                (
                    i,
                    Some((s.xy, mask_of(&s.services))),
                    Some((s.xy, mask_of(&services))),
                    inverse,
                )
            }
        };
        // Commit the station's new state, then its circles.
        match edit {
            Edit::Add { .. } | Edit::Restore { .. } => self.stations[i].active = true,
            Edit::Remove { .. } => self.stations[i].active = false,
            Edit::Move { lon, lat, .. } => {
                let s = &mut self.stations[i];
                s.lon = *lon;
                s.lat = *lat;
                if let Some((xy, _)) = new {
                    s.xy = xy;
                }
            }
            Edit::Services { services, .. } => self.stations[i].services = normalise(services),
        }
        let outcome = self.recount(self.stations[i].id.clone(), old, new);
        self.undo.push(inverse);
        Ok(outcome)
    }

    /// Moves the cover counts from the `old` circle to the `new` one (each with the slots it
    /// counts for), then recomputes the uncovered area of the sub-grids either touches.
    fn recount(
        &mut self,
        station: String,
        old: Option<([f64; 2], [bool; 4])>,
        new: Option<([f64; 2], [bool; 4])>,
    ) -> EditOutcome {
        let base = Arc::clone(&self.base);
        let index = &base.atlas.building_index;
        let r = base.radius;
        // Positions under either circle, each once.
        let mut touched: Vec<u32> = Vec::new();
        for (xy, _) in old.iter().chain(new.iter()) {
            index.visit_disc(xy[0], xy[1], r, |run| {
                touched.extend(run.start as u32..run.end as u32);
            });
        }
        touched.sort_unstable();
        touched.dedup();
        let before: Vec<[bool; 4]> = touched
            .iter()
            .map(|&p| std::array::from_fn(|s| self.counts[s][p as usize] > 0))
            .collect();
        if let Some((xy, mask)) = old {
            index.visit_disc(xy[0], xy[1], r, |run| {
                for (slot, c) in self.counts.iter_mut().enumerate() {
                    if mask[slot] {
                        for v in &mut c[run.clone()] {
                            *v -= 1;
                        }
                    }
                }
            });
        }
        if let Some((xy, mask)) = new {
            index.visit_disc(xy[0], xy[1], r, |run| {
                for (slot, c) in self.counts.iter_mut().enumerate() {
                    if mask[slot] {
                        for v in &mut c[run.clone()] {
                            *v += 1;
                        }
                    }
                }
            });
        }
        let ids = index.ids();
        let mut slots: Vec<SlotChange> = SLOTS
            .iter()
            .map(|&service| SlotChange {
                service,
                ..SlotChange::default()
            })
            .collect();
        let mut changed_subgrids: Vec<usize> = Vec::new();
        for (k, &p) in touched.iter().enumerate() {
            let p = p as usize;
            for slot in 0..4 {
                let now = self.counts[slot][p] > 0;
                if now == before[k][slot] {
                    continue;
                }
                let ch = &mut slots[slot];
                let b = ids[p] as usize;
                if now {
                    ch.newly_covered.push(b);
                } else {
                    ch.newly_uncovered.push(b);
                }
                let sg = base.pos_subgrid[p];
                if sg == u32::MAX {
                    continue;
                }
                let sign: i64 = if now { 1 } else { -1 };
                let (res, warn) = (
                    i64::from(base.pos_residents[p]),
                    i64::from(base.pos_warning[p]),
                );
                ch.buildings += sign;
                ch.residents += sign * res;
                ch.warning += sign * warn;
                let c = &mut self.covered[slot][sg as usize];
                if now {
                    c.buildings += 1;
                    c.residents += res as u64;
                    c.warning += warn as u64;
                } else {
                    c.buildings -= 1;
                    c.residents -= res as u64;
                    c.warning -= warn as u64;
                }
                changed_subgrids.push(sg as usize);
            }
        }
        // Exact areas of the sub-grids under either circle, for the slots either counts for.
        for slot in 0..4 {
            let circles: Vec<[f64; 2]> = old
                .iter()
                .chain(new.iter())
                .filter(|(_, m)| m[slot])
                .map(|(xy, _)| *xy)
                .collect();
            if circles.is_empty() {
                continue;
            }
            let centres = self.centres(SLOTS[slot]);
            for (sg, shape) in base.shapes.iter().enumerate() {
                let near = circles.iter().any(|c| {
                    c[0] >= shape.min[0] - r
                        && c[0] <= shape.max[0] + r
                        && c[1] >= shape.min[1] - r
                        && c[1] <= shape.max[1] + r
                });
                if !near {
                    continue;
                }
                let area = area_near(shape, &centres, r);
                let c = &mut self.covered[slot][sg];
                if area != c.uncovered_m2 {
                    slots[slot].uncovered_m2 += area - c.uncovered_m2;
                    c.uncovered_m2 = area;
                    changed_subgrids.push(sg);
                }
            }
        }
        for ch in &mut slots {
            ch.newly_covered.sort_unstable();
            ch.newly_uncovered.sort_unstable();
        }
        changed_subgrids.sort_unstable();
        changed_subgrids.dedup();
        EditOutcome {
            station,
            slots,
            subgrids: changed_subgrids,
        }
    }

    /// Coverage per unit of `level` for `service` (any station with `None`), saved and in the
    /// scenario.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use onemap_geo::{atlas::Atlas, dataset::AdminLevel, scenario::{Baseline, Edit, Scenario}};
    /// let base = Arc::new(Baseline::new(Arc::new(Atlas::example()), 500.0));
    /// let mut sc = Scenario::new(base);
    /// sc.apply(&Edit::Remove { id: "ST-0002".into() }).unwrap();
    /// let rows = sc.units(AdminLevel::Subgrid, None);
    /// assert_eq!((rows[1].base.buildings, rows[1].now.buildings), (1, 0));
    /// ```
    #[must_use]
    pub fn units(&self, level: AdminLevel, service: Option<Service>) -> Vec<UnitChange> {
        let slot = slot_of(service);
        self.base.rows(level, service, &self.covered[slot])
    }

    /// The rows of the given sub-grids only (as [`Scenario::units`] at sub-grid level).
    #[must_use]
    pub fn subgrid_rows(&self, subgrids: &[usize], service: Option<Service>) -> Vec<UnitChange> {
        let atlas = &self.base.atlas;
        let slot = slot_of(service);
        subgrids
            .iter()
            .filter(|&&s| s < atlas.subgrids.len())
            .map(|&s| UnitChange {
                level: AdminLevel::Subgrid,
                unit: s,
                code: atlas.subgrids[s].code.clone(),
                name: atlas.subgrids[s].name.clone(),
                service,
                totals: self.base.totals[s],
                base: self.base.covered[slot][s],
                now: self.covered[slot][s],
            })
            .collect()
    }

    /// The rows of the units of `level` that hold any of `subgrids` (as [`Scenario::units`]
    /// gives them, each summed over all its sub-grids): what an edit that changed those
    /// sub-grids changed at that level.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use onemap_geo::{atlas::Atlas, dataset::AdminLevel, scenario::{Baseline, Edit, Scenario}};
    /// let base = Arc::new(Baseline::new(Arc::new(Atlas::example()), 500.0));
    /// let mut sc = Scenario::new(base);
    /// let out = sc.apply(&Edit::Remove { id: "ST-0002".into() }).unwrap();
    /// let rows = sc.unit_rows(AdminLevel::Community, &out.subgrids, None);
    /// let all = sc.units(AdminLevel::Community, None);
    /// assert!(!rows.is_empty());
    /// for r in &rows {
    ///     assert_eq!(all[r.unit].now, r.now);
    /// }
    /// ```
    #[must_use]
    pub fn unit_rows(
        &self,
        level: AdminLevel,
        subgrids: &[usize],
        service: Option<Service>,
    ) -> Vec<UnitChange> {
        let atlas = &self.base.atlas;
        let mut wanted: Vec<usize> = subgrids
            .iter()
            .filter(|&&s| s < atlas.subgrids.len())
            .map(|&s| atlas.unit_of_subgrid(s, level))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        self.units(level, service)
            .into_iter()
            .filter(|r| wanted.binary_search(&r.unit).is_ok())
            .collect()
    }

    /// The whole dataset's coverage for `service`: the sum over every sub-grid.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use onemap_geo::{atlas::Atlas, scenario::{Baseline, Scenario}};
    /// let sc = Scenario::new(Arc::new(Baseline::new(Arc::new(Atlas::example()), 500.0)));
    /// let all = sc.total(None);
    /// assert_eq!((all.totals.buildings, all.now.buildings), (4, 2));
    /// ```
    #[must_use]
    pub fn total(&self, service: Option<Service>) -> UnitChange {
        let slot = slot_of(service);
        let mut row = UnitChange {
            level: AdminLevel::District,
            unit: 0,
            code: String::new(),
            name: String::new(),
            service,
            totals: Totals::default(),
            base: Covered::default(),
            now: Covered::default(),
        };
        for s in 0..self.base.totals.len() {
            row.totals += self.base.totals[s];
            row.base += self.base.covered[slot][s];
            row.now += self.covered[slot][s];
        }
        if let [d] = self.base.atlas.districts.as_slice() {
            row.code.clone_from(&d.code);
            row.name.clone_from(&d.name);
        }
        row
    }
}

/// Services sorted and without repeats.
fn normalise(services: &[Service]) -> Vec<Service> {
    let mut s = services.to_vec();
    s.sort();
    s.dedup();
    s
}

/// Which slots a station with `services` counts for (always "any").
fn mask_of(services: &[Service]) -> [bool; 4] {
    let mut m = [false, false, false, true];
    for s in services {
        m[s.index()] = true;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{AdminUnit, Building, Dataset, Station};
    use geo::{Coord, LineString, MultiPolygon, Polygon};
    use proptest::prelude::*;

    /// A 4 km × 4 km district split into 4 × 4 sub-grids (in 2 streets of 2 communities),
    /// with `buildings` and `stations` given in metres from its south-west corner.
    fn grid_atlas(buildings: &[(f64, f64, u32, u8)], stations: &[(f64, f64, u8)]) -> Atlas {
        let plane = crate::projection::TransverseMercator::LOCAL;
        let (ox, oy) = plane.forward(113.93, 22.75);
        let ll = |x: f64, y: f64| {
            let (lon, lat) = plane.inverse(ox + x, oy + y);
            Coord { x: lon, y: lat }
        };
        let rect = |x0: f64, y0: f64, x1: f64, y1: f64| {
            MultiPolygon::new(vec![Polygon::new(
                LineString::new(vec![
                    ll(x0, y0),
                    ll(x1, y0),
                    ll(x1, y1),
                    ll(x0, y1),
                    ll(x0, y0),
                ]),
                vec![],
            )])
        };
        let unit = |level, code: String, parent: Option<String>, g, pop| AdminUnit {
            level,
            name: format!("U{code}"),
            code,
            parent_code: parent,
            population: pop,
            geometry: g,
        };
        let mut ds = Dataset::default();
        ds.districts.push(unit(
            AdminLevel::District,
            "440311".into(),
            None,
            rect(0.0, 0.0, 4000.0, 4000.0),
            None,
        ));
        for st in 0..2 {
            let sc = format!("440311{:03}", st + 1);
            let x0 = f64::from(st) * 2000.0;
            ds.streets.push(unit(
                AdminLevel::Street,
                sc.clone(),
                Some("440311".into()),
                rect(x0, 0.0, x0 + 2000.0, 4000.0),
                None,
            ));
            for cm in 0..2 {
                let cc = format!("{sc}{:03}", cm + 1);
                let y0 = f64::from(cm) * 2000.0;
                ds.communities.push(unit(
                    AdminLevel::Community,
                    cc.clone(),
                    Some(sc.clone()),
                    rect(x0, y0, x0 + 2000.0, y0 + 2000.0),
                    None,
                ));
                for k in 0..4 {
                    let (dx, dy) = (f64::from(k % 2) * 1000.0, f64::from(k / 2) * 1000.0);
                    ds.subgrids.push(unit(
                        AdminLevel::Subgrid,
                        format!("{cc}{:03}", k + 1),
                        Some(cc.clone()),
                        rect(x0 + dx, y0 + dy, x0 + dx + 1000.0, y0 + dy + 1000.0),
                        Some(1000),
                    ));
                }
            }
        }
        for (i, &(x, y, residents, r)) in buildings.iter().enumerate() {
            let c = ll(x, y);
            ds.buildings.push(Building {
                id: format!("B-{i:06}"),
                address: String::new(),
                residents,
                rating: Rating::ALL[usize::from(r % 3)],
                kind: "village".into(),
                subgrid_code: String::new(),
                lon: c.x,
                lat: c.y,
            });
        }
        for (i, &(x, y, mask)) in stations.iter().enumerate() {
            let c = ll(x, y);
            let services: Vec<Service> = Service::ALL
                .into_iter()
                .filter(|s| mask >> s.index() & 1 == 1)
                .collect();
            ds.stations.push(Station {
                id: format!("ST-{i:04}"),
                name: format!("站{i}"),
                level: StationLevel::SubgridStation,
                services,
                hours: "24h".into(),
                subgrid_code: String::new(),
                lon: c.x,
                lat: c.y,
            });
        }
        match Atlas::from_dataset(ds) {
            Ok(a) => a,
            Err(e) => panic!("{e}"),
        }
    }

    fn lonlat(atlas: &Atlas, x: f64, y: f64) -> (f64, f64) {
        let (ox, oy) = atlas.plane.forward(113.93, 22.75);
        atlas.plane.inverse(ox + x, oy + y)
    }

    /// The reference: coverage recomputed from scratch for the scenario's active stations.
    fn recomputed(sc: &Scenario, level: AdminLevel, service: Option<Service>) -> Vec<Covered> {
        let atlas = &sc.base.atlas;
        let centres = sc.centres(service);
        let r = sc.base.radius;
        let units = atlas.units(level);
        let mut out = vec![Covered::default(); units.len()];
        for (b, bl) in atlas.buildings.iter().enumerate() {
            let s = atlas.building_subgrid[b];
            if s == u32::MAX {
                continue;
            }
            let p = atlas.building_xy[b];
            let cov = centres
                .iter()
                .any(|c| ((c[0] - p[0]).powi(2) + (c[1] - p[1]).powi(2)).sqrt() <= r);
            if cov {
                let o = &mut out[atlas.unit_of_subgrid(s as usize, level)];
                o.buildings += 1;
                o.residents += u64::from(bl.residents);
                o.warning += u64::from(bl.rating == Rating::Warning);
            }
        }
        for (s, u) in atlas.subgrids.iter().enumerate() {
            out[atlas.unit_of_subgrid(s, level)].uncovered_m2 +=
                crate::coverage::uncovered_area(&u.geometry, &centres, r);
        }
        out
    }

    fn edit_strategy() -> impl Strategy<Value = (u8, f64, f64, u8, usize)> {
        (
            0u8..5,
            -200.0..4200.0f64,
            -200.0..4200.0f64,
            1u8..8,
            0usize..12,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, rng_seed: proptest::test_runner::RngSeed::Fixed(31), ..ProptestConfig::default() })]

        #[test]
        fn incremental_coverage_equals_a_full_recount_after_every_edit(
            buildings in prop::collection::vec((0.0..4000.0f64, 0.0..4000.0f64, 0u32..60, 0u8..3), 0..300),
            stations in prop::collection::vec((0.0..4000.0f64, 0.0..4000.0f64, 1u8..8), 0..10),
            edits in prop::collection::vec(edit_strategy(), 1..15),
        ) {
            let atlas = Arc::new(grid_atlas(&buildings, &stations));
            let base = Arc::new(Baseline::new(Arc::clone(&atlas), 500.0));
            let mut sc = Scenario::new(Arc::clone(&base));
            for (op, x, y, mask, pick) in edits {
                let ids: Vec<String> = sc.stations().iter().map(|s| s.id.clone()).collect();
                let id = if ids.is_empty() { "none".to_string() } else { ids[pick % ids.len()].clone() };
                let (lon, lat) = lonlat(&atlas, x, y);
                let services: Vec<Service> = Service::ALL.into_iter().filter(|s| mask >> s.index() & 1 == 1).collect();
                let edit = match op {
                    0 => Edit::Add { id: None, name: None, level: None, services, lon, lat },
                    1 => Edit::Move { id, lon, lat },
                    2 => Edit::Remove { id },
                    3 => Edit::Restore { id },
                    _ => Edit::Services { id, services },
                };
                let before: Vec<Vec<bool>> = SLOTS.iter().map(|&s| sc.covered_buildings(s)).collect();
                let Ok(out) = sc.apply(&edit) else { continue };
                for (slot, &service) in SLOTS.iter().enumerate() {
                    let after = sc.covered_buildings(service);
                    let gained: Vec<usize> = (0..after.len()).filter(|&b| after[b] && !before[slot][b]).collect();
                    let lost: Vec<usize> = (0..after.len()).filter(|&b| !after[b] && before[slot][b]).collect();
                    prop_assert_eq!(&out.slots[slot].newly_covered, &gained);
                    prop_assert_eq!(&out.slots[slot].newly_uncovered, &lost);
                    for level in [AdminLevel::Subgrid, AdminLevel::Street] {
                        let want = recomputed(&sc, level, service);
                        for (row, w) in sc.units(level, service).iter().zip(&want) {
                            prop_assert_eq!((row.now.buildings, row.now.residents, row.now.warning), (w.buildings, w.residents, w.warning));
                            prop_assert!((row.now.uncovered_m2 - w.uncovered_m2).abs() < 1e-3, "{} vs {}", row.now.uncovered_m2, w.uncovered_m2);
                        }
                    }
                }
            }
            // Replaying the plan gives the same coverage; undoing everything gives the saved one.
            let replay = Scenario::from_plan(Arc::clone(&base), &sc.plan());
            prop_assert!(replay.is_ok());
            if let Ok(replay) = replay {
                for service in SLOTS {
                    prop_assert_eq!(replay.covered_buildings(service), sc.covered_buildings(service));
                }
            }
            while sc.undo().is_ok() {}
            for service in SLOTS {
                prop_assert_eq!(sc.covered_buildings(service), atlas.covered_buildings(service, 500.0));
            }
            prop_assert!(sc.plan().is_empty());
        }
    }

    #[test]
    fn baseline_matches_the_atlas_coverage() {
        let atlas = Arc::new(Atlas::example());
        let sc = Scenario::new(Arc::new(Baseline::new(Arc::clone(&atlas), 500.0)));
        for service in SLOTS {
            let want = atlas.coverage(service, 500.0, AdminLevel::Subgrid);
            for (row, w) in sc.units(AdminLevel::Subgrid, service).iter().zip(&want) {
                assert_eq!(row.now.buildings, w.buildings_covered);
                assert_eq!(row.now.residents, w.residents_covered);
                assert!((row.now.uncovered_m2 / 1e6 - w.uncovered_km2).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn a_refused_edit_changes_nothing() {
        let atlas = Arc::new(Atlas::example());
        let mut sc = Scenario::new(Arc::new(Baseline::new(atlas, 500.0)));
        let far = Edit::Move {
            id: "ST-0001".into(),
            lon: 120.0,
            lat: 30.0,
        };
        assert!(matches!(
            sc.apply(&far),
            Err(ScenarioError::BadPosition { .. })
        ));
        let nothing = Edit::Services {
            id: "ST-0001".into(),
            services: vec![],
        };
        assert_eq!(
            sc.apply(&nothing),
            Err(ScenarioError::NoServices("ST-0001".into()))
        );
        let dup = Edit::Add {
            id: Some("ST-0002".into()),
            name: None,
            level: None,
            services: vec![Service::Appeal],
            lon: 113.91,
            lat: 22.71,
        };
        assert_eq!(
            sc.apply(&dup),
            Err(ScenarioError::DuplicateId("ST-0002".into()))
        );
        assert!(sc.plan().is_empty());
        assert_eq!(sc.undo_depth(), 0);
    }

    #[test]
    fn a_plan_lists_added_changed_and_removed_stations() {
        let atlas = Arc::new(Atlas::example());
        let base = Arc::new(Baseline::new(atlas, 500.0));
        let mut sc = Scenario::new(Arc::clone(&base));
        sc.apply(&Edit::Remove {
            id: "ST-0001".into(),
        })
        .expect("as the test sets up");
        sc.apply(&Edit::Services {
            id: "ST-0002".into(),
            services: vec![Service::Psych, Service::Appeal],
        })
        .expect("as the test sets up");
        sc.apply(&Edit::Add {
            id: None,
            name: Some("新站".into()),
            level: None,
            services: vec![Service::Legal],
            lon: 113.91,
            lat: 22.71,
        })
        .expect("as the test sets up");
        let plan = sc.plan();
        assert_eq!(plan.removed, vec!["ST-0001".to_string()]);
        assert_eq!(
            plan.changed[0].services,
            vec![Service::Appeal, Service::Psych]
        );
        assert_eq!(plan.added[0].name, "新站");
        let text = serde_json::to_string(&plan).expect("as the test sets up");
        let back: Plan = serde_json::from_str(&text).expect("as the test sets up");
        assert_eq!(back, plan);
        let replay = Scenario::from_plan(base, &back).expect("as the test sets up");
        assert_eq!(replay.plan(), plan);
    }

    #[test]
    fn edits_parse_from_their_json_form() {
        let e: Edit =
            serde_json::from_str(r#"{"op":"move","id":"ST-0001","lon":113.9,"lat":22.7}"#)
                .expect("as the test sets up");
        assert_eq!(
            e,
            Edit::Move {
                id: "ST-0001".into(),
                lon: 113.9,
                lat: 22.7
            }
        );
        assert!(serde_json::from_str::<Edit>(r#"{"op":"teleport","id":"x"}"#).is_err());
    }
}

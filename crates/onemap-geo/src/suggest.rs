//! Suggested sites for new stations: weighted maximum coverage by lazy greedy, with how far
//! from optimal the answer can be.
//!
//! The demand is the buildings a service does not reach yet, weighted by the objective
//! (residents, buildings, or warning-rated buildings). Each round takes the candidate site that
//! covers the most still-uncovered weight within the radius (ties to the lowest candidate), so
//! the answer is the classic greedy for a monotone submodular objective: never worse than
//! (1 − 1/e) ≈ 63.2% of the best possible with as many stations.
//!
//! That a-priori bound is usually far from the truth, so each answer also carries an *online*
//! bound (Minoux; Leskovec et al. 2007): after any round i, no set of k stations can gain more
//! than what greedy had after round i plus the k largest marginal gains left at that round.
//! The lazy greedy keeps every candidate's gain as a stale upper bound in a max-heap; popping
//! and recomputing until a fresh value is on top gives the exact k largest marginal gains, so
//! the bound costs little. For the inverse question (fewest stations reaching a target share)
//! the same marginal gains give a lower bound on the number of stations any solution needs.
//!
//! [`exact_max_coverage`] solves small instances exactly (branch and bound), for tests and for
//! the per-sub-grid fixes of the policy check.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use geo::MultiPolygon;
use serde::Serialize;

use crate::atlas::Atlas;
use crate::dataset::{Rating, Service};
use crate::geom::Shape;
use crate::index::PointIndex;

/// What a new station should reach most of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Residents of uncovered buildings.
    Residents,
    /// Uncovered buildings, each counting once.
    Buildings,
    /// Uncovered warning-rated (警示级) buildings.
    WarningBuildings,
}

impl Objective {
    /// The weight of a building under this objective.
    #[must_use]
    pub fn weight(self, residents: u32, rating: Rating) -> u64 {
        match self {
            Objective::Residents => u64::from(residents),
            Objective::Buildings => 1,
            Objective::WarningBuildings => u64::from(rating == Rating::Warning),
        }
    }

    /// The name used on the command line and in the API.
    ///
    /// ```
    /// assert_eq!(onemap_geo::suggest::Objective::WarningBuildings.as_str(), "warning-buildings");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Objective::Residents => "residents",
            Objective::Buildings => "buildings",
            Objective::WarningBuildings => "warning-buildings",
        }
    }
}

impl std::str::FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "residents" => Ok(Objective::Residents),
            "buildings" => Ok(Objective::Buildings),
            "warning-buildings" | "warning_buildings" | "warning" => {
                Ok(Objective::WarningBuildings)
            }
            o => Err(format!(
                "unknown objective {o:?} (residents, buildings, warning-buildings)"
            )),
        }
    }
}

/// Where new stations may go.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Candidates {
    /// At any building (a station rents space in a building).
    Buildings,
    /// At an existing hall or station that does not offer the service yet (add the service
    /// where a place already exists).
    Halls,
    /// On a square lattice over the districts with this spacing, metres.
    Lattice {
        /// Spacing, metres.
        spacing_m: f64,
    },
    /// Buildings and halls together (what the policy check's fixes use).
    BuildingsAndHalls,
}

impl std::str::FromStr for Candidates {
    type Err = String;
    /// `buildings`, `halls`, `lattice:50m` (or `lattice:50`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "buildings" => Ok(Candidates::Buildings),
            "halls" => Ok(Candidates::Halls),
            "buildings+halls" => Ok(Candidates::BuildingsAndHalls),
            _ => {
                let spacing = s
                    .strip_prefix("lattice:")
                    .map(|v| v.trim_end_matches('m'))
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|v| v.is_finite() && *v >= 5.0)
                    .ok_or_else(|| {
                        format!(
                            "unknown candidates {s:?} (buildings, halls, lattice:SPACINGm with a spacing of at least 5 m)"
                        )
                    })?;
                Ok(Candidates::Lattice { spacing_m: spacing })
            }
        }
    }
}

/// When to stop picking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stop {
    /// After this many sites.
    Count {
        /// How many.
        n: usize,
    },
    /// Once the covered share of the objective reaches `share` (0–1), or after `max` sites.
    Target {
        /// The share to reach.
        share: f64,
        /// At most this many sites.
        max: usize,
    },
}

/// An existing hall or station that could offer the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hall {
    /// Station id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

impl Atlas {
    /// The saved halls and stations that do not offer `service` (all of them with `None`: a
    /// new "any" station can go anywhere), as candidate places to add it.
    ///
    /// ```
    /// use onemap_geo::dataset::Service;
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// let halls = atlas.halls_without(Some(Service::Legal));
    /// assert_eq!(halls.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["ST-0002"]);
    /// ```
    #[must_use]
    pub fn halls_without(&self, service: Option<Service>) -> Vec<Hall> {
        self.stations
            .iter()
            .filter(|s| service.is_none_or(|svc| !s.offers(svc)))
            .map(|s| Hall {
                id: s.id.clone(),
                name: s.name.clone(),
                lon: s.lon,
                lat: s.lat,
            })
            .collect()
    }
}

/// What to suggest for.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The service the new stations offer (any station: `None`).
    pub service: Option<Service>,
    /// What to maximise.
    pub objective: Objective,
    /// Where stations may go.
    pub candidates: Candidates,
    /// When to stop.
    pub stop: Stop,
    /// Areas (WGS84) where no station may go.
    pub exclude: Option<&'a MultiPolygon<f64>>,
    /// Circle radius, metres.
    pub radius_m: f64,
    /// Whether each building (Atlas order) is covered now (saved stations or a scenario's).
    pub covered: &'a [bool],
    /// Halls and stations that do not offer the service yet (for [`Candidates::Halls`]).
    pub halls: &'a [Hall],
    /// Only buildings with residents count (the policy check's rule).
    pub residential_only: bool,
    /// Only these buildings count (Atlas order), e.g. those of one community; `None`: all.
    pub only: Option<&'a [bool]>,
}

/// Buildings, residents and warning buildings, and the objective's weight of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Weights {
    /// In the objective's unit.
    pub weight: u64,
    /// Buildings.
    pub buildings: u64,
    /// Residents.
    pub residents: u64,
    /// Warning-rated buildings.
    pub warning: u64,
}

impl std::ops::AddAssign for Weights {
    fn add_assign(&mut self, o: Weights) {
        self.weight += o.weight;
        self.buildings += o.buildings;
        self.residents += o.residents;
        self.warning += o.warning;
    }
}

/// Where a suggested site stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SiteKind {
    /// At a building.
    Building {
        /// Building id.
        id: String,
        /// Its address.
        address: String,
    },
    /// At an existing hall or station (add the service there).
    Hall {
        /// Station id.
        id: String,
        /// Name.
        name: String,
    },
    /// A lattice point.
    Lattice,
}

/// One suggested site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    /// 1 for the first pick.
    pub rank: usize,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// What stands there.
    pub kind: SiteKind,
    /// Code of the sub-grid it lies in (empty outside every sub-grid).
    pub subgrid_code: String,
    /// Name of that sub-grid.
    pub subgrid_name: String,
    /// What this site newly covers.
    pub gain: Weights,
    /// What is covered after it (with every earlier pick).
    pub covered_after: Weights,
    /// `covered_after.weight / total.weight`.
    pub share_after: f64,
    /// Buildings (Atlas indexes, ascending) it newly covers.
    #[serde(skip)]
    pub newly_covered: Vec<usize>,
}

/// How far from optimal the answer can be.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bound {
    /// What the picks gained together, in the objective's unit.
    pub greedy: u64,
    /// No set of as many sites can gain more than this (online bound from the marginal gains).
    pub upper: u64,
    /// `greedy / upper`: the answer is at least this fraction of optimal (1 when upper is 0).
    pub ratio: f64,
    /// Greedy's guarantee before looking at the data: 1 − 1/e.
    pub a_priori: f64,
}

/// For a target share: whether it was reached and how many stations any solution needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TargetOutcome {
    /// The share aimed at.
    pub share: f64,
    /// Whether the picks reach it.
    pub reached: bool,
    /// No solution with fewer stations than this reaches it (`None`: unreachable with these
    /// candidates).
    pub min_stations: Option<usize>,
}

/// The answer of [`suggest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The service.
    pub service: Option<Service>,
    /// The objective.
    pub objective: Objective,
    /// The candidate set.
    pub candidates: Candidates,
    /// Candidates considered (after exclusions).
    pub candidate_count: usize,
    /// Candidates dropped by the exclusion areas.
    pub excluded: usize,
    /// All buildings (residential ones with `residential_only`).
    pub total: Weights,
    /// Covered before any pick.
    pub covered_before: Weights,
    /// The picks in order.
    pub sites: Vec<Site>,
    /// Optimality bound for as many sites as were picked.
    pub bound: Bound,
    /// With [`Stop::Target`].
    pub target: Option<TargetOutcome>,
}

/// Why a suggestion cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SuggestError {
    /// A bad parameter.
    #[error("{0}")]
    Invalid(String),
}

/// Lattice points every `spacing` metres inside the districts (plane coordinates).
fn lattice(atlas: &Atlas, spacing: f64) -> Vec<[f64; 2]> {
    let mut out = Vec::new();
    for d in &atlas.districts {
        let shape = Shape::from_multipolygon(&d.geometry);
        let x0 = (shape.min[0] / spacing).ceil() * spacing;
        let y0 = (shape.min[1] / spacing).ceil() * spacing;
        let mut y = y0;
        while y <= shape.max[1] {
            let mut x = x0;
            while x <= shape.max[0] {
                if shape.contains(x, y) {
                    out.push([x, y]);
                }
                x += spacing;
            }
            y += spacing;
        }
    }
    out
}

/// A candidate site: its position and what stands there.
#[derive(Debug, Clone)]
struct Candidate {
    xy: [f64; 2],
    kind: CandidateKind,
}

#[derive(Debug, Clone, Copy)]
enum CandidateKind {
    Building(usize),
    Hall(usize),
    Lattice,
}

/// The weighted lazy greedy over plain points, as [`suggest`] runs it: `demand` points with
/// `weights`, `candidates` points, radius `r`. Returns the picks (candidate indexes), their
/// gains, the online upper bound for `k_bound` picks, and for a `target` gain the lower bound on
/// the number of picks any solution needs (`Some(None)` when even all candidates fall short).
///
/// ```
/// use onemap_geo::suggest::lazy_greedy;
/// let demand = [[0.0, 0.0], [100.0, 0.0], [5000.0, 0.0]];
/// let g = lazy_greedy(&demand, &[1, 1, 5], &[[50.0, 0.0], [5000.0, 10.0]], 500.0, 2, None);
/// assert_eq!(g.picks, vec![1, 0]);
/// assert_eq!(g.gains, vec![5, 2]);
/// assert_eq!(g.upper, 7);
/// ```
#[must_use]
pub fn lazy_greedy(
    demand: &[[f64; 2]],
    weights: &[u64],
    candidates: &[[f64; 2]],
    r: f64,
    k: usize,
    target: Option<u64>,
) -> Greedy {
    let mut g = GreedyState::new(demand, weights, candidates, r);
    g.run(k, target)
}

/// The result of [`lazy_greedy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greedy {
    /// Candidate indexes in pick order.
    pub picks: Vec<usize>,
    /// The weight each pick newly covered.
    pub gains: Vec<u64>,
    /// Demand indexes each pick newly covered.
    pub covered: Vec<Vec<usize>>,
    /// Upper bound on the best gain of `picks.len()` candidates (with `target`: of as many as
    /// were picked).
    pub upper: u64,
    /// With a target: the fewest picks any solution needs (`None`: the target is out of reach).
    pub min_picks: Option<Option<usize>>,
}

struct GreedyState<'a> {
    candidates: &'a [[f64; 2]],
    r: f64,
    demand_index: PointIndex,
    /// Weights by demand storage position.
    w_pos: Vec<u64>,
    covered: Vec<bool>,
    /// (gain bound, lowest index first, round the bound was computed in).
    heap: BinaryHeap<(u64, Reverse<usize>, usize)>,
    round: usize,
}

impl<'a> GreedyState<'a> {
    fn new(demand: &[[f64; 2]], weights: &[u64], candidates: &'a [[f64; 2]], r: f64) -> Self {
        let ids: Vec<u32> = (0..demand.len() as u32).collect();
        let demand_index = PointIndex::with_cell(demand, &ids, (r / 6.0).max(1.0));
        let w_pos: Vec<u64> = demand_index
            .ids()
            .iter()
            .map(|&i| weights[i as usize])
            .collect();
        // Initial gains from the demand outward: each demand point adds its weight to whole
        // runs of candidates (a difference array over the candidates' storage positions).
        let cids: Vec<u32> = (0..candidates.len() as u32).collect();
        let cand_index = PointIndex::with_cell(candidates, &cids, r.max(1.0));
        let nc = candidates.len();
        let mut diff = vec![0i64; nc + 1];
        for (d, &w) in demand.iter().zip(weights) {
            if w == 0 {
                continue;
            }
            let w = w as i64;
            cand_index.visit_disc(d[0], d[1], r, |run| {
                diff[run.start] += w;
                diff[run.end] -= w;
            });
        }
        let mut acc = 0i64;
        let mut heap = BinaryHeap::with_capacity(nc);
        for (d, &c) in diff.iter().zip(cand_index.ids()) {
            acc += d;
            heap.push((acc.max(0) as u64, Reverse(c as usize), 0));
        }
        GreedyState {
            candidates,
            r,
            demand_index,
            w_pos,
            covered: vec![false; demand.len()],
            heap,
            round: 0,
        }
    }

    fn gain_of(&self, c: usize) -> u64 {
        let p = self.candidates[c];
        let mut g = 0;
        self.demand_index.visit_disc(p[0], p[1], self.r, |run| {
            for pos in run {
                if !self.covered[pos] {
                    g += self.w_pos[pos];
                }
            }
        });
        g
    }

    /// Pops fresh (exact) marginal gains in descending order while `more(count, sum)` holds;
    /// returns them (to be pushed back or picked).
    fn fresh_tops(&mut self, mut more: impl FnMut(usize, u64) -> bool) -> Vec<(u64, usize)> {
        let mut out: Vec<(u64, usize)> = Vec::new();
        let mut sum = 0u64;
        while more(out.len(), sum) {
            let Some((g, Reverse(c), round)) = self.heap.pop() else {
                break;
            };
            if g == 0 {
                // Every remaining bound is 0: nothing left to gain anywhere.
                self.heap.push((g, Reverse(c), round));
                break;
            }
            if round == self.round {
                out.push((g, c));
                sum += g;
            } else {
                let fresh = self.gain_of(c);
                self.heap.push((fresh, Reverse(c), self.round));
            }
        }
        out
    }

    fn push_back(&mut self, tops: &[(u64, usize)]) {
        for &(g, c) in tops {
            self.heap.push((g, Reverse(c), self.round));
        }
    }

    fn run(&mut self, k: usize, target: Option<u64>) -> Greedy {
        let mut picks = Vec::new();
        let mut gains = Vec::new();
        let mut covered_lists = Vec::new();
        let mut value = 0u64;
        let mut upper = u64::MAX;
        let mut min_picks: Option<usize> = Some(0);
        loop {
            let done = picks.len() >= k || target.is_some_and(|t| value >= t);
            // The bound for k picks (for a target: for as many as will have been picked is not
            // known yet, so the bound is taken for k, the cap, only in count mode).
            if target.is_none() {
                let tops = self.fresh_tops(|n, _| n < k);
                let sum: u64 = tops.iter().map(|t| t.0).sum();
                upper = upper.min(value + sum);
                self.push_back(&tops);
            } else if let Some(t) = target {
                // Lower bound on the picks needed, at rounds 0, 1, 2, 4, 8, … and the last.
                let r = picks.len();
                if (r & r.wrapping_sub(1)) == 0 || done {
                    let need = t.saturating_sub(value);
                    let tops = self.fresh_tops(|_, s| s < need);
                    let sum: u64 = tops.iter().map(|t| t.0).sum();
                    match (&mut min_picks, sum >= need) {
                        (Some(m), true) => *m = (*m).max(tops.len()),
                        (m, false) => *m = None,
                        _ => {}
                    }
                    self.push_back(&tops);
                }
            }
            if done {
                break;
            }
            let tops = self.fresh_tops(|n, _| n < 1);
            let Some(&(g, c)) = tops.first() else {
                break;
            };
            // Pick c: mark what it covers, and make every other bound stale.
            let p = self.candidates[c];
            let mut newly = Vec::new();
            let ids = self.demand_index.ids();
            self.demand_index.visit_disc(p[0], p[1], self.r, |run| {
                for pos in run {
                    if !self.covered[pos] {
                        self.covered[pos] = true;
                        newly.push(ids[pos] as usize);
                    }
                }
            });
            newly.sort_unstable();
            value += g;
            picks.push(c);
            gains.push(g);
            covered_lists.push(newly);
            self.round += 1;
        }
        if target.is_some() {
            // The bound for as many picks as were made, from the final marginal gains.
            let n = picks.len();
            let tops = self.fresh_tops(|m, _| m < n);
            let sum: u64 = tops.iter().map(|t| t.0).sum();
            upper = value + sum;
            self.push_back(&tops);
        }
        if upper == u64::MAX {
            upper = value;
        }
        Greedy {
            picks,
            gains,
            covered: covered_lists,
            upper,
            min_picks: target.map(|_| min_picks),
        }
    }
}

/// A suggestion's instance: the demand (uncovered buildings with weight), the candidates,
/// the totals.
struct Instance {
    demand: Vec<[f64; 2]>,
    weights: Vec<u64>,
    demand_building: Vec<usize>,
    cands: Vec<Candidate>,
    total: Weights,
    before: Weights,
    excluded: usize,
}

fn instance(atlas: &Atlas, req: &Request<'_>) -> Result<Instance, SuggestError> {
    if !(req.radius_m.is_finite() && req.radius_m > 0.0) {
        return Err(SuggestError::Invalid(
            "the radius must be a positive number of metres".into(),
        ));
    }
    let n = atlas.buildings.len();
    if req.covered.len() != n || req.only.is_some_and(|o| o.len() != n) {
        return Err(SuggestError::Invalid(
            "one coverage flag per building is needed".into(),
        ));
    }
    let mut total = Weights::default();
    let mut before = Weights::default();
    let mut demand = Vec::new();
    let mut weights = Vec::new();
    let mut demand_building = Vec::new();
    for (b, bl) in atlas.buildings.iter().enumerate() {
        if (req.residential_only && bl.residents == 0) || req.only.is_some_and(|o| !o[b]) {
            continue;
        }
        let w = Weights {
            weight: req.objective.weight(bl.residents, bl.rating),
            buildings: 1,
            residents: u64::from(bl.residents),
            warning: u64::from(bl.rating == Rating::Warning),
        };
        total += w;
        if req.covered[b] {
            before += w;
        } else if w.weight > 0 {
            demand.push(atlas.building_xy[b]);
            weights.push(w.weight);
            demand_building.push(b);
        }
    }
    let mut cands: Vec<Candidate> = Vec::new();
    let with_buildings = matches!(
        req.candidates,
        Candidates::Buildings | Candidates::BuildingsAndHalls
    );
    let with_halls = matches!(
        req.candidates,
        Candidates::Halls | Candidates::BuildingsAndHalls
    );
    if with_buildings {
        cands.extend(
            atlas
                .building_xy
                .iter()
                .enumerate()
                .map(|(b, &xy)| Candidate {
                    xy,
                    kind: CandidateKind::Building(b),
                }),
        );
    }
    if with_halls {
        cands.extend(req.halls.iter().enumerate().map(|(h, hall)| Candidate {
            xy: atlas.project(hall.lon, hall.lat),
            kind: CandidateKind::Hall(h),
        }));
    }
    if let Candidates::Lattice { spacing_m } = req.candidates {
        cands.extend(lattice(atlas, spacing_m).into_iter().map(|xy| Candidate {
            xy,
            kind: CandidateKind::Lattice,
        }));
    }
    let mut excluded = 0;
    if let Some(ex) = req.exclude {
        let projected = geo::MapCoords::map_coords(ex, |c| {
            let (x, y) = atlas.plane.forward(c.x, c.y);
            geo::Coord { x, y }
        });
        let shape = Shape::from_multipolygon(&projected);
        let n0 = cands.len();
        cands.retain(|c| !shape.contains(c.xy[0], c.xy[1]));
        excluded = n0 - cands.len();
    }
    Ok(Instance {
        demand,
        weights,
        demand_building,
        cands,
        total,
        before,
        excluded,
    })
}

/// The best gain and the chosen sites (lon, lat) of [`exact_best`].
pub type ExactBest = (u64, Vec<(f64, f64)>);

/// The exact best of [`Request`]'s sites for a count (the `n` of [`Stop::Count`]) on a small
/// instance, by branch and bound: `Ok(None)` when `node_budget` does not suffice (the instance
/// is too large; the greedy's bound still holds). Returns the best gain in the objective's
/// unit and the chosen sites (lon, lat).
///
/// ```
/// use onemap_geo::dataset::Service;
/// use onemap_geo::suggest::{exact_best, Candidates, Objective, Request, Stop};
/// let atlas = onemap_geo::atlas::Atlas::example();
/// let covered = atlas.covered_buildings(Some(Service::Legal), 500.0);
/// let req = Request { service: Some(Service::Legal), objective: Objective::Residents,
///     candidates: Candidates::Buildings, stop: Stop::Count { n: 2 }, exclude: None,
///     radius_m: 500.0, covered: &covered, halls: &[], residential_only: false, only: None };
/// let (best, sites) = exact_best(&atlas, &req, 100_000).unwrap().unwrap();
/// assert_eq!((best, sites.len()), (70, 2)); // B-000003 (40) and B-000002 (30)
/// ```
///
/// # Errors
/// [`SuggestError::Invalid`] as [`suggest`], or for a target instead of a count.
pub fn exact_best(
    atlas: &Atlas,
    req: &Request<'_>,
    node_budget: u64,
) -> Result<Option<ExactBest>, SuggestError> {
    let Stop::Count { n } = req.stop else {
        return Err(SuggestError::Invalid(
            "the exact solution is for a count of sites, not a target".into(),
        ));
    };
    let inst = instance(atlas, req)?;
    let ids: Vec<u32> = (0..inst.demand.len() as u32).collect();
    let index = PointIndex::with_cell(&inst.demand, &ids, (req.radius_m / 6.0).max(1.0));
    let sets: Vec<Vec<usize>> = inst
        .cands
        .iter()
        .map(|c| {
            let mut v = Vec::new();
            index.for_each_within(c.xy[0], c.xy[1], req.radius_m, |d, _| v.push(d as usize));
            v
        })
        .collect();
    Ok(
        exact_max_coverage(&sets, &inst.weights, n, node_budget).map(|(best, chosen)| {
            let sites = chosen
                .iter()
                .map(|&c| {
                    atlas
                        .plane
                        .inverse(inst.cands[c].xy[0], inst.cands[c].xy[1])
                })
                .collect();
            (best, sites)
        }),
    )
}

/// Suggests sites for new stations: see the module documentation.
///
/// ```
/// use onemap_geo::dataset::Service;
/// use onemap_geo::suggest::{suggest, Candidates, Objective, Request, Stop};
/// let atlas = onemap_geo::atlas::Atlas::example();
/// let covered = atlas.covered_buildings(Some(Service::Legal), 500.0);
/// let s = suggest(&atlas, &Request { service: Some(Service::Legal), objective: Objective::Residents,
///     candidates: Candidates::Buildings, stop: Stop::Count { n: 1 }, exclude: None,
///     radius_m: 500.0, covered: &covered, halls: &[], residential_only: false, only: None }).unwrap();
/// // B-000003 (40 residents) and B-000002 (30) lie 1.6 km apart: one station covers one.
/// assert_eq!(s.sites[0].gain.residents, 40);
/// assert_eq!(s.bound.upper, 40);
/// ```
///
/// # Errors
/// [`SuggestError::Invalid`] for a bad radius, share or count.
pub fn suggest(atlas: &Atlas, req: &Request<'_>) -> Result<Suggestion, SuggestError> {
    if !(req.radius_m.is_finite() && req.radius_m > 0.0) {
        return Err(SuggestError::Invalid(
            "the radius must be a positive number of metres".into(),
        ));
    }
    if req.covered.len() != atlas.buildings.len() {
        return Err(SuggestError::Invalid(
            "one coverage flag per building is needed".into(),
        ));
    }
    let (k, target_share) = match req.stop {
        Stop::Count { n } if n <= 10_000 => (n, None),
        Stop::Target { share, max } if (0.0..=1.0).contains(&share) && max <= 10_000 => {
            (max, Some(share))
        }
        _ => {
            return Err(SuggestError::Invalid(
                "ask for at most 10,000 sites, and a target share between 0 and 100%".into(),
            ));
        }
    };
    let Instance {
        demand,
        weights,
        demand_building,
        cands,
        total,
        before,
        excluded,
    } = instance(atlas, req)?;
    let points: Vec<[f64; 2]> = cands.iter().map(|c| c.xy).collect();
    let target_gain = target_share.map(|s| {
        let want = (s * total.weight as f64).ceil() as u64;
        want.saturating_sub(before.weight)
    });
    let g = lazy_greedy(&demand, &weights, &points, req.radius_m, k, target_gain);
    // Sites with their gains in every unit.
    let mut covered_after = before;
    let mut sites = Vec::with_capacity(g.picks.len());
    for (rank, (&c, newly)) in g.picks.iter().zip(&g.covered).enumerate() {
        let mut gain = Weights::default();
        let mut buildings: Vec<usize> = newly.iter().map(|&d| demand_building[d]).collect();
        buildings.sort_unstable();
        for &b in &buildings {
            let bl = &atlas.buildings[b];
            gain += Weights {
                weight: req.objective.weight(bl.residents, bl.rating),
                buildings: 1,
                residents: u64::from(bl.residents),
                warning: u64::from(bl.rating == Rating::Warning),
            };
        }
        covered_after += gain;
        let cand = &cands[c];
        let (lon, lat) = atlas.plane.inverse(cand.xy[0], cand.xy[1]);
        let kind = match cand.kind {
            CandidateKind::Building(b) => SiteKind::Building {
                id: atlas.buildings[b].id.clone(),
                address: atlas.buildings[b].address.clone(),
            },
            CandidateKind::Hall(h) => SiteKind::Hall {
                id: req.halls[h].id.clone(),
                name: req.halls[h].name.clone(),
            },
            CandidateKind::Lattice => SiteKind::Lattice,
        };
        let (subgrid_code, subgrid_name) = atlas
            .locate_subgrid_xy(cand.xy[0], cand.xy[1])
            .map(|s| {
                (
                    atlas.subgrids[s].code.clone(),
                    atlas.subgrids[s].name.clone(),
                )
            })
            .unwrap_or_default();
        sites.push(Site {
            rank: rank + 1,
            lon,
            lat,
            kind,
            subgrid_code,
            subgrid_name,
            gain,
            covered_after,
            share_after: share(covered_after.weight, total.weight),
            newly_covered: buildings,
        });
    }
    let greedy: u64 = g.gains.iter().sum();
    let bound = Bound {
        greedy,
        upper: g.upper.max(greedy),
        ratio: if g.upper == 0 {
            1.0
        } else {
            greedy as f64 / g.upper.max(greedy) as f64
        },
        a_priori: 1.0 - (-1.0f64).exp(),
    };
    let target = target_share.map(|s| TargetOutcome {
        share: s,
        reached: target_gain.is_some_and(|t| greedy >= t),
        min_stations: g.min_picks.flatten(),
    });
    Ok(Suggestion {
        service: req.service,
        objective: req.objective,
        candidates: req.candidates,
        candidate_count: cands.len(),
        excluded,
        total,
        covered_before: before,
        sites,
        bound,
        target,
    })
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// A set of demand items as a bitset.
type Bits = Vec<u64>;

fn bits_weight(bits: &Bits, covered: &Bits, w: &[u64]) -> u64 {
    let mut g = 0;
    for (k, (&b, &c)) in bits.iter().zip(covered).enumerate() {
        let mut free = b & !c;
        while free != 0 {
            let t = free.trailing_zeros() as usize;
            g += w[k * 64 + t];
            free &= free - 1;
        }
    }
    g
}

/// The best `k` of `sets` (each a list of demand indexes) covering the most weight, exactly,
/// by branch and bound (the bound: the weight covered so far plus the largest marginal gains of
/// the candidates still open). Returns `None` when `node_budget` nodes did not suffice.
/// Candidates with identical or dominated sets are dropped first.
///
/// ```
/// use onemap_geo::suggest::exact_max_coverage;
/// // Greedy takes {1,2,3,4} first and then gains 1 more; the best pair covers all six.
/// let sets = vec![vec![1, 2, 3, 4], vec![0, 1, 2], vec![3, 4, 5]];
/// let (best, chosen) = exact_max_coverage(&sets, &[1; 6], 2, 10_000).unwrap();
/// assert_eq!(best, 6);
/// assert_eq!(chosen, vec![1, 2]);
/// ```
#[must_use]
pub fn exact_max_coverage(
    sets: &[Vec<usize>],
    weights: &[u64],
    k: usize,
    node_budget: u64,
) -> Option<(u64, Vec<usize>)> {
    let m = weights.len();
    let words = m.div_ceil(64).max(1);
    let to_bits = |s: &Vec<usize>| {
        let mut b = vec![0u64; words];
        for &d in s {
            b[d / 64] |= 1 << (d % 64);
        }
        b
    };
    // Unique, undominated candidates, heaviest first.
    let mut uniq: HashMap<Bits, usize> = HashMap::new();
    for (i, s) in sets.iter().enumerate() {
        let b = to_bits(s);
        if b.iter().any(|&x| x != 0) {
            uniq.entry(b).or_insert(i);
        }
    }
    let zero = vec![0u64; words];
    let mut cands: Vec<(Bits, usize, u64)> = uniq
        .into_iter()
        .map(|(b, i)| {
            let w = bits_weight(&b, &zero, weights);
            (b, i, w)
        })
        .collect();
    cands.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
    let subset = |a: &Bits, b: &Bits| a.iter().zip(b).all(|(x, y)| x & !y == 0);
    let mut kept: Vec<(Bits, usize, u64)> = Vec::new();
    for c in cands {
        if !kept.iter().any(|k| subset(&c.0, &k.0)) {
            kept.push(c);
        }
    }
    struct Search<'a> {
        cands: &'a [(Bits, usize, u64)],
        w: &'a [u64],
        k: usize,
        best: u64,
        best_set: Vec<usize>,
        nodes: u64,
        budget: u64,
    }
    impl Search<'_> {
        fn dfs(&mut self, start: usize, chosen: &mut Vec<usize>, covered: &Bits, value: u64) {
            self.nodes += 1;
            if value > self.best {
                self.best = value;
                self.best_set.clone_from(chosen);
            }
            if chosen.len() == self.k || start >= self.cands.len() || self.nodes > self.budget {
                return;
            }
            let mut margins: Vec<(u64, usize)> = (start..self.cands.len())
                .map(|c| (bits_weight(&self.cands[c].0, covered, self.w), c))
                .filter(|m| m.0 > 0)
                .collect();
            margins.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let left = self.k - chosen.len();
            let bound: u64 = margins.iter().take(left).map(|m| m.0).sum();
            if value + bound <= self.best {
                return;
            }
            // Branch on candidates in index order (each subset once): take c, then only
            // candidates after it.
            let mut order: Vec<usize> = margins.iter().map(|m| m.1).collect();
            order.sort_unstable();
            for c in order {
                let mut next = covered.clone();
                for (n, b) in next.iter_mut().zip(&self.cands[c].0) {
                    *n |= b;
                }
                let g = bits_weight(&self.cands[c].0, covered, self.w);
                chosen.push(c);
                self.dfs(c + 1, chosen, &next, value + g);
                chosen.pop();
                if self.nodes > self.budget {
                    return;
                }
            }
        }
    }
    let mut s = Search {
        cands: &kept,
        w: weights,
        k,
        best: 0,
        best_set: Vec::new(),
        nodes: 0,
        budget: node_budget,
    };
    s.dfs(0, &mut Vec::new(), &vec![0u64; words], 0);
    if s.nodes > node_budget {
        return None;
    }
    let mut chosen: Vec<usize> = s.best_set.iter().map(|&c| kept[c].1).collect();
    chosen.sort_unstable();
    Some((s.best, chosen))
}

/// The fewest of `sets` covering every demand item that any of them covers, exactly (`None`
/// when the budget ran out), with the greedy answer and a lower bound found on the way:
/// `(fewest, chosen)`.
///
/// ```
/// use onemap_geo::suggest::exact_set_cover;
/// let sets = vec![vec![0, 1, 2], vec![2, 3], vec![3, 4], vec![0, 1]];
/// assert_eq!(exact_set_cover(&sets, 5, 100_000).map(|(n, _)| n), Some(2));
/// ```
#[must_use]
pub fn exact_set_cover(
    sets: &[Vec<usize>],
    demand: usize,
    node_budget: u64,
) -> Option<(usize, Vec<usize>)> {
    let mut reachable = vec![false; demand];
    for s in sets {
        for &d in s {
            reachable[d] = true;
        }
    }
    let weights: Vec<u64> = reachable.iter().map(|&r| u64::from(r)).collect();
    let need: u64 = weights.iter().sum();
    if need == 0 {
        return Some((0, Vec::new()));
    }
    for k in 1..=sets.len() {
        let (best, chosen) = exact_max_coverage(sets, &weights, k, node_budget)?;
        if best == need {
            return Some((k, chosen));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn within(a: [f64; 2], b: [f64; 2], r: f64) -> bool {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt() <= r
    }

    /// The best gain of any `k` candidates, by trying every subset.
    fn brute_best(demand: &[[f64; 2]], w: &[u64], cand: &[[f64; 2]], r: f64, k: usize) -> u64 {
        let n = cand.len();
        let mut best = 0;
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize > k {
                continue;
            }
            let v: u64 = demand
                .iter()
                .zip(w)
                .filter(|(d, _)| (0..n).any(|c| mask >> c & 1 == 1 && within(cand[c], **d, r)))
                .map(|(_, w)| *w)
                .sum();
            best = best.max(v);
        }
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 120, rng_seed: proptest::test_runner::RngSeed::Fixed(23), ..ProptestConfig::default() })]

        #[test]
        fn greedy_is_within_its_bounds_of_the_brute_force_best(
            demand in prop::collection::vec((0.0..3000.0f64, 0.0..3000.0f64, 0u64..50), 0..60),
            cand in prop::collection::vec((0.0..3000.0f64, 0.0..3000.0f64), 0..12),
            r in 200.0..900.0f64, k in 1usize..5,
        ) {
            let d: Vec<[f64; 2]> = demand.iter().map(|&(x, y, _)| [x, y]).collect();
            let w: Vec<u64> = demand.iter().map(|t| t.2).collect();
            let c: Vec<[f64; 2]> = cand.iter().map(|&(x, y)| [x, y]).collect();
            let g = lazy_greedy(&d, &w, &c, r, k, None);
            let value: u64 = g.gains.iter().sum();
            let best = brute_best(&d, &w, &c, r, k);
            // Greedy's guarantee, the online bound, and greedy never beating the best.
            prop_assert!(value as f64 >= (1.0 - (-1.0f64).exp()) * best as f64 - 1e-9);
            prop_assert!(value <= best);
            prop_assert!(g.upper >= best, "upper {} < best {}", g.upper, best);
            // Gains are what the picks really add.
            let mut covered = vec![false; d.len()];
            for (&p, &gain) in g.picks.iter().zip(&g.gains) {
                let add: u64 = (0..d.len()).filter(|&i| !covered[i] && within(c[p], d[i], r)).map(|i| w[i]).sum();
                prop_assert_eq!(add, gain);
                for i in 0..d.len() { if within(c[p], d[i], r) { covered[i] = true; } }
            }
            // The exact solver finds the brute-force best.
            let sets: Vec<Vec<usize>> = c.iter().map(|cc| (0..d.len()).filter(|&i| within(*cc, d[i], r)).collect()).collect();
            let exact = exact_max_coverage(&sets, &w, k, 1_000_000);
            prop_assert_eq!(exact.map(|e| e.0), Some(best));
        }

        #[test]
        fn the_fewest_stations_bound_never_exceeds_the_true_minimum(
            demand in prop::collection::vec((0.0..3000.0f64, 0.0..3000.0f64), 1..40),
            r in 300.0..900.0f64,
        ) {
            // Candidates at every demand point: every point can be covered.
            let d: Vec<[f64; 2]> = demand.iter().map(|&(x, y)| [x, y]).collect();
            let w = vec![1u64; d.len()];
            let g = lazy_greedy(&d, &w, &d, r, d.len(), Some(d.len() as u64));
            let sets: Vec<Vec<usize>> = d.iter().map(|cc| (0..d.len()).filter(|&i| within(*cc, d[i], r)).collect()).collect();
            let exact = exact_set_cover(&sets, d.len(), 5_000_000);
            prop_assert!(exact.is_some());
            if let Some((opt, chosen)) = exact {
                let lb = g.min_picks.flatten();
                prop_assert!(lb.is_some());
                prop_assert!(lb.unwrap_or(usize::MAX) <= opt, "lower bound {:?} > optimum {}", lb, opt);
                prop_assert!(g.picks.len() >= opt);
                let mut cov = vec![false; d.len()];
                for &c in &chosen { for &i in &sets[c] { cov[i] = true; } }
                prop_assert!(cov.iter().all(|&c| c));
            }
        }
    }

    #[test]
    fn lattice_candidates_lie_inside_the_district_at_the_spacing() {
        let atlas = Atlas::example();
        let pts = lattice(&atlas, 100.0);
        // The example district is 0.02° × 0.02° (about 2.05 km × 2.2 km): ~ 450 points.
        assert!(pts.len() > 400 && pts.len() < 500, "{}", pts.len());
        for p in &pts {
            assert!(atlas.locate_subgrid_xy(p[0], p[1]).is_some());
        }
    }

    #[test]
    fn excluded_areas_hold_no_site() {
        use geo::polygon;
        let atlas = Atlas::example();
        let covered = atlas.covered_buildings(Some(Service::Legal), 500.0);
        // Exclude the eastern half, where both uncovered residential buildings are.
        let east = MultiPolygon::new(vec![polygon![(x: 113.91, y: 22.69), (x: 113.93, y: 22.69),
            (x: 113.93, y: 22.73), (x: 113.91, y: 22.73)]]);
        let s = suggest(
            &atlas,
            &Request {
                service: Some(Service::Legal),
                objective: Objective::Buildings,
                candidates: Candidates::Lattice { spacing_m: 50.0 },
                stop: Stop::Count { n: 3 },
                exclude: Some(&east),
                radius_m: 500.0,
                covered: &covered,
                halls: &[],
                residential_only: false,
                only: None,
            },
        )
        .expect("as the test sets up");
        assert!(s.excluded > 0);
        for site in &s.sites {
            assert!(site.lon < 113.91, "{site:?}");
        }
    }

    #[test]
    fn a_target_share_stops_as_soon_as_it_is_reached() {
        let atlas = Atlas::example();
        let covered = atlas.covered_buildings(None, 500.0);
        let s = suggest(
            &atlas,
            &Request {
                service: None,
                objective: Objective::Buildings,
                candidates: Candidates::Buildings,
                stop: Stop::Target {
                    share: 0.75,
                    max: 10,
                },
                exclude: None,
                radius_m: 500.0,
                covered: &covered,
                halls: &[],
                residential_only: false,
                only: None,
            },
        )
        .expect("as the test sets up");
        assert_eq!(s.sites.len(), 1);
        let t = s.target.expect("as the test sets up");
        assert!(t.reached);
        assert_eq!(t.min_stations, Some(1));
        assert!((s.sites[0].share_after - 0.75).abs() < 1e-12);
    }

    #[test]
    fn names_parse() {
        assert_eq!(
            "lattice:50m".parse::<Candidates>(),
            Ok(Candidates::Lattice { spacing_m: 50.0 })
        );
        assert!("lattice:1m".parse::<Candidates>().is_err());
        assert_eq!(
            "warning-buildings".parse::<Objective>(),
            Ok(Objective::WarningBuildings)
        );
    }
}

//! The residential rental buildings (居住出租屋) and their safety ratings.
//!
//! Buildings are laid out settlement by settlement: urban-village houses on a tight lattice of
//! 13 m with a Gaussian falloff from the old core, estate towers in rows, dormitories in blocks
//! inside industrial land. Ratings are assigned by rank of a risk score (old village cores
//! score highest), so the published counts hold exactly and warning buildings concentrate in
//! old villages.

use std::collections::{BTreeMap, HashSet};

use geo::Coord;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rstar::{RTree, primitives::GeomWithData, primitives::Line};

use crate::admin::Territory;
use crate::landuse::{LandUse, SettlementKind};
use crate::locate::SubgridLocator;
use crate::profile::{ScaleProfile, apportion};
use crate::roads::RoadNetwork;

/// Safety rating of the building map (数字楼宇平安图).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rating {
    /// 放心级.
    Safe,
    /// 一般级.
    General,
    /// 警示级.
    Warning,
}

impl Rating {
    /// The schema's `rating` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Safe => "safe",
            Rating::General => "general",
            Rating::Warning => "warning",
        }
    }
}

/// One building.
#[derive(Debug, Clone)]
pub struct Building {
    /// Position, metres.
    pub at: Coord,
    /// Position as written.
    pub lonlat: Coord,
    /// Index of its sub-grid.
    pub subgrid: usize,
    /// Kind.
    pub kind: SettlementKind,
    /// Risk score the rating was ranked by.
    pub risk: f64,
    /// Rating.
    pub rating: Rating,
    /// Reason codes.
    pub reasons: Vec<&'static str>,
    /// Storeys.
    pub floors: u32,
    /// Households (rented units).
    pub households: u32,
    /// Residents.
    pub residents: u32,
    /// Days since 1970-01-01 of the last inspection.
    pub last_inspection: i64,
    /// Road of its address.
    pub road: String,
    /// Full address: community + road + number.
    pub address: String,
}

/// Lays out exactly `profile.buildings` buildings over the settlements.
pub fn build(
    territory: &Territory,
    land: &LandUse,
    locator: &SubgridLocator,
    roads: &RoadNetwork,
    profile: &ScaleProfile,
    as_of_days: i64,
    rng: &mut ChaCha8Rng,
) -> Vec<Building> {
    let kinds = [
        SettlementKind::Village,
        SettlementKind::Estate,
        SettlementKind::Dormitory,
    ];
    let kind_totals = apportion(profile.buildings, &kinds.map(|k| k.share()));
    let mut placed: Vec<(Coord, Coord, usize, SettlementKind, f64)> =
        Vec::with_capacity(profile.buildings);
    let mut occupied: HashSet<(usize, i64, i64)> = HashSet::new();
    for (kind, total) in kinds.iter().zip(kind_totals) {
        let members: Vec<usize> = (0..land.settlements.len())
            .filter(|&i| land.settlements[i].kind == *kind)
            .collect();
        let sizes: Vec<f64> = members.iter().map(|&i| land.settlements[i].size).collect();
        let quotas = apportion(total, &sizes);
        let mut round = 0;
        let mut pending: Vec<(usize, usize)> = members.iter().copied().zip(quotas).collect();
        while !pending.is_empty() && round < 50 {
            let mut next = Vec::new();
            for (s_index, quota) in pending {
                let s = &land.settlements[s_index];
                let growth = 1.0 + 0.25 * round as f64;
                let (step_u, step_v) = match kind {
                    SettlementKind::Village => (13.0, 13.0),
                    SettlementKind::Estate => (32.0, 55.0),
                    SettlementKind::Dormitory => (30.0, 45.0),
                };
                let normal = Normal::new(0.0, s.radius * 0.55 * growth).unwrap_or_else(|_| {
                    Normal::new(0.0, 100.0).expect("constant parameters are valid")
                });
                let (sin, cos) = s.angle.sin_cos();
                let mut attempts = 0;
                let mut got = 0;
                while got < quota && attempts < quota * 40 + 200 {
                    attempts += 1;
                    let (du, dv) = match kind {
                        SettlementKind::Village => (normal.sample(rng), normal.sample(rng)),
                        _ => {
                            let r = s.radius * growth * rng.random::<f64>().sqrt();
                            let t = rng.random_range(0.0..std::f64::consts::TAU);
                            (r * t.cos(), r * t.sin())
                        }
                    };
                    let (iu, iv) = ((du / step_u).round() as i64, (dv / step_v).round() as i64);
                    if occupied.contains(&(s_index, iu, iv)) {
                        continue;
                    }
                    let (u, v) = (
                        iu as f64 * step_u + rng.random_range(-2.0..2.0),
                        iv as f64 * step_v + rng.random_range(-2.0..2.0),
                    );
                    let at = Coord {
                        x: s.centre.x + u * cos - v * sin,
                        y: s.centre.y + u * sin + v * cos,
                    };
                    if land.is_green(at)
                        || (*kind != SettlementKind::Dormitory && land.is_industrial(at))
                    {
                        continue;
                    }
                    let Some((subgrid, lonlat)) = locator.locate_plane(at) else {
                        continue;
                    };
                    occupied.insert((s_index, iu, iv));
                    let distance = (u * u + v * v).sqrt() / s.radius;
                    placed.push((
                        at,
                        lonlat,
                        subgrid,
                        *kind,
                        s.age * (1.0 - (distance / 2.5).min(1.0)),
                    ));
                    got += 1;
                }
                if got < quota {
                    next.push((s_index, quota - got));
                }
            }
            // What could not be placed moves on to the next round with grown settlements.
            pending = next;
            round += 1;
        }
    }
    rate_and_describe(placed, territory, roads, profile, as_of_days, rng)
}

const VILLAGE_REASONS: [&str; 7] = [
    "fire_exit",
    "electrical",
    "gas",
    "structure",
    "overcrowding",
    "unregistered_tenants",
    "security_incidents",
];
const DORMITORY_REASONS: [&str; 5] = [
    "work_safety",
    "overcrowding",
    "electrical",
    "fire_exit",
    "unregistered_tenants",
];
const ESTATE_REASONS: [&str; 3] = ["electrical", "unregistered_tenants", "security_incidents"];

fn pick_reasons(kind: SettlementKind, how_many: usize, rng: &mut ChaCha8Rng) -> Vec<&'static str> {
    let pool: &[&'static str] = match kind {
        SettlementKind::Village => &VILLAGE_REASONS,
        SettlementKind::Dormitory => &DORMITORY_REASONS,
        SettlementKind::Estate => &ESTATE_REASONS,
    };
    let mut chosen: Vec<&'static str> = Vec::new();
    while chosen.len() < how_many.min(pool.len()) {
        let r = pool[rng.random_range(0..pool.len())];
        if !chosen.contains(&r) {
            chosen.push(r);
        }
    }
    // Keep the schema's order of reason codes.
    let order = [
        "fire_exit",
        "electrical",
        "gas",
        "structure",
        "overcrowding",
        "unregistered_tenants",
        "security_incidents",
        "work_safety",
    ];
    chosen.sort_by_key(|r| order.iter().position(|o| o == r));
    chosen
}

type Placement = (Coord, Coord, usize, SettlementKind, f64);

fn rate_and_describe(
    placed: Vec<Placement>,
    territory: &Territory,
    roads: &RoadNetwork,
    profile: &ScaleProfile,
    as_of_days: i64,
    rng: &mut ChaCha8Rng,
) -> Vec<Building> {
    // Ratings by rank of risk; noise keeps kinds from separating perfectly.
    let noise = Normal::new(0.0, 0.12).expect("constant parameters are valid");
    let mut scored: Vec<(f64, usize)> = placed
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let base = match p.3 {
                SettlementKind::Village => 0.25 + 0.75 * p.4,
                SettlementKind::Dormitory => 0.35 + 0.3 * p.4,
                SettlementKind::Estate => 0.05 + 0.2 * p.4,
            };
            (base + noise.sample(rng), i)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let [_, general, warning] = profile.ratings;
    let mut ratings = vec![Rating::Safe; placed.len()];
    for (rank, (_, i)) in scored.iter().enumerate() {
        ratings[*i] = if rank < warning {
            Rating::Warning
        } else if rank < warning + general {
            Rating::General
        } else {
            Rating::Safe
        };
    }
    // Nearest road for each address.
    let mut segments = Vec::new();
    for (r_index, road) in roads.roads.iter().enumerate() {
        let mut along = 0.0;
        for w in road.plane.windows(2) {
            segments.push(GeomWithData::new(
                Line::new([w[0].x, w[0].y], [w[1].x, w[1].y]),
                (r_index, along),
            ));
            along += (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
        }
    }
    let tree = RTree::bulk_load(segments);
    let mut numbers: BTreeMap<(usize, usize, u32), u32> = BTreeMap::new();
    let mut buildings = Vec::with_capacity(placed.len());
    for (i, (at, lonlat, subgrid, kind, risk)) in placed.into_iter().enumerate() {
        let rating = ratings[i];
        let (floors, per_floor, per_household) = match kind {
            SettlementKind::Village => {
                (rng.random_range(3..=8u32), rng.random_range(2..=4u32), 1.7)
            }
            SettlementKind::Estate => {
                (rng.random_range(9..=30u32), rng.random_range(2..=4u32), 2.4)
            }
            SettlementKind::Dormitory => {
                (rng.random_range(4..=7u32), rng.random_range(6..=12u32), 2.6)
            }
        };
        let households = floors * per_floor;
        let residents = ((households as f64) * per_household * rng.random_range(0.8..1.2))
            .round()
            .max(1.0) as u32;
        let reasons = match rating {
            Rating::Warning => {
                let n = rng.random_range(1..=3);
                pick_reasons(kind, n, rng)
            }
            Rating::General => pick_reasons(kind, 1, rng),
            Rating::Safe => Vec::new(),
        };
        let recency = match rating {
            Rating::Warning => 30,
            Rating::General => 90,
            Rating::Safe => 365,
        };
        let last_inspection = as_of_days - rng.random_range(0..recency);
        let community = territory.subgrids[subgrid].parent;
        let (road, number) = match tree.nearest_neighbor([at.x, at.y]) {
            Some(seg) => {
                let (r_index, start) = seg.data;
                let [a, b] = [seg.geom().from, seg.geom().to];
                let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                let len2 = (dx * dx + dy * dy).max(1e-9);
                let t = (((at.x - a[0]) * dx + (at.y - a[1]) * dy) / len2).clamp(0.0, 1.0);
                let along = start + t * len2.sqrt();
                let left = dx * (at.y - a[1]) - dy * (at.x - a[0]) > 0.0;
                let number = (along / 12.0).floor() as u32 * 2 + if left { 1 } else { 2 };
                (r_index, number)
            }
            None => (usize::MAX, 1),
        };
        let road_name = roads
            .roads
            .get(road)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let seen = numbers.entry((community, road, number)).or_default();
        *seen += 1;
        let community_name = &territory.communities[community].name;
        let address = if *seen == 1 {
            format!("{community_name}{road_name}{number}号")
        } else {
            format!("{community_name}{road_name}{number}号之{}", *seen)
        };
        buildings.push(Building {
            at,
            lonlat,
            subgrid,
            kind,
            risk,
            rating,
            reasons,
            floors,
            households,
            residents,
            last_inspection,
            road: road_name,
            address,
        });
    }
    buildings
}

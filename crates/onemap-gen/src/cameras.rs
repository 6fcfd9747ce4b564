//! The 958 video cameras of the one-click alert system (一键报): on main roads at junctions, at
//! park entrances, at checkpoints where arterials leave the district, and at school gates.

use geo::Coord;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::admin::Territory;
use crate::landuse::{LandUse, SettlementKind};
use crate::locate::SubgridLocator;
use crate::names;
use crate::profile::apportion;
use crate::roads::{RoadClass, RoadNetwork};

/// Where a camera watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CameraKind {
    /// A road junction.
    Road,
    /// A park entrance.
    Park,
    /// A checkpoint on a road leaving the area.
    Checkpoint,
    /// A school gate.
    School,
}

impl CameraKind {
    /// The schema's `kind` value.
    pub fn as_str(self) -> &'static str {
        match self {
            CameraKind::Road => "road",
            CameraKind::Park => "park",
            CameraKind::Checkpoint => "checkpoint",
            CameraKind::School => "school",
        }
    }
}

/// One camera.
#[derive(Debug, Clone)]
pub struct Camera {
    /// Name: where it looks.
    pub name: String,
    /// Kind.
    pub kind: CameraKind,
    /// Road it watches, if any.
    pub road: Option<String>,
    /// Position, metres.
    pub at: Coord,
    /// Position as written.
    pub lonlat: Coord,
    /// Index of its sub-grid.
    pub subgrid: usize,
}

fn offset(at: Coord, distance: f64, rng: &mut ChaCha8Rng) -> Coord {
    let t = rng.random_range(0.0..std::f64::consts::TAU);
    Coord {
        x: at.x + distance * t.cos(),
        y: at.y + distance * t.sin(),
    }
}

/// Places `total` cameras.
pub fn build(
    territory: &Territory,
    land: &LandUse,
    roads: &RoadNetwork,
    locator: &SubgridLocator,
    total: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<Camera> {
    let quotas = apportion(total, &[0.58, 0.12, 0.10, 0.20]);
    let mut cameras: Vec<Camera> = Vec::with_capacity(total);
    let push = |cameras: &mut Vec<Camera>,
                name: String,
                kind: CameraKind,
                road: Option<String>,
                at: Coord|
     -> bool {
        match locator.locate_plane(at) {
            Some((subgrid, lonlat)) => {
                cameras.push(Camera {
                    name,
                    kind,
                    road,
                    at,
                    lonlat,
                    subgrid,
                });
                true
            }
            None => false,
        }
    };
    // Road junctions, busier classes first, drawn by weight without replacement.
    let mut junction_order: Vec<(f64, usize)> = roads
        .junctions
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let weight: f64 = match j.class {
                RoadClass::Arterial => 6.0,
                RoadClass::Secondary => 2.0,
                RoadClass::Local => 0.4,
            };
            // Efraimidis–Spirakis keys give a weighted sample without replacement.
            (rng.random::<f64>().powf(1.0 / weight), i)
        })
        .collect();
    junction_order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut placed = 0;
    for (_, j) in &junction_order {
        if placed == quotas[0] {
            break;
        }
        let junction = &roads.junctions[*j];
        let name = format!("{}与{}交汇处", junction.roads[0], junction.roads[1]);
        let at = offset(junction.at, 8.0, rng);
        if push(
            &mut cameras,
            name,
            CameraKind::Road,
            Some(junction.roads[0].clone()),
            at,
        ) {
            placed += 1;
        }
    }
    // Park entrances on the rims of green land.
    placed = 0;
    let mut attempts = 0;
    while placed < quotas[1] && attempts < quotas[1] * 100 && !land.green.is_empty() {
        attempts += 1;
        let g = rng.random_range(0..land.green.len());
        let disc = land.green[g];
        let at = offset(disc.centre, disc.radius * rng.random_range(0.85..1.0), rng);
        let name = format!(
            "{}公园{}号入口",
            names::road_stem(10_000 + g),
            rng.random_range(1..6)
        );
        if push(&mut cameras, name, CameraKind::Park, None, at) {
            placed += 1;
        }
    }
    // Checkpoints where arterials leave the area, then at arterial junctions.
    placed = 0;
    let mut checkpoints: Vec<(Coord, String)> = roads.exits.clone();
    checkpoints.extend(
        roads
            .junctions
            .iter()
            .filter(|j| j.class == RoadClass::Arterial)
            .map(|j| (j.at, j.roads[0].clone())),
    );
    let mut index = 0;
    attempts = 0;
    while placed < quotas[2] && !checkpoints.is_empty() && attempts < quotas[2] * 100 {
        attempts += 1;
        let (at, road) = checkpoints[index % checkpoints.len()].clone();
        index += 1;
        let at = offset(at, rng.random_range(15.0..60.0), rng);
        if push(
            &mut cameras,
            format!("{road}卡口"),
            CameraKind::Checkpoint,
            Some(road),
            at,
        ) {
            placed += 1;
        }
    }
    // School gates beside villages and estates.
    placed = 0;
    attempts = 0;
    let homes: Vec<usize> = (0..land.settlements.len())
        .filter(|&i| land.settlements[i].kind != SettlementKind::Dormitory)
        .collect();
    while placed < quotas[3] && !homes.is_empty() && attempts < quotas[3] * 100 {
        attempts += 1;
        let s = &land.settlements[homes[rng.random_range(0..homes.len())]];
        let at = offset(s.centre, s.radius * rng.random_range(0.5..1.3), rng);
        let stem = names::community_stem(&territory.communities[s.community].name);
        let school = ["小学", "中学", "幼儿园", "实验学校"][rng.random_range(0..4)];
        if push(
            &mut cameras,
            format!("{stem}{school}校门"),
            CameraKind::School,
            None,
            at,
        ) {
            placed += 1;
        }
    }
    // Whatever a quota could not place goes on road vertices, so the total is exact.
    attempts = 0;
    while cameras.len() < total && !roads.roads.is_empty() && attempts < total * 1000 {
        attempts += 1;
        let road = &roads.roads[rng.random_range(0..roads.roads.len())];
        let at = offset(road.plane[rng.random_range(0..road.plane.len())], 8.0, rng);
        push(
            &mut cameras,
            format!("{}沿线", road.name),
            CameraKind::Road,
            Some(road.name.clone()),
            at,
        );
    }
    cameras
}

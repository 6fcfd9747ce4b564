//! Land use: where hills and parks keep people out, where industrial parks are, and where the
//! settlements (urban villages, housing estates, industrial dormitories) cluster.
//!
//! The model is deliberately simple and legible: discs of green land, mostly near the district
//! edge (Guangming's hills and reservoirs lie along its borders); ellipses of industrial land;
//! and per community a main old village where its namesake village stood, a few more villages,
//! one or two housing estates and one or two industrial parks with dormitories.

use geo::{Coord, Rect};

use crate::buckets::Buckets;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The three kinds of residential rental building of the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SettlementKind {
    /// Urban-village house (城中村 农民房): dense, old, often risky.
    Village,
    /// Housing estate (住宅小区): regular rows of towers, mostly safe.
    Estate,
    /// Industrial dormitory (工业园宿舍): inside industrial land.
    Dormitory,
}

impl SettlementKind {
    /// The schema's `kind` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SettlementKind::Village => "village",
            SettlementKind::Estate => "estate",
            SettlementKind::Dormitory => "dormitory",
        }
    }

    /// Share of all buildings of this kind.
    pub fn share(self) -> f64 {
        match self {
            SettlementKind::Village => 0.72,
            SettlementKind::Estate => 0.13,
            SettlementKind::Dormitory => 0.15,
        }
    }
}

/// A cluster of buildings.
#[derive(Debug, Clone)]
pub struct Settlement {
    /// What kind of buildings it holds.
    pub kind: SettlementKind,
    /// Centre, metres.
    pub centre: Coord,
    /// Typical radius, metres.
    pub radius: f64,
    /// Orientation of its lanes or rows, radians.
    pub angle: f64,
    /// 0 (new) to 1 (old core): drives the risk of its buildings.
    pub age: f64,
    /// Relative size: its share of its kind's buildings.
    pub size: f64,
    /// Index of the community it was founded in.
    pub community: usize,
}

/// A disc of land, metres.
#[derive(Debug, Clone, Copy)]
pub struct Disc {
    /// Centre.
    pub centre: Coord,
    /// Radius.
    pub radius: f64,
}

impl Disc {
    /// Whether the point is inside the disc.
    pub fn contains(&self, p: Coord) -> bool {
        (p.x - self.centre.x).powi(2) + (p.y - self.centre.y).powi(2) <= self.radius.powi(2)
    }
}

/// An ellipse of industrial land, metres.
#[derive(Debug, Clone, Copy)]
pub struct Ellipse {
    /// Centre.
    pub centre: Coord,
    /// Semi-axis along `angle`.
    pub major: f64,
    /// Semi-axis across.
    pub minor: f64,
    /// Orientation, radians.
    pub angle: f64,
}

impl Ellipse {
    /// Whether the point is inside the ellipse.
    pub fn contains(&self, p: Coord) -> bool {
        let (dx, dy) = (p.x - self.centre.x, p.y - self.centre.y);
        let (s, c) = self.angle.sin_cos();
        let u = dx * c + dy * s;
        let v = -dx * s + dy * c;
        (u / self.major).powi(2) + (v / self.minor).powi(2) <= 1.0
    }
}

/// Green and industrial land plus the settlements of a scale.
#[derive(Debug, Clone, Default)]
pub struct LandUse {
    /// Hills, forest parks and reservoirs: nobody lives there.
    pub green: Vec<Disc>,
    /// Industrial parks: only dormitories.
    pub industrial: Vec<Ellipse>,
    /// Settlements, in creation order.
    pub settlements: Vec<Settlement>,
    index: Option<LandIndex>,
}

#[derive(Debug, Clone)]
struct LandIndex {
    green: Buckets,
    industrial: Buckets,
    settlements: Buckets,
}

/// How far around its centre a settlement is looked for, in radii.
pub const SETTLEMENT_REACH: f64 = 3.0;

impl LandUse {
    /// Builds the lookup grids; call once all land is placed.
    pub fn prepare(&mut self, bounds: Rect) {
        let mut green = Buckets::new(bounds, 500.0);
        for (i, d) in self.green.iter().enumerate() {
            green.insert(i as u32, d.centre, d.radius);
        }
        let mut industrial = Buckets::new(bounds, 500.0);
        for (i, e) in self.industrial.iter().enumerate() {
            industrial.insert(i as u32, e.centre, e.major);
        }
        let mut settlements = Buckets::new(bounds, 500.0);
        for (i, s) in self.settlements.iter().enumerate() {
            settlements.insert(i as u32, s.centre, s.radius * SETTLEMENT_REACH);
        }
        self.index = Some(LandIndex {
            green,
            industrial,
            settlements,
        });
    }

    /// Whether the point is in green land.
    pub fn is_green(&self, p: Coord) -> bool {
        match &self.index {
            Some(ix) => ix
                .green
                .at(p)
                .iter()
                .any(|&i| self.green[i as usize].contains(p)),
            None => self.green.iter().any(|d| d.contains(p)),
        }
    }

    /// Whether the point is in industrial land.
    pub fn is_industrial(&self, p: Coord) -> bool {
        match &self.index {
            Some(ix) => ix
                .industrial
                .at(p)
                .iter()
                .any(|&i| self.industrial[i as usize].contains(p)),
            None => self.industrial.iter().any(|e| e.contains(p)),
        }
    }

    /// Settlements whose reach ([`SETTLEMENT_REACH`] radii) may include the point.
    pub fn settlements_near(&self, p: Coord) -> Vec<&Settlement> {
        match &self.index {
            Some(ix) => ix
                .settlements
                .at(p)
                .iter()
                .map(|&i| &self.settlements[i as usize])
                .collect(),
            None => self.settlements.iter().collect(),
        }
    }
}

/// Relative density of residents at `p` from the given settlements (a sum of Gaussian bumps).
pub fn settlement_density<'a>(
    settlements: impl IntoIterator<Item = &'a Settlement>,
    p: Coord,
) -> f64 {
    settlements
        .into_iter()
        .map(|s| {
            let d2 = (p.x - s.centre.x).powi(2) + (p.y - s.centre.y).powi(2);
            let r2 = (s.radius * 1.5).powi(2);
            if d2 > 9.0 * r2 {
                0.0
            } else {
                s.size * (-d2 / (2.0 * r2)).exp() / r2
            }
        })
        .sum()
}

/// Distance from `p` to the nearest of the given boundary edges, metres.
pub fn distance_to_edges(edges: &[(Coord, Coord)], p: Coord) -> f64 {
    edges
        .iter()
        .map(|(a, b)| {
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            ((a.x + t * dx - p.x).powi(2) + (a.y + t * dy - p.y).powi(2)).sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Places green discs: most near the boundary, a few inland parks. `samples` are lattice
/// points inside the territory; `edges` its boundary.
pub fn place_green(
    samples: &[Coord],
    edges: &[(Coord, Coord)],
    area_km2: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<Disc> {
    let mut green = Vec::new();
    if samples.is_empty() {
        return green;
    }
    let edge_hills = (area_km2 / 14.0).round().max(1.0) as usize;
    let parks = (area_km2 / 30.0).round().max(1.0) as usize;
    let mut attempts = 0;
    while green.len() < edge_hills && attempts < edge_hills * 200 {
        attempts += 1;
        let p = samples[rng.random_range(0..samples.len())];
        let d = distance_to_edges(edges, p);
        if d > 1500.0 {
            continue;
        }
        green.push(Disc {
            centre: p,
            radius: rng.random_range(600.0..1500.0),
        });
    }
    let mut placed = 0;
    attempts = 0;
    while placed < parks && attempts < parks * 200 {
        attempts += 1;
        let p = samples[rng.random_range(0..samples.len())];
        if distance_to_edges(edges, p) < 2500.0 {
            continue;
        }
        green.push(Disc {
            centre: p,
            radius: rng.random_range(300.0..650.0),
        });
        placed += 1;
    }
    green
}

/// Settlements and industrial land of one community. `samples` are the lattice points inside
/// the community; `seed` is where its namesake village stands.
pub fn place_community_settlements(
    community: usize,
    seed: Coord,
    samples: &[Coord],
    sample_spacing: f64,
    green: &[Disc],
    rng: &mut ChaCha8Rng,
) -> (Vec<Settlement>, Vec<Ellipse>) {
    let mut settlements = Vec::new();
    let mut industrial = Vec::new();
    let usable: Vec<Coord> = samples
        .iter()
        .copied()
        .filter(|p| !green.iter().any(|g| g.contains(*p)))
        .collect();
    if usable.is_empty() {
        return (settlements, industrial);
    }
    let nearest_usable = |target: Coord| -> Coord {
        let mut best = usable[0];
        let mut best_d = f64::INFINITY;
        for p in &usable {
            let d = (p.x - target.x).powi(2) + (p.y - target.y).powi(2);
            if d < best_d {
                best_d = d;
                best = *p;
            }
        }
        best
    };
    let area_km2 = samples.len() as f64 * sample_spacing * sample_spacing / 1e6;
    // The namesake village, old and big.
    settlements.push(Settlement {
        kind: SettlementKind::Village,
        centre: nearest_usable(seed),
        radius: rng.random_range(220.0..380.0),
        angle: rng.random_range(0.0..std::f64::consts::PI),
        age: rng.random_range(0.75..1.0),
        size: rng.random_range(1.4..2.2),
        community,
    });
    let pick = |rng: &mut ChaCha8Rng| usable[rng.random_range(0..usable.len())];
    let more_villages = 1 + (area_km2 / 2.5).round() as usize + rng.random_range(0..2usize);
    for _ in 0..more_villages {
        settlements.push(Settlement {
            kind: SettlementKind::Village,
            centre: pick(rng),
            radius: rng.random_range(150.0..300.0),
            angle: rng.random_range(0.0..std::f64::consts::PI),
            age: rng.random_range(0.2..0.9),
            size: rng.random_range(0.5..1.3),
            community,
        });
    }
    let estates = 1 + rng.random_range(0..2usize);
    for _ in 0..estates {
        settlements.push(Settlement {
            kind: SettlementKind::Estate,
            centre: pick(rng),
            radius: rng.random_range(130.0..260.0),
            angle: rng.random_range(0.0..std::f64::consts::PI),
            age: rng.random_range(0.0..0.4),
            size: rng.random_range(0.6..1.4),
            community,
        });
    }
    let parks = 1 + (area_km2 / 4.0).round() as usize;
    for _ in 0..parks {
        // Industrial land keeps away from the old village core.
        let mut centre = pick(rng);
        for _ in 0..20 {
            if (centre.x - seed.x).hypot(centre.y - seed.y) > 900.0 {
                break;
            }
            centre = pick(rng);
        }
        let park = Ellipse {
            centre,
            major: rng.random_range(450.0..900.0),
            minor: rng.random_range(250.0..450.0),
            angle: rng.random_range(0.0..std::f64::consts::PI),
        };
        industrial.push(park);
        settlements.push(Settlement {
            kind: SettlementKind::Dormitory,
            centre: Coord {
                x: centre.x + rng.random_range(-150.0..150.0),
                y: centre.y + rng.random_range(-150.0..150.0),
            },
            radius: rng.random_range(120.0..220.0),
            angle: park.angle,
            age: rng.random_range(0.2..0.7),
            size: rng.random_range(0.6..1.4),
            community,
        });
    }
    (settlements, industrial)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipse_contains_its_centre_but_not_a_far_point() {
        let e = Ellipse {
            centre: Coord { x: 0.0, y: 0.0 },
            major: 100.0,
            minor: 50.0,
            angle: 0.0,
        };
        assert!(e.contains(Coord { x: 90.0, y: 0.0 }));
        assert!(!e.contains(Coord { x: 0.0, y: 90.0 }));
    }
}

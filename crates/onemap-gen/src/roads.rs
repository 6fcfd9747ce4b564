//! A synthetic, connected road network.
//!
//! Roads follow a gently warped square lattice of 150 m, as Shenzhen's planned towns do:
//! every 12th lattice line is an arterial (大道, every 1.8 km), every 4th a secondary road (路,
//! 600 m), and the lines in between are local lanes (巷) where people live or work. Arterials
//! cross hills; the rest stop at green land. Only the largest connected part is kept, and edges
//! are joined into one LineString per stretch between junctions.

use std::collections::BTreeMap;

use geo::{BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Rect};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::admin::Territory;
use crate::landuse::LandUse;
use crate::locate::SubgridLocator;
use crate::names;
use crate::plane;

/// Lattice spacing, metres.
pub const LATTICE_SPACING: f64 = 150.0;
const ARTERIAL_EVERY: i64 = 12;
const SECONDARY_EVERY: i64 = 4;

/// Road class of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RoadClass {
    /// 主干道.
    Arterial,
    /// 次干道.
    Secondary,
    /// 支路 / 巷.
    Local,
}

impl RoadClass {
    /// The schema's `class` value.
    pub fn as_str(self) -> &'static str {
        match self {
            RoadClass::Arterial => "arterial",
            RoadClass::Secondary => "secondary",
            RoadClass::Local => "local",
        }
    }
}

/// One road segment between junctions.
#[derive(Debug, Clone)]
pub struct Road {
    /// Road name (shared by the segments of one road).
    pub name: String,
    /// Class.
    pub class: RoadClass,
    /// Vertices in metres.
    pub plane: Vec<Coord>,
    /// Vertices as written.
    pub lonlat: LineString,
    /// Length, metres.
    pub length_m: f64,
}

/// A junction where roads of different names meet.
#[derive(Debug, Clone)]
pub struct Junction {
    /// Position, metres.
    pub at: Coord,
    /// Names of the roads meeting there, sorted, distinct.
    pub roads: Vec<String>,
    /// Best class among them.
    pub class: RoadClass,
}

/// The network.
#[derive(Debug, Clone, Default)]
pub struct RoadNetwork {
    /// Segments, in a stable order.
    pub roads: Vec<Road>,
    /// Junctions of two or more named roads.
    pub junctions: Vec<Junction>,
    /// Points where an arterial leaves the territory (checkpoints).
    pub exits: Vec<(Coord, String)>,
}

struct Warp {
    terms: Vec<(f64, f64, f64, f64, f64)>,
}

impl Warp {
    fn new(rng: &mut ChaCha8Rng) -> Self {
        let terms = (0..4)
            .map(|_| {
                let wavelength = rng.random_range(1800.0..5000.0);
                let direction: f64 = rng.random_range(0.0..std::f64::consts::TAU);
                (
                    direction.cos() * std::f64::consts::TAU / wavelength,
                    direction.sin() * std::f64::consts::TAU / wavelength,
                    rng.random_range(0.0..std::f64::consts::TAU),
                    rng.random_range(15.0..35.0),
                    rng.random_range(15.0..35.0),
                )
            })
            .collect();
        Warp { terms }
    }

    fn apply(&self, p: Coord) -> Coord {
        let mut out = p;
        for (kx, ky, phase, ax, ay) in &self.terms {
            let s = (kx * p.x + ky * p.y + phase).sin();
            out.x += ax * s;
            out.y += ay * s;
        }
        out
    }
}

fn class_of_line(index: i64) -> RoadClass {
    if index.rem_euclid(ARTERIAL_EVERY) == 0 {
        RoadClass::Arterial
    } else if index.rem_euclid(SECONDARY_EVERY) == 0 {
        RoadClass::Secondary
    } else {
        RoadClass::Local
    }
}

struct Outlines {
    parts: Vec<(Rect, MultiPolygon)>,
}

impl Outlines {
    fn index_of(&self, p: Coord) -> Option<usize> {
        self.parts.iter().position(|(r, mp)| {
            p.x >= r.min().x
                && p.x <= r.max().x
                && p.y >= r.min().y
                && p.y <= r.max().y
                && mp.contains(&Point(p))
        })
    }
}

/// Edge of the lattice: nodes, class, naming key.
struct Edge {
    a: usize,
    b: usize,
    class: RoadClass,
    key: (u8, i64, usize),
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Builds the road network over the territory.
pub fn build(
    territory: &Territory,
    land: &LandUse,
    locator: &SubgridLocator,
    rng: &mut ChaCha8Rng,
) -> RoadNetwork {
    let outlines = Outlines {
        parts: territory
            .districts
            .iter()
            .filter_map(|d| Some((d.plane.bounding_rect()?, d.plane.clone())))
            .collect(),
    };
    let Some(bounds) = outlines.parts.iter().map(|(r, _)| *r).reduce(|a, b| {
        Rect::new(
            Coord {
                x: a.min().x.min(b.min().x),
                y: a.min().y.min(b.min().y),
            },
            Coord {
                x: a.max().x.max(b.max().x),
                y: a.max().y.max(b.max().y),
            },
        )
    }) else {
        return RoadNetwork::default();
    };
    let angle: f64 = rng.random_range(0.12..0.28);
    let (sin, cos) = angle.sin_cos();
    let warp = Warp::new(rng);
    let centre = bounds.center();
    let half = (bounds.width().max(bounds.height()) * 0.75 / LATTICE_SPACING).ceil() as i64;
    // Nodes inside the territory, keyed by lattice index.
    let mut nodes: Vec<Coord> = Vec::new();
    let mut node_district: Vec<usize> = Vec::new();
    let mut node_at: BTreeMap<(i64, i64), usize> = BTreeMap::new();
    for j in -half..=half {
        for i in -half..=half {
            let (u, v) = (i as f64 * LATTICE_SPACING, j as f64 * LATTICE_SPACING);
            let base = Coord {
                x: centre.x + u * cos - v * sin,
                y: centre.y + u * sin + v * cos,
            };
            if base.x < bounds.min().x - 200.0
                || base.x > bounds.max().x + 200.0
                || base.y < bounds.min().y - 200.0
                || base.y > bounds.max().y + 200.0
            {
                continue;
            }
            let p = warp.apply(base);
            if let Some(d) = outlines.index_of(p) {
                node_at.insert((i, j), nodes.len());
                nodes.push(p);
                node_district.push(d);
            }
        }
    }
    let community_of = |p: Coord| -> Option<usize> {
        locator
            .locate_plane(p)
            .map(|(s, _)| territory.subgrids[s].parent)
    };
    let lives_here = |p: Coord| -> bool {
        land.is_industrial(p)
            || land.settlements_near(p).iter().any(|s| {
                (s.centre.x - p.x).powi(2) + (s.centre.y - p.y).powi(2) < (s.radius * 1.7).powi(2)
            })
    };
    let mut edges: Vec<Edge> = Vec::new();
    for (&(i, j), &a) in &node_at {
        for (dir, (ni, nj), line) in [(0u8, (i + 1, j), j), (1u8, (i, j + 1), i)] {
            let Some(&b) = node_at.get(&(ni, nj)) else {
                continue;
            };
            let class = class_of_line(line);
            let mid = Coord {
                x: (nodes[a].x + nodes[b].x) / 2.0,
                y: (nodes[a].y + nodes[b].y) / 2.0,
            };
            let keep = match class {
                RoadClass::Arterial => true,
                RoadClass::Secondary => !land.is_green(mid),
                RoadClass::Local => !land.is_green(mid) && lives_here(mid),
            };
            if !keep {
                continue;
            }
            let area = match class {
                RoadClass::Local => community_of(mid)
                    .map(|c| c + 1_000_000)
                    .unwrap_or(usize::MAX),
                _ => node_district[a],
            };
            edges.push(Edge {
                a,
                b,
                class,
                key: (dir, line, area),
            });
        }
    }
    // Keep the largest connected part.
    let mut parent: Vec<usize> = (0..nodes.len()).collect();
    for e in &edges {
        let (ra, rb) = (find(&mut parent, e.a), find(&mut parent, e.b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for e in &edges {
        *sizes.entry(find(&mut parent, e.a)).or_default() += 1;
    }
    let Some(main) = sizes
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(r, _)| *r)
    else {
        return RoadNetwork::default();
    };
    edges.retain(|e| find(&mut parent, e.a) == main);
    // Names, in order of first appearance.
    let mut names_by_key: BTreeMap<(u8, i64, usize), String> = BTreeMap::new();
    let mut stem_counter = 0usize;
    let mut lanes_per_community: BTreeMap<usize, usize> = BTreeMap::new();
    for e in &edges {
        if names_by_key.contains_key(&e.key) {
            continue;
        }
        let name = match e.class {
            RoadClass::Arterial | RoadClass::Secondary => {
                stem_counter += 1;
                let suffix = if e.class == RoadClass::Arterial {
                    "大道"
                } else {
                    "路"
                };
                format!("{}{}", names::road_stem(stem_counter), suffix)
            }
            RoadClass::Local => {
                let community = e
                    .key
                    .2
                    .checked_sub(1_000_000)
                    .filter(|c| *c < territory.communities.len());
                match community {
                    Some(c) => {
                        let n = lanes_per_community.entry(c).or_default();
                        *n += 1;
                        // Village lanes are numbered by quarter, as in 东一巷 / 南三巷.
                        let quarter = ["东", "西", "南", "北", "中"][(*n - 1) % 5];
                        format!("{quarter}{}巷", names::chinese_ordinal((*n - 1) / 5 + 1))
                    }
                    None => {
                        stem_counter += 1;
                        format!("{}街", names::road_stem(stem_counter))
                    }
                }
            }
        };
        names_by_key.insert(e.key, name);
    }
    // Join edges through nodes where exactly one road continues under the same name.
    let mut incident: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (k, e) in edges.iter().enumerate() {
        incident[e.a].push(k);
        incident[e.b].push(k);
    }
    let name_of = |k: usize| &names_by_key[&edges[k].key];
    let passes_through = |node: usize| -> bool {
        let inc = &incident[node];
        inc.len() == 2 && name_of(inc[0]) == name_of(inc[1])
    };
    let mut used = vec![false; edges.len()];
    let mut roads = Vec::new();
    for start in 0..edges.len() {
        if used[start] {
            continue;
        }
        // Walk back to a junction, then forward collecting the chain.
        let mut edge = start;
        let mut node = edges[start].a;
        let mut steps = 0;
        while passes_through(node) && steps < edges.len() {
            let inc = &incident[node];
            let next = if inc[0] == edge { inc[1] } else { inc[0] };
            if next == start {
                break;
            }
            node = if edges[next].a == node {
                edges[next].b
            } else {
                edges[next].a
            };
            edge = next;
            steps += 1;
        }
        // `node` is the far end of `edge`; start the chain there.
        let mut chain_nodes = vec![node];
        let mut current = edge;
        let mut at = node;
        loop {
            used[current] = true;
            at = if edges[current].a == at {
                edges[current].b
            } else {
                edges[current].a
            };
            chain_nodes.push(at);
            if !passes_through(at) {
                break;
            }
            let inc = &incident[at];
            let next = if inc[0] == current { inc[1] } else { inc[0] };
            if used[next] {
                break;
            }
            current = next;
        }
        let plane_line: Vec<Coord> = chain_nodes.iter().map(|&n| nodes[n]).collect();
        let length_m = plane_line
            .windows(2)
            .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
            .sum();
        roads.push(Road {
            name: name_of(edge).clone(),
            class: edges[edge].class,
            lonlat: LineString::new(plane_line.iter().map(|c| plane::to_lonlat(*c)).collect()),
            plane: plane_line,
            length_m,
        });
    }
    // Junctions of distinct names; exits where an arterial ends at the territory's edge.
    let mut junctions = Vec::new();
    let mut exits = Vec::new();
    for (node, inc) in incident.iter().enumerate() {
        if inc.is_empty() {
            continue;
        }
        let mut road_names: Vec<String> = inc.iter().map(|&k| name_of(k).clone()).collect();
        road_names.sort();
        road_names.dedup();
        let class = inc
            .iter()
            .map(|&k| edges[k].class)
            .min()
            .unwrap_or(RoadClass::Local);
        if road_names.len() >= 2 {
            junctions.push(Junction {
                at: nodes[node],
                roads: road_names,
                class,
            });
        } else if inc.len() == 1 && class == RoadClass::Arterial {
            exits.push((nodes[node], road_names[0].clone()));
        }
    }
    RoadNetwork {
        roads,
        junctions,
        exits,
    }
}

//! Walking distance along a road network, side by side with the straight-line circle.
//!
//! A [`RoadNetwork`] is built from any set of polylines (a GeoJSON layer of LineStrings or
//! MultiLineStrings): it is *noded* where lines share a vertex and where they cross or touch
//! without one (a pedestrian can turn at every junction of simple data; bridges drawn without
//! levels are joined too), and every stretch between two nodes becomes an edge with its length.
//! A building or station reaches the network at the nearest point of the nearest edge, along a
//! straight access leg that counts towards the distance. The walking distance from the stations
//! is a multi-source Dijkstra seeded at both ends of each station's edge, cut off at the radius;
//! a building's distance is its access leg plus the better way in from either end of its edge,
//! or straight along the edge from a station on the same edge.
//!
//! So a building is "covered on foot" when a station offering the service lies within the
//! radius along the roads, which is never easier than the circle (walking is at least the
//! straight line) and often much harder where roads detour.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde::Serialize;

use crate::atlas::Atlas;
use crate::dataset::{AdminLevel, DatasetError};
use crate::geom::point_segment;
use crate::projection::TransverseMercator;

/// Where a point meets the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The edge.
    pub edge: u32,
    /// Position along it, 0 at its first node, 1 at its second.
    pub t: f64,
    /// Length of the straight access leg, metres.
    pub access: f64,
}

/// A noded road network in the Atlas plane. See the module documentation.
#[derive(Debug, Clone)]
pub struct RoadNetwork {
    nodes: Vec<[f64; 2]>,
    /// (first node, second node, length).
    edges: Vec<(u32, u32, f64)>,
    /// CSR adjacency: `adj[adj_start[n]..adj_start[n + 1]]` are (neighbour, length).
    adj_start: Vec<u32>,
    adj: Vec<(u32, f64)>,
    /// Uniform grid over edge bounding boxes.
    grid: EdgeGrid,
}

#[derive(Debug, Clone)]
struct EdgeGrid {
    ox: f64,
    oy: f64,
    cell: f64,
    nx: usize,
    ny: usize,
    start: Vec<u32>,
    items: Vec<u32>,
}

/// Parameters (s on a–b, u on c–d) where two segments meet, if they do (collinear overlaps
/// give their overlap's end points).
fn segment_hits(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> Vec<(f64, f64)> {
    let r = [b[0] - a[0], b[1] - a[1]];
    let s = [d[0] - c[0], d[1] - c[1]];
    let cross = |u: [f64; 2], v: [f64; 2]| u[0] * v[1] - u[1] * v[0];
    let qp = [c[0] - a[0], c[1] - a[1]];
    let denom = cross(r, s);
    let scale = (r[0].abs() + r[1].abs() + s[0].abs() + s[1].abs()).max(1e-12);
    const EPS: f64 = 1e-9;
    if denom.abs() > EPS * scale * scale {
        let t = cross(qp, s) / denom;
        let u = cross(qp, r) / denom;
        if (-EPS..=1.0 + EPS).contains(&t) && (-EPS..=1.0 + EPS).contains(&u) {
            return vec![(t.clamp(0.0, 1.0), u.clamp(0.0, 1.0))];
        }
        return Vec::new();
    }
    // Parallel: touching or overlapping only when collinear.
    if cross(qp, r).abs() > 1e-6 * scale {
        return Vec::new();
    }
    let rr = r[0] * r[0] + r[1] * r[1];
    let ss = s[0] * s[0] + s[1] * s[1];
    let mut out = Vec::new();
    let on_ab = |p: [f64; 2]| {
        if rr == 0.0 {
            return None;
        }
        let t = ((p[0] - a[0]) * r[0] + (p[1] - a[1]) * r[1]) / rr;
        (-EPS..=1.0 + EPS).contains(&t).then_some(t.clamp(0.0, 1.0))
    };
    let on_cd = |p: [f64; 2]| {
        if ss == 0.0 {
            return None;
        }
        let u = ((p[0] - c[0]) * s[0] + (p[1] - c[1]) * s[1]) / ss;
        (-EPS..=1.0 + EPS).contains(&u).then_some(u.clamp(0.0, 1.0))
    };
    for (p, u) in [(c, 0.0), (d, 1.0)] {
        if let Some(t) = on_ab(p) {
            out.push((t, u));
        }
    }
    for (p, t) in [(a, 0.0), (b, 1.0)] {
        if let Some(u) = on_cd(p) {
            out.push((t, u));
        }
    }
    out
}

impl EdgeGrid {
    fn new(segments: &[([f64; 2], [f64; 2])], cell: f64) -> EdgeGrid {
        let mut min = [f64::INFINITY; 2];
        let mut max = [f64::NEG_INFINITY; 2];
        for (a, b) in segments {
            for p in [a, b] {
                for k in 0..2 {
                    min[k] = min[k].min(p[k]);
                    max[k] = max[k].max(p[k]);
                }
            }
        }
        if segments.is_empty() {
            min = [0.0; 2];
            max = [0.0; 2];
        }
        let mut cell = cell.max(1.0);
        let (nx, ny) = loop {
            let nx = ((max[0] - min[0]) / cell).floor() as usize + 1;
            let ny = ((max[1] - min[1]) / cell).floor() as usize + 1;
            if nx.saturating_mul(ny) <= 4 * segments.len() + 64 {
                break (nx, ny);
            }
            cell *= 1.5;
        };
        let mut g = EdgeGrid {
            ox: min[0],
            oy: min[1],
            cell,
            nx,
            ny,
            start: vec![0; nx * ny + 1],
            items: Vec::new(),
        };
        let mut cells: Vec<(usize, u32)> = Vec::new();
        for (i, (a, b)) in segments.iter().enumerate() {
            let (i0, j0) = g.cell_of([a[0].min(b[0]), a[1].min(b[1])]);
            let (i1, j1) = g.cell_of([a[0].max(b[0]), a[1].max(b[1])]);
            for j in j0..=j1 {
                for ii in i0..=i1 {
                    cells.push((j * nx + ii, i as u32));
                }
            }
        }
        cells.sort_unstable();
        for &(c, _) in &cells {
            g.start[c + 1] += 1;
        }
        for c in 0..nx * ny {
            g.start[c + 1] += g.start[c];
        }
        g.items = cells.into_iter().map(|(_, i)| i).collect();
        g
    }

    fn cell_of(&self, p: [f64; 2]) -> (usize, usize) {
        let f = |v: f64, o: f64, n: usize| {
            let c = ((v - o) / self.cell).floor();
            if c.is_nan() || c < 0.0 {
                0
            } else {
                (c as usize).min(n - 1)
            }
        };
        (f(p[0], self.ox, self.nx), f(p[1], self.oy, self.ny))
    }

    /// Calls `f(item)` for items in cells meeting the box (items may repeat).
    fn for_each_in(&self, min: [f64; 2], max: [f64; 2], mut f: impl FnMut(u32)) {
        let (i0, j0) = self.cell_of(min);
        let (i1, j1) = self.cell_of(max);
        for j in j0..=j1 {
            for i in i0..=i1 {
                let c = j * self.nx + i;
                for &it in &self.items[self.start[c] as usize..self.start[c + 1] as usize] {
                    f(it);
                }
            }
        }
    }
}

impl RoadNetwork {
    /// Builds the network from polylines in plane metres (see the module documentation for
    /// the noding).
    ///
    /// ```
    /// use onemap_geo::walking::RoadNetwork;
    /// // Two roads crossing at (0, 0) without a shared vertex: noded into 4 edges.
    /// let net = RoadNetwork::from_lines(&[vec![[-100.0, 0.0], [100.0, 0.0]],
    ///                                     vec![[0.0, -100.0], [0.0, 100.0]]]);
    /// assert_eq!((net.node_count(), net.edge_count()), (5, 4));
    /// ```
    #[must_use]
    pub fn from_lines(lines: &[Vec<[f64; 2]>]) -> RoadNetwork {
        let mut segs: Vec<([f64; 2], [f64; 2])> = Vec::new();
        for l in lines {
            for w in l.windows(2) {
                if w[0] != w[1] && w[0].iter().chain(&w[1]).all(|v| v.is_finite()) {
                    segs.push((w[0], w[1]));
                }
            }
        }
        // Split parameters per segment: its ends, and wherever another segment meets it.
        let avg = if segs.is_empty() {
            1.0
        } else {
            segs.iter()
                .map(|(a, b)| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt())
                .sum::<f64>()
                / segs.len() as f64
        };
        let grid = EdgeGrid::new(&segs, avg.max(10.0));
        let mut cuts: Vec<Vec<f64>> = vec![vec![0.0, 1.0]; segs.len()];
        for (i, &(a, b)) in segs.iter().enumerate() {
            let min = [a[0].min(b[0]), a[1].min(b[1])];
            let max = [a[0].max(b[0]), a[1].max(b[1])];
            let mut seen: Vec<u32> = Vec::new();
            grid.for_each_in(min, max, |j| {
                if (j as usize) > i {
                    seen.push(j);
                }
            });
            seen.sort_unstable();
            seen.dedup();
            for j in seen {
                let (c, d) = segs[j as usize];
                for (t, u) in segment_hits(a, b, c, d) {
                    cuts[i].push(t);
                    cuts[j as usize].push(u);
                }
            }
        }
        // Nodes by position (to 1 cm), edges between consecutive cuts.
        let mut node_of: HashMap<(i64, i64), u32> = HashMap::new();
        let mut nodes: Vec<[f64; 2]> = Vec::new();
        let mut node = |p: [f64; 2]| {
            let key = ((p[0] * 100.0).round() as i64, (p[1] * 100.0).round() as i64);
            *node_of.entry(key).or_insert_with(|| {
                nodes.push(p);
                (nodes.len() - 1) as u32
            })
        };
        let mut edge_map: HashMap<(u32, u32), f64> = HashMap::new();
        for (i, &(a, b)) in segs.iter().enumerate() {
            let ts = &mut cuts[i];
            ts.sort_by(f64::total_cmp);
            ts.dedup_by(|x, y| (*x - *y).abs() < 1e-12);
            let at = |t: f64| [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
            for w in ts.windows(2) {
                let (p, q) = (at(w[0]), at(w[1]));
                let (u, v) = (node(p), node(q));
                if u == v {
                    continue;
                }
                let len = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
                let key = (u.min(v), u.max(v));
                let e = edge_map.entry(key).or_insert(len);
                *e = e.min(len);
            }
        }
        let mut edges: Vec<(u32, u32, f64)> =
            edge_map.into_iter().map(|((u, v), l)| (u, v, l)).collect();
        edges.sort_by_key(|e| (e.0, e.1));
        let mut adj_start = vec![0u32; nodes.len() + 1];
        for &(u, v, _) in &edges {
            adj_start[u as usize + 1] += 1;
            adj_start[v as usize + 1] += 1;
        }
        for n in 0..nodes.len() {
            adj_start[n + 1] += adj_start[n];
        }
        let mut fill = adj_start.clone();
        let mut adj = vec![(0u32, 0.0f64); edges.len() * 2];
        for &(u, v, l) in &edges {
            adj[fill[u as usize] as usize] = (v, l);
            fill[u as usize] += 1;
            adj[fill[v as usize] as usize] = (u, l);
            fill[v as usize] += 1;
        }
        let edge_segs: Vec<([f64; 2], [f64; 2])> = edges
            .iter()
            .map(|&(u, v, _)| (nodes[u as usize], nodes[v as usize]))
            .collect();
        let grid = EdgeGrid::new(&edge_segs, 100.0);
        RoadNetwork {
            nodes,
            edges,
            adj_start,
            adj,
            grid,
        }
    }

    /// Builds the network from a GeoJSON FeatureCollection of LineString / MultiLineString
    /// features (WGS84; other geometries are skipped), projected into `plane`.
    ///
    /// ```
    /// use onemap_geo::{projection::TransverseMercator, walking::RoadNetwork};
    /// let fc = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
    ///   "geometry":{"type":"LineString","coordinates":[[113.90,22.70],[113.91,22.70]]}}]}"#;
    /// let net = RoadNetwork::from_geojson(fc, &TransverseMercator::LOCAL).unwrap();
    /// assert_eq!(net.edge_count(), 1);
    /// assert!((net.length_m() - 1027.0).abs() < 2.0);
    /// ```
    ///
    /// # Errors
    /// [`DatasetError::Parse`] when the text is not a FeatureCollection.
    pub fn from_geojson(
        text: &str,
        plane: &TransverseMercator,
    ) -> Result<RoadNetwork, DatasetError> {
        let bad = |m: String| DatasetError::Parse {
            layer: "roads",
            message: m,
        };
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let features = v
            .get("features")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| bad("not a FeatureCollection".into()))?;
        let line = |coords: &serde_json::Value| -> Vec<[f64; 2]> {
            coords
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|p| {
                            let (lon, lat) = (p.get(0)?.as_f64()?, p.get(1)?.as_f64()?);
                            let (x, y) = plane.forward(lon, lat);
                            Some([x, y])
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut lines = Vec::new();
        for f in features {
            let Some(g) = f.get("geometry") else {
                continue;
            };
            match g.get("type").and_then(serde_json::Value::as_str) {
                Some("LineString") => lines.push(line(&g["coordinates"])),
                Some("MultiLineString") => {
                    for l in g["coordinates"].as_array().into_iter().flatten() {
                        lines.push(line(l));
                    }
                }
                _ => {}
            }
        }
        Ok(RoadNetwork::from_lines(&lines))
    }

    /// Number of nodes.
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of edges.
    #[must_use]
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Total length of the edges, metres.
    #[must_use]
    pub fn length_m(&self) -> f64 {
        self.edges.iter().map(|e| e.2).sum()
    }

    /// The nearest point of the network to `p`, if an edge lies within `max_access` metres.
    /// Equal distances go to the lowest edge.
    ///
    /// ```
    /// use onemap_geo::walking::RoadNetwork;
    /// let net = RoadNetwork::from_lines(&[vec![[0.0, 0.0], [100.0, 0.0]]]);
    /// let s = net.snap([25.0, 7.0], 50.0).unwrap();
    /// assert_eq!((s.t, s.access), (0.25, 7.0));
    /// assert!(net.snap([25.0, 70.0], 50.0).is_none());
    /// ```
    #[must_use]
    pub fn snap(&self, p: [f64; 2], max_access: f64) -> Option<Snap> {
        if self.edges.is_empty() {
            return None;
        }
        let mut best: Option<Snap> = None;
        self.grid.for_each_in(
            [p[0] - max_access, p[1] - max_access],
            [p[0] + max_access, p[1] + max_access],
            |e| {
                let (u, v, _) = self.edges[e as usize];
                let (d, t) = point_segment(p, self.nodes[u as usize], self.nodes[v as usize]);
                if d <= max_access
                    && best.is_none_or(|b| d < b.access || (d == b.access && e < b.edge))
                {
                    best = Some(Snap {
                        edge: e,
                        t,
                        access: d,
                    });
                }
            },
        );
        best
    }

    /// Walking distance from the nearest of `sources` to each of `targets` (points in the
    /// plane), or `None` beyond `cutoff` metres (or off the network).
    ///
    /// ```
    /// use onemap_geo::walking::RoadNetwork;
    /// // An L: (0,0) → (400,0) → (400,300).
    /// let net = RoadNetwork::from_lines(&[vec![[0.0, 0.0], [400.0, 0.0], [400.0, 300.0]]]);
    /// // 10 m to the road, 400 + 150 m along it, 10 m to the door.
    /// let d = net.distances(&[[0.0, 10.0]], &[[390.0, 150.0]], 1000.0);
    /// assert!((d[0].unwrap() - 570.0).abs() < 1e-9);
    /// // The straight line is only 414 m, but on foot it is beyond 500 m.
    /// assert_eq!(net.distances(&[[0.0, 10.0]], &[[390.0, 150.0]], 500.0), vec![None]);
    /// ```
    #[must_use]
    pub fn distances(
        &self,
        sources: &[[f64; 2]],
        targets: &[[f64; 2]],
        cutoff: f64,
    ) -> Vec<Option<f64>> {
        let snaps: Vec<Option<Snap>> = targets.iter().map(|&p| self.snap(p, cutoff)).collect();
        self.distances_snapped(sources, &snaps, cutoff)
    }

    /// [`RoadNetwork::distances`] for targets already snapped (with the same cutoff as their
    /// largest access leg).
    #[must_use]
    pub fn distances_snapped(
        &self,
        sources: &[[f64; 2]],
        targets: &[Option<Snap>],
        cutoff: f64,
    ) -> Vec<Option<f64>> {
        let mut dist = vec![f64::INFINITY; self.nodes.len()];
        let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
        let mut on_edge: HashMap<u32, Vec<(f64, f64)>> = HashMap::new();
        let relax =
            |dist: &mut Vec<f64>, heap: &mut BinaryHeap<Reverse<(u64, u32)>>, n: u32, d: f64| {
                if d <= cutoff && d < dist[n as usize] {
                    dist[n as usize] = d;
                    heap.push(Reverse((d.to_bits(), n)));
                }
            };
        for &p in sources {
            let Some(s) = self.snap(p, cutoff) else {
                continue;
            };
            let (u, v, len) = self.edges[s.edge as usize];
            relax(&mut dist, &mut heap, u, s.access + s.t * len);
            relax(&mut dist, &mut heap, v, s.access + (1.0 - s.t) * len);
            on_edge.entry(s.edge).or_default().push((s.t, s.access));
        }
        // Non-negative f64 bit patterns order like the numbers.
        while let Some(Reverse((bits, n))) = heap.pop() {
            let d = f64::from_bits(bits);
            if d > dist[n as usize] {
                continue;
            }
            let (a, b) = (
                self.adj_start[n as usize] as usize,
                self.adj_start[n as usize + 1] as usize,
            );
            for &(m, l) in &self.adj[a..b] {
                relax(&mut dist, &mut heap, m, d + l);
            }
        }
        targets
            .iter()
            .map(|s| {
                let s = (*s)?;
                let (u, v, len) = self.edges[s.edge as usize];
                let mut best = (dist[u as usize] + s.t * len)
                    .min(dist[v as usize] + (1.0 - s.t) * len)
                    + s.access;
                if let Some(list) = on_edge.get(&s.edge) {
                    for &(t, access) in list {
                        best = best.min(access + (t - s.t).abs() * len + s.access);
                    }
                }
                (best <= cutoff).then_some(best)
            })
            .collect()
    }
}

/// One unit's coverage by circle and on foot, for one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkingRow {
    /// Level.
    pub level: AdminLevel,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Buildings located in the unit.
    pub buildings: u64,
    /// Their residents.
    pub residents: u64,
    /// Buildings within the radius in a straight line.
    pub circle_buildings: u64,
    /// Their residents.
    pub circle_residents: u64,
    /// Buildings within the radius on foot.
    pub walking_buildings: u64,
    /// Their residents.
    pub walking_residents: u64,
}

impl WalkingRow {
    /// Residents inside the circle but beyond the radius on foot.
    #[must_use]
    pub fn residents_lost_on_foot(&self) -> u64 {
        self.circle_residents.saturating_sub(self.walking_residents)
    }
}

/// The buildings of an Atlas snapped to a road network once, for repeated comparisons.
#[derive(Debug, Clone)]
pub struct Walking {
    network: RoadNetwork,
    snaps: Vec<Option<Snap>>,
    radius: f64,
}

impl Walking {
    /// Snaps every building of `atlas` to `network` (access legs up to `radius_m`).
    #[must_use]
    pub fn new(atlas: &Atlas, network: RoadNetwork, radius_m: f64) -> Walking {
        let snaps = crate::parallel::map_indexed(&atlas.building_index, |p| {
            network.snap(p, radius_m).map(PackedSnap::from)
        })
        .into_iter()
        .map(|s| s.map(Snap::from))
        .collect();
        Walking {
            network,
            snaps,
            radius: radius_m,
        }
    }

    /// The network.
    #[must_use]
    pub fn network(&self) -> &RoadNetwork {
        &self.network
    }

    /// Walking distance to each building (Atlas order) from the nearest of `stations` (plane
    /// points), `None` beyond the radius.
    #[must_use]
    pub fn distances(&self, stations: &[[f64; 2]]) -> Vec<Option<f64>> {
        self.network
            .distances_snapped(stations, &self.snaps, self.radius)
    }

    /// Per unit of `level`: buildings and residents within the radius by circle and on foot,
    /// for stations at `stations` (plane points).
    #[must_use]
    pub fn compare(
        &self,
        atlas: &Atlas,
        stations: &[[f64; 2]],
        level: AdminLevel,
    ) -> Vec<WalkingRow> {
        self.compare_levels(atlas, stations, &[level])
            .pop()
            .unwrap_or_default()
    }

    /// [`Walking::compare`] for several levels at once: the walk over the network and the
    /// circles are computed once and tallied per level (one row list per entry of `levels`).
    #[must_use]
    pub fn compare_levels(
        &self,
        atlas: &Atlas,
        stations: &[[f64; 2]],
        levels: &[AdminLevel],
    ) -> Vec<Vec<WalkingRow>> {
        let walk = self.distances(stations);
        let circle = crate::coverage::covered_mask(&atlas.building_index, stations, self.radius);
        levels
            .iter()
            .map(|&level| {
                let mut rows: Vec<WalkingRow> = atlas
                    .units(level)
                    .iter()
                    .map(|u| WalkingRow {
                        level,
                        code: u.code.clone(),
                        name: u.name.clone(),
                        buildings: 0,
                        residents: 0,
                        circle_buildings: 0,
                        circle_residents: 0,
                        walking_buildings: 0,
                        walking_residents: 0,
                    })
                    .collect();
                for (b, bl) in atlas.buildings.iter().enumerate() {
                    let s = atlas.building_subgrid[b];
                    if s == u32::MAX {
                        continue;
                    }
                    let row = &mut rows[atlas.unit_of_subgrid(s as usize, level)];
                    let r = u64::from(bl.residents);
                    row.buildings += 1;
                    row.residents += r;
                    if circle[b] {
                        row.circle_buildings += 1;
                        row.circle_residents += r;
                    }
                    if walk[b].is_some() {
                        row.walking_buildings += 1;
                        row.walking_residents += r;
                    }
                }
                rows
            })
            .collect()
    }
}

/// A [`Snap`] small enough for `map_indexed` (Copy + Default).
#[derive(Debug, Clone, Copy, Default)]
struct PackedSnap {
    edge: u32,
    t: f64,
    access: f64,
}

impl From<Snap> for PackedSnap {
    fn from(s: Snap) -> Self {
        PackedSnap {
            edge: s.edge,
            t: s.t,
            access: s.access,
        }
    }
}

impl From<PackedSnap> for Snap {
    fn from(s: PackedSnap) -> Self {
        Snap {
            edge: s.edge,
            t: s.t,
            access: s.access,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn crossing_roads_are_noded_and_walked_through_the_crossing() {
        let net = RoadNetwork::from_lines(&[
            vec![[-500.0, 0.0], [500.0, 0.0]],
            vec![[0.0, -500.0], [0.0, 500.0]],
        ]);
        // Station 5 m off the east–west road at x = −300; building 5 m off the north–south road
        // at y = 300: 5 + 300 + 300 + 5.
        let d = net.distances(&[[-300.0, 5.0]], &[[5.0, 300.0]], 1000.0);
        assert!(
            (d[0].expect("as the test sets up") - 610.0).abs() < 1e-9,
            "{d:?}"
        );
    }

    #[test]
    fn a_t_junction_without_a_shared_vertex_is_noded() {
        // The second road ends on the middle of the first.
        let net = RoadNetwork::from_lines(&[
            vec![[0.0, 0.0], [200.0, 0.0]],
            vec![[100.0, 0.0], [100.0, 100.0]],
        ]);
        assert_eq!((net.node_count(), net.edge_count()), (4, 3));
        let d = net.distances(&[[0.0, 0.0]], &[[100.0, 100.0]], 500.0);
        assert!((d[0].expect("as the test sets up") - 200.0).abs() < 1e-9);
    }

    #[test]
    fn by_hand_on_a_small_grid_with_a_detour() {
        // A square block 300 m × 300 m with its south side missing between x = 100 and 200:
        //   (0,300)──(300,300)
        //     │          │
        //   (0,0)─(100,0)  (200,0)─(300,0)
        let net = RoadNetwork::from_lines(&[
            vec![[0.0, 0.0], [100.0, 0.0]],
            vec![[200.0, 0.0], [300.0, 0.0]],
            vec![[0.0, 0.0], [0.0, 300.0], [300.0, 300.0], [300.0, 0.0]],
        ]);
        // Station on the stub at (90, 0); building at (210, −4), 120 m away in a straight line.
        // On foot: 90 back to (0,0), 300 up, 300 across, 300 down, 90 along the stub, 4 access.
        let d = net.distances(&[[90.0, 0.0]], &[[210.0, -4.0]], 2000.0);
        assert!(
            (d[0].expect("as the test sets up") - (90.0 + 300.0 + 300.0 + 300.0 + 90.0 + 4.0))
                .abs()
                < 1e-9
        );
        // A second station on the same edge as the building walks straight along it.
        let d = net.distances(&[[90.0, 0.0], [290.0, 3.0]], &[[210.0, -4.0]], 2000.0);
        assert!((d[0].expect("as the test sets up") - (3.0 + 80.0 + 4.0)).abs() < 1e-9);
        // Off the network beyond the cutoff: not reached.
        assert_eq!(
            net.distances(&[[90.0, 0.0]], &[[150.0, 150.0]], 100.0),
            vec![None]
        );
    }

    /// Reference: every snap point becomes a node, then plain Dijkstra from each station.
    fn reference(
        net: &RoadNetwork,
        sources: &[[f64; 2]],
        targets: &[[f64; 2]],
        cutoff: f64,
    ) -> Vec<Option<f64>> {
        // Brute-force snaps with the same tie rule.
        let snap = |p: [f64; 2]| {
            let mut best: Option<Snap> = None;
            for (e, &(u, v, _)) in net.edges.iter().enumerate() {
                let (d, t) = point_segment(p, net.nodes[u as usize], net.nodes[v as usize]);
                if d <= cutoff && best.is_none_or(|b| d < b.access) {
                    best = Some(Snap {
                        edge: e as u32,
                        t,
                        access: d,
                    });
                }
            }
            best
        };
        // Graph: the network's nodes, plus one node per snapped point, edges split at them.
        let n0 = net.nodes.len();
        let mut pts: Vec<(usize, Snap)> = Vec::new();
        let all: Vec<[f64; 2]> = sources.iter().chain(targets).copied().collect();
        for (i, &p) in all.iter().enumerate() {
            if let Some(s) = snap(p) {
                pts.push((i, s));
            }
        }
        let nn = n0 + all.len();
        let mut w = vec![vec![f64::INFINITY; nn]; nn];
        for (i, row) in w.iter_mut().enumerate() {
            row[i] = 0.0;
        }
        for (e, &(u, v, len)) in net.edges.iter().enumerate() {
            let mut on: Vec<(f64, usize)> = vec![(0.0, u as usize), (1.0, v as usize)];
            for &(i, s) in &pts {
                if s.edge as usize == e {
                    on.push((s.t, n0 + i));
                }
            }
            on.sort_by(|a, b| a.0.total_cmp(&b.0));
            for a in 0..on.len() {
                for b in a + 1..on.len() {
                    // Consecutive points only matter, but all pairs along the edge are exact.
                    let d = (on[b].0 - on[a].0) * len;
                    let (x, y) = (on[a].1, on[b].1);
                    w[x][y] = w[x][y].min(d);
                    w[y][x] = w[y][x].min(d);
                }
            }
        }
        let access: HashMap<usize, f64> = pts.iter().map(|&(i, s)| (i, s.access)).collect();
        let mut best = vec![f64::INFINITY; targets.len()];
        for si in 0..sources.len() {
            let Some(&a0) = access.get(&si) else { continue };
            let mut dist = vec![f64::INFINITY; nn];
            let mut done = vec![false; nn];
            dist[n0 + si] = a0;
            loop {
                let mut u = usize::MAX;
                for k in 0..nn {
                    if !done[k] && dist[k].is_finite() && (u == usize::MAX || dist[k] < dist[u]) {
                        u = k;
                    }
                }
                if u == usize::MAX {
                    break;
                }
                done[u] = true;
                for k in 0..nn {
                    if w[u][k].is_finite() && dist[u] + w[u][k] < dist[k] {
                        dist[k] = dist[u] + w[u][k];
                    }
                }
            }
            for ti in 0..targets.len() {
                if let Some(&a) = access.get(&(sources.len() + ti)) {
                    best[ti] = best[ti].min(dist[n0 + sources.len() + ti] + a);
                }
            }
        }
        best.into_iter()
            .map(|d| (d <= cutoff).then_some(d))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 60, rng_seed: proptest::test_runner::RngSeed::Fixed(41), ..ProptestConfig::default() })]

        #[test]
        fn multi_source_dijkstra_matches_a_plain_dijkstra_per_station(
            // Roads on a 100-m lattice (so they share vertices and cross often).
            roads in prop::collection::vec((0i32..8, 0i32..8, 0i32..8, 0i32..8), 1..14),
            sources in prop::collection::vec((0.0..800.0f64, 0.0..800.0f64), 1..4),
            targets in prop::collection::vec((0.0..800.0f64, 0.0..800.0f64), 1..8),
            cutoff in 100.0..1500.0f64,
        ) {
            let lines: Vec<Vec<[f64; 2]>> = roads.iter().map(|&(a, b, c, d)| {
                vec![[f64::from(a) * 100.0, f64::from(b) * 100.0], [f64::from(c) * 100.0, f64::from(d) * 100.0]]
            }).collect();
            let net = RoadNetwork::from_lines(&lines);
            let s: Vec<[f64; 2]> = sources.iter().map(|&(x, y)| [x, y]).collect();
            let t: Vec<[f64; 2]> = targets.iter().map(|&(x, y)| [x, y]).collect();
            let got = net.distances(&s, &t, cutoff);
            let want = reference(&net, &s, &t, cutoff);
            for (g, w) in got.iter().zip(&want) {
                match (g, w) {
                    (Some(g), Some(w)) => prop_assert!((g - w).abs() < 1e-6, "{} vs {}", g, w),
                    (None, None) => {}
                    // Within rounding of the cutoff either answer is right.
                    (Some(d), None) | (None, Some(d)) => prop_assert!((d - cutoff).abs() < 1e-6, "{:?} vs {:?}", g, w),
                }
                // Walking is never shorter than the straight line from the nearest station.
            }
            for (ti, g) in got.iter().enumerate() {
                if let Some(g) = g {
                    let straight = s.iter().map(|p| ((p[0] - t[ti][0]).powi(2) + (p[1] - t[ti][1]).powi(2)).sqrt()).fold(f64::INFINITY, f64::min);
                    prop_assert!(*g + 1e-6 >= straight);
                }
            }
        }
    }
}

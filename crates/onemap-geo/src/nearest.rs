//! Nearest service stations: for one point (k nearest, optionally of one service) and for many
//! points at once (the nearest of all, both cores).

use serde::Serialize;

use crate::atlas::Atlas;
use crate::dataset::{Service, StationLevel};
use crate::index::PointIndex;

/// A station found near a point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearStation {
    /// Index of the station in [`Atlas::stations`].
    pub index: usize,
    /// Station id.
    pub id: String,
    /// Station name.
    pub name: String,
    /// Level.
    pub level: StationLevel,
    /// Services offered.
    pub services: Vec<Service>,
    /// Planar distance in the Atlas plane, metres.
    pub distance_m: f64,
}

impl Atlas {
    /// The `k` stations nearest to (lon, lat), nearest first; only those offering `service`
    /// when given. Ties in distance go to the station listed first.
    ///
    /// ```
    /// use onemap_geo::dataset::Service;
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// let near = atlas.nearest_stations(113.914, 22.714, None, 2);
    /// assert_eq!(near[0].id, "ST-0002");
    /// assert!((near[0].distance_m - 151.0).abs() < 2.0);
    /// let legal = atlas.nearest_stations(113.914, 22.714, Some(Service::Legal), 5);
    /// assert_eq!(legal.len(), 1);
    /// assert_eq!(legal[0].id, "ST-0001");
    /// ```
    #[must_use]
    pub fn nearest_stations(
        &self,
        lon: f64,
        lat: f64,
        service: Option<Service>,
        k: usize,
    ) -> Vec<NearStation> {
        let [x, y] = self.project(lon, lat);
        let index = match service {
            None => &self.station_index,
            Some(s) => &self.service_index[s.index()],
        };
        index
            .k_nearest(x, y, k)
            .into_iter()
            .map(|(i, d)| {
                let s = &self.stations[i as usize];
                NearStation {
                    index: i as usize,
                    id: s.id.clone(),
                    name: s.name.clone(),
                    level: s.level,
                    services: s.services.clone(),
                    distance_m: d,
                }
            })
            .collect()
    }

    /// The station index of one service (ids are indexes into [`Atlas::stations`]), or of all
    /// stations with `None`.
    ///
    /// ```
    /// use onemap_geo::dataset::Service;
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// assert_eq!(atlas.station_index(Some(Service::Appeal)).len(), 2);
    /// assert_eq!(atlas.station_index(Some(Service::Psych)).len(), 1);
    /// ```
    #[must_use]
    pub fn station_index(&self, service: Option<Service>) -> &PointIndex {
        match service {
            None => &self.station_index,
            Some(s) => &self.service_index[s.index()],
        }
    }
}

/// For every point, the id of the nearest indexed point and its distance (`u32::MAX` and
/// infinity when the index is empty). Splits the work over the available cores.
///
/// ```
/// use onemap_geo::{index::PointIndex, nearest::nearest_all};
/// let stations = PointIndex::new(&[[0.0, 0.0], [100.0, 0.0]]);
/// let (ids, d) = nearest_all(&stations, &[[10.0, 0.0], [90.0, 0.0]]);
/// assert_eq!(ids, vec![0, 1]);
/// assert_eq!(d, vec![10.0, 10.0]);
/// ```
#[must_use]
pub fn nearest_all(index: &PointIndex, points: &[[f64; 2]]) -> (Vec<u32>, Vec<f64>) {
    let mut out = vec![(u32::MAX, f64::INFINITY); points.len()];
    crate::parallel::for_chunks(points, &mut out, |pts, out| {
        for (p, o) in pts.iter().zip(out.iter_mut()) {
            if let Some(hit) = index.nearest(p[0], p[1]) {
                *o = hit;
            }
        }
    });
    out.into_iter().unzip()
}

/// A nearest-neighbour index for many lookups inside a known extent: a raster whose every cell
/// lists the few points that can be nearest to some location in the cell (those whose distance
/// to the cell does not exceed the smallest farthest-corner distance of any point). A lookup is
/// one cell read and one to three distance computations; outside the extent it falls back to a
/// ring search over a [`PointIndex`].
///
/// ```
/// use onemap_geo::nearest::NearestIndex;
/// let idx = NearestIndex::new(&[[0.0, 0.0], [100.0, 0.0]], [-50.0, -50.0], [150.0, 50.0]);
/// assert_eq!(idx.nearest(80.0, 10.0).map(|(id, _)| id), Some(1));
/// assert_eq!(idx.nearest(-900.0, 0.0).map(|(id, _)| id), Some(0)); // outside the extent
/// ```
#[derive(Debug, Clone)]
pub struct NearestIndex {
    grid: PointIndex,
    ox: f64,
    oy: f64,
    cell: f64,
    inv: f64,
    nx: usize,
    ny: usize,
    start: Vec<u32>,
    cand: Vec<(u32, [f64; 2])>,
}

impl NearestIndex {
    /// Indexes `points` (ids = positions) for lookups in the rectangle `min`–`max`.
    ///
    /// ```
    /// let idx = onemap_geo::nearest::NearestIndex::new(&[[5.0, 5.0]], [0.0, 0.0], [10.0, 10.0]);
    /// assert_eq!(idx.nearest(0.0, 0.0).map(|(id, _)| id), Some(0));
    /// ```
    #[must_use]
    pub fn new(points: &[[f64; 2]], min: [f64; 2], max: [f64; 2]) -> Self {
        let grid = PointIndex::new(points);
        let w = (max[0] - min[0]).max(1.0);
        let h = (max[1] - min[1]).max(1.0);
        let n = points.len().max(1) as f64;
        let mut cell = ((w * h / n).sqrt() / 4.0).max(1.0);
        let (nx, ny) = loop {
            let nx = (w / cell).floor() as usize + 1;
            let ny = (h / cell).floor() as usize + 1;
            if nx * ny <= 4_000_000 {
                break (nx, ny);
            }
            cell *= 1.25;
        };
        let half_diag = cell * std::f64::consts::FRAC_1_SQRT_2;
        let eps = 1e-6 + cell * 1e-9;
        let rows = crate::parallel::map_blocks(ny, |rows| {
            let mut lists: Vec<Vec<(u32, [f64; 2])>> = Vec::new();
            let mut found: Vec<(u32, [f64; 2])> = Vec::new();
            for j in rows {
                for i in 0..nx {
                    let x0 = min[0] + i as f64 * cell;
                    let y0 = min[1] + j as f64 * cell;
                    let (cx, cy) = (x0 + cell / 2.0, y0 + cell / 2.0);
                    let mut list: Vec<(u32, [f64; 2])> = Vec::new();
                    if let Some((_, d)) = grid.nearest(cx, cy) {
                        found.clear();
                        grid.for_each_within(cx, cy, d + 2.0 * half_diag + eps, |id, _| {
                            found.push((id, points[id as usize]));
                        });
                        let dmax = |p: [f64; 2]| {
                            let dx = (p[0] - x0).abs().max((p[0] - x0 - cell).abs());
                            let dy = (p[1] - y0).abs().max((p[1] - y0 - cell).abs());
                            (dx * dx + dy * dy).sqrt()
                        };
                        let dmin = |p: [f64; 2]| {
                            let dx = (x0 - p[0]).max(p[0] - x0 - cell).max(0.0);
                            let dy = (y0 - p[1]).max(p[1] - y0 - cell).max(0.0);
                            (dx * dx + dy * dy).sqrt()
                        };
                        let bound = found
                            .iter()
                            .map(|f| dmax(f.1))
                            .fold(f64::INFINITY, f64::min);
                        list.extend(found.iter().filter(|f| dmin(f.1) <= bound + eps));
                        list.sort_unstable_by_key(|f| f.0);
                    }
                    lists.push(list);
                }
            }
            lists
        });
        let mut start = Vec::with_capacity(nx * ny + 1);
        let mut cand = Vec::new();
        start.push(0);
        for list in rows.into_iter().flatten() {
            cand.extend(list);
            start.push(cand.len() as u32);
        }
        NearestIndex {
            grid,
            ox: min[0],
            oy: min[1],
            cell,
            inv: 1.0 / cell,
            nx,
            ny,
            start,
            cand,
        }
    }

    /// Number of indexed points.
    ///
    /// ```
    /// let idx = onemap_geo::nearest::NearestIndex::new(&[[1.0, 1.0]], [0.0, 0.0], [2.0, 2.0]);
    /// assert_eq!(idx.len(), 1);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.grid.len()
    }

    /// Whether the index holds no point.
    ///
    /// ```
    /// assert!(onemap_geo::nearest::NearestIndex::new(&[], [0.0, 0.0], [1.0, 1.0]).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.grid.is_empty()
    }

    /// Side of a raster cell, metres.
    ///
    /// ```
    /// let idx = onemap_geo::nearest::NearestIndex::new(&[[0.0, 0.0]], [0.0, 0.0], [100.0, 100.0]);
    /// assert!(idx.cell_size() > 0.0);
    /// ```
    #[must_use]
    pub fn cell_size(&self) -> f64 {
        self.cell
    }

    /// The nearest point to (x, y): id and distance; ties go to the lowest id.
    ///
    /// ```
    /// let idx = onemap_geo::nearest::NearestIndex::new(&[[0.0, 0.0], [3.0, 4.0]], [0.0, 0.0], [4.0, 4.0]);
    /// assert_eq!(idx.nearest(3.0, 3.0), Some((1, 1.0)));
    /// ```
    #[inline]
    #[must_use]
    pub fn nearest(&self, x: f64, y: f64) -> Option<(u32, f64)> {
        let fi = (x - self.ox) * self.inv;
        let fj = (y - self.oy) * self.inv;
        if fi >= 0.0 && fj >= 0.0 && (fi as usize) < self.nx && (fj as usize) < self.ny {
            let c = fj as usize * self.nx + fi as usize;
            let mut best: Option<(u32, f64)> = None;
            for &(id, p) in &self.cand[self.start[c] as usize..self.start[c + 1] as usize] {
                let dx = x - p[0];
                let dy = y - p[1];
                let d = (dx * dx + dy * dy).sqrt();
                // Candidates are in ascending id order: only a strictly smaller distance wins.
                if best.is_none_or(|(_, bd)| d < bd) {
                    best = Some((id, d));
                }
            }
            return best;
        }
        self.grid.nearest(x, y)
    }
}

/// Like [`nearest_all`] with a [`NearestIndex`], for the points held by a [`PointIndex`]
/// (ids `0..n`): they are visited in the index's storage order, which is spatially coherent and
/// sequential in memory, so the caches stay warm; results are indexed by point id.
///
/// ```
/// use onemap_geo::{index::PointIndex, nearest::{NearestIndex, nearest_all_indexed}};
/// let pts = PointIndex::new(&[[10.0, 0.0], [90.0, 0.0], [49.0, 0.0]]);
/// let stations = NearestIndex::new(&[[0.0, 0.0], [100.0, 0.0]], [0.0, 0.0], [100.0, 0.0]);
/// let (ids, _) = nearest_all_indexed(&stations, &pts);
/// assert_eq!(ids, vec![0, 1, 0]);
/// ```
#[must_use]
pub fn nearest_all_indexed(index: &NearestIndex, points: &PointIndex) -> (Vec<u32>, Vec<f64>) {
    crate::parallel::map_indexed(points, |p| {
        index
            .nearest(p[0], p[1])
            .unwrap_or((u32::MAX, f64::INFINITY))
    })
    .into_iter()
    .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 100, rng_seed: proptest::test_runner::RngSeed::Fixed(3), ..ProptestConfig::default() })]

        #[test]
        fn nearest_all_agrees_with_brute_force(
            stations in prop::collection::vec((0.0..20_000.0f64, 0.0..20_000.0f64), 1..80),
            pts in prop::collection::vec((0.0..20_000.0f64, 0.0..20_000.0f64), 0..5000),
        ) {
            let st: Vec<[f64; 2]> = stations.iter().map(|&(x, y)| [x, y]).collect();
            let pts: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| [x, y]).collect();
            let (ids, d) = nearest_all(&PointIndex::new(&st), &pts);
            for (k, p) in pts.iter().enumerate() {
                let (bi, bd) = st.iter().enumerate()
                    .map(|(i, s)| (i as u32, ((p[0] - s[0]).powi(2) + (p[1] - s[1]).powi(2)).sqrt()))
                    .fold((u32::MAX, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
                prop_assert_eq!((ids[k], d[k]), (bi, bd));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 100, rng_seed: proptest::test_runner::RngSeed::Fixed(23), ..ProptestConfig::default() })]

        #[test]
        fn raster_nearest_agrees_with_brute_force_including_ties(
            stations in prop::collection::vec((0i32..40, 0i32..40), 1..60),
            pts in prop::collection::vec((-5.0..45.0f64, -5.0..45.0f64), 1..400),
            lattice in any::<bool>(),
        ) {
            // Stations on an integer lattice make exact ties common; duplicates included.
            let st: Vec<[f64; 2]> = stations.iter().map(|&(x, y)| [f64::from(x) * 50.0, f64::from(y) * 50.0]).collect();
            let pts: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| if lattice { [(x * 2.0).round() * 25.0, (y * 2.0).round() * 25.0] } else { [x * 50.0, y * 50.0] }).collect();
            let idx = NearestIndex::new(&st, [0.0, 0.0], [2000.0, 2000.0]);
            let (ids, d) = nearest_all_indexed(&idx, &PointIndex::new(&pts));
            for (k, p) in pts.iter().enumerate() {
                let want = st.iter().enumerate()
                    .map(|(i, s)| (i as u32, ((p[0] - s[0]).powi(2) + (p[1] - s[1]).powi(2)).sqrt()))
                    .fold((u32::MAX, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
                prop_assert_eq!((ids[k], d[k]), want);
            }
        }
    }

    #[test]
    fn nearest_stations_of_a_service_skip_stations_without_it() {
        let atlas = Atlas::example();
        let all = atlas.nearest_stations(113.915, 22.715, None, 1);
        assert_eq!(all[0].id, "ST-0002");
        let psych = atlas.nearest_stations(113.915, 22.715, Some(Service::Psych), 1);
        assert_eq!(psych[0].id, "ST-0001");
    }
}

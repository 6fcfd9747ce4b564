//! A static point index: a uniform grid with its points stored cell by cell (CSR layout).
//!
//! Points of one grid row lie contiguously in memory, so a disc query hands whole runs of
//! cells that lie inside the disc to the caller as one position range, and only tests the
//! points of the cells its edge crosses. Nearest-neighbour queries search rings of cells
//! outwards from the query point. Distances are planar (metres in a projected plane).

use std::ops::Range;

/// A uniform-grid index over points with `u32` ids.
///
/// ```
/// use onemap_geo::index::PointIndex;
/// let idx = PointIndex::new(&[[0.0, 0.0], [10.0, 0.0], [0.0, 30.0]]);
/// assert_eq!(idx.nearest(9.0, 1.0).map(|(id, _)| id), Some(1));
/// assert_eq!(idx.count_within(0.0, 0.0, 10.0), 2);
/// ```
#[derive(Debug, Clone)]
pub struct PointIndex {
    ox: f64,
    oy: f64,
    cell: f64,
    inv: f64,
    nx: usize,
    ny: usize,
    /// `start[c]..start[c + 1]` are the positions of cell `c` (row-major).
    start: Vec<u32>,
    pts: Vec<[f64; 2]>,
    ids: Vec<u32>,
}

/// Planar distance as GEOS computes it for two points.
#[inline]
fn dist(ax: f64, ay: f64, b: [f64; 2]) -> f64 {
    let dx = ax - b[0];
    let dy = ay - b[1];
    (dx * dx + dy * dy).sqrt()
}

impl PointIndex {
    /// Indexes `points`; the id of each point is its position in the slice.
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::new(&[[5.0, 5.0]]);
    /// assert_eq!(idx.len(), 1);
    /// ```
    #[must_use]
    pub fn new(points: &[[f64; 2]]) -> Self {
        let ids: Vec<u32> = (0..points.len() as u32).collect();
        Self::with_ids(points, &ids)
    }

    /// Indexes `points` with the given ids (same length); the cell size is chosen for about two
    /// points per cell.
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::with_ids(&[[0.0, 0.0], [3.0, 4.0]], &[7, 9]);
    /// assert_eq!(idx.nearest(3.0, 3.0), Some((9, 1.0)));
    /// ```
    #[must_use]
    pub fn with_ids(points: &[[f64; 2]], ids: &[u32]) -> Self {
        let (min, max) = bounds(points);
        let w = (max[0] - min[0]).max(1.0);
        let h = (max[1] - min[1]).max(1.0);
        let n = points.len().max(1) as f64;
        let cell = (w * h * 2.0 / n).sqrt().max(1.0);
        Self::with_cell(points, ids, cell)
    }

    /// Indexes `points` with the given ids and a grid cell of `cell` metres (enlarged if the grid
    /// would have more than 16 cells per point).
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::with_cell(&[[0.0, 0.0], [300.0, 400.0]], &[0, 1], 50.0);
    /// assert_eq!(idx.count_within(0.0, 0.0, 500.0), 2);
    /// ```
    ///
    /// # Panics
    /// If `ids` and `points` differ in length.
    #[must_use]
    pub fn with_cell(points: &[[f64; 2]], ids: &[u32], cell: f64) -> Self {
        assert_eq!(points.len(), ids.len(), "one id per point");
        let (min, max) = bounds(points);
        let mut cell = if cell.is_finite() && cell > 0.0 {
            cell
        } else {
            1.0
        };
        let max_cells = 16 * points.len() + 64;
        let (nx, ny) = loop {
            let nx = ((max[0] - min[0]) / cell).floor() as usize + 1;
            let ny = ((max[1] - min[1]) / cell).floor() as usize + 1;
            if nx.saturating_mul(ny) <= max_cells {
                break (nx, ny);
            }
            cell *= 1.5;
        };
        let inv = 1.0 / cell;
        let cell_of = |p: &[f64; 2]| {
            let i = (((p[0] - min[0]) * inv) as usize).min(nx - 1);
            let j = (((p[1] - min[1]) * inv) as usize).min(ny - 1);
            j * nx + i
        };
        let mut start = vec![0u32; nx * ny + 1];
        for p in points {
            start[cell_of(p) + 1] += 1;
        }
        for c in 0..nx * ny {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut pts = vec![[0.0; 2]; points.len()];
        let mut out_ids = vec![0u32; points.len()];
        // Stable fill keeps ascending ids within a cell when the input is in id order.
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by_key(|&k| ids[k]);
        for k in order {
            let c = cell_of(&points[k]);
            let at = fill[c] as usize;
            fill[c] += 1;
            pts[at] = points[k];
            out_ids[at] = ids[k];
        }
        PointIndex {
            ox: min[0],
            oy: min[1],
            cell,
            inv,
            nx,
            ny,
            start,
            pts,
            ids: out_ids,
        }
    }

    /// Number of points.
    ///
    /// ```
    /// assert_eq!(onemap_geo::index::PointIndex::new(&[]).len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.pts.len()
    }

    /// Whether the index holds no point.
    ///
    /// ```
    /// assert!(onemap_geo::index::PointIndex::new(&[]).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pts.is_empty()
    }

    /// The ids in storage order: `ids()[pos]` is the id of the point at position `pos`
    /// (positions are what [`visit_disc`](Self::visit_disc) reports).
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::new(&[[0.0, 0.0], [1.0, 1.0]]);
    /// let mut ids = idx.ids().to_vec();
    /// ids.sort();
    /// assert_eq!(ids, vec![0, 1]);
    /// ```
    #[must_use]
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// The points in storage order (see [`ids`](Self::ids)).
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::new(&[[2.0, 3.0]]);
    /// assert_eq!(idx.points(), &[[2.0, 3.0]]);
    /// ```
    #[must_use]
    pub fn points(&self) -> &[[f64; 2]] {
        &self.pts
    }

    /// Side of a grid cell, metres.
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::with_cell(&[[0.0, 0.0]], &[0], 25.0);
    /// assert_eq!(idx.cell_size(), 25.0);
    /// ```
    #[must_use]
    pub fn cell_size(&self) -> f64 {
        self.cell
    }

    #[inline]
    fn cell_range(&self, c: usize) -> Range<usize> {
        self.start[c] as usize..self.start[c + 1] as usize
    }

    /// Squared distance from (x, y) to cell (i, j).
    #[inline]
    fn cell_d2(&self, x: f64, y: f64, i: usize, j: usize) -> f64 {
        let x0 = self.ox + i as f64 * self.cell;
        let y0 = self.oy + j as f64 * self.cell;
        let dx = (x0 - x).max(x - (x0 + self.cell)).max(0.0);
        let dy = (y0 - y).max(y - (y0 + self.cell)).max(0.0);
        dx * dx + dy * dy
    }

    /// Clamped cell coordinates of (x, y).
    #[inline]
    fn clamp_cell(&self, x: f64, y: f64) -> (usize, usize) {
        let fi = ((x - self.ox) * self.inv).floor();
        let fj = ((y - self.oy) * self.inv).floor();
        let i = if fi.is_nan() || fi < 0.0 {
            0
        } else {
            (fi as usize).min(self.nx - 1)
        };
        let j = if fj.is_nan() || fj < 0.0 {
            0
        } else {
            (fj as usize).min(self.ny - 1)
        };
        (i, j)
    }

    /// Visits the cells of ring `k` around (ci, cj) (cells at Chebyshev distance k).
    #[inline]
    fn ring(&self, ci: usize, cj: usize, k: usize, mut f: impl FnMut(usize, usize)) {
        let (ci, cj, k) = (ci as isize, cj as isize, k as isize);
        let (nx, ny) = (self.nx as isize, self.ny as isize);
        let i0 = (ci - k).max(0);
        let i1 = (ci + k).min(nx - 1);
        for j in (cj - k).max(0)..=(cj + k).min(ny - 1) {
            if k == 0 || j == cj - k || j == cj + k {
                for i in i0..=i1 {
                    f(i as usize, j as usize);
                }
            } else {
                if ci - k >= 0 {
                    f((ci - k) as usize, j as usize);
                }
                if ci + k < nx {
                    f((ci + k) as usize, j as usize);
                }
            }
        }
    }

    /// Lower bound of the distance from (x, y) to any cell outside the block of rings 0..=k;
    /// `None` when that block already covers the whole grid.
    #[inline]
    fn beyond(&self, x: f64, y: f64, ci: usize, cj: usize, k: usize) -> Option<f64> {
        let mut lb = f64::INFINITY;
        if ci > k {
            lb = lb.min(x - (self.ox + (ci - k) as f64 * self.cell));
        }
        if ci + k < self.nx - 1 {
            lb = lb.min(self.ox + (ci + k + 1) as f64 * self.cell - x);
        }
        if cj > k {
            lb = lb.min(y - (self.oy + (cj - k) as f64 * self.cell));
        }
        if cj + k < self.ny - 1 {
            lb = lb.min(self.oy + (cj + k + 1) as f64 * self.cell - y);
        }
        (lb != f64::INFINITY).then_some(lb)
    }

    /// The nearest point to (x, y): its id and distance. Equal distances go to the lowest id.
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::new(&[[0.0, 0.0], [2.0, 0.0]]);
    /// assert_eq!(idx.nearest(1.0, 0.0), Some((0, 1.0)));
    /// assert_eq!(onemap_geo::index::PointIndex::new(&[]).nearest(0.0, 0.0), None);
    /// ```
    #[must_use]
    pub fn nearest(&self, x: f64, y: f64) -> Option<(u32, f64)> {
        if self.pts.is_empty() {
            return None;
        }
        let (ci, cj) = self.clamp_cell(x, y);
        let mut best_d = f64::INFINITY;
        let mut best_id = u32::MAX;
        let mut k = 0;
        loop {
            self.ring(ci, cj, k, |i, j| {
                if self.cell_d2(x, y, i, j) > best_d * best_d {
                    return;
                }
                for pos in self.cell_range(j * self.nx + i) {
                    let d = dist(x, y, self.pts[pos]);
                    let id = self.ids[pos];
                    if d < best_d || (d == best_d && id < best_id) {
                        best_d = d;
                        best_id = id;
                    }
                }
            });
            match self.beyond(x, y, ci, cj, k) {
                None => break,
                Some(lb) if lb > best_d => break,
                Some(_) => k += 1,
            }
        }
        Some((best_id, best_d))
    }

    /// The `k` nearest points to (x, y), nearest first (ties: lowest id first).
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::new(&[[0.0, 0.0], [5.0, 0.0], [1.0, 0.0]]);
    /// let ids: Vec<u32> = idx.k_nearest(0.0, 0.0, 2).into_iter().map(|(id, _)| id).collect();
    /// assert_eq!(ids, vec![0, 2]);
    /// ```
    #[must_use]
    pub fn k_nearest(&self, x: f64, y: f64, k: usize) -> Vec<(u32, f64)> {
        let mut best: Vec<(u32, f64)> = Vec::with_capacity(k + 1);
        if self.pts.is_empty() || k == 0 {
            return best;
        }
        let worse = |a: &(u32, f64), b: &(u32, f64)| a.1 > b.1 || (a.1 == b.1 && a.0 > b.0);
        let (ci, cj) = self.clamp_cell(x, y);
        let mut ring = 0;
        loop {
            self.ring(ci, cj, ring, |i, j| {
                if best.len() == k {
                    let kth = best[k - 1].1;
                    if self.cell_d2(x, y, i, j) > kth * kth {
                        return;
                    }
                }
                for pos in self.cell_range(j * self.nx + i) {
                    let cand = (self.ids[pos], dist(x, y, self.pts[pos]));
                    if best.len() == k && !worse(&best[k - 1], &cand) {
                        continue;
                    }
                    let at = best.partition_point(|b| !worse(b, &cand));
                    best.insert(at, cand);
                    best.truncate(k);
                }
            });
            match self.beyond(x, y, ci, cj, ring) {
                None => break,
                Some(lb) if best.len() == k && lb > best[k - 1].1 => break,
                Some(_) => ring += 1,
            }
        }
        best
    }

    /// Visits every point within `r` of (x, y) (distance ≤ r) as runs of storage positions:
    /// whole runs of cells that lie inside the disc are reported untested as one range, points
    /// of the cells the circle crosses are tested and reported as one-element ranges. Positions
    /// index [`ids`](Self::ids) and [`points`](Self::points).
    ///
    /// ```
    /// let pts: Vec<[f64; 2]> = (0..100).map(|i| [f64::from(i % 10), f64::from(i / 10)]).collect();
    /// let idx = onemap_geo::index::PointIndex::with_cell(&pts, &(0..100).collect::<Vec<_>>(), 1.0);
    /// let mut n = 0;
    /// idx.visit_disc(4.5, 4.5, 3.0, |run| n += run.len());
    /// assert_eq!(n, pts.iter().filter(|p| ((p[0] - 4.5f64).powi(2) + (p[1] - 4.5f64).powi(2)).sqrt() <= 3.0).count());
    /// ```
    pub fn visit_disc(&self, x: f64, y: f64, r: f64, mut on_run: impl FnMut(Range<usize>)) {
        if self.pts.is_empty() || r.is_nan() || r < 0.0 {
            return;
        }
        let margin = 1e-6 + r * 1e-12;
        let jlo = ((y - r - self.oy) * self.inv).floor().max(0.0);
        let jhi = ((y + r - self.oy) * self.inv).floor();
        if jhi < 0.0 || jlo >= self.ny as f64 {
            return;
        }
        let jlo = jlo as usize;
        let jhi = (jhi as usize).min(self.ny - 1);
        let imax = (self.nx - 1) as f64;
        for j in jlo..=jhi {
            let y0 = self.oy + j as f64 * self.cell;
            let y1 = y0 + self.cell;
            let near = if y < y0 {
                y0 - y
            } else if y > y1 {
                y - y1
            } else {
                0.0
            };
            if near > r {
                continue;
            }
            let far = (y - y0).abs().max((y1 - y).abs());
            let w_out = (r * r - near * near).max(0.0).sqrt();
            let a = ((x - w_out - self.ox) * self.inv).floor();
            let b = ((x + w_out - self.ox) * self.inv).floor();
            if b < 0.0 || a > imax {
                continue;
            }
            let a = a.max(0.0) as usize;
            let b = b.min(imax) as usize;
            // Cells [fa, fb] lie wholly inside the disc.
            let (mut fa, mut fb) = (1usize, 0usize);
            if far < r {
                let w_in = (r * r - far * far).sqrt() - margin;
                if w_in > 0.0 {
                    let lo = ((x - w_in - self.ox) * self.inv).ceil();
                    let hi = ((x + w_in - self.ox) * self.inv).floor() - 1.0;
                    let lo = lo.max(a as f64);
                    let hi = hi.min(b as f64);
                    if hi >= lo {
                        fa = lo as usize;
                        fb = hi as usize;
                    }
                }
            }
            let row = j * self.nx;
            let full = fa <= fb && fa >= a && fb <= b;
            // Cells a..fa and fb+1..=b are tested; fa..=fb is one untested run.
            let (t0, t1) = if full { (fa, fb + 1) } else { (b + 1, b + 1) };
            if t0 < t1 {
                let run = self.start[row + t0] as usize..self.start[row + t1] as usize;
                if !run.is_empty() {
                    on_run(run);
                }
            }
            for i in (a..t0.min(b + 1)).chain(t1..=b) {
                for pos in self.cell_range(row + i) {
                    if dist(x, y, self.pts[pos]) <= r {
                        on_run(pos..pos + 1);
                    }
                }
            }
        }
    }

    /// Number of points within `r` of (x, y).
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::new(&[[0.0, 0.0], [3.0, 4.0], [3.0, 4.1]]);
    /// assert_eq!(idx.count_within(0.0, 0.0, 5.0), 2);
    /// ```
    #[must_use]
    pub fn count_within(&self, x: f64, y: f64, r: f64) -> usize {
        let mut n = 0;
        self.visit_disc(x, y, r, |run| n += run.len());
        n
    }

    /// Calls `f(id, distance)` for every point within `r` of (x, y), in no particular order.
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::new(&[[0.0, 0.0], [3.0, 4.0], [30.0, 40.0]]);
    /// let mut ids = vec![];
    /// idx.for_each_within(0.0, 0.0, 5.0, |id, _| ids.push(id));
    /// ids.sort();
    /// assert_eq!(ids, vec![0, 1]);
    /// ```
    pub fn for_each_within(&self, x: f64, y: f64, r: f64, mut f: impl FnMut(u32, f64)) {
        self.visit_disc(x, y, r, |run| {
            for pos in run {
                f(self.ids[pos], dist(x, y, self.pts[pos]));
            }
        });
    }

    /// Calls `f(id)` for every point inside the axis-aligned rectangle
    /// `[min_x, max_x] × [min_y, max_y]`.
    ///
    /// ```
    /// let idx = onemap_geo::index::PointIndex::new(&[[0.0, 0.0], [5.0, 5.0], [9.0, 1.0]]);
    /// let mut ids = vec![];
    /// idx.for_each_in_rect([1.0, 0.0], [10.0, 6.0], |id| ids.push(id));
    /// ids.sort();
    /// assert_eq!(ids, vec![1, 2]);
    /// ```
    pub fn for_each_in_rect(&self, min: [f64; 2], max: [f64; 2], mut f: impl FnMut(u32)) {
        if self.pts.is_empty() || !(min[0] <= max[0] && min[1] <= max[1]) {
            return;
        }
        let (i0, j0) = self.clamp_cell(min[0], min[1]);
        let (i1, j1) = self.clamp_cell(max[0], max[1]);
        for j in j0..=j1 {
            for pos in
                self.start[j * self.nx + i0] as usize..self.start[j * self.nx + i1 + 1] as usize
            {
                let p = self.pts[pos];
                if p[0] >= min[0] && p[0] <= max[0] && p[1] >= min[1] && p[1] <= max[1] {
                    f(self.ids[pos]);
                }
            }
        }
    }
}

fn bounds(points: &[[f64; 2]]) -> ([f64; 2], [f64; 2]) {
    let mut min = [f64::INFINITY; 2];
    let mut max = [f64::NEG_INFINITY; 2];
    for p in points {
        for d in 0..2 {
            min[d] = min[d].min(p[d]);
            max[d] = max[d].max(p[d]);
        }
    }
    if points.is_empty() {
        ([0.0; 2], [0.0; 2])
    } else {
        (min, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute_nearest(pts: &[[f64; 2]], x: f64, y: f64) -> Option<(u32, f64)> {
        let mut best: Option<(u32, f64)> = None;
        for (i, p) in pts.iter().enumerate() {
            let d = dist(x, y, *p);
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((i as u32, d));
            }
        }
        best
    }

    fn cloud() -> impl Strategy<Value = Vec<[f64; 2]>> {
        prop::collection::vec(
            (0.0..5000.0f64, 0.0..3000.0f64).prop_map(|(x, y)| [x, y]),
            0..300,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

        #[test]
        fn nearest_agrees_with_brute_force(pts in cloud(), qx in -1000.0..6000.0f64, qy in -1000.0..4000.0f64, cell in 10.0..2000.0f64) {
            let ids: Vec<u32> = (0..pts.len() as u32).collect();
            let idx = PointIndex::with_cell(&pts, &ids, cell);
            prop_assert_eq!(idx.nearest(qx, qy), brute_nearest(&pts, qx, qy));
        }

        #[test]
        fn k_nearest_agrees_with_brute_force(pts in cloud(), qx in -1000.0..6000.0f64, qy in -1000.0..4000.0f64, k in 0usize..12) {
            let idx = PointIndex::new(&pts);
            let mut all: Vec<(u32, f64)> = pts.iter().enumerate().map(|(i, p)| (i as u32, dist(qx, qy, *p))).collect();
            all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            all.truncate(k);
            prop_assert_eq!(idx.k_nearest(qx, qy, k), all);
        }

        #[test]
        fn disc_visits_exactly_the_points_within_the_radius(pts in cloud(), qx in -500.0..5500.0f64, qy in -500.0..3500.0f64, r in 0.0..2500.0f64, cell in 5.0..800.0f64) {
            let ids: Vec<u32> = (0..pts.len() as u32).collect();
            let idx = PointIndex::with_cell(&pts, &ids, cell);
            let mut got = vec![];
            idx.for_each_within(qx, qy, r, |id, _| got.push(id));
            got.sort_unstable();
            let want: Vec<u32> = pts.iter().enumerate().filter(|(_, p)| dist(qx, qy, **p) <= r).map(|(i, _)| i as u32).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn rect_visits_exactly_the_points_inside(pts in cloud(), x0 in 0.0..5000.0f64, y0 in 0.0..3000.0f64, w in 0.0..3000.0f64, h in 0.0..3000.0f64) {
            let idx = PointIndex::new(&pts);
            let mut got = vec![];
            idx.for_each_in_rect([x0, y0], [x0 + w, y0 + h], |id| got.push(id));
            got.sort_unstable();
            let want: Vec<u32> = pts.iter().enumerate().filter(|(_, p)| p[0] >= x0 && p[0] <= x0 + w && p[1] >= y0 && p[1] <= y0 + h).map(|(i, _)| i as u32).collect();
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn duplicate_points_tie_to_the_lowest_id() {
        let idx = PointIndex::with_ids(&[[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]], &[5, 2, 9]);
        assert_eq!(idx.nearest(0.0, 0.0).map(|(id, _)| id), Some(2));
    }
}

//! Partitions of a polygon into compact cells that tile it without gaps or slivers.
//!
//! The method: seeds are relaxed by Lloyd's algorithm towards a centroidal Voronoi tessellation
//! of the parent (on a lattice of sample points, optionally weighted so that cells shrink where
//! people are dense), the Voronoi diagram of the relaxed seeds is built with `spade`, and every
//! cell is clipped to the parent. Voronoi vertices are triangle circumcentres shared by the
//! neighbouring cells, so neighbours share their edges exactly and the clipped cells tile the
//! parent. A cell that the clip cuts into pieces (the parent is concave) keeps its largest piece;
//! the others are merged into the neighbour they touch.

use geo::{Area, BooleanOps, BoundingRect, Centroid, Coord, MultiPolygon, Polygon, Rect};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use spade::{DelaunayTriangulation, Point2, Triangulation};

/// Points of the global square lattice of the given spacing (metres) that fall inside the
/// polygon, by even-odd scanlines. The lattice is anchored at the plane's origin, so the samples
/// of a child are exactly the parent's samples that fall in the child.
pub fn lattice_inside(polygon: &MultiPolygon, spacing: f64) -> Vec<Coord> {
    let Some(bounds) = polygon.bounding_rect() else {
        return Vec::new();
    };
    let edges: Vec<(Coord, Coord)> = polygon
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines().map(|l| (l.start, l.end)))
        .collect();
    let first_row = (bounds.min().y / spacing).floor() as i64;
    let last_row = (bounds.max().y / spacing).ceil() as i64;
    let mut points = Vec::new();
    let mut crossings: Vec<f64> = Vec::new();
    for row in first_row..=last_row {
        let y = (row as f64 + 0.5) * spacing;
        crossings.clear();
        for (a, b) in &edges {
            if (a.y <= y) != (b.y <= y) {
                crossings.push(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x));
            }
        }
        crossings.sort_by(f64::total_cmp);
        for pair in crossings.chunks_exact(2) {
            let first_col = ((pair[0] / spacing) - 0.5).ceil() as i64;
            let last_col = ((pair[1] / spacing) - 0.5).floor() as i64;
            for col in first_col..=last_col {
                points.push(Coord {
                    x: (col as f64 + 0.5) * spacing,
                    y,
                });
            }
        }
    }
    points
}

/// Index of the seed nearest to `point` (ties go to the lower index).
pub fn nearest_seed(seeds: &[Coord], point: Coord) -> usize {
    let mut best = 0;
    let mut best_d = f64::INFINITY;
    for (i, s) in seeds.iter().enumerate() {
        let d = (s.x - point.x).powi(2) + (s.y - point.y).powi(2);
        if d < best_d {
            best_d = d;
            best = i;
        }
    }
    best
}

/// What to split and how.
pub struct PartitionRequest<'a> {
    /// The polygon to split, metres.
    pub parent: &'a MultiPolygon,
    /// Lattice samples inside the parent.
    pub samples: &'a [Coord],
    /// A weight per sample (people density); cells get smaller where weights are larger.
    pub weights: &'a [f64],
    /// Starting seeds, one per cell.
    pub seeds: Vec<Coord>,
    /// Seeds that must not move (a real place that must stay in its cell).
    pub pinned: Vec<bool>,
    /// Lloyd iterations.
    pub iterations: usize,
}

/// Picks `count` distinct starting seeds among the samples, weighted, deterministically.
pub fn initial_seeds(
    samples: &[Coord],
    weights: &[f64],
    count: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<Coord> {
    let total: f64 = weights.iter().sum();
    let mut seeds: Vec<Coord> = Vec::with_capacity(count);
    let mut guard = 0;
    while seeds.len() < count && guard < count * 1000 {
        guard += 1;
        let mut target = rng.random::<f64>() * total;
        let mut chosen = samples.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            target -= w;
            if target <= 0.0 {
                chosen = i;
                break;
            }
        }
        let candidate = samples[chosen];
        if !seeds.contains(&candidate) {
            seeds.push(candidate);
        }
    }
    seeds
}

/// Moves the unpinned seeds to the weighted centroids of their Voronoi regions, repeatedly.
pub fn relax(request: &mut PartitionRequest<'_>) {
    let k = request.seeds.len();
    for _ in 0..request.iterations {
        let mut sums = vec![(0.0f64, 0.0f64, 0.0f64); k];
        for (p, w) in request.samples.iter().zip(request.weights) {
            let i = nearest_seed(&request.seeds, *p);
            sums[i].0 += p.x * w;
            sums[i].1 += p.y * w;
            sums[i].2 += w;
        }
        for (i, (sx, sy, sw)) in sums.into_iter().enumerate() {
            if !request.pinned[i] && sw > 0.0 {
                request.seeds[i] = Coord {
                    x: sx / sw,
                    y: sy / sw,
                };
            }
        }
    }
}

/// The Voronoi cells of the seeds, bounded by guard points far outside `bounds`.
/// Cells are returned in seed order with counter-clockwise exteriors.
pub fn voronoi_cells(seeds: &[Coord], bounds: Rect) -> Vec<Polygon> {
    let mut triangulation: DelaunayTriangulation<Point2<f64>> = DelaunayTriangulation::new();
    let reach = (bounds.width() + bounds.height()) * 4.0 + 1000.0;
    let c = bounds.center();
    for (dx, dy) in [
        (-1.0, -1.0),
        (1.0, -1.0),
        (1.0, 1.0),
        (-1.0, 1.0),
        (0.0, -1.5),
        (1.5, 0.0),
        (0.0, 1.5),
        (-1.5, 0.0),
    ] {
        // Guards are finite, distinct points; insertion cannot fail.
        let _ = triangulation.insert(Point2::new(c.x + dx * reach, c.y + dy * reach));
    }
    let handles: Vec<_> = seeds
        .iter()
        .map(|s| triangulation.insert(Point2::new(s.x, s.y)).ok())
        .collect();
    handles
        .into_iter()
        .map(|handle| {
            let Some(handle) = handle else {
                return Polygon::new(Vec::<Coord>::new().into(), vec![]);
            };
            let vertex = triangulation.vertex(handle);
            let mut ring: Vec<Coord> = vertex
                .as_voronoi_face()
                .adjacent_edges()
                .filter_map(|e| e.from().position())
                .map(|p| Coord { x: p.x, y: p.y })
                .collect();
            ring.reverse();
            Polygon::new(ring.into(), vec![])
        })
        .collect()
}

/// Splits the parent into one cell per seed: relax, build the Voronoi diagram, clip, and merge
/// stray pieces into their neighbours. Cells come back in seed order, as multipolygons in
/// metres; the seeds after relaxation are written back into the request.
pub fn partition(request: &mut PartitionRequest<'_>) -> Vec<MultiPolygon> {
    relax(request);
    let Some(bounds) = request.parent.bounding_rect() else {
        return Vec::new();
    };
    let cells = voronoi_cells(&request.seeds, bounds);
    let mut clipped: Vec<MultiPolygon> = cells
        .iter()
        .map(|c| c.intersection(request.parent))
        .collect();
    merge_stray_pieces(&mut clipped, &request.seeds);
    clipped
}

/// Gives every cell a single piece where the parent allows it: each piece but the largest is
/// merged into the cell whose union with it stays in fewer parts (the neighbour it touches).
fn merge_stray_pieces(cells: &mut [MultiPolygon], seeds: &[Coord]) {
    for i in 0..cells.len() {
        if cells[i].0.len() <= 1 {
            continue;
        }
        let mut pieces: Vec<Polygon> = cells[i].0.clone();
        pieces.sort_by(|a, b| b.unsigned_area().total_cmp(&a.unsigned_area()));
        let mut kept = vec![pieces[0].clone()];
        for piece in pieces.into_iter().skip(1) {
            let centre = piece.centroid().map(|p| p.0).unwrap_or(seeds[i]);
            let mut order: Vec<usize> = (0..cells.len()).filter(|&j| j != i).collect();
            order.sort_by(|&a, &b| {
                let da = (seeds[a].x - centre.x).powi(2) + (seeds[a].y - centre.y).powi(2);
                let db = (seeds[b].x - centre.x).powi(2) + (seeds[b].y - centre.y).powi(2);
                da.total_cmp(&db).then(a.cmp(&b))
            });
            let mut placed = false;
            for j in order {
                let merged = cells[j].union(&piece);
                if merged.0.len() <= cells[j].0.len() {
                    cells[j] = merged;
                    placed = true;
                    break;
                }
            }
            if !placed {
                kept.push(piece);
            }
        }
        cells[i] = MultiPolygon::new(kept);
    }
}

/// Random point near `centre` for seeding; used by callers that want jittered starts.
pub fn jitter(centre: Coord, radius: f64, rng: &mut ChaCha8Rng) -> Coord {
    Coord {
        x: centre.x + (rng.random::<f64>() - 0.5) * 2.0 * radius,
        y: centre.y + (rng.random::<f64>() - 0.5) * 2.0 * radius,
    }
}

/// Makes neighbouring cells agree vertex for vertex along their shared edges: vertices closer
/// than `snap` metres become one, and a vertex of one cell lying on an edge of another (within
/// `on_edge` metres) is inserted into that edge. Clipping and merging move vertices by
/// fractions of a millimetre and leave T-junctions; after this, rounding the shared vertices to
/// 7 decimals treats both sides alike, so no sliver opens between neighbours.
pub fn conform(cells: &mut [MultiPolygon], snap: f64, on_edge: f64) {
    let Some(bounds) = cells
        .iter()
        .filter_map(|c| c.bounding_rect())
        .reduce(|a, b| {
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
        })
    else {
        return;
    };
    let bucket = 50.0;
    let mut canonical: Vec<Coord> = Vec::new();
    let mut grid = crate::buckets::Buckets::new(bounds, bucket);
    let snap_to =
        |c: Coord, canonical: &mut Vec<Coord>, grid: &mut crate::buckets::Buckets| -> Coord {
            if let Some(existing) = grid
                .around(c, snap)
                .map(|i| canonical[i as usize])
                .find(|e| (e.x - c.x).hypot(e.y - c.y) <= snap)
            {
                return existing;
            }
            grid.insert(canonical.len() as u32, c, 0.0);
            canonical.push(c);
            c
        };
    for cell in cells.iter_mut() {
        for polygon in cell.0.iter_mut() {
            polygon.exterior_mut(|ring| {
                for c in ring.0.iter_mut() {
                    *c = snap_to(*c, &mut canonical, &mut grid);
                }
            });
            polygon.interiors_mut(|rings| {
                for ring in rings {
                    for c in ring.0.iter_mut() {
                        *c = snap_to(*c, &mut canonical, &mut grid);
                    }
                }
            });
        }
    }
    let split_edges = |ring: &mut geo::LineString| {
        let mut out: Vec<Coord> = Vec::with_capacity(ring.0.len());
        for w in ring.0.windows(2) {
            let (a, b) = (w[0], w[1]);
            out.push(a);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len = dx.hypot(dy);
            if len == 0.0 {
                continue;
            }
            let mid = Coord {
                x: (a.x + b.x) / 2.0,
                y: (a.y + b.y) / 2.0,
            };
            let mut inserts: Vec<(f64, Coord)> = grid
                .around(mid, len / 2.0 + on_edge)
                .map(|i| canonical[i as usize])
                .filter(|v| *v != a && *v != b)
                .filter_map(|v| {
                    let t = ((v.x - a.x) * dx + (v.y - a.y) * dy) / (len * len);
                    let distance = ((v.x - a.x) * dy - (v.y - a.y) * dx).abs() / len;
                    (t > 1e-9 && t < 1.0 - 1e-9 && distance <= on_edge).then_some((t, v))
                })
                .collect();
            inserts.sort_by(|p, q| p.0.total_cmp(&q.0));
            inserts.dedup_by(|p, q| p.1 == q.1);
            out.extend(inserts.into_iter().map(|(_, v)| v));
        }
        if let Some(last) = ring.0.last() {
            out.push(*last);
        }
        ring.0 = out;
    };
    for cell in cells.iter_mut() {
        for polygon in cell.0.iter_mut() {
            polygon.exterior_mut(|ring| split_edges(ring));
            polygon.interiors_mut(|rings| {
                for ring in rings {
                    split_edges(ring);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn square(size: f64) -> MultiPolygon {
        MultiPolygon::new(vec![Polygon::new(
            vec![
                (0.0, 0.0),
                (size, 0.0),
                (size, size),
                (0.0, size),
                (0.0, 0.0),
            ]
            .into(),
            vec![],
        )])
    }

    #[test]
    fn lattice_inside_a_square_counts_its_cells() {
        assert_eq!(lattice_inside(&square(1000.0), 100.0).len(), 100);
    }

    #[test]
    fn voronoi_partition_of_a_square_tiles_it() {
        let parent = square(1000.0);
        let samples = lattice_inside(&parent, 20.0);
        let weights = vec![1.0; samples.len()];
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let seeds = initial_seeds(&samples, &weights, 9, &mut rng);
        let mut request = PartitionRequest {
            parent: &parent,
            samples: &samples,
            weights: &weights,
            pinned: vec![false; 9],
            seeds,
            iterations: 10,
        };
        let cells = partition(&mut request);
        let total: f64 = cells.iter().map(|c| c.unsigned_area()).sum();
        assert!((total - 1_000_000.0).abs() < 1.0, "total {total}");
        for c in &cells {
            assert!(c.unsigned_area() > 60_000.0, "relaxed cells are balanced");
        }
    }
}

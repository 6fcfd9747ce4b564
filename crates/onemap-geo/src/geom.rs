//! Planar polygon primitives shared by the indexes: flat rings, containment, area.

use geo::MultiPolygon;

/// A (multi)polygon as flat closed rings with its bounding box; rings are oriented so that
/// exteriors run counter-clockwise and holes clockwise.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shape {
    pub rings: Vec<Vec<[f64; 2]>>,
    pub min: [f64; 2],
    pub max: [f64; 2],
}

fn signed_area(ring: &[[f64; 2]]) -> f64 {
    let mut s = 0.0;
    for w in ring.windows(2) {
        s += w[0][0] * w[1][1] - w[1][0] * w[0][1];
    }
    s / 2.0
}

impl Shape {
    pub(crate) fn from_multipolygon(mp: &MultiPolygon<f64>) -> Shape {
        let mut rings = Vec::new();
        let mut min = [f64::INFINITY; 2];
        let mut max = [f64::NEG_INFINITY; 2];
        for poly in &mp.0 {
            let all = std::iter::once((poly.exterior(), true))
                .chain(poly.interiors().iter().map(|r| (r, false)));
            for (ls, exterior) in all {
                let mut ring: Vec<[f64; 2]> = ls.0.iter().map(|c| [c.x, c.y]).collect();
                if ring.len() < 3 {
                    continue;
                }
                if ring.first() != ring.last() {
                    ring.push(ring[0]);
                }
                let a = signed_area(&ring);
                if (a < 0.0) == exterior {
                    ring.reverse();
                }
                for p in &ring {
                    for d in 0..2 {
                        min[d] = min[d].min(p[d]);
                        max[d] = max[d].max(p[d]);
                    }
                }
                rings.push(ring);
            }
        }
        if rings.is_empty() {
            min = [0.0; 2];
            max = [0.0; 2];
        }
        Shape { rings, min, max }
    }

    /// Even-odd containment of (x, y); points exactly on an edge may go either way.
    #[inline]
    pub(crate) fn contains(&self, x: f64, y: f64) -> bool {
        if x < self.min[0] || x > self.max[0] || y < self.min[1] || y > self.max[1] {
            return false;
        }
        let mut inside = false;
        for ring in &self.rings {
            for w in ring.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a[1] > y) != (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]
                {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// Area in square units of the plane.
    pub(crate) fn area(&self) -> f64 {
        self.rings.iter().map(|r| signed_area(r)).sum()
    }

    /// The distance from (x, y) to the nearest edge.
    pub(crate) fn boundary_distance(&self, x: f64, y: f64) -> f64 {
        self.edges()
            .map(|(a, b)| point_segment([x, y], a, b).0)
            .fold(f64::INFINITY, f64::min)
    }

    /// Every edge of every ring.
    pub(crate) fn edges(&self) -> impl Iterator<Item = ([f64; 2], [f64; 2])> + '_ {
        self.rings
            .iter()
            .flat_map(|r| r.windows(2).map(|w| (w[0], w[1])))
    }
}

/// Distance from `p` to segment `a`–`b` and the parameter of the nearest point.
#[inline]
pub(crate) fn point_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let d = [b[0] - a[0], b[1] - a[1]];
    let l2 = d[0] * d[0] + d[1] * d[1];
    let t = if l2 == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / l2).clamp(0.0, 1.0)
    };
    let q = [a[0] + t * d[0], a[1] + t * d[1]];
    (((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt(), t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn square_with_a_hole_has_the_right_area_and_containment_either_orientation() {
        let p = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 0.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0)],
            interiors: [[(x: 4.0, y: 4.0), (x: 6.0, y: 4.0), (x: 6.0, y: 6.0), (x: 4.0, y: 6.0)]],
        );
        let s = Shape::from_multipolygon(&MultiPolygon::new(vec![p]));
        assert!((s.area() - 96.0).abs() < 1e-9);
        assert!(s.contains(1.0, 1.0));
        assert!(!s.contains(5.0, 5.0));
        assert!(!s.contains(11.0, 5.0));
        assert!((s.boundary_distance(11.0, 5.0) - 1.0).abs() < 1e-12);
        assert!((s.boundary_distance(5.0, 5.0) - 1.0).abs() < 1e-12);
        assert!((s.boundary_distance(12.0, 13.0) - 13f64.sqrt()).abs() < 1e-12);
    }
}

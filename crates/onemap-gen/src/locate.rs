//! Which sub-grid a point lies in, decided on the written (rounded WGS84) geometry so that the
//! generator and every reader agree.

use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

use crate::plane;

/// An R-tree over the sub-grids' bounding boxes, with exact containment on top.
pub struct SubgridLocator {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    polygons: Vec<MultiPolygon>,
}

impl SubgridLocator {
    /// Indexes the given rounded WGS84 polygons.
    pub fn new(polygons: Vec<MultiPolygon>) -> Self {
        let items = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let r = p.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        SubgridLocator {
            tree: RTree::bulk_load(items),
            polygons,
        }
    }

    /// The one polygon whose interior holds the WGS84 point; `None` when none or more than one
    /// does (on a shared edge, or in a rounding overlap).
    pub fn locate_lonlat(&self, lonlat: Coord) -> Option<usize> {
        let point = Point(lonlat);
        let mut found = None;
        for item in self.tree.locate_all_at_point([lonlat.x, lonlat.y]) {
            if self.polygons[item.data].contains(&point) {
                if found.is_some() {
                    return None;
                }
                found = Some(item.data);
            }
        }
        found
    }

    /// As [`Self::locate_lonlat`] for a point in metres; also returns its rounded WGS84 position.
    pub fn locate_plane(&self, at: Coord) -> Option<(usize, Coord)> {
        let lonlat = plane::to_lonlat(at);
        self.locate_lonlat(lonlat).map(|i| (i, lonlat))
    }

    /// Indexes of the polygons whose bounding boxes meet the WGS84 box.
    pub fn candidates(&self, min: Coord, max: Coord) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(AABB::from_corners([min.x, min.y], [max.x, max.y]))
            .map(|i| i.data)
            .collect();
        v.sort_unstable();
        v
    }
}

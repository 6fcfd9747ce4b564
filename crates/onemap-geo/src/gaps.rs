//! Coverage gaps: the part of the district outside every station's circle, as polygons.
//!
//! The polygons come from clipping the district with the union of the stations' circles,
//! each circle drawn as a regular [`GAP_CIRCLE_SEGMENTS`]-gon inscribed in it (so every building
//! that no exact circle reaches lies inside a gap polygon). The total uncovered area is also
//! given for exact circles ([`crate::coverage::uncovered_area`]).

use geo::{BooleanOps, Coord, LineString, MultiPolygon, Polygon};
use serde::Serialize;

use crate::atlas::Atlas;
use crate::dataset::Service;
use crate::geom::Shape;
use crate::locate::PolygonIndex;

/// Vertices of the polygon that stands for a circle in gap polygons.
pub const GAP_CIRCLE_SEGMENTS: usize = 128;

/// One connected uncovered area.
#[derive(Debug, Clone, PartialEq)]
pub struct GapPolygon {
    /// Outline in WGS84 lon/lat.
    pub geometry: Polygon<f64>,
    /// Planar area of the polygon, km².
    pub area_km2: f64,
    /// Uncovered buildings inside it.
    pub buildings: u64,
    /// Residents of those buildings.
    pub residents: u64,
}

/// The uncovered part of the district for one service (or any).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gaps {
    /// The service, `None` for any station.
    pub service: Option<Service>,
    /// Radius, metres.
    pub radius_m: f64,
    /// Area of the districts, km².
    pub district_km2: f64,
    /// Uncovered area with exact circles, km².
    pub uncovered_km2: f64,
    /// Gap polygons, largest first.
    #[serde(skip)]
    pub polygons: Vec<GapPolygon>,
    /// Indexes (into [`Atlas::buildings`]) of the buildings no circle reaches, ascending.
    pub uncovered_buildings: Vec<usize>,
}

/// A regular `n`-gon inscribed in the circle (c, r), counter-clockwise.
fn ngon(c: [f64; 2], r: f64, n: usize) -> Polygon<f64> {
    let mut pts: Vec<Coord<f64>> = (0..n)
        .map(|k| {
            let a = k as f64 * std::f64::consts::TAU / n as f64;
            Coord {
                x: c[0] + r * a.cos(),
                y: c[1] + r * a.sin(),
            }
        })
        .collect();
    pts.push(pts[0]);
    Polygon::new(LineString::new(pts), vec![])
}

impl Atlas {
    /// The uncovered part of the districts for `service` (any station with `None`) within
    /// `radius_m`: polygons with their area, buildings and residents, and the uncovered
    /// buildings.
    ///
    /// ```
    /// use onemap_geo::dataset::Service;
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// let gaps = atlas.gaps(None, 500.0);
    /// assert_eq!(gaps.uncovered_buildings, vec![2, 3]);
    /// assert_eq!(gaps.polygons.iter().map(|p| p.buildings).sum::<u64>(), 2);
    /// let polygons: f64 = gaps.polygons.iter().map(|p| p.area_km2).sum();
    /// assert!((polygons - gaps.uncovered_km2).abs() < 0.001);
    /// ```
    #[must_use]
    pub fn gaps(&self, service: Option<Service>, radius_m: f64) -> Gaps {
        self.gaps_of_centres(service, &self.service_centres(service), radius_m)
    }

    /// [`Atlas::gaps`] for circles around `centres` (plane points: a scenario's stations)
    /// instead of the saved stations; `service` only labels the answer.
    ///
    /// ```
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// let none = atlas.gaps_of_centres(None, &[], 500.0);
    /// assert_eq!(none.uncovered_buildings.len(), 4);
    /// ```
    #[must_use]
    pub fn gaps_of_centres(
        &self,
        service: Option<Service>,
        centres: &[[f64; 2]],
        radius_m: f64,
    ) -> Gaps {
        let region = MultiPolygon::new(
            self.districts
                .iter()
                .flat_map(|d| d.geometry.0.iter().cloned())
                .collect(),
        );
        let shape = Shape::from_multipolygon(&region);
        let discs: Vec<Polygon<f64>> = centres
            .iter()
            .filter(|c| {
                c[0] >= shape.min[0] - radius_m
                    && c[0] <= shape.max[0] + radius_m
                    && c[1] >= shape.min[1] - radius_m
                    && c[1] <= shape.max[1] + radius_m
            })
            .map(|c| ngon(*c, radius_m, GAP_CIRCLE_SEGMENTS))
            .collect();
        let uncovered_shape = if discs.is_empty() || radius_m <= 0.0 {
            region.clone()
        } else {
            region.difference(&geo::unary_union(&discs))
        };
        let parts: Vec<MultiPolygon<f64>> = uncovered_shape
            .0
            .iter()
            .map(|p| MultiPolygon::new(vec![p.clone()]))
            .collect();
        let index = PolygonIndex::new(&parts);
        let covered = crate::coverage::covered_mask(&self.building_index, centres, radius_m);
        let mut counts = vec![(0u64, 0u64); parts.len()];
        let mut uncovered_buildings = Vec::new();
        for (b, &cov) in covered.iter().enumerate() {
            if cov {
                continue;
            }
            uncovered_buildings.push(b);
            let [x, y] = self.building_xy[b];
            if let Some(p) = index.locate(x, y) {
                counts[p as usize].0 += 1;
                counts[p as usize].1 += u64::from(self.buildings[b].residents);
            }
        }
        let unproject = |ls: &LineString<f64>| {
            LineString::new(
                ls.0.iter()
                    .map(|c| {
                        let (x, y) = self.plane.inverse(c.x, c.y);
                        Coord { x, y }
                    })
                    .collect(),
            )
        };
        let mut polygons: Vec<GapPolygon> = parts
            .iter()
            .zip(counts)
            .map(|(mp, (buildings, residents))| {
                let p = &mp.0[0];
                GapPolygon {
                    geometry: Polygon::new(
                        unproject(p.exterior()),
                        p.interiors().iter().map(unproject).collect(),
                    ),
                    area_km2: Shape::from_multipolygon(mp).area() / 1e6,
                    buildings,
                    residents,
                }
            })
            .collect();
        polygons.sort_by(|a, b| b.area_km2.total_cmp(&a.area_km2));
        Gaps {
            service,
            radius_m,
            district_km2: shape.area() / 1e6,
            uncovered_km2: crate::coverage::uncovered_area_of_shape(&shape, centres, radius_m)
                / 1e6,
            polygons,
            uncovered_buildings,
        }
    }
}

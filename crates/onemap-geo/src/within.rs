//! Buildings inside a polygon or within a radius, with counts by safety rating.

use geo::MultiPolygon;
use serde::Serialize;

use crate::atlas::Atlas;
use crate::dataset::Rating;
use crate::geom::Shape;

/// Buildings found by a `within` query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Within {
    /// Indexes into [`Atlas::buildings`], ascending.
    pub buildings: Vec<usize>,
    /// Counts by rating: safe, general, warning.
    pub safe: u64,
    /// 一般级.
    pub general: u64,
    /// 警示级.
    pub warning: u64,
    /// Residents of the buildings.
    pub residents: u64,
}

impl Atlas {
    fn summarise(&self, mut buildings: Vec<usize>) -> Within {
        buildings.sort_unstable();
        let mut w = Within {
            buildings: Vec::new(),
            safe: 0,
            general: 0,
            warning: 0,
            residents: 0,
        };
        for &b in &buildings {
            let bl = &self.buildings[b];
            w.residents += u64::from(bl.residents);
            match bl.rating {
                Rating::Safe => w.safe += 1,
                Rating::General => w.general += 1,
                Rating::Warning => w.warning += 1,
            }
        }
        w.buildings = buildings;
        w
    }

    /// Buildings within `radius_m` (planar, Atlas plane) of (lon, lat).
    ///
    /// ```
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// let w = atlas.buildings_within_radius(113.905, 22.705, 100.0);
    /// assert_eq!(w.buildings, vec![0]);
    /// assert_eq!((w.safe, w.general, w.warning), (1, 0, 0));
    /// ```
    #[must_use]
    pub fn buildings_within_radius(&self, lon: f64, lat: f64, radius_m: f64) -> Within {
        let [x, y] = self.project(lon, lat);
        let mut found = Vec::new();
        self.building_index
            .for_each_within(x, y, radius_m, |id, _| found.push(id as usize));
        self.summarise(found)
    }

    /// Buildings inside a polygon given in WGS84 lon/lat (interior; holes excluded).
    ///
    /// ```
    /// use geo::{MultiPolygon, polygon};
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// let east = polygon![(x: 113.91, y: 22.70), (x: 113.92, y: 22.70), (x: 113.92, y: 22.72), (x: 113.91, y: 22.72)];
    /// let w = atlas.buildings_in_polygon(&MultiPolygon::new(vec![east]));
    /// assert_eq!(w.buildings, vec![1, 2]);
    /// assert_eq!((w.safe, w.general, w.warning, w.residents), (0, 1, 1, 70));
    /// ```
    #[must_use]
    pub fn buildings_in_polygon(&self, polygon_lonlat: &MultiPolygon<f64>) -> Within {
        let projected = geo::MapCoords::map_coords(polygon_lonlat, |c| {
            let (x, y) = self.plane.forward(c.x, c.y);
            geo::Coord { x, y }
        });
        let shape = Shape::from_multipolygon(&projected);
        let mut found = Vec::new();
        if !shape.rings.is_empty() {
            self.building_index
                .for_each_in_rect(shape.min, shape.max, |id| {
                    let [x, y] = self.building_xy[id as usize];
                    if shape.contains(x, y) {
                        found.push(id as usize);
                    }
                });
        }
        self.summarise(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{Building, Dataset};
    use geo::{Coord, LineString, Polygon};
    use proptest::prelude::*;

    fn atlas_with(points: &[(f64, f64, u8)]) -> Atlas {
        let buildings = points
            .iter()
            .enumerate()
            .map(|(i, &(lon, lat, r))| Building {
                id: format!("B-{i:06}"),
                address: String::new(),
                residents: 10,
                rating: Rating::ALL[usize::from(r % 3)],
                kind: "village".into(),
                subgrid_code: String::new(),
                lon,
                lat,
            })
            .collect();
        match Atlas::from_dataset(Dataset {
            buildings,
            ..Dataset::default()
        }) {
            Ok(a) => a,
            Err(e) => panic!("{e}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 100, rng_seed: proptest::test_runner::RngSeed::Fixed(13), ..ProptestConfig::default() })]

        #[test]
        fn radius_and_polygon_queries_agree_with_brute_force(
            pts in prop::collection::vec((113.85..113.95f64, 22.70..22.80f64, 0u8..3), 0..400),
            q in (113.85..113.95f64, 22.70..22.80f64), r in 0.0..4000.0f64,
            radii in prop::collection::vec(0.002..0.04f64, 3..10),
        ) {
            let atlas = atlas_with(&pts);
            let xy: Vec<[f64; 2]> = pts.iter().map(|&(lon, lat, _)| atlas.project(lon, lat)).collect();
            let [qx, qy] = atlas.project(q.0, q.1);
            let want: Vec<usize> = (0..pts.len()).filter(|&i| ((xy[i][0] - qx).powi(2) + (xy[i][1] - qy).powi(2)).sqrt() <= r).collect();
            let got = atlas.buildings_within_radius(q.0, q.1, r);
            prop_assert_eq!(&got.buildings, &want);
            prop_assert_eq!(got.safe + got.general + got.warning, want.len() as u64);

            let n = radii.len();
            let ring: Vec<Coord<f64>> = radii.iter().enumerate().map(|(k, rr)| {
                let a = k as f64 * std::f64::consts::TAU / n as f64;
                Coord { x: q.0 + rr * a.cos(), y: q.1 + rr * a.sin() }
            }).collect();
            let poly = MultiPolygon::new(vec![Polygon::new(LineString::new(ring), vec![])]);
            let projected = geo::MapCoords::map_coords(&poly, |c| {
                let [x, y] = atlas.project(c.x, c.y);
                Coord { x, y }
            });
            let want: Vec<usize> = (0..pts.len())
                .filter(|&i| geo::Contains::contains(&projected, &geo::Point::new(xy[i][0], xy[i][1])))
                .collect();
            prop_assert_eq!(atlas.buildings_in_polygon(&poly).buildings, want);
        }
    }
}

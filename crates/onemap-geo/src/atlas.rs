//! The Atlas: an immutable in-memory snapshot of a dataset with its spatial indexes.
//!
//! Everything is projected once, on load, into the local metric plane
//! ([`TransverseMercator::LOCAL`]); queries answer in metres. An Atlas is `Send + Sync` and
//! never changes after it is built: keep it behind an `Arc` and swap the whole `Arc` when the
//! data changes, so readers never block writers.

use std::collections::HashMap;
use std::path::Path;

use geo::{Coord, LineString, MultiPolygon, Polygon};

use crate::dataset::{
    AdminLevel, AdminUnit, Building, Camera, Dataset, DatasetError, Service, Station,
};
use crate::index::PointIndex;
use crate::locate::PolygonIndex;
use crate::projection::TransverseMercator;

/// An administrative unit projected into the Atlas plane.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Level in the tree.
    pub level: AdminLevel,
    /// Statistics code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Index of the parent unit in the next level up (0 for a district).
    pub parent: usize,
    /// Residents (sum over its sub-grids for upper levels).
    pub population: u64,
    /// Outline in plane metres.
    pub geometry: MultiPolygon<f64>,
    /// Planar area, square metres.
    pub area_m2: f64,
}

/// Immutable snapshot of a dataset with its indexes. See the module documentation.
///
/// ```
/// use std::sync::Arc;
/// let atlas = Arc::new(onemap_geo::atlas::Atlas::example());
/// let reader = Arc::clone(&atlas);
/// std::thread::spawn(move || reader.locate(113.905, 22.705)).join().unwrap();
/// ```
#[derive(Debug)]
pub struct Atlas {
    pub(crate) plane: TransverseMercator,
    pub(crate) districts: Vec<Unit>,
    pub(crate) streets: Vec<Unit>,
    pub(crate) communities: Vec<Unit>,
    pub(crate) subgrids: Vec<Unit>,
    pub(crate) subgrid_index: PolygonIndex,
    pub(crate) stations: Vec<Station>,
    pub(crate) station_xy: Vec<[f64; 2]>,
    pub(crate) station_index: PointIndex,
    pub(crate) service_index: [PointIndex; 3],
    pub(crate) buildings: Vec<Building>,
    pub(crate) building_xy: Vec<[f64; 2]>,
    pub(crate) building_index: PointIndex,
    /// Sub-grid (index) of each building by location, `u32::MAX` if outside every sub-grid.
    pub(crate) building_subgrid: Vec<u32>,
    pub(crate) cameras: Vec<Camera>,
    pub(crate) camera_xy: Vec<[f64; 2]>,
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Atlas>();
};

fn project_mp(plane: &TransverseMercator, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let ring = |ls: &LineString<f64>| {
        LineString::new(
            ls.0.iter()
                .map(|c| {
                    let (x, y) = plane.forward(c.x, c.y);
                    Coord { x, y }
                })
                .collect(),
        )
    };
    MultiPolygon::new(
        mp.0.iter()
            .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
            .collect(),
    )
}

fn units(
    plane: &TransverseMercator,
    src: &[AdminUnit],
    parents: Option<&[Unit]>,
    layer: &'static str,
) -> Result<Vec<Unit>, DatasetError> {
    let by_code: HashMap<&str, usize> = parents
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    src.iter()
        .map(|u| {
            let parent = match (parents, u.parent_code.as_deref()) {
                (None, _) => 0,
                (Some(_), Some(code)) => *by_code.get(code).ok_or_else(|| DatasetError::Parse {
                    layer,
                    message: format!("{} {}: unknown parent {code}", layer, u.code),
                })?,
                (Some(_), None) => {
                    return Err(DatasetError::Parse {
                        layer,
                        message: format!("{} {}: no parent code", layer, u.code),
                    });
                }
            };
            let geometry = project_mp(plane, &u.geometry);
            let area_m2 = crate::geom::Shape::from_multipolygon(&geometry).area();
            Ok(Unit {
                level: u.level,
                code: u.code.clone(),
                name: u.name.clone(),
                parent,
                population: u.population.unwrap_or(0),
                geometry,
                area_m2,
            })
        })
        .collect()
}

impl Atlas {
    /// Builds an Atlas from parsed layers: projects everything into [`TransverseMercator::LOCAL`]
    /// and builds the indexes.
    ///
    /// ```
    /// use onemap_geo::{atlas::Atlas, dataset::Dataset};
    /// let atlas = Atlas::from_dataset(Dataset::default()).unwrap();
    /// assert!(atlas.locate(113.9, 22.7).is_none());
    /// ```
    ///
    /// # Errors
    /// [`DatasetError::Parse`] when a unit names a parent that does not exist.
    pub fn from_dataset(ds: Dataset) -> Result<Atlas, DatasetError> {
        let plane = TransverseMercator::LOCAL;
        let districts = units(&plane, &ds.districts, None, "districts")?;
        let mut streets = units(&plane, &ds.streets, Some(&districts), "streets")?;
        let mut communities = units(&plane, &ds.communities, Some(&streets), "communities")?;
        let subgrids = units(&plane, &ds.subgrids, Some(&communities), "subgrids")?;
        let mut districts = districts;
        for s in &subgrids {
            communities[s.parent].population += s.population;
        }
        for c in &communities {
            streets[c.parent].population += c.population;
        }
        for s in &streets {
            districts[s.parent].population += s.population;
        }
        let subgrid_index = PolygonIndex::new(
            &subgrids
                .iter()
                .map(|u| u.geometry.clone())
                .collect::<Vec<_>>(),
        );
        let proj = |lon: f64, lat: f64| {
            let (x, y) = plane.forward(lon, lat);
            [x, y]
        };
        let station_xy: Vec<[f64; 2]> = ds.stations.iter().map(|s| proj(s.lon, s.lat)).collect();
        let station_index = PointIndex::new(&station_xy);
        let service_index = Service::ALL.map(|svc| {
            let (pts, ids): (Vec<[f64; 2]>, Vec<u32>) = ds
                .stations
                .iter()
                .zip(&station_xy)
                .enumerate()
                .filter(|(_, (s, _))| s.offers(svc))
                .map(|(i, (_, p))| (*p, i as u32))
                .unzip();
            PointIndex::with_ids(&pts, &ids)
        });
        let building_xy: Vec<[f64; 2]> = ds.buildings.iter().map(|b| proj(b.lon, b.lat)).collect();
        let ids: Vec<u32> = (0..building_xy.len() as u32).collect();
        let building_index = PointIndex::with_cell(&building_xy, &ids, 50.0);
        let building_subgrid = subgrid_index
            .locate_all(&building_xy)
            .into_iter()
            .map(|s| u32::try_from(s).unwrap_or(u32::MAX))
            .collect();
        let camera_xy = ds.cameras.iter().map(|c| proj(c.lon, c.lat)).collect();
        Ok(Atlas {
            plane,
            districts,
            streets,
            communities,
            subgrids,
            subgrid_index,
            stations: ds.stations,
            station_xy,
            station_index,
            service_index,
            buildings: ds.buildings,
            building_xy,
            building_index,
            building_subgrid,
            cameras: ds.cameras,
            camera_xy,
        })
    }

    /// Reads a dataset directory (the layout of `geodata/guangming/`) into an Atlas.
    ///
    /// ```no_run
    /// let atlas = onemap_geo::atlas::Atlas::load_dir("geodata/guangming".as_ref()).unwrap();
    /// println!("{} sub-grids", atlas.subgrids().len());
    /// ```
    ///
    /// # Errors
    /// See [`Dataset::from_dir`] and [`Atlas::from_dataset`].
    pub fn load_dir(dir: &Path) -> Result<Atlas, DatasetError> {
        Atlas::from_dataset(Dataset::from_dir(dir)?)
    }

    /// The metric plane the Atlas works in.
    ///
    /// ```
    /// use onemap_geo::projection::TransverseMercator;
    /// assert_eq!(onemap_geo::atlas::Atlas::example().plane(), TransverseMercator::LOCAL);
    /// ```
    #[must_use]
    pub fn plane(&self) -> TransverseMercator {
        self.plane
    }

    /// Projects lon/lat (degrees) into the Atlas plane (metres).
    ///
    /// ```
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// let a = atlas.project(113.90, 22.70);
    /// let b = atlas.project(113.91, 22.70);
    /// assert!((b[0] - a[0] - 1027.0).abs() < 2.0); // 0.01° of longitude at 22.7°N
    /// ```
    #[must_use]
    pub fn project(&self, lon: f64, lat: f64) -> [f64; 2] {
        let (x, y) = self.plane.forward(lon, lat);
        [x, y]
    }

    /// Units of one level of the tree.
    ///
    /// ```
    /// use onemap_geo::dataset::AdminLevel;
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// assert_eq!(atlas.units(AdminLevel::Subgrid).len(), 2);
    /// ```
    #[must_use]
    pub fn units(&self, level: AdminLevel) -> &[Unit] {
        match level {
            AdminLevel::District => &self.districts,
            AdminLevel::Street => &self.streets,
            AdminLevel::Community => &self.communities,
            AdminLevel::Subgrid => &self.subgrids,
        }
    }

    /// The districts.
    ///
    /// ```
    /// assert_eq!(onemap_geo::atlas::Atlas::example().districts()[0].code, "440311");
    /// ```
    #[must_use]
    pub fn districts(&self) -> &[Unit] {
        &self.districts
    }

    /// The red sub-grids.
    ///
    /// ```
    /// assert_eq!(onemap_geo::atlas::Atlas::example().subgrids()[1].code, "440311001001002");
    /// ```
    #[must_use]
    pub fn subgrids(&self) -> &[Unit] {
        &self.subgrids
    }

    /// The service halls and stations.
    ///
    /// ```
    /// assert_eq!(onemap_geo::atlas::Atlas::example().stations()[0].id, "ST-0001");
    /// ```
    #[must_use]
    pub fn stations(&self) -> &[Station] {
        &self.stations
    }

    /// The buildings.
    ///
    /// ```
    /// assert_eq!(onemap_geo::atlas::Atlas::example().buildings().len(), 4);
    /// ```
    #[must_use]
    pub fn buildings(&self) -> &[Building] {
        &self.buildings
    }

    /// The buildings' positions in the plane, in building order.
    ///
    /// ```
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// assert_eq!(atlas.building_xy().len(), atlas.buildings().len());
    /// ```
    #[must_use]
    pub fn building_xy(&self) -> &[[f64; 2]] {
        &self.building_xy
    }

    /// The sub-grid (index into [`Atlas::subgrids`]) each building lies in, in building order;
    /// `u32::MAX` for a building outside every sub-grid.
    ///
    /// ```
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// assert_eq!(atlas.building_subgrids(), &[0, 1, 1, 0]);
    /// ```
    #[must_use]
    pub fn building_subgrids(&self) -> &[u32] {
        &self.building_subgrid
    }

    /// The cameras.
    ///
    /// ```
    /// assert_eq!(onemap_geo::atlas::Atlas::example().cameras().len(), 1);
    /// ```
    #[must_use]
    pub fn cameras(&self) -> &[Camera] {
        &self.cameras
    }

    /// The cameras' positions in the plane, in camera order.
    ///
    /// ```
    /// assert_eq!(onemap_geo::atlas::Atlas::example().camera_xy().len(), 1);
    /// ```
    #[must_use]
    pub fn camera_xy(&self) -> &[[f64; 2]] {
        &self.camera_xy
    }

    /// A tiny hand-made Atlas for examples: district 光明区 (113.90–113.92°E, 22.70–22.72°N), one
    /// street and community, two sub-grids split at 113.91°E, two stations (a district hall
    /// offering every service at 113.905, 22.705 and an appeal station at 113.915, 22.715),
    /// four buildings and one camera.
    ///
    /// ```
    /// let atlas = onemap_geo::atlas::Atlas::example();
    /// assert_eq!(atlas.stations().len(), 2);
    /// ```
    #[must_use]
    pub fn example() -> Atlas {
        let fc = |features: &[String]| {
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            )
        };
        let rect = |x0: f64, x1: f64| {
            format!(
                r#"{{"type":"Polygon","coordinates":[[[{x0},22.70],[{x1},22.70],[{x1},22.72],[{x0},22.72],[{x0},22.70]]]}}"#
            )
        };
        let unit = |props: &str, geom: String| {
            format!(r#"{{"type":"Feature","properties":{{{props}}},"geometry":{geom}}}"#)
        };
        let point = |props: &str, lon: f64, lat: f64| {
            format!(
                r#"{{"type":"Feature","properties":{{{props}}},"geometry":{{"type":"Point","coordinates":[{lon},{lat}]}}}}"#
            )
        };
        let districts = fc(&[unit(
            r#""code":"440311","name":"光明区""#,
            rect(113.90, 113.92),
        )]);
        let streets = fc(&[unit(
            r#""code":"440311001","name":"光明街道","district_code":"440311""#,
            rect(113.90, 113.92),
        )]);
        let communities = fc(&[unit(
            r#""code":"440311001001","name":"光明社区","street_code":"440311001","district_code":"440311""#,
            rect(113.90, 113.92),
        )]);
        let subgrids = fc(&[
            unit(
                r#""code":"440311001001001","name":"光明社区第1小分格","community_code":"440311001001","population":5000"#,
                rect(113.90, 113.91),
            ),
            unit(
                r#""code":"440311001001002","name":"光明社区第2小分格","community_code":"440311001001","population":4000"#,
                rect(113.91, 113.92),
            ),
        ]);
        let stations = fc(&[
            point(
                r#""id":"ST-0001","name":"光明区群众诉求服务大厅","level":"district_hall","services":["appeal","legal","psych"],"hours":"09:00-18:00","subgrid_code":"440311001001001""#,
                113.905,
                22.705,
            ),
            point(
                r#""id":"ST-0002","name":"第2小分格服务站","level":"subgrid_station","services":["appeal"],"hours":"24h","subgrid_code":"440311001001002""#,
                113.915,
                22.715,
            ),
        ]);
        let b = |id: &str, rating: &str, residents: u32, lon: f64, lat: f64| {
            point(
                &format!(
                    r#""id":"{id}","address":"光明社区{id}号","residents":{residents},"rating":"{rating}","kind":"village","subgrid_code":"""#
                ),
                lon,
                lat,
            )
        };
        let buildings = fc(&[
            b("B-000001", "safe", 20, 113.9052, 22.7052),
            b("B-000002", "general", 30, 113.9150, 22.7180),
            b("B-000003", "warning", 40, 113.9195, 22.7015),
            b("B-000004", "safe", 10, 113.9015, 22.7190),
        ]);
        let cameras = fc(&[point(
            r#""id":"CAM-0001","name":"光明大道探头","kind":"road","subgrid_code":"440311001001001""#,
            113.906,
            22.706,
        )]);
        let ds = Dataset::from_sources(&crate::dataset::Sources {
            districts: &districts,
            streets: &streets,
            communities: &communities,
            subgrids: &subgrids,
            stations: &stations,
            buildings: &buildings,
            cameras: &cameras,
        });
        match ds.and_then(Atlas::from_dataset) {
            Ok(a) => a,
            Err(e) => panic!("the example dataset is valid: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Geodesic, Point};
    use rand::{Rng, SeedableRng};

    #[test]
    fn planar_distances_are_within_a_tenth_of_a_percent_of_geodesic_anywhere_in_shenzhen() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2024);
        let plane = TransverseMercator::LOCAL;
        let mut worst: f64 = 0.0;
        for _ in 0..20_000 {
            // Shenzhen's extent with a margin: 113.7–114.7°E, 22.4–22.9°N.
            let a = (rng.random_range(113.7..114.7), rng.random_range(22.4..22.9));
            let b = (rng.random_range(113.7..114.7), rng.random_range(22.4..22.9));
            let g = Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1));
            if g < 1.0 {
                continue;
            }
            let (ax, ay) = plane.forward(a.0, a.1);
            let (bx, by) = plane.forward(b.0, b.1);
            let p = ((ax - bx).powi(2) + (ay - by).powi(2)).sqrt();
            worst = worst.max((p - g).abs() / g);
        }
        assert!(worst < 1e-3, "worst relative error {worst}");
        // And it is far better than required: the scale error of TM at 0.7° off the meridian.
        assert!(worst < 1e-4, "worst relative error {worst}");
    }

    #[test]
    fn short_distances_at_the_edges_of_shenzhen_are_accurate_too() {
        let plane = TransverseMercator::LOCAL;
        for (lon, lat) in [
            (113.75, 22.45),
            (114.62, 22.85),
            (114.62, 22.45),
            (113.75, 22.86),
        ] {
            for (dlon, dlat) in [(0.0001, 0.0), (0.0, 0.0001), (0.003, 0.004)] {
                let g = Geodesic.distance(Point::new(lon, lat), Point::new(lon + dlon, lat + dlat));
                let (ax, ay) = plane.forward(lon, lat);
                let (bx, by) = plane.forward(lon + dlon, lat + dlat);
                let p = ((ax - bx).powi(2) + (ay - by).powi(2)).sqrt();
                assert!((p - g).abs() / g < 1e-3, "{lon},{lat}: {p} vs {g}");
            }
        }
    }

    #[test]
    fn upper_units_sum_the_population_of_their_sub_grids() {
        let atlas = Atlas::example();
        assert_eq!(atlas.districts()[0].population, 9000);
        assert_eq!(atlas.units(AdminLevel::Community)[0].population, 9000);
    }

    #[test]
    fn a_sub_grid_naming_an_unknown_community_is_rejected() {
        let mut ds = Dataset::default();
        ds.subgrids.push(AdminUnit {
            level: AdminLevel::Subgrid,
            code: "440311001001001".into(),
            name: "x".into(),
            parent_code: Some("999".into()),
            population: None,
            geometry: MultiPolygon::new(vec![]),
        });
        assert!(Atlas::from_dataset(ds).is_err());
    }
}

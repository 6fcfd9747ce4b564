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

    #[test]
    fn nearest_stations_of_a_service_skip_stations_without_it() {
        let atlas = Atlas::example();
        let all = atlas.nearest_stations(113.915, 22.715, None, 1);
        assert_eq!(all[0].id, "ST-0002");
        let psych = atlas.nearest_stations(113.915, 22.715, Some(Service::Psych), 1);
        assert_eq!(psych[0].id, "ST-0001");
    }
}

//! Service halls and stations, "1+6+31+N": one hall per district, street and community and a
//! station per red sub-grid (at city scale only in the busiest sub-grids), each at the busiest
//! place of its area: the building with most neighbours.

use geo::{Coord, InteriorPoint};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::admin::Territory;
use crate::buckets::Buckets;
use crate::buildings::Building;
use crate::locate::SubgridLocator;
use crate::profile::ScaleProfile;

/// Level of a station in the 1+6+31+N system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StationLevel {
    /// 区群众诉求服务大厅.
    DistrictHall,
    /// 街道群众诉求服务大厅.
    StreetHall,
    /// 社区群众诉求服务大厅.
    CommunityHall,
    /// 小分格服务站点.
    SubgridStation,
}

impl StationLevel {
    /// The schema's `level` value.
    pub fn as_str(self) -> &'static str {
        match self {
            StationLevel::DistrictHall => "district_hall",
            StationLevel::StreetHall => "street_hall",
            StationLevel::CommunityHall => "community_hall",
            StationLevel::SubgridStation => "subgrid_station",
        }
    }
}

/// One hall or station.
#[derive(Debug, Clone)]
pub struct Station {
    /// Name.
    pub name: String,
    /// Level.
    pub level: StationLevel,
    /// Services offered, a subset of appeal / legal / psych in that order.
    pub services: Vec<&'static str>,
    /// Opening hours.
    pub hours: &'static str,
    /// Position, metres.
    pub at: Coord,
    /// Position as written.
    pub lonlat: Coord,
    /// Index of its sub-grid.
    pub subgrid: usize,
}

/// Building density: buildings per 250 m cell summed over the 3×3 cells around each building.
fn densities(buildings: &[Building], territory: &Territory) -> Vec<u32> {
    let bounds = crate::admin::territory_bounds(&territory.districts);
    let mut grid = Buckets::new(bounds, 250.0);
    for (i, b) in buildings.iter().enumerate() {
        grid.insert(i as u32, b.at, 0.0);
    }
    buildings
        .iter()
        .map(|b| grid.around(b.at, 250.0).count() as u32)
        .collect()
}

/// The densest building among `candidates` not yet taken by another station.
fn busiest(
    candidates: impl Iterator<Item = usize>,
    density: &[u32],
    taken: &[bool],
) -> Option<usize> {
    candidates
        .filter(|&i| !taken[i])
        .max_by(|&a, &b| density[a].cmp(&density[b]).then(b.cmp(&a)))
}

/// Sites all halls and stations.
pub fn build(
    territory: &Territory,
    buildings: &[Building],
    locator: &SubgridLocator,
    profile: &ScaleProfile,
    rng: &mut ChaCha8Rng,
) -> Vec<Station> {
    let density = densities(buildings, territory);
    let mut taken = vec![false; buildings.len()];
    let street_of =
        |b: &Building| territory.communities[territory.subgrids[b.subgrid].parent].parent;
    let mut stations = Vec::new();
    let site = |chosen: Option<usize>,
                fallback: usize,
                taken: &mut Vec<bool>|
     -> Option<(Coord, Coord, usize)> {
        if let Some(i) = chosen {
            taken[i] = true;
            let b = &buildings[i];
            // Beside the building, on its street side.
            let beside = Coord {
                x: b.at.x + 6.0,
                y: b.at.y + 6.0,
            };
            return match locator.locate_plane(beside) {
                Some((s, lonlat)) if s == b.subgrid => Some((beside, lonlat, s)),
                _ => Some((b.at, b.lonlat, b.subgrid)),
            };
        }
        // No building at all: the sub-grid's interior point.
        let p = territory.subgrids[fallback].plane.interior_point()?.0;
        locator.locate_plane(p).map(|(s, lonlat)| (p, lonlat, s))
    };
    let all = ["appeal", "legal", "psych"];
    for (d_index, district) in territory.districts.iter().enumerate() {
        // The district centre sits in the street that shares the district's name, if any.
        let stem = district.name.trim_end_matches('区');
        let namesake = territory
            .streets
            .iter()
            .position(|s| s.parent == d_index && s.name == format!("{stem}街道"));
        let members = (0..buildings.len()).filter(|&i| {
            let street = street_of(&buildings[i]);
            territory.streets[street].parent == d_index
                && namesake.is_none_or(|n| n == street)
                && buildings[i].kind != crate::landuse::SettlementKind::Dormitory
        });
        let chosen = busiest(members, &density, &taken);
        let fallback = territory
            .subgrids
            .iter()
            .position(|s| {
                territory.streets[territory.communities[s.parent].parent].parent == d_index
            })
            .unwrap_or(0);
        if let Some((at, lonlat, subgrid)) = site(chosen, fallback, &mut taken) {
            stations.push(Station {
                name: format!("{}群众诉求服务中心", district.name),
                level: StationLevel::DistrictHall,
                services: all.to_vec(),
                hours: "24h",
                at,
                lonlat,
                subgrid,
            });
        }
    }
    for (s_index, street) in territory.streets.iter().enumerate() {
        let members = (0..buildings.len()).filter(|&i| {
            street_of(&buildings[i]) == s_index
                && buildings[i].kind != crate::landuse::SettlementKind::Dormitory
        });
        let chosen = busiest(members, &density, &taken);
        let fallback = territory
            .subgrids
            .iter()
            .position(|s| territory.communities[s.parent].parent == s_index)
            .unwrap_or(0);
        if let Some((at, lonlat, subgrid)) = site(chosen, fallback, &mut taken) {
            stations.push(Station {
                name: format!("{}群众诉求服务大厅", street.name),
                level: StationLevel::StreetHall,
                services: all.to_vec(),
                hours: "09:00-18:00",
                at,
                lonlat,
                subgrid,
            });
        }
    }
    let mut by_subgrid: Vec<Vec<usize>> = vec![Vec::new(); territory.subgrids.len()];
    for (i, b) in buildings.iter().enumerate() {
        by_subgrid[b.subgrid].push(i);
    }
    for (c_index, community) in territory.communities.iter().enumerate() {
        let members = (0..territory.subgrids.len())
            .filter(|&s| territory.subgrids[s].parent == c_index)
            .flat_map(|s| by_subgrid[s].iter().copied());
        let chosen = busiest(members, &density, &taken);
        let fallback = territory
            .subgrids
            .iter()
            .position(|s| s.parent == c_index)
            .unwrap_or(0);
        if let Some((at, lonlat, subgrid)) = site(chosen, fallback, &mut taken) {
            stations.push(Station {
                name: format!("{}群众诉求服务大厅", community.name),
                level: StationLevel::CommunityHall,
                services: all.to_vec(),
                hours: "08:30-18:00",
                at,
                lonlat,
                subgrid,
            });
        }
    }
    // Sub-grid stations: every sub-grid, or the busiest ones by residents.
    let mut chosen_subgrids: Vec<usize> = (0..territory.subgrids.len()).collect();
    if let Some(n) = profile.subgrid_stations {
        let residents: Vec<u64> = by_subgrid
            .iter()
            .map(|v| v.iter().map(|&i| u64::from(buildings[i].residents)).sum())
            .collect();
        chosen_subgrids.sort_by(|&a, &b| residents[b].cmp(&residents[a]).then(a.cmp(&b)));
        chosen_subgrids.truncate(n);
        chosen_subgrids.sort_unstable();
    }
    for s_index in chosen_subgrids {
        let chosen = busiest(by_subgrid[s_index].iter().copied(), &density, &taken);
        if let Some((at, lonlat, subgrid)) = site(chosen, s_index, &mut taken) {
            let mut services = Vec::new();
            if rng.random::<f64>() < 0.9 {
                services.push("appeal");
            }
            if rng.random::<f64>() < 0.3 {
                services.push("legal");
            }
            if rng.random::<f64>() < 0.22 {
                services.push("psych");
            }
            if services.is_empty() {
                services.push("appeal");
            }
            let hours = ["09:00-18:00", "09:00-21:00", "14:00-21:00", "09:00-18:00"]
                [rng.random_range(0..4)];
            stations.push(Station {
                name: format!("{}服务站", territory.subgrids[s_index].name),
                level: StationLevel::SubgridStation,
                services,
                hours,
                at,
                lonlat,
                subgrid,
            });
        }
    }
    stations
}

/// Share of buildings within `radius` metres (straight line) of a station offering `service`
/// (any service when `None`).
pub fn building_coverage(
    buildings: &[Building],
    stations: &[Station],
    service: Option<&str>,
    radius: f64,
) -> f64 {
    let offering: Vec<&Station> = stations
        .iter()
        .filter(|s| service.is_none_or(|sv| s.services.contains(&sv)))
        .collect();
    if buildings.is_empty() {
        return 0.0;
    }
    let Some(bounds) = geo::BoundingRect::bounding_rect(&geo::MultiPoint::from(
        buildings
            .iter()
            .map(|b| geo::Point(b.at))
            .collect::<Vec<_>>(),
    )) else {
        return 0.0;
    };
    let mut grid = Buckets::new(bounds, radius);
    for (i, s) in offering.iter().enumerate() {
        grid.insert(i as u32, s.at, 0.0);
    }
    let covered = buildings
        .iter()
        .filter(|b| {
            grid.around(b.at, radius).any(|i| {
                let s = offering[i as usize];
                (s.at.x - b.at.x).powi(2) + (s.at.y - b.at.y).powi(2) <= radius * radius
            })
        })
        .count();
    covered as f64 / buildings.len() as f64
}

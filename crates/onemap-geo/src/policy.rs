//! The policy check: "every sub-grid has a station of each service within 500 m of its
//! residents" (每个红色小分格的居民 500 米内都有三类服务站点), as a report.
//!
//! A sub-grid passes for a service when every building with residents located in it has a
//! station offering the service within the radius. For each failing sub-grid the report gives
//! by how much (residents and buildings left out, the covered share of its residents) and the
//! cheapest local fix: the fewest sites (at a building, or adding the service at an existing
//! hall) that would make it pass on its own, solved exactly by branch and bound when the search
//! fits a node budget, else greedy with a lower bound. For the whole district it gives the
//! fewest stations that make every sub-grid pass at once (one station often fixes several
//! sub-grids): greedy set cover with its lower bound.

use serde::Serialize;

use crate::atlas::Atlas;
use crate::dataset::Service;
use crate::index::PointIndex;
use crate::suggest::{
    Candidates, Hall, Objective, Request, SiteKind, Stop, Suggestion, exact_max_coverage,
    lazy_greedy, suggest,
};

/// Branch-and-bound nodes allowed per sub-grid's exact fix.
pub const LOCAL_NODE_BUDGET: u64 = 200_000;

/// A site of a local fix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixSite {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// What stands there.
    pub kind: SiteKind,
    /// Residents of the failing sub-grid it newly covers.
    pub residents: u64,
}

/// The cheapest way to make one sub-grid pass on its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalFix {
    /// Sites needed.
    pub stations: usize,
    /// Whether that number is proven the fewest (exact search finished).
    pub optimal: bool,
    /// No fix with fewer sites exists.
    pub lower_bound: usize,
    /// The sites.
    pub sites: Vec<FixSite>,
}

/// A sub-grid that fails the rule for a service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailingSubgrid {
    /// Index into [`Atlas::subgrids`].
    pub subgrid: usize,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Its community's name.
    pub community: String,
    /// Its street's name.
    pub street: String,
    /// Residents of its buildings.
    pub residents: u64,
    /// Of which without the service within the radius.
    pub residents_uncovered: u64,
    /// Residential buildings without it.
    pub buildings_uncovered: u64,
    /// `1 − residents_uncovered / residents`.
    pub share_covered: f64,
    /// The cheapest local fix.
    pub fix: LocalFix,
}

/// The rule for one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServicePolicy {
    /// The service.
    pub service: Service,
    /// Sub-grids checked.
    pub subgrids: usize,
    /// Sub-grids passing.
    pub passing: usize,
    /// Failing sub-grids, most residents left out first.
    pub failing: Vec<FailingSubgrid>,
    /// Residents left out in all.
    pub residents_uncovered: u64,
    /// The fewest stations that make every sub-grid pass at once (greedy set cover over all
    /// uncovered residential buildings; `fix.target.min_stations` is its lower bound).
    pub fix: Suggestion,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyReport {
    /// Radius, metres.
    pub radius_m: f64,
    /// Per service.
    pub services: Vec<ServicePolicy>,
}

/// Runs the check for each service of `services`. `covered(service)` gives the current
/// coverage of each building (saved stations or a scenario's), `halls(service)` the existing
/// stations that do not offer the service yet.
///
/// ```
/// use onemap_geo::{dataset::Service, policy::check};
/// let atlas = onemap_geo::atlas::Atlas::example();
/// let report = check(&atlas, &[Service::Legal], 500.0,
///     |s| atlas.covered_buildings(Some(s), 500.0), |_| Vec::new());
/// let legal = &report.services[0];
/// // Both sub-grids have residents out of reach of the only legal-service hall.
/// assert_eq!(legal.passing, 0);
/// assert_eq!(legal.failing[0].code, "440311001001002"); // 70 residents left out
/// assert_eq!(legal.fix.sites.len(), 3);
/// ```
pub fn check(
    atlas: &Atlas,
    services: &[Service],
    radius_m: f64,
    covered: impl Fn(Service) -> Vec<bool>,
    halls: impl Fn(Service) -> Vec<Hall>,
) -> PolicyReport {
    let mut out = Vec::new();
    for &service in services {
        let cov = covered(service);
        let hall_list = halls(service);
        let hall_xy: Vec<[f64; 2]> = hall_list
            .iter()
            .map(|h| atlas.project(h.lon, h.lat))
            .collect();
        let ns = atlas.subgrids.len();
        let mut residents = vec![0u64; ns];
        let mut uncovered: Vec<Vec<usize>> = vec![Vec::new(); ns];
        for (b, bl) in atlas.buildings.iter().enumerate() {
            let s = atlas.building_subgrid[b];
            if s == u32::MAX || bl.residents == 0 {
                continue;
            }
            residents[s as usize] += u64::from(bl.residents);
            if !cov[b] {
                uncovered[s as usize].push(b);
            }
        }
        let mut failing: Vec<FailingSubgrid> = Vec::new();
        for (s, list) in uncovered.iter().enumerate() {
            if list.is_empty() {
                continue;
            }
            let left: u64 = list
                .iter()
                .map(|&b| u64::from(atlas.buildings[b].residents))
                .sum();
            let loc = atlas.location_of_subgrid(s);
            failing.push(FailingSubgrid {
                subgrid: s,
                code: loc.subgrid.code,
                name: loc.subgrid.name,
                community: loc.community.name,
                street: loc.street.name,
                residents: residents[s],
                residents_uncovered: left,
                buildings_uncovered: list.len() as u64,
                share_covered: if residents[s] == 0 {
                    1.0
                } else {
                    1.0 - left as f64 / residents[s] as f64
                },
                fix: local_fix(atlas, list, &hall_list, &hall_xy, radius_m),
            });
        }
        failing.sort_by(|a, b| {
            b.residents_uncovered
                .cmp(&a.residents_uncovered)
                .then(a.code.cmp(&b.code))
        });
        let fix = suggest(
            atlas,
            &Request {
                service: Some(service),
                objective: Objective::Buildings,
                candidates: Candidates::BuildingsAndHalls,
                stop: Stop::Target {
                    share: 1.0,
                    max: 10_000,
                },
                exclude: None,
                radius_m,
                covered: &cov,
                halls: &hall_list,
                residential_only: true,
                only: None,
            },
        );
        let fix = match fix {
            Ok(f) => f,
            // The request is well formed by construction; an error would be a bug.
            Err(e) => panic!("policy fix request: {e}"),
        };
        out.push(ServicePolicy {
            service,
            subgrids: ns,
            passing: ns - failing.len(),
            residents_uncovered: failing.iter().map(|f| f.residents_uncovered).sum(),
            failing,
            fix,
        });
    }
    PolicyReport {
        radius_m,
        services: out,
    }
}

/// The fewest sites covering every building of `demand` (Atlas indexes).
fn local_fix(
    atlas: &Atlas,
    demand: &[usize],
    halls: &[Hall],
    hall_xy: &[[f64; 2]],
    r: f64,
) -> LocalFix {
    let pts: Vec<[f64; 2]> = demand.iter().map(|&b| atlas.building_xy[b]).collect();
    let weights: Vec<u64> = demand
        .iter()
        .map(|&b| u64::from(atlas.buildings[b].residents))
        .collect();
    // Candidates: buildings and halls within reach of some demand building.
    let mut cand_buildings: Vec<usize> = Vec::new();
    for p in &pts {
        atlas
            .building_index
            .for_each_within(p[0], p[1], r, |id, _| cand_buildings.push(id as usize));
    }
    cand_buildings.sort_unstable();
    cand_buildings.dedup();
    let demand_index = PointIndex::new(&pts);
    let near_halls: Vec<usize> = (0..halls.len())
        .filter(|&h| demand_index.count_within(hall_xy[h][0], hall_xy[h][1], r) > 0)
        .collect();
    let mut cand_xy: Vec<[f64; 2]> = cand_buildings
        .iter()
        .map(|&b| atlas.building_xy[b])
        .collect();
    cand_xy.extend(near_halls.iter().map(|&h| hall_xy[h]));
    let kind_of = |c: usize| {
        if c < cand_buildings.len() {
            let b = &atlas.buildings[cand_buildings[c]];
            SiteKind::Building {
                id: b.id.clone(),
                address: b.address.clone(),
            }
        } else {
            let h = &halls[near_halls[c - cand_buildings.len()]];
            SiteKind::Hall {
                id: h.id.clone(),
                name: h.name.clone(),
            }
        }
    };
    let ones = vec![1u64; pts.len()];
    let greedy = lazy_greedy(&pts, &ones, &cand_xy, r, pts.len(), Some(pts.len() as u64));
    let lower = greedy.min_picks.flatten().unwrap_or(greedy.picks.len());
    let mut picks: Vec<usize> = greedy.picks.clone();
    let mut optimal = picks.len() <= lower.max(1);
    if !optimal {
        let sets: Vec<Vec<usize>> = cand_xy
            .iter()
            .map(|c| {
                let mut v = Vec::new();
                demand_index.for_each_within(c[0], c[1], r, |d, _| v.push(d as usize));
                v
            })
            .collect();
        let mut exhausted = false;
        for k in lower.max(1)..picks.len() {
            match exact_max_coverage(&sets, &ones, k, LOCAL_NODE_BUDGET) {
                Some((v, chosen)) if v == pts.len() as u64 => {
                    picks = chosen;
                    break;
                }
                Some(_) => {}
                None => {
                    exhausted = true;
                    break;
                }
            }
        }
        optimal = !exhausted;
    }
    // Residents each site newly covers, in pick order.
    let mut covered = vec![false; pts.len()];
    let sites = picks
        .iter()
        .map(|&c| {
            let mut res = 0;
            demand_index.for_each_within(cand_xy[c][0], cand_xy[c][1], r, |d, _| {
                if !covered[d as usize] {
                    covered[d as usize] = true;
                    res += weights[d as usize];
                }
            });
            let (lon, lat) = atlas.plane.inverse(cand_xy[c][0], cand_xy[c][1]);
            FixSite {
                lon,
                lat,
                kind: kind_of(c),
                residents: res,
            }
        })
        .collect::<Vec<_>>();
    LocalFix {
        stations: sites.len(),
        optimal,
        lower_bound: lower.min(sites.len()),
        sites,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sub_grid_whose_residents_are_all_reached_passes() {
        let atlas = Atlas::example();
        let report = check(
            &atlas,
            &[Service::Appeal],
            5_000.0,
            |s| atlas.covered_buildings(Some(s), 5_000.0),
            |_| Vec::new(),
        );
        let appeal = &report.services[0];
        assert_eq!(appeal.passing, 2);
        assert!(appeal.failing.is_empty());
        assert!(appeal.fix.sites.is_empty());
    }

    #[test]
    fn local_fixes_cover_every_left_out_building_and_are_minimal() {
        let atlas = Atlas::example();
        let halls = vec![Hall {
            id: "ST-0002".into(),
            name: "第2小分格服务站".into(),
            lon: 113.915,
            lat: 22.715,
        }];
        let report = check(
            &atlas,
            &[Service::Legal],
            500.0,
            |s| atlas.covered_buildings(Some(s), 500.0),
            |_| halls.clone(),
        );
        let legal = &report.services[0];
        for f in &legal.failing {
            assert!(f.fix.optimal);
            let covered: u64 = f.fix.sites.iter().map(|s| s.residents).sum();
            assert_eq!(covered, f.residents_uncovered, "{}", f.code);
        }
        // Sub-grid 2 leaves out B-000002 (30 residents, 333 m from the hall ST-0002) and
        // B-000003 (40, 1.5 km away): two sites, one of them may be the hall.
        let east = legal
            .failing
            .iter()
            .find(|f| f.code == "440311001001002")
            .expect("as the test sets up");
        assert_eq!((east.residents_uncovered, east.fix.stations), (70, 2));
        assert_eq!(east.fix.lower_bound, 2);
    }
}

//! The administrative tree with synthetic boundaries: streets partition their district,
//! communities partition their street, red sub-grids partition their community.

use geo::{Area, BoundingRect, Centroid, Contains, Coord, MultiPolygon, Point, Rect};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::landuse::{self, Disc, LandUse, Settlement};
use crate::partition::{self, PartitionRequest};
use crate::plane;
use crate::profile::{ScaleProfile, apportion};
use crate::reference::{DistrictRef, SeatPlace};

/// One area of the tree, in both planes.
#[derive(Debug, Clone)]
pub struct AdminArea {
    /// Statistics code (district 6, street 9, community 12, sub-grid 15 digits).
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Committee name (communities only).
    pub official_name: Option<String>,
    /// Index of the parent in the level above (itself for districts).
    pub parent: usize,
    /// Geometry in metres.
    pub plane: MultiPolygon,
    /// Geometry as written: WGS84, rounded, counter-clockwise.
    pub lonlat: MultiPolygon,
    /// Area of the metric geometry, km².
    pub area_km2: f64,
    /// Whether the geometry is generated.
    pub synthetic: bool,
}

/// The four levels of the tree and the land use generated with it.
#[derive(Debug, Clone)]
pub struct Territory {
    /// Districts (real outlines).
    pub districts: Vec<AdminArea>,
    /// Streets (街道).
    pub streets: Vec<AdminArea>,
    /// Communities (社区).
    pub communities: Vec<AdminArea>,
    /// Red sub-grids (红色小分格).
    pub subgrids: Vec<AdminArea>,
    /// Green and industrial land and the settlements.
    pub land: LandUse,
}

fn area_of(
    code: String,
    name: String,
    official_name: Option<String>,
    parent: usize,
    plane_geometry: MultiPolygon,
    synthetic: bool,
) -> AdminArea {
    let lonlat = plane::multipolygon_to_lonlat(&plane_geometry);
    AdminArea {
        code,
        name,
        official_name,
        parent,
        area_km2: plane_geometry.unsigned_area() / 1e6,
        plane: plane_geometry,
        lonlat,
        synthetic,
    }
}

fn boundary_edges(mp: &MultiPolygon) -> Vec<(Coord, Coord)> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.lines().map(|l| (l.start, l.end)))
        .collect()
}

/// The bounding box of all districts, metres.
pub fn territory_bounds(districts: &[AdminArea]) -> Rect {
    let mut rects = districts.iter().filter_map(|d| d.plane.bounding_rect());
    let first = rects
        .next()
        .unwrap_or(Rect::new(Coord::zero(), Coord::zero()));
    rects.fold(first, |a, b| {
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
}

/// Splits `parent` into `count` cells; `pins` are (cell index, fixed seed) pairs.
fn split(
    parent: &MultiPolygon,
    count: usize,
    weights_of: &dyn Fn(Coord) -> f64,
    spacing: f64,
    pins: &[(usize, Coord)],
    iterations: usize,
    rng: &mut ChaCha8Rng,
) -> (Vec<MultiPolygon>, Vec<Coord>) {
    if count == 1 {
        let seed = partition::lattice_inside(parent, spacing)
            .first()
            .copied()
            .unwrap_or_default();
        return (vec![parent.clone()], vec![seed]);
    }
    let mut samples = partition::lattice_inside(parent, spacing);
    if samples.len() < count * 4 {
        samples = partition::lattice_inside(parent, spacing / 4.0);
    }
    let weights: Vec<f64> = samples.iter().map(|p| weights_of(*p)).collect();
    let mut seeds = partition::initial_seeds(&samples, &weights, count, rng);
    let mut pinned = vec![false; seeds.len()];
    for (i, at) in pins {
        if *i < seeds.len() {
            seeds[*i] = *at;
            pinned[*i] = true;
        }
    }
    let mut request = PartitionRequest {
        parent,
        samples: &samples,
        weights: &weights,
        seeds,
        pinned,
        iterations,
    };
    let mut cells = partition::partition(&mut request);
    partition::conform(&mut cells, 0.001, 0.005);
    (cells, request.seeds)
}

/// Splits a district into streets, area-balanced, starting from the hints where given and
/// keeping the pinned seats fixed.
fn split_with_hints(
    parent: &MultiPolygon,
    count: usize,
    spacing: f64,
    pins: &[(usize, Coord)],
    hints: &[Option<Coord>],
    rng: &mut ChaCha8Rng,
) -> (Vec<MultiPolygon>, Vec<Coord>) {
    if count == 1 || hints.iter().all(Option::is_none) {
        return split(parent, count, &|_| 1.0, spacing, pins, 30, rng);
    }
    let samples = partition::lattice_inside(parent, spacing);
    let weights = vec![1.0; samples.len()];
    let mut seeds = partition::initial_seeds(&samples, &weights, count, rng);
    for (i, hint) in hints.iter().enumerate() {
        if let (Some(h), Some(seed)) = (hint, seeds.get_mut(i)) {
            *seed = *h;
        }
    }
    let mut pinned = vec![false; seeds.len()];
    for (i, at) in pins {
        if *i < seeds.len() {
            seeds[*i] = *at;
            pinned[*i] = true;
        }
    }
    let mut request = PartitionRequest {
        parent,
        samples: &samples,
        weights: &weights,
        seeds,
        pinned,
        iterations: 30,
    };
    let mut cells = partition::partition(&mut request);
    partition::conform(&mut cells, 0.001, 0.005);
    (cells, request.seeds)
}

/// Builds the tree for the given real districts.
pub fn build(
    districts_ref: &[DistrictRef],
    seats: &[SeatPlace],
    profile: &ScaleProfile,
    seed: u64,
) -> Territory {
    let spacing = profile.sample_spacing;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_0001);
    let mut districts = Vec::new();
    let mut streets = Vec::new();
    let mut communities = Vec::new();
    let mut community_seeds: Vec<Coord> = Vec::new();
    let mut land = LandUse::default();
    for (d_index, district) in districts_ref.iter().enumerate() {
        let outline = plane::multipolygon_to_plane(&district.outline);
        let mut district_area = area_of(
            district.code.clone(),
            district.name.clone(),
            None,
            d_index,
            outline.clone(),
            false,
        );
        // The real outline is written as it came, only rounded and oriented.
        district_area.lonlat = plane::multipolygon_to_lonlat(&outline);
        districts.push(district_area);
        // Green land first: it shapes where people live.
        let samples = partition::lattice_inside(&outline, spacing);
        let edges = boundary_edges(&outline);
        let area_km2 = outline.unsigned_area() / 1e6;
        let mut green: Vec<Disc> = landuse::place_green(&samples, &edges, area_km2, &mut rng);
        // Streets: balanced by area; a GeoNames seat stays inside the street it names.
        let pins: Vec<(usize, Coord)> = district
            .streets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let seat = seats
                    .iter()
                    .find(|p| format!("{}街道", p.name_zh) == s.name)?;
                let at = plane::to_plane(seat.position);
                outline.contains(&Point(at)).then_some((i, at))
            })
            .collect();
        // Seats must stay out of green land too.
        green.retain(|g| !pins.iter().any(|(_, at)| g.contains(*at)));
        let hints: Vec<Option<Coord>> = district
            .streets
            .iter()
            .map(|s| s.hint.map(plane::to_plane))
            .collect();
        let (street_cells, _) = split_with_hints(
            &outline,
            district.streets.len(),
            spacing,
            &pins,
            &hints,
            &mut rng,
        );
        for (s_ref, cell) in district.streets.iter().zip(street_cells) {
            let street_index = streets.len();
            streets.push(area_of(
                s_ref.code.clone(),
                s_ref.name.clone(),
                None,
                d_index,
                cell.clone(),
                true,
            ));
            let (community_cells, seeds) = split(
                &cell,
                s_ref.communities.len(),
                &|_| 1.0,
                spacing,
                &[],
                25,
                &mut rng,
            );
            for ((c_ref, c_cell), c_seed) in
                s_ref.communities.iter().zip(community_cells).zip(seeds)
            {
                communities.push(area_of(
                    c_ref.code.clone(),
                    c_ref.name.clone(),
                    Some(c_ref.official_name.clone()),
                    street_index,
                    c_cell,
                    true,
                ));
                community_seeds.push(c_seed);
            }
        }
        land.green.append(&mut green);
    }
    // Settlements, community by community.
    let mut community_samples: Vec<Vec<Coord>> = Vec::with_capacity(communities.len());
    for (c_index, community) in communities.iter().enumerate() {
        let samples = partition::lattice_inside(&community.plane, spacing);
        let (mut settlements, mut industrial) = landuse::place_community_settlements(
            c_index,
            community_seeds[c_index],
            &samples,
            spacing,
            &land.green,
            &mut rng,
        );
        land.settlements.append(&mut settlements);
        land.industrial.append(&mut industrial);
        community_samples.push(samples);
    }
    land.prepare(territory_bounds(&districts));
    // Sub-grids: more of them, and smaller, where people are dense.
    let reference_density = 1.0 / (2.25 * 250.0 * 250.0);
    let weight_at = |own: &[&Settlement], p: Coord, land: &LandUse| -> f64 {
        if land.is_green(p) {
            return 0.8;
        }
        let density = landuse::settlement_density(own.iter().copied(), p);
        1.0 + 2.0 * (density / reference_density).min(1.0)
    };
    let mut masses = Vec::with_capacity(communities.len());
    for (c_index, samples) in community_samples.iter().enumerate() {
        let own: Vec<&Settlement> = land
            .settlements
            .iter()
            .filter(|s| s.community == c_index)
            .collect();
        masses.push(
            samples
                .iter()
                .map(|p| weight_at(&own, *p, &land))
                .sum::<f64>()
                .max(1.0),
        );
    }
    let mut counts = apportion(profile.subgrids.saturating_sub(communities.len()), &masses);
    for c in &mut counts {
        *c += 1;
    }
    let mut subgrids = Vec::new();
    for (c_index, community) in communities.iter().enumerate() {
        let own: Vec<&Settlement> = land
            .settlements
            .iter()
            .filter(|s| s.community == c_index)
            .collect();
        let weigh = |p: Coord| weight_at(&own, p, &land);
        let (mut cells, _) = split(
            &community.plane,
            counts[c_index],
            &weigh,
            spacing,
            &[],
            20,
            &mut rng,
        );
        // Number sub-grids as one reads a map: north to south in bands of 600 m, then west to east.
        cells.sort_by_cached_key(|cell| {
            let c = cell.centroid().map(|p| p.0).unwrap_or_default();
            (-(c.y / 600.0).floor() as i64, c.x.round() as i64)
        });
        for (n, cell) in cells.into_iter().enumerate() {
            let stem = crate::names::community_stem(&community.name);
            subgrids.push(area_of(
                format!("{}{:03}", community.code, n + 1),
                format!("{stem}社区第{}小分格", n + 1),
                None,
                c_index,
                cell,
                true,
            ));
        }
    }
    Territory {
        districts,
        streets,
        communities,
        subgrids,
        land,
    }
}

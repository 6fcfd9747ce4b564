//! The whole pipeline: reference data → tree → land → roads → buildings → stations → cameras
//! → matters → cases, each step with its own random stream so that changing one layer does not
//! reshuffle the others.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::GenError;
use crate::admin::{self, Territory};
use crate::buildings::{self, Building};
use crate::cameras::{self, Camera};
use crate::cases::{self, Case, CaseInputs};
use crate::locate::SubgridLocator;
use crate::matters::{self, Matter};
use crate::profile::{Scale, ScaleProfile, apportion};
use crate::reference;
use crate::roads::{self, RoadNetwork};
use crate::stations::{self, Station};

/// A generated dataset, ready to be written.
pub struct Dataset {
    /// The scale and its targets.
    pub profile: ScaleProfile,
    /// The seed it was generated from.
    pub seed: u64,
    /// Districts, streets, communities, sub-grids and land use.
    pub territory: Territory,
    /// Residents per sub-grid.
    pub subgrid_population: Vec<usize>,
    /// Grid staff per sub-grid.
    pub subgrid_staff: Vec<usize>,
    /// Road network.
    pub roads: RoadNetwork,
    /// Buildings.
    pub buildings: Vec<Building>,
    /// Halls and stations.
    pub stations: Vec<Station>,
    /// Cameras.
    pub cameras: Vec<Camera>,
    /// Matter catalogue.
    pub matters: Vec<Matter>,
    /// Case history.
    pub cases: Vec<Case>,
}

fn stream(seed: u64, layer: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ layer)
}

/// Generates the dataset of a scale from a seed.
pub fn generate(scale: Scale, seed: u64) -> Result<Dataset, GenError> {
    generate_with(scale, seed, &onemap_progress::Progress::new())
}

/// [`generate`], reporting each of its seven steps to `progress` and stopping between steps
/// with [`GenError::Cancelled`] when it is cancelled.
///
/// # Errors
/// As [`generate`], and [`GenError::Cancelled`].
pub fn generate_with(
    scale: Scale,
    seed: u64,
    progress: &onemap_progress::Progress,
) -> Result<Dataset, GenError> {
    progress.stage(
        "generating (areas, roads, buildings, stations, cameras, cases)",
        7,
    );
    let step = || -> Result<(), GenError> {
        progress.check()?;
        progress.advance(1);
        Ok(())
    };
    let profile = ScaleProfile::of(scale);
    let districts = match scale {
        Scale::Guangming => reference::guangming()?,
        Scale::Shenzhen => reference::shenzhen()?,
    };
    let seats = reference::street_seats(&districts)?;
    let territory = admin::build(&districts, &seats, &profile, seed);
    step()?;
    let locator = SubgridLocator::new(
        territory
            .subgrids
            .iter()
            .map(|s| s.lonlat.clone())
            .collect(),
    );
    let roads = roads::build(&territory, &territory.land, &locator, &mut stream(seed, 2));
    step()?;
    let as_of = cases::history_end_days();
    let buildings = buildings::build(
        &territory,
        &territory.land,
        &locator,
        &roads,
        &profile,
        as_of,
        &mut stream(seed, 3),
    );
    step()?;
    let stations = stations::build(
        &territory,
        &buildings,
        &locator,
        &profile,
        &mut stream(seed, 4),
    );
    step()?;
    let cameras = cameras::build(
        &territory,
        &territory.land,
        &roads,
        &locator,
        profile.cameras,
        &mut stream(seed, 5),
    );
    step()?;
    let matters = matters::catalogue();
    let cases = cases::build(
        &CaseInputs {
            buildings: &buildings,
            cameras: &cameras,
            roads: &roads,
            matters: &matters,
            locator: &locator,
            profile: &profile,
        },
        &mut stream(seed, 6),
    );
    step()?;
    // People: half evenly spread (sub-grids are drawn to about 5,000 people), half following
    // the rental residents counted in each sub-grid.
    let mut residents = vec![0f64; territory.subgrids.len()];
    for b in &buildings {
        residents[b.subgrid] += f64::from(b.residents);
    }
    let mean = residents.iter().sum::<f64>() / residents.len().max(1) as f64;
    let population_weights: Vec<f64> = residents
        .iter()
        .map(|r| 0.5 + 0.5 * (r / mean.max(1.0)).min(2.5))
        .collect();
    let subgrid_population = apportion(profile.population, &population_weights);
    let staff_weights: Vec<f64> = subgrid_population
        .iter()
        .map(|&p| {
            0.7 + 0.3 * p as f64 / (profile.population as f64 / residents.len().max(1) as f64)
        })
        .collect();
    let subgrid_staff = apportion(profile.staff, &staff_weights);
    step()?;
    Ok(Dataset {
        profile,
        seed,
        territory,
        subgrid_population,
        subgrid_staff,
        roads,
        buildings,
        stations,
        cameras,
        matters,
        cases,
    })
}

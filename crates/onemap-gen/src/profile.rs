//! The two scales the generator knows and the published figures each must match.

/// Which dataset to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 光明区: the committed dataset.
    Guangming,
    /// 深圳市: 9 districts, 74 streets, 600,000 buildings (benchmarks and the city map).
    Shenzhen,
}

impl Scale {
    /// The name used on the command line and in `meta.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Guangming => "guangming",
            Scale::Shenzhen => "shenzhen",
        }
    }
}

/// The seed that reproduces the committed `geodata/guangming/`.
pub const DEFAULT_SEED: u64 = 20_230_629;

/// Published building ratings in Guangming: safe 放心级, general 一般级, warning 警示级.
pub const GUANGMING_RATINGS: [usize; 3] = [24_810, 3_782, 1_662];

/// Everything that differs between the scales.
#[derive(Debug, Clone)]
pub struct ScaleProfile {
    /// Which scale.
    pub scale: Scale,
    /// Spacing of the sampling lattice used for partitions, metres.
    pub sample_spacing: f64,
    /// Residential rental buildings.
    pub buildings: usize,
    /// Ratings safe / general / warning; they sum to `buildings`.
    pub ratings: [usize; 3],
    /// Red sub-grids in total.
    pub subgrids: usize,
    /// Residents in total.
    pub population: usize,
    /// Grid staff in total.
    pub staff: usize,
    /// Video cameras.
    pub cameras: usize,
    /// Historical cases.
    pub cases: usize,
    /// Of which resolved.
    pub cases_resolved: usize,
    /// Sub-grid stations; `None` means one in every sub-grid.
    pub subgrid_stations: Option<usize>,
    /// Prefix of case ids.
    pub case_prefix: &'static str,
}

/// Splits `total` in the given proportions with the largest-remainder method, so the parts sum
/// exactly to `total`. Ties go to the lower index.
pub fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let assigned: usize = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take(total.saturating_sub(assigned)) {
        parts[i] += 1;
    }
    parts
}

impl ScaleProfile {
    /// The profile of a scale.
    pub fn of(scale: Scale) -> Self {
        match scale {
            Scale::Guangming => ScaleProfile {
                scale,
                sample_spacing: 50.0,
                buildings: 30_254,
                ratings: GUANGMING_RATINGS,
                subgrids: 264,
                population: 1_320_000,
                staff: 3_596,
                cameras: 958,
                cases: 35_800,
                cases_resolved: 35_588,
                subgrid_stations: None,
                case_prefix: "GM",
            },
            Scale::Shenzhen => {
                let buildings = 600_000;
                let shares: Vec<f64> = GUANGMING_RATINGS.iter().map(|&n| n as f64).collect();
                let r = apportion(buildings, &shares);
                // Cases scale with people (17.56 M / 1.32 M), keeping Guangming's 99.41% resolved.
                let cases = 476_000;
                ScaleProfile {
                    scale,
                    sample_spacing: 100.0,
                    buildings,
                    ratings: [r[0], r[1], r[2]],
                    subgrids: 5_000,
                    population: 17_560_000,
                    staff: 68_000,
                    // Cameras scale with area (Guangming: 958 on 155.8 km²).
                    cameras: 12_300,
                    cases,
                    cases_resolved: (cases as f64 * 35_588.0 / 35_800.0).round() as usize,
                    // About 1,000 stations in all: 9 + 74 + 783 halls and the rest in the
                    // busiest sub-grids.
                    subgrid_stations: Some(134),
                    case_prefix: "SZ",
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_sums_exactly() {
        let parts = apportion(264, &[3.0, 5.0, 7.0, 11.0]);
        assert_eq!(parts.iter().sum::<usize>(), 264);
    }

    #[test]
    fn city_ratings_sum_to_six_hundred_thousand() {
        let p = ScaleProfile::of(Scale::Shenzhen);
        assert_eq!(p.ratings.iter().sum::<usize>(), 600_000);
    }
}

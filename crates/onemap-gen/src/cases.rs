//! The case history: every appeal from 2022-01-01 to the as-of date, consistent with the
//! published figures ("2022年以来…3.58万宗，已化解35588宗，化解率99.20%"): exactly the profile's
//! count and resolved count, about 98% resolved the same local day, by channel and matter,
//! located on buildings, roads and cameras.

use geo::Coord;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::buildings::{Building, Rating};
use crate::cameras::Camera;
use crate::civil_time::{self, days_from_civil};
use crate::locate::SubgridLocator;
use crate::matters::Matter;
use crate::names;
use crate::profile::{ScaleProfile, apportion};
use crate::roads::{RoadClass, RoadNetwork};

/// Intake channel.
pub const CHANNELS: [&str; 7] = [
    "hall", "station", "hotline", "app", "qr", "patrol", "camera",
];
const CHANNEL_SHARES: [f64; 7] = [0.07, 0.12, 0.30, 0.17, 0.15, 0.13, 0.06];

/// One historical case.
#[derive(Debug, Clone)]
pub struct Case {
    /// `GM-2022-000001`.
    pub id: String,
    /// Intake channel.
    pub channel: &'static str,
    /// Index into the matter catalogue.
    pub matter: usize,
    /// Short description.
    pub description: String,
    /// Handling level.
    pub level: &'static str,
    /// Warning grade, 1 most serious.
    pub grade: u8,
    /// People involved.
    pub people: u32,
    /// Money at stake.
    pub money_yuan: u32,
    /// Position as written.
    pub lonlat: Coord,
    /// Index of its sub-grid.
    pub subgrid: usize,
    /// Building it is located on.
    pub building: Option<usize>,
    /// Camera that raised it.
    pub camera: Option<usize>,
    /// Synthetic reporter name.
    pub reporter_name: Option<String>,
    /// Synthetic reporter phone (199 0000 xxxx).
    pub reporter_phone: Option<String>,
    /// Local seconds since the epoch (UTC+8) of each step.
    pub reported_at: i64,
    /// SMS sent.
    pub noticed_at: i64,
    /// Met the citizen.
    pub met_at: i64,
    /// Resolved.
    pub resolved_at: Option<i64>,
    /// Closed after review.
    pub closed_at: Option<i64>,
    /// `resolved`, `unresolved` or `open`.
    pub outcome: &'static str,
}

/// First day of the history.
pub fn history_start_days() -> i64 {
    days_from_civil(2022, 1, 1)
}

/// Last day of the history (the figures were published on 2023-06-29).
pub fn history_end_days() -> i64 {
    days_from_civil(2023, 6, 28)
}

fn weighted_index(cumulative: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let target = rng.random::<f64>() * total;
    cumulative
        .partition_point(|&c| c <= target)
        .min(cumulative.len().saturating_sub(1))
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut sum = 0.0;
    weights
        .map(|w| {
            sum += w;
            sum
        })
        .collect()
}

fn person_name(rng: &mut ChaCha8Rng) -> String {
    let surname = names::SURNAMES[rng.random_range(0..names::SURNAMES.len())];
    let first = names::GIVEN[rng.random_range(0..names::GIVEN.len())];
    if rng.random::<f64>() < 0.6 {
        let second = names::GIVEN[rng.random_range(0..names::GIVEN.len())];
        format!("{surname}{first}{second}")
    } else {
        format!("{surname}{first}")
    }
}

/// Everything the history is drawn over.
pub struct CaseInputs<'a> {
    /// Buildings.
    pub buildings: &'a [Building],
    /// Cameras.
    pub cameras: &'a [Camera],
    /// Roads.
    pub roads: &'a RoadNetwork,
    /// Matter catalogue.
    pub matters: &'a [Matter],
    /// Sub-grid lookup.
    pub locator: &'a SubgridLocator,
    /// Counts to match.
    pub profile: &'a ScaleProfile,
}

/// Generates the history, sorted by report time, ids numbered per year.
pub fn build(inputs: &CaseInputs<'_>, rng: &mut ChaCha8Rng) -> Vec<Case> {
    let (start, end) = (history_start_days(), history_end_days());
    let days: Vec<i64> = (start..=end).collect();
    // Weekends quieter, Spring Festival quieter, a gentle rise over the period.
    let spring_festivals = [days_from_civil(2022, 2, 1), days_from_civil(2023, 1, 22)];
    let day_weights: Vec<f64> = days
        .iter()
        .map(|&d| {
            let weekend = if civil_time::weekday(d) >= 5 {
                0.7
            } else {
                1.0
            };
            let festival = if spring_festivals.iter().any(|f| (d - f).abs() <= 7) {
                0.5
            } else {
                1.0
            };
            let trend = 0.85 + 0.3 * (d - start) as f64 / (end - start) as f64;
            weekend * festival * trend
        })
        .collect();
    let per_day = apportion(inputs.profile.cases, &day_weights);
    let channel_cum = cumulative(CHANNEL_SHARES.iter().copied());
    let building_cum = cumulative(inputs.buildings.iter().map(|b| {
        let risk = match b.rating {
            Rating::Safe => 1.0,
            Rating::General => 2.0,
            Rating::Warning => 4.0,
        };
        (f64::from(b.residents) + 10.0).sqrt() * risk
    }));
    let street_roads: Vec<usize> = (0..inputs.roads.roads.len())
        .filter(|&r| inputs.roads.roads[r].class != RoadClass::Arterial || r % 3 == 0)
        .collect();
    let road_cum = cumulative(street_roads.iter().map(|&r| inputs.roads.roads[r].length_m));
    let by_domain = |domains: &[&str]| -> Vec<usize> {
        (0..inputs.matters.len())
            .filter(|&m| domains.contains(&inputs.matters[m].domain))
            .collect()
    };
    let street_matters = by_domain(&["city", "safety"]);
    let resident_matters = by_domain(&[
        "dispute",
        "legal",
        "psych",
        "complaint",
        "assistance",
        "city",
        "safety",
    ]);
    let money_matters = [
        "劳资纠纷",
        "欠薪纠纷",
        "工伤赔偿纠纷",
        "房屋租赁纠纷",
        "押金退还纠纷",
        "消费纠纷",
        "预付卡退费纠纷",
        "交通事故赔偿纠纷",
        "合同纠纷",
        "民间借贷纠纷",
        "债务纠纷",
        "群体性讨薪",
        "欠薪垫付申请",
        "装修纠纷",
        "房屋买卖纠纷",
    ];
    let mut cases: Vec<Case> = Vec::with_capacity(inputs.profile.cases);
    for (d_index, &count) in per_day.iter().enumerate() {
        let day = days[d_index];
        for _ in 0..count {
            let channel = CHANNELS[weighted_index(&channel_cum, rng)];
            let (open_from, open_to) = match channel {
                "hall" | "station" => (9 * 60, 18 * 60),
                "patrol" => (8 * 60, 20 * 60),
                "camera" => (0, 24 * 60),
                _ => (7 * 60, 23 * 60),
            };
            let minute_of_day = rng.random_range(open_from..open_to);
            let reported_at = day * 86_400 + minute_of_day * 60 + rng.random_range(0..60);
            let on_street = matches!(channel, "patrol" | "camera")
                || (channel != "qr" && rng.random::<f64>() < 0.3);
            let matter = if on_street {
                street_matters[rng.random_range(0..street_matters.len())]
            } else {
                resident_matters[rng.random_range(0..resident_matters.len())]
            };
            // Location: the camera, a building, or a point on a street.
            let (mut lonlat, mut subgrid, mut building, mut camera, mut road_name) =
                (Coord::zero(), usize::MAX, None, None, None);
            if channel == "camera" && !inputs.cameras.is_empty() {
                let c = rng.random_range(0..inputs.cameras.len());
                let cam = &inputs.cameras[c];
                (lonlat, subgrid, camera, road_name) =
                    (cam.lonlat, cam.subgrid, Some(c), cam.road.clone());
            } else if !on_street && !inputs.buildings.is_empty() {
                let b = weighted_index(&building_cum, rng);
                let bl = &inputs.buildings[b];
                (lonlat, subgrid, building, road_name) =
                    (bl.lonlat, bl.subgrid, Some(b), Some(bl.road.clone()));
            } else {
                for _ in 0..50 {
                    let r = street_roads[weighted_index(&road_cum, rng)];
                    let road = &inputs.roads.roads[r];
                    let k = rng.random_range(0..road.plane.len().saturating_sub(1).max(1));
                    let (a, b) = (road.plane[k], road.plane[(k + 1).min(road.plane.len() - 1)]);
                    let t = rng.random::<f64>();
                    let at = Coord {
                        x: a.x + t * (b.x - a.x),
                        y: a.y + t * (b.y - a.y),
                    };
                    if let Some((s, ll)) = inputs.locator.locate_plane(at) {
                        (lonlat, subgrid, road_name) = (ll, s, Some(road.name.clone()));
                        break;
                    }
                }
                if subgrid == usize::MAX && !inputs.buildings.is_empty() {
                    let b = weighted_index(&building_cum, rng);
                    let bl = &inputs.buildings[b];
                    (lonlat, subgrid, building, road_name) =
                        (bl.lonlat, bl.subgrid, Some(b), Some(bl.road.clone()));
                }
            }
            let m = &inputs.matters[matter];
            let level = if channel == "patrol" {
                "L1"
            } else {
                m.default_level
            };
            let serious = rng.random::<f64>();
            let grade = if m.domain == "dispute" && serious < 0.03 {
                1
            } else if serious < 0.12 {
                2
            } else {
                3
            };
            let people = match (m.domain, grade) {
                (_, 1) => rng.random_range(10..60),
                ("dispute", _) => rng.random_range(2..8),
                _ => rng.random_range(1..3),
            };
            let money_yuan = if money_matters.contains(&m.name) {
                let scale = if grade == 1 { 200_000.0 } else { 20_000.0 };
                ((rng.random::<f64>().powi(2) * scale / 100.0).round() as u32 + 5) * 100
            } else {
                0
            };
            let description = match &road_name {
                Some(r) => format!("{r}{}", m.name),
                None => m.name.to_owned(),
            };
            let (reporter_name, reporter_phone) = if channel == "camera" {
                (None, None)
            } else {
                (
                    Some(person_name(rng)),
                    Some(format!("1990000{:04}", rng.random_range(0..10_000))),
                )
            };
            let noticed_at = reported_at + rng.random_range(30..600);
            let met_at = if matches!(channel, "hall" | "station" | "patrol") {
                reported_at + rng.random_range(60..600)
            } else {
                reported_at + rng.random_range(300..1800)
            };
            cases.push(Case {
                id: String::new(),
                channel,
                matter,
                description,
                level,
                grade,
                people,
                money_yuan,
                lonlat,
                subgrid,
                building,
                camera,
                reporter_name,
                reporter_phone,
                reported_at,
                noticed_at,
                met_at,
                resolved_at: None,
                closed_at: None,
                outcome: "resolved",
            });
        }
    }
    settle_outcomes(&mut cases, inputs.profile, end, rng);
    cases.sort_by_key(|a| a.reported_at);
    let mut per_year: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
    for case in &mut cases {
        let (year, _, _) = civil_time::civil_from_days(case.reported_at.div_euclid(86_400));
        let n = per_year.entry(year).or_default();
        *n += 1;
        case.id = format!("{}-{year}-{:06}", inputs.profile.case_prefix, *n);
    }
    cases
}

/// Decides which cases are resolved (exactly `cases_resolved`), open (recent) or closed
/// unresolved, and which resolved ones took more than a day (about 2%).
fn settle_outcomes(cases: &mut [Case], profile: &ScaleProfile, end_day: i64, rng: &mut ChaCha8Rng) {
    let not_resolved = cases.len().saturating_sub(profile.cases_resolved);
    let open = not_resolved / 4;
    let unresolved = not_resolved - open;
    // Open: the most recent L2/L3 cases; unresolved: serious disputes drawn over the period.
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by(|&a, &b| {
        cases[b]
            .reported_at
            .cmp(&cases[a].reported_at)
            .then(a.cmp(&b))
    });
    let mut status = vec![0u8; cases.len()]; // 0 resolved, 1 open, 2 unresolved, 3 resolved later
    let mut picked = 0;
    for &i in &order {
        if picked == open {
            break;
        }
        if cases[i].level != "L1" {
            status[i] = 1;
            picked += 1;
        }
    }
    let mut keyed: Vec<(f64, usize)> = (0..cases.len())
        .filter(|&i| status[i] == 0)
        .map(|i| {
            let weight = if cases[i].level == "L3" || cases[i].grade == 1 {
                8.0
            } else if cases[i].level == "L2" {
                2.0
            } else {
                0.3
            };
            (rng.random::<f64>().powf(1.0 / weight), i)
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in keyed.iter().take(unresolved) {
        status[i] = 2;
    }
    // About 2% of the resolved ones take longer than the day; they must finish by the as-of day.
    let resolved_total = profile.cases_resolved;
    let later = resolved_total - (resolved_total as f64 * 0.98).round() as usize;
    let end_seconds = (end_day + 1) * 86_400 - 1;
    let mut candidates: Vec<(f64, usize)> = (0..cases.len())
        .filter(|&i| status[i] == 0 && cases[i].reported_at < (end_day - 20) * 86_400)
        .map(|i| {
            let late = cases[i].reported_at.rem_euclid(86_400) > 21 * 3600;
            let weight = if late {
                50.0
            } else if cases[i].level == "L3" {
                6.0
            } else if cases[i].level == "L2" {
                1.5
            } else {
                0.2
            };
            (rng.random::<f64>().powf(1.0 / weight), i)
        })
        .collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in candidates.iter().take(later) {
        status[i] = 3;
    }
    for (i, case) in cases.iter_mut().enumerate() {
        let day_end = (case.reported_at.div_euclid(86_400) + 1) * 86_400 - 1;
        match status[i] {
            1 => {
                case.outcome = "open";
            }
            2 => {
                case.outcome = "unresolved";
                case.closed_at =
                    Some((case.met_at + rng.random_range(2..20) * 86_400).min(end_seconds));
            }
            3 => {
                let resolved = (case.reported_at.div_euclid(86_400) + rng.random_range(1..12))
                    * 86_400
                    + rng.random_range(9 * 3600..18 * 3600);
                case.resolved_at = Some(resolved);
                case.closed_at = Some(resolved + rng.random_range(600..7200));
            }
            _ => {
                // Same day: everything must happen before local midnight.
                if case.met_at + 600 > day_end {
                    let shift = case.met_at + 1800 - day_end;
                    case.reported_at -= shift;
                    case.noticed_at -= shift;
                    case.met_at -= shift;
                }
                let latest = (case.met_at + 6 * 3600).min(day_end);
                let resolved = rng.random_range(case.met_at + 300..=latest.max(case.met_at + 300));
                case.resolved_at = Some(resolved);
                case.closed_at = Some(resolved + rng.random_range(300..3600));
            }
        }
    }
}

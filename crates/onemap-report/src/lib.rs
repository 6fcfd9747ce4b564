//! OneMap's planning exports: the per-unit coverage table (CSV), the coverage gaps (GeoJSON),
//! the planning map (PNG) and the printable planning report (HTML and PDF), in Chinese by
//! default and in English on request.
//!
//! The report is built in three steps, each testable alone:
//! 1. [`compute`]: the numbers ([`Report`]) from an Atlas, optionally a scenario (its stations
//!    instead of the saved ones, side by side with them) and a road network (walking coverage);
//! 2. [`document::blocks`]: the report as a list of headings, paragraphs, tables and the map,
//!    in one language;
//! 3. [`html::render`] and [`pdf::render`]: the same blocks as a self-contained HTML page and as
//!    an A4 PDF with the CJK font embedded (subset), from Debian's `fonts-noto-cjk`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod document;
pub mod export;
pub mod fonts;
pub mod html;
pub mod map;
pub mod pdf;
mod words;

use std::sync::Arc;

use onemap_geo::atlas::Atlas;
use onemap_geo::dataset::{AdminLevel, Service};
use onemap_geo::policy::PolicyReport;
use onemap_geo::scenario::{Baseline, Plan, Scenario, UnitChange};
use onemap_geo::suggest::{Candidates, Objective, Request, Stop, Suggestion, suggest};
use onemap_geo::walking::{Walking, WalkingRow};
/// The progress a long report counts on (re-exported for callers that need no other part of it).
pub use onemap_progress::Progress;
use serde::Serialize;

/// The language of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Lang {
    /// 简体中文 (the default).
    #[default]
    ZhCn,
    /// English.
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zh" | "zh-CN" | "zh-cn" | "zh_CN" => Ok(Lang::ZhCn),
            "en" | "en-US" | "en-GB" => Ok(Lang::En),
            o => Err(format!("unknown language {o:?} (zh-CN, en)")),
        }
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No usable font for the PDF.
    #[error("{0}")]
    Font(String),
    /// Drawing the map failed.
    #[error("drawing the map: {0}")]
    Map(String),
    /// Writing the PDF failed.
    #[error("writing the PDF: {0}")]
    Pdf(String),
    /// Cancelled through its [`Progress`]; nothing was written.
    #[error("cancelled")]
    Cancelled,
}

impl From<onemap_progress::Cancelled> for ReportError {
    fn from(_: onemap_progress::Cancelled) -> Self {
        Self::Cancelled
    }
}

/// What the report is about.
pub struct Input<'a> {
    /// The Atlas (saved layers).
    pub atlas: &'a Arc<Atlas>,
    /// The saved stations' baseline (computed once per Atlas; pass the shared one).
    pub baseline: &'a Arc<Baseline>,
    /// A scenario to report side by side with the saved stations, with its name.
    pub scenario: Option<(&'a Scenario, &'a str)>,
    /// The road network with the buildings snapped, when a roads layer exists.
    pub walking: Option<&'a Walking>,
    /// Whether the dataset is synthetic (said on the title page).
    pub synthetic: bool,
    /// The date printed on it (`2026-12-01`).
    pub date: String,
    /// How many suggested sites per service.
    pub suggestions: usize,
}

/// One service's headline figures: saved stations, and the scenario's when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// The service (`None`: any station).
    pub service: Option<Service>,
    /// The whole dataset's row.
    pub row: UnitChange,
}

/// Per-street walking figures for one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkingSection {
    /// The service.
    pub service: Service,
    /// Rows per street.
    pub streets: Vec<WalkingRow>,
    /// The sub-grids losing most residents on foot, worst first.
    pub worst_subgrids: Vec<WalkingRow>,
    /// Network size: edges and total length, km.
    pub edges: usize,
    /// Total road length, km.
    pub length_km: f64,
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// District name(s).
    pub district: String,
    /// Date.
    pub date: String,
    /// Synthetic data?
    pub synthetic: bool,
    /// Radius, metres.
    pub radius_m: f64,
    /// Scenario name, when one is reported.
    pub scenario: Option<String>,
    /// Its plan.
    pub plan: Option<Plan>,
    /// Headline figures per service and any.
    pub headlines: Vec<Headline>,
    /// Per street, per service (and any): saved and scenario.
    pub streets: Vec<Vec<UnitChange>>,
    /// Per community, per service (and any).
    pub communities: Vec<Vec<UnitChange>>,
    /// The policy check (with the scenario's stations when there is one).
    pub policy: PolicyReport,
    /// Suggested sites per service (residents), relative to the stations reported.
    pub suggestions: Vec<Suggestion>,
    /// Walking against the circle, per service, when a road network exists.
    pub walking: Vec<WalkingSection>,
    /// Counts of the dataset: buildings, stations, sub-grids.
    pub counts: [usize; 3],
}

/// The services and "any", in report order.
pub const SERVICES_AND_ANY: [Option<Service>; 4] = onemap_geo::scenario::SLOTS;

/// Computes the report's numbers. See the crate documentation.
///
/// ```
/// use std::sync::Arc;
/// use onemap_geo::{atlas::Atlas, scenario::Baseline};
/// let atlas = Arc::new(Atlas::example());
/// let baseline = Arc::new(Baseline::new(Arc::clone(&atlas), 500.0));
/// let r = onemap_report::compute(&onemap_report::Input { atlas: &atlas, baseline: &baseline,
///     scenario: None, walking: None, synthetic: true, date: "2026-12-01".into(), suggestions: 3 },
///     &onemap_progress::Progress::new()).unwrap();
/// assert_eq!(r.headlines.len(), 4);
/// assert_eq!(r.policy.services.len(), 3);
/// ```
///
/// # Errors
/// [`ReportError::Cancelled`] when `progress` is cancelled (checked between the steps).
pub fn compute(input: &Input<'_>, progress: &Progress) -> Result<Report, ReportError> {
    let step = || -> Result<(), ReportError> {
        progress.advance(1);
        progress.check()?;
        Ok(())
    };
    let atlas = input.atlas;
    let radius = input.baseline.radius();
    let scenario = input.scenario.map(|(s, _)| s);
    let rows = |level: AdminLevel, service: Option<Service>| match scenario {
        Some(s) => s.units(level, service),
        None => input.baseline.units(level, service),
    };
    let headlines = SERVICES_AND_ANY
        .iter()
        .map(|&service| Headline {
            service,
            row: match scenario {
                Some(s) => s.total(service),
                None => total_of(&input.baseline.units(AdminLevel::District, service)),
            },
        })
        .collect();
    let streets = SERVICES_AND_ANY
        .iter()
        .map(|&s| rows(AdminLevel::Street, s))
        .collect();
    let communities = SERVICES_AND_ANY
        .iter()
        .map(|&s| rows(AdminLevel::Community, s))
        .collect();
    step()?;
    let covered = |service: Option<Service>| match scenario {
        Some(s) => s.covered_buildings(service),
        None => atlas.covered_buildings(service, radius),
    };
    let halls = |service: Option<Service>| match scenario {
        Some(s) => s.halls_without(service),
        None => atlas.halls_without(service),
    };
    let centres = |service: Option<Service>| match scenario {
        Some(s) => s.centres(service),
        None => atlas.service_centres(service),
    };
    let policy = onemap_geo::policy::check(
        atlas,
        &Service::ALL,
        radius,
        |s| covered(Some(s)),
        |s| halls(Some(s)),
    );
    step()?;
    let mut suggestions = Vec::new();
    for &s in &Service::ALL {
        let found = {
            let cov = covered(Some(s));
            let h = halls(Some(s));
            suggest(
                atlas,
                &Request {
                    service: Some(s),
                    objective: Objective::Residents,
                    candidates: Candidates::Buildings,
                    stop: Stop::Count {
                        n: input.suggestions,
                    },
                    exclude: None,
                    radius_m: radius,
                    covered: &cov,
                    halls: &h,
                    residential_only: false,
                    only: None,
                },
            )
            .ok()
        };
        suggestions.extend(found);
        step()?;
    }
    let mut walking = Vec::new();
    if let Some(w) = input.walking {
        for &s in &Service::ALL {
            let section = {
                let c = centres(Some(s));
                let mut both =
                    w.compare_levels(atlas, &c, &[AdminLevel::Subgrid, AdminLevel::Street]);
                let streets = both.pop().unwrap_or_default();
                let mut worst = both.pop().unwrap_or_default();
                worst.sort_by(|a, b| {
                    b.residents_lost_on_foot()
                        .cmp(&a.residents_lost_on_foot())
                        .then(a.code.cmp(&b.code))
                });
                worst.truncate(10);
                WalkingSection {
                    service: s,
                    streets,
                    worst_subgrids: worst,
                    edges: w.network().edge_count(),
                    length_km: w.network().length_m() / 1000.0,
                }
            };
            walking.push(section);
            step()?;
        }
    } else {
        // No road network: the walking steps count as done, so the bar still ends full.
        progress.advance(Service::ALL.len() as u64);
    }
    let district = atlas
        .districts()
        .iter()
        .map(|d| d.name.clone())
        .collect::<Vec<_>>()
        .join("、");
    Ok(Report {
        district,
        date: input.date.clone(),
        synthetic: input.synthetic,
        radius_m: radius,
        scenario: input.scenario.map(|(_, n)| n.to_string()),
        plan: scenario.map(Scenario::plan),
        headlines,
        streets,
        communities,
        policy,
        suggestions,
        walking,
        counts: [
            atlas.buildings().len(),
            atlas.stations().len(),
            atlas.subgrids().len(),
        ],
    })
}

/// The steps [`render`] counts on its [`Progress`]: the tables, the policy check, suggestions and
/// walking for each of the three services, the map, the document.
pub const STEPS: u64 = 2 + 3 + 3 + 2;

/// The sum of some rows as one row (the whole dataset).
fn total_of(rows: &[UnitChange]) -> UnitChange {
    let mut it = rows.iter();
    let Some(first) = it.next() else {
        return UnitChange {
            level: AdminLevel::District,
            unit: 0,
            code: String::new(),
            name: String::new(),
            service: None,
            totals: Default::default(),
            base: Default::default(),
            now: Default::default(),
        };
    };
    let mut t = first.clone();
    for r in it {
        t.totals += r.totals;
        t.base += r.base;
        t.now += r.now;
    }
    if rows.len() > 1 {
        t.code = String::new();
        t.name = String::new();
    }
    t
}

/// A share as a percentage with one decimal (`93.5%`); `—` when there is nothing to share.
#[must_use]
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "—".to_string()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// The report's map: coverage of the stations reported, their new stations, and the suggested
/// sites for the social-psychology service (usually the least covered).
///
/// # Errors
/// [`ReportError::Map`].
pub fn map_png(input: &Input<'_>, report: &Report, width: u32) -> Result<Vec<u8>, ReportError> {
    let atlas = input.atlas;
    let radius = input.baseline.radius();
    let scenario = input.scenario.map(|(s, _)| s);
    let covered = Service::ALL
        .iter()
        .map(|&s| match scenario {
            Some(sc) => sc.covered_buildings(Some(s)),
            None => atlas.covered_buildings(Some(s), radius),
        })
        .collect();
    let stations = match scenario {
        Some(sc) => sc
            .stations()
            .iter()
            .filter(|s| s.active)
            .map(|s| (s.lon, s.lat, s.level, s.saved.is_none()))
            .collect(),
        None => atlas
            .stations()
            .iter()
            .map(|s| (s.lon, s.lat, s.level, false))
            .collect(),
    };
    let sites = report
        .suggestions
        .iter()
        .find(|s| s.service == Some(Service::Psych))
        .map(|s| s.sites.iter().map(|x| (x.lon, x.lat)).collect())
        .unwrap_or_default();
    map::render(
        atlas,
        &map::Layers {
            covered,
            stations,
            sites,
        },
        width,
    )
}

/// The printable report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One self-contained HTML page.
    Html,
    /// An A4 PDF.
    Pdf,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pdf" => Ok(Format::Pdf),
            "html" => Ok(Format::Html),
            o => Err(format!("format {o:?}: pdf or html")),
        }
    }
}

/// Computes and renders the whole report, counting [`STEPS`] on `progress` (a city-scale
/// report takes half a minute) and stopping at the next step when it is cancelled.
///
/// # Errors
/// [`ReportError`] from the map or the PDF (a missing CJK font among them), or
/// [`ReportError::Cancelled`].
pub fn render(
    input: &Input<'_>,
    lang: Lang,
    format: Format,
    progress: &Progress,
) -> Result<Vec<u8>, ReportError> {
    render_with_map(input, lang, format, progress).map(|r| r.document)
}

/// A rendered report: the document, and the map drawn into it.
pub struct Rendered {
    /// The HTML or PDF.
    pub document: Vec<u8>,
    /// The map in the document, a PNG [`MAP_WIDTH`] pixels wide.
    pub map_png: Vec<u8>,
}

/// The width of the report's map, in pixels.
pub const MAP_WIDTH: u32 = 1800;

/// [`render`], keeping the map image as well (for a caller that also writes it to a file, so
/// the report is not computed and drawn a second time for it).
///
/// # Errors
/// As [`render`].
pub fn render_with_map(
    input: &Input<'_>,
    lang: Lang,
    format: Format,
    progress: &Progress,
) -> Result<Rendered, ReportError> {
    progress.stage("planning report", STEPS);
    let report = compute(input, progress)?;
    let map_png = map_png(input, &report, MAP_WIDTH)?;
    progress.advance(1);
    progress.check()?;
    let blocks = document::blocks(&report, lang);
    let document = match format {
        Format::Html => html::render(&blocks, &map_png, lang).into_bytes(),
        Format::Pdf => pdf::render(&blocks, &map_png, lang, fonts::system()?)?,
    };
    progress.advance(1);
    Ok(Rendered { document, map_png })
}

/// Today's date in Asia/Shanghai (UTC+8 all year, no daylight saving), `YYYY-MM-DD`: the date
/// printed on a report.
///
/// ```
/// let d = onemap_report::today();
/// assert_eq!((d.len(), &d[4..5], &d[7..8]), (10, "-", "-"));
/// ```
#[must_use]
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        + 8 * 3600;
    civil_date(secs.div_euclid(86_400))
}

/// The proleptic Gregorian date of a day number since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_numbers_become_calendar_dates() {
        assert_eq!(super::civil_date(0), "1970-01-01");
        assert_eq!(super::civil_date(19_782), "2024-02-29");
        assert_eq!(super::civil_date(20_788), "2026-12-01");
    }
}

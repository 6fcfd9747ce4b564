//! Briefing mode: what the leaders' big screen shows, and nothing personal.
//!
//! The tour runs district overview → each street with its KPIs → the hottest sub-grids → the
//! live (open) cases. Playback replays the cases of a day or a week. Everything here is built
//! from aggregates and from [`onemap::tallies::CaseDot`], which has no field for a reporter's
//! name or phone and no free text (the matter's catalogue name stands for the citizen's
//! words), so no path leads from a case's personal data to a briefing.

use std::collections::HashMap;

use onemap::figures::Dimension;
use onemap::tallies::CaseDot;
use onemap::time::{DAY, Millis};
use onemap_geo::atlas::Atlas;
use onemap_geo::dataset::{AdminLevel, Service};
use serde::Serialize;

use crate::charts::subtitle;
use crate::context::{AsOf, Source};
use crate::coverage;
use crate::error::{Error, Result};
use crate::i18n::{Lang, tr, tr_value, trf};
use crate::kpi::{self, Tile, grouped, percent};
use crate::risk::{self, Risk};

/// What a step of the tour shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// The whole district.
    District,
    /// One street.
    Street,
    /// The highest-risk sub-grids.
    Hot,
    /// The open cases.
    Live,
}

/// One entry of a ranked list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    /// 1 = highest.
    pub rank: usize,
    /// Sub-grid code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Risk score 0–100.
    pub score: f64,
    /// Its inputs, as a line of text.
    pub inputs: String,
    /// Where it is: [west, south, east, north].
    pub bbox: [f64; 4],
}

/// A case on a leader's map: no personal data, no free text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dot {
    /// Case id.
    pub id: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Warning grade 1–3.
    pub grade: i64,
    /// Channel, as shown.
    pub channel: String,
    /// The matter's catalogue name.
    pub matter: String,
    /// The street's code.
    pub street_code: String,
    /// Reported (ms since the epoch).
    pub reported_at: Millis,
    /// Closed (ms), if it is.
    pub closed_at: Option<Millis>,
    /// Whether it is still open.
    pub open: bool,
}

impl Dot {
    /// The dot of a case, its channel named in `lang`.
    #[must_use]
    pub fn of(c: &CaseDot, lang: Lang) -> Dot {
        Dot {
            id: c.id.clone(),
            lon: c.lon,
            lat: c.lat,
            grade: c.grade,
            channel: tr_value(lang, "channel", &c.channel),
            matter: c.matter_name.clone(),
            street_code: c.street_code.clone(),
            reported_at: c.reported_at,
            closed_at: c.closed_at,
            open: c.state != "closed",
        }
    }
}

/// One step of the tour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// 1-based position.
    pub n: usize,
    /// What it shows.
    pub kind: StepKind,
    /// The unit it is about (the district's or street's code; empty for the lists).
    pub code: String,
    /// Title.
    pub title: String,
    /// Period and data note.
    pub subtitle: String,
    /// Where the map goes: [west, south, east, north].
    pub bbox: [f64; 4],
    /// KPI tiles.
    pub tiles: Vec<Tile>,
    /// The ranked sub-grids (the hot step) or the street's hottest ones.
    pub ranking: Vec<Ranked>,
    /// Case dots (the live step).
    pub dots: Vec<Dot>,
    /// The slide's file name (`03-street-440311003.png`).
    pub slide: String,
}

/// The tour as of a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tour {
    /// The day.
    pub as_of: AsOf,
    /// The language of its texts.
    pub lang: Lang,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The risk score of every sub-grid (code → score), for the choropleth.
    pub risk: HashMap<String, f64>,
}

/// How many sub-grids the hot step lists.
pub const HOT_SUBGRIDS: usize = 10;
/// How many open cases the live step draws at most.
pub const LIVE_DOTS: i64 = 2_000;

/// The lon/lat box of a unit.
pub(crate) fn bbox_of(atlas: &Atlas, level: AdminLevel, code: &str) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    let u = atlas.units(level).iter().find(|u| u.code == code)?;
    let r = u.geometry.bounding_rect()?;
    let plane = atlas.plane();
    let (w, s) = plane.inverse(r.min().x, r.min().y);
    let (e, n) = plane.inverse(r.max().x, r.max().y);
    Some([w, s, e, n])
}

fn union(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

fn ranked(atlas: &Atlas, risk: &Risk, rows: &[&risk::Row], lang: Lang) -> Vec<Ranked> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| Ranked {
            rank: i + 1,
            code: r.code.clone(),
            name: r.name.clone(),
            score: r.score,
            inputs: inputs_line(lang, &r.inputs),
            bbox: bbox_of(atlas, AdminLevel::Subgrid, &r.code)
                .unwrap_or_else(|| district_bbox(atlas, risk)),
        })
        .collect()
}

fn district_bbox(atlas: &Atlas, _risk: &Risk) -> [f64; 4] {
    atlas
        .units(AdminLevel::District)
        .iter()
        .filter_map(|u| bbox_of(atlas, AdminLevel::District, &u.code))
        .reduce(union)
        .unwrap_or([0.0; 4])
}

/// "警示楼 12 · 在办 3 · 超时 5 · 未覆盖 8%".
pub(crate) fn inputs_line(lang: Lang, i: &risk::Inputs) -> String {
    trf(
        lang,
        "slide.inputs",
        &[
            (
                "w",
                grouped(i64::try_from(i.warning_buildings).unwrap_or(i64::MAX)),
            ),
            ("o", grouped(i.open_by_grade.iter().sum())),
            ("b", grouped(i.recent_breaches)),
            ("g", format!("{:.0}", 100.0 * i.gap_share)),
        ],
    )
}

fn tile(key: &str, label: String, value: String, detail: String, tone: &'static str) -> Tile {
    Tile {
        key: key.to_string(),
        label,
        value,
        detail,
        number: None,
        tone,
    }
}

/// Builds the tour as of `as_of` in `lang`.
///
/// # Errors
/// Store errors; [`Error::NoAtlas`] without a complete administrative tree.
pub async fn tour(src: &Source, as_of: &AsOf, lang: Lang) -> Result<Tour> {
    let atlas = src.atlas()?;
    let kpis = kpi::kpis(src, as_of).await?;
    let risk = risk::risk(src, as_of).await?;
    let synthetic = !kpis.synthetic_layers.is_empty();
    let window_sub = subtitle(lang, as_of, true, synthetic);
    let mut steps = Vec::new();
    let district = atlas
        .units(AdminLevel::District)
        .first()
        .ok_or(Error::NoAtlas)?;
    let dbox = district_bbox(atlas, &risk);
    let keep = [
        "today",
        "same_day",
        "resolution",
        "orders",
        "open",
        "breaches",
        "warning",
        "coverage.appeal",
    ];
    steps.push(Step {
        n: 0,
        kind: StepKind::District,
        code: district.code.clone(),
        title: trf(lang, "slide.district", &[("name", district.name.clone())]),
        subtitle: window_sub.clone(),
        bbox: dbox,
        tiles: kpis
            .tiles(lang)
            .into_iter()
            .filter(|t| keep.contains(&t.key.as_str()))
            .collect(),
        ranking: Vec::new(),
        dots: Vec::new(),
        slide: String::new(),
    });
    let window_start = as_of.day_start() - (crate::context::WINDOW_DAYS - 1) * DAY;
    let figures: HashMap<String, onemap::figures::Figures> = src
        .store
        .figures(window_start, as_of.day_end(), Dimension::Street)
        .await?
        .into_iter()
        .map(|f| (f.key.clone(), f))
        .collect();
    let tables = coverage::tables(src)?;
    let appeal: HashMap<&str, f64> = tables
        .get(AdminLevel::Street, Some(Service::Appeal))
        .iter()
        .map(|r| (r.code.as_str(), r.building_share))
        .collect();
    for street in atlas.units(AdminLevel::Street) {
        let f = figures.get(&street.code).cloned().unwrap_or_default();
        let r = risk.unit(&street.code)?;
        let hottest: Vec<&risk::Row> = risk
            .level(AdminLevel::Subgrid)
            .filter(|s| s.code.starts_with(&street.code))
            .take(3)
            .collect();
        steps.push(Step {
            n: 0,
            kind: StepKind::Street,
            code: street.code.clone(),
            title: trf(lang, "slide.street", &[("name", street.name.clone())]),
            subtitle: window_sub.clone(),
            bbox: bbox_of(atlas, AdminLevel::Street, &street.code).unwrap_or(dbox),
            tiles: vec![
                tile(
                    "handled_30d",
                    tr(lang, "kpi.handled_30d"),
                    grouped(f.handled),
                    String::new(),
                    "",
                ),
                tile(
                    "same_day",
                    tr(lang, "kpi.same_day"),
                    if f.resolved > 0 {
                        percent(f.same_day_rate)
                    } else {
                        "—".into()
                    },
                    format!("{} / {}", grouped(f.same_day), grouped(f.resolved)),
                    if f.same_day_rate >= 0.98 {
                        "good"
                    } else {
                        "warn"
                    },
                ),
                tile(
                    "open",
                    tr(lang, "kpi.open"),
                    grouped(r.inputs.open_by_grade.iter().sum()),
                    format!(
                        "{} {}",
                        tr(lang, "grade.1"),
                        grouped(r.inputs.open_by_grade[0])
                    ),
                    "",
                ),
                tile(
                    "recent_breaches",
                    tr(lang, "kpi.recent_breaches"),
                    grouped(r.inputs.recent_breaches),
                    String::new(),
                    if r.inputs.recent_breaches == 0 {
                        "good"
                    } else {
                        "bad"
                    },
                ),
                tile(
                    "warning",
                    tr(lang, "kpi.warning"),
                    grouped(i64::try_from(r.inputs.warning_buildings).unwrap_or(i64::MAX)),
                    grouped(i64::try_from(r.inputs.buildings).unwrap_or(i64::MAX)),
                    "bad",
                ),
                tile(
                    "coverage.appeal",
                    trf(
                        lang,
                        "kpi.coverage",
                        &[("service", tr(lang, "service.appeal"))],
                    ),
                    appeal
                        .get(street.code.as_str())
                        .map_or_else(|| "—".into(), |s| percent(*s)),
                    String::new(),
                    "",
                ),
                tile(
                    "risk",
                    tr(lang, "kpi.risk"),
                    format!("{:.1}", r.score),
                    format!("#{}", r.rank),
                    "",
                ),
            ],
            ranking: ranked(atlas, &risk, &hottest, lang),
            dots: Vec::new(),
            slide: String::new(),
        });
    }
    let hot: Vec<&risk::Row> = risk.level(AdminLevel::Subgrid).take(HOT_SUBGRIDS).collect();
    let ranking = ranked(atlas, &risk, &hot, lang);
    let hot_box = ranking.iter().map(|r| r.bbox).reduce(union).unwrap_or(dbox);
    steps.push(Step {
        n: 0,
        kind: StepKind::Hot,
        code: String::new(),
        title: tr(lang, "slide.hot"),
        subtitle: subtitle(lang, as_of, false, synthetic),
        bbox: hot_box,
        tiles: Vec::new(),
        ranking,
        dots: Vec::new(),
        slide: String::new(),
    });
    let open = src.store.open_case_dots(LIVE_DOTS).await?;
    let mut by_grade = [0i64; 3];
    for d in &open {
        if let Some(slot) = usize::try_from(d.grade - 1)
            .ok()
            .and_then(|i| by_grade.get_mut(i))
        {
            *slot += 1;
        }
    }
    steps.push(Step {
        n: 0,
        kind: StepKind::Live,
        code: String::new(),
        title: tr(lang, "slide.live"),
        subtitle: subtitle(lang, as_of, false, synthetic),
        bbox: dbox,
        tiles: vec![
            tile(
                "open",
                tr(lang, "kpi.open"),
                grouped(kpis.open_cases),
                String::new(),
                "",
            ),
            tile(
                "grade.1",
                tr(lang, "grade.1"),
                grouped(by_grade[0]),
                String::new(),
                "bad",
            ),
            tile(
                "grade.2",
                tr(lang, "grade.2"),
                grouped(by_grade[1]),
                String::new(),
                "warn",
            ),
            tile(
                "grade.3",
                tr(lang, "grade.3"),
                grouped(by_grade[2]),
                String::new(),
                "",
            ),
            tile(
                "breaches",
                tr(lang, "kpi.breaches"),
                grouped(kpis.open_breaches),
                String::new(),
                if kpis.open_breaches == 0 {
                    "good"
                } else {
                    "bad"
                },
            ),
        ],
        ranking: Vec::new(),
        dots: open.iter().map(|c| Dot::of(c, lang)).collect(),
        slide: String::new(),
    });
    for (i, s) in steps.iter_mut().enumerate() {
        s.n = i + 1;
        let kind = match s.kind {
            StepKind::District => "district",
            StepKind::Street => "street",
            StepKind::Hot => "hot",
            StepKind::Live => "live",
        };
        s.slide = if s.code.is_empty() || s.kind == StepKind::District {
            format!("{:02}-{kind}.png", s.n)
        } else {
            format!("{:02}-{kind}-{}.png", s.n, s.code)
        };
    }
    let risk_map = risk
        .level(AdminLevel::Subgrid)
        .map(|r| (r.code.clone(), r.score))
        .collect();
    Ok(Tour {
        as_of: as_of.clone(),
        lang,
        steps,
        risk: risk_map,
    })
}

/// How long a playback spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    /// The as-of day.
    Day,
    /// The seven days ending with it.
    Week,
}

impl Span {
    /// Parses `day` or `week` (`None` gives a day).
    ///
    /// # Errors
    /// [`Error::Invalid`] otherwise.
    pub fn parse(s: Option<&str>) -> Result<Span> {
        match s {
            None | Some("" | "day") => Ok(Span::Day),
            Some("week") => Ok(Span::Week),
            Some(o) => Err(Error::Invalid(format!(
                "a playback spans a day or a week, not {o:?}"
            ))),
        }
    }
}

/// The cases of a day or a week, for replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Playback {
    /// Start (ms).
    pub from: Millis,
    /// End (ms).
    pub to: Millis,
    /// The span.
    pub span: Span,
    /// The cases, oldest first.
    pub dots: Vec<Dot>,
}

/// At most this many cases are replayed (a week of the bundled history is about 500).
pub const PLAYBACK_LIMIT: i64 = 20_000;

/// The cases reported in the day (or week) ending with `as_of`.
///
/// # Errors
/// Store errors.
pub async fn playback(src: &Source, as_of: &AsOf, span: Span, lang: Lang) -> Result<Playback> {
    let to = as_of.day_end();
    let from = match span {
        Span::Day => as_of.day_start(),
        Span::Week => to - 7 * DAY,
    };
    let dots = src.store.case_dots(from, to, PLAYBACK_LIMIT).await?;
    Ok(Playback {
        from,
        to,
        span,
        dots: dots.iter().map(|c| Dot::of(c, lang)).collect(),
    })
}

/// The open cases now, most serious first.
///
/// # Errors
/// Store errors.
pub async fn live(src: &Source, lang: Lang) -> Result<Vec<Dot>> {
    Ok(src
        .store
        .open_case_dots(LIVE_DOTS)
        .await?
        .iter()
        .map(|c| Dot::of(c, lang))
        .collect())
}

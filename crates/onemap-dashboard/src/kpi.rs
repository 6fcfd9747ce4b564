//! The KPI tiles of the dashboard, as of a day.
//!
//! | tile | definition |
//! |---|---|
//! | today's appeals | cases reported on the as-of day (and the day before, for the trend) |
//! | same-day rate | over the 30-day window: resolved before the local midnight of the day reported, over resolved (the figures' definition) |
//! | resolution since 2022 | resolved / handled of the cases reported from 2022-01-01 to the end of the as-of day |
//! | orders on time | department orders of those cases that arrived and reported by both deadlines, over orders |
//! | open cases, open breaches | cases not closed; their promises (notice, meeting, resolution) past due and not kept |
//! | warning buildings | rental buildings rated 警示级, of all rated |
//! | coverage per service | share of buildings and of residents within 500 m of a station offering it |

use onemap::figures::Dimension;
use onemap_geo::dataset::{AdminLevel, Rating};
use serde::Serialize;

use crate::context::{AsOf, Source, first_day_of_year};
use crate::coverage::{self, SERVICES, service_name};
use crate::error::Result;
use crate::i18n::{Lang, tr, trf};

/// One tile: its label and value, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tile {
    /// Stable key (`today`, `same_day`, `coverage.legal`, …).
    pub key: String,
    /// Label in the report's language.
    pub label: String,
    /// The value as shown (`1,234`, `98.0%`, `—`).
    pub value: String,
    /// A second line (the counts behind a rate, yesterday's count).
    pub detail: String,
    /// The raw number (a count or a share in 0–1), `None` when there is none.
    pub number: Option<f64>,
    /// `good`, `warn` or `bad` for colouring, or empty.
    pub tone: &'static str,
}

/// Coverage of one service at district level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceCoverage {
    /// `appeal`, `legal`, `psych` or `any`.
    pub service: &'static str,
    /// Buildings within 500 m, of all.
    pub building_share: f64,
    /// Residents within 500 m, of all.
    pub resident_share: f64,
    /// Buildings outside.
    pub buildings_uncovered: u64,
    /// Residents outside.
    pub residents_uncovered: u64,
}

/// The numbers behind the tiles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    /// The day.
    pub as_of: AsOf,
    /// Cases reported on the as-of day.
    pub today: i64,
    /// Cases reported the day before.
    pub yesterday: i64,
    /// Cases reported in the 30-day window.
    pub handled_30d: i64,
    /// Of which resolved.
    pub resolved_30d: i64,
    /// Of those, resolved the same day.
    pub same_day_30d: i64,
    /// same_day_30d / resolved_30d.
    pub same_day_rate: f64,
    /// Cases reported since 2022-01-01.
    pub handled_since_2022: i64,
    /// Of which resolved.
    pub resolved_since_2022: i64,
    /// resolved / handled.
    pub resolution_rate: f64,
    /// Orders of those cases.
    pub orders: i64,
    /// Arrived and reported on time.
    pub orders_on_time: i64,
    /// Open cases now.
    pub open_cases: i64,
    /// Promises of open cases past due and not kept.
    pub open_breaches: i64,
    /// Rated buildings.
    pub buildings: u64,
    /// Of which warning (警示级).
    pub warning_buildings: u64,
    /// Of which general (一般级).
    pub general_buildings: u64,
    /// Coverage per service (and any) for the whole district.
    pub coverage: Vec<ServiceCoverage>,
    /// The stored layers that are synthetic (empty for real data).
    pub synthetic_layers: Vec<String>,
}

/// Counts the KPIs as of `as_of`.
///
/// # Errors
/// Store errors; [`crate::Error::NoAtlas`] without a complete administrative tree.
pub async fn kpis(src: &Source, as_of: &AsOf) -> Result<Kpis> {
    let store = &src.store;
    let day_start = as_of.day_start();
    let count = |from, to| async move {
        let f = store.figures(from, to, Dimension::All).await?;
        Ok::<_, crate::Error>(f.into_iter().next().unwrap_or_default())
    };
    let today = count(day_start, as_of.day_end()).await?;
    let yesterday = count(day_start - onemap::time::DAY, day_start).await?;
    let window_start = as_of.day_start() - (crate::context::WINDOW_DAYS - 1) * onemap::time::DAY;
    let window = count(window_start, as_of.day_end()).await?;
    let since_2022_start =
        first_day_of_year(2022) * onemap::time::DAY - onemap::time::SHANGHAI_OFFSET;
    let since = count(since_2022_start, as_of.day_end()).await?;
    let atlas = src.atlas()?;
    let (mut warning, mut general) = (0u64, 0u64);
    for b in atlas.buildings() {
        match b.rating {
            Rating::Warning => warning += 1,
            Rating::General => general += 1,
            Rating::Safe => {}
        }
    }
    let tables = coverage::tables(src)?;
    let coverage = SERVICES
        .iter()
        .filter_map(|s| {
            let r = tables.get(AdminLevel::District, *s).first()?;
            Some(ServiceCoverage {
                service: service_name(*s),
                building_share: r.building_share,
                resident_share: r.resident_share,
                buildings_uncovered: r.buildings_total - r.buildings_covered,
                residents_uncovered: r.residents_total - r.residents_covered,
            })
        })
        .collect();
    Ok(Kpis {
        as_of: as_of.clone(),
        today: today.handled,
        yesterday: yesterday.handled,
        handled_30d: window.handled,
        resolved_30d: window.resolved,
        same_day_30d: window.same_day,
        same_day_rate: window.same_day_rate,
        handled_since_2022: since.handled,
        resolved_since_2022: since.resolved,
        resolution_rate: since.resolution_rate,
        orders: since.orders,
        orders_on_time: since.orders_on_time,
        open_cases: store.open_case_count().await?,
        open_breaches: store.open_breaches(as_of.moment()).await?,
        buildings: atlas.buildings().len() as u64,
        warning_buildings: warning,
        general_buildings: general,
        coverage,
        synthetic_layers: store.synthetic_layers().await?,
    })
}

/// `1,234` (thousands separated as both languages write them).
#[must_use]
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `98.0%`.
#[must_use]
pub fn percent(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

impl Kpis {
    /// The tiles, labelled in `lang`.
    #[must_use]
    pub fn tiles(&self, lang: Lang) -> Vec<Tile> {
        let tile = |key: &str,
                    label: String,
                    value: String,
                    detail: String,
                    number: Option<f64>,
                    tone: &'static str| Tile {
            key: key.to_string(),
            label,
            value,
            detail,
            number,
            tone,
        };
        let mut out = vec![
            tile(
                "today",
                tr(lang, "kpi.today"),
                grouped(self.today),
                format!(
                    "{} {}",
                    arrow(self.today, self.yesterday),
                    trf(lang, "kpi.yesterday", &[("n", grouped(self.yesterday))])
                ),
                Some(self.today as f64),
                "",
            ),
            tile(
                "same_day",
                tr(lang, "kpi.same_day"),
                if self.resolved_30d > 0 {
                    percent(self.same_day_rate)
                } else {
                    "—".into()
                },
                format!(
                    "{} / {}",
                    grouped(self.same_day_30d),
                    grouped(self.resolved_30d)
                ),
                (self.resolved_30d > 0).then_some(self.same_day_rate),
                if self.same_day_rate >= 0.98 {
                    "good"
                } else {
                    "warn"
                },
            ),
            tile(
                "resolution",
                tr(lang, "kpi.resolution"),
                if self.handled_since_2022 > 0 {
                    percent(self.resolution_rate)
                } else {
                    "—".into()
                },
                format!(
                    "{} / {}",
                    grouped(self.resolved_since_2022),
                    grouped(self.handled_since_2022)
                ),
                (self.handled_since_2022 > 0).then_some(self.resolution_rate),
                if self.resolution_rate >= 0.99 {
                    "good"
                } else {
                    "warn"
                },
            ),
        ];
        let orders_rate =
            (self.orders > 0).then(|| self.orders_on_time as f64 / self.orders as f64);
        out.push(tile(
            "orders",
            tr(lang, "kpi.orders"),
            orders_rate.map_or_else(|| "—".into(), percent),
            if self.orders > 0 {
                format!(
                    "{} / {}",
                    grouped(self.orders_on_time),
                    grouped(self.orders)
                )
            } else {
                tr(lang, "kpi.orders.none")
            },
            orders_rate,
            match orders_rate {
                Some(r) if r >= 0.999 => "good",
                Some(_) => "warn",
                None => "",
            },
        ));
        out.push(tile(
            "open",
            tr(lang, "kpi.open"),
            grouped(self.open_cases),
            String::new(),
            Some(self.open_cases as f64),
            "",
        ));
        out.push(tile(
            "breaches",
            tr(lang, "kpi.breaches"),
            grouped(self.open_breaches),
            String::new(),
            Some(self.open_breaches as f64),
            if self.open_breaches == 0 {
                "good"
            } else {
                "bad"
            },
        ));
        let share = if self.buildings > 0 {
            self.warning_buildings as f64 / self.buildings as f64
        } else {
            0.0
        };
        out.push(tile(
            "warning",
            tr(lang, "kpi.warning"),
            grouped(i64::try_from(self.warning_buildings).unwrap_or(i64::MAX)),
            format!(
                "{} · {}",
                percent(share),
                grouped(i64::try_from(self.buildings).unwrap_or(i64::MAX))
            ),
            Some(self.warning_buildings as f64),
            "bad",
        ));
        for c in &self.coverage {
            let service = tr(lang, &format!("service.{}", c.service));
            out.push(tile(
                &format!("coverage.{}", c.service),
                trf(lang, "kpi.coverage", &[("service", service)]),
                percent(c.building_share),
                trf(lang, "kpi.residents", &[("p", percent(c.resident_share))]),
                Some(c.building_share),
                if c.building_share >= 0.9 {
                    "good"
                } else {
                    "warn"
                },
            ));
        }
        out
    }
}

fn arrow(now: i64, before: i64) -> &'static str {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => "▲",
        std::cmp::Ordering::Less => "▼",
        std::cmp::Ordering::Equal => "＝",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(35_800), "35,800");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert_eq!(percent(0.9941), "99.4%");
    }
}

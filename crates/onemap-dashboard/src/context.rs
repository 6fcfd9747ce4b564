//! What every report reads: the store, the Atlas snapshot of the moment, and the day it is
//! "as of".

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use onemap::Store;
use onemap::locate::Locator;
use onemap::time::{DAY, Millis, SHANGHAI_OFFSET, local_day};
use onemap_geo::atlas::Atlas;
use serde::Serialize;

use crate::error::{Error, Result};

/// The store and the Atlas snapshot a report is built from (taken once, so one report never
/// mixes two snapshots).
#[derive(Clone)]
pub struct Source {
    /// The store.
    pub store: Store,
    locator: Arc<dyn Locator>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Source {
    /// The store with its current Atlas snapshot.
    #[must_use]
    pub fn new(store: &Store) -> Source {
        Source {
            store: store.clone(),
            locator: store.locator(),
        }
    }

    /// The Atlas (units, stations, buildings, coverage).
    ///
    /// # Errors
    /// [`Error::NoAtlas`] while the store holds no complete administrative tree.
    pub fn atlas(&self) -> Result<&Atlas> {
        self.locator.atlas().ok_or(Error::NoAtlas)
    }

    pub(crate) fn locator(&self) -> &Arc<dyn Locator> {
        &self.locator
    }
}

/// Why the report is as of its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AsOfBasis {
    /// Today, by the store's clock.
    Today,
    /// The day of the latest case: the store's history ends more than 30 days ago (the bundled
    /// synthetic history ends on 2023-06-28), so "today" would show empty charts.
    LatestCase,
    /// The day asked for.
    Requested,
}

/// The local day a report is about; its 30-day window ends with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AsOf {
    /// Local (Asia/Shanghai) day number.
    pub day: i64,
    /// The day as `YYYY-MM-DD`.
    pub date: String,
    /// Why this day.
    pub basis: AsOfBasis,
    /// The store's "now" when the report was made.
    pub now: Millis,
}

/// Days in a report's window (the as-of day and the 29 before it).
pub const WINDOW_DAYS: i64 = 30;

impl AsOf {
    /// The day asked for (`YYYY-MM-DD`), else today, else (when the store's latest case is
    /// older than the window) the latest case's day.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed date; store errors.
    pub async fn resolve(store: &Store, requested: Option<&str>) -> Result<AsOf> {
        let now = store.now();
        if let Some(d) = requested.filter(|d| !d.is_empty()) {
            let date = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| Error::Invalid(format!("the day must be YYYY-MM-DD, not {d:?}")))?;
            return Ok(AsOf::of_day(day_of_date(date), AsOfBasis::Requested, now));
        }
        let today = local_day(now);
        match store.latest_case_at().await? {
            Some(latest) if local_day(latest) <= today - WINDOW_DAYS => {
                Ok(AsOf::of_day(local_day(latest), AsOfBasis::LatestCase, now))
            }
            _ => Ok(AsOf::of_day(today, AsOfBasis::Today, now)),
        }
    }

    /// The as-of of local day `day`.
    #[must_use]
    pub fn of_day(day: i64, basis: AsOfBasis, now: Millis) -> AsOf {
        AsOf {
            day,
            date: date_of_day(day),
            basis,
            now,
        }
    }

    /// The first day of the window.
    #[must_use]
    pub fn first_day(&self) -> i64 {
        self.day - WINDOW_DAYS + 1
    }

    /// The instant the as-of day starts (local midnight).
    #[must_use]
    pub fn day_start(&self) -> Millis {
        self.day * DAY - SHANGHAI_OFFSET
    }

    /// The instant it ends (the next local midnight).
    #[must_use]
    pub fn day_end(&self) -> Millis {
        self.day_start() + DAY
    }

    /// "Now" for the report: the store's now, or the end of the as-of day when that is earlier
    /// (a report about a past day counts what was open and overdue then).
    #[must_use]
    pub fn moment(&self) -> Millis {
        self.now.min(self.day_end())
    }
}

/// `YYYY-MM-DD` of a local day number.
///
/// ```
/// assert_eq!(onemap_dashboard::AsOf::of_day(19536, onemap_dashboard::AsOfBasis::Today, 0).date, "2023-06-28");
/// ```
pub(crate) fn date_of_day(day: i64) -> String {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch
        .checked_add_signed(chrono::Duration::days(day))
        .map_or_else(|| day.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// `MM-DD` of a local day number (axis labels).
pub(crate) fn short_date(day: i64) -> String {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch
        .checked_add_signed(chrono::Duration::days(day))
        .map_or_else(
            || day.to_string(),
            |d| format!("{:02}-{:02}", d.month(), d.day()),
        )
}

fn day_of_date(d: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days()
}

/// The local day number of 1 January of `year`.
pub(crate) fn first_day_of_year(year: i32) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1).map_or(0, day_of_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_and_dates_round_trip() {
        let d = first_day_of_year(2022);
        assert_eq!(date_of_day(d), "2022-01-01");
        assert_eq!(short_date(d + 31), "02-01");
        let a = AsOf::of_day(d, AsOfBasis::Today, 0);
        assert_eq!(local_day(a.day_start()), d);
        assert_eq!(local_day(a.day_end() - 1), d);
        assert_eq!(a.first_day(), d - 29);
    }
}

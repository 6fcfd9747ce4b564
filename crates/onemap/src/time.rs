//! Time: instants are UTC milliseconds since the Unix epoch ([`Millis`]); "the day" is the local
//! day of Asia/Shanghai. The clock is injectable so tests can run a simulated day in
//! milliseconds.
//!
//! Asia/Shanghai has had no daylight-saving time since 1991 and is UTC+08:00 all year, so the
//! local day is computed with a fixed offset and needs no time-zone database.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

/// An instant: milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// One minute in milliseconds.
pub const MINUTE: Millis = 60_000;
/// One hour in milliseconds.
pub const HOUR: Millis = 60 * MINUTE;
/// One day in milliseconds.
pub const DAY: Millis = 24 * HOUR;
/// Asia/Shanghai's offset from UTC.
pub const SHANGHAI_OFFSET: Millis = 8 * HOUR;

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Millis;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        Utc::now().timestamp_millis()
    }
}

/// A clock that only moves when told to: for tests and simulations.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: Millis) -> Self {
        Self(AtomicI64::new(at))
    }
    /// Moves the clock to `at`.
    pub fn set(&self, at: Millis) {
        self.0.store(at, Ordering::SeqCst);
    }
    /// Moves the clock forward by `by` and returns the new instant.
    pub fn advance(&self, by: Millis) -> Millis {
        self.0.fetch_add(by, Ordering::SeqCst) + by
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// The end of the Asia/Shanghai local day containing `t` (the next local midnight).
///
/// ```
/// use onemap::time::{end_of_local_day, parse_instant};
/// let t = parse_instant("2023-03-01T23:59:00+08:00").unwrap();
/// assert_eq!(end_of_local_day(t), parse_instant("2023-03-02T00:00:00+08:00").unwrap());
/// ```
pub fn end_of_local_day(t: Millis) -> Millis {
    ((t + SHANGHAI_OFFSET).div_euclid(DAY) + 1) * DAY - SHANGHAI_OFFSET
}

/// The local (Asia/Shanghai) day number of `t`: days since 1970-01-01 local.
pub fn local_day(t: Millis) -> i64 {
    (t + SHANGHAI_OFFSET).div_euclid(DAY)
}

/// Parses an RFC 3339 / ISO 8601 instant with an offset (`2023-03-01T09:30:00+08:00`).
pub fn parse_instant(s: &str) -> Option<Millis> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// Formats an instant as RFC 3339 in Asia/Shanghai (`2023-03-01T09:30:00+08:00`).
pub fn format_instant(t: Millis) -> String {
    let tz =
        FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("8 h is a valid offset"));
    match tz.timestamp_millis_opt(t).single() {
        Some(d) => d.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        None => t.to_string(),
    }
}

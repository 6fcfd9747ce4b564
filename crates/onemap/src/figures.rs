//! Figures: handled, resolved, resolution rate, same-day rate, each clock's compliance, orders
//! on time, median and 90th-percentile time to close — per period and per district, street,
//! community, sub-grid, department, channel or matter.
//!
//! Definitions:
//! - *handled*: cases reported in the period; *resolved*: those closed `resolved`; the
//!   resolution rate is resolved / handled (open cases count against it).
//! - *same day*: resolved before the local (Asia/Shanghai) midnight of the day reported; the
//!   same-day rate is over the resolved cases ("98% of appeals resolved the same day").
//! - *clock compliance*: cases whose notice / meeting / resolution came by its deadline, over
//!   handled.
//! - *orders on time*: orders (of the period's cases) whose department arrived and reported by
//!   both deadlines, over orders.
//! - *time to close*: closed − reported for closed cases; percentiles are read from a histogram
//!   computed in the database, exact to the minute below 24 hours and to the hour above.
//!
//! Per department, a case counts for every department it ordered.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use crate::error::Result;
use crate::model::string_enum;
use crate::store::{Store, with_db};
use crate::time::{DAY, Millis, SHANGHAI_OFFSET};

string_enum! {
    /// What to break figures down by.
    Dimension {
        /// One row for everything.
        All = "all",
        /// District code.
        District = "district",
        /// Street code.
        Street = "street",
        /// Community code.
        Community = "community",
        /// Sub-grid code.
        Subgrid = "subgrid",
        /// Ordered department.
        Department = "department",
        /// Channel.
        Channel = "channel",
        /// Matter code.
        Matter = "matter",
    }
}

impl Dimension {
    fn key(self) -> &'static str {
        match self {
            Dimension::All => "'all'",
            Dimension::District => "c.district_code",
            Dimension::Street => "c.street_code",
            Dimension::Community => "c.community_code",
            Dimension::Subgrid => "c.subgrid_code",
            Dimension::Department => "o.department",
            Dimension::Channel => "c.channel",
            Dimension::Matter => "c.matter",
        }
    }
    fn join(self) -> &'static str {
        if self == Dimension::Department {
            " JOIN (SELECT DISTINCT case_id, department FROM orders) o ON o.case_id = c.id"
        } else {
            ""
        }
    }
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Figures {
    /// The group's key (a code, channel, matter or department; `all`; empty when unlocated).
    pub key: String,
    /// Cases reported in the period.
    pub handled: i64,
    /// Of which closed resolved.
    pub resolved: i64,
    /// resolved / handled.
    pub resolution_rate: f64,
    /// Resolved before the local midnight of the day reported.
    pub same_day: i64,
    /// same_day / resolved.
    pub same_day_rate: f64,
    /// SMS notice by its deadline / handled.
    pub notice_compliance: f64,
    /// Meeting by its deadline / handled.
    pub meet_compliance: f64,
    /// Resolution by its deadline / handled.
    pub resolve_compliance: f64,
    /// Department orders of these cases.
    pub orders: i64,
    /// Orders arrived and reported by their deadlines.
    pub orders_on_time: i64,
    /// orders_on_time / orders (1 when there were none).
    pub orders_on_time_rate: f64,
    /// Median minutes from report to close (closed cases).
    pub median_close_minutes: Option<f64>,
    /// 90th-percentile minutes from report to close.
    pub p90_close_minutes: Option<f64>,
}

fn rate(n: i64, d: i64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// The minute a histogram bucket starts at (buckets: minutes below a day, hours above).
fn bucket_start(b: i64) -> f64 {
    if b < 1440 {
        b as f64
    } else {
        (1440 + (b - 1440) * 60) as f64
    }
}

fn percentile(hist: &[(i64, i64)], q: f64) -> Option<f64> {
    let total: i64 = hist.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let target = ((total as f64) * q).ceil().max(1.0) as i64;
    let mut acc = 0;
    for (b, n) in hist {
        acc += n;
        if acc >= target {
            return Some(bucket_start(*b));
        }
    }
    hist.last().map(|(b, _)| bucket_start(*b))
}

impl Store {
    /// Figures for cases reported in `[from, to)`, one row per group of `by`, sorted by key.
    pub async fn figures(&self, from: Millis, to: Millis, by: Dimension) -> Result<Vec<Figures>> {
        let (key, join) = (by.key(), by.join());
        let day_end = format!("((c.reported_day + 1) * {DAY} - {SHANGHAI_OFFSET})");
        let main = format!(
            "SELECT COALESCE({key}, '') AS k, COUNT(*) AS handled, \
             SUM(CASE WHEN c.outcome = 'resolved' THEN 1 ELSE 0 END) AS resolved, \
             SUM(CASE WHEN c.outcome = 'resolved' AND c.resolved_at < {day_end} THEN 1 ELSE 0 END) AS same_day, \
             SUM(CASE WHEN c.noticed_at <= c.notice_due THEN 1 ELSE 0 END) AS notice_ok, \
             SUM(CASE WHEN c.met_at <= c.meet_due THEN 1 ELSE 0 END) AS meet_ok, \
             SUM(CASE WHEN c.resolved_at <= c.resolve_due THEN 1 ELSE 0 END) AS resolve_ok \
             FROM cases c{join} WHERE c.reported_at >= $1 AND c.reported_at < $2 GROUP BY 1"
        );
        let hist = format!(
            "SELECT k, b, COUNT(*) AS n FROM (SELECT COALESCE({key}, '') AS k, \
             CASE WHEN (c.closed_at - c.reported_at) < {DAY} \
             THEN (c.closed_at - c.reported_at) / 60000 \
             ELSE 1440 + ((c.closed_at - c.reported_at) - {DAY}) / 3600000 END AS b \
             FROM cases c{join} WHERE c.reported_at >= $1 AND c.reported_at < $2 \
             AND c.closed_at IS NOT NULL) t GROUP BY k, b ORDER BY k, b"
        );
        let okey = if by == Dimension::Department {
            "o.department"
        } else {
            key
        };
        let orders = format!(
            "SELECT COALESCE({okey}, '') AS k, COUNT(*) AS n, SUM(CASE WHEN o.arrived_at IS NOT NULL \
             AND o.reported_at IS NOT NULL AND o.arrive_late = 0 AND o.resolve_late = 0 \
             THEN 1 ELSE 0 END) AS ok FROM orders o JOIN cases c ON c.id = o.case_id \
             WHERE c.reported_at >= $1 AND c.reported_at < $2 GROUP BY 1"
        );
        let mut out: BTreeMap<String, Figures> = BTreeMap::new();
        let mut hists: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
        with_db!(&self.inner.db, |p| {
            for r in sqlx::query(&main).bind(from).bind(to).fetch_all(p).await? {
                let k: String = r.try_get("k")?;
                let handled: i64 = r.try_get("handled")?;
                let g =
                    |c: &str| -> Result<i64> { Ok(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0)) };
                let resolved = g("resolved")?;
                let same_day = g("same_day")?;
                out.insert(
                    k.clone(),
                    Figures {
                        key: k,
                        handled,
                        resolved,
                        resolution_rate: rate(resolved, handled),
                        same_day,
                        same_day_rate: rate(same_day, resolved),
                        notice_compliance: rate(g("notice_ok")?, handled),
                        meet_compliance: rate(g("meet_ok")?, handled),
                        resolve_compliance: rate(g("resolve_ok")?, handled),
                        orders_on_time_rate: 1.0,
                        ..Figures::default()
                    },
                );
            }
            for r in sqlx::query(&hist).bind(from).bind(to).fetch_all(p).await? {
                hists
                    .entry(r.try_get("k")?)
                    .or_default()
                    .push((r.try_get("b")?, r.try_get("n")?));
            }
            for r in sqlx::query(&orders)
                .bind(from)
                .bind(to)
                .fetch_all(p)
                .await?
            {
                let k: String = r.try_get("k")?;
                if let Some(f) = out.get_mut(&k) {
                    f.orders = r.try_get("n")?;
                    f.orders_on_time = r.try_get::<Option<i64>, _>("ok")?.unwrap_or(0);
                    f.orders_on_time_rate = rate(f.orders_on_time, f.orders);
                }
            }
        });
        for (k, h) in hists {
            if let Some(f) = out.get_mut(&k) {
                f.median_close_minutes = percentile(&h, 0.5);
                f.p90_close_minutes = percentile(&h, 0.9);
            }
        }
        Ok(out.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_read_the_histogram_in_minutes_then_hours() {
        let h = vec![(5, 5), (30, 4), (1441, 1)];
        assert_eq!(percentile(&h, 0.5), Some(5.0));
        assert_eq!(percentile(&h, 0.9), Some(30.0));
        assert_eq!(percentile(&h, 1.0), Some(1500.0));
        assert_eq!(percentile(&[], 0.5), None);
    }
}

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
//! - *time to close*: closed − reported for closed cases, in whole minutes; percentiles by
//!   nearest rank.
//!
//! Per department, a case counts for every department it ordered; those figures are computed
//! by the database. All other breakdowns read a compact in-memory copy of the case facts that
//! is loaded once and then brought up to date before every call from the cases touched by
//! recent events (the last [`RESYNC_WINDOW`] event sequence numbers are re-read each time, so
//! events committed out of sequence order by other seats are not missed), which keeps figures
//! over a city-scale history well under the 200 ms target.

use std::collections::{BTreeMap, HashMap};

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

/// How many event sequence numbers back each resync re-reads.
pub const RESYNC_WINDOW: i64 = 5_000;

/// The facts of one case that figures need.
#[derive(Debug, Clone, Copy)]
struct Fact {
    keys: [u32; 6],
    reported_at: Millis,
    day_end: Millis,
    resolved: bool,
    resolved_at: Option<Millis>,
    closed_at: Option<Millis>,
    notice_ok: bool,
    meet_ok: bool,
    resolve_ok: bool,
}

/// The in-memory copy of the case facts.
#[derive(Debug, Default)]
pub(crate) struct FactCache {
    last_seq: i64,
    index: HashMap<String, usize>,
    facts: Vec<Fact>,
    names: Vec<String>,
    interned: HashMap<String, u32>,
}

impl FactCache {
    fn intern(&mut self, s: Option<String>) -> u32 {
        let s = s.unwrap_or_default();
        if let Some(i) = self.interned.get(&s) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.clone());
        self.interned.insert(s, i);
        i
    }
}

const FACT_COLUMNS: &str = "id, district_code, street_code, community_code, subgrid_code, \
    channel, matter, reported_at, reported_day, outcome, resolved_at, closed_at, noticed_at, \
    notice_due, met_at, meet_due, resolve_due";

/// The nearest-rank `q` quantile of `v` (reordered in place).
fn nearest_rank(v: &mut [i64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let rank = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
    let (_, x, _) = v.select_nth_unstable(rank);
    Some(*x as f64)
}

impl Store {
    /// Loads the fact cache in the background so that the first figures after a start are as
    /// fast as the rest (a city-scale history takes seconds to read). Holds only a weak handle:
    /// a store dropped meanwhile is not kept alive by it.
    pub(crate) fn warm_facts(&self) {
        let weak = std::sync::Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let Some(inner) = weak.upgrade() else { return };
            let store = Store { inner };
            let mut cache = store.inner.facts.lock().await;
            // A failure here (the store closing) leaves the cache to the first figures call.
            let _ = store.sync_facts(&mut cache).await;
        });
    }

    /// Brings the fact cache up to date.
    async fn sync_facts(&self, cache: &mut FactCache) -> Result<()> {
        let fresh = cache.last_seq == 0;
        let since = cache.last_seq - RESYNC_WINDOW;
        let sql = if fresh {
            format!("SELECT {FACT_COLUMNS} FROM cases")
        } else {
            format!(
                "SELECT {FACT_COLUMNS} FROM cases WHERE id IN \
                 (SELECT DISTINCT case_id FROM case_events WHERE seq > $1)"
            )
        };
        with_db!(&self.inner.db, |p| {
            let max: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM case_events")
                .fetch_one(p)
                .await?
                .try_get(0)?;
            let rows = if fresh {
                sqlx::query(&sql).fetch_all(p).await?
            } else {
                sqlx::query(&sql).bind(since).fetch_all(p).await?
            };
            for r in &rows {
                let id: String = r.try_get("id")?;
                let keys = [
                    cache.intern(r.try_get("district_code")?),
                    cache.intern(r.try_get("street_code")?),
                    cache.intern(r.try_get("community_code")?),
                    cache.intern(r.try_get("subgrid_code")?),
                    cache.intern(r.try_get("channel")?),
                    cache.intern(r.try_get("matter")?),
                ];
                let day: i64 = r.try_get("reported_day")?;
                let resolved_at: Option<i64> = r.try_get("resolved_at")?;
                let noticed: Option<i64> = r.try_get("noticed_at")?;
                let met: Option<i64> = r.try_get("met_at")?;
                let fact = Fact {
                    keys,
                    reported_at: r.try_get("reported_at")?,
                    day_end: (day + 1) * DAY - SHANGHAI_OFFSET,
                    resolved: r.try_get::<Option<String>, _>("outcome")?.as_deref()
                        == Some("resolved"),
                    resolved_at,
                    closed_at: r.try_get("closed_at")?,
                    notice_ok: noticed.is_some_and(|t| {
                        t <= r.try_get::<i64, _>("notice_due").unwrap_or(i64::MIN)
                    }),
                    meet_ok: met
                        .is_some_and(|t| t <= r.try_get::<i64, _>("meet_due").unwrap_or(i64::MIN)),
                    resolve_ok: resolved_at.is_some_and(|t| {
                        t <= r.try_get::<i64, _>("resolve_due").unwrap_or(i64::MIN)
                    }),
                };
                match cache.index.get(&id) {
                    Some(i) => cache.facts[*i] = fact,
                    None => {
                        cache.index.insert(id, cache.facts.len());
                        cache.facts.push(fact);
                    }
                }
            }
            cache.last_seq = max.max(1);
        });
        Ok(())
    }

    /// Figures for cases reported in `[from, to)`, one row per group of `by`, sorted by key.
    pub async fn figures(&self, from: Millis, to: Millis, by: Dimension) -> Result<Vec<Figures>> {
        if by == Dimension::Department {
            return self.figures_in_db(from, to, by).await;
        }
        let mut cache = self.inner.facts.lock().await;
        self.sync_facts(&mut cache).await?;
        let slot = match by {
            Dimension::District => Some(0),
            Dimension::Street => Some(1),
            Dimension::Community => Some(2),
            Dimension::Subgrid => Some(3),
            Dimension::Channel => Some(4),
            Dimension::Matter => Some(5),
            Dimension::All | Dimension::Department => None,
        };
        #[derive(Default)]
        struct Acc {
            handled: i64,
            resolved: i64,
            same_day: i64,
            notice: i64,
            meet: i64,
            resolve: i64,
            close: Vec<i64>,
        }
        let mut groups: HashMap<u32, Acc> = HashMap::new();
        for f in cache
            .facts
            .iter()
            .filter(|f| f.reported_at >= from && f.reported_at < to)
        {
            let a = groups
                .entry(slot.map_or(u32::MAX, |s| f.keys[s]))
                .or_default();
            a.handled += 1;
            a.resolved += i64::from(f.resolved);
            a.same_day += i64::from(f.resolved && f.resolved_at.is_some_and(|t| t < f.day_end));
            a.notice += i64::from(f.notice_ok);
            a.meet += i64::from(f.meet_ok);
            a.resolve += i64::from(f.resolve_ok);
            if let Some(c) = f.closed_at {
                a.close.push((c - f.reported_at) / 60_000);
            }
        }
        let mut out: BTreeMap<String, Figures> = BTreeMap::new();
        for (k, mut a) in groups {
            let key = if k == u32::MAX {
                "all".to_string()
            } else {
                cache.names[k as usize].clone()
            };
            let (median, p90) = (
                nearest_rank(&mut a.close, 0.5),
                nearest_rank(&mut a.close, 0.9),
            );
            out.insert(
                key.clone(),
                Figures {
                    key,
                    handled: a.handled,
                    resolved: a.resolved,
                    resolution_rate: rate(a.resolved, a.handled),
                    same_day: a.same_day,
                    same_day_rate: rate(a.same_day, a.resolved),
                    notice_compliance: rate(a.notice, a.handled),
                    meet_compliance: rate(a.meet, a.handled),
                    resolve_compliance: rate(a.resolve, a.handled),
                    orders_on_time_rate: 1.0,
                    median_close_minutes: median,
                    p90_close_minutes: p90,
                    ..Figures::default()
                },
            );
        }
        drop(cache);
        let key = by.key();
        let orders = format!(
            "SELECT COALESCE({key}, '') AS k, COUNT(*) AS n, SUM(CASE WHEN o.arrived_at IS NOT NULL \
             AND o.reported_at IS NOT NULL AND o.arrive_late = 0 AND o.resolve_late = 0 \
             THEN 1 ELSE 0 END) AS ok FROM orders o JOIN cases c ON c.id = o.case_id \
             WHERE c.reported_at >= $1 AND c.reported_at < $2 GROUP BY 1"
        );
        with_db!(&self.inner.db, |p| {
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
        Ok(out.into_values().collect())
    }

    /// The figures computed wholly by the database (used per department).
    async fn figures_in_db(&self, from: Millis, to: Millis, by: Dimension) -> Result<Vec<Figures>> {
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
             (c.closed_at - c.reported_at) / 60000 AS b \
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
                let mut all: Vec<i64> = h
                    .iter()
                    .flat_map(|(b, n)| std::iter::repeat_n(*b, *n as usize))
                    .collect();
                f.median_close_minutes = nearest_rank(&mut all, 0.5);
                f.p90_close_minutes = nearest_rank(&mut all, 0.9);
            }
        }
        Ok(out.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v = vec![2000, 20, 40, 90, 150, 200, 230, 330, 1560];
        assert_eq!(nearest_rank(&mut v, 0.5), Some(200.0));
        assert_eq!(nearest_rank(&mut v, 0.9), Some(2000.0));
        assert_eq!(nearest_rank(&mut v, 0.1), Some(20.0));
        assert_eq!(nearest_rank(&mut [], 0.5), None);
    }
}

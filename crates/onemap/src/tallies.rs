//! Tallies for the dashboard, the risk score and the briefing: cases per local day by channel,
//! matter domain or street; each day's clock compliance; the pressure on every sub-grid (open
//! cases by grade, broken promises); and anonymous case dots for maps and playback.
//!
//! Everything here is counted by the database from the `cases` rows (the projection of the
//! events), so it is exactly what a query over the store gives. A promise (the SMS notice, the
//! meeting, the resolution) is *broken* when it was kept after its deadline, or is still unkept
//! and its deadline has passed.
//!
//! Nothing here reads a reporter's name or phone: [`CaseDot`] has no field that could hold
//! them, so whatever is built from it (a leader's screen) cannot show them.

use serde::Serialize;
use sqlx::Row;

use crate::error::{Error, Result};
use crate::model::string_enum;
use crate::store::{Store, with_db};
use crate::time::Millis;

string_enum! {
    /// What daily case counts are broken down by.
    Breakdown {
        /// The channel a case came in by (hall, hotline, QR code, …).
        Channel = "channel",
        /// The matter's domain in the catalogue (dispute, safety, …).
        Domain = "domain",
        /// The street (9-digit code) a case lies in; empty when unlocated.
        Street = "street",
    }
}

impl Breakdown {
    fn column(self) -> &'static str {
        match self {
            Breakdown::Channel => "c.channel",
            Breakdown::Domain => "m.domain",
            Breakdown::Street => "COALESCE(c.street_code, '')",
        }
    }
}

/// The number of cases reported on one local day with one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyCount {
    /// Local (Asia/Shanghai) day number, days since 1970-01-01.
    pub day: i64,
    /// The channel, domain or street code.
    pub key: String,
    /// Cases reported.
    pub count: i64,
}

/// How the promises of one day's cases were kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCompliance {
    /// Local day number.
    pub day: i64,
    /// Cases reported that day.
    pub handled: i64,
    /// Of which noticed by SMS by the deadline.
    pub notice_ok: i64,
    /// Met by the deadline.
    pub meet_ok: i64,
    /// Resolved by the deadline.
    pub resolve_ok: i64,
    /// Cases whose notice is settled: sent, or its deadline passed (the share's denominator:
    /// a promise still running is neither kept nor broken).
    pub notice_settled: i64,
    /// Cases whose meeting is settled.
    pub meet_settled: i64,
    /// Cases whose resolution is settled.
    pub resolve_settled: i64,
}

/// The pressure on one sub-grid: what the risk score weighs besides buildings and coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SubgridPressure {
    /// The sub-grid's code.
    pub subgrid_code: String,
    /// Open (not closed) cases of warning grade 1, 2 and 3.
    pub open_by_grade: [i64; 3],
    /// Promises broken by cases reported since the window's start.
    pub recent_breaches: i64,
}

/// A case as a dot on a leader's map: where, when, how serious. No personal data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDot {
    /// Case id.
    pub id: String,
    /// Longitude, WGS84.
    pub lon: f64,
    /// Latitude, WGS84.
    pub lat: f64,
    /// Warning grade 1–3 (1 most serious).
    pub grade: i64,
    /// Channel.
    pub channel: String,
    /// The matter's domain.
    pub domain: String,
    /// The matter's Chinese name (from the catalogue, not the citizen's words).
    pub matter_name: String,
    /// Street code, empty when unlocated.
    pub street_code: String,
    /// Sub-grid code, empty when unlocated.
    pub subgrid_code: String,
    /// Reported.
    pub reported_at: Millis,
    /// Closed, if it is.
    pub closed_at: Option<Millis>,
    /// Where it is in the loop.
    pub state: String,
}

/// SQL for "this promise is broken at `$now`" for one clock's columns.
fn broken(done: &str, due: &str, now: &str) -> String {
    format!("(({done} IS NOT NULL AND {done} > {due}) OR ({done} IS NULL AND {due} < {now}))")
}

const DOT_COLUMNS: &str = "c.id, c.lon, c.lat, c.grade, c.channel, m.domain, m.name AS matter_name, \
    COALESCE(c.street_code, '') AS street_code, COALESCE(c.subgrid_code, '') AS subgrid_code, \
    c.reported_at, c.closed_at, c.state";

fn check_days(first_day: i64, last_day: i64) -> Result<()> {
    if last_day < first_day || last_day - first_day > 3660 {
        return Err(Error::invalid(format!(
            "a day range must run forwards and span at most ten years (got {first_day}..={last_day})"
        )));
    }
    Ok(())
}

impl Store {
    /// Cases reported per local day in `first_day..=last_day` per key of `by`, sorted by day and
    /// key. Days and keys with no case are absent.
    pub async fn daily_counts(
        &self,
        first_day: i64,
        last_day: i64,
        by: Breakdown,
    ) -> Result<Vec<DailyCount>> {
        check_days(first_day, last_day)?;
        let sql = format!(
            "SELECT c.reported_day AS day, {} AS k, COUNT(*) AS n FROM cases c \
             JOIN matters m ON m.code = c.matter \
             WHERE c.reported_day >= $1 AND c.reported_day <= $2 GROUP BY 1, 2 ORDER BY 1, 2",
            by.column()
        );
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query(&sql)
                .bind(first_day)
                .bind(last_day)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| {
                    Ok(DailyCount {
                        day: r.try_get("day")?,
                        key: r.try_get("k")?,
                        count: r.try_get("n")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Each local day's clock compliance in `first_day..=last_day` (days with cases only), as
    /// of `now`.
    pub async fn daily_compliance(
        &self,
        first_day: i64,
        last_day: i64,
        now: Millis,
    ) -> Result<Vec<DayCompliance>> {
        check_days(first_day, last_day)?;
        let sql = "SELECT reported_day AS day, COUNT(*) AS n, \
             SUM(CASE WHEN noticed_at <= notice_due THEN 1 ELSE 0 END) AS notice_ok, \
             SUM(CASE WHEN met_at <= meet_due THEN 1 ELSE 0 END) AS meet_ok, \
             SUM(CASE WHEN resolved_at <= resolve_due THEN 1 ELSE 0 END) AS resolve_ok, \
             SUM(CASE WHEN noticed_at IS NOT NULL OR notice_due < $3 THEN 1 ELSE 0 END) AS notice_settled, \
             SUM(CASE WHEN met_at IS NOT NULL OR meet_due < $3 THEN 1 ELSE 0 END) AS meet_settled, \
             SUM(CASE WHEN resolved_at IS NOT NULL OR resolve_due < $3 THEN 1 ELSE 0 END) AS resolve_settled \
             FROM cases WHERE reported_day >= $1 AND reported_day <= $2 GROUP BY 1 ORDER BY 1";
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query(sql)
                .bind(first_day)
                .bind(last_day)
                .bind(now)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| {
                    let g = |c: &str| -> Result<i64, sqlx::Error> {
                        Ok(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0))
                    };
                    Ok(DayCompliance {
                        day: r.try_get("day")?,
                        handled: r.try_get("n")?,
                        notice_ok: g("notice_ok")?,
                        meet_ok: g("meet_ok")?,
                        resolve_ok: g("resolve_ok")?,
                        notice_settled: g("notice_settled")?,
                        meet_settled: g("meet_settled")?,
                        resolve_settled: g("resolve_settled")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Per located sub-grid: its open cases by grade, and the promises broken (as of `now`) by
    /// cases reported in `[since, now)`. Sub-grids with neither are absent.
    pub async fn subgrid_pressure(
        &self,
        since: Millis,
        now: Millis,
    ) -> Result<Vec<SubgridPressure>> {
        let open = "SELECT subgrid_code AS s, grade AS g, COUNT(*) AS n FROM cases \
                    WHERE state <> 'closed' AND subgrid_code IS NOT NULL GROUP BY 1, 2";
        let breaches = format!(
            "SELECT subgrid_code AS s, SUM({} + {} + {}) AS n FROM (SELECT subgrid_code, \
             CASE WHEN {} THEN 1 ELSE 0 END AS a, CASE WHEN {} THEN 1 ELSE 0 END AS b, \
             CASE WHEN {} THEN 1 ELSE 0 END AS c FROM cases WHERE reported_at >= $1 \
             AND reported_at < $2 AND subgrid_code IS NOT NULL) t GROUP BY 1",
            "a",
            "b",
            "c",
            broken("noticed_at", "notice_due", "$2"),
            broken("met_at", "meet_due", "$2"),
            broken("resolved_at", "resolve_due", "$2"),
        );
        let mut out: std::collections::BTreeMap<String, SubgridPressure> = Default::default();
        with_db!(&self.inner.db, |p| {
            for r in sqlx::query(open).fetch_all(p).await? {
                let s: String = r.try_get("s")?;
                let g: i64 = r.try_get("g")?;
                let e = out.entry(s.clone()).or_insert_with(|| SubgridPressure {
                    subgrid_code: s,
                    ..SubgridPressure::default()
                });
                if let Some(slot) = usize::try_from(g - 1)
                    .ok()
                    .and_then(|i| e.open_by_grade.get_mut(i))
                {
                    *slot += r.try_get::<i64, _>("n")?;
                }
            }
            for r in sqlx::query(&breaches)
                .bind(since)
                .bind(now)
                .fetch_all(p)
                .await?
            {
                let s: String = r.try_get("s")?;
                let n = r.try_get::<Option<i64>, _>("n")?.unwrap_or(0);
                if n == 0 {
                    continue;
                }
                out.entry(s.clone())
                    .or_insert_with(|| SubgridPressure {
                        subgrid_code: s,
                        ..SubgridPressure::default()
                    })
                    .recent_breaches = n;
            }
        });
        Ok(out.into_values().collect())
    }

    /// Promises of open cases that are broken now and not kept yet: the "open breaches".
    pub async fn open_breaches(&self, now: Millis) -> Result<i64> {
        let sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END + CASE WHEN {} THEN 1 ELSE 0 END \
             + CASE WHEN {} THEN 1 ELSE 0 END), 0) FROM cases WHERE state <> 'closed'",
            "noticed_at IS NULL AND notice_due < $1",
            "met_at IS NULL AND meet_due < $1",
            "resolved_at IS NULL AND resolve_due < $1",
        );
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query(&sql)
                .bind(now)
                .fetch_one(p)
                .await?
                .try_get::<i64, _>(0)?
        }))
    }

    /// Cases not closed.
    pub async fn open_case_count(&self) -> Result<i64> {
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT COUNT(*) FROM cases WHERE state <> 'closed'")
                .fetch_one(p)
                .await?
                .try_get::<i64, _>(0)?
        }))
    }

    /// When the most recent case was reported (`None` for an empty store).
    pub async fn latest_case_at(&self) -> Result<Option<Millis>> {
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT MAX(reported_at) FROM cases")
                .fetch_one(p)
                .await?
                .try_get::<Option<i64>, _>(0)?
        }))
    }

    /// The stored layers that hold synthetic features (`"synthetic": true`), so that a report
    /// built on them can say so.
    pub async fn synthetic_layers(&self) -> Result<Vec<String>> {
        // EXISTS stops at the first synthetic feature of a layer.
        let sql = "SELECT l.name FROM layers l WHERE EXISTS (SELECT 1 FROM features f \
                   WHERE f.layer = l.name AND f.properties LIKE '%\"synthetic\":true%') \
                   ORDER BY l.name";
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query(sql)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Located cases reported in `[from, to)`, oldest first, at most `limit`: dots for a map
    /// or a playback. No personal data.
    pub async fn case_dots(&self, from: Millis, to: Millis, limit: i64) -> Result<Vec<CaseDot>> {
        let sql = format!(
            "SELECT {DOT_COLUMNS} FROM cases c JOIN matters m ON m.code = c.matter \
             WHERE c.reported_at >= $1 AND c.reported_at < $2 AND c.lon IS NOT NULL \
             AND c.lat IS NOT NULL ORDER BY c.reported_at, c.id LIMIT $3"
        );
        self.dots(&sql, &[from, to, limit]).await
    }

    /// Located open cases, most serious and most recent first, at most `limit`.
    pub async fn open_case_dots(&self, limit: i64) -> Result<Vec<CaseDot>> {
        let sql = format!(
            "SELECT {DOT_COLUMNS} FROM cases c JOIN matters m ON m.code = c.matter \
             WHERE c.state <> 'closed' AND c.lon IS NOT NULL AND c.lat IS NOT NULL \
             ORDER BY c.grade, c.reported_at DESC, c.id LIMIT $1"
        );
        self.dots(&sql, &[limit]).await
    }

    async fn dots(&self, sql: &str, binds: &[i64]) -> Result<Vec<CaseDot>> {
        Ok(with_db!(&self.inner.db, |p| {
            let mut q = sqlx::query(sql);
            for b in binds {
                q = q.bind(*b);
            }
            q.fetch_all(p)
                .await?
                .iter()
                .map(|r| {
                    Ok(CaseDot {
                        id: r.try_get("id")?,
                        lon: r.try_get::<Option<f64>, _>("lon")?.unwrap_or_default(),
                        lat: r.try_get::<Option<f64>, _>("lat")?.unwrap_or_default(),
                        grade: r.try_get("grade")?,
                        channel: r.try_get("channel")?,
                        domain: r.try_get("domain")?,
                        matter_name: r.try_get("matter_name")?,
                        street_code: r.try_get("street_code")?,
                        subgrid_code: r.try_get("subgrid_code")?,
                        reported_at: r.try_get("reported_at")?,
                        closed_at: r.try_get("closed_at")?,
                        state: r.try_get("state")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promise_is_broken_when_kept_late_or_overdue_and_unkept() {
        let s = broken("met_at", "meet_due", "$2");
        assert_eq!(
            s,
            "((met_at IS NOT NULL AND met_at > meet_due) OR (met_at IS NULL AND meet_due < $2))"
        );
    }

    #[test]
    fn day_ranges_must_run_forwards() {
        assert!(check_days(10, 9).is_err());
        assert!(check_days(10, 10).is_ok());
        assert!(check_days(0, 5000).is_err());
    }
}

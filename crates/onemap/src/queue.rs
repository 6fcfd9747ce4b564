//! The operators' case queue: open cases filtered by stage, level, warning grade, unit,
//! channel, matter and clock state, the most urgent (nearest deadline) first, each with its
//! clocks.
//!
//! A case's *clock state* is the worst state among its clocks still unmet: `breached` (a
//! deadline passed and nothing met it yet), `at_risk`, `running`; `met` when every clock is met.
//! Its *next deadline* is the earliest deadline among its unmet clocks, so a breached case
//! (deadline in the past) sorts before one still running.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;

use crate::cases::{Case, case_from_row};
use crate::clocks::{ClockStatus, Deadlines, SlaClock, clock_from_row};
use crate::error::{Error, Result};
use crate::lifecycle::Progress;
use crate::locate::Location;
use crate::model::{Channel, Grade, Level, Outcome, State, Tier, Urgency, string_enum};
use crate::store::{Store, with_db};
use crate::time::Millis;

string_enum! {
    /// A case's clock state (see the module documentation).
    ClockState {
        /// Every clock met.
        Met = "met",
        /// Unmet clocks, all with time left.
        Running = "running",
        /// An unmet clock is close to its deadline.
        AtRisk = "at_risk",
        /// An unmet clock is past its deadline.
        Breached = "breached",
    }
}

impl ClockState {
    fn rank(self) -> i64 {
        match self {
            ClockState::Met => 0,
            ClockState::Running => 1,
            ClockState::AtRisk => 2,
            ClockState::Breached => 3,
        }
    }
}

/// What the queue shows. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// Stages (states); when empty, every open (not closed) case.
    pub stages: Vec<State>,
    /// Handling levels.
    pub levels: Vec<Level>,
    /// Warning grades (1–3).
    pub grades: Vec<i64>,
    /// A district, street, community or sub-grid code (6, 9, 12 or 15 digits).
    pub unit: Option<String>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Matter codes.
    pub matters: Vec<String>,
    /// Clock states.
    pub clocks: Vec<ClockState>,
    /// Text in the case id or description.
    pub text: Option<String>,
    /// Only cases of this street (a street operator's scope; applied on top of `unit`).
    pub street_scope: Option<String>,
    /// Page size (default 100, at most 1,000).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueRow {
    /// The case.
    pub case: Case,
    /// Its clocks (its own and its orders').
    pub clocks: Vec<SlaClock>,
    /// The unmet clock due first: what the countdown counts down to.
    pub next_clock: Option<SlaClock>,
    /// The worst state of its unmet clocks.
    pub clock_state: ClockState,
    /// Orders of this case not yet reported back.
    pub open_orders: i64,
}

/// A page of the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuePage {
    /// Cases matching the filter, in all.
    pub total: i64,
    /// This page, most urgent first.
    pub rows: Vec<QueueRow>,
}

fn unit_column(code: &str) -> Result<&'static str> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(format!(
            "unit {code:?}: a district, street, community or sub-grid code is digits only"
        )));
    }
    match code.len() {
        6 => Ok("c.district_code"),
        9 => Ok("c.street_code"),
        12 => Ok("c.community_code"),
        15 => Ok("c.subgrid_code"),
        n => Err(Error::invalid(format!(
            "unit {code:?} has {n} digits: a district code has 6, a street 9, a community 12, a sub-grid 15"
        ))),
    }
}

/// Pushes the shared `FROM … WHERE …` of the queue (inner select with the clock columns).
fn push_inner<'a, DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'a, DB>,
    f: &'a QueueFilter,
) -> Result<()>
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(
        "SELECT c.*, \
         (SELECT MIN(k.due_at) FROM clocks k WHERE k.case_id = c.id AND k.met_at IS NULL) \
           AS next_due, \
         (SELECT MAX(CASE k.status WHEN 'breached' THEN 3 WHEN 'at_risk' THEN 2 ELSE 1 END) \
           FROM clocks k WHERE k.case_id = c.id AND k.met_at IS NULL) AS worst, \
         (SELECT COUNT(*) FROM orders o WHERE o.case_id = c.id AND o.state <> 'reported') \
           AS open_orders \
         FROM cases c WHERE ",
    );
    if f.stages.is_empty() {
        qb.push("c.state <> 'closed'");
    } else {
        qb.push("c.state IN (");
        let mut sep = qb.separated(", ");
        for s in &f.stages {
            sep.push_bind(s.as_str().to_string());
        }
        qb.push(")");
    }
    let list = |qb: &mut sqlx::QueryBuilder<'a, DB>, col: &str, values: Vec<String>| {
        if values.is_empty() {
            return;
        }
        qb.push(format!(" AND {col} IN ("));
        let mut sep = qb.separated(", ");
        for v in values {
            sep.push_bind(v);
        }
        qb.push(")");
    };
    list(
        qb,
        "c.level",
        f.levels.iter().map(|l| l.as_str().to_string()).collect(),
    );
    list(
        qb,
        "c.channel",
        f.channels.iter().map(|c| c.as_str().to_string()).collect(),
    );
    list(qb, "c.matter", f.matters.clone());
    if !f.grades.is_empty() {
        qb.push(" AND c.grade IN (");
        let mut sep = qb.separated(", ");
        for g in &f.grades {
            sep.push_bind(*g);
        }
        qb.push(")");
    }
    if let Some(code) = &f.unit {
        let col = unit_column(code)?;
        qb.push(format!(" AND {col} = ")).push_bind(code.clone());
    }
    if let Some(street) = &f.street_scope {
        qb.push(" AND c.street_code = ").push_bind(street.clone());
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pat = format!("%{}", crate::audit::prefix_pattern(t));
        qb.push(" AND (c.id LIKE ")
            .push_bind(pat.clone())
            .push(" ESCAPE '\\' OR c.description LIKE ")
            .push_bind(pat)
            .push(" ESCAPE '\\')");
    }
    Ok(())
}

fn push_clock_filter<DB: sqlx::Database>(qb: &mut sqlx::QueryBuilder<'_, DB>, f: &QueueFilter) {
    if f.clocks.is_empty() {
        return;
    }
    let ranks: Vec<String> = f
        .clocks
        .iter()
        .filter(|c| **c != ClockState::Met)
        .map(|c| c.rank().to_string())
        .collect();
    let met = f.clocks.contains(&ClockState::Met);
    qb.push(" WHERE (");
    if !ranks.is_empty() {
        qb.push(format!("q.worst IN ({})", ranks.join(", ")));
    }
    if met {
        if !ranks.is_empty() {
            qb.push(" OR ");
        }
        qb.push("q.worst IS NULL");
    }
    qb.push(")");
}

/// The unmet clock due first.
pub fn next_clock(clocks: &[SlaClock]) -> Option<SlaClock> {
    clocks
        .iter()
        .filter(|k| k.met_at.is_none())
        .min_by_key(|k| k.due_at)
        .cloned()
}

/// The worst state of the unmet clocks.
///
/// ```
/// use onemap::queue::{clock_state, ClockState};
/// assert_eq!(clock_state(&[]), ClockState::Met);
/// ```
pub fn clock_state(clocks: &[SlaClock]) -> ClockState {
    clocks
        .iter()
        .filter(|k| k.met_at.is_none())
        .map(|k| match k.status {
            ClockStatus::Breached => ClockState::Breached,
            ClockStatus::AtRisk => ClockState::AtRisk,
            _ => ClockState::Running,
        })
        .max_by_key(|s| s.rank())
        .unwrap_or(ClockState::Met)
}

impl Store {
    /// A page of the queue.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed unit code.
    pub async fn queue(&self, f: &QueueFilter) -> Result<QueuePage> {
        let limit = f.limit.unwrap_or(100).clamp(1, 1_000);
        let offset = f.offset.unwrap_or(0).max(0);
        let (total, rows) = with_db!(&self.inner.db, |p| {
            let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM (");
            push_inner(&mut qb, f)?;
            qb.push(") q");
            push_clock_filter(&mut qb, f);
            let total: i64 = qb.build().fetch_one(p).await?.try_get(0)?;

            let mut qb = sqlx::QueryBuilder::new("SELECT * FROM (");
            push_inner(&mut qb, f)?;
            qb.push(") q");
            push_clock_filter(&mut qb, f);
            qb.push(
                " ORDER BY CASE WHEN q.next_due IS NULL THEN 1 ELSE 0 END, q.next_due, \
                 q.grade, q.reported_at DESC, q.id LIMIT ",
            )
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
            let rows = qb.build().fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let open_orders: i64 = r.try_get("open_orders")?;
                out.push((case_from_row!(r), open_orders));
            }
            (total, out)
        });
        let ids: Vec<String> = rows.iter().map(|(c, _)| c.id.clone()).collect();
        let mut clocks = self.clocks_of(&ids).await?;
        let rows = rows
            .into_iter()
            .map(|(case, open_orders)| {
                let clocks = clocks.remove(&case.id).unwrap_or_default();
                QueueRow {
                    next_clock: next_clock(&clocks),
                    clock_state: clock_state(&clocks),
                    clocks,
                    case,
                    open_orders,
                }
            })
            .collect();
        Ok(QueuePage { total, rows })
    }

    /// The clocks of several cases at once, by case id.
    pub async fn clocks_of(&self, case_ids: &[String]) -> Result<HashMap<String, Vec<SlaClock>>> {
        let mut out: HashMap<String, Vec<SlaClock>> = HashMap::new();
        for chunk in case_ids.chunks(500) {
            with_db!(&self.inner.db, |p| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT case_id, order_id, kind, started_at, due_at, at_risk_at, met_at, \
                     status, breached_at FROM clocks WHERE case_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id.clone());
                }
                qb.push(") ORDER BY id");
                for r in qb.build().fetch_all(p).await? {
                    let k = clock_from_row!(&r);
                    out.entry(k.case_id.clone()).or_default().push(k);
                }
            });
        }
        Ok(out)
    }

    /// Several cases by id (missing ones are left out), in no particular order.
    pub async fn cases_by_id(&self, ids: &[String]) -> Result<Vec<Case>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            with_db!(&self.inner.db, |p| {
                let mut qb = sqlx::QueryBuilder::new("SELECT * FROM cases WHERE id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id.clone());
                }
                qb.push(")");
                for r in qb.build().fetch_all(p).await? {
                    out.push(case_from_row!(&r));
                }
            });
        }
        Ok(out)
    }

    /// The cases the map draws: open cases (the most recent [`MAP_OPEN_LIMIT`]) and the
    /// `recent_closed` most recently reported closed ones, optionally of one street only.
    pub async fn map_cases(&self, street: Option<&str>, recent_closed: i64) -> Result<Vec<Case>> {
        let mut out = Vec::new();
        for (closed, limit) in [(false, MAP_OPEN_LIMIT), (true, recent_closed)] {
            with_db!(&self.inner.db, |p| {
                let mut qb = sqlx::QueryBuilder::new("SELECT * FROM cases WHERE state ");
                qb.push(if closed { "= 'closed'" } else { "<> 'closed'" });
                if let Some(s) = street {
                    qb.push(" AND street_code = ").push_bind(s.to_string());
                }
                qb.push(" ORDER BY reported_at DESC LIMIT ")
                    .push_bind(limit);
                for r in qb.build().fetch_all(p).await? {
                    out.push(case_from_row!(&r));
                }
            });
        }
        Ok(out)
    }

    /// Cases by matter, period and open/closed, the most recently reported first.
    pub async fn find_cases(&self, q: &CaseQuery) -> Result<Vec<Case>> {
        Ok(with_db!(&self.inner.db, |p| {
            let mut qb = sqlx::QueryBuilder::new("SELECT * FROM cases WHERE reported_at >= ");
            qb.push_bind(q.from)
                .push(" AND reported_at <= ")
                .push_bind(q.to);
            match q.open {
                Some(true) => {
                    qb.push(" AND state <> 'closed'");
                }
                Some(false) => {
                    qb.push(" AND state = 'closed'");
                }
                None => {}
            }
            if !q.matters.is_empty() {
                qb.push(" AND matter IN (");
                let mut sep = qb.separated(", ");
                for m in &q.matters {
                    sep.push_bind(m.clone());
                }
                qb.push(")");
            }
            qb.push(" ORDER BY reported_at DESC, id DESC LIMIT ")
                .push_bind(q.limit.clamp(1, 10_000));
            let rows = qb.build().fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(case_from_row!(r));
            }
            out
        }))
    }

    /// The latest event of each case: when, and its note.
    pub async fn latest_events(&self, ids: &[String]) -> Result<HashMap<String, (Millis, String)>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            with_db!(&self.inner.db, |p| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT e.case_id, e.at, e.note FROM case_events e JOIN (SELECT case_id, \
                     MAX(version) AS v FROM case_events WHERE case_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id.clone());
                }
                qb.push(") GROUP BY case_id) m ON m.case_id = e.case_id AND m.v = e.version");
                for r in qb.build().fetch_all(p).await? {
                    out.insert(
                        r.try_get::<String, _>(0)?,
                        (r.try_get::<i64, _>(1)?, r.try_get::<String, _>(2)?),
                    );
                }
            });
        }
        Ok(out)
    }
}

/// Which cases [`Store::find_cases`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseQuery {
    /// Matter codes (any when empty).
    pub matters: Vec<String>,
    /// Reported at or after.
    pub from: Millis,
    /// Reported at or before.
    pub to: Millis,
    /// Only open (`Some(true)`) or closed (`Some(false)`) cases.
    pub open: Option<bool>,
    /// At most this many (at most 10,000).
    pub limit: i64,
}

/// Most open cases the map's layer carries.
pub const MAP_OPEN_LIMIT: i64 = 20_000;

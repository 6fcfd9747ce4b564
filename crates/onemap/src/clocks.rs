//! SLA clocks and the scheduler that watches them.
//!
//! Each case starts three clocks when reported: the SMS notice (10 minutes), the meeting (30
//! minutes) and resolution (by local midnight for `same_day` matters); each department order
//! starts two more, arrival and resolution by the order's deadlines. A clock is `running` until
//! met; the scheduler raises it `at_risk` once a share of its time is left (the `at_risk_fraction`
//! setting, 20% by default: 2 minutes before a 10-minute notice is due) and `breached` at its
//! deadline, and escalates the case one tier up (community → street → district) on every
//! breach. A clock met after its breach keeps `breached` and records when it was met.
//!
//! Clocks are rows, so they survive a restart: the scheduler's first tick after start catches
//! up on everything that fell due meanwhile. Raising and breaching is claimed with a
//! conditional update, so several seats running schedulers on one PostgreSQL raise each event
//! once. Time comes from the store's [`Clock`](crate::time::Clock), so a test drives a whole
//! day through [`Store::tick`] in milliseconds.

use std::time::Duration;

use serde::Serialize;
use sqlx::Row;

use crate::cases::{Action, Effect};
use crate::error::{Error, Result};
use crate::lifecycle::Step;
use crate::matters::Matter;
use crate::model::string_enum;
use crate::store::{Store, with_db};
use crate::time::{MINUTE, Millis};

string_enum! {
    /// Which promise a clock watches.
    ClockKind {
        /// SMS notice to the citizen (10 minutes).
        Notice = "notice",
        /// Meeting the citizen (30 minutes).
        Meet = "meet",
        /// Resolution (same day, or the matter's promise).
        Resolve = "resolve",
        /// A department's arrival on an order.
        OrderArrive = "order_arrive",
        /// A department's result on an order.
        OrderResolve = "order_resolve",
    }
}

string_enum! {
    /// Where a clock is.
    ClockStatus {
        /// Ticking, plenty of time.
        Running = "running",
        /// Ticking, little time left.
        AtRisk = "at_risk",
        /// Met in time.
        Met = "met",
        /// Its deadline passed unmet (it may have been met later).
        Breached = "breached",
    }
}

/// A case's deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// SMS notice due.
    pub notice: Millis,
    /// Meeting due.
    pub meet: Millis,
    /// Resolution due.
    pub resolve: Millis,
}

impl Deadlines {
    /// The deadlines of a case of `matter` reported at `t`.
    pub fn for_matter(matter: &Matter, t: Millis) -> Deadlines {
        Deadlines {
            notice: t + matter.notice_minutes * MINUTE,
            meet: t + matter.meet_minutes * MINUTE,
            resolve: matter.resolve.deadline(t),
        }
    }

    /// The case clocks with their deadlines.
    pub fn clocks(&self) -> [(ClockKind, Millis); 3] {
        [
            (ClockKind::Notice, self.notice),
            (ClockKind::Meet, self.meet),
            (ClockKind::Resolve, self.resolve),
        ]
    }
}

/// When a clock started at `start` and due at `due` becomes at risk.
pub fn at_risk_at(start: Millis, due: Millis, fraction: f64) -> Millis {
    let lead = ((due - start) as f64 * fraction.clamp(0.0, 1.0)) as i64;
    (due - lead).max(start)
}

/// A clock as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaClock {
    /// The case.
    pub case_id: String,
    /// The order, for order clocks.
    pub order_id: Option<String>,
    /// What it watches.
    pub kind: ClockKind,
    /// Started.
    pub started_at: Millis,
    /// Deadline.
    pub due_at: Millis,
    /// When it becomes at risk.
    pub at_risk_at: Millis,
    /// When met.
    pub met_at: Option<Millis>,
    /// Status.
    pub status: ClockStatus,
    /// When breached.
    pub breached_at: Option<Millis>,
}

/// What one scheduler tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    /// Clocks raised at risk.
    pub at_risk: usize,
    /// Clocks breached.
    pub breached: usize,
    /// Cases escalated one tier.
    pub escalated: usize,
}

/// Applies one [`Effect`] inside a transaction; evaluates to `false` when a clock claim was
/// lost (another seat got there first).
macro_rules! apply_effect {
    ($p:expr, $tx:expr, $case_id:expr, $effect:expr, $now:expr) => {{
        use $crate::cases::Effect as E;
        match $effect {
            E::ClockMet { kind, order_id } => {
                sqlx::query(
                    "UPDATE clocks SET met_at = $4, status = CASE WHEN status = 'breached' \
                     THEN 'breached' ELSE 'met' END \
                     WHERE case_id = $1 AND kind = $2 AND order_id = $3 AND met_at IS NULL",
                )
                .bind($case_id)
                .bind(kind.as_str())
                .bind(order_id)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
                true
            }
            E::ClockUnmet { kind } => {
                sqlx::query(
                    "UPDATE clocks SET met_at = NULL, status = CASE WHEN status = 'met' \
                     THEN 'running' ELSE status END WHERE case_id = $1 AND kind = $2 \
                     AND order_id = ''",
                )
                .bind($case_id)
                .bind(kind.as_str())
                .execute(&mut *$tx)
                .await?;
                true
            }
            E::ClockRestart {
                kind,
                started,
                due,
                at_risk,
            } => {
                sqlx::query(
                    "UPDATE clocks SET met_at = NULL, status = 'running', breached_at = NULL, \
                     started_at = $3, due_at = $4, at_risk_at = $5 \
                     WHERE case_id = $1 AND kind = $2 AND order_id = ''",
                )
                .bind($case_id)
                .bind(kind.as_str())
                .bind(*started)
                .bind(*due)
                .bind(*at_risk)
                .execute(&mut *$tx)
                .await?;
                true
            }
            E::ClockStart {
                kind,
                order_id,
                started,
                due,
                at_risk,
            } => {
                sqlx::query(
                    "INSERT INTO clocks (case_id, order_id, kind, started_at, due_at, \
                     at_risk_at, status) VALUES ($1, $2, $3, $4, $5, $6, 'running')",
                )
                .bind($case_id)
                .bind(order_id)
                .bind(kind.as_str())
                .bind(*started)
                .bind(*due)
                .bind(*at_risk)
                .execute(&mut *$tx)
                .await?;
                true
            }
            E::ClockClaim { id, from, to, at } => {
                let list = from
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "UPDATE clocks SET status = $2, breached_at = CASE WHEN $2 = 'breached' \
                     THEN $3 ELSE breached_at END WHERE id = $1 AND status IN ({list}) \
                     AND met_at IS NULL"
                );
                sqlx::query(&sql)
                    .bind(*id)
                    .bind(*to)
                    .bind(*at)
                    .execute(&mut *$tx)
                    .await?
                    .rows_affected()
                    == 1
            }
            E::OrderInsert(o) => {
                $crate::orders::insert_order!($tx, o);
                true
            }
            E::OrderUpdate(o) => {
                $crate::orders::update_order!($tx, o);
                true
            }
            E::OrderLate { order_id, arrive } => {
                let col = if *arrive {
                    "arrive_late"
                } else {
                    "resolve_late"
                };
                sqlx::query(&format!("UPDATE orders SET {col} = 1 WHERE id = $1"))
                    .bind(order_id)
                    .execute(&mut *$tx)
                    .await?;
                true
            }
            E::LinkDecision {
                case_id: a,
                other_id: b,
                decision,
                actor,
            } => {
                sqlx::query(
                    "INSERT INTO case_links (case_id, other_id, decision, decided_by, decided_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id, other_id) DO UPDATE \
                     SET decision = $3, decided_by = $4, decided_at = $5",
                )
                .bind(a)
                .bind(b)
                .bind(*decision)
                .bind(actor)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
                true
            }
            E::CameraAlert(ev) => {
                sqlx::query(
                    "INSERT INTO camera_alerts (camera_id, event_type, at, received_at, case_id, \
                     source) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&ev.camera_id)
                .bind(&ev.event_type)
                .bind(ev.at)
                .bind($now)
                .bind($case_id)
                .bind(&ev.source)
                .execute(&mut *$tx)
                .await?;
                true
            }
            E::AlarmAck {
                kind,
                order_id,
                breached_at,
                actor,
            } => {
                sqlx::query(
                    "INSERT INTO alarm_acks (case_id, kind, order_id, breached_at, \
                     acknowledged_by, at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (case_id, kind, order_id, breached_at) DO NOTHING",
                )
                .bind($case_id)
                .bind(kind.as_str())
                .bind(order_id)
                .bind(*breached_at)
                .bind(actor)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
                true
            }
            E::CaseResolveDue(due) => {
                sqlx::query("UPDATE cases SET resolve_due = $2 WHERE id = $1")
                    .bind($case_id)
                    .bind(*due)
                    .execute(&mut *$tx)
                    .await?;
                true
            }
        }
    }};
}
pub(crate) use apply_effect;

struct Pending {
    id: i64,
    case_id: String,
    order_id: String,
    kind: ClockKind,
    due_at: Millis,
}

/// A [`SlaClock`] from a row of `clocks` (either engine's row type: hence a macro).
macro_rules! clock_from_row {
    ($r:expr) => {{
        let r = $r;
        let order: String = r.try_get("order_id")?;
        $crate::clocks::SlaClock {
            case_id: r.try_get("case_id")?,
            order_id: Some(order).filter(|o| !o.is_empty()),
            kind: $crate::clocks::ClockKind::parse(&r.try_get::<String, _>("kind")?)?,
            started_at: r.try_get("started_at")?,
            due_at: r.try_get("due_at")?,
            at_risk_at: r.try_get("at_risk_at")?,
            met_at: r.try_get("met_at")?,
            status: $crate::clocks::ClockStatus::parse(&r.try_get::<String, _>("status")?)?,
            breached_at: r.try_get("breached_at")?,
        }
    }};
}
pub(crate) use clock_from_row;

impl Store {
    /// The clocks of a case (its own and its orders').
    pub async fn clocks(&self, case_id: &str) -> Result<Vec<SlaClock>> {
        with_db!(&self.inner.db, |p| {
            let rows = sqlx::query(
                "SELECT case_id, order_id, kind, started_at, due_at, at_risk_at, met_at, \
                 status, breached_at FROM clocks WHERE case_id = $1 ORDER BY id",
            )
            .bind(case_id)
            .fetch_all(p)
            .await?;
            rows.iter().map(|r| Ok(clock_from_row!(r))).collect()
        })
    }

    async fn pending(&self, sql: &str, now: Millis) -> Result<Vec<Pending>> {
        with_db!(&self.inner.db, |p| {
            let rows = sqlx::query(sql).bind(now).fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    Ok(Pending {
                        id: r.try_get("id")?,
                        case_id: r.try_get("case_id")?,
                        order_id: r.try_get("order_id")?,
                        kind: ClockKind::parse(&r.try_get::<String, _>("kind")?)?,
                        due_at: r.try_get("due_at")?,
                    })
                })
                .collect::<Result<Vec<_>>>()
        })
    }

    /// One pass of the scheduler at the store's current time: raises at-risk clocks, breaches
    /// overdue ones and escalates their cases. Idempotent; safe to run on several seats.
    pub async fn tick(&self) -> Result<TickReport> {
        let now = self.now();
        let mut report = TickReport::default();
        let risky = self
            .pending(
                "SELECT k.id, k.case_id, k.order_id, k.kind, k.due_at FROM clocks k \
                 JOIN cases c ON c.id = k.case_id WHERE k.status = 'running' \
                 AND k.at_risk_at <= $1 AND c.state <> 'closed' ORDER BY k.at_risk_at",
                now,
            )
            .await?;
        for k in risky.iter().filter(|k| k.due_at > now) {
            let claimed = self
                .commit(
                    &k.case_id,
                    None,
                    Action::Note {
                        kind: "clock_at_risk",
                        detail: Some(k.kind.as_str().to_string()),
                    },
                    "scheduler",
                    &format!("{} due {}", k.kind, crate::time::format_instant(k.due_at)),
                    vec![Effect::ClockClaim {
                        id: k.id,
                        from: &["running"],
                        to: "at_risk",
                        at: now,
                    }],
                )
                .await?;
            report.at_risk += usize::from(claimed.is_some());
        }
        let overdue = self
            .pending(
                "SELECT k.id, k.case_id, k.order_id, k.kind, k.due_at FROM clocks k \
                 JOIN cases c ON c.id = k.case_id WHERE k.status IN ('running', 'at_risk') \
                 AND k.due_at <= $1 AND c.state <> 'closed' ORDER BY k.due_at",
                now,
            )
            .await?;
        for k in overdue {
            let mut effects = vec![Effect::ClockClaim {
                id: k.id,
                from: &["running", "at_risk"],
                to: "breached",
                at: now,
            }];
            if !k.order_id.is_empty() {
                effects.push(Effect::OrderLate {
                    order_id: k.order_id.clone(),
                    arrive: k.kind == ClockKind::OrderArrive,
                });
            }
            let detail = if k.order_id.is_empty() {
                k.kind.as_str().to_string()
            } else {
                format!("{} {}", k.kind, k.order_id)
            };
            let claimed = self
                .commit(
                    &k.case_id,
                    None,
                    Action::Note {
                        kind: "clock_breached",
                        detail: Some(detail),
                    },
                    "scheduler",
                    &format!(
                        "{} was due {}",
                        k.kind,
                        crate::time::format_instant(k.due_at)
                    ),
                    effects,
                )
                .await?;
            if claimed.is_none() {
                continue;
            }
            report.breached += 1;
            match self
                .commit(
                    &k.case_id,
                    None,
                    Action::Step(Step::Escalate),
                    "scheduler",
                    &format!("{} clock breached", k.kind),
                    vec![],
                )
                .await
            {
                Ok(_) => report.escalated += 1,
                // Already at the district: the breach stands, there is no tier above.
                Err(Error::IllegalTransition { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Runs [`Store::tick`] every `every` until the returned task is aborted. Errors of one
    /// tick are retried at the next.
    pub fn spawn_scheduler(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let _ = store.tick().await;
            }
        })
    }
}

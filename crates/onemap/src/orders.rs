//! Department orders (社区发令、部门执行): a community or street orders a district or street
//! department to a case, with an arrive-by deadline, the rank of the leader who must come and a
//! resolve-by time. The department acknowledges, arrives and reports its result; each late
//! arrival or result is recorded against the department (and, when the deadline passes unmet,
//! the scheduler breaches the order's clock and escalates the case).
//!
//! ```text
//!   issued ──acknowledge──► acknowledged ──arrive──► arrived ──report──► reported
//! ```

use serde::Serialize;
use sqlx::Row;

use crate::bus::ChangeKind;
use crate::cases::{Action, Effect};
use crate::clocks::{ClockKind, at_risk_at};
use crate::error::{Error, Result};
use crate::model::{State, Tier, string_enum};
use crate::store::{Engine, Store, with_db};
use crate::time::Millis;

string_enum! {
    /// The rank of the leader the department must send.
    LeaderRank {
        /// Any staff member.
        Staff = "staff",
        /// Section level (科级).
        Section = "section",
        /// Division level (处级).
        Division = "division",
        /// Bureau level (局级).
        Bureau = "bureau",
    }
}

string_enum! {
    /// Where an order is.
    OrderState {
        /// Issued, not yet acknowledged.
        Issued = "issued",
        /// The department acknowledged it.
        Acknowledged = "acknowledged",
        /// The department is on site.
        Arrived = "arrived",
        /// The department reported its result.
        Reported = "reported",
    }
}

/// What the issuing community or street asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    /// Who issues it: a community or a street.
    pub issuer_tier: Tier,
    /// The issuing unit's name or code.
    pub issuer_unit: String,
    /// The department ordered.
    pub department: String,
    /// The leader's rank that must come.
    pub leader_rank: LeaderRank,
    /// Arrive by.
    pub arrive_by: Millis,
    /// Resolve by.
    pub resolve_by: Millis,
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// `OD-2026-000001`.
    pub id: String,
    /// The case.
    pub case_id: String,
    /// Issuing tier.
    pub issuer_tier: Tier,
    /// Issuing unit.
    pub issuer_unit: String,
    /// Who issued it.
    pub issued_by: String,
    /// The department ordered.
    pub department: String,
    /// The leader's rank.
    pub leader_rank: LeaderRank,
    /// When issued.
    pub issued_at: Millis,
    /// Arrive by.
    pub arrive_by: Millis,
    /// Resolve by.
    pub resolve_by: Millis,
    /// When acknowledged.
    pub acknowledged_at: Option<Millis>,
    /// When the department arrived.
    pub arrived_at: Option<Millis>,
    /// When it reported its result.
    pub reported_at: Option<Millis>,
    /// The result it reported.
    pub result: Option<String>,
    /// Whether it reports the matter resolved.
    pub resolved: Option<bool>,
    /// State.
    pub state: OrderState,
    /// Arrived late (or not by the deadline): counts against the department.
    pub arrive_late: bool,
    /// Result late (or not by the deadline): counts against the department.
    pub resolve_late: bool,
    /// Optimistic version.
    pub version: i64,
}

macro_rules! insert_order {
    ($tx:expr, $o:expr) => {{
        let o = $o;
        sqlx::query(
            "INSERT INTO orders (id, case_id, issuer_tier, issuer_unit, issued_by, department, \
             leader_rank, issued_at, arrive_by, resolve_by, state, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&o.id)
        .bind(&o.case_id)
        .bind(o.issuer_tier.as_str())
        .bind(&o.issuer_unit)
        .bind(&o.issued_by)
        .bind(&o.department)
        .bind(o.leader_rank.as_str())
        .bind(o.issued_at)
        .bind(o.arrive_by)
        .bind(o.resolve_by)
        .bind(o.state.as_str())
        .bind(o.version)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use insert_order;

macro_rules! update_order {
    ($tx:expr, $o:expr) => {{
        let o = $o;
        let n = sqlx::query(
            "UPDATE orders SET acknowledged_at = $3, arrived_at = $4, reported_at = $5, \
             result = $6, resolved = $7, state = $8, \
             arrive_late = CASE WHEN $9 = 1 THEN 1 ELSE arrive_late END, \
             resolve_late = CASE WHEN $10 = 1 THEN 1 ELSE resolve_late END, version = $2 \
             WHERE id = $1 AND version = $2 - 1",
        )
        .bind(&o.id)
        .bind(o.version)
        .bind(o.acknowledged_at)
        .bind(o.arrived_at)
        .bind(o.reported_at)
        .bind(&o.result)
        .bind(o.resolved.map(i64::from))
        .bind(o.state.as_str())
        .bind(i64::from(o.arrive_late))
        .bind(i64::from(o.resolve_late))
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        if n == 0 {
            let actual: i64 = sqlx::query("SELECT version FROM orders WHERE id = $1")
                .bind(&o.id)
                .fetch_one(&mut *$tx)
                .await?
                .try_get(0)?;
            return Err($crate::error::Error::Conflict {
                what: "order",
                id: o.id.clone(),
                expected: o.version - 1,
                actual,
            });
        }
    }};
}
pub(crate) use update_order;

macro_rules! order_from_row {
    ($r:expr) => {{
        let r = $r;
        Order {
            id: r.try_get("id")?,
            case_id: r.try_get("case_id")?,
            issuer_tier: Tier::parse(&r.try_get::<String, _>("issuer_tier")?)?,
            issuer_unit: r.try_get("issuer_unit")?,
            issued_by: r.try_get("issued_by")?,
            department: r.try_get("department")?,
            leader_rank: LeaderRank::parse(&r.try_get::<String, _>("leader_rank")?)?,
            issued_at: r.try_get("issued_at")?,
            arrive_by: r.try_get("arrive_by")?,
            resolve_by: r.try_get("resolve_by")?,
            acknowledged_at: r.try_get("acknowledged_at")?,
            arrived_at: r.try_get("arrived_at")?,
            reported_at: r.try_get("reported_at")?,
            result: r.try_get("result")?,
            resolved: r.try_get::<Option<i64>, _>("resolved")?.map(|v| v != 0),
            state: OrderState::parse(&r.try_get::<String, _>("state")?)?,
            arrive_late: r.try_get::<i64, _>("arrive_late")? != 0,
            resolve_late: r.try_get::<i64, _>("resolve_late")? != 0,
            version: r.try_get("version")?,
        }
    }};
}
pub(crate) use order_from_row;

impl Store {
    /// Orders a department to a case the caller saw at `case_version`.
    pub async fn issue_order(
        &self,
        case_id: &str,
        case_version: i64,
        req: OrderRequest,
        actor: &str,
    ) -> Result<Order> {
        let now = self.now();
        if !matches!(req.issuer_tier, Tier::Community | Tier::Street) {
            return Err(Error::invalid(format!(
                "orders are issued by a community or a street, not a {}",
                req.issuer_tier
            )));
        }
        if req.department.trim().is_empty() || req.issuer_unit.trim().is_empty() {
            return Err(Error::invalid(
                "an order names its issuer and its department",
            ));
        }
        if req.arrive_by <= now || req.resolve_by < req.arrive_by {
            return Err(Error::invalid(
                "an order's arrive-by must be in the future and its resolve-by no earlier",
            ));
        }
        let case = self.case(case_id).await?;
        if case.progress.state == State::Closed {
            return Err(Error::IllegalTransition {
                case_id: case_id.to_string(),
                action: "issue an order for",
                state: State::Closed.as_str(),
                why: String::new(),
            });
        }
        let year = crate::time::format_instant(now)[..4].to_string();
        let n: i64 = with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            let n: i64 = sqlx::query(
                "INSERT INTO counters (name, value) VALUES ($1, 1) ON CONFLICT (name) \
                 DO UPDATE SET value = counters.value + 1 RETURNING value",
            )
            .bind(format!("order:{year}"))
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            tx.commit().await?;
            n
        });
        let order = Order {
            id: format!("OD-{year}-{n:06}"),
            case_id: case_id.to_string(),
            issuer_tier: req.issuer_tier,
            issuer_unit: req.issuer_unit,
            issued_by: actor.to_string(),
            department: req.department,
            leader_rank: req.leader_rank,
            issued_at: now,
            arrive_by: req.arrive_by,
            resolve_by: req.resolve_by,
            acknowledged_at: None,
            arrived_at: None,
            reported_at: None,
            result: None,
            resolved: None,
            state: OrderState::Issued,
            arrive_late: false,
            resolve_late: false,
            version: 1,
        };
        let f = self.inner.at_risk_fraction;
        let effects = vec![
            Effect::OrderInsert(Box::new(order.clone())),
            Effect::ClockStart {
                kind: ClockKind::OrderArrive,
                order_id: order.id.clone(),
                started: now,
                due: order.arrive_by,
                at_risk: at_risk_at(now, order.arrive_by, f),
            },
            Effect::ClockStart {
                kind: ClockKind::OrderResolve,
                order_id: order.id.clone(),
                started: now,
                due: order.resolve_by,
                at_risk: at_risk_at(now, order.resolve_by, f),
            },
        ];
        let note = format!(
            "{} {} orders {} ({} leader)",
            order.issuer_tier, order.issuer_unit, order.department, order.leader_rank
        );
        self.commit(
            case_id,
            Some(case_version),
            Action::Note {
                kind: "order_issued",
                detail: Some(order.id.clone()),
            },
            actor,
            &note,
            effects,
        )
        .await?;
        self.publish(self.change(ChangeKind::Order, &order.id, "order_issued", 1));
        Ok(order)
    }

    /// The department acknowledges the order it saw at `version`.
    pub async fn acknowledge_order(&self, id: &str, version: i64, actor: &str) -> Result<Order> {
        self.order_step(id, version, actor, OrderState::Acknowledged, None, None)
            .await
    }

    /// The department is on site.
    pub async fn arrive_order(&self, id: &str, version: i64, actor: &str) -> Result<Order> {
        self.order_step(id, version, actor, OrderState::Arrived, None, None)
            .await
    }

    /// The department reports its result.
    pub async fn report_order(
        &self,
        id: &str,
        version: i64,
        actor: &str,
        resolved: bool,
        result: &str,
    ) -> Result<Order> {
        if result.trim().is_empty() {
            return Err(Error::invalid("an order's result must say what was done"));
        }
        self.order_step(
            id,
            version,
            actor,
            OrderState::Reported,
            Some(resolved),
            Some(result),
        )
        .await
    }

    async fn order_step(
        &self,
        id: &str,
        version: i64,
        actor: &str,
        to: OrderState,
        resolved: Option<bool>,
        result: Option<&str>,
    ) -> Result<Order> {
        let now = self.now();
        let mut o = self.order(id).await?;
        if o.version != version {
            return Err(Error::Conflict {
                what: "order",
                id: id.to_string(),
                expected: version,
                actual: o.version,
            });
        }
        let from = o.state;
        let legal = matches!(
            (from, to),
            (OrderState::Issued, OrderState::Acknowledged)
                | (OrderState::Acknowledged, OrderState::Arrived)
                | (OrderState::Arrived, OrderState::Reported)
        );
        if !legal {
            return Err(Error::IllegalTransition {
                case_id: o.case_id.clone(),
                action: match to {
                    OrderState::Acknowledged => "acknowledge the order of",
                    OrderState::Arrived => "record arrival on the order of",
                    _ => "report the result of the order of",
                },
                state: from.as_str(),
                why: format!(": order {id} is {from}"),
            });
        }
        o.state = to;
        o.version += 1;
        let mut effects = Vec::new();
        let kind = match to {
            OrderState::Acknowledged => {
                o.acknowledged_at = Some(now);
                "order_acknowledged"
            }
            OrderState::Arrived => {
                o.arrived_at = Some(now);
                o.arrive_late |= now > o.arrive_by;
                effects.push(Effect::ClockMet {
                    kind: ClockKind::OrderArrive,
                    order_id: o.id.clone(),
                });
                "order_arrived"
            }
            _ => {
                o.reported_at = Some(now);
                o.resolved = resolved;
                o.result = result.map(str::to_string);
                o.resolve_late |= now > o.resolve_by;
                effects.push(Effect::ClockMet {
                    kind: ClockKind::OrderResolve,
                    order_id: o.id.clone(),
                });
                "order_reported"
            }
        };
        effects.insert(0, Effect::OrderUpdate(Box::new(o.clone())));
        let note = match (to, result) {
            (OrderState::Reported, Some(r)) => format!("{}: {r}", o.department),
            _ => o.department.clone(),
        };
        self.commit(
            &o.case_id,
            None,
            Action::Note {
                kind,
                detail: Some(o.id.clone()),
            },
            actor,
            &note,
            effects,
        )
        .await?;
        // Lateness flags may have been set by the scheduler meanwhile: return the stored row.
        let o = self.order(id).await?;
        self.publish(self.change(ChangeKind::Order, id, kind, o.version));
        Ok(o)
    }

    /// One order.
    pub async fn order(&self, id: &str) -> Result<Order> {
        let o = with_db!(&self.inner.db, |p| {
            match sqlx::query("SELECT * FROM orders WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
            {
                Some(r) => Some(order_from_row!(&r)),
                None => None,
            }
        });
        o.ok_or_else(|| Error::NotFound {
            what: "order",
            id: id.to_string(),
        })
    }

    /// The orders of a case, oldest first.
    pub async fn orders_of_case(&self, case_id: &str) -> Result<Vec<Order>> {
        Ok(with_db!(&self.inner.db, |p| {
            let rows =
                sqlx::query("SELECT * FROM orders WHERE case_id = $1 ORDER BY issued_at, id")
                    .bind(case_id)
                    .fetch_all(p)
                    .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(order_from_row!(r));
            }
            out
        }))
    }
}

//! What the command center watches besides the queue: the department catalogue, the orders
//! board (open orders by department with each department's lateness) and breach alarms (clocks
//! breached recently that no operator has acknowledged yet).

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use crate::cases::{Action, Case, Effect};
use crate::clocks::ClockKind;
use crate::error::{Error, Result};
use crate::model::Tier;
use crate::orders::{LeaderRank, Order, OrderState};
use crate::store::{Store, with_db};
use crate::time::{DAY, Millis};

/// How far back the alarm list looks: older breaches show in the queue as breached cases.
pub const ALARM_WINDOW: Millis = DAY;

/// A department a case can be dispatched or ordered to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Department {
    /// Code (`D-CG`).
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// `district` (a district department) or `street` (an office of the case's street).
    pub tier: String,
    /// Matter domains it usually takes.
    pub domains: Vec<String>,
}

/// One department's column on the orders board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentOrders {
    /// The department (code or name as ordered).
    pub department: String,
    /// Its name, when it is in the catalogue.
    pub name: Option<String>,
    /// Orders not yet reported back, the earliest deadline first.
    pub open: Vec<Order>,
    /// Of those, past their arrive-by (not arrived) or resolve-by (not reported).
    pub overdue: i64,
    /// Every order it was given.
    pub total: i64,
    /// Arrivals late or missing.
    pub arrived_late: i64,
    /// Results late or missing.
    pub resolved_late: i64,
    /// Orders with both in time / orders reported or overdue (1 with none).
    pub on_time_rate: f64,
}

/// A breach that no operator has acknowledged yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    /// The case.
    pub case: Case,
    /// The clock that breached.
    pub kind: ClockKind,
    /// Its order, for order clocks.
    pub order_id: Option<String>,
    /// Its deadline.
    pub due_at: Millis,
    /// When it breached.
    pub breached_at: Millis,
}

impl Store {
    /// The department catalogue.
    pub async fn departments(&self) -> Result<Vec<Department>> {
        with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT code, name, tier, domains FROM departments ORDER BY tier, code")
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| {
                    let domains: String = r.try_get(3)?;
                    Ok(Department {
                        code: r.try_get(0)?,
                        name: r.try_get(1)?,
                        tier: r.try_get(2)?,
                        domains: domains
                            .split(',')
                            .map(str::trim)
                            .filter(|d| !d.is_empty())
                            .map(str::to_string)
                            .collect(),
                    })
                })
                .collect()
        })
    }

    /// The orders board, optionally only for the cases of one street: per department its open
    /// orders (earliest arrive-by first) and its record. An order is *on time* when reported
    /// with neither deadline missed; it is *settled* once reported or once a deadline passed
    /// unmet; the on-time rate is on time over settled.
    pub async fn orders_board(&self, street: Option<&str>) -> Result<Vec<DepartmentOrders>> {
        let now = self.now();
        let names: BTreeMap<String, String> = self
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code, d.name))
            .collect();
        let (totals, open) = with_db!(&self.inner.db, |p| {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT o.department, COUNT(*) AS total, \
                 CAST(SUM(o.arrive_late) AS BIGINT) AS al, \
                 CAST(SUM(o.resolve_late) AS BIGINT) AS rl, \
                 CAST(SUM(CASE WHEN o.state = 'reported' AND o.arrive_late = 0 \
                   AND o.resolve_late = 0 THEN 1 ELSE 0 END) AS BIGINT) AS on_time, \
                 CAST(SUM(CASE WHEN o.state = 'reported' THEN 1 ELSE 0 END) AS BIGINT) \
                   AS reported \
                 FROM orders o JOIN cases c ON c.id = o.case_id WHERE 1 = 1",
            );
            if let Some(s) = street {
                qb.push(" AND c.street_code = ").push_bind(s.to_string());
            }
            qb.push(" GROUP BY o.department");
            let mut totals = Vec::new();
            for r in qb.build().fetch_all(p).await? {
                let n = |c: &str| {
                    r.try_get::<Option<i64>, _>(c)
                        .map(Option::unwrap_or_default)
                };
                totals.push((
                    r.try_get::<String, _>("department")?,
                    n("total")?,
                    n("al")?,
                    n("rl")?,
                    n("on_time")?,
                    n("reported")?,
                ));
            }
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT o.* FROM orders o JOIN cases c ON c.id = o.case_id \
                 WHERE o.state <> 'reported'",
            );
            if let Some(s) = street {
                qb.push(" AND c.street_code = ").push_bind(s.to_string());
            }
            qb.push(" ORDER BY o.arrive_by, o.id");
            let mut open = Vec::new();
            for r in qb.build().fetch_all(p).await? {
                open.push(crate::orders::order_from_row!(&r));
            }
            (totals, open)
        });
        let mut board: BTreeMap<String, (DepartmentOrders, i64, i64)> = BTreeMap::new();
        for (dep, total, al, rl, on_time, reported) in totals {
            let column = DepartmentOrders {
                name: names.get(&dep).cloned(),
                department: dep.clone(),
                open: Vec::new(),
                overdue: 0,
                total,
                arrived_late: al,
                resolved_late: rl,
                on_time_rate: 1.0,
            };
            board.insert(dep, (column, on_time, reported));
        }
        for o in open {
            let overdue = o.arrive_late
                || o.resolve_late
                || (o.arrived_at.is_none() && now > o.arrive_by)
                || (o.reported_at.is_none() && now > o.resolve_by);
            if let Some((d, _, _)) = board.get_mut(&o.department) {
                d.overdue += i64::from(overdue);
                d.open.push(o);
            }
        }
        let mut out: Vec<DepartmentOrders> = board
            .into_values()
            .map(|(mut d, on_time, reported)| {
                let settled = reported + d.overdue;
                if settled > 0 {
                    d.on_time_rate = on_time as f64 / settled as f64;
                }
                d
            })
            .collect();
        out.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(b.open.len().cmp(&a.open.len()))
                .then(a.department.cmp(&b.department))
        });
        Ok(out)
    }

    /// Breaches of the last [`ALARM_WINDOW`] on open cases not yet acknowledged, newest first,
    /// optionally only for one street.
    pub async fn alarms(&self, street: Option<&str>) -> Result<Vec<Alarm>> {
        let since = self.now() - ALARM_WINDOW;
        let rows: Vec<(String, String, String, Millis, Millis)> = with_db!(&self.inner.db, |p| {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT k.case_id, k.kind, k.order_id, k.due_at, k.breached_at FROM clocks k \
                     JOIN cases c ON c.id = k.case_id WHERE k.status = 'breached' \
                     AND c.state <> 'closed' AND k.breached_at >= ",
            );
            qb.push_bind(since);
            if let Some(s) = street {
                qb.push(" AND c.street_code = ").push_bind(s.to_string());
            }
            qb.push(
                " AND NOT EXISTS (SELECT 1 FROM alarm_acks a WHERE a.case_id = k.case_id \
                     AND a.kind = k.kind AND a.order_id = k.order_id \
                     AND a.breached_at = k.breached_at) \
                     ORDER BY k.breached_at DESC, k.id DESC LIMIT 500",
            );
            let mut out = Vec::new();
            for r in qb.build().fetch_all(p).await? {
                out.push((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ));
            }
            out
        });
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let cases: BTreeMap<String, Case> = self
            .cases_by_id(&ids)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        rows.into_iter()
            .filter_map(|(case_id, kind, order, due_at, breached_at)| {
                let case = cases.get(&case_id)?.clone();
                Some(ClockKind::parse(&kind).map(|kind| Alarm {
                    case,
                    kind,
                    order_id: Some(order).filter(|o| !o.is_empty()),
                    due_at,
                    breached_at,
                }))
            })
            .collect()
    }

    /// Acknowledges the breach alarm of a clock of a case (an event on the case and a stored
    /// acknowledgement).
    ///
    /// # Errors
    /// [`Error::NotFound`] when the clock has no breach to acknowledge.
    pub async fn acknowledge_alarm(
        &self,
        case_id: &str,
        kind: ClockKind,
        order_id: Option<&str>,
        actor: &str,
    ) -> Result<Case> {
        let order = order_id.unwrap_or("");
        let clock = self
            .clocks(case_id)
            .await?
            .into_iter()
            .find(|k| k.kind == kind && k.order_id.as_deref().unwrap_or("") == order);
        let Some(breached_at) = clock.and_then(|k| k.breached_at) else {
            return Err(Error::NotFound {
                what: "breach alarm",
                id: format!(
                    "{case_id} {kind}{}",
                    order_id.map_or(String::new(), |o| format!(" {o}"))
                ),
            });
        };
        self.commit(
            case_id,
            None,
            Action::Note {
                kind: "alarm_acknowledged",
                detail: Some(kind.as_str().to_string()),
            },
            actor,
            &format!("{kind} breach acknowledged"),
            vec![Effect::AlarmAck {
                kind,
                order_id: order.to_string(),
                breached_at,
                actor: actor.to_string(),
            }],
        )
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "case",
            id: case_id.to_string(),
        })
    }
}

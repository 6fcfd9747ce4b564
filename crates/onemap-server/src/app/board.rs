//! Boards and catalogues: the orders board, breach alarms, figures, the matter catalogue, the
//! departments, the live cases layer of the map, and for administrators the audit log and the
//! users.

use onemap::access::{Principal, Role, User};
use onemap::audit::{Outcome, Record};
use onemap::board::Department;
use onemap::figures::{Dimension, Figures};
use onemap::matters::Matter;
use onemap::time::parse_instant;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::live;
use super::views::{OrderView, iso};
use super::{App, AppError, AppResult, CaseView};

/// The catalogues the views name things from, kept in memory.
#[derive(Debug, Default, Clone)]
pub(crate) struct Catalogue {
    pub(crate) matters: std::collections::HashMap<String, Matter>,
    pub(crate) departments: Vec<Department>,
}

/// One department's column of the orders board.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DepartmentColumn {
    /// Department code.
    pub department: String,
    /// Its name.
    pub name: Option<String>,
    /// Open orders, the earliest arrive-by first.
    pub open: Vec<OrderView>,
    /// Of those, overdue now.
    pub overdue: i64,
    /// Orders it was given.
    pub total: i64,
    /// Arrivals late or missing.
    pub arrived_late: i64,
    /// Results late or missing.
    pub resolved_late: i64,
    /// On time over settled.
    pub on_time_rate: f64,
}

/// The orders board.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrdersBoard {
    /// The server's time.
    pub now: String,
    /// By department, the most overdue first.
    pub departments: Vec<DepartmentColumn>,
}

/// A breach alarm.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlarmView {
    /// The case (reporter masked).
    pub case: CaseView,
    /// The clock that breached.
    pub kind: String,
    /// Its order, for order clocks.
    pub order_id: Option<String>,
    /// Its deadline.
    pub due_at: String,
    /// When it breached.
    pub breached_at: String,
}

/// Figures over a period.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// From (ISO 8601 with offset); default: the beginning.
    pub from: Option<String>,
    /// To, exclusive; default: now and beyond.
    pub to: Option<String>,
    /// `all`, `district`, `street`, `community`, `subgrid`, `department`, `channel`, `matter`.
    pub by: Option<String>,
}

/// A matter of the catalogue.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MatterView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Domain key.
    pub domain: String,
    /// Domain name.
    pub domain_name: String,
    /// Default level.
    pub default_level: String,
    /// SMS notice promise, minutes.
    pub notice_minutes: i64,
    /// Meeting promise, minutes.
    pub meet_minutes: i64,
    /// Resolution promise (`same_day`, `hours:N`, `days:N`).
    pub resolve: String,
}

/// Which audit entries to read: the store's own query (`actor`, `target`, `action`,
/// `outcome`, `after`, `limit`).
pub type AuditQuery = onemap::audit::Query;

/// An audit entry as shown.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditView {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// As what role.
    pub role: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// `ok`, `denied`, `failed`.
    pub outcome: String,
    /// Detail.
    pub detail: String,
}

fn audit_view(r: Record) -> AuditView {
    AuditView {
        seq: r.seq,
        at: iso(r.at),
        actor: r.actor,
        role: r.role,
        action: r.action,
        target: r.target,
        outcome: r.outcome,
        detail: r.detail,
    }
}

/// How many of the most recent closed cases the live cases layer carries besides open ones.
const RECENT_CLOSED: i64 = 300;

impl App {
    /// Reloads the matter catalogue and departments (after the matters layer changes).
    pub async fn refresh_catalogue(&self) -> AppResult<()> {
        let matters = self.inner.store.matters().await?;
        let departments = self.inner.store.departments().await?;
        let mut c = self
            .inner
            .catalogue
            .write()
            .map_err(|_| AppError::new("internal", "catalogue lock poisoned"))?;
        c.matters = matters.into_iter().map(|m| (m.code.clone(), m)).collect();
        c.departments = departments;
        Ok(())
    }

    pub(crate) fn matter_name(&self, code: &str) -> String {
        self.inner
            .catalogue
            .read()
            .ok()
            .and_then(|c| c.matters.get(code).map(|m| m.name.clone()))
            .unwrap_or_default()
    }

    pub(crate) fn department_name(&self, code: &str) -> Option<String> {
        self.inner.catalogue.read().ok().and_then(|c| {
            c.departments
                .iter()
                .find(|d| d.code == code)
                .map(|d| d.name.clone())
        })
    }

    /// The matter catalogue.
    pub async fn matters(&self, _who: &Principal) -> AppResult<Vec<MatterView>> {
        Ok(self
            .inner
            .store
            .matters()
            .await?
            .into_iter()
            .map(|m| MatterView {
                code: m.code,
                name: m.name,
                domain: m.domain,
                domain_name: m.domain_name,
                default_level: m.default_level.as_str().to_string(),
                notice_minutes: m.notice_minutes,
                meet_minutes: m.meet_minutes,
                resolve: m.resolve.as_string(),
            })
            .collect())
    }

    /// The departments cases are dispatched and ordered to.
    pub async fn departments(&self, _who: &Principal) -> AppResult<Vec<Department>> {
        Ok(self.inner.store.departments().await?)
    }

    /// The orders board as `who` may see it (a street operator: its street's cases).
    ///
    /// # Errors
    /// `forbidden` for an API key.
    pub async fn orders_board(&self, who: &Principal) -> AppResult<OrdersBoard> {
        if who.role == Role::Intake {
            return Err(AppError::forbidden(
                "an API key files cases; it does not read boards",
            ));
        }
        let store = &self.inner.store;
        let now = store.now();
        let cols = store.orders_board(who.street.as_deref()).await?;
        Ok(OrdersBoard {
            now: iso(now),
            departments: cols
                .into_iter()
                .map(|d| DepartmentColumn {
                    name: d.name.or_else(|| self.department_name(&d.department)),
                    open: d.open.iter().map(|o| self.order_view(o, now)).collect(),
                    department: d.department,
                    overdue: d.overdue,
                    total: d.total,
                    arrived_late: d.arrived_late,
                    resolved_late: d.resolved_late,
                    on_time_rate: d.on_time_rate,
                })
                .collect(),
        })
    }

    /// Breaches of the last day no operator has acknowledged, as `who` may see them.
    ///
    /// # Errors
    /// `forbidden` for an API key.
    pub async fn alarms(&self, who: &Principal) -> AppResult<Vec<AlarmView>> {
        if who.role == Role::Intake {
            return Err(AppError::forbidden(
                "an API key files cases; it does not read alarms",
            ));
        }
        Ok(self
            .inner
            .store
            .alarms(who.street.as_deref())
            .await?
            .into_iter()
            .map(|a| AlarmView {
                case: self.case_view(&a.case, false),
                kind: a.kind.as_str().to_string(),
                order_id: a.order_id,
                due_at: iso(a.due_at),
                breached_at: iso(a.breached_at),
            })
            .collect())
    }

    /// Figures over a period, broken down by a dimension (no personal data: every role).
    ///
    /// # Errors
    /// `invalid` for a bad time or dimension.
    pub async fn figures(&self, who: &Principal, q: &FiguresQuery) -> AppResult<Vec<Figures>> {
        if who.role == Role::Intake {
            return Err(AppError::forbidden(
                "an API key files cases; it does not read figures",
            ));
        }
        let t = |s: &Option<String>, d: i64, what: &str| match s {
            None => Ok(d),
            Some(s) => parse_instant(s).ok_or_else(|| {
                AppError::invalid(format!(
                    "{what} {s:?} is not an ISO 8601 time with an offset"
                ))
            }),
        };
        let from = t(&q.from, i64::MIN, "from")?;
        let to = t(&q.to, i64::MAX, "to")?;
        let by = Dimension::parse(q.by.as_deref().unwrap_or("all"))?;
        Ok(self.inner.store.figures(from, to, by).await?)
    }

    /// The map's cases layer from the store: every open case and the most recent closed ones,
    /// as GeoJSON points with what the map draws (no personal data); a street operator's only
    /// its street's.
    ///
    /// # Errors
    /// `forbidden` for an API key.
    pub async fn cases_layer(&self, who: &Principal) -> AppResult<Value> {
        if who.role == Role::Intake {
            return Err(AppError::forbidden(
                "an API key files cases; it does not read the map",
            ));
        }
        let cases = self
            .inner
            .store
            .map_cases(who.street.as_deref(), RECENT_CLOSED)
            .await?;
        let features: Vec<Value> = cases
            .iter()
            .filter_map(|c| live::feature(c, false))
            .collect();
        Ok(json!({"type": "FeatureCollection", "features": features}))
    }

    /// The audit log (administrators only; reading it is itself audited).
    ///
    /// # Errors
    /// `forbidden` for other roles.
    pub async fn audit_log(&self, who: &Principal, q: &AuditQuery) -> AppResult<Vec<AuditView>> {
        self.require_admin(who, "audit.read", "audit").await?;
        let rows = self.inner.store.audit_log(q).await?;
        self.audit(
            who,
            "audit.read",
            "audit",
            Outcome::Ok,
            format!("{} entries", rows.len()),
        )
        .await?;
        Ok(rows.into_iter().map(audit_view).collect())
    }

    /// The users (administrators only).
    ///
    /// # Errors
    /// `forbidden` for other roles.
    pub async fn users(&self, who: &Principal) -> AppResult<Vec<User>> {
        self.require_admin(who, "user.list", "users").await?;
        Ok(self.inner.store.users().await?)
    }
}

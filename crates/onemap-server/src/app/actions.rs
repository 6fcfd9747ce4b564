//! The loop's actions: every step with the version the operator saw, department orders and
//! their steps, decisions on possible duplicates, acknowledging breach alarms.
//!
//! A stale version is answered `conflict` with the case as it is now (`current`), so the UI
//! shows what changed instead of an error page. Every attempt is audited: done, refused
//! (`denied`) or failed.

use onemap::access::{Principal, Role};
use onemap::audit::Outcome;
use onemap::clocks::ClockKind;
use onemap::lifecycle::Step;
use onemap::model::{Outcome as CaseOutcome, Tier};
use onemap::nearby::Decision;
use onemap::orders::{LeaderRank, OrderRequest};
use onemap::time::{MINUTE, parse_instant};
use serde::Deserialize;

use super::{App, AppError, AppResult, CaseDetail};

/// A step of the loop or an order, as the UI sends it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseAction {
    /// Dispatch (分拨) to a sub-grid, community or street (its code) or a department (its
    /// catalogue code).
    Dispatch {
        /// Where to.
        unit: String,
    },
    /// The unit takes it up.
    Accept,
    /// Handled: resolve with a note; goes to review.
    Submit,
    /// L1: corrected on the spot by the patrol (巡纠).
    Correct,
    /// Review approves and closes it.
    Approve {
        /// `resolved` (default) or `unresolved`.
        #[serde(default)]
        outcome: Option<String>,
    },
    /// Review sends it back to handling.
    Reject,
    /// Reopen a closed case.
    Reopen,
    /// The SMS notice was sent.
    Notice,
    /// The citizen was met (arrival on the scene).
    Meet,
    /// Escalate one tier up.
    Escalate,
    /// Order a department to the scene (社区发令、部门执行).
    IssueOrder {
        /// Department code from the catalogue.
        department: String,
        /// `staff`, `section`, `division`, `bureau`.
        leader_rank: String,
        /// Arrive by (ISO 8601 with offset) …
        #[serde(default)]
        arrive_by: Option<String>,
        /// … or within this many minutes.
        #[serde(default)]
        arrive_in_minutes: Option<i64>,
        /// Resolve by (ISO 8601 with offset) …
        #[serde(default)]
        resolve_by: Option<String>,
        /// … or within this many minutes.
        #[serde(default)]
        resolve_in_minutes: Option<i64>,
        /// `community` (default) or `street`: who issues it (the case's own community or street).
        #[serde(default)]
        issuer: Option<String>,
    },
}

/// An action with the version of the case the operator saw and a note.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ActionRequest {
    /// The case's version as shown.
    pub version: i64,
    /// A note for the timeline (required for `submit` and `reject`).
    #[serde(default)]
    pub note: Option<String>,
    /// The action.
    #[serde(flatten)]
    pub action: CaseAction,
}

/// A department's step on an order.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum OrderAction {
    /// The department acknowledges.
    Acknowledge,
    /// It is on site.
    Arrive,
    /// It reports its result.
    Report {
        /// Whether the matter is resolved.
        resolved: bool,
        /// What was done.
        result: String,
    },
}

/// An order step with the order's version as shown.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct OrderActionRequest {
    /// The order's version as shown.
    pub version: i64,
    /// The step.
    #[serde(flatten)]
    pub action: OrderAction,
}

impl CaseAction {
    /// The name used in the audit log and in `CaseDetail::actions`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            CaseAction::Dispatch { .. } => "dispatch",
            CaseAction::Accept => "accept",
            CaseAction::Submit => "submit",
            CaseAction::Correct => "correct",
            CaseAction::Approve { .. } => "approve",
            CaseAction::Reject => "reject",
            CaseAction::Reopen => "reopen",
            CaseAction::Notice => "notice",
            CaseAction::Meet => "meet",
            CaseAction::Escalate => "escalate",
            CaseAction::IssueOrder { .. } => "issue_order",
        }
    }
}

fn deadline(now: i64, at: Option<&String>, minutes: Option<i64>, what: &str) -> AppResult<i64> {
    match (at, minutes) {
        (Some(s), None) => parse_instant(s).ok_or_else(|| {
            AppError::invalid(format!(
                "{what} {s:?} is not an ISO 8601 instant with an offset (2026-03-02T10:30:00+08:00)"
            ))
        }),
        (None, Some(m)) if (1..=30 * 24 * 60).contains(&m) => Ok(now + m * MINUTE),
        (None, Some(m)) => Err(AppError::invalid(format!(
            "{what}: {m} minutes is not between 1 minute and 30 days"
        ))),
        (Some(_), Some(_)) => Err(AppError::invalid(format!(
            "give {what} as a time or in minutes, not both"
        ))),
        (None, None) => Err(AppError::invalid(format!("an order needs its {what}"))),
    }
}

impl App {
    /// Takes one action on a case the operator saw at `req.version`; answers the case as it is
    /// after it.
    ///
    /// # Errors
    /// `forbidden` for a role that does not act or a case of another street; `conflict` (with
    /// `current`) for a stale version; `illegal_transition` when the stage does not allow it;
    /// `invalid` for a bad unit, department, deadline or a missing note.
    pub async fn act(
        &self,
        who: &Principal,
        case_id: &str,
        req: ActionRequest,
    ) -> AppResult<CaseDetail> {
        let name = req.action.name();
        let audit_action = format!("case.{name}");
        let target = format!("case:{case_id}");
        self.require_actor(who, &audit_action, &target).await?;
        let case = self.inner.store.case(case_id).await?;
        let street = case.location.as_ref().map(|l| l.street_code.clone());
        self.require_street(who, &audit_action, &target, street.as_deref())
            .await?;
        let note = req.note.clone().unwrap_or_default();
        let result = self.apply(who, &case, &req, &note).await;
        let (outcome, detail) = match &result {
            Ok(d) => (Outcome::Ok, d.clone()),
            Err(e) => (Outcome::Failed, e.message.clone()),
        };
        self.audit(who, &audit_action, &target, outcome, detail)
            .await?;
        self.answer(who, case_id, result.map(drop)).await
    }

    /// Does the action; returns what the audit log says about it.
    async fn apply(
        &self,
        who: &Principal,
        case: &onemap::cases::Case,
        req: &ActionRequest,
        note: &str,
    ) -> AppResult<String> {
        let store = &self.inner.store;
        let step = match &req.action {
            CaseAction::Dispatch { unit } => {
                self.check_dispatch_target(who, unit)?;
                Step::Dispatch { unit: unit.clone() }
            }
            CaseAction::Accept => Step::Accept,
            CaseAction::Submit => {
                if note.trim().is_empty() {
                    return Err(AppError::invalid(
                        "say how it was resolved: a note is required to submit a case for review",
                    ));
                }
                Step::Submit
            }
            CaseAction::Correct => Step::Correct,
            CaseAction::Approve { outcome } => Step::Approve {
                outcome: CaseOutcome::parse(outcome.as_deref().unwrap_or("resolved"))?,
            },
            CaseAction::Reject => {
                if note.trim().is_empty() {
                    return Err(AppError::invalid(
                        "say why: a note is required to send a case back",
                    ));
                }
                Step::Reject
            }
            CaseAction::Reopen => Step::Reopen,
            CaseAction::Notice => Step::Notice,
            CaseAction::Meet => Step::Meet,
            CaseAction::Escalate => Step::Escalate,
            CaseAction::IssueOrder {
                department,
                leader_rank,
                arrive_by,
                arrive_in_minutes,
                resolve_by,
                resolve_in_minutes,
                issuer,
            } => {
                let now = store.now();
                if self.department_name(department).is_none() {
                    return Err(AppError::invalid(format!(
                        "{department:?} is not a department of the catalogue (GET /api/departments)"
                    )));
                }
                let issuer_tier = Tier::parse(issuer.as_deref().unwrap_or("community"))?;
                let loc = case.location.as_ref().ok_or_else(|| {
                    AppError::invalid(
                        "the case is not located: its community cannot issue an order",
                    )
                })?;
                let issuer_unit = match issuer_tier {
                    Tier::Community => loc.community_code.clone(),
                    Tier::Street => loc.street_code.clone(),
                    _ => {
                        return Err(AppError::invalid(
                            "an order is issued by the case's community or street",
                        ));
                    }
                };
                let order = store
                    .issue_order(
                        &case.id,
                        req.version,
                        OrderRequest {
                            issuer_tier,
                            issuer_unit,
                            department: department.clone(),
                            leader_rank: LeaderRank::parse(leader_rank)?,
                            arrive_by: deadline(
                                now,
                                arrive_by.as_ref(),
                                *arrive_in_minutes,
                                "arrive-by",
                            )?,
                            resolve_by: deadline(
                                now,
                                resolve_by.as_ref(),
                                *resolve_in_minutes,
                                "resolve-by",
                            )?,
                        },
                        who.actor(),
                    )
                    .await?;
                return Ok(format!("order {} to {}", order.id, order.department));
            }
        };
        let detail = match &step {
            Step::Dispatch { unit } => format!("to {unit}"),
            Step::Approve { outcome } => outcome.as_str().to_string(),
            _ => String::new(),
        };
        store
            .step(&case.id, req.version, step, who.actor(), note)
            .await?;
        Ok(detail)
    }

    /// A dispatch goes to a unit of the map or a department; a street operator keeps it in its
    /// street.
    fn check_dispatch_target(&self, who: &Principal, unit: &str) -> AppResult<()> {
        if self.department_name(unit).is_some() {
            return Ok(());
        }
        match self.map().unit_name(unit) {
            Some((kind, _)) if kind != "district" || who.street.is_none() => {
                if let Some(own) = &who.street
                    && !unit.starts_with(own.as_str())
                {
                    return Err(AppError::forbidden(format!(
                        "{unit} is outside your street {own}: dispatch within it or to a department"
                    )));
                }
                Ok(())
            }
            Some(_) => Err(AppError::forbidden(
                "a street operator dispatches within its street or to a department",
            )),
            None => Err(AppError::invalid(format!(
                "{unit:?} is neither a sub-grid, community or street code nor a department of the catalogue"
            ))),
        }
    }

    /// A department's step on an order the caller saw at `req.version`; answers the case.
    ///
    /// # Errors
    /// As [`App::act`]; `not_found` for an unknown order.
    pub async fn order_act(
        &self,
        who: &Principal,
        order_id: &str,
        req: OrderActionRequest,
    ) -> AppResult<CaseDetail> {
        let store = &self.inner.store;
        let name = match &req.action {
            OrderAction::Acknowledge => "order.acknowledge",
            OrderAction::Arrive => "order.arrive",
            OrderAction::Report { .. } => "order.report",
        };
        let target = format!("order:{order_id}");
        self.require_actor(who, name, &target).await?;
        let order = store.order(order_id).await?;
        let case = store.case(&order.case_id).await?;
        self.require_street(
            who,
            name,
            &target,
            case.location.as_ref().map(|l| l.street_code.as_str()),
        )
        .await?;
        let r = match &req.action {
            OrderAction::Acknowledge => {
                store
                    .acknowledge_order(order_id, req.version, who.actor())
                    .await
            }
            OrderAction::Arrive => store.arrive_order(order_id, req.version, who.actor()).await,
            OrderAction::Report { resolved, result } => {
                store
                    .report_order(order_id, req.version, who.actor(), *resolved, result)
                    .await
            }
        };
        let outcome = match &r {
            Ok(_) => (Outcome::Ok, String::new()),
            Err(e) => (Outcome::Failed, e.to_string()),
        };
        self.audit(who, name, &target, outcome.0, outcome.1).await?;
        self.answer(who, &order.case_id, r.map(drop).map_err(AppError::from))
            .await
    }

    /// Confirms or dismisses a possible duplicate of a case the operator saw at `version`.
    ///
    /// # Errors
    /// As [`App::act`]; `invalid` when `other` is not a possible duplicate.
    pub async fn decide_duplicate(
        &self,
        who: &Principal,
        case_id: &str,
        version: i64,
        other: &str,
        decision: &str,
    ) -> AppResult<CaseDetail> {
        let store = &self.inner.store;
        let target = format!("case:{case_id}");
        self.require_actor(who, "case.duplicate", &target).await?;
        let case = store.case(case_id).await?;
        self.require_street(
            who,
            "case.duplicate",
            &target,
            case.location.as_ref().map(|l| l.street_code.as_str()),
        )
        .await?;
        // Confirming closes the other case into this one: it must be in the operator's street
        // too (a pair may straddle two streets; the district decides those).
        if let Ok(o) = store.case(other).await {
            self.require_street(
                who,
                "case.duplicate",
                &format!("case:{other}"),
                o.location.as_ref().map(|l| l.street_code.as_str()),
            )
            .await?;
        }
        let decision = Decision::parse(decision)?;
        let r = store
            .decide_duplicate(case_id, version, other, decision, who.actor())
            .await;
        let (o, d) = match &r {
            Ok(_) => (Outcome::Ok, format!("{} {other}", decision.as_str())),
            Err(e) => (Outcome::Failed, e.to_string()),
        };
        self.audit(who, "case.duplicate", &target, o, d).await?;
        self.answer(who, case_id, r.map(drop).map_err(AppError::from))
            .await
    }

    /// The case as it is now after an attempt: its detail when the attempt succeeded, else the
    /// attempt's error — with the fresh detail attached when it was a conflict.
    async fn answer(
        &self,
        who: &Principal,
        case_id: &str,
        attempt: AppResult<()>,
    ) -> AppResult<CaseDetail> {
        let fresh = self.inner.store.case(case_id).await?;
        let show = who.role.sees_personal_data();
        match attempt {
            Ok(()) => self.detail_of(who, fresh, show).await,
            Err(mut e) => {
                if e.code == "conflict" {
                    e.current = Some(Box::new(self.detail_of(who, fresh, show).await?));
                }
                Err(e)
            }
        }
    }

    /// Acknowledges the breach alarm of a clock (`kind`, and `order_id` for order clocks).
    ///
    /// # Errors
    /// `forbidden`; `not_found` when there is no breach to acknowledge.
    pub async fn acknowledge_alarm(
        &self,
        who: &Principal,
        case_id: &str,
        kind: &str,
        order_id: Option<&str>,
    ) -> AppResult<()> {
        let store = &self.inner.store;
        let target = format!("case:{case_id}");
        if who.role == Role::Intake {
            return Err(AppError::forbidden("an API key cannot acknowledge alarms"));
        }
        self.require_actor(who, "alarm.acknowledge", &target)
            .await?;
        let case = store.case(case_id).await?;
        self.require_street(
            who,
            "alarm.acknowledge",
            &target,
            case.location.as_ref().map(|l| l.street_code.as_str()),
        )
        .await?;
        let kind = ClockKind::parse(kind)?;
        store
            .acknowledge_alarm(case_id, kind, order_id, who.actor())
            .await?;
        self.audit(
            who,
            "alarm.acknowledge",
            &target,
            Outcome::Ok,
            kind.as_str(),
        )
        .await
    }
}

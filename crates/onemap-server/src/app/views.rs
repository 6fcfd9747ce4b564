//! What the app API hands out: cases, events, clocks and orders as the UI shows them, with
//! instants as ISO 8601 in Asia/Shanghai (`2026-03-02T09:00:00+08:00`), units with their names,
//! and the reporter's name and phone masked for roles that may not see them.

use onemap::cases::{Case, CaseEvent};
use onemap::clocks::SlaClock;
use onemap::nearby::Near;
use onemap::orders::Order;
use onemap::time::{Millis, format_instant};
use serde::Serialize;

use super::App;

/// An instant as the API shows it.
pub(crate) fn iso(t: Millis) -> String {
    format_instant(t)
}

fn iso_opt(t: Option<Millis>) -> Option<String> {
    t.map(format_instant)
}

/// A unit with its name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnitRef {
    /// Statistics code.
    pub code: String,
    /// Chinese name (empty when the map does not know the code).
    pub name: String,
}

/// Where a case lies, with names.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Place {
    /// Red sub-grid.
    pub subgrid: UnitRef,
    /// Community.
    pub community: UnitRef,
    /// Street.
    pub street: UnitRef,
    /// District.
    pub district: UnitRef,
}

/// The reporter, masked unless the caller's role may see personal data.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reporter {
    /// Name (`张*` when masked).
    pub name: Option<String>,
    /// Phone (`199****1234` when masked).
    pub phone: Option<String>,
    /// Whether the values are masked.
    pub masked: bool,
}

/// Masks a name: the first character, then one `*` per further character.
///
/// ```
/// # use onemap_server::app::mask_name;
/// assert_eq!(mask_name("张三丰"), "张**");
/// ```
#[must_use]
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
    }
}

/// Masks a phone number: the first three and last four digits stay.
///
/// ```
/// # use onemap_server::app::mask_phone;
/// assert_eq!(mask_phone("19900001234"), "199****1234");
/// assert_eq!(mask_phone("110"), "***");
/// ```
#[must_use]
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < 3 || i >= chars.len() - 4 {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// A case as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseView {
    /// Id.
    pub id: String,
    /// Channel.
    pub channel: String,
    /// Matter code.
    pub matter: String,
    /// Matter name.
    pub matter_name: String,
    /// Description.
    pub description: String,
    /// Longitude.
    pub lon: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Where it lies.
    pub place: Option<Place>,
    /// Building.
    pub building_id: Option<String>,
    /// Camera.
    pub camera_id: Option<String>,
    /// Reporter (masked per role).
    pub reporter: Reporter,
    /// `L1`, `L2`, `L3`.
    pub level: String,
    /// Warning grade 1–3.
    pub grade: i64,
    /// People involved.
    pub people: i64,
    /// Money at stake, yuan.
    pub money_yuan: f64,
    /// Urgency.
    pub urgency: String,
    /// Reported.
    pub reported_at: String,
    /// Stage of the loop.
    pub state: String,
    /// Responsible tier.
    pub tier: String,
    /// The unit it was dispatched to (code).
    pub unit: Option<String>,
    /// That unit's name (a sub-grid, community, street or department).
    pub unit_name: Option<String>,
    /// SMS notice sent.
    pub noticed_at: Option<String>,
    /// Citizen met.
    pub met_at: Option<String>,
    /// Handling reported done.
    pub resolved_at: Option<String>,
    /// Closed.
    pub closed_at: Option<String>,
    /// `resolved` / `unresolved` once closed.
    pub outcome: Option<String>,
    /// Escalations so far.
    pub escalations: i64,
    /// Optimistic version: send it back with every action.
    pub version: i64,
    /// Deadlines.
    pub deadlines: DeadlinesView,
}

/// A case's deadlines.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeadlinesView {
    /// SMS notice due.
    pub notice: String,
    /// Meeting due.
    pub meet: String,
    /// Resolution due.
    pub resolve: String,
}

/// One event of a case's timeline.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EventView {
    /// Version after it.
    pub version: i64,
    /// What happened.
    pub kind: String,
    /// State before.
    pub from_state: Option<String>,
    /// State after.
    pub to_state: String,
    /// Who.
    pub actor: String,
    /// When.
    pub at: String,
    /// Note.
    pub note: String,
    /// Detail (unit, outcome, tier, clock, order id…).
    pub detail: Option<String>,
}

/// A clock with its countdown.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ClockView {
    /// `notice`, `meet`, `resolve`, `order_arrive`, `order_resolve`.
    pub kind: String,
    /// For order clocks.
    pub order_id: Option<String>,
    /// `running`, `at_risk`, `met`, `breached`.
    pub status: String,
    /// Started.
    pub started_at: String,
    /// Due.
    pub due_at: String,
    /// Becomes at risk.
    pub at_risk_at: String,
    /// Met.
    pub met_at: Option<String>,
    /// Breached.
    pub breached_at: Option<String>,
    /// Seconds left until due (negative: overdue) while unmet; `None` once met.
    pub seconds_left: Option<i64>,
}

/// An order as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OrderView {
    /// Id.
    pub id: String,
    /// Case.
    pub case_id: String,
    /// `community` or `street`.
    pub issuer_tier: String,
    /// Issuing unit (code).
    pub issuer_unit: String,
    /// Its name.
    pub issuer_name: Option<String>,
    /// Who issued it.
    pub issued_by: String,
    /// Department (code).
    pub department: String,
    /// Its name.
    pub department_name: Option<String>,
    /// Leader rank.
    pub leader_rank: String,
    /// Issued.
    pub issued_at: String,
    /// Arrive by.
    pub arrive_by: String,
    /// Resolve by.
    pub resolve_by: String,
    /// Acknowledged.
    pub acknowledged_at: Option<String>,
    /// Arrived.
    pub arrived_at: Option<String>,
    /// Reported.
    pub reported_at: Option<String>,
    /// Result.
    pub result: Option<String>,
    /// Resolved, as reported.
    pub resolved: Option<bool>,
    /// `issued`, `acknowledged`, `arrived`, `reported`.
    pub state: String,
    /// Arrived late or not by the deadline.
    pub arrive_late: bool,
    /// Result late or not by the deadline.
    pub resolve_late: bool,
    /// Past a deadline still unmet (now).
    pub overdue: bool,
    /// Optimistic version.
    pub version: i64,
    /// What may be done next: `acknowledge`, `arrive` or `report`.
    pub actions: Vec<&'static str>,
}

/// A case near another.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NearView {
    /// The case (no personal data: only what a list row shows).
    pub id: String,
    /// Matter code.
    pub matter: String,
    /// Matter name.
    pub matter_name: String,
    /// Description.
    pub description: String,
    /// Channel.
    pub channel: String,
    /// Stage.
    pub state: String,
    /// Grade.
    pub grade: i64,
    /// Reported.
    pub reported_at: String,
    /// Longitude.
    pub lon: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Distance, metres (rounded).
    pub distance_m: f64,
    /// Minutes after (negative: before) the case it is near.
    pub minutes_apart: i64,
    /// For a possible duplicate: `confirmed`, `dismissed`, or none yet.
    pub decision: Option<&'static str>,
}

impl App {
    /// The place of a case, with names.
    pub(crate) fn place(&self, case: &Case) -> Option<Place> {
        let l = case.location.as_ref()?;
        let unit = |code: &str| UnitRef {
            code: code.to_string(),
            name: self.unit_name(code).unwrap_or_default(),
        };
        Some(Place {
            subgrid: unit(&l.subgrid_code),
            community: unit(&l.community_code),
            street: unit(&l.street_code),
            district: unit(&l.district_code),
        })
    }

    /// The name of a dispatch unit or department code.
    pub(crate) fn target_name(&self, code: &str) -> Option<String> {
        self.unit_name(code).or_else(|| self.department_name(code))
    }

    /// A case as `who` may see it.
    pub(crate) fn case_view(&self, case: &Case, show_personal: bool) -> CaseView {
        let reporter = if show_personal {
            Reporter {
                name: case.reporter_name.clone(),
                phone: case.reporter_phone.clone(),
                masked: false,
            }
        } else {
            Reporter {
                name: case.reporter_name.as_deref().map(mask_name),
                phone: case.reporter_phone.as_deref().map(mask_phone),
                masked: case.reporter_name.is_some() || case.reporter_phone.is_some(),
            }
        };
        let p = &case.progress;
        CaseView {
            id: case.id.clone(),
            channel: case.channel.as_str().to_string(),
            matter: case.matter.clone(),
            matter_name: self.matter_name(&case.matter),
            description: case.description.clone(),
            lon: case.lon,
            lat: case.lat,
            place: self.place(case),
            building_id: case.building_id.clone(),
            camera_id: case.camera_id.clone(),
            reporter,
            level: case.level.as_str().to_string(),
            grade: case.grade.get(),
            people: case.people,
            money_yuan: case.money_yuan,
            urgency: case.urgency.as_str().to_string(),
            reported_at: iso(case.reported_at),
            state: p.state.as_str().to_string(),
            tier: p.tier.as_str().to_string(),
            unit_name: p.unit.as_deref().and_then(|u| self.target_name(u)),
            unit: p.unit.clone(),
            noticed_at: iso_opt(p.noticed_at),
            met_at: iso_opt(p.met_at),
            resolved_at: iso_opt(p.resolved_at),
            closed_at: iso_opt(p.closed_at),
            outcome: p.outcome.map(|o| o.as_str().to_string()),
            escalations: p.escalations,
            version: p.version,
            deadlines: DeadlinesView {
                notice: iso(case.deadlines.notice),
                meet: iso(case.deadlines.meet),
                resolve: iso(case.deadlines.resolve),
            },
        }
    }

    /// A near case as a list row.
    pub(crate) fn near_view(&self, n: &Near) -> NearView {
        let c = &n.case;
        NearView {
            id: c.id.clone(),
            matter: c.matter.clone(),
            matter_name: self.matter_name(&c.matter),
            description: c.description.clone(),
            channel: c.channel.as_str().to_string(),
            state: c.progress.state.as_str().to_string(),
            grade: c.grade.get(),
            reported_at: iso(c.reported_at),
            lon: c.lon,
            lat: c.lat,
            distance_m: n.distance_m.round(),
            minutes_apart: n.minutes_apart,
            decision: n.decision.map(onemap::nearby::Decision::as_str),
        }
    }

    /// An order with its names, lateness and next actions.
    pub(crate) fn order_view(&self, o: &Order, now: Millis) -> OrderView {
        use onemap::orders::OrderState;
        let overdue = (o.arrived_at.is_none() && now > o.arrive_by)
            || (o.reported_at.is_none() && now > o.resolve_by);
        let actions = match o.state {
            OrderState::Issued => vec!["acknowledge"],
            OrderState::Acknowledged => vec!["arrive"],
            OrderState::Arrived => vec!["report"],
            OrderState::Reported => vec![],
        };
        OrderView {
            id: o.id.clone(),
            case_id: o.case_id.clone(),
            issuer_tier: o.issuer_tier.as_str().to_string(),
            issuer_name: self.unit_name(&o.issuer_unit),
            issuer_unit: o.issuer_unit.clone(),
            issued_by: o.issued_by.clone(),
            department_name: self.department_name(&o.department),
            department: o.department.clone(),
            leader_rank: o.leader_rank.as_str().to_string(),
            issued_at: iso(o.issued_at),
            arrive_by: iso(o.arrive_by),
            resolve_by: iso(o.resolve_by),
            acknowledged_at: iso_opt(o.acknowledged_at),
            arrived_at: iso_opt(o.arrived_at),
            reported_at: iso_opt(o.reported_at),
            result: o.result.clone(),
            resolved: o.resolved,
            state: o.state.as_str().to_string(),
            arrive_late: o.arrive_late,
            resolve_late: o.resolve_late,
            overdue,
            version: o.version,
            actions,
        }
    }
}

/// An event for the timeline.
pub(crate) fn event_view(e: &CaseEvent) -> EventView {
    EventView {
        version: e.version,
        kind: e.kind.clone(),
        from_state: e.from_state.map(|s| s.as_str().to_string()),
        to_state: e.to_state.as_str().to_string(),
        actor: e.actor.clone(),
        at: iso(e.at),
        note: e.note.clone(),
        detail: e.detail.clone(),
    }
}

/// A clock with its countdown at `now`.
pub(crate) fn clock_view(k: &SlaClock, now: Millis) -> ClockView {
    ClockView {
        kind: k.kind.as_str().to_string(),
        order_id: k.order_id.clone(),
        status: k.status.as_str().to_string(),
        started_at: iso(k.started_at),
        due_at: iso(k.due_at),
        at_risk_at: iso(k.at_risk_at),
        met_at: iso_opt(k.met_at),
        breached_at: iso_opt(k.breached_at),
        seconds_left: k
            .met_at
            .is_none()
            .then(|| (k.due_at - now).div_euclid(1000)),
    }
}

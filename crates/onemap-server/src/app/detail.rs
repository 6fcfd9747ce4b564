//! Case detail: everything an operator needs on one case, and the actions its stage allows.

use onemap::access::Principal;
use onemap::audit::Outcome;
use onemap::cases::Case;
use onemap::lifecycle::Step;
use onemap::model::{Outcome as CaseOutcome, State};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::views::{ClockView, EventView, NearView, OrderView, clock_view, event_view, iso};
use super::{App, AppResult, CaseView};

/// How far around a case the detail looks for other open cases, metres.
pub const NEARBY_RADIUS_M: f64 = 500.0;

/// An action the current stage of a case allows (and the caller's role may take).
pub type ActionName = &'static str;

/// The nearest station of a service.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NearestStation {
    /// `appeal`, `legal`, `psych`.
    pub service: &'static str,
    /// Station id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Level (`district_hall`, …, `subgrid_station`).
    pub level: String,
    /// Distance, metres (rounded).
    pub distance_m: f64,
    /// The station's longitude (the map draws a line to it).
    pub lon: f64,
    /// Its latitude.
    pub lat: f64,
}

/// A camera alert merged into a case.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AlertView {
    /// Camera.
    pub camera_id: String,
    /// Event type.
    pub event_type: String,
    /// Seen at.
    pub at: String,
}

/// Everything about one case.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseDetail {
    /// `case` (the map's popups switch on it).
    pub kind: &'static str,
    /// Longitude (the map's popup).
    pub lon: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// The map's popup fields (no personal data).
    pub properties: Map<String, Value>,
    /// Where it lies, with names (the map's popup).
    pub location: Option<super::Place>,
    /// The server's time.
    pub now: String,
    /// The case.
    pub case: CaseView,
    /// Its timeline, oldest first.
    pub events: Vec<EventView>,
    /// Its clocks with countdowns.
    pub clocks: Vec<ClockView>,
    /// Its department orders.
    pub orders: Vec<OrderView>,
    /// Camera alerts merged into it.
    pub camera_alerts: Vec<AlertView>,
    /// The nearest station of each service.
    pub nearest_stations: Vec<NearestStation>,
    /// Other open cases within 500 m, nearest first.
    pub nearby: Vec<NearView>,
    /// Possible duplicates (same matter within 50 m and 2 hours) with decisions.
    pub duplicates: Vec<NearView>,
    /// What may be done now: steps of the loop (`dispatch`, `accept`, `submit`, `correct`,
    /// `approve`, `reject`, `reopen`, `notice`, `meet`, `escalate`), `issue_order`,
    /// `decide_duplicate`.
    pub actions: Vec<ActionName>,
}

impl App {
    /// One case in full, as `who` may see it. Showing the reporter's name and phone (to the
    /// roles that may see them) is audited before the answer goes out; so is every refusal.
    ///
    /// # Errors
    /// `not_found`; `forbidden` for a case outside a street operator's street.
    pub async fn case_detail(&self, who: &Principal, id: &str) -> AppResult<CaseDetail> {
        let case = self.inner.store.case(id).await?;
        let target = format!("case:{id}");
        self.require_street(
            who,
            "case.view",
            &target,
            case.location.as_ref().map(|l| l.street_code.as_str()),
        )
        .await?;
        let personal = case.reporter_name.is_some() || case.reporter_phone.is_some();
        let show = who.role.sees_personal_data();
        let detail = self.detail_of(who, case, show).await?;
        let what = match (personal, show) {
            (false, _) => "no personal data on the case",
            (true, true) => "personal data shown: reporter name and phone",
            (true, false) => "personal data masked",
        };
        self.audit(who, "case.view", target, Outcome::Ok, what)
            .await?;
        Ok(detail)
    }

    /// The detail of a case already read and checked (after an action, or for a conflict).
    pub(crate) async fn detail_of(
        &self,
        who: &Principal,
        case: Case,
        show_personal: bool,
    ) -> AppResult<CaseDetail> {
        let store = &self.inner.store;
        let now = store.now();
        let events = store.events(&case.id).await?;
        let clocks = store.clocks(&case.id).await?;
        let orders = store.orders_of_case(&case.id).await?;
        let alerts = store.camera_alerts_of(&case.id).await?;
        // Cases near this one may lie across a street's edge: a street operator sees only
        // those of its own street, among the nearby and among the possible duplicates alike.
        let visible = |n: &onemap::nearby::Near| {
            who.sees_street(n.case.location.as_ref().map(|l| l.street_code.as_str()))
        };
        let duplicates: Vec<_> = store
            .possible_duplicates(&case)
            .await?
            .into_iter()
            .filter(visible)
            .collect();
        let (nearby, nearest) = match (case.lon, case.lat) {
            (Some(lon), Some(lat)) => {
                let near = store
                    .open_cases_near(lon, lat, NEARBY_RADIUS_M, 21)
                    .await?
                    .into_iter()
                    .filter(|n| n.case.id != case.id)
                    .filter(visible)
                    .take(20)
                    .collect::<Vec<_>>();
                (near, self.nearest_stations(lon, lat))
            }
            _ => (Vec::new(), Vec::new()),
        };
        let actions = self.allowed_actions(who, &case, !duplicates.is_empty());
        let view = self.case_view(&case, show_personal);
        let mut properties = Map::new();
        for (k, v) in [
            ("id", json!(case.id)),
            ("matter", json!(case.matter)),
            ("matter_name", json!(view.matter_name)),
            ("description", json!(case.description)),
            ("channel", json!(case.channel.as_str())),
            ("level", json!(case.level.as_str())),
            ("grade", json!(case.grade.get())),
            ("people", json!(case.people)),
            ("reported_at", json!(iso(case.reported_at))),
            ("state", json!(case.progress.state.as_str())),
            (
                "outcome",
                json!(case.progress.outcome.map_or("open", CaseOutcome::as_str)),
            ),
        ] {
            properties.insert(k.to_string(), v);
        }
        if let Some(l) = &case.location {
            properties.insert("subgrid_code".into(), json!(l.subgrid_code));
        }
        Ok(CaseDetail {
            kind: "case",
            lon: case.lon,
            lat: case.lat,
            properties,
            location: view.place.clone(),
            now: iso(now),
            events: events.iter().map(event_view).collect(),
            clocks: clocks.iter().map(|k| clock_view(k, now)).collect(),
            orders: orders.iter().map(|o| self.order_view(o, now)).collect(),
            camera_alerts: alerts
                .iter()
                .map(|a| AlertView {
                    camera_id: a.camera_id.clone(),
                    event_type: a.event_type.clone(),
                    at: iso(a.at),
                })
                .collect(),
            nearest_stations: nearest,
            nearby: nearby.iter().map(|n| self.near_view(n)).collect(),
            duplicates: duplicates.iter().map(|n| self.near_view(n)).collect(),
            actions,
            case: view,
        })
    }

    /// The loop's steps legal from the case's state, if `who` may act on it at all.
    fn allowed_actions(
        &self,
        who: &Principal,
        case: &Case,
        has_duplicates: bool,
    ) -> Vec<ActionName> {
        if !who.role.acts_on_cases()
            || !who.sees_street(case.location.as_ref().map(|l| l.street_code.as_str()))
        {
            return Vec::new();
        }
        let mut out: Vec<ActionName> = Step::all()
            .iter()
            .filter(|s| case.progress.check(case.level, s).is_ok())
            .map(|s| match s {
                Step::Dispatch { .. } => "dispatch",
                Step::Accept => "accept",
                Step::Submit => "submit",
                Step::Correct => "correct",
                Step::Approve { .. } => "approve",
                Step::Reject => "reject",
                Step::Reopen => "reopen",
                Step::Notice => "notice",
                Step::Meet => "meet",
                Step::Escalate => "escalate",
            })
            .collect();
        if case.progress.state != State::Closed {
            out.push("issue_order");
        }
        if has_duplicates {
            out.push("decide_duplicate");
        }
        out
    }
}

//! Cases: intake, the steps of the loop, and reading cases and their events.
//!
//! Every write goes through one path ([`Store::commit`]): take the case's write lock with a
//! version-guarded `UPDATE` (a stale version is a [`Error::Conflict`], never a silent
//! overwrite), check the step against the loop, fold the event into the projection, append the
//! event, apply the step's side effects on clocks and orders, announce the change, commit, and
//! publish it on the bus.

use serde::Serialize;
use sqlx::Row;

use crate::bus::ChangeKind;
use crate::clocks::{ClockKind, Deadlines};
use crate::error::{Error, Result};
use crate::lifecycle::{Progress, Step, step_detail};
use crate::locate::Location;
use crate::model::{Channel, Grade, Level, Outcome, State, Tier, Urgency};
use crate::orders::Order;
use crate::store::{Engine, Store, notify, with_db};
use crate::time::{Millis, format_instant};

/// A case as filed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    /// How it came in.
    pub channel: Channel,
    /// Matter code from the catalogue (`M001` …).
    pub matter: String,
    /// What the citizen says.
    pub description: String,
    /// Where (WGS84), when known.
    pub lon: Option<f64>,
    /// Where (WGS84), when known.
    pub lat: Option<f64>,
    /// The sub-grid, when the channel knows it (a patrol, a building's QR code); otherwise the
    /// case is located from `lon`/`lat`.
    pub subgrid_code: Option<String>,
    /// The building, when filed from its QR code or located on one.
    pub building_id: Option<String>,
    /// The camera, for camera AI alerts.
    pub camera_id: Option<String>,
    /// Reporter's name (personal data).
    pub reporter_name: Option<String>,
    /// Reporter's phone (personal data).
    pub reporter_phone: Option<String>,
    /// Handling level; the matter's default when `None`.
    pub level: Option<Level>,
    /// People involved.
    pub people: i64,
    /// Money at stake, yuan.
    pub money_yuan: f64,
    /// Urgency as judged at intake.
    pub urgency: Urgency,
    /// Who files it (operator, patrol member, `hotline`, `camera-ai`).
    pub actor: String,
    /// For a camera AI alert: the alert, recorded with the case in the same transaction.
    pub camera_event: Option<crate::camera::CameraEvent>,
}

impl NewCase {
    /// A minimal case: the rest empty, one person, no money, normal urgency.
    pub fn new(channel: Channel, matter: &str, description: &str, actor: &str) -> NewCase {
        NewCase {
            channel,
            matter: matter.to_string(),
            description: description.to_string(),
            lon: None,
            lat: None,
            subgrid_code: None,
            building_id: None,
            camera_id: None,
            reporter_name: None,
            reporter_phone: None,
            level: None,
            people: 1,
            money_yuan: 0.0,
            urgency: Urgency::Normal,
            actor: actor.to_string(),
            camera_event: None,
        }
    }
}

/// A stored case: what was filed plus its [`Progress`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    /// Stable id (`GM-2026-000123`).
    pub id: String,
    /// How it came in.
    pub channel: Channel,
    /// Matter code.
    pub matter: String,
    /// Description.
    pub description: String,
    /// Longitude, WGS84.
    pub lon: Option<f64>,
    /// Latitude, WGS84.
    pub lat: Option<f64>,
    /// Where it lies; `None` when it could not be located.
    pub location: Option<Location>,
    /// Building.
    pub building_id: Option<String>,
    /// Camera.
    pub camera_id: Option<String>,
    /// Reporter's name (personal data: never on a leaders' screen).
    pub reporter_name: Option<String>,
    /// Reporter's phone (personal data).
    pub reporter_phone: Option<String>,
    /// Handling level.
    pub level: Level,
    /// Warning grade.
    pub grade: Grade,
    /// People involved.
    pub people: i64,
    /// Money at stake, yuan.
    pub money_yuan: f64,
    /// Urgency.
    pub urgency: Urgency,
    /// When reported.
    pub reported_at: Millis,
    /// The case's deadlines.
    pub deadlines: Deadlines,
    /// The projection of its events.
    pub progress: Progress,
}

/// One appended event of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseEvent {
    /// The case's version after this event (1 for `reported`).
    pub version: i64,
    /// What happened (`reported`, `dispatched`, `clock_breached`, `order_issued`, ...).
    pub kind: String,
    /// State before (`None` for `reported`).
    pub from_state: Option<State>,
    /// State after.
    pub to_state: State,
    /// Who did it (`scheduler` for the clocks).
    pub actor: String,
    /// When.
    pub at: Millis,
    /// Free text.
    pub note: String,
    /// Step detail: dispatch unit, outcome, new tier, clock kind, order id.
    pub detail: Option<String>,
}

/// What an event does besides moving the case.
#[derive(Debug, Clone)]
pub(crate) enum Effect {
    /// Mark a clock met (keeps `breached` if it was).
    ClockMet { kind: ClockKind, order_id: String },
    /// Re-open a clock: running again from `started` with new deadlines.
    ClockRestart {
        kind: ClockKind,
        started: Millis,
        due: Millis,
        at_risk: Millis,
    },
    /// Re-open a met clock without moving its deadline.
    ClockUnmet { kind: ClockKind },
    /// Start a clock.
    ClockStart {
        kind: ClockKind,
        order_id: String,
        started: Millis,
        due: Millis,
        at_risk: Millis,
    },
    /// Claim a clock's transition (`running` → `at_risk`, or → `breached`); if another seat
    /// claimed it first the whole event is dropped.
    ClockClaim {
        id: i64,
        from: &'static [&'static str],
        to: &'static str,
        at: Millis,
    },
    /// Insert an order.
    OrderInsert(Box<Order>),
    /// Update an order guarded by its previous version.
    OrderUpdate(Box<Order>),
    /// Record a department's lateness on an order.
    OrderLate { order_id: String, arrive: bool },
    /// Move the resolve deadline stored on the case.
    CaseResolveDue(Millis),
    /// Store an operator's decision on a possible duplicate (`case_id` < `other_id`).
    LinkDecision {
        case_id: String,
        other_id: String,
        decision: &'static str,
        actor: String,
    },
    /// Record a camera AI alert merged into the case.
    CameraAlert(crate::camera::CameraEvent),
    /// Record that an operator acknowledged the breach alarm of a clock.
    AlarmAck {
        kind: ClockKind,
        order_id: String,
        breached_at: Millis,
        actor: String,
    },
}

/// What to append.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// A step of the loop.
    Step(Step),
    /// A system event that does not move the case (clocks, orders).
    Note {
        kind: &'static str,
        detail: Option<String>,
    },
}

macro_rules! case_from_row {
    ($r:expr) => {{
        let r = $r;
        let sub: Option<String> = r.try_get("subgrid_code")?;
        Case {
            id: r.try_get("id")?,
            channel: Channel::parse(&r.try_get::<String, _>("channel")?)?,
            matter: r.try_get("matter")?,
            description: r.try_get("description")?,
            lon: r.try_get("lon")?,
            lat: r.try_get("lat")?,
            location: sub.as_deref().and_then(Location::from_subgrid_code),
            building_id: r.try_get("building_id")?,
            camera_id: r.try_get("camera_id")?,
            reporter_name: r.try_get("reporter_name")?,
            reporter_phone: r.try_get("reporter_phone")?,
            level: Level::parse(&r.try_get::<String, _>("level")?)?,
            grade: Grade::new(r.try_get("grade")?)?,
            people: r.try_get("people")?,
            money_yuan: r.try_get("money_yuan")?,
            urgency: Urgency::parse(&r.try_get::<String, _>("urgency")?)?,
            reported_at: r.try_get("reported_at")?,
            deadlines: Deadlines {
                notice: r.try_get("notice_due")?,
                meet: r.try_get("meet_due")?,
                resolve: r.try_get("resolve_due")?,
            },
            progress: Progress {
                state: State::parse(&r.try_get::<String, _>("state")?)?,
                tier: Tier::parse(&r.try_get::<String, _>("tier")?)?,
                unit: r.try_get("unit")?,
                noticed_at: r.try_get("noticed_at")?,
                met_at: r.try_get("met_at")?,
                resolved_at: r.try_get("resolved_at")?,
                closed_at: r.try_get("closed_at")?,
                outcome: r
                    .try_get::<Option<String>, _>("outcome")?
                    .map(|o| Outcome::parse(&o))
                    .transpose()?,
                escalations: r.try_get("escalations")?,
                version: r.try_get("version")?,
            },
        }
    }};
}

pub(crate) use case_from_row;

const INSERT_EVENT: &str = "INSERT INTO case_events (case_id, version, kind, from_state, \
    to_state, actor, at, note, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

impl Store {
    /// Files a case: validates, locates, grades, starts its clocks, and commits it with its
    /// `reported` event. Returns the stored case once it is durable.
    pub async fn intake(&self, new: NewCase) -> Result<Case> {
        if new.description.trim().is_empty() {
            return Err(Error::invalid("a case needs a description"));
        }
        if new.people < 0 || new.money_yuan.is_nan() || new.money_yuan < 0.0 {
            return Err(Error::invalid(
                "people involved and money at stake cannot be negative",
            ));
        }
        if new.actor.trim().is_empty() {
            return Err(Error::invalid("a case needs the actor who files it"));
        }
        let location = match (&new.subgrid_code, new.lon, new.lat) {
            (Some(code), _, _) => Some(Location::from_subgrid_code(code).ok_or_else(|| {
                Error::invalid(format!("{code:?} is not a sub-grid code (15 digits)"))
            })?),
            (None, Some(lon), Some(lat)) => {
                if !(lon.is_finite()
                    && lat.is_finite()
                    && (-180.0..=180.0).contains(&lon)
                    && (-90.0..=90.0).contains(&lat))
                {
                    return Err(Error::invalid(format!(
                        "({lon}, {lat}) is not a WGS84 longitude/latitude"
                    )));
                }
                self.locator().locate(lon, lat)
            }
            (None, None, None) => None,
            _ => {
                return Err(Error::invalid(
                    "give both longitude and latitude, or neither",
                ));
            }
        };
        let matter = self.matter(&new.matter).await?;
        let now = self.now();
        let level = new.level.unwrap_or(matter.default_level);
        let grade = self
            .inner
            .thresholds
            .grade(new.people, new.money_yuan, new.urgency);
        let tier = Tier::for_level(level);
        let deadlines = Deadlines::for_matter(&matter, now);
        let mut progress = Progress::empty(tier);
        progress.apply("reported", State::Reported, Some(tier.as_str()), now);
        let mut case = Case {
            id: String::new(),
            channel: new.channel,
            matter: new.matter,
            description: new.description,
            lon: new.lon,
            lat: new.lat,
            location,
            building_id: new.building_id,
            camera_id: new.camera_id,
            reporter_name: new.reporter_name,
            reporter_phone: new.reporter_phone,
            level,
            grade,
            people: new.people,
            money_yuan: new.money_yuan,
            urgency: new.urgency,
            reported_at: now,
            deadlines,
            progress,
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = crate::intake::Job {
            note: format!("{} via {}", matter.name, case.channel),
            case,
            actor: new.actor,
            camera_event: new.camera_event,
            at_risk_fraction: self.inner.at_risk_fraction,
            reply,
        };
        let gone = || Error::invalid("the store is closing; the case was not taken");
        let job_case = job.case.clone();
        self.inner.writer.send(job).await.map_err(|_| gone())?;
        case = job_case;
        case.id = answer.await.map_err(|_| gone())??;
        Ok(case)
    }

    /// Takes one step of the loop on a case the caller saw at `version`.
    ///
    /// Refused with [`Error::Conflict`] if the case has moved on since, with
    /// [`Error::IllegalTransition`] if the loop does not allow the step from its state.
    pub async fn step(
        &self,
        case_id: &str,
        version: i64,
        step: Step,
        actor: &str,
        note: &str,
    ) -> Result<Case> {
        if actor.trim().is_empty() {
            return Err(Error::invalid("every step needs its actor"));
        }
        if let Step::Dispatch { unit } = &step
            && unit.trim().is_empty()
        {
            return Err(Error::invalid("dispatch needs the unit it goes to"));
        }
        let now = self.now();
        let effects = match &step {
            Step::Notice => vec![Effect::ClockMet {
                kind: ClockKind::Notice,
                order_id: String::new(),
            }],
            Step::Meet => vec![Effect::ClockMet {
                kind: ClockKind::Meet,
                order_id: String::new(),
            }],
            Step::Submit | Step::Correct => vec![Effect::ClockMet {
                kind: ClockKind::Resolve,
                order_id: String::new(),
            }],
            Step::Reject => vec![Effect::ClockUnmet {
                kind: ClockKind::Resolve,
            }],
            Step::Reopen => {
                let matter = self.matter_of_case(case_id).await?;
                let due = Deadlines::for_matter(&matter, now).resolve;
                vec![
                    Effect::ClockRestart {
                        kind: ClockKind::Resolve,
                        started: now,
                        due,
                        at_risk: crate::clocks::at_risk_at(now, due, self.inner.at_risk_fraction),
                    },
                    Effect::CaseResolveDue(due),
                ]
            }
            _ => vec![],
        };
        self.commit(
            case_id,
            Some(version),
            Action::Step(step),
            actor,
            note,
            effects,
        )
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "case",
            id: case_id.to_string(),
        })
    }

    /// The one write path of a case event. `version: None` appends at whatever the current
    /// version is (system events). Returns `None` when a clock claim was lost to another seat.
    pub(crate) async fn commit(
        &self,
        case_id: &str,
        version: Option<i64>,
        action: Action,
        actor: &str,
        note: &str,
        effects: Vec<Effect>,
    ) -> Result<Option<Case>> {
        let now = self.now();
        let guard = version.unwrap_or(-1);
        let result = with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            let locked = sqlx::query(
                "UPDATE cases SET version = version + 1, updated_at = $3 \
                 WHERE id = $1 AND ($2 < 0 OR version = $2)",
            )
            .bind(case_id)
            .bind(guard)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if locked == 0 {
                let actual: Option<i64> = sqlx::query("SELECT version FROM cases WHERE id = $1")
                    .bind(case_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?;
                tx.rollback().await?;
                return Err(match actual {
                    None => Error::NotFound {
                        what: "case",
                        id: case_id.to_string(),
                    },
                    Some(actual) => Error::Conflict {
                        what: "case",
                        id: case_id.to_string(),
                        expected: guard,
                        actual,
                    },
                });
            }
            let row = sqlx::query("SELECT * FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_one(&mut *tx)
                .await?;
            let mut case = case_from_row!(&row);
            case.progress.version -= 1;
            let before = case.progress.clone();
            let (kind, to, detail) = match &action {
                Action::Step(step) => match before.check(case.level, step) {
                    Ok(to) => (step.event_kind(), to, step_detail(&before, step)),
                    Err(why) => {
                        tx.rollback().await?;
                        return Err(Error::IllegalTransition {
                            case_id: case_id.to_string(),
                            action: step.verb(),
                            state: before.state.as_str(),
                            why,
                        });
                    }
                },
                Action::Note { kind, detail } => (*kind, before.state, detail.clone()),
            };
            for effect in &effects {
                if !crate::clocks::apply_effect!(p, tx, case_id, effect, now) {
                    tx.rollback().await?;
                    return Ok(None);
                }
            }
            case.progress.apply(kind, to, detail.as_deref(), now);
            let pr = &case.progress;
            sqlx::query(
                "UPDATE cases SET state = $2, tier = $3, unit = $4, noticed_at = $5, \
                 met_at = $6, resolved_at = $7, closed_at = $8, outcome = $9, \
                 escalations = $10 WHERE id = $1",
            )
            .bind(case_id)
            .bind(pr.state.as_str())
            .bind(pr.tier.as_str())
            .bind(&pr.unit)
            .bind(pr.noticed_at)
            .bind(pr.met_at)
            .bind(pr.resolved_at)
            .bind(pr.closed_at)
            .bind(pr.outcome.map(Outcome::as_str))
            .bind(pr.escalations)
            .execute(&mut *tx)
            .await?;
            if let Some(Effect::CaseResolveDue(due)) = effects
                .iter()
                .find(|e| matches!(e, Effect::CaseResolveDue(_)))
            {
                case.deadlines.resolve = *due;
            }
            sqlx::query(INSERT_EVENT)
                .bind(case_id)
                .bind(pr.version)
                .bind(kind)
                .bind(before.state.as_str())
                .bind(pr.state.as_str())
                .bind(actor)
                .bind(now)
                .bind(note)
                .bind(&detail)
                .execute(&mut *tx)
                .await?;
            let change = self.change(ChangeKind::Case, case_id, kind, pr.version);
            notify!(p, tx, change);
            tx.commit().await?;
            Some((case, kind))
        });
        Ok(result.map(|(case, kind)| {
            self.publish(self.change(ChangeKind::Case, case_id, kind, case.progress.version));
            case
        }))
    }

    /// One case.
    pub async fn case(&self, id: &str) -> Result<Case> {
        let case = with_db!(&self.inner.db, |p| {
            match sqlx::query("SELECT * FROM cases WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
            {
                Some(r) => Some(case_from_row!(&r)),
                None => None,
            }
        });
        case.ok_or_else(|| Error::NotFound {
            what: "case",
            id: id.to_string(),
        })
    }

    /// The events of a case, oldest first.
    pub async fn events(&self, id: &str) -> Result<Vec<CaseEvent>> {
        with_db!(&self.inner.db, |p| {
            let rows = sqlx::query(
                "SELECT version, kind, from_state, to_state, actor, at, note, detail \
                 FROM case_events WHERE case_id = $1 ORDER BY version",
            )
            .bind(id)
            .fetch_all(p)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(CaseEvent {
                        version: r.try_get("version")?,
                        kind: r.try_get("kind")?,
                        from_state: r
                            .try_get::<Option<String>, _>("from_state")?
                            .map(|s| State::parse(&s))
                            .transpose()?,
                        to_state: State::parse(&r.try_get::<String, _>("to_state")?)?,
                        actor: r.try_get("actor")?,
                        at: r.try_get("at")?,
                        note: r.try_get("note")?,
                        detail: r.try_get("detail")?,
                    })
                })
                .collect()
        })
    }

    /// Rebuilds a case's progress from its events alone (the row must equal it).
    pub async fn replay(&self, id: &str) -> Result<Progress> {
        let case = self.case(id).await?;
        let first_tier = Tier::for_level(case.level);
        let mut p = Progress::empty(first_tier);
        for e in self.events(id).await? {
            p.apply(&e.kind, e.to_state, e.detail.as_deref(), e.at);
        }
        Ok(p)
    }

    /// Open (not closed) cases, most recent first, at most `limit`.
    pub async fn open_cases(&self, limit: i64) -> Result<Vec<Case>> {
        Ok(with_db!(&self.inner.db, |p| {
            let rows = sqlx::query(
                "SELECT * FROM cases WHERE state <> 'closed' ORDER BY reported_at DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(case_from_row!(r));
            }
            out
        }))
    }

    /// Number of cases stored.
    pub async fn case_count(&self) -> Result<i64> {
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT COUNT(*) FROM cases")
                .fetch_one(p)
                .await?
                .try_get::<i64, _>(0)?
        }))
    }
}

/// Formats a case for a log line, without personal data.
pub fn summary(c: &Case) -> String {
    format!(
        "{} {} {} {} grade {} reported {}",
        c.id,
        c.channel,
        c.matter,
        c.progress.state,
        c.grade.get(),
        format_instant(c.reported_at)
    )
}

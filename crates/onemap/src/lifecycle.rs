//! The closed loop (一张网) as an explicit state machine, with no I/O.
//!
//! ```text
//!            dispatch          accept            submit            approve
//!  reported ─────────► dispatched ─────► handling ─────────► review ─────────► closed
//!     │  ▲                                   ▲                 │  │               │
//!     │  └──────────────── reopen ───────────┼─────────────────┼──┼───────────────┘
//!     │                                      └──── reject ─────┘  │
//!     └──────────── correct (L1 only: the patrol fixed it on the spot) ──►┘
//! ```
//!
//! Besides the state changes, an open case records the SMS notice (`notice`, once), the meeting
//! with the citizen (`meet`, once) and escalation one tier up (`escalate`, until the district).
//! A rejected case goes back to handling by the same unit (for an L1 case, the patrol); a reopened
//! case goes back to `reported` so that it can be dispatched afresh, possibly elsewhere.
//!
//! Every step is an appended event; [`Progress`] is the projection of those events that the
//! case row stores, and [`Progress::apply`] is the fold that rebuilds it.

use serde::{Deserialize, Serialize};

use crate::model::{Level, Outcome, State, Tier};
use crate::time::Millis;

/// A step an operator (or the system) takes on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Dispatch (分拨) a reported case to a handling unit.
    Dispatch {
        /// The unit: a sub-grid, community, street or department name or code.
        unit: String,
    },
    /// The unit takes the case up and starts handling (处置).
    Accept,
    /// The unit reports it handled; the case goes to review.
    Submit,
    /// An L1 case corrected on the spot by the patrol (巡纠): straight to review.
    Correct,
    /// The review (复核) accepts the handling and closes the case.
    Approve {
        /// How it ended.
        outcome: Outcome,
    },
    /// The review sends the case back to handling.
    Reject,
    /// A closed case is reopened (the citizen is not satisfied, or it recurred).
    Reopen,
    /// The SMS notice to the citizen was sent.
    Notice,
    /// The handler met the citizen.
    Meet,
    /// Escalate one tier up (community → street → district).
    Escalate,
}

impl Step {
    /// The verb, as used in errors ("cannot dispatch a case that is closed").
    pub fn verb(&self) -> &'static str {
        match self {
            Step::Dispatch { .. } => "dispatch",
            Step::Accept => "accept",
            Step::Submit => "submit",
            Step::Correct => "correct on the spot",
            Step::Approve { .. } => "approve",
            Step::Reject => "reject",
            Step::Reopen => "reopen",
            Step::Notice => "send the SMS notice for",
            Step::Meet => "record the meeting for",
            Step::Escalate => "escalate",
        }
    }

    /// The event kind this step appends.
    pub fn event_kind(&self) -> &'static str {
        match self {
            Step::Dispatch { .. } => "dispatched",
            Step::Accept => "accepted",
            Step::Submit => "submitted",
            Step::Correct => "corrected",
            Step::Approve { .. } => "approved",
            Step::Reject => "rejected",
            Step::Reopen => "reopened",
            Step::Notice => "noticed",
            Step::Meet => "met",
            Step::Escalate => "escalated",
        }
    }

    /// One of each step, for exhaustive tests.
    pub fn all() -> Vec<Step> {
        vec![
            Step::Dispatch {
                unit: "community".into(),
            },
            Step::Accept,
            Step::Submit,
            Step::Correct,
            Step::Approve {
                outcome: Outcome::Resolved,
            },
            Step::Reject,
            Step::Reopen,
            Step::Notice,
            Step::Meet,
            Step::Escalate,
        ]
    }
}

/// The mutable part of a case: the projection of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Where it is in the loop.
    pub state: State,
    /// Who is responsible.
    pub tier: Tier,
    /// The unit it was last dispatched to.
    pub unit: Option<String>,
    /// When the SMS notice was sent.
    pub noticed_at: Option<Millis>,
    /// When the citizen was met.
    pub met_at: Option<Millis>,
    /// When the handling was last reported done (submit or on-the-spot correction).
    pub resolved_at: Option<Millis>,
    /// When the review closed it.
    pub closed_at: Option<Millis>,
    /// How it ended, once closed.
    pub outcome: Option<Outcome>,
    /// How many times it was escalated.
    pub escalations: i64,
    /// Number of events so far; the optimistic version.
    pub version: i64,
}

impl Progress {
    /// The progress of a case just reported at `tier`, before its first event is applied.
    pub fn empty(tier: Tier) -> Progress {
        Progress {
            state: State::Reported,
            tier,
            unit: None,
            noticed_at: None,
            met_at: None,
            resolved_at: None,
            closed_at: None,
            outcome: None,
            escalations: 0,
            version: 0,
        }
    }

    /// Checks `step` against the loop and returns the state it leads to, or why it may not.
    pub fn check(&self, level: Level, step: &Step) -> Result<State, String> {
        use State::*;
        let s = self.state;
        let open = s != Closed;
        let illegal = |why: &str| Err(why.to_string());
        match step {
            Step::Dispatch { .. } if s == Reported => Ok(Dispatched),
            Step::Accept if s == Dispatched => Ok(Handling),
            Step::Submit if s == Handling => Ok(Review),
            Step::Correct if s == Reported && level == Level::L1 => Ok(Review),
            Step::Correct if s == Reported => illegal(&format!(
                ": only L1 cases are corrected on the spot, this one is {level}"
            )),
            Step::Approve { .. } if s == Review => Ok(Closed),
            Step::Reject if s == Review => Ok(Handling),
            Step::Reopen if s == Closed => Ok(Reported),
            Step::Notice if open && self.noticed_at.is_none() => Ok(s),
            Step::Notice if open => illegal(": the SMS notice was already sent"),
            Step::Meet if open && self.met_at.is_none() => Ok(s),
            Step::Meet if open => illegal(": the meeting was already recorded"),
            Step::Escalate if open && self.tier.up().is_some() => Ok(s),
            Step::Escalate if open => illegal(": it is already at the district, the top tier"),
            _ => illegal(""),
        }
    }

    /// Folds one event into the projection.
    pub fn apply(&mut self, kind: &str, to_state: State, detail: Option<&str>, at: Millis) {
        self.state = to_state;
        self.version += 1;
        match kind {
            "reported" => {
                if let Some(t) = detail.and_then(|d| Tier::parse(d).ok()) {
                    self.tier = t;
                }
            }
            "dispatched" => self.unit = detail.map(str::to_string),
            "submitted" | "corrected" => self.resolved_at = Some(at),
            "approved" => {
                self.closed_at = Some(at);
                self.outcome = detail.and_then(|d| Outcome::parse(d).ok());
            }
            "rejected" => self.resolved_at = None,
            "reopened" => {
                self.resolved_at = None;
                self.closed_at = None;
                self.outcome = None;
            }
            "noticed" => self.noticed_at = Some(at),
            "met" => self.met_at = Some(at),
            "escalated" => {
                if let Some(t) = detail.and_then(|d| Tier::parse(d).ok()) {
                    self.tier = t;
                }
                self.escalations += 1;
            }
            _ => {}
        }
    }
}

/// The detail an event of `step` records, given the progress before it.
pub(crate) fn step_detail(p: &Progress, step: &Step) -> Option<String> {
    match step {
        Step::Dispatch { unit } => Some(unit.clone()),
        Step::Approve { outcome } => Some(outcome.as_str().to_string()),
        Step::Escalate => p.tier.up().map(|t| t.as_str().to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(state: State) -> Progress {
        Progress {
            state,
            ..Progress::empty(Tier::Community)
        }
    }

    #[test]
    fn the_legal_table_is_exactly_the_documented_loop() {
        use State::*;
        let mut legal = Vec::new();
        for level in Level::ALL {
            for state in State::ALL {
                for step in Step::all() {
                    if let Ok(to) = at(*state).check(*level, &step) {
                        legal.push((level.as_str(), state.as_str(), step.event_kind(), to));
                    }
                }
            }
        }
        let mut expected = Vec::new();
        for level in Level::ALL {
            let l = level.as_str();
            expected.push((l, "reported", "dispatched", Dispatched));
            if *level == Level::L1 {
                expected.push((l, "reported", "corrected", Review));
            }
            for s in [Reported, Dispatched, Handling, Review] {
                expected.push((l, s.as_str(), "noticed", s));
                expected.push((l, s.as_str(), "met", s));
                expected.push((l, s.as_str(), "escalated", s));
            }
            expected.push((l, "dispatched", "accepted", Handling));
            expected.push((l, "handling", "submitted", Review));
            expected.push((l, "review", "approved", Closed));
            expected.push((l, "review", "rejected", Handling));
            expected.push((l, "closed", "reopened", Reported));
        }
        legal.sort();
        expected.sort();
        assert_eq!(legal, expected);
    }

    #[test]
    fn notice_meeting_and_escalation_are_refused_once_used_up() {
        let mut p = at(State::Handling);
        p.noticed_at = Some(1);
        p.met_at = Some(2);
        p.tier = Tier::District;
        for step in [Step::Notice, Step::Meet, Step::Escalate] {
            let why = p.check(Level::L2, &step).expect_err("refused");
            assert!(!why.is_empty(), "{step:?} should say why");
        }
    }

    #[test]
    fn folding_a_full_loop_gives_a_closed_resolved_case() {
        let mut p = Progress::empty(Tier::Community);
        p.apply("reported", State::Reported, Some("community"), 0);
        p.apply("noticed", State::Reported, None, 5);
        p.apply("dispatched", State::Dispatched, Some("光明社区"), 6);
        p.apply("accepted", State::Handling, None, 7);
        p.apply("met", State::Handling, None, 20);
        p.apply("escalated", State::Handling, Some("street"), 30);
        p.apply("submitted", State::Review, None, 40);
        p.apply("approved", State::Closed, Some("resolved"), 50);
        assert_eq!(p.state, State::Closed);
        assert_eq!(p.tier, Tier::Street);
        assert_eq!(p.unit.as_deref(), Some("光明社区"));
        assert_eq!(
            (p.noticed_at, p.met_at, p.resolved_at, p.closed_at),
            (Some(5), Some(20), Some(40), Some(50))
        );
        assert_eq!(p.outcome, Some(Outcome::Resolved));
        assert_eq!((p.escalations, p.version), (1, 8));
    }
}

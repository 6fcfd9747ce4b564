//! Live events for the map: what every shell forwards to the UI as it happens.
//!
//! A [`Live`] is a broadcast channel of [`LiveEvent`]s. The HTTP server streams it as SSE
//! (`/api/events`, each caller's street only for a street operator), the desktop shell emits it
//! as Tauri events. Producers (the store's live bus once a store is attached, see
//! `app::live::forward`) publish into it; nobody listening is fine.

use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

/// One event for the map and the operators' screens.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A case arrived or changed: the GeoJSON feature the cases layer draws.
    Case {
        /// The feature (`properties.new` is true for a case just filed).
        feature: Value,
        /// The event (`reported`, `dispatched`, `clock_breached`, …).
        event: String,
        /// The case's version after it.
        version: i64,
    },
    /// A clock became at risk, breached, or the case was escalated: the alarm of the queue.
    Alarm {
        /// The case.
        case_id: String,
        /// `clock_at_risk`, `clock_breached` or `escalated`.
        event: String,
        /// The clock (`notice`, `meet`, `resolve`, `order_arrive …`) or the new tier.
        detail: Option<String>,
        /// The case's street, for scoping the stream.
        street_code: Option<String>,
        /// Its matter.
        matter: String,
        /// Its warning grade.
        grade: i64,
        /// When (ISO 8601).
        at: String,
    },
    /// A department order was issued or moved on.
    Order {
        /// The order.
        id: String,
        /// Its case.
        case_id: String,
        /// `order_issued`, `order_acknowledged`, `order_arrived`, `order_reported`.
        event: String,
        /// Its version after it.
        version: i64,
        /// The case's street.
        street_code: Option<String>,
    },
    /// The map was drawn again after layers changed in the store (an import, a planning
    /// apply): the screens fetch their layers again and ask for tiles of `version`.
    Layers {
        /// The map's version now ([`crate::map::CurrentMap::version`]).
        version: u64,
        /// The layers that changed.
        changed: Vec<String>,
    },
}

impl LiveEvent {
    /// The event's name on the wire (SSE `event:` field, Tauri event suffix).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            LiveEvent::Case { .. } => "case",
            LiveEvent::Alarm { .. } => "alarm",
            LiveEvent::Order { .. } => "order",
            LiveEvent::Layers { .. } => "layers",
        }
    }

    /// The street the event belongs to (9-digit code), when known: a street operator's
    /// stream carries only its own street's events.
    #[must_use]
    pub fn street(&self) -> Option<&str> {
        match self {
            LiveEvent::Case { feature, .. } => feature
                .pointer("/properties/subgrid_code")
                .and_then(Value::as_str)
                .and_then(|s| s.get(..9)),
            LiveEvent::Alarm { street_code, .. } | LiveEvent::Order { street_code, .. } => {
                street_code.as_deref()
            }
            LiveEvent::Layers { .. } => None,
        }
    }

    /// Whether a street operator of `street` gets the event: its own street's cases, alarms
    /// and orders, and the map's redraws (the map is everyone's).
    #[must_use]
    pub fn reaches_street(&self, street: &str) -> bool {
        match self {
            LiveEvent::Layers { .. } => true,
            _ => self.street() == Some(street),
        }
    }
}

/// The in-process live channel.
#[derive(Debug, Clone)]
pub struct Live {
    tx: broadcast::Sender<LiveEvent>,
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

impl Live {
    /// A channel keeping the last 1,024 events for slow subscribers.
    #[must_use]
    pub fn new() -> Live {
        Live {
            tx: broadcast::channel(1024).0,
        }
    }

    /// Subscribes to every event from now on.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// Whether anyone listens (so producers can skip building events nobody would get).
    #[must_use]
    pub fn has_subscribers(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// Publishes an event; returns how many subscribers got it.
    ///
    /// ```
    /// let live = onemap_server::live::Live::new();
    /// let mut rx = live.subscribe();
    /// let ev = onemap_server::live::LiveEvent::Case {
    ///     feature: serde_json::json!({"id": "X"}), event: "reported".into(), version: 1,
    /// };
    /// assert_eq!(live.publish(ev.clone()), 1);
    /// assert_eq!(rx.try_recv().unwrap(), ev);
    /// ```
    pub fn publish(&self, event: LiveEvent) -> usize {
        self.tx.send(event).unwrap_or(0)
    }
}

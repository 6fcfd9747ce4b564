//! Live events for the map: what every shell forwards to the UI as it happens.
//!
//! A [`Live`] is a broadcast channel of [`LiveEvent`]s. The HTTP server streams it as SSE
//! (`/api/events`), the desktop shell emits it as Tauri events. Producers (the store's live bus
//! once a store is attached) publish into it; nobody listening is fine.

use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

/// One event for the map.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A case arrived or changed: the GeoJSON feature the cases layer draws.
    Case {
        /// The feature (`properties.new` is true for a case just filed).
        feature: Value,
    },
}

impl LiveEvent {
    /// The event's name on the wire (SSE `event:` field, Tauri event suffix).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            LiveEvent::Case { .. } => "case",
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

    /// Publishes an event; returns how many subscribers got it.
    ///
    /// ```
    /// let live = onemap_server::live::Live::new();
    /// let mut rx = live.subscribe();
    /// let ev = onemap_server::live::LiveEvent::Case { feature: serde_json::json!({"id": "X"}) };
    /// assert_eq!(live.publish(ev.clone()), 1);
    /// assert_eq!(rx.try_recv().unwrap(), ev);
    /// ```
    pub fn publish(&self, event: LiveEvent) -> usize {
        self.tx.send(event).unwrap_or(0)
    }
}

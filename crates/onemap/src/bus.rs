//! The live bus: every committed change is published in process (a tokio broadcast channel) and,
//! on PostgreSQL, across seats (LISTEN/NOTIFY on the `onemap_changes` channel).
//!
//! A change is announced inside the writing transaction with `pg_notify`, so PostgreSQL
//! delivers it to the other seats only if and when the transaction commits. Each seat forwards
//! the notifications of *other* seats into its local channel; its own changes it has already
//! published locally right after commit.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::model::string_enum;
use crate::time::Millis;

/// The PostgreSQL notification channel.
pub const PG_CHANNEL: &str = "onemap_changes";

string_enum! {
    /// What changed.
    ChangeKind {
        /// A case: intake, a step, a clock, an escalation.
        Case = "case",
        /// A department order.
        Order = "order",
        /// A layer (import, building rating).
        Layer = "layer",
    }
}

/// One committed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The seat (application instance) that made it.
    pub seat: String,
    /// What changed.
    pub kind: ChangeKind,
    /// Its id (case id, order id, layer name).
    pub id: String,
    /// The event (`reported`, `dispatched`, `clock_breached`, `imported`, ...).
    pub event: String,
    /// The record's version after the change (0 for layers).
    pub version: i64,
    /// When.
    pub at: Millis,
}

/// The in-process side of the bus.
#[derive(Debug, Clone)]
pub struct Bus {
    tx: broadcast::Sender<Change>,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new()
    }
}

impl Bus {
    /// A bus keeping the last 4,096 changes for slow subscribers.
    pub fn new() -> Bus {
        Bus {
            tx: broadcast::channel(4096).0,
        }
    }
    /// Subscribes to every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }
    /// Publishes a change to the subscribers of this process (none listening is fine).
    pub fn publish(&self, change: Change) {
        let _ = self.tx.send(change);
    }
}

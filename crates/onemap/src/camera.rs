//! Camera AI alerts (一键报): the event types the cameras report and the matter each files as,
//! and the alerts themselves. The first alert of a camera and event type files a case (its
//! `camera_alerts` row is written in the same transaction as the case); a repeat within
//! [`MERGE_WINDOW`] of the previous alert of that camera and type merges into the same case as
//! a `camera_repeat` event, so one blocked fire lane is one case however often the camera sees it.

use serde::Serialize;
use sqlx::Row;

use crate::cases::{Action, Case, Effect};
use crate::error::{Error, Result};
use crate::store::{Store, with_db};
use crate::time::{MINUTE, Millis, format_instant};

/// Repeats of the same camera and event type within this of the previous alert merge.
pub const MERGE_WINDOW: Millis = 10 * MINUTE;

/// One alert as the camera system reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CameraEvent {
    /// The camera (`CAM-0001`).
    pub camera_id: String,
    /// The event type (`fire_lane_blocked`, …; see [`EventType`]).
    pub event_type: String,
    /// When the camera saw it.
    pub at: Millis,
    /// Which system reported it (the API key's name).
    pub source: String,
}

/// An event type the camera AI reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventType {
    /// Code (`illegal_parking`).
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// The matter it files as.
    pub matter: String,
}

/// The last alert of a camera and type, and the case it went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastAlert {
    /// The case.
    pub case_id: String,
    /// When the camera saw it.
    pub at: Millis,
}

impl Store {
    /// The event types, by code.
    pub async fn camera_event_types(&self) -> Result<Vec<EventType>> {
        with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT code, name, matter FROM camera_event_types ORDER BY code")
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| {
                    Ok(EventType {
                        code: r.try_get(0)?,
                        name: r.try_get(1)?,
                        matter: r.try_get(2)?,
                    })
                })
                .collect()
        })
    }

    /// One event type.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the known types when `code` is not one.
    pub async fn camera_event_type(&self, code: &str) -> Result<EventType> {
        // One row by its key on every alert; the whole table only to name the known types.
        let found = with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT code, name, matter FROM camera_event_types WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await?
                .map(|r| {
                    Ok::<_, sqlx::Error>(EventType {
                        code: r.try_get(0)?,
                        name: r.try_get(1)?,
                        matter: r.try_get(2)?,
                    })
                })
                .transpose()?
        });
        if let Some(t) = found {
            return Ok(t);
        }
        let all = self.camera_event_types().await?;
        Err(Error::invalid(format!(
            "unknown camera event type {code:?} (known: {})",
            all.iter()
                .map(|t| t.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    /// The latest alert of `camera_id` and `event_type` seen at or after `since` whose case is
    /// still open: the case a new alert merges into.
    pub async fn last_camera_alert(
        &self,
        camera_id: &str,
        event_type: &str,
        since: Millis,
    ) -> Result<Option<LastAlert>> {
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query(
                "SELECT a.case_id, a.at FROM camera_alerts a JOIN cases c ON c.id = a.case_id \
                 WHERE a.camera_id = $1 AND a.event_type = $2 AND a.at >= $3 \
                 AND c.state <> 'closed' ORDER BY a.at DESC, a.seq DESC LIMIT 1",
            )
            .bind(camera_id)
            .bind(event_type)
            .bind(since)
            .fetch_optional(p)
            .await?
            .map(|r| {
                Ok::<_, sqlx::Error>(LastAlert {
                    case_id: r.try_get(0)?,
                    at: r.try_get(1)?,
                })
            })
            .transpose()?
        }))
    }

    /// Merges a repeat alert into the case of an earlier one: a `camera_repeat` event on the
    /// case and the alert's row, in one transaction.
    pub async fn merge_camera_alert(&self, case_id: &str, ev: CameraEvent) -> Result<Case> {
        let note = format!(
            "{} {} again at {}",
            ev.camera_id,
            ev.event_type,
            format_instant(ev.at)
        );
        let actor = format!("key:{}", ev.source);
        self.commit(
            case_id,
            None,
            Action::Note {
                kind: "camera_repeat",
                detail: Some(ev.camera_id.clone()),
            },
            &actor,
            &note,
            vec![Effect::CameraAlert(ev)],
        )
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "case",
            id: case_id.to_string(),
        })
    }

    /// The alerts that went to a case, oldest first: (camera, type, seen at).
    pub async fn camera_alerts_of(&self, case_id: &str) -> Result<Vec<CameraEvent>> {
        with_db!(&self.inner.db, |p| {
            sqlx::query(
                "SELECT camera_id, event_type, at, source FROM camera_alerts \
                 WHERE case_id = $1 ORDER BY at, seq",
            )
            .bind(case_id)
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| {
                Ok(CameraEvent {
                    camera_id: r.try_get(0)?,
                    event_type: r.try_get(1)?,
                    at: r.try_get(2)?,
                    source: r.try_get(3)?,
                })
            })
            .collect()
        })
    }
}

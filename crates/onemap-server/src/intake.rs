//! Live cases from the store (feature `store`): cases filed through [`file_case`] (or by any
//! other writer of the same store) reach the map through the store's live bus.
//!
//! [`forward`] subscribes to the store's bus and turns every case change into a
//! [`LiveEvent::Case`] carrying the GeoJSON feature the cases layer draws.

use onemap::Store;
use onemap::bus::ChangeKind;
use onemap::cases::{Case, NewCase};
use onemap::model::{Channel, Urgency};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::live::{Live, LiveEvent};
use crate::map::{ApiError, MapData};

/// A case as the UI or a test posts it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseForm {
    /// Matter code from the catalogue (`M001` …).
    pub matter: String,
    /// What the citizen says.
    pub description: String,
    /// Longitude, WGS84.
    pub lon: f64,
    /// Latitude, WGS84.
    pub lat: f64,
    /// `hall`, `station`, `hotline`, `app`, `qr`, `patrol` or `camera`; `hall` when absent.
    #[serde(default)]
    pub channel: Option<String>,
    /// People involved (1 when absent).
    #[serde(default)]
    pub people: Option<i64>,
    /// Money at stake, yuan.
    #[serde(default)]
    pub money_yuan: Option<f64>,
    /// `normal`, `high` or `critical`; `normal` when absent.
    #[serde(default)]
    pub urgency: Option<String>,
}

fn api_error(e: &onemap::Error) -> ApiError {
    let code = match e.code() {
        onemap::ErrorCode::NotFound => "not_found",
        onemap::ErrorCode::Conflict => "conflict",
        onemap::ErrorCode::IllegalTransition => "illegal_transition",
        onemap::ErrorCode::Invalid => "invalid",
        onemap::ErrorCode::Cancelled => "cancelled",
        onemap::ErrorCode::Internal => "internal",
    };
    ApiError {
        code,
        message: if code == "internal" {
            "the store failed; see the server log".to_string()
        } else {
            e.to_string()
        },
    }
}

/// Files a case in the store (located, graded and clocked by the store's intake).
///
/// # Errors
/// `invalid` for a bad channel, matter or description, or a location outside the dataset's
/// sub-grids; `internal` when the store
/// fails.
pub async fn file_case(store: &Store, map: &MapData, form: CaseForm) -> Result<Value, ApiError> {
    if map.atlas().locate(form.lon, form.lat).is_none() {
        return Err(ApiError {
            code: "invalid",
            message: format!(
                "({}, {}) lies outside every sub-grid of the district",
                form.lon, form.lat
            ),
        });
    }
    let channel =
        Channel::parse(form.channel.as_deref().unwrap_or("hall")).map_err(|e| api_error(&e))?;
    let mut new = NewCase::new(channel, &form.matter, &form.description, "operator");
    new.lon = Some(form.lon);
    new.lat = Some(form.lat);
    new.people = form.people.unwrap_or(1);
    new.money_yuan = form.money_yuan.unwrap_or(0.0);
    if let Some(u) = form.urgency.as_deref() {
        new.urgency = Urgency::parse(u).map_err(|e| api_error(&e))?;
    }
    let case = store.intake(new).await.map_err(|e| {
        if e.code() == onemap::ErrorCode::Internal {
            eprintln!("onemap serve: intake failed: {e}");
        }
        api_error(&e)
    })?;
    Ok(case_feature(&case, true).unwrap_or(Value::Null))
}

/// The GeoJSON feature of a stored case (none when it has no position).
#[must_use]
pub fn case_feature(c: &Case, new: bool) -> Option<Value> {
    let (lon, lat) = (c.lon?, c.lat?);
    let mut p = Map::new();
    p.insert("id".into(), c.id.clone().into());
    p.insert("grade".into(), c.grade.get().into());
    p.insert("level".into(), c.level.as_str().into());
    p.insert("matter".into(), c.matter.clone().into());
    p.insert("channel".into(), c.channel.as_str().into());
    p.insert("description".into(), c.description.clone().into());
    p.insert(
        "reported_at".into(),
        onemap::time::format_instant(c.reported_at).into(),
    );
    p.insert(
        "outcome".into(),
        c.progress.outcome.map_or("open", |o| o.as_str()).into(),
    );
    if let Some(l) = &c.location {
        p.insert("subgrid_code".into(), l.subgrid_code.clone().into());
    }
    Some(MapData::case_feature(lon, lat, &p, new))
}

/// Forwards the store's case changes to `live` until the store's bus closes.
pub async fn forward(store: Store, live: Live) {
    let mut rx = store.subscribe();
    loop {
        match rx.recv().await {
            Ok(change) if change.kind == ChangeKind::Case => {
                if let Ok(case) = store.case(&change.id).await {
                    let new = change.event == "reported";
                    if let Some(feature) = case_feature(&case, new) {
                        live.publish(LiveEvent::Case { feature });
                    }
                }
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        }
    }
}

/// A one-line JSON status of the store, for `/readyz`.
#[must_use]
pub fn describe(store: &Store) -> Value {
    json!({"engine": store.engine(), "seat": store.seat()})
}

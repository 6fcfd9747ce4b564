//! The store's live bus forwarded to the map and the operators' screens: every case change as
//! the feature the cases layer draws, every at-risk / breached / escalated change as an alarm,
//! every order change. The shells stream the result (SSE, Tauri events).

use onemap::Store;
use onemap::bus::ChangeKind;
use onemap::cases::Case;
use serde_json::{Map, Value};

use super::App;
use crate::live::{Live, LiveEvent};
use crate::map::MapData;

/// The GeoJSON feature the map draws for a stored case (none when it has no position). No
/// personal data: the stream reaches big screens.
#[must_use]
pub fn feature(c: &Case, new: bool) -> Option<Value> {
    let (lon, lat) = (c.lon?, c.lat?);
    let mut p = Map::new();
    p.insert("id".into(), c.id.clone().into());
    p.insert("grade".into(), c.grade.get().into());
    p.insert("level".into(), c.level.as_str().into());
    p.insert("matter".into(), c.matter.clone().into());
    p.insert("channel".into(), c.channel.as_str().into());
    p.insert("state".into(), c.progress.state.as_str().into());
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

const ALARMS: [&str; 3] = ["clock_at_risk", "clock_breached", "escalated"];

/// Forwards the store's changes to `live` until the store's bus closes. Also refreshes the
/// app's catalogues when the matters layer changes.
pub async fn forward(app: App, live: Live) {
    let store: Store = app.store().clone();
    let mut rx = store.subscribe();
    loop {
        match rx.recv().await {
            Ok(change) if change.kind == ChangeKind::Layer && change.id == "matters" => {
                let _ = app.refresh_catalogue().await;
            }
            // Nobody watching (a headless intake server): no need to read the case back.
            Ok(_) if !live.has_subscribers() => {}
            Ok(change) if change.kind == ChangeKind::Case => {
                let Ok(case) = store.case(&change.id).await else {
                    continue;
                };
                if let Some(feature) = feature(&case, change.event == "reported") {
                    live.publish(LiveEvent::Case {
                        feature,
                        event: change.event.clone(),
                        version: change.version,
                    });
                }
                if ALARMS.contains(&change.event.as_str()) {
                    let detail = store.events(&case.id).await.ok().and_then(|evs| {
                        evs.into_iter()
                            .find(|e| e.version == change.version)
                            .and_then(|e| e.detail)
                    });
                    live.publish(LiveEvent::Alarm {
                        case_id: case.id.clone(),
                        event: change.event.clone(),
                        detail,
                        street_code: case.location.as_ref().map(|l| l.street_code.clone()),
                        matter: case.matter.clone(),
                        grade: case.grade.get(),
                        at: onemap::time::format_instant(change.at),
                    });
                }
            }
            Ok(change) if change.kind == ChangeKind::Order => {
                let Ok(order) = store.order(&change.id).await else {
                    continue;
                };
                let street = store
                    .case(&order.case_id)
                    .await
                    .ok()
                    .and_then(|c| c.location.map(|l| l.street_code));
                live.publish(LiveEvent::Order {
                    id: order.id,
                    case_id: order.case_id,
                    event: change.event,
                    version: change.version,
                    street_code: street,
                });
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        }
    }
}

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

/// Whether a change to `layer` redraws the map: every layer of the dataset but the matter
/// catalogue (refreshed on its own) and the cases (the store's own, live already).
fn drawn(layer: &str) -> bool {
    onemap::history::LOAD_ORDER.contains(&layer) && !matches!(layer, "matters" | "cases")
}

/// Forwards the store's changes to `live` until the store's bus closes. Also refreshes the
/// app's catalogues when the matters layer changes, and draws the map again when a layer it
/// draws changes (an import, a planning apply, a rating; here or, on PostgreSQL, at another
/// seat), announcing it as [`LiveEvent::Layers`].
pub async fn forward(app: App, live: Live) {
    let store: Store = app.store().clone();
    let mut rx = store.subscribe();
    #[cfg(feature = "formats")]
    let redraw = Redraw::spawn(app.clone(), live.clone());
    loop {
        match rx.recv().await {
            Ok(change) if change.kind == ChangeKind::Layer && change.id == "matters" => {
                let _ = app.refresh_catalogue().await;
            }
            #[cfg(feature = "formats")]
            Ok(change) if change.kind == ChangeKind::Layer && drawn(&change.id) => {
                redraw.ask(change.id);
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

/// The map's redraws, one at a time, off the forwarding loop: an import of several layers
/// announces each, and they are drawn together once the announcements stop for a moment.
#[cfg(feature = "formats")]
struct Redraw {
    changed: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    wake: std::sync::Arc<tokio::sync::Notify>,
}

#[cfg(feature = "formats")]
impl Redraw {
    /// How long the announcements must be quiet before the map is drawn again.
    const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

    fn spawn(app: App, live: Live) -> Redraw {
        let redraw = Redraw {
            changed: std::sync::Arc::default(),
            wake: std::sync::Arc::default(),
        };
        let (changed, wake) = (redraw.changed.clone(), redraw.wake.clone());
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                // Wait for a quiet moment: every further announcement restarts the wait.
                while tokio::time::timeout(Self::SETTLE, wake.notified())
                    .await
                    .is_ok()
                {}
                let layers = std::mem::take(&mut *crate::lock(&changed));
                match app.redraw_map().await {
                    Ok(drawn) => {
                        live.publish(LiveEvent::Layers {
                            version: drawn.version,
                            changed: layers,
                        });
                    }
                    // The map drawn so far stays; the next change tries again.
                    Err(e) => eprintln!("onemap: {}", e.message),
                }
            }
        });
        redraw
    }

    /// Asks for a redraw because `layer` changed.
    fn ask(&self, layer: String) {
        let mut changed = crate::lock(&self.changed);
        if !changed.contains(&layer) {
            changed.push(layer);
        }
        drop(changed);
        // A permit is kept when the task is busy drawing: it draws once more after.
        self.wake.notify_one();
    }
}

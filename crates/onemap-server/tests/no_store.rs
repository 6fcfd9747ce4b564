//! `onemap serve --no-store` (the city-scale map for a big screen, say): the map is served to
//! anyone, and every route that needs the store answers `503 unavailable` — never `401`, which
//! would send the page to a login screen no one can pass (there are no users without a store).

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use onemap_server::http::{AppState, router};
use onemap_server::live::Live;
use onemap_server::map::CurrentMap;
use serde_json::Value;
use tower::ServiceExt;

async fn without_store() -> axum::Router {
    let map = common::map();
    let planning =
        onemap_server::planning::Planning::new(map.shared_atlas(), None, None, map.is_synthetic())
            .await;
    router(AppState {
        map: Arc::new(CurrentMap::new(common::layers_only(), map)),
        planning: Arc::new(planning),
        live: Live::new(),
        live_source: "none",
        store: None,
        app: None,
        setup_code: None,
        briefing: false,
    })
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_map_is_served_and_the_store_routes_say_there_is_no_store() {
    let app = without_store().await;
    for uri in ["/api/overview", "/api/layers/districts", "/readyz"] {
        let (s, v) = get(&app, uri).await;
        assert_eq!(s, StatusCode::OK, "{uri}: {v}");
    }
    // Who is there (the page's first question), the queue, the audit log: no store, no login.
    for uri in ["/api/auth/me", "/api/queue", "/api/audit"] {
        let (s, v) = get(&app, uri).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")),
            "{uri}: {v}"
        );
        assert!(
            v["message"]
                .as_str()
                .is_some_and(|m| m.contains("without a store")),
            "{uri}: {v}"
        );
    }
}

//! The dashboard, risk and briefing routes: thin adapters over `onemap_dashboard` (parse the
//! query, call one function, answer). Merged into the router by one line; `briefing_only`
//! turns a whole server into a briefing screen's (`onemap serve --briefing`).
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/dashboard?lang=&day=` | KPIs, tiles and the chart list |
//! | `GET /api/dashboard/charts/{id}.svg` · `.png` · `.json` | one chart (`lang`, `day`, `theme`, `scale`) |
//! | `GET /api/risk?day=` | every unit's risk score with its inputs |
//! | `GET /api/briefing/tour?lang=&day=` | the tour's steps |
//! | `GET /api/briefing/slides/{n}.png` · `.svg` · `GET /api/briefing/slides.zip` | the tour as slides |
//! | `GET /api/briefing/playback?span=day\|week&day=` | a day's or week's cases, for replay |
//! | `GET /api/briefing/live` | open cases now |
//! | `GET /api/briefing/events` | the live stream with every case cut down to a dot |
//!
//! Nothing a briefing route sends can hold personal data: they serialise the dashboard crate's
//! types, which have no field for it, and the live stream keeps a fixed list of keys.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use crate::http::{AppState, HttpError};
use crate::live::LiveEvent;
use crate::map::ApiError;
use crate::reports::{self, ReportQuery};

type ApiResult<T> = Result<T, HttpError>;

/// The routes, to merge into the router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/dashboard", get(dashboard))
        .route("/api/dashboard/charts/{file}", get(chart))
        .route("/api/risk", get(risk_table))
        .route("/api/briefing/tour", get(tour))
        .route("/api/briefing/slides.zip", get(slides_zip))
        .route("/api/briefing/slides/{file}", get(slide))
        .route("/api/briefing/playback", get(playback))
        .route("/api/briefing/live", get(live))
        .route("/api/briefing/events", get(events))
}

fn status(e: &ApiError) -> StatusCode {
    match e.code {
        "invalid" => StatusCode::BAD_REQUEST,
        "not_found" => StatusCode::NOT_FOUND,
        "no_atlas" | "no_store" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn fail(e: ApiError) -> HttpError {
    HttpError::new(status(&e), e)
}

fn store(s: &AppState) -> Result<&onemap::Store, HttpError> {
    s.store.as_ref().ok_or_else(|| {
        fail(ApiError {
            code: "no_store",
            message: "this server runs without a store, so it has no cases to report on".into(),
        })
    })
}

fn file(f: reports::File) -> Response {
    let mut r = Response::builder()
        .header(header::CONTENT_TYPE, f.content_type)
        .header(header::CACHE_CONTROL, "no-cache");
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", f.name)) {
        r = r.header(header::CONTENT_DISPOSITION, v);
    }
    r.body(Body::from(f.bytes))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// A query string that does not parse is a 400 `invalid` with the reason, like every other
/// bad input.
fn query(q: Result<Query<ReportQuery>, QueryRejection>) -> ApiResult<ReportQuery> {
    q.map(|Query(q)| q).map_err(|e| {
        fail(ApiError {
            code: "invalid",
            message: format!("bad query: {}", e.body_text()),
        })
    })
}

fn json_of<T: serde::Serialize>(r: Result<T, ApiError>) -> ApiResult<Response> {
    r.map(|v| axum::Json(v).into_response()).map_err(fail)
}

async fn dashboard(
    State(s): State<AppState>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    json_of(reports::dashboard(store(&s)?, &q).await)
}

async fn chart(
    State(s): State<AppState>,
    Path(f): Path<String>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    reports::chart(store(&s)?, &f, &q)
        .await
        .map(file)
        .map_err(fail)
}

async fn risk_table(
    State(s): State<AppState>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    json_of(reports::risk(store(&s)?, &q).await)
}

async fn tour(
    State(s): State<AppState>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    json_of(reports::tour(store(&s)?, &q).await)
}

async fn slide(
    State(s): State<AppState>,
    Path(f): Path<String>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    reports::slide(store(&s)?, &f, &q)
        .await
        .map(file)
        .map_err(fail)
}

async fn slides_zip(
    State(s): State<AppState>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    reports::slides_zip(store(&s)?, &q)
        .await
        .map(file)
        .map_err(fail)
}

async fn playback(
    State(s): State<AppState>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    json_of(reports::playback(store(&s)?, &q).await)
}

async fn live(
    State(s): State<AppState>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    json_of(reports::live(store(&s)?, &q).await)
}

/// The keys of a live case a briefing screen may see.
pub const BRIEFING_CASE_KEYS: [&str; 7] = [
    "id",
    "grade",
    "level",
    "channel",
    "outcome",
    "reported_at",
    "subgrid_code",
];

/// A live case feature cut down to [`BRIEFING_CASE_KEYS`] (no description, no reporter).
///
/// ```
/// let f = serde_json::json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.0, 2.0]},
///   "properties": {"id": "C1", "grade": 2, "description": "张三 13800138000", "reporter_phone": "13800138000"}});
/// let d = onemap_server::dashboard::briefing_feature(&f);
/// assert_eq!(d["properties"]["id"], "C1");
/// assert!(!d.to_string().contains("13800138000"));
/// ```
#[must_use]
pub fn briefing_feature(feature: &Value) -> Value {
    let props = feature.get("properties").and_then(Value::as_object);
    let kept: Map<String, Value> = BRIEFING_CASE_KEYS
        .iter()
        .filter_map(|k| Some(((*k).to_string(), props?.get(*k)?.clone())))
        .collect();
    json!({"type": "Feature", "geometry": feature.get("geometry").cloned().unwrap_or(Value::Null), "properties": kept})
}

async fn events(State(s): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(s.live.subscribe()).filter_map(|msg| {
        let LiveEvent::Case { feature, .. } = msg.ok()? else {
            return None;
        };
        let data = json!({"type": "case", "feature": briefing_feature(&feature)}).to_string();
        Some(Ok(Event::default().event("case").data(data)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Whether a briefing-only server answers `method path`: the page and its assets, health, the
/// layers without case data, and the report routes.
#[must_use]
pub fn briefing_allows(method: &Method, path: &str) -> bool {
    const LAYERS: [&str; 10] = [
        "context",
        "districts",
        "streets",
        "communities",
        "subgrids",
        "labels",
        "roads",
        "stations",
        "circles",
        "gaps",
    ];
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    match path.strip_prefix("/api/") {
        None => true,
        Some(rest) => {
            rest == "overview"
                || rest == "dashboard"
                || rest == "risk"
                || rest.starts_with("dashboard/charts/")
                || rest.starts_with("briefing/")
                || rest
                    .strip_prefix("layers/")
                    .is_some_and(|l| LAYERS.contains(&l))
        }
    }
}

async fn guard(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path == "/" || path == "/index.html" {
        return Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, "./briefing.html")
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    if briefing_allows(req.method(), &path) {
        return next.run(req).await;
    }
    HttpError::new(
        StatusCode::FORBIDDEN,
        ApiError {
            code: "forbidden",
            message: format!(
                "{path}: this is a briefing screen (onemap serve --briefing); it serves no case details and no personal data"
            ),
        },
    )
    .into_response()
}

/// `router` for a briefing screen: only [`briefing_allows`] routes answer (others get 403
/// `forbidden`), and `/` opens the briefing page.
pub fn briefing_only(router: Router) -> Router {
    router.layer(axum::middleware::from_fn(guard))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_briefing_screen_serves_reports_and_outlines_but_no_case_details() {
        let get = Method::GET;
        for ok in [
            "/briefing.html",
            "/assets/x.js",
            "/api/briefing/tour",
            "/api/risk",
            "/api/layers/subgrids",
            "/api/dashboard/charts/compliance.svg",
        ] {
            assert!(briefing_allows(&get, ok), "{ok}");
        }
        for no in [
            "/api/cases/GM-1",
            "/api/layers/cases",
            "/api/layers/buildings",
            "/api/search",
            "/api/events",
            "/api/buildings/B-1",
            "/api/units/440311",
        ] {
            assert!(!briefing_allows(&get, no), "{no}");
        }
        assert!(!briefing_allows(&Method::POST, "/api/briefing/tour"));
    }
}

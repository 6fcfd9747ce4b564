//! Browser mode: the JSON API over [`crate::map`], the live stream (SSE), health and readiness,
//! and the UI embedded in the binary. Handlers are thin: parse, call one map function, answer.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use crate::live::Live;
use crate::map::{ApiError, MapData, MapError};

/// The UI, built by Vite into `ui/dist` and embedded at compile time.
#[derive(rust_embed::Embed)]
#[folder = "../../ui/dist"]
struct Ui;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The loaded dataset.
    pub map: Arc<MapData>,
    /// The live channel the SSE stream forwards.
    pub live: Live,
    /// Whether a store's live bus feeds [`AppState::live`] (reported by `/readyz`).
    pub live_source: &'static str,
    /// The store cases are filed in (`POST /api/cases`), when one is open.
    pub store: Option<onemap::Store>,
}

/// An error answer: `{code, message}` with its HTTP status.
#[derive(Debug)]
pub struct HttpError(StatusCode, ApiError);

impl HttpError {
    /// An error answer with `status`.
    #[must_use]
    pub fn new(status: StatusCode, body: ApiError) -> HttpError {
        HttpError(status, body)
    }
}

impl From<MapError> for HttpError {
    fn from(e: MapError) -> Self {
        let status = match e {
            MapError::NotFound(_) => StatusCode::NOT_FOUND,
            MapError::Invalid(_) => StatusCode::BAD_REQUEST,
            MapError::Dataset(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        HttpError(status, e.body())
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(self.1)).into_response()
    }
}

type ApiResult<T> = Result<T, HttpError>;

fn geojson(text: Arc<String>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/geo+json"),
        )],
        text.as_str().to_owned(),
    )
        .into_response()
}

/// The router: `/api/*`, `/healthz`, `/readyz`, and the UI for everything else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/readyz", get(readyz))
        .route("/api/overview", get(overview))
        .route("/api/layers/{name}", get(layer))
        .route("/api/buildings/{id}", get(building))
        .route("/api/stations/{id}", get(station))
        .route("/api/units/{code}", get(unit))
        .route("/api/cases/{id}", get(case))
        .route("/api/search", get(search))
        .route("/api/events", get(events))
        .route("/api/cases", axum::routing::post(post_case))
        .merge(crate::dashboard::routes())
        .merge(crate::formats::routes(&state))
        .route("/api/{*rest}", get(api_not_found))
        .fallback(get(static_file))
        .with_state(state)
}

async fn readyz(State(s): State<AppState>) -> Response {
    let o = s.map.overview();
    axum::Json(serde_json::json!({"status": "ready", "counts": o.counts, "live": s.live_source}))
        .into_response()
}

async fn overview(State(s): State<AppState>) -> Response {
    axum::Json(s.map.overview()).into_response()
}

async fn layer(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    // The gaps layer is computed on first use; keep it off the async workers.
    let map = Arc::clone(&s.map);
    let text = tokio::task::spawn_blocking(move || map.layer(&name))
        .await
        .map_err(|e| {
            HttpError(
                StatusCode::INTERNAL_SERVER_ERROR,
                ApiError {
                    code: "internal",
                    message: e.to_string(),
                },
            )
        })??;
    Ok(geojson(text))
}

async fn building(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(s.map.building(&id)?).into_response())
}

async fn station(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(s.map.station(&id)?).into_response())
}

async fn unit(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult<Response> {
    let map = Arc::clone(&s.map);
    let v = tokio::task::spawn_blocking(move || map.unit(&code))
        .await
        .map_err(|e| {
            HttpError(
                StatusCode::INTERNAL_SERVER_ERROR,
                ApiError {
                    code: "internal",
                    message: e.to_string(),
                },
            )
        })??;
    Ok(axum::Json(v).into_response())
}

async fn case(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(s.map.case(&id)?).into_response())
}

async fn search(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let query = q.get("q").map(String::as_str).unwrap_or_default();
    let limit = match q.get("limit") {
        None => 10,
        Some(l) => l.parse::<usize>().map_err(|_| {
            HttpError::from(MapError::Invalid(format!(
                "limit must be a whole number, not {l:?}"
            )))
        })?,
    };
    Ok(axum::Json(s.map.search(query, limit)?).into_response())
}

async fn events(State(s): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(s.live.subscribe()).filter_map(|msg| {
        // A lagging client skips what it missed; the next layer fetch catches it up.
        let ev = msg.ok()?;
        let data = serde_json::to_string(&ev).ok()?;
        Some(Ok(Event::default().event(ev.name()).data(data)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

async fn post_case(State(s): State<AppState>, body: axum::body::Bytes) -> ApiResult<Response> {
    let Some(store) = s.store.as_ref() else {
        return Err(HttpError(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiError {
                code: "no_store",
                message: "this server runs without a store (--no-store, or the store failed to open: see the server log)".into(),
            },
        ));
    };
    let form: crate::intake::CaseForm = serde_json::from_slice(&body).map_err(|e| {
        HttpError::from(MapError::Invalid(format!(
            "the case is not valid JSON of the expected shape: {e}"
        )))
    })?;
    match crate::intake::file_case(store, &s.map, form).await {
        Ok(feature) => Ok((StatusCode::CREATED, axum::Json(feature)).into_response()),
        Err(e) => {
            let status = match e.code {
                "invalid" => StatusCode::BAD_REQUEST,
                "not_found" => StatusCode::NOT_FOUND,
                "conflict" | "illegal_transition" => StatusCode::CONFLICT,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            Err(HttpError(status, e))
        }
    }
}

async fn api_not_found(uri: Uri) -> HttpError {
    HttpError(
        StatusCode::NOT_FOUND,
        ApiError {
            code: "not_found",
            message: format!("no API route {}", uri.path()),
        },
    )
}

async fn static_file(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match Ui::get(path) {
        Some(file) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            let cache = if path.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            Response::builder()
                .header(header::CONTENT_TYPE, mime.as_ref())
                .header(header::CACHE_CONTROL, cache)
                .body(Body::from(file.data.into_owned()))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        None => HttpError(
            StatusCode::NOT_FOUND,
            ApiError {
                code: "not_found",
                message: format!("no file /{path}"),
            },
        )
        .into_response(),
    }
}

/// Serves `state` on `listener` until Ctrl-C / SIGTERM.
///
/// # Errors
/// When the server fails.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_app(listener, router(state)).await
}

/// Serves `app` (a [`router`], perhaps wrapped) on `listener` until Ctrl-C / SIGTERM.
///
/// # Errors
/// When the server fails.
pub async fn serve_app(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    // Not a graceful shutdown: open SSE streams would hold it forever, and nothing here
    // writes.
    tokio::select! {
        r = axum::serve(listener, app) => r,
        () = shutdown() => Ok(()),
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

//! Browser mode: the JSON API over [`crate::map`] and [`crate::app`], Open311, the live stream
//! (SSE), health and readiness, and the UI embedded in the binary. Handlers are thin: parse,
//! call one function, answer. Who may call what is settled by [`crate::guard`] in front of
//! every route (and again by the app API itself).

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

use onemap::access::Principal;

use crate::live::Live;
use crate::map::{ApiError, CurrentMap, MapError};

/// The UI, built by Vite into `ui/dist` and embedded at compile time.
#[derive(rust_embed::Embed)]
#[folder = "../../ui/dist"]
struct Ui;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The map drawn now (swapped after an import or a planning apply).
    pub map: Arc<CurrentMap>,
    /// The live channel the SSE stream forwards.
    pub live: Live,
    /// Whether a store's live bus feeds [`AppState::live`] (reported by `/readyz`).
    pub live_source: &'static str,
    /// The store, when one is open.
    pub store: Option<onemap::Store>,
    /// The planning app API (`/api/planning/…`).
    pub planning: Arc<crate::planning::Planning>,
    /// The app API over the store and the map, when a store is open.
    pub app: Option<crate::app::App>,
    /// The one-time code that creates the first administrator of a store with no users
    /// (printed by `onemap serve` at start; `None` once users exist).
    pub setup_code: Option<Arc<String>>,
    /// A briefing screen (`onemap serve --briefing`, behind `crate::dashboard::briefing_only`):
    /// requests without a login are the read-only [`Principal::briefing_screen`].
    pub briefing: bool,
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

/// The router: `/api/*`, `/open311/*`, `/tiles/{layer}/{z}/{x}/{y}.mvt`, `/healthz`, `/readyz`,
/// and the UI for everything else, behind the guard (access, body limit, uniform errors,
/// panics caught).
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
        .route("/api/cases", axum::routing::post(crate::api::file_case))
        .merge(crate::api::routes())
        .merge(crate::open311::routes())
        .merge(crate::planning_http::routes(Arc::clone(&state.planning)))
        .merge(crate::dashboard::routes())
        .merge(crate::formats::routes(&state))
        .route("/api/{*rest}", get(api_not_found))
        .route("/tiles/{*path}", get(tile))
        .fallback(get(static_file))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::guard::authenticate,
        ))
        .layer(axum::middleware::from_fn(crate::guard::uniform_errors))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::guard::BODY_LIMIT,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            crate::guard::panic_response,
        ))
        .with_state(state)
}

async fn readyz(State(s): State<AppState>) -> Response {
    let o = s.map.get().overview();
    axum::Json(serde_json::json!({"status": "ready", "counts": o.counts, "live": s.live_source}))
        .into_response()
}

async fn overview(State(s): State<AppState>) -> Response {
    axum::Json(s.map.get().overview()).into_response()
}

async fn layer(
    State(s): State<AppState>,
    who: Option<axum::Extension<Principal>>,
    Path(name): Path<String>,
) -> Result<Response, Response> {
    // With a store, the cases layer is the store's: live cases survive a reload.
    if name == "cases"
        && let (Some(app), Some(who)) = (&s.app, &who)
    {
        let fc = app
            .cases_layer(who)
            .await
            .map_err(IntoResponse::into_response)?;
        return Ok(geojson(Arc::new(fc.to_string())));
    }
    // The gaps layer is computed on first use; keep it off the async workers.
    let map = s.map.get();
    let text = off_the_workers(move || map.layer(&name))
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(geojson(text))
}

async fn tile(State(s): State<AppState>, Path(path): Path<String>) -> ApiResult<Response> {
    // A low-zoom tile walks many points, and the first one indexes the layers.
    let map = s.map.get();
    let bytes = off_the_workers(move || map.tile_at(&path)).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        bytes.as_slice().to_vec(),
    )
        .into_response())
}

/// Runs `f` on the blocking pool: CPU work stays off the async workers.
async fn off_the_workers<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, MapError> + Send + 'static,
) -> ApiResult<T> {
    let joined = tokio::task::spawn_blocking(f).await.map_err(|e| {
        HttpError(
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiError {
                code: "internal",
                message: e.to_string(),
            },
        )
    })?;
    Ok(joined?)
}

async fn building(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(s.map.get().building(&id)?).into_response())
}

async fn station(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(s.map.get().station(&id)?).into_response())
}

async fn unit(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult<Response> {
    let map = s.map.get();
    let v = off_the_workers(move || map.unit(&code)).await?;
    Ok(axum::Json(v).into_response())
}

async fn case(
    State(s): State<AppState>,
    who: Option<axum::Extension<Principal>>,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    match (&s.app, who) {
        (Some(_), Some(axum::Extension(who))) => {
            crate::api::case_detail(State(s), crate::guard::Caller(who), Path(id))
                .await
                .map_err(IntoResponse::into_response)
        }
        _ => Ok(axum::Json(
            s.map
                .get()
                .case(&id)
                .map_err(|e| HttpError::from(e).into_response())?,
        )
        .into_response()),
    }
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
    Ok(axum::Json(s.map.get().search(query, limit)?).into_response())
}

async fn events(
    State(s): State<AppState>,
    who: Option<axum::Extension<Principal>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // A street operator's stream carries its own street's events only.
    let scope = who.and_then(|w| w.0.street.clone());
    let stream = BroadcastStream::new(s.live.subscribe()).filter_map(move |msg| {
        // A lagging client skips what it missed; the next layer fetch catches it up.
        let ev = msg.ok()?;
        if let Some(own) = &scope
            && !ev.reaches_street(own)
        {
            return None;
        }
        let data = serde_json::to_string(&ev).ok()?;
        Some(Ok(Event::default().event(ev.name()).data(data)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
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
    // The peer's address keys the login rate limit.
    let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::select! {
        r = axum::serve(listener, service) => r,
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

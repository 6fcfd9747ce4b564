//! The app API over HTTP: one-line adapters from routes to [`crate::app::App`]. The guard
//! (`crate::guard`) has resolved the caller before any of these runs.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::app::{
    ActionRequest, App, AppError, AuditQuery, CameraAlertForm, CaseForm, FiguresQuery,
    OrderActionRequest, ProposeForm, QueueFilterForm,
};
use crate::guard::{Caller, SESSION_COOKIE, Token, client_of, json_body};
use crate::http::AppState;

type Answer = Result<Response, AppError>;

fn app(s: &AppState) -> Result<&App, AppError> {
    s.app.as_ref().ok_or_else(|| {
        AppError::new(
            "unavailable",
            "this server runs without a store (--no-store, or the store failed to open: see its log)",
        )
    })
}

fn ok<T: serde::Serialize>(v: T) -> Answer {
    Ok(axum::Json(v).into_response())
}

/// Query strings parsed with a clear error (axum's own rejection is plain text).
fn query<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> Result<T, AppError> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| AppError::invalid(format!("bad query parameters: {e}")))
}

/// The app API routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/auth/status", get(status))
        .route("/api/auth/setup", post(setup))
        .route("/api/queue", get(queue))
        .route("/api/cases/propose", post(propose))
        .route("/api/cases/{id}/actions", post(act))
        .route("/api/cases/{id}/duplicates", post(duplicate))
        .route("/api/orders", get(orders))
        .route("/api/orders/{id}/actions", post(order_act))
        .route("/api/alarms", get(alarms))
        .route("/api/alarms/ack", post(ack))
        .route("/api/matters", get(matters))
        .route("/api/departments", get(departments))
        .route("/api/figures", get(figures))
        .route("/api/audit", get(audit))
        .route("/api/users", get(users))
        .route("/api/intake/camera", post(camera))
        .route("/api/intake/camera/event-types", get(event_types))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginForm {
    username: String,
    password: String,
}

fn session_cookie(token: &str, max_age_s: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}"
    ))
    .ok()
}

fn logged_in(a: &App, session: onemap::access::Session) -> Answer {
    let max_age = ((session.expires_at - a.store().now()) / 1000).max(0);
    let body = serde_json::json!({
        "token": session.token,
        "expires_at": onemap::time::format_instant(session.expires_at),
        "me": a.me(&session.principal),
    });
    let mut res = axum::Json(body).into_response();
    if let Some(c) = session_cookie(&session.token, max_age) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(res)
}

async fn login(State(s): State<AppState>, req: Request) -> Answer {
    let a = app(&s)?;
    let client = client_of(&req);
    let body = axum::body::to_bytes(req.into_body(), crate::guard::BODY_LIMIT)
        .await
        .map_err(|_| AppError::new("too_large", "the login body is too large"))?;
    let f: LoginForm = json_body(&body)?;
    let session = a.login(&f.username, &f.password, &client).await?;
    logged_in(a, session)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupForm {
    code: String,
    username: String,
    password: String,
}

async fn setup(State(s): State<AppState>, req: Request) -> Answer {
    let a = app(&s)?;
    let client = client_of(&req);
    let body = axum::body::to_bytes(req.into_body(), crate::guard::BODY_LIMIT)
        .await
        .map_err(|_| AppError::new("too_large", "the setup body is too large"))?;
    let f: SetupForm = json_body(&body)?;
    let session = a
        .setup_first_admin(
            s.setup_code.as_deref().map(String::as_str),
            &f.code,
            &f.username,
            &f.password,
            &client,
        )
        .await?;
    logged_in(a, session)
}

async fn status(State(s): State<AppState>) -> Answer {
    let a = app(&s)?;
    let needs = a.needs_setup().await?;
    ok(serde_json::json!({
        "needs_setup": needs,
        "setup_open": needs && s.setup_code.is_some(),
    }))
}

async fn logout(State(s): State<AppState>, Caller(who): Caller, req: Request) -> Answer {
    let a = app(&s)?;
    if let Some(Token(t)) = req.extensions().get::<Token>() {
        a.logout(&who, t).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = session_cookie("", 0) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(res)
}

async fn me(State(s): State<AppState>, Caller(who): Caller) -> Answer {
    ok(app(&s)?.me(&who))
}

async fn queue(State(s): State<AppState>, Caller(who): Caller, req: Request) -> Answer {
    let f: QueueFilterForm = query(req.uri().query())?;
    ok(app(&s)?.queue(&who, &f).await?)
}

async fn propose(State(s): State<AppState>, Caller(who): Caller, body: Bytes) -> Answer {
    let f: ProposeForm = json_body(&body)?;
    ok(app(&s)?.propose(&who, &f).await?)
}

/// `POST /api/cases`: files a case (201 with its detail).
pub(crate) async fn file_case(
    State(s): State<AppState>,
    Caller(who): Caller,
    body: Bytes,
) -> Answer {
    let f: CaseForm = json_body(&body)?;
    let detail = app(&s)?.file_case(&who, f).await?;
    Ok((StatusCode::CREATED, axum::Json(detail)).into_response())
}

/// `GET /api/cases/{id}`: the case in full.
pub(crate) async fn case_detail(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Answer {
    ok(app(&s)?.case_detail(&who, &id).await?)
}

async fn act(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let r: ActionRequest = json_body(&body)?;
    ok(app(&s)?.act(&who, &id, r).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DuplicateForm {
    other: String,
    decision: String,
    version: i64,
}

async fn duplicate(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let f: DuplicateForm = json_body(&body)?;
    ok(app(&s)?
        .decide_duplicate(&who, &id, f.version, &f.other, &f.decision)
        .await?)
}

async fn order_act(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let r: OrderActionRequest = json_body(&body)?;
    ok(app(&s)?.order_act(&who, &id, r).await?)
}

async fn orders(State(s): State<AppState>, Caller(who): Caller) -> Answer {
    ok(app(&s)?.orders_board(&who).await?)
}

async fn alarms(State(s): State<AppState>, Caller(who): Caller) -> Answer {
    ok(app(&s)?.alarms(&who).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AckForm {
    case_id: String,
    kind: String,
    #[serde(default)]
    order_id: Option<String>,
}

async fn ack(State(s): State<AppState>, Caller(who): Caller, body: Bytes) -> Answer {
    let f: AckForm = json_body(&body)?;
    app(&s)?
        .acknowledge_alarm(&who, &f.case_id, &f.kind, f.order_id.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn matters(State(s): State<AppState>, Caller(who): Caller) -> Answer {
    ok(app(&s)?.matters(&who).await?)
}

async fn departments(State(s): State<AppState>, Caller(who): Caller) -> Answer {
    ok(app(&s)?.departments(&who).await?)
}

async fn figures(State(s): State<AppState>, Caller(who): Caller, req: Request) -> Answer {
    let q: FiguresQuery = query(req.uri().query())?;
    ok(app(&s)?.figures(&who, &q).await?)
}

async fn audit(State(s): State<AppState>, Caller(who): Caller, req: Request) -> Answer {
    let q: AuditQuery = query(req.uri().query())?;
    ok(app(&s)?.audit_log(&who, &q).await?)
}

async fn users(State(s): State<AppState>, Caller(who): Caller) -> Answer {
    ok(app(&s)?.users(&who).await?)
}

async fn camera(State(s): State<AppState>, Caller(who): Caller, body: Bytes) -> Answer {
    let f: CameraAlertForm = json_body(&body)?;
    let r = app(&s)?.camera_alert(&who, f).await?;
    let status = if r.merged {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(r)).into_response())
}

async fn event_types(State(s): State<AppState>) -> Answer {
    ok(app(&s)?.store().camera_event_types().await?)
}

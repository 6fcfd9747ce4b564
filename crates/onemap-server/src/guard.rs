//! What stands in front of every route of browser mode: who is calling (a session cookie or
//! bearer token, an API key), what they may reach, a body limit, and one error shape —
//! `{code, message}` with a 4xx for anything the caller got wrong, never a bare status or a
//! panic.
//!
//! - `/api/auth/login`, `/api/auth/setup`, `/api/auth/status`, `/healthz`, `/readyz` and the UI's
//!   files are public;
//! - `/api/intake/*` takes an intake system's API key (or an administrator's session);
//! - every other `/api/*` route needs a login session (an API key gets 403);
//! - `/open311/*` decides per route (reads are public as the standard has them; posting needs
//!   an `api_key`).
//!
//! A session travels as the HttpOnly, SameSite=Strict cookie `onemap_session` (the browser) or
//! as `Authorization: Bearer oms_…` (scripts, tests). A write made with the cookie must also
//! carry the header `X-OneMap-Client` (the UI sends it), which no other site can add to a
//! request without the browser asking this server first — and this server never says yes.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use onemap::access::{Principal, Role};

use crate::app::{AppError, Credentials};
use crate::http::AppState;

/// Largest request body accepted, bytes.
pub const BODY_LIMIT: usize = 64 * 1024;
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "onemap_session";
/// The header a cookie-authenticated write must carry.
pub const CLIENT_HEADER: &str = "x-onemap-client";

/// The HTTP status of an app error code.
#[must_use]
pub fn status_of(code: &str) -> StatusCode {
    match code {
        "invalid" => StatusCode::BAD_REQUEST,
        "unauthorized" => StatusCode::UNAUTHORIZED,
        "forbidden" => StatusCode::FORBIDDEN,
        "not_found" => StatusCode::NOT_FOUND,
        "conflict" | "illegal_transition" => StatusCode::CONFLICT,
        "too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "unsupported" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "method_not_allowed" => StatusCode::METHOD_NOT_ALLOWED,
        "rate_limited" => StatusCode::TOO_MANY_REQUESTS,
        "unavailable" | "no_store" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = status_of(self.code);
        let retry = (status == StatusCode::TOO_MANY_REQUESTS).then(|| {
            // "… retry in N s": tell clients when, as RFC 6585 suggests.
            self.message
                .split_whitespace()
                .rev()
                .find_map(|w| w.parse::<u64>().ok())
                .unwrap_or(1)
        });
        let mut res = (status, axum::Json(self)).into_response();
        if let Some(s) = retry
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// The caller's address, for rate limits on anonymous callers and the audit log.
#[must_use]
pub fn client_of(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// The secret a request carries, and whether it came in the cookie.
fn secret_of(headers: &HeaderMap) -> Option<(String, bool)> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    {
        return Some((t.trim().to_string(), false));
    }
    if let Some(k) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some((k.trim().to_string(), false));
    }
    cookie(headers, SESSION_COOKIE).map(|c| (c, true))
}

/// A cookie's value.
#[must_use]
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn public(path: &str) -> bool {
    matches!(
        path,
        "/api/auth/login" | "/api/auth/setup" | "/api/auth/status"
    )
}

/// The session token a request carries (for logout).
#[derive(Debug, Clone)]
pub struct Token(pub String);

/// Resolves the caller and applies the access rules above; puts the [`Principal`] (and the
/// [`Token`]) into the request's extensions.
pub async fn authenticate(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_api = path.starts_with("/api/");
    let is_open311 = path.starts_with("/open311/");
    if !(is_api || is_open311) || public(&path) {
        return next.run(req).await;
    }
    let Some(app) = s.app.clone() else {
        if is_api && !path.starts_with("/api/intake") {
            // No store (`serve --no-store`): the map alone, with no cases and no personal data,
            // and no users to log in with. A route that needs a caller says so (`Caller`).
            req.extensions_mut().insert(NoStore);
            return next.run(req).await;
        }
        return AppError::new(
            "unavailable",
            "this server runs without a store (--no-store, or the store failed to open: see its log)",
        )
        .into_response();
    };
    let found = secret_of(req.headers());
    let principal = match &found {
        // Only the briefing's routes get this far on a briefing screen (see `briefing_only`).
        None if s.briefing => Some(Principal::briefing_screen()),
        None => None,
        Some((secret, _)) => match app.authenticate(&Credentials::from_secret(secret)).await {
            Ok(p) => Some(p),
            Err(e) if is_open311 && e.code == "unauthorized" => None,
            Err(e) => return e.into_response(),
        },
    };
    if is_api {
        let Some(p) = &principal else {
            return AppError::new(
                "unauthorized",
                "log in first (POST /api/auth/login), or send an API key for intake",
            )
            .into_response();
        };
        let intake = path.starts_with("/api/intake/");
        if p.role == Role::Intake && !intake {
            return AppError::forbidden(
                "an API key may only file cases (/api/intake/…, /open311/…)",
            )
            .into_response();
        }
        let cookie_auth = found.as_ref().is_some_and(|(_, c)| *c);
        let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        // Every write of the planning API (what-if edits, saving, applying) is a planner's or
        // an administrator's; the others may read its coverage, gaps and saved scenarios.
        if unsafe_method && path.starts_with("/api/planning/") && !p.role.plans() {
            return AppError::forbidden(
                "planning scenarios are edited by planners and administrators",
            )
            .into_response();
        }
        if cookie_auth && unsafe_method && !req.headers().contains_key(CLIENT_HEADER) {
            return AppError::forbidden(
                "a write with the session cookie needs the X-OneMap-Client header (the UI sends it)",
            )
            .into_response();
        }
    }
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    if let Some((secret, _)) = found {
        req.extensions_mut().insert(Token(secret));
    }
    next.run(req).await
}

/// Turns every error answer that is not already `{code, message}` JSON (axum's own rejections:
/// a body over the limit, a wrong method, an unsupported media type) into one, keeping its
/// status; Open311 paths get the standard's error list instead (see `crate::open311`).
pub async fn uniform_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/json")
        || ct.starts_with("application/xml")
        || ct.starts_with("text/xml")
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let code = match parts.status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        s if s.is_client_error() => "invalid",
        _ => "internal",
    };
    let message = match (parts.status, text.is_empty()) {
        (StatusCode::PAYLOAD_TOO_LARGE, _) => {
            format!(
                "the request body is larger than the {} KiB limit",
                BODY_LIMIT / 1024
            )
        }
        (StatusCode::METHOD_NOT_ALLOWED, _) => format!("{path} does not take this method"),
        (_, false) => text,
        (s, true) => s.canonical_reason().unwrap_or("error").to_string(),
    };
    if path.starts_with("/open311/") {
        return crate::open311::error_response(parts.status, &message, path.ends_with(".xml"));
    }
    let mut res = AppError::new(code, message).into_response();
    *res.status_mut() = parts.status;
    res
}

/// A panic in a handler becomes a 500 `{code, message}` instead of a dropped connection.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    eprintln!("onemap serve: a handler panicked");
    AppError::new("internal", "the server failed on this request; see its log").into_response()
}

/// The caller, for handlers of routes the guard has already checked.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

/// Put on a request by [`authenticate`] when the server has no store: nobody can log in, so a
/// route that needs a caller is unavailable here, not waiting for a login.
#[derive(Debug, Clone, Copy)]
struct NoStore;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        if parts.extensions.get::<NoStore>().is_some() {
            return Err(AppError::new(
                "unavailable",
                "this server runs without a store (--no-store, or the store failed to open: see its log)",
            ));
        }
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| AppError::new("unauthorized", "log in first (POST /api/auth/login)"))
    }
}

/// Parses a JSON body, saying what is wrong with it.
///
/// # Errors
/// `invalid` with serde's account (line, column, the field and the type expected).
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if body.is_empty() {
        return Err(AppError::invalid(
            "the request has no body: send a JSON object",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        AppError::invalid(format!(
            "the body is not valid JSON of the expected shape: {e}"
        ))
    })
}

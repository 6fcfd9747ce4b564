//! Open311 GeoReport v2 (`/open311/v2/…`), in JSON and XML as the standard writes them:
//!
//! | route | what |
//! |---|---|
//! | `GET services.{json,xml}` | the matter catalogue |
//! | `GET services/{code}.{json,xml}` | a service's attributes |
//! | `POST requests.{json,xml}` | a new request, form-encoded, with `api_key` |
//! | `GET requests.{json,xml}` | requests by `service_request_id`, `service_code`, `start_date`, `end_date`, `status` |
//! | `GET requests/{id}.{json,xml}` | one request |
//!
//! The format extension may be left out (JSON). `jurisdiction_id` is accepted when it is the
//! dataset's district code. Errors are the standard's list, `[{"code": 400, "description": …}]`
//! (`<errors><error>…` in XML), with the same HTTP status; reads are public, as in the standard,
//! and carry no personal data.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use onemap::access::Principal;
use serde_json::{Value, json};

use crate::app::{App, AppError, Credentials, Open311Filter, Open311Request};
use crate::guard::{client_of, status_of};
use crate::http::AppState;

/// Anonymous reads allowed per minute per client address.
const ANONYMOUS_PER_MIN: i64 = 600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// Splits `name.json` / `name.xml` / `name`.
fn split_format(s: &str) -> Result<(&str, Format), AppError> {
    if let Some(n) = s.strip_suffix(".json") {
        Ok((n, Format::Json))
    } else if let Some(n) = s.strip_suffix(".xml") {
        Ok((n, Format::Xml))
    } else if s.contains('.') {
        Err(AppError::invalid(format!(
            "{s:?}: the format is .json or .xml"
        )))
    } else {
        Ok((s, Format::Json))
    }
}

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/discovery.json", get(discovery))
        .route(
            "/open311/v2/services",
            get(|s: State<AppState>, r: Request| services(s, r, Format::Json)),
        )
        .route(
            "/open311/v2/services.json",
            get(|s: State<AppState>, r: Request| services(s, r, Format::Json)),
        )
        .route(
            "/open311/v2/services.xml",
            get(|s: State<AppState>, r: Request| services(s, r, Format::Xml)),
        )
        .route("/open311/v2/services/{file}", get(service))
        .route(
            "/open311/v2/requests",
            get(|s: State<AppState>, r: Request| requests(s, r, Format::Json))
                .post(|s: State<AppState>, r: Request| post_request(s, r, Format::Json)),
        )
        .route(
            "/open311/v2/requests.json",
            get(|s: State<AppState>, r: Request| requests(s, r, Format::Json))
                .post(|s: State<AppState>, r: Request| post_request(s, r, Format::Json)),
        )
        .route(
            "/open311/v2/requests.xml",
            get(|s: State<AppState>, r: Request| requests(s, r, Format::Xml))
                .post(|s: State<AppState>, r: Request| post_request(s, r, Format::Xml)),
        )
        .route("/open311/v2/requests/{file}", get(request))
        .route("/open311/{*rest}", get(unknown).post(unknown))
}

async fn unknown(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    error_response(
        StatusCode::NOT_FOUND,
        &format!(
            "no Open311 route {path} (GeoReport v2: services, services/{{code}}, requests, requests/{{id}})"
        ),
        path.ends_with(".xml"),
    )
}

/// The standard's error answer.
#[must_use]
pub fn error_response(status: StatusCode, description: &str, xml: bool) -> Response {
    let body = json!([{"code": status.as_u16(), "description": description}]);
    render(
        status,
        &body,
        if xml { Format::Xml } else { Format::Json },
        "errors",
        "error",
    )
}

fn fail(e: &AppError, f: Format) -> Response {
    let status = status_of(e.code);
    let mut res = error_response(status, &e.message, f == Format::Xml);
    if status == StatusCode::TOO_MANY_REQUESTS {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    res
}

fn render(status: StatusCode, v: &Value, f: Format, root: &str, item: &str) -> Response {
    match f {
        Format::Json => (status, axum::Json(v.clone())).into_response(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            xml_element(&mut out, root, v, item);
            (
                status,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/xml; charset=utf-8"),
                )],
                out,
            )
                .into_response()
        }
    }
}

/// Escapes text for XML content.
///
/// ```
/// assert_eq!(onemap_server::open311::xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
/// ```
#[must_use]
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The element name of one item of a list named `list` (the standard's plural → singular).
fn item_name(list: &str) -> &str {
    match list {
        "attributes" => "attribute",
        "values" => "value",
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        _ => "item",
    }
}

fn xml_element(out: &mut String, name: &str, v: &Value, item: &str) {
    match v {
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::Array(a) => {
            out.push_str(&format!("<{name}>"));
            for x in a {
                xml_element(out, item, x, item_name(item));
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Object(m) => {
            out.push_str(&format!("<{name}>"));
            for (k, x) in m {
                xml_element(out, k, x, item_name(k));
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(s))),
        Value::Bool(b) => out.push_str(&format!("<{name}>{b}</{name}>")),
        Value::Number(n) => out.push_str(&format!("<{name}>{n}</{name}>")),
    }
}

fn app(s: &AppState) -> Result<&App, AppError> {
    s.app.as_ref().ok_or_else(|| {
        AppError::new(
            "unavailable",
            "this server runs without a store (--no-store)",
        )
    })
}

/// The query or form pairs of a request, in order.
fn pairs(raw: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw)
        .map_err(|e| AppError::invalid(format!("the parameters are not form-encoded: {e}")))
}

fn check_jurisdiction(s: &AppState, params: &[(String, String)]) -> Result<(), AppError> {
    let Some((_, j)) = params.iter().find(|(k, _)| k == "jurisdiction_id") else {
        return Ok(());
    };
    let ours: Vec<String> = s
        .map
        .get()
        .atlas()
        .districts()
        .iter()
        .map(|d| d.code.clone())
        .collect();
    if ours.iter().any(|c| c == j) {
        Ok(())
    } else {
        Err(AppError::not_found(format!(
            "jurisdiction_id {j:?} is not served here (served: {})",
            ours.join(", ")
        )))
    }
}

fn anonymous_limit(s: &AppState, req: &Request) -> Result<(), AppError> {
    if req.extensions().get::<Principal>().is_some() {
        return Ok(());
    }
    app(s)?.limit_anonymous(&client_of(req), ANONYMOUS_PER_MIN)
}

async fn discovery(State(s): State<AppState>) -> Response {
    let district = s
        .map
        .get()
        .atlas()
        .districts()
        .first()
        .map(|d| d.name.clone())
        .unwrap_or_default();
    axum::Json(json!({
        "changeset": "2026-01-01T00:00:00+08:00",
        "contact": format!("{district} 群众诉求服务中心 (OneMap)"),
        "key_service": "API keys are issued by the administrator: onemap keys add NAME --channel app",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "/open311/v2",
            "changeset": "2026-01-01T00:00:00+08:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    }))
    .into_response()
}

/// What a read needs of its request, taken before any await (a request is not `Sync`): its
/// parameters, after the anonymous rate limit and the jurisdiction check.
fn read_params(s: &AppState, req: &Request) -> Result<Vec<(String, String)>, AppError> {
    anonymous_limit(s, req)?;
    let params = pairs(req.uri().query().unwrap_or("").as_bytes())?;
    check_jurisdiction(s, &params)?;
    Ok(params)
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::new("internal", e.to_string()))
}

async fn services(State(s): State<AppState>, req: Request, f: Format) -> Response {
    let params = read_params(&s, &req);
    drop(req);
    let run = async {
        params?;
        to_value(app(&s)?.open311_services().await?)
    };
    match run.await {
        Ok(v) => render(StatusCode::OK, &v, f, "services", "service"),
        Err(e) => fail(&e, f),
    }
}

async fn service(State(s): State<AppState>, Path(file): Path<String>, req: Request) -> Response {
    let f = split_format(&file).map_or(Format::Json, |(_, f)| f);
    let params = read_params(&s, &req);
    drop(req);
    let run = async {
        params?;
        let (code, _) = split_format(&file)?;
        to_value(app(&s)?.open311_service(code).await?)
    };
    match run.await {
        Ok(v) => render(StatusCode::OK, &v, f, "service_definition", "attribute"),
        Err(e) => fail(&e, f),
    }
}

fn filter_of(params: &[(String, String)]) -> Result<Open311Filter, AppError> {
    let mut out = Open311Filter::default();
    for (k, v) in params {
        let slot = match k.as_str() {
            "service_request_id" => &mut out.service_request_id,
            "service_code" => &mut out.service_code,
            "start_date" => &mut out.start_date,
            "end_date" => &mut out.end_date,
            "status" => &mut out.status,
            "jurisdiction_id" | "api_key" | "extensions" => continue,
            other => {
                return Err(AppError::invalid(format!(
                    "{other:?} is not a parameter of GET requests (service_request_id, \
                     service_code, start_date, end_date, status)"
                )));
            }
        };
        // Repeated parameters combine, as the standard allows for lists.
        *slot = Some(match slot.take() {
            Some(prev) => format!("{prev},{v}"),
            None => v.clone(),
        });
    }
    Ok(out)
}

async fn requests(State(s): State<AppState>, req: Request, f: Format) -> Response {
    let params = read_params(&s, &req);
    drop(req);
    let run = async {
        let filter = filter_of(&params?)?;
        to_value(app(&s)?.open311_requests(&filter).await?)
    };
    match run.await {
        Ok(v) => render(StatusCode::OK, &v, f, "service_requests", "request"),
        Err(e) => fail(&e, f),
    }
}

async fn request(State(s): State<AppState>, Path(file): Path<String>, req: Request) -> Response {
    let f = split_format(&file).map_or(Format::Json, |(_, f)| f);
    let params = read_params(&s, &req);
    drop(req);
    let run = async {
        params?;
        let (id, _) = split_format(&file)?;
        to_value(app(&s)?.open311_request(id).await?)
    };
    match run.await {
        Ok(v) => render(StatusCode::OK, &v, f, "service_requests", "request"),
        Err(e) => fail(&e, f),
    }
}

/// The request's parameters: form-encoded as the standard's examples (or a flat JSON object),
/// with the query string's too.
fn post_params(
    req_query: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Result<Vec<(String, String)>, AppError> {
    let mut params = pairs(req_query.unwrap_or("").as_bytes())?;
    if content_type.starts_with("application/json") {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| AppError::invalid(format!("the body is not valid JSON: {e}")))?;
        let Value::Object(m) = v else {
            return Err(AppError::invalid(
                "the JSON body must be an object of the request's fields",
            ));
        };
        for (k, v) in m {
            let text = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => continue,
                Value::Object(attrs) if k == "attribute" => {
                    for (a, av) in attrs {
                        let t = match av {
                            Value::String(s) => s,
                            other => other.to_string(),
                        };
                        params.push((format!("attribute[{a}]"), t));
                    }
                    continue;
                }
                _ => {
                    return Err(AppError::invalid(format!(
                        "{k}: a field is a string or a number"
                    )));
                }
            };
            params.push((k, text));
        }
    } else if content_type.is_empty()
        || content_type.starts_with("application/x-www-form-urlencoded")
    {
        params.extend(pairs(body)?);
    } else {
        return Err(AppError::new(
            "unsupported",
            format!(
                "POST requests takes application/x-www-form-urlencoded (or JSON), not {content_type}"
            ),
        ));
    }
    Ok(params)
}

fn request_of(params: &[(String, String)]) -> Result<(Open311Request, Option<String>), AppError> {
    let mut r = Open311Request::default();
    let mut key = None;
    for (k, v) in params {
        let v = v.clone();
        match k.as_str() {
            "api_key" => key = Some(v),
            "service_code" => r.service_code = v,
            "lat" => r.lat = Some(v),
            "long" => r.long = Some(v),
            "address_string" => r.address_string = Some(v),
            "address_id" => r.address_id = Some(v),
            "description" => r.description = Some(v),
            "first_name" => r.first_name = Some(v),
            "last_name" => r.last_name = Some(v),
            "phone" => r.phone = Some(v),
            // Accepted as the standard has them, and not kept: OneMap stores no more personal
            // data than the loop needs.
            "jurisdiction_id" | "email" | "device_id" | "account_id" | "media_url" => {}
            other => {
                if let Some(code) = other
                    .strip_prefix("attribute[")
                    .and_then(|a| a.strip_suffix(']'))
                {
                    r.attributes.push((code.to_string(), v));
                } else {
                    return Err(AppError::invalid(format!(
                        "{other:?} is not a field of POST requests"
                    )));
                }
            }
        }
    }
    Ok((r, key))
}

async fn post_request(State(s): State<AppState>, req: Request, f: Format) -> Response {
    let caller = req.extensions().get::<Principal>().cloned();
    let query = req.uri().query().map(str::to_string);
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = req.into_body();
    let run = async {
        let a = app(&s)?;
        let body: Bytes = axum::body::to_bytes(body, crate::guard::BODY_LIMIT)
            .await
            .map_err(|_| {
                AppError::new(
                    "too_large",
                    format!(
                        "the request body is larger than the {} KiB limit",
                        crate::guard::BODY_LIMIT / 1024
                    ),
                )
            })?;
        let params = post_params(query.as_deref(), &ct, &body)?;
        check_jurisdiction(&s, &params)?;
        let (r, key) = request_of(&params)?;
        let who = match (caller, key) {
            (Some(p), _) => p,
            (None, Some(k)) => a.authenticate(&Credentials::ApiKey(k)).await?,
            (None, None) => {
                return Err(AppError::new(
                    "unauthorized",
                    "POST requests needs an api_key (form field api_key, or the X-API-Key header)",
                ));
            }
        };
        to_value(a.open311_post(&who, r).await?)
    };
    match run.await {
        Ok(v) => render(StatusCode::CREATED, &v, f, "service_requests", "request"),
        Err(e) => fail(&e, f),
    }
}

//! Browser mode's planning routes (`/api/planning/…`), one-line adapters over
//! [`crate::planning::Planning`]; merged into the router by [`crate::http::router`].
//!
//! | route | what |
//! |---|---|
//! | `GET /api/planning/coverage?level=&service=&scenario=` | coverage per unit, saved and scenario |
//! | `GET /api/planning/gaps?service=&scenario=` | gap polygons and uncovered buildings (GeoJSON) |
//! | `GET /api/planning/stations?scenario=&circles=` | a scenario's stations or their circles (GeoJSON) |
//! | `GET, POST /api/planning/scenarios` | list; create `{name, note?, from?}` |
//! | `GET, PUT, DELETE /api/planning/scenarios/{id}` | view; save `{name?, note?}`; delete |
//! | `POST /api/planning/scenarios/{id}/edits` | one edit or a list (all or none) → what changed |
//! | `POST /api/planning/scenarios/{id}/undo` | take back the last edit |
//! | `POST /api/planning/scenarios/{id}/apply` | write the stations layer, swap the Atlas (administrators) |
//! | `GET /api/planning/compare?ids=a,b&level=&service=` | side by side |
//! | `POST /api/planning/suggest` | suggested sites `{service, count?, target?, objective?, candidates?, exclude?, scenario?}` |
//! | `GET /api/planning/policy?service=&scenario=` | the 500-m rule per sub-grid, with fixes |
//! | `GET /api/planning/walking?service=&level=&scenario=` | walking against the circle |
//! | `GET /api/planning/export/coverage.csv`, `gaps.geojson`, `report.html`, `report.pdf` | files (`lang=zh-CN|en`) |
//! | `POST /api/exports/planning-report` | the report as a job with progress and Cancel (in `formats.rs`, beside the other jobs) |

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use onemap_geo::scenario::Edit;
use onemap_report::{Format, Lang};
use serde::Deserialize;

use crate::guard::Caller;
use crate::planning::{
    Export, Planning, PlanningError, SuggestParams, on_blocking_pool, parse_level, parse_service,
};

/// A planning error as an HTTP answer: `{code, message}` with its status.
pub struct PlanningHttpError(PlanningError);

impl From<PlanningError> for PlanningHttpError {
    fn from(e: PlanningError) -> Self {
        PlanningHttpError(e)
    }
}

impl IntoResponse for PlanningHttpError {
    fn into_response(self) -> Response {
        let status = match self.0.code {
            // A cancelled store operation, as the formats routes answer it.
            "cancelled" => StatusCode::CONFLICT,
            code => crate::guard::status_of(code),
        };
        (status, axum::Json(self.0.body())).into_response()
    }
}

type Answer = Result<Response, PlanningHttpError>;
type Params = Query<HashMap<String, String>>;

/// The planning routes, with their state.
pub fn routes<S>(planning: Arc<Planning>) -> Router<S> {
    Router::new()
        .route("/api/planning/coverage", get(coverage))
        .route("/api/planning/gaps", get(gaps))
        .route("/api/planning/stations", get(stations))
        .route("/api/planning/scenarios", get(list).post(create))
        .route(
            "/api/planning/scenarios/{id}",
            get(view).put(save).delete(remove),
        )
        .route("/api/planning/scenarios/{id}/edits", post(edit))
        .route("/api/planning/scenarios/{id}/undo", post(undo))
        .route("/api/planning/scenarios/{id}/apply", post(apply))
        .route("/api/planning/compare", get(compare))
        .route("/api/planning/suggest", post(suggest))
        .route("/api/planning/policy", get(policy))
        .route("/api/planning/walking", get(walking))
        .route("/api/planning/export/{file}", get(export))
        .with_state(planning)
}

fn json<T: serde::Serialize>(v: &T) -> Response {
    axum::Json(v).into_response()
}

fn text(content_type: &'static str, body: String) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

fn q<'a>(p: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    p.get(k).map(String::as_str).filter(|s| !s.is_empty())
}

fn bad(message: String) -> PlanningHttpError {
    PlanningHttpError(PlanningError {
        code: "invalid",
        message,
    })
}

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, PlanningHttpError> {
    serde_json::from_slice(bytes).map_err(|e| {
        bad(format!(
            "{what} is not valid JSON of the expected shape: {e}"
        ))
    })
}

async fn coverage(State(p): State<Arc<Planning>>, Query(q_): Params) -> Answer {
    let level = parse_level(q(&q_, "level"))?;
    let service = match q(&q_, "service") {
        None | Some("all") => None,
        s => Some(parse_service(s)?),
    };
    let scenario = q(&q_, "scenario").map(str::to_string);
    Ok(json(
        &p.coverage(level, service, scenario.as_deref()).await?,
    ))
}

async fn gaps(State(p): State<Arc<Planning>>, Query(q_): Params) -> Answer {
    let service = parse_service(q(&q_, "service"))?;
    let scenario = q(&q_, "scenario").map(str::to_string);
    let t = on_blocking_pool(&p, move |p| async move {
        p.gaps(service, scenario.as_deref()).await
    })
    .await?;
    Ok(text("application/geo+json", t.as_str().to_owned()))
}

async fn stations(State(p): State<Arc<Planning>>, Query(q_): Params) -> Answer {
    let circles = matches!(q(&q_, "circles"), Some("true" | "1"));
    let t = p.stations(q(&q_, "scenario"), circles).await?;
    Ok(text("application/geo+json", t))
}

async fn list(State(p): State<Arc<Planning>>) -> Answer {
    Ok(json(&p.list().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    from: Option<String>,
}

async fn create(
    State(p): State<Arc<Planning>>,
    Caller(who): Caller,
    b: axum::body::Bytes,
) -> Answer {
    let b: CreateBody = body(&b, "the scenario")?;
    let made = p
        .create(&b.name, &b.note, b.from.as_deref(), &who.user)
        .await;
    let id = made
        .as_ref()
        .map_or_else(|_| String::new(), |v| v.scenario.id.clone());
    let v = p.audited(&who, "scenario.create", &id, made).await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

async fn view(State(p): State<Arc<Planning>>, Path(id): Path<String>) -> Answer {
    Ok(json(&p.get(&id).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SaveBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

async fn save(
    State(p): State<Arc<Planning>>,
    Caller(who): Caller,
    Path(id): Path<String>,
    b: axum::body::Bytes,
) -> Answer {
    let b: SaveBody = if b.is_empty() {
        SaveBody::default()
    } else {
        body(&b, "the save")?
    };
    let saved = p
        .save(&id, b.name.as_deref(), b.note.as_deref(), &who.user)
        .await;
    Ok(json(&p.audited(&who, "scenario.save", &id, saved).await?))
}

async fn remove(
    State(p): State<Arc<Planning>>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Answer {
    let removed = p.delete(&id).await;
    p.audited(&who, "scenario.delete", &id, removed).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// One edit, a list of edits, or `{"edits": [...]}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Edits {
    One(Edit),
    Many(Vec<Edit>),
    Wrapped { edits: Vec<Edit> },
}

async fn edit(
    State(p): State<Arc<Planning>>,
    Path(id): Path<String>,
    b: axum::body::Bytes,
) -> Answer {
    let edits = match body::<Edits>(&b, "the edit")? {
        Edits::One(e) => vec![e],
        Edits::Many(v) | Edits::Wrapped { edits: v } => v,
    };
    Ok(json(&p.edit(&id, &edits).await?))
}

async fn undo(State(p): State<Arc<Planning>>, Path(id): Path<String>) -> Answer {
    Ok(json(&p.undo(&id).await?))
}

async fn apply(
    State(p): State<Arc<Planning>>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Answer {
    let v = on_blocking_pool(&p, move |p| async move { p.apply_as(&id, &who).await }).await?;
    Ok(json(&v))
}

async fn compare(State(p): State<Arc<Planning>>, Query(q_): Params) -> Answer {
    let ids: Vec<String> = q(&q_, "ids")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let level = parse_level(q(&q_, "level"))?;
    let service = parse_service(q(&q_, "service"))?;
    Ok(json(&p.compare(&ids, level, service).await?))
}

async fn suggest(State(p): State<Arc<Planning>>, b: axum::body::Bytes) -> Answer {
    let params: SuggestParams = body(&b, "the suggestion request")?;
    let v = on_blocking_pool(&p, move |p| async move { p.suggest(&params).await }).await?;
    Ok(json(&v))
}

async fn policy(State(p): State<Arc<Planning>>, Query(q_): Params) -> Answer {
    let service = match q(&q_, "service") {
        None | Some("all") => None,
        s => parse_service(s)?,
    };
    let scenario = q(&q_, "scenario").map(str::to_string);
    let v = on_blocking_pool(&p, move |p| async move {
        p.policy(service, scenario.as_deref()).await
    })
    .await?;
    Ok(json(&v))
}

async fn walking(State(p): State<Arc<Planning>>, Query(q_): Params) -> Answer {
    let service = parse_service(q(&q_, "service"))?;
    let level = parse_level(q(&q_, "level"))?;
    let scenario = q(&q_, "scenario").map(str::to_string);
    let v = on_blocking_pool(&p, move |p| async move {
        p.walking(service, level, scenario.as_deref()).await
    })
    .await?;
    Ok(json(&v))
}

fn lang_of(q_: &HashMap<String, String>) -> Result<Lang, PlanningHttpError> {
    q(q_, "lang").unwrap_or("zh-CN").parse().map_err(bad)
}

fn file(e: Export) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", e.file_name);
    Response::builder()
        .header(header::CONTENT_TYPE, e.content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .body(axum::body::Body::from(e.bytes))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn export(
    State(p): State<Arc<Planning>>,
    Path(name): Path<String>,
    Query(q_): Params,
) -> Answer {
    let scenario = q(&q_, "scenario").map(str::to_string);
    let lang = lang_of(&q_)?;
    let e = match name.as_str() {
        "coverage.csv" => {
            let level = parse_level(q(&q_, "level"))?;
            p.export_csv(level, scenario.as_deref(), lang).await?
        }
        "gaps.geojson" => {
            let service = parse_service(q(&q_, "service"))?;
            on_blocking_pool(&p, move |p| async move {
                p.export_gaps(service, scenario.as_deref()).await
            })
            .await?
        }
        "report.html" | "report.pdf" => {
            let format = if name.ends_with("pdf") {
                Format::Pdf
            } else {
                Format::Html
            };
            let date = onemap_report::today();
            on_blocking_pool(&p, move |p| async move {
                // Answered as a file at the end (the UI starts it as a job with a progress bar
                // instead: POST /api/exports/planning-report).
                let progress = onemap_report::Progress::new();
                p.export_report(format, lang, scenario.as_deref(), &date, &progress)
                    .await
            })
            .await?
        }
        other => {
            return Err(PlanningHttpError(PlanningError {
                code: "not_found",
                message: format!(
                    "no export {other:?} (coverage.csv, gaps.geojson, report.html, report.pdf)"
                ),
            }));
        }
    };
    Ok(file(e))
}

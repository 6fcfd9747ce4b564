//! Browser mode's import wizard, exports, print and jobs (feature `http`): thin routes over
//! `onemap::imports`, `onemap::exports`, `onemap::jobs` and `onemap_formats::print`. Merged into
//! the router by [`crate::http::router`] with one line.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/schema` | the layers and their target fields (geodata/SCHEMA.md) |
//! | `POST /api/imports` | starts an import: `{session}` |
//! | `PUT /api/imports/{id}/files/{name}` | uploads one file as the raw body (≤ 256 MiB) |
//! | `POST /api/imports/{id}/open` | job: reads the main file → format, coordinate system, fields |
//! | `POST /api/imports/{id}/preview` | job: `{layer, mapping?}` → first rows, features, every problem |
//! | `POST /api/imports/{id}/commit` | job: `{mapping}` → writes the layer atomically |
//! | `DELETE /api/imports/{id}` | ends an import, removes its files |
//! | `POST /api/exports` | job: `{format: gpkg\|geojson\|csv\|kml, layer?, personal?}` → a file |
//! | `POST /api/print` | job: print options (bbox, paper, dpi, title…) → a PNG |
//! | `POST /api/exports/planning-report` | job: `{format: pdf\|html, lang?, scenario?}` → the planning report |
//! | `GET /api/jobs/{id}` | a job's state and progress (count, rate, time left) |
//! | `POST /api/jobs/{id}/cancel` | cancels it (rolled back, partial file removed) |
//! | `GET /api/jobs/{id}/file` | downloads its file |
//!
//! Who may: imports are an administrator's (the import written is audited); exports follow
//! [`crate::app::App::authorize_data_tool`] (personal data only to district-wide operators and
//! administrators, audited; a street operator exports no case table).

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use onemap::exports::ExportKind;
use onemap::imports::{ImportSessions, MAX_UPLOAD_BYTES};
use onemap::jobs::{JobFile, JobOutput, Jobs};
use onemap_formats::mapping::Mapping;
use onemap_formats::source::ReadOptions;

use onemap::access::Principal;

use crate::app::{App, AppError, DataTool};
use crate::http::AppState;
use crate::map::{ApiError, CurrentMap};

/// What these routes share.
#[derive(Clone)]
struct Formats {
    map: Arc<CurrentMap>,
    planning: Arc<crate::planning::Planning>,
    store: Option<onemap::Store>,
    app: Option<App>,
    jobs: Jobs,
    sessions: ImportSessions,
}

impl Formats {
    /// Whether the caller may use `tool` (without a store every route answers `no_store`).
    async fn allow(&self, who: Option<&Principal>, tool: DataTool<'_>) -> Result<(), AppError> {
        let Some(app) = &self.app else {
            return Ok(());
        };
        let Some(who) = who else {
            return Err(AppError::new("unauthorized", "log in first"));
        };
        app.authorize_data_tool(who, tool).await
    }
}

/// In front of every import route: an administrator's.
async fn imports_allowed(State(f): State<Formats>, req: Request, next: Next) -> Response {
    if let Err(e) = f
        .allow(req.extensions().get::<Principal>(), DataTool::Import)
        .await
    {
        return e.into_response();
    }
    next.run(req).await
}

/// The routes, with their own state taken from `state`.
pub fn routes<S: Clone + Send + Sync + 'static>(state: &AppState) -> Router<S> {
    let f = Formats {
        map: Arc::clone(&state.map),
        planning: Arc::clone(&state.planning),
        store: state.store.clone(),
        app: state.app.clone(),
        jobs: Jobs::new(),
        sessions: ImportSessions::new(),
    };
    let upload_limit = usize::try_from(MAX_UPLOAD_BYTES).unwrap_or(usize::MAX);
    let imports = Router::new()
        .route("/api/imports", post(create_import))
        .route(
            "/api/imports/{id}/files/{name}",
            put(put_file).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/imports/{id}/open", post(open_import))
        .route("/api/imports/{id}/preview", post(preview_import))
        .route("/api/imports/{id}/commit", post(commit_import))
        .route("/api/imports/{id}", delete(delete_import))
        .route_layer(axum::middleware::from_fn_with_state(
            f.clone(),
            imports_allowed,
        ));
    Router::new()
        .route("/api/schema", get(schema))
        .merge(imports)
        .route("/api/exports", post(start_export))
        .route("/api/print", post(start_print))
        .route("/api/exports/planning-report", post(start_planning_report))
        .route("/api/jobs/{id}", get(job_status))
        .route("/api/jobs/{id}/cancel", post(cancel_job))
        .route("/api/jobs/{id}/file", get(job_file))
        .with_state(f)
}

/// An error answer: `{code, message}` with its status.
struct Fail(StatusCode, ApiError);

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        (self.0, axum::Json(self.1)).into_response()
    }
}

impl From<onemap::Error> for Fail {
    fn from(e: onemap::Error) -> Self {
        let code = e.code();
        let status = match code {
            onemap::ErrorCode::NotFound => StatusCode::NOT_FOUND,
            onemap::ErrorCode::Invalid => StatusCode::BAD_REQUEST,
            onemap::ErrorCode::Conflict | onemap::ErrorCode::IllegalTransition => {
                StatusCode::CONFLICT
            }
            onemap::ErrorCode::Cancelled => StatusCode::CONFLICT,
            onemap::ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            onemap::ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            onemap::ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = if code == onemap::ErrorCode::Internal {
            eprintln!("onemap serve: {e}");
            "the operation failed; see the server log".to_owned()
        } else {
            e.to_string()
        };
        Fail(
            status,
            ApiError {
                code: code.as_str(),
                message,
            },
        )
    }
}

fn invalid(message: impl Into<String>) -> Fail {
    Fail(
        StatusCode::BAD_REQUEST,
        ApiError {
            code: "invalid",
            message: message.into(),
        },
    )
}

type Answer = Result<Response, Fail>;

impl Formats {
    fn store(&self) -> Result<onemap::Store, Fail> {
        self.store.clone().ok_or(Fail(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiError {
                code: "no_store",
                message: "this server runs without a store (--no-store, or the store failed to open: see the server log)".into(),
            },
        ))
    }
}

/// A JSON body of type `T`, or a 400 saying what is wrong with it.
fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, Fail> {
    if bytes.is_empty() {
        return serde_json::from_str("{}")
            .map_err(|e| invalid(format!("a JSON body is needed: {e}")));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        invalid(format!(
            "the body is not valid JSON of the expected shape: {e}"
        ))
    })
}

fn started(id: String) -> Response {
    (StatusCode::ACCEPTED, axum::Json(json!({"job": id}))).into_response()
}

fn output(v: impl serde::Serialize) -> onemap::Result<JobOutput> {
    Ok(JobOutput {
        result: serde_json::to_value(v).unwrap_or(Value::Null),
        file: None,
    })
}

async fn schema() -> Response {
    axum::Json(onemap_formats::schema::LAYERS).into_response()
}

async fn create_import(State(f): State<Formats>) -> Answer {
    f.store()?;
    let id = f.sessions.create()?;
    Ok((StatusCode::CREATED, axum::Json(json!({"session": id}))).into_response())
}

async fn put_file(
    State(f): State<Formats>,
    Path((id, name)): Path<(String, String)>,
    bytes: Result<Bytes, BytesRejection>,
) -> Answer {
    let bytes = bytes.map_err(|r| {
        Fail(
            r.status(),
            ApiError {
                code: if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    "too_large"
                } else {
                    "invalid"
                },
                message: format!(
                    "{name}: {} (a file may have at most {} MiB)",
                    r.body_text(),
                    MAX_UPLOAD_BYTES / 1024 / 1024
                ),
            },
        )
    })?;
    let files = f.sessions.put_file(&id, &name, &bytes)?;
    Ok(axum::Json(json!({"files": files})).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OpenBody {
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default)]
    source_layer: Option<String>,
}

async fn open_import(State(f): State<Formats>, Path(id): Path<String>, bytes: Bytes) -> Answer {
    let b: OpenBody = body(&bytes)?;
    if let Err(e @ onemap::Error::NotFound { .. }) = f.sessions.source(&id) {
        return Err(e.into());
    }
    let sessions = f.sessions.clone();
    let job = f.jobs.spawn("open", move |p| async move {
        p.stage("reading the file", 0);
        let options = ReadOptions {
            encoding: b.encoding,
            layer: b.source_layer,
        };
        output(sessions.open(&id, &options).await?)
    });
    Ok(started(job))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviewBody {
    layer: String,
    #[serde(default)]
    mapping: Option<Mapping>,
}

async fn preview_import(State(f): State<Formats>, Path(id): Path<String>, bytes: Bytes) -> Answer {
    let b: PreviewBody = body(&bytes)?;
    let store = f.store()?;
    let source = f.sessions.source(&id)?;
    let mapping = match b.mapping {
        Some(m) if m.layer == b.layer => m,
        Some(m) => {
            return Err(invalid(format!(
                "the mapping is for {:?}, not {:?}",
                m.layer, b.layer
            )));
        }
        None => Mapping::suggest(&b.layer, &source).map_err(|e| invalid(e.to_string()))?,
    };
    let job = f.jobs.spawn("preview", move |p| async move {
        output(store.preview_import(&source, &mapping, &p).await?)
    });
    Ok(started(job))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitBody {
    mapping: Mapping,
}

async fn commit_import(
    State(f): State<Formats>,
    who: Option<axum::Extension<Principal>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Answer {
    let b: CommitBody = body(&bytes)?;
    let store = f.store()?;
    let source = f.sessions.source(&id)?;
    let tool = DataTool::Commit {
        layer: &b.mapping.layer,
    };
    if let Err(e) = f.allow(who.as_deref(), tool).await {
        return Ok(e.into_response());
    }
    let job = f.jobs.spawn("import", move |p| async move {
        output(store.import_source(&source, &b.mapping, &p).await?)
    });
    Ok(started(job))
}

async fn delete_import(State(f): State<Formats>, Path(id): Path<String>) -> Answer {
    f.sessions.remove(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportBody {
    format: String,
    #[serde(default)]
    layer: Option<String>,
    #[serde(default)]
    personal: bool,
}

fn temp_file(ext: &str) -> Result<(tempfile::TempDir, std::path::PathBuf), Fail> {
    let dir = tempfile::Builder::new()
        .prefix("onemap-export-")
        .tempdir()
        .map_err(|e| {
            Fail::from(onemap::Error::Io {
                path: "temporary directory".into(),
                source: e,
            })
        })?;
    let path = dir.path().join(format!("onemap.{ext}"));
    Ok((dir, path))
}

async fn start_export(
    State(f): State<Formats>,
    who: Option<axum::Extension<Principal>>,
    bytes: Bytes,
) -> Answer {
    let b: ExportBody = body(&bytes)?;
    let store = f.store()?;
    let tool = DataTool::Export {
        layer: b.layer.as_deref(),
        personal: b.personal,
    };
    if let Err(e) = f.allow(who.as_deref(), tool).await {
        return Ok(e.into_response());
    }
    let kind = ExportKind::parse(&b.format)?;
    if kind == ExportKind::Shapefile {
        return Err(invalid(
            "Shapefile exports are written by `onemap export --format shp -o DIR`; download GeoPackage here",
        ));
    }
    let (dir, path) = temp_file(kind.extension())?;
    let layer = b.layer.clone();
    let file_name = match &layer {
        Some(l) => format!("onemap-{l}.{}", kind.extension()),
        None => format!("onemap.{}", kind.extension()),
    };
    let content_type = match kind {
        ExportKind::GeoPackage => "application/geopackage+sqlite3",
        ExportKind::GeoJson => "application/geo+json",
        ExportKind::Csv => "text/csv; charset=utf-8",
        ExportKind::Kml => "application/vnd.google-earth.kml+xml",
        ExportKind::Shapefile => "application/zip",
    };
    let job = f.jobs.spawn("export", move |p| async move {
        let report = match (kind, layer) {
            (ExportKind::GeoPackage, _) => store.export_geopackage(&path, b.personal, &p).await?,
            (_, Some(l)) => {
                store
                    .export_layer_file(&l, kind, &path, b.personal, &p)
                    .await?
            }
            (_, None) => return Err(onemap::Error::Invalid("name the layer to export".into())),
        };
        // The directory lives as long as the job's file: keep it, the job registry removes it.
        let kept = dir.keep();
        let _ = kept;
        Ok(JobOutput {
            result: serde_json::to_value(&report).unwrap_or(Value::Null),
            file: Some(JobFile {
                path,
                content_type: content_type.to_owned(),
                file_name,
            }),
        })
    });
    Ok(started(job))
}

async fn start_print(State(f): State<Formats>, bytes: Bytes) -> Answer {
    let options: onemap_formats::print::PrintOptions = body(&bytes)?;
    let [west, south, east, north] = options.bbox;
    if !(west < east && south < north) || options.bbox.iter().any(|v| !v.is_finite()) {
        return Err(invalid(format!(
            "bbox {:?} is not [west, south, east, north] with west < east and south < north",
            options.bbox
        )));
    }
    let (w, h) = options.pixels();
    if !(72..=600).contains(&options.dpi) || u64::from(w) * u64::from(h) > 80_000_000 {
        return Err(invalid(format!(
            "a {w}×{h} page at {} dpi is too large (at most 600 dpi and 80 megapixels)",
            options.dpi
        )));
    }
    let (dir, path) = temp_file("png")?;
    let map = f.map.get();
    let job = f.jobs.spawn("print", move |p| async move {
        let out = path.clone();
        let info = tokio::task::spawn_blocking(move || {
            p.stage("collecting layers", 0);
            let scene = crate::print::scene(&map)?;
            onemap_formats::print::render(&scene, &options, &out, &p).map_err(|e| match e {
                onemap_formats::print::PrintError::Cancelled => onemap::Error::Cancelled,
                other => onemap::Error::Invalid(other.to_string()),
            })
        })
        .await
        .map_err(|e| onemap::Error::Invalid(format!("print: {e}")))??;
        let _ = dir.keep();
        Ok(JobOutput {
            result: serde_json::to_value(&info).unwrap_or(Value::Null),
            file: Some(JobFile {
                path,
                content_type: "image/png".into(),
                file_name: "onemap-view.png".into(),
            }),
        })
    });
    Ok(started(job))
}

/// What `POST /api/exports/planning-report` takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportRequest {
    /// `pdf` or `html`.
    format: String,
    /// `zh-CN` (default) or `en`.
    #[serde(default)]
    lang: Option<String>,
    /// A scenario to print beside the saved stations.
    #[serde(default)]
    scenario: Option<String>,
}

/// The planning report as a job with progress and Cancel (the GET export answers the same file
/// at the end, with nothing to show meanwhile).
async fn start_planning_report(State(f): State<Formats>, bytes: Bytes) -> Answer {
    let r: ReportRequest = body(&bytes)?;
    let format: onemap_report::Format = r.format.parse().map_err(|m: String| invalid(m))?;
    let lang: onemap_report::Lang = r
        .lang
        .as_deref()
        .unwrap_or("zh-CN")
        .parse()
        .map_err(|m: String| invalid(m))?;
    let planning = Arc::clone(&f.planning);
    let job = f.jobs.spawn("planning-report", move |p| {
        crate::planning::report_job(planning, format, lang, r.scenario, p)
    });
    Ok(started(job))
}

async fn job_status(State(f): State<Formats>, Path(id): Path<String>) -> Answer {
    Ok(axum::Json(f.jobs.status(&id)?).into_response())
}

async fn cancel_job(State(f): State<Formats>, Path(id): Path<String>) -> Answer {
    Ok(axum::Json(f.jobs.cancel(&id)?).into_response())
}

async fn job_file(State(f): State<Formats>, Path(id): Path<String>) -> Answer {
    let file = f.jobs.file(&id)?;
    let bytes = tokio::fs::read(&file.path).await.map_err(|e| {
        Fail::from(onemap::Error::Io {
            path: file.path.display().to_string(),
            source: e,
        })
    })?;
    Response::builder()
        .header(header::CONTENT_TYPE, file.content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.file_name),
        )
        .body(Body::from(bytes))
        .map_err(|e| invalid(e.to_string()))
}

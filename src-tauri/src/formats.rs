//! The desktop's import wizard, exports, print and jobs: one-line commands over
//! `onemap::imports`, `onemap::exports`, `onemap::jobs` and `onemap_formats::print`, the same
//! functions browser mode's routes (`onemap_server::formats`) call. Files come from the webview
//! as the raw IPC body (`import_put_file`, with the session and name as headers).
//!
//! The store is the app's ([`crate::OpenedApp`]): an import is announced on its live bus, so
//! the window's map is drawn again at once.

use std::sync::Arc;

use onemap::Store;
use onemap::exports::ExportKind;
use onemap::imports::ImportSessions;
use onemap::jobs::{JobFile, JobOutput, JobStatus, Jobs};
use onemap_formats::mapping::Mapping;
use onemap_formats::print::PrintOptions;
use onemap_formats::source::ReadOptions;
use onemap_server::map::{ApiError, MapData};
use serde::Deserialize;
use serde_json::Value;
use tauri::State;
use tauri::ipc::{InvokeBody, Request, Response};

use crate::{Desktop, OpenedApp};

/// What the commands share.
pub struct Formats {
    jobs: Jobs,
    sessions: ImportSessions,
    app: OpenedApp,
}

impl Formats {
    /// Commands over the app's store.
    pub fn new(app: OpenedApp) -> Self {
        Self {
            jobs: Jobs::new(),
            sessions: ImportSessions::new(),
            app,
        }
    }

    async fn store(&self) -> Result<Store, ApiError> {
        self.app.store().await
    }
}

fn api(e: &onemap::Error) -> ApiError {
    ApiError {
        code: e.code().as_str(),
        message: e.to_string(),
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError {
        code: "invalid",
        message: message.into(),
    }
}

fn output(v: impl serde::Serialize) -> onemap::Result<JobOutput> {
    Ok(JobOutput {
        result: serde_json::to_value(v).unwrap_or(Value::Null),
        file: None,
    })
}

#[tauri::command]
pub fn formats_schema() -> Value {
    serde_json::to_value(onemap_formats::schema::LAYERS).unwrap_or(Value::Null)
}

#[tauri::command]
pub async fn import_create(f: State<'_, Formats>) -> Result<String, ApiError> {
    f.store().await?;
    f.sessions.create().map_err(|e| api(&e))
}

#[tauri::command]
pub fn import_put_file(
    f: State<'_, Formats>,
    request: Request<'_>,
) -> Result<Vec<String>, ApiError> {
    let header = |k: &str| {
        request
            .headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| invalid(format!("missing header {k}")))
    };
    let session = header("x-session")?;
    let name = header("x-name")?;
    let name = percent_decode(&name);
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(invalid("the file must come as the raw body"));
    };
    f.sessions
        .put_file(&session, &name, bytes)
        .map_err(|e| api(&e))
}

/// `encodeURIComponent` undone (file names may be Chinese; headers are ASCII).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(
                std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                16,
            )
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tauri::command]
pub fn import_open(
    f: State<'_, Formats>,
    session: String,
    encoding: Option<String>,
    source_layer: Option<String>,
) -> String {
    let sessions = f.sessions.clone();
    f.jobs.spawn("open", move |_| async move {
        let options = ReadOptions {
            encoding,
            layer: source_layer,
        };
        output(sessions.open(&session, &options).await?)
    })
}

#[tauri::command]
pub async fn import_preview(
    f: State<'_, Formats>,
    session: String,
    layer: String,
    mapping: Option<Mapping>,
) -> Result<String, ApiError> {
    let store = f.store().await?;
    let source = f.sessions.source(&session).map_err(|e| api(&e))?;
    let mapping = match mapping {
        Some(m) => m,
        None => Mapping::suggest(&layer, &source).map_err(|e| invalid(e.to_string()))?,
    };
    Ok(f.jobs.spawn("preview", move |p| async move {
        output(store.preview_import(&source, &mapping, &p).await?)
    }))
}

#[tauri::command]
pub async fn import_commit(
    f: State<'_, Formats>,
    session: String,
    mapping: Mapping,
) -> Result<String, ApiError> {
    let store = f.store().await?;
    let source = f.sessions.source(&session).map_err(|e| api(&e))?;
    Ok(f.jobs.spawn("import", move |p| async move {
        output(store.import_source(&source, &mapping, &p).await?)
    }))
}

#[tauri::command]
pub fn import_delete(f: State<'_, Formats>, session: String) {
    f.sessions.remove(&session);
}

#[derive(Deserialize)]
pub struct ExportRequest {
    format: String,
    #[serde(default)]
    layer: Option<String>,
}

fn temp_path(ext: &str) -> Result<std::path::PathBuf, ApiError> {
    let dir = tempfile::Builder::new()
        .prefix("onemap-export-")
        .tempdir()
        .map_err(|e| invalid(e.to_string()))?;
    Ok(dir.keep().join(format!("onemap.{ext}")))
}

#[tauri::command]
pub async fn export_start(
    f: State<'_, Formats>,
    request: ExportRequest,
) -> Result<String, ApiError> {
    let store = f.store().await?;
    let kind = ExportKind::parse(&request.format).map_err(|e| api(&e))?;
    let path = temp_path(kind.extension())?;
    let file_name = match &request.layer {
        Some(l) => format!("onemap-{l}.{}", kind.extension()),
        None => format!("onemap.{}", kind.extension()),
    };
    Ok(f.jobs.spawn("export", move |p| async move {
        let report = match (kind, request.layer) {
            (ExportKind::GeoPackage, _) => store.export_geopackage(&path, false, &p).await?,
            (_, Some(l)) => store.export_layer_file(&l, kind, &path, false, &p).await?,
            (_, None) => return Err(onemap::Error::Invalid("name the layer to export".into())),
        };
        Ok(JobOutput {
            result: serde_json::to_value(&report).unwrap_or(Value::Null),
            file: Some(JobFile {
                path,
                content_type: "application/octet-stream".into(),
                file_name,
            }),
        })
    }))
}

#[tauri::command]
pub fn print_start(
    f: State<'_, Formats>,
    d: State<'_, Desktop>,
    request: PrintOptions,
) -> Result<String, ApiError> {
    let map: Arc<MapData> = d.map()?;
    let path = temp_path("png")?;
    Ok(f.jobs.spawn("print", move |p| async move {
        let out = path.clone();
        let info = tokio::task::spawn_blocking(move || {
            let scene = onemap_server::print::scene(&map)?;
            onemap_formats::print::render(&scene, &request, &out, &p).map_err(|e| match e {
                onemap_formats::print::PrintError::Cancelled => onemap::Error::Cancelled,
                other => onemap::Error::Invalid(other.to_string()),
            })
        })
        .await
        .map_err(|e| onemap::Error::Invalid(format!("print: {e}")))??;
        Ok(JobOutput {
            result: serde_json::to_value(&info).unwrap_or(Value::Null),
            file: Some(JobFile {
                path,
                content_type: "image/png".into(),
                file_name: "onemap-view.png".into(),
            }),
        })
    }))
}

/// The planning report as a job with progress and Cancel (the planner's report buttons).
#[tauri::command]
pub async fn planning_report_start(
    f: State<'_, Formats>,
    planning: State<'_, crate::PlanningState>,
    format: String,
    lang: Option<String>,
    scenario: Option<String>,
) -> Result<String, ApiError> {
    let format: onemap_report::Format = format.parse().map_err(|m: String| ApiError {
        code: "invalid",
        message: m,
    })?;
    let lang = crate::report_lang(lang.as_deref())?;
    let planning = planning.get().await?;
    Ok(f.jobs.spawn("planning-report", move |p| {
        onemap_server::planning::report_job(planning, format, lang, scenario, p)
    }))
}

#[tauri::command]
pub fn job_status(f: State<'_, Formats>, id: String) -> Result<JobStatus, ApiError> {
    f.jobs.status(&id).map_err(|e| api(&e))
}

#[tauri::command]
pub fn job_cancel(f: State<'_, Formats>, id: String) -> Result<JobStatus, ApiError> {
    f.jobs.cancel(&id).map_err(|e| api(&e))
}

#[tauri::command]
pub fn job_file(f: State<'_, Formats>, id: String) -> Result<Response, ApiError> {
    let file = f.jobs.file(&id).map_err(|e| api(&e))?;
    let bytes = std::fs::read(&file.path).map_err(|e| invalid(e.to_string()))?;
    Ok(Response::new(bytes))
}

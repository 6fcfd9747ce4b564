//! The OneMap desktop command center: a Tauri window over the map API.
//!
//! Every command is a one-line adapter over `onemap_server::map` — the same functions the
//! browser mode's HTTP routes call — and live events are forwarded to the webview as
//! `live://<name>` events. The dataset is `--data DIR`, else `$ONEMAP_DATA`, else
//! `geodata/guangming` under the working directory or beside the installed resources.
#![forbid(unsafe_code)]
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod reports;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use onemap_server::live::Live;
use onemap_server::map::{ApiError, MapData, MapError, Overview, SearchHit};
use serde_json::Value;
use tauri::ipc::Response;
use tauri::{Emitter, Manager, State};

mod formats;

/// What the commands share: the loaded dataset (or why it did not load) and the live channel.
struct Desktop {
    map: Result<Arc<MapData>, ApiError>,
    _live: Live,
    started: Instant,
}

impl Desktop {
    fn map(&self) -> Result<&MapData, ApiError> {
        self.map.as_deref().map_err(Clone::clone)
    }
}

fn err(e: MapError) -> ApiError {
    e.body()
}

#[tauri::command]
fn overview(s: State<'_, Desktop>) -> Result<Overview, ApiError> {
    Ok(s.map()?.overview())
}

#[tauri::command]
async fn layer(s: State<'_, Desktop>, name: String) -> Result<Response, ApiError> {
    Ok(Response::new(
        s.map()?.layer(&name).map_err(err)?.as_str().to_owned(),
    ))
}

#[tauri::command]
fn building(s: State<'_, Desktop>, id: String) -> Result<Value, ApiError> {
    s.map()?.building(&id).map_err(err)
}

#[tauri::command]
fn station(s: State<'_, Desktop>, id: String) -> Result<Value, ApiError> {
    s.map()?.station(&id).map_err(err)
}

#[tauri::command]
async fn unit(s: State<'_, Desktop>, code: String) -> Result<Value, ApiError> {
    s.map()?.unit(&code).map_err(err)
}

#[tauri::command]
fn case(s: State<'_, Desktop>, id: String) -> Result<Value, ApiError> {
    s.map()?.case(&id).map_err(err)
}

#[tauri::command]
fn search(
    s: State<'_, Desktop>,
    q: String,
    limit: Option<usize>,
) -> Result<Vec<SearchHit>, ApiError> {
    s.map()?.search(&q, limit.unwrap_or(10)).map_err(err)
}

/// The UI reports the first complete map (MapLibre `idle` with every default layer drawn).
/// Logged, and written to `$ONEMAP_READY_FILE` when set, for the desktop test.
#[tauri::command]
fn map_ready(s: State<'_, Desktop>, ms: f64) -> Result<(), ApiError> {
    let since_launch = s.started.elapsed().as_millis();
    let line = format!("map ready: {ms:.0} ms after page start, {since_launch} ms after launch");
    eprintln!("onemap-desktop: {line}");
    if let Some(path) = std::env::var_os("ONEMAP_READY_FILE") {
        std::fs::write(&path, format!("{line}\n")).map_err(|e| ApiError {
            code: "internal",
            message: format!("writing the ready marker: {e}"),
        })?;
    }
    Ok(())
}

fn data_dir_from_args() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == "--data" {
            return args.next().map(PathBuf::from);
        }
    }
    std::env::var_os("ONEMAP_DATA").map(PathBuf::from)
}

fn main() {
    let started = Instant::now();
    tauri::Builder::default()
        .setup(move |app| {
            let dir = data_dir_from_args().unwrap_or_else(|| {
                let local = PathBuf::from("geodata/guangming");
                if local.join("districts.geojson").is_file() {
                    return local;
                }
                app.path()
                    .resource_dir()
                    .map(|r| r.join("geodata/guangming"))
                    .unwrap_or(local)
            });
            app.manage(reports::Reports::new(dir.clone()));
            app.manage(formats::Formats::new(dir.clone()));
            let map = MapData::load(&dir).map(Arc::new).map_err(|e| {
                eprintln!("onemap-desktop: {} : {e}", dir.display());
                e.body()
            });
            if map.is_ok() {
                eprintln!(
                    "onemap-desktop: {} loaded in {} ms",
                    dir.display(),
                    started.elapsed().as_millis()
                );
            }
            let live = Live::new();
            let mut rx = live.subscribe();
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    match rx.recv().await {
                        Ok(ev) => {
                            let _ = handle.emit(&format!("live://{}", ev.name()), &ev);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    }
                }
            });
            app.manage(Desktop {
                map,
                _live: live,
                started,
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            overview,
            layer,
            building,
            station,
            unit,
            case,
            search,
            map_ready,
            reports::report_dashboard,
            reports::report_chart,
            reports::report_risk,
            reports::report_tour,
            reports::report_slide,
            reports::report_playback,
            reports::report_live,
            // Import wizard, exports, print and jobs (src/formats.rs).
            formats::formats_schema,
            formats::import_create,
            formats::import_put_file,
            formats::import_open,
            formats::import_preview,
            formats::import_commit,
            formats::import_delete,
            formats::export_start,
            formats::print_start,
            formats::job_status,
            formats::job_cancel,
            formats::job_file
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("onemap-desktop: {e}");
            std::process::exit(1);
        });
}

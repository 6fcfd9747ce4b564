//! The OneMap desktop command center: a Tauri window over the map and app APIs.
//!
//! Every command is a one-line adapter over `onemap_server::map` or `onemap_server::app` — the
//! same functions the browser mode's HTTP routes call — and live events are forwarded to the
//! webview as `live://<name>` events. Vector tiles of the large layers are served by the `tiles`
//! protocol (`tiles://localhost/{layer}/{z}/{x}/{y}.mvt`), the window's counterpart of browser
//! mode's `/tiles/…` route. The dataset is `--data DIR`, else `$ONEMAP_DATA`, else
//! `geodata/guangming` under the working directory or beside the installed resources. The store
//! is the embedded SQLite file (`onemap::store::default_sqlite_path`, or `--database-url`),
//! loaded with the dataset on first run; on one's own embedded database the desktop acts as
//! the local administrator, without a login.
#![forbid(unsafe_code)]
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod formats;
mod opening;
mod reports;

/// mimalloc rather than glibc's allocator: loading the dataset (and on the first run the store)
/// parses and frees a few hundred MB in passing, which glibc keeps resident, spread over its
/// per-thread arenas. Measured on the window's first run: the app process at 556 MB resident
/// with glibc, 299 MB with mimalloc (the same work; docs/desktop.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use onemap::access::Principal;
use onemap_server::app::{
    ActionRequest, App, AppError, CaseForm, FiguresQuery, OrderActionRequest, ProposeForm,
    QueueFilterForm,
};
use onemap_server::live::{Live, LiveEvent};
use onemap_server::map::{ApiError, CurrentMap, MapData, MapError, Overview, SearchHit};
use serde_json::Value;
use tauri::http;
use tauri::ipc::Response;
use tauri::{Emitter, Manager, State};

/// What the commands share: the loaded dataset (or why it did not load), the app over the
/// embedded store (opened in the background at start), and the live channel.
struct Desktop {
    /// The map drawn now: swapped when an import or a planning apply changes a layer.
    map: Result<Arc<CurrentMap>, ApiError>,
    app: OpenedApp,
    _live: Live,
    started: Instant,
    /// Tiles the `tiles` protocol has served (reported with the ready line).
    tiles_served: Arc<AtomicU64>,
}

impl Desktop {
    /// The map now (hold it for one command: a redraw may swap in a newer one).
    fn map(&self) -> Result<Arc<MapData>, ApiError> {
        current(&self.map)
    }
    /// The app, once the store is open (waits for it on the first calls).
    async fn app(&self) -> Result<(App, Principal), AppError> {
        Ok((self.app.get().await?, Principal::local_admin()))
    }
}

/// The app over the embedded store, opened once in the background at start. Every command
/// (the map's, the reports', the import wizard's) uses this one store, so a change made by
/// any of them is on the one live bus the map listens to.
#[derive(Clone, Default)]
pub struct OpenedApp(opening::Opening<Result<App, AppError>>);

impl OpenedApp {
    /// The app, once the store is open (waits for it).
    async fn get(&self) -> Result<App, AppError> {
        self.0.get().await
    }

    /// The app's store, or why there is none.
    pub async fn store(&self) -> Result<onemap::Store, ApiError> {
        self.get()
            .await
            .map(|a| a.store().clone())
            .map_err(|e| ApiError {
                code: "no_store",
                message: format!("the store did not open: {}", e.message),
            })
    }
}

fn current(map: &Result<Arc<CurrentMap>, ApiError>) -> Result<Arc<MapData>, ApiError> {
    map.as_ref().map(|m| m.get()).map_err(Clone::clone)
}

fn err(e: MapError) -> ApiError {
    e.body()
}

#[tauri::command]
fn overview(s: State<'_, Desktop>) -> Result<Overview, ApiError> {
    Ok(s.map()?.overview())
}

#[tauri::command]
async fn layer(s: State<'_, Desktop>, name: String) -> Result<Response, AppError> {
    // The cases layer is the store's: live cases survive a restart.
    if name == "cases" {
        let (app, me) = s.app().await?;
        return Ok(Response::new(app.cases_layer(&me).await?.to_string()));
    }
    let map = s.map().map_err(|e| AppError::new(e.code, e.message))?;
    let text = map
        .layer(&name)
        .map_err(|e| AppError::new(e.code(), e.to_string()))?;
    Ok(Response::new(text.as_str().to_owned()))
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
async fn case(s: State<'_, Desktop>, id: String) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    let d = app.case_detail(&me, &id).await?;
    serde_json::to_value(d).map_err(|e| AppError::new("internal", e.to_string()))
}

#[tauri::command]
fn search(
    s: State<'_, Desktop>,
    q: String,
    limit: Option<usize>,
) -> Result<Vec<SearchHit>, ApiError> {
    s.map()?.search(&q, limit.unwrap_or(10)).map_err(err)
}

// The app API: one-line adapters, as the local administrator.

#[tauri::command]
async fn me(s: State<'_, Desktop>) -> Result<onemap_server::app::Me, AppError> {
    let (app, me) = s.app().await?;
    Ok(app.me(&me))
}

#[tauri::command]
async fn queue(s: State<'_, Desktop>, filter: QueueFilterForm) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.queue(&me, &filter).await?)
}

#[tauri::command]
async fn case_action(
    s: State<'_, Desktop>,
    id: String,
    request: ActionRequest,
) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.act(&me, &id, request).await?)
}

#[tauri::command]
async fn order_action(
    s: State<'_, Desktop>,
    id: String,
    request: OrderActionRequest,
) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.order_act(&me, &id, request).await?)
}

#[tauri::command]
async fn decide_duplicate(
    s: State<'_, Desktop>,
    id: String,
    version: i64,
    other: String,
    decision: String,
) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(
        app.decide_duplicate(&me, &id, version, &other, &decision)
            .await?,
    )
}

#[tauri::command]
async fn propose_case(s: State<'_, Desktop>, form: ProposeForm) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.propose(&me, &form).await?)
}

#[tauri::command]
async fn file_case(s: State<'_, Desktop>, form: CaseForm) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.file_case(&me, form).await?)
}

#[tauri::command]
async fn orders_board(s: State<'_, Desktop>) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.orders_board(&me).await?)
}

#[tauri::command]
async fn alarms(s: State<'_, Desktop>) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.alarms(&me).await?)
}

#[tauri::command]
async fn ack_alarm(
    s: State<'_, Desktop>,
    id: String,
    kind: String,
    order: Option<String>,
) -> Result<(), AppError> {
    let (app, me) = s.app().await?;
    app.acknowledge_alarm(&me, &id, &kind, order.as_deref())
        .await
}

#[tauri::command]
async fn matters(s: State<'_, Desktop>) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.matters(&me).await?)
}

#[tauri::command]
async fn departments(s: State<'_, Desktop>) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.departments(&me).await?)
}

#[tauri::command]
async fn figures(s: State<'_, Desktop>, query: FiguresQuery) -> Result<Value, AppError> {
    let (app, me) = s.app().await?;
    json(app.figures(&me, &query).await?)
}

fn json<T: serde::Serialize>(v: T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::new("internal", e.to_string()))
}

/// Opens the embedded store (loading the dataset on first run) and the app over it, and
/// forwards the store's live changes to the webview's channel.
async fn open_app(
    map: Result<Arc<CurrentMap>, ApiError>,
    dir: PathBuf,
    live: Live,
) -> Result<App, AppError> {
    let map = map.map_err(|e| AppError::new(e.code, e.message))?;
    let target = onemap::Target::resolve(database_url_from_args().as_deref());
    let store = onemap::Store::open(target.clone()).await.map_err(|e| {
        eprintln!("onemap-desktop: opening {}: {e}", target.describe());
        AppError::from(e)
    })?;
    let loaded = store.ensure_dataset(&dir).await?;
    eprintln!(
        "onemap-desktop: store {} ({} layers loaded now)",
        target.describe(),
        loaded.len()
    );
    // The window drew the dataset's files at once; layers imported (or written by a planning
    // apply) since the dataset was loaded are the store's: draw those, and tell the UI.
    let rewritten = store.layers_rewritten().await?;
    let app = App::open(store.clone(), map).await?;
    if !rewritten.is_empty() {
        let drawn = app.redraw_map().await?;
        eprintln!(
            "onemap-desktop: drawing {} as the store has them",
            drawn.from_store.join(", ")
        );
        live.publish(LiveEvent::Layers {
            version: drawn.version,
            changed: rewritten,
        });
    }
    tauri::async_runtime::spawn(onemap_server::app::live::forward(app.clone(), live));
    store.spawn_scheduler(std::time::Duration::from_secs(15));
    Ok(app)
}

fn database_url_from_args() -> Option<String> {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--database-url" {
            return args.next();
        }
    }
    None
}

/// The UI reports the first complete map (MapLibre `idle` with every default layer drawn) and
/// how many building features it drew from the tiles. Logged, and written to
/// `$ONEMAP_READY_FILE` when set, for the desktop test.
#[tauri::command]
fn map_ready(s: State<'_, Desktop>, ms: f64, buildings: Option<u64>) -> Result<(), ApiError> {
    let since_launch = s.started.elapsed().as_millis();
    let tiles = s.tiles_served.load(Ordering::Relaxed);
    let drawn = buildings.unwrap_or(0);
    let line = format!(
        "map ready: {ms:.0} ms after page start, {since_launch} ms after launch; \
         {tiles} tiles served, {drawn} building features drawn"
    );
    eprintln!("onemap-desktop: {line}");
    if let Some(path) = std::env::var_os("ONEMAP_READY_FILE") {
        std::fs::write(&path, format!("{line}\n")).map_err(|e| ApiError {
            code: "internal",
            message: format!("writing the ready marker: {e}"),
        })?;
    }
    Ok(())
}

// ---- Planning (issue 7): one-line adapters over onemap_server::planning -------------------

use onemap_server::planning::{Planning, PlanningError, SuggestParams, parse_level, parse_service};

/// The planning service, made once the store has opened (in the background at start).
#[derive(Clone, Default)]
struct PlanningState(opening::Opening<Result<Arc<Planning>, ApiError>>);

impl PlanningState {
    /// The planning service (waits for the store on the first calls).
    async fn get(&self) -> Result<Arc<Planning>, ApiError> {
        self.0.get().await
    }
}

/// A report's language from a command's `lang` (zh-CN when absent).
fn report_lang(lang: Option<&str>) -> Result<onemap_report::Lang, ApiError> {
    lang.unwrap_or("zh-CN")
        .parse()
        .map_err(|m: String| ApiError {
            code: "invalid",
            message: m,
        })
}

fn perr(e: PlanningError) -> ApiError {
    e.body()
}

fn export_bytes(e: onemap_server::planning::Export) -> Response {
    Response::new(e.bytes)
}

#[tauri::command]
async fn planning_coverage(
    p: State<'_, PlanningState>,
    level: Option<String>,
    service: Option<String>,
    scenario: Option<String>,
) -> Result<Value, ApiError> {
    let p = p.get().await?;
    let service = match service.as_deref() {
        None | Some("all") => None,
        s => Some(parse_service(s).map_err(perr)?),
    };
    serde_json::to_value(
        p.coverage(
            parse_level(level.as_deref()).map_err(perr)?,
            service,
            scenario.as_deref(),
        )
        .await
        .map_err(perr)?,
    )
    .map_err(|e| ApiError {
        code: "internal",
        message: e.to_string(),
    })
}

#[tauri::command]
async fn planning_gaps(
    p: State<'_, PlanningState>,
    service: Option<String>,
    scenario: Option<String>,
) -> Result<Response, ApiError> {
    let p = p.get().await?;
    Ok(Response::new(
        p.gaps(
            parse_service(service.as_deref()).map_err(perr)?,
            scenario.as_deref(),
        )
        .await
        .map_err(perr)?
        .as_str()
        .to_owned(),
    ))
}

#[tauri::command]
async fn planning_stations(
    p: State<'_, PlanningState>,
    scenario: Option<String>,
    circles: Option<bool>,
) -> Result<Response, ApiError> {
    let p = p.get().await?;
    Ok(Response::new(
        p.stations(scenario.as_deref(), circles.unwrap_or(false))
            .await
            .map_err(perr)?,
    ))
}

#[tauri::command]
async fn planning_scenarios(
    p: State<'_, PlanningState>,
) -> Result<Vec<onemap_server::planning::ScenarioItem>, ApiError> {
    let p = p.get().await?;
    p.list().await.map_err(perr)
}

#[tauri::command]
async fn planning_create(
    p: State<'_, PlanningState>,
    name: String,
    note: Option<String>,
    from: Option<String>,
) -> Result<onemap_server::planning::ScenarioView, ApiError> {
    let p = p.get().await?;
    let made = p
        .create(
            &name,
            note.as_deref().unwrap_or(""),
            from.as_deref(),
            "local",
        )
        .await;
    let id = made
        .as_ref()
        .map_or_else(|_| String::new(), |v| v.scenario.id.clone());
    p.audited(&Principal::local_admin(), "scenario.create", &id, made)
        .await
        .map_err(perr)
}

#[tauri::command]
async fn planning_scenario(
    p: State<'_, PlanningState>,
    id: String,
) -> Result<onemap_server::planning::ScenarioView, ApiError> {
    let p = p.get().await?;
    p.get(&id).await.map_err(perr)
}

#[tauri::command]
async fn planning_edit(
    p: State<'_, PlanningState>,
    id: String,
    edits: Vec<onemap_geo::scenario::Edit>,
) -> Result<onemap_server::planning::EditResult, ApiError> {
    let p = p.get().await?;
    p.edit(&id, &edits).await.map_err(perr)
}

#[tauri::command]
async fn planning_undo(
    p: State<'_, PlanningState>,
    id: String,
) -> Result<onemap_server::planning::EditResult, ApiError> {
    let p = p.get().await?;
    p.undo(&id).await.map_err(perr)
}

#[tauri::command]
async fn planning_save(
    p: State<'_, PlanningState>,
    id: String,
    name: Option<String>,
    note: Option<String>,
) -> Result<onemap_server::planning::ScenarioView, ApiError> {
    let p = p.get().await?;
    let saved = p.save(&id, name.as_deref(), note.as_deref(), "local").await;
    p.audited(&Principal::local_admin(), "scenario.save", &id, saved)
        .await
        .map_err(perr)
}

#[tauri::command]
async fn planning_delete(p: State<'_, PlanningState>, id: String) -> Result<(), ApiError> {
    let p = p.get().await?;
    let removed = p.delete(&id).await;
    p.audited(&Principal::local_admin(), "scenario.delete", &id, removed)
        .await
        .map_err(perr)
}

#[tauri::command]
async fn planning_compare(
    p: State<'_, PlanningState>,
    ids: Vec<String>,
    level: Option<String>,
    service: Option<String>,
) -> Result<onemap_server::planning::Comparison, ApiError> {
    let p = p.get().await?;
    p.compare(
        &ids,
        parse_level(level.as_deref()).map_err(perr)?,
        parse_service(service.as_deref()).map_err(perr)?,
    )
    .await
    .map_err(perr)
}

#[tauri::command]
async fn planning_apply(p: State<'_, PlanningState>, id: String) -> Result<Value, ApiError> {
    let p = p.get().await?;
    p.apply_as(&id, &Principal::local_admin())
        .await
        .map_err(perr)
}

#[tauri::command]
async fn planning_suggest(
    p: State<'_, PlanningState>,
    params: SuggestParams,
) -> Result<onemap_geo::suggest::Suggestion, ApiError> {
    let p = p.get().await?;
    p.suggest(&params).await.map_err(perr)
}

#[tauri::command]
async fn planning_policy(
    p: State<'_, PlanningState>,
    service: Option<String>,
    scenario: Option<String>,
) -> Result<onemap_geo::policy::PolicyReport, ApiError> {
    let p = p.get().await?;
    let service = match service.as_deref() {
        None | Some("all") => None,
        s => parse_service(s).map_err(perr)?,
    };
    p.policy(service, scenario.as_deref()).await.map_err(perr)
}

#[tauri::command]
async fn planning_walking(
    p: State<'_, PlanningState>,
    service: Option<String>,
    level: Option<String>,
    scenario: Option<String>,
) -> Result<onemap_server::planning::WalkingView, ApiError> {
    let p = p.get().await?;
    p.walking(
        parse_service(service.as_deref()).map_err(perr)?,
        parse_level(level.as_deref()).map_err(perr)?,
        scenario.as_deref(),
    )
    .await
    .map_err(perr)
}

/// Exports as bytes: `file` is `coverage.csv`, `gaps.geojson`, `report.html` or `report.pdf`.
#[tauri::command]
async fn planning_export(
    p: State<'_, PlanningState>,
    file: String,
    level: Option<String>,
    service: Option<String>,
    scenario: Option<String>,
    lang: Option<String>,
) -> Result<Response, ApiError> {
    let p = p.get().await?;
    let lang = report_lang(lang.as_deref())?;
    let sc = scenario.as_deref();
    let e = match file.as_str() {
        "coverage.csv" => {
            p.export_csv(parse_level(level.as_deref()).map_err(perr)?, sc, lang)
                .await
        }
        "gaps.geojson" => {
            p.export_gaps(parse_service(service.as_deref()).map_err(perr)?, sc)
                .await
        }
        "report.html" => {
            p.export_report(
                onemap_report::Format::Html,
                lang,
                sc,
                &onemap_report::today(),
                &onemap_report::Progress::new(),
            )
            .await
        }
        "report.pdf" => {
            p.export_report(
                onemap_report::Format::Pdf,
                lang,
                sc,
                &onemap_report::today(),
                &onemap_report::Progress::new(),
            )
            .await
        }
        other => {
            return Err(ApiError {
                code: "not_found",
                message: format!("no export {other:?}"),
            });
        }
    };
    Ok(export_bytes(e.map_err(perr)?))
}

/// One answer of the `tiles` protocol: the tile's bytes, or `{code, message}` with a 4xx/5xx.
fn tile_response(map: Result<Arc<MapData>, ApiError>, path: &str) -> http::Response<Vec<u8>> {
    let answer = map.and_then(|m| m.tile_at(path).map_err(|e| e.body()));
    let (status, kind, body) = match answer {
        Ok(bytes) => (
            http::StatusCode::OK,
            "application/vnd.mapbox-vector-tile",
            bytes.as_slice().to_vec(),
        ),
        Err(e) => {
            let status = match e.code {
                "not_found" => http::StatusCode::NOT_FOUND,
                "invalid" => http::StatusCode::BAD_REQUEST,
                _ => http::StatusCode::INTERNAL_SERVER_ERROR,
            };
            let body = serde_json::to_vec(&e).unwrap_or_default();
            (status, "application/json", body)
        }
    };
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, kind)
        // MapLibre's worker fetches from the page's origin (tauri://localhost).
        .header(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .body(body)
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

/// The view to open at (`lon,lat,zoom`, or a street, community or sub-grid code), from
/// `$ONEMAP_START_VIEW`; none for the whole dataset.
#[tauri::command]
fn start_view() -> Option<String> {
    std::env::var("ONEMAP_START_VIEW").ok()
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
    let tiles_served = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&tiles_served);
    tauri::Builder::default()
        .register_asynchronous_uri_scheme_protocol("tiles", move |ctx, request, responder| {
            let map = ctx.app_handle().try_state::<Desktop>().map_or_else(
                || {
                    Err(ApiError {
                        code: "internal",
                        message: "the app is still starting".into(),
                    })
                },
                |d| current(&d.map),
            );
            let path = request.uri().path().to_string();
            let counter = Arc::clone(&counter);
            // Cutting a low-zoom tile walks many points: off the webview's thread.
            tauri::async_runtime::spawn_blocking(move || {
                let response = tile_response(map, &path);
                counter.fetch_add(1, Ordering::Relaxed);
                responder.respond(response);
            });
        })
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
            let opened = OpenedApp::default();
            app.manage(reports::Reports::new(opened.clone()));
            app.manage(formats::Formats::new(opened.clone()));
            let map = MapData::load(&dir)
                .map(|m| Arc::new(CurrentMap::new(&dir, Arc::new(m))))
                .map_err(|e| {
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
            let planning = PlanningState::default();
            app.manage(planning.clone());
            let (c, m, d, l) = (opened.clone(), map.clone(), dir.clone(), live.clone());
            tauri::async_runtime::spawn(async move {
                let opened = c.0.make(open_app(m.clone(), d, l)).await;
                // Planning on the store once it is open (scenarios saved, apply), in memory
                // when it did not open.
                let store = opened.as_ref().ok().map(|a| a.store().clone());
                planning
                    .0
                    .make(async move {
                        let m = current(&m)?;
                        let roads = std::fs::read_to_string(m.dir().join("roads.geojson")).ok();
                        Ok::<_, ApiError>(Arc::new(
                            Planning::new(m.shared_atlas(), roads, store, m.is_synthetic()).await,
                        ))
                    })
                    .await;
            });
            app.manage(Desktop {
                map,
                app: opened,
                _live: live,
                started,
                tiles_served,
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
            // Planning (the planning_* commands above).
            planning_coverage,
            planning_gaps,
            planning_stations,
            planning_scenarios,
            planning_create,
            planning_scenario,
            planning_edit,
            planning_undo,
            planning_save,
            planning_delete,
            planning_compare,
            planning_apply,
            planning_suggest,
            planning_policy,
            planning_walking,
            planning_export,
            start_view,
            me,
            queue,
            case_action,
            order_action,
            decide_duplicate,
            propose_case,
            file_case,
            orders_board,
            alarms,
            ack_alarm,
            matters,
            departments,
            figures,
            // Dashboard, risk and briefing reports (src/reports.rs).
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
            formats::planning_report_start,
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

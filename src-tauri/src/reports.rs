//! The report commands (dashboard, charts, risk, briefing): one-line adapters over
//! `onemap_server::reports`, the functions the browser mode's routes call. The store is opened
//! on the first report asked for (the user's SQLite file, or `ONEMAP_DATABASE_URL`; loaded from
//! the dataset on first run), so the map window does not wait for it.

use std::path::PathBuf;

use onemap_server::map::ApiError;
use onemap_server::reports::{self, ReportQuery};
use serde_json::Value;
use tauri::State;
use tauri::ipc::Response;

/// The store the reports read, opened once on first use.
pub struct Reports {
    dir: PathBuf,
    store: tokio::sync::OnceCell<Result<onemap::Store, ApiError>>,
}

impl Reports {
    /// Reports over the store loaded from the dataset in `dir`.
    pub fn new(dir: PathBuf) -> Reports {
        Reports {
            dir,
            store: tokio::sync::OnceCell::new(),
        }
    }

    async fn store(&self) -> Result<&onemap::Store, ApiError> {
        self.store
            .get_or_init(|| async {
                let target = onemap::Target::resolve(None);
                let opened = async {
                    let store = onemap::Store::open(target.clone()).await?;
                    store.ensure_dataset(&self.dir).await?;
                    Ok::<_, onemap::Error>(store)
                };
                opened.await.map_err(|e| {
                    eprintln!(
                        "onemap-desktop: the store ({}) did not open: {e}",
                        target.describe()
                    );
                    ApiError {
                        code: "no_store",
                        message: format!("the store did not open: {e}"),
                    }
                })
            })
            .await
            .as_ref()
            .map_err(Clone::clone)
    }
}

fn file(f: reports::File) -> Response {
    Response::new(f.bytes)
}

#[tauri::command]
pub async fn report_dashboard(
    r: State<'_, Reports>,
    query: ReportQuery,
) -> Result<Value, ApiError> {
    reports::dashboard(r.store().await?, &query).await
}

#[tauri::command]
pub async fn report_chart(
    r: State<'_, Reports>,
    file: String,
    query: ReportQuery,
) -> Result<Response, ApiError> {
    reports::chart(r.store().await?, &file, &query)
        .await
        .map(self::file)
}

#[tauri::command]
pub async fn report_risk(
    r: State<'_, Reports>,
    query: ReportQuery,
) -> Result<onemap_dashboard::risk::Risk, ApiError> {
    reports::risk(r.store().await?, &query).await
}

#[tauri::command]
pub async fn report_tour(
    r: State<'_, Reports>,
    query: ReportQuery,
) -> Result<onemap_dashboard::briefing::Tour, ApiError> {
    reports::tour(r.store().await?, &query).await
}

#[tauri::command]
pub async fn report_slide(
    r: State<'_, Reports>,
    file: String,
    query: ReportQuery,
) -> Result<Response, ApiError> {
    reports::slide(r.store().await?, &file, &query)
        .await
        .map(self::file)
}

#[tauri::command]
pub async fn report_playback(
    r: State<'_, Reports>,
    query: ReportQuery,
) -> Result<onemap_dashboard::briefing::Playback, ApiError> {
    reports::playback(r.store().await?, &query).await
}

#[tauri::command]
pub async fn report_live(
    r: State<'_, Reports>,
    query: ReportQuery,
) -> Result<Vec<onemap_dashboard::briefing::Dot>, ApiError> {
    reports::live(r.store().await?, &query).await
}

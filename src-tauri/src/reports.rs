//! The report commands (dashboard, charts, risk, briefing): one-line adapters over
//! `onemap_server::reports`, the functions the browser mode's routes call, over the store the
//! app opened at start ([`crate::OpenedApp`]), so the map window does not wait for it.

use onemap_server::map::ApiError;
use onemap_server::reports::{self, ReportQuery};
use serde_json::Value;
use tauri::State;
use tauri::ipc::Response;

use crate::OpenedApp;

/// The store the reports read: the app's.
pub struct Reports {
    app: OpenedApp,
}

impl Reports {
    /// Reports over the app's store.
    pub fn new(app: OpenedApp) -> Reports {
        Reports { app }
    }

    async fn store(&self) -> Result<onemap::Store, ApiError> {
        self.app.store().await
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
    reports::dashboard(&r.store().await?, &query).await
}

#[tauri::command]
pub async fn report_chart(
    r: State<'_, Reports>,
    file: String,
    query: ReportQuery,
) -> Result<Response, ApiError> {
    reports::chart(&r.store().await?, &file, &query)
        .await
        .map(self::file)
}

#[tauri::command]
pub async fn report_risk(
    r: State<'_, Reports>,
    query: ReportQuery,
) -> Result<onemap_dashboard::risk::Risk, ApiError> {
    reports::risk(&r.store().await?, &query).await
}

#[tauri::command]
pub async fn report_tour(
    r: State<'_, Reports>,
    query: ReportQuery,
) -> Result<onemap_dashboard::briefing::Tour, ApiError> {
    reports::tour(&r.store().await?, &query).await
}

#[tauri::command]
pub async fn report_slide(
    r: State<'_, Reports>,
    file: String,
    query: ReportQuery,
) -> Result<Response, ApiError> {
    reports::slide(&r.store().await?, &file, &query)
        .await
        .map(self::file)
}

#[tauri::command]
pub async fn report_playback(
    r: State<'_, Reports>,
    query: ReportQuery,
) -> Result<onemap_dashboard::briefing::Playback, ApiError> {
    reports::playback(&r.store().await?, &query).await
}

#[tauri::command]
pub async fn report_live(
    r: State<'_, Reports>,
    query: ReportQuery,
) -> Result<Vec<onemap_dashboard::briefing::Dot>, ApiError> {
    reports::live(&r.store().await?, &query).await
}

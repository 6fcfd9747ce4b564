//! The app API: one set of plain async functions every shell calls — the HTTP routes of browser
//! mode and the Tauri commands of the desktop are one-line adapters over them. It knows nothing
//! of HTTP or Tauri. Every function takes the caller's [`Principal`] and enforces what its role
//! and street allow *here*, not in the routes: a street operator sees and acts only in its
//! street, a leader or planner never gets a reporter's name or phone, and every change and
//! every showing of personal data is written to the audit log before the answer goes out.
//!
//! | area | functions |
//! |---|---|
//! | access | [`App::login`], [`App::logout`], [`App::authenticate`], [`App::setup_first_admin`] |
//! | queue and detail | [`App::queue`], [`App::case_detail`], [`App::cases_layer`] |
//! | the loop | [`App::act`], [`App::order_act`], [`App::decide_duplicate`], [`App::acknowledge_alarm`] |
//! | new cases | [`App::propose`], [`App::file_case`], [`App::camera_alert`], [`App::open311_post`] |
//! | boards | [`App::orders_board`], [`App::alarms`], [`App::figures`], [`App::matters`], [`App::departments`] |
//! | administration | [`App::audit_log`], [`App::users`] |

mod access;
mod actions;
mod board;
mod detail;
mod filing;
pub mod live;
mod open311;
mod queue;
mod views;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use onemap::Store;
use onemap::access::Principal;
use onemap::audit::{Entry, Outcome};
use serde::Serialize;

use crate::map::{CurrentMap, MapData};

pub use access::{CACHE_TTL, Credentials, DataTool, Me, RateLimiter};
pub use actions::{ActionRequest, CaseAction, OrderAction, OrderActionRequest};
pub use board::{
    AlarmView, AuditQuery, AuditView, DepartmentColumn, FiguresQuery, MatterView, OrdersBoard,
};
pub use detail::{ActionName, AlertView, CaseDetail, NearestStation};
pub use filing::{CameraAlertForm, CameraAlertResult, CaseForm, Proposal, ProposeForm};
pub use open311::{
    Attribute, AttributeValue, Extended, Open311Filter, Open311Record, Open311Request,
    Open311Service, Posted, ServiceDefinition,
};
pub use queue::{QueueFilterForm, QueuePageView, QueueRowView};
pub use views::{
    CaseView, ClockView, DeadlinesView, EventView, NearView, OrderView, Place, Reporter, UnitRef,
    mask_name, mask_phone,
};

/// An error as every shell passes it on: a closed `code` the UI switches on, a message for a
/// person, and for a stale write (`conflict`) the case as it is now.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AppError {
    /// `invalid`, `not_found`, `conflict`, `illegal_transition`, `unauthorized`, `forbidden`,
    /// `rate_limited`, `unavailable` or `internal`.
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// With `conflict`: the fresh state of the case, so the UI can show it instead of an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Box<CaseDetail>>,
}

impl AppError {
    /// An error with no fresh state.
    pub fn new(code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
            current: None,
        }
    }
    /// `invalid`.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new("invalid", message)
    }
    /// `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new("forbidden", message)
    }
    /// `not_found`.
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new("not_found", message)
    }
}

impl From<onemap::Error> for AppError {
    fn from(e: onemap::Error) -> Self {
        let code = e.code().as_str();
        if code == "internal" {
            // Internal details go to the log, not to the caller.
            eprintln!("onemap: store error: {e}");
            return AppError::new("internal", "the store failed; see the server log");
        }
        AppError::new(code, e.to_string())
    }
}

/// The result of an app API call.
pub type AppResult<T> = Result<T, AppError>;

/// One lock per (camera, event type): a repeat waits until the first alert's case is filed.
type CameraLocks = Mutex<HashMap<(String, String), Arc<tokio::sync::Mutex<()>>>>;

/// The application: the store, the loaded map, and what access control keeps in memory.
/// Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    map: Arc<CurrentMap>,
    camera_locks: CameraLocks,
    sessions: access::SessionCache,
    limiter: RateLimiter,
    catalogue: RwLock<board::Catalogue>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The app over an open store and the loaded map (reads the catalogues once).
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn open(store: Store, map: Arc<CurrentMap>) -> AppResult<App> {
        let app = App {
            inner: Arc::new(Inner {
                store,
                map,
                camera_locks: Mutex::new(HashMap::new()),
                sessions: access::SessionCache::default(),
                limiter: RateLimiter::default(),
                catalogue: RwLock::new(board::Catalogue::default()),
            }),
        };
        app.refresh_catalogue().await?;
        Ok(app)
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The map now (hold it for one call: an import may swap in a newer one).
    #[must_use]
    pub fn map(&self) -> Arc<MapData> {
        self.inner.map.get()
    }

    /// The map as it is replaced over time (the shells' map routes read it too).
    #[must_use]
    pub fn current_map(&self) -> &Arc<CurrentMap> {
        &self.inner.map
    }

    /// Draws the map again as the store has it (after an import or a planning apply).
    ///
    /// # Errors
    /// When the store or the dataset cannot be read; the map drawn until then stays.
    #[cfg(feature = "formats")]
    pub async fn redraw_map(&self) -> AppResult<crate::map::Redrawn> {
        self.inner
            .map
            .reload(&self.inner.store)
            .await
            .map_err(|e| AppError::new("internal", format!("redrawing the map: {e}")))
    }

    /// Records an audit entry; a failure to record is an error of the call (nothing is shown
    /// or done unrecorded).
    async fn audit(
        &self,
        who: &Principal,
        action: &str,
        target: impl Into<String>,
        outcome: Outcome,
        detail: impl Into<String>,
    ) -> AppResult<()> {
        self.inner
            .store
            .audit(Entry::by(who, action, target, outcome, detail))
            .await
            .map_err(AppError::from)
    }

    /// Refuses (and audits the refusal) unless `who` may act on cases.
    async fn require_actor(&self, who: &Principal, action: &str, target: &str) -> AppResult<()> {
        if who.role.acts_on_cases() {
            return Ok(());
        }
        let why = format!("a {} may not {action}", who.role);
        self.audit(who, action, target, Outcome::Denied, &why)
            .await?;
        Err(AppError::forbidden(why))
    }

    /// Refuses (and audits the refusal) unless `who` administers.
    async fn require_admin(&self, who: &Principal, action: &str, target: &str) -> AppResult<()> {
        if who.role.administers() {
            return Ok(());
        }
        let why = format!("only an administrator may {action}; you are a {}", who.role);
        self.audit(who, action, target, Outcome::Denied, &why)
            .await?;
        Err(AppError::forbidden(why))
    }

    /// Refuses (and audits the refusal) unless `who` may see cases of `street`.
    async fn require_street(
        &self,
        who: &Principal,
        action: &str,
        target: &str,
        street: Option<&str>,
    ) -> AppResult<()> {
        if who.sees_street(street) {
            return Ok(());
        }
        let why = match (&who.street, street) {
            (Some(own), Some(s)) => format!(
                "{target} lies in street {} ({s}); you work in {} ({own})",
                self.unit_name(s).unwrap_or_default(),
                self.unit_name(own).unwrap_or_default()
            ),
            (Some(own), None) => {
                format!("{target} is not located in a street; you work in {own}")
            }
            _ => format!("a {} may not {action}", who.role),
        };
        self.audit(who, action, target, Outcome::Denied, &why)
            .await?;
        Err(AppError::forbidden(why))
    }

    /// The Chinese name of a district, street, community or sub-grid code.
    fn unit_name(&self, code: &str) -> Option<String> {
        self.map().unit_name(code).map(|(_, name)| name.to_string())
    }
}

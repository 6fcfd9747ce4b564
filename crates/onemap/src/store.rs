//! The store: one handle over SQLite (the embedded default) or PostgreSQL (several seats on one
//! database), with migrations applied at open.
//!
//! ## Durability
//! SQLite runs in WAL mode with `synchronous=FULL`: every commit fsyncs the write-ahead log
//! before `COMMIT` returns, so a case acknowledged to its reporter survives not only a killed
//! process (which WAL with `NORMAL` would also survive) but a power cut or kernel crash, which
//! `NORMAL` does not promise (it may roll back the last commits). The cost is one fsync per
//! commit; intake batches nothing behind the caller's back, and throughput comes from the disk's
//! fsync rate and from concurrent writers on PostgreSQL (group commit). Foreign keys are on and
//! writers take the write lock up front (`BEGIN IMMEDIATE`), so two writers never deadlock on a
//! lock upgrade. PostgreSQL runs with its defaults (`synchronous_commit=on`).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::Row;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::bus::{Bus, Change, PG_CHANNEL};
use crate::error::{Error, Result};
use crate::grading::GradeThresholds;
use crate::locate::{AtlasBuilder, GeoAtlasBuilder, Locator, Nowhere};
use crate::time::{Clock, SystemClock};

/// Which database to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite file (created on first run).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://…`).
    Postgres(String),
}

impl Target {
    /// From `--database-url` / `ONEMAP_DATABASE_URL`, else the default SQLite file.
    ///
    /// `postgres://` and `postgresql://` URLs select PostgreSQL; `sqlite:PATH` or a plain path
    /// selects that SQLite file.
    pub fn resolve(url: Option<&str>) -> Target {
        let env = std::env::var("ONEMAP_DATABASE_URL").ok();
        match url.map(str::to_string).or(env).filter(|u| !u.is_empty()) {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Target::Postgres(u)
            }
            Some(u) => {
                let p = u.strip_prefix("sqlite://").or(u.strip_prefix("sqlite:"));
                Target::Sqlite(PathBuf::from(p.unwrap_or(&u)))
            }
            None => Target::Sqlite(default_sqlite_path()),
        }
    }

    /// A description without credentials, for status output.
    pub fn describe(&self) -> String {
        match self {
            Target::Sqlite(p) => format!("sqlite {}", p.display()),
            Target::Postgres(u) => {
                let host = u.rsplit('@').next().unwrap_or(u);
                format!("postgresql {host}")
            }
        }
    }
}

/// `$XDG_DATA_HOME/onemap/onemap.db`, else `~/.local/share/onemap/onemap.db` (or
/// `%APPDATA%\onemap\onemap.db` on Windows).
pub fn default_sqlite_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("onemap").join("onemap.db")
}

/// The two engines' pools.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same body against whichever pool the store has: `with_db!(db, |p| body)`, where
/// `body` is compiled once per engine.
macro_rules! with_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($p) => $body,
            $crate::store::Db::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_db;

/// What differs between the engines beyond the SQL text.
pub(crate) trait Engine {
    type Db: sqlx::Database;
    /// Begins a transaction that will write (SQLite: `BEGIN IMMEDIATE`).
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>>> + Send;
    /// Whether this is PostgreSQL (to announce changes with `pg_notify`).
    fn is_postgres(&self) -> bool;
}

impl Engine for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
    fn is_postgres(&self) -> bool {
        false
    }
}

impl Engine for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.begin().await?)
    }
    fn is_postgres(&self) -> bool {
        true
    }
}

/// How to open a store.
pub struct Options {
    /// The database.
    pub target: Target,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// This instance's name on the bus (e.g. `district-center`, `光明街道`).
    pub seat: String,
    /// Builds the locator from the stored layers.
    pub atlas: Arc<dyn AtlasBuilder>,
}

impl Options {
    /// Defaults: the wall clock, a seat named after the process id, the geo core's Atlas.
    pub fn new(target: Target) -> Options {
        Options {
            target,
            clock: Arc::new(SystemClock),
            seat: format!("seat-{}", std::process::id()),
            atlas: Arc::new(GeoAtlasBuilder),
        }
    }
    /// Uses `clock` for "now".
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Options {
        self.clock = clock;
        self
    }
    /// Names this seat.
    pub fn seat(mut self, seat: impl Into<String>) -> Options {
        self.seat = seat.into();
        self
    }
    /// Uses `atlas` to build the locator.
    pub fn atlas(mut self, atlas: Arc<dyn AtlasBuilder>) -> Options {
        self.atlas = atlas;
        self
    }
}

pub(crate) struct Inner {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) seat: String,
    pub(crate) bus: Bus,
    pub(crate) thresholds: GradeThresholds,
    pub(crate) at_risk_fraction: f64,
    pub(crate) locator: RwLock<Arc<dyn Locator>>,
    /// The geo core's Atlas behind the locator, when it is one (for planning).
    pub(crate) geo: RwLock<Option<Arc<onemap_geo::atlas::Atlas>>>,
    pub(crate) atlas: Arc<dyn AtlasBuilder>,
    pub(crate) writer: tokio::sync::mpsc::Sender<crate::intake::Job>,
    pub(crate) matters: RwLock<std::collections::HashMap<String, crate::matters::Matter>>,
    pub(crate) facts: tokio::sync::Mutex<crate::figures::FactCache>,
    listener: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(l) = self.listener.take() {
            l.abort();
        }
    }
}

/// The application's handle on its data: cheap to clone, shared by every shell.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("seat", &self.inner.seat)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating and migrating as needed) the database of `target` with default options.
    pub async fn open(target: Target) -> Result<Store> {
        Store::open_with(Options::new(target)).await
    }

    /// Opens with explicit options.
    pub async fn open_with(opts: Options) -> Result<Store> {
        let db = match &opts.target {
            Target::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                        path: dir.display().to_string(),
                        source,
                    })?;
                }
                let o = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(o)
                    .await?;
                sqlx::migrate!("../../migrations/sqlite").run(&pool).await?;
                Db::Sqlite(pool)
            }
            Target::Postgres(url) => {
                let o = sqlx::postgres::PgConnectOptions::from_str(url)?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .connect_with(o)
                    .await?;
                sqlx::migrate!("../../migrations/postgres")
                    .run(&pool)
                    .await?;
                Db::Postgres(pool)
            }
        };
        let mut thresholds = GradeThresholds::default();
        let mut at_risk_fraction = 0.2;
        let rows: Vec<(String, f64)> = with_db!(&db, |p| {
            sqlx::query("SELECT key, value FROM settings")
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("key")?, r.try_get("value")?)))
                .collect::<Result<_, sqlx::Error>>()?
        });
        for (k, v) in rows {
            if k == "at_risk_fraction" {
                at_risk_fraction = v;
            } else {
                thresholds.set(&k, v);
            }
        }
        let bus = Bus::new();
        let listener = match &db {
            Db::Postgres(pool) => Some(spawn_listener(pool, bus.clone(), opts.seat.clone()).await?),
            Db::Sqlite(_) => None,
        };
        let writer = crate::intake::spawn_writer(db.clone(), opts.seat.clone(), bus.clone());
        let store = Store {
            inner: Arc::new(Inner {
                writer,
                matters: RwLock::new(Default::default()),
                facts: Default::default(),
                db,
                clock: opts.clock,
                seat: opts.seat,
                bus,
                thresholds,
                at_risk_fraction,
                locator: RwLock::new(Arc::new(Nowhere)),
                geo: RwLock::new(None),
                atlas: opts.atlas,
                listener,
            }),
        };
        store.rebuild_atlas().await?;
        store.warm_facts();
        Ok(store)
    }

    /// Which engine this store runs on: `sqlite` or `postgres`.
    pub fn engine(&self) -> &'static str {
        match self.inner.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// This seat's name on the bus.
    pub fn seat(&self) -> &str {
        &self.inner.seat
    }

    /// The current instant of the store's clock.
    pub fn now(&self) -> crate::time::Millis {
        self.inner.clock.now()
    }

    /// Subscribes to the live bus: this seat's changes and, on PostgreSQL, every other seat's.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Change> {
        self.inner.bus.subscribe()
    }

    /// The warning-grade cut-offs in force.
    pub fn thresholds(&self) -> GradeThresholds {
        self.inner.thresholds
    }

    /// The current locator snapshot.
    pub fn locator(&self) -> Arc<dyn Locator> {
        match self.inner.locator.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the locator snapshot.
    pub fn set_locator(&self, locator: Arc<dyn Locator>) {
        match self.inner.locator.write() {
            Ok(mut g) => *g = locator,
            Err(poisoned) => *poisoned.into_inner() = locator,
        }
    }

    /// Rebuilds the locator (and the Atlas behind it) from the stored layers and swaps it in
    /// whole.
    pub async fn rebuild_atlas(&self) -> Result<()> {
        let layers = self.dataset().await?;
        let (locator, atlas) = self.inner.atlas.build_with_atlas(&layers)?;
        self.set_locator(locator);
        match self.inner.geo.write() {
            Ok(mut g) => *g = atlas,
            Err(poisoned) => *poisoned.into_inner() = atlas,
        }
        Ok(())
    }

    /// The geo core's Atlas of the stored layers, when the whole administrative tree is stored
    /// (swapped whole after every layer change, like the locator).
    pub fn atlas(&self) -> Option<Arc<onemap_geo::atlas::Atlas>> {
        match self.inner.geo.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Closes the pool (waits for connections to finish).
    pub async fn close(&self) {
        // The PostgreSQL listener holds one of the pool's connections for good: stop it first,
        // or the pool waits for that connection forever (`onemap audit` hung here).
        if let Some(l) = &self.inner.listener {
            l.abort();
        }
        with_db!(&self.inner.db, |p| p.close().await)
    }

    /// Announces a committed change on this process's bus.
    pub(crate) fn publish(&self, change: Change) {
        self.inner.bus.publish(change);
    }

    /// A change made by this seat, now.
    pub(crate) fn change(
        &self,
        kind: crate::bus::ChangeKind,
        id: &str,
        event: &str,
        version: i64,
    ) -> Change {
        Change {
            seat: self.inner.seat.clone(),
            kind,
            id: id.to_string(),
            event: event.to_string(),
            version,
            at: self.now(),
        }
    }
}

/// Announces `change` inside the transaction `tx` (PostgreSQL only; delivered on commit).
macro_rules! notify {
    ($p:expr, $tx:expr, $change:expr) => {
        if $crate::store::Engine::is_postgres($p) {
            let payload = serde_json::to_string(&$change).unwrap_or_default();
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind($crate::bus::PG_CHANNEL)
                .bind(payload)
                .execute(&mut *$tx)
                .await?;
        }
    };
}
pub(crate) use notify;

async fn spawn_listener(
    pool: &PgPool,
    bus: Bus,
    seat: String,
) -> Result<tokio::task::JoinHandle<()>> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(PG_CHANNEL).await?;
    Ok(tokio::spawn(async move {
        loop {
            match listener.recv().await {
                Ok(n) => {
                    if let Ok(change) = serde_json::from_str::<Change>(n.payload())
                        && change.seat != seat
                    {
                        bus.publish(change);
                    }
                }
                // PgListener reconnects by itself on the next recv; back off a little.
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }))
}

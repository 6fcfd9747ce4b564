//! Shared test scaffolding: a fresh store per test on SQLite (a temporary file) or on
//! PostgreSQL (a uniquely named database on the server of `ONEMAP_TEST_PG_URL`, dropped after).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use onemap::time::{ManualClock, Millis, parse_instant};
use onemap::{Options, Store, Target};
use sqlx::Connection;

/// The two engines every scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub const PG_HELP: &str = "ONEMAP_TEST_PG_URL is not set: the PostgreSQL half of the suite needs a \
server. Start the private test cluster with `bash scripts/pg-test-server.sh start` and export \
ONEMAP_TEST_PG_URL=$(bash scripts/pg-test-server.sh url); or set ONEMAP_SKIP_PG=1 to skip the \
PostgreSQL variants explicitly.";

/// The PostgreSQL server URL, or `None` when the PostgreSQL variants are explicitly skipped.
/// Panics (fails the test) when neither is set: no silent skip.
pub fn pg_url() -> Option<String> {
    match std::env::var("ONEMAP_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("ONEMAP_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("ONEMAP_SKIP_PG=1: skipping the PostgreSQL variant");
            None
        }
        _ => panic!("{PG_HELP}"),
    }
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture readable")
}

pub fn workspace_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// 2026-03-02 09:00 Asia/Shanghai: a Monday morning.
pub fn morning() -> Millis {
    parse_instant("2026-03-02T09:00:00+08:00").expect("valid instant")
}

/// A database for one test.
pub struct TestDb {
    pub target: Target,
    admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// A fresh database, or `None` for PostgreSQL when explicitly skipped.
    pub async fn new(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                Some(TestDb {
                    target: Target::Sqlite(dir.path().join("onemap.db")),
                    admin: None,
                    _dir: Some(dir),
                })
            }
            Engine::Postgres => {
                let url = pg_url()?;
                let name = format!(
                    "onemap_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.subsec_nanos())
                        .unwrap_or(0)
                );
                let mut c = sqlx::PgConnection::connect(&url)
                    .await
                    .expect("connect to ONEMAP_TEST_PG_URL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut c)
                    .await
                    .expect("create test database");
                c.close().await.ok();
                let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url);
                Some(TestDb {
                    target: Target::Postgres(format!("{base}/{name}")),
                    admin: Some((url.clone(), name)),
                    _dir: None,
                })
            }
        }
    }

    pub async fn open(&self, clock: Arc<ManualClock>, seat: &str) -> Store {
        Store::open_with(Options::new(self.target.clone()).clock(clock).seat(seat))
            .await
            .expect("open store")
    }

    /// Drops the PostgreSQL database (after the stores on it are closed).
    pub async fn drop_db(self) {
        if let Some((url, name)) = &self.admin {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c)
                .await
                .expect("drop test database");
        }
    }
}

/// A store with the fixture matters, district and sub-grids loaded, on a manual clock at
/// [`morning`].
pub struct World {
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub db: TestDb,
}

impl World {
    pub async fn new(engine: Engine) -> Option<World> {
        let db = TestDb::new(engine).await?;
        let clock = Arc::new(ManualClock::new(morning()));
        let store = db.open(clock.clone(), "test-seat").await;
        for layer in ["districts", "subgrids", "matters"] {
            store
                .import_layer(
                    layer,
                    &fixture_text(&format!("{layer}.geojson")),
                    onemap::datum::Datum::Wgs84,
                )
                .await
                .expect("fixture layer imports");
        }
        Some(World { store, clock, db })
    }

    pub async fn finish(self) {
        self.store.close().await;
        self.db.drop_db().await;
    }
}

/// Declares one async scenario `fn(Engine)` and runs it as two tests, `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_engines {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::common::Engine::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(super::common::Engine::Postgres).await;
            }
        }
    };
}

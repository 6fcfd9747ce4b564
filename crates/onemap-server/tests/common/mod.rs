//! The app over a real store (SQLite or PostgreSQL, see `crates/onemap/tests/common`) loaded
//! with the Guangming dataset's layers (not its case history, to keep the tests quick), on a
//! manual clock.
#![allow(dead_code)]

#[path = "../../../onemap/tests/common/mod.rs"]
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use onemap::access::{NewUser, Principal, Role, Via};
use onemap::time::ManualClock;
use onemap_server::app::App;
use onemap_server::map::{CurrentMap, MapData};
pub use store::Engine;

/// The repository's Guangming dataset.
pub fn guangming() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata/guangming")
}

/// A copy of the dataset directory without the case history (links to the layer files).
pub fn layers_only() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        for e in std::fs::read_dir(guangming()).expect("dataset") {
            let e = e.expect("entry");
            let name = e.file_name().into_string().expect("utf-8 name");
            if name.starts_with("cases") || name == "meta.json" || !name.ends_with(".geojson") {
                continue;
            }
            std::os::unix::fs::symlink(e.path(), dir.path().join(&name)).expect("link");
        }
        std::fs::write(dir.path().join("meta.json"), "{}").expect("meta");
        dir
    })
    .path()
}

/// The map, loaded once per test binary.
pub fn map() -> Arc<MapData> {
    static MAP: OnceLock<Arc<MapData>> = OnceLock::new();
    MAP.get_or_init(|| Arc::new(MapData::load(layers_only()).expect("map")))
        .clone()
}

/// The app over a fresh store with the dataset's layers, and its clock.
pub struct AppWorld {
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub db: store::TestDb,
}

impl AppWorld {
    pub async fn new(engine: Engine) -> Option<AppWorld> {
        let db = store::TestDb::new(engine).await?;
        let clock = Arc::new(ManualClock::new(store::morning()));
        let s = db.open(clock.clone(), "app-test").await;
        s.ensure_dataset(layers_only()).await.expect("dataset");
        let app = App::open(s, Arc::new(CurrentMap::new(layers_only(), map())))
            .await
            .expect("app");
        Some(AppWorld { app, clock, db })
    }

    /// Creates a user and returns the principal it logs in as.
    pub async fn user(&self, name: &str, role: Role, street: Option<&str>) -> Principal {
        self.app
            .store()
            .create_user(NewUser {
                username: name.into(),
                display_name: String::new(),
                role,
                street_code: street.map(str::to_string),
                password: "correct horse battery".into(),
            })
            .await
            .expect("user")
            .principal(Via::Session)
    }

    /// An intake key's principal.
    pub async fn key(&self, name: &str, channel: onemap::model::Channel) -> (Principal, String) {
        let (k, secret) = self
            .app
            .store()
            .create_key(name, channel, 100_000)
            .await
            .expect("key");
        (k.principal(), secret)
    }

    pub async fn finish(self) {
        self.app.store().close().await;
        self.db.drop_db().await;
    }
}

/// A building's position in the street with this code (the first the dataset lists).
pub fn point_in_street(street: &str) -> (f64, f64) {
    let m = map();
    m.atlas()
        .buildings()
        .iter()
        .find(|b| {
            m.atlas()
                .locate(b.lon, b.lat)
                .is_some_and(|l| l.street.code == street)
        })
        .map(|b| (b.lon, b.lat))
        .expect("a building in the street")
}

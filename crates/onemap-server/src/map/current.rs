//! The map a running shell draws, replaced whole when the store's layers change.
//!
//! A [`MapData`] is immutable: its indexes, tiles and pre-serialised layers are built once.
//! When an import or a planning apply rewrites a layer in the store, [`CurrentMap::reload`]
//! builds a new one as the store has it and swaps it in; requests already holding the old
//! map finish on it, every request after the swap sees the new layers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::MapData;
#[cfg(feature = "formats")]
use super::MapError;

/// The map now, its dataset directory and how many times it has been replaced.
#[derive(Debug)]
pub struct CurrentMap {
    /// The dataset directory the map was loaded from (reloads start from it again).
    dir: PathBuf,
    map: RwLock<Arc<MapData>>,
    /// 0 for the map loaded at start, +1 for every swap: the UI asks for tiles of this
    /// version, so a browser's cache never mixes tiles of two maps.
    version: AtomicU64,
    /// One reload at a time, so two imports in a row are drawn in the order they committed.
    #[cfg(feature = "formats")]
    reloading: tokio::sync::Mutex<()>,
}

/// What a reload drew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redrawn {
    /// The map's version after it.
    pub version: u64,
    /// The layers now taken from the store (empty when the dataset's files are drawn again).
    pub from_store: Vec<String>,
}

impl CurrentMap {
    /// `map`, loaded from `dir`, as the current map (version 0).
    #[must_use]
    pub fn new(dir: &Path, map: Arc<MapData>) -> CurrentMap {
        CurrentMap {
            dir: dir.to_path_buf(),
            map: RwLock::new(map),
            version: AtomicU64::new(0),
            #[cfg(feature = "formats")]
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The map now. Hold it for one request: a later call may return a newer map.
    #[must_use]
    pub fn get(&self) -> Arc<MapData> {
        match self.map.read() {
            Ok(m) => Arc::clone(&m),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// How many times the map has been replaced.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The dataset directory the map is loaded from.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Swaps in `map`; returns the new version.
    pub fn replace(&self, map: MapData) -> u64 {
        let map = Arc::new(map);
        match self.map.write() {
            Ok(mut m) => *m = map,
            Err(poisoned) => *poisoned.into_inner() = map,
        }
        self.version.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Builds the map again as `store` has it ([`MapData::load_with_store`]) and swaps it in.
    ///
    /// # Errors
    /// [`MapError::Dataset`] when the store or the dataset cannot be read; the map drawn
    /// until then stays.
    #[cfg(feature = "formats")]
    pub async fn reload(&self, store: &onemap::Store) -> Result<Redrawn, MapError> {
        let _one_at_a_time = self.reloading.lock().await;
        let (map, from_store) = match MapData::load_with_store(&self.dir, store).await? {
            Some(loaded) => loaded,
            None => (MapData::load_blocking(self.dir.clone()).await?, Vec::new()),
        };
        Ok(Redrawn {
            version: self.replace(map),
            from_store,
        })
    }
}

//! A bounded cache of cut tiles, shared by every request.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Cut tiles by key, up to a byte budget; the oldest go first when it is full. Tiles of one
/// dataset never change, so nothing else invalidates them.
#[derive(Debug)]
pub struct TileCache<K> {
    budget: usize,
    inner: Mutex<Inner<K>>,
}

#[derive(Debug)]
struct Inner<K> {
    tiles: HashMap<K, Arc<Vec<u8>>>,
    order: VecDeque<K>,
    bytes: usize,
}

impl<K: Clone + Eq + Hash> TileCache<K> {
    /// An empty cache that holds at most `budget` bytes of tiles.
    #[must_use]
    pub fn new(budget: usize) -> TileCache<K> {
        TileCache {
            budget,
            inner: Mutex::new(Inner {
                tiles: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
            }),
        }
    }

    /// The tile under `key`, cut by `cut` on a miss (outside the lock: two callers missing the
    /// same tile at once both cut it, and the second keeps the first's).
    ///
    /// ```
    /// let cache = onemap_tiles::TileCache::new(1 << 20);
    /// let a = cache.get_or_cut("k", || vec![1, 2, 3]);
    /// let b = cache.get_or_cut("k", || unreachable!());
    /// assert_eq!(a, b);
    /// ```
    pub fn get_or_cut(&self, key: K, cut: impl FnOnce() -> Vec<u8>) -> Arc<Vec<u8>> {
        if let Some(t) = self.lock().tiles.get(&key) {
            return Arc::clone(t);
        }
        let tile = Arc::new(cut());
        let mut inner = self.lock();
        if let Some(t) = inner.tiles.get(&key) {
            return Arc::clone(t);
        }
        let size = tile.len().max(1);
        while inner.bytes + size > self.budget {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some(t) = inner.tiles.remove(&old) {
                inner.bytes -= t.len().max(1);
            }
        }
        if size <= self.budget {
            inner.bytes += size;
            inner.order.push_back(key.clone());
            inner.tiles.insert(key, Arc::clone(&tile));
        }
        tile
    }

    /// How many tiles are held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().tiles.len()
    }

    /// Whether no tile is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K>> {
        // A panic while holding the lock leaves a consistent map (inserts are single steps).
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_tiles_go_when_the_budget_is_full() {
        let cache = TileCache::new(10);
        cache.get_or_cut(1, || vec![0; 4]);
        cache.get_or_cut(2, || vec![0; 4]);
        cache.get_or_cut(3, || vec![0; 4]);
        assert_eq!(cache.len(), 2);
        assert!(cache.bytes() <= 10);
        // 1 went first: asking again cuts it anew.
        let mut cut = false;
        cache.get_or_cut(1, || {
            cut = true;
            vec![0; 4]
        });
        assert!(cut);
    }

    #[test]
    fn a_tile_larger_than_the_budget_is_served_but_not_kept() {
        let cache = TileCache::new(3);
        assert_eq!(cache.get_or_cut("big", || vec![7; 8]).len(), 8);
        assert!(cache.is_empty());
    }
}

//! A value made once in the background at start (the app over the store, planning on it),
//! which commands wait for: a command that arrives while the store is still opening sleeps
//! until the value is made and is woken then, without polling.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{Notify, OnceCell};

/// Shared by clones: one is made at start, the others wait for it.
pub struct Opening<T>(Arc<Inner<T>>);

struct Inner<T> {
    cell: OnceCell<T>,
    made: Notify,
}

impl<T> Clone for Opening<T> {
    fn clone(&self) -> Self {
        Opening(Arc::clone(&self.0))
    }
}

impl<T> Default for Opening<T> {
    fn default() -> Self {
        Opening(Arc::new(Inner {
            cell: OnceCell::new(),
            made: Notify::new(),
        }))
    }
}

impl<T: Clone> Opening<T> {
    /// Makes the value with `make` (once: a later call gets the first value) and wakes every
    /// command waiting for it.
    pub async fn make<F: Future<Output = T>>(&self, make: F) -> &T {
        let made = self.0.cell.get_or_init(|| make).await;
        self.0.made.notify_waiters();
        made
    }

    /// The value, once it is made (waits for it).
    pub async fn get(&self) -> T {
        loop {
            // Registered before the check, so a value made in between still wakes this one.
            let made = self.0.made.notified();
            if let Some(v) = self.0.cell.get() {
                return v.clone();
            }
            made.await;
        }
    }
}

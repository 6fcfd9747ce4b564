//! What every long command shows while it works: a progress line on stderr (count, rate, time
//! left) and Ctrl-C to cancel. The operation itself checks [`Progress::check`] and rolls back or
//! removes its partial output when cancelled.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use onemap_progress::Progress;

/// Shows `progress` until dropped.
pub struct Shown {
    stop: Arc<AtomicBool>,
    printer: Option<JoinHandle<()>>,
}

/// Starts the progress line and the Ctrl-C handler for `progress`.
pub fn show(progress: &Progress) -> Shown {
    let stop = Arc::new(AtomicBool::new(false));
    let printer = {
        let (p, stop) = (progress.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            onemap_progress::print_until(&p, Duration::from_millis(250), &stop);
        })
    };
    // Ctrl-C is awaited on a thread of its own (with its own small runtime), so this works the
    // same from synchronous commands and from inside the CLI's async runtime. The thread ends
    // with the process; a Ctrl-C after the operation only cancels a finished progress.
    let p = progress.clone();
    std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(async {
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("\ncancelling…");
                    p.cancel();
                }
            });
        }
    });
    Shown {
        stop,
        printer: Some(printer),
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(printer) = self.printer.take() {
            let _ = printer.join();
        }
    }
}

//! Progress and cancellation for OneMap's long operations.
//!
//! One [`Progress`] handle is shared (it is cheap to clone) between the operation doing the work
//! and whoever watches it: the CLI's progress line on stderr ([`Progress::line`]), the UI's
//! progress bar (a [`Snapshot`] polled over HTTP or IPC), a test. The operation calls
//! [`Progress::stage`] / [`Progress::set_total`] / [`Progress::advance`] and, between units of
//! work, [`Progress::check`], which returns [`Cancelled`] once someone called
//! [`Progress::cancel`]. What to do on cancel is the operation's job: roll back its transaction,
//! remove its partial output file. Every long operation in OneMap takes a `&Progress`: import and
//! export (`onemap::imports`, `onemap::exports`), city-scale generation (`onemap-gen`) and report
//! rendering.
//!
//! ```
//! use onemap_progress::{Cancelled, Progress};
//!
//! fn render_pages(pages: u64, progress: &Progress) -> Result<u64, Cancelled> {
//!     progress.stage("pages", pages);
//!     for _ in 0..pages {
//!         progress.check()?; // stop between units of work when cancelled
//!         // … render one page …
//!         progress.advance(1);
//!     }
//!     Ok(pages)
//! }
//!
//! let p = Progress::new();
//! assert_eq!(render_pages(3, &p), Ok(3));
//! assert_eq!(p.snapshot().done, 3);
//! p.cancel();
//! assert_eq!(render_pages(3, &p), Err(Cancelled));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

/// The operation was cancelled; whatever it had started writing has been (or must be) undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

#[derive(Debug)]
struct Shared {
    done: AtomicU64,
    total: AtomicU64,
    cancelled: AtomicBool,
    stage: Mutex<StageInfo>,
}

#[derive(Debug, Clone)]
struct StageInfo {
    name: String,
    started: Instant,
    /// `done` when the stage began, so the rate is per stage.
    base: u64,
}

/// A shared handle on one operation's progress. Clones watch and drive the same operation.
#[derive(Debug, Clone)]
pub struct Progress {
    shared: Arc<Shared>,
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

/// A point-in-time view of an operation's progress, as the UI and the CLI show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// The current stage (`reading`, `validating`, `writing buildings`…).
    pub stage: String,
    /// Units done in this stage.
    pub done: u64,
    /// Units in this stage (0 while unknown).
    pub total: u64,
    /// Units per second in this stage so far.
    pub rate: f64,
    /// Seconds left in this stage at the current rate, when it can be told.
    pub eta_seconds: Option<f64>,
    /// Seconds since the stage began.
    pub elapsed_seconds: f64,
    /// Whether cancel was asked for.
    pub cancelled: bool,
}

impl Snapshot {
    /// The share done in `0.0..=1.0`, when the total is known.
    #[must_use]
    pub fn fraction(&self) -> Option<f64> {
        (self.total > 0).then(|| (self.done as f64 / self.total as f64).min(1.0))
    }
}

impl Progress {
    /// A fresh operation: stage `""`, nothing done, total unknown.
    #[must_use]
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                done: AtomicU64::new(0),
                total: AtomicU64::new(0),
                cancelled: AtomicBool::new(false),
                stage: Mutex::new(StageInfo {
                    name: String::new(),
                    started: Instant::now(),
                    base: 0,
                }),
            }),
        }
    }

    fn stage_info(&self) -> StageInfo {
        match self.shared.stage.lock() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Begins a stage of `total` units (0 when unknown); the count and the rate start afresh.
    pub fn stage(&self, name: &str, total: u64) {
        let info = StageInfo {
            name: name.to_owned(),
            started: Instant::now(),
            base: 0,
        };
        match self.shared.stage.lock() {
            Ok(mut g) => *g = info,
            Err(poisoned) => *poisoned.into_inner() = info,
        }
        self.shared.done.store(0, Ordering::Relaxed);
        self.shared.total.store(total, Ordering::Relaxed);
    }

    /// Sets the total of the current stage (once it is known).
    pub fn set_total(&self, total: u64) {
        self.shared.total.store(total, Ordering::Relaxed);
    }

    /// Counts `n` more units done.
    pub fn advance(&self, n: u64) {
        self.shared.done.fetch_add(n, Ordering::Relaxed);
    }

    /// Sets the count of units done.
    pub fn set_done(&self, done: u64) {
        self.shared.done.store(done, Ordering::Relaxed);
    }

    /// Asks the operation to stop. It notices at its next [`Progress::check`].
    pub fn cancel(&self) {
        self.shared.cancelled.store(true, Ordering::SeqCst);
    }

    /// Whether cancel was asked for.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancelled.load(Ordering::SeqCst)
    }

    /// `Err(Cancelled)` once cancel was asked for: call it between units of work.
    ///
    /// # Errors
    /// [`Cancelled`] after [`Progress::cancel`].
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Where the operation stands now.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let info = self.stage_info();
        let done = self.shared.done.load(Ordering::Relaxed);
        let total = self.shared.total.load(Ordering::Relaxed);
        let elapsed = info.started.elapsed().as_secs_f64();
        let counted = done.saturating_sub(info.base);
        let rate = if elapsed > 0.0 {
            counted as f64 / elapsed
        } else {
            0.0
        };
        let eta_seconds =
            (total > 0 && rate > 0.0 && done <= total).then(|| (total - done) as f64 / rate);
        Snapshot {
            stage: info.name,
            done,
            total,
            rate,
            eta_seconds,
            elapsed_seconds: elapsed,
            cancelled: self.is_cancelled(),
        }
    }

    /// The one-line form the CLI prints on stderr:
    /// `writing buildings  12,000 / 30,254  39%  8,100/s  ETA 3s`.
    #[must_use]
    pub fn line(&self) -> String {
        format_line(&self.snapshot())
    }
}

/// A snapshot as one line: stage, count (and total), share, rate, time left.
///
/// ```
/// let s = onemap_progress::Snapshot {
///     stage: "writing buildings".into(), done: 12_000, total: 30_254, rate: 8_100.0,
///     eta_seconds: Some(2.3), elapsed_seconds: 1.5, cancelled: false,
/// };
/// assert_eq!(onemap_progress::format_line(&s), "writing buildings  12,000 / 30,254  39%  8,100/s  ETA 3s");
/// ```
#[must_use]
pub fn format_line(s: &Snapshot) -> String {
    let mut line = format!("{}  {}", s.stage, thousands(s.done));
    if s.total > 0 {
        line.push_str(&format!(" / {}", thousands(s.total)));
        if let Some(f) = s.fraction() {
            line.push_str(&format!("  {:.0}%", (f * 100.0).floor()));
        }
    }
    line.push_str(&format!("  {}/s", thousands(s.rate.round() as u64)));
    if let Some(eta) = s.eta_seconds {
        line.push_str(&format!("  ETA {}", duration_text(eta)));
    }
    if s.cancelled {
        line.push_str("  (cancelling)");
    }
    line
}

fn duration_text(seconds: f64) -> String {
    let s = seconds.ceil().max(0.0) as u64;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Prints [`Progress::line`] to stderr every `every` until `stop` is set, overwriting the line
/// (`\r`) on a terminal and one line per tick otherwise; clears it at the end. For CLIs.
pub fn print_until(progress: &Progress, every: Duration, stop: &AtomicBool) {
    use std::io::{IsTerminal, Write};
    let tty = std::io::stderr().is_terminal();
    let mut last = String::new();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(every);
        let line = progress.line();
        if line == last {
            continue;
        }
        let mut err = std::io::stderr().lock();
        let _ = if tty {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
        last = line;
    }
    if tty {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_resets_the_count_and_sets_the_total() {
        let p = Progress::new();
        p.stage("reading", 10);
        p.advance(4);
        assert_eq!(p.snapshot().done, 4);
        assert_eq!(p.snapshot().fraction(), Some(0.4));
        p.stage("writing", 0);
        let s = p.snapshot();
        assert_eq!((s.stage.as_str(), s.done, s.total), ("writing", 0, 0));
        assert_eq!(s.fraction(), None);
        assert_eq!(s.eta_seconds, None);
    }

    #[test]
    fn rate_and_time_left_follow_the_count() {
        let p = Progress::new();
        p.stage("work", 1_000);
        std::thread::sleep(Duration::from_millis(50));
        p.advance(100);
        let s = p.snapshot();
        assert!(s.rate > 0.0 && s.rate < 100.0 / 0.05 + 1.0, "{s:?}");
        let eta = s.eta_seconds.expect("known");
        // 900 left at the measured rate.
        assert!((eta - 900.0 / s.rate).abs() < 1e-6, "{s:?}");
    }

    #[test]
    fn cancel_is_seen_by_every_clone() {
        let p = Progress::new();
        let watcher = p.clone();
        assert_eq!(p.check(), Ok(()));
        watcher.cancel();
        assert_eq!(p.check(), Err(Cancelled));
        assert!(p.snapshot().cancelled);
        assert!(p.line().ends_with("(cancelling)"));
    }

    #[test]
    fn snapshot_serialises_for_the_ui() {
        let p = Progress::new();
        p.stage("validating", 2);
        p.advance(1);
        let v = serde_json::to_value(p.snapshot()).expect("json");
        assert_eq!(v["stage"], "validating");
        assert_eq!(v["done"], 1);
        assert_eq!(v["total"], 2);
        assert!(v["rate"].is_number());
    }

    #[test]
    fn long_durations_read_in_minutes_and_hours() {
        assert_eq!(duration_text(59.2), "1m00s");
        assert_eq!(duration_text(125.0), "2m05s");
        assert_eq!(duration_text(7300.0), "2h01m");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}

//! Long operations run in the background, watched and cancelled by id: what the UI's progress
//! bar polls (HTTP `GET /api/jobs/{id}`, the Tauri command `job_status`) and its Cancel button
//! calls. A job runs one future with a [`Progress`]; it ends `done` with a JSON result (and
//! maybe a file to download), `failed` with a `{code, message}` error, or `cancelled`.
//! Finished jobs are kept for an hour, then forgotten and their files removed.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use onemap_progress::{Progress, Snapshot};

use crate::error::{Error, ErrorCode, Result};

/// How long a finished job is kept.
pub const KEEP_FINISHED: Duration = Duration::from_secs(3600);

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Still running.
    Running,
    /// Finished with a result.
    Done,
    /// Finished with an error.
    Failed,
    /// Stopped by a cancel; nothing was written.
    Cancelled,
}

/// A file a job produced, to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its media type.
    pub content_type: String,
    /// The name to save it under.
    pub file_name: String,
}

/// What a finished job gives.
#[derive(Debug, Clone, Default)]
pub struct JobOutput {
    /// The result shown to the caller.
    pub result: Value,
    /// A file to download.
    pub file: Option<JobFile>,
}

/// A job's error as it crosses the boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobError {
    /// The closed code (`invalid`, `not_found`, `internal`, …).
    pub code: ErrorCode,
    /// What went wrong.
    pub message: String,
}

/// A job as the UI sees it.
#[derive(Debug, Clone, Serialize)]
pub struct JobStatus {
    /// Its id.
    pub id: String,
    /// What it does (`import`, `export`, `print`, …).
    pub kind: String,
    /// Where it stands.
    pub state: JobState,
    /// Its progress.
    pub progress: Snapshot,
    /// The result, once done.
    pub result: Option<Value>,
    /// The error, once failed.
    pub error: Option<JobError>,
    /// The name of its file, when it has one to download.
    pub file_name: Option<String>,
}

struct Entry {
    kind: String,
    progress: Progress,
    state: JobState,
    result: Option<Value>,
    error: Option<JobError>,
    file: Option<JobFile>,
    finished: Option<Instant>,
}

/// The registry of jobs. Cheap to clone; share one per process.
#[derive(Clone, Default)]
pub struct Jobs {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    next: Arc<AtomicU64>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").finish_non_exhaustive()
    }
}

/// The `{code, message}` of an error; internal details stay in the log.
#[must_use]
pub fn job_error(e: &Error) -> JobError {
    let code = e.code();
    JobError {
        code,
        message: if code == ErrorCode::Internal {
            eprintln!("onemap: job failed: {e}");
            format!("the operation failed: {e}")
        } else {
            e.to_string()
        },
    }
}

impl Jobs {
    /// An empty registry.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Starts `work` on the tokio runtime with a fresh [`Progress`]; returns the job's id.
    pub fn spawn<F, Fut>(&self, kind: &str, work: F) -> String
    where
        F: FnOnce(Progress) -> Fut,
        Fut: Future<Output = Result<JobOutput>> + Send + 'static,
    {
        self.prune();
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let id = format!("job-{}-{n}", std::process::id());
        let progress = Progress::new();
        self.lock().insert(
            id.clone(),
            Entry {
                kind: kind.to_owned(),
                progress: progress.clone(),
                state: JobState::Running,
                result: None,
                error: None,
                file: None,
                finished: None,
            },
        );
        let fut = work(progress.clone());
        let jobs = self.clone();
        let job_id = id.clone();
        tokio::spawn(async move {
            let outcome = fut.await;
            let mut entries = jobs.lock();
            if let Some(e) = entries.get_mut(&job_id) {
                e.finished = Some(Instant::now());
                match outcome {
                    Ok(out) => {
                        e.state = JobState::Done;
                        e.result = Some(out.result);
                        e.file = out.file;
                    }
                    Err(Error::Cancelled) => e.state = JobState::Cancelled,
                    Err(err) if progress.is_cancelled() => {
                        // A cancel that surfaced as another error still wrote nothing.
                        let _ = err;
                        e.state = JobState::Cancelled;
                    }
                    Err(err) => {
                        e.state = JobState::Failed;
                        e.error = Some(job_error(&err));
                    }
                }
            }
        });
        id
    }

    /// Where job `id` stands.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown (or forgotten) id.
    pub fn status(&self, id: &str) -> Result<JobStatus> {
        let entries = self.lock();
        let e = entries.get(id).ok_or_else(|| Error::NotFound {
            what: "job",
            id: id.to_owned(),
        })?;
        Ok(JobStatus {
            id: id.to_owned(),
            kind: e.kind.clone(),
            state: e.state,
            progress: e.progress.snapshot(),
            result: e.result.clone(),
            error: e.error.clone(),
            file_name: e.file.as_ref().map(|f| f.file_name.clone()),
        })
    }

    /// Asks job `id` to stop; it ends `cancelled` once it has undone its writes.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id.
    pub fn cancel(&self, id: &str) -> Result<JobStatus> {
        if let Some(e) = self.lock().get(id) {
            e.progress.cancel();
        }
        self.status(id)
    }

    /// The file a finished job produced.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id or a job without a file (yet).
    pub fn file(&self, id: &str) -> Result<JobFile> {
        self.lock()
            .get(id)
            .and_then(|e| e.file.clone())
            .ok_or_else(|| Error::NotFound {
                what: "job file",
                id: id.to_owned(),
            })
    }

    /// Waits until job `id` is no longer running (for tests and the CLI).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id.
    pub async fn wait(&self, id: &str) -> Result<JobStatus> {
        loop {
            let s = self.status(id)?;
            if s.state != JobState::Running {
                return Ok(s);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Forgets jobs finished more than [`KEEP_FINISHED`] ago and removes their files.
    fn prune(&self) {
        let mut entries = self.lock();
        entries.retain(|_, e| {
            let keep = e.finished.is_none_or(|t| t.elapsed() < KEEP_FINISHED);
            if !keep && let Some(f) = &e.file {
                let _ = std::fs::remove_file(&f.path);
            }
            keep
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_reports_progress_then_its_result() {
        let jobs = Jobs::new();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let id = jobs.spawn("count", |p| async move {
            p.stage("counting", 10);
            p.advance(4);
            let _ = rx.await;
            p.advance(6);
            Ok(JobOutput {
                result: serde_json::json!({"counted": 10}),
                file: None,
            })
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        let s = jobs.status(&id).expect("known");
        assert_eq!(s.state, JobState::Running);
        assert_eq!((s.progress.done, s.progress.total), (4, 10));
        let _ = tx.send(());
        let s = jobs.wait(&id).await.expect("known");
        assert_eq!(s.state, JobState::Done);
        assert_eq!(s.result, Some(serde_json::json!({"counted": 10})));
    }

    #[tokio::test]
    async fn a_cancelled_job_ends_cancelled_and_a_failed_one_carries_its_code() {
        let jobs = Jobs::new();
        let id = jobs.spawn("wait", |p| async move {
            loop {
                p.check()?;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        jobs.cancel(&id).expect("known");
        assert_eq!(
            jobs.wait(&id).await.expect("known").state,
            JobState::Cancelled
        );
        let id = jobs.spawn("fail", |_| async {
            Err(Error::invalid("no such column 名称"))
        });
        let s = jobs.wait(&id).await.expect("known");
        assert_eq!(s.state, JobState::Failed);
        let e = s.error.expect("error");
        assert_eq!(e.code, ErrorCode::Invalid);
        assert!(e.message.contains("名称"));
        assert!(jobs.status("job-nope").is_err());
    }
}

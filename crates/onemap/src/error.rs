//! The crate's error type: a small closed set of codes that cross every boundary as
//! `{code, message}` (see DESIGN.md, "Errors").

use serde::Serialize;

/// Everything that can go wrong in the application core.
///
/// Each variant maps to one stable [`ErrorCode`]; shells (Tauri, HTTP, CLI) switch on the code
/// and show the message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The named thing does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// Kind of thing (`case`, `order`, `building`, ...).
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// A write carried a stale version: someone else changed the record first.
    #[error(
        "{what} {id} was changed by someone else: you had version {expected}, it is now at {actual}; reload and try again"
    )]
    Conflict {
        /// Kind of record.
        what: &'static str,
        /// Its id.
        id: String,
        /// The version the writer saw.
        expected: i64,
        /// The version in the store.
        actual: i64,
    },
    /// The closed loop does not allow this step from the current state.
    #[error("case {case_id}: cannot {action} a case that is {state}{why}")]
    IllegalTransition {
        /// The case.
        case_id: String,
        /// What was attempted.
        action: &'static str,
        /// The state it is in.
        state: &'static str,
        /// Extra explanation, starting with `: ` when present.
        why: String,
    },
    /// Input was rejected before anything was written.
    #[error("{0}")]
    Invalid(String),
    /// The caller did not prove who it is (no session, a wrong password, an unknown key).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller is known but its role or street does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// A layer import found bad features; nothing was written.
    #[error("{layer}: {} bad feature(s), nothing imported: {}", problems.len(), problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    BadFeatures {
        /// The layer being imported.
        layer: String,
        /// Every problem found, in file order.
        problems: Vec<FeatureProblem>,
    },
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The operation was cancelled; nothing was written (the transaction was rolled back, a
    /// partial output file removed).
    #[error("cancelled; nothing was written")]
    Cancelled,
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        source: std::io::Error,
    },
}

/// One bad feature of an import: where it is and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeatureProblem {
    /// 0-based index of the feature in the file's `features` array.
    pub index: usize,
    /// The feature's id, when it has one.
    pub id: Option<String>,
    /// Why it was refused.
    pub reason: String,
}

impl std::fmt::Display for FeatureProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "feature #{} (id {id}): {}", self.index, self.reason),
            None => write!(f, "feature #{} (no id): {}", self.index, self.reason),
        }
    }
}

/// The closed set of error codes shells switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::Conflict`].
    Conflict,
    /// See [`Error::IllegalTransition`].
    IllegalTransition,
    /// See [`Error::Invalid`] and [`Error::BadFeatures`].
    Invalid,
    /// See [`Error::Unauthorized`].
    Unauthorized,
    /// See [`Error::Forbidden`].
    Forbidden,
    /// See [`Error::Cancelled`].
    Cancelled,
    /// Database, migration or file failures.
    Internal,
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::IllegalTransition { .. } => ErrorCode::IllegalTransition,
            Error::Invalid(_) | Error::BadFeatures { .. } => ErrorCode::Invalid,
            Error::Unauthorized(_) => ErrorCode::Unauthorized,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Database(_) | Error::Migrate(_) | Error::Io { .. } => ErrorCode::Internal,
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}

impl ErrorCode {
    /// The code as it crosses IPC and HTTP (`not_found`, `conflict`, …).
    ///
    /// ```
    /// assert_eq!(onemap::ErrorCode::IllegalTransition.as_str(), "illegal_transition");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::IllegalTransition => "illegal_transition",
            ErrorCode::Invalid => "invalid",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Internal => "internal",
        }
    }
}

impl From<onemap_progress::Cancelled> for Error {
    fn from(_: onemap_progress::Cancelled) -> Self {
        Error::Cancelled
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

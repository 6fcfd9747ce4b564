//! The audit log: every change made through the app API, every showing of personal data (a
//! reporter's name and phone) and every refused attempt, with who, as what role, when, on what.
//!
//! An entry is written durably before the call it records answers: personal data is shown only
//! once its showing is on the record. The steps of the loop are also events of their case
//! (with actor and time, in the same transaction as the change); the audit log adds the views,
//! the refusals and the changes to users and keys, and is what an administrator reads.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::access::Principal;
use crate::error::Result;
use crate::store::{Engine, Store, with_db};
use crate::time::Millis;

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done (or shown).
    Ok,
    /// Refused: the role or street does not allow it.
    Denied,
    /// Tried and failed (a conflict, an illegal step, bad input).
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// One entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Who (`admin`, `ops.guangming`, `key:hotline`, `local`, `cli:root`).
    pub actor: String,
    /// As what role.
    pub role: String,
    /// What (`case.view`, `case.dispatch`, `user.create`, `login`, …).
    pub action: String,
    /// On what (`case:GM-2026-000123`, `user:ops1`, `key:k_ab12…`).
    pub target: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Free text: what was shown or changed, why it was refused.
    pub detail: String,
}

impl Entry {
    /// An entry by `who`.
    pub fn by(
        who: &Principal,
        action: &str,
        target: impl Into<String>,
        outcome: Outcome,
        detail: impl Into<String>,
    ) -> Entry {
        Entry {
            actor: who.user.clone(),
            role: who.role.as_str().to_string(),
            action: action.to_string(),
            target: target.into(),
            outcome,
            detail: detail.into(),
        }
    }
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Sequence number (increasing).
    pub seq: i64,
    /// When.
    pub at: Millis,
    /// Who.
    pub actor: String,
    /// As what role.
    pub role: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
    /// Detail.
    pub detail: String,
}

/// Which entries to read (also the query string of the audit route, so unknown parameters
/// are refused rather than ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only targets starting with this (`case:GM-2026-`, `user:`).
    pub target: Option<String>,
    /// Only actions starting with this (`case.`, `login`).
    pub action: Option<String>,
    /// Only this outcome (`ok`, `denied`, `failed`).
    pub outcome: Option<String>,
    /// Only entries after this sequence number.
    pub after: Option<i64>,
    /// At most this many, newest first (default 200, at most 5,000).
    pub limit: Option<i64>,
}

/// A LIKE pattern matching strings that start with `prefix` (`%`, `_` and `\` escaped).
pub(crate) fn prefix_pattern(prefix: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

impl Store {
    /// Records one entry durably.
    pub async fn audit(&self, entry: Entry) -> Result<()> {
        let now = self.now();
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO audit_log (at, actor, role, action, target, outcome, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(now)
            .bind(&entry.actor)
            .bind(&entry.role)
            .bind(&entry.action)
            .bind(&entry.target)
            .bind(entry.outcome.as_str())
            .bind(&entry.detail)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Reads the log, newest first.
    pub async fn audit_log(&self, q: &Query) -> Result<Vec<Record>> {
        let limit = q.limit.unwrap_or(200).clamp(1, 5_000);
        with_db!(&self.inner.db, |p| {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT seq, at, actor, role, action, target, outcome, detail FROM audit_log \
                 WHERE 1 = 1",
            );
            if let Some(a) = &q.actor {
                qb.push(" AND actor = ").push_bind(a.clone());
            }
            if let Some(t) = &q.target {
                qb.push(" AND target LIKE ")
                    .push_bind(prefix_pattern(t))
                    .push(" ESCAPE '\\'");
            }
            if let Some(a) = &q.action {
                qb.push(" AND action LIKE ")
                    .push_bind(prefix_pattern(a))
                    .push(" ESCAPE '\\'");
            }
            if let Some(o) = &q.outcome {
                qb.push(" AND outcome = ").push_bind(o.clone());
            }
            if let Some(s) = q.after {
                qb.push(" AND seq > ").push_bind(s);
            }
            qb.push(" ORDER BY seq DESC LIMIT ").push_bind(limit);
            let rows = qb.build().fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    Ok(Record {
                        seq: r.try_get("seq")?,
                        at: r.try_get("at")?,
                        actor: r.try_get("actor")?,
                        role: r.try_get("role")?,
                        action: r.try_get("action")?,
                        target: r.try_get("target")?,
                        outcome: r.try_get("outcome")?,
                        detail: r.try_get("detail")?,
                    })
                })
                .collect()
        })
    }
}

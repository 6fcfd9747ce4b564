//! The matter catalogue (治理事项清单): 217 matter types, each with its default level and
//! time promises.

use serde::Serialize;
use sqlx::Row;

use crate::error::{Error, Result};
use crate::model::Level;
use crate::store::{Store, with_db};
use crate::time::{DAY, HOUR, Millis, end_of_local_day};

/// How long a matter may take to resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ResolveWithin {
    /// By the local midnight of the day it was reported (不过夜).
    SameDay,
    /// Within N hours.
    Hours(i64),
    /// Within N × 24 hours.
    Days(i64),
}

impl ResolveWithin {
    /// Parses `same_day`, `hours:N` or `days:N`.
    pub fn parse(s: &str) -> Result<ResolveWithin> {
        let n = |v: &str| {
            v.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| Error::invalid(format!("bad resolve promise {s:?}")))
        };
        match s.split_once(':') {
            None if s == "same_day" => Ok(ResolveWithin::SameDay),
            Some(("hours", v)) => Ok(ResolveWithin::Hours(n(v)?)),
            Some(("days", v)) => Ok(ResolveWithin::Days(n(v)?)),
            _ => Err(Error::invalid(format!(
                "bad resolve promise {s:?} (same_day, hours:N or days:N)"
            ))),
        }
    }

    /// The stored form.
    pub fn as_string(self) -> String {
        match self {
            ResolveWithin::SameDay => "same_day".into(),
            ResolveWithin::Hours(n) => format!("hours:{n}"),
            ResolveWithin::Days(n) => format!("days:{n}"),
        }
    }

    /// The deadline for a case reported at `t`.
    pub fn deadline(self, t: Millis) -> Millis {
        match self {
            ResolveWithin::SameDay => end_of_local_day(t),
            ResolveWithin::Hours(n) => t + n * HOUR,
            ResolveWithin::Days(n) => t + n * DAY,
        }
    }
}

/// A matter type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matter {
    /// `M001` … `M217`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Domain key (`dispute`, `legal`, ...).
    pub domain: String,
    /// Domain name in Chinese.
    pub domain_name: String,
    /// Default handling level.
    pub default_level: Level,
    /// SMS notice promise, minutes (10).
    pub notice_minutes: i64,
    /// Meeting promise, minutes (30).
    pub meet_minutes: i64,
    /// Resolution promise.
    pub resolve: ResolveWithin,
}

macro_rules! matter_from_row {
    ($r:expr) => {{
        let r = $r;
        Matter {
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            domain: r.try_get("domain")?,
            domain_name: r.try_get("domain_name")?,
            default_level: Level::parse(&r.try_get::<String, _>("default_level")?)?,
            notice_minutes: r.try_get("notice_minutes")?,
            meet_minutes: r.try_get("meet_minutes")?,
            resolve: ResolveWithin::parse(&r.try_get::<String, _>("resolve")?)?,
        }
    }};
}

impl Store {
    /// One matter of the catalogue.
    pub async fn matter(&self, code: &str) -> Result<Matter> {
        if let Some(m) = self
            .inner
            .matters
            .read()
            .ok()
            .and_then(|c| c.get(code).cloned())
        {
            return Ok(m);
        }
        let m = with_db!(&self.inner.db, |p| {
            match sqlx::query("SELECT * FROM matters WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await?
            {
                Some(r) => Some(matter_from_row!(&r)),
                None => None,
            }
        });
        let m = m.ok_or_else(|| {
            Error::Invalid(format!("unknown matter {code:?}: not in the catalogue"))
        })?;
        if let Ok(mut c) = self.inner.matters.write() {
            c.insert(code.to_string(), m.clone());
        }
        Ok(m)
    }

    /// The matter of a case.
    pub(crate) async fn matter_of_case(&self, case_id: &str) -> Result<Matter> {
        let code: Option<String> = with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT matter FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_optional(p)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?
        });
        match code {
            Some(c) => self.matter(&c).await,
            None => Err(Error::NotFound {
                what: "case",
                id: case_id.to_string(),
            }),
        }
    }

    /// The whole catalogue, by code.
    pub async fn matters(&self) -> Result<Vec<Matter>> {
        Ok(with_db!(&self.inner.db, |p| {
            let rows = sqlx::query("SELECT * FROM matters ORDER BY code")
                .fetch_all(p)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(matter_from_row!(r));
            }
            out
        }))
    }
}

impl Store {
    /// Forgets the cached catalogue (after the matters layer is imported).
    pub(crate) fn forget_matters(&self) {
        if let Ok(mut c) = self.inner.matters.write() {
            c.clear();
        }
    }
}

//! Access in the app: logging in and out, the first administrator of a fresh store, telling a
//! session token from an API key, and rate limits.
//!
//! Session and key look-ups are cached for [`CACHE_TTL`] so that intake at thousands of
//! requests a second does not read the key table each time; a revoked key or ended session
//! stops working within that time on every seat (at once on the seat that ended it).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use onemap::access::{Principal, Session, Via};
use onemap::audit::Outcome;
use serde::Serialize;

use super::{App, AppError, AppResult};

/// How long a looked-up session or key is trusted without asking the store again.
pub const CACHE_TTL: Duration = Duration::from_secs(5);

/// What a caller presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A session token (`oms_…`) from the login.
    Session(String),
    /// An API key (`omk_…`) of an intake system.
    ApiKey(String),
}

impl Credentials {
    /// Tells a secret by its prefix: `omk_` is an API key, anything else a session token.
    ///
    /// ```
    /// use onemap_server::app::Credentials;
    /// assert!(matches!(Credentials::from_secret("omk_abc"), Credentials::ApiKey(_)));
    /// assert!(matches!(Credentials::from_secret("oms_abc"), Credentials::Session(_)));
    /// ```
    #[must_use]
    pub fn from_secret(secret: &str) -> Credentials {
        if secret.starts_with("omk_") {
            Credentials::ApiKey(secret.to_string())
        } else {
            Credentials::Session(secret.to_string())
        }
    }
}

#[derive(Default)]
pub(crate) struct SessionCache {
    entries: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl SessionCache {
    fn get(&self, secret: &str) -> Option<Principal> {
        let map = self.entries.lock().ok()?;
        let (p, at) = map.get(secret)?;
        (at.elapsed() < CACHE_TTL).then(|| p.clone())
    }
    fn put(&self, secret: &str, p: &Principal) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() > 10_000 {
                map.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            }
            map.insert(secret.to_string(), (p.clone(), Instant::now()));
        }
    }
    fn forget(&self, secret: &str) {
        if let Ok(mut map) = self.entries.lock() {
            map.remove(secret);
        }
    }
}

/// Token buckets by name: `rate` requests a minute with bursts of a sixth of that (at least 5).
#[derive(Default)]
pub struct RateLimiter {
    /// Tokens left, when they were counted, and the bucket's requests a minute.
    buckets: Mutex<HashMap<String, (f64, Instant, i64)>>,
}

/// Buckets kept before the full ones are dropped (a full bucket is the same as none).
const MAX_BUCKETS: usize = 10_000;

/// A bucket's refill rate (tokens a second) and size for `per_minute`.
fn bucket_shape(per_minute: i64) -> (f64, f64) {
    let rate = per_minute.max(1) as f64 / 60.0;
    let burst = (per_minute as f64 / 6.0).max(5.0);
    (rate, burst)
}

/// Tokens in a bucket that held `tokens` at `last`, refilled up to now.
fn refilled(tokens: f64, last: Instant, now: Instant, per_minute: i64) -> f64 {
    let (rate, burst) = bucket_shape(per_minute);
    (tokens + now.duration_since(last).as_secs_f64() * rate).min(burst)
}

/// Seconds until a bucket at `tokens` has one whole token.
fn wait_for_token(tokens: f64, per_minute: i64) -> u64 {
    let (rate, _) = bucket_shape(per_minute);
    ((1.0 - tokens) / rate).ceil().max(1.0) as u64
}

impl RateLimiter {
    /// Takes one request from `name`'s bucket; `Err(seconds)` until the next is allowed.
    ///
    /// ```
    /// let l = onemap_server::app::RateLimiter::default();
    /// for _ in 0..5 { assert!(l.take("k", 6).is_ok()); }
    /// assert!(l.take("k", 6).is_err());
    /// ```
    pub fn take(&self, name: &str, per_minute: i64) -> Result<(), u64> {
        let Ok(mut b) = self.buckets.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if b.len() >= MAX_BUCKETS && !b.contains_key(name) {
            // One bucket per key, login name and address: without pruning, a stream of made-up
            // names would grow the map without end.
            b.retain(|_, &mut (tokens, last, per_min)| {
                refilled(tokens, last, now, per_min) < bucket_shape(per_min).1
            });
        }
        let (_, burst) = bucket_shape(per_minute);
        let (tokens, last, per_min) = b
            .entry(name.to_string())
            .or_insert((burst, now, per_minute));
        *per_min = per_minute;
        *tokens = refilled(*tokens, *last, now, per_minute);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(wait_for_token(*tokens, per_minute))
        }
    }

    /// Whether `name`'s bucket has a token, without taking it; `Err(seconds)` as [`take`].
    ///
    /// [`take`]: RateLimiter::take
    pub fn peek(&self, name: &str, per_minute: i64) -> Result<(), u64> {
        let Ok(b) = self.buckets.lock() else {
            return Ok(());
        };
        match b.get(name) {
            Some(&(tokens, last, _)) => {
                let now = refilled(tokens, last, Instant::now(), per_minute);
                if now >= 1.0 {
                    Ok(())
                } else {
                    Err(wait_for_token(now, per_minute))
                }
            }
            None => Ok(()),
        }
    }

    /// How many buckets are kept.
    pub fn len(&self) -> usize {
        self.buckets.lock().map_or(0, |b| b.len())
    }

    /// Whether no bucket is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Who is logged in, for the UI.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Me {
    /// The principal.
    pub principal: Principal,
    /// Its street's name, for a street operator.
    pub street_name: Option<String>,
    /// Whether it may see reporters' names and phones.
    pub sees_personal_data: bool,
    /// Whether it may act on cases.
    pub acts_on_cases: bool,
    /// Whether it administers.
    pub administers: bool,
}

/// Failed logins allowed per minute per user name and per client address.
const LOGIN_ATTEMPTS_PER_MIN: i64 = 10;

impl App {
    /// Checks credentials and opens a session (audited, refused attempts too). `client` names
    /// the caller's address for the failed-login limit.
    ///
    /// # Errors
    /// `unauthorized` for a wrong user name or password; `rate_limited` after too many failed
    /// attempts.
    pub async fn login(&self, username: &str, password: &str, client: &str) -> AppResult<Session> {
        for key in [
            format!("login-user:{username}"),
            format!("login-ip:{client}"),
        ] {
            if let Err(wait) = self.peek_failures(&key) {
                return Err(AppError::new(
                    "rate_limited",
                    format!("too many failed logins; try again in {wait} s"),
                ));
            }
        }
        match self.inner.store.login(username, password).await {
            Ok(session) => {
                self.audit(
                    &session.principal,
                    "login",
                    format!("user:{username}"),
                    Outcome::Ok,
                    client,
                )
                .await?;
                Ok(session)
            }
            Err(e) => {
                for key in [
                    format!("login-user:{username}"),
                    format!("login-ip:{client}"),
                ] {
                    let _ = self.inner.limiter.take(&key, LOGIN_ATTEMPTS_PER_MIN);
                }
                self.inner
                    .store
                    .audit(onemap::audit::Entry {
                        actor: username.to_string(),
                        role: "unknown".into(),
                        action: "login".into(),
                        target: format!("user:{username}"),
                        outcome: Outcome::Denied,
                        detail: format!("{client}: {e}"),
                    })
                    .await?;
                Err(e.into())
            }
        }
    }

    /// Whether a failed-login bucket still has room (without taking from it).
    fn peek_failures(&self, key: &str) -> Result<(), u64> {
        self.inner.limiter.peek(key, LOGIN_ATTEMPTS_PER_MIN)
    }

    /// Ends a session.
    pub async fn logout(&self, who: &Principal, token: &str) -> AppResult<()> {
        self.inner.sessions.forget(token);
        self.inner.store.logout(token).await?;
        self.audit(who, "logout", format!("user:{}", who.user), Outcome::Ok, "")
            .await
    }

    /// The principal behind a session token or an API key (cached for [`CACHE_TTL`]), with the
    /// key's rate limit applied.
    ///
    /// # Errors
    /// `unauthorized` for unknown, expired or revoked credentials; `rate_limited` when a key
    /// is over its rate.
    pub async fn authenticate(&self, creds: &Credentials) -> AppResult<Principal> {
        let secret = match creds {
            Credentials::Session(s) | Credentials::ApiKey(s) => s,
        };
        let principal = match self.inner.sessions.get(secret) {
            Some(p) => p,
            None => {
                let p = match creds {
                    Credentials::Session(t) => self.inner.store.session_principal(t).await?.0,
                    Credentials::ApiKey(k) => self.inner.store.key_by_secret(k).await?.principal(),
                };
                self.inner.sessions.put(secret, &p);
                p
            }
        };
        if let (Some(id), Some(rate)) = (&principal.key_id, principal.rate_per_min)
            && let Err(wait) = self.inner.limiter.take(&format!("key:{id}"), rate)
        {
            return Err(AppError::new(
                "rate_limited",
                format!(
                    "API key {} is over its rate of {rate} requests a minute; retry in {wait} s",
                    principal.display_name
                ),
            ));
        }
        Ok(principal)
    }

    /// Applies a rate limit to anonymous callers by their address (Open311 reads).
    ///
    /// # Errors
    /// `rate_limited` over `per_minute`.
    pub fn limit_anonymous(&self, client: &str, per_minute: i64) -> AppResult<()> {
        self.inner
            .limiter
            .take(&format!("anon:{client}"), per_minute)
            .map_err(|wait| {
                AppError::new(
                    "rate_limited",
                    format!("too many requests from {client}; retry in {wait} s"),
                )
            })
    }

    /// Who `who` is, for the UI.
    #[must_use]
    pub fn me(&self, who: &Principal) -> Me {
        Me {
            street_name: who.street.as_deref().and_then(|s| self.unit_name(s)),
            sees_personal_data: who.role.sees_personal_data(),
            acts_on_cases: who.role.acts_on_cases(),
            administers: who.role.administers(),
            principal: who.clone(),
        }
    }

    /// Whether the store still has no user (the login screen then offers the first setup).
    pub async fn needs_setup(&self) -> AppResult<bool> {
        Ok(self.inner.store.user_count().await? == 0)
    }

    /// Creates the first administrator of a fresh store, given the one-time setup code the
    /// server printed at start; refused once any user exists.
    ///
    /// # Errors
    /// `forbidden` for a wrong code or once a user exists; `invalid` for a bad name or password.
    pub async fn setup_first_admin(
        &self,
        expected_code: Option<&str>,
        code: &str,
        username: &str,
        password: &str,
        client: &str,
    ) -> AppResult<Session> {
        let Some(expected) = expected_code else {
            return Err(AppError::forbidden(
                "first-run setup is closed on this server: create users with `onemap users add`",
            ));
        };
        let anon = onemap::audit::Entry {
            actor: username.to_string(),
            role: "unknown".into(),
            action: "setup".into(),
            target: format!("user:{username}"),
            outcome: Outcome::Denied,
            detail: format!("{client}: wrong setup code"),
        };
        if let Err(wait) = self.peek_failures(&format!("setup:{client}")) {
            return Err(AppError::new(
                "rate_limited",
                format!("too many failed attempts; try again in {wait} s"),
            ));
        }
        if !constant_time_eq(expected.as_bytes(), code.trim().as_bytes()) {
            let _ = self
                .inner
                .limiter
                .take(&format!("setup:{client}"), LOGIN_ATTEMPTS_PER_MIN);
            self.inner.store.audit(anon).await?;
            return Err(AppError::forbidden(
                "wrong setup code: use the code `onemap serve` printed when it started",
            ));
        }
        let user = self
            .inner
            .store
            .create_first_admin(username, username, password)
            .await?;
        let admin = user.principal(Via::Session);
        self.audit(
            &admin,
            "user.create",
            format!("user:{username}"),
            Outcome::Ok,
            "first administrator (setup code)",
        )
        .await?;
        self.login(username, password, client).await
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a caller asks of the data tools (the import wizard and exports), for
/// [`App::authorize_data_tool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataTool<'a> {
    /// Any step of an import (upload, open, preview): administrators only.
    Import,
    /// Writing an import into `layer`: administrators only, and audited.
    Commit {
        /// The layer replaced.
        layer: &'a str,
    },
    /// Exporting one layer (`Some`) or everything (`None`, the GeoPackage with the case
    /// table), with the reporters' names and phones when `personal`.
    Export {
        /// The layer, or every layer.
        layer: Option<&'a str>,
        /// Whether the reporters' names and phones go with the cases.
        personal: bool,
    },
}

impl App {
    /// Whether `who` may use a data tool. Imports replace layers everyone works on: an
    /// administrator's. An export holds every street's cases, so a street operator exports
    /// only the other layers; personal data goes only to a district-wide role that sees it,
    /// and every export with it is audited. Refusals are audited too.
    ///
    /// # Errors
    /// `forbidden` when the role may not.
    pub async fn authorize_data_tool(&self, who: &Principal, tool: DataTool<'_>) -> AppResult<()> {
        match tool {
            DataTool::Import => self.require_admin(who, "layer.import", "layers").await,
            DataTool::Commit { layer } => {
                let target = format!("layer:{layer}");
                self.require_admin(who, "layer.import", &target).await?;
                self.audit(who, "layer.import", &target, Outcome::Ok, "import written")
                    .await
            }
            DataTool::Export { layer, personal } => {
                let target = format!("export:{}", layer.unwrap_or("all"));
                let holds_cases = layer.is_none_or(|l| l == "cases");
                let why = if who.role == onemap::access::Role::Intake {
                    Some("an API key may only file cases".to_string())
                } else if holds_cases && who.street.is_some() {
                    Some(format!(
                        "an export holds every street's cases; a {} exports the other layers only",
                        who.role
                    ))
                } else if personal && !(who.role.sees_personal_data() && who.street.is_none()) {
                    Some(format!(
                        "a {} may not export reporters' names and phones",
                        who.role
                    ))
                } else {
                    None
                };
                if let Some(why) = why {
                    self.audit(who, "export", &target, Outcome::Denied, &why)
                        .await?;
                    return Err(AppError::forbidden(why));
                }
                if personal && holds_cases {
                    self.audit(
                        who,
                        "export",
                        &target,
                        Outcome::Ok,
                        "with reporters' names and phones",
                    )
                    .await?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_BUCKETS, RateLimiter};

    #[test]
    fn full_buckets_are_dropped_at_capacity_and_an_empty_one_is_kept() {
        let l = RateLimiter::default();
        for _ in 0..5 {
            assert!(l.take("login-ip:10.0.0.9", 6).is_ok());
        }
        assert!(l.take("login-ip:10.0.0.9", 6).is_err());
        // Keys that refill at once (a billion a minute) are full again right after their take.
        for i in 0..MAX_BUCKETS {
            assert!(l.take(&format!("key:{i}"), 6_000_000_000).is_ok());
        }
        assert!(l.len() <= MAX_BUCKETS);
        assert!(l.take("key:new", 6_000_000_000).is_ok());
        assert!(l.len() < 10, "{} buckets kept", l.len());
        // The drained login bucket survived the pruning: still refused.
        assert!(l.peek("login-ip:10.0.0.9", 6).is_err());
        assert!(l.take("login-ip:10.0.0.9", 6).is_err());
    }
}

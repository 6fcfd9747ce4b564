//! Roles and access: users with Argon2id-hashed passwords, login sessions, API keys for the
//! systems that file cases, and the [`Principal`] every call of the app API is made as.
//!
//! | role | sees | acts on cases | personal data | administers |
//! |---|---|---|---|---|
//! | `district_operator` | the whole district | yes | yes (audited) | no |
//! | `street_operator` | its own street only | in its street | yes (audited) | no |
//! | `planner` | the whole district | no | never | no |
//! | `leader` | the whole district | no | never | no |
//! | `admin` | the whole district | yes | yes (audited) | users and keys |
//!
//! API keys are not users: a key files cases by the channel it was issued for (the hotline, the
//! city app, the QR-code system, the camera AI), within its rate, and can do nothing else.
//!
//! Secrets are never stored: a session token or an API key is 32 random bytes from a
//! cryptographically secure generator seeded by the operating system, and the store keeps only its SHA-256 (enough for secrets of
//! that entropy; passwords, which people choose, get Argon2id).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde::Serialize;
use sha2::Digest;
use sqlx::Row;

use crate::error::{Error, Result};
use crate::model::{Channel, string_enum};
use crate::store::{Engine, Store, with_db};
use crate::time::{HOUR, Millis};

string_enum! {
    /// What a principal may do (see the module's table).
    Role {
        /// District command center: every case of the district.
        DistrictOperator = "district_operator",
        /// Street command center: the cases of its street only.
        StreetOperator = "street_operator",
        /// Coverage and siting; no cases' personal data.
        Planner = "planner",
        /// Briefings: everything read-only, never personal data.
        Leader = "leader",
        /// Users and keys, and everything an operator does.
        Admin = "admin",
        /// An intake system calling with an API key: files cases, nothing else.
        Intake = "intake",
    }
}

impl Role {
    /// Whether this role takes steps of the loop, issues orders and files cases by hand.
    pub fn acts_on_cases(self) -> bool {
        matches!(
            self,
            Role::DistrictOperator | Role::StreetOperator | Role::Admin
        )
    }

    /// Whether this role is shown a reporter's name and phone (every showing is audited).
    pub fn sees_personal_data(self) -> bool {
        matches!(
            self,
            Role::DistrictOperator | Role::StreetOperator | Role::Admin
        )
    }

    /// Whether this role edits, saves and applies planning scenarios (applying one rewrites the
    /// stations layer everyone works on).
    pub fn plans(self) -> bool {
        matches!(self, Role::Planner | Role::Admin)
    }

    /// Whether this role manages users, keys and reads the audit log.
    pub fn administers(self) -> bool {
        self == Role::Admin
    }
}

/// How a principal proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A login session (browser mode).
    Session,
    /// An API key (an intake system).
    ApiKey,
    /// The desktop app on its own embedded database: the local administrator.
    Local,
}

/// Who is calling: every function of the app API takes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// Username, `key:<name>` for an API key, `local` for the desktop.
    pub user: String,
    /// Shown in the UI.
    pub display_name: String,
    /// What it may do.
    pub role: Role,
    /// A street operator's street (9-digit code); `None` for district-wide roles.
    pub street: Option<String>,
    /// How it proved it.
    pub via: Via,
    /// For an API key: the channel its cases come in by.
    pub channel: Option<Channel>,
    /// For an API key: its id (for rate limiting and the audit log).
    pub key_id: Option<String>,
    /// For an API key: requests a minute it may make.
    pub rate_per_min: Option<i64>,
}

impl Principal {
    /// The desktop's local administrator: no login on one's own embedded database.
    ///
    /// ```
    /// let p = onemap::access::Principal::local_admin();
    /// assert!(p.role.administers() && p.sees_street(Some("440311001")));
    /// ```
    pub fn local_admin() -> Principal {
        Principal {
            user: "local".into(),
            display_name: "本机管理员".into(),
            role: Role::Admin,
            street: None,
            via: Via::Local,
            channel: None,
            key_id: None,
            rate_per_min: None,
        }
    }

    /// A briefing screen (`onemap serve --briefing`): a leader's read-only view, without a
    /// login, on a server that answers only the briefing's routes.
    ///
    /// ```
    /// let p = onemap::access::Principal::briefing_screen();
    /// assert!(!p.role.sees_personal_data() && !p.role.acts_on_cases());
    /// ```
    pub fn briefing_screen() -> Principal {
        Principal {
            user: "briefing-screen".into(),
            display_name: "大屏".into(),
            role: Role::Leader,
            street: None,
            via: Via::Local,
            channel: None,
            key_id: None,
            rate_per_min: None,
        }
    }

    /// Whether this principal may see a case located in `street_code` (`None`: unlocated).
    /// A street operator sees its own street only, and no unlocated case.
    ///
    /// ```
    /// use onemap::access::{Principal, Role};
    /// let mut p = Principal::local_admin();
    /// p.role = Role::StreetOperator;
    /// p.street = Some("440311001".into());
    /// assert!(p.sees_street(Some("440311001")));
    /// assert!(!p.sees_street(Some("440311002")));
    /// assert!(!p.sees_street(None));
    /// ```
    pub fn sees_street(&self, street_code: Option<&str>) -> bool {
        match (&self.street, self.role) {
            (_, Role::Intake) => false,
            (Some(own), _) => street_code == Some(own.as_str()),
            (None, Role::StreetOperator) => false,
            (None, _) => true,
        }
    }

    /// The name written as the actor of events and audit entries.
    pub fn actor(&self) -> &str {
        &self.user
    }
}

/// A user as stored (without the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Login name.
    pub username: String,
    /// Shown in the UI and on events.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// A street operator's street.
    pub street_code: Option<String>,
    /// Disabled users cannot log in; their sessions stop working.
    pub disabled: bool,
    /// Created.
    pub created_at: Millis,
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name: 1–64 of `a-z 0-9 . _ -`.
    pub username: String,
    /// Shown in the UI (the username when empty).
    pub display_name: String,
    /// Role (not `intake`).
    pub role: Role,
    /// Required for, and only for, a street operator.
    pub street_code: Option<String>,
    /// At least [`MIN_PASSWORD_LEN`] characters.
    pub password: String,
}

/// A login session: the token is shown once, to the client that logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// The bearer token (`oms_…`).
    pub token: String,
    /// Expires.
    pub expires_at: Millis,
    /// Who.
    pub principal: Principal,
}

/// An API key as stored (the secret itself is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    /// Public id (`k_…`), for listing and revoking.
    pub id: String,
    /// Which system it is for.
    pub name: String,
    /// The channel its cases come in by.
    pub channel: Channel,
    /// Requests a minute it may make.
    pub rate_per_min: i64,
    /// Created.
    pub created_at: Millis,
    /// Revoked keys stop working.
    pub revoked_at: Option<Millis>,
}

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// How long a login lasts: a 12-hour shift.
pub const SESSION_LIFETIME: Millis = 12 * HOUR;
/// The default rate of a new API key, requests a minute.
pub const DEFAULT_KEY_RATE: i64 = 600;

/// 32 bytes from the thread's cryptographically secure generator (ChaCha, seeded and reseeded
/// from the operating system), as 64 hex digits.
fn random_hex() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex(&b)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The SHA-256 of a secret, as stored.
///
/// ```
/// assert_eq!(onemap::access::secret_hash("abc").len(), 64);
/// ```
pub fn secret_hash(secret: &str) -> String {
    hex(&sha2::Sha256::digest(secret.as_bytes()))
}

/// An Argon2id PHC string for `password` (slow by design: call off the async workers).
fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::invalid(format!("hashing the password failed: {e}")))
}

/// Whether `password` matches the PHC string `phc`.
fn password_matches(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::invalid(format!("password check interrupted: {e}")))
}

fn check_username(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "username {name:?}: use 1 to 64 of a-z, 0-9, '.', '_' and '-'"
        )))
    }
}

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::invalid(format!(
            "a password needs at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    Ok(())
}

/// Ends every live session of `username` inside the transaction `tx`.
macro_rules! end_sessions {
    ($tx:expr, $username:expr, $now:expr) => {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE username = $1 AND revoked_at IS NULL",
        )
        .bind($username)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    };
}

macro_rules! user_from_row {
    ($r:expr) => {{
        let r = $r;
        User {
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            role: Role::parse(&r.try_get::<String, _>("role")?)?,
            street_code: r.try_get("street_code")?,
            disabled: r.try_get::<i64, _>("disabled")? != 0,
            created_at: r.try_get("created_at")?,
        }
    }};
}

macro_rules! key_from_row {
    ($r:expr) => {{
        let r = $r;
        ApiKey {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            channel: Channel::parse(&r.try_get::<String, _>("channel")?)?,
            rate_per_min: r.try_get("rate_per_min")?,
            created_at: r.try_get("created_at")?,
            revoked_at: r.try_get("revoked_at")?,
        }
    }};
}

/// A hash to verify against when the user does not exist, so that a wrong username and a wrong
/// password take the same time.
fn dummy_phc() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not anyone's password").unwrap_or_default())
}

impl User {
    /// The principal this user acts as once logged in.
    pub fn principal(&self, via: Via) -> Principal {
        Principal {
            user: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            street: self.street_code.clone(),
            via,
            channel: None,
            key_id: None,
            rate_per_min: None,
        }
    }
}

impl ApiKey {
    /// The principal a request made with this key acts as.
    pub fn principal(&self) -> Principal {
        Principal {
            user: format!("key:{}", self.name),
            display_name: self.name.clone(),
            role: Role::Intake,
            street: None,
            via: Via::ApiKey,
            channel: Some(self.channel),
            key_id: Some(self.id.clone()),
            rate_per_min: Some(self.rate_per_min),
        }
    }
}

impl Store {
    async fn check_street(&self, role: Role, street: Option<&str>) -> Result<()> {
        match (role, street) {
            (Role::StreetOperator, None) => Err(Error::invalid(
                "a street operator needs its street (--street CODE, 9 digits)",
            )),
            (Role::StreetOperator, Some(code)) => {
                let known: Vec<String> = with_db!(&self.inner.db, |p| {
                    sqlx::query("SELECT id FROM features WHERE layer = 'streets'")
                        .fetch_all(p)
                        .await?
                        .iter()
                        .map(|r| r.try_get::<String, _>(0))
                        .collect::<Result<Vec<_>, _>>()?
                });
                let shape_ok = code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit());
                if !shape_ok || (!known.is_empty() && !known.iter().any(|k| k == code)) {
                    return Err(Error::invalid(format!(
                        "{code:?} is not a street of the stored dataset{}",
                        if known.is_empty() {
                            String::new()
                        } else {
                            format!(" (streets: {})", known.join(", "))
                        }
                    )));
                }
                Ok(())
            }
            (_, Some(_)) => Err(Error::invalid(format!(
                "only a street operator has a street; a {role} sees the whole district"
            ))),
            (_, None) => Ok(()),
        }
    }

    /// Creates a user.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad username, a short password, a street given to a role
    /// without one (or missing for a street operator), the `intake` role, or a username taken.
    pub async fn create_user(&self, new: NewUser) -> Result<User> {
        check_username(&new.username)?;
        check_password(&new.password)?;
        if new.role == Role::Intake {
            return Err(Error::invalid(
                "the intake role belongs to API keys (onemap keys add), not to users",
            ));
        }
        self.check_street(new.role, new.street_code.as_deref())
            .await?;
        let password = new.password.clone();
        let phc = blocking(move || hash_password(&password)).await??;
        self.insert_user(&new, &phc, false).await
    }

    /// Creates the first administrator of a fresh store, and only while the store has no user
    /// at all (two concurrent attempts: one wins).
    ///
    /// # Errors
    /// [`Error::Forbidden`] once any user exists; else as [`Store::create_user`].
    pub async fn create_first_admin(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> Result<User> {
        check_username(username)?;
        check_password(password)?;
        if self.user_count().await? > 0 {
            return Err(Error::Forbidden(
                "this store already has users: ask an administrator for an account".into(),
            ));
        }
        let pw = password.to_string();
        let phc = blocking(move || hash_password(&pw)).await??;
        let new = NewUser {
            username: username.into(),
            display_name: display_name.into(),
            role: Role::Admin,
            street_code: None,
            password: String::new(),
        };
        self.insert_user(&new, &phc, true).await
    }

    async fn insert_user(&self, new: &NewUser, phc: &str, first: bool) -> Result<User> {
        let now = self.now();
        let display = if new.display_name.trim().is_empty() {
            new.username.clone()
        } else {
            new.display_name.trim().to_string()
        };
        let inserted = with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            if first {
                // The setup claim: a primary key only one transaction can take.
                let claimed = sqlx::query(
                    "INSERT INTO counters (name, value) VALUES ('first_admin', 1) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let users: i64 = sqlx::query("SELECT COUNT(*) FROM users")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                if claimed == 0 || users > 0 {
                    tx.rollback().await?;
                    return Err(Error::Forbidden(
                        "this store already has users: ask an administrator for an account".into(),
                    ));
                }
            }
            let n = sqlx::query(
                "INSERT INTO users (username, display_name, role, street_code, password_hash, \
                 disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6) \
                 ON CONFLICT (username) DO NOTHING",
            )
            .bind(&new.username)
            .bind(&display)
            .bind(new.role.as_str())
            .bind(&new.street_code)
            .bind(phc)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                tx.rollback().await?;
                false
            } else {
                tx.commit().await?;
                true
            }
        });
        if !inserted {
            return Err(Error::invalid(format!(
                "there is already a user {:?}",
                new.username
            )));
        }
        self.user(&new.username).await
    }

    /// One user.
    pub async fn user(&self, username: &str) -> Result<User> {
        let u = with_db!(&self.inner.db, |p| {
            match sqlx::query("SELECT * FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(p)
                .await?
            {
                Some(r) => Some(user_from_row!(&r)),
                None => None,
            }
        });
        u.ok_or_else(|| Error::NotFound {
            what: "user",
            id: username.to_string(),
        })
    }

    /// Every user, by username.
    pub async fn users(&self) -> Result<Vec<User>> {
        with_db!(&self.inner.db, |p| {
            let rows = sqlx::query("SELECT * FROM users ORDER BY username")
                .fetch_all(p)
                .await?;
            rows.iter().map(|r| Ok(user_from_row!(r))).collect()
        })
    }

    /// How many users exist.
    pub async fn user_count(&self) -> Result<i64> {
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT COUNT(*) FROM users")
                .fetch_one(p)
                .await?
                .try_get::<i64, _>(0)?
        }))
    }

    /// Sets a user's password (and ends its sessions).
    pub async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        check_password(password)?;
        self.user(username).await?;
        let pw = password.to_string();
        let phc = blocking(move || hash_password(&pw)).await??;
        let now = self.now();
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE username = $1")
                .bind(username)
                .bind(&phc)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            end_sessions!(tx, username, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Changes a user's role (and street), ending its sessions so the change takes hold at once.
    pub async fn set_role(&self, username: &str, role: Role, street: Option<&str>) -> Result<User> {
        if role == Role::Intake {
            return Err(Error::invalid("the intake role belongs to API keys"));
        }
        self.user(username).await?;
        self.check_street(role, street).await?;
        let now = self.now();
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "UPDATE users SET role = $2, street_code = $3, updated_at = $4 WHERE username = $1",
            )
            .bind(username)
            .bind(role.as_str())
            .bind(street)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            end_sessions!(tx, username, now);
            tx.commit().await?;
        });
        self.user(username).await
    }

    /// Disables (or enables again) a user; disabling ends its sessions.
    pub async fn set_disabled(&self, username: &str, disabled: bool) -> Result<User> {
        self.user(username).await?;
        let now = self.now();
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE users SET disabled = $2, updated_at = $3 WHERE username = $1")
                .bind(username)
                .bind(i64::from(disabled))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if disabled {
                end_sessions!(tx, username, now);
            }
            tx.commit().await?;
        });
        self.user(username).await
    }

    /// Checks a username and password and opens a session.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for an unknown user, a wrong password or a disabled user, with
    /// the same message for all three.
    pub async fn login(&self, username: &str, password: &str) -> Result<Session> {
        let row: Option<(String, i64)> = with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT password_hash, disabled FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(p)
                .await?
                .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
                .transpose()?
        });
        let disabled = row.as_ref().map_or(1, |r| r.1);
        let phc = row.map(|r| r.0);
        let pw = password.to_string();
        let matches = blocking(move || {
            let phc = phc.unwrap_or_else(|| dummy_phc().to_string());
            password_matches(&phc, &pw)
        })
        .await?;
        if !matches || disabled != 0 {
            return Err(Error::Unauthorized(
                "wrong username or password (or the account is disabled)".into(),
            ));
        }
        let user = self.user(username).await?;
        let token = format!("oms_{}", random_hex());
        let now = self.now();
        let expires_at = now + SESSION_LIFETIME;
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, username, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(secret_hash(&token))
            .bind(username)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(Session {
            token,
            expires_at,
            principal: user.principal(Via::Session),
        })
    }

    /// The principal of a live session token and when the session expires.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for an unknown, expired or revoked token or a disabled user.
    pub async fn session_principal(&self, token: &str) -> Result<(Principal, Millis)> {
        let now = self.now();
        let found = with_db!(&self.inner.db, |p| {
            match sqlx::query(
                "SELECT u.*, s.expires_at AS session_expires FROM sessions s \
                 JOIN users u ON u.username = s.username \
                 WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
                 AND u.disabled = 0",
            )
            .bind(secret_hash(token))
            .bind(now)
            .fetch_optional(p)
            .await?
            {
                Some(r) => Some((user_from_row!(&r), r.try_get::<i64, _>("session_expires")?)),
                None => None,
            }
        });
        match found {
            Some((u, exp)) => Ok((u.principal(Via::Session), exp)),
            None => Err(Error::Unauthorized(
                "the session is unknown, expired or ended: log in again".into(),
            )),
        }
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let now = self.now();
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .bind(secret_hash(token))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Issues an API key for an intake system; returns the key as stored and the secret, which
    /// is shown only now.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty name or a rate below 1.
    pub async fn create_key(
        &self,
        name: &str,
        channel: Channel,
        rate_per_min: i64,
    ) -> Result<(ApiKey, String)> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(Error::invalid("an API key needs a name of 1 to 64 bytes"));
        }
        if rate_per_min < 1 {
            return Err(Error::invalid(
                "an API key's rate is at least 1 request a minute",
            ));
        }
        let secret = format!("omk_{}", random_hex());
        let id = format!("k_{}", &secret_hash(&secret)[..10]);
        let now = self.now();
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO api_keys (id, name, key_hash, channel, rate_per_min, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(name)
            .bind(secret_hash(&secret))
            .bind(channel.as_str())
            .bind(rate_per_min)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok((
            ApiKey {
                id,
                name: name.to_string(),
                channel,
                rate_per_min,
                created_at: now,
                revoked_at: None,
            },
            secret,
        ))
    }

    /// The key a secret belongs to, if it is not revoked.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for an unknown or revoked key.
    pub async fn key_by_secret(&self, secret: &str) -> Result<ApiKey> {
        let k = with_db!(&self.inner.db, |p| {
            match sqlx::query("SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                .bind(secret_hash(secret))
                .fetch_optional(p)
                .await?
            {
                Some(r) => Some(key_from_row!(&r)),
                None => None,
            }
        });
        k.ok_or_else(|| Error::Unauthorized("the API key is unknown or revoked".into()))
    }

    /// Every API key (revoked ones too), by creation.
    pub async fn keys(&self) -> Result<Vec<ApiKey>> {
        with_db!(&self.inner.db, |p| {
            let rows = sqlx::query("SELECT * FROM api_keys ORDER BY created_at, id")
                .fetch_all(p)
                .await?;
            rows.iter().map(|r| Ok(key_from_row!(r))).collect()
        })
    }

    /// Revokes a key by its id.
    pub async fn revoke_key(&self, id: &str) -> Result<ApiKey> {
        let now = self.now();
        let n = with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(
                "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        let keys = self.keys().await?;
        match keys.into_iter().find(|k| k.id == id) {
            Some(k) if n == 1 || k.revoked_at.is_some() => Ok(k),
            _ => Err(Error::NotFound {
                what: "API key",
                id: id.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let phc = hash_password("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(password_matches(&phc, "correct horse"));
        assert!(!password_matches(&phc, "correct horsE"));
        assert!(!password_matches(dummy_phc(), "anything"));
        assert!(!password_matches("not a phc string", "x"));
    }

    #[test]
    fn usernames_are_plain_lowercase_words() {
        assert!(check_username("ops.guangming-1").is_ok());
        for bad in ["", "Admin", "张三", "a b", &"x".repeat(65)] {
            assert!(check_username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn secrets_are_long_random_and_distinct() {
        let (a, b) = (random_hex(), random_hex());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }
}

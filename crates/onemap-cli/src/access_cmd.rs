//! `onemap users …`, `onemap keys …` and `onemap audit`: accounts, intake keys and the audit
//! log, from the command line of the machine that holds the database. Every change is written
//! to the audit log as `cli:<login name>`.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use clap::{Args, Subcommand};
use onemap::Store;
use onemap::access::{NewUser, Role};
use onemap::audit::{Entry, Outcome, Query};
use onemap::model::Channel;

use crate::store_cmd::{DbArgs, open, runtime};

/// `onemap users …`.
#[derive(Args, Debug)]
pub struct UsersCmd {
    #[command(subcommand)]
    pub command: UsersCommand,
    #[command(flatten)]
    pub db: DbArgs,
}

/// How a password is given.
#[derive(Args, Debug, Clone)]
pub struct PasswordArgs {
    /// Read the password from the first line of standard input.
    #[arg(long, conflicts_with = "generate")]
    pub password_stdin: bool,
    /// Generate a strong password and print it once.
    #[arg(long)]
    pub generate: bool,
}

/// Account management.
#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Create a user.
    Add {
        /// Login name (a-z, 0-9, '.', '_', '-').
        username: String,
        /// district_operator, street_operator, planner, leader or admin.
        #[arg(long)]
        role: String,
        /// A street operator's street (9-digit code, e.g. 440311001 for 光明街道).
        #[arg(long)]
        street: Option<String>,
        /// Shown in the UI and on the timeline (default: the login name).
        #[arg(long, default_value = "")]
        display_name: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// List users.
    List,
    /// Set a user's password (ends its sessions).
    Passwd {
        /// Login name.
        username: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Change a user's role (ends its sessions).
    Role {
        /// Login name.
        username: String,
        /// The new role.
        #[arg(long)]
        role: String,
        /// The street, for a street operator.
        #[arg(long)]
        street: Option<String>,
    },
    /// Disable a user (ends its sessions).
    Disable {
        /// Login name.
        username: String,
    },
    /// Enable a disabled user.
    Enable {
        /// Login name.
        username: String,
    },
}

/// `onemap keys …`.
#[derive(Args, Debug)]
pub struct KeysCmd {
    #[command(subcommand)]
    pub command: KeysCommand,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Intake keys.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Issue a key for an intake system; the key is printed once.
    Add {
        /// Which system (`12345热线`, `i深圳`, `camera-ai`).
        name: String,
        /// The channel its cases come in by: hotline, app, qr, camera, hall, station, patrol.
        #[arg(long)]
        channel: String,
        /// Requests a minute it may make (over it: 429).
        #[arg(long, default_value_t = onemap::access::DEFAULT_KEY_RATE)]
        rate: i64,
    },
    /// List keys (never the secrets).
    List,
    /// Revoke a key by its id (k_…).
    Revoke {
        /// The key's id.
        id: String,
    },
}

/// `onemap audit`.
#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Only this actor.
    #[arg(long)]
    pub actor: Option<String>,
    /// Only targets starting with this (`case:GM-2026-000001`, `user:`).
    #[arg(long)]
    pub target: Option<String>,
    /// Only actions starting with this (`case.view`, `login`).
    #[arg(long)]
    pub action: Option<String>,
    /// Only `ok`, `denied` or `failed`.
    #[arg(long)]
    pub outcome: Option<String>,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

fn cli_actor() -> String {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{who}")
}

async fn record(store: &Store, action: &str, target: String, detail: String) -> anyhow::Result<()> {
    store
        .audit(Entry {
            actor: cli_actor(),
            role: "admin".into(),
            action: action.into(),
            target,
            outcome: Outcome::Ok,
            detail,
        })
        .await?;
    Ok(())
}

fn generated_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The password, and whether it was generated (then it is printed).
fn password(p: &PasswordArgs) -> anyhow::Result<(String, bool)> {
    if p.generate {
        return Ok((generated_password(), true));
    }
    if !p.password_stdin {
        anyhow::bail!("give the password with --password-stdin, or --generate one");
    }
    if std::io::stdin().is_terminal() {
        eprint!("password (shown as typed; prefer piping it in): ");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}

/// Runs `onemap users …`.
pub fn users(args: &UsersCmd) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let r = users_on(&store, &args.command).await;
        store.close().await;
        r
    })
}

async fn users_on(store: &Store, cmd: &UsersCommand) -> anyhow::Result<()> {
    match cmd {
        UsersCommand::Add {
            username,
            role,
            street,
            display_name,
            password: pw,
        } => {
            let (password, generated) = password(pw)?;
            let user = store
                .create_user(NewUser {
                    username: username.clone(),
                    display_name: display_name.clone(),
                    role: Role::parse(role)?,
                    street_code: street.clone(),
                    password: password.clone(),
                })
                .await?;
            record(
                store,
                "user.create",
                format!("user:{username}"),
                format!(
                    "{}{}",
                    user.role,
                    street.as_deref().map_or(String::new(), |s| format!(" {s}"))
                ),
            )
            .await?;
            println!("created {} ({})", user.username, user.role);
            if generated {
                println!("password: {password}");
            }
        }
        UsersCommand::List => {
            println!(
                "{:24} {:18} {:10} {:9} name",
                "username", "role", "street", "status"
            );
            for u in store.users().await? {
                println!(
                    "{:24} {:18} {:10} {:9} {}",
                    u.username,
                    u.role.as_str(),
                    u.street_code.as_deref().unwrap_or("-"),
                    if u.disabled { "disabled" } else { "active" },
                    u.display_name
                );
            }
        }
        UsersCommand::Passwd {
            username,
            password: pw,
        } => {
            let (password, generated) = password(pw)?;
            store.set_password(username, &password).await?;
            record(
                store,
                "user.password",
                format!("user:{username}"),
                String::new(),
            )
            .await?;
            println!("password of {username} set; its sessions ended");
            if generated {
                println!("password: {password}");
            }
        }
        UsersCommand::Role {
            username,
            role,
            street,
        } => {
            let u = store
                .set_role(username, Role::parse(role)?, street.as_deref())
                .await?;
            record(
                store,
                "user.role",
                format!("user:{username}"),
                u.role.to_string(),
            )
            .await?;
            println!("{username} is now {}", u.role);
        }
        UsersCommand::Disable { username } => {
            store.set_disabled(username, true).await?;
            record(
                store,
                "user.disable",
                format!("user:{username}"),
                String::new(),
            )
            .await?;
            println!("{username} disabled; its sessions ended");
        }
        UsersCommand::Enable { username } => {
            store.set_disabled(username, false).await?;
            record(
                store,
                "user.enable",
                format!("user:{username}"),
                String::new(),
            )
            .await?;
            println!("{username} enabled");
        }
    }
    Ok(())
}

/// Runs `onemap keys …`.
pub fn keys(args: &KeysCmd) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let r = keys_on(&store, &args.command).await;
        store.close().await;
        r
    })
}

async fn keys_on(store: &Store, cmd: &KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::Add {
            name,
            channel,
            rate,
        } => {
            let (key, secret) = store
                .create_key(name, Channel::parse(channel)?, *rate)
                .await?;
            record(
                store,
                "key.create",
                format!("key:{}", key.id),
                format!("{} {} {}/min", key.name, key.channel, key.rate_per_min),
            )
            .await?;
            eprintln!(
                "issued {} ({}, {} requests a minute); the key is shown only now:",
                key.id, key.channel, key.rate_per_min
            );
            println!("{secret}");
        }
        KeysCommand::List => {
            println!(
                "{:14} {:24} {:8} {:>8} status",
                "id", "name", "channel", "rate/min"
            );
            for k in store.keys().await? {
                println!(
                    "{:14} {:24} {:8} {:>8} {}",
                    k.id,
                    k.name,
                    k.channel.as_str(),
                    k.rate_per_min,
                    match k.revoked_at {
                        Some(t) => format!("revoked {}", onemap::time::format_instant(t)),
                        None => "active".into(),
                    }
                );
            }
        }
        KeysCommand::Revoke { id } => {
            let k = store.revoke_key(id).await?;
            record(store, "key.revoke", format!("key:{id}"), k.name.clone()).await?;
            println!("revoked {id} ({})", k.name);
        }
    }
    Ok(())
}

/// Runs `onemap audit`.
pub fn audit(args: &AuditArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let rows = store
            .audit_log(&Query {
                actor: args.actor.clone(),
                target: args.target.clone(),
                action: args.action.clone(),
                outcome: args.outcome.clone(),
                after: None,
                limit: Some(args.limit),
            })
            .await;
        store.close().await;
        for r in rows? {
            if args.json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "{:>7} {} {:20} {:18} {:18} {:28} {:7} {}",
                    r.seq,
                    onemap::time::format_instant(r.at),
                    r.actor,
                    r.role,
                    r.action,
                    r.target,
                    r.outcome,
                    r.detail
                );
            }
        }
        Ok(())
    })
}

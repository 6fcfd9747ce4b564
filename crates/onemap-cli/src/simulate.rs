//! `onemap simulate`: realistic appeals (Open311 `POST requests`) and camera AI alerts
//! (`POST /api/intake/camera`) through the same public endpoints real intake systems use — for
//! demos, and as the load generator.
//!
//! - **Demo stream** (`--rate 30/min`): arrivals at random (Poisson) at the given rate, appeals
//!   on real building addresses of the dataset with descriptions that fit their matter, some
//!   camera alerts (some of them repeats within 10 minutes, which the server merges). Every
//!   description starts 【模拟】 and every name and phone is made up: the data is synthetic
//!   and says so.
//! - **Load** (`--load --clients 200 --duration 60s`): that many clients, one keep-alive
//!   connection each, posting requests back to back; counts the acknowledged (201) requests and
//!   their latencies (p50, p99), writes the acknowledged ids (`--acks FILE`), and with
//!   `--database-url` checks that every acknowledged request is in the database and that the
//!   database grew by exactly the acknowledged count.
//! - **Verify** (`--verify FILE --database-url …`): after a crash and a restart, every id of
//!   an acks file is in the database.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use onemap_geo::atlas::Atlas;
use onemap_geo::dataset::Dataset;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::bundled;
use crate::http_client::{Answer, Base, Client};

/// Arguments of `onemap simulate`.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// The server (`http://127.0.0.1:8730/`).
    #[arg(long, default_value = "http://127.0.0.1:8730/")]
    pub url: String,
    /// An intake API key (`onemap keys add NAME --channel hotline`).
    #[arg(long)]
    pub api_key: Option<String>,
    /// The camera AI system's key (default: --api-key).
    #[arg(long)]
    pub camera_key: Option<String>,
    /// Demo stream: arrivals per minute, hour or second (`30/min`, `500/h`, `2/s`).
    #[arg(long, default_value = "30/min")]
    pub rate: String,
    /// Demo stream: the share of camera alerts among arrivals (0–1).
    #[arg(long, default_value_t = 0.2)]
    pub camera_share: f64,
    /// Stop after this long (`60s`, `10m`, `1h`); demo default: until interrupted.
    #[arg(long)]
    pub duration: Option<String>,
    /// Demo stream: stop after this many arrivals.
    #[arg(long)]
    pub count: Option<u64>,
    /// Load test instead of the demo stream.
    #[arg(long)]
    pub load: bool,
    /// Load test: concurrent clients.
    #[arg(long, default_value_t = 200)]
    pub clients: usize,
    /// Load test at a set rate (`2000/s`) shared by the clients, each sending on its own
    /// schedule; latency is counted from the scheduled moment, so a stalled server shows.
    /// Without it every client sends its next request as soon as the last is answered.
    #[arg(long)]
    pub load_rate: Option<String>,
    /// Load test: write the acknowledged request ids here, one a line.
    #[arg(long)]
    pub acks: Option<PathBuf>,
    /// Check the acknowledged requests against this database (the server's).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Only verify an acks file against `--database-url` (after a crash and a restart).
    #[arg(long)]
    pub verify: Option<PathBuf>,
    /// Print the load test's figures as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Random seed (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Parses `30/min`, `2/s`, `500/h` into arrivals per second.
fn parse_rate(s: &str) -> anyhow::Result<f64> {
    let (n, unit) = s.split_once('/').unwrap_or((s, "min"));
    let n: f64 = n
        .trim()
        .parse()
        .with_context(|| format!("rate {s:?}: not a number"))?;
    let per = match unit.trim() {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        "h" | "hour" => 3600.0,
        u => bail!("rate {s:?}: the unit {u:?} is not s, min or h"),
    };
    if !(n.is_finite() && n > 0.0) {
        bail!("rate {s:?} must be positive");
    }
    Ok(n / per)
}

/// Parses `60s`, `10m`, `1h` or plain seconds.
fn parse_duration(s: &str) -> anyhow::Result<Duration> {
    let s = s.trim();
    let (n, mul) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = n.parse().with_context(|| format!("duration {s:?}"))?;
    if !(v.is_finite() && v > 0.0) {
        bail!("duration {s:?} must be positive");
    }
    Ok(Duration::from_secs_f64(v * mul))
}

/// Where appeals come from: the dataset's buildings, and its cameras.
struct Sites {
    buildings: Vec<(String, String, f64, f64)>,
    cameras: Vec<(String, String)>,
    /// The bundled district, to keep simulated positions inside it.
    atlas: Atlas,
}

fn sites() -> anyhow::Result<Sites> {
    let fc: Value = serde_json::from_str(bundled::SOURCES.buildings)?;
    let mut buildings = Vec::new();
    for f in fc["features"].as_array().into_iter().flatten() {
        let p = &f["properties"];
        let c = &f["geometry"]["coordinates"];
        if let (Some(id), Some(addr), Some(lon), Some(lat)) = (
            p["id"].as_str(),
            p["address"].as_str(),
            c[0].as_f64(),
            c[1].as_f64(),
        ) {
            buildings.push((id.to_string(), addr.to_string(), lon, lat));
        }
    }
    let fc: Value = serde_json::from_str(bundled::SOURCES.cameras)?;
    let cameras = fc["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some((
                f["properties"]["id"].as_str()?.to_string(),
                f["properties"]["kind"].as_str()?.to_string(),
            ))
        })
        .collect();
    if buildings.is_empty() {
        bail!("the bundled dataset has no buildings");
    }
    let atlas = Atlas::from_dataset(Dataset::from_sources(&bundled::SOURCES)?)?;
    Ok(Sites {
        buildings,
        cameras,
        atlas,
    })
}

/// A matter as `GET services` lists it: code, name, domain.
#[derive(Debug, Clone)]
struct Service {
    code: String,
    name: String,
    domain: String,
}

async fn services(base: &Base) -> anyhow::Result<Vec<Service>> {
    let mut c = Client::new(base.clone());
    let a = c
        .send("GET", "open311/v2/services.json", &[], Bytes::new())
        .await
        .context("GET open311/v2/services.json")?;
    if a.status != 200 {
        bail!(
            "GET services: {} {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        );
    }
    let v: Value = serde_json::from_slice(&a.body)?;
    let list: Vec<Service> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some(Service {
                code: s["service_code"].as_str()?.to_string(),
                name: s["service_name"].as_str()?.to_string(),
                domain: s["keywords"].as_str()?.split(',').next()?.to_string(),
            })
        })
        .collect();
    if list.is_empty() {
        bail!("the server lists no services");
    }
    Ok(list)
}

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
];
const GIVEN: [&str; 12] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军", "婷", "浩",
];

fn description(rng: &mut StdRng, s: &Service, addr: &str) -> String {
    let pick = |rng: &mut StdRng, xs: &[&'static str]| xs[rng.random_range(0..xs.len())];
    let text = match s.domain.as_str() {
        "dispute" => format!(
            "{addr}住户反映与邻居因{}发生{}，双方多次协商未果，请求社区调解。",
            pick(rng, &["噪音", "漏水", "占用楼道", "装修", "停车位"]),
            s.name
        ),
        "legal" => format!(
            "{addr}居民就{}咨询{}相关问题，希望获得公共法律服务。",
            s.name,
            pick(rng, &["合同", "维权途径", "证据保全", "诉讼时效"])
        ),
        "psych" => format!(
            "{addr}家属反映一名居民近期{}，请求{}。",
            pick(rng, &["情绪低落、失眠", "与家人冲突频繁", "独居少与人交流"]),
            s.name
        ),
        "complaint" => format!(
            "{addr}附近{}，影响居民正常生活，投诉要求尽快处理（{}）。",
            pick(rng, &["商户夜间营业噪音大", "店铺占道经营", "餐馆油烟直排"]),
            s.name
        ),
        "assistance" => format!(
            "{addr}{}生活困难，申请{}。",
            pick(rng, &["独居老人", "残疾人家庭", "困难家庭"]),
            s.name
        ),
        "safety" => format!("{addr}发现{}，存在安全隐患，请派人到场核查。", s.name),
        _ => format!("{addr}附近{}，影响通行和环境，请尽快处理。", s.name),
    };
    format!("【模拟】{text}")
}

/// The form of one simulated appeal, as the standard's examples post it.
fn appeal_form(rng: &mut StdRng, sites: &Sites, services: &[Service], key: &str) -> String {
    let (_, addr, lon, lat) = &sites.buildings[rng.random_range(0..sites.buildings.len())];
    let s = &services[rng.random_range(0..services.len())];
    // A few metres off the building's point, as a phone's position is; but not off the
    // district's edge, where the server rightly refuses a report (0.1% of appeals did so). The
    // check is of the point as posted, to 7 decimals: a point a hair inside the edge can round to
    // just outside it (1 request in 120,000 did).
    let posted = |x: f64| (x * 1e7).round() / 1e7;
    let (off_lon, off_lat) = (
        posted(lon + rng.random_range(-0.00008..0.00008)),
        posted(lat + rng.random_range(-0.00008..0.00008)),
    );
    let (lon, lat) = if sites.atlas.locate(off_lon, off_lat).is_some() {
        (off_lon, off_lat)
    } else {
        (*lon, *lat)
    };
    let people = match rng.random_range(0..100) {
        0..=2 => 35,
        3..=9 => 12,
        n => 1 + n % 4,
    };
    let money = match rng.random_range(0..100) {
        0..=1 => 1_500_000,
        2..=7 => 150_000,
        8..=20 => 20_000,
        _ => 0,
    };
    let phone = format!(
        "1{}{:09}",
        rng.random_range(3..10),
        rng.random_range(0..1_000_000_000u64)
    );
    let fields: Vec<(&str, String)> = vec![
        ("api_key", key.to_string()),
        ("service_code", s.code.clone()),
        ("lat", format!("{lat:.7}")),
        ("long", format!("{lon:.7}")),
        ("description", description(rng, s, addr)),
        (
            "last_name",
            SURNAMES[rng.random_range(0..SURNAMES.len())].to_string(),
        ),
        (
            "first_name",
            GIVEN[rng.random_range(0..GIVEN.len())].to_string(),
        ),
        ("phone", phone),
        ("attribute[people]", people.to_string()),
        ("attribute[money_yuan]", money.to_string()),
    ];
    serde_urlencoded::to_string(&fields).unwrap_or_default()
}

/// Event types a camera of each kind reports.
fn camera_events(kind: &str) -> &'static [&'static str] {
    match kind {
        "school" => &["school_safety", "crowd", "illegal_parking"],
        "park" => &["drowning_risk", "open_burning", "garbage", "crowd"],
        "checkpoint" => &["crowd", "illegal_parking", "road_debris"],
        _ => &[
            "illegal_parking",
            "ebike_parking",
            "street_vending",
            "road_occupation",
            "road_debris",
            "waterlogging",
            "manhole",
            "fire_lane_blocked",
            "traffic_signal",
        ],
    }
}

fn now_iso() -> String {
    onemap::time::format_instant(onemap::time::Clock::now(&onemap::time::SystemClock))
}

/// Runs `onemap simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        if let Some(file) = &args.verify {
            let url = args
                .database_url
                .as_deref()
                .context("--verify needs --database-url (the server's database)")?;
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let ids: Vec<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            let missing = missing_in_db(url, &ids).await?;
            println!(
                "verify: {} acknowledged ids in {}, {} missing from the database",
                ids.len(),
                file.display(),
                missing.len()
            );
            if !missing.is_empty() {
                bail!(
                    "lost acknowledged requests: {}",
                    missing
                        .iter()
                        .take(20)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            return Ok(());
        }
        let key = args.api_key.clone().context(
            "give an intake key: --api-key KEY (onemap keys add NAME --channel hotline)",
        )?;
        let base = Base::parse(&args.url)?;
        let seed = args.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
        let sites = Arc::new(sites()?);
        let services = Arc::new(services(&base).await?);
        if args.load {
            load(args, base, key, sites, services, seed).await
        } else {
            demo(args, base, key, sites, services, seed).await
        }
    })
}

async fn demo(
    args: &SimulateArgs,
    base: Base,
    key: String,
    sites: Arc<Sites>,
    services: Arc<Vec<Service>>,
    seed: u64,
) -> anyhow::Result<()> {
    let per_second = parse_rate(&args.rate)?;
    let until = args.duration.as_deref().map(parse_duration).transpose()?;
    let camera_key = args.camera_key.clone().unwrap_or_else(|| key.clone());
    let share = args.camera_share.clamp(0.0, 1.0);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut client = Client::new(base);
    let started = Instant::now();
    let mut recent: Vec<(String, &'static str, Instant)> = Vec::new();
    let mut sent = 0u64;
    eprintln!(
        "simulate: {:.1} arrivals a minute ({}% camera alerts) — synthetic, marked 【模拟】; Ctrl-C stops",
        per_second * 60.0,
        (share * 100.0).round()
    );
    loop {
        if args.count.is_some_and(|c| sent >= c) || until.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        // Exponential gaps: a Poisson stream at the given rate.
        let u: f64 = rng.random_range(f64::EPSILON..1.0);
        tokio::time::sleep(Duration::from_secs_f64(-u.ln() / per_second)).await;
        sent += 1;
        let stamp = now_iso();
        if rng.random_bool(share) && !sites.cameras.is_empty() {
            recent.retain(|(_, _, t)| t.elapsed() < Duration::from_secs(600));
            let (camera, event) = if !recent.is_empty() && rng.random_bool(0.3) {
                let (c, e, _) = &recent[rng.random_range(0..recent.len())];
                (c.clone(), *e)
            } else {
                let (c, kind) = &sites.cameras[rng.random_range(0..sites.cameras.len())];
                let evs = camera_events(kind);
                (c.clone(), evs[rng.random_range(0..evs.len())])
            };
            recent.push((camera.clone(), event, Instant::now()));
            let body = serde_json::json!({"camera_id": camera, "event_type": event, "at": stamp,
                "confidence": rng.random_range(0.6..0.99)});
            let a = client
                .send(
                    "POST",
                    "api/intake/camera",
                    &[
                        ("content-type", "application/json"),
                        ("x-api-key", &camera_key),
                    ],
                    Bytes::from(body.to_string()),
                )
                .await;
            match a {
                Ok(a) => println!(
                    "{stamp} camera {camera} {event}: {} {}",
                    a.status,
                    String::from_utf8_lossy(&a.body)
                ),
                Err(e) => println!("{stamp} camera {camera} {event}: {e:#}"),
            }
        } else {
            let form = appeal_form(&mut rng, &sites, &services, &key);
            let a = client
                .send(
                    "POST",
                    "open311/v2/requests.json",
                    &[("content-type", "application/x-www-form-urlencoded")],
                    Bytes::from(form),
                )
                .await;
            match a {
                Ok(a) => println!(
                    "{stamp} appeal: {} {}",
                    a.status,
                    String::from_utf8_lossy(&a.body)
                ),
                Err(e) => println!("{stamp} appeal: {e:#}"),
            }
        }
    }
    Ok(())
}

#[derive(Default)]
struct WorkerResult {
    latencies_us: Vec<u64>,
    acked: Vec<String>,
    errors: BTreeMap<String, u64>,
}

/// When a load worker sends: as soon as it can, or every `interval` from `first`.
#[derive(Clone, Copy)]
enum Pace {
    Flat,
    Every { first: Instant, interval: Duration },
}

async fn worker(
    base: Base,
    key: Arc<String>,
    sites: Arc<Sites>,
    services: Arc<Vec<Service>>,
    deadline: Instant,
    pace: Pace,
    seed: u64,
) -> WorkerResult {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut client = Client::new(base);
    let mut out = WorkerResult::default();
    let mut sent = 0u32;
    while Instant::now() < deadline {
        let form = appeal_form(&mut rng, &sites, &services, &key);
        // The moment latency counts from: now, or the request's slot on the schedule (a late
        // slot is sent at once and its wait is counted).
        let t = match pace {
            Pace::Flat => Instant::now(),
            Pace::Every { first, interval } => {
                let slot = first + interval * sent;
                sent += 1;
                if slot >= deadline {
                    break;
                }
                tokio::time::sleep_until(slot.into()).await;
                slot
            }
        };
        let r = client
            .send(
                "POST",
                "open311/v2/requests.json",
                &[("content-type", "application/x-www-form-urlencoded")],
                Bytes::from(form),
            )
            .await;
        let us = t.elapsed().as_micros() as u64;
        match r {
            Ok(a) if a.status == 201 => {
                let id = serde_json::from_slice::<Value>(&a.body)
                    .ok()
                    .and_then(|v| v[0]["service_request_id"].as_str().map(str::to_string));
                match id {
                    Some(id) => {
                        out.latencies_us.push(us);
                        out.acked.push(id);
                    }
                    None => *out.errors.entry("201 without an id".into()).or_default() += 1,
                }
            }
            // Keyed by the server's own reason, so a load report says why requests failed.
            Ok(a) => *out.errors.entry(refusal(&a)).or_default() += 1,
            Err(_) => {
                *out.errors.entry("connection".into()).or_default() += 1;
                // The server is gone (or restarting): do not spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    out
}

/// "HTTP 400: <the Open311 error's description>", cut to a readable length.
fn refusal(a: &Answer) -> String {
    let why = serde_json::from_slice::<Value>(&a.body)
        .ok()
        .and_then(|v| v[0]["description"].as_str().map(str::to_string))
        .unwrap_or_default();
    let why: String = why.chars().take(80).collect();
    if why.is_empty() {
        format!("HTTP {}", a.status)
    } else {
        format!("HTTP {}: {why}", a.status)
    }
}

fn percentile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

async fn load(
    args: &SimulateArgs,
    base: Base,
    key: String,
    sites: Arc<Sites>,
    services: Arc<Vec<Service>>,
    seed: u64,
) -> anyhow::Result<()> {
    let duration = parse_duration(args.duration.as_deref().unwrap_or("60s"))?;
    let before = match &args.database_url {
        Some(url) => Some(case_count(url).await?),
        None => None,
    };
    let key = Arc::new(key);
    eprintln!(
        "load: {} clients for {:.0} s against {}{}",
        args.clients,
        duration.as_secs_f64(),
        args.url,
        args.load_rate
            .as_deref()
            .map(|r| format!(" at {r} in all"))
            .unwrap_or_default()
    );
    let offered = match &args.load_rate {
        Some(r) => Some(parse_rate(r)?),
        None => None,
    };
    let started = Instant::now();
    let deadline = started + duration;
    let clients = args.clients.max(1);
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            // Each client sends every clients/rate seconds, the clients evenly staggered.
            let pace = offered.map_or(Pace::Flat, |rate| {
                let interval = Duration::from_secs_f64(clients as f64 / rate);
                Pace::Every {
                    first: started + interval.mul_f64(i as f64 / clients as f64),
                    interval,
                }
            });
            tokio::spawn(worker(
                base.clone(),
                key.clone(),
                sites.clone(),
                services.clone(),
                deadline,
                pace,
                seed.wrapping_add(i as u64 * 7919),
            ))
        })
        .collect();
    let mut all = WorkerResult::default();
    for t in tasks {
        let r = t.await?;
        all.latencies_us.extend(r.latencies_us);
        all.acked.extend(r.acked);
        for (k, v) in r.errors {
            *all.errors.entry(k).or_default() += v;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.latencies_us.sort_unstable();
    let acked = all.acked.len();
    if let Some(path) = &args.acks {
        let mut f =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        for id in &all.acked {
            writeln!(f, "{id}")?;
        }
        f.sync_all()?;
    }
    let errors: u64 = all.errors.values().sum();
    let mut report = serde_json::json!({
        "clients": args.clients,
        "offered_per_second": offered,
        "seconds": (elapsed * 10.0).round() / 10.0,
        "acknowledged": acked,
        "errors": all.errors,
        "requests_per_second": (acked as f64 / elapsed).round(),
        "p50_ms": percentile(&all.latencies_us, 0.50),
        "p90_ms": percentile(&all.latencies_us, 0.90),
        "p99_ms": percentile(&all.latencies_us, 0.99),
        "max_ms": percentile(&all.latencies_us, 1.0),
    });
    let mut lost = Vec::new();
    if let (Some(url), Some(before)) = (&args.database_url, before) {
        let after = case_count(url).await?;
        lost = missing_in_db(url, &all.acked).await?;
        report["db_cases_before"] = before.into();
        report["db_cases_after"] = after.into();
        report["db_new_cases"] = (after - before).into();
        report["acknowledged_missing_from_db"] = lost.len().into();
    }
    if args.json {
        println!("{report}");
    } else {
        println!(
            "load: {acked} requests acknowledged in {elapsed:.1} s by {} clients: {:.0} requests/s; \
             latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {errors} errors {:?}",
            args.clients,
            acked as f64 / elapsed,
            percentile(&all.latencies_us, 0.50),
            percentile(&all.latencies_us, 0.90),
            percentile(&all.latencies_us, 0.99),
            percentile(&all.latencies_us, 1.0),
            all.errors
        );
        if let Some(n) = report.get("db_new_cases") {
            println!(
                "database: {n} new cases for {acked} acknowledged; {} acknowledged missing",
                lost.len()
            );
        }
    }
    if !lost.is_empty() {
        bail!(
            "{} acknowledged requests are not in the database",
            lost.len()
        );
    }
    Ok(())
}

async fn open_db(url: &str) -> anyhow::Result<onemap::Store> {
    let target = onemap::Target::resolve(Some(url));
    onemap::Store::open_with(
        onemap::Options::new(target.clone())
            .seat("simulate-check")
            .atlas(Arc::new(onemap::locate::SubgridPolygonsBuilder)),
    )
    .await
    .with_context(|| format!("opening {}", target.describe()))
}

async fn case_count(url: &str) -> anyhow::Result<i64> {
    let store = open_db(url).await?;
    let n = store.case_count().await?;
    store.close().await;
    Ok(n)
}

async fn missing_in_db(url: &str, ids: &[String]) -> anyhow::Result<Vec<String>> {
    let store = open_db(url).await?;
    let found: std::collections::HashSet<String> = store
        .cases_by_id(ids)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    store.close().await;
    Ok(ids
        .iter()
        .filter(|i| !found.contains(*i))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_durations_read_as_people_write_them() {
        assert!((parse_rate("30/min").expect("rate") - 0.5).abs() < 1e-9);
        assert!((parse_rate("2/s").expect("rate") - 2.0).abs() < 1e-9);
        assert!(parse_rate("0/min").is_err());
        assert!(parse_rate("3/week").is_err());
        assert_eq!(parse_duration("60s").expect("d"), Duration::from_secs(60));
        assert_eq!(parse_duration("10m").expect("d"), Duration::from_secs(600));
        assert_eq!(parse_duration("90").expect("d"), Duration::from_secs(90));
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&v, 1.0), 100.0);
    }

    #[test]
    fn a_simulated_appeal_is_marked_synthetic_and_form_encoded() {
        let mut rng = StdRng::seed_from_u64(7);
        let sites = Sites {
            buildings: vec![("B-1".into(), "光明街道华夏路1号".into(), 113.93, 22.75)],
            cameras: vec![],
            atlas: Atlas::example(),
        };
        let s = vec![Service {
            code: "M001".into(),
            name: "邻里纠纷".into(),
            domain: "dispute".into(),
        }];
        let form = appeal_form(&mut rng, &sites, &s, "omk_x");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&form).expect("form");
        let get = |k: &str| pairs.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
        assert_eq!(get("service_code").as_deref(), Some("M001"));
        assert!(
            get("description")
                .expect("description")
                .starts_with("【模拟】")
        );
        assert!(get("attribute[people]").is_some());
    }
}

//! Store benchmarks (a bench binary, `cargo bench -p onemap --bench store`):
//!
//! - intake: cases filed by 16 concurrent callers, each call timed from request to durable
//!   acknowledgement; target ≥ 2,000 cases/s with p99 < 20 ms, on SQLite and PostgreSQL.
//! - figures: the figures over a 5-year city-scale history of 850,000 cases, overall and per
//!   street / sub-grid / channel / matter; target < 200 ms each.
//!
//! PostgreSQL runs when ONEMAP_TEST_PG_URL is set (`bash scripts/pg-test-server.sh start`).
//! `ONEMAP_BENCH_CASES` overrides the history size. Figures read an in-memory copy of the
//! case facts loaded in the background at open; the first call after opening is timed apart.

use std::sync::Arc;
use std::time::{Duration, Instant};

use onemap::cases::NewCase;
use onemap::figures::Dimension;
use onemap::model::Channel;
use onemap::{Store, Target};
use sqlx::Connection;

const CALLERS: usize = 16;
const INTAKES: usize = 8_000;

fn matters() -> String {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../geodata/guangming/matters.geojson"
    );
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

async fn fresh(engine: &str, dir: &std::path::Path) -> Option<(Target, Option<(String, String)>)> {
    match engine {
        "sqlite" => Some((Target::Sqlite(dir.join("bench.db")), None)),
        _ => {
            let url = std::env::var("ONEMAP_TEST_PG_URL").ok()?;
            let name = format!("onemap_bench_{}", std::process::id());
            let mut c = sqlx::PgConnection::connect(&url).await.expect("pg");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut c)
                .await
                .expect("drop");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await
                .expect("create");
            let base = url
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .unwrap_or(url.clone());
            Some((
                Target::Postgres(format!("{base}/{name}")),
                Some((url, name)),
            ))
        }
    }
}

async fn drop_pg(admin: Option<(String, String)>) {
    if let Some((url, name)) = admin {
        let mut c = sqlx::PgConnection::connect(&url).await.expect("pg");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c)
            .await
            .expect("drop");
    }
}

fn pct(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn intake(store: &Store) {
    let store = Arc::new(store.clone());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..CALLERS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(INTAKES / CALLERS);
            for i in 0..INTAKES / CALLERS {
                let mut c =
                    NewCase::new(Channel::Hotline, "M001", &format!("来电 {t}-{i}"), "12345");
                c.subgrid_code = Some("440311001001001".into());
                c.reporter_phone = Some("19900000000".into());
                let t0 = Instant::now();
                store.intake(c).await.expect("intake");
                lat.push(t0.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("task"));
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort();
    println!(
        "  intake  {:>6} cases, {CALLERS} callers: {:>7.0} cases/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
        lat.len(),
        lat.len() as f64 / secs,
        pct(&lat, 0.5).as_secs_f64() * 1e3,
        pct(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    );
}

/// Fills the store with `n` synthetic closed cases over five years by SQL (a recursive row
/// generator), spread over 6 streets × 5 communities × 9 sub-grids, 7 channels, 217 matters.
async fn history(target: &Target, n: i64) {
    const SQL: &str = "INSERT INTO cases (id, channel, matter, description, subgrid_code, \
        community_code, street_code, district_code, level, grade, people, money_yuan, urgency, \
        reported_at, reported_day, notice_due, meet_due, resolve_due, state, tier, noticed_at, \
        met_at, resolved_at, closed_at, outcome, escalations, version, updated_at) \
        SELECT 'H-' || i, \
          CASE i % 7 WHEN 0 THEN 'hall' WHEN 1 THEN 'station' WHEN 2 THEN 'hotline' WHEN 3 THEN 'app' \
            WHEN 4 THEN 'qr' WHEN 5 THEN 'patrol' ELSE 'camera' END, \
          CASE WHEN 1 + i % 217 < 10 THEN 'M00' WHEN 1 + i % 217 < 100 THEN 'M0' ELSE 'M' END || (1 + i % 217), 'synthetic', \
          sg, substr(sg, 1, 12), substr(sg, 1, 9), '440311', 'L2', 3, 1, 0, 'normal', \
          t, (t + 28800000) / 86400000, t + 600000, t + 1800000, t + 86400000, 'closed', 'community', \
          t + 300000, t + 1200000, t + 3600000 + (i % 97) * 600000, t + 3700000 + (i % 97) * 600000, \
          CASE WHEN i % 125 = 0 THEN 'unresolved' ELSE 'resolved' END, 0, 7, t \
        FROM (SELECT i, 1514736000000 + i * 185000 AS t, \
          '440311' || '00' || (1 + i % 6) || '00' || (1 + (i / 6) % 5) || '00' || (1 + (i / 30) % 9) AS sg \
          FROM gen) AS g";
    match target {
        Target::Sqlite(p) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", p.display()))
                .await
                .expect("sqlite");
            let sql = format!(
                "WITH RECURSIVE gen(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM gen WHERE i < {n}) {SQL}"
            );
            sqlx::query(&sql).execute(&mut c).await.expect("history");
            sqlx::query("ANALYZE")
                .execute(&mut c)
                .await
                .expect("analyze");
        }
        Target::Postgres(u) => {
            let mut c = sqlx::PgConnection::connect(u).await.expect("pg");
            let sql = format!("WITH gen AS (SELECT generate_series(1, {n})::bigint AS i) {SQL}");
            sqlx::query(&sql).execute(&mut c).await.expect("history");
            sqlx::query("VACUUM ANALYZE cases")
                .execute(&mut c)
                .await
                .expect("analyze");
        }
    }
}

async fn figures(store: &Store, n: i64) {
    for by in [
        Dimension::All,
        Dimension::Street,
        Dimension::Subgrid,
        Dimension::Channel,
        Dimension::Matter,
    ] {
        let mut times = Vec::new();
        let mut handled = 0;
        for _ in 0..5 {
            let t0 = Instant::now();
            let f = store
                .figures(i64::MIN, i64::MAX, by)
                .await
                .expect("figures");
            times.push(t0.elapsed());
            handled = f.iter().map(|f| f.handled).sum::<i64>();
        }
        times.sort();
        assert_eq!(handled, n + INTAKES as i64);
        println!(
            "  figures by {:9} over {:>7} cases: median {:>7.1} ms  worst {:>7.1} ms",
            by.as_str(),
            handled,
            pct(&times, 0.5).as_secs_f64() * 1e3,
            times.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
        );
    }
}

#[tokio::main]
async fn main() {
    let n: i64 = std::env::var("ONEMAP_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(850_000);
    for engine in ["sqlite", "postgres"] {
        let dir = tempfile::tempdir().expect("tmp");
        let Some((target, admin)) = fresh(engine, dir.path()).await else {
            println!("{engine}: skipped (set ONEMAP_TEST_PG_URL; see scripts/pg-test-server.sh)");
            continue;
        };
        println!("{engine}:");
        let store = Store::open(target.clone()).await.expect("open");
        store
            .import_layer("matters", &matters(), onemap::datum::Datum::Wgs84)
            .await
            .expect("matters");
        intake(&store).await;
        let t0 = Instant::now();
        history(&target, n).await;
        println!(
            "  (history of {n} cases generated in {:.1} s)",
            t0.elapsed().as_secs_f64()
        );
        // The history was written behind the store's back: start again, as after a restart.
        store.close().await;
        let t0 = Instant::now();
        let store = Store::open(target.clone()).await.expect("reopen");
        store
            .figures(i64::MIN, i64::MAX, Dimension::All)
            .await
            .expect("figures");
        println!(
            "  first figures after opening (loads the case facts): {:.1} s",
            t0.elapsed().as_secs_f64()
        );
        figures(&store, n).await;
        store.close().await;
        drop_pg(admin).await;
    }
}

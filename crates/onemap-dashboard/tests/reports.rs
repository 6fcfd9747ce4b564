//! The reports against a real store on SQLite and on PostgreSQL: the bundled Guangming layers
//! and the last three weeks of its case history, with the store's clock on the morning after.
//!
//! Every chart's SVG is parsed as XML, its series (from its metadata) are compared with
//! counts made here by SQL of our own (coverage: by brute force over buildings and stations),
//! and what is drawn (bar heights, line points) is measured back into values. The briefing's
//! answers are searched for every reporter's name and phone of the loaded history.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use onemap::datum::Datum;
use onemap::time::{ManualClock, local_day, parse_instant};
use onemap::{Options, Store, Target};
use onemap_dashboard::briefing::{self, Span, StepKind};
use onemap_dashboard::charts::{self, Chart, ChartId, ChartKind};
use onemap_dashboard::draw::Theme;
use onemap_dashboard::{AsOf, AsOfBasis, Lang, Source, kpi, risk};
use onemap_geo::dataset::{AdminLevel, Service};
use serde_json::Value;
use sqlx::{Connection, Row};

fn dataset(file: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../geodata/guangming")
        .join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The history's cases reported on or after 2023-06-08 (about 1,400), as a FeatureCollection,
/// with their reporters' names and phones.
fn recent_history() -> (String, Vec<String>) {
    let all: Value = serde_json::from_str(&dataset("cases-2023h1.geojson")).expect("json");
    let features: Vec<Value> = all["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| {
            f["properties"]["reported_at"]
                .as_str()
                .is_some_and(|t| t >= "2023-06-08")
        })
        .cloned()
        .collect();
    let mut personal = Vec::new();
    for f in &features {
        for k in ["reporter_name", "reporter_phone"] {
            if let Some(s) = f["properties"][k].as_str().filter(|s| !s.is_empty()) {
                personal.push(s.to_string());
            }
        }
    }
    assert!(features.len() > 1000, "{} cases", features.len());
    (
        serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
        personal,
    )
}

enum Engine {
    // Held so the temporary directory outlives the store.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin: String, name: String },
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

async fn open(sqlite: bool) -> Option<(Store, Engine, Target)> {
    let (target, engine) = if sqlite {
        let dir = tempfile::tempdir().expect("tempdir");
        (
            Target::Sqlite(dir.path().join("onemap.db")),
            Engine::Sqlite(dir),
        )
    } else {
        let url = match std::env::var("ONEMAP_TEST_PG_URL") {
            Ok(u) if !u.is_empty() => u,
            _ if std::env::var("ONEMAP_SKIP_PG").as_deref() == Ok("1") => return None,
            _ => panic!(
                "ONEMAP_TEST_PG_URL is not set: start the test cluster (bash scripts/pg-test-server.sh start) or set ONEMAP_SKIP_PG=1"
            ),
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "onemap_dash_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .await
            .expect("create db");
        let base = url
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or(url.clone());
        (
            Target::Postgres(format!("{base}/{name}")),
            Engine::Postgres { admin: url, name },
        )
    };
    let morning = parse_instant("2023-06-29T09:30:00+08:00").expect("instant");
    let store = Store::open_with(
        Options::new(target.clone())
            .clock(Arc::new(ManualClock::new(morning)))
            .seat("reports"),
    )
    .await
    .expect("open store");
    for layer in [
        "districts",
        "streets",
        "communities",
        "subgrids",
        "stations",
        "buildings",
        "matters",
    ] {
        store
            .import_layer(layer, &dataset(&format!("{layer}.geojson")), Datum::Wgs84)
            .await
            .unwrap_or_else(|e| panic!("{layer}: {e}"));
    }
    Some((store, engine, target))
}

async fn drop_engine(e: Engine) {
    if let Engine::Postgres { admin, name } = e {
        let mut c = sqlx::PgConnection::connect(&admin).await.expect("connect");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c)
            .await
            .expect("drop");
    }
}

/// Rows of (a, b, n) from our own SQL over either engine.
async fn rows3(target: &Target, sql: &str, first: i64, last: i64) -> Vec<(String, String, i64)> {
    async fn run<'c, E>(c: E, sql: &str, first: i64, last: i64) -> Vec<(String, String, i64)>
    where
        E: sqlx::Executor<'c>,
        for<'r> String: sqlx::Decode<'r, E::Database> + sqlx::Type<E::Database>,
        for<'r> i64:
            sqlx::Decode<'r, E::Database> + sqlx::Type<E::Database> + sqlx::Encode<'r, E::Database>,
        for<'q> <E::Database as sqlx::Database>::Arguments<'q>:
            sqlx::IntoArguments<'q, E::Database>,
        usize: sqlx::ColumnIndex<<E::Database as sqlx::Database>::Row>,
    {
        sqlx::query(sql)
            .bind(first)
            .bind(last)
            .fetch_all(c)
            .await
            .expect("query")
            .iter()
            .map(|r| {
                (
                    r.get::<String, _>(0),
                    r.get::<String, _>(1),
                    r.get::<i64, _>(2),
                )
            })
            .collect()
    }
    match target {
        Target::Sqlite(p) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", p.display()))
                .await
                .expect("sqlite");
            run(&mut c, sql, first, last).await
        }
        Target::Postgres(u) => {
            let mut c = sqlx::PgConnection::connect(u).await.expect("pg");
            run(&mut c, sql, first, last).await
        }
    }
}

struct Svg {
    meta: Value,
    rects: Vec<(String, [f64; 4])>,
    polylines: Vec<(String, Vec<(f64, f64)>)>,
}

fn parse_svg(svg: &str) -> Svg {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("invalid SVG: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let meta = root
        .descendants()
        .find(|n| n.tag_name().name() == "metadata" && n.attribute("id") == Some("onemap-chart"))
        .and_then(|n| n.text())
        .expect("chart metadata");
    let num = |n: &roxmltree::Node<'_, '_>, a: &str| {
        n.attribute(a)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let rects = root
        .descendants()
        .filter(|n| n.tag_name().name() == "rect")
        .map(|n| {
            (
                n.attribute("fill").unwrap_or("").to_string(),
                [
                    num(&n, "x"),
                    num(&n, "y"),
                    num(&n, "width"),
                    num(&n, "height"),
                ],
            )
        })
        .collect();
    let polylines = root
        .descendants()
        .filter(|n| n.tag_name().name() == "polyline")
        .map(|n| {
            let pts = n
                .attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|p| p.split_once(','))
                .filter_map(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)))
                .collect();
            (n.attribute("stroke").unwrap_or("").to_string(), pts)
        })
        .collect();
    Svg {
        meta: serde_json::from_str(meta).expect("metadata is JSON"),
        rects,
        polylines,
    }
}

fn series_of(chart: &Chart, key: &str) -> Vec<f64> {
    chart
        .series
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("{:?} has no series {key}", chart.id))
        .values
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect()
}

/// The drawn bars of each series, measured back into values: for vertical charts the heights,
/// for horizontal ones the widths, over the value axis's pixels per unit.
fn check_drawn(chart: &Chart, svg: &Svg) {
    let frame = &svg.meta["frame"];
    let plot: Vec<f64> = frame["plot"]
        .as_array()
        .expect("plot")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let range: Vec<f64> = frame["value_range"]
        .as_array()
        .expect("range")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let (x0, y0, x1, y1) = (plot[0], plot[1], plot[2], plot[3]);
    let inside = |r: &[f64; 4]| {
        r[0] >= x0 - 1.0 && r[0] + r[2] <= x1 + 1.0 && r[1] >= y0 - 1.0 && r[1] + r[3] <= y1 + 1.0
    };
    for s in &chart.series {
        match chart.kind {
            ChartKind::Stacked | ChartKind::GroupedHorizontal => {
                let vertical = chart.kind == ChartKind::Stacked;
                let per_unit = if vertical {
                    (y1 - y0) / (range[1] - range[0])
                } else {
                    (x1 - x0) / (range[1] - range[0])
                };
                let bars: Vec<&[f64; 4]> = svg
                    .rects
                    .iter()
                    .filter(|(f, r)| *f == s.colour && inside(r))
                    .map(|(_, r)| r)
                    .collect();
                let values: Vec<f64> = s
                    .values
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|v| *v > 0.0)
                    .collect();
                assert_eq!(
                    bars.len(),
                    values.len(),
                    "{:?} {}: one bar per non-zero value",
                    chart.id,
                    s.key
                );
                let drawn: f64 = bars
                    .iter()
                    .map(|r| if vertical { r[3] } else { r[2] })
                    .sum::<f64>()
                    / per_unit;
                let total: f64 = values.iter().sum();
                assert!(
                    (drawn - total).abs() <= 1.5 * values.len() as f64 / per_unit + 1e-9,
                    "{:?} {}: drawn {drawn} vs counted {total}",
                    chart.id,
                    s.key
                );
            }
            ChartKind::Lines => {
                let line = svg
                    .polylines
                    .iter()
                    .find(|(c, _)| *c == s.colour)
                    .map(|(_, p)| p)
                    .expect("a line per series");
                let values: Vec<f64> = s.values.iter().flatten().copied().collect();
                assert_eq!(
                    line.len(),
                    values.len(),
                    "{}: one point per day with cases",
                    s.key
                );
                let per_unit = (y1 - y0) / (range[1] - range[0]);
                for ((_, y), v) in line.iter().zip(&values) {
                    let back = range[0] + (y1 - y) / per_unit;
                    assert!(
                        (back - v).abs() <= 1.5 / per_unit,
                        "{}: drawn {back} vs {v}",
                        s.key
                    );
                }
            }
        }
    }
}

async fn the_reports_match_the_database(sqlite: bool) {
    let Some((store, engine, target)) = open(sqlite).await else {
        return;
    };
    let (history, personal) = recent_history();
    store
        .import_layer("cases", &history, Datum::Wgs84)
        .await
        .expect("history");
    // A case filed live today, with a reporter: it must never reach a briefing either.
    let mut new = onemap::cases::NewCase::new(
        onemap::model::Channel::Hotline,
        "M001",
        "邻里噪音",
        "hotline",
    );
    new.lon = Some(113.935);
    new.lat = Some(22.748);
    new.reporter_name = Some("测试人甲".into());
    new.reporter_phone = Some("13912345678".into());
    store.intake(new).await.expect("intake");
    let mut personal = personal;
    personal.extend(["测试人甲".to_string(), "13912345678".to_string()]);

    let as_of = AsOf::resolve(&store, None).await.expect("as of");
    assert_eq!(
        (as_of.date.as_str(), as_of.basis),
        ("2023-06-29", AsOfBasis::Today)
    );
    let (first, last) = (as_of.first_day(), as_of.day);
    let src = Source::new(&store);

    // Our own counts.
    let (json_rating, json_subgrid) = if sqlite {
        (
            "json_extract(properties, '$.rating')",
            "json_extract(properties, '$.subgrid_code')",
        )
    } else {
        (
            "(properties::jsonb ->> 'rating')",
            "(properties::jsonb ->> 'subgrid_code')",
        )
    };
    let by = |col: &str| {
        format!(
            "SELECT CAST(c.reported_day AS TEXT), {col}, COUNT(*) FROM cases c JOIN matters m ON m.code = c.matter \
                 WHERE c.reported_day >= $1 AND c.reported_day <= $2 GROUP BY 1, 2"
        )
    };
    let expect_daily = |rows: Vec<(String, String, i64)>| {
        let mut m: HashMap<String, Vec<f64>> = HashMap::new();
        for (day, key, n) in rows {
            let d: i64 = day.parse().expect("day");
            m.entry(key).or_insert_with(|| vec![0.0; 30])[(d - first) as usize] = n as f64;
        }
        m
    };
    for (id, col) in [
        (ChartId::CasesByChannel, "c.channel"),
        (ChartId::CasesByDomain, "m.domain"),
        (ChartId::CasesByStreet, "COALESCE(c.street_code, '')"),
    ] {
        let chart = charts::build(&src, id, &as_of, Lang::ZhCn)
            .await
            .expect("chart");
        let svg = chart.svg(Theme::Dark).expect("svg");
        let parsed = parse_svg(&svg);
        assert_eq!(parsed.meta["chart"]["id"], id.as_str());
        let expected = expect_daily(rows3(&target, &by(col), first, last).await);
        assert!(!expected.is_empty());
        let mut total = 0.0;
        for (key, values) in &expected {
            assert_eq!(&series_of(&chart, key), values, "{id:?} {key}");
            total += values.iter().sum::<f64>();
        }
        let drawn_total: f64 = chart
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .sum();
        assert_eq!(
            drawn_total, total,
            "{id:?}: no series beyond the database's"
        );
        check_drawn(&chart, &parsed);
    }
    assert!(store.case_count().await.expect("count") > 1000);

    let compliance = charts::build(&src, ChartId::Compliance, &as_of, Lang::En)
        .await
        .expect("compliance");
    let rows = rows3(
        &target,
        "SELECT CAST(reported_day AS TEXT), 'x', COUNT(*) FROM cases WHERE reported_day >= $1 AND reported_day <= $2 \
         AND met_at <= meet_due GROUP BY 1",
        first,
        last,
    )
    .await;
    let handled = rows3(
        &target,
        &format!(
            "SELECT CAST(reported_day AS TEXT), 'x', COUNT(*) FROM cases WHERE reported_day >= $1 \
             AND reported_day <= $2 AND (met_at IS NOT NULL OR meet_due < {}) GROUP BY 1",
            as_of.moment()
        ),
        first,
        last,
    )
    .await;
    let handled: HashMap<String, i64> = handled.into_iter().map(|(d, _, n)| (d, n)).collect();
    let meet = &compliance
        .series
        .iter()
        .find(|s| s.key == "meet")
        .expect("meet")
        .values;
    for (day, _, ok) in rows {
        let d: i64 = day.parse().expect("day");
        let want = 100.0 * ok as f64 / handled[&day] as f64;
        assert!((meet[(d - first) as usize].expect("a value") - want).abs() < 1e-9);
    }
    for (i, v) in meet.iter().enumerate() {
        assert_eq!(
            v.is_some(),
            handled.contains_key(&(first + i as i64).to_string()),
            "day {i}: a point only where meetings are settled"
        );
    }
    let parsed = parse_svg(&compliance.svg(Theme::Light).expect("svg"));
    assert_eq!(parsed.meta["chart"]["lang"], "en");
    check_drawn(&compliance, &parsed);

    let ratings = charts::build(&src, ChartId::RatingsByStreet, &as_of, Lang::ZhCn)
        .await
        .expect("ratings");
    let sql = format!(
        "SELECT substr({json_subgrid}, 1, 9), {json_rating}, COUNT(*) FROM features WHERE layer = 'buildings' \
         AND $1 <= $2 GROUP BY 1, 2"
    );
    let mut total = 0.0;
    for (street, rating, n) in rows3(&target, &sql, 0, 1).await {
        let i = ratings
            .category_keys
            .iter()
            .position(|k| *k == street)
            .expect("street category");
        assert_eq!(
            series_of(&ratings, &rating)[i],
            n as f64,
            "{street} {rating}"
        );
        total += n as f64;
    }
    assert_eq!(total, 30254.0);
    let warning: f64 = series_of(&ratings, "warning").iter().sum();
    assert_eq!(warning, 1662.0, "the published count of warning buildings");
    check_drawn(
        &ratings,
        &parse_svg(&ratings.svg(Theme::Dark).expect("svg")),
    );

    // Coverage by brute force: each building against every station offering the service.
    let coverage = charts::build(&src, ChartId::CoverageByCommunity, &as_of, Lang::ZhCn)
        .await
        .expect("coverage");
    let atlas = src.atlas().expect("atlas");
    for (j, service) in Service::ALL.iter().enumerate() {
        let centres: Vec<[f64; 2]> = atlas
            .stations()
            .iter()
            .filter(|s| s.offers(*service))
            .map(|s| atlas.project(s.lon, s.lat))
            .collect();
        let mut per: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for b in atlas.buildings() {
            let Some(loc) = atlas.locate(b.lon, b.lat) else {
                continue;
            };
            let [x, y] = atlas.project(b.lon, b.lat);
            let covered = centres
                .iter()
                .any(|c| (c[0] - x).powi(2) + (c[1] - y).powi(2) <= 250_000.0);
            let e = per.entry(loc.community.code).or_default();
            e.0 += 1.0;
            e.1 += f64::from(u8::from(covered));
        }
        let values = &coverage.series[j].values;
        for (code, (n, c)) in per {
            let i = coverage
                .category_keys
                .iter()
                .position(|k| *k == code)
                .expect("community");
            assert!(
                (values[i].expect("value") - 100.0 * c / n).abs() < 1e-9,
                "{service:?} {code}"
            );
        }
    }
    check_drawn(
        &coverage,
        &parse_svg(&coverage.svg(Theme::Dark).expect("svg")),
    );

    // KPIs.
    let k = kpi::kpis(&src, &as_of).await.expect("kpis");
    assert_eq!(k.today, 1, "the live case filed this morning");
    assert_eq!(k.warning_buildings, 1662);
    assert!(k.handled_since_2022 > 1000 && k.resolution_rate > 0.9);
    let tiles = k.tiles(Lang::ZhCn);
    assert!(
        tiles
            .iter()
            .any(|t| t.key == "coverage.legal" && t.label.contains("公共法律"))
    );

    // Risk: inputs as counted here, ranks in order, upper levels the mean of their sub-grids.
    let r = risk::risk(&src, &as_of).await.expect("risk");
    let open = rows3(&target, "SELECT subgrid_code, CAST(grade AS TEXT), COUNT(*) FROM cases WHERE state <> 'closed' AND $1 <= $2 AND subgrid_code IS NOT NULL GROUP BY 1, 2", 0, 1).await;
    for (sg, grade, n) in open {
        let row = r.unit(&sg).expect("sub-grid row");
        assert_eq!(
            row.inputs.open_by_grade[grade.parse::<usize>().expect("grade") - 1],
            n
        );
    }
    let subs: Vec<&risk::Row> = r.level(AdminLevel::Subgrid).collect();
    assert_eq!(subs.len(), 264);
    assert!(
        subs.windows(2)
            .all(|w| w[0].score >= w[1].score && w[0].rank + 1 == w[1].rank)
    );
    assert!(subs.iter().all(|s| (0.0..=100.0).contains(&s.score)));
    let street = r.level(AdminLevel::Street).next().expect("a street");
    let mine: Vec<f64> = subs
        .iter()
        .filter(|s| s.code.starts_with(&street.code))
        .map(|s| s.score)
        .collect();
    assert!((street.score - mine.iter().sum::<f64>() / mine.len() as f64).abs() < 1e-9);

    // The briefing: the tour's steps, and no personal data anywhere in what it sends.
    let tour = briefing::tour(&src, &as_of, Lang::ZhCn)
        .await
        .expect("tour");
    let kinds: Vec<StepKind> = tour.steps.iter().map(|s| s.kind).collect();
    assert_eq!(kinds.len(), 9);
    assert_eq!(kinds[0], StepKind::District);
    assert!(kinds[1..7].iter().all(|k| *k == StepKind::Street));
    assert_eq!(&kinds[7..], &[StepKind::Hot, StepKind::Live]);
    assert_eq!(tour.steps[7].ranking[0].code, subs[0].code);
    let live_step = &tour.steps[8];
    assert_eq!(
        live_step.dots.len() as i64,
        store.open_case_count().await.expect("open")
    );
    let week = briefing::playback(&src, &as_of, Span::Week, Lang::En)
        .await
        .expect("playback");
    let day_start = as_of.day_start() - 6 * onemap::time::DAY;
    assert!(
        week.dots
            .iter()
            .all(|d| d.reported_at >= day_start && d.reported_at < as_of.day_end())
    );
    assert!(
        week.dots
            .windows(2)
            .all(|w| w[0].reported_at <= w[1].reported_at)
    );
    let texts = [
        serde_json::to_string(&tour).expect("json"),
        serde_json::to_string(&week).expect("json"),
        serde_json::to_string(&briefing::live(&src, Lang::ZhCn).await.expect("live"))
            .expect("json"),
        tour.slide_svg(&src, 9, Theme::Dark).expect("slide svg"),
        tour.slide_svg(&src, 8, Theme::Dark).expect("slide svg"),
    ];
    let personal: HashSet<String> = personal.into_iter().collect();
    assert!(
        personal.len() > 1000,
        "{} names and phones to look for",
        personal.len()
    );
    for t in &texts {
        let leaked: Vec<&String> = personal
            .iter()
            .filter(|p| t.contains(p.as_str()))
            .take(5)
            .collect();
        assert!(leaked.is_empty(), "personal data in a briefing: {leaked:?}");
    }

    // Slides: numbered PNGs of 1920 × 1080, in a ZIP.
    let zip = tour.slides_zip(&src, Theme::Dark, 1.0).expect("zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.expect("a UTF-8 name").into_owned())
        .collect();
    assert_eq!(names.len(), 9);
    assert!(
        names.iter().any(|n| n == "01-district.png") && names.iter().any(|n| n == "09-live.png")
    );
    let mut first_png = Vec::new();
    std::io::Read::read_to_end(
        &mut archive.by_name("01-district.png").expect("slide 1"),
        &mut first_png,
    )
    .expect("read");
    let decoder = png::Decoder::new(std::io::Cursor::new(first_png));
    let reader = decoder.read_info().expect("a PNG");
    assert_eq!((reader.info().width, reader.info().height), (1920, 1080));

    let _ = local_day(as_of.now);
    store.close().await;
    drop_engine(engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reports_match_the_database_on_sqlite() {
    the_reports_match_the_database(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reports_match_the_database_on_postgres() {
    the_reports_match_the_database(false).await;
}

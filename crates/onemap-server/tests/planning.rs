//! The planning app API end to end over the real router and a real store (SQLite, and
//! PostgreSQL on `ONEMAP_TEST_PG_URL`), with the Guangming layers: a scenario edited
//! incrementally, saved, a stale save refused, applied (the Atlas swapped under the service),
//! suggestions, the policy check, walking and every export; bad input answered with
//! `{code, message}` and a 4xx.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use onemap::access::{Principal, Role, Via};
use onemap::audit::Query as AuditQuery;
use onemap::datum::Datum;
use onemap::{Store, Target};
use onemap_server::planning::Planning;
use serde_json::{Value, json};
use sqlx::Connection;
use tower::ServiceExt;

const GUANGMING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../geodata/guangming");

/// A fresh database: a temporary SQLite file, or a uniquely named PostgreSQL database.
struct Db {
    target: Target,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

static N: AtomicUsize = AtomicUsize::new(0);

impl Db {
    async fn new(postgres: bool) -> Option<Db> {
        if !postgres {
            let dir = tempfile::tempdir().expect("temp dir");
            return Some(Db {
                target: Target::Sqlite(dir.path().join("onemap.db")),
                pg: None,
                _dir: Some(dir),
            });
        }
        let url = match std::env::var("ONEMAP_TEST_PG_URL") {
            Ok(u) if !u.is_empty() => u,
            _ if std::env::var("ONEMAP_SKIP_PG").as_deref() == Ok("1") => return None,
            _ => panic!(
                "ONEMAP_TEST_PG_URL is not set: start the test cluster with `bash scripts/pg-test-server.sh start` (or set ONEMAP_SKIP_PG=1)"
            ),
        };
        let name = format!(
            "onemap_planning_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .await
            .expect("create database");
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        Some(Db {
            target: Target::Postgres(format!("{base}/{name}")),
            pg: Some((url.clone(), name)),
            _dir: None,
        })
    }

    async fn drop_db(self) {
        if let Some((url, name)) = &self.pg {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c)
                .await
                .expect("drop database");
        }
    }
}

/// A store with Guangming's administrative tree, stations, buildings and roads.
async fn store(db: &Db) -> Store {
    let store = Store::open(db.target.clone()).await.expect("open store");
    for layer in [
        "districts",
        "streets",
        "communities",
        "subgrids",
        "stations",
        "buildings",
        "roads",
    ] {
        let text = std::fs::read_to_string(format!("{GUANGMING}/{layer}.geojson")).expect("layer");
        store
            .import_layer(layer, &text, Datum::Wgs84)
            .await
            .expect("import");
    }
    store
}

async fn planning(store: &Store) -> Arc<Planning> {
    let atlas = store.atlas().expect("the store builds the Atlas");
    Arc::new(Planning::new(atlas, None, Some(store.clone()), true).await)
}

async fn call(
    p: &Arc<Planning>,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Vec<u8>) {
    call_as(p, planner(), method, uri, body).await
}

async fn call_as(
    p: &Arc<Planning>,
    who: Principal,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Vec<u8>) {
    let app: axum::Router = onemap_server::planning_http::routes(Arc::clone(p));
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request");
    // What the guard puts on a request it let through.
    req.extensions_mut().insert(who);
    let res = app.oneshot(req).await.expect("answer");
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 64 << 20)
        .await
        .expect("body");
    (status, bytes.to_vec())
}

fn planner() -> Principal {
    Principal {
        user: "plan.wang".into(),
        display_name: "规划 王".into(),
        role: Role::Planner,
        street: None,
        via: Via::Session,
        channel: None,
        key_id: None,
        rate_per_min: None,
    }
}

/// The administrator who applies scenarios (a planner may not).
fn admin() -> Principal {
    Principal {
        user: "admin.li".into(),
        display_name: "管理员 李".into(),
        role: Role::Admin,
        street: None,
        via: Via::Session,
        channel: None,
        key_id: None,
        rate_per_min: None,
    }
}

async fn json_call(
    p: &Arc<Planning>,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (s, b) = call(p, method, uri, body).await;
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

async fn json_call_as(
    p: &Arc<Planning>,
    who: Principal,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (s, b) = call_as(p, who, method, uri, body).await;
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

fn total<'a>(v: &'a Value, service: &str) -> &'a Value {
    v["totals"]
        .as_array()
        .and_then(|t| t.iter().find(|r| r["service"] == service))
        .expect("a total for the service")
}

async fn a_scenario_is_edited_saved_and_applied(postgres: bool) {
    let Some(db) = Db::new(postgres).await else {
        return;
    };
    let store = store(&db).await;
    let p = planning(&store).await;

    // Saved coverage, per sub-grid.
    let (s, cov) = json_call(
        &p,
        "GET",
        "/api/planning/coverage?level=subgrid&service=psych",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cov["rows"].as_array().map(Vec::len), Some(264));
    let psych_before = total(&cov, "psych")["saved"]["residents_covered"]
        .as_u64()
        .expect("n");

    // The best psych site, then a scenario adding a station there.
    let (s, sug) = json_call(
        &p,
        "POST",
        "/api/planning/suggest",
        Some(json!({"service": "psych", "count": 3})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{sug}");
    let site = &sug["sites"][0];
    let gain = site["gain"]["residents"].as_u64().expect("gain");
    assert!(gain > 0);
    assert!(sug["bound"]["upper"].as_u64() >= sug["bound"]["greedy"].as_u64());
    let (s, sc) = json_call(
        &p,
        "POST",
        "/api/planning/scenarios",
        Some(json!({"name": "新增心理服务站试点"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{sc}");
    let id = sc["scenario"]["id"].as_str().expect("id").to_string();
    let add = json!({"op": "add", "services": ["psych"], "lon": site["lon"], "lat": site["lat"]});
    let (s, ed) = json_call(
        &p,
        "POST",
        &format!("/api/planning/scenarios/{id}/edits"),
        Some(add),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{ed}");
    let psych = ed["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["service"] == "psych"))
        .expect("psych");
    assert_eq!(
        psych["residents"].as_u64(),
        Some(gain),
        "the edit gains what the suggestion said"
    );
    assert_eq!(
        total(&ed, "psych")["scenario"]["residents_covered"].as_u64(),
        Some(psych_before + gain)
    );
    assert!(!ed["subgrids"].as_array().expect("rows").is_empty());
    // The communities and streets holding the changed sub-grids come with the answer, each row as
    // the coverage table of its level has it for the scenario.
    for level in ["community", "street"] {
        let (s, table) = json_call(
            &p,
            "GET",
            &format!("/api/planning/coverage?level={level}&service=psych&scenario={id}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{table}");
        let sent: Vec<&Value> = ed["units"]
            .as_array()
            .expect("units")
            .iter()
            .filter(|r| r["level"] == level && r["service"] == "psych")
            .collect();
        assert!(!sent.is_empty(), "no {level} rows in the edit's answer");
        for r in sent {
            let want = table["rows"]
                .as_array()
                .and_then(|rows| {
                    rows.iter()
                        .find(|t| t["code"] == r["code"] && t["service"] == "psych")
                })
                .unwrap_or_else(|| panic!("{} is not in the {level} table", r["code"]));
            assert_eq!(r["scenario"], want["scenario"], "{level} {}", r["code"]);
        }
    }
    let new_id = ed["stations"][0].as_str().expect("new station").to_string();

    // Drag it 200 m east and back: the figures follow, the scenario stays one station.
    for dlon in [0.002, 0.0] {
        let mv = json!({"op": "move", "id": new_id, "lon": site["lon"].as_f64().unwrap_or(0.0) + dlon, "lat": site["lat"]});
        let (s, _) = json_call(
            &p,
            "POST",
            &format!("/api/planning/scenarios/{id}/edits"),
            Some(mv),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (_, view) = json_call(&p, "GET", &format!("/api/planning/scenarios/{id}"), None).await;
    assert_eq!(view["plan"]["added"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        total(&view, "psych")["scenario"]["residents_covered"].as_u64(),
        Some(psych_before + gain)
    );
    assert_eq!(view["scenario"]["dirty"], true);

    // A refused batch changes nothing and names the edit.
    let bad = json!([{"op": "move", "id": new_id, "lon": 113.95, "lat": 22.75}, {"op": "remove", "id": "ST-NOPE"}]);
    let (s, err) = json_call(
        &p,
        "POST",
        &format!("/api/planning/scenarios/{id}/edits"),
        Some(bad),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{err}");
    assert_eq!(err["code"], "not_found");
    assert!(
        err["message"].as_str().is_some_and(|m| m.contains("#2")),
        "{err}"
    );
    let (_, same) = json_call(&p, "GET", &format!("/api/planning/scenarios/{id}"), None).await;
    assert_eq!(same["plan"], view["plan"]);

    // Applying is an administrator's step: the planner is refused.
    let (s, e) = json_call(
        &p,
        "POST",
        &format!("/api/planning/scenarios/{id}/apply"),
        None,
    )
    .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{e}"
    );
    // Applying needs a save first; a second planner's stale save is refused.
    let (s, e) = json_call_as(
        &p,
        admin(),
        "POST",
        &format!("/api/planning/scenarios/{id}/apply"),
        None,
    )
    .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"))
    );
    let other = planning(&store).await;
    let (s, _) = json_call(
        &other,
        "GET",
        &format!("/api/planning/scenarios/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, saved) = json_call(
        &p,
        "PUT",
        &format!("/api/planning/scenarios/{id}"),
        Some(json!({"note": "光明街道"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved["scenario"]["version"], 2);
    let (s, e) = json_call(
        &other,
        "PUT",
        &format!("/api/planning/scenarios/{id}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );

    // Compare side by side with the saved stations.
    let (s, cmp) = json_call(
        &p,
        "GET",
        &format!("/api/planning/compare?ids={id}&level=street&service=psych"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cmp["columns"].as_array().map(Vec::len), Some(2));
    assert_eq!(cmp["rows"].as_array().map(Vec::len), Some(6));

    // Apply: the stations layer gains the station; the saved coverage is the scenario's now.
    let before = store
        .layer_features("stations")
        .await
        .expect("stations")
        .len();
    let (s, ap) = json_call_as(
        &p,
        admin(),
        "POST",
        &format!("/api/planning/scenarios/{id}/apply"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{ap}");
    // Every planning write is on the audit log under whoever made it: the planner's apply as
    // denied, the administrator's before the save as failed, then done.
    let log = store
        .audit_log(&AuditQuery {
            target: Some(format!("scenario:{id}")),
            ..AuditQuery::default()
        })
        .await
        .expect("audit log");
    let seen: Vec<(&str, &str, &str)> = log
        .iter()
        .rev()
        .map(|r| (r.actor.as_str(), r.action.as_str(), r.outcome.as_str()))
        .collect();
    for want in [
        ("plan.wang", "scenario.create", "ok"),
        ("plan.wang", "scenario.apply", "denied"),
        ("admin.li", "scenario.apply", "failed"),
        ("plan.wang", "scenario.save", "ok"),
        ("admin.li", "scenario.apply", "ok"),
    ] {
        assert!(seen.contains(&want), "{want:?} not in {seen:?}");
    }
    assert_eq!(
        store
            .layer_features("stations")
            .await
            .expect("stations")
            .len(),
        before + 1
    );
    let (_, cov) = json_call(
        &p,
        "GET",
        "/api/planning/coverage?level=district&service=psych",
        None,
    )
    .await;
    assert_eq!(
        total(&cov, "psych")["saved"]["residents_covered"].as_u64(),
        Some(psych_before + gain)
    );
    let (s, e) = json_call(
        &p,
        "POST",
        &format!("/api/planning/scenarios/{id}/edits"),
        Some(json!({"op": "remove", "id": new_id})),
    )
    .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"))
    );

    store.close().await;
    db.drop_db().await;
}

async fn analyses_and_exports_answer_and_bad_input_gets_a_4xx(postgres: bool) {
    let Some(db) = Db::new(postgres).await else {
        return;
    };
    let store = store(&db).await;
    let p = planning(&store).await;

    let (s, pol) = json_call(&p, "GET", "/api/planning/policy?service=legal", None).await;
    assert_eq!(s, StatusCode::OK);
    let legal = &pol["services"][0];
    assert_eq!(legal["subgrids"], 264);
    let failing = legal["failing"].as_array().expect("failing");
    assert!(!failing.is_empty());
    for f in failing {
        let fixed: u64 = f["fix"]["sites"]
            .as_array()
            .expect("sites")
            .iter()
            .map(|s| s["residents"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(
            Some(fixed),
            f["residents_uncovered"].as_u64(),
            "{}",
            f["code"]
        );
    }

    let (s, walk) = json_call(
        &p,
        "GET",
        "/api/planning/walking?service=appeal&level=street",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(walk["available"], true);
    let t = &walk["total"];
    assert!(
        t["walking_residents"].as_u64() <= t["circle_residents"].as_u64(),
        "{t}"
    );

    let (s, csv) = call(
        &p,
        "GET",
        "/api/planning/export/coverage.csv?level=community",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    assert_eq!(csv.lines().count(), 1 + 31 * 4);
    let (s, gaps) = json_call(
        &p,
        "GET",
        "/api/planning/export/gaps.geojson?service=psych",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(gaps["type"], "FeatureCollection");
    let (s, html) = call(&p, "GET", "/api/planning/export/report.html", None).await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8(html).expect("utf-8");
    assert!(html.contains("光明区500米服务圈规划报告") && html.contains("data:image/png;base64,"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the report requests nothing"
    );
    let (s, pdf) = call(&p, "GET", "/api/planning/export/report.pdf?lang=en", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF"));

    for (method, uri, body, status) in [
        (
            "POST",
            "/api/planning/scenarios",
            Some(json!({"nom": "x"})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/api/planning/scenarios",
            Some(json!({"name": "  "})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "GET",
            "/api/planning/scenarios/SC-9999",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "GET",
            "/api/planning/coverage?level=planet",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            "GET",
            "/api/planning/gaps?service=yoga",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/api/planning/suggest",
            Some(json!({"service": "psych", "target": "150%"})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/api/planning/suggest",
            Some(json!({"candidates": "lattice:1m"})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/api/planning/suggest",
            Some(json!({"exclude": {"type": "Point", "coordinates": [1, 2]}})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "GET",
            "/api/planning/export/report.docx",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "GET",
            "/api/planning/export/report.html?lang=fr",
            None,
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (s, v) = json_call(&p, method, uri, body).await;
        assert_eq!(s, status, "{method} {uri}: {v}");
        assert!(
            v["code"].is_string() && v["message"].is_string(),
            "{uri}: {v}"
        );
    }
    let (_, sc) = json_call(
        &p,
        "POST",
        "/api/planning/scenarios",
        Some(json!({"name": "坏输入"})),
    )
    .await;
    let id = sc["scenario"]["id"].as_str().expect("id").to_string();
    for edit in [
        json!({"op": "add", "services": ["psych"], "lon": 120.0, "lat": 30.0}),
        json!({"op": "add", "services": [], "lon": 113.93, "lat": 22.76}),
        json!({"op": "teleport"}),
        json!("not an edit"),
    ] {
        let (s, v) = json_call(
            &p,
            "POST",
            &format!("/api/planning/scenarios/{id}/edits"),
            Some(edit.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{edit}: {v}");
    }
    store.close().await;
    db.drop_db().await;
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scenario_is_edited_saved_and_applied() {
        super::a_scenario_is_edited_saved_and_applied(false).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn analyses_and_exports_answer_and_bad_input_gets_a_4xx() {
        super::analyses_and_exports_answer_and_bad_input_gets_a_4xx(false).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scenario_is_edited_saved_and_applied() {
        super::a_scenario_is_edited_saved_and_applied(true).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn analyses_and_exports_answer_and_bad_input_gets_a_4xx() {
        super::analyses_and_exports_answer_and_bad_input_gets_a_4xx(true).await;
    }
}

//! Bad input over the real router (the axum app `onemap serve` runs, in process, on a real
//! SQLite store): every malformed, mistyped, unknown, out-of-district, oversized, unauthenticated
//! or too-frequent request gets a 4xx whose body says what is wrong — never a 5xx, never a
//! panic. Then proptest throws random bodies at the intake routes, and the committed corpus
//! (`tests/fuzz-corpus/`, the inputs that once broke something or nearly did) is replayed.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use onemap::access::Role;
use onemap::model::Channel;
use onemap_server::http::{AppState, router};
use onemap_server::live::Live;
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

struct Rig {
    router: axum::Router,
    token: String,
    key: String,
    slow_key: String,
    _world: common::AppWorld,
}

async fn rig() -> Rig {
    let w = common::AppWorld::new(common::Engine::Sqlite)
        .await
        .expect("sqlite world");
    w.user("admin", Role::Admin, None).await;
    let token = w
        .app
        .store()
        .login("admin", "correct horse battery")
        .await
        .expect("login")
        .token;
    let (_, key) = w.key("fuzz", Channel::App).await;
    let (_, slow_key) = w
        .app
        .store()
        .create_key("slow", Channel::App, 6)
        .await
        .expect("slow key");
    let map = common::map();
    let planning = onemap_server::planning::Planning::new(
        map.shared_atlas(),
        None,
        Some(w.app.store().clone()),
        map.is_synthetic(),
    )
    .await;
    let state = AppState {
        map: Arc::clone(w.app.current_map()),
        planning: Arc::new(planning),
        live: Live::new(),
        live_source: "store",
        store: Some(w.app.store().clone()),
        app: Some(w.app.clone()),
        setup_code: Some(Arc::new("ABCD-EFGH-JKLM".into())),
        briefing: false,
    };
    Rig {
        router: router(state),
        token,
        key,
        slow_key,
        _world: w,
    }
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn send(rig: &Rig, req: Request<Body>) -> Answer {
    let res = rig.router.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Answer {
        status,
        content_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn req(
    method: &str,
    uri: &str,
    auth: Option<&str>,
    ct: &str,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(a) = auth {
        b = b.header("authorization", format!("Bearer {a}"));
    }
    if !ct.is_empty() {
        b = b.header("content-type", ct);
    }
    b.body(body.into()).expect("request")
}

/// A `{code, message}` error with this status, whose message mentions `says`.
fn assert_error(a: &Answer, status: u16, code: &str, says: &str) {
    assert_eq!(a.status.as_u16(), status, "{}", a.body);
    assert!(
        a.content_type.starts_with("application/json"),
        "{}: {}",
        a.content_type,
        a.body
    );
    let v = a.json();
    assert_eq!(v["code"], code, "{}", a.body);
    let msg = v["message"].as_str().unwrap_or("");
    assert!(
        msg.to_lowercase().contains(&says.to_lowercase()),
        "{says:?} not in {msg:?}"
    );
}

/// An Open311 error: `[{"code": status, "description": …}]`.
fn assert_open311_error(a: &Answer, status: u16, says: &str) {
    assert_eq!(a.status.as_u16(), status, "{}", a.body);
    let v = a.json();
    assert_eq!(v[0]["code"], status, "{}", a.body);
    let d = v[0]["description"].as_str().unwrap_or("");
    assert!(d.contains(says), "{says:?} not in {d:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_bad_input_gets_a_4xx_that_says_what_is_wrong() {
    let r = rig().await;
    let t = Some(r.token.as_str());
    let (lon, lat) = common::point_in_street("440311001");
    let j = "application/json";
    let case = |body: String| req("POST", "/api/cases", t, j, body);

    assert_error(
        &send(&r, case("{\"matter\": \"M001\",".into())).await,
        400,
        "invalid",
        "EOF",
    );
    assert_error(
        &send(&r, case("[1, 2]".into())).await,
        400,
        "invalid",
        "invalid type",
    );
    assert_error(
        &send(&r, case(String::new())).await,
        400,
        "invalid",
        "no body",
    );
    assert_error(
        &send(
            &r,
            case(format!(
                r#"{{"matter":"M001","description":"x","lon":"east","lat":{lat}}}"#
            )),
        )
        .await,
        400,
        "invalid",
        "invalid type",
    );
    assert_error(
        &send(
            &r,
            case(format!(
                r#"{{"matter":"M001","description":"x","lon":{lon},"lat":{lat},"colour":1}}"#
            )),
        )
        .await,
        400,
        "invalid",
        "unknown field",
    );
    assert_error(
        &send(
            &r,
            case(format!(
                r#"{{"matter":"M999","description":"x","lon":{lon},"lat":{lat}}}"#
            )),
        )
        .await,
        400,
        "invalid",
        "unknown matter",
    );
    assert_error(
        &send(
            &r,
            case(r#"{"matter":"M001","description":"x","lon":116.4,"lat":39.9}"#.into()),
        )
        .await,
        400,
        "invalid",
        "outside",
    );
    assert_error(
        &send(
            &r,
            case(format!(
                r#"{{"matter":"M001","description":"x","lon":{lon},"lat":{lat},"people":1e400}}"#
            )),
        )
        .await,
        400,
        "invalid",
        "",
    );
    let huge = format!(
        r#"{{"matter":"M001","description":"{}","lon":{lon},"lat":{lat}}}"#,
        "长".repeat(40_000)
    );
    assert_error(&send(&r, case(huge)).await, 413, "too_large", "64 KiB");
    assert_error(
        &send(
            &r,
            req("POST", "/api/cases", None, j, r#"{"matter":"M001"}"#),
        )
        .await,
        401,
        "unauthorized",
        "log in",
    );
    assert_error(
        &send(&r, req("POST", "/api/cases", Some("oms_forged"), j, "{}")).await,
        401,
        "unauthorized",
        "log in again",
    );
    assert_error(
        &send(
            &r,
            req("GET", "/api/queue", Some(&r.key), "", Body::empty()),
        )
        .await,
        403,
        "forbidden",
        "API key",
    );
    assert_error(
        &send(&r, req("GET", "/api/queue?grade=7", t, "", Body::empty())).await,
        400,
        "invalid",
        "grade",
    );
    assert_error(
        &send(
            &r,
            req("GET", "/api/queue?stage=done", t, "", Body::empty()),
        )
        .await,
        400,
        "invalid",
        "stage",
    );
    assert_error(
        &send(
            &r,
            req("GET", "/api/queue?colour=red", t, "", Body::empty()),
        )
        .await,
        400,
        "invalid",
        "unknown field",
    );
    assert_error(
        &send(&r, req("GET", "/api/nope", t, "", Body::empty())).await,
        404,
        "not_found",
        "no API route",
    );
    assert_error(
        &send(&r, req("DELETE", "/api/cases", t, "", Body::empty())).await,
        405,
        "method_not_allowed",
        "method",
    );
    assert_error(
        &send(
            &r,
            req("GET", "/api/cases/GM-1999-000001", t, "", Body::empty()),
        )
        .await,
        404,
        "not_found",
        "GM-1999-000001",
    );
    // A cookie-authenticated write without the UI's header is refused (no cross-site writes).
    let cookie = Request::builder()
        .method("POST")
        .uri("/api/cases")
        .header("cookie", format!("onemap_session={}", r.token))
        .body(Body::from("{}"))
        .expect("request");
    assert_error(&send(&r, cookie).await, 403, "forbidden", "X-OneMap-Client");
    // The first-run setup is closed once users exist, and a wrong code is refused.
    assert_error(
        &send(
            &r,
            req(
                "POST",
                "/api/auth/setup",
                None,
                j,
                r#"{"code":"ABCD-EFGH-JKLM","username":"x","password":"0123456789"}"#,
            ),
        )
        .await,
        403,
        "forbidden",
        "already has users",
    );
    assert_error(
        &send(
            &r,
            req(
                "POST",
                "/api/auth/setup",
                None,
                j,
                r#"{"code":"WRONG","username":"x","password":"0123456789"}"#,
            ),
        )
        .await,
        403,
        "forbidden",
        "setup code",
    );
    assert_error(
        &send(
            &r,
            req(
                "POST",
                "/api/auth/login",
                None,
                j,
                r#"{"username":"admin","password":"nope nope nope"}"#,
            ),
        )
        .await,
        401,
        "unauthorized",
        "wrong username or password",
    );

    // Camera intake.
    let cam = |body: &str| {
        req(
            "POST",
            "/api/intake/camera",
            Some(&r.key),
            j,
            body.to_string(),
        )
    };
    assert_error(
        &send(&r, cam(r#"{"camera_id":"CAM-0001"}"#)).await,
        400,
        "invalid",
        "missing field",
    );
    assert_error(
        &send(
            &r,
            cam(r#"{"camera_id":"CAM-0001","event_type":"garbage","at":1700000000}"#),
        )
        .await,
        400,
        "invalid",
        "invalid type",
    );
    assert_error(
        &send(
            &r,
            cam(r#"{"camera_id":"CAM-0001","event_type":"ufo","at":"2026-03-02T09:00:00+08:00"}"#),
        )
        .await,
        400,
        "invalid",
        "unknown camera event type",
    );

    // Open311 answers in the standard's error format.
    let o = |body: &str, ct: &str| {
        req(
            "POST",
            "/open311/v2/requests.json",
            None,
            ct,
            body.to_string(),
        )
    };
    let form = "application/x-www-form-urlencoded";
    assert_open311_error(
        &send(&r, o("service_code=M001&lat=22.7&long=113.9", form)).await,
        401,
        "api_key",
    );
    assert_open311_error(
        &send(
            &r,
            o(
                &format!("api_key={}&service_code=M001&lat=x&long=113.9", r.key),
                form,
            ),
        )
        .await,
        400,
        "lat",
    );
    assert_open311_error(
        &send(
            &r,
            o(
                &format!("api_key={}&service_code=M001&lat=39.9&long=116.4", r.key),
                form,
            ),
        )
        .await,
        400,
        "outside",
    );
    assert_open311_error(
        &send(
            &r,
            o(&format!("api_key={}&service_code=M001", r.key), "text/csv"),
        )
        .await,
        415,
        "form-urlencoded",
    );
    assert_open311_error(
        &send(&r, o("api_key=omk_forged&service_code=M001", form)).await,
        401,
        "unknown or revoked",
    );
    let x = send(
        &r,
        req(
            "GET",
            "/open311/v2/requests.xml?status=pending",
            None,
            "",
            Body::empty(),
        ),
    )
    .await;
    assert_eq!(x.status, 400);
    assert!(
        x.body
            .contains("<errors><error><code>400</code><description>status"),
        "{}",
        x.body
    );
    assert_open311_error(
        &send(
            &r,
            req("GET", "/open311/v2/services.yaml", None, "", Body::empty()),
        )
        .await,
        404,
        "",
    );
    assert_open311_error(
        &send(
            &r,
            req(
                "GET",
                "/open311/v2/services.json?jurisdiction_id=beijing",
                None,
                "",
                Body::empty(),
            ),
        )
        .await,
        404,
        "jurisdiction",
    );

    // Too many requests from one key: 429 with Retry-After.
    let good = format!(
        "api_key={}&service_code=M001&lat={lat}&long={lon}&description=%E6%B5%8B%E8%AF%95",
        r.slow_key
    );
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(send(&r, o(&good, form)).await.status.as_u16());
    }
    assert_eq!(&statuses[..5], [201; 5], "{statuses:?}");
    assert_eq!(statuses[6], 429, "{statuses:?}");
    let limited = send(&r, o(&good, form)).await;
    assert_open311_error(&limited, 429, "rate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committed_corpus_never_gets_a_5xx() {
    let r = rig().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("corpus dir") {
        let path = e.expect("entry").path();
        let body = std::fs::read(&path).expect("corpus file");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let (uri, ct, auth) = if name.starts_with("open311-") {
            (
                "/open311/v2/requests.json",
                "application/x-www-form-urlencoded",
                None,
            )
        } else if name.starts_with("camera-") {
            (
                "/api/intake/camera",
                "application/json",
                Some(r.key.as_str()),
            )
        } else {
            ("/api/cases", "application/json", Some(r.token.as_str()))
        };
        let body = String::from_utf8_lossy(&body).replace("$KEY", &r.key);
        let a = send(&r, req("POST", uri, auth, ct, body)).await;
        assert!(a.status.as_u16() < 500, "{name}: {} {}", a.status, a.body);
        assert!(!a.json().is_null(), "{name}: not JSON: {}", a.body);
        n += 1;
    }
    assert!(n >= 10, "only {n} corpus files");
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("M001"),
            Just("M186"),
            Just("CAM-0001"),
            Just("garbage"),
            Just("2026-03-02T09:00:00+08:00")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("matter".to_string()),
                    Just("description".to_string()),
                    Just("lon".to_string()),
                    Just("lat".to_string()),
                    Just("people".to_string()),
                    Just("camera_id".to_string()),
                    Just("event_type".to_string()),
                    Just("at".to_string()),
                    Just("channel".to_string()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..7,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn form_body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop_oneof![
                Just("service_code".to_string()),
                Just("lat".to_string()),
                Just("long".to_string()),
                Just("description".to_string()),
                Just("attribute[people]".to_string()),
                Just("attribute[urgency]".to_string()),
                Just("address_string".to_string()),
                Just("first_name".to_string()),
                Just("phone".to_string()),
                "[a-z\\[\\]_]{1,12}",
            ],
            prop_oneof![
                Just("M001".to_string()),
                Just("22.75".to_string()),
                Just("113.93".to_string()),
                ".{0,30}"
            ],
        ),
        0..8,
    )
    .prop_map(|pairs| serde_urlencoded::to_string(&pairs).unwrap_or_default())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_intake_bodies_never_get_a_5xx(
        case in json_value(),
        camera in json_value(),
        raw in prop::collection::vec(any::<u8>(), 0..200),
        form in form_body(),
    ) {
        // One runtime for every case: the rig's store lives on it.
        static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
        let rt = RT.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
        });
        rt.block_on(async {
            static RIG: tokio::sync::OnceCell<Rig> = tokio::sync::OnceCell::const_new();
            let r = RIG.get_or_init(rig).await;
            let with_key = format!("api_key={}&{form}", r.key);
            for (uri, ct, auth, body) in [
                ("/api/cases", "application/json", Some(r.token.as_str()), case.to_string().into_bytes()),
                ("/api/cases", "application/json", Some(r.token.as_str()), raw.clone()),
                ("/api/cases/propose", "application/json", Some(r.token.as_str()), case.to_string().into_bytes()),
                ("/api/intake/camera", "application/json", Some(r.key.as_str()), camera.to_string().into_bytes()),
                ("/api/intake/camera", "application/json", Some(r.key.as_str()), raw.clone()),
                ("/open311/v2/requests.json", "application/x-www-form-urlencoded", None, with_key.clone().into_bytes()),
                ("/open311/v2/requests.xml", "application/x-www-form-urlencoded", None, raw.clone()),
                ("/open311/v2/requests.json", "application/json", None, case.to_string().into_bytes()),
            ] {
                let a = send(r, req("POST", uri, auth, ct, body)).await;
                prop_assert!(a.status.as_u16() < 500, "{uri}: {} {}", a.status, a.body);
                if a.status.is_client_error() && !uri.ends_with(".xml") {
                    let v = a.json();
                    let described = v["message"].is_string() || v[0]["description"].is_string();
                    prop_assert!(described, "{uri}: no error text in {}", a.body);
                }
            }
            Ok(())
        })?;
    }
}

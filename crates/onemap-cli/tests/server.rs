//! The real `onemap` binary on a real database (SQLite, and PostgreSQL): users and keys made
//! with the CLI, `onemap serve` started on a free port, and then over HTTP: a street operator
//! cannot read or change another street's cases, a leader never sees a phone number, the audit
//! log (read through the API) records both; an Open311 client written to the standard
//! (`tests/open311_client.py`, Python's standard library only) lists services, posts a request
//! and reads it back; camera alerts merge; bad input gets 4xx; and a server killed with SIGKILL
//! during a load run loses no acknowledged request.

#[path = "../../onemap/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{Engine, TestDb};
use onemap::Target;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_onemap");
const PASSWORD: &str = "correct horse battery";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Guangming layers without the case history (a quicker first load).
fn layers_only() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        for e in std::fs::read_dir(repo().join("geodata/guangming")).expect("dataset") {
            let e = e.expect("entry");
            let name = e.file_name().into_string().expect("name");
            if name.ends_with(".geojson") && !name.starts_with("cases") {
                std::os::unix::fs::symlink(e.path(), dir.path().join(&name)).expect("link");
            }
        }
        std::fs::write(dir.path().join("meta.json"), "{}").expect("meta");
        dir
    })
    .path()
}

fn url_of(t: &Target) -> String {
    match t {
        Target::Sqlite(p) => format!("sqlite:{}", p.display()),
        Target::Postgres(u) => u.clone(),
    }
}

fn cli(db: &str, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(BIN)
        .args(args)
        .args(["--database-url", db])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("onemap");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "onemap {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A running `onemap serve`.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(db: &str, listen: &str) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", listen, "--data"])
            .arg(layers_only())
            .args(["--database-url", db])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1)
                    && let Some(t) = tx.take()
                {
                    let _ = t.send(rest.trim_end_matches('/').to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(300))
            .expect("the server starts listening");
        let s = Server { child, addr };
        let t0 = Instant::now();
        while http(&s.addr, "GET", "/readyz", &[], b"").0 != 200 {
            assert!(t0.elapsed() < Duration::from_secs(60), "not ready");
            std::thread::sleep(Duration::from_millis(100));
        }
        s
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 request with `Connection: close`: (status, body).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return (0, String::new());
    };
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if s.write_all(head.as_bytes())
        .and_then(|()| s.write_all(body))
        .is_err()
    {
        return (0, String::new());
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let Some((head, rest)) = text.split_once("\r\n\r\n") else {
        return (0, text);
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn json_of(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

struct Api<'a> {
    addr: &'a str,
}

impl Api<'_> {
    fn login(&self, user: &str) -> String {
        let (st, body) = self.post(
            None,
            "/api/auth/login",
            &json!({"username": user, "password": PASSWORD}),
        );
        assert_eq!(st, 200, "login {user}: {body}");
        json_of(&body)["token"].as_str().expect("token").to_string()
    }
    fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let auth = format!("Bearer {token}");
        let (st, body) = http(self.addr, "GET", path, &[("Authorization", &auth)], b"");
        (st, json_of(&body))
    }
    fn post(&self, token: Option<&str>, path: &str, body: &Value) -> (u16, String) {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut h = vec![("Content-Type", "application/json")];
        if let Some(a) = &auth {
            h.push(("Authorization", a));
        }
        http(self.addr, "POST", path, &h, body.to_string().as_bytes())
    }
}

/// A building's position in a street (9-digit code), from the dataset's buildings.
fn point_in(street: &str) -> (f64, f64) {
    let fc: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("geodata/guangming/buildings.geojson"))
            .expect("buildings"),
    )
    .expect("json");
    fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| {
            f["properties"]["subgrid_code"]
                .as_str()
                .is_some_and(|s| s.starts_with(street))
        })
        .and_then(|f| {
            let c = &f["geometry"]["coordinates"];
            Some((c[0].as_f64()?, c[1].as_f64()?))
        })
        .expect("a building in the street")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

async fn the_real_server_enforces_access_speaks_open311_and_loses_nothing(engine: Engine) {
    let Some(tdb) = TestDb::new(engine).await else {
        return;
    };
    let db = url_of(&tdb.target);
    let pw = format!("{PASSWORD}\n");
    cli(
        &db,
        &[
            "users",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &pw,
    );
    cli(
        &db,
        &[
            "users",
            "add",
            "district",
            "--role",
            "district_operator",
            "--password-stdin",
        ],
        &pw,
    );
    cli(
        &db,
        &[
            "users",
            "add",
            "gm",
            "--role",
            "street_operator",
            "--street",
            "440311001",
            "--password-stdin",
        ],
        &pw,
    );
    cli(
        &db,
        &[
            "users",
            "add",
            "leader",
            "--role",
            "leader",
            "--password-stdin",
        ],
        &pw,
    );
    let key = cli(
        &db,
        &[
            "keys",
            "add",
            "12345热线",
            "--channel",
            "hotline",
            "--rate",
            "1000000",
        ],
        "",
    );
    let cam_key = cli(
        &db,
        &[
            "keys",
            "add",
            "camera-ai",
            "--channel",
            "camera",
            "--rate",
            "1000000",
        ],
        "",
    );
    let slow_key = cli(
        &db,
        &["keys", "add", "slow", "--channel", "app", "--rate", "6"],
        "",
    );
    assert!(key.starts_with("omk_") && cam_key.starts_with("omk_"));
    let listed = cli(&db, &["users", "list"], "");
    assert!(
        listed.contains("gm") && listed.contains("street_operator") && listed.contains("440311001")
    );

    let port = free_port();
    let mut server = Server::start(&db, &format!("127.0.0.1:{port}"));
    let api = Api { addr: &server.addr };
    let admin = api.login("admin");
    let district = api.login("district");
    let gm = api.login("gm");
    let leader = api.login("leader");

    // Without a login, the API answers 401; the UI's files are served to anyone.
    assert_eq!(http(&server.addr, "GET", "/api/queue", &[], b"").0, 401);
    assert_eq!(http(&server.addr, "GET", "/", &[], b"").0, 200);

    // Two cases, one in 光明街道 and one in 公明街道, with a reporter's phone.
    let file = |(lon, lat): (f64, f64)| {
        let (st, body) = api.post(
            Some(&district),
            "/api/cases",
            &json!({
                "matter": "M147", "description": "楼道堆放杂物", "lon": lon, "lat": lat,
                "channel": "hotline", "reporter_name": "张三", "reporter_phone": "19900001234",
            }),
        );
        assert_eq!(st, 201, "{body}");
        json_of(&body)["case"]["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let mine = file(point_in("440311001"));
    let theirs = file(point_in("440311002"));

    // The street operator: its own case yes; the other street's neither read nor changed.
    assert_eq!(api.get(&gm, &format!("/api/cases/{mine}")).0, 200);
    let (st, e) = api.get(&gm, &format!("/api/cases/{theirs}"));
    assert_eq!((st, e["code"].as_str()), (403, Some("forbidden")), "{e}");
    let (st, body) = api.post(
        Some(&gm),
        &format!("/api/cases/{theirs}/actions"),
        &json!({"action": "accept", "version": 1}),
    );
    assert_eq!(st, 403, "{body}");
    let (st, body) = api.post(
        Some(&gm),
        &format!("/api/cases/{theirs}/actions"),
        &json!({"action": "dispatch", "unit": "D-CG", "version": 1}),
    );
    assert_eq!(st, 403, "{body}");
    let (_, q) = api.get(&gm, "/api/queue");
    let ids: Vec<&str> = q["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["case"]["id"].as_str())
        .collect();
    assert_eq!(ids, [mine.as_str()]);
    let (_, d) = api.get(&district, &format!("/api/cases/{theirs}"));
    assert_eq!(d["case"]["version"], 1, "unchanged");

    // The leader: never a phone number, in detail, queue, map layer or live stream.
    let (st, d) = api.get(&leader, &format!("/api/cases/{mine}"));
    assert_eq!(st, 200);
    assert_eq!(d["case"]["reporter"]["phone"], "199****1234");
    for path in [
        format!("/api/cases/{mine}"),
        "/api/queue".into(),
        "/api/layers/cases".into(),
    ] {
        let (_, v) = api.get(&leader, &path);
        assert!(
            !v.to_string().contains("19900001234"),
            "{path} shows the phone to a leader"
        );
    }
    let (st, body) = api.post(
        Some(&leader),
        &format!("/api/cases/{mine}/actions"),
        &json!({"action": "accept", "version": 1}),
    );
    assert_eq!(st, 403, "{body}");
    let (_, d) = api.get(&district, &format!("/api/cases/{mine}"));
    assert_eq!(
        d["case"]["reporter"]["phone"], "19900001234",
        "the operator sees it"
    );

    // The audit log records both, read through the API by the administrator only.
    assert_eq!(api.get(&leader, "/api/audit").0, 403);
    let (st, log) = api.get(&admin, "/api/audit?outcome=denied&limit=100");
    assert_eq!(st, 200);
    let denied: Vec<&Value> = log.as_array().expect("log").iter().collect();
    assert!(denied.iter().any(|r| r["actor"] == "gm"
        && r["target"] == format!("case:{theirs}")
        && r["action"] == "case.view"));
    assert!(
        denied
            .iter()
            .any(|r| r["actor"] == "gm" && r["action"] == "case.accept")
    );
    assert!(
        denied
            .iter()
            .any(|r| r["actor"] == "leader" && r["action"] == "case.accept")
    );
    let (_, views) = api.get(
        &admin,
        &format!("/api/audit?target=case:{mine}&action=case.view"),
    );
    let views = views.as_array().expect("views").clone();
    assert!(
        views
            .iter()
            .any(|r| r["actor"] == "leader" && r["detail"] == "personal data masked")
    );
    assert!(
        views.iter().any(|r| r["actor"] == "district"
            && r["detail"].as_str().is_some_and(|d| d.contains("shown")))
    );
    let cli_log = cli(&db, &["audit", "--actor", "gm", "--outcome", "denied"], "");
    assert!(
        cli_log.contains(&theirs),
        "onemap audit shows the refusals:\n{cli_log}"
    );

    // An Open311 client written to the standard, in another language, with the stdlib only.
    let (lon, lat) = point_in("440311003");
    let out = Command::new("python3")
        .arg(repo().join("tests/open311_client.py"))
        .args([
            &format!("http://{}/open311/v2", server.addr),
            &key,
            "440311",
            &lat.to_string(),
            &lon.to_string(),
        ])
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "open311 client:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rid = text.lines().last().expect("the request id").to_string();
    let (_, d) = api.get(&district, &format!("/api/cases/{rid}"));
    assert_eq!(
        d["case"]["channel"], "hotline",
        "an Open311 request is a case like any other: {d}"
    );
    assert_eq!(d["case"]["place"]["street"]["code"], "440311003");
    assert_eq!(d["clocks"].as_array().map(Vec::len), Some(3));

    // Camera alerts: a repeat within 10 minutes merges.
    let cam_auth = format!("Bearer {cam_key}");
    let now = onemap::time::format_instant(onemap::time::Clock::now(&onemap::time::SystemClock));
    let alert =
        json!({"camera_id": "CAM-0005", "event_type": "fire_lane_blocked", "at": now}).to_string();
    let h = [
        ("Authorization", cam_auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (st1, a1) = http(
        &server.addr,
        "POST",
        "/api/intake/camera",
        &h,
        alert.as_bytes(),
    );
    let (st2, a2) = http(
        &server.addr,
        "POST",
        "/api/intake/camera",
        &h,
        alert.as_bytes(),
    );
    assert_eq!((st1, st2), (201, 200), "{a1} {a2}");
    assert_eq!(json_of(&a1)["case_id"], json_of(&a2)["case_id"]);
    assert_eq!(json_of(&a2)["merged"], true);

    // Bad input over the wire: 4xx with {code, message}.
    let auth = format!("Bearer {district}");
    let jh = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (st, body) = http(&server.addr, "POST", "/api/cases", &jh, b"{not json");
    assert_eq!(
        (st, json_of(&body)["code"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    let big = vec![b'x'; 200_000];
    let (st, body) = http(&server.addr, "POST", "/api/cases", &jh, &big);
    assert_eq!(
        (st, json_of(&body)["code"].as_str()),
        (413, Some("too_large")),
        "{body}"
    );
    let form = format!("api_key={slow_key}&service_code=M001&lat={lat}&long={lon}");
    let fh = [("Content-Type", "application/x-www-form-urlencoded")];
    let statuses: Vec<u16> = (0..8)
        .map(|_| {
            http(
                &server.addr,
                "POST",
                "/open311/v2/requests.json",
                &fh,
                form.as_bytes(),
            )
            .0
        })
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        5,
        "{statuses:?}"
    );
    assert!(statuses.ends_with(&[429, 429]), "{statuses:?}");

    // SIGKILL during a load run: every acknowledged request survives the restart.
    let acks = tempfile::NamedTempFile::new().expect("acks file");
    let load = Command::new(BIN)
        .args([
            "simulate",
            "--url",
            &format!("http://{}/", server.addr),
            "--api-key",
            &key,
        ])
        .args(["--load", "--clients", "16", "--duration", "20s", "--acks"])
        .arg(acks.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("simulate");
    // Kill the server once the load is under way (the simulator's start-up is slow on a
    // loaded machine: a kill before its first request would test nothing).
    let t0 = Instant::now();
    while std::fs::read_to_string(acks.path())
        .map(|t| t.lines().count())
        .unwrap_or(0)
        < 50
    {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the load never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server.kill();
    let mut server = Server::start(&db, &format!("127.0.0.1:{port}"));
    let out = load.wait_with_output().expect("simulate ends");
    let summary = String::from_utf8_lossy(&out.stdout).to_string();
    let acked = std::fs::read_to_string(acks.path())
        .expect("acks")
        .lines()
        .count();
    assert!(
        acked > 20,
        "too few acknowledged before and after the kill: {summary}"
    );
    let verify = Command::new(BIN)
        .args(["simulate", "--verify"])
        .arg(acks.path())
        .args(["--database-url", &db])
        .output()
        .expect("verify");
    assert!(
        verify.status.success(),
        "acknowledged requests lost after SIGKILL: {}\n{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    server.kill();
    tdb.drop_db().await;
}
on_both_engines!(the_real_server_enforces_access_speaks_open311_and_loses_nothing);

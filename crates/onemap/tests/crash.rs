//! Crash test: a process taking cases is killed with SIGKILL mid-stream; after a restart every
//! case it acknowledged is there, with its events. Runs on SQLite and PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::{Engine, TestDb};
use onemap::cases::NewCase;
use onemap::lifecycle::Step;
use onemap::model::Channel;
use onemap::{Options, Store, Target};

const ACKS_BEFORE_KILL: usize = 150;

/// The child: takes cases as fast as it can and prints `ACK <id> <version>` after each
/// acknowledged write. Only meaningful when started by the crash test.
#[test]
#[ignore = "the child process of a_killed_intake_process_loses_no_acknowledged_case"]
fn crash_child_takes_cases_until_killed() {
    let target = std::env::var("ONEMAP_CRASH_TARGET").expect("started by the crash test");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = Store::open_with(Options::new(Target::resolve(Some(&target))).seat("child"))
            .await
            .expect("open");
        let mut out = std::io::stdout().lock();
        for i in 0.. {
            let c = store
                .intake(NewCase {
                    reporter_phone: Some(format!("1990000{:04}", i % 10_000)),
                    ..NewCase::new(Channel::Hotline, "M001", &format!("来电 {i}"), "12345")
                })
                .await
                .expect("intake");
            writeln!(out, "ACK {} 1", c.id).expect("stdout");
            out.flush().expect("flush");
            if i % 2 == 0 {
                let d = store
                    .step(
                        &c.id,
                        1,
                        Step::Dispatch {
                            unit: "光明社区".into(),
                        },
                        "op",
                        "",
                    )
                    .await
                    .expect("dispatch");
                writeln!(out, "ACK {} {}", d.id, d.progress.version).expect("stdout");
                out.flush().expect("flush");
            }
        }
    });
}

async fn a_killed_intake_process_loses_no_acknowledged_case(engine: Engine) {
    let Some(db) = TestDb::new(engine).await else {
        return;
    };
    let url = match &db.target {
        Target::Sqlite(p) => format!("sqlite:{}", p.display()),
        Target::Postgres(u) => u.clone(),
    };
    {
        let store = Store::open(db.target.clone()).await.expect("open");
        store
            .import_layer(
                "matters",
                &common::fixture_text("matters.geojson"),
                onemap::datum::Datum::Wgs84,
            )
            .await
            .expect("matters");
        store.close().await;
    }
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "crash_child_takes_cases_until_killed",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ONEMAP_CRASH_TARGET", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let mut acked: BTreeMap<String, i64> = BTreeMap::new();
    let mut lines = BufReader::new(stdout).lines();
    while acked.len() < ACKS_BEFORE_KILL {
        let line = lines.next().expect("child alive").expect("line");
        if let Some(rest) = line.strip_prefix("ACK ") {
            let (id, v) = rest.split_once(' ').expect("id version");
            acked.insert(id.to_string(), v.parse().expect("version"));
        }
    }
    child.kill().expect("SIGKILL"); // std's kill sends SIGKILL on Unix
    let status = child.wait().expect("reaped");
    assert!(!status.success(), "the child died by the signal");
    // Acks printed between our last read and the kill count too.
    for line in lines.map_while(Result::ok) {
        if let Some(rest) = line.strip_prefix("ACK ") {
            let (id, v) = rest.split_once(' ').expect("id version");
            acked.insert(id.to_string(), v.parse().expect("version"));
        }
    }
    let store = Store::open(db.target.clone())
        .await
        .expect("reopen after the crash");
    for (id, version) in &acked {
        let case = store
            .case(id)
            .await
            .unwrap_or_else(|e| panic!("acknowledged {id} lost: {e}"));
        assert!(
            case.progress.version >= *version,
            "{id}: acknowledged v{version}, found v{}",
            case.progress.version
        );
        let events = store.events(id).await.expect("events");
        assert_eq!(
            events.len() as i64,
            case.progress.version,
            "{id}: every event is there"
        );
        assert_eq!(store.replay(id).await.expect("replay"), case.progress);
    }
    assert!(store.case_count().await.expect("count") >= acked.len() as i64 / 2);
    store.close().await;
    db.drop_db().await;
}
on_both_engines!(a_killed_intake_process_loses_no_acknowledged_case);

//! The live bus: in process on both engines, and across seats through PostgreSQL
//! LISTEN/NOTIFY.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Engine, World, morning};
use onemap::bus::{Change, ChangeKind};
use onemap::cases::NewCase;
use onemap::lifecycle::Step;
use onemap::model::Channel;
use onemap::time::ManualClock;
use tokio::sync::broadcast::Receiver;

async fn next_for(rx: &mut Receiver<Change>, id: &str, event: &str) -> Change {
    tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            let c = rx.recv().await.expect("bus open");
            if c.id == id && c.event == event {
                return c;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {event} for {id} within a second"))
}

async fn every_committed_change_is_published_in_process(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let mut rx = w.store.subscribe();
    let c = w
        .store
        .intake(NewCase::new(Channel::App, "M001", "路灯不亮", "app"))
        .await
        .expect("intake");
    let got = next_for(&mut rx, &c.id, "reported").await;
    assert_eq!(
        (got.kind, got.version, got.seat.as_str()),
        (ChangeKind::Case, 1, "test-seat")
    );
    w.store
        .step(&c.id, 1, Step::Notice, "op", "")
        .await
        .expect("notice");
    assert_eq!(next_for(&mut rx, &c.id, "noticed").await.version, 2);
    // A refused write publishes nothing.
    assert!(w.store.step(&c.id, 1, Step::Meet, "op", "").await.is_err());
    assert!(
        tokio::time::timeout(Duration::from_millis(200), rx.recv())
            .await
            .is_err()
    );
    w.finish().await;
}
on_both_engines!(every_committed_change_is_published_in_process);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_seats_on_one_postgres_see_each_others_changes_within_a_second() {
    let Some(w) = World::new(Engine::Postgres).await else {
        return;
    };
    let clock = Arc::new(ManualClock::new(morning()));
    let street = w.db.open(clock, "光明街道").await;
    let mut at_district = w.store.subscribe();
    let mut at_street = street.subscribe();
    // The district files a case; the street seat hears of it.
    let c = w
        .store
        .intake(NewCase::new(Channel::Hotline, "M001", "噪音扰民", "12345"))
        .await
        .expect("intake");
    let heard = next_for(&mut at_street, &c.id, "reported").await;
    assert_eq!(heard.seat, "test-seat");
    // The street dispatches it; the district hears of that, once.
    let d = street
        .step(
            &c.id,
            1,
            Step::Dispatch {
                unit: "光明社区".into(),
            },
            "street-op",
            "",
        )
        .await
        .expect("dispatch from the other seat");
    let heard = next_for(&mut at_district, &c.id, "dispatched").await;
    assert_eq!(
        (heard.seat.as_str(), heard.version),
        ("光明街道", d.progress.version)
    );
    // The district's own change reaches it once (from its own publish, not echoed by NOTIFY).
    let mut own = 0;
    while let Ok(Ok(ch)) =
        tokio::time::timeout(Duration::from_millis(300), at_district.recv()).await
    {
        own += usize::from(ch.id == c.id && ch.event == "dispatched");
    }
    assert_eq!(own, 0, "no duplicate delivery");
    // And the other seat's write is visible in the district's reads.
    assert_eq!(w.store.case(&c.id).await.expect("case").progress.version, 2);
    street.close().await;
    w.finish().await;
}

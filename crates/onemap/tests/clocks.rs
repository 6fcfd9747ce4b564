//! SLA clocks on a simulated day: at-risk, breach and escalation of every clock, orders and
//! their lateness, and clocks surviving a restart. Each scenario runs on SQLite and PostgreSQL.

mod common;

use std::sync::Arc;

use common::{Engine, World, morning};
use onemap::cases::NewCase;
use onemap::clocks::{ClockKind, ClockStatus};
use onemap::lifecycle::Step;
use onemap::model::{Channel, State, Tier};
use onemap::orders::{LeaderRank, OrderRequest, OrderState};
use onemap::time::{Clock, HOUR, MINUTE, ManualClock, Millis, parse_instant};
use onemap::{ErrorCode, Store};

fn status(clocks: &[onemap::clocks::SlaClock], kind: ClockKind) -> ClockStatus {
    clocks
        .iter()
        .find(|k| k.kind == kind)
        .expect("clock")
        .status
}

/// Runs the scheduler every `step` from now until `until`, returning the instants at which each
/// (clock kind, status) was first seen.
async fn run_until(
    store: &Store,
    clock: &ManualClock,
    case_id: &str,
    until: Millis,
    step: Millis,
) -> Vec<(ClockKind, ClockStatus, Millis)> {
    let mut seen: Vec<(ClockKind, ClockStatus, Millis)> = Vec::new();
    while clock.now() < until {
        clock.advance(step);
        store.tick().await.expect("tick");
        for k in store.clocks(case_id).await.expect("clocks") {
            if !seen
                .iter()
                .any(|(kind, st, _)| *kind == k.kind && *st == k.status)
            {
                seen.push((k.kind, k.status, clock.now()));
            }
        }
    }
    seen
}

async fn each_case_clock_raises_at_risk_then_breaches_and_escalates_on_a_simulated_day(
    engine: Engine,
) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let t0 = morning();
    let case = w
        .store
        .intake(NewCase {
            subgrid_code: Some("440311001001001".into()),
            ..NewCase::new(Channel::Hall, "M001", "邻里噪音纠纷", "hall-1")
        })
        .await
        .expect("intake");
    assert_eq!(case.progress.tier, Tier::Community);
    let midnight = parse_instant("2026-03-03T00:00:00+08:00").expect("instant");
    let started = std::time::Instant::now();
    let seen = run_until(&w.store, &w.clock, &case.id, midnight + HOUR, MINUTE).await;
    let when = |k: ClockKind, s: ClockStatus| {
        seen.iter()
            .find(|(a, b, _)| *a == k && *b == s)
            .map(|(_, _, t)| *t - t0)
    };
    // 20% of each clock's time left: notice at 8 of 10 minutes, meeting at 24 of 30, the day at
    // 12:00 of a 09:00 → 24:00 day.
    assert_eq!(
        when(ClockKind::Notice, ClockStatus::AtRisk),
        Some(8 * MINUTE)
    );
    assert_eq!(
        when(ClockKind::Notice, ClockStatus::Breached),
        Some(10 * MINUTE)
    );
    assert_eq!(
        when(ClockKind::Meet, ClockStatus::AtRisk),
        Some(24 * MINUTE)
    );
    assert_eq!(
        when(ClockKind::Meet, ClockStatus::Breached),
        Some(30 * MINUTE)
    );
    assert_eq!(
        when(ClockKind::Resolve, ClockStatus::AtRisk),
        Some(12 * HOUR)
    );
    assert_eq!(
        when(ClockKind::Resolve, ClockStatus::Breached),
        Some(midnight - t0)
    );
    let after = w.store.case(&case.id).await.expect("case");
    // community → street (notice) → district (meeting); the day's breach finds it at the top.
    assert_eq!(
        (after.progress.tier, after.progress.escalations),
        (Tier::District, 2)
    );
    let kinds: Vec<String> = w
        .store
        .events(&case.id)
        .await
        .expect("events")
        .into_iter()
        .filter(|e| e.actor == "scheduler")
        .map(|e| format!("{}:{}", e.kind, e.detail.unwrap_or_default()))
        .collect();
    assert_eq!(
        kinds,
        [
            "clock_at_risk:notice",
            "clock_breached:notice",
            "escalated:street",
            "clock_at_risk:meet",
            "clock_breached:meet",
            "escalated:district",
            "clock_at_risk:resolve",
            "clock_breached:resolve",
        ]
    );
    // A second pass at the same instant changes nothing.
    let again = w.store.tick().await.expect("tick");
    assert_eq!((again.at_risk, again.breached, again.escalated), (0, 0, 0));
    eprintln!("simulated 16 h in {:?}", started.elapsed());
    w.finish().await;
}
on_both_engines!(each_case_clock_raises_at_risk_then_breaches_and_escalates_on_a_simulated_day);

async fn clocks_met_in_time_are_never_raised(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let c = w
        .store
        .intake(NewCase {
            subgrid_code: Some("440311001001001".into()),
            ..NewCase::new(Channel::Hall, "M001", "x", "op")
        })
        .await
        .expect("intake");
    w.clock.advance(5 * MINUTE);
    let c = w
        .store
        .step(&c.id, 1, Step::Notice, "op", "短信已发")
        .await
        .expect("notice");
    let c = w
        .store
        .step(
            &c.id,
            c.progress.version,
            Step::Dispatch {
                unit: "光明社区".into(),
            },
            "op",
            "",
        )
        .await
        .expect("d");
    let c = w
        .store
        .step(&c.id, c.progress.version, Step::Accept, "grid", "")
        .await
        .expect("a");
    w.clock.advance(15 * MINUTE);
    let c = w
        .store
        .step(&c.id, c.progress.version, Step::Meet, "grid", "")
        .await
        .expect("m");
    w.clock.advance(2 * HOUR);
    let c = w
        .store
        .step(&c.id, c.progress.version, Step::Submit, "grid", "")
        .await
        .expect("s");
    let seen = run_until(
        &w.store,
        &w.clock,
        &c.id,
        morning() + 20 * HOUR,
        10 * MINUTE,
    )
    .await;
    assert!(
        seen.iter().all(|(_, s, _)| *s == ClockStatus::Met),
        "{seen:?}"
    );
    assert_eq!(
        w.store
            .case(&c.id)
            .await
            .expect("case")
            .progress
            .escalations,
        0
    );
    w.finish().await;
}
on_both_engines!(clocks_met_in_time_are_never_raised);

async fn an_order_is_acknowledged_attended_and_reported_and_lateness_counts_against_the_department(
    engine: Engine,
) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let t0 = morning();
    let case = w
        .store
        .intake(NewCase {
            subgrid_code: Some("440311001001001".into()),
            ..NewCase::new(Channel::Hall, "M003", "工地噪音扰民", "op")
        })
        .await
        .expect("intake");
    let req = |arrive: Millis, resolve: Millis| OrderRequest {
        issuer_tier: Tier::Community,
        issuer_unit: "光明社区党委".into(),
        department: "区住建局".into(),
        leader_rank: LeaderRank::Section,
        arrive_by: t0 + arrive,
        resolve_by: t0 + resolve,
    };
    let on_time = w
        .store
        .issue_order(&case.id, 1, req(HOUR, 6 * HOUR), "community-secretary")
        .await
        .expect("order");
    assert_eq!((on_time.state, on_time.version), (OrderState::Issued, 1));
    // The case moved on: an order issued on the old case version is a conflict.
    let stale = w
        .store
        .issue_order(&case.id, 1, req(HOUR, 6 * HOUR), "x")
        .await;
    assert_eq!(stale.expect_err("stale").code(), ErrorCode::Conflict);
    let late = w
        .store
        .issue_order(
            &case.id,
            2,
            OrderRequest {
                department: "区城管局".into(),
                ..req(HOUR, 6 * HOUR)
            },
            "community-secretary",
        )
        .await
        .expect("order");
    w.clock.advance(10 * MINUTE);
    let o = w
        .store
        .acknowledge_order(&on_time.id, 1, "住建局值班")
        .await
        .expect("ack");
    // Steps out of order are refused.
    let skip = w
        .store
        .report_order(&o.id, o.version, "住建局", true, "done")
        .await;
    assert_eq!(
        skip.expect_err("arrive first").code(),
        ErrorCode::IllegalTransition
    );
    w.clock.advance(30 * MINUTE);
    let o = w
        .store
        .arrive_order(&o.id, o.version, "住建局张科长")
        .await
        .expect("arrive");
    assert!(!o.arrive_late);
    // The other department never comes: its arrival clock breaches at +1 h.
    w.clock.set(t0 + HOUR);
    let r = w.store.tick().await.expect("tick");
    assert!(r.breached >= 1);
    let lo = w.store.order(&late.id).await.expect("order");
    assert!(lo.arrive_late && !lo.resolve_late);
    w.clock.set(t0 + 2 * HOUR);
    let o = w
        .store
        .report_order(&o.id, o.version, "住建局张科长", true, "已责令停工整改")
        .await
        .expect("report");
    assert_eq!(
        (o.state, o.resolved, o.arrive_late, o.resolve_late),
        (OrderState::Reported, Some(true), false, false)
    );
    let lo = w
        .store
        .acknowledge_order(&late.id, 1, "城管")
        .await
        .expect("ack");
    w.clock.set(t0 + 7 * HOUR);
    let lo = w
        .store
        .arrive_order(&lo.id, lo.version, "城管")
        .await
        .expect("arrive late");
    let lo = w
        .store
        .report_order(&lo.id, lo.version, "城管", false, "未解决")
        .await
        .expect("report late");
    assert!(lo.arrive_late && lo.resolve_late);
    let events: Vec<String> = w
        .store
        .events(&case.id)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    for k in [
        "order_issued",
        "order_acknowledged",
        "order_arrived",
        "order_reported",
        "clock_breached",
        "escalated",
    ] {
        assert!(events.iter().any(|e| e == k), "{k} in {events:?}");
    }
    let figs = w
        .store
        .figures(t0 - HOUR, t0 + HOUR, onemap::figures::Dimension::Department)
        .await
        .expect("figures");
    let by: Vec<(&str, i64, i64)> = figs
        .iter()
        .map(|f| (f.key.as_str(), f.orders, f.orders_on_time))
        .collect();
    assert_eq!(by, vec![("区住建局", 1, 1), ("区城管局", 1, 0)]);
    w.finish().await;
}
on_both_engines!(
    an_order_is_acknowledged_attended_and_reported_and_lateness_counts_against_the_department
);

async fn clocks_survive_a_restart(engine: Engine) {
    let Some(db) = common::TestDb::new(engine).await else {
        return;
    };
    let clock = Arc::new(ManualClock::new(morning()));
    let id = {
        let store = db.open(clock.clone(), "before").await;
        store
            .import_layer(
                "matters",
                &common::fixture_text("matters.geojson"),
                onemap::datum::Datum::Wgs84,
            )
            .await
            .expect("matters");
        let c = store
            .intake(NewCase::new(Channel::Hotline, "M001", "停水", "12345"))
            .await
            .expect("intake");
        store.close().await;
        c.id
    };
    // Down for 40 minutes; the first tick after the restart catches up.
    clock.advance(40 * MINUTE);
    let store = db.open(clock.clone(), "after").await;
    let r = store.tick().await.expect("tick");
    assert_eq!((r.breached, r.escalated), (2, 2));
    let clocks = store.clocks(&id).await.expect("clocks");
    assert_eq!(status(&clocks, ClockKind::Notice), ClockStatus::Breached);
    assert_eq!(status(&clocks, ClockKind::Meet), ClockStatus::Breached);
    assert_eq!(status(&clocks, ClockKind::Resolve), ClockStatus::Running);
    let c = store.case(&id).await.expect("case");
    assert_eq!(
        (c.progress.state, c.progress.tier),
        (State::Reported, Tier::District)
    );
    store.close().await;
    db.drop_db().await;
}
on_both_engines!(clocks_survive_a_restart);

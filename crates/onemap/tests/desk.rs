//! What the command center's desk reads from the store: the queue with its filters and order,
//! possible duplicates, camera alerts merging, the orders board and breach alarms. Each
//! scenario runs on SQLite and on PostgreSQL.

mod common;

use common::{Engine, World};
use onemap::Store;
use onemap::camera::CameraEvent;
use onemap::cases::{Case, NewCase};
use onemap::clocks::ClockKind;
use onemap::lifecycle::Step;
use onemap::model::{Channel, Level, State, Tier};
use onemap::nearby::Decision;
use onemap::orders::{LeaderRank, OrderRequest};
use onemap::queue::{ClockState, QueueFilter};
use onemap::time::MINUTE;

/// A case at a point of the fixture's sub-grid 1 (street 440311001).
async fn at(store: &Store, matter: &str, lon: f64, lat: f64, channel: Channel) -> Case {
    let mut c = NewCase::new(channel, matter, "测试", "op");
    c.lon = Some(lon);
    c.lat = Some(lat);
    store.intake(c).await.expect("intake")
}

/// A case in another street, by sub-grid code alone.
async fn elsewhere(store: &Store, matter: &str) -> Case {
    let mut c = NewCase::new(Channel::Hotline, matter, "别处", "op");
    c.subgrid_code = Some("440311002001001".into());
    store.intake(c).await.expect("intake")
}

async fn the_queue_filters_and_puts_the_nearest_deadline_first(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let s = &w.store;
    let a = at(s, "M001", 113.905, 22.745, Channel::Hotline).await;
    let b = at(s, "M002", 113.906, 22.746, Channel::App).await;
    let c = elsewhere(s, "M003").await;
    // a's notice and meeting are done: its next deadline is the resolution, tonight.
    let a1 = s
        .step(&a.id, 1, Step::Notice, "op", "短信已发")
        .await
        .expect("notice");
    let a2 = s
        .step(&a.id, a1.progress.version, Step::Meet, "op", "")
        .await
        .expect("meet");
    let page = s.queue(&QueueFilter::default()).await.expect("queue");
    assert_eq!(page.total, 3);
    let ids: Vec<&str> = page.rows.iter().map(|r| r.case.id.as_str()).collect();
    assert_eq!(
        ids,
        [b.id.as_str(), c.id.as_str(), a.id.as_str()],
        "the nearest deadline first"
    );
    assert_eq!(
        page.rows[0].next_clock.as_ref().map(|k| k.kind),
        Some(ClockKind::Notice)
    );
    assert_eq!(
        page.rows[2].next_clock.as_ref().map(|k| k.kind),
        Some(ClockKind::Resolve)
    );
    assert_eq!(page.rows[0].clock_state, ClockState::Running);
    assert_eq!(page.rows[0].clocks.len(), 3);

    let only = |f: QueueFilter| {
        let s = s.clone();
        async move {
            let p = s.queue(&f).await.expect("queue");
            p.rows.into_iter().map(|r| r.case.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        only(QueueFilter {
            levels: vec![Level::L1],
            ..Default::default()
        })
        .await,
        [b.id.as_str()]
    );
    assert_eq!(
        only(QueueFilter {
            channels: vec![Channel::App],
            ..Default::default()
        })
        .await,
        [b.id.as_str()]
    );
    assert_eq!(
        only(QueueFilter {
            matters: vec!["M003".into()],
            ..Default::default()
        })
        .await,
        [c.id.as_str()]
    );
    assert_eq!(
        only(QueueFilter {
            unit: Some("440311002".into()),
            ..Default::default()
        })
        .await,
        [c.id.as_str()]
    );
    assert_eq!(
        only(QueueFilter {
            street_scope: Some("440311001".into()),
            ..Default::default()
        })
        .await,
        [b.id.clone(), a.id.clone()]
    );
    assert_eq!(
        only(QueueFilter {
            unit: Some("440311001001001".into()),
            ..Default::default()
        })
        .await,
        [b.id.clone(), a.id.clone()]
    );
    assert_eq!(
        only(QueueFilter {
            text: Some("别处".into()),
            ..Default::default()
        })
        .await,
        [c.id.as_str()]
    );
    assert!(
        s.queue(&QueueFilter {
            unit: Some("4403".into()),
            ..Default::default()
        })
        .await
        .is_err()
    );

    // A dispatched case leaves the `reported` stage.
    s.step(
        &a.id,
        a2.progress.version,
        Step::Dispatch {
            unit: "440311001001001".into(),
        },
        "op",
        "",
    )
    .await
    .expect("dispatch");
    assert_eq!(
        only(QueueFilter {
            stages: vec![State::Reported],
            ..Default::default()
        })
        .await,
        [b.id.clone(), c.id.clone()]
    );
    assert_eq!(
        only(QueueFilter {
            stages: vec![State::Dispatched],
            ..Default::default()
        })
        .await,
        [a.id.as_str()]
    );

    // Nine minutes on, b's and c's notices are at risk; b's is then sent, c's breaches.
    w.clock.advance(9 * MINUTE);
    s.tick().await.expect("tick");
    assert_eq!(
        only(QueueFilter {
            clocks: vec![ClockState::AtRisk],
            ..Default::default()
        })
        .await,
        [b.id.clone(), c.id.clone()]
    );
    let b_now = s.case(&b.id).await.expect("b");
    s.step(
        &b.id,
        b_now.progress.version,
        Step::Notice,
        "op",
        "短信已发",
    )
    .await
    .expect("notice b");
    w.clock.advance(3 * MINUTE);
    s.tick().await.expect("tick");
    assert_eq!(
        only(QueueFilter {
            clocks: vec![ClockState::Breached],
            ..Default::default()
        })
        .await,
        [c.id.as_str()]
    );
    assert_eq!(
        only(QueueFilter::default()).await,
        [c.id.clone(), b.id.clone(), a.id.clone()],
        "the breached case first, then b's meeting, then a's resolution"
    );
    w.finish().await;
}
on_both_engines!(the_queue_filters_and_puts_the_nearest_deadline_first);

async fn reports_of_one_matter_within_50_m_and_2_hours_are_possible_duplicates(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let s = &w.store;
    let first = at(s, "M001", 113.905, 22.745, Channel::Hotline).await;
    // ~33 m north, 90 minutes later: a duplicate.
    w.clock.advance(90 * MINUTE);
    let near = at(s, "M001", 113.905, 22.7453, Channel::App).await;
    // ~67 m away: too far. Another matter: not one.
    let far = at(s, "M001", 113.905, 22.7456, Channel::App).await;
    let other = at(s, "M004", 113.905, 22.745, Channel::App).await;
    // 3 hours after the first: too late for it (but within 2 h of `near`).
    w.clock.advance(90 * MINUTE);
    let late = at(s, "M001", 113.905, 22.745, Channel::Qr).await;

    let ids = |v: Vec<onemap::nearby::Near>| v.into_iter().map(|n| n.case.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.possible_duplicates(&first).await.expect("dups")),
        [near.id.as_str()]
    );
    let mut of_near = ids(s.possible_duplicates(&near).await.expect("dups"));
    of_near.sort();
    // `far` is 67 m from the first report but 33 m from `near`.
    let mut expected = vec![first.id.clone(), far.id.clone(), late.id.clone()];
    expected.sort();
    assert_eq!(of_near, expected);
    assert!(
        s.possible_duplicates(&far)
            .await
            .expect("dups")
            .iter()
            .all(|n| n.case.id != first.id)
    );
    assert!(
        s.possible_duplicates(&other)
            .await
            .expect("dups")
            .is_empty()
    );

    let d = s.possible_duplicates(&first).await.expect("dups");
    assert!((d[0].distance_m - 33.4).abs() < 1.0, "{}", d[0].distance_m);
    assert_eq!(d[0].minutes_apart, 90);
    assert_eq!(d[0].decision, None);

    let counts = s
        .undecided_duplicates(&[first.clone(), other.clone()])
        .await
        .expect("counts");
    assert_eq!(counts.get(&first.id), Some(&1));
    assert_eq!(counts.get(&other.id), None);

    let after = s
        .decide_duplicate(
            &first.id,
            first.progress.version,
            &near.id,
            Decision::Confirmed,
            "op",
        )
        .await
        .expect("decide");
    assert_eq!(after.progress.version, first.progress.version + 1);
    let events = s.events(&first.id).await.expect("events");
    assert_eq!(
        events.last().map(|e| e.kind.as_str()),
        Some("duplicate_confirmed")
    );
    // The decision shows from both sides.
    let d = s.possible_duplicates(&near).await.expect("dups");
    let on_first = d.iter().find(|n| n.case.id == first.id).expect("first");
    assert_eq!(on_first.decision, Some(Decision::Confirmed));
    // The queue's counts for a whole page (two queries) agree with each case's own list.
    let page = [
        first.clone(),
        near.clone(),
        far.clone(),
        other.clone(),
        late.clone(),
    ];
    let counts = s.undecided_duplicates(&page).await.expect("counts");
    assert_eq!(
        counts.get(&near.id),
        Some(&2),
        "far and late; first is decided"
    );
    assert_eq!(counts.get(&far.id), Some(&1), "near only");
    for c in &page {
        let undecided = s
            .possible_duplicates(c)
            .await
            .expect("dups")
            .iter()
            .filter(|n| n.decision.is_none())
            .count();
        assert_eq!(
            counts.get(&c.id).copied().unwrap_or(0),
            undecided,
            "{}",
            c.id
        );
    }
    // A stale version conflicts; a case that is no duplicate is refused.
    assert!(
        s.decide_duplicate(
            &first.id,
            first.progress.version,
            &near.id,
            Decision::Dismissed,
            "op"
        )
        .await
        .is_err()
    );
    let e = s
        .decide_duplicate(
            &first.id,
            after.progress.version,
            &other.id,
            Decision::Confirmed,
            "op",
        )
        .await
        .expect_err("not a duplicate");
    assert_eq!(e.code(), onemap::ErrorCode::Invalid);
    w.finish().await;
}
on_both_engines!(reports_of_one_matter_within_50_m_and_2_hours_are_possible_duplicates);

async fn a_camera_alert_is_filed_with_its_alert_and_repeats_merge_into_it(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let s = &w.store;
    let now = s.now();
    let ev = |at| CameraEvent {
        camera_id: "CAM-0001".into(),
        event_type: "illegal_parking".into(),
        at,
        source: "camera-ai".into(),
    };
    let mut c = NewCase::new(Channel::Camera, "M002", "违规停车", "key:camera-ai");
    c.lon = Some(113.905);
    c.lat = Some(22.745);
    c.camera_id = Some("CAM-0001".into());
    c.camera_event = Some(ev(now));
    let case = s.intake(c).await.expect("intake");
    let last = s
        .last_camera_alert("CAM-0001", "illegal_parking", now - 10 * MINUTE)
        .await
        .expect("last")
        .expect("an alert");
    assert_eq!(last.case_id, case.id);
    assert!(
        s.last_camera_alert("CAM-0001", "garbage", 0)
            .await
            .expect("none")
            .is_none()
    );
    w.clock.advance(5 * MINUTE);
    let merged = s
        .merge_camera_alert(&case.id, ev(now + 5 * MINUTE))
        .await
        .expect("merge");
    assert_eq!(merged.id, case.id);
    let alerts = s.camera_alerts_of(&case.id).await.expect("alerts");
    assert_eq!(alerts.len(), 2);
    let events = s.events(&case.id).await.expect("events");
    assert_eq!(
        events.last().map(|e| e.kind.as_str()),
        Some("camera_repeat")
    );
    assert_eq!(s.case_count().await.expect("count"), 1);
    // The seeded event types name matters.
    let types = s.camera_event_types().await.expect("types");
    assert!(
        types
            .iter()
            .any(|t| t.code == "fire_lane_blocked" && t.matter == "M186")
    );
    assert!(s.camera_event_type("teleport").await.is_err());
    w.finish().await;
}
on_both_engines!(a_camera_alert_is_filed_with_its_alert_and_repeats_merge_into_it);

async fn the_orders_board_counts_open_overdue_and_late_orders_per_department(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let s = &w.store;
    let deps = s.departments().await.expect("departments");
    assert!(
        deps.iter()
            .any(|d| d.code == "D-CG" && d.tier == "district")
    );
    let now = s.now();
    let req = |dep: &str, arrive_min: i64| OrderRequest {
        issuer_tier: Tier::Community,
        issuer_unit: "440311001001".into(),
        department: dep.into(),
        leader_rank: LeaderRank::Section,
        arrive_by: now + arrive_min * MINUTE,
        resolve_by: now + 120 * MINUTE,
    };
    let a = at(s, "M001", 113.905, 22.745, Channel::Hall).await;
    let b = elsewhere(s, "M001").await;
    let oa = s
        .issue_order(&a.id, 1, req("D-CG", 30), "op")
        .await
        .expect("order a");
    let _ob = s
        .issue_order(&b.id, 1, req("D-CG", 60), "op")
        .await
        .expect("order b");
    let _oc = s
        .issue_order(&b.id, 2, req("D-GA", 30), "op")
        .await
        .expect("order c");
    // D-CG arrives on a in time and reports; then 45 minutes pass: b's D-CG order is still in
    // time, D-GA's arrival is overdue.
    let o = s.acknowledge_order(&oa.id, 1, "dep").await.expect("ack");
    let o = s
        .arrive_order(&oa.id, o.version, "dep")
        .await
        .expect("arrive");
    s.report_order(&oa.id, o.version, "dep", true, "已清理")
        .await
        .expect("report");
    w.clock.advance(45 * MINUTE);
    s.tick().await.expect("tick");
    let board = s.orders_board(None).await.expect("board");
    let col = |d: &str| {
        board
            .iter()
            .find(|c| c.department == d)
            .expect("column")
            .clone()
    };
    let cg = col("D-CG");
    assert_eq!((cg.total, cg.open.len(), cg.overdue), (2, 1, 0));
    assert_eq!(cg.name.as_deref(), Some("区城市管理和综合执法局"));
    assert!((cg.on_time_rate - 1.0).abs() < 1e-9);
    let ga = col("D-GA");
    assert_eq!(
        (ga.total, ga.open.len(), ga.overdue, ga.arrived_late),
        (1, 1, 1, 1)
    );
    assert!(ga.on_time_rate.abs() < 1e-9);
    assert_eq!(board[0].department, "D-GA", "the most overdue first");
    // A street's board has only its cases' orders.
    let mine = s.orders_board(Some("440311001")).await.expect("board");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].total, 1);
    w.finish().await;
}
on_both_engines!(the_orders_board_counts_open_overdue_and_late_orders_per_department);

async fn a_breach_raises_an_alarm_until_it_is_acknowledged(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let s = &w.store;
    let a = at(s, "M001", 113.905, 22.745, Channel::Hall).await;
    let b = elsewhere(s, "M001").await;
    w.clock.advance(11 * MINUTE);
    let report = s.tick().await.expect("tick");
    assert_eq!(report.breached, 2, "both notice clocks");
    let alarms = s.alarms(None).await.expect("alarms");
    assert_eq!(alarms.len(), 2);
    assert!(alarms.iter().all(|x| x.kind == ClockKind::Notice));
    assert_eq!(s.alarms(Some("440311001")).await.expect("alarms").len(), 1);
    s.acknowledge_alarm(&a.id, ClockKind::Notice, None, "op")
        .await
        .expect("ack");
    let left = s.alarms(None).await.expect("alarms");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].case.id, b.id);
    let events = s.events(&a.id).await.expect("events");
    assert!(events.iter().any(|e| e.kind == "alarm_acknowledged"));
    // No breach, nothing to acknowledge.
    assert!(
        s.acknowledge_alarm(&a.id, ClockKind::Resolve, None, "op")
            .await
            .is_err()
    );
    // A day later the breach is history, not an alarm.
    w.clock.advance(25 * 60 * MINUTE);
    assert!(s.alarms(None).await.expect("alarms").is_empty());
    w.finish().await;
}
on_both_engines!(a_breach_raises_an_alarm_until_it_is_acknowledged);

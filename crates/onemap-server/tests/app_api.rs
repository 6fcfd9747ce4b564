//! The app API on a real store loaded with the Guangming dataset: roles and streets enforced by
//! the API itself, personal data masked and every view audited, the loop with versions and
//! conflicts, new cases, camera alerts, duplicates, Open311, boards. Each scenario runs on
//! SQLite and on PostgreSQL.

mod common;

use common::{AppWorld, Engine, point_in_street};
use onemap::access::{Principal, Role};
use onemap::audit::Query;
use onemap::model::Channel;
use onemap::time::{MINUTE, format_instant};
use onemap_server::app::{
    ActionRequest, CameraAlertForm, CaseAction, CaseForm, DataTool, Open311Filter, Open311Request,
    OrderAction, OrderActionRequest, ProposeForm, QueueFilterForm,
};
use onemap_server::live::{Live, LiveEvent};
use onemap_server::map::MapData;

const GUANGMING: &str = "440311001";
const GONGMING: &str = "440311002";

fn form(matter: &str, (lon, lat): (f64, f64)) -> CaseForm {
    CaseForm {
        matter: matter.into(),
        description: "楼道堆放杂物，影响通行".into(),
        lon: Some(lon),
        lat: Some(lat),
        channel: Some("hotline".into()),
        reporter_name: Some("张三丰".into()),
        reporter_phone: Some("19900001234".into()),
        ..CaseForm::default()
    }
}

fn act(version: i64, action: CaseAction, note: &str) -> ActionRequest {
    ActionRequest {
        version,
        note: Some(note.into()),
        action,
    }
}

async fn audit_of(w: &AppWorld, who: &Principal) -> Vec<onemap::audit::Record> {
    w.app
        .store()
        .audit_log(&Query {
            actor: Some(who.user.clone()),
            ..Query::default()
        })
        .await
        .expect("audit")
}

async fn a_street_operator_neither_reads_nor_changes_another_streets_cases(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let district = w.user("district", Role::DistrictOperator, None).await;
    let gm = w.user("gm", Role::StreetOperator, Some(GUANGMING)).await;
    let mine = w
        .app
        .file_case(&district, form("M147", point_in_street(GUANGMING)))
        .await
        .expect("file");
    let theirs = w
        .app
        .file_case(&district, form("M147", point_in_street(GONGMING)))
        .await
        .expect("file");
    assert_eq!(
        theirs.case.place.as_ref().map(|p| p.street.code.as_str()),
        Some(GONGMING)
    );

    // Reading: its own case yes, the other street's no.
    assert!(w.app.case_detail(&gm, &mine.case.id).await.is_ok());
    let e = w
        .app
        .case_detail(&gm, &theirs.case.id)
        .await
        .expect_err("other street");
    assert_eq!(e.code, "forbidden");
    assert!(e.message.contains("公明街道"), "{}", e.message);
    // Its queue holds its street only, and it cannot ask for the other's.
    let q = w
        .app
        .queue(&gm, &QueueFilterForm::default())
        .await
        .expect("queue");
    assert_eq!(
        q.rows.iter().map(|r| r.case.id.clone()).collect::<Vec<_>>(),
        [mine.case.id.as_str()]
    );
    let e = w
        .app
        .queue(
            &gm,
            &QueueFilterForm {
                unit: Some(GONGMING.into()),
                ..Default::default()
            },
        )
        .await
        .expect_err("other street's queue");
    assert_eq!(e.code, "forbidden");
    let district_q = w
        .app
        .queue(&district, &QueueFilterForm::default())
        .await
        .expect("queue");
    assert_eq!(district_q.total, 2);

    // Changing: refused, and the case is untouched.
    let before = w.app.store().case(&theirs.case.id).await.expect("case");
    let e = w
        .app
        .act(
            &gm,
            &theirs.case.id,
            act(before.progress.version, CaseAction::Accept, ""),
        )
        .await
        .expect_err("other street's case");
    assert_eq!(e.code, "forbidden");
    let e = w
        .app
        .act(
            &gm,
            &theirs.case.id,
            act(
                before.progress.version,
                CaseAction::Dispatch {
                    unit: "D-CG".into(),
                },
                "",
            ),
        )
        .await
        .expect_err("other street's case");
    assert_eq!(e.code, "forbidden");
    assert_eq!(
        w.app.store().case(&theirs.case.id).await.expect("case"),
        before
    );
    // Filing there, or dispatching its own case into the other street: refused too.
    let e = w
        .app
        .file_case(&gm, form("M147", point_in_street(GONGMING)))
        .await
        .expect_err("file");
    assert_eq!(e.code, "forbidden");
    let e = w
        .app
        .act(
            &gm,
            &mine.case.id,
            act(
                1,
                CaseAction::Dispatch {
                    unit: GONGMING.into(),
                },
                "",
            ),
        )
        .await
        .expect_err("dispatch out");
    assert_eq!(e.code, "forbidden");
    // Within its street it works.
    let sub = mine
        .case
        .place
        .as_ref()
        .map(|p| p.subgrid.code.clone())
        .expect("located");
    let d = w
        .app
        .act(
            &gm,
            &mine.case.id,
            act(1, CaseAction::Dispatch { unit: sub.clone() }, "派往小分格"),
        )
        .await
        .expect("dispatch");
    assert_eq!(d.case.state, "dispatched");
    assert!(
        d.case
            .unit_name
            .as_deref()
            .is_some_and(|n| n.contains("小分格")),
        "{:?}",
        d.case.unit_name
    );

    // The audit log has every refusal, naming the case.
    let log = audit_of(&w, &gm).await;
    let denied: Vec<_> = log.iter().filter(|r| r.outcome == "denied").collect();
    assert!(denied.len() >= 5, "{denied:#?}");
    for action in [
        "case.view",
        "case.accept",
        "case.dispatch",
        "case.file",
        "queue.view",
    ] {
        assert!(
            denied.iter().any(|r| r.action == action),
            "no denied {action}: {denied:#?}"
        );
    }
    assert!(
        denied
            .iter()
            .any(|r| r.target == format!("case:{}", theirs.case.id))
    );
    assert!(
        log.iter()
            .any(|r| r.action == "case.dispatch" && r.outcome == "ok")
    );
    w.finish().await;
}
on_both_engines!(a_street_operator_neither_reads_nor_changes_another_streets_cases);

async fn a_leader_never_sees_a_phone_number_and_every_view_is_audited(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let district = w.user("district", Role::DistrictOperator, None).await;
    let leader = w.user("leader", Role::Leader, None).await;
    let planner = w.user("planner", Role::Planner, None).await;
    let filed = w
        .app
        .file_case(&district, form("M147", point_in_street(GUANGMING)))
        .await
        .expect("file");
    let id = filed.case.id.clone();
    // The operator who filed it sees it whole.
    assert_eq!(filed.case.reporter.phone.as_deref(), Some("19900001234"));
    let full = w.app.case_detail(&district, &id).await.expect("detail");
    assert_eq!(full.case.reporter.name.as_deref(), Some("张三丰"));
    assert!(!full.case.reporter.masked);

    for who in [&leader, &planner] {
        let d = w.app.case_detail(who, &id).await.expect("detail");
        assert!(d.case.reporter.masked);
        assert_eq!(d.case.reporter.phone.as_deref(), Some("199****1234"));
        assert_eq!(d.case.reporter.name.as_deref(), Some("张**"));
        let text = serde_json::to_string(&d).expect("json");
        assert!(
            !text.contains("19900001234") && !text.contains("张三丰"),
            "{text}"
        );
        assert!(d.actions.is_empty(), "read-only: {:?}", d.actions);
        let q = w
            .app
            .queue(who, &QueueFilterForm::default())
            .await
            .expect("queue");
        assert!(
            !serde_json::to_string(&q)
                .expect("json")
                .contains("19900001234")
        );
        let layer = w.app.cases_layer(who).await.expect("layer").to_string();
        assert!(!layer.contains("19900001234") && layer.contains(&id));
        // Read-only roles change nothing.
        let e = w
            .app
            .act(who, &id, act(1, CaseAction::Accept, ""))
            .await
            .expect_err("read-only");
        assert_eq!(e.code, "forbidden");
        assert!(
            w.app
                .file_case(who, form("M147", point_in_street(GUANGMING)))
                .await
                .is_err()
        );
    }
    // The queue masks even for operators: the phone is shown, and audited, in the detail only.
    let q = w
        .app
        .queue(&district, &QueueFilterForm::default())
        .await
        .expect("queue");
    assert!(q.rows[0].case.reporter.masked);

    let views = |log: Vec<onemap::audit::Record>| -> Vec<String> {
        log.into_iter()
            .filter(|r| r.action == "case.view" && r.target == format!("case:{id}"))
            .map(|r| r.detail)
            .collect()
    };
    let leader_views = views(audit_of(&w, &leader).await);
    assert_eq!(leader_views, ["personal data masked"]);
    let op_views = views(audit_of(&w, &district).await);
    assert_eq!(op_views, ["personal data shown: reporter name and phone"]);
    let denied = audit_of(&w, &leader)
        .await
        .into_iter()
        .filter(|r| r.outcome == "denied")
        .count();
    assert_eq!(denied, 2, "the leader's attempted accept and filing");
    w.finish().await;
}
on_both_engines!(a_leader_never_sees_a_phone_number_and_every_view_is_audited);

async fn imports_are_an_administrators_and_personal_data_leaves_only_with_an_audit(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let admin = w.user("admin", Role::Admin, None).await;
    let district = w.user("district", Role::DistrictOperator, None).await;
    let gm = w.user("gm", Role::StreetOperator, Some(GUANGMING)).await;
    let leader = w.user("leader", Role::Leader, None).await;
    let planner = w.user("planner", Role::Planner, None).await;
    let everything = |personal| DataTool::Export {
        layer: None,
        personal,
    };
    let code = |r: Result<(), onemap_server::app::AppError>| r.err().map(|e| e.code);

    // Imports: the administrator only; the import written is audited.
    for who in [&district, &gm, &leader, &planner] {
        assert_eq!(
            code(w.app.authorize_data_tool(who, DataTool::Import).await),
            Some("forbidden")
        );
    }
    w.app
        .authorize_data_tool(&admin, DataTool::Commit { layer: "stations" })
        .await
        .expect("the administrator imports");

    // Exports with personal data: district-wide operators and administrators, audited.
    for who in [&leader, &planner] {
        assert_eq!(
            code(w.app.authorize_data_tool(who, everything(true)).await),
            Some("forbidden")
        );
        w.app
            .authorize_data_tool(who, everything(false))
            .await
            .expect("without personal data");
    }
    w.app
        .authorize_data_tool(&district, everything(true))
        .await
        .expect("the district operator exports with personal data");
    // A street operator: no case table (every street's cases), other layers yes.
    for tool in [
        everything(false),
        DataTool::Export {
            layer: Some("cases"),
            personal: false,
        },
    ] {
        assert_eq!(
            code(w.app.authorize_data_tool(&gm, tool).await),
            Some("forbidden")
        );
    }
    w.app
        .authorize_data_tool(
            &gm,
            DataTool::Export {
                layer: Some("stations"),
                personal: false,
            },
        )
        .await
        .expect("another layer");

    let log = |who: &Principal| {
        let who = who.clone();
        let w = &w;
        async move { audit_of(w, &who).await }
    };
    let admin_log = log(&admin).await;
    assert!(
        admin_log.iter().any(|r| r.action == "layer.import"
            && r.target == "layer:stations"
            && r.outcome == "ok")
    );
    let district_log = log(&district).await;
    assert!(district_log.iter().any(|r| r.action == "export"
        && r.outcome == "ok"
        && r.detail.contains("names and phones")));
    let leader_log = log(&leader).await;
    assert_eq!(
        leader_log
            .iter()
            .filter(|r| r.outcome == "denied")
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
        // The audit log reads newest first: the refused import came before the refused export.
        ["export", "layer.import"]
    );
    w.finish().await;
}
on_both_engines!(imports_are_an_administrators_and_personal_data_leaves_only_with_an_audit);

async fn the_loop_runs_end_to_end_and_a_stale_write_gets_the_fresh_case(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let a = w.user("a", Role::DistrictOperator, None).await;
    let b = w.user("b", Role::StreetOperator, Some(GUANGMING)).await;
    let d = w
        .app
        .file_case(&a, form("M001", point_in_street(GUANGMING)))
        .await
        .expect("file");
    let id = d.case.id.clone();
    assert_eq!(d.case.level, "L2");
    assert!(d.actions.contains(&"dispatch") && d.actions.contains(&"issue_order"));
    assert!(
        !d.actions.contains(&"correct"),
        "only L1 is corrected on the spot"
    );
    assert_eq!(d.nearest_stations.len(), 3);
    // Each nearest station carries its own position (the map draws a line to it).
    let map = w.app.map();
    let stations = map.atlas().stations();
    for n in &d.nearest_stations {
        let s = stations
            .iter()
            .find(|s| s.id == n.id)
            .expect("a known station");
        assert_eq!((n.lon, n.lat), (s.lon, s.lat), "{}", n.id);
    }
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.events[0].actor, "a");

    // Two operators saw version 1; b dispatches first, a's dispatch is stale.
    let community = d
        .case
        .place
        .as_ref()
        .map(|p| p.community.code.clone())
        .expect("place");
    let by_b = w
        .app
        .act(
            &b,
            &id,
            act(
                1,
                CaseAction::Dispatch {
                    unit: community.clone(),
                },
                "",
            ),
        )
        .await
        .expect("b dispatches");
    let e = w
        .app
        .act(
            &a,
            &id,
            act(
                1,
                CaseAction::Dispatch {
                    unit: "D-CG".into(),
                },
                "",
            ),
        )
        .await
        .expect_err("stale");
    assert_eq!(e.code, "conflict");
    let fresh = e.current.expect("the fresh state");
    assert_eq!(fresh.case.version, by_b.case.version);
    assert_eq!(fresh.case.state, "dispatched");
    assert_eq!(fresh.case.unit.as_deref(), Some(community.as_str()));

    // Illegal steps are refused with the stage named; a bad unit is invalid.
    let e = w
        .app
        .act(
            &a,
            &id,
            act(
                fresh.case.version,
                CaseAction::Approve { outcome: None },
                "",
            ),
        )
        .await
        .expect_err("illegal");
    assert_eq!(e.code, "illegal_transition");
    let v = fresh.case.version;
    let d = w
        .app
        .act(&a, &id, act(v, CaseAction::Accept, ""))
        .await
        .expect("accept");
    let d = w
        .app
        .act(&a, &id, act(d.case.version, CaseAction::Notice, "短信已发"))
        .await
        .expect("notice");
    let d = w
        .app
        .act(&a, &id, act(d.case.version, CaseAction::Meet, "已到场"))
        .await
        .expect("meet");
    // An order with deadline and leader rank; the department acknowledges, arrives, reports.
    let d = w
        .app
        .act(
            &a,
            &id,
            act(
                d.case.version,
                CaseAction::IssueOrder {
                    department: "D-SF".into(),
                    leader_rank: "section".into(),
                    arrive_by: None,
                    arrive_in_minutes: Some(30),
                    resolve_by: Some(format_instant(w.app.store().now() + 120 * MINUTE)),
                    resolve_in_minutes: None,
                    issuer: None,
                },
                "社区发令",
            ),
        )
        .await
        .expect("order");
    assert_eq!(d.orders.len(), 1);
    let o = d.orders[0].clone();
    assert_eq!(o.department_name.as_deref(), Some("区司法局"));
    assert_eq!(o.actions, ["acknowledge"]);
    let e = w
        .app
        .act(
            &a,
            &id,
            act(
                d.case.version,
                CaseAction::IssueOrder {
                    department: "D-NOPE".into(),
                    leader_rank: "staff".into(),
                    arrive_by: None,
                    arrive_in_minutes: Some(10),
                    resolve_by: None,
                    resolve_in_minutes: Some(60),
                    issuer: None,
                },
                "",
            ),
        )
        .await
        .expect_err("unknown department");
    assert_eq!(e.code, "invalid");
    let d = w
        .app
        .order_act(
            &a,
            &o.id,
            OrderActionRequest {
                version: 1,
                action: OrderAction::Acknowledge,
            },
        )
        .await
        .expect("ack");
    let e = w
        .app
        .order_act(
            &a,
            &o.id,
            OrderActionRequest {
                version: 1,
                action: OrderAction::Arrive,
            },
        )
        .await
        .expect_err("stale order");
    assert_eq!(e.code, "conflict");
    assert!(e.current.is_some());
    let d = w
        .app
        .order_act(
            &a,
            &o.id,
            OrderActionRequest {
                version: d.orders[0].version,
                action: OrderAction::Arrive,
            },
        )
        .await
        .expect("arrive");
    let d = w
        .app
        .order_act(
            &a,
            &o.id,
            OrderActionRequest {
                version: d.orders[0].version,
                action: OrderAction::Report {
                    resolved: true,
                    result: "双方达成调解协议".into(),
                },
            },
        )
        .await
        .expect("report");
    assert_eq!(d.orders[0].state, "reported");
    let board = w.app.orders_board(&a).await.expect("board");
    assert!(
        board
            .departments
            .iter()
            .any(|c| c.department == "D-SF" && c.total == 1 && c.open.is_empty())
    );

    // Resolve with a note (a note is required), review sends it back once, then approves.
    let e = w
        .app
        .act(&a, &id, act(d.case.version, CaseAction::Submit, ""))
        .await
        .expect_err("no note");
    assert_eq!(e.code, "invalid");
    let d = w
        .app
        .act(&a, &id, act(d.case.version, CaseAction::Submit, "已调解"))
        .await
        .expect("submit");
    let d = w
        .app
        .act(
            &a,
            &id,
            act(d.case.version, CaseAction::Reject, "回访不满意"),
        )
        .await
        .expect("reject");
    let d = w
        .app
        .act(&a, &id, act(d.case.version, CaseAction::Submit, "再次调解"))
        .await
        .expect("submit");
    let d = w
        .app
        .act(
            &a,
            &id,
            act(d.case.version, CaseAction::Approve { outcome: None }, ""),
        )
        .await
        .expect("approve");
    assert_eq!(d.case.state, "closed");
    assert_eq!(d.case.outcome.as_deref(), Some("resolved"));
    assert_eq!(d.actions, ["reopen"]);
    let kinds: Vec<&str> = d.events.iter().map(|e| e.kind.as_str()).collect();
    for k in [
        "reported",
        "dispatched",
        "accepted",
        "noticed",
        "met",
        "order_issued",
        "order_arrived",
        "submitted",
        "rejected",
        "approved",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let d = w
        .app
        .act(&a, &id, act(d.case.version, CaseAction::Reopen, "复发"))
        .await
        .expect("reopen");
    assert_eq!(d.case.state, "reported");
    w.finish().await;
}
on_both_engines!(the_loop_runs_end_to_end_and_a_stale_write_gets_the_fresh_case);

async fn new_cases_are_proposed_located_and_checked_before_filing(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let op = w.user("op", Role::DistrictOperator, None).await;
    let pt = point_in_street(GUANGMING);
    let p = w
        .app
        .propose(
            &op,
            &ProposeForm {
                matter: "M186".into(),
                lon: Some(pt.0),
                lat: Some(pt.1),
                people: Some(40),
                ..Default::default()
            },
        )
        .await
        .expect("propose");
    assert_eq!(p.level, "L1");
    assert_eq!(p.grade, 1, "40 people is grade 1");
    assert_eq!(p.place.street.code, GUANGMING);
    assert_eq!(p.place.subgrid.code.len(), 15);
    assert_eq!(p.matter_name, "消防通道堵塞");
    assert!(p.in_scope);
    assert_eq!(p.nearest_stations.len(), 3);
    // By a building's address, as a hall clerk types it.
    let (addr, bid) = {
        let m = common::map();
        let b = &m.atlas().buildings()[10];
        (b.address.clone(), b.id.clone())
    };
    let p = w
        .app
        .propose(
            &op,
            &ProposeForm {
                matter: "M001".into(),
                address: Some(addr),
                ..Default::default()
            },
        )
        .await
        .expect("by address");
    assert_eq!(p.building_id.as_deref(), Some(bid.as_str()));
    for (bad, code) in [
        (
            ProposeForm {
                matter: "M999".into(),
                lon: Some(pt.0),
                lat: Some(pt.1),
                ..Default::default()
            },
            "invalid",
        ),
        (
            ProposeForm {
                matter: "M001".into(),
                lon: Some(120.0),
                lat: Some(30.0),
                ..Default::default()
            },
            "invalid",
        ),
        (
            ProposeForm {
                matter: "M001".into(),
                lon: Some(pt.0),
                ..Default::default()
            },
            "invalid",
        ),
        (
            ProposeForm {
                matter: "M001".into(),
                address: Some("火星路1号".into()),
                ..Default::default()
            },
            "invalid",
        ),
        (
            ProposeForm {
                matter: "M001".into(),
                lon: Some(pt.0),
                lat: Some(pt.1),
                people: Some(-3),
                ..Default::default()
            },
            "invalid",
        ),
    ] {
        let e = w.app.propose(&op, &bad).await.expect_err("bad proposal");
        assert_eq!(e.code, code, "{bad:?}: {}", e.message);
    }
    let e = w
        .app
        .file_case(
            &op,
            CaseForm {
                lon: Some(114.3),
                lat: Some(22.6),
                ..form("M001", pt)
            },
        )
        .await
        .expect_err("outside");
    assert!(e.message.contains("outside"), "{}", e.message);
    let filed = w
        .app
        .file_case(
            &op,
            CaseForm {
                level: Some("L3".into()),
                ..form("M001", pt)
            },
        )
        .await
        .expect("file");
    assert_eq!(filed.case.level, "L3");
    assert_eq!(filed.case.tier, "street");
    w.finish().await;
}
on_both_engines!(new_cases_are_proposed_located_and_checked_before_filing);

async fn camera_repeats_merge_and_citizen_reports_nearby_are_flagged(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let (cam_key, _) = w.key("camera-ai", Channel::Camera).await;
    let op = w.user("op", Role::DistrictOperator, None).await;
    let cam = common::map().atlas().cameras()[0].clone();
    let now = w.app.store().now();
    let alert = |at: i64, kind: &str| CameraAlertForm {
        camera_id: cam.id.clone(),
        event_type: kind.into(),
        at: format_instant(at),
        confidence: Some(0.93),
    };
    let first = w
        .app
        .camera_alert(&cam_key, alert(now, "fire_lane_blocked"))
        .await
        .expect("alert");
    assert!(!first.merged);
    w.clock.advance(6 * MINUTE);
    let again = w
        .app
        .camera_alert(&cam_key, alert(now + 6 * MINUTE, "fire_lane_blocked"))
        .await
        .expect("repeat");
    assert!(again.merged);
    assert_eq!(again.case_id, first.case_id);
    // Another type is another case; 10 minutes after the last repeat, a new one.
    let other = w
        .app
        .camera_alert(&cam_key, alert(now + 6 * MINUTE, "illegal_parking"))
        .await
        .expect("other");
    assert!(!other.merged);
    w.clock.advance(11 * MINUTE);
    let later = w
        .app
        .camera_alert(&cam_key, alert(now + 17 * MINUTE, "fire_lane_blocked"))
        .await
        .expect("later");
    assert!(!later.merged);
    assert_ne!(later.case_id, first.case_id);
    let d = w
        .app
        .case_detail(&op, &first.case_id)
        .await
        .expect("detail");
    assert_eq!(d.camera_alerts.len(), 2);
    assert_eq!(d.case.channel, "camera");
    assert_eq!(d.case.matter, "M186");
    assert!(d.events.iter().any(|e| e.kind == "camera_repeat"));
    assert!(
        d.duplicates.is_empty(),
        "the same camera's cases are not duplicates of each other"
    );

    // A citizen reports the same thing 20 m away: flagged on both, for the operator to decide.
    let report = w
        .app
        .file_case(
            &op,
            CaseForm {
                lat: Some(cam.lat + 0.00018),
                lon: Some(cam.lon),
                ..form("M186", (cam.lon, cam.lat))
            },
        )
        .await
        .expect("citizen");
    assert_eq!(
        report.duplicates.len(),
        2,
        "both of the camera's fire-lane cases"
    );
    assert!(report.actions.contains(&"decide_duplicate"));
    let q = w
        .app
        .queue(
            &op,
            &QueueFilterForm {
                matter: Some("M186".into()),
                ..Default::default()
            },
        )
        .await
        .expect("queue");
    assert!(q.rows.iter().all(|r| r.possible_duplicates >= 1));
    let d = w
        .app
        .decide_duplicate(
            &op,
            &report.case.id,
            report.case.version,
            &first.case_id,
            "confirm",
        )
        .await
        .expect("confirm");
    let decided = d
        .duplicates
        .iter()
        .find(|n| n.id == first.case_id)
        .expect("listed");
    assert_eq!(decided.decision, Some("confirmed"));
    let d = w
        .app
        .decide_duplicate(
            &op,
            &report.case.id,
            d.case.version,
            &later.case_id,
            "dismiss",
        )
        .await
        .expect("dismiss");
    assert!(d.duplicates.iter().all(|n| n.decision.is_some()));

    // Bad alerts say what is wrong; a user cannot pose as the camera system.
    for (bad, why) in [
        (
            CameraAlertForm {
                camera_id: "CAM-9999".into(),
                ..alert(now, "garbage")
            },
            "camera",
        ),
        (alert(now, "teleport"), "event type"),
        (
            CameraAlertForm {
                at: "yesterday".into(),
                ..alert(now, "garbage")
            },
            "ISO 8601",
        ),
        (alert(now + 60 * MINUTE, "garbage"), "future"),
        (
            CameraAlertForm {
                confidence: Some(1.5),
                ..alert(w.app.store().now(), "garbage")
            },
            "confidence",
        ),
    ] {
        let e = w
            .app
            .camera_alert(&cam_key, bad)
            .await
            .expect_err("bad alert");
        assert_eq!(e.code, "invalid");
        assert!(e.message.contains(why), "{why}: {}", e.message);
    }
    assert_eq!(
        w.app
            .camera_alert(&op, alert(w.app.store().now(), "garbage"))
            .await
            .expect_err("user")
            .code,
        "forbidden"
    );
    w.finish().await;
}
on_both_engines!(camera_repeats_merge_and_citizen_reports_nearby_are_flagged);

async fn open311_requests_enter_the_loop_like_desktop_cases(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let (hotline, _) = w.key("12345", Channel::Hotline).await;
    let op = w.user("op", Role::DistrictOperator, None).await;
    let services = w.app.open311_services().await.expect("services");
    assert_eq!(services.len(), 217);
    assert!(services.iter().all(|s| s.metadata && s.kind == "realtime"));
    let def = w.app.open311_service("M001").await.expect("definition");
    assert_eq!(
        def.attributes.iter().map(|a| a.code).collect::<Vec<_>>(),
        ["people", "money_yuan", "urgency"]
    );
    assert_eq!(
        w.app.open311_service("X1").await.expect_err("unknown").code,
        "not_found"
    );

    let (lon, lat) = point_in_street(GUANGMING);
    let posted = w
        .app
        .open311_post(
            &hotline,
            Open311Request {
                service_code: "M005".into(),
                lat: Some(lat.to_string()),
                long: Some(lon.to_string()),
                description: Some("30名工人被拖欠工资".into()),
                first_name: Some("四".into()),
                last_name: Some("李".into()),
                phone: Some("13800138000".into()),
                attributes: vec![("people".into(), "30".into())],
                ..Default::default()
            },
        )
        .await
        .expect("post");
    let id = posted[0].service_request_id.clone();
    let d = w
        .app
        .case_detail(&op, &id)
        .await
        .expect("a case like any other");
    assert_eq!(d.case.channel, "hotline", "the key's channel");
    assert_eq!(d.case.grade, 1);
    assert_eq!(d.case.reporter.name.as_deref(), Some("李四"));
    assert_eq!(
        d.case.place.as_ref().map(|p| p.street.code.as_str()),
        Some(GUANGMING)
    );
    assert_eq!(d.clocks.len(), 3);

    let rows = w.app.open311_request(&id).await.expect("read back");
    let r = &rows[0];
    assert_eq!(r.status, "open");
    assert_eq!(r.service_code, "M005");
    assert!(r.requested_datetime.ends_with("+08:00"));
    assert_eq!(r.extended_attributes.stage, "reported");
    assert_eq!(r.extended_attributes.grade, 1);
    let text = serde_json::to_string(&rows).expect("json");
    assert!(
        !text.contains("13800138000") && !text.contains("李四"),
        "no personal data out: {text}"
    );
    // Filters: by code, by status, by window.
    let by = |f: Open311Filter| {
        let app = w.app.clone();
        async move { app.open311_requests(&f).await }
    };
    assert_eq!(
        by(Open311Filter {
            service_code: Some("M005".into()),
            ..Default::default()
        })
        .await
        .expect("ok")
        .len(),
        1
    );
    assert_eq!(
        by(Open311Filter {
            service_code: Some("M006".into()),
            ..Default::default()
        })
        .await
        .expect("ok")
        .len(),
        0
    );
    assert_eq!(
        by(Open311Filter {
            status: Some("closed".into()),
            ..Default::default()
        })
        .await
        .expect("ok")
        .len(),
        0
    );
    assert_eq!(
        by(Open311Filter {
            status: Some("open,closed".into()),
            ..Default::default()
        })
        .await
        .expect("ok")
        .len(),
        1
    );
    assert_eq!(
        by(Open311Filter {
            status: Some("pending".into()),
            ..Default::default()
        })
        .await
        .expect_err("bad")
        .code,
        "invalid"
    );
    assert_eq!(
        by(Open311Filter {
            start_date: Some("2020-01-01T00:00:00+08:00".into()),
            end_date: Some("2021-01-01T00:00:00+08:00".into()),
            ..Default::default()
        })
        .await
        .expect_err("over 90 days")
        .code,
        "invalid"
    );
    assert_eq!(
        w.app
            .open311_request("GM-1999-000001")
            .await
            .expect_err("none")
            .code,
        "not_found"
    );
    // Bad requests name the field.
    for (bad, why) in [
        (
            Open311Request {
                service_code: "M999".into(),
                lat: Some(lat.to_string()),
                long: Some(lon.to_string()),
                ..Default::default()
            },
            "service_code",
        ),
        (
            Open311Request {
                service_code: "M001".into(),
                lat: Some("north".into()),
                long: Some(lon.to_string()),
                ..Default::default()
            },
            "lat",
        ),
        (
            Open311Request {
                service_code: "M001".into(),
                ..Default::default()
            },
            "where",
        ),
        (
            Open311Request {
                service_code: "M001".into(),
                lat: Some(lat.to_string()),
                long: Some(lon.to_string()),
                attributes: vec![("colour".into(), "red".into())],
                ..Default::default()
            },
            "attribute[colour]",
        ),
    ] {
        let e = w.app.open311_post(&hotline, bad).await.expect_err("bad");
        assert_eq!(e.code, "invalid");
        assert!(e.message.contains(why), "{why}: {}", e.message);
    }
    assert_eq!(
        w.app
            .open311_post(
                &op,
                Open311Request {
                    service_code: "M001".into(),
                    ..Default::default()
                }
            )
            .await
            .expect_err("a user")
            .code,
        "forbidden"
    );
    w.finish().await;
}
on_both_engines!(open311_requests_enter_the_loop_like_desktop_cases);

/// Issue 10: a layer imported after the dataset was loaded is the one the map draws (the
/// stations here: one dropped, one renamed); nothing is drawn from the store before.
async fn an_imported_layer_is_drawn_as_the_store_has_it(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let store = w.app.store();
    let dir = common::layers_only();
    assert!(
        MapData::load_with_store(dir, store)
            .await
            .expect("map")
            .is_none(),
        "the dataset as loaded is drawn from its own files"
    );
    let text = std::fs::read_to_string(dir.join("stations.geojson")).expect("stations");
    let mut fc: serde_json::Value = serde_json::from_str(&text).expect("GeoJSON");
    let features = fc["features"].as_array_mut().expect("features");
    let gone = features.remove(0)["properties"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let renamed = features[0]["properties"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    features[0]["properties"]["name"] = "导入测试服务站".into();
    let kept = features.len();
    w.clock.advance(MINUTE);
    store
        .import_layer("stations", &fc.to_string(), onemap::datum::Datum::Wgs84)
        .await
        .expect("import");

    let (map, layers) = MapData::load_with_store(dir, store)
        .await
        .expect("map")
        .expect("the imported layer is drawn from the store");
    assert_eq!(layers, ["stations"]);
    assert!(map.station(&gone).is_err(), "{gone} was not imported");
    assert_eq!(
        map.station(&renamed).expect("station")["properties"]["name"],
        "导入测试服务站"
    );
    let drawn: serde_json::Value =
        serde_json::from_str(&map.layer("stations").expect("layer")).expect("GeoJSON");
    assert_eq!(drawn["features"].as_array().map(Vec::len), Some(kept));
    // The other layers still come from the dataset's files.
    assert_eq!(
        map.overview().counts.get("subgrids").copied(),
        Some(264),
        "{:?}",
        map.overview().counts
    );
    w.finish().await;
}
on_both_engines!(an_imported_layer_is_drawn_as_the_store_has_it);

/// The dataset's first five stations, the first renamed: a stations layer to import, and the
/// renamed station's id.
fn five_stations_one_renamed(name: &str) -> (String, String) {
    let text =
        std::fs::read_to_string(common::layers_only().join("stations.geojson")).expect("stations");
    let mut fc: serde_json::Value = serde_json::from_str(&text).expect("GeoJSON");
    let features = fc["features"].as_array_mut().expect("features");
    features.truncate(5);
    features[0]["properties"]["name"] = name.into();
    let renamed = features[0]["properties"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    (fc.to_string(), renamed)
}

/// The app's live forwarder running, and a receiver of what it announces.
fn forwarding(w: &AppWorld) -> tokio::sync::broadcast::Receiver<LiveEvent> {
    let live = Live::new();
    let events = live.subscribe();
    tokio::spawn(onemap_server::app::live::forward(w.app.clone(), live));
    events
}

/// The next redraw announced on `events`: the map's version and the layers that changed.
async fn next_redraw(
    events: &mut tokio::sync::broadcast::Receiver<LiveEvent>,
) -> (u64, Vec<String>) {
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            if let LiveEvent::Layers { version, changed } = events.recv().await.expect("live") {
                break (version, changed);
            }
        }
    })
    .await
    .expect("the redraw is announced")
}

/// Issue 10: a running app draws an import at once. The live forwarder redraws the map from
/// the store, swaps it in for every later call (popups, nearest stations, the layer served)
/// and announces the redraw on the live stream; no restart.
async fn a_running_app_redraws_its_map_after_an_import(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let mut events = forwarding(&w);
    let before = w.app.map();
    let (stations, renamed) = five_stations_one_renamed("重绘测试服务站");
    w.clock.advance(MINUTE);
    w.app
        .store()
        .import_layer("stations", &stations, onemap::datum::Datum::Wgs84)
        .await
        .expect("import");

    assert_eq!(
        next_redraw(&mut events).await,
        (1, vec!["stations".to_string()])
    );
    assert_eq!(w.app.current_map().version(), 1);
    let now = w.app.map();
    assert_eq!(now.atlas().stations().len(), 5);
    assert_eq!(
        now.station(&renamed).expect("station")["properties"]["name"],
        "重绘测试服务站"
    );
    let drawn: serde_json::Value =
        serde_json::from_str(&now.layer("stations").expect("layer")).expect("GeoJSON");
    assert_eq!(drawn["features"].as_array().map(Vec::len), Some(5));
    // A call that held the old map finishes on it; it is not changed under it.
    assert!(before.atlas().stations().len() > 5);
    // A new case's nearest stations are the imported ones.
    let district = w.user("district", Role::DistrictOperator, None).await;
    let filed = w
        .app
        .file_case(&district, form("M147", point_in_street(GUANGMING)))
        .await
        .expect("file");
    let detail = w
        .app
        .case_detail(&district, &filed.case.id)
        .await
        .expect("detail");
    assert!(
        detail
            .nearest_stations
            .iter()
            .all(|n| now.station(&n.id).is_ok()),
        "{:?}",
        detail.nearest_stations
    );
    w.finish().await;
}
on_both_engines!(a_running_app_redraws_its_map_after_an_import);

/// On PostgreSQL a seat draws another seat's import: the change crosses on LISTEN/NOTIFY and
/// this seat's map is rebuilt from the shared store.
async fn another_seats_import_is_drawn_here(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let mut events = forwarding(&w);
    let other = w.db.open(w.clock.clone(), "other-seat").await;
    let (stations, renamed) = five_stations_one_renamed("另一席位导入的站点");
    w.clock.advance(MINUTE);
    other
        .import_layer("stations", &stations, onemap::datum::Datum::Wgs84)
        .await
        .expect("import at the other seat");
    assert_eq!(
        next_redraw(&mut events).await,
        (1, vec!["stations".to_string()])
    );
    assert_eq!(
        w.app.map().station(&renamed).expect("station")["properties"]["name"],
        "另一席位导入的站点"
    );
    other.close().await;
    w.finish().await;
}
mod another_seats_import_is_drawn_here {
    // Only PostgreSQL carries changes between seats (SQLite is one process's embedded store).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::another_seats_import_is_drawn_here(super::common::Engine::Postgres).await;
    }
}

/// Two reports of the same matter 30 m apart on either side of a street's edge: possible
/// duplicates of each other, but the street operator sees, and may close, only its own.
async fn a_duplicate_across_a_streets_edge_stays_with_its_own_street(engine: Engine) {
    let Some(w) = AppWorld::new(engine).await else {
        return;
    };
    let map = common::map();
    let atlas = map.atlas();
    // A building 30 m (east, west, north or south) from a point in another street.
    let step = 30.0 / 111_000.0;
    let (here, there, street, other_street) = atlas
        .buildings()
        .iter()
        .find_map(|b| {
            let at = atlas.locate(b.lon, b.lat)?;
            [(step, 0.0), (-step, 0.0), (0.0, step), (0.0, -step)]
                .iter()
                .find_map(|(dx, dy)| {
                    let (lon, lat) = (b.lon + dx / 0.92, b.lat + dy);
                    let there = atlas.locate(lon, lat)?;
                    (there.street.code != at.street.code).then(|| {
                        (
                            (b.lon, b.lat),
                            (lon, lat),
                            at.street.code.clone(),
                            there.street.code.clone(),
                        )
                    })
                })
        })
        .expect("a building near a street's edge");
    let district = w.user("district", Role::DistrictOperator, None).await;
    let street_op = w.user("street", Role::StreetOperator, Some(&street)).await;
    let mine = w
        .app
        .file_case(&district, form("M147", here))
        .await
        .expect("file");
    let theirs = w
        .app
        .file_case(&district, form("M147", there))
        .await
        .expect("file");
    assert_eq!(
        theirs.case.place.as_ref().map(|p| p.street.code.as_str()),
        Some(other_street.as_str())
    );
    let seen_by_district = w
        .app
        .case_detail(&district, &mine.case.id)
        .await
        .expect("detail");
    assert!(
        seen_by_district
            .duplicates
            .iter()
            .any(|n| n.id == theirs.case.id),
        "the district sees the pair"
    );
    let seen_by_street = w
        .app
        .case_detail(&street_op, &mine.case.id)
        .await
        .expect("detail");
    assert!(
        seen_by_street
            .duplicates
            .iter()
            .all(|n| n.id != theirs.case.id)
            && seen_by_street.nearby.iter().all(|n| n.id != theirs.case.id),
        "the other street's case is not shown to the street operator"
    );
    let e = w
        .app
        .decide_duplicate(
            &street_op,
            &mine.case.id,
            seen_by_street.case.version,
            &theirs.case.id,
            "confirm",
        )
        .await
        .expect_err("another street's case");
    assert_eq!(e.code, "forbidden", "{}", e.message);
    w.finish().await;
}
on_both_engines!(a_duplicate_across_a_streets_edge_stays_with_its_own_street);

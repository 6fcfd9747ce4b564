//! Planning scenarios in the store: create, save with optimistic versions, list, delete, and
//! apply (the stations layer rewritten through the validated import). On SQLite and PostgreSQL.

mod common;

use common::{Engine, World};
use onemap::datum::Datum;
use onemap::{Error, ErrorCode};
use onemap_geo::dataset::{Service, StationLevel};
use onemap_geo::scenario::{Plan, PlannedStation};

/// Two stations in the fixture's sub-grid 光明社区第1小分格 (113.90–113.91°E, 22.74–22.75°N).
const STATIONS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","id":"ST-0001","geometry":{"type":"Point","coordinates":[113.903,22.743]},"properties":{"id":"ST-0001","name":"光明社区群众诉求服务大厅","level":"community_hall","services":["appeal","legal","psych"],"hours":"09:00-18:00","subgrid_code":"440311001001001","synthetic":true}},
{"type":"Feature","id":"ST-0002","geometry":{"type":"Point","coordinates":[113.907,22.747]},"properties":{"id":"ST-0002","name":"光明社区第1小分格服务站","level":"subgrid_station","services":["appeal"],"hours":"24h","subgrid_code":"440311001001001","synthetic":true}}
]}"#;

fn station(id: &str, lon: f64, lat: f64, services: Vec<Service>) -> PlannedStation {
    PlannedStation {
        id: id.into(),
        name: format!("{id} 规划站点"),
        level: StationLevel::SubgridStation,
        services,
        lon,
        lat,
    }
}

fn a_plan() -> Plan {
    Plan {
        added: vec![station("ST-N0001", 113.915, 22.745, vec![Service::Psych])],
        changed: vec![station(
            "ST-0002",
            113.908,
            22.748,
            vec![Service::Appeal, Service::Legal],
        )],
        removed: vec!["ST-0001".into()],
    }
}

async fn with_stations(engine: Engine) -> Option<World> {
    let w = World::new(engine).await?;
    w.store
        .import_layer("stations", STATIONS, Datum::Wgs84)
        .await
        .expect("stations import");
    Some(w)
}

async fn a_saved_scenario_keeps_its_plan_and_counts_its_versions(engine: Engine) {
    let Some(w) = with_stations(engine).await else {
        return;
    };
    let s = w
        .store
        .create_scenario("新增心理服务站", "试点", &Plan::default(), "planner-a")
        .await
        .expect("create");
    assert_eq!((s.id.as_str(), s.version), ("SC-0001", 1));
    let s2 = w
        .store
        .save_scenario(&s.id, "新增心理服务站", "试点", &a_plan(), 1, "planner-a")
        .await
        .expect("save");
    assert_eq!(s2.version, 2);
    assert_eq!(w.store.scenario(&s.id).await.expect("read").plan, a_plan());
    // A second planner who still had version 1 gets a conflict, not a silent overwrite.
    let err = w
        .store
        .save_scenario(&s.id, "改名", "", &Plan::default(), 1, "planner-b")
        .await
        .expect_err("stale save");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(matches!(err, Error::Conflict { actual: 2, .. }), "{err}");
    // Names are unique; ids count up.
    let taken = w
        .store
        .create_scenario("新增心理服务站", "", &Plan::default(), "planner-b")
        .await
        .expect_err("taken name");
    assert_eq!(taken.code(), ErrorCode::Invalid);
    let other = w
        .store
        .create_scenario("撤并方案", "", &Plan::default(), "planner-b")
        .await
        .expect("create");
    assert_eq!(other.id, "SC-0002");
    let list = w.store.scenarios().await.expect("list");
    assert_eq!(list.len(), 2);
    w.store.delete_scenario(&other.id, 1).await.expect("delete");
    assert_eq!(w.store.scenarios().await.expect("list").len(), 1);
    w.finish().await;
}
on_both_engines!(a_saved_scenario_keeps_its_plan_and_counts_its_versions);

async fn applying_a_scenario_rewrites_the_stations_layer_and_locks_it(engine: Engine) {
    let Some(w) = with_stations(engine).await else {
        return;
    };
    let s = w
        .store
        .create_scenario("调整方案", "", &a_plan(), "planner")
        .await
        .expect("create");
    // A stale version is refused before anything is written.
    let stale = w.store.apply_scenario(&s.id, 7, "planner").await;
    assert_eq!(stale.expect_err("stale").code(), ErrorCode::Conflict);
    let report = w
        .store
        .apply_scenario(&s.id, 1, "planner")
        .await
        .expect("apply");
    assert_eq!(report.count, 2);
    let stations = w.store.layer_features("stations").await.expect("stations");
    let ids: Vec<&str> = stations.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, vec!["ST-0002", "ST-N0001"]);
    let moved = &stations[0];
    assert_eq!(
        moved.geometry.as_ref().expect("point")["coordinates"],
        serde_json::json!([113.908, 22.748])
    );
    assert_eq!(
        moved.properties["services"],
        serde_json::json!(["appeal", "legal"])
    );
    // Untouched properties stay; the new station is located in its sub-grid.
    assert_eq!(moved.properties["hours"], "24h");
    assert_eq!(stations[1].properties["subgrid_code"], "440311001001002");
    assert_eq!(stations[1].properties["planned_in"], s.id.as_str());
    let applied = w.store.scenario(&s.id).await.expect("read");
    assert!(applied.applied_at.is_some());
    assert_eq!(applied.version, 2);
    // Kept as the record: neither saved over nor applied again.
    let again = w.store.apply_scenario(&s.id, 2, "planner").await;
    assert_eq!(again.expect_err("applied").code(), ErrorCode::Invalid);
    let edit = w
        .store
        .save_scenario(&s.id, "调整方案", "", &Plan::default(), 2, "planner")
        .await;
    assert_eq!(edit.expect_err("applied").code(), ErrorCode::Invalid);
    w.finish().await;
}
on_both_engines!(applying_a_scenario_rewrites_the_stations_layer_and_locks_it);

async fn a_plan_that_no_longer_fits_the_layer_is_refused_and_writes_nothing(engine: Engine) {
    let Some(w) = with_stations(engine).await else {
        return;
    };
    let mut plan = a_plan();
    plan.removed.push("ST-9999".into());
    let s = w
        .store
        .create_scenario("过时方案", "", &plan, "planner")
        .await
        .expect("create");
    let err = w
        .store
        .apply_scenario(&s.id, 1, "planner")
        .await
        .expect_err("refused");
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert!(err.to_string().contains("ST-9999"), "{err}");
    let ids: Vec<String> = w
        .store
        .layer_features("stations")
        .await
        .expect("stations")
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(ids, vec!["ST-0001", "ST-0002"]);
    assert!(
        w.store
            .scenario(&s.id)
            .await
            .expect("read")
            .applied_at
            .is_none()
    );
    w.finish().await;
}
on_both_engines!(a_plan_that_no_longer_fits_the_layer_is_refused_and_writes_nothing);

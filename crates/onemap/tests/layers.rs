//! Layer import (validation, datum conversion, all-or-nothing), export, building ratings and
//! the Atlas swap, history loading and figures. Store scenarios run on SQLite and PostgreSQL.

mod common;

use common::{Engine, World, fixture_text, workspace_file};
use onemap::datum::Datum;
use onemap::figures::Dimension;
use onemap::layers::{ExportFormat, SHENZHEN_BBOX, validate};
use onemap::model::{Outcome, State};
use onemap::{Error, ErrorCode};

async fn an_import_with_bad_features_names_each_one_and_writes_nothing(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let before = w.store.layers().await.expect("layers");
    let err = w
        .store
        .import_layer(
            "buildings",
            &fixture_text("bad_buildings.geojson"),
            Datum::Wgs84,
        )
        .await
        .expect_err("bad features refuse the import");
    let Error::BadFeatures { layer, problems } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(layer, "buildings");
    let named: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.index, p.id.as_deref()))
        .collect();
    assert_eq!(
        named,
        vec![
            (2, Some("B-000003")),
            (3, Some("B-000004")),
            (4, Some("B-000001"))
        ]
    );
    assert!(
        problems[0].reason.contains("outside the district"),
        "{}",
        problems[0].reason
    );
    assert!(
        problems[1].reason.contains("rating"),
        "{}",
        problems[1].reason
    );
    assert!(
        problems[2].reason.contains("duplicate id"),
        "{}",
        problems[2].reason
    );
    let msg = err.to_string();
    assert!(
        msg.contains("feature #2 (id B-000003)") && msg.contains("nothing imported"),
        "{msg}"
    );
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert_eq!(w.store.layers().await.expect("layers"), before);
    assert!(
        w.store
            .layer_features("buildings")
            .await
            .expect("features")
            .is_empty()
    );
    w.finish().await;
}
on_both_engines!(an_import_with_bad_features_names_each_one_and_writes_nothing);

#[test]
fn geometry_problems_are_named_with_their_reason() {
    let fc = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"S1","geometry":{"type":"Polygon","coordinates":[[[113.9,22.7],[113.95,22.75],[113.95,22.7],[113.9,22.75],[113.9,22.7]]]},"properties":{"code":"S1","name":"bow-tie","district_code":"440311"}},
      {"type":"Feature","id":"S2","geometry":{"type":"Polygon","coordinates":[[[113.9,22.7],[113.95,22.7],[113.95,22.75]]]},"properties":{"code":"S2","name":"open","district_code":"440311"}},
      {"type":"Feature","id":"S3","geometry":{"type":"Point","coordinates":[113.9,22.7]},"properties":{"code":"S3","name":"point","district_code":"440311"}},
      {"type":"Feature","id":"S4","geometry":{"type":"Polygon","coordinates":[[[913.9,22.7],[913.95,22.7],[913.95,22.75],[913.9,22.7]]]},"properties":{"code":"S4","name":"range","district_code":"440311"}},
      {"type":"Feature","id":"S5","geometry":{"type":"Polygon","coordinates":[[[113.9,22.7],[113.95,22.7],[113.95,22.75],[113.9,22.7]]]},"properties":{"code":"S5","district_code":"440311"}}
    ]}"#;
    let Err(Error::BadFeatures { problems, .. }) =
        validate("streets", fc, Datum::Wgs84, SHENZHEN_BBOX)
    else {
        panic!("expected bad features")
    };
    let reasons: Vec<(usize, &str)> = problems
        .iter()
        .map(|p| (p.index, p.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(reasons[0].1.contains("invalid geometry"), "{reasons:?}");
    assert!(
        reasons[1].1.contains("fewer than 4 positions"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].1.contains("expected Polygon or MultiPolygon"),
        "{reasons:?}"
    );
    assert!(reasons[3].1.contains("out of range"), "{reasons:?}");
    assert!(
        reasons[4].1.contains("missing required properties: name"),
        "{reasons:?}"
    );
}

fn outline(fc: &str) -> Vec<(f64, f64)> {
    let v: serde_json::Value = serde_json::from_str(fc).expect("json");
    let mut out = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<(f64, f64)>) {
        if let Some(a) = v.as_array() {
            if a.len() >= 2 && a[0].is_number() {
                out.push((a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0)));
            } else {
                a.iter().for_each(|x| walk(x, out));
            }
        }
    }
    for f in v["features"].as_array().expect("features") {
        walk(&f["geometry"]["coordinates"], &mut out);
    }
    out
}

#[test]
fn the_gcj02_district_outline_converts_to_within_two_metres_of_the_wgs84_outline() {
    let raw = std::fs::read_to_string(workspace_file(
        "geodata/reference/guangming_district_gcj02_raw.geojson",
    ))
    .expect("gcj02 reference");
    let wgs = std::fs::read_to_string(workspace_file(
        "geodata/reference/guangming_district_wgs84.geojson",
    ))
    .expect("wgs84 reference");
    let raw_fc: serde_json::Value = serde_json::from_str(&raw).expect("json");
    // The reference file is a district outline; import it as the districts layer.
    let features = raw_fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let code = f["properties"]["code"]
                .as_str()
                .map(str::to_string)
                .or_else(|| f["properties"]["adcode"].as_i64().map(|c| c.to_string()))
                .unwrap_or_else(|| "440311".into());
            f["properties"]["code"] = code.clone().into();
            f["properties"]["name"] = f["properties"]["name"].as_str().unwrap_or("光明区").into();
            f["id"] = code.into();
            f
        })
        .collect::<Vec<_>>();
    let fc = serde_json::json!({"type": "FeatureCollection", "features": features}).to_string();
    let converted =
        validate("districts", &fc, Datum::Gcj02, SHENZHEN_BBOX).expect("valid after conversion");
    let got: Vec<(f64, f64)> = outline(
        &serde_json::json!({"features": converted.iter().map(|f| serde_json::json!({"geometry": f.geometry})).collect::<Vec<_>>()}).to_string(),
    );
    let want = outline(&wgs);
    assert_eq!(got.len(), want.len(), "same vertices");
    let metres = |(a, b): (f64, f64), (c, d): (f64, f64)| {
        let k = 111_320.0;
        (((a - c) * k * (22.75_f64.to_radians().cos())).powi(2) + ((b - d) * 110_574.0).powi(2))
            .sqrt()
    };
    let worst = got
        .iter()
        .zip(&want)
        .map(|(g, w)| metres(*g, *w))
        .fold(0.0, f64::max);
    let raw_off = outline(&raw)
        .iter()
        .zip(&want)
        .map(|(g, w)| metres(*g, *w))
        .fold(0.0, f64::max);
    assert!(
        raw_off > 100.0,
        "the raw GCJ-02 outline is hundreds of metres off ({raw_off:.0} m)"
    );
    assert!(
        worst < 2.0,
        "worst vertex {worst:.3} m from the WGS84 outline"
    );
}

async fn export_writes_geojson_and_csv_that_import_again(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let gj = w
        .store
        .export_layer("subgrids", ExportFormat::GeoJson)
        .await
        .expect("export");
    assert_eq!(gj.lines().count(), 4, "one feature per line:\n{gj}");
    let again = w
        .store
        .import_layer("subgrids", &gj, Datum::Wgs84)
        .await
        .expect("round trip");
    assert_eq!(again.count, 2);
    assert_eq!(
        w.store
            .export_layer("subgrids", ExportFormat::GeoJson)
            .await
            .expect("export"),
        gj
    );
    let csv = w
        .store
        .export_layer("matters", ExportFormat::Csv)
        .await
        .expect("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "id,lon,lat,geometry,code,default_level,domain,domain_name,meet_minutes,name,notice_minutes,resolve,synthetic"
        )
    );
    assert_eq!(
        lines.next(),
        Some("M001,,,,M001,L2,dispute,纠纷化解,30,邻里纠纷,10,same_day,true")
    );
    assert_eq!(csv.lines().count(), 5);
    w.finish().await;
}
on_both_engines!(export_writes_geojson_and_csv_that_import_again);

async fn a_building_rating_change_keeps_its_history_and_swaps_the_atlas(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    // The good features of the bad fixture: indexes 0, 1 and 5.
    let bad: serde_json::Value =
        serde_json::from_str(&fixture_text("bad_buildings.geojson")).expect("json");
    let keep: Vec<serde_json::Value> = [0, 1, 5]
        .iter()
        .map(|i| bad["features"][*i].clone())
        .collect();
    let good = serde_json::json!({"type": "FeatureCollection", "features": keep}).to_string();
    let r = w
        .store
        .import_layer("buildings", &good, Datum::Wgs84)
        .await
        .expect("import");
    assert_eq!(r.count, 3);
    let before = w.store.locator();
    let ch = w
        .store
        .set_building_rating("B-000001", "warning", "电动车室内充电", "inspector-3")
        .await
        .expect("rate");
    assert_eq!(
        (ch.old_rating.as_str(), ch.new_rating.as_str()),
        ("safe", "warning")
    );
    w.store
        .set_building_rating("B-000001", "general", "整改完成", "inspector-3")
        .await
        .expect("rate");
    let hist = w.store.rating_history("B-000001").await.expect("history");
    let steps: Vec<(&str, &str, &str)> = hist
        .iter()
        .map(|h| {
            (
                h.old_rating.as_str(),
                h.new_rating.as_str(),
                h.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("safe", "warning", "电动车室内充电"),
            ("warning", "general", "整改完成")
        ]
    );
    let stored = w.store.layer_features("buildings").await.expect("features");
    assert_eq!(stored[0].properties["rating"], "general");
    assert!(
        !std::sync::Arc::ptr_eq(&before, &w.store.locator()),
        "a new Atlas snapshot was swapped in"
    );
    assert!(w.store.locator().locate(113.905, 22.745).is_some());
    for (id, rating, reason) in [
        ("B-404", "safe", "x"),
        ("B-000001", "red", "x"),
        ("B-000001", "safe", " "),
    ] {
        assert!(
            w.store
                .set_building_rating(id, rating, reason, "i")
                .await
                .is_err()
        );
    }
    assert_eq!(
        w.store
            .rating_history("B-000001")
            .await
            .expect("history")
            .len(),
        2
    );
    w.finish().await;
}
on_both_engines!(a_building_rating_change_keeps_its_history_and_swaps_the_atlas);

async fn history_loads_with_events_and_figures_count_it(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let r = w
        .store
        .import_layer("cases", &fixture_text("cases.geojson"), Datum::Wgs84)
        .await
        .expect("history");
    assert_eq!(r.count, 10);
    // Loading it twice is refused: the ids are taken.
    let twice = w
        .store
        .import_layer("cases", &fixture_text("cases.geojson"), Datum::Wgs84)
        .await;
    assert_eq!(
        twice.expect_err("duplicate history").code(),
        ErrorCode::Invalid
    );
    let c = w.store.case("GM-2022-000004").await.expect("case");
    assert_eq!(
        (c.progress.state, c.progress.outcome),
        (State::Closed, Some(Outcome::Resolved))
    );
    let kinds: Vec<String> = w
        .store
        .events(&c.id)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "reported",
            "dispatched",
            "noticed",
            "accepted",
            "met",
            "submitted",
            "approved"
        ]
    );
    assert_eq!(w.store.replay(&c.id).await.expect("replay"), c.progress);
    let l1 = w.store.events("GM-2022-000002").await.expect("events");
    assert_eq!(
        l1.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["reported", "noticed", "corrected", "approved"]
    );
    assert_eq!(
        w.store
            .case("GM-2022-000010")
            .await
            .expect("open")
            .progress
            .state,
        State::Handling
    );
    let all = w
        .store
        .figures(0, i64::MAX, Dimension::All)
        .await
        .expect("figures");
    let f = &all[0];
    assert_eq!((f.handled, f.resolved, f.same_day), (10, 8, 6));
    assert!((f.resolution_rate - 0.8).abs() < 1e-12 && (f.same_day_rate - 0.75).abs() < 1e-12);
    assert!(
        (f.notice_compliance - 0.9).abs() < 1e-12,
        "{}",
        f.notice_compliance
    );
    // Meetings within 30 minutes: cases 1, 3, 5, 7, 8, 9 (2 and 6 are L1 with none, 10 none, 4 late).
    assert!(
        (f.meet_compliance - 0.6).abs() < 1e-12,
        "{}",
        f.meet_compliance
    );
    // Close times in minutes: 20, 40, 90, 150, 200, 230, 330, 1560, 2000 → median 200.
    assert_eq!(f.median_close_minutes, Some(200.0));
    assert_eq!(f.p90_close_minutes, Some(2000.0));
    let by_channel = w
        .store
        .figures(0, i64::MAX, Dimension::Channel)
        .await
        .expect("figures");
    let hall = by_channel.iter().find(|f| f.key == "hall").expect("hall");
    assert_eq!((hall.handled, hall.resolved), (2, 2));
    let by_grid = w
        .store
        .figures(0, i64::MAX, Dimension::Subgrid)
        .await
        .expect("figures");
    assert_eq!(
        by_grid.iter().map(|f| f.handled).collect::<Vec<_>>(),
        vec![5, 5]
    );
    let day1 = onemap::time::parse_instant("2022-03-01T00:00:00+08:00").expect("t");
    let day = w
        .store
        .figures(day1, day1 + onemap::time::DAY, Dimension::All)
        .await
        .expect("figures");
    assert_eq!((day[0].handled, day[0].same_day), (3, 2));
    // Figures follow later changes, including another seat's on the same database.
    let other = w.db.open(w.clock.clone(), "other-seat").await;
    let c1 = other.case("GM-2022-000001").await.expect("case");
    other
        .step(
            &c1.id,
            c1.progress.version,
            onemap::lifecycle::Step::Reopen,
            "citizen",
            "复发",
        )
        .await
        .expect("reopen");
    other.close().await;
    let again = w
        .store
        .figures(0, i64::MAX, Dimension::All)
        .await
        .expect("figures");
    assert_eq!(
        (again[0].handled, again[0].resolved, again[0].same_day),
        (10, 7, 5)
    );
    w.finish().await;
}
on_both_engines!(history_loads_with_events_and_figures_count_it);

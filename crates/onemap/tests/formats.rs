//! Real data in and out (issue 10), through the store: the Guangming dataset exported to a
//! GeoPackage and to Shapefiles and imported back gives the same features; the GeoPackage opens
//! in GDAL's `ogrinfo` with every layer; a GBK Shapefile with Chinese field names made by
//! `ogr2ogr` imports through a mapping; rows placed by address; a cancelled import or export
//! leaves nothing behind. Store scenarios run on SQLite and PostgreSQL.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::{Engine, TestDb, morning, workspace_file};
use onemap::datum::Datum;
use onemap::layers::ValidFeature;
use onemap::time::ManualClock;
use onemap::{Error, Store};
use onemap_formats::mapping::Mapping;
use onemap_formats::source::ReadOptions;
use onemap_progress::Progress;
use serde_json::{Value, json};

/// The spatial layers of the dataset and the catalogue (cases are compared apart).
const LAYERS: [&str; 9] = [
    "districts",
    "streets",
    "communities",
    "subgrids",
    "stations",
    "buildings",
    "cameras",
    "roads",
    "matters",
];

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is required for this test (apt-get install gdal-bin): {e}")
    });
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn store_on(db: &TestDb) -> Store {
    db.open(Arc::new(ManualClock::new(morning())), "formats")
        .await
}

/// A store with every layer of the bundled dataset and, when `cases`, its case history.
async fn guangming(db: &TestDb, cases: bool) -> Store {
    let store = store_on(db).await;
    let dir = workspace_file("geodata/guangming");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("bundled dataset file");
    for layer in LAYERS {
        store
            .import_layer(layer, &read(&format!("{layer}.geojson")), Datum::Wgs84)
            .await
            .unwrap_or_else(|e| panic!("{layer}: {e}"));
    }
    if cases {
        store
            .import_layer("cases", &read("cases-2023h1.geojson"), Datum::Wgs84)
            .await
            .expect("cases");
    }
    store
}

/// Positions equal to 1e-7° (the dataset's rounding), everything else equal.
fn same_geometry(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            (x.as_f64().unwrap_or(f64::NAN) - y.as_f64().unwrap_or(f64::NAN)).abs() < 1.5e-7
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_geometry(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_geometry(v, w)))
        }
        _ => a == b,
    }
}

/// Numbers compared as numbers (a GeoPackage REAL 2.0 is the 2.0 written).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        _ => a == b,
    }
}

fn assert_same_layer(layer: &str, want: &[ValidFeature], got: &[ValidFeature]) {
    assert_eq!(got.len(), want.len(), "{layer}: feature count");
    for (w, g) in want.iter().zip(got) {
        assert_eq!(g.id, w.id, "{layer}: order and ids");
        match (&w.geometry, &g.geometry) {
            (Some(a), Some(b)) => assert!(
                same_geometry(a, b),
                "{layer} {}: geometry {a} became {b}",
                w.id
            ),
            (a, b) => assert_eq!(a, b, "{layer} {}", w.id),
        }
        // SCHEMA.md: "an empty array may be left out" — flat formats cannot tell the two apart.
        let keys = |p: &serde_json::Map<String, Value>| {
            let mut k: Vec<String> = p
                .iter()
                .filter(|(_, v)| v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, _)| k.clone())
                .collect();
            k.sort();
            k
        };
        assert_eq!(
            keys(&g.properties),
            keys(&w.properties),
            "{layer} {}: property names",
            w.id
        );
        for (k, v) in w
            .properties
            .iter()
            .filter(|(_, v)| v.as_array().is_none_or(|a| !a.is_empty()))
        {
            assert!(
                same_value(v, &g.properties[k]),
                "{layer} {}: {k} was {v}, came back {}",
                w.id,
                g.properties[k]
            );
        }
    }
}

async fn import_file(
    store: &Store,
    layer: &str,
    path: &Path,
    options: ReadOptions,
    mapping: Option<Mapping>,
) {
    let source = onemap_formats::source::read(path, &options)
        .await
        .unwrap_or_else(|e| panic!("{layer}: {e}"));
    let mapping = match mapping {
        Some(m) => m,
        None => Mapping::suggest(layer, &source).expect("suggest"),
    };
    store
        .import_source(&source, &mapping, &Progress::new())
        .await
        .unwrap_or_else(|e| panic!("{layer} from {}: {e}", path.display()));
}

async fn the_dataset_exported_to_geopackage_imports_back_the_same_and_opens_in_ogrinfo(
    engine: Engine,
) {
    let (Some(db_a), Some(db_b)) = (TestDb::new(engine).await, TestDb::new(engine).await) else {
        return;
    };
    let a = guangming(&db_a, true).await;
    let dir = tempfile::tempdir().expect("tmp");
    let gpkg = dir.path().join("光明.gpkg");
    let report = a
        .export_geopackage(&gpkg, true, &Progress::new())
        .await
        .expect("export");
    assert_eq!(report.counts.len(), LAYERS.len() + 1, "{:?}", report.counts);

    // GDAL opens it and lists every layer with its feature count.
    let listing = tool("ogrinfo", &["-ro", "-q", gpkg.to_str().expect("utf8")]);
    for (layer, n) in &report.counts {
        assert!(
            listing.contains(&format!(": {layer}")),
            "ogrinfo does not list {layer}:\n{listing}"
        );
        let summary = tool(
            "ogrinfo",
            &["-ro", "-so", gpkg.to_str().expect("utf8"), layer],
        );
        assert!(
            summary.contains(&format!("Feature Count: {n}")),
            "{layer}: {summary}"
        );
    }
    let one = tool(
        "ogrinfo",
        &[
            "-ro",
            gpkg.to_str().expect("utf8"),
            "communities",
            "-where",
            "code = '440311001001'",
        ],
    );
    assert!(
        one.contains("光明社区"),
        "Chinese attributes through GDAL: {one}"
    );
    let districts = tool(
        "ogrinfo",
        &["-ro", "-so", gpkg.to_str().expect("utf8"), "districts"],
    );
    assert!(
        districts.contains("WGS 84"),
        "the layer's system is EPSG:4326: {districts}"
    );

    let b = store_on(&db_b).await;
    for layer in LAYERS.iter().chain(["cases"].iter()) {
        let options = ReadOptions {
            encoding: None,
            layer: Some((*layer).to_owned()),
        };
        import_file(&b, layer, &gpkg, options, None).await;
    }
    for layer in LAYERS {
        let want = a.layer_features(layer).await.expect("a");
        let got = b.layer_features(layer).await.expect("b");
        assert_same_layer(layer, &want, &got);
    }
    let (ca, cb) = (
        a.case_records(true).await.expect("a"),
        b.case_records(true).await.expect("b"),
    );
    assert_eq!(ca.len(), cb.len());
    assert!(ca.len() > 10_000, "{}", ca.len());
    for (x, y) in ca.iter().zip(&cb) {
        assert_eq!(x.properties, y.properties);
        assert_eq!(x.geometry, y.geometry);
    }
    a.close().await;
    b.close().await;
    db_a.drop_db().await;
    db_b.drop_db().await;
}
on_both_engines!(the_dataset_exported_to_geopackage_imports_back_the_same_and_opens_in_ogrinfo);

async fn the_dataset_exported_to_shapefiles_imports_back_the_same_with_the_mapping_files(
    engine: Engine,
) {
    let (Some(db_a), Some(db_b)) = (TestDb::new(engine).await, TestDb::new(engine).await) else {
        return;
    };
    let a = guangming(&db_a, false).await;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("shp");
    let report = a
        .export_shapefiles(&dir, false, &Progress::new())
        .await
        .expect("export");
    assert_eq!(
        report.counts.len(),
        LAYERS.len() - 1,
        "every spatial layer: {:?}",
        report.counts
    );
    let b = store_on(&db_b).await;
    for layer in LAYERS.iter().filter(|l| **l != "matters") {
        let shp = dir.join(format!("{layer}.shp"));
        // GDAL reads what OneMap wrote.
        let summary = tool(
            "ogrinfo",
            &["-ro", "-so", shp.to_str().expect("utf8"), layer],
        );
        let n = a.layer_features(layer).await.expect("a").len();
        assert!(
            summary.contains(&format!("Feature Count: {n}")),
            "{layer}: {summary}"
        );
        let text = std::fs::read_to_string(dir.join(format!("{layer}.mapping.json")))
            .expect("mapping file");
        let mapping: Mapping = serde_json::from_str(&text).expect("a mapping");
        import_file(&b, layer, &shp, ReadOptions::default(), Some(mapping)).await;
        let want = a.layer_features(layer).await.expect("a");
        let got = b.layer_features(layer).await.expect("b");
        assert_same_layer(layer, &want, &got);
    }
    a.close().await;
    b.close().await;
    db_a.drop_db().await;
    db_b.drop_db().await;
}
on_both_engines!(the_dataset_exported_to_shapefiles_imports_back_the_same_with_the_mapping_files);

async fn a_gbk_shapefile_with_chinese_fields_made_by_ogr2ogr_imports_through_a_mapping(
    engine: Engine,
) {
    let Some(db) = TestDb::new(engine).await else {
        return;
    };
    let store = guangming(&db, false).await;
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("站点.geojson");
    std::fs::write(&src, json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"编号": "ST-9001", "名称": "光明社区党群服务站", "级别": "站点", "服务": "诉求、法律", "开放时间": "09:00-18:00"},
         "geometry": {"type": "Point", "coordinates": [113.9361234, 22.7487654]}},
        {"type": "Feature", "properties": {"编号": "ST-9002", "名称": "凤凰街道群众诉求服务大厅", "级别": "街道级", "服务": "诉求,法律,心理", "开放时间": "24h"},
         "geometry": {"type": "Point", "coordinates": [113.9512345, 22.7698765]}}
    ]}).to_string()).expect("write");
    let shp = tmp.path().join("stations.shp");
    tool(
        "ogr2ogr",
        &[
            "-t_srs",
            "EPSG:4547",
            "-lco",
            "ENCODING=GBK",
            shp.to_str().expect("utf8"),
            src.to_str().expect("utf8"),
        ],
    );
    let source = onemap_formats::source::read(&shp, &ReadOptions::default())
        .await
        .expect("read");
    // The suggestion finds 编号 → id, 名称 → name, 级别 → level, 服务 → services, 开放时间 → hours.
    let mapping = Mapping::suggest("stations", &source).expect("suggest");
    let preview = store
        .preview_import(&source, &mapping, &Progress::new())
        .await
        .expect("preview");
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    assert!(
        preview.crs.contains("EPSG:4547") || preview.crs.contains("114"),
        "{}",
        preview.crs
    );
    assert_eq!(preview.valid, 2);
    assert_eq!(
        store
            .layer_features("stations")
            .await
            .expect("stations")
            .len(),
        302,
        "a preview writes nothing"
    );
    store
        .import_source(&source, &mapping, &Progress::new())
        .await
        .expect("import");
    let got = store.layer_features("stations").await.expect("stations");
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].properties["name"], "凤凰街道群众诉求服务大厅");
    assert_eq!(got[1].properties["level"], "street_hall");
    assert_eq!(
        got[1].properties["services"],
        json!(["appeal", "legal", "psych"])
    );
    assert_eq!(got[0].properties["hours"], "09:00-18:00");
    let c = &got[0].geometry.as_ref().expect("point")["coordinates"];
    let (dx, dy) = (
        (c[0].as_f64().unwrap_or(0.0) - 113.9361234) * 102_600.0,
        (c[1].as_f64().unwrap_or(0.0) - 22.7487654) * 110_800.0,
    );
    assert!(dx.hypot(dy) < 1.0, "{c}");
    store.close().await;
    db.drop_db().await;
}
on_both_engines!(a_gbk_shapefile_with_chinese_fields_made_by_ogr2ogr_imports_through_a_mapping);

async fn rows_placed_by_address_report_the_unmatched_ones_and_write_nothing_until_all_match(
    engine: Engine,
) {
    let Some(db) = TestDb::new(engine).await else {
        return;
    };
    let store = guangming(&db, false).await;
    let buildings = store.layer_features("buildings").await.expect("buildings");
    // The synthetic addresses repeat (18,595 distinct among 30,254 buildings): take two that
    // name one building each, as real door-plate addresses do.
    let mut seen = std::collections::HashMap::new();
    for b in &buildings {
        *seen
            .entry(b.properties["address"].as_str().unwrap_or(""))
            .or_insert(0) += 1;
    }
    let unique: Vec<usize> = (0..buildings.len())
        .filter(|&i| seen[buildings[i].properties["address"].as_str().unwrap_or("")] == 1)
        .take(2)
        .collect();
    let addr = |i: usize| {
        buildings[unique[i]].properties["address"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let csv = tmp.path().join("楼栋评级.csv");
    let text = format!(
        "编号,地址,安全等级\nX-1,深圳市光明区{},警示级\nX-2, {} ,放心级\nX-3,光明社区不存在路999号,一般级\n",
        addr(0),
        addr(1)
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(&csv, &gbk).expect("write");
    let source = onemap_formats::source::read(&csv, &ReadOptions::default())
        .await
        .expect("read");
    let mapping = Mapping::suggest("buildings", &source).expect("suggest");
    let err = store
        .import_source(&source, &mapping, &Progress::new())
        .await
        .expect_err("one row unmatched");
    let Error::BadFeatures { problems, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].index, 2);
    assert!(
        problems[0]
            .reason
            .contains("matches none of the 30254 building addresses"),
        "{}",
        problems[0].reason
    );
    assert_eq!(
        store.layer_features("buildings").await.expect("b").len(),
        30254,
        "nothing written"
    );
    let preview = store
        .preview_import(&source, &mapping, &Progress::new())
        .await
        .expect("preview");
    assert_eq!(preview.valid, 2);
    let f = &preview.features["features"][0];
    assert_eq!(
        f["geometry"],
        buildings[unique[0]].geometry.clone().unwrap_or(Value::Null)
    );
    assert_eq!(f["properties"]["rating"], "warning");
    store.close().await;
    db.drop_db().await;
}
on_both_engines!(
    rows_placed_by_address_report_the_unmatched_ones_and_write_nothing_until_all_match
);

async fn a_cancelled_import_rolls_back_and_a_cancelled_export_leaves_no_file(engine: Engine) {
    let Some(db) = TestDb::new(engine).await else {
        return;
    };
    let store = guangming(&db, false).await;
    let tmp = tempfile::tempdir().expect("tmp");
    let before = store.layer_features("buildings").await.expect("b");
    // Re-import the buildings, shifted 1 m north, and cancel once writing has begun.
    let mut fc = json!({"type": "FeatureCollection", "features": []});
    for f in &before {
        let mut g = f.geometry.clone().unwrap_or(Value::Null);
        let lat = g["coordinates"][1].as_f64().unwrap_or(0.0) + 0.00001;
        g["coordinates"][1] = json!(lat);
        fc["features"].as_array_mut().expect("array").push(
            json!({"type": "Feature", "id": f.id, "geometry": g, "properties": f.properties}),
        );
    }
    let path = tmp.path().join("buildings.geojson");
    std::fs::write(&path, fc.to_string()).expect("write");
    let source = onemap_formats::source::read(&path, &ReadOptions::default())
        .await
        .expect("read");
    let mapping = Mapping::suggest("buildings", &source).expect("suggest");
    let progress = Progress::new();
    let watcher = {
        let p = progress.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            while started.elapsed() < std::time::Duration::from_secs(120) {
                let s = p.snapshot();
                if s.stage == "writing buildings" && s.done > 0 {
                    p.cancel();
                    return true;
                }
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            false
        })
    };
    let r = store.import_source(&source, &mapping, &progress).await;
    assert!(watcher.join().expect("watcher"), "the write stage was seen");
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    let after = store.layer_features("buildings").await.expect("b");
    assert_eq!(
        after, before,
        "the transaction was rolled back: not one building moved"
    );

    // An export cancelled half-way leaves neither the file nor a partial one.
    let gpkg = tmp.path().join("out.gpkg");
    let progress = Progress::new();
    let watcher = {
        let p = progress.clone();
        std::thread::spawn(move || {
            while !p.snapshot().stage.starts_with("writing buildings") {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            p.cancel();
        })
    };
    let r = store.export_geopackage(&gpkg, false, &progress).await;
    watcher.join().expect("watcher");
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(
        left,
        vec!["buildings.geojson".to_owned()],
        "only the source is left"
    );
    store.close().await;
    db.drop_db().await;
}
on_both_engines!(a_cancelled_import_rolls_back_and_a_cancelled_export_leaves_no_file);

//! Sources made by an independent tool, GDAL's `ogr2ogr` (Debian's gdal-bin), read back by
//! OneMap's readers: a GBK Shapefile in EPSG:4547, GeoPackages in EPSG:4490 and EPSG:4547,
//! KML, CSV with X/Y columns and XLSX. The tests fail, not skip, when ogr2ogr is missing.

use std::path::Path;
use std::process::Command;

use onemap_formats::crs::Crs;
use onemap_formats::mapping::Mapping;
use onemap_formats::source::{Format, ReadOptions, Record};

/// WGS84 positions and Chinese names of the source features (two polygons, one with a hole:
/// a Shapefile holds one geometry type).
const SOURCE: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"光明街道办事处","code":"440311001","rating":4},
  "geometry":{"type":"Polygon","coordinates":[[[113.9357,22.7486],[113.9367,22.7486],[113.9362,22.7493],[113.9357,22.7486]]]}},
 {"type":"Feature","properties":{"name":"凤凰社区网格（甲）","code":"440311004001","rating":2},
  "geometry":{"type":"Polygon","coordinates":[[[113.90,22.74],[113.95,22.74],[113.95,22.78],[113.90,22.78],[113.90,22.74]],
   [[113.92,22.75],[113.93,22.75],[113.93,22.76],[113.92,22.76],[113.92,22.75]]]}}
]}"#;

fn ogr2ogr(args: &[&str]) {
    let status = Command::new("ogr2ogr")
        .args(args)
        .status()
        .unwrap_or_else(|e| {
            panic!("ogr2ogr is required for this test (apt-get install gdal-bin): {e}")
        });
    assert!(status.success(), "ogr2ogr {args:?} failed");
}

fn metres_between(a: &[f64], b: &[f64]) -> f64 {
    let dy = (a[1] - b[1]) * 111_320.0;
    let dx = (a[0] - b[0]) * 111_320.0 * a[1].to_radians().cos();
    dx.hypot(dy)
}

fn positions(value: &serde_json::Value, out: &mut Vec<Vec<f64>>) {
    match value {
        serde_json::Value::Array(items)
            if items.first().is_some_and(serde_json::Value::is_number) =>
        {
            out.push(items.iter().filter_map(serde_json::Value::as_f64).collect());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| positions(i, out)),
        _ => {}
    }
}

fn write_source(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("source.geojson");
    std::fs::write(&src, SOURCE).expect("write source");
    src
}

#[test]
fn gbk_shapefile_in_epsg_4547_lands_within_1_m_with_chinese_attributes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = write_source(dir.path());
    let shp = dir.path().join("grid.shp");
    let (shp_s, src_s) = (shp.to_str().expect("utf8"), src.to_str().expect("utf8"));
    ogr2ogr(&["-t_srs", "EPSG:4547", "-lco", "ENCODING=GBK", shp_s, src_s]);
    // The attributes really are GBK on disk, not UTF-8.
    let dbf = std::fs::read(dir.path().join("grid.dbf")).expect("dbf");
    let (gbk_name, _, _) = encoding_rs::GBK.encode("光明街道办事处");
    assert!(
        dbf.windows(gbk_name.len()).any(|w| w == &gbk_name[..]),
        "GBK bytes in the .dbf"
    );

    let layer = onemap_formats::shp::read(&shp, None).expect("read the shapefile");
    let Crs::GaussKruger { projection, .. } = layer.crs else {
        panic!("expected a Gauss-Krüger plane, got {:?}", layer.crs);
    };
    assert_eq!(projection.lon0, 114.0);
    assert_eq!(
        layer.encoding,
        encoding_rs::GBK,
        "from the .cpg ogr2ogr wrote"
    );
    check_against_source(&layer.features);

    // An explicit --encoding wins over the .cpg: reading GBK as UTF-8 garbles the names.
    let wrong = onemap_formats::shp::read(&shp, Some("UTF-8")).expect("read");
    let name = wrong.features[0]
        .property("name")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    assert_ne!(name, "光明街道办事处");
}

/// Every position within 1 m of the source's, names and codes intact.
fn check_against_source(features: &[geojson::Feature]) {
    let source: serde_json::Value = serde_json::from_str(SOURCE).expect("json");
    let source = source["features"].as_array().expect("features");
    assert_eq!(features.len(), source.len());
    for (got, want) in features.iter().zip(source) {
        for key in ["name", "code"] {
            assert_eq!(
                got.property(key).and_then(|v| v.as_str()),
                want["properties"][key].as_str()
            );
        }
        let got_geom =
            serde_json::to_value(got.geometry.as_ref().expect("geometry")).expect("json");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        positions(&got_geom["coordinates"], &mut a);
        positions(&want["geometry"]["coordinates"], &mut b);
        assert_eq!(a.len(), b.len(), "vertex count");
        // Shapefile stores outer rings clockwise: compare as sets of vertices.
        for p in &b {
            let best = a
                .iter()
                .map(|q| metres_between(p, q))
                .fold(f64::INFINITY, f64::min);
            assert!(
                best < 1.0,
                "{p:?} is {best:.3} m from the nearest read vertex"
            );
        }
    }
}

/// Points with Chinese attributes, as a station list from another system might have them.
const POINTS: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"编号":"ST-9001","名称":"光明社区党群服务站","级别":"站点","服务":"诉求、法律","层数":3},
  "geometry":{"type":"Point","coordinates":[113.9361234,22.7487654]}},
 {"type":"Feature","properties":{"编号":"ST-9002","名称":"凤凰街道群众诉求服务大厅","级别":"街道级","服务":"诉求,法律,心理","层数":5},
  "geometry":{"type":"Point","coordinates":[113.9512345,22.7698765]}}
]}"#;

fn write_points(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("points.geojson");
    std::fs::write(&src, POINTS).expect("write points");
    src
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn read(path: &Path, options: &ReadOptions) -> onemap_formats::source::Source {
    runtime()
        .block_on(onemap_formats::source::read(path, options))
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every point of the source within 1 m of the point read (after conversion to WGS84) and the
/// Chinese attributes intact.
fn check_points(records: &[Record], crs: &Crs) {
    let source: serde_json::Value = serde_json::from_str(POINTS).expect("json");
    let source = source["features"].as_array().expect("features");
    assert_eq!(records.len(), source.len());
    for (got, want) in records.iter().zip(source) {
        for key in ["编号", "名称", "级别", "服务"] {
            assert_eq!(
                got.properties.get(key).and_then(|v| v.as_str()),
                want["properties"][key].as_str(),
                "{key}"
            );
        }
        let Some(geo_types::Geometry::Point(p)) = &got.geometry else {
            panic!("a point, got {:?}", got.geometry);
        };
        let (lon, lat) = crs.to_wgs84(p.x(), p.y());
        let c = &want["geometry"]["coordinates"];
        let w = [c[0].as_f64().unwrap_or(0.0), c[1].as_f64().unwrap_or(0.0)];
        let d = metres_between(&[lon, lat], &w);
        assert!(d < 1.0, "{w:?} read back {d:.3} m away");
    }
}

#[test]
fn geopackage_in_epsg_4490_made_by_ogr2ogr_lands_within_1_m_with_chinese_attributes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = write_points(dir.path());
    let gpkg = dir.path().join("站点.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-t_srs",
        "EPSG:4490",
        "-nln",
        "stations_cgcs2000",
        gpkg.to_str().expect("utf8"),
        src.to_str().expect("utf8"),
    ]);
    let source = read(&gpkg, &ReadOptions::default());
    assert_eq!(source.format, Format::GeoPackage);
    assert_eq!(source.crs, Some(Crs::Cgcs2000), "from gpkg_spatial_ref_sys");
    assert!(source.crs_source.contains("4490"), "{}", source.crs_source);
    assert_eq!(source.layer.as_deref(), Some("stations_cgcs2000"));
    check_points(&source.records, &Crs::Cgcs2000);
    // Integer columns come back as integers, not text.
    assert_eq!(source.records[0].properties["层数"], serde_json::json!(3));

    // Mapped onto the stations layer: Chinese labels become OneMap's values.
    let mut m = Mapping::new("stations");
    for (target, field) in [
        ("id", "编号"),
        ("name", "名称"),
        ("level", "级别"),
        ("services", "服务"),
    ] {
        m.fields.insert(target.into(), field.into());
    }
    let out = m
        .apply(&source, None, &onemap_progress::Progress::new())
        .expect("apply");
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.features[0]["properties"]["level"], "subgrid_station");
    assert_eq!(
        out.features[0]["properties"]["services"],
        serde_json::json!(["appeal", "legal"])
    );
    assert_eq!(out.features[1]["properties"]["level"], "street_hall");
    assert_eq!(
        out.features[1]["properties"]["name"],
        "凤凰街道群众诉求服务大厅"
    );
}

#[test]
fn geopackage_in_epsg_4547_made_by_ogr2ogr_is_unprojected_within_1_m() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = write_points(dir.path());
    let gpkg = dir.path().join("gk.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-t_srs",
        "EPSG:4547",
        gpkg.to_str().expect("utf8"),
        src.to_str().expect("utf8"),
    ]);
    let source = read(&gpkg, &ReadOptions::default());
    let crs = source.crs.expect("declared");
    assert!(
        matches!(
            crs,
            Crs::GaussKruger {
                epsg: Some(4547),
                ..
            }
        ),
        "{crs:?}"
    );
    check_points(&source.records, &crs);
}

#[test]
fn kml_made_by_ogr2ogr_keeps_names_and_extended_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = write_points(dir.path());
    let kml = dir.path().join("points.kml");
    ogr2ogr(&[
        "-f",
        "KML",
        kml.to_str().expect("utf8"),
        src.to_str().expect("utf8"),
    ]);
    let source = read(&kml, &ReadOptions::default());
    assert_eq!(source.crs, Some(Crs::Wgs84));
    check_points(&source.records, &Crs::Wgs84);
}

#[test]
fn csv_and_xlsx_made_by_ogr2ogr_give_coordinate_columns_the_mapping_finds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = write_points(dir.path());
    let csv = dir.path().join("points.csv");
    // Easting/northing in EPSG:4547, as a grid office's spreadsheet would have them.
    ogr2ogr(&[
        "-f",
        "CSV",
        "-t_srs",
        "EPSG:4547",
        "-lco",
        "GEOMETRY=AS_XY",
        csv.to_str().expect("utf8"),
        src.to_str().expect("utf8"),
    ]);
    // A spreadsheet with X/Y columns: reproject first, then compute the columns from the
    // projected geometry (SQL runs before -t_srs would).
    let gk = dir.path().join("gk.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-t_srs",
        "EPSG:4547",
        gk.to_str().expect("utf8"),
        src.to_str().expect("utf8"),
    ]);
    let xlsx = dir.path().join("points.xlsx");
    ogr2ogr(&[
        "-f",
        "XLSX",
        "-dialect",
        "SQLite",
        "-sql",
        "SELECT \"编号\", \"名称\", \"级别\", \"服务\", ST_X(geom) AS X, ST_Y(geom) AS Y FROM points",
        xlsx.to_str().expect("utf8"),
        gk.to_str().expect("utf8"),
    ]);
    for path in [&csv, &xlsx] {
        let source = read(path, &ReadOptions::default());
        assert!(source.format.is_table(), "{:?}", source.format);
        let mut m = Mapping::suggest("stations", &source).expect("suggest");
        assert_eq!(
            m.crs.as_deref(),
            Some("EPSG:4547"),
            "{}: metres around Shenzhen",
            path.display()
        );
        for (target, field) in [("id", "编号"), ("level", "级别"), ("services", "服务")] {
            m.fields.insert(target.into(), field.into());
        }
        let out = m
            .apply(&source, None, &onemap_progress::Progress::new())
            .expect("apply");
        assert!(
            out.problems.is_empty(),
            "{}: {:?}",
            path.display(),
            out.problems
        );
        let source_json: serde_json::Value = serde_json::from_str(POINTS).expect("json");
        for (f, want) in out
            .features
            .iter()
            .zip(source_json["features"].as_array().expect("features"))
        {
            assert_eq!(
                f["properties"]["name"],
                want["properties"]["名称"],
                "{}",
                path.display()
            );
            let got: Vec<f64> = f["geometry"]["coordinates"]
                .as_array()
                .expect("point")
                .iter()
                .filter_map(serde_json::Value::as_f64)
                .collect();
            let w: Vec<f64> = want["geometry"]["coordinates"]
                .as_array()
                .expect("point")
                .iter()
                .filter_map(serde_json::Value::as_f64)
                .collect();
            let d = metres_between(&got, &w);
            assert!(d < 1.0, "{}: {d:.3} m", path.display());
        }
    }
}

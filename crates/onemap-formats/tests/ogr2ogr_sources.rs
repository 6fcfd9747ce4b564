//! Sources made by an independent tool, GDAL's `ogr2ogr` (Debian's gdal-bin), read back by
//! OneMap's readers. The test fails, not skips, when ogr2ogr is missing.

use std::path::Path;
use std::process::Command;

use onemap_formats::crs::Crs;

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

//! Plain exports: the per-unit coverage table as CSV and the coverage gaps as GeoJSON.

use onemap_geo::atlas::Atlas;
use onemap_geo::gaps::Gaps;
use onemap_geo::scenario::UnitChange;
use serde_json::{Value, json};

use crate::Lang;
use crate::document::service_name;

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        String::new()
    } else {
        format!("{:.4}", part as f64 / whole as f64)
    }
}

/// The coverage table as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
/// Chinese names right): one row per unit and service, saved and scenario figures side by side
/// (equal without a scenario). Column names are English identifiers; `service_name` is in
/// `lang`.
///
/// ```
/// use std::sync::Arc;
/// use onemap_geo::{atlas::Atlas, dataset::AdminLevel, scenario::Baseline};
/// let base = Baseline::new(Arc::new(Atlas::example()), 500.0);
/// let csv = onemap_report::export::coverage_csv(&[base.units(AdminLevel::Subgrid, None)],
///     onemap_report::Lang::ZhCn);
/// let lines: Vec<&str> = csv.lines().collect();
/// assert!(lines[0].starts_with("\u{feff}level,code,name,service,service_name,buildings"));
/// assert_eq!(lines.len(), 3);
/// assert!(lines[1].starts_with("subgrid,440311001001001,光明社区第1小分格,any,任一服务,2,"));
/// ```
#[must_use]
pub fn coverage_csv(per_service: &[Vec<UnitChange>], lang: Lang) -> String {
    let mut out = String::from(
        "\u{feff}level,code,name,service,service_name,buildings,residents,warning_buildings,area_km2,\
         buildings_covered,residents_covered,warning_covered,uncovered_km2,resident_share,\
         buildings_covered_scenario,residents_covered_scenario,warning_covered_scenario,\
         uncovered_km2_scenario,resident_share_scenario\n",
    );
    for rows in per_service {
        for r in rows {
            let cells = [
                r.level.as_str().to_string(),
                r.code.clone(),
                r.name.clone(),
                r.service.map_or("any", |s| s.as_str()).to_string(),
                service_name(lang, r.service).to_string(),
                r.totals.buildings.to_string(),
                r.totals.residents.to_string(),
                r.totals.warning.to_string(),
                format!("{:.4}", r.totals.area_m2 / 1e6),
                r.base.buildings.to_string(),
                r.base.residents.to_string(),
                r.base.warning.to_string(),
                format!("{:.4}", r.base.uncovered_m2 / 1e6),
                share(r.base.residents, r.totals.residents),
                r.now.buildings.to_string(),
                r.now.residents.to_string(),
                r.now.warning.to_string(),
                format!("{:.4}", r.now.uncovered_m2 / 1e6),
                share(r.now.residents, r.totals.residents),
            ];
            out.push_str(
                &cells
                    .iter()
                    .map(|c| csv_field(c))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push('\n');
        }
    }
    out
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

fn ring(ls: &geo::LineString<f64>) -> Value {
    Value::Array(
        ls.0.iter()
            .map(|c| json!([round7(c.x), round7(c.y)]))
            .collect(),
    )
}

/// The gaps as a GeoJSON FeatureCollection (WGS84): one Polygon feature per uncovered area
/// (`kind: "gap"`, with its area, buildings and residents), then one Point feature per
/// uncovered building (`kind: "uncovered_building"`).
///
/// ```
/// let atlas = onemap_geo::atlas::Atlas::example();
/// let g = atlas.gaps(None, 500.0);
/// let text = onemap_report::export::gaps_geojson(&atlas, &g);
/// let v: serde_json::Value = serde_json::from_str(&text).unwrap();
/// let kinds: Vec<&str> = v["features"].as_array().unwrap().iter()
///     .map(|f| f["properties"]["kind"].as_str().unwrap()).collect();
/// assert_eq!(kinds.iter().filter(|k| **k == "uncovered_building").count(), 2);
/// ```
#[must_use]
pub fn gaps_geojson(atlas: &Atlas, g: &Gaps) -> String {
    let service = g.service.map_or("any", |s| s.as_str());
    let mut features: Vec<Value> = Vec::new();
    for (i, p) in g.polygons.iter().enumerate() {
        let mut rings = vec![ring(p.geometry.exterior())];
        rings.extend(p.geometry.interiors().iter().map(ring));
        let id = format!("GAP-{:04}", i + 1);
        features.push(json!({"type": "Feature", "id": id,
            "properties": {"id": id, "kind": "gap", "service": service,
                "radius_m": g.radius_m, "area_km2": p.area_km2, "buildings": p.buildings,
                "residents": p.residents},
            "geometry": {"type": "Polygon", "coordinates": rings}}));
    }
    for &b in &g.uncovered_buildings {
        let bl = &atlas.buildings()[b];
        features.push(json!({"type": "Feature", "id": bl.id,
            "properties": {"id": bl.id, "kind": "uncovered_building", "service": service,
                "rating": bl.rating, "residents": bl.residents, "address": bl.address},
            "geometry": {"type": "Point", "coordinates": [bl.lon, bl.lat]}}));
    }
    let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, f) in features.iter().enumerate() {
        text.push_str(&f.to_string());
        text.push_str(if i + 1 < features.len() { ",\n" } else { "\n" });
    }
    text.push_str("]}\n");
    text
}

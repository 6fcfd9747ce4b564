//! Layers in the database: import (validate everything, then write in one transaction), export
//! to GeoJSON and CSV, building ratings with their history, and the dataset the Atlas is built
//! from.

use std::collections::{BTreeSet, HashSet};

use geo::{BoundingRect, Validation};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::Row;

use crate::bus::ChangeKind;
use crate::datum::Datum;
use crate::error::{Error, FeatureProblem, Result};
use crate::geometry;
use crate::store::{Engine, Store, notify, with_db};
use crate::time::Millis;
use onemap_progress::Progress;

/// What a layer must look like.
#[derive(Debug, Clone, Copy)]
pub struct LayerSpec {
    /// File stem (`buildings`).
    pub name: &'static str,
    /// Allowed geometry types (empty: the geometry must be null).
    pub geometry: &'static [&'static str],
    /// The property holding the id.
    pub id_key: &'static str,
    /// Properties every feature must have.
    pub required: &'static [&'static str],
}

const AREAS: &[&str] = &["Polygon", "MultiPolygon"];

/// The layers of a dataset (geodata/SCHEMA.md).
pub const LAYERS: &[LayerSpec] = &[
    LayerSpec {
        name: "districts",
        geometry: AREAS,
        id_key: "code",
        required: &["code", "name"],
    },
    LayerSpec {
        name: "streets",
        geometry: AREAS,
        id_key: "code",
        required: &["code", "name", "district_code"],
    },
    LayerSpec {
        name: "communities",
        geometry: AREAS,
        id_key: "code",
        required: &["code", "name", "street_code"],
    },
    LayerSpec {
        name: "subgrids",
        geometry: AREAS,
        id_key: "code",
        required: &["code", "name", "community_code"],
    },
    LayerSpec {
        name: "stations",
        geometry: &["Point"],
        id_key: "id",
        required: &["id", "name", "level", "services"],
    },
    LayerSpec {
        name: "buildings",
        geometry: &["Point"],
        id_key: "id",
        required: &["id", "rating"],
    },
    LayerSpec {
        name: "cameras",
        geometry: &["Point"],
        id_key: "id",
        required: &["id", "kind"],
    },
    LayerSpec {
        name: "roads",
        geometry: &["LineString", "MultiLineString"],
        id_key: "id",
        required: &["id", "class"],
    },
    LayerSpec {
        name: "matters",
        geometry: &[],
        id_key: "code",
        required: &[
            "code",
            "name",
            "domain",
            "default_level",
            "notice_minutes",
            "meet_minutes",
            "resolve",
        ],
    },
    LayerSpec {
        name: "cases",
        geometry: &["Point"],
        id_key: "id",
        required: &["id", "channel", "matter", "level", "reported_at", "outcome"],
    },
];

/// Building ratings (放心级 / 一般级 / 警示级).
pub const RATINGS: [&str; 3] = ["safe", "general", "warning"];

/// Shenzhen's bounding box (lon/lat), the region used before a districts layer is stored.
pub const SHENZHEN_BBOX: [f64; 4] = [113.75, 22.44, 114.63, 22.87];
/// How far outside the districts' bounding box a coordinate may lie, in degrees (≈ 11 km).
pub const NEAR_MARGIN_DEG: f64 = 0.1;

/// The spec of a layer by name.
pub fn spec(name: &str) -> Result<&'static LayerSpec> {
    LAYERS.iter().find(|s| s.name == name).ok_or_else(|| {
        Error::invalid(format!(
            "unknown layer {name:?} (one of: {})",
            LAYERS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// A feature that passed validation, in WGS84.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidFeature {
    /// Its id.
    pub id: String,
    /// GeoJSON geometry (WGS84), or `None` for attribute-only layers.
    pub geometry: Option<Value>,
    /// Its properties.
    pub properties: Map<String, Value>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The layer.
    pub layer: String,
    /// Features written.
    pub count: usize,
    /// The datum converted from.
    pub datum: Datum,
}

/// A building rating change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatingChange {
    /// The building.
    pub building_id: String,
    /// Before.
    pub old_rating: String,
    /// After.
    pub new_rating: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub actor: String,
    /// When.
    pub at: Millis,
}

/// Output formats of [`Store::export_layer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A GeoJSON FeatureCollection, one feature per line.
    GeoJson,
    /// CSV: `id`, `lon`, `lat` (points; else empty), `geometry` (GeoJSON text for others),
    /// then one column per property.
    Csv,
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Validates a whole FeatureCollection for `layer`, converting from `datum`; `region` is the
/// lon/lat box coordinates must lie in. Every problem is reported, each naming its feature.
pub fn validate(
    layer: &str,
    text: &str,
    datum: Datum,
    region: [f64; 4],
) -> Result<Vec<ValidFeature>> {
    spec(layer)?;
    let fc: Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid(format!("{layer}: not JSON: {e}")))?;
    if fc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(Error::invalid(format!(
            "{layer}: not a GeoJSON FeatureCollection"
        )));
    }
    let features = fc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::invalid(format!("{layer}: FeatureCollection has no features array"))
        })?;
    let (valid, problems) = check_features(layer, features, datum, region)?;
    if problems.is_empty() {
        Ok(valid)
    } else {
        Err(Error::BadFeatures {
            layer: layer.to_string(),
            problems,
        })
    }
}

/// Checks GeoJSON Feature objects for `layer` as [`validate`] does, converting from `datum`;
/// returns the features that passed and every problem (by index into `features`).
pub fn check_features(
    layer: &str,
    features: &[Value],
    datum: Datum,
    region: [f64; 4],
) -> Result<(Vec<ValidFeature>, Vec<FeatureProblem>)> {
    let spec = spec(layer)?;
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(features.len());
    for (index, f) in features.iter().enumerate() {
        let props = f.get("properties").and_then(Value::as_object);
        let id = props
            .and_then(|p| p.get(spec.id_key))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| f.get("id").and_then(Value::as_str).map(str::to_string));
        let mut problem = |reason: String| {
            problems.push(FeatureProblem {
                index,
                id: id.clone(),
                reason,
            })
        };
        if f.get("type").and_then(Value::as_str) != Some("Feature") {
            problem("not a GeoJSON Feature".into());
            continue;
        }
        let Some(props) = props else {
            problem("has no properties object".into());
            continue;
        };
        let missing: Vec<&str> = spec
            .required
            .iter()
            .copied()
            .filter(|k| props.get(*k).is_none_or(Value::is_null))
            .collect();
        if !missing.is_empty() {
            problem(format!(
                "missing required properties: {}",
                missing.join(", ")
            ));
            continue;
        }
        let Some(fid) = id.clone().filter(|s| !s.trim().is_empty()) else {
            problem(format!("its {} is not a non-empty string", spec.id_key));
            continue;
        };
        if let Some(member) = f.get("id").and_then(Value::as_str)
            && member != fid
        {
            problem(format!(
                "its id member {member:?} differs from properties.{}",
                spec.id_key
            ));
            continue;
        }
        if !seen.insert(fid.clone()) {
            problem(format!("duplicate id {fid}"));
            continue;
        }
        if layer == "buildings"
            && !props
                .get("rating")
                .and_then(Value::as_str)
                .is_some_and(|r| RATINGS.contains(&r))
        {
            problem(format!("rating must be one of {}", RATINGS.join(", ")));
            continue;
        }
        let geometry = f.get("geometry").filter(|g| !g.is_null());
        let geometry = match (spec.geometry.is_empty(), geometry) {
            (true, None) => None,
            (true, Some(_)) => {
                problem("this layer has no geometry; expected null".into());
                continue;
            }
            (false, None) => {
                problem("has no geometry".into());
                continue;
            }
            (false, Some(g)) => {
                let ty = g.get("type").and_then(Value::as_str).unwrap_or("?");
                if !spec.geometry.contains(&ty) {
                    problem(format!(
                        "geometry is {ty}, expected {}",
                        spec.geometry.join(" or ")
                    ));
                    continue;
                }
                let mut g = g.clone();
                if let Err(e) = geometry::parse(&g) {
                    problem(format!("invalid geometry: {e}"));
                    continue;
                }
                if datum != Datum::Wgs84 {
                    geometry::transform(&mut g, &|x, y| datum.to_wgs84(x, y));
                }
                let shape = match geometry::parse(&g) {
                    Ok(s) => s,
                    Err(e) => {
                        problem(format!("invalid geometry after datum conversion: {e}"));
                        continue;
                    }
                };
                if let Some(r) = shape.bounding_rect() {
                    let [x0, y0, x1, y1] = region;
                    let m = NEAR_MARGIN_DEG;
                    if r.min().x < x0 - m
                        || r.max().x > x1 + m
                        || r.min().y < y0 - m
                        || r.max().y > y1 + m
                    {
                        problem(format!(
                            "lies outside the district region (lon {:.4}..{:.4}, lat {:.4}..{:.4}); wrong datum or axis order?",
                            r.min().x,
                            r.max().x,
                            r.min().y,
                            r.max().y
                        ));
                        continue;
                    }
                }
                if let Err(e) = shape.check_validation() {
                    problem(format!("invalid geometry: {e}"));
                    continue;
                }
                Some(g)
            }
        };
        out.push(ValidFeature {
            id: fid,
            geometry,
            properties: props.clone(),
        });
    }
    Ok((out, problems))
}

impl Store {
    /// The lon/lat box imported coordinates must lie near: the stored districts' bounding box,
    /// or Shenzhen's before any district is stored.
    pub async fn region(&self) -> Result<[f64; 4]> {
        let layers = self.layer_features("districts").await?;
        let mut acc: Option<[f64; 4]> = None;
        for f in layers {
            if let Some(g) = f.geometry.as_ref().and_then(|g| geometry::parse(g).ok())
                && let Some(r) = g.bounding_rect()
            {
                let b = acc.get_or_insert([r.min().x, r.min().y, r.max().x, r.max().y]);
                b[0] = b[0].min(r.min().x);
                b[1] = b[1].min(r.min().y);
                b[2] = b[2].max(r.max().x);
                b[3] = b[3].max(r.max().y);
            }
        }
        Ok(acc.unwrap_or(SHENZHEN_BBOX))
    }

    /// Imports a layer from GeoJSON text: validates every feature first and writes nothing if
    /// any is bad; otherwise replaces the layer in one transaction, rebuilds the Atlas and
    /// announces the change. `matters` also updates the catalogue; `cases` appends history.
    pub async fn import_layer(
        &self,
        layer: &str,
        text: &str,
        datum: Datum,
    ) -> Result<ImportReport> {
        let region = self.region().await?;
        let features = validate(layer, text, datum, region)?;
        self.write_layer(layer, features, datum, &Progress::new())
            .await
    }

    /// Writes validated features: replaces the layer in one transaction (appends, for
    /// `cases`), rebuilds the Atlas and announces the change. Cancelling through `progress`
    /// rolls the transaction back: nothing is written.
    pub async fn write_layer(
        &self,
        layer: &str,
        features: Vec<ValidFeature>,
        datum: Datum,
        progress: &Progress,
    ) -> Result<ImportReport> {
        if layer == "cases" {
            progress.stage("writing cases", features.len() as u64);
            let n = crate::history::load_history(self, &features).await?;
            return Ok(ImportReport {
                layer: layer.into(),
                count: n,
                datum,
            });
        }
        if layer == "matters" {
            crate::history::check_matters(&features)?;
        }
        let now = self.now();
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            sqlx::query("DELETE FROM features WHERE layer = $1")
                .bind(layer)
                .execute(&mut *tx)
                .await?;
            progress.stage(&format!("writing {layer}"), features.len() as u64);
            for (chunk_no, chunk) in features.chunks(500).enumerate() {
                // Dropping the transaction on cancel rolls it back.
                progress.check()?;
                progress.advance(chunk.len() as u64);
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO features (layer, id, seq, geometry, properties) ",
                );
                qb.push_values(chunk.iter().enumerate(), |mut b, (i, f)| {
                    b.push_bind(layer)
                        .push_bind(f.id.clone())
                        .push_bind((chunk_no * 500 + i) as i64)
                        .push_bind(f.geometry.as_ref().map(Value::to_string))
                        .push_bind(Value::Object(f.properties.clone()).to_string());
                });
                qb.build().execute(&mut *tx).await?;
            }
            if layer == "matters" {
                for f in &features {
                    crate::history::upsert_matter!(tx, &f.properties);
                }
            }
            sqlx::query(
                "INSERT INTO layers (name, datum, imported_at, count) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO UPDATE SET datum = $2, imported_at = $3, count = $4",
            )
            .bind(layer)
            .bind(datum.as_str())
            .bind(now)
            .bind(features.len() as i64)
            .execute(&mut *tx)
            .await?;
            let change = self.change(ChangeKind::Layer, layer, "imported", 0);
            notify!(p, tx, change);
            // The last moment to cancel: after this the layer is written.
            progress.check()?;
            tx.commit().await?;
        });
        if layer == "matters" {
            self.forget_matters();
        }
        self.rebuild_atlas().await?;
        self.publish(self.change(ChangeKind::Layer, layer, "imported", 0));
        Ok(ImportReport {
            layer: layer.to_string(),
            count: features.len(),
            datum,
        })
    }

    /// The stored features of a layer, in import order.
    pub async fn layer_features(&self, layer: &str) -> Result<Vec<ValidFeature>> {
        with_db!(&self.inner.db, |p| {
            let rows = sqlx::query(
                "SELECT id, geometry, properties FROM features WHERE layer = $1 ORDER BY seq",
            )
            .bind(layer)
            .fetch_all(p)
            .await?;
            rows.iter()
                .map(|r| {
                    let g: Option<String> = r.try_get("geometry")?;
                    let props: String = r.try_get("properties")?;
                    let bad = |e: serde_json::Error| Error::invalid(format!("stored {layer}: {e}"));
                    Ok(ValidFeature {
                        id: r.try_get("id")?,
                        geometry: g
                            .map(|g| serde_json::from_str(&g))
                            .transpose()
                            .map_err(bad)?,
                        properties: serde_json::from_str(&props).map_err(bad)?,
                    })
                })
                .collect()
        })
    }

    /// The stored layers by name with their feature counts.
    pub async fn layers(&self) -> Result<Vec<(String, i64)>> {
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query("SELECT name, count FROM layers ORDER BY name")
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("name")?, r.try_get("count")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Every stored layer as GeoJSON text: what the Atlas is built from.
    pub async fn dataset(&self) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for (name, _) in self.layers().await? {
            if name == "cases" || name == "matters" {
                continue;
            }
            out.push((
                name.clone(),
                self.export_layer(&name, ExportFormat::GeoJson).await?,
            ));
        }
        Ok(out)
    }

    /// Exports a stored layer.
    pub async fn export_layer(&self, layer: &str, format: ExportFormat) -> Result<String> {
        spec(layer)?;
        let features = self.layer_features(layer).await?;
        Ok(match format {
            ExportFormat::GeoJson => {
                let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
                for (i, f) in features.iter().enumerate() {
                    let feat = json!({
                        "type": "Feature",
                        "id": f.id,
                        "geometry": f.geometry,
                        "properties": f.properties,
                    });
                    s.push_str(&feat.to_string());
                    s.push_str(if i + 1 < features.len() { ",\n" } else { "\n" });
                }
                s.push_str("]}\n");
                s
            }
            ExportFormat::Csv => {
                let keys: BTreeSet<&String> =
                    features.iter().flat_map(|f| f.properties.keys()).collect();
                let keys: Vec<&String> = keys.into_iter().filter(|k| k.as_str() != "id").collect();
                let mut rows = vec![
                    ["id", "lon", "lat", "geometry"]
                        .iter()
                        .map(|s| s.to_string())
                        .chain(keys.iter().map(|k| k.to_string()))
                        .collect::<Vec<_>>(),
                ];
                for f in &features {
                    let point = f.geometry.as_ref().filter(|g| g["type"] == "Point");
                    let (lon, lat, geom) = match (point, &f.geometry) {
                        (Some(p), _) => (
                            scalar_text(&p["coordinates"][0]),
                            scalar_text(&p["coordinates"][1]),
                            String::new(),
                        ),
                        (None, Some(g)) => (String::new(), String::new(), g.to_string()),
                        (None, None) => (String::new(), String::new(), String::new()),
                    };
                    let mut row = vec![f.id.clone(), lon, lat, geom];
                    row.extend(
                        keys.iter()
                            .map(|k| f.properties.get(*k).map(scalar_text).unwrap_or_default()),
                    );
                    rows.push(row);
                }
                rows.iter()
                    .map(|r| r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","))
                    .collect::<Vec<_>>()
                    .join("\n")
                    + "\n"
            }
        })
    }

    /// Changes a building's rating with a reason, keeping the history; rebuilds the Atlas.
    pub async fn set_building_rating(
        &self,
        building_id: &str,
        rating: &str,
        reason: &str,
        actor: &str,
    ) -> Result<RatingChange> {
        if !RATINGS.contains(&rating) {
            return Err(Error::invalid(format!(
                "rating must be one of {}, not {rating:?}",
                RATINGS.join(", ")
            )));
        }
        if reason.trim().is_empty() || actor.trim().is_empty() {
            return Err(Error::invalid(
                "a rating change needs a reason and an actor",
            ));
        }
        let now = self.now();
        let change = with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            let Some(row) = sqlx::query(
                "SELECT properties FROM features WHERE layer = 'buildings' AND id = $1",
            )
            .bind(building_id)
            .fetch_optional(&mut *tx)
            .await?
            else {
                return Err(Error::NotFound {
                    what: "building",
                    id: building_id.to_string(),
                });
            };
            let text: String = row.try_get(0)?;
            let mut props: Map<String, Value> = serde_json::from_str(&text)
                .map_err(|e| Error::invalid(format!("stored building {building_id}: {e}")))?;
            let old = props.get("rating").map(scalar_text).unwrap_or_default();
            if old == rating {
                return Err(Error::invalid(format!(
                    "building {building_id} is already {rating}"
                )));
            }
            props.insert("rating".into(), Value::String(rating.into()));
            sqlx::query(
                "UPDATE features SET properties = $2 WHERE layer = 'buildings' AND id = $1",
            )
            .bind(building_id)
            .bind(Value::Object(props).to_string())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO rating_history (building_id, old_rating, new_rating, reason, actor, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(building_id)
            .bind(&old)
            .bind(rating)
            .bind(reason)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let change = self.change(ChangeKind::Layer, "buildings", "rating_changed", 0);
            notify!(p, tx, change);
            tx.commit().await?;
            RatingChange {
                building_id: building_id.into(),
                old_rating: old,
                new_rating: rating.into(),
                reason: reason.into(),
                actor: actor.into(),
                at: now,
            }
        });
        self.rebuild_atlas().await?;
        self.publish(self.change(ChangeKind::Layer, "buildings", "rating_changed", 0));
        Ok(change)
    }

    /// A building's rating history, oldest first.
    pub async fn rating_history(&self, building_id: &str) -> Result<Vec<RatingChange>> {
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query(
                "SELECT building_id, old_rating, new_rating, reason, actor, at FROM rating_history \
                 WHERE building_id = $1 ORDER BY seq",
            )
            .bind(building_id)
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| {
                Ok(RatingChange {
                    building_id: r.try_get("building_id")?,
                    old_rating: r.try_get("old_rating")?,
                    new_rating: r.try_get("new_rating")?,
                    reason: r.try_get("reason")?,
                    actor: r.try_get("actor")?,
                    at: r.try_get("at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

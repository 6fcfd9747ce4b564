//! Planning scenarios in the store: named what-if plans ([`Plan`]: the stations a scenario
//! adds, changes and removes) saved with optimistic versions, and applying one, which rewrites
//! the stations layer through the validated import path ([`Store::import_layer`]) and so
//! rebuilds and swaps the Atlas.
//!
//! Migration `0003_scenarios.sql`. An applied scenario stays as the record of what was applied
//! and cannot be edited or applied again.

use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::Row;

use crate::datum::Datum;
use crate::error::{Error, Result};
use crate::layers::ImportReport;
use crate::store::{Engine, Store, with_db};
use crate::time::Millis;
use onemap_geo::scenario::{Plan, PlannedStation};

/// A saved scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedScenario {
    /// Id (`SC-0001`).
    pub id: String,
    /// Name (unique).
    pub name: String,
    /// Free text.
    pub note: String,
    /// Its changes.
    pub plan: Plan,
    /// Version, starting at 1; every save adds 1.
    pub version: i64,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: Millis,
    /// Who saved it last.
    pub updated_by: String,
    /// When.
    pub updated_at: Millis,
    /// When it was applied to the stations layer, if it was.
    pub applied_at: Option<Millis>,
    /// By whom.
    pub applied_by: Option<String>,
}

fn check_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(Error::invalid(
            "a scenario needs a name of 1 to 100 characters",
        ));
    }
    Ok(n.to_string())
}

fn plan_text(plan: &Plan) -> Result<String> {
    serde_json::to_string(plan).map_err(|e| Error::invalid(format!("plan: {e}")))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn taken(name: &str) -> Error {
    Error::invalid(format!("a scenario named {name:?} already exists"))
}

macro_rules! read_scenario {
    ($r:expr) => {{
        let r = $r;
        let plan: String = r.try_get("plan")?;
        SavedScenario {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            note: r.try_get("note")?,
            plan: serde_json::from_str(&plan)
                .map_err(|e| Error::invalid(format!("stored scenario plan: {e}")))?,
            version: r.try_get("version")?,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            updated_by: r.try_get("updated_by")?,
            updated_at: r.try_get("updated_at")?,
            applied_at: r.try_get("applied_at")?,
            applied_by: r.try_get("applied_by")?,
        }
    }};
}

const COLUMNS: &str = "id, name, note, plan, version, created_by, created_at, updated_by, \
                       updated_at, applied_at, applied_by";

impl Store {
    /// Creates a scenario (version 1) with a fresh id.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty or taken name.
    pub async fn create_scenario(
        &self,
        name: &str,
        note: &str,
        plan: &Plan,
        actor: &str,
    ) -> Result<SavedScenario> {
        let name = check_name(name)?;
        let text = plan_text(plan)?;
        let now = self.now();
        let id = with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            let n: i64 = sqlx::query(
                "INSERT INTO counters (name, value) VALUES ('scenario', 1) ON CONFLICT (name) \
                 DO UPDATE SET value = counters.value + 1 RETURNING value",
            )
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            let id = format!("SC-{n:04}");
            let r = sqlx::query(
                "INSERT INTO scenarios (id, name, note, plan, version, created_by, created_at, \
                 updated_by, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $5, $6)",
            )
            .bind(&id)
            .bind(&name)
            .bind(note)
            .bind(&text)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await;
            match r {
                Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
                r => r?,
            };
            tx.commit().await?;
            id
        });
        self.scenario(&id).await
    }

    /// Saves a scenario's name, note and plan, if `expected_version` is still its version.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Conflict`] when someone saved it since; [`Error::Invalid`]
    /// for a bad or taken name, or an applied scenario.
    pub async fn save_scenario(
        &self,
        id: &str,
        name: &str,
        note: &str,
        plan: &Plan,
        expected_version: i64,
        actor: &str,
    ) -> Result<SavedScenario> {
        let name = check_name(name)?;
        let text = plan_text(plan)?;
        let now = self.now();
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query("SELECT version, applied_at FROM scenarios WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| Error::NotFound {
                    what: "scenario",
                    id: id.to_string(),
                })?;
            let version: i64 = row.try_get(0)?;
            let applied: Option<i64> = row.try_get(1)?;
            if applied.is_some() {
                return Err(Error::invalid(format!(
                    "scenario {id} was applied and is kept as a record; start a new scenario"
                )));
            }
            if version != expected_version {
                return Err(Error::Conflict {
                    what: "scenario",
                    id: id.to_string(),
                    expected: expected_version,
                    actual: version,
                });
            }
            let r = sqlx::query(
                "UPDATE scenarios SET name = $2, note = $3, plan = $4, version = version + 1, \
                 updated_by = $5, updated_at = $6 WHERE id = $1",
            )
            .bind(id)
            .bind(&name)
            .bind(note)
            .bind(&text)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await;
            match r {
                Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
                r => r?,
            };
            tx.commit().await?;
        });
        self.scenario(id).await
    }

    /// A saved scenario.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub async fn scenario(&self, id: &str) -> Result<SavedScenario> {
        let sql = format!("SELECT {COLUMNS} FROM scenarios WHERE id = $1");
        with_db!(&self.inner.db, |p| {
            let row = sqlx::query(&sql)
                .bind(id)
                .fetch_optional(p)
                .await?
                .ok_or_else(|| Error::NotFound {
                    what: "scenario",
                    id: id.to_string(),
                })?;
            Ok(read_scenario!(&row))
        })
    }

    /// Every saved scenario, most recently saved first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn scenarios(&self) -> Result<Vec<SavedScenario>> {
        let sql = format!("SELECT {COLUMNS} FROM scenarios ORDER BY updated_at DESC, id DESC");
        with_db!(&self.inner.db, |p| {
            let rows = sqlx::query(&sql).fetch_all(p).await?;
            rows.iter()
                .map(|r| Ok(read_scenario!(r)))
                .collect::<Result<Vec<_>>>()
        })
    }

    /// Deletes a scenario, if `expected_version` is still its version.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Conflict`].
    pub async fn delete_scenario(&self, id: &str, expected_version: i64) -> Result<()> {
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            let version: i64 = sqlx::query("SELECT version FROM scenarios WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| Error::NotFound {
                    what: "scenario",
                    id: id.to_string(),
                })?
                .try_get(0)?;
            if version != expected_version {
                return Err(Error::Conflict {
                    what: "scenario",
                    id: id.to_string(),
                    expected: expected_version,
                    actual: version,
                });
            }
            sqlx::query("DELETE FROM scenarios WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Applies a saved scenario (at `expected_version`) to the stations layer: the stored
    /// stations with the plan's removals, changes and additions, written through
    /// [`Store::import_layer`] (validated, all or nothing, Atlas rebuilt and swapped), then the
    /// scenario marked applied.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Conflict`] for a stale version; [`Error::Invalid`] when the
    /// plan no longer fits the stations layer (a changed or removed station is gone, a new id
    /// is taken) or the scenario was applied already; import errors.
    pub async fn apply_scenario(
        &self,
        id: &str,
        expected_version: i64,
        actor: &str,
    ) -> Result<ImportReport> {
        let sc = self.scenario(id).await?;
        if sc.applied_at.is_some() {
            return Err(Error::invalid(format!("scenario {id} was applied already")));
        }
        if sc.version != expected_version {
            return Err(Error::Conflict {
                what: "scenario",
                id: id.to_string(),
                expected: expected_version,
                actual: sc.version,
            });
        }
        let text = self.stations_with_plan(&sc.plan, id).await?;
        let report = self.import_layer("stations", &text, Datum::Wgs84).await?;
        let now = self.now();
        with_db!(&self.inner.db, |p| {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "UPDATE scenarios SET applied_at = $2, applied_by = $3, version = version + 1 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(report)
    }

    /// The stations layer as GeoJSON text with `plan` applied (nothing written).
    ///
    /// # Errors
    /// [`Error::Invalid`] when the plan does not fit the stored stations.
    pub async fn stations_with_plan(&self, plan: &Plan, scenario_id: &str) -> Result<String> {
        let stored = self.layer_features("stations").await?;
        let known: std::collections::HashSet<&str> = stored.iter().map(|f| f.id.as_str()).collect();
        for id in plan
            .removed
            .iter()
            .chain(plan.changed.iter().map(|c| &c.id))
        {
            if !known.contains(id.as_str()) {
                return Err(Error::invalid(format!(
                    "the plan changes station {id}, which is no longer in the stations layer"
                )));
            }
        }
        for a in &plan.added {
            if known.contains(a.id.as_str()) {
                return Err(Error::invalid(format!(
                    "the plan adds station {}, but that id is taken in the stations layer",
                    a.id
                )));
            }
        }
        let locator = self.locator();
        let place = |props: &mut Map<String, Value>, p: &PlannedStation| {
            props.insert("id".into(), p.id.clone().into());
            props.insert("name".into(), p.name.clone().into());
            props.insert("level".into(), json!(p.level));
            props.insert("services".into(), json!(p.services));
            if let Some(loc) = locator.locate(p.lon, p.lat) {
                props.insert("subgrid_code".into(), loc.subgrid_code.into());
                props.insert("community_code".into(), loc.community_code.into());
                props.insert("street_code".into(), loc.street_code.into());
            }
        };
        let point = |p: &PlannedStation| json!({"type": "Point", "coordinates": [p.lon, p.lat]});
        let mut features = Vec::with_capacity(stored.len() + plan.added.len());
        for f in stored {
            if plan.removed.contains(&f.id) {
                continue;
            }
            let mut props = f.properties.clone();
            let mut geometry = f.geometry.clone();
            if let Some(c) = plan.changed.iter().find(|c| c.id == f.id) {
                place(&mut props, c);
                props.insert("planned_in".into(), scenario_id.into());
                geometry = Some(point(c));
            }
            features.push(
                json!({"type": "Feature", "id": f.id, "geometry": geometry, "properties": props}),
            );
        }
        for a in &plan.added {
            let mut props = Map::new();
            place(&mut props, a);
            props.insert("hours".into(), "".into());
            props.insert("planned_in".into(), scenario_id.into());
            props.insert("synthetic".into(), false.into());
            features.push(
                json!({"type": "Feature", "id": a.id, "geometry": point(a), "properties": props}),
            );
        }
        Ok(json!({"type": "FeatureCollection", "features": features}).to_string())
    }
}

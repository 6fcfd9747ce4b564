//! Loading a dataset: the first run loads the bundled dataset (layers, matter catalogue, case
//! history) into an empty store. Historical cases become cases with the events their
//! timestamps imply (`reported`, `noticed`, `met`, `dispatched`/`accepted`/`submitted` or the
//! L1 `corrected`, `approved`), checked against the loop and folded into the row exactly as
//! live cases are.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde_json::{Map, Value};
use sqlx::Row;

use crate::bus::ChangeKind;
use crate::clocks::{ClockKind, Deadlines};
use crate::datum::Datum;
use crate::error::{Error, FeatureProblem, Result};
use crate::layers::{ImportReport, ValidFeature};
use crate::lifecycle::{Progress, Step};
use crate::locate::Location;
use crate::matters::{Matter, ResolveWithin};
use crate::model::{Channel, Grade, Level, Outcome, State, Tier, Urgency};
use crate::store::{Engine, Store, notify, with_db};
use crate::time::{Millis, local_day, parse_instant};

/// The order layers are loaded in (areas first so later layers can be checked against them).
pub const LOAD_ORDER: [&str; 10] = [
    "districts",
    "streets",
    "communities",
    "subgrids",
    "stations",
    "buildings",
    "cameras",
    "roads",
    "matters",
    "cases",
];

fn text<'a>(p: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub(crate) fn matter_from_props(p: &Map<String, Value>) -> Result<Matter> {
    let int = |k: &str| {
        p.get(k)
            .and_then(Value::as_i64)
            .filter(|n| *n > 0)
            .ok_or_else(|| Error::invalid(format!("{k} must be a positive whole number")))
    };
    Ok(Matter {
        code: text(p, "code").unwrap_or_default().to_string(),
        name: text(p, "name").unwrap_or_default().to_string(),
        domain: text(p, "domain").unwrap_or_default().to_string(),
        domain_name: text(p, "domain_name").unwrap_or_default().to_string(),
        default_level: Level::parse(text(p, "default_level").unwrap_or_default())?,
        notice_minutes: int("notice_minutes")?,
        meet_minutes: int("meet_minutes")?,
        resolve: ResolveWithin::parse(text(p, "resolve").unwrap_or_default())?,
    })
}

/// Checks every matter's fields, naming the bad ones.
pub(crate) fn check_matters(features: &[ValidFeature]) -> Result<()> {
    let problems: Vec<FeatureProblem> = features
        .iter()
        .enumerate()
        .filter_map(|(index, f)| {
            matter_from_props(&f.properties)
                .err()
                .map(|e| FeatureProblem {
                    index,
                    id: Some(f.id.clone()),
                    reason: e.to_string(),
                })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::BadFeatures {
            layer: "matters".into(),
            problems,
        })
    }
}

macro_rules! upsert_matter {
    ($tx:expr, $props:expr) => {{
        let m = $crate::history::matter_from_props($props)?;
        sqlx::query(
            "INSERT INTO matters (code, name, domain, domain_name, default_level, \
             notice_minutes, meet_minutes, resolve) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (code) DO UPDATE SET name = $2, domain = $3, domain_name = $4, \
             default_level = $5, notice_minutes = $6, meet_minutes = $7, resolve = $8",
        )
        .bind(&m.code)
        .bind(&m.name)
        .bind(&m.domain)
        .bind(&m.domain_name)
        .bind(m.default_level.as_str())
        .bind(m.notice_minutes)
        .bind(m.meet_minutes)
        .bind(m.resolve.as_string())
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use upsert_matter;

/// A derived event: (version, kind, from, to, at, detail).
type HistEvent = (i64, &'static str, State, State, Millis, Option<String>);

/// One historical case ready to write.
struct HistCase {
    id: String,
    props: Map<String, Value>,
    lon: f64,
    lat: f64,
    location: Option<Location>,
    channel: Channel,
    level: Level,
    grade: Grade,
    reported_at: Millis,
    deadlines: Deadlines,
    progress: Progress,
    events: Vec<HistEvent>,
}

fn hist_case(f: &ValidFeature, matters: &BTreeMap<String, Matter>) -> Result<HistCase> {
    let p = &f.properties;
    let t = |k: &str| -> Result<Option<Millis>> {
        match text(p, k) {
            None => Ok(None),
            Some(s) => parse_instant(s)
                .map(Some)
                .ok_or_else(|| Error::invalid(format!("{k} {s:?} is not an ISO 8601 instant"))),
        }
    };
    let channel = Channel::parse(text(p, "channel").unwrap_or_default())?;
    let code = text(p, "matter").unwrap_or_default();
    let matter = matters
        .get(code)
        .ok_or_else(|| Error::invalid(format!("matter {code:?} is not in the catalogue")))?;
    let level = Level::parse(text(p, "level").unwrap_or_default())?;
    let grade = Grade::new(p.get("grade").and_then(Value::as_i64).unwrap_or(3))?;
    let reported = t("reported_at")?.ok_or_else(|| Error::invalid("no reported_at"))?;
    let (noticed, met, resolved, closed) = (
        t("noticed_at")?,
        t("met_at")?,
        t("resolved_at")?,
        t("closed_at")?,
    );
    let outcome = text(p, "outcome").unwrap_or_default();
    if !matches!(outcome, "resolved" | "unresolved" | "open") {
        return Err(Error::invalid(format!(
            "outcome {outcome:?} is not resolved, unresolved or open"
        )));
    }
    if outcome != "open" && closed.is_none() {
        return Err(Error::invalid(format!("a {outcome} case needs closed_at")));
    }
    for (k, v) in [
        ("noticed_at", noticed),
        ("met_at", met),
        ("resolved_at", resolved),
        ("closed_at", closed),
    ] {
        if v.is_some_and(|v| v < reported) {
            return Err(Error::invalid(format!("{k} is before reported_at")));
        }
    }
    let tier = Tier::for_level(level);
    // The steps the timestamps imply, in time order (state-preserving ones anywhere).
    let mut steps: Vec<(Millis, u8, Step)> = Vec::new();
    if let Some(n) = noticed {
        steps.push((n, 1, Step::Notice));
    }
    if let Some(m) = met {
        steps.push((m, 1, Step::Meet));
    }
    let done = resolved.or(if outcome == "unresolved" {
        closed
    } else {
        None
    });
    if level == Level::L1 && done.is_some() {
        steps.push((done.unwrap_or(reported), 2, Step::Correct));
    } else {
        steps.push((
            reported,
            0,
            Step::Dispatch {
                unit: tier.as_str().to_string(),
            },
        ));
        let start = met.unwrap_or(reported).min(done.unwrap_or(Millis::MAX));
        steps.push((start, 0, Step::Accept));
        if let Some(d) = done {
            steps.push((d, 2, Step::Submit));
        }
    }
    if let (Some(c), "resolved" | "unresolved") = (closed, outcome) {
        steps.push((
            c,
            3,
            Step::Approve {
                outcome: Outcome::parse(outcome)?,
            },
        ));
    }
    steps.sort_by_key(|(at, rank, _)| (*at, *rank));
    let mut progress = Progress::empty(tier);
    progress.apply("reported", State::Reported, Some(tier.as_str()), reported);
    let mut events = vec![(
        1,
        "reported",
        State::Reported,
        State::Reported,
        reported,
        Some(tier.as_str().to_string()),
    )];
    for (at, _, step) in steps {
        let from = progress.state;
        let to = progress.check(level, &step).map_err(|why| {
            Error::invalid(format!(
                "history cannot {} a case that is {from}{why}",
                step.verb()
            ))
        })?;
        let detail = crate::lifecycle::step_detail(&progress, &step);
        progress.apply(step.event_kind(), to, detail.as_deref(), at);
        events.push((progress.version, step.event_kind(), from, to, at, detail));
    }
    let location = text(p, "subgrid_code").and_then(Location::from_subgrid_code);
    let (lon, lat) = f
        .geometry
        .as_ref()
        .and_then(|g| Some((g["coordinates"][0].as_f64()?, g["coordinates"][1].as_f64()?)))
        .unwrap_or((f64::NAN, f64::NAN));
    Ok(HistCase {
        id: f.id.clone(),
        props: p.clone(),
        lon,
        lat,
        location,
        channel,
        level,
        grade,
        reported_at: reported,
        deadlines: Deadlines::for_matter(matter, reported),
        progress,
        events,
    })
}

/// Appends historical cases with their events; refuses ids already stored. All or nothing.
pub(crate) async fn load_history(store: &Store, features: &[ValidFeature]) -> Result<usize> {
    let matters: BTreeMap<String, Matter> = store
        .matters()
        .await?
        .into_iter()
        .map(|m| (m.code.clone(), m))
        .collect();
    let existing: HashSet<String> = with_db!(&store.inner.db, |p| {
        sqlx::query("SELECT id FROM cases")
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, sqlx::Error>>()?
    });
    let mut problems = Vec::new();
    let mut cases = Vec::with_capacity(features.len());
    for (index, f) in features.iter().enumerate() {
        let r = if existing.contains(&f.id) {
            Err(Error::invalid(format!("case {} is already stored", f.id)))
        } else {
            hist_case(f, &matters)
        };
        match r {
            Ok(c) => cases.push(c),
            Err(e) => problems.push(FeatureProblem {
                index,
                id: Some(f.id.clone()),
                reason: e.to_string(),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(Error::BadFeatures {
            layer: "cases".into(),
            problems,
        });
    }
    let mut counters: BTreeMap<String, i64> = BTreeMap::new();
    for c in &cases {
        let mut parts = c.id.splitn(3, '-');
        if let (Some("GM"), Some(year), Some(n)) = (parts.next(), parts.next(), parts.next())
            && let Ok(n) = n.parse::<i64>()
        {
            let e = counters.entry(format!("case:{year}")).or_default();
            *e = (*e).max(n);
        }
    }
    let now = store.now();
    let risk = store.inner.at_risk_fraction;
    with_db!(&store.inner.db, |p| {
        let mut tx = p.begin_write().await?;
        for chunk in cases.chunks(400) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO cases (id, channel, matter, description, lon, lat, subgrid_code, \
                 community_code, street_code, district_code, building_id, camera_id, \
                 reporter_name, reporter_phone, level, grade, people, money_yuan, urgency, \
                 reported_at, reported_day, notice_due, meet_due, resolve_due, state, tier, unit, \
                 noticed_at, met_at, resolved_at, closed_at, outcome, escalations, version, \
                 updated_at) ",
            );
            qb.push_values(chunk, |mut b, c| {
                let s = |k: &str| text(&c.props, k).map(str::to_string);
                let pr = &c.progress;
                let loc = c.location.as_ref();
                b.push_bind(c.id.clone())
                    .push_bind(c.channel.as_str())
                    .push_bind(s("matter"))
                    .push_bind(s("description").unwrap_or_default())
                    .push_bind(Some(c.lon).filter(|v| v.is_finite()))
                    .push_bind(Some(c.lat).filter(|v| v.is_finite()))
                    .push_bind(loc.map(|l| l.subgrid_code.clone()))
                    .push_bind(loc.map(|l| l.community_code.clone()))
                    .push_bind(loc.map(|l| l.street_code.clone()))
                    .push_bind(loc.map(|l| l.district_code.clone()))
                    .push_bind(s("building_id"))
                    .push_bind(s("camera_id"))
                    .push_bind(s("reporter_name"))
                    .push_bind(s("reporter_phone"))
                    .push_bind(c.level.as_str())
                    .push_bind(c.grade.get())
                    .push_bind(c.props.get("people").and_then(Value::as_i64).unwrap_or(1))
                    .push_bind(
                        c.props
                            .get("money_yuan")
                            .and_then(Value::as_f64)
                            .unwrap_or(0.0),
                    )
                    .push_bind(Urgency::Normal.as_str())
                    .push_bind(c.reported_at)
                    .push_bind(local_day(c.reported_at))
                    .push_bind(c.deadlines.notice)
                    .push_bind(c.deadlines.meet)
                    .push_bind(c.deadlines.resolve)
                    .push_bind(pr.state.as_str())
                    .push_bind(pr.tier.as_str())
                    .push_bind(pr.unit.clone())
                    .push_bind(pr.noticed_at)
                    .push_bind(pr.met_at)
                    .push_bind(pr.resolved_at)
                    .push_bind(pr.closed_at)
                    .push_bind(pr.outcome.map(Outcome::as_str))
                    .push_bind(pr.escalations)
                    .push_bind(pr.version)
                    .push_bind(now);
            });
            qb.build().execute(&mut *tx).await?;
        }
        let events: Vec<(&str, &HistEvent)> = cases
            .iter()
            .flat_map(|c| c.events.iter().map(move |e| (c.id.as_str(), e)))
            .collect();
        for chunk in events.chunks(2000) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO case_events (case_id, version, kind, from_state, to_state, actor, at, \
                 note, detail) ",
            );
            qb.push_values(chunk, |mut b, (id, e)| {
                b.push_bind(id.to_string())
                    .push_bind(e.0)
                    .push_bind(e.1)
                    .push_bind(if e.0 == 1 { None } else { Some(e.2.as_str()) })
                    .push_bind(e.3.as_str())
                    .push_bind("history")
                    .push_bind(e.4)
                    .push_bind("")
                    .push_bind(e.5.clone());
            });
            qb.build().execute(&mut *tx).await?;
        }
        // Open historical cases keep running clocks; closed ones are settled.
        for c in cases.iter().filter(|c| c.progress.state != State::Closed) {
            for (kind, due) in c.deadlines.clocks() {
                let met = match kind {
                    ClockKind::Notice => c.progress.noticed_at,
                    ClockKind::Meet => c.progress.met_at,
                    _ => c.progress.resolved_at,
                };
                let status = match met {
                    Some(m) if m <= due => "met",
                    Some(_) => "breached",
                    None => "running",
                };
                sqlx::query(
                    "INSERT INTO clocks (case_id, order_id, kind, started_at, due_at, at_risk_at, \
                     met_at, status) VALUES ($1, '', $2, $3, $4, $5, $6, $7)",
                )
                .bind(&c.id)
                .bind(kind.as_str())
                .bind(c.reported_at)
                .bind(due)
                .bind(crate::clocks::at_risk_at(c.reported_at, due, risk))
                .bind(met)
                .bind(status)
                .execute(&mut *tx)
                .await?;
            }
        }
        for (name, n) in &counters {
            sqlx::query(
                "INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) \
                 DO UPDATE SET value = CASE WHEN counters.value > $2 THEN counters.value ELSE $2 END",
            )
            .bind(name)
            .bind(*n)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO layers (name, datum, imported_at, count) VALUES ('cases', 'wgs84', $1, $2) \
             ON CONFLICT (name) DO UPDATE SET imported_at = $1, count = layers.count + $2",
        )
        .bind(now)
        .bind(cases.len() as i64)
        .execute(&mut *tx)
        .await?;
        let change = store.change(ChangeKind::Layer, "cases", "history_loaded", 0);
        notify!(p, tx, change);
        tx.commit().await?;
    });
    store.publish(store.change(ChangeKind::Layer, "cases", "history_loaded", 0));
    Ok(cases.len())
}

impl Store {
    /// Loads every layer file of a dataset directory (`<layer>.geojson`, WGS84) in
    /// [`LOAD_ORDER`]; files that are absent are skipped. The case history may be split over
    /// several files, listed in `meta.json` under `files.cases`.
    pub async fn load_dataset(&self, dir: &Path) -> Result<Vec<ImportReport>> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })
        };
        let meta: Value = match dir.join("meta.json") {
            p if p.exists() => serde_json::from_str(&read(&p)?)
                .map_err(|e| Error::invalid(format!("{}: {e}", p.display())))?,
            _ => Value::Null,
        };
        let mut out = Vec::new();
        for layer in LOAD_ORDER {
            let listed: Vec<String> = meta
                .pointer(&format!("/files/{layer}"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_else(|| vec![format!("{layer}.geojson")]);
            for file in listed {
                let path = dir.join(&file);
                if !path.exists() {
                    continue;
                }
                out.push(
                    self.import_layer(layer, &read(&path)?, Datum::Wgs84)
                        .await?,
                );
            }
        }
        // Remember each layer as the directory gave it, to tell later rewrites apart.
        with_db!(&self.inner.db, |p| {
            sqlx::query(
                "INSERT INTO dataset_layers (name, imported_at) SELECT name, imported_at FROM layers \
                 WHERE true ON CONFLICT (name) DO UPDATE SET imported_at = excluded.imported_at",
            )
            .execute(p)
            .await?;
        });
        Ok(out)
    }

    /// The layers written again since the dataset directory was loaded (by an import or a
    /// planning apply), which the map must draw from the store; never `cases` or `matters`,
    /// which are not drawn from a layer file. Empty for a store loaded before this was kept.
    pub async fn layers_rewritten(&self) -> Result<Vec<String>> {
        Ok(with_db!(&self.inner.db, |p| {
            sqlx::query(
                "SELECT l.name FROM layers l LEFT JOIN dataset_layers d ON d.name = l.name \
                 WHERE (d.name IS NULL OR d.imported_at <> l.imported_at) \
                 AND l.name NOT IN ('cases', 'matters') \
                 AND EXISTS (SELECT 1 FROM dataset_layers) ORDER BY l.name",
            )
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("name"))
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// First run: loads the dataset at `dir` if the store has no layers yet. Returns what was
    /// loaded (empty when the store was already populated).
    pub async fn ensure_dataset(&self, dir: &Path) -> Result<Vec<ImportReport>> {
        if self.layers().await?.is_empty() {
            self.load_dataset(dir).await
        } else {
            Ok(Vec::new())
        }
    }
}

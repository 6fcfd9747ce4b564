//! Cases near a case: open cases around it (what else is going on there), and possible
//! duplicates — reports of the same matter within [`DUPLICATE_RADIUS_M`] and
//! [`DUPLICATE_WINDOW`] of each other, which an operator confirms or dismisses.
//!
//! Candidates are found when asked for, from the cases themselves (so every seat on a shared
//! database sees the same ones at once, and intake pays nothing for them); only the operator's
//! decisions are stored. Two alerts of the same camera are never each other's duplicate: repeats
//! within 10 minutes are already merged, later ones are a new occurrence.

use serde::Serialize;
use sqlx::Row;

use crate::cases::{Action, Case, case_from_row};
use crate::clocks::Deadlines;
use crate::error::{Error, Result};
use crate::lifecycle::Progress;
use crate::locate::Location;
use crate::model::{Channel, Grade, Level, Outcome, State, Tier, Urgency};
use crate::store::{Store, with_db};
use crate::time::{HOUR, Millis};

/// Reports of the same matter closer than this are possible duplicates, metres.
pub const DUPLICATE_RADIUS_M: f64 = 50.0;
/// … and reported within this of each other.
pub const DUPLICATE_WINDOW: Millis = 2 * HOUR;

/// Great-circle distance in metres (WGS84 mean sphere).
///
/// ```
/// let d = onemap::nearby::distance_m(113.93, 22.75, 113.93, 22.7509);
/// assert!((d - 100.1).abs() < 0.5);
/// ```
pub fn distance_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    const R: f64 = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * a.sqrt().asin()
}

/// Degrees of latitude and longitude that surely contain `radius_m` around latitude `lat`.
fn degree_box(lat: f64, radius_m: f64) -> (f64, f64) {
    let dlat = radius_m / 111_000.0 * 1.02;
    let dlon = dlat / lat.to_radians().cos().max(0.1);
    (dlat, dlon)
}

/// How far a report at (`lon`, `lat`) from `camera` is from `case` when it is a possible
/// duplicate of it (the queries only narrow by matter, time and a degree box; this decides):
/// within [`DUPLICATE_RADIUS_M`], and not an alert of the same camera.
fn duplicate_distance(case: &Case, lon: f64, lat: f64, camera: Option<&str>) -> Option<f64> {
    if camera.is_some() && camera == case.camera_id.as_deref() {
        return None;
    }
    let d = distance_m(case.lon?, case.lat?, lon, lat);
    (d <= DUPLICATE_RADIUS_M).then_some(d)
}

/// An operator's decision on a possible duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The two report the same thing.
    Confirmed,
    /// They do not.
    Dismissed,
}

impl Decision {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Confirmed => "confirmed",
            Decision::Dismissed => "dismissed",
        }
    }
    /// Parses `confirm(ed)` or `dismiss(ed)`.
    pub fn parse(s: &str) -> Result<Decision> {
        match s {
            "confirm" | "confirmed" => Ok(Decision::Confirmed),
            "dismiss" | "dismissed" => Ok(Decision::Dismissed),
            _ => Err(Error::invalid(format!(
                "decision {s:?}: expected confirm or dismiss"
            ))),
        }
    }
}

/// A case near another, with how near.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Near {
    /// The other case.
    pub case: Case,
    /// How far, metres.
    pub distance_m: f64,
    /// Reported how long after (negative: before) the first, minutes.
    pub minutes_apart: i64,
    /// For a possible duplicate: the decision taken, if any.
    pub decision: Option<Decision>,
}

impl Store {
    /// Open cases within `radius_m` of a point, nearest first, at most `limit`.
    pub async fn open_cases_near(
        &self,
        lon: f64,
        lat: f64,
        radius_m: f64,
        limit: usize,
    ) -> Result<Vec<Near>> {
        let (dlat, dlon) = degree_box(lat, radius_m);
        let cases = with_db!(&self.inner.db, |p| {
            let rows = sqlx::query(
                "SELECT * FROM cases WHERE state <> 'closed' AND lat BETWEEN $1 AND $2 \
                 AND lon BETWEEN $3 AND $4",
            )
            .bind(lat - dlat)
            .bind(lat + dlat)
            .bind(lon - dlon)
            .bind(lon + dlon)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(case_from_row!(r));
            }
            out
        });
        let mut near: Vec<Near> = cases
            .into_iter()
            .filter_map(|c| {
                let d = distance_m(lon, lat, c.lon?, c.lat?);
                (d <= radius_m).then_some(Near {
                    distance_m: d,
                    minutes_apart: 0,
                    decision: None,
                    case: c,
                })
            })
            .collect();
        near.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        near.truncate(limit);
        Ok(near)
    }

    /// The possible duplicates of `case`: the same matter within 50 m and 2 hours, with the
    /// decisions taken on them, nearest in time first.
    pub async fn possible_duplicates(&self, case: &Case) -> Result<Vec<Near>> {
        let (Some(lon), Some(lat)) = (case.lon, case.lat) else {
            return Ok(Vec::new());
        };
        let (dlat, dlon) = degree_box(lat, DUPLICATE_RADIUS_M);
        let (cases, links) = with_db!(&self.inner.db, |p| {
            let rows = sqlx::query(
                "SELECT * FROM cases WHERE matter = $1 AND reported_at BETWEEN $2 AND $3 \
                 AND id <> $4 AND lat BETWEEN $5 AND $6 AND lon BETWEEN $7 AND $8",
            )
            .bind(&case.matter)
            .bind(case.reported_at - DUPLICATE_WINDOW)
            .bind(case.reported_at + DUPLICATE_WINDOW)
            .bind(&case.id)
            .bind(lat - dlat)
            .bind(lat + dlat)
            .bind(lon - dlon)
            .bind(lon + dlon)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(case_from_row!(r));
            }
            let links: Vec<(String, String, String)> = sqlx::query(
                "SELECT case_id, other_id, decision FROM case_links \
                 WHERE case_id = $1 OR other_id = $1",
            )
            .bind(&case.id)
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<_, _>>()?;
            (out, links)
        });
        let decision_on = |other: &str| {
            links
                .iter()
                .find(|(a, b, _)| a == other || b == other)
                .and_then(|(_, _, d)| Decision::parse(d).ok())
        };
        let mut near: Vec<Near> = cases
            .into_iter()
            .filter_map(|c| {
                let d = duplicate_distance(case, c.lon?, c.lat?, c.camera_id.as_deref())?;
                Some(Near {
                    distance_m: d,
                    minutes_apart: (c.reported_at - case.reported_at) / 60_000,
                    decision: decision_on(&c.id),
                    case: c,
                })
            })
            .collect();
        near.sort_by_key(|n| (n.minutes_apart.abs(), n.case.id.clone()));
        Ok(near)
    }

    /// How many undecided possible duplicates each of `cases` has (by case id; absent: none).
    /// Two queries for the whole page (the queue asks for every row): the candidate pairs by
    /// a self-join on matter, time window and a degree box, and the decisions taken on them.
    pub async fn undecided_duplicates(
        &self,
        cases: &[Case],
    ) -> Result<std::collections::HashMap<String, usize>> {
        let page: std::collections::HashMap<&str, &Case> = cases
            .iter()
            .filter(|c| c.lon.is_some() && c.lat.is_some())
            .map(|c| (c.id.as_str(), c))
            .collect();
        if page.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        // The box is the widest any case of the page needs: longitude degrees grow with latitude.
        let widest = page
            .values()
            .filter_map(|c| c.lat)
            .fold(0.0_f64, |m, lat| m.max(lat.abs()));
        let (dlat, dlon) = degree_box(widest, DUPLICATE_RADIUS_M);
        let ids: Vec<&str> = page.keys().copied().collect();
        let list = |from: usize| {
            (from..from + ids.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let pairs_sql = format!(
            "SELECT a.id, b.id, b.lon, b.lat, b.camera_id FROM cases a JOIN cases b \
             ON b.matter = a.matter AND b.id <> a.id \
             AND b.reported_at BETWEEN a.reported_at - $1 AND a.reported_at + $1 \
             AND b.lat BETWEEN a.lat - $2 AND a.lat + $2 AND b.lon BETWEEN a.lon - $3 AND a.lon + $3 \
             WHERE a.id IN ({})",
            list(4)
        );
        let links_sql = format!(
            "SELECT case_id, other_id FROM case_links WHERE case_id IN ({0}) OR other_id IN ({0})",
            list(1)
        );
        type Pair = (String, String, Option<f64>, Option<f64>, Option<String>);
        let (pairs, links) = with_db!(&self.inner.db, |p| {
            let mut q = sqlx::query(&pairs_sql)
                .bind(DUPLICATE_WINDOW)
                .bind(dlat)
                .bind(dlon);
            for id in &ids {
                q = q.bind(*id);
            }
            let pairs: Vec<Pair> = q
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| {
                    Ok::<_, sqlx::Error>((
                        r.try_get(0)?,
                        r.try_get(1)?,
                        r.try_get(2)?,
                        r.try_get(3)?,
                        r.try_get(4)?,
                    ))
                })
                .collect::<Result<_, _>>()?;
            let mut q = sqlx::query(&links_sql);
            for id in &ids {
                q = q.bind(*id);
            }
            let links: std::collections::HashSet<(String, String)> = q
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, _>>()?;
            (pairs, links)
        });
        let mut out = std::collections::HashMap::new();
        for (a, b, lon, lat, camera) in pairs {
            let (Some(case), Some(lon), Some(lat)) = (page.get(a.as_str()), lon, lat) else {
                continue;
            };
            let decided =
                links.contains(&(a.clone(), b.clone())) || links.contains(&(b.clone(), a.clone()));
            if !decided && duplicate_distance(case, lon, lat, camera.as_deref()).is_some() {
                *out.entry(a).or_insert(0) += 1;
            }
        }
        Ok(out)
    }

    /// Records an operator's decision on the possible duplicate `other` of `case_id` (the case
    /// the operator saw at `version`), as an event on the case and a stored decision.
    ///
    /// # Errors
    /// [`Error::Invalid`] when `other` is not a possible duplicate of the case; a
    /// [`Error::Conflict`] for a stale version.
    pub async fn decide_duplicate(
        &self,
        case_id: &str,
        version: i64,
        other: &str,
        decision: Decision,
        actor: &str,
    ) -> Result<Case> {
        let case = self.case(case_id).await?;
        let candidates = self.possible_duplicates(&case).await?;
        let Some(near) = candidates.iter().find(|n| n.case.id == other) else {
            return Err(Error::invalid(format!(
                "{other} is not a possible duplicate of {case_id} (the same matter within \
                 {DUPLICATE_RADIUS_M} m and 2 hours)"
            )));
        };
        let (a, b) = if case_id < other {
            (case_id, other)
        } else {
            (other, case_id)
        };
        let kind = match decision {
            Decision::Confirmed => "duplicate_confirmed",
            Decision::Dismissed => "duplicate_dismissed",
        };
        let note = format!(
            "{} {other} ({:.0} m, {} min apart)",
            decision.as_str(),
            near.distance_m,
            near.minutes_apart
        );
        let updated = self
            .commit(
                case_id,
                Some(version),
                Action::Note {
                    kind,
                    detail: Some(other.to_string()),
                },
                actor,
                &note,
                vec![crate::cases::Effect::LinkDecision {
                    case_id: a.to_string(),
                    other_id: b.to_string(),
                    decision: decision.as_str(),
                    actor: actor.to_string(),
                }],
            )
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "case",
                id: case_id.to_string(),
            })?;
        Ok(updated)
    }
}

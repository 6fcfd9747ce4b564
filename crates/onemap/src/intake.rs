//! Group commit for intake: concurrent intakes are written by one writer task, many cases per
//! transaction, and each caller is answered only after the transaction holding its case has
//! committed (and, on SQLite with `synchronous=FULL`, been fsynced). Nothing is acknowledged
//! before it is durable; the fsync is shared by every case in the batch, which is what lets
//! one disk take thousands of cases a second.
//!
//! If a batch fails as a whole, its cases are retried one by one so that one bad case never
//! takes its batch-mates down with it.

use std::collections::BTreeMap;

use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use crate::bus::{Bus, Change, ChangeKind};
use crate::cases::Case;
use crate::error::{Error, Result};
use crate::store::{Db, Engine, with_db};
use crate::time::{format_instant, local_day};

/// Most cases written in one transaction.
const MAX_BATCH: usize = 256;

/// One case waiting to be written.
pub(crate) struct Job {
    pub(crate) case: Case,
    pub(crate) actor: String,
    pub(crate) note: String,
    pub(crate) camera_event: Option<crate::camera::CameraEvent>,
    pub(crate) at_risk_fraction: f64,
    pub(crate) reply: oneshot::Sender<Result<String>>,
}

/// Starts the writer; it stops when every sender is dropped.
pub(crate) fn spawn_writer(db: Db, seat: String, bus: Bus) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel::<Job>(4 * MAX_BATCH);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
            let cases: Vec<&Job> = batch.iter().collect();
            match write(&db, &seat, &cases).await {
                Ok(ids) => answer(batch, ids, &seat, &bus),
                Err(_) if batch.len() > 1 => {
                    for job in batch {
                        let r = write(&db, &seat, &[&job]).await;
                        match r {
                            Ok(ids) => answer(vec![job], ids, &seat, &bus),
                            Err(e) => {
                                let _ = job.reply.send(Err(e));
                            }
                        }
                    }
                }
                Err(e) => {
                    for job in batch {
                        let _ = job
                            .reply
                            .send(Err(Error::invalid(format!("intake failed: {e}"))));
                    }
                }
            }
        }
    });
    tx
}

fn answer(batch: Vec<Job>, ids: Vec<String>, seat: &str, bus: &Bus) {
    for (job, id) in batch.into_iter().zip(ids) {
        bus.publish(Change {
            seat: seat.to_string(),
            kind: ChangeKind::Case,
            id: id.clone(),
            event: "reported".into(),
            version: 1,
            at: job.case.reported_at,
        });
        let _ = job.reply.send(Ok(id));
    }
}

/// Writes a batch in one transaction; returns the ids given, in order.
async fn write(db: &Db, seat: &str, jobs: &[&Job]) -> Result<Vec<String>> {
    let mut per_year: BTreeMap<String, usize> = BTreeMap::new();
    for j in jobs {
        *per_year
            .entry(format_instant(j.case.reported_at)[..4].to_string())
            .or_default() += 1;
    }
    Ok(with_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let mut next: BTreeMap<String, i64> = BTreeMap::new();
        for (year, k) in &per_year {
            let last: i64 = sqlx::query(
                "INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) \
                 DO UPDATE SET value = counters.value + $2 RETURNING value",
            )
            .bind(format!("case:{year}"))
            .bind(*k as i64)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            next.insert(year.clone(), last - *k as i64 + 1);
        }
        let ids: Vec<String> = jobs
            .iter()
            .map(|j| {
                let year = format_instant(j.case.reported_at)[..4].to_string();
                let n = next.get_mut(&year).map_or(0, |n| {
                    *n += 1;
                    *n - 1
                });
                format!("GM-{year}-{n:06}")
            })
            .collect();
        for (chunk, idc) in jobs.chunks(200).zip(ids.chunks(200)) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO cases (id, channel, matter, description, lon, lat, subgrid_code, \
                 community_code, street_code, district_code, building_id, camera_id, \
                 reporter_name, reporter_phone, level, grade, people, money_yuan, urgency, \
                 reported_at, reported_day, notice_due, meet_due, resolve_due, state, tier, \
                 escalations, version, updated_at) ",
            );
            qb.push_values(chunk.iter().zip(idc), |mut b, (j, id)| {
                let c = &j.case;
                let loc = c.location.as_ref();
                b.push_bind(id.clone())
                    .push_bind(c.channel.as_str())
                    .push_bind(c.matter.clone())
                    .push_bind(c.description.clone())
                    .push_bind(c.lon)
                    .push_bind(c.lat)
                    .push_bind(loc.map(|l| l.subgrid_code.clone()))
                    .push_bind(loc.map(|l| l.community_code.clone()))
                    .push_bind(loc.map(|l| l.street_code.clone()))
                    .push_bind(loc.map(|l| l.district_code.clone()))
                    .push_bind(c.building_id.clone())
                    .push_bind(c.camera_id.clone())
                    .push_bind(c.reporter_name.clone())
                    .push_bind(c.reporter_phone.clone())
                    .push_bind(c.level.as_str())
                    .push_bind(c.grade.get())
                    .push_bind(c.people)
                    .push_bind(c.money_yuan)
                    .push_bind(c.urgency.as_str())
                    .push_bind(c.reported_at)
                    .push_bind(local_day(c.reported_at))
                    .push_bind(c.deadlines.notice)
                    .push_bind(c.deadlines.meet)
                    .push_bind(c.deadlines.resolve)
                    .push_bind(c.progress.state.as_str())
                    .push_bind(c.progress.tier.as_str())
                    .push_bind(0_i64)
                    .push_bind(1_i64)
                    .push_bind(c.reported_at);
            });
            qb.build().execute(&mut *tx).await?;
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO case_events (case_id, version, kind, from_state, to_state, actor, \
                 at, note, detail) ",
            );
            qb.push_values(chunk.iter().zip(idc), |mut b, (j, id)| {
                b.push_bind(id.clone())
                    .push_bind(1_i64)
                    .push_bind("reported")
                    .push_bind(None::<String>)
                    .push_bind("reported")
                    .push_bind(j.actor.clone())
                    .push_bind(j.case.reported_at)
                    .push_bind(j.note.clone())
                    .push_bind(j.case.progress.tier.as_str());
            });
            qb.build().execute(&mut *tx).await?;
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO clocks (case_id, order_id, kind, started_at, due_at, at_risk_at, \
                 status) ",
            );
            let clocks = chunk.iter().zip(idc).flat_map(|(j, id)| {
                j.case
                    .deadlines
                    .clocks()
                    .map(|(kind, due)| (id, j.case.reported_at, kind, due, j.at_risk_fraction))
            });
            qb.push_values(clocks, |mut b, (id, t, kind, due, f)| {
                b.push_bind(id.clone())
                    .push_bind("")
                    .push_bind(kind.as_str())
                    .push_bind(t)
                    .push_bind(due)
                    .push_bind(crate::clocks::at_risk_at(t, due, f))
                    .push_bind("running");
            });
            qb.build().execute(&mut *tx).await?;
            let alerts: Vec<(&String, &crate::camera::CameraEvent, i64)> = chunk
                .iter()
                .zip(idc)
                .filter_map(|(j, id)| Some((id, j.camera_event.as_ref()?, j.case.reported_at)))
                .collect();
            if !alerts.is_empty() {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO camera_alerts (camera_id, event_type, at, received_at, case_id, \
                     source) ",
                );
                qb.push_values(alerts, |mut b, (id, ev, received)| {
                    b.push_bind(ev.camera_id.clone())
                        .push_bind(ev.event_type.clone())
                        .push_bind(ev.at)
                        .push_bind(received)
                        .push_bind(id.clone())
                        .push_bind(ev.source.clone());
                });
                qb.build().execute(&mut *tx).await?;
            }
        }
        if p.is_postgres() {
            let changes: Vec<Change> = jobs
                .iter()
                .zip(&ids)
                .map(|(j, id)| Change {
                    seat: seat.to_string(),
                    kind: ChangeKind::Case,
                    id: id.clone(),
                    event: "reported".into(),
                    version: 1,
                    at: j.case.reported_at,
                })
                .collect();
            let payloads: Vec<String> = changes
                .iter()
                .map(|c| serde_json::to_string(c).unwrap_or_default())
                .collect();
            sqlx::query("SELECT pg_notify($1, x) FROM json_array_elements_text($2::json) AS x")
                .bind(crate::bus::PG_CHANNEL)
                .bind(serde_json::to_string(&payloads).unwrap_or_default())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        ids
    }))
}

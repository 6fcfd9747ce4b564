//! New cases: the proposal the form shows before filing (sub-grid, level, grade, deadlines,
//! nearest stations, possible duplicates for a point and a matter), filing by hand, and camera
//! AI alerts. Every case — from the desktop, the browser, Open311 or a camera — is located,
//! routed to its sub-grid and enters the loop through the same path, [`App::file`].

use onemap::access::{Principal, Role};
use onemap::audit::Outcome;
use onemap::camera::{CameraEvent, MERGE_WINDOW};
use onemap::cases::{Case, NewCase};
use onemap::clocks::Deadlines;
use onemap::lifecycle::Progress;
use onemap::model::{Channel, Level, Tier, Urgency};
use onemap::nearby::DUPLICATE_WINDOW;
use onemap::time::{MINUTE, parse_instant};
use serde::{Deserialize, Serialize};

use super::detail::NearestStation;
use super::views::{DeadlinesView, iso};
use super::{App, AppError, AppResult, CaseDetail, NearView, Place};

/// A case as the new-case form (or a test) posts it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CaseForm {
    /// Matter code from the catalogue (`M001` …).
    pub matter: String,
    /// What the citizen says.
    pub description: String,
    /// Longitude, WGS84 (with `lat`; or give `address` or `building_id`).
    #[serde(default)]
    pub lon: Option<f64>,
    /// Latitude, WGS84.
    #[serde(default)]
    pub lat: Option<f64>,
    /// A building's address as the dataset has it (located on the building).
    #[serde(default)]
    pub address: Option<String>,
    /// A building id (located on the building).
    #[serde(default)]
    pub building_id: Option<String>,
    /// `hall`, `station`, `hotline`, `app`, `qr`, `patrol` or `camera`; `hall` when absent.
    #[serde(default)]
    pub channel: Option<String>,
    /// People involved (1 when absent).
    #[serde(default)]
    pub people: Option<i64>,
    /// Money at stake, yuan.
    #[serde(default)]
    pub money_yuan: Option<f64>,
    /// `normal`, `high` or `critical`; `normal` when absent.
    #[serde(default)]
    pub urgency: Option<String>,
    /// `L1`, `L2`, `L3`: overrides the matter's default level.
    #[serde(default)]
    pub level: Option<String>,
    /// Reporter's name (personal data).
    #[serde(default)]
    pub reporter_name: Option<String>,
    /// Reporter's phone (personal data).
    #[serde(default)]
    pub reporter_phone: Option<String>,
}

/// What the form asks a proposal for.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProposeForm {
    /// Matter code.
    pub matter: String,
    /// Longitude (with `lat`; or `address` / `building_id`).
    #[serde(default)]
    pub lon: Option<f64>,
    /// Latitude.
    #[serde(default)]
    pub lat: Option<f64>,
    /// A building's address.
    #[serde(default)]
    pub address: Option<String>,
    /// A building id.
    #[serde(default)]
    pub building_id: Option<String>,
    /// People involved.
    #[serde(default)]
    pub people: Option<i64>,
    /// Money at stake, yuan.
    #[serde(default)]
    pub money_yuan: Option<f64>,
    /// Urgency.
    #[serde(default)]
    pub urgency: Option<String>,
}

/// What the form proposes before filing.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Proposal {
    /// The point used (from the coordinates, the address or the building).
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// The building, when located on one.
    pub building_id: Option<String>,
    /// Where it lies.
    pub place: Place,
    /// The matter's name.
    pub matter_name: String,
    /// The matter's domain name (纠纷化解 …).
    pub domain_name: String,
    /// Proposed handling level (the matter's default).
    pub level: String,
    /// Warning grade from people, money and urgency.
    pub grade: i64,
    /// The tier it starts at.
    pub tier: String,
    /// Its deadlines if filed now.
    pub deadlines: DeadlinesView,
    /// The nearest station of each service.
    pub nearest_stations: Vec<NearestStation>,
    /// Cases of the same matter within 50 m in the last 2 hours.
    pub possible_duplicates: Vec<NearView>,
    /// Whether the caller may file here (a street operator: its own street only).
    pub in_scope: bool,
}

/// A camera AI alert as the camera system posts it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CameraAlertForm {
    /// The camera (`CAM-0001`).
    pub camera_id: String,
    /// What it saw (`fire_lane_blocked`, …: GET /api/intake/camera/event-types).
    pub event_type: String,
    /// When, ISO 8601 with offset (`2026-03-02T09:00:00+08:00`).
    pub at: String,
    /// The model's confidence, 0–1 (recorded in the description).
    #[serde(default)]
    pub confidence: Option<f64>,
}

/// What a camera alert did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CameraAlertResult {
    /// The case it filed or merged into.
    pub case_id: String,
    /// Whether it merged into an earlier alert's case (a repeat within 10 minutes).
    pub merged: bool,
}

/// The point of a form: coordinates, else a building by id, else a building by address.
pub(crate) struct Point {
    pub lon: f64,
    pub lat: f64,
    pub building_id: Option<String>,
}

impl App {
    pub(crate) fn point_of(
        &self,
        lon: Option<f64>,
        lat: Option<f64>,
        building_id: Option<&str>,
        address: Option<&str>,
    ) -> AppResult<Point> {
        let map = self.map();
        match (lon, lat) {
            (Some(lon), Some(lat)) => {
                if !(lon.is_finite()
                    && lat.is_finite()
                    && (-180.0..=180.0).contains(&lon)
                    && (-90.0..=90.0).contains(&lat))
                {
                    return Err(AppError::invalid(format!(
                        "({lon}, {lat}) is not a WGS84 longitude/latitude"
                    )));
                }
                Ok(Point {
                    lon,
                    lat,
                    building_id: building_id.map(str::to_string),
                })
            }
            (Some(_), None) | (None, Some(_)) => Err(AppError::invalid(
                "give both longitude and latitude, or neither",
            )),
            (None, None) => {
                if let Some(id) = building_id.filter(|b| !b.trim().is_empty()) {
                    let (lon, lat) = map
                        .building_position(id)
                        .ok_or_else(|| AppError::invalid(format!("there is no building {id:?}")))?;
                    return Ok(Point {
                        lon,
                        lat,
                        building_id: Some(id.to_string()),
                    });
                }
                if let Some(a) = address.filter(|a| !a.trim().is_empty()) {
                    let (id, lon, lat) = map.building_at_address(a).ok_or_else(|| {
                        AppError::invalid(format!(
                            "no building has the address {a:?}; give a point (longitude and latitude) instead"
                        ))
                    })?;
                    return Ok(Point {
                        lon,
                        lat,
                        building_id: Some(id),
                    });
                }
                Err(AppError::invalid(
                    "where is it? give longitude and latitude, a building id or an address",
                ))
            }
        }
    }

    /// The place of a point, or why it has none.
    pub(crate) fn place_of_point(&self, lon: f64, lat: f64) -> AppResult<Place> {
        let l = self.map().atlas().locate(lon, lat).ok_or_else(|| {
            AppError::invalid(format!(
                "({lon}, {lat}) lies outside every sub-grid of the district"
            ))
        })?;
        let unit = |u: onemap_geo::locate::UnitRef| super::views::UnitRef {
            code: u.code,
            name: u.name,
        };
        Ok(Place {
            subgrid: unit(l.subgrid),
            community: unit(l.community),
            street: unit(l.street),
            district: unit(l.district),
        })
    }

    /// The nearest station of each service to a point.
    pub(crate) fn nearest_stations(&self, lon: f64, lat: f64) -> Vec<NearestStation> {
        let map = self.map();
        let atlas = map.atlas();
        onemap_geo::dataset::Service::ALL
            .iter()
            .filter_map(|&s| {
                let n = atlas
                    .nearest_stations(lon, lat, Some(s), 1)
                    .into_iter()
                    .next()?;
                let site = atlas.stations().get(n.index)?;
                Some(NearestStation {
                    service: s.as_str(),
                    id: n.id,
                    name: n.name,
                    level: n.level.as_str().to_string(),
                    distance_m: n.distance_m.round(),
                    lon: site.lon,
                    lat: site.lat,
                })
            })
            .collect()
    }

    /// Proposes the sub-grid, level, grade and deadlines of a case for a point and a matter.
    ///
    /// # Errors
    /// `invalid` for an unknown matter, a point outside the district, bad numbers.
    pub async fn propose(&self, who: &Principal, form: &ProposeForm) -> AppResult<Proposal> {
        if who.role == Role::Intake {
            return Err(AppError::forbidden("an API key files cases through intake"));
        }
        let store = &self.inner.store;
        let matter = store.matter(&form.matter).await?;
        let pt = self.point_of(
            form.lon,
            form.lat,
            form.building_id.as_deref(),
            form.address.as_deref(),
        )?;
        let place = self.place_of_point(pt.lon, pt.lat)?;
        let people = form.people.unwrap_or(1);
        let money = form.money_yuan.unwrap_or(0.0);
        check_numbers(people, money)?;
        let urgency = Urgency::parse(form.urgency.as_deref().unwrap_or("normal"))?;
        let now = store.now();
        let deadlines = Deadlines::for_matter(&matter, now);
        let probe = probe_case(&form.matter, pt.lon, pt.lat, now);
        let dups = store
            .possible_duplicates(&probe)
            .await?
            .into_iter()
            .filter(|n| n.case.reported_at >= now - DUPLICATE_WINDOW)
            .filter(|n| who.sees_street(n.case.location.as_ref().map(|l| l.street_code.as_str())))
            .map(|n| self.near_view(&n))
            .collect();
        Ok(Proposal {
            lon: pt.lon,
            lat: pt.lat,
            building_id: pt.building_id,
            in_scope: who.sees_street(Some(&place.street.code)),
            place,
            matter_name: matter.name.clone(),
            domain_name: matter.domain_name.clone(),
            level: matter.default_level.as_str().to_string(),
            grade: store.thresholds().grade(people, money, urgency).get(),
            tier: Tier::for_level(matter.default_level).as_str().to_string(),
            deadlines: DeadlinesView {
                notice: iso(deadlines.notice),
                meet: iso(deadlines.meet),
                resolve: iso(deadlines.resolve),
            },
            nearest_stations: self.nearest_stations(pt.lon, pt.lat),
            possible_duplicates: dups,
        })
    }

    /// Files a case from the form (an operator at a hall, a hotline operator).
    ///
    /// # Errors
    /// `forbidden` for roles that do not file, or outside a street operator's street; `invalid`
    /// for an unknown matter or channel, a point outside the district, bad numbers.
    pub async fn file_case(&self, who: &Principal, form: CaseForm) -> AppResult<CaseDetail> {
        self.require_actor(who, "case.file", "case:new").await?;
        let channel = Channel::parse(form.channel.as_deref().unwrap_or("hall"))?;
        let case = self.file(who, channel, form, None).await?;
        self.audit(
            who,
            "case.file",
            format!("case:{}", case.id),
            Outcome::Ok,
            channel.as_str(),
        )
        .await?;
        self.detail_of(who, case, who.role.sees_personal_data())
            .await
    }

    /// The one path every case takes into the loop: located, routed to its sub-grid, graded,
    /// clocked and committed durably before this returns.
    pub(crate) async fn file(
        &self,
        who: &Principal,
        channel: Channel,
        form: CaseForm,
        camera: Option<CameraEvent>,
    ) -> AppResult<Case> {
        let pt = self.point_of(
            form.lon,
            form.lat,
            form.building_id.as_deref(),
            form.address.as_deref(),
        )?;
        let place = self.place_of_point(pt.lon, pt.lat)?;
        if who.role != Role::Intake {
            self.require_street(who, "case.file", "case:new", Some(&place.street.code))
                .await?;
        }
        let people = form.people.unwrap_or(1);
        let money_yuan = form.money_yuan.unwrap_or(0.0);
        check_numbers(people, money_yuan)?;
        if form.description.chars().count() > 4_000 {
            return Err(AppError::invalid(
                "the description is longer than 4,000 characters",
            ));
        }
        for (what, v, max) in [
            ("reporter_name", &form.reporter_name, 100),
            ("reporter_phone", &form.reporter_phone, 40),
        ] {
            if v.as_deref().is_some_and(|s| s.chars().count() > max) {
                return Err(AppError::invalid(format!(
                    "{what} is longer than {max} characters"
                )));
            }
        }
        let mut new = NewCase::new(channel, &form.matter, &form.description, who.actor());
        new.lon = Some(pt.lon);
        new.lat = Some(pt.lat);
        new.subgrid_code = Some(place.subgrid.code.clone());
        new.building_id = pt.building_id;
        new.people = people;
        new.money_yuan = money_yuan;
        new.urgency = Urgency::parse(form.urgency.as_deref().unwrap_or("normal"))?;
        new.level = form.level.as_deref().map(Level::parse).transpose()?;
        new.reporter_name = form.reporter_name.filter(|s| !s.trim().is_empty());
        new.reporter_phone = form.reporter_phone.filter(|s| !s.trim().is_empty());
        new.camera_id = camera.as_ref().map(|c| c.camera_id.clone());
        new.camera_event = camera;
        Ok(self.inner.store.intake(new).await?)
    }

    /// Takes a camera AI alert (an intake key's call): the camera's position places it; a
    /// repeat of the same camera and event type within 10 minutes of the previous one merges
    /// into that alert's case.
    ///
    /// # Errors
    /// `forbidden` unless called with an API key (or by an administrator); `invalid` for an
    /// unknown camera or event type or a time that is not ISO 8601, in the future or over a
    /// day old.
    pub async fn camera_alert(
        &self,
        who: &Principal,
        form: CameraAlertForm,
    ) -> AppResult<CameraAlertResult> {
        if !matches!(who.role, Role::Intake | Role::Admin) {
            return Err(AppError::forbidden(
                "camera alerts come from the camera AI system's API key",
            ));
        }
        let store = &self.inner.store;
        let map = self.map();
        let site = map.camera(&form.camera_id).ok_or_else(|| {
            AppError::invalid(format!(
                "there is no camera {:?} in the dataset",
                form.camera_id
            ))
        })?;
        let kind = store.camera_event_type(&form.event_type).await?;
        let at = parse_instant(&form.at).ok_or_else(|| {
            AppError::invalid(format!(
                "at {:?} is not an ISO 8601 time with an offset (2026-03-02T09:00:00+08:00)",
                form.at
            ))
        })?;
        let now = store.now();
        if at > now + 5 * MINUTE {
            return Err(AppError::invalid(format!(
                "at {} is in the future (the server's time is {})",
                form.at,
                iso(now)
            )));
        }
        if at < now - 24 * 60 * MINUTE {
            return Err(AppError::invalid(format!(
                "at {} is more than a day old: file it as a case, not as an alert",
                form.at
            )));
        }
        if let Some(c) = form.confidence
            && !(c.is_finite() && (0.0..=1.0).contains(&c))
        {
            return Err(AppError::invalid(format!(
                "confidence {c} is not between 0 and 1"
            )));
        }
        let ev = CameraEvent {
            camera_id: form.camera_id.clone(),
            event_type: kind.code.clone(),
            at,
            source: who.display_name.clone(),
        };
        let lock = {
            let mut locks = self
                .inner
                .camera_locks
                .lock()
                .map_err(|_| AppError::new("internal", "camera lock poisoned"))?;
            locks
                .entry((ev.camera_id.clone(), ev.event_type.clone()))
                .or_default()
                .clone()
        };
        let _held = lock.lock().await;
        if let Some(last) = store
            .last_camera_alert(&ev.camera_id, &ev.event_type, at - MERGE_WINDOW)
            .await?
        {
            let case = store.merge_camera_alert(&last.case_id, ev).await?;
            return Ok(CameraAlertResult {
                case_id: case.id,
                merged: true,
            });
        }
        let description = match form.confidence {
            Some(c) => format!("{}：{}（置信度 {:.0}%）", site.name, kind.name, c * 100.0),
            None => format!("{}：{}", site.name, kind.name),
        };
        let form = CaseForm {
            matter: kind.matter.clone(),
            description,
            lon: Some(site.lon),
            lat: Some(site.lat),
            ..CaseForm::default()
        };
        let case = self.file(who, Channel::Camera, form, Some(ev)).await?;
        Ok(CameraAlertResult {
            case_id: case.id,
            merged: false,
        })
    }
}

fn check_numbers(people: i64, money: f64) -> AppResult<()> {
    if !(0..=1_000_000).contains(&people) {
        return Err(AppError::invalid(format!(
            "people involved must be between 0 and 1,000,000, not {people}"
        )));
    }
    if !(money.is_finite() && (0.0..=1e12).contains(&money)) {
        return Err(AppError::invalid(format!(
            "money at stake must be between 0 and 1,000,000,000,000 yuan, not {money}"
        )));
    }
    Ok(())
}

/// A case that is not filed, to look for duplicates of a proposed one.
fn probe_case(matter: &str, lon: f64, lat: f64, now: i64) -> Case {
    Case {
        id: String::new(),
        channel: Channel::Hall,
        matter: matter.to_string(),
        description: String::new(),
        lon: Some(lon),
        lat: Some(lat),
        location: None,
        building_id: None,
        camera_id: None,
        reporter_name: None,
        reporter_phone: None,
        level: Level::L2,
        grade: onemap::model::Grade::THREE,
        people: 1,
        money_yuan: 0.0,
        urgency: Urgency::Normal,
        reported_at: now,
        deadlines: Deadlines {
            notice: now,
            meet: now,
            resolve: now,
        },
        progress: Progress::empty(Tier::Community),
    }
}

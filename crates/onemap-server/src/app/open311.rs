//! Open311 GeoReport v2 over the app: services from the matter catalogue, requests in and out.
//! The HTTP layer (`crate::open311`) parses the form and writes JSON or XML; this module says
//! what a service and a request are.
//!
//! - A *service* is a matter of the catalogue (`service_code` = `M001` …), with three
//!   attributes: people involved, money at stake, urgency (they set the warning grade).
//! - A *request* is a case: `status` is `open` or `closed` as the standard says, and
//!   `extended_attributes` carries the loop's detail (stage, level, grade, tier, unit, the
//!   sub-grid, community and street). Reporters' names and phones are taken in and never given
//!   out.

use onemap::access::{Principal, Role};
use onemap::cases::Case;
use onemap::model::Urgency;
use onemap::time::{DAY, Millis, parse_instant};
use serde::Serialize;

use super::filing::CaseForm;
use super::views::iso;
use super::{App, AppError, AppResult};

/// One service of `GET services`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Open311Service {
    /// The matter code.
    pub service_code: String,
    /// Its name.
    pub service_name: String,
    /// What it covers.
    pub description: String,
    /// Whether it has attributes (`GET services/{code}`): always true.
    pub metadata: bool,
    /// `realtime`: a request is a case the moment it is posted.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Keywords.
    pub keywords: String,
    /// The matter's domain (纠纷化解 …).
    pub group: String,
}

/// One allowed value of a list attribute.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AttributeValue {
    /// The value sent.
    pub key: String,
    /// What it means.
    pub name: String,
}

/// An attribute of a service definition.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Attribute {
    /// Whether the client should collect it (always true here).
    pub variable: bool,
    /// Its code: the request sends `attribute[code]`.
    pub code: &'static str,
    /// `number`, `singlevaluelist`, …
    pub datatype: &'static str,
    /// Whether a request must carry it.
    pub required: bool,
    /// What to enter.
    pub datatype_description: &'static str,
    /// Order in a form.
    pub order: u32,
    /// The question.
    pub description: &'static str,
    /// For lists.
    pub values: Vec<AttributeValue>,
}

/// `GET services/{code}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ServiceDefinition {
    /// The matter code.
    pub service_code: String,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
}

/// A request as posted (the fields of the standard's `POST requests`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Open311Request {
    /// Required: the matter code.
    pub service_code: String,
    /// Latitude (WGS84), with `long`.
    pub lat: Option<String>,
    /// Longitude.
    pub long: Option<String>,
    /// A building's address as the dataset has it.
    pub address_string: Option<String>,
    /// A building id.
    pub address_id: Option<String>,
    /// What the citizen says.
    pub description: Option<String>,
    /// Reporter's given name.
    pub first_name: Option<String>,
    /// Reporter's family name.
    pub last_name: Option<String>,
    /// Reporter's phone.
    pub phone: Option<String>,
    /// `attribute[code]` values, in order.
    pub attributes: Vec<(String, String)>,
}

/// What `POST requests` answers for each request.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Posted {
    /// The case id.
    pub service_request_id: String,
    /// What happens next.
    pub service_notice: String,
    /// Not used.
    pub account_id: Option<String>,
}

/// The loop's detail of a request (the standard's extension point).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Extended {
    /// Stage: `reported`, `dispatched`, `handling`, `review`, `closed`.
    pub stage: String,
    /// `L1`, `L2`, `L3`.
    pub level: String,
    /// Warning grade 1–3.
    pub grade: i64,
    /// Responsible tier.
    pub tier: String,
    /// The channel it came in by.
    pub channel: String,
    /// `resolved` / `unresolved` once closed.
    pub outcome: Option<String>,
    /// Red sub-grid code.
    pub subgrid_code: Option<String>,
    /// Community code.
    pub community_code: Option<String>,
    /// Street code.
    pub street_code: Option<String>,
    /// Escalations.
    pub escalations: i64,
}

/// One request of `GET requests`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Open311Record {
    /// The case id.
    pub service_request_id: String,
    /// `open` or `closed`.
    pub status: &'static str,
    /// The latest step's note.
    pub status_notes: String,
    /// The matter's name.
    pub service_name: String,
    /// The matter code.
    pub service_code: String,
    /// What the citizen said.
    pub description: String,
    /// Who handles it: the unit it was dispatched to, else its tier.
    pub agency_responsible: String,
    /// The promises.
    pub service_notice: String,
    /// Reported (ISO 8601, +08:00).
    pub requested_datetime: String,
    /// Last changed.
    pub updated_datetime: String,
    /// Resolution due.
    pub expected_datetime: String,
    /// Sub-grid · community · street.
    pub address: String,
    /// The building, when located on one.
    pub address_id: Option<String>,
    /// Not used.
    pub zipcode: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(rename = "long")]
    pub long: Option<f64>,
    /// Not used.
    pub media_url: Option<String>,
    /// The loop's detail.
    pub extended_attributes: Extended,
}

/// `GET requests` filters, as the standard names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Open311Filter {
    /// Comma-delimited ids; overrides every other filter.
    pub service_request_id: Option<String>,
    /// Comma-delimited service codes.
    pub service_code: Option<String>,
    /// Earliest `requested_datetime` (ISO 8601).
    pub start_date: Option<String>,
    /// Latest `requested_datetime`.
    pub end_date: Option<String>,
    /// `open`, `closed` or both, comma-delimited.
    pub status: Option<String>,
}

const ATTRIBUTES: [&str; 3] = ["people", "money_yuan", "urgency"];
/// The standard's default and largest window of `GET requests`.
const WINDOW: Millis = 90 * DAY;
/// Most requests one `GET requests` returns.
const MAX_RESULTS: i64 = 1_000;

fn notice() -> String {
    "已受理：10分钟内短信告知，30分钟内约见；received: SMS notice within 10 minutes, meeting within 30".into()
}

fn split(s: &Option<String>) -> Vec<String> {
    s.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

impl App {
    /// `GET services`: the matter catalogue.
    pub async fn open311_services(&self) -> AppResult<Vec<Open311Service>> {
        Ok(self
            .inner
            .store
            .matters()
            .await?
            .into_iter()
            .map(|m| Open311Service {
                description: format!("{}：{}", m.domain_name, m.name),
                keywords: format!("{},{}", m.domain, m.default_level),
                service_name: m.name,
                service_code: m.code,
                metadata: true,
                kind: "realtime",
                group: m.domain_name,
            })
            .collect())
    }

    /// `GET services/{code}`.
    ///
    /// # Errors
    /// `not_found` for a code not in the catalogue.
    pub async fn open311_service(&self, code: &str) -> AppResult<ServiceDefinition> {
        self.inner.store.matter(code).await.map_err(|_| {
            AppError::not_found(format!("no service {code:?}: GET services lists them"))
        })?;
        let urgency = Urgency::ALL
            .iter()
            .map(|u| AttributeValue {
                key: u.as_str().to_string(),
                name: match u {
                    Urgency::Normal => "一般 normal",
                    Urgency::High => "紧急 high (today)",
                    Urgency::Critical => "特急 critical (danger to people)",
                }
                .to_string(),
            })
            .collect();
        Ok(ServiceDefinition {
            service_code: code.to_string(),
            attributes: vec![
                Attribute {
                    variable: true,
                    code: "people",
                    datatype: "number",
                    required: false,
                    datatype_description: "a whole number, 1 when not given",
                    order: 1,
                    description: "涉及人数 People involved",
                    values: Vec::new(),
                },
                Attribute {
                    variable: true,
                    code: "money_yuan",
                    datatype: "number",
                    required: false,
                    datatype_description: "yuan, 0 when not given",
                    order: 2,
                    description: "涉及金额（元） Money at stake (yuan)",
                    values: Vec::new(),
                },
                Attribute {
                    variable: true,
                    code: "urgency",
                    datatype: "singlevaluelist",
                    required: false,
                    datatype_description: "normal, high or critical; normal when not given",
                    order: 3,
                    description: "紧急程度 Urgency",
                    values: urgency,
                },
            ],
        })
    }

    /// `POST requests`: files one case by the key's channel, exactly as a desktop case is
    /// filed (located, routed to its sub-grid, graded, clocked, durable before the answer).
    ///
    /// # Errors
    /// `forbidden` without an intake key; `invalid` naming the bad field.
    pub async fn open311_post(&self, who: &Principal, r: Open311Request) -> AppResult<Vec<Posted>> {
        if who.role != Role::Intake {
            return Err(AppError::forbidden(
                "POST requests needs an api_key issued with `onemap keys add`",
            ));
        }
        let channel = who
            .channel
            .ok_or_else(|| AppError::forbidden("this API key has no channel"))?;
        if r.service_code.trim().is_empty() {
            return Err(AppError::invalid(
                "service_code is required (GET services lists them)",
            ));
        }
        let matter = self
            .inner
            .store
            .matter(&r.service_code)
            .await
            .map_err(|_| {
                AppError::invalid(format!(
                    "service_code {:?} is not a service (GET services lists them)",
                    r.service_code
                ))
            })?;
        let num = |v: &Option<String>, what: &str| -> AppResult<Option<f64>> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => s
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| AppError::invalid(format!("{what} {s:?} is not a number"))),
            }
        };
        let lat = num(&r.lat, "lat")?;
        let lon = num(&r.long, "long")?;
        let mut people = None;
        let mut money = None;
        let mut urgency = None;
        for (code, value) in &r.attributes {
            match code.as_str() {
                "people" => {
                    people = Some(value.trim().parse::<i64>().map_err(|_| {
                        AppError::invalid(format!(
                            "attribute[people] {value:?} is not a whole number"
                        ))
                    })?);
                }
                "money_yuan" => {
                    money = Some(value.trim().parse::<f64>().map_err(|_| {
                        AppError::invalid(format!(
                            "attribute[money_yuan] {value:?} is not a number"
                        ))
                    })?);
                }
                "urgency" => urgency = Some(value.trim().to_string()),
                other => {
                    return Err(AppError::invalid(format!(
                        "attribute[{other}] is not an attribute of {} (attributes: {})",
                        r.service_code,
                        ATTRIBUTES.join(", ")
                    )));
                }
            }
        }
        let name = match (r.last_name.as_deref(), r.first_name.as_deref()) {
            (None, None) => None,
            (l, f) => {
                let (l, f) = (l.unwrap_or("").trim(), f.unwrap_or("").trim());
                // 姓 then 名 without a space for Chinese names; "First Last" otherwise.
                Some(if l.is_ascii() && f.is_ascii() {
                    format!("{f} {l}").trim().to_string()
                } else {
                    format!("{l}{f}")
                })
            }
        };
        let description = r
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| format!("{}（市民上报）", matter.name));
        let form = CaseForm {
            matter: matter.code.clone(),
            description,
            lon,
            lat,
            address: r.address_string.clone(),
            building_id: r.address_id.clone(),
            channel: None,
            people,
            money_yuan: money,
            urgency,
            level: None,
            reporter_name: name.filter(|n| !n.is_empty()),
            reporter_phone: r.phone.clone(),
        };
        let case = self.file(who, channel, form, None).await?;
        Ok(vec![Posted {
            service_request_id: case.id,
            service_notice: notice(),
            account_id: None,
        }])
    }

    /// `GET requests`.
    ///
    /// # Errors
    /// `invalid` for a bad date, status or a window over 90 days.
    pub async fn open311_requests(&self, f: &Open311Filter) -> AppResult<Vec<Open311Record>> {
        let store = &self.inner.store;
        let ids = split(&f.service_request_id);
        let cases = if !ids.is_empty() {
            let mut found = store.cases_by_id(&ids).await?;
            found.sort_by_key(|c| std::cmp::Reverse(c.reported_at));
            found
        } else {
            let date = |s: &Option<String>, what: &str| -> AppResult<Option<Millis>> {
                match s {
                    None => Ok(None),
                    Some(s) => parse_instant(s).map(Some).ok_or_else(|| {
                        AppError::invalid(format!(
                            "{what} {s:?} is not a w3 / ISO 8601 time with an offset (2026-03-02T09:00:00+08:00)"
                        ))
                    }),
                }
            };
            let now = store.now();
            let (start, end) = match (
                date(&f.start_date, "start_date")?,
                date(&f.end_date, "end_date")?,
            ) {
                (None, None) => (now - WINDOW, now + DAY),
                (Some(s), None) => (s, s + WINDOW),
                (None, Some(e)) => (e - WINDOW, e),
                (Some(s), Some(e)) => (s, e),
            };
            if end < start {
                return Err(AppError::invalid("end_date is before start_date"));
            }
            if end - start > WINDOW + DAY {
                return Err(AppError::invalid(
                    "start_date to end_date may not span more than 90 days",
                ));
            }
            let statuses = split(&f.status);
            let open = match (
                statuses.iter().any(|s| s == "open"),
                statuses.iter().any(|s| s == "closed"),
            ) {
                _ if statuses.iter().any(|s| s != "open" && s != "closed") => {
                    return Err(AppError::invalid(format!(
                        "status {:?}: open, closed, or both comma-delimited",
                        f.status.clone().unwrap_or_default()
                    )));
                }
                (true, false) => Some(true),
                (false, true) => Some(false),
                _ => None,
            };
            store
                .find_cases(&onemap::queue::CaseQuery {
                    matters: split(&f.service_code),
                    from: start,
                    to: end,
                    open,
                    limit: MAX_RESULTS,
                })
                .await?
        };
        let ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
        let latest = store.latest_events(&ids).await?;
        Ok(cases
            .iter()
            .map(|c| {
                let (updated, note) = latest
                    .get(&c.id)
                    .cloned()
                    .unwrap_or((c.reported_at, String::new()));
                self.open311_record(c, updated, note)
            })
            .collect())
    }

    /// `GET requests/{id}`.
    ///
    /// # Errors
    /// `not_found`.
    pub async fn open311_request(&self, id: &str) -> AppResult<Vec<Open311Record>> {
        let rows = self
            .open311_requests(&Open311Filter {
                service_request_id: Some(id.to_string()),
                ..Open311Filter::default()
            })
            .await?;
        if rows.is_empty() {
            return Err(AppError::not_found(format!("no service request {id:?}")));
        }
        Ok(rows)
    }

    fn open311_record(&self, c: &Case, updated: Millis, note: String) -> Open311Record {
        let p = &c.progress;
        let place = self.place(c);
        let agency = p
            .unit
            .as_deref()
            .and_then(|u| self.target_name(u))
            .or_else(|| {
                let code = c.location.as_ref().map(|l| match p.tier.as_str() {
                    "subgrid" => l.subgrid_code.clone(),
                    "community" => l.community_code.clone(),
                    "street" => l.street_code.clone(),
                    _ => l.district_code.clone(),
                })?;
                self.unit_name(&code)
            })
            .unwrap_or_else(|| p.tier.as_str().to_string());
        Open311Record {
            service_request_id: c.id.clone(),
            status: if p.state == onemap::model::State::Closed {
                "closed"
            } else {
                "open"
            },
            status_notes: note,
            service_name: self.matter_name(&c.matter),
            service_code: c.matter.clone(),
            description: c.description.clone(),
            agency_responsible: agency,
            service_notice: notice(),
            requested_datetime: iso(c.reported_at),
            updated_datetime: iso(updated),
            expected_datetime: iso(c.deadlines.resolve),
            address: place
                .as_ref()
                .map(|pl| {
                    format!(
                        "{} · {} · {}",
                        pl.street.name, pl.community.name, pl.subgrid.name
                    )
                })
                .unwrap_or_default(),
            address_id: c.building_id.clone(),
            zipcode: None,
            lat: c.lat,
            long: c.lon,
            media_url: None,
            extended_attributes: Extended {
                stage: p.state.as_str().to_string(),
                level: c.level.as_str().to_string(),
                grade: c.grade.get(),
                tier: p.tier.as_str().to_string(),
                channel: c.channel.as_str().to_string(),
                outcome: p.outcome.map(|o| o.as_str().to_string()),
                subgrid_code: c.location.as_ref().map(|l| l.subgrid_code.clone()),
                community_code: c.location.as_ref().map(|l| l.community_code.clone()),
                street_code: c.location.as_ref().map(|l| l.street_code.clone()),
                escalations: p.escalations,
            },
        }
    }
}

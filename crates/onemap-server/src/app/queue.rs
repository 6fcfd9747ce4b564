//! The live case queue.

use onemap::access::Principal;
use onemap::model::{Channel, Level, State};
use onemap::queue::{ClockState, QueueFilter};
use serde::{Deserialize, Serialize};

use super::views::{ClockView, clock_view, iso};
use super::{App, AppError, AppResult, CaseView};

/// The queue's filters as the UI sends them: comma-separated lists, all optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct QueueFilterForm {
    /// Stages: `reported,dispatched,handling,review,closed` (default: every open stage).
    pub stage: Option<String>,
    /// Levels: `L1,L2,L3`.
    pub level: Option<String>,
    /// Warning grades: `1,2,3`.
    pub grade: Option<String>,
    /// A street, community or sub-grid code.
    pub unit: Option<String>,
    /// Channels: `hall,station,hotline,app,qr,patrol,camera`.
    pub channel: Option<String>,
    /// Matter codes: `M001,M186`.
    pub matter: Option<String>,
    /// Clock states: `running,at_risk,breached,met`.
    pub clock: Option<String>,
    /// Text in the case id or description.
    pub q: Option<String>,
    /// Page size (default 100, at most 1,000).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

fn list<T>(
    s: &Option<String>,
    what: &str,
    parse: impl Fn(&str) -> onemap::Result<T>,
) -> AppResult<Vec<T>> {
    s.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| parse(v).map_err(|e| AppError::invalid(format!("{what}: {e}"))))
        .collect()
}

impl QueueFilterForm {
    /// The store's filter.
    ///
    /// # Errors
    /// `invalid` naming the bad value.
    pub fn parse(&self) -> AppResult<QueueFilter> {
        Ok(QueueFilter {
            stages: list(&self.stage, "stage", State::parse)?,
            levels: list(&self.level, "level", Level::parse)?,
            grades: list(&self.grade, "grade", |g| {
                g.parse::<i64>()
                    .ok()
                    .filter(|g| (1..=3).contains(g))
                    .ok_or_else(|| onemap::Error::Invalid(format!("{g:?} is not 1, 2 or 3")))
            })?,
            unit: self.unit.clone().filter(|u| !u.trim().is_empty()),
            channels: list(&self.channel, "channel", Channel::parse)?,
            matters: list(&self.matter, "matter", |m| Ok(m.to_string()))?,
            clocks: list(&self.clock, "clock", ClockState::parse)?,
            text: self.q.clone(),
            street_scope: None,
            limit: self.limit,
            offset: self.offset,
        })
    }
}

/// One queue row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueRowView {
    /// The case (reporter always masked in the queue).
    pub case: CaseView,
    /// Its clocks with countdowns.
    pub clocks: Vec<ClockView>,
    /// The clock due first (the row's countdown).
    pub next_clock: Option<ClockView>,
    /// `running`, `at_risk`, `breached` or `met`.
    pub clock_state: String,
    /// Orders not yet reported back.
    pub open_orders: i64,
    /// Possible duplicates not yet confirmed or dismissed.
    pub possible_duplicates: usize,
}

/// A page of the queue.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueuePageView {
    /// The server's time (countdowns count from it: the store's clock may run fast in demos).
    pub now: String,
    /// Matching cases in all.
    pub total: i64,
    /// This page, the nearest deadline first.
    pub rows: Vec<QueueRowView>,
}

impl App {
    /// The queue as `who` may see it: a street operator's is its street's only.
    ///
    /// # Errors
    /// `invalid` for bad filters; `forbidden` for a unit outside a street operator's street.
    pub async fn queue(&self, who: &Principal, form: &QueueFilterForm) -> AppResult<QueuePageView> {
        let mut f = form.parse()?;
        if who.role == onemap::access::Role::Intake {
            return Err(AppError::forbidden(
                "an API key files cases; it does not read the queue",
            ));
        }
        if let Some(own) = &who.street {
            if let Some(unit) = &f.unit
                && !unit.starts_with(own.as_str())
                && !own.starts_with(unit.as_str())
            {
                self.require_street(
                    who,
                    "queue.view",
                    &format!("unit:{unit}"),
                    // A street code is the unit code's first 9 characters (ASCII); any other text is
                    // refused by the unit check later, so never slice through a character here.
                    Some(unit.get(..9).unwrap_or(unit.as_str())),
                )
                .await?;
            }
            f.street_scope = Some(own.clone());
        } else if who.role == onemap::access::Role::StreetOperator {
            return Err(AppError::forbidden(
                "a street operator without a street sees no cases",
            ));
        }
        let page = self.inner.store.queue(&f).await?;
        let now = self.inner.store.now();
        let cases: Vec<onemap::cases::Case> = page.rows.iter().map(|r| r.case.clone()).collect();
        let dups = self.inner.store.undecided_duplicates(&cases).await?;
        let rows = page
            .rows
            .iter()
            .map(|r| QueueRowView {
                case: self.case_view(&r.case, false),
                clocks: r.clocks.iter().map(|k| clock_view(k, now)).collect(),
                next_clock: r.next_clock.as_ref().map(|k| clock_view(k, now)),
                clock_state: r.clock_state.as_str().to_string(),
                open_orders: r.open_orders,
                possible_duplicates: dups.get(&r.case.id).copied().unwrap_or(0),
            })
            .collect();
        Ok(QueuePageView {
            now: iso(now),
            total: page.total,
            rows,
        })
    }
}

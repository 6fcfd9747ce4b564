//! The dashboard's charts: what each one counts, and how it is drawn.
//!
//! | id | what |
//! |---|---|
//! | `cases-by-channel` | cases per day over the 30-day window, stacked by channel |
//! | `cases-by-domain` | the same by the matter's domain |
//! | `cases-by-street` | the same by street |
//! | `compliance` | per day, the share of cases whose SMS notice, meeting and resolution came by the deadline |
//! | `ratings-by-street` | rental buildings per street, stacked by safety rating |
//! | `coverage-by-community` | per community, the share of buildings within 500 m of a station of each service |
//!
//! [`build`] counts (from the store and its Atlas) into a [`Chart`]; [`Chart::svg`] and
//! [`Chart::png`] draw it. The SVG carries the chart as JSON in `<metadata id="onemap-chart">`
//! together with the pixel frame of its plot area.

use std::collections::{BTreeMap, HashMap};

use onemap::model::Channel;
use onemap::tallies::Breakdown;
use onemap_geo::dataset::{AdminLevel, Rating, Service};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;

use crate::context::{AsOf, AsOfBasis, Source, short_date};
use crate::coverage::{self, service_name};
use crate::draw::{self, HPos, Theme, VPos, de, font, hex, rgb, text};
use crate::error::{Error, Result};
use crate::i18n::{Lang, tr, tr_value, trf};

/// The matter domains of the catalogue, in the order charts stack them.
pub const DOMAINS: [&str; 7] = [
    "dispute",
    "legal",
    "psych",
    "complaint",
    "assistance",
    "safety",
    "city",
];

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChartId {
    /// Cases per day by channel.
    CasesByChannel,
    /// Cases per day by matter domain.
    CasesByDomain,
    /// Cases per day by street.
    CasesByStreet,
    /// Clock compliance per day.
    Compliance,
    /// Building ratings per street.
    RatingsByStreet,
    /// 500-m coverage per community.
    CoverageByCommunity,
}

impl ChartId {
    /// Every chart, in dashboard order.
    pub const ALL: [ChartId; 6] = [
        ChartId::CasesByChannel,
        ChartId::CasesByDomain,
        ChartId::CasesByStreet,
        ChartId::Compliance,
        ChartId::RatingsByStreet,
        ChartId::CoverageByCommunity,
    ];

    /// The id in URLs and file names.
    ///
    /// ```
    /// assert_eq!(onemap_dashboard::charts::ChartId::Compliance.as_str(), "compliance");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ChartId::CasesByChannel => "cases-by-channel",
            ChartId::CasesByDomain => "cases-by-domain",
            ChartId::CasesByStreet => "cases-by-street",
            ChartId::Compliance => "compliance",
            ChartId::RatingsByStreet => "ratings-by-street",
            ChartId::CoverageByCommunity => "coverage-by-community",
        }
    }

    /// The chart named `s`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown name (the message lists the known ones).
    pub fn parse(s: &str) -> Result<ChartId> {
        ChartId::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ChartId::ALL.iter().map(|c| c.as_str()).collect();
                Error::NotFound(format!("no chart {s:?} (one of: {})", names.join(", ")))
            })
    }

    /// The catalogue key of its title.
    #[must_use]
    pub fn title_key(self) -> &'static str {
        match self {
            ChartId::CasesByChannel => "chart.cases_by_channel",
            ChartId::CasesByDomain => "chart.cases_by_domain",
            ChartId::CasesByStreet => "chart.cases_by_street",
            ChartId::Compliance => "chart.compliance",
            ChartId::RatingsByStreet => "chart.ratings_by_street",
            ChartId::CoverageByCommunity => "chart.coverage_by_community",
        }
    }
}

/// How a chart is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Vertical bars per category, the series stacked.
    Stacked,
    /// One line per series over the categories (values in percent).
    Lines,
    /// Horizontal bars per category, the series side by side (values in percent).
    GroupedHorizontal,
}

/// One series of a chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Stable key (`hotline`, `440311001`, `warning`, `notice`).
    pub key: String,
    /// Legend text.
    pub label: String,
    /// Colour, `#RRGGBB`.
    pub colour: String,
    /// One value per category; `None` where there is nothing to show (no case that day).
    pub values: Vec<Option<f64>>,
}

/// A chart: what it shows, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// Which chart.
    pub id: ChartId,
    /// The language of its texts.
    pub lang: Lang,
    /// How it is drawn.
    pub kind: ChartKind,
    /// Title.
    pub title: String,
    /// Period or as-of line, with "synthetic data" when the data is.
    pub subtitle: String,
    /// Category keys (local day numbers, unit codes).
    pub category_keys: Vec<String>,
    /// Category labels.
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
    /// Value axis label.
    pub value_label: String,
    /// Category axis label.
    pub category_label: String,
    /// Design size in pixels (the SVG's own; PNG multiplies it).
    pub size: (u32, u32),
}

/// Where the plot area landed, in the output's pixels, and the value range it spans.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Frame {
    /// Left, top, right, bottom of the plot area.
    pub plot: [i32; 4],
    /// Value-axis range (min, max).
    pub value_range: [f64; 2],
}

const CHANNEL_COLOURS: [RGBColor; 7] = [
    rgb(0x38, 0xbd, 0xf8),
    rgb(0x22, 0xd3, 0xee),
    rgb(0xf9, 0x73, 0x16),
    rgb(0xa7, 0x8b, 0xfa),
    rgb(0x34, 0xd3, 0x99),
    rgb(0xfa, 0xcc, 0x15),
    rgb(0xf4, 0x3f, 0x5e),
];
const CATEGORY_COLOURS: [RGBColor; 8] = [
    rgb(0x38, 0xbd, 0xf8),
    rgb(0xa7, 0x8b, 0xfa),
    rgb(0x34, 0xd3, 0x99),
    rgb(0xfb, 0x92, 0x3c),
    rgb(0xf4, 0x72, 0xb6),
    rgb(0xfa, 0xcc, 0x15),
    rgb(0x94, 0xa3, 0xb8),
    rgb(0x64, 0x74, 0x8b),
];
pub(crate) const RATING_COLOURS: [RGBColor; 3] = [
    rgb(0x22, 0xc5, 0x5e),
    rgb(0xfa, 0xcc, 0x15),
    rgb(0xef, 0x44, 0x44),
];
const SERVICE_COLOURS: [RGBColor; 3] = [
    rgb(0x22, 0xd3, 0xee),
    rgb(0xa7, 0x8b, 0xfa),
    rgb(0x34, 0xd3, 0x99),
];
const CLOCK_COLOURS: [RGBColor; 3] = [
    rgb(0x38, 0xbd, 0xf8),
    rgb(0xfa, 0xcc, 0x15),
    rgb(0x34, 0xd3, 0x99),
];

/// The subtitle of a report as of `as_of`: the period (or day) and "synthetic data" when the
/// store's layers are synthetic.
pub(crate) fn subtitle(lang: Lang, as_of: &AsOf, window: bool, synthetic: bool) -> String {
    let mut s = if window {
        trf(
            lang,
            "period.30d",
            &[
                ("from", crate::context::date_of_day(as_of.first_day())),
                ("to", as_of.date.clone()),
            ],
        )
    } else if as_of.basis == AsOfBasis::LatestCase {
        trf(lang, "as_of.latest_case", &[("date", as_of.date.clone())])
    } else {
        trf(lang, "as_of", &[("date", as_of.date.clone())])
    };
    if synthetic {
        s.push_str(" · ");
        s.push_str(&tr(lang, "synthetic"));
    }
    s
}

/// Counts chart `id` as of `as_of` from `src`, with its texts in `lang`.
///
/// # Errors
/// Store errors; [`Error::NoAtlas`] for the charts that need units or buildings.
pub async fn build(src: &Source, id: ChartId, as_of: &AsOf, lang: Lang) -> Result<Chart> {
    let synthetic = !src.store.synthetic_layers().await?.is_empty();
    let days: Vec<i64> = (as_of.first_day()..=as_of.day).collect();
    let day_keys = days.iter().map(ToString::to_string).collect();
    let day_labels = days.iter().map(|d| short_date(*d)).collect();
    let mut chart = Chart {
        id,
        lang,
        kind: ChartKind::Stacked,
        title: tr(lang, id.title_key()),
        subtitle: subtitle(lang, as_of, true, synthetic),
        category_keys: day_keys,
        categories: day_labels,
        series: Vec::new(),
        value_label: tr(lang, "axis.cases"),
        category_label: tr(lang, "axis.day"),
        size: (960, 500),
    };
    match id {
        ChartId::CasesByChannel | ChartId::CasesByDomain | ChartId::CasesByStreet => {
            let by = match id {
                ChartId::CasesByChannel => Breakdown::Channel,
                ChartId::CasesByDomain => Breakdown::Domain,
                _ => Breakdown::Street,
            };
            let rows = src
                .store
                .daily_counts(as_of.first_day(), as_of.day, by)
                .await?;
            let mut counts: BTreeMap<String, HashMap<i64, i64>> = BTreeMap::new();
            for r in rows {
                *counts.entry(r.key).or_default().entry(r.day).or_default() += r.count;
            }
            let order: Vec<(String, String, RGBColor)> = match by {
                Breakdown::Channel => Channel::ALL
                    .iter()
                    .zip(CHANNEL_COLOURS)
                    .map(|(c, col)| {
                        (
                            c.as_str().to_string(),
                            tr_value(lang, "channel", c.as_str()),
                            col,
                        )
                    })
                    .collect(),
                Breakdown::Domain => {
                    let mut keys: Vec<String> = DOMAINS.iter().map(ToString::to_string).collect();
                    keys.extend(
                        counts
                            .keys()
                            .filter(|k| !DOMAINS.contains(&k.as_str()))
                            .cloned(),
                    );
                    keys.into_iter()
                        .zip(CATEGORY_COLOURS.iter().cycle())
                        .map(|(k, col)| {
                            let label = tr_value(lang, "domain", &k);
                            (k, label, *col)
                        })
                        .collect()
                }
                Breakdown::Street => {
                    let atlas = src.atlas()?;
                    let mut keys: Vec<(String, String)> = atlas
                        .units(AdminLevel::Street)
                        .iter()
                        .map(|u| (u.code.clone(), u.name.clone()))
                        .collect();
                    keys.extend(
                        counts
                            .keys()
                            .filter(|k| !keys.iter().any(|(c, _)| c == *k))
                            .map(|k| (k.clone(), tr_value(lang, "street", k)))
                            .collect::<Vec<_>>(),
                    );
                    keys.into_iter()
                        .zip(CATEGORY_COLOURS.iter().cycle())
                        .map(|((k, name), col)| (k, name, *col))
                        .collect()
                }
            };
            chart.series = order
                .into_iter()
                .map(|(key, label, col)| {
                    let per_day = counts.get(&key);
                    Series {
                        values: days
                            .iter()
                            .map(|d| {
                                Some(per_day.and_then(|m| m.get(d)).copied().unwrap_or(0) as f64)
                            })
                            .collect(),
                        key,
                        label,
                        colour: hex(col),
                    }
                })
                .collect();
        }
        ChartId::Compliance => {
            chart.kind = ChartKind::Lines;
            chart.value_label = tr(lang, "axis.share");
            let rows = src
                .store
                .daily_compliance(as_of.first_day(), as_of.day, as_of.moment())
                .await?;
            let by_day: HashMap<i64, &onemap::tallies::DayCompliance> =
                rows.iter().map(|r| (r.day, r)).collect();
            let share = |n: i64, d: i64| 100.0 * n as f64 / d as f64;
            chart.series = [("notice", 0usize), ("meet", 1), ("resolve", 2)]
                .into_iter()
                .map(|(k, i)| Series {
                    key: k.to_string(),
                    label: tr_value(lang, "clock", k),
                    colour: hex(CLOCK_COLOURS[i]),
                    values: days
                        .iter()
                        .map(|d| {
                            // Over the promises settled by now: one still running is
                            // neither kept nor broken.
                            by_day.get(d).and_then(|r| {
                                let ok = [r.notice_ok, r.meet_ok, r.resolve_ok][i];
                                let settled =
                                    [r.notice_settled, r.meet_settled, r.resolve_settled][i];
                                (settled > 0).then(|| share(ok, settled))
                            })
                        })
                        .collect(),
                })
                .collect();
        }
        ChartId::RatingsByStreet => {
            let atlas = src.atlas()?;
            chart.subtitle = subtitle(lang, as_of, false, synthetic);
            chart.value_label = tr(lang, "axis.buildings");
            chart.category_label = tr(lang, "axis.street");
            let streets = atlas.units(AdminLevel::Street);
            let index: HashMap<&str, usize> = streets
                .iter()
                .enumerate()
                .map(|(i, u)| (u.code.as_str(), i))
                .collect();
            let mut counts = vec![[0u64; 3]; streets.len()];
            for b in atlas.buildings() {
                let street = b.subgrid_code.get(..9).unwrap_or_default();
                if let Some(&i) = index.get(street) {
                    counts[i][rating_index(b.rating)] += 1;
                }
            }
            chart.category_keys = streets.iter().map(|u| u.code.clone()).collect();
            chart.categories = streets.iter().map(|u| u.name.clone()).collect();
            chart.series = Rating::ALL
                .iter()
                .enumerate()
                .map(|(j, r)| Series {
                    key: r.as_str().to_string(),
                    label: tr_value(lang, "rating", r.as_str()),
                    colour: hex(RATING_COLOURS[j]),
                    values: counts.iter().map(|c| Some(c[j] as f64)).collect(),
                })
                .collect();
        }
        ChartId::CoverageByCommunity => {
            chart.kind = ChartKind::GroupedHorizontal;
            chart.subtitle = subtitle(lang, as_of, false, synthetic);
            chart.value_label = tr(lang, "axis.share");
            chart.category_label = tr(lang, "axis.community");
            let tables = coverage::tables(src)?;
            let first = tables.get(AdminLevel::Community, Some(Service::Appeal));
            chart.category_keys = first.iter().map(|r| r.code.clone()).collect();
            chart.categories = first.iter().map(|r| r.name.clone()).collect();
            chart.size = (
                960,
                140 + 30 * u32::try_from(first.len()).unwrap_or(0).max(4),
            );
            chart.series = Service::ALL
                .iter()
                .enumerate()
                .map(|(j, s)| Series {
                    key: s.as_str().to_string(),
                    label: tr_value(lang, "service", service_name(Some(*s))),
                    colour: hex(SERVICE_COLOURS[j]),
                    values: tables
                        .get(AdminLevel::Community, Some(*s))
                        .iter()
                        .map(|r| Some(100.0 * r.building_share))
                        .collect(),
                })
                .collect();
        }
    }
    Ok(chart)
}

fn rating_index(r: Rating) -> usize {
    match r {
        Rating::Safe => 0,
        Rating::General => 1,
        Rating::Warning => 2,
    }
}

/// A value-axis maximum a little above `m`, on a round step.
fn nice_ceiling(m: f64) -> f64 {
    if m <= 0.0 {
        return 1.0;
    }
    // The smallest round step (1, 2, 2.5 or 5 × a power of ten) giving at most six intervals.
    let e = m.log10().floor();
    for mag in [10f64.powf(e - 1.0), 10f64.powf(e)] {
        for s in [1.0, 2.0, 2.5, 5.0] {
            let step = s * mag;
            if m / step <= 6.0 {
                return (m / step).ceil() * step;
            }
        }
    }
    (m / 10f64.powf(e + 1.0)).ceil() * 10f64.powf(e + 1.0)
}

fn parse_hex(s: &str) -> RGBColor {
    let n = u32::from_str_radix(s.trim_start_matches('#'), 16).unwrap_or(0);
    #[allow(clippy::cast_possible_truncation)]
    rgb((n >> 16) as u8, (n >> 8) as u8, n as u8)
}

impl Chart {
    /// The chart as an SVG document, its data in `<metadata id="onemap-chart">`.
    ///
    /// # Errors
    /// [`Error::NoFont`] when no font can measure text; drawing errors.
    pub fn svg(&self, theme: Theme) -> Result<String> {
        let (svg, frame) = draw::to_svg(self.size, |root| self.draw(root, theme, 1.0))?;
        let meta = serde_json::json!({"chart": self, "frame": frame, "theme": theme});
        Ok(draw::with_metadata(&svg, &self.title, &meta))
    }

    /// The chart as a PNG of `scale` × its design size, drawn with the CJK font.
    ///
    /// # Errors
    /// [`Error::NoFont`] without a CJK font; [`Error::Invalid`] for a scale outside 0.25–4.
    pub fn png(&self, theme: Theme, scale: f64) -> Result<Vec<u8>> {
        draw::to_png(self.size, scale, |root, k| {
            self.draw(root, theme, k).map(|_| ())
        })
    }

    /// Draws the chart on `root` with every design length multiplied by `k`.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: Theme,
        k: f64,
    ) -> Result<Frame> {
        let c = theme.colours();
        let px = |v: f64| (v * k).round() as i32;
        root.fill(&c.background).map_err(de)?;
        text(
            root,
            &self.title,
            (px(24.0), px(18.0)),
            &font(26.0 * k, c.text, true),
            (HPos::Left, VPos::Top),
        )?;
        text(
            root,
            &self.subtitle,
            (px(24.0), px(54.0)),
            &font(15.0 * k, c.muted, false),
            (HPos::Left, VPos::Top),
        )?;
        // Legend: a swatch and a label per series, in rows as wide as the chart.
        let legend_font = font(17.0 * k, c.text, false);
        let (mut x, mut row) = (px(24.0), 0.0);
        let right = px(f64::from(self.size.0) - 24.0);
        for s in &self.series {
            let (w, _) = root
                .estimate_text_size(&s.label, &legend_font)
                .map_err(de)?;
            let w = i32::try_from(w).unwrap_or(0);
            if x > px(24.0) && x + px(20.0) + w > right {
                x = px(24.0);
                row += 26.0;
            }
            let col = parse_hex(&s.colour);
            root.draw(&Rectangle::new(
                [(x, px(84.0 + row)), (x + px(14.0), px(98.0 + row))],
                col.filled(),
            ))
            .map_err(de)?;
            text(
                root,
                &s.label,
                (x + px(20.0), px(91.0 + row)),
                &legend_font,
                (HPos::Left, VPos::Center),
            )?;
            x += px(20.0) + w + px(22.0);
        }
        let area = root.margin(px(112.0 + row), px(16.0), px(24.0), px(30.0));
        let n = self.categories.len().max(1) as f64;
        let label_font = font(15.0 * k, c.muted, false);
        let axis_font = font(16.0 * k, c.muted, false);
        match self.kind {
            ChartKind::Stacked | ChartKind::Lines => {
                let (lo, hi) = if self.kind == ChartKind::Stacked {
                    let totals = (0..self.categories.len()).map(|i| {
                        self.series
                            .iter()
                            .map(|s| s.values.get(i).copied().flatten().unwrap_or(0.0))
                            .sum::<f64>()
                    });
                    (0.0, nice_ceiling(totals.fold(0.0, f64::max)))
                } else {
                    let min = self
                        .series
                        .iter()
                        .flat_map(|s| s.values.iter().flatten())
                        .fold(100.0f64, |a, b| a.min(*b));
                    (((min - 5.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0, 100.0)
                };
                let mut chart = ChartBuilder::on(&area)
                    .x_label_area_size(px(34.0))
                    .y_label_area_size(px(64.0))
                    .build_cartesian_2d(0f64..n, lo..hi)
                    .map_err(de)?;
                let percent = self.kind == ChartKind::Lines;
                let fmt = move |v: &f64| {
                    if percent {
                        format!("{v:.0}%")
                    } else {
                        format!("{v:.0}")
                    }
                };
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .x_labels(0)
                    .y_labels(6)
                    .y_label_formatter(&fmt)
                    .y_desc(self.value_label.as_str())
                    .axis_desc_style(axis_font.clone())
                    .label_style(label_font.clone())
                    .bold_line_style(c.grid.stroke_width(1))
                    .light_line_style(TRANSPARENT)
                    .axis_style(c.grid.stroke_width(1))
                    .draw()
                    .map_err(de)?;
                if self.kind == ChartKind::Stacked {
                    for i in 0..self.categories.len() {
                        let mut base = 0.0;
                        for s in &self.series {
                            let v = s.values.get(i).copied().flatten().unwrap_or(0.0);
                            if v <= 0.0 {
                                continue;
                            }
                            let x0 = i as f64 + 0.15;
                            chart
                                .draw_series(std::iter::once(Rectangle::new(
                                    [(x0, base), (x0 + 0.7, base + v)],
                                    parse_hex(&s.colour).filled(),
                                )))
                                .map_err(de)?;
                            base += v;
                        }
                    }
                } else {
                    for s in &self.series {
                        let pts: Vec<(f64, f64)> = s
                            .values
                            .iter()
                            .enumerate()
                            .filter_map(|(i, v)| v.map(|v| (i as f64 + 0.5, v)))
                            .collect();
                        chart
                            .draw_series(LineSeries::new(
                                pts,
                                parse_hex(&s.colour).stroke_width(px(3.0).max(1) as u32),
                            ))
                            .map_err(de)?;
                    }
                }
                // Category labels under the axis, thinned to about 15.
                let step = (self.categories.len() / 10).max(1);
                for (i, label) in self
                    .categories
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % step == 0)
                {
                    let (x, y) = chart.backend_coord(&(i as f64 + 0.5, lo));
                    text(
                        root,
                        label,
                        (x, y + px(8.0)),
                        &label_font,
                        (HPos::Center, VPos::Top),
                    )?;
                }
                let (xr, yr) = chart.plotting_area().get_pixel_range();
                Ok(Frame {
                    plot: [xr.start, yr.start, xr.end, yr.end],
                    value_range: [lo, hi],
                })
            }
            ChartKind::GroupedHorizontal => {
                let mut chart = ChartBuilder::on(&area)
                    .x_label_area_size(px(40.0))
                    .y_label_area_size(px(150.0))
                    .build_cartesian_2d(0f64..100f64, 0f64..n)
                    .map_err(de)?;
                chart
                    .configure_mesh()
                    .disable_y_mesh()
                    .y_labels(0)
                    .x_labels(11)
                    .x_label_formatter(&|v| format!("{v:.0}%"))
                    .x_desc(self.value_label.as_str())
                    .axis_desc_style(axis_font.clone())
                    .label_style(label_font.clone())
                    .bold_line_style(c.grid.stroke_width(1))
                    .light_line_style(TRANSPARENT)
                    .axis_style(c.grid.stroke_width(1))
                    .draw()
                    .map_err(de)?;
                let m = self.series.len().max(1) as f64;
                let band = 0.8 / m;
                for (i, label) in self.categories.iter().enumerate() {
                    // The first category on top.
                    let top = n - i as f64 - 0.1;
                    for (j, s) in self.series.iter().enumerate() {
                        let v = s.values.get(i).copied().flatten().unwrap_or(0.0);
                        if v <= 0.0 {
                            continue;
                        }
                        let y1 = top - band * j as f64;
                        chart
                            .draw_series(std::iter::once(Rectangle::new(
                                [(0.0, y1 - band), (v, y1)],
                                parse_hex(&s.colour).filled(),
                            )))
                            .map_err(de)?;
                    }
                    let (x, y) = chart.backend_coord(&(0.0, n - i as f64 - 0.5));
                    text(
                        root,
                        label,
                        (x - px(8.0), y),
                        &font(16.0 * k, c.text, false),
                        (HPos::Right, VPos::Center),
                    )?;
                }
                let (xr, yr) = chart.plotting_area().get_pixel_range();
                Ok(Frame {
                    plot: [xr.start, yr.start, xr.end, yr.end],
                    value_range: [0.0, 100.0],
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_axes_end_on_round_numbers_above_the_data() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 8.0);
        assert_eq!(nice_ceiling(87.0), 100.0);
        assert_eq!(nice_ceiling(113.0), 120.0);
        assert_eq!(nice_ceiling(85.0), 100.0);
        assert_eq!(nice_ceiling(0.4), 0.4);
        assert!(nice_ceiling(1234.0) >= 1234.0);
    }

    #[test]
    fn chart_names_round_trip_and_unknown_ones_are_named() {
        for c in ChartId::ALL {
            assert_eq!(ChartId::parse(c.as_str()).expect("a known chart"), c);
        }
        let e = ChartId::parse("pie").expect_err("no such chart");
        assert_eq!(e.code(), "not_found");
        assert!(e.to_string().contains("cases-by-channel"));
    }
}

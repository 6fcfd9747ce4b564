//! The report as a list of blocks in one language: what both renderers lay out.

use onemap_geo::dataset::Service;
use onemap_geo::scenario::UnitChange;
use onemap_geo::suggest::SiteKind;
use serde::Serialize;

use crate::words::{Words, fill, words};
use crate::{Lang, Report, percent};

/// A table: a header row, body rows, and per column whether it holds numbers (right-aligned)
/// and its relative width.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Column headings.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
    /// Right-align this column.
    pub numeric: Vec<bool>,
    /// Relative widths.
    pub widths: Vec<f32>,
}

/// One block of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Block {
    /// The title with the lines under it.
    Title {
        /// Title.
        title: String,
        /// Lines under it.
        lines: Vec<String>,
    },
    /// A section heading.
    Heading(String),
    /// A smaller heading.
    Subheading(String),
    /// A paragraph.
    Para(String),
    /// A table.
    Table(Table),
    /// The map image, with its caption.
    Map(String),
}

/// The name of a service (or "any") in `lang`.
#[must_use]
pub fn service_name(lang: Lang, service: Option<Service>) -> &'static str {
    let w = words(lang);
    match service {
        Some(Service::Appeal) => w.appeal,
        Some(Service::Legal) => w.legal,
        Some(Service::Psych) => w.psych,
        None => w.any,
    }
}

fn km2(m2: f64) -> String {
    format!("{:.2}", m2 / 1e6)
}

fn int(n: u64) -> String {
    // Thousands separated, as both languages print large counts.
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "a（b）" in Chinese, "a (b)" in English.
fn paren(lang: Lang, a: &str, b: &str) -> String {
    match lang {
        Lang::ZhCn => format!("{a}（{b}）"),
        Lang::En => format!("{a} ({b})"),
    }
}

fn table(headers: Vec<String>, numeric: Vec<bool>, widths: Vec<f32>) -> Table {
    Table {
        headers,
        rows: Vec::new(),
        numeric,
        widths,
    }
}

/// "93.5%", or "93.5% → 97.0%" with a scenario.
fn share_cell(scenario: bool, base: u64, now: u64, whole: u64) -> String {
    if scenario && base != now {
        format!("{} → {}", percent(base, whole), percent(now, whole))
    } else {
        percent(now, whole)
    }
}

fn resident_table(w: &Words, first: &str, per_service: &[Vec<UnitChange>], sc: bool) -> Table {
    let mut t = table(
        vec![
            first.to_string(),
            w.residents.to_string(),
            w.appeal.to_string(),
            w.legal.to_string(),
            w.psych.to_string(),
            w.any.to_string(),
            w.uncovered_km2.to_string(),
        ],
        vec![false, true, true, true, true, true, true],
        vec![2.2, 1.1, 1.3, 1.3, 1.3, 1.3, 1.2],
    );
    let Some(first_rows) = per_service.first() else {
        return t;
    };
    for (i, row) in first_rows.iter().enumerate() {
        let mut cells = vec![row.name.clone(), int(row.totals.residents)];
        for rows in per_service {
            let r = &rows[i];
            cells.push(share_cell(
                sc,
                r.base.residents,
                r.now.residents,
                r.totals.residents,
            ));
        }
        let any = &per_service[per_service.len() - 1][i];
        cells.push(km2(any.now.uncovered_m2));
        t.rows.push(cells);
    }
    t
}

/// The report's blocks in `lang`.
///
/// ```
/// use std::sync::Arc;
/// use onemap_geo::{atlas::Atlas, scenario::Baseline};
/// use onemap_report::{Lang, document::{blocks, Block}};
/// let atlas = Arc::new(Atlas::example());
/// let baseline = Arc::new(Baseline::new(Arc::clone(&atlas), 500.0));
/// let r = onemap_report::compute(&onemap_report::Input { atlas: &atlas, baseline: &baseline,
///     scenario: None, walking: None, synthetic: true, date: "2026-12-01".into(), suggestions: 3 },
///     &onemap_progress::Progress::new()).unwrap();
/// let b = blocks(&r, Lang::ZhCn);
/// assert!(matches!(&b[0], Block::Title { title, .. } if title == "光明区500米服务圈规划报告"));
/// ```
#[must_use]
pub fn blocks(r: &Report, lang: Lang) -> Vec<Block> {
    let w = words(lang);
    let sc = r.scenario.is_some();
    let mut out = Vec::new();
    let mut lines = vec![
        fill(w.generated, &[("date", r.date.clone())]),
        fill(
            w.dataset,
            &[
                ("buildings", int(r.counts[0] as u64)),
                ("stations", int(r.counts[1] as u64)),
                ("subgrids", int(r.counts[2] as u64)),
            ],
        ),
        fill(w.radius, &[("radius", format!("{}", r.radius_m))]),
    ];
    if let Some(name) = &r.scenario {
        lines.push(fill(w.scenario, &[("name", name.clone())]));
    }
    if r.synthetic {
        lines.push(w.synthetic.to_string());
    }
    let district = if lang == Lang::En && r.district == "光明区" {
        "Guangming District (光明区)".to_string()
    } else {
        r.district.clone()
    };
    out.push(Block::Title {
        title: fill(w.title, &[("district", district)]),
        lines,
    });

    // 1. Summary.
    out.push(Block::Heading(w.sec_summary.into()));
    let mut t = if sc {
        table(
            vec![
                w.service.into(),
                paren(lang, w.residents_covered, w.saved),
                paren(lang, w.residents_covered, w.planned),
                paren(lang, w.buildings_covered, w.planned),
                paren(lang, w.warning_covered, w.planned),
                paren(lang, w.uncovered_km2, w.planned),
            ],
            vec![false, true, true, true, true, true],
            vec![1.8, 1.5, 1.5, 1.4, 1.4, 1.3],
        )
    } else {
        table(
            vec![
                w.service.into(),
                w.residents_covered.into(),
                w.buildings_covered.into(),
                w.warning_covered.into(),
                w.uncovered_km2.into(),
            ],
            vec![false, true, true, true, true],
            vec![1.8, 1.6, 1.6, 1.5, 1.3],
        )
    };
    for h in &r.headlines {
        let row = &h.row;
        let res = |c: u64| format!("{} ({})", int(c), percent(c, row.totals.residents));
        let mut cells = vec![service_name(lang, h.service).to_string()];
        if sc {
            cells.push(res(row.base.residents));
        }
        cells.push(res(row.now.residents));
        cells.push(format!(
            "{} ({})",
            int(row.now.buildings),
            percent(row.now.buildings, row.totals.buildings)
        ));
        cells.push(format!(
            "{} ({})",
            int(row.now.warning),
            percent(row.now.warning, row.totals.warning)
        ));
        cells.push(km2(row.now.uncovered_m2));
        t.rows.push(cells);
    }
    out.push(Block::Table(t));

    // 2. Map.
    out.push(Block::Heading(w.sec_map.into()));
    out.push(Block::Map(w.map_caption.into()));

    // 3–4. Streets and communities.
    out.push(Block::Heading(w.sec_streets.into()));
    out.push(Block::Table(resident_table(w, w.street, &r.streets, sc)));
    out.push(Block::Heading(w.sec_communities.into()));
    out.push(Block::Table(resident_table(
        w,
        w.community,
        &r.communities,
        sc,
    )));

    // 5. Policy.
    out.push(Block::Heading(w.sec_policy.into()));
    for p in &r.policy.services {
        let name = service_name(lang, Some(p.service));
        out.push(Block::Subheading(name.into()));
        out.push(Block::Para(fill(
            w.policy_line,
            &[
                ("service", name.into()),
                ("pass", p.passing.to_string()),
                ("total", p.subgrids.to_string()),
                ("fail", p.failing.len().to_string()),
                ("residents", int(p.residents_uncovered)),
            ],
        )));
        if p.failing.is_empty() {
            out.push(Block::Para(w.nothing_failing.into()));
            continue;
        }
        let lower = p
            .fix
            .target
            .and_then(|t| t.min_stations)
            .map_or_else(|| "—".to_string(), |n| n.to_string());
        out.push(Block::Para(fill(
            w.policy_fix,
            &[("greedy", p.fix.sites.len().to_string()), ("lower", lower)],
        )));
        let mut t = table(
            vec![
                w.subgrid.into(),
                w.community.into(),
                w.residents_uncovered.into(),
                w.share_covered.into(),
                w.fewest_sites.into(),
                w.proven.into(),
            ],
            vec![false, false, true, true, true, false],
            vec![2.6, 1.6, 1.3, 1.2, 1.3, 0.9],
        );
        for f in p.failing.iter().take(12) {
            t.rows.push(vec![
                f.name.clone(),
                f.community.clone(),
                int(f.residents_uncovered),
                format!("{:.1}%", 100.0 * f.share_covered),
                f.fix.stations.to_string(),
                if f.fix.optimal { w.yes } else { w.no }.into(),
            ]);
        }
        out.push(Block::Para(w.worst_failing.into()));
        out.push(Block::Table(t));
    }

    // 6. Suggested sites.
    out.push(Block::Heading(w.sec_suggest.into()));
    for s in &r.suggestions {
        let name = service_name(lang, s.service);
        out.push(Block::Subheading(name.into()));
        out.push(Block::Para(fill(
            w.bound,
            &[
                ("service", name.into()),
                ("count", s.sites.len().to_string()),
                ("greedy", int(s.bound.greedy)),
                ("upper", int(s.bound.upper)),
                ("ratio", format!("{:.1}%", 100.0 * s.bound.ratio)),
            ],
        )));
        let mut t = table(
            vec![
                w.rank.into(),
                w.site.into(),
                w.subgrid.into(),
                w.gain_residents.into(),
                w.gain_buildings.into(),
                w.share_after.into(),
            ],
            vec![true, false, false, true, true, true],
            vec![0.5, 3.2, 2.2, 1.2, 1.1, 1.2],
        );
        for site in &s.sites {
            let place = match &site.kind {
                SiteKind::Building { id, address } => {
                    format!("{} {id} {address}", w.at_building)
                }
                SiteKind::Hall { id, name } => format!("{} {id} {name}", w.at_hall),
                SiteKind::Lattice => format!("{} {:.5}, {:.5}", w.lattice, site.lon, site.lat),
            };
            t.rows.push(vec![
                site.rank.to_string(),
                place,
                site.subgrid_name.clone(),
                int(site.gain.residents),
                int(site.gain.buildings),
                format!("{:.1}%", 100.0 * site.share_after),
            ]);
        }
        out.push(Block::Table(t));
    }

    // 7. Walking.
    out.push(Block::Heading(w.sec_walking.into()));
    if r.walking.is_empty() {
        out.push(Block::Para(w.no_roads.into()));
    }
    for ws in &r.walking {
        let name = service_name(lang, Some(ws.service));
        let circle: u64 = ws.streets.iter().map(|s| s.circle_residents).sum();
        let walk: u64 = ws.streets.iter().map(|s| s.walking_residents).sum();
        out.push(Block::Subheading(name.into()));
        out.push(Block::Para(fill(
            w.walking_line,
            &[
                ("service", name.into()),
                ("edges", int(ws.edges as u64)),
                ("km", format!("{:.0}", ws.length_km)),
                ("circle", int(circle)),
                ("walk", int(walk)),
                ("lost", int(circle.saturating_sub(walk))),
            ],
        )));
        let mut t = table(
            vec![
                w.street.into(),
                w.residents.into(),
                w.circle.into(),
                w.on_foot.into(),
                w.lost.into(),
            ],
            vec![false, true, true, true, true],
            vec![2.0, 1.2, 1.6, 1.6, 1.2],
        );
        for s in &ws.streets {
            t.rows.push(vec![
                s.name.clone(),
                int(s.residents),
                format!(
                    "{} ({})",
                    int(s.circle_residents),
                    percent(s.circle_residents, s.residents)
                ),
                format!(
                    "{} ({})",
                    int(s.walking_residents),
                    percent(s.walking_residents, s.residents)
                ),
                int(s.residents_lost_on_foot()),
            ]);
        }
        out.push(Block::Table(t));
        if ws.service == Service::Appeal {
            out.push(Block::Para(fill(
                w.worst_walking,
                &[("service", name.into())],
            )));
            let mut t = table(
                vec![
                    w.subgrid.into(),
                    w.residents.into(),
                    w.circle.into(),
                    w.on_foot.into(),
                    w.lost.into(),
                ],
                vec![false, true, true, true, true],
                vec![2.4, 1.1, 1.4, 1.4, 1.1],
            );
            for s in ws
                .worst_subgrids
                .iter()
                .filter(|s| s.residents_lost_on_foot() > 0)
            {
                t.rows.push(vec![
                    s.name.clone(),
                    int(s.residents),
                    percent(s.circle_residents, s.residents),
                    percent(s.walking_residents, s.residents),
                    int(s.residents_lost_on_foot()),
                ]);
            }
            out.push(Block::Table(t));
        }
    }

    // 8. The scenario's changes.
    if let Some(plan) = &r.plan {
        out.push(Block::Heading(w.sec_plan.into()));
        if plan.is_empty() {
            out.push(Block::Para(w.empty_plan.into()));
        } else {
            let mut t = table(
                vec![
                    w.change.into(),
                    w.station.into(),
                    w.name.into(),
                    w.services.into(),
                    w.position.into(),
                ],
                vec![false, false, false, false, false],
                vec![0.8, 1.1, 2.6, 2.2, 1.9],
            );
            let svc = |s: &[Service]| {
                s.iter()
                    .map(|x| service_name(lang, Some(*x)))
                    .collect::<Vec<_>>()
                    .join("、")
            };
            for (label, list) in [(w.added, &plan.added), (w.changed, &plan.changed)] {
                for p in list {
                    t.rows.push(vec![
                        label.into(),
                        p.id.clone(),
                        p.name.clone(),
                        svc(&p.services),
                        format!("{:.5}, {:.5}", p.lon, p.lat),
                    ]);
                }
            }
            for id in &plan.removed {
                t.rows.push(vec![
                    w.removed.into(),
                    id.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            out.push(Block::Table(t));
        }
    }

    out.push(Block::Heading(w.sec_method.into()));
    out.push(Block::Para(w.method.into()));
    out
}

/// The page footer in `lang`.
#[must_use]
pub fn page_label(lang: Lang, n: usize) -> String {
    fill(words(lang).page, &[("n", n.to_string())])
}

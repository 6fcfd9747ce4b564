//! The sub-grid risk score (docs/risk.md): where a leader should look first.
//!
//! For every red sub-grid four inputs are counted:
//! - **W** warning buildings: rental buildings rated 警示级 in it;
//! - **O** open cases weighted by warning grade: 3 × grade 1 + 2 × grade 2 + 1 × grade 3;
//! - **B** recent breaches: promises (SMS notice, meeting, resolution) broken by cases reported
//!   in the 30 days up to the as-of day;
//! - **G** coverage gap: the share of its residents outside the 500-m circle of each service,
//!   averaged over the three services.
//!
//! Each input is divided by its largest value over the district's sub-grids (so the worst
//! sub-grid on that input scores 1, and a district where no sub-grid has any scores 0), and
//! the score is `100 × (0.30·W' + 0.30·O' + 0.25·B' + 0.15·G')`, from 0 to 100.
//!
//! Communities, streets and the district get the mean of their sub-grids' scores and the sums
//! of their inputs (G as the residents-weighted share), with their hottest sub-grid named.

use std::collections::HashMap;

use onemap_geo::dataset::{AdminLevel, Rating, Service};
use serde::Serialize;

use crate::context::{AsOf, Source, WINDOW_DAYS};
use crate::coverage;
use crate::error::{Error, Result};

/// The weights of the four inputs; they sum to 1.
pub const WEIGHTS: Weights = Weights {
    warning: 0.30,
    open: 0.30,
    breaches: 0.25,
    gap: 0.15,
};

/// Weights of the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    /// Warning buildings.
    pub warning: f64,
    /// Grade-weighted open cases.
    pub open: f64,
    /// Recent breaches.
    pub breaches: f64,
    /// Coverage gap.
    pub gap: f64,
}

/// What went into a unit's score.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Inputs {
    /// Rental buildings.
    pub buildings: u64,
    /// Of which warning.
    pub warning_buildings: u64,
    /// Open cases of grade 1, 2, 3.
    pub open_by_grade: [i64; 3],
    /// 3·g1 + 2·g2 + g3.
    pub open_weighted: i64,
    /// Promises broken by cases reported in the window.
    pub recent_breaches: i64,
    /// Residents.
    pub residents: u64,
    /// Mean over the three services of the share of residents outside every circle (0–1).
    pub gap_share: f64,
}

/// The four inputs after division by the district's largest (0–1 each).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Components {
    /// W'.
    pub warning: f64,
    /// O'.
    pub open: f64,
    /// B'.
    pub breaches: f64,
    /// G'.
    pub gap: f64,
}

/// One unit's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// `district`, `street`, `community` or `subgrid`.
    pub level: AdminLevel,
    /// Statistics code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The parent's code (empty for the district).
    pub parent: String,
    /// 0–100.
    pub score: f64,
    /// 1 = highest among its level.
    pub rank: usize,
    /// The normalised inputs (sub-grids; the mean of its sub-grids' for upper levels).
    pub components: Components,
    /// The inputs.
    pub inputs: Inputs,
    /// The hottest sub-grid inside (itself for a sub-grid).
    pub hottest: String,
}

/// Every unit's score as of a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// The day.
    pub as_of: AsOf,
    /// The weights used.
    pub weights: Weights,
    /// Days in the breach window.
    pub window_days: i64,
    /// Every unit: the district, streets, communities, sub-grids, each level ranked by score.
    pub rows: Vec<Row>,
}

impl Risk {
    /// The units of `level`, highest score first.
    pub fn level(&self, level: AdminLevel) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.level == level)
    }

    /// The children of `code` (the streets of the district, …), highest score first.
    pub fn children<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Row> {
        self.rows.iter().filter(move |r| r.parent == code)
    }

    /// The unit `code`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown code.
    pub fn unit(&self, code: &str) -> Result<&Row> {
        self.rows.iter().find(|r| r.code == code).ok_or_else(|| {
            Error::NotFound(format!(
                "no district, street, community or sub-grid {code:?}"
            ))
        })
    }
}

fn normalise(x: f64, max: f64) -> f64 {
    if max > 0.0 { x / max } else { 0.0 }
}

/// The score of normalised inputs.
///
/// ```
/// use onemap_dashboard::risk::{Components, score};
/// assert_eq!(score(&Components { warning: 1.0, open: 1.0, breaches: 1.0, gap: 1.0 }), 100.0);
/// assert_eq!(score(&Components::default()), 0.0);
/// ```
#[must_use]
pub fn score(c: &Components) -> f64 {
    let w = WEIGHTS;
    100.0 * (w.warning * c.warning + w.open * c.open + w.breaches * c.breaches + w.gap * c.gap)
}

/// Scores every unit as of `as_of`.
///
/// # Errors
/// Store errors; [`Error::NoAtlas`] without a complete administrative tree.
pub async fn risk(src: &Source, as_of: &AsOf) -> Result<Risk> {
    let atlas = src.atlas()?;
    let since = as_of.day_end() - WINDOW_DAYS * onemap::time::DAY;
    let pressure = src.store.subgrid_pressure(since, as_of.moment()).await?;
    let pressure: HashMap<&str, &onemap::tallies::SubgridPressure> = pressure
        .iter()
        .map(|p| (p.subgrid_code.as_str(), p))
        .collect();
    let tables = coverage::tables(src)?;
    let subgrids = atlas.units(AdminLevel::Subgrid);
    let index: HashMap<&str, usize> = subgrids
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    let mut inputs: Vec<Inputs> = vec![Inputs::default(); subgrids.len()];
    for b in atlas.buildings() {
        if let Some(&i) = index.get(b.subgrid_code.as_str()) {
            inputs[i].buildings += 1;
            inputs[i].warning_buildings += u64::from(b.rating == Rating::Warning);
        }
    }
    let services: Vec<HashMap<&str, &onemap_geo::coverage::UnitCoverage>> = Service::ALL
        .iter()
        .map(|s| {
            tables
                .get(AdminLevel::Subgrid, Some(*s))
                .iter()
                .map(|r| (r.code.as_str(), r))
                .collect()
        })
        .collect();
    for (i, u) in subgrids.iter().enumerate() {
        let inp = &mut inputs[i];
        if let Some(p) = pressure.get(u.code.as_str()) {
            inp.open_by_grade = p.open_by_grade;
            inp.recent_breaches = p.recent_breaches;
        }
        inp.open_weighted =
            3 * inp.open_by_grade[0] + 2 * inp.open_by_grade[1] + inp.open_by_grade[2];
        let rows: Vec<_> = services
            .iter()
            .filter_map(|m| m.get(u.code.as_str()))
            .collect();
        inp.residents = rows.first().map_or(0, |r| r.residents_total);
        inp.gap_share = if rows.is_empty() {
            0.0
        } else {
            rows.iter().map(|r| 1.0 - r.resident_share).sum::<f64>() / rows.len() as f64
        };
    }
    let max = |f: &dyn Fn(&Inputs) -> f64| inputs.iter().map(f).fold(0.0f64, f64::max);
    let (mw, mo, mb, mg) = (
        max(&|i| i.warning_buildings as f64),
        max(&|i| i.open_weighted as f64),
        max(&|i| i.recent_breaches as f64),
        max(&|i| i.gap_share),
    );
    let mut rows: Vec<Row> = subgrids
        .iter()
        .zip(&inputs)
        .map(|(u, inp)| {
            let c = Components {
                warning: normalise(inp.warning_buildings as f64, mw),
                open: normalise(inp.open_weighted as f64, mo),
                breaches: normalise(inp.recent_breaches as f64, mb),
                gap: normalise(inp.gap_share, mg),
            };
            Row {
                level: AdminLevel::Subgrid,
                code: u.code.clone(),
                name: u.name.clone(),
                parent: atlas
                    .units(AdminLevel::Community)
                    .get(u.parent)
                    .map(|p| p.code.clone())
                    .unwrap_or_default(),
                score: score(&c),
                rank: 0,
                components: c,
                inputs: inp.clone(),
                hottest: u.code.clone(),
            }
        })
        .collect();
    // Roll up: each upper unit gathers the sub-grids whose code starts with its own.
    let mut upper = Vec::new();
    for level in [
        AdminLevel::Community,
        AdminLevel::Street,
        AdminLevel::District,
    ] {
        let parents = match level {
            AdminLevel::Community => atlas.units(AdminLevel::Street),
            AdminLevel::Street => atlas.units(AdminLevel::District),
            _ => &[],
        };
        for u in atlas.units(level) {
            let mine: Vec<&Row> = rows
                .iter()
                .filter(|r| r.code.starts_with(&u.code))
                .collect();
            upper.push(roll_up(
                level,
                &u.code,
                &u.name,
                parents
                    .get(u.parent)
                    .map(|p| p.code.clone())
                    .unwrap_or_default(),
                &mine,
            ));
        }
    }
    rows.extend(upper);
    for level in [
        AdminLevel::District,
        AdminLevel::Street,
        AdminLevel::Community,
        AdminLevel::Subgrid,
    ] {
        let mut of_level: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].level == level)
            .collect();
        of_level.sort_by(|&a, &b| {
            rows[b]
                .score
                .total_cmp(&rows[a].score)
                .then_with(|| rows[a].code.cmp(&rows[b].code))
        });
        for (rank, i) in of_level.into_iter().enumerate() {
            rows[i].rank = rank + 1;
        }
    }
    rows.sort_by(|a, b| a.level.cmp(&b.level).then(a.rank.cmp(&b.rank)));
    Ok(Risk {
        as_of: as_of.clone(),
        weights: WEIGHTS,
        window_days: WINDOW_DAYS,
        rows,
    })
}

fn roll_up(level: AdminLevel, code: &str, name: &str, parent: String, subs: &[&Row]) -> Row {
    let n = subs.len().max(1) as f64;
    let mut inputs = Inputs::default();
    let mut c = Components::default();
    let mut uncovered = 0.0;
    for r in subs {
        let i = &r.inputs;
        inputs.buildings += i.buildings;
        inputs.warning_buildings += i.warning_buildings;
        for g in 0..3 {
            inputs.open_by_grade[g] += i.open_by_grade[g];
        }
        inputs.open_weighted += i.open_weighted;
        inputs.recent_breaches += i.recent_breaches;
        inputs.residents += i.residents;
        uncovered += i.gap_share * i.residents as f64;
        c.warning += r.components.warning / n;
        c.open += r.components.open / n;
        c.breaches += r.components.breaches / n;
        c.gap += r.components.gap / n;
    }
    inputs.gap_share = if inputs.residents > 0 {
        uncovered / inputs.residents as f64
    } else {
        0.0
    };
    let hottest = subs
        .iter()
        .max_by(|a, b| {
            a.score
                .total_cmp(&b.score)
                .then_with(|| b.code.cmp(&a.code))
        })
        .map(|r| r.code.clone())
        .unwrap_or_default();
    Row {
        level,
        code: code.to_string(),
        name: name.to_string(),
        parent,
        score: subs.iter().map(|r| r.score).sum::<f64>() / n,
        rank: 0,
        components: c,
        inputs,
        hottest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weights_sum_to_one() {
        let w = WEIGHTS;
        assert!((w.warning + w.open + w.breaches + w.gap - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_district_with_nothing_anywhere_scores_zero_not_nan() {
        assert_eq!(normalise(0.0, 0.0), 0.0);
        assert_eq!(normalise(3.0, 6.0), 0.5);
    }

    #[test]
    fn an_upper_unit_scores_the_mean_of_its_subgrids_and_names_the_hottest() {
        let sub = |code: &str, score: f64, residents: u64, gap: f64| Row {
            level: AdminLevel::Subgrid,
            code: code.into(),
            name: code.into(),
            parent: "c".into(),
            score,
            rank: 0,
            components: Components::default(),
            inputs: Inputs {
                residents,
                gap_share: gap,
                warning_buildings: 2,
                ..Inputs::default()
            },
            hottest: code.into(),
        };
        let (a, b) = (sub("a", 20.0, 100, 0.5), sub("b", 60.0, 300, 0.1));
        let r = roll_up(AdminLevel::Community, "c", "c", "s".into(), &[&a, &b]);
        assert_eq!(r.score, 40.0);
        assert_eq!(r.hottest, "b");
        assert_eq!(r.inputs.warning_buildings, 4);
        assert!((r.inputs.gap_share - (50.0 + 30.0) / 400.0).abs() < 1e-12);
    }
}

//! The planning commands: `suggest`, `policy`, `walking`, `whatif`, `report planning` and `scenario`.
//!
//! Each loads the Atlas from `--data DIR` (default: the bundled Guangming dataset), optionally
//! applies a scenario (`--plan FILE`, `--edit JSON`), calls the planning engine of
//! `onemap-geo` and prints a table, or JSON with `--json`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use onemap_geo::atlas::Atlas;
use onemap_geo::dataset::{AdminLevel, Service};
use onemap_geo::scenario::{Baseline, Edit, Plan, SLOTS, Scenario};
use onemap_geo::suggest::{Candidates, Objective, Request, SiteKind, Stop};
use onemap_geo::walking::{RoadNetwork, Walking};
use onemap_report::{Format, Lang};
use serde_json::{Value, json};

use crate::query::load_atlas;
use crate::store_cmd::{DbArgs, open, runtime};

/// The radius of the service circles.
const RADIUS: f64 = 500.0;

/// Where the data and the scenario come from.
#[derive(clap::Args, Debug, Clone)]
pub struct Source {
    /// Dataset directory (the layout of geodata/guangming/); default: the bundled Guangming dataset.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// A scenario's plan (JSON: {"added": [...], "changed": [...], "removed": [...]}), applied
    /// over the saved stations.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// An edit applied after the plan, e.g. '{"op":"move","id":"ST-0001","lon":113.93,"lat":22.76}'
    /// (ops: add, move, remove, restore, services); repeat for more.
    #[arg(long = "edit", value_name = "JSON")]
    edits: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// The loaded data and the scenario over it.
struct Loaded {
    atlas: Arc<Atlas>,
    baseline: Arc<Baseline>,
    scenario: Option<Scenario>,
}

impl Loaded {
    fn covered(&self, service: Option<Service>) -> Vec<bool> {
        match &self.scenario {
            Some(s) => s.covered_buildings(service),
            None => self.atlas.covered_buildings(service, RADIUS),
        }
    }
    fn halls(&self, service: Option<Service>) -> Vec<onemap_geo::suggest::Hall> {
        match &self.scenario {
            Some(s) => s.halls_without(service),
            None => self.atlas.halls_without(service),
        }
    }
    fn centres(&self, service: Option<Service>) -> Vec<[f64; 2]> {
        match &self.scenario {
            Some(s) => s.centres(service),
            None => self.atlas.service_centres(service),
        }
    }
}

fn load(src: &Source) -> anyhow::Result<Loaded> {
    let atlas = Arc::new(load_atlas(src.data.as_deref())?);
    let baseline = Arc::new(Baseline::new(Arc::clone(&atlas), RADIUS));
    let mut scenario = match &src.plan {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let plan: Plan = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a plan", path.display()))?;
            Some(
                Scenario::from_plan(Arc::clone(&baseline), &plan).with_context(|| {
                    format!("{}: the plan does not fit the stations", path.display())
                })?,
            )
        }
        None => None,
    };
    for (k, e) in src.edits.iter().enumerate() {
        let edit: Edit =
            serde_json::from_str(e).with_context(|| format!("--edit #{}: not an edit", k + 1))?;
        let sc = scenario.get_or_insert_with(|| Scenario::new(Arc::clone(&baseline)));
        sc.apply(&edit)
            .with_context(|| format!("--edit #{} refused", k + 1))?;
    }
    Ok(Loaded {
        atlas,
        baseline,
        scenario,
    })
}

fn print_json(v: &Value) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// The polygons of a GeoJSON file (for `--exclude`).
fn read_polygons(path: &Path) -> anyhow::Result<geo::MultiPolygon<f64>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    onemap_server::planning::polygons_of(&v).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `onemap suggest`.
#[derive(clap::Args, Debug)]
pub struct SuggestArgs {
    /// The service the new stations offer: appeal, legal or psych.
    #[arg(long)]
    service: Service,
    /// How many sites (with --target: at most this many; default 5, or 1,000 with --target).
    #[arg(long)]
    count: Option<usize>,
    /// Instead of a count: the fewest sites reaching this share of the objective (e.g. 98%).
    #[arg(long)]
    target: Option<String>,
    /// What to cover most of: residents, buildings, warning-buildings.
    #[arg(long, default_value = "residents")]
    objective: String,
    /// Where stations may go: buildings, halls (existing stations lacking the service),
    /// lattice:50m.
    #[arg(long, default_value = "buildings")]
    candidates: String,
    /// A GeoJSON file of areas where no station may go.
    #[arg(long, value_name = "FILE")]
    exclude: Option<PathBuf>,
    /// Only the buildings of this unit (a street, community or sub-grid code) count.
    #[arg(long, value_name = "CODE")]
    within: Option<String>,
    /// Also solve exactly (branch and bound) and compare; for small instances (use --within).
    #[arg(long)]
    exact: bool,
    /// Write the sites as GeoJSON points here.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    src: Source,
}

/// Runs `onemap suggest`.
pub fn suggest(a: &SuggestArgs) -> anyhow::Result<()> {
    let l = load(&a.src)?;
    let objective: Objective = a
        .objective
        .parse()
        .map_err(|e: String| anyhow::anyhow!(e))?;
    let candidates: Candidates = a
        .candidates
        .parse()
        .map_err(|e: String| anyhow::anyhow!(e))?;
    let stop = match &a.target {
        Some(t) => Stop::Target {
            share: onemap_server::planning::parse_share(&Value::String(t.clone()))
                .map_err(|e| anyhow::anyhow!("--target: {e}"))?,
            max: a.count.unwrap_or(1000),
        },
        None => Stop::Count {
            n: a.count.unwrap_or(5),
        },
    };
    let exclude = a.exclude.as_deref().map(read_polygons).transpose()?;
    let only: Option<Vec<bool>> = match &a.within {
        Some(code) => {
            let subgrids = l.atlas.subgrids();
            let mask: Vec<bool> = l
                .atlas
                .building_subgrids()
                .iter()
                .map(|&s| s != u32::MAX && subgrids[s as usize].code.starts_with(code.as_str()))
                .collect();
            if !mask.iter().any(|&m| m) {
                bail!("no building lies in a unit with code {code}");
            }
            Some(mask)
        }
        None => None,
    };
    let covered = l.covered(Some(a.service));
    let halls = l.halls(Some(a.service));
    let req = Request {
        service: Some(a.service),
        objective,
        candidates,
        stop,
        exclude: exclude.as_ref(),
        radius_m: RADIUS,
        covered: &covered,
        halls: &halls,
        residential_only: false,
        only: only.as_deref(),
    };
    let t0 = std::time::Instant::now();
    let s = onemap_geo::suggest::suggest(&l.atlas, &req)?;
    let elapsed = t0.elapsed();
    let exact = if a.exact {
        if a.target.is_some() {
            bail!("--exact compares a count of sites: drop --target");
        }
        Some(onemap_geo::suggest::exact_best(&l.atlas, &req, 20_000_000)?)
    } else {
        None
    };
    if let Some(path) = &a.out {
        let features: Vec<Value> = s
            .sites
            .iter()
            .map(|site| {
                json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                    "properties": {"rank": site.rank, "service": a.service, "site": site.kind,
                        "subgrid_code": site.subgrid_code, "gain": site.gain, "share_after": site.share_after}})
            })
            .collect();
        std::fs::write(
            path,
            json!({"type": "FeatureCollection", "features": features}).to_string(),
        )
        .with_context(|| format!("writing {}", path.display()))?;
    }
    if a.src.json {
        let mut v = serde_json::to_value(&s)?;
        if let Some(e) = &exact {
            v["exact"] = match e {
                Some((best, sites)) => json!({"best": best, "sites": sites}),
                None => {
                    json!({"best": null, "reason": "the instance is too large for the exact search"})
                }
            };
        }
        return print_json(&v);
    }
    println!(
        "{} new {} sites, objective {} ({} candidates{}), in {:.0} ms:",
        s.sites.len(),
        a.service,
        objective.as_str(),
        s.candidate_count,
        if s.excluded > 0 {
            format!(", {} excluded", s.excluded)
        } else {
            String::new()
        },
        elapsed.as_secs_f64() * 1000.0
    );
    println!(
        "covered before: {} of {} ({})",
        s.covered_before.weight,
        s.total.weight,
        pct(share(s.covered_before.weight, s.total.weight))
    );
    println!(
        "{:>4} {:>11} {:>10}  {:<34} {:<22} {:>8} {:>9} {:>6} {:>5} {:>7}",
        "rank", "lon", "lat", "site", "sub-grid", "gain", "residents", "bldgs", "warn", "after"
    );
    for site in &s.sites {
        let label = match &site.kind {
            SiteKind::Building { id, address } => format!("{id} {address}"),
            SiteKind::Hall { id, name } => format!("+{} at {id} {name}", a.service),
            SiteKind::Lattice => "lattice point".to_string(),
        };
        let label: String = label.chars().take(30).collect();
        println!(
            "{:>4} {:>11.6} {:>10.6}  {:<34} {:<22} {:>8} {:>9} {:>6} {:>5} {:>7}",
            site.rank,
            site.lon,
            site.lat,
            label,
            site.subgrid_name,
            site.gain.weight,
            site.gain.residents,
            site.gain.buildings,
            site.gain.warning,
            pct(site.share_after)
        );
    }
    let b = &s.bound;
    println!(
        "optimality: greedy gains {}; no {} sites can gain more than {} → at least {} of optimal (a-priori guarantee {})",
        b.greedy,
        s.sites.len(),
        b.upper,
        pct(b.ratio),
        pct(b.a_priori)
    );
    if let Some(t) = s.target {
        match (t.reached, t.min_stations) {
            (true, Some(m)) => println!(
                "target {}: reached with {} sites; no solution with fewer than {m} sites reaches it",
                pct(t.share),
                s.sites.len()
            ),
            (true, None) => println!(
                "target {}: reached with {} sites",
                pct(t.share),
                s.sites.len()
            ),
            (false, _) => println!(
                "target {}: not reached with {} sites (more with --count, or other candidates)",
                pct(t.share),
                s.sites.len()
            ),
        }
    }
    if let Some(e) = exact {
        match e {
            Some((best, _)) => println!(
                "exact (branch and bound): the best {} sites gain {best}; greedy reaches {}",
                s.sites.len(),
                pct(share(b.greedy, best))
            ),
            None => println!(
                "exact: the instance is too large for the exact search (narrow it with --within)"
            ),
        }
    }
    Ok(())
}

/// `onemap policy`.
#[derive(clap::Args, Debug)]
pub struct PolicyArgs {
    /// One service (appeal, legal, psych); default: all three.
    #[arg(long)]
    service: Option<Service>,
    /// How many failing sub-grids to list per service.
    #[arg(long, default_value_t = 15)]
    limit: usize,
    #[command(flatten)]
    src: Source,
}

/// Runs `onemap policy`.
pub fn policy(a: &PolicyArgs) -> anyhow::Result<()> {
    let l = load(&a.src)?;
    let services: Vec<Service> = a.service.map_or_else(|| Service::ALL.to_vec(), |s| vec![s]);
    let report = onemap_geo::policy::check(
        &l.atlas,
        &services,
        RADIUS,
        |s| l.covered(Some(s)),
        |s| l.halls(Some(s)),
    );
    if a.src.json {
        return print_json(&serde_json::to_value(&report)?);
    }
    println!(
        "rule: every sub-grid has a station of each service within {RADIUS} m of its residents"
    );
    for p in &report.services {
        println!();
        println!(
            "{}: {} of {} sub-grids pass, {} fail, {} residents left out",
            p.service,
            p.passing,
            p.subgrids,
            p.failing.len(),
            p.residents_uncovered
        );
        if !p.failing.is_empty() {
            let lower = p
                .fix
                .target
                .and_then(|t| t.min_stations)
                .map_or_else(|| "?".to_string(), |m| m.to_string());
            println!(
                "  cheapest fix for all: {} sites (greedy set cover; any fix needs at least {lower})",
                p.fix.sites.len()
            );
            println!(
                "  {:<16} {:<18} {:<10} {:>9} {:>8} {:>6}  sites (fewest alone)",
                "sub-grid", "name", "community", "left out", "covered", "fix"
            );
            for f in p.failing.iter().take(a.limit) {
                let sites: Vec<String> = f
                    .fix
                    .sites
                    .iter()
                    .map(|s| match &s.kind {
                        SiteKind::Building { id, .. } => id.clone(),
                        SiteKind::Hall { id, .. } => format!("+{} at {id}", p.service),
                        SiteKind::Lattice => format!("{:.5},{:.5}", s.lon, s.lat),
                    })
                    .collect();
                println!(
                    "  {:<16} {:<18} {:<10} {:>9} {:>8} {:>5}{}  {}",
                    f.code,
                    f.name.chars().take(12).collect::<String>(),
                    f.community.chars().take(6).collect::<String>(),
                    f.residents_uncovered,
                    pct(f.share_covered),
                    f.fix.stations,
                    if f.fix.optimal { " " } else { "?" },
                    sites.join(", ")
                );
            }
            if p.failing.len() > a.limit {
                println!(
                    "  … {} more (--limit, or --json)",
                    p.failing.len() - a.limit
                );
            }
        }
    }
    println!();
    println!("(\"?\" after a fix: the exact search ran out of budget; the number is greedy's)");
    Ok(())
}

/// `onemap walking`.
#[derive(clap::Args, Debug)]
pub struct WalkingArgs {
    /// The service (appeal, legal, psych); default: any station.
    #[arg(long)]
    service: Option<Service>,
    /// Report by district, street, community or subgrid.
    #[arg(long, default_value = "street")]
    by: AdminLevel,
    /// The road network (GeoJSON lines); default: the dataset's roads.geojson.
    #[arg(long, value_name = "FILE")]
    roads: Option<PathBuf>,
    #[command(flatten)]
    src: Source,
}

fn roads_text(roads: Option<&Path>, data: Option<&Path>) -> anyhow::Result<String> {
    match (roads, data) {
        (Some(p), _) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
        }
        (None, Some(d)) => {
            let p = d.join("roads.geojson");
            std::fs::read_to_string(&p).with_context(|| {
                format!("{} has no roads.geojson (give --roads FILE)", d.display())
            })
        }
        (None, None) => Ok(crate::bundled::ROADS.to_string()),
    }
}

/// Runs `onemap walking`.
pub fn walking(a: &WalkingArgs) -> anyhow::Result<()> {
    let l = load(&a.src)?;
    let text = roads_text(a.roads.as_deref(), a.src.data.as_deref())?;
    let t0 = std::time::Instant::now();
    let net = RoadNetwork::from_geojson(&text, &l.atlas.plane())?;
    if net.edge_count() == 0 {
        bail!("the roads layer holds no lines");
    }
    let w = Walking::new(&l.atlas, net, RADIUS);
    let rows = w.compare(&l.atlas, &l.centres(a.service), a.by);
    let elapsed = t0.elapsed();
    if a.src.json {
        return print_json(&json!({"service": a.service, "radius_m": RADIUS,
            "network": {"nodes": w.network().node_count(), "edges": w.network().edge_count(), "length_km": w.network().length_m() / 1000.0},
            "rows": rows}));
    }
    println!(
        "road network: {} nodes, {} edges, {:.0} km; {} within {RADIUS} m by circle and on foot ({:.0} ms)",
        w.network().node_count(),
        w.network().edge_count(),
        w.network().length_m() / 1000.0,
        a.service.map_or("any service", Service::as_str),
        elapsed.as_secs_f64() * 1000.0
    );
    println!(
        "{:<16} {:<20} {:>10} {:>16} {:>16} {:>9}",
        "code", "name", "residents", "circle", "on foot", "lost"
    );
    let (mut c, mut f, mut r) = (0u64, 0u64, 0u64);
    for row in &rows {
        c += row.circle_residents;
        f += row.walking_residents;
        r += row.residents;
        println!(
            "{:<16} {:<20} {:>10} {:>9} {:>6} {:>9} {:>6} {:>9}",
            row.code,
            row.name.chars().take(14).collect::<String>(),
            row.residents,
            row.circle_residents,
            pct(share(row.circle_residents, row.residents)),
            row.walking_residents,
            pct(share(row.walking_residents, row.residents)),
            row.residents_lost_on_foot()
        );
    }
    println!(
        "all: {r} residents, {c} ({}) within the circle, {f} ({}) on foot: {} fewer",
        pct(share(c, r)),
        pct(share(f, r)),
        c.saturating_sub(f)
    );
    Ok(())
}

/// `onemap whatif`.
#[derive(clap::Args, Debug)]
pub struct WhatifArgs {
    /// Report the units of this level that change: district, street, community or subgrid.
    #[arg(long, default_value = "community")]
    by: AdminLevel,
    #[command(flatten)]
    src: Source,
}

/// Runs `onemap whatif`.
pub fn whatif(a: &WhatifArgs) -> anyhow::Result<()> {
    let l = load(&a.src)?;
    let Some(sc) = &l.scenario else {
        bail!("give the scenario: --plan FILE and/or --edit JSON");
    };
    let mut out = Vec::new();
    for service in SLOTS {
        let (gained, lost) = sc.changes_vs_saved(service);
        let total = sc.total(service);
        let units: Vec<_> = sc
            .units(a.by, service)
            .into_iter()
            .filter(|u| u.base != u.now)
            .collect();
        out.push((service, total, gained, lost, units));
    }
    if a.src.json {
        let v: Vec<Value> = out
            .iter()
            .map(|(s, t, g, lo, u)| {
                json!({"service": s.map_or("any", Service::as_str), "total": t,
                    "newly_covered": g.iter().map(|&b| &l.atlas.buildings()[b].id).collect::<Vec<_>>(),
                    "newly_uncovered": lo.iter().map(|&b| &l.atlas.buildings()[b].id).collect::<Vec<_>>(),
                    "units": u})
            })
            .collect();
        return print_json(&json!({"plan": sc.plan(), "services": v}));
    }
    let plan = sc.plan();
    println!(
        "scenario: {} added, {} changed, {} removed",
        plan.added.len(),
        plan.changed.len(),
        plan.removed.len()
    );
    for (service, t, gained, lost, units) in &out {
        println!();
        println!(
            "{}: residents covered {} → {} ({}{}), buildings {} → {}, uncovered {:.3} → {:.3} km²; {} newly covered, {} newly uncovered buildings",
            service.map_or("any", Service::as_str),
            t.base.residents,
            t.now.residents,
            if t.now.residents >= t.base.residents {
                "+"
            } else {
                ""
            },
            t.now.residents as i64 - t.base.residents as i64,
            t.base.buildings,
            t.now.buildings,
            t.base.uncovered_m2 / 1e6,
            t.now.uncovered_m2 / 1e6,
            gained.len(),
            lost.len()
        );
        for u in units {
            println!(
                "  {:<16} {:<20} residents {:>6} → {:>6} of {:>6}  ({} → {})",
                u.code,
                u.name.chars().take(14).collect::<String>(),
                u.base.residents,
                u.now.residents,
                u.totals.residents,
                pct(share(u.base.residents, u.totals.residents)),
                pct(share(u.now.residents, u.totals.residents))
            );
        }
    }
    Ok(())
}

/// `onemap report planning` (the language is `onemap report`'s `--lang`, the date printed on
/// it its `--day`).
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// pdf, html, or csv (the per-unit coverage table).
    #[arg(long, default_value = "pdf")]
    format: String,
    /// The scenario's name, printed with it (with --plan or --edit).
    #[arg(long)]
    name: Option<String>,
    /// For csv: the units, district, street, community or subgrid.
    #[arg(long, default_value = "subgrid")]
    by: AdminLevel,
    /// The road network for the walking section; default: the dataset's roads.geojson.
    #[arg(long, value_name = "FILE")]
    roads: Option<PathBuf>,
    /// Also write the map image (PNG) here.
    #[arg(long, value_name = "FILE")]
    map: Option<PathBuf>,
    /// Output file.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    src: Source,
}

/// Runs `onemap report planning` in `lang` (zh-CN or en), dated `day` (default: today,
/// Asia/Shanghai).
pub fn report(a: &ReportArgs, lang: &str, day: Option<&str>) -> anyhow::Result<()> {
    let lang: Lang = lang.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let l = load(&a.src)?;
    if a.format == "csv" {
        let per_service: Vec<_> = SLOTS
            .iter()
            .map(|&s| match &l.scenario {
                Some(sc) => sc.units(a.by, s),
                None => l.baseline.units(a.by, s),
            })
            .collect();
        let csv = onemap_report::export::coverage_csv(&per_service, lang);
        std::fs::write(&a.out, csv).with_context(|| format!("writing {}", a.out.display()))?;
        println!("written {}", a.out.display());
        return Ok(());
    }
    let format: Format = a
        .format
        .parse()
        .map_err(|m: String| anyhow::anyhow!("{m} (or csv)"))?;
    let walking = match roads_text(a.roads.as_deref(), a.src.data.as_deref()) {
        Ok(text) => {
            let net = RoadNetwork::from_geojson(&text, &l.atlas.plane())?;
            (net.edge_count() > 0).then(|| Walking::new(&l.atlas, net, RADIUS))
        }
        Err(e) => {
            eprintln!("onemap report planning: no walking section: {e:#}");
            None
        }
    };
    let name = a.name.clone().unwrap_or_else(|| "方案".to_string());
    let synthetic = match &a.src.data {
        None => true,
        Some(d) => std::fs::read_to_string(d.join("meta.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|m| m["generator"] == "onemap-gen"),
    };
    let input = onemap_report::Input {
        atlas: &l.atlas,
        baseline: &l.baseline,
        scenario: l.scenario.as_ref().map(|s| (s, name.as_str())),
        walking: walking.as_ref(),
        synthetic,
        date: day.map_or_else(onemap_report::today, str::to_string),
        suggestions: 5,
    };
    let t0 = std::time::Instant::now();
    // A progress line on stderr (a city-scale report takes half a minute); Ctrl-C cancels
    // before anything is written.
    let progress = onemap_progress::Progress::new();
    let shown = crate::progress_line::show(&progress);
    let result = onemap_report::render_with_map(&input, lang, format, &progress);
    drop(shown);
    let onemap_report::Rendered {
        document: bytes,
        map_png,
    } = result?;
    if let Some(map) = &a.map {
        std::fs::write(map, map_png).with_context(|| format!("writing {}", map.display()))?;
    }
    std::fs::write(&a.out, &bytes).with_context(|| format!("writing {}", a.out.display()))?;
    println!(
        "written {} ({} KB) in {:.1} s",
        a.out.display(),
        bytes.len() / 1024,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `onemap scenario …`: saved scenarios in the store.
#[derive(clap::Args, Debug)]
pub struct ScenarioCmd {
    #[command(subcommand)]
    command: ScenarioCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(clap::Subcommand, Debug)]
enum ScenarioCommand {
    /// The saved scenarios.
    List,
    /// One scenario's plan (JSON).
    Show {
        /// Scenario id (SC-0001).
        id: String,
    },
    /// Saves a plan file as a new scenario, or over an existing one (--id, at --version).
    Save {
        /// Name.
        #[arg(long)]
        name: String,
        /// The plan (JSON).
        #[arg(long, value_name = "FILE")]
        plan: PathBuf,
        /// Note.
        #[arg(long, default_value = "")]
        note: String,
        /// Overwrite this scenario…
        #[arg(long, requires = "version")]
        id: Option<String>,
        /// …if it is still at this version.
        #[arg(long)]
        version: Option<i64>,
    },
    /// Applies a saved scenario to the stations layer (validated import, all or nothing).
    Apply {
        /// Scenario id.
        id: String,
        /// The version you reviewed (default: the current one).
        #[arg(long)]
        version: Option<i64>,
    },
    /// Deletes a scenario.
    Delete {
        /// Scenario id.
        id: String,
    },
}

/// Runs `onemap scenario …`.
pub fn scenario(a: &ScenarioCmd) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&a.db).await?;
        let actor = std::env::var("USER").unwrap_or_else(|_| "cli".to_string());
        let r: anyhow::Result<()> = async {
            match &a.command {
                ScenarioCommand::List => {
                    println!(
                        "{:<8} {:>3} {:>5} {:>7} {:>7}  {:<10} name",
                        "id", "v", "added", "changed", "removed", "applied"
                    );
                    for s in store.scenarios().await? {
                        println!(
                            "{:<8} {:>3} {:>5} {:>7} {:>7}  {:<10} {}",
                            s.id,
                            s.version,
                            s.plan.added.len(),
                            s.plan.changed.len(),
                            s.plan.removed.len(),
                            if s.applied_at.is_some() {
                                "applied"
                            } else {
                                ""
                            },
                            s.name
                        );
                    }
                }
                ScenarioCommand::Show { id } => {
                    print_json(&serde_json::to_value(store.scenario(id).await?)?)?;
                }
                ScenarioCommand::Save {
                    name,
                    plan,
                    note,
                    id,
                    version,
                } => {
                    let text = std::fs::read_to_string(plan)
                        .with_context(|| format!("reading {}", plan.display()))?;
                    let p: Plan = serde_json::from_str(&text)
                        .with_context(|| format!("{}: not a plan", plan.display()))?;
                    let s = match (id, version) {
                        (Some(id), Some(v)) => {
                            store.save_scenario(id, name, note, &p, *v, &actor).await?
                        }
                        _ => store.create_scenario(name, note, &p, &actor).await?,
                    };
                    println!("saved {} (version {})", s.id, s.version);
                }
                ScenarioCommand::Apply { id, version } => {
                    let v = match version {
                        Some(v) => *v,
                        None => store.scenario(id).await?.version,
                    };
                    let r = store.apply_scenario(id, v, &actor).await?;
                    println!(
                        "applied {id}: the stations layer now holds {} stations",
                        r.count
                    );
                }
                ScenarioCommand::Delete { id } => {
                    let v = store.scenario(id).await?.version;
                    store.delete_scenario(id, v).await?;
                    println!("deleted {id}");
                }
            }
            Ok(())
        }
        .await;
        store.close().await;
        r
    })
}

//! `onemap`: the command line of the OneMap command center.
//!
//! Each command group lives in its own module and only parses arguments and prints; the work
//! is done by the library crates.

use clap::{Parser, Subcommand};

/// mimalloc rather than glibc's allocator: loading a dataset (and on the first run the store)
/// parses and frees a few hundred MB in passing, which glibc keeps resident, spread over its
/// per-thread arenas. Measured on the desktop window's first run: 556 MB resident with glibc,
/// 299 MB with mimalloc (the same work; docs/desktop.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod access_cmd;
mod bench;
mod bundled;
mod geodata;
mod http_client;
mod planning;
mod progress_line;
mod query;
mod report;
mod serve;
mod simulate;
mod store_cmd;

#[derive(Parser)]
#[command(
    name = "onemap",
    version,
    about = "OneMap (一张图): the GIS command center for citizen-appeal service and grid governance"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one query of the shared spatial benchmark (protocol: ../shared/bench/README.md).
    Bench(bench::BenchArgs),
    /// Which sub-grid, community and street a point lies in (exit status 3 outside the district).
    Locate(query::LocateArgs),
    /// The k service stations nearest to a point.
    Nearest(query::NearestArgs),
    /// 500-m coverage of buildings, residents and area per district, street, community or sub-grid.
    Coverage(query::CoverageArgs),
    /// The uncovered part of the district as polygons (GeoJSON), with the uncovered buildings.
    Gaps(query::GapsArgs),
    /// Buildings inside a polygon or a radius, with counts by safety rating.
    Within(query::WithinArgs),
    /// Suggested sites for new stations of a service: lazy greedy, with how far from optimal it can be.
    Suggest(planning::SuggestArgs),
    /// The rule "every sub-grid has each service within 500 m of its residents": failures and fixes.
    Policy(planning::PolicyArgs),
    /// Coverage by walking distance along the roads, against the straight-line circle.
    Walking(planning::WalkingArgs),
    /// What a scenario (a plan file, or edits) changes: per service and per unit.
    Whatif(planning::WhatifArgs),
    /// Saved planning scenarios in the store: list, show, save, apply, delete.
    Scenario(planning::ScenarioCmd),
    /// Generate, summarize and render OneMap datasets.
    Geodata(geodata::GeodataArgs),
    /// Serve the UI, the map API and the live stream over HTTP (browser mode).
    Serve(serve::ServeArgs),
    /// Import a layer from GeoJSON, Shapefile, GeoPackage, KML, CSV or XLSX with a field mapping,
    /// validating every row first (nothing is written on error; --dry-run previews).
    Import(store_cmd::ImportArgs),
    /// Export the store as GeoPackage or Shapefiles, or a layer as GeoJSON, CSV or KML.
    Export(store_cmd::ExportArgs),
    /// The store: init (migrate, load the dataset on first run), status, figures.
    Db(store_cmd::DbCmd),
    /// Accounts: add, list, passwd, role, disable, enable.
    Users(access_cmd::UsersCmd),
    /// API keys of intake systems (hotline, city app, QR codes, camera AI): add, list, revoke.
    Keys(access_cmd::KeysCmd),
    /// Read the audit log (changes, views of personal data, refused attempts).
    Audit(access_cmd::AuditArgs),
    /// Send realistic appeals (Open311) and camera alerts to a server; or load-test it.
    Simulate(simulate::SimulateArgs),
    /// Reports: KPIs, charts (SVG/PNG), the risk ranking, briefing slides from the store; the
    /// planning report (PDF/HTML) and coverage table (CSV) from the dataset.
    Report(report::ReportCmd),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Bench(args) => bench::run(&args),
        Command::Locate(args) => {
            let status = query::locate(&args)?;
            if status != 0 {
                std::process::exit(status);
            }
            Ok(())
        }
        Command::Nearest(args) => query::nearest(&args),
        Command::Coverage(args) => query::coverage(&args),
        Command::Gaps(args) => query::gaps(&args),
        Command::Within(args) => query::within(&args),
        Command::Suggest(args) => planning::suggest(&args),
        Command::Policy(args) => planning::policy(&args),
        Command::Walking(args) => planning::walking(&args),
        Command::Whatif(args) => planning::whatif(&args),
        Command::Scenario(args) => planning::scenario(&args),
        Command::Geodata(args) => geodata::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Import(args) => store_cmd::import(&args),
        Command::Export(args) => store_cmd::export(&args),
        Command::Db(args) => store_cmd::db(&args),
        Command::Users(args) => access_cmd::users(&args),
        Command::Keys(args) => access_cmd::keys(&args),
        Command::Audit(args) => access_cmd::audit(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Report(args) => report::run(&args),
    }
}

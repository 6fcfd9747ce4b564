//! `onemap import`, `onemap export` and `onemap db`: the store from the command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use onemap::datum::Datum;
use onemap::figures::Dimension;
use onemap::layers::ExportFormat;
use onemap::{Store, Target};

/// Where the database is.
#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// `postgres://…` for a shared multi-seat database, or a SQLite file (default: the user's
    /// data directory). Also read from ONEMAP_DATABASE_URL.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
}

/// `onemap import LAYER FILE`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The layer (districts, streets, communities, subgrids, stations, buildings, cameras,
    /// roads, matters, cases).
    pub layer: String,
    /// A GeoJSON FeatureCollection.
    pub file: PathBuf,
    /// The datum of the file's coordinates; converted to WGS84.
    #[arg(long, value_enum, default_value = "wgs84")]
    pub datum: DatumArg,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Datums accepted on import.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum DatumArg {
    /// WGS84.
    Wgs84,
    /// CGCS2000.
    Cgcs2000,
    /// GCJ-02.
    Gcj02,
    /// BD-09.
    Bd09,
}

/// `onemap export LAYER --format … -o FILE`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The layer.
    pub layer: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "geojson")]
    pub format: FormatArg,
    /// Output file (`-` for stdout).
    #[arg(short, long, default_value = "-")]
    pub output: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Export formats.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum FormatArg {
    /// GeoJSON FeatureCollection.
    Geojson,
    /// CSV.
    Csv,
}

/// `onemap db …`.
#[derive(Args, Debug)]
pub struct DbCmd {
    #[command(subcommand)]
    pub command: DbCommand,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Store maintenance.
#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Create and migrate the database; on first run load the dataset (layers, matter
    /// catalogue, case history).
    Init {
        /// The dataset directory to load when the store is empty.
        #[arg(long, default_value = "geodata/guangming")]
        dataset: PathBuf,
    },
    /// Engine, layers and case counts.
    Status,
    /// Figures over the stored cases.
    Figures {
        /// Break down by: all, district, street, community, subgrid, department, channel, matter.
        #[arg(long, default_value = "all")]
        by: String,
        /// From (RFC 3339, e.g. 2022-01-01T00:00:00+08:00); default: the beginning.
        #[arg(long)]
        from: Option<String>,
        /// To, exclusive; default: the end of time.
        #[arg(long)]
        to: Option<String>,
    },
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Runtime::new()?)
}

pub(crate) async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let target = Target::resolve(db.database_url.as_deref());
    let what = target.describe();
    Store::open(target)
        .await
        .with_context(|| format!("opening {what}"))
}

/// Runs `onemap import`.
pub fn import(args: &ImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let datum = match args.datum {
        DatumArg::Wgs84 => Datum::Wgs84,
        DatumArg::Cgcs2000 => Datum::Cgcs2000,
        DatumArg::Gcj02 => Datum::Gcj02,
        DatumArg::Bd09 => Datum::Bd09,
    };
    runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let r = store.import_layer(&args.layer, &text, datum).await;
        store.close().await;
        match r {
            Ok(r) => {
                println!(
                    "imported {} features into {} (from {})",
                    r.count, r.layer, r.datum
                );
                Ok(())
            }
            Err(onemap::Error::BadFeatures { layer, problems }) => {
                for p in &problems {
                    eprintln!("{layer}: {p}");
                }
                anyhow::bail!(
                    "{layer}: {} bad feature(s); nothing imported",
                    problems.len()
                )
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// Runs `onemap export`.
pub fn export(args: &ExportArgs) -> anyhow::Result<()> {
    let format = match args.format {
        FormatArg::Geojson => ExportFormat::GeoJson,
        FormatArg::Csv => ExportFormat::Csv,
    };
    let text = runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let t = store.export_layer(&args.layer, format).await;
        store.close().await;
        anyhow::Ok(t?)
    })?;
    if args.output.as_os_str() == "-" {
        print!("{text}");
    } else {
        std::fs::write(&args.output, text)
            .with_context(|| format!("writing {}", args.output.display()))?;
    }
    Ok(())
}

/// Runs `onemap db …`.
pub fn db(args: &DbCmd) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let target = Target::resolve(args.db.database_url.as_deref()).describe();
        match &args.command {
            DbCommand::Init { dataset } => {
                let loaded = if dataset.is_dir() {
                    store.ensure_dataset(dataset).await?
                } else {
                    eprintln!("no dataset at {}; the store starts empty", dataset.display());
                    Vec::new()
                };
                println!("{target}: migrated");
                for r in &loaded {
                    println!("loaded {} {}", r.count, r.layer);
                }
            }
            DbCommand::Status => {
                println!("{target} ({})", store.engine());
                for (name, n) in store.layers().await? {
                    println!("{name:12} {n}");
                }
                println!("{:12} {}", "cases stored", store.case_count().await?);
            }
            DbCommand::Figures { by, from, to } => {
                let t = |s: &Option<String>, d: i64| match s {
                    None => Ok(d),
                    Some(s) => onemap::time::parse_instant(s)
                        .with_context(|| format!("{s:?} is not an RFC 3339 instant")),
                };
                let (from, to) = (t(from, i64::MIN)?, t(to, i64::MAX)?);
                let started = std::time::Instant::now();
                let figs = store.figures(from, to, Dimension::parse(by)?).await?;
                let took = started.elapsed();
                println!(
                    "{:16} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8}",
                    "key", "handled", "resolved", "rate", "sameday", "notice", "meet", "resolve", "orders", "p50 min", "p90 min"
                );
                for f in figs {
                    println!(
                        "{:16} {:>8} {:>8} {:>7.2}% {:>7.2}% {:>6.1}% {:>6.1}% {:>6.1}% {:>6.1}% {:>8} {:>8}",
                        f.key,
                        f.handled,
                        f.resolved,
                        100.0 * f.resolution_rate,
                        100.0 * f.same_day_rate,
                        100.0 * f.notice_compliance,
                        100.0 * f.meet_compliance,
                        100.0 * f.resolve_compliance,
                        100.0 * f.orders_on_time_rate,
                        f.median_close_minutes.map_or("-".into(), |m| format!("{m:.0}")),
                        f.p90_close_minutes.map_or("-".into(), |m| format!("{m:.0}")),
                    );
                }
                eprintln!("computed in {took:?}");
            }
        }
        store.close().await;
        Ok(())
    })
}

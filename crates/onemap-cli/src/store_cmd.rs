//! `onemap import`, `onemap export` and `onemap db`: the store from the command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use onemap::datum::Datum;
use onemap::exports::ExportKind;
use onemap::figures::Dimension;
use onemap::layers::ExportFormat;
use onemap::{Store, Target};
use onemap_formats::mapping::Mapping;
use onemap_formats::source::ReadOptions;
use onemap_progress::Progress;

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
    /// The source: GeoJSON, Shapefile (.shp, or a .zip holding one), GeoPackage, KML, CSV or
    /// a spreadsheet (.xlsx/.xls/.ods).
    pub file: PathBuf,
    /// A mapping file (JSON; see docs/formats.md) mapping the source's fields onto the layer's;
    /// without it the suggested mapping (same names, common Chinese names) is used.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Show the detected format and coordinate system, the mapping, the first rows and every
    /// problem, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the suggested (or given) mapping to this file, to edit and pass back with --mapping.
    #[arg(long)]
    pub write_mapping: Option<PathBuf>,
    /// The datum of longitude/latitude coordinates; converted to WGS84 (overrides the mapping).
    #[arg(long, value_enum)]
    pub datum: Option<DatumArg>,
    /// The coordinate system, e.g. EPSG:4547 (overrides the .prj / GeoPackage SRS / mapping).
    #[arg(long)]
    pub crs: Option<String>,
    /// Attribute encoding of a Shapefile .dbf or a CSV (GBK, GB18030, UTF-8); overrides the .cpg.
    #[arg(long)]
    pub encoding: Option<String>,
    /// The GeoPackage table or spreadsheet sheet to read (default: the first).
    #[arg(long = "source-layer")]
    pub source_layer: Option<String>,
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

/// `onemap export [LAYER] --format … -o FILE`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The layer (for geojson, csv, kml); GeoPackage and Shapefile exports take every layer.
    pub layer: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "geojson")]
    pub format: FormatArg,
    /// Output file (`-` for stdout, geojson/csv only); for shp, a new directory.
    #[arg(short, long, default_value = "-")]
    pub output: PathBuf,
    /// Include personal data (a case reporter's name and phone).
    #[arg(long)]
    pub personal: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Export formats.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatArg {
    /// GeoJSON FeatureCollection (one layer).
    Geojson,
    /// CSV (one layer).
    Csv,
    /// KML (one layer).
    Kml,
    /// GeoPackage: every layer, the matter catalogue and the case table in one file.
    Gpkg,
    /// Shapefiles: every spatial layer, one .shp set each, in a new directory.
    Shp,
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
        /// The dataset directory to load when the store is empty (`--data`, as every other
        /// command names it, works too).
        #[arg(long, visible_alias = "data", default_value = "geodata/guangming")]
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

/// Runs `op` with a progress line on stderr; Ctrl-C cancels it (the operation rolls back or
/// removes its partial output).
async fn with_progress<T>(
    progress: &Progress,
    op: impl std::future::Future<Output = onemap::Result<T>>,
) -> onemap::Result<T> {
    let _shown = crate::progress_line::show(progress);
    op.await
}

fn report_bad(layer: &str, problems: &[onemap::error::FeatureProblem]) {
    for p in problems {
        let id =
            p.id.as_deref()
                .map_or(String::new(), |i| format!(" (id {i})"));
        eprintln!("{layer}: row {}{id}: {}", p.index + 1, p.reason);
    }
}

/// Runs `onemap import`.
pub fn import(args: &ImportArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let mut mapping: Option<Mapping> = match &args.mapping {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let m: Mapping = serde_json::from_str(&text)
                    .with_context(|| format!("{}: not a mapping file", path.display()))?;
                if m.layer != args.layer {
                    anyhow::bail!(
                        "{} maps onto {:?}, not {:?}",
                        path.display(),
                        m.layer,
                        args.layer
                    );
                }
                Some(m)
            }
        };
        let options = ReadOptions {
            encoding: args
                .encoding
                .clone()
                .or_else(|| mapping.as_ref().and_then(|m| m.encoding.clone())),
            layer: args
                .source_layer
                .clone()
                .or_else(|| mapping.as_ref().and_then(|m| m.source_layer.clone())),
        };
        let progress = Progress::new();
        progress.stage(&format!("reading {}", args.file.display()), 0);
        let source = onemap_formats::source::read(&args.file, &options).await?;
        let mut mapping = match mapping.take() {
            Some(m) => m,
            None => Mapping::suggest(&args.layer, &source)?,
        };
        if let Some(d) = args.datum {
            mapping.datum = Some(datum_of(d).as_str().to_owned());
        }
        if let Some(c) = &args.crs {
            mapping.crs = Some(c.clone());
        }
        if let Some(e) = &options.encoding {
            mapping.encoding = Some(e.clone());
        }
        if let Some(path) = &args.write_mapping {
            std::fs::write(path, serde_json::to_string_pretty(&mapping)? + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote the mapping to {}", path.display());
        }
        let store = open(&args.db).await?;
        let r = if args.dry_run {
            let preview = with_progress(
                &progress,
                store.preview_import(&source, &mapping, &progress),
            )
            .await;
            store.close().await;
            let preview = preview?;
            print_preview(&args.file, &preview);
            if preview.problems.is_empty() {
                return Ok(());
            }
            anyhow::bail!(
                "{}: {} of {} row(s) have problems; nothing would be imported",
                args.layer,
                preview.problems.len(),
                preview.count
            )
        } else {
            let r =
                with_progress(&progress, store.import_source(&source, &mapping, &progress)).await;
            store.close().await;
            r
        };
        match r {
            Ok(r) => {
                println!(
                    "imported {} features into {} from {} ({}, {}; datum {})",
                    r.count,
                    r.layer,
                    args.file.display(),
                    source.format.label(),
                    mapping.effective_crs(&source)?.describe(),
                    r.datum
                );
                Ok(())
            }
            Err(onemap::Error::BadFeatures { layer, problems }) => {
                report_bad(&layer, &problems);
                anyhow::bail!("{layer}: {} bad row(s); nothing imported", problems.len())
            }
            Err(e) => Err(e.into()),
        }
    })
}

fn print_preview(file: &std::path::Path, p: &onemap::imports::ImportPreview) {
    println!("source       {} ({})", file.display(), p.format);
    if let Some(l) = &p.source_layer {
        println!("table/sheet  {l} (of {})", p.source_layers.join(", "));
    }
    println!("coordinates  {} — from {}", p.crs, p.crs_source);
    println!("datum        {}", p.datum);
    if let Some(e) = &p.encoding {
        println!("encoding     {e}");
    }
    println!("records      {} ({} would be imported)", p.count, p.valid);
    if let Some(b) = p.bbox {
        println!(
            "extent       lon {:.5}..{:.5}, lat {:.5}..{:.5} (WGS84)",
            b[0], b[2], b[1], b[3]
        );
    }
    println!(
        "mapping      {}",
        serde_json::to_string(&p.mapping).unwrap_or_default()
    );
    println!("first rows:");
    for r in p.rows.iter().take(5) {
        println!(
            "  row {}: {}",
            r["row"].as_u64().unwrap_or(0) + 1,
            r["properties"]
        );
    }
    if p.problems.is_empty() {
        println!("no problems");
    } else {
        println!("{} problem(s):", p.problems.len());
        report_bad(p.targets.name, &p.problems);
    }
}

fn datum_of(d: DatumArg) -> Datum {
    match d {
        DatumArg::Wgs84 => Datum::Wgs84,
        DatumArg::Cgcs2000 => Datum::Cgcs2000,
        DatumArg::Gcj02 => Datum::Gcj02,
        DatumArg::Bd09 => Datum::Bd09,
    }
}

/// Runs `onemap export`.
pub fn export(args: &ExportArgs) -> anyhow::Result<()> {
    let kind = match args.format {
        FormatArg::Geojson => ExportKind::GeoJson,
        FormatArg::Csv => ExportKind::Csv,
        FormatArg::Kml => ExportKind::Kml,
        FormatArg::Gpkg => ExportKind::GeoPackage,
        FormatArg::Shp => ExportKind::Shapefile,
    };
    let whole = matches!(kind, ExportKind::GeoPackage | ExportKind::Shapefile);
    let stdout = args.output.as_os_str() == "-";
    runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let progress = Progress::new();
        let r: anyhow::Result<()> = async {
            if whole {
                if stdout {
                    anyhow::bail!("a {} export needs -o FILE", kind.extension());
                }
                if let Some(l) = &args.layer {
                    anyhow::bail!("a GeoPackage or Shapefile export holds every layer; drop {l:?}");
                }
                let report = if kind == ExportKind::GeoPackage {
                    with_progress(
                        &progress,
                        store.export_geopackage(&args.output, args.personal, &progress),
                    )
                    .await?
                } else {
                    with_progress(
                        &progress,
                        store.export_shapefiles(&args.output, args.personal, &progress),
                    )
                    .await?
                };
                for (layer, n) in &report.counts {
                    eprintln!("  {layer:12} {n}");
                }
                println!("wrote {}", args.output.display());
                return Ok(());
            }
            let layer = args
                .layer
                .as_deref()
                .context("name the layer to export (or use --format gpkg for every layer)")?;
            if stdout {
                let format = match kind {
                    ExportKind::Csv => ExportFormat::Csv,
                    ExportKind::GeoJson => ExportFormat::GeoJson,
                    _ => anyhow::bail!("a KML export needs -o FILE"),
                };
                print!("{}", store.export_layer(layer, format).await?);
                return Ok(());
            }
            let report = with_progress(
                &progress,
                store.export_layer_file(layer, kind, &args.output, args.personal, &progress),
            )
            .await?;
            eprintln!(
                "wrote {} features to {}",
                report.counts.first().map_or(0, |c| c.1),
                args.output.display()
            );
            Ok(())
        }
        .await;
        store.close().await;
        r
    })
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

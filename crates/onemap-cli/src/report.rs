//! `onemap report`: the dashboard, the risk score and the briefing slides from the command
//! line (the same library calls the HTTP routes make).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use onemap_dashboard::charts::{self, ChartId};
use onemap_dashboard::draw::Theme;
use onemap_dashboard::{AsOf, Lang, Source, briefing, kpi, risk};
use onemap_geo::dataset::AdminLevel;

use crate::store_cmd::{DbArgs, open, runtime};

/// `onemap report …`.
#[derive(Args, Debug)]
pub struct ReportCmd {
    #[command(subcommand)]
    pub command: ReportCommand,
    /// The as-of day (YYYY-MM-DD); default today, or the latest case's day for an old history.
    #[arg(long, global = true)]
    pub day: Option<String>,
    /// Language of the texts.
    #[arg(long, global = true, default_value = "zh-CN")]
    pub lang: String,
    /// `dark` or `light`.
    #[arg(long, global = true, default_value = "dark")]
    pub theme: String,
    #[command(flatten)]
    pub db: DbArgs,
}

/// The report commands.
#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// The KPI tiles (or, with --json, the numbers behind them).
    Kpis {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One chart as SVG or PNG.
    Chart {
        /// cases-by-channel, cases-by-domain, cases-by-street, compliance, ratings-by-street,
        /// coverage-by-community.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "svg")]
        format: ImageFormat,
        /// PNG size factor.
        #[arg(long, default_value_t = 2.0)]
        scale: f64,
        /// Output file (`-` for stdout).
        #[arg(short, long, default_value = "-")]
        output: PathBuf,
    },
    /// The risk ranking of a level.
    Risk {
        /// district, street, community or subgrid.
        #[arg(long, default_value = "subgrid")]
        level: String,
        /// How many rows.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// JSON (every unit with its inputs) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The briefing tour as numbered PNG slides in a directory.
    Slides {
        /// The directory (created).
        #[arg(short, long)]
        out: PathBuf,
        /// PNG size factor (1 = 1920 × 1080, 2 = 3840 × 2160).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
    /// The planning report (PDF or HTML, with the map and the tables) or the per-unit coverage
    /// table (CSV), from the dataset and a scenario; `--lang` and `--day` as above.
    Planning(crate::planning::ReportArgs),
}

/// Image formats.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum ImageFormat {
    /// SVG (text drawn by the viewer).
    Svg,
    /// PNG (drawn with the CJK font).
    Png,
}

/// Runs `onemap report …`.
pub fn run(args: &ReportCmd) -> anyhow::Result<()> {
    let lang = Lang::parse(Some(&args.lang))?;
    let theme = Theme::parse(Some(&args.theme))?;
    if let ReportCommand::Planning(a) = &args.command {
        // From the dataset, not the store.
        return crate::planning::report(a, &args.lang, args.day.as_deref());
    }
    runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let as_of = AsOf::resolve(&store, args.day.as_deref()).await?;
        let src = Source::new(&store);
        match &args.command {
            ReportCommand::Kpis { json } => {
                let k = kpi::kpis(&src, &as_of).await?;
                if *json {
                    println!("{}", serde_json::to_string_pretty(&k)?);
                } else {
                    println!("{} ({:?})", as_of.date, as_of.basis);
                    for t in k.tiles(lang) {
                        println!("{:<28} {:>10}  {}", t.label, t.value, t.detail);
                    }
                }
            }
            ReportCommand::Chart {
                id,
                format,
                scale,
                output,
            } => {
                let chart = charts::build(&src, ChartId::parse(id)?, &as_of, lang).await?;
                let bytes = match format {
                    ImageFormat::Svg => chart.svg(theme)?.into_bytes(),
                    ImageFormat::Png => chart.png(theme, *scale)?,
                };
                if output.as_os_str() == "-" {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                } else {
                    std::fs::write(output, bytes)
                        .with_context(|| format!("writing {}", output.display()))?;
                }
            }
            ReportCommand::Risk { level, top, json } => {
                let r = risk::risk(&src, &as_of).await?;
                if *json {
                    println!("{}", serde_json::to_string_pretty(&r)?);
                } else {
                    let level: AdminLevel = level.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
                    println!("rank  score  code             name");
                    for row in r.level(level).take(*top) {
                        println!(
                            "{:>4}  {:>5.1}  {:<15}  {}  ({})",
                            row.rank,
                            row.score,
                            row.code,
                            row.name,
                            briefing_inputs(lang, &row.inputs)
                        );
                    }
                }
            }
            ReportCommand::Slides { out, scale } => {
                let tour = briefing::tour(&src, &as_of, lang).await?;
                std::fs::create_dir_all(out)
                    .with_context(|| format!("creating {}", out.display()))?;
                for (name, png) in tour.slides_png(&src, theme, *scale)? {
                    let path = out.join(&name);
                    std::fs::write(&path, png)
                        .with_context(|| format!("writing {}", path.display()))?;
                    println!("{}", path.display());
                }
            }
            // Answered above, before the store is opened.
            ReportCommand::Planning(_) => {}
        }
        anyhow::Ok(())
    })
}

fn briefing_inputs(lang: Lang, i: &risk::Inputs) -> String {
    onemap_dashboard::i18n::trf(
        lang,
        "slide.inputs",
        &[
            ("w", i.warning_buildings.to_string()),
            ("o", i.open_by_grade.iter().sum::<i64>().to_string()),
            ("b", i.recent_breaches.to_string()),
            ("g", format!("{:.0}", 100.0 * i.gap_share)),
        ],
    )
}

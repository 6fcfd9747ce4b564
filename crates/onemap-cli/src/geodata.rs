//! `onemap geodata`: generate a dataset, summarize one, render one to PNG.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};

/// Arguments of `onemap geodata`.
#[derive(Args)]
pub struct GeodataArgs {
    #[command(subcommand)]
    command: GeodataCommand,
}

#[derive(Subcommand)]
enum GeodataCommand {
    /// Generate a dataset (the default seed reproduces geodata/guangming byte for byte).
    Generate {
        /// Guangming (the committed dataset) or the whole of Shenzhen.
        #[arg(long, value_enum, default_value_t = ScaleArg::Guangming)]
        scale: ScaleArg,
        /// Random seed.
        #[arg(long, default_value_t = onemap_gen::DEFAULT_SEED)]
        seed: u64,
        /// Directory to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print counts, areas, ratings, 500 m coverage and case figures of a dataset.
    Summary {
        /// Dataset directory.
        #[arg(long, default_value = "geodata/guangming")]
        data: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Draw every layer of a dataset into a printable PNG (legend, scale bar, north arrow,
    /// title block), with the renderer the UI's "print / export view" uses.
    Render {
        /// Dataset directory (default: the Guangming dataset built into the binary).
        #[arg(long)]
        data: Option<PathBuf>,
        /// PNG file to write.
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// Paper size.
        #[arg(long, value_enum, default_value_t = PaperArg::A3)]
        paper: PaperArg,
        /// Dots per inch (72–600).
        #[arg(long, default_value_t = 150)]
        dpi: u32,
        /// Portrait instead of landscape.
        #[arg(long)]
        portrait: bool,
        /// Legend and notes in English.
        #[arg(long)]
        english: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PaperArg {
    A4,
    A3,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScaleArg {
    Guangming,
    Shenzhen,
}

/// Runs a `geodata` command.
pub fn run(args: &GeodataArgs) -> Result<()> {
    match &args.command {
        GeodataCommand::Generate { scale, seed, out } => generate(*scale, *seed, out),
        GeodataCommand::Summary { data, json } => summary(data, *json),
        GeodataCommand::Render {
            data,
            output,
            paper,
            dpi,
            portrait,
            english,
        } => render(data.as_deref(), output, *paper, *dpi, *portrait, *english),
    }
}

fn generate(scale: ScaleArg, seed: u64, out: &Path) -> Result<()> {
    let scale = match scale {
        ScaleArg::Guangming => onemap_gen::Scale::Guangming,
        ScaleArg::Shenzhen => onemap_gen::Scale::Shenzhen,
    };
    let started = Instant::now();
    // A progress line on stderr; Ctrl-C cancels (the output directory is left as it was).
    let progress = onemap_progress::Progress::new();
    let shown = crate::progress_line::show(&progress);
    let result = onemap_gen::generate_with(scale, seed, &progress)
        .context("generating the dataset")
        .and_then(|dataset| {
            let generated = started.elapsed();
            onemap_gen::write::write_with(&dataset, out, &progress)
                .with_context(|| format!("writing {}", out.display()))
                .map(|files| (generated, files))
        });
    drop(shown);
    let (generated, files) = result?;
    println!(
        "{} dataset, seed {seed}, into {}",
        scale.as_str(),
        out.display()
    );
    for (name, bytes) in &files {
        println!("  {name:<24} {bytes:>12} bytes");
    }
    println!(
        "generated in {:.1} s, written in {:.1} s",
        generated.as_secs_f64(),
        (started.elapsed() - generated).as_secs_f64()
    );
    Ok(())
}

fn summary(data: &Path, json: bool) -> Result<()> {
    let ds =
        onemap_gen::read::read_dir(data).with_context(|| format!("reading {}", data.display()))?;
    let s = onemap_gen::summary::summarize(&ds);
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", onemap_gen::summary::to_table(&s));
    }
    Ok(())
}

fn render(
    data: Option<&Path>,
    output: &Path,
    paper: PaperArg,
    dpi: u32,
    portrait: bool,
    english: bool,
) -> Result<()> {
    use onemap_formats::print::{Lang, Paper, PrintOptions, Scene};
    let mut scene = Scene::default();
    for layer in [
        "districts",
        "streets",
        "communities",
        "subgrids",
        "roads",
        "stations",
        "buildings",
        "cameras",
    ] {
        let (source, text) = match data {
            Some(dir) => {
                let path = dir.join(format!("{layer}.geojson"));
                if !path.exists() {
                    continue;
                }
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                (path.display().to_string(), std::borrow::Cow::Owned(text))
            }
            None => (
                format!("the built-in {layer}"),
                std::borrow::Cow::Borrowed(bundled_layer(layer)),
            ),
        };
        scene
            .add_geojson(layer, &text)
            .map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    }
    if scene.layer("districts").is_empty() {
        bail!(
            "{} has no districts",
            data.map_or("the built-in dataset".into(), |d| d.display().to_string())
        );
    }
    scene.synthetic = scene
        .layer("subgrids")
        .iter()
        .any(|r| r.properties.get("synthetic") == Some(&serde_json::Value::Bool(true)));
    let bbox = scene.extent().context("the districts have no extent")?;
    let options = PrintOptions {
        bbox,
        paper: match paper {
            PaperArg::A4 => Paper::A4,
            PaperArg::A3 => Paper::A3,
        },
        landscape: !portrait,
        dpi,
        title: None,
        subtitle: None,
        lang: if english { Lang::En } else { Lang::Zh },
        layers: None,
    };
    // A progress line on stderr; Ctrl-C cancels (no half-written PNG is left).
    let progress = onemap_progress::Progress::new();
    let shown = crate::progress_line::show(&progress);
    let info = onemap_formats::print::render(&scene, &options, output, &progress);
    drop(shown);
    let info = info.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "wrote {} ({}×{} px, {:.1} m per pixel, 1:{})",
        output.display(),
        info.width,
        info.height,
        info.metres_per_pixel,
        info.scale
    );
    Ok(())
}

/// A layer of the Guangming dataset built into the binary.
fn bundled_layer(layer: &str) -> &'static str {
    let s = &crate::bundled::SOURCES;
    match layer {
        "districts" => s.districts,
        "streets" => s.streets,
        "communities" => s.communities,
        "subgrids" => s.subgrids,
        "stations" => s.stations,
        "buildings" => s.buildings,
        "cameras" => s.cameras,
        "roads" => crate::bundled::ROADS,
        _ => "",
    }
}

//! `onemap`: the command line of the OneMap command center.
//!
//! Each command group lives in its own module and only parses arguments and prints; the work
//! is done by the library crates.

use clap::{Parser, Subcommand};

mod geodata;
mod serve;

#[derive(Parser)]
#[command(name = "onemap", version, about = "OneMap (一张图): the GIS command center for citizen-appeal service and grid governance")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate, summarize and render OneMap datasets.
    Geodata(geodata::GeodataArgs),
    /// Serve the UI, the map API and the live stream over HTTP (browser mode).
    Serve(serve::ServeArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Geodata(args) => geodata::run(&args),
        Command::Serve(args) => serve::run(&args),
    }
}

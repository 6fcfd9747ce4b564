//! `onemap serve`: browser mode — the UI, the map API and the live stream over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use onemap_server::http::AppState;
use onemap_server::live::Live;
use onemap_server::map::MapData;

/// Arguments of `onemap serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; loopback by default, give 0.0.0.0:PORT to expose it.
    #[arg(long, default_value = "127.0.0.1:8730")]
    pub listen: SocketAddr,
    /// The dataset directory (geodata/SCHEMA.md layout).
    #[arg(long, default_value = "geodata/guangming")]
    pub data: PathBuf,
}

/// Loads the dataset and serves until Ctrl-C or SIGTERM.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let map = MapData::load(&args.data)
        .with_context(|| format!("loading the dataset in {}", args.data.display()))?;
    let state = AppState {
        map: Arc::new(map),
        live: Live::new(),
        live_source: "none",
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("binding {}", args.listen))?;
        let addr = listener.local_addr()?;
        eprintln!(
            "onemap serve: {} loaded in {} ms; listening on http://{addr}/",
            args.data.display(),
            t0.elapsed().as_millis()
        );
        onemap_server::http::serve(listener, state).await?;
        anyhow::Ok(())
    })
}

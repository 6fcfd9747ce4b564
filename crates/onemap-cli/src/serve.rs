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
    /// The store: a SQLite path (`sqlite:PATH`) or a PostgreSQL URL; by default
    /// `$ONEMAP_DATABASE_URL`, else the user's SQLite file. Loaded from `--data` on first run.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Serve the map without a store: no case intake, and the live stream only keeps alive.
    #[arg(long)]
    pub no_store: bool,
    /// A briefing screen: serve only the briefing page, the reports and the outlines (no case
    /// details, no personal data; everything else answers 403), and open the briefing at `/`.
    #[arg(long)]
    pub briefing: bool,
}

/// Loads the dataset and serves until Ctrl-C or SIGTERM.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let map = MapData::load(&args.data)
        .with_context(|| format!("loading the dataset in {}", args.data.display()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let live = Live::new();
        let store = if args.no_store {
            None
        } else {
            // The map works without a store; a store that cannot open or load is reported,
            // and the server runs without intake rather than not at all.
            match open_store(args, &live).await {
                Ok(store) => Some(store),
                Err(e) => {
                    eprintln!("onemap serve: running without a store: {e:#}");
                    None
                }
            }
        };
        let state = AppState {
            map: Arc::new(map),
            live,
            live_source: if store.is_some() { "store" } else { "none" },
            store,
        };
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("binding {}", args.listen))?;
        let addr = listener.local_addr()?;
        eprintln!(
            "onemap serve: {} loaded in {} ms; listening on http://{addr}/",
            args.data.display(),
            t0.elapsed().as_millis()
        );
        let app = onemap_server::http::router(state);
        let app = if args.briefing {
            eprintln!("onemap serve: briefing screen (no case details, no personal data)");
            onemap_server::dashboard::briefing_only(app)
        } else {
            app
        };
        onemap_server::http::serve_app(listener, app).await?;
        anyhow::Ok(())
    })
}

async fn open_store(args: &ServeArgs, live: &Live) -> anyhow::Result<onemap::Store> {
    let target = onemap::Target::resolve(args.database_url.as_deref());
    let store = onemap::Store::open(target.clone())
        .await
        .with_context(|| format!("opening the store ({})", target.describe()))?;
    let loaded = store
        .ensure_dataset(&args.data)
        .await
        .with_context(|| format!("loading {} into the store", args.data.display()))?;
    eprintln!(
        "onemap serve: store {} ({} layers loaded now)",
        target.describe(),
        loaded.len()
    );
    tokio::spawn(onemap_server::intake::forward(store.clone(), live.clone()));
    // The deadline scheduler: raises at-risk and breached clocks and escalates breached cases.
    // Ticks are idempotent, so every seat on a shared PostgreSQL may run one.
    store.spawn_scheduler(std::time::Duration::from_secs(15));
    Ok(store)
}

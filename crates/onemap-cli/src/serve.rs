//! `onemap serve`: browser mode — the UI, the map and app APIs, Open311 and the live stream over
//! HTTP.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use onemap_server::app::App;
use onemap_server::http::AppState;
use onemap_server::live::Live;
use onemap_server::map::{CurrentMap, MapData};

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
    /// Serve the map without a store: no cases, no users, no intake.
    #[arg(long)]
    pub no_store: bool,
    /// Run the store's clock N times faster than the wall clock (demos and UI tests of
    /// deadlines: 60 makes a 10-minute SMS promise fall due in 10 seconds). Default 1.
    #[arg(long, default_value_t = 1.0)]
    pub clock_speed: f64,
    /// How often the deadline scheduler runs, in wall-clock seconds (default 15, or 0.25 s
    /// under a fast clock).
    #[arg(long)]
    pub tick_seconds: Option<f64>,
    /// This seat's name on the live bus (default: the host and process).
    #[arg(long)]
    pub seat: Option<String>,
    /// A briefing screen: serve only the briefing page, the reports and the outlines (no case
    /// details, no personal data; everything else answers 403), and open the briefing at `/`.
    #[arg(long)]
    pub briefing: bool,
}

/// Loads the dataset and serves until Ctrl-C or SIGTERM.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    if !(args.clock_speed.is_finite() && args.clock_speed >= 1.0 && args.clock_speed <= 10_000.0) {
        anyhow::bail!("--clock-speed must be between 1 and 10000");
    }
    let t0 = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let live = Live::new();
        // The store first: the map is drawn as the store has it, so it is loaded once.
        let store = if args.no_store {
            None
        } else {
            // The map works without a store; a store that cannot open or load is reported,
            // and the server runs without cases rather than not at all.
            match open_store(args).await {
                Ok(store) => Some(store),
                Err(e) => {
                    eprintln!("onemap serve: running without a store: {e:#}");
                    None
                }
            }
        };
        let map = Arc::new(CurrentMap::new(
            &args.data,
            Arc::new(load_map(&args.data, store.as_ref()).await?),
        ));
        let (store, app, setup_code) = match store {
            None => (None, None, None),
            Some(store) => match start_app(args, &store, &map, &live).await {
                Ok((app, code)) => (Some(store), Some(app), code),
                Err(e) => {
                    eprintln!("onemap serve: running without a store: {e:#}");
                    (None, None, None)
                }
            },
        };
        let roads = std::fs::read_to_string(args.data.join("roads.geojson")).ok();
        let shown = map.get();
        let planning = onemap_server::planning::Planning::new(
            shown.shared_atlas(),
            roads,
            store.clone(),
            shown.is_synthetic(),
        )
        .await;
        drop(shown);
        let state = AppState {
            map,
            live,
            live_source: if store.is_some() { "store" } else { "none" },
            store,
            planning: Arc::new(planning),
            app,
            setup_code: setup_code.map(Arc::new),
            briefing: args.briefing,
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

/// A clock that runs `speed` times as fast as the wall clock from the moment it is made.
#[derive(Debug)]
struct FastClock {
    start_wall: i64,
    started: Instant,
    speed: f64,
}

impl onemap::time::Clock for FastClock {
    fn now(&self) -> onemap::time::Millis {
        self.start_wall + (self.started.elapsed().as_secs_f64() * 1000.0 * self.speed) as i64
    }
}

/// 12 characters from a cryptographically secure generator, grouped for reading aloud.
fn setup_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The dataset in `dir` as the store has it: the layers imported or written by a planning
/// apply since the dataset was loaded are taken from the store.
async fn load_map(dir: &Path, store: Option<&onemap::Store>) -> anyhow::Result<MapData> {
    let loading = || format!("loading the dataset in {}", dir.display());
    if let Some(store) = store
        && let Some((map, layers)) = MapData::load_with_store(dir, store)
            .await
            .with_context(loading)?
    {
        eprintln!(
            "onemap serve: drawing {} as the store has them (written since the dataset was loaded)",
            layers.join(", ")
        );
        return Ok(map);
    }
    MapData::load_blocking(dir.to_path_buf())
        .await
        .with_context(loading)
}

/// Opens the store and loads the dataset into it on first run.
async fn open_store(args: &ServeArgs) -> anyhow::Result<onemap::Store> {
    let target = onemap::Target::resolve(args.database_url.as_deref());
    let mut opts = onemap::Options::new(target.clone());
    if args.clock_speed > 1.0 {
        opts = opts.clock(Arc::new(FastClock {
            start_wall: onemap::time::Clock::now(&onemap::time::SystemClock),
            started: Instant::now(),
            speed: args.clock_speed,
        }));
        eprintln!(
            "onemap serve: the store's clock runs {}× faster than the wall clock",
            args.clock_speed
        );
    }
    if let Some(seat) = &args.seat {
        opts = opts.seat(seat.clone());
    }
    let store = onemap::Store::open_with(opts)
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
    Ok(store)
}

/// The app over the store and the map: the live stream, the deadline scheduler, and the
/// one-time setup code when the store has no users yet.
async fn start_app(
    args: &ServeArgs,
    store: &onemap::Store,
    map: &Arc<CurrentMap>,
    live: &Live,
) -> anyhow::Result<(App, Option<String>)> {
    let app = App::open(store.clone(), Arc::clone(map))
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    tokio::spawn(onemap_server::app::live::forward(app.clone(), live.clone()));
    // The deadline scheduler: raises at-risk and breached clocks and escalates breached cases.
    // Ticks are idempotent, so every seat on a shared PostgreSQL may run one.
    let tick = args
        .tick_seconds
        .unwrap_or(if args.clock_speed > 1.0 { 0.25 } else { 15.0 });
    store.spawn_scheduler(Duration::from_secs_f64(tick.clamp(0.05, 3600.0)));
    let code = if store.user_count().await? == 0 {
        let code = setup_code();
        eprintln!(
            "onemap serve: this store has no users yet. To create the first administrator, open \
             the server in a browser and enter the one-time setup code {code}\n\
             onemap serve: (or, on this machine: onemap users add NAME --role admin --database-url …)"
        );
        Some(code)
    } else {
        None
    };
    Ok((app, code))
}

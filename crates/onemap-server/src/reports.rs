//! The reports (dashboard, charts, risk, briefing tour, slides, playback, live cases) as plain
//! async functions over a store: the HTTP routes (`dashboard`) and the desktop's Tauri
//! commands are one-line adapters over these. Errors come back as `{code, message}`.

use onemap::Store;
use onemap_dashboard::briefing::{self, Span};
use onemap_dashboard::charts::{self, ChartId};
use onemap_dashboard::draw::Theme;
use onemap_dashboard::{AsOf, Lang, Source, kpi, risk};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::map::ApiError;

/// The query every report takes.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `zh-CN` (default) or `en`.
    pub lang: Option<String>,
    /// The as-of day, `YYYY-MM-DD` (default: today, or the latest case's day for an old history).
    pub day: Option<String>,
    /// `dark` (default) or `light`.
    pub theme: Option<String>,
    /// PNG size factor (default 2 for charts, 1 for slides).
    pub scale: Option<f64>,
    /// Playback span: `day` or `week`.
    pub span: Option<String>,
}

/// A file a report answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// MIME type.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// A file name for a download.
    pub name: String,
}

/// The `{code, message}` of a report error (internal details go to the log, not the answer).
#[must_use]
pub fn api_error(e: &onemap_dashboard::Error) -> ApiError {
    let code = e.code();
    let message = if code == "internal" {
        eprintln!("onemap: report failed: {e}");
        "the report failed; see the log".to_string()
    } else {
        e.to_string()
    };
    ApiError { code, message }
}

type Out<T> = Result<T, ApiError>;

fn not_found(msg: String) -> ApiError {
    api_error(&onemap_dashboard::Error::NotFound(msg))
}

struct Ctx {
    src: Source,
    as_of: AsOf,
    lang: Lang,
    theme: Theme,
}

async fn ctx(store: &Store, q: &ReportQuery) -> Out<Ctx> {
    let lang = Lang::parse(q.lang.as_deref()).map_err(|e| api_error(&e))?;
    let theme = Theme::parse(q.theme.as_deref()).map_err(|e| api_error(&e))?;
    let as_of = AsOf::resolve(store, q.day.as_deref())
        .await
        .map_err(|e| api_error(&e))?;
    Ok(Ctx {
        src: Source::new(store),
        as_of,
        lang,
        theme,
    })
}

/// Runs CPU-heavy drawing off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> onemap_dashboard::Result<T> + Send + 'static,
) -> Out<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| api_error(&onemap_dashboard::Error::Draw(e.to_string())))?
        .map_err(|e| api_error(&e))
}

fn split_ext(file: &str) -> Out<(&str, &str)> {
    file.rsplit_once('.')
        .ok_or_else(|| not_found(format!("{file:?}: name a format (.svg, .png or .json)")))
}

/// KPIs, tiles and the list of charts.
///
/// # Errors
/// `invalid` for a bad query; `no_atlas` before the dataset is loaded; `internal`.
pub async fn dashboard(store: &Store, q: &ReportQuery) -> Out<Value> {
    let c = ctx(store, q).await?;
    let k = kpi::kpis(&c.src, &c.as_of)
        .await
        .map_err(|e| api_error(&e))?;
    let charts: Vec<Value> = ChartId::ALL
        .iter()
        .map(|id| json!({"id": id.as_str(), "title": onemap_dashboard::i18n::tr(c.lang, id.title_key())}))
        .collect();
    Ok(
        json!({"as_of": c.as_of, "lang": c.lang, "tiles": k.tiles(c.lang), "kpis": k, "charts": charts}),
    )
}

/// One chart: `file` is `{id}.svg`, `{id}.png` or `{id}.json`.
///
/// # Errors
/// `not_found` for an unknown chart or format; as [`dashboard`].
pub async fn chart(store: &Store, file: &str, q: &ReportQuery) -> Out<File> {
    let (name, ext) = split_ext(file)?;
    let id = ChartId::parse(name).map_err(|e| api_error(&e))?;
    let c = ctx(store, q).await?;
    let chart = charts::build(&c.src, id, &c.as_of, c.lang)
        .await
        .map_err(|e| api_error(&e))?;
    let name = format!("{}-{}-{}.{ext}", id.as_str(), c.as_of.date, c.lang.as_str());
    let theme = c.theme;
    match ext {
        "json" => Ok(File {
            content_type: "application/json",
            bytes: serde_json::to_vec(&chart).unwrap_or_default(),
            name,
        }),
        "svg" => Ok(File {
            content_type: "image/svg+xml; charset=utf-8",
            bytes: blocking(move || chart.svg(theme)).await?.into_bytes(),
            name,
        }),
        "png" => {
            let scale = q.scale.unwrap_or(2.0);
            Ok(File {
                content_type: "image/png",
                bytes: blocking(move || chart.png(theme, scale)).await?,
                name,
            })
        }
        other => Err(not_found(format!(
            "charts come as .svg, .png or .json, not .{other}"
        ))),
    }
}

/// Every unit's risk score with its inputs.
///
/// # Errors
/// As [`dashboard`].
pub async fn risk(store: &Store, q: &ReportQuery) -> Out<risk::Risk> {
    let c = ctx(store, q).await?;
    risk::risk(&c.src, &c.as_of)
        .await
        .map_err(|e| api_error(&e))
}

/// The briefing tour.
///
/// # Errors
/// As [`dashboard`].
pub async fn tour(store: &Store, q: &ReportQuery) -> Out<briefing::Tour> {
    let c = ctx(store, q).await?;
    briefing::tour(&c.src, &c.as_of, c.lang)
        .await
        .map_err(|e| api_error(&e))
}

/// One slide: `file` is `{n}.png` or `{n}.svg`.
///
/// # Errors
/// `not_found` for a slide the tour does not have; `no_font` without a CJK font; as
/// [`dashboard`].
pub async fn slide(store: &Store, file: &str, q: &ReportQuery) -> Out<File> {
    let (name, ext) = split_ext(file)?;
    let n: usize = name
        .parse()
        .map_err(|_| not_found(format!("slides are numbered from 1, not {name:?}")))?;
    let c = ctx(store, q).await?;
    let t = briefing::tour(&c.src, &c.as_of, c.lang)
        .await
        .map_err(|e| api_error(&e))?;
    let name = t
        .steps
        .iter()
        .find(|st| st.n == n)
        .map(|st| st.slide.replace(".png", &format!(".{ext}")))
        .unwrap_or_default();
    let (src, theme, scale) = (c.src, c.theme, q.scale.unwrap_or(1.0));
    match ext {
        "png" => Ok(File {
            content_type: "image/png",
            bytes: blocking(move || t.slide_png(&src, n, theme, scale)).await?,
            name,
        }),
        "svg" => Ok(File {
            content_type: "image/svg+xml; charset=utf-8",
            bytes: blocking(move || t.slide_svg(&src, n, theme))
                .await?
                .into_bytes(),
            name,
        }),
        other => Err(not_found(format!(
            "slides come as .png or .svg, not .{other}"
        ))),
    }
}

/// Every slide as PNG in one ZIP, named in tour order.
///
/// # Errors
/// As [`slide`].
pub async fn slides_zip(store: &Store, q: &ReportQuery) -> Out<File> {
    let c = ctx(store, q).await?;
    let t = briefing::tour(&c.src, &c.as_of, c.lang)
        .await
        .map_err(|e| api_error(&e))?;
    let name = format!("onemap-briefing-{}-{}.zip", c.as_of.date, c.lang.as_str());
    let (src, theme, scale) = (c.src, c.theme, q.scale.unwrap_or(1.0));
    Ok(File {
        content_type: "application/zip",
        bytes: blocking(move || t.slides_zip(&src, theme, scale)).await?,
        name,
    })
}

/// The cases of the day or week ending with the as-of day.
///
/// # Errors
/// `invalid` for a span other than `day` or `week`; as [`dashboard`].
pub async fn playback(store: &Store, q: &ReportQuery) -> Out<briefing::Playback> {
    let span = Span::parse(q.span.as_deref()).map_err(|e| api_error(&e))?;
    let c = ctx(store, q).await?;
    briefing::playback(&c.src, &c.as_of, span, c.lang)
        .await
        .map_err(|e| api_error(&e))
}

/// The open cases now.
///
/// # Errors
/// As [`dashboard`].
pub async fn live(store: &Store, q: &ReportQuery) -> Out<Vec<briefing::Dot>> {
    let c = ctx(store, q).await?;
    briefing::live(&c.src, c.lang)
        .await
        .map_err(|e| api_error(&e))
}

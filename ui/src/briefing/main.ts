// Briefing mode: the leaders' big screen. Full screen, dark, large type; an automatic tour
// (district → each street → hottest sub-grids → live cases) driven by arrow and page keys (a
// presenter's clicker); time playback of a day's or a week's cases with a speed control; the
// tour exported as numbered PNG slides. This page loads no operator code and asks the server
// only for briefing data (/api/briefing/*, /api/risk, outlines), none of which carries
// personal data.
import '../style.css';
import './briefing.css';
import { createBackend } from '../backend';
import { lang, setLang, t } from '../i18n';
import { MapView, TOGGLES, type Toggle } from '../map';
import { DotsLayer, RiskLayer } from '../map/overlays';
import { PALETTES } from '../map/theme';
import { h } from '../ui/dom';
import { RISK_STOPS, download, reports, type Dot, type PlaybackData, type Step, type TourData } from '../reports/api';

declare global {
  interface Window {
    __briefing?: { step: number; total: number; ready: boolean; mode: 'tour' | 'playback'; playbackShown: number; view: MapView };
  }
}

const params = new URLSearchParams(location.search);
if (params.get('lang') === 'en') setLang('en');
const INTERVAL_MS = Math.max(3, Number(params.get('interval') ?? 12)) * 1000;
const SPEEDS = [60, 300, 900, 3600, 14400];

const backend = createBackend();
const app = document.getElementById('app') as HTMLElement;
const mapEl = h('div', { id: 'map', 'data-testid': 'map' });
const head = h('div', { class: 'b-head', 'data-testid': 'b-head' });
const side = h('div', { class: 'b-side', 'data-testid': 'b-side' });
const foot = h('div', { class: 'b-foot', 'data-testid': 'b-foot' });
const clockEl = h('div', { class: 'b-clock', 'data-testid': 'b-clock', hidden: true });
const blank = h('div', { class: 'b-blank', hidden: true });
app.append(mapEl, head, side, clockEl, foot, blank);

let tour: TourData | null = null;
let index = 0;
let auto = params.get('autoplay') !== '0';
let timer = 0;
let mode: 'tour' | 'playback' = 'tour';
let span: 'day' | 'week' = 'day';
let speed = 900;
let playback: PlaybackData | null = null;
let simT = 0;
let playing = false;
let lastFrame = 0;

// Roads come as vector tiles (buildings and cameras too, hidden here); the outlines as GeoJSON.
const tiles = { url: (l: 'buildings' | 'cameras' | 'roads') => backend.tileUrl(l), bbox: [113.85, 22.68, 114.0, 22.86] as [number, number, number, number] };
const view = new MapView(mapEl, 'dark', tiles, () => { /* no popups on a briefing screen */ });
let risk: RiskLayer;
let dots: DotsLayer;

function dotFeature(d: Dot, fade = 0): GeoJSON.Feature<GeoJSON.Point> {
  return { type: 'Feature', geometry: { type: 'Point', coordinates: [d.lon, d.lat] }, properties: { grade: d.grade, fade } };
}

function fmtTime(ms: number): string {
  return new Date(ms).toLocaleString(lang() === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false,
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

function renderStep(): void {
  if (!tour) return;
  const s: Step | undefined = tour.steps[index];
  if (!s) return;
  head.replaceChildren(h('div', { class: 'b-title', 'data-testid': 'b-title' }, s.title), h('div', { class: 'b-sub' }, s.subtitle));
  const tiles = s.tiles.map((x) => h('div', { class: `b-tile ${x.tone}`, 'data-testid': `b-tile-${x.key}` },
    h('div', { class: 'b-tile-k' }, x.label), h('div', { class: 'b-tile-v' }, x.value), x.detail ? h('div', { class: 'b-tile-d' }, x.detail) : null));
  const ranking = s.ranking.map((r) => h('li', { class: 'b-rank', 'data-testid': 'b-rank' },
    h('span', { class: 'b-rank-n' }, String(r.rank)), h('span', { class: 'b-rank-name' }, r.name),
    h('span', { class: 'b-rank-score' }, r.score.toFixed(1)), h('span', { class: 'b-rank-inputs' }, r.inputs)));
  side.replaceChildren(h('div', { class: 'b-tiles' }, ...tiles), ...(ranking.length ? [h('ol', { class: 'b-ranking' }, ...ranking)] : []));
  risk.focus(s.kind === 'street' ? s.code : '');
  if (s.kind === 'hot') risk.focusCodes(s.ranking.map((r) => r.code));
  dots.setDots(s.kind === 'live' ? s.dots.map((d) => dotFeature(d)) : []);
  view.fitBbox(s.bbox, 15);
  document.body.dataset.step = String(s.n);
  if (window.__briefing) { window.__briefing.step = s.n; window.__briefing.total = tour.steps.length; }
  renderFoot();
}

function renderFoot(): void {
  const total = tour?.steps.length ?? 0;
  const pips = Array.from({ length: total }, (_, i) => h('span', { class: `pip ${i === index ? 'on' : ''}` }));
  const btn = (key: Parameters<typeof t>[0], testid: string, f: () => void, on = false) =>
    h('button', { class: `b-btn ${on ? 'on' : ''}`, 'data-testid': testid, onclick: f }, t(key));
  const speedSel = h('select', { class: 'b-speed', 'data-testid': 'b-speed' },
    ...SPEEDS.map((x) => h('option', { value: String(x), selected: x === speed }, t('brief.speedX', { x }))));
  speedSel.addEventListener('change', () => { speed = Number(speedSel.value); });
  foot.replaceChildren(
    h('div', { class: 'b-pips' }, ...pips, h('span', { class: 'b-count', 'data-testid': 'b-count' }, t('brief.step', { n: index + 1, total }))),
    h('div', { class: 'b-controls' },
      btn('brief.prev', 'b-prev', () => go(-1)),
      btn(auto ? 'brief.pause' : 'brief.play', 'b-auto', () => { auto = !auto; schedule(); renderFoot(); }, auto),
      btn('brief.next', 'b-next', () => go(1)),
      h('span', { class: 'b-sep' }),
      btn('brief.playDay', 'b-play-day', () => { void startPlayback('day'); }, mode === 'playback' && span === 'day'),
      btn('brief.playWeek', 'b-play-week', () => { void startPlayback('week'); }, mode === 'playback' && span === 'week'),
      speedSel,
      mode === 'playback' ? btn('brief.backToTour', 'b-tour', stopPlayback) : null,
      h('span', { class: 'b-sep' }),
      btn('brief.export', 'b-export', () => { void exportSlides(); }),
      btn('brief.fullscreen', 'b-fullscreen', () => { void toggleFullscreen(); }),
      btn('brief.lang', 'b-lang', () => { void switchLang(); }),
      btn('brief.exit', 'b-exit', () => { location.href = `index.html`; })),
    h('div', { class: 'b-privacy' }, t('brief.noPersonalData')));
}

function go(delta: number): void {
  if (!tour) return;
  if (mode === 'playback') stopPlayback();
  index = (index + delta + tour.steps.length) % tour.steps.length;
  renderStep();
  schedule();
}

function schedule(): void {
  window.clearTimeout(timer);
  if (auto && mode === 'tour') timer = window.setTimeout(() => go(1), INTERVAL_MS);
}

async function startPlayback(s: 'day' | 'week'): Promise<void> {
  span = s;
  speed = s === 'day' ? 900 : 14400;
  mode = 'playback';
  window.clearTimeout(timer);
  playback = await reports.playback({ lang: lang(), span: s, day: tour?.as_of.date });
  simT = playback.from;
  playing = true;
  lastFrame = performance.now();
  head.replaceChildren(h('div', { class: 'b-title', 'data-testid': 'b-title' }, s === 'day' ? t('brief.playDayTitle') : t('brief.playWeekTitle')),
    h('div', { class: 'b-sub' }, `${fmtTime(playback.from)} – ${fmtTime(playback.to)}`));
  side.replaceChildren();
  risk.focus('');
  view.fitBbox(tour?.steps[0]?.bbox ?? [113.85, 22.68, 114.0, 22.86], 15);
  clockEl.hidden = false;
  if (window.__briefing) window.__briefing.mode = 'playback';
  renderFoot();
  requestAnimationFrame(frame);
}

function frame(now: number): void {
  if (!playing || !playback) return;
  simT = Math.min(playback.to, simT + (now - lastFrame) * speed);
  lastFrame = now;
  // A closed case fades over six hours, so the day's pattern stays readable.
  const fadeMs = 6 * 3600_000;
  const shown = playback.dots.filter((d) => d.reported_at <= simT && !(d.closed_at !== null && d.closed_at + fadeMs < simT))
    .map((d) => dotFeature(d, d.closed_at !== null && d.closed_at <= simT ? (simT - d.closed_at) / fadeMs : 0));
  dots.setDots(shown);
  const reported = playback.dots.filter((d) => d.reported_at <= simT).length;
  const progress = (simT - playback.from) / Math.max(1, playback.to - playback.from);
  const bar = h('div', { class: 'b-progress' });
  bar.style.width = `${(100 * progress).toFixed(1)}%`;
  clockEl.replaceChildren(h('div', { class: 'b-clock-t' }, fmtTime(simT)),
    h('div', { class: 'b-clock-n', 'data-testid': 'b-clock-n' }, t('brief.reportedSoFar', { n: reported, total: playback.dots.length })),
    h('div', { class: 'b-track' }, bar));
  if (window.__briefing) window.__briefing.playbackShown = reported;
  if (simT >= playback.to) { playing = false; return; }
  requestAnimationFrame(frame);
}

function stopPlayback(): void {
  playing = false;
  mode = 'tour';
  clockEl.hidden = true;
  if (window.__briefing) window.__briefing.mode = 'tour';
  renderStep();
  schedule();
}

async function exportSlides(): Promise<void> {
  const q = { lang: lang(), day: tour?.as_of.date };
  if (backend.kind === 'http') {
    const a = h('a', { href: reports.slidesZipUrl(q), download: '' });
    document.body.append(a);
    a.click();
    a.remove();
    return;
  }
  for (const s of tour?.steps ?? []) download(await reports.slide(s.n, q), s.slide);
}

async function toggleFullscreen(): Promise<void> {
  if (document.fullscreenElement) await document.exitFullscreen();
  else await document.documentElement.requestFullscreen().catch(() => undefined);
}

async function switchLang(): Promise<void> {
  setLang(lang() === 'zh-CN' ? 'en' : 'zh-CN');
  const keep = index;
  tour = await reports.tour({ lang: lang(), day: tour?.as_of.date });
  index = Math.min(keep, tour.steps.length - 1);
  renderStep();
}

document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLSelectElement) return;
  switch (e.key) {
    case 'ArrowRight': case 'ArrowDown': case 'PageDown': case ' ': case 'Enter': e.preventDefault(); go(1); break;
    case 'ArrowLeft': case 'ArrowUp': case 'PageUp': case 'Backspace': e.preventDefault(); go(-1); break;
    case 'Home': e.preventDefault(); go(-index); break;
    case 'End': e.preventDefault(); if (tour) go(tour.steps.length - 1 - index); break;
    case 'p': case 'P': auto = !auto; schedule(); renderFoot(); break;
    case 'v': case 'V': void startPlayback('day'); break;
    case 'w': case 'W': void startPlayback('week'); break;
    case '+': case '=': speed = SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(speed) + 1)] ?? speed; renderFoot(); break;
    case '-': speed = SPEEDS[Math.max(0, SPEEDS.indexOf(speed) - 1)] ?? speed; renderFoot(); break;
    case 'f': case 'F': void toggleFullscreen(); break;
    case 'l': case 'L': void switchLang(); break;
    case 'b': case 'B': case '.': blank.hidden = !blank.hidden; break;
    case 'Escape': if (mode === 'playback') stopPlayback(); break;
    default: break;
  }
});

async function start(): Promise<void> {
  app.dataset.state = 'loading';
  const overview = await backend.overview();
  await view.ready();
  for (const x of Object.keys(TOGGLES) as Toggle[]) view.setVisible(x, ['context', 'streets', 'communities', 'roads'].includes(x));
  const layers = ['context', 'districts', 'streets', 'communities', 'labels'] as const;
  const [fetched, sub, tr] = await Promise.all([
    Promise.all(layers.map((n) => backend.layer(n).then((fc) => [n, fc] as const))),
    backend.layer('subgrids'),
    reports.tour({ lang: lang() }),
  ]);
  for (const [n, fc] of fetched) view.setData(n, fc);
  risk = new RiskLayer(view.map, RISK_STOPS, () => undefined);
  dots = new DotsLayer(view.map, { 1: PALETTES.dark.grade1, 2: PALETTES.dark.grade2, 3: PALETTES.dark.grade3 });
  tour = tr;
  risk.setData({ type: 'FeatureCollection', features: sub.features.map((f) => ({ ...f, properties: { code: f.properties?.code, score: tr.risk[String(f.properties?.code)] ?? 0 } })) });
  void overview;
  window.__briefing = { step: 1, total: tr.steps.length, ready: false, mode: 'tour', playbackShown: 0, view };
  renderStep();
  schedule();
  await view.idle();
  window.__briefing.ready = true;
  app.dataset.state = 'ready';
  reports.onLive((f) => {
    const s = tour?.steps[index];
    if (mode === 'tour' && s?.kind === 'live') {
      s.dots.unshift({ id: String(f.properties?.id ?? ''), lon: f.geometry.coordinates[0] ?? 0, lat: f.geometry.coordinates[1] ?? 0,
        grade: Number(f.properties?.grade ?? 3), channel: '', matter: '', street_code: '', reported_at: Date.now(), closed_at: null, open: true });
      dots.setDots(s.dots.map((d) => dotFeature(d)));
    }
  });
}

start().catch((e: unknown) => {
  app.dataset.state = 'error';
  app.append(h('div', { class: 'fatal', 'data-testid': 'fatal' }, `${t('app.error')}: ${String(e)}`));
  console.error(e);
});

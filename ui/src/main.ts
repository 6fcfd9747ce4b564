// Start-up: pick the transport, draw the one map, wire the chrome. Reports the first complete
// map (all default layers drawn, MapLibre idle) to the page and to the backend.
import './style.css';
import type { FeatureCollection } from 'geojson';
import { BackendError, createBackend, type LayerName, type Overview, type PathItem, type SearchHit } from './backend';
import { lang, onLangChange, setLang, t, tk } from './i18n';
import { MapView, TOGGLES, type MapPick, type ThemeName, type Toggle } from './map';
import { breadcrumb, header, layerPanel, legend, searchBox } from './ui/chrome';
import { h } from './ui/dom';
import { mountReports } from './reports/view';
import { buildingPopup, casePopup, errorPopup, gapPopup, stationPopup, unitPopup } from './ui/popup';
import { dataTools } from './ui/tools';

declare global {
  interface Window {
    __onemap?: { view: MapView; readyMs: number | null; liveReceived: number; backend: string; toggles: typeof TOGGLES };
  }
}

const DEFAULT_LAYERS: LayerName[] = [
  'context', 'districts', 'streets', 'communities', 'subgrids', 'labels', 'roads', 'stations', 'buildings', 'cases',
];

const backend = createBackend();
const app = document.getElementById('app') as HTMLElement;
const stored = (k: string) => { try { return localStorage.getItem(k); } catch { return null; } };
let theme: ThemeName = stored('onemap.theme') === 'light' ? 'light' : 'dark';
let gapService: 'appeal' | 'legal' | 'psych' = 'appeal';
let path: PathItem[] = [];
let overview: Overview | null = null;
let openCases = 0;
let live = false;
const loadedLazily = new Set<LayerName>();

const mapEl = h('div', { id: 'map', 'data-testid': 'map' });
const chrome = {
  header: h('div'), panel: h('div'), legend: h('div'), crumbs: h('div'), search: h('div'), tools: h('div'),
};
const left = h('div', { class: 'left' }, chrome.tools, chrome.panel);
app.append(mapEl, chrome.header, left, h('div', { class: 'right' }, chrome.legend),
  h('div', { class: 'center' }, chrome.search, chrome.crumbs));
document.body.className = `theme-${theme}`;
if (stored('onemap.lang') === 'en') setLang('en');

function message(e: unknown): string {
  if (e instanceof BackendError) return `${tk(`error.${e.code}`, e.code)}: ${e.message}`;
  return String(e);
}

let view: MapView;

function render(): void {
  chrome.header.replaceChildren(header(overview, openCases, theme, live, switchTheme, switchLang));
  chrome.panel.replaceChildren(layerPanel(theme, (x) => view.isVisible(x), toggle, gapService, (s) => {
    gapService = s;
    view.setGapService(s);
  }));
  chrome.legend.replaceChildren(legend(theme));
  chrome.crumbs.replaceChildren(breadcrumb(path, (p) => { void goTo(p.kind, p.code); }));
  chrome.search.replaceChildren(searchBox((q) => backend.search(q, 12), (hit) => { void pickHit(hit); }));
  chrome.tools.replaceChildren(dataTools(backend, view, left, chrome.panel));
}

function switchTheme(): void {
  theme = theme === 'dark' ? 'light' : 'dark';
  try { localStorage.setItem('onemap.theme', theme); } catch { /* private mode */ }
  document.body.className = `theme-${theme}`;
  view.setTheme(theme);
  render();
}

function switchLang(): void {
  setLang(lang() === 'zh-CN' ? 'en' : 'zh-CN');
  try { localStorage.setItem('onemap.lang', lang()); } catch { /* private mode */ }
}

async function loadLayer(name: LayerName): Promise<FeatureCollection> {
  const fc = await backend.layer(name);
  view.setData(name, fc);
  return fc;
}

function toggle(x: Toggle, on: boolean): void {
  view.setVisible(x, on);
  const lazy: Partial<Record<Toggle, LayerName>> = {
    gaps: 'gaps', cameras: 'cameras', 'circle.appeal': 'circles', 'circle.legal': 'circles', 'circle.psych': 'circles',
  };
  const name = lazy[x];
  if (on && name && !loadedLazily.has(name)) {
    loadedLazily.add(name);
    void loadLayer(name).catch((e: unknown) => { loadedLazily.delete(name); console.error(e); });
  }
}

async function goTo(kind: string, code: string): Promise<void> {
  const d = await backend.unit(code);
  path = d.path;
  render();
  view.highlight(kind === 'subgrid' ? code : '');
  view.fitBbox(d.bbox);
  return undefined;
}

/** Points the breadcrumb at the sub-grid a picked feature lies in (without moving the map). */
async function followTo(subgrid: string | undefined): Promise<void> {
  if (!subgrid) return;
  try {
    path = (await backend.unit(subgrid)).path;
    chrome.crumbs.replaceChildren(breadcrumb(path, (p) => { void goTo(p.kind, p.code); }));
    view.highlight(subgrid);
  } catch (e) {
    console.error(e);
  }
}

async function popupFor(pick: MapPick): Promise<void> {
  try {
    switch (pick.kind) {
      case 'building': {
        const d = await backend.building(pick.id);
        view.showPopup(pick.lngLat, buildingPopup(d));
        void followTo(d.location?.subgrid.code);
        break;
      }
      case 'station': {
        const d = await backend.station(pick.id);
        view.showPopup(pick.lngLat, stationPopup(d));
        void followTo(d.location?.subgrid.code);
        break;
      }
      case 'case': {
        const d = await backend.caseDetail(pick.id);
        view.showPopup(pick.lngLat, casePopup(d));
        void followTo(d.location?.subgrid.code);
        break;
      }
      case 'camera': view.showPopup(pick.lngLat, h('div', { class: 'pop', 'data-testid': 'popup-camera' },
        h('div', { class: 'pop-title' }, String(pick.props.name ?? pick.props.id)), h('div', { class: 'pop-id' }, `${String(pick.props.id)} · ${String(pick.props.kind ?? '')}`))); break;
      case 'gap': view.showPopup(pick.lngLat, gapPopup(pick.props)); break;
      case 'subgrid': {
        const d = await backend.unit(pick.id);
        path = d.path;
        render();
        view.highlight(pick.id);
        view.showPopup(pick.lngLat, unitPopup(d));
        break;
      }
      case 'street':
      case 'community': {
        view.closePopup();
        await goTo(pick.kind, pick.id);
        break;
      }
    }
  } catch (e) {
    view.showPopup(pick.lngLat, errorPopup(message(e)));
  }
}

async function pickHit(hit: SearchHit): Promise<void> {
  const at: [number, number] = [(hit.bbox[0] + hit.bbox[2]) / 2, (hit.bbox[1] + hit.bbox[3]) / 2];
  if (hit.kind === 'street' || hit.kind === 'community' || hit.kind === 'subgrid' || hit.kind === 'district') {
    await goTo(hit.kind, hit.id);
    if (hit.kind === 'subgrid') view.showPopup(at, unitPopup(await backend.unit(hit.id)));
    return;
  }
  view.fitBbox(hit.bbox);
  if (hit.kind === 'building' || hit.kind === 'station' || hit.kind === 'case') {
    if (hit.kind === 'building' && !view.isVisible('buildings')) toggle('buildings', true);
    await popupFor({ kind: hit.kind, id: hit.id, lngLat: at });
  }
}

async function start(): Promise<void> {
  app.dataset.state = 'loading';
  overview = await backend.overview();
  view = new MapView(mapEl, theme, overview.bbox, (p) => { void popupFor(p); });
  window.__onemap = { view, readyMs: null, liveReceived: 0, backend: backend.kind, toggles: TOGGLES };
  render();
  onLangChange(render);
  // Fetch while MapLibre starts its worker and WebGL; hand the data over once the style exists.
  const fetched = DEFAULT_LAYERS.map((n) => backend.layer(n).then((fc) => [n, fc] as const));
  await view.ready();
  const layers = await Promise.all(fetched);
  for (const [n, fc] of layers) {
    view.setData(n, fc);
    if (n === 'cases') openCases = fc.features.filter((f) => f.properties?.outcome === 'open').length;
    if (n === 'districts') {
      const f = fc.features[0];
      const p = f?.properties ?? {};
      path = [{ kind: 'district', code: String(p.code), name: String(p.name), bbox: overview.bbox }];
    }
  }
  render();
  mountReports(app, view, backend);
  await view.idle();
  const ms = Math.round(performance.now());
  window.__onemap.readyMs = ms;
  app.dataset.state = 'ready';
  document.body.dataset.mapReady = 'true';
  console.info(`onemap: first complete map in ${ms} ms (${backend.kind})`);
  void backend.mapReady(ms).catch((e: unknown) => console.error(e));
  backend.onLive((ev) => {
    if (ev.type === 'case') {
      view.addLiveCase(ev.feature);
      if (window.__onemap) window.__onemap.liveReceived += 1;
      if (ev.feature.properties.outcome !== 'resolved') openCases += 1;
      live = true;
      chrome.header.replaceChildren(header(overview, openCases, theme, live, switchTheme, switchLang));
    }
  });
}

start().catch((e: unknown) => {
  app.dataset.state = 'error';
  app.append(h('div', { class: 'fatal', 'data-testid': 'fatal' }, `${t('app.error')}: ${message(e)}`));
  console.error(e);
});

// Start-up: pick the transport, draw the one map, wire the chrome. Reports the first complete
// map (all default layers drawn, MapLibre idle) to the page and to the backend.
import './style.css';
import type { FeatureCollection } from 'geojson';
import { BackendError, createBackend, type Me, type Overview, type PathItem, type SearchHit } from './backend';
import { lang, onLangChange, setLang, t, tk } from './i18n';
import { MapView, TOGGLES, type MapLayerName, type MapPick, type ThemeName, type Toggle } from './map';
import { breadcrumb, header, layerPanel, legend, searchBox } from './ui/chrome';
import { h } from './ui/dom';
import { loginScreen, userChip } from './ui/login';
import { mountReports, type ReportViews } from './reports/view';
import { buildingPopup, casePopup, errorPopup, gapPopup, stationPopup, unitPopup } from './ui/popup';
import { dataTools } from './ui/tools';
import { Workflows } from './views';
import { rememberLayer } from './views/prefs';
import { toast } from './views/ui';

declare global {
  interface Window {
    __onemap?: {
      view: MapView; readyMs: number | null; liveReceived: number; backend: string; toggles: typeof TOGGLES; me: Me | null;
      workflows?: Workflows;
    };
  }
}

// Buildings, cameras and roads are not among them: MapLibre fetches their vector tiles itself.
const DEFAULT_LAYERS: MapLayerName[] = [
  'context', 'districts', 'streets', 'communities', 'subgrids', 'labels', 'stations', 'cases',
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
let me: Me | null = null;
let workflows: Workflows | null = null;
let reports: ReportViews;
const loadedLazily = new Set<MapLayerName>();

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

/** The header, with who is signed in (and sign-out in browser mode). */
function renderHeader(): void {
  chrome.header.replaceChildren(header(overview, openCases, theme, live, switchTheme, switchLang));
  if (me) chrome.header.querySelector('.tools')?.prepend(userChip(me, backend.kind === 'http' ? logout : null));
  workflows?.decorateHeader(chrome.header);
}

function logout(): void {
  void backend.logout().finally(() => location.reload());
}

function render(): void {
  renderHeader();
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

async function loadLayer(name: MapLayerName): Promise<FeatureCollection> {
  const fc = await backend.layer(name);
  view.setData(name, fc);
  return fc;
}

function toggle(x: Toggle, on: boolean): void {
  view.setVisible(x, on);
  rememberLayer(x, on);
  const lazy: Partial<Record<Toggle, MapLayerName>> = {
    gaps: 'gaps', 'circle.appeal': 'circles', 'circle.legal': 'circles', 'circle.psych': 'circles',
  };
  const name = lazy[x];
  if (on && name && !loadedLazily.has(name)) {
    loadedLazily.add(name);
    void loadLayer(name).catch((e: unknown) => { loadedLazily.delete(name); console.error(e); });
  }
}

/** The breadcrumb's root: the city when the dataset holds several districts. */
function cityCrumb(): PathItem[] {
  if (!overview || (overview.counts.districts ?? 1) <= 1) return [];
  return [{ kind: 'city', code: '', name: t('crumb.city'), bbox: overview.bbox }];
}

async function goTo(kind: string, code: string, animate = true): Promise<void> {
  if (kind === 'city' && overview) {
    path = cityCrumb();
    render();
    view.highlight('');
    view.fitBbox(overview.bbox, 16.5, animate);
    return;
  }
  const d = await backend.unit(code);
  path = [...cityCrumb(), ...d.path];
  render();
  view.highlight(kind === 'subgrid' ? code : '');
  view.fitBbox(d.bbox, 16.5, animate);
  return undefined;
}

/** Opens the view asked for at start: `lon,lat,zoom`, or the code of a street, community or
 * sub-grid (the breadcrumb follows). Unknown codes are reported and the district stays. */
/** Whether a start view was asked for (it then wins over the view saved last session). */
let startedAtView = false;

async function openStartView(asked: string | null): Promise<void> {
  const want = asked?.trim();
  if (!want) return;
  const at = want.split(',').map(Number);
  if (at.length === 3 && at.every(Number.isFinite)) {
    view.map.jumpTo({ center: [at[0] ?? 0, at[1] ?? 0], zoom: at[2] ?? 0 });
  } else {
    try {
      const d = await backend.unit(want);
      await goTo(d.kind, want, false);
    } catch (e) {
      console.error(`start view ${want}: ${message(e)}`);
      return;
    }
  }
  await view.idle();
}

/** Points the breadcrumb at the sub-grid a picked feature lies in (without moving the map). */
async function followTo(subgrid: string | undefined): Promise<void> {
  if (!subgrid) return;
  try {
    path = [...cityCrumb(), ...(await backend.unit(subgrid)).path];
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
        // With the workspaces mounted a case opens in the detail panel, not a popup.
        if (workflows) { view.closePopup(); workflows.openCase(pick.id); break; }
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
        path = [...cityCrumb(), ...d.path];
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
  // The layers are fetched from the start, beside the overview and while MapLibre starts its
  // worker and WebGL; they are handed over once the style exists.
  const fetched = DEFAULT_LAYERS.map((n) => backend.layer(n).then((fc) => [n, fc] as const));
  overview = await backend.overview();
  // The start-up's phases, for the first-map benchmark (ui/tests/first-map.mjs) to break down.
  performance.mark('onemap:overview');
  const tiles = { url: (l: 'buildings' | 'cameras' | 'roads') => backend.tileUrl(l), bbox: overview.bbox };
  view = new MapView(mapEl, theme, tiles, (p) => { void popupFor(p); });
  window.__onemap = { view, readyMs: null, liveReceived: 0, backend: backend.kind, toggles: TOGGLES, me };
  render();
  onLangChange(render);
  await view.ready();
  performance.mark('onemap:style');
  const layers = await Promise.all(fetched);
  performance.mark('onemap:layers');
  const byName = new Map<MapLayerName, FeatureCollection>(layers);
  for (const [n, fc] of layers) {
    view.setData(n, fc);
    if (n === 'cases') openCases = fc.features.filter((f) => f.properties?.outcome === 'open').length;
    if (n === 'districts') {
      const f = fc.features[0];
      const p = f?.properties ?? {};
      path = cityCrumb();
      if (path.length === 0) path = [{ kind: 'district', code: String(p.code), name: String(p.name), bbox: overview.bbox }];
    }
  }
  render();
  reports = mountReports(app, view, backend);
  performance.mark('onemap:data');
  await view.idle();
  performance.mark('onemap:idle');
  // A view asked for at start (a street for the big screen, a place to check).
  const startView = await backend.startView().catch(() => null);
  startedAtView = Boolean(startView?.trim());
  await openStartView(startView);
  const ms = Math.round(performance.now());
  window.__onemap.readyMs = ms;
  app.dataset.state = 'ready';
  document.body.dataset.mapReady = 'true';
  console.info(`onemap: first complete map in ${ms} ms (${backend.kind})`);
  void backend.mapReady(ms, view.drawnBuildings()).catch((e: unknown) => console.error(e));
  if (me) void mountWorkflows(byName);
  backend.onLive((ev) => {
    if (ev.type === 'layers') void redraw(ev.version, ev.changed);
    if (ev.type === 'case') {
      view.addLiveCase(ev.feature);
      if (window.__onemap) window.__onemap.liveReceived += 1;
      // Every change of a case arrives here; only filing and closing move the open count.
      if (ev.event === 'reported' || ev.event === 'reopened') openCases += 1;
      else if (ev.event === 'approved') openCases = Math.max(0, openCases - 1);
      live = true;
      renderHeader();
    }
  });
}

/** The Rust side drew the map again (an import, a planning apply, here or at another seat):
 * fetch every GeoJSON layer shown again and the tiles of the new version, without a reload.
 * The cases layer is live already. */
async function redraw(version: number, changed: string[]): Promise<void> {
  const names = [...DEFAULT_LAYERS, ...loadedLazily].filter((n) => n !== 'cases' && n !== 'context');
  try {
    const [fresh, ...layers] = await Promise.all([backend.overview(), ...names.map((n) => backend.layer(n))]);
    overview = fresh;
    names.forEach((n, i) => { const fc = layers[i]; if (fc) view.setData(n, fc); });
    view.refreshTiles(version);
    render();
    document.body.dataset.mapVersion = String(version);
    toast(t('map.redrawn', { layers: changed.map((l) => tk(`layer.${l}`, l)).join('、') }), 'info');
  } catch (e) {
    console.error(`redrawing the map: ${message(e)}`);
  }
}

/** The operator's and planner's workspaces (a server with a store and someone signed in). */
async function mountWorkflows(byName: Map<MapLayerName, FeatureCollection>): Promise<void> {
  const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };
  const layer = (n: MapLayerName) => byName.get(n) ?? empty;
  try {
    workflows = await Workflows.mount({
      app, view, backend, me,
      layers: { streets: layer('streets'), communities: layer('communities'), subgrids: layer('subgrids'), stations: layer('stations') },
      setLayer: toggle, isLayerOn: (x) => view.isVisible(x), switchTheme, switchLang,
      goToHit: (hit) => { void pickHit(hit); }, rerender: render, reports, startedAtView,
    });
    if (window.__onemap) window.__onemap.workflows = workflows;
    render();
  } catch (e) {
    console.error(e);
  }
}

/** Browser mode asks who is there first: a login screen until someone signs in. */
async function signIn(): Promise<void> {
  try {
    me = await backend.me();
  } catch (e) {
    if (e instanceof BackendError && e.code === 'unauthorized') {
      app.dataset.state = 'login';
      me = await loginScreen(app, backend, switchLang);
    } else if (!(e instanceof BackendError && e.code === 'unavailable')) {
      throw e;
    }
    // `unavailable`: a server without a store (--no-store) serves the map to anyone.
  }
}

signIn().then(start).catch((e: unknown) => {
  app.dataset.state = 'error';
  app.append(h('div', { class: 'fatal', 'data-testid': 'fatal' }, `${t('app.error')}: ${message(e)}`));
  console.error(e);
});

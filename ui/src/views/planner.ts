// The planner's workspace (规划分析): how much of the district each service's 500-m circles
// cover, per sub-grid, community or street (a sortable table on the left, a choropleth on the
// map), and what-if scenarios on the right: add, drag and remove stations and see the figures
// move while dragging, take suggested sites, save, compare, apply, export. Everything comes from
// the planning API (backend/types.ts `PlanningApi`); nothing is computed here but sums for display.
import type { Feature, FeatureCollection, Geometry, Point } from 'geojson';
import type {
  Comparison, CoverageRow, EditResult, PlanningExportFile, PlanningFigures, ScenarioItem,
  ScenarioView, StationEdit, Suggestion,
} from '../backend';
import { lang, t, tk } from '../i18n';
import type { Bbox } from '../map';
import { SERVICE_COLOUR } from '../map/focus';
import { PlannerOverlay, SHARE_CLASSES, type OverlayStation } from '../map/planner';
import { fmt, h } from '../ui/dom';
import { save } from '../ui/exporter';
import { trackJob } from '../ui/progress';
import { errorText, type Ctx } from './context';
import { prefs, savePrefs, type PlannerPrefs } from './prefs';
import { button, fill, select } from './ui';

type Level = PlannerPrefs['level'];
type SortKey = 'name' | 'share' | 'delta' | 'covered' | 'total';
export type UnitLayers = Record<Level, FeatureCollection>;

const LEVELS: Level[] = ['subgrid', 'community', 'street'];
const SERVICES: PlannerPrefs['service'][] = ['appeal', 'legal', 'psych'];
/** The base map's layers the planner's own overlay replaces while its workspace is open (the
 * buildings' counted cells too: the choropleth carries their residents). */
const REPLACED = ['stations', 'circle.appeal', 'circle.legal', 'circle.psych', 'gaps', 'cases', 'buildings'] as const;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signedPct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;

/** Runs one request at a time; while one is out, only the latest asked for waits (a drag's
 * positions are absolute, so the ones in between may be skipped). */
class LatestWins {
  private next: (() => Promise<void>) | null = null;
  private running: Promise<void> | null = null;

  push(run: () => Promise<void>): void {
    this.next = run;
    this.running ??= this.pump().finally(() => { this.running = null; });
  }

  /** Resolves once nothing is out or waiting. */
  async settled(): Promise<void> { while (this.running) await this.running; }

  private async pump(): Promise<void> {
    while (this.next) {
      const run = this.next;
      this.next = null;
      await run();
    }
  }
}

function bboxOf(g: Geometry): Bbox {
  const b: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as [number, number];
      b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y); b[2] = Math.max(b[2], x); b[3] = Math.max(b[3], y);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  if ('coordinates' in g) walk(g.coordinates);
  return b;
}

export class PlannerPanel {
  readonly left = h('section', { class: 'dock-panel planner', 'data-testid': 'planner-left' });
  readonly right = h('section', { class: 'dock-panel planner-side', 'data-testid': 'planner-right' });
  readonly legend = h('div', { class: 'pl-legend', 'data-testid': 'planner-legend' });
  /** The report's progress bar (kept across redraws of the side panel while a report runs). */
  private readonly reportProgress = h('div', { class: 'wiz-progress', 'data-testid': 'pl-report-progress' });
  private readonly overlay: PlannerOverlay;
  /** Planners and administrators edit; the others who see the workspace only read it. */
  readonly canEdit: boolean;
  private active = false;
  private rows: CoverageRow[] = [];
  private total: CoverageRow | null = null;
  private sort: { key: SortKey; desc: boolean } = { key: 'share', desc: false };
  private selected = '';
  private hovered = '';
  private scenario: ScenarioView | null = null;
  private stations: OverlayStation[] = [];
  private selectedStation = '';
  private adding = false;
  private suggestion: Suggestion | null = null;
  private taken = new Set<number>();
  private saved: ScenarioItem[] = [];
  private comparing = new Set<string>();
  private comparison: Comparison | null = null;
  private message = '';
  private readonly edits = new LatestWins();
  private dragging: string | null = null;
  /** The undo depth before each of the planner's actions: a drag sends many moves, and undo
   * takes back the whole drag. */
  private actions: number[] = [];
  private hidden: Partial<Record<(typeof REPLACED)[number], boolean>> = {};
  private readonly tbody = h('tbody', { 'data-testid': 'pl-rows' });
  private readonly totals = h('div', { class: 'pl-totals', 'data-testid': 'pl-totals' });
  private readonly head = h('thead');

  constructor(private readonly ctx: Ctx, private readonly units: UnitLayers) {
    const role = ctx.me?.principal.role;
    this.canEdit = role === 'planner' || role === 'admin';
    this.overlay = new PlannerOverlay(ctx.view);
    this.wireMap();
    this.draw();
  }

  private get p(): PlannerPrefs { return prefs().planner; }

  private setPrefs(patch: Partial<PlannerPrefs>): void { savePrefs({ planner: { ...this.p, ...patch } }); }

  // ---- the workspace opening and closing ----

  activate(): void {
    if (this.active) return;
    this.active = true;
    for (const l of REPLACED) {
      this.hidden[l] = this.ctx.view.isVisible(l);
      this.ctx.view.setVisible(l, false);
    }
    this.overlay.setVisible(true);
    void this.open(this.p.scenario);
  }

  deactivate(): void {
    if (!this.active) return;
    this.active = false;
    this.setAdding(false);
    this.overlay.setVisible(false);
    for (const l of REPLACED) if (this.hidden[l]) this.ctx.view.setVisible(l, true);
  }

  /** Opens a scenario (`null`: the saved stations alone) and loads everything shown. */
  private async open(id: string | null): Promise<void> {
    this.scenario = null;
    if (id) {
      try { this.scenario = await this.ctx.backend.planning.scenario(id); } catch { /* gone: the saved stations */ }
    }
    this.setPrefs({ scenario: this.scenario?.scenario.id ?? null });
    this.actions = [];
    this.suggestion = null;
    this.taken.clear();
    await Promise.all([this.loadCoverage(), this.loadLayers(), this.loadSaved()]);
    this.draw();
  }

  private opts(): { service: PlannerPrefs['service']; scenario?: string } {
    const scenario = this.scenario?.scenario.id;
    return scenario ? { service: this.p.service, scenario } : { service: this.p.service };
  }

  private async loadCoverage(): Promise<void> {
    try {
      const c = await this.ctx.backend.planning.coverage({ ...this.opts(), level: this.p.level });
      this.rows = c.rows.filter((r) => r.service === this.p.service);
      this.total = c.totals.find((r) => r.service === this.p.service) ?? null;
      this.message = '';
    } catch (e) {
      this.message = errorText(e);
    }
    this.drawTotals();
    this.drawRows();
    this.pushUnits();
  }

  /** The scenario's stations and the gaps, from the server (after an edit has settled). */
  private async loadLayers(): Promise<void> {
    const planning = this.ctx.backend.planning;
    const scenario = this.scenario?.scenario.id;
    try {
      const [st, gaps] = await Promise.all([
        planning.stations(scenario ? { scenario } : {}),
        planning.gaps(this.opts()),
      ]);
      // A drag started meanwhile: its own positions win; the drag's end asks again.
      if (this.dragging) return;
      this.stations = st.features
        .filter((f) => ((f.properties?.services ?? []) as string[]).includes(this.p.service))
        .map((f) => {
          const [lon, lat] = (f.geometry as Point).coordinates as [number, number];
          const q = f.properties ?? {};
          return { id: String(q.id), name: String(q.name ?? q.id), lon, lat, planned: String(q.planned ?? '') };
        });
      this.pushStations();
      this.overlay.setGaps(gaps);
    } catch (e) {
      this.ctx.toast(errorText(e), 'error');
    }
  }

  private async loadSaved(): Promise<void> {
    try { this.saved = await this.ctx.backend.planning.scenarios(); } catch { this.saved = []; }
  }

  private pushStations(): void {
    this.overlay.setStations(this.stations, SERVICE_COLOUR[this.p.service]);
    this.overlay.setSites((this.suggestion?.sites ?? []).map((s) => ({ rank: s.rank, lon: s.lon, lat: s.lat, taken: this.taken.has(s.rank) })));
  }

  // ---- figures ----

  private covered(f: PlanningFigures): number { return this.p.metric === 'residents' ? f.residents_covered : f.buildings_covered; }
  private share(f: PlanningFigures): number { return this.p.metric === 'residents' ? f.resident_share : f.building_share; }
  private all(r: CoverageRow): number { return this.p.metric === 'residents' ? r.residents : r.buildings; }

  /** The choropleth: the level's units with the scenario's share of each. */
  private pushUnits(): void {
    const byCode = new Map(this.rows.map((r) => [r.code, r]));
    const features: Feature[] = this.units[this.p.level].features.map((f) => {
      const row = byCode.get(String(f.properties?.code));
      return { ...f, properties: { code: f.properties?.code, name: f.properties?.name, share: row ? this.share(row.scenario) : 0 } };
    });
    this.overlay.setUnits({ type: 'FeatureCollection', features });
  }

  /** An edit's answer: totals and the units it changed at the table's level, at once (while a
   *  drag goes on). */
  private applyEdit(r: EditResult): void {
    if (this.scenario) { this.scenario.scenario = r.scenario; this.scenario.undo_depth = r.undo_depth; }
    this.total = r.totals.find((x) => x.service === this.p.service) ?? this.total;
    const level = this.p.level;
    const sent = level === 'subgrid' ? r.subgrids : r.units.filter((x) => x.level === level);
    const changed = new Map(sent.filter((x) => x.service === this.p.service).map((x) => [x.code, x]));
    this.rows = this.rows.map((row) => changed.get(row.code) ?? row);
    this.drawRows();
    this.pushUnits();
    this.drawTotals();
  }

  // ---- editing ----

  /** The scenario to edit, created when there is none yet. */
  private async ensureScenario(): Promise<string | null> {
    if (this.scenario) return this.scenario.scenario.id;
    try {
      this.scenario = await this.ctx.backend.planning.create(t('planner.untitled', { n: this.saved.length + 1 }));
      this.setPrefs({ scenario: this.scenario.scenario.id });
      void this.loadSaved().then(() => this.drawSide());
      return this.scenario.scenario.id;
    } catch (e) {
      this.ctx.toast(errorText(e), 'error');
      return null;
    }
  }

  /** One action of the planner's (not a drag step): sent after whatever is out, then the map
   * and the list are brought up to date from the server. */
  private async act(edits: StationEdit | StationEdit[]): Promise<EditResult | null> {
    const id = await this.ensureScenario();
    if (!id) return null;
    await this.edits.settled();
    try {
      const depth = this.scenario?.undo_depth ?? 0;
      const r = await this.ctx.backend.planning.edit(id, edits);
      this.actions.push(depth);
      this.applyEdit(r);
      await this.afterEdit();
      return r;
    } catch (e) {
      this.ctx.toast(errorText(e), 'error');
      return null;
    }
  }

  private async afterEdit(): Promise<void> {
    const id = this.scenario?.scenario.id;
    if (!id) return;
    try { this.scenario = await this.ctx.backend.planning.scenario(id); } catch { /* keep what we have */ }
    // The saved list's counts of added, moved and removed stations follow too.
    await Promise.all([this.loadLayers(), this.loadSaved()]);
    this.drawSide();
  }

  private async undo(): Promise<void> {
    const id = this.scenario?.scenario.id;
    if (!id) return;
    await this.edits.settled();
    const target = this.actions.pop() ?? (this.scenario?.undo_depth ?? 1) - 1;
    try {
      while ((this.scenario?.undo_depth ?? 0) > target) this.applyEdit(await this.ctx.backend.planning.undo(id));
    } catch (e) {
      this.ctx.toast(errorText(e), 'error');
    }
    await this.afterEdit();
  }

  private setAdding(on: boolean): void {
    this.adding = on;
    this.ctx.view.setClickHandler(on ? (at) => {
      this.setAdding(false);
      void this.act({ op: 'add', services: [this.p.service], lon: at[0], lat: at[1] });
    } : null);
    this.drawSide();
  }

  /** Map interactions while the workspace is open: hover and click on units, dragging stations. */
  private wireMap(): void {
    const view = this.ctx.view;
    const map = view.map;
    view.setPickFirst((pt) => {
      if (!this.active) return false;
      const st = this.overlay.stationAt(pt);
      if (st) { this.selectedStation = st; this.drawSide(); return true; }
      const unit = this.overlay.unitAt(pt);
      if (unit) { this.selectUnit(unit, false); return true; }
      return false;
    });
    map.on('mousemove', (e) => {
      if (!this.active || this.dragging) return;
      if (this.canEdit && !this.adding && this.overlay.stationAt(e.point)) map.getCanvas().style.cursor = 'grab';
      const code = this.overlay.unitAt(e.point) ?? '';
      if (code !== this.hovered) {
        this.hovered = code;
        this.overlay.hover(code);
        for (const tr of this.tbody.children) (tr as HTMLElement).classList.toggle('hover', (tr as HTMLElement).dataset.code === code);
      }
    });
    map.on('mousedown', (e) => {
      if (!this.active || !this.canEdit || this.adding || !this.scenario) return;
      const id = this.overlay.stationAt(e.point);
      if (!id) return;
      // Ours, not a pan: the station follows the pointer and each position goes to the server,
      // one request at a time, the latest position waiting.
      e.preventDefault();
      map.dragPan.disable();
      this.dragging = id;
      this.selectedStation = id;
      this.actions.push(this.scenario.undo_depth);
      map.getCanvas().style.cursor = 'grabbing';
      const move = (ev: { lngLat: { lng: number; lat: number } }) => {
        const s = this.stations.find((x) => x.id === id);
        if (!s) return;
        s.lon = ev.lngLat.lng; s.lat = ev.lngLat.lat;
        if (!s.planned) s.planned = 'changed';
        this.pushStations();
        const edit: StationEdit = { op: 'move', id, lon: s.lon, lat: s.lat };
        const scenario = this.scenario?.scenario.id ?? '';
        this.edits.push(async () => {
          try { this.applyEdit(await this.ctx.backend.planning.edit(scenario, edit)); } catch (err) { this.ctx.toast(errorText(err), 'error'); }
        });
      };
      map.on('mousemove', move);
      // On the window: the button may be let go outside the map.
      window.addEventListener('mouseup', () => {
        map.off('mousemove', move);
        map.dragPan.enable();
        map.getCanvas().style.cursor = '';
        this.dragging = null;
        void this.edits.settled().then(() => this.afterEdit());
      }, { once: true });
    });
  }

  private selectUnit(code: string, fly: boolean): void {
    this.selected = code;
    this.overlay.select(code);
    for (const tr of this.tbody.children) {
      const on = (tr as HTMLElement).dataset.code === code;
      tr.classList.toggle('on', on);
      if (on && !fly) (tr as HTMLElement).scrollIntoView({ block: 'nearest' });
    }
    if (fly) {
      const f = this.units[this.p.level].features.find((x) => String(x.properties?.code) === code);
      if (f) this.ctx.view.fitBbox(bboxOf(f.geometry), 16);
    }
  }

  // ---- drawing ----

  /** Draws both docks again (also after a language switch). */
  draw(): void {
    this.drawLeft();
    this.drawSide();
    this.drawLegend();
  }

  private drawLeft(): void {
    const p = this.p;
    const pick = <K extends keyof PlannerPrefs>(key: K, values: string[], label: (v: string) => string) => {
      const s = select(values.map((v) => [v, label(v)]), String(p[key]), { 'data-testid': `pl-${key}` });
      s.addEventListener('change', () => {
        this.setPrefs({ [key]: s.value } as Partial<PlannerPrefs>);
        this.selected = '';
        this.overlay.select('');
        if (key === 'service') { this.suggestion = null; this.taken.clear(); void this.loadLayers(); this.drawSide(); }
        void this.loadCoverage();
        this.drawHead();
      });
      return s;
    };
    this.drawHead();
    this.left.replaceChildren(
      h('header', { class: 'dock-head' }, h('h2', {}, t('ws.planner')),
        h('span', { class: 'dock-keys muted', 'data-testid': 'pl-scenario-name' }, this.scenario ? this.scenario.scenario.name : t('planner.savedOnly'))),
      h('div', { class: 'pl-pickers' },
        pick('service', SERVICES, (v) => tk(`service.${v}`, v)),
        pick('level', LEVELS, (v) => t(`planner.level.${v as Level}`)),
        pick('metric', ['residents', 'buildings'], (v) => t(`planner.metric.${v as 'residents' | 'buildings'}`))),
      this.totals,
      h('div', { class: 'pl-table' }, h('table', { 'data-testid': 'pl-table' }, this.head, this.tbody)));
    this.drawTotals();
    this.drawRows();
  }

  private drawHead(): void {
    const col = (key: SortKey, label: string) => h('th', {
      class: `sortable ${this.sort.key === key ? (this.sort.desc ? 'desc' : 'asc') : ''}`, 'data-testid': `pl-sort-${key}`,
      onclick: () => {
        this.sort = { key, desc: this.sort.key === key ? !this.sort.desc : key !== 'name' && key !== 'share' };
        this.drawHead();
        this.drawRows();
      },
    }, label);
    this.head.replaceChildren(h('tr', {},
      col('name', t(`planner.level.${this.p.level}`)), col('share', t('planner.share')), col('delta', t('planner.delta')),
      col('covered', t('planner.covered')), col('total', t(`planner.metric.${this.p.metric}`))));
  }

  private drawTotals(): void {
    const tot = this.total;
    this.totals.dataset.service = tot?.service ?? '';
    if (!tot) { fill(this.totals, h('div', { class: this.message ? 'q-empty error' : 'q-empty' }, this.message || t('queue.loading'))); return; }
    const saved = this.share(tot.saved);
    const now = this.share(tot.scenario);
    const stat = (label: string, v: string, attrs: Record<string, string>, cls = '') =>
      h('div', { class: `o-stat ${cls}`, ...attrs }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, label));
    fill(this.totals,
      stat(t('planner.shareSaved'), pct(saved), { 'data-testid': 'pl-share-saved', 'data-value': String(this.covered(tot.saved)) }),
      stat(this.scenario ? t('planner.shareScenario') : t('planner.shareNow'), pct(now),
        { 'data-testid': 'pl-share-scenario', 'data-value': String(this.covered(tot.scenario)) }, now > saved ? 'up' : now < saved ? 'bad' : ''),
      stat(t('planner.coveredOf', { of: fmt(this.all(tot)) }), fmt(this.covered(tot.scenario)), { 'data-testid': 'pl-covered' }),
      stat(t('planner.uncoveredKm2'), tot.scenario.uncovered_km2.toFixed(2), { 'data-testid': 'pl-uncovered' }));
  }

  private drawRows(): void {
    const val = (r: CoverageRow): number | string => {
      switch (this.sort.key) {
        case 'name': return r.name;
        case 'share': return this.share(r.scenario);
        case 'delta': return this.share(r.scenario) - this.share(r.saved);
        case 'covered': return this.covered(r.scenario);
        case 'total': return this.all(r);
      }
    };
    const sign = this.sort.desc ? -1 : 1;
    const sorted = [...this.rows].sort((a, b) => {
      const x = val(a); const y = val(b);
      const c = typeof x === 'string' ? x.localeCompare(String(y), 'zh-CN') : x - (y as number);
      return sign * (c || a.code.localeCompare(b.code));
    });
    this.tbody.replaceChildren(...sorted.map((r) => {
      const share = this.share(r.scenario);
      const delta = share - this.share(r.saved);
      const tr = h('tr', {
        'data-testid': 'pl-row', 'data-code': r.code, 'data-share': String(share),
        class: `${r.code === this.selected ? 'on' : ''} ${r.code === this.hovered ? 'hover' : ''}`,
        onclick: () => this.selectUnit(r.code, true),
        onmouseenter: () => this.overlay.hover(r.code), onmouseleave: () => this.overlay.hover(this.hovered),
      },
      h('td', { class: 'nm', title: r.code }, r.name),
      h('td', {}, h('span', { class: 'swatch', style: `background:${shareColour(share)}` }), pct(share)),
      h('td', { class: Math.abs(delta) < 1e-9 ? 'muted' : delta > 0 ? 'up' : 'bad' }, Math.abs(delta) < 1e-9 ? '·' : signedPct(delta)),
      h('td', {}, fmt(this.covered(r.scenario))),
      h('td', {}, fmt(this.all(r))));
      return tr;
    }));
  }

  private drawLegend(): void {
    const label = (i: number) => {
      const lo = SHARE_CLASSES[i]?.[0] ?? 0;
      const hi = SHARE_CLASSES[i + 1]?.[0];
      return hi === undefined ? '100%' : `${Math.round(lo * 100)}–${Math.round(hi * 100)}%`;
    };
    this.legend.replaceChildren(
      h('div', { class: 'pl-legend-title' }, t('planner.legend')),
      ...SHARE_CLASSES.map(([, colour], i) => h('div', { class: 'li' }, h('span', { class: 'sq', style: `background:${colour}` }), label(i))),
      h('div', { class: 'li' }, h('span', { class: 'sq', style: 'background:#f43f5e' }), t('layer.gaps')),
      h('div', { class: 'li' }, h('span', { class: 'ring', style: `color:${SERVICE_COLOUR[this.p.service]}` }), t('planner.circle')),
      h('div', { class: 'li' }, h('span', { class: 'dot', style: 'background:#22c55e' }), t('planner.planned.added')),
      h('div', { class: 'li' }, h('span', { class: 'dot', style: 'background:#f59e0b' }), t('planner.planned.changed')),
      h('div', { class: 'li' }, h('span', { class: 'dot', style: 'background:#7c3aed' }), t('planner.suggested')));
  }

  /** The right dock: the scenario and its edits, suggestions, saving, the saved ones, exports. */
  private drawSide(): void {
    if (this.left.isConnected) {
      const name = this.left.querySelector('[data-testid=pl-scenario-name]');
      if (name) name.textContent = this.scenario ? this.scenario.scenario.name : t('planner.savedOnly');
    }
    fill(this.right,
      h('header', { class: 'dock-head' }, h('h2', {}, t('planner.scenarios'))),
      h('div', { class: 'pl-side' },
        this.canEdit ? this.scenarioSection() : h('div', { class: 'q-empty', 'data-testid': 'pl-readonly' }, t('planner.readOnly')),
        this.canEdit ? this.suggestSection() : null,
        this.savedSection(),
        this.comparison ? this.compareSection(this.comparison) : null,
        this.exportSection()));
  }

  private scenarioSection(): HTMLElement {
    const sc = this.scenario;
    const name = h('input', { class: 'inp', 'data-testid': 'pl-new-name', placeholder: t('planner.newName') });
    const create = async () => {
      try {
        const v = await this.ctx.backend.planning.create(name.value.trim() || t('planner.untitled', { n: this.saved.length + 1 }));
        await this.open(v.scenario.id);
      } catch (e) { this.ctx.toast(errorText(e), 'error'); }
    };
    const plan = sc?.plan;
    const line = (id: string, label: string, kind: string, lonLat: [number, number] | null) => h('li', {
      class: `pl-st ${id === this.selectedStation ? 'on' : ''}`, 'data-testid': 'pl-station', 'data-id': id, 'data-kind': kind,
    },
    h('span', { class: `pl-kind k-${kind}` }, t(`planner.planned.${kind as 'added' | 'changed' | 'removed'}`)),
    h('button', { type: 'button', class: 'link', onclick: () => { this.selectedStation = id; if (lonLat) this.ctx.view.flyToPoint(lonLat[0], lonLat[1], 15.5); this.drawSide(); } }, label),
    kind === 'removed'
      ? button(t('planner.restore'), () => { void this.act({ op: 'restore', id }); }, { 'data-testid': 'pl-restore' }, 'sm')
      : button(t('planner.remove'), () => { void this.act({ op: 'remove', id }); }, { 'data-testid': 'pl-remove' }, 'sm'));
    const sel = this.stations.find((s) => s.id === this.selectedStation);
    return h('section', { class: 'sec', 'data-testid': 'pl-scenario' },
      h('h3', {}, sc ? `${sc.scenario.name}${sc.scenario.dirty ? ` · ${t('planner.dirty')}` : ''}` : t('planner.noScenario')),
      h('div', { class: 'q-row' }, name, button(t('planner.create'), () => { void create(); }, { 'data-testid': 'pl-create' }),
        sc ? button(t('planner.close'), () => { void this.open(null); }, { 'data-testid': 'pl-close' }, 'sm') : null),
      h('div', { class: 'q-row' },
        button(this.adding ? t('planner.addingHint') : t('planner.add'), () => this.setAdding(!this.adding), { 'data-testid': 'pl-add' }, this.adding ? 'primary' : ''),
        button(t('planner.undo'), () => { void this.undo(); }, { 'data-testid': 'pl-undo', disabled: !sc || sc.undo_depth === 0 }),
        sel ? h('span', { class: 'muted', 'data-testid': 'pl-selected-station' }, sel.name) : null,
        sel && sel.planned !== 'removed' ? button(t('planner.remove'), () => { const id = sel.id; this.selectedStation = ''; void this.act({ op: 'remove', id }); }, { 'data-testid': 'pl-remove-selected' }, 'sm danger') : null),
      h('div', { class: 'muted pl-hint' }, sc ? t('planner.dragHint') : t('planner.createHint')),
      plan && (plan.added.length || plan.changed.length || plan.removed.length)
        ? h('ul', { class: 'pl-stations', 'data-testid': 'pl-plan' },
          ...plan.added.map((s) => line(s.id, s.name, 'added', [s.lon, s.lat])),
          ...plan.changed.map((s) => line(s.id, s.name, 'changed', [s.lon, s.lat])),
          ...plan.removed.map((id) => line(id, this.stations.find((s) => s.id === id)?.name ?? id, 'removed', null)))
        : null,
      sc ? this.saveForm(sc) : null);
  }

  private saveForm(sc: ScenarioView): HTMLElement {
    const name = h('input', { class: 'inp', 'data-testid': 'pl-save-name', value: sc.scenario.name });
    const note = h('input', { class: 'inp', 'data-testid': 'pl-save-note', value: sc.scenario.note, placeholder: t('planner.note') });
    const doSave = async () => {
      await this.edits.settled();
      try {
        this.scenario = await this.ctx.backend.planning.save(sc.scenario.id, { name: name.value.trim() || sc.scenario.name, note: note.value });
        this.ctx.toast(t('planner.savedAs', { name: this.scenario.scenario.name }), 'ok');
        await this.loadSaved();
        this.drawSide();
      } catch (e) { this.ctx.toast(errorText(e), 'error'); }
    };
    return h('div', { class: 'q-row pl-save' }, name, note, button(t('planner.save'), () => { void doSave(); }, { 'data-testid': 'pl-save' }, 'primary'));
  }

  private suggestSection(): HTMLElement {
    const count = h('input', { class: 'inp', type: 'number', min: '1', max: '20', value: '3', 'data-testid': 'pl-suggest-count' });
    const ask = async () => {
      try {
        const n = Math.max(1, Math.min(20, Number(count.value) || 3));
        const scenario = this.scenario?.scenario.id;
        this.suggestion = await this.ctx.backend.planning.suggest({
          service: this.p.service, count: n, objective: this.p.metric, ...(scenario ? { scenario } : {}),
        });
        this.taken.clear();
        this.pushStations();
        this.drawSide();
      } catch (e) { this.ctx.toast(errorText(e), 'error'); }
    };
    const sg = this.suggestion;
    const gain = (w: { residents: number; buildings: number }) => (this.p.metric === 'residents' ? w.residents : w.buildings);
    return h('section', { class: 'sec', 'data-testid': 'pl-suggest' },
      h('h3', {}, t('planner.suggest')),
      h('div', { class: 'q-row' }, h('span', { class: 'q-label' }, t('planner.count')), count,
        button(t('planner.suggestRun'), () => { void ask(); }, { 'data-testid': 'pl-suggest-run' }, 'primary')),
      sg ? h('div', { class: 'muted pl-bound', 'data-testid': 'pl-bound' },
        t('planner.bound', { ratio: pct(sg.bound.ratio), upper: fmt(Math.round(sg.bound.upper)), greedy: fmt(Math.round(sg.bound.greedy)) })) : null,
      sg ? h('ol', { class: 'pl-sites' }, ...sg.sites.map((s) => h('li', { class: this.taken.has(s.rank) ? 'taken' : '', 'data-testid': 'pl-site', 'data-rank': String(s.rank) },
        h('span', { class: 'pl-rank' }, String(s.rank)),
        h('button', { type: 'button', class: 'link', onclick: () => this.ctx.view.flyToPoint(s.lon, s.lat, 15.5) }, s.subgrid_name),
        h('span', { class: 'up' }, `+${fmt(gain(s.gain))}`),
        h('span', { class: 'muted' }, `→ ${pct(s.share_after)}`),
        this.taken.has(s.rank) ? h('span', { class: 'muted' }, t('planner.taken'))
          : button(t('planner.take'), () => { void this.take(s.rank); }, { 'data-testid': 'pl-take' }, 'sm primary')))) : null);
  }

  private async take(rank: number): Promise<void> {
    const s = this.suggestion?.sites.find((x) => x.rank === rank);
    if (!s) return;
    const name = s.kind.kind === 'hall' ? s.kind.name : `${s.subgrid_name} · ${t('planner.suggested')} ${rank}`;
    const r = await this.act({ op: 'add', name, services: [this.p.service], lon: s.lon, lat: s.lat });
    if (r) { this.taken.add(rank); this.pushStations(); this.drawSide(); }
  }

  private savedSection(): HTMLElement {
    const items = this.saved;
    const apply = async (id: string) => {
      try {
        const r = await this.ctx.backend.planning.apply(id);
        this.ctx.toast(t('planner.applied', { name: r.scenario.name, n: r.import.count }), 'ok');
        await this.open(null);
      } catch (e) {
        this.ctx.toast(errorText(e), 'error');
        this.message = errorText(e);
        this.drawSide();
        this.message = '';
      }
    };
    const compare = async () => {
      try {
        this.comparison = await this.ctx.backend.planning.compare([...this.comparing], { level: this.p.level, service: this.p.service });
        this.drawSide();
      } catch (e) { this.ctx.toast(errorText(e), 'error'); }
    };
    const compareBtn = button(t('planner.compare', { n: this.comparing.size }), () => { void compare(); },
      { 'data-testid': 'pl-compare', disabled: this.comparing.size < 1 });
    return h('section', { class: 'sec', 'data-testid': 'pl-saved' },
      h('h3', {}, t('planner.savedList')),
      this.message ? h('div', { class: 'q-empty error', 'data-testid': 'pl-apply-msg' }, this.message) : null,
      items.length ? h('ul', { class: 'pl-saved' }, ...items.map((it) => {
        const box = h('input', { type: 'checkbox', checked: this.comparing.has(it.scenario.id), 'data-testid': 'pl-compare-pick' });
        box.addEventListener('change', () => {
          if (box.checked) this.comparing.add(it.scenario.id); else this.comparing.delete(it.scenario.id);
          compareBtn.textContent = t('planner.compare', { n: this.comparing.size });
          compareBtn.disabled = this.comparing.size < 1;
        });
        const open = it.scenario.id === this.scenario?.scenario.id;
        return h('li', { 'data-testid': 'pl-saved-item', 'data-id': it.scenario.id, 'data-version': String(it.scenario.version), 'data-dirty': String(it.scenario.dirty), class: open ? 'on' : '' },
          box,
          h('span', { class: 'nm' }, it.scenario.name,
            h('span', { class: 'muted' }, ` +${it.added} ~${it.changed} −${it.removed}${it.scenario.version ? '' : ` · ${t('planner.unsaved')}`}${it.scenario.applied_at ? ` · ${t('planner.appliedMark')}` : ''}`)),
          open ? null : button(t('planner.open'), () => { void this.open(it.scenario.id); }, { 'data-testid': 'pl-open' }, 'sm'),
          // Applying rewrites the stations layer for everyone: an administrator's step.
          this.ctx.me?.administers ? button(t('planner.apply'), () => { void apply(it.scenario.id); }, { 'data-testid': 'pl-apply' }, 'sm') : null);
      })) : h('div', { class: 'muted' }, t('planner.noneSaved')),
      h('div', { class: 'q-row' }, compareBtn));
  }

  private compareSection(c: Comparison): HTMLElement {
    const colName = (i: number) => (c.columns[i]?.id ? c.columns[i]?.name ?? '' : t('planner.savedStations'));
    return h('section', { class: 'sec', 'data-testid': 'pl-comparison' },
      h('h3', {}, t('planner.comparison'), button('×', () => { this.comparison = null; this.drawSide(); }, { 'data-testid': 'pl-compare-close' }, 'icon')),
      h('div', { class: 'pl-table pl-cmp' }, h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, t(`planner.level.${this.p.level}`)), ...c.columns.map((_, i) => h('th', {}, colName(i))))),
        h('tbody', {},
          h('tr', { class: 'tot', 'data-testid': 'pl-compare-total' }, h('td', {}, t('planner.total')),
            ...c.columns.map((col) => h('td', {}, pct(this.share(col.total)), h('div', { class: 'muted' }, fmt(this.covered(col.total)))))),
          ...c.rows.map((r) => h('tr', { 'data-testid': 'pl-compare-row' }, h('td', { class: 'nm' }, r.name),
            ...r.values.map((v, i) => h('td', { class: i && this.share(v) > this.share(r.values[0] ?? v) ? 'up' : '' }, pct(this.share(v))))))))));
  }

  private exportSection(): HTMLElement {
    const files: [PlanningExportFile, string][] = [
      ['coverage.csv', t('planner.export.csv')], ['gaps.geojson', t('planner.export.gaps')],
      ['report.html', t('planner.export.html')], ['report.pdf', t('planner.export.pdf')],
    ];
    const run = async (file: PlanningExportFile) => {
      try {
        const scenario = this.scenario?.scenario.id;
        let blob: Blob;
        if (file === 'report.html' || file === 'report.pdf') {
          // The report takes seconds (half a minute at city scale): a job with a progress bar and
          // Cancel, its file fetched at the end.
          const backend = this.ctx.backend;
          const id = await backend.planningReportStart({ format: file === 'report.pdf' ? 'pdf' : 'html', lang: lang(), ...(scenario ? { scenario } : {}) });
          const s = await trackJob(backend, id, this.reportProgress);
          if (s.state === 'cancelled') return;
          if (s.state !== 'done') { this.ctx.toast(s.error?.message ?? t('progress.failed'), 'error'); return; }
          blob = await backend.jobFile(id);
        } else {
          blob = await this.ctx.backend.planning.exportFile(file, { level: this.p.level, service: this.p.service, lang: lang(), ...(scenario ? { scenario } : {}) });
        }
        const [stem, ext] = file.split('.');
        const name = `planning-${stem}-${this.p.service}${file === 'coverage.csv' ? `-${this.p.level}` : ''}${scenario ? `-${scenario}` : ''}.${ext}`;
        save(blob, name);
        this.ctx.toast(t('export.saved', { name }), 'ok');
      } catch (e) { this.ctx.toast(errorText(e), 'error'); }
    };
    return h('section', { class: 'sec', 'data-testid': 'pl-exports' },
      h('h3', {}, t('planner.exports')),
      h('div', { class: 'q-row' }, ...files.map(([f, label]) => button(label, () => { void run(f); }, { 'data-testid': `pl-export-${f.replace('.', '-')}` }, 'sm'))),
      this.reportProgress);
  }
}

/** The choropleth's colour of a share (the same classes as the map's step expression). */
function shareColour(share: number): string {
  let colour = SHARE_CLASSES[0]?.[1] ?? '#000';
  for (const [bound, c] of SHARE_CLASSES) if (share >= bound) colour = c;
  return colour;
}

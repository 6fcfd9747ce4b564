// The workspaces around the one map, one row of tabs for all: 一张图 (the map with its layers and
// legend), 值班台 (the live queue and the case detail), 指令看板 (the orders board), 规划分析 (the
// planner's coverage table and what-if scenarios, for planners, administrators and district
// operators), 驾驶舱 and 风险研判 (the report views), and a link to 汇报模式 (the briefing
// page for the big screen). Each workspace docks its
// panels on the left and right of the map; the hash names the workspace and the case in focus
// (deep links); the workspace, filters, layers and map view are kept across restarts. Shortcuts
// and the command palette reach every action.
import './workflows.css';
import type { FeatureCollection } from 'geojson';
import type { Backend, LiveEvent, Me, SearchHit } from '../backend';
import { lang, onLangChange, t } from '../i18n';
import type { MapView, Toggle } from '../map';
import type { ReportViews } from '../reports/view';
import { FocusOverlay } from '../map/focus';
import { h } from '../ui/dom';
import { Alarms } from './alarm';
import { ServerClock } from './clock';
import { Directory, errorText, type Ctx } from './context';
import { DetailPanel } from './detail';
import { NewCasePanel } from './newcase';
import { OrdersPanel } from './orders';
import { Palette, type Command } from './palette';
import { PlannerPanel } from './planner';
import { QueuePanel } from './queue';
import { prefs, savePrefs, workspacesOf, type Workspace } from './prefs';
import { readRoute, writeRoute } from './route';
import { kbd, toast, typing } from './ui';

/** What the start-up hands the workspaces. */
export interface Host {
  app: HTMLElement;
  view: MapView;
  backend: Backend;
  me: Me | null;
  layers: { streets: FeatureCollection; communities: FeatureCollection; subgrids: FeatureCollection; stations: FeatureCollection };
  setLayer(t: Toggle, on: boolean): void;
  isLayerOn(t: Toggle): boolean;
  switchTheme(): void;
  switchLang(): void;
  goToHit(hit: SearchHit): void;
  rerender(): void;
  /** The report views (dashboard, risk) the workspaces of those names show. */
  reports: ReportViews;
  /** Whether the app was started at a view of its own (`ONEMAP_START_VIEW`, `--view`): then
   * the view saved from the last session does not replace it. */
  startedAtView: boolean;
}

const LEFT_WIDTH: Record<Workspace, number> = { map: 0, ops: 560, orders: 880, planner: 360, dashboard: 0, risk: 0 };
/** The workspaces that are a report over the map, with no docks of their own. */
const REPORTS: ReadonlySet<Workspace> = new Set(['dashboard', 'risk']);
const RIGHT_WIDTH = 470;

/** The workspace a role starts in when it has none of its own yet. */
function homeOf(me: Me | null): Workspace {
  switch (me?.principal.role) {
    case 'district_operator':
    case 'street_operator': return 'ops';
    case 'planner': return 'planner';
    default: return 'map';
  }
}

export class Workflows {
  readonly ctx: Ctx;
  readonly alarms: Alarms;
  readonly queue: QueuePanel;
  readonly detail: DetailPanel;
  readonly newCase: NewCasePanel;
  readonly orders: OrdersPanel;
  readonly palette: Palette;
  readonly planner: PlannerPanel;
  /** The workspaces this role has (tabs, keys 1…n). */
  private readonly spaces: Workspace[];
  private ws: Workspace = 'map';
  private newOpen = false;
  private readonly left = h('aside', { class: 'dock dock-left', 'data-testid': 'dock-left' });
  private readonly right = h('aside', { class: 'dock dock-right', 'data-testid': 'dock-right' });
  private readonly nav = h('nav', { class: 'ws-nav', 'data-testid': 'ws-nav' });
  private readonly tools = h('span', { class: 'ws-tools' });
  private readonly help = h('div', { class: 'palette-back', 'data-testid': 'shortcuts', hidden: true });

  private constructor(private readonly host: Host, matters: Ctx['matters'], departments: Ctx['departments']) {
    const me = host.me;
    this.ctx = {
      backend: host.backend, view: host.view, focus: new FocusOverlay(host.view), me,
      clock: new ServerClock(), dir: new Directory(host.layers), matters, departments,
      acts: me?.acts_on_cases ?? false,
      openCase: (id) => { this.openCase(id); },
      toast,
    };
    this.alarms = new Alarms(this.ctx);
    this.queue = new QueuePanel(this.ctx, () => this.openNew());
    this.detail = new DetailPanel(this.ctx, () => this.closeCase());
    this.newCase = new NewCasePanel(this.ctx, () => this.closeNew(), (id) => { this.closeNew(); this.openCase(id); void this.queue.refresh(); });
    this.orders = new OrdersPanel(this.ctx);
    this.spaces = workspacesOf(me);
    this.planner = new PlannerPanel(this.ctx, { subgrid: host.layers.subgrids, community: host.layers.communities, street: host.layers.streets });
    this.palette = new Palette((q) => host.backend.search(q, 8), (hit) => host.goToHit(hit), (id) => this.openCase(id));
    host.app.append(this.left, this.right, this.palette.el, this.help, this.planner.legend);
  }

  /** Loads the catalogues and mounts the workspaces. */
  static async mount(host: Host): Promise<Workflows> {
    const [matters, departments] = await Promise.all([
      host.backend.matters().catch(() => []),
      host.backend.departments().catch(() => []),
    ]);
    const wf = new Workflows(host, matters, departments);
    wf.start();
    return wf;
  }

  private start(): void {
    this.restoreLayers();
    this.registerCommands();
    this.drawNav();
    this.ctx.backend.onLive((ev) => this.onLive(ev));
    window.addEventListener('keydown', (e) => this.keys(e));
    window.addEventListener('hashchange', () => this.applyRoute());
    onLangChange(() => {
      this.queue.draw();
      this.detail.render();
      this.newCase.redraw();
      this.orders.draw();
      this.alarms.render();
      this.planner.draw();
    });
    const camera = prefs().camera;
    const route = readRoute();
    if (route.at) this.ctx.view.map.jumpTo({ center: [route.at[0], route.at[1]], zoom: route.at[2] });
    else if (camera && !this.host.startedAtView) this.ctx.view.map.jumpTo(camera);
    let saveTimer = 0;
    this.ctx.view.map.on('moveend', () => {
      window.clearTimeout(saveTimer);
      saveTimer = window.setTimeout(() => {
        const c = this.ctx.view.map.getCenter();
        savePrefs({ camera: { center: [c.lng, c.lat], zoom: this.ctx.view.map.getZoom() } });
      }, 400);
    });
    this.setWorkspace(route.view ?? (localStorageHas() ? prefs().workspace : homeOf(this.ctx.me)), false);
    if (route.case) this.openCase(route.case);
    void this.alarms.refresh();
    document.body.dataset.workflows = 'ready';
  }

  private applyRoute(): void {
    const r = readRoute();
    if (r.view && r.view !== this.ws) this.setWorkspace(r.view, false);
    if (r.case && r.case !== this.detail.caseId) this.openCase(r.case);
    if (!r.case && this.detail.caseId) this.closeCase();
  }

  private route(): void {
    writeRoute({ view: this.ws, case: this.detail.caseId ?? undefined });
  }

  private restoreLayers(): void {
    const saved = prefs().layers;
    let changed = false;
    for (const [k, on] of Object.entries(saved)) {
      const tgl = k as Toggle;
      if (this.host.isLayerOn(tgl) !== on) { this.host.setLayer(tgl, on); changed = true; }
    }
    if (changed) this.host.rerender();
  }

  /** Inserts the workspace tabs and tools into the (re-rendered) header. */
  decorateHeader(header: HTMLElement): void {
    this.drawNav();
    header.querySelector('.brand')?.after(this.nav);
    header.querySelector('.tools')?.prepend(this.tools);
  }

  private drawNav(): void {
    // Keys 1…n in tab order (the keyboard handler counts the same way); the key is in each
    // tab's tooltip and the shortcut list (?), not on the tab, so six tabs fit beside the counters.
    const tabs = this.spaces.map((w, i) => h('button', {
      type: 'button', class: `ws-tab ${w === this.ws ? 'on' : ''}`, 'data-testid': `ws-${w}`, 'data-ws': w,
      title: `${t(`ws.${w}`)} (${i + 1})`, onclick: () => this.setWorkspace(w),
    }, t(`ws.${w}`)));
    // The briefing is a page of its own (full screen, no personal data), not a workspace.
    const briefing = h('a', { class: 'ws-tab ws-link', 'data-testid': 'ws-briefing', href: `briefing.html?lang=${lang()}` }, t('nav.briefing'));
    this.nav.replaceChildren(...tabs, briefing);
    this.tools.replaceChildren(
      this.alarms.chip,
      h('button', { type: 'button', class: 'btn', 'data-testid': 'palette-open', title: t('keys.palette'), onclick: () => this.palette.open() }, t('palette.button'), kbd('Ctrl K')),
      h('button', { type: 'button', class: 'btn', 'data-testid': 'shortcuts-open', title: t('keys.help'), onclick: () => this.showHelp() }, '?'));
  }

  get workspace(): Workspace { return this.ws; }

  setWorkspace(asked: Workspace, remember = true): void {
    // A workspace this role does not have (a deep link, another user's prefs): the map.
    const ws = this.spaces.includes(asked) ? asked : 'map';
    this.ws = ws;
    if (remember) savePrefs({ workspace: ws });
    for (const w of this.spaces) document.body.classList.toggle(`ws-${w}`, w === ws);
    if (ws === 'planner') this.planner.activate(); else this.planner.deactivate();
    void this.host.reports.show(ws === 'dashboard' || ws === 'risk' ? ws : 'map');
    document.body.classList.remove('layers-pop');
    if (ws !== 'ops' && this.newOpen) this.closeNew();
    this.layout();
    this.drawNav();
    this.route();
    if (ws === 'ops') void this.queue.refresh();
    if (ws === 'orders') void this.orders.refresh();
  }

  /** Puts each workspace's panels into the docks and tells the map how much room they take. */
  private layout(): void {
    const ws = this.ws;
    const leftPanel = ws === 'ops' ? (this.newOpen ? this.newCase.el : this.queue.el) : ws === 'orders' ? this.orders.el
      : ws === 'planner' ? this.planner.left : null;
    const rightPanel = ws === 'planner' ? this.planner.right
      : REPORTS.has(ws) ? null
        : this.detail.caseId || this.detail.el.childElementCount ? this.detail.el : null;
    this.left.replaceChildren(...(leftPanel ? [leftPanel] : []));
    this.right.replaceChildren(...(rightPanel ? [rightPanel] : []));
    document.body.classList.toggle('has-left', !!leftPanel);
    document.body.classList.toggle('has-right', !!rightPanel);
    this.left.style.width = `${LEFT_WIDTH[ws]}px`;
    this.right.style.width = `${ws === 'planner' ? 520 : RIGHT_WIDTH}px`;
    document.body.style.setProperty('--left-w', leftPanel ? `${LEFT_WIDTH[ws] + 12}px` : '0px');
    document.body.style.setProperty('--right-w', rightPanel ? `${(ws === 'planner' ? 520 : RIGHT_WIDTH) + 12}px` : '0px');
    this.ctx.view.setPadding({
      left: leftPanel ? LEFT_WIDTH[ws] + 40 : 300,
      right: rightPanel ? (ws === 'planner' ? 560 : RIGHT_WIDTH + 40) : 280,
    });
  }

  /** Opens a case in the detail panel; true when it did (the start-up's map click asks). */
  openCase(id: string): boolean {
    // The case's panel lives in the operators' workspaces.
    if (this.ws === 'planner' || REPORTS.has(this.ws)) this.setWorkspace('ops');
    void this.detail.open(id);
    this.queue.setSelected(id);
    this.layout();
    this.route();
    return true;
  }

  closeCase(): void {
    this.detail.close();
    this.queue.setSelected(null);
    this.layout();
    this.route();
  }

  openNew(): void {
    if (!this.ctx.acts) { toast(t('detail.readOnly'), 'info'); return; }
    if (this.ws !== 'ops') this.setWorkspace('ops');
    this.newOpen = true;
    this.layout();
    this.newCase.open();
  }

  closeNew(): void {
    this.newOpen = false;
    this.newCase.closed();
    this.layout();
    this.queue.focusList();
  }

  private onLive(ev: LiveEvent): void {
    this.queue.onLive(ev);
    this.detail.onLive(ev);
    this.orders.onLive(ev);
    this.alarms.onLive(ev);
  }

  private showHelp(): void {
    const rows: [string, string][] = [
      ['Ctrl K', t('keys.palette')], [`1 – ${this.spaces.length}`, t('keys.workspaces')], ['N', t('keys.newCase')], ['/', t('keys.search')],
      ['J / K · ↓ / ↑', t('keys.move')], ['Esc', t('keys.close')], ['A', t('keys.ackAll')], ['L', t('keys.layers')], ['?', t('keys.help')],
      ['D · C · T · M · O', t('keys.caseActions1')], ['S · V · B · R · E · X', t('keys.caseActions2')], ['Ctrl ↵', t('keys.submit')],
    ];
    this.help.replaceChildren(h('div', { class: 'palette help' },
      h('h2', {}, t('keys.help')),
      h('table', {}, ...rows.map(([k, v]) => h('tr', {}, h('td', {}, kbd(k)), h('td', {}, v))))));
    this.help.hidden = false;
    this.help.onclick = () => { this.help.hidden = true; };
  }

  private keys(e: KeyboardEvent): void {
    if ((e.ctrlKey || e.metaKey) && (e.key === 'k' || e.key === 'K' || e.key === 'p')) {
      e.preventDefault();
      if (this.palette.isOpen) this.palette.close(); else this.palette.open();
      return;
    }
    if (e.key === 'Escape') {
      if (!this.help.hidden) { this.help.hidden = true; return; }
      if (this.palette.isOpen) { this.palette.close(); return; }
      if (document.body.classList.contains('layers-pop')) { document.body.classList.remove('layers-pop'); return; }
      if (typing(e)) return;
      if (this.newOpen) { this.closeNew(); return; }
      if (this.detail.caseId) { this.closeCase(); return; }
      return;
    }
    // A panel that handled the key itself (the queue list's j/k) has had its say: moving
    // again here would step two rows.
    if (e.defaultPrevented || typing(e) || e.ctrlKey || e.metaKey || e.altKey || this.palette.isOpen) return;
    const k = e.key;
    const ws = this.spaces[Number(k) - 1];
    if (ws) { e.preventDefault(); this.setWorkspace(ws); return; }
    switch (k) {
      case 'n': case 'N': e.preventDefault(); this.openNew(); return;
      case '/': e.preventDefault(); (document.querySelector('[data-testid=search-input]') as HTMLInputElement | null)?.focus(); return;
      case '?': e.preventDefault(); this.showHelp(); return;
      case 'j': case 'ArrowDown': if (this.ws === 'ops') { e.preventDefault(); this.queue.move(1); } return;
      case 'k': case 'ArrowUp': if (this.ws === 'ops') { e.preventDefault(); this.queue.move(-1); } return;
      case 'a': case 'A': if (this.alarms.count) { e.preventDefault(); void this.alarms.acknowledgeAll(); } return;
      case 'l': case 'L': e.preventDefault(); document.body.classList.toggle('layers-pop'); return;
      default:
        if (this.detail.caseId && /^[a-zA-Z]$/.test(k) && this.detail.key(k)) e.preventDefault();
    }
  }

  private registerCommands(): void {
    const ws = (w: Workspace): Command => ({ id: `ws:${w}`, title: () => t('palette.goWorkspace', { ws: t(`ws.${w}`) }), group: () => t('palette.groupView'), run: () => this.setWorkspace(w) });
    const layer = (tg: Toggle, label: () => string): Command => ({
      id: `layer:${tg}`, title: () => t('palette.toggleLayer', { layer: label() }), group: () => t('panel.title'),
      run: () => { this.host.setLayer(tg, !this.host.isLayerOn(tg)); this.host.rerender(); },
    });
    this.palette.register([
      ...this.spaces.map(ws),
      { id: 'case:new', title: () => t('queue.new'), keys: 'N', group: () => t('palette.groupCase'), run: () => this.openNew(), when: () => this.ctx.acts },
      { id: 'alarm:ack', title: () => t('alarm.ackAll'), keys: 'A', group: () => t('palette.groupCase'), run: () => { void this.alarms.acknowledgeAll(); }, when: () => this.alarms.count > 0 },
      { id: 'case:close', title: () => t('palette.closeCase'), keys: 'Esc', group: () => t('palette.groupCase'), run: () => this.closeCase(), when: () => !!this.detail.caseId },
      { id: 'queue:breached', title: () => t('palette.filterBreached'), group: () => t('queue.title'), run: () => { this.setWorkspace('ops'); this.queue.only({ clock: 'breached' }); } },
      { id: 'queue:reported', title: () => t('palette.filterReported'), group: () => t('queue.title'), run: () => { this.setWorkspace('ops'); this.queue.only({ stage: 'reported' }); } },
      { id: 'queue:clear', title: () => t('queue.clear'), group: () => t('queue.title'), run: () => { this.setWorkspace('ops'); this.queue.only({}); } },
      layer('gaps', () => t('layer.gaps')), layer('circle.appeal', () => t('layer.circle.appeal')), layer('buildings', () => t('layer.buildings')),
      layer('cases', () => t('layer.cases')), layer('cameras', () => t('layer.cameras')), layer('subgrids', () => t('layer.subgrids')),
      { id: 'view:theme', title: () => t('palette.theme'), group: () => t('palette.groupView'), run: () => this.host.switchTheme() },
      { id: 'view:lang', title: () => t('palette.lang'), group: () => t('palette.groupView'), run: () => this.host.switchLang() },
      { id: 'view:link', title: () => t('palette.copyLink'), group: () => t('palette.groupView'), run: () => { void copyLink(); } },
      { id: 'view:help', title: () => t('keys.help'), keys: '?', group: () => t('palette.groupView'), run: () => this.showHelp() },
    ]);
  }
}

function localStorageHas(): boolean {
  try { return localStorage.getItem('onemap.prefs') !== null; } catch { return false; }
}

async function copyLink(): Promise<void> {
  try {
    await navigator.clipboard.writeText(location.href);
    toast(t('palette.copied'), 'ok');
  } catch (e) {
    toast(errorText(e), 'error');
  }
}

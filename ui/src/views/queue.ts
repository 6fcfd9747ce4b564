// The live case queue: every open case the signed-in role may see, the nearest deadline first,
// each row with the countdown of its next clock (ticking each second on the server's clock).
// Filters by stage, level, warning grade, street / community / sub-grid, channel, matter and
// clock state are kept across restarts. New and changed cases arrive through the live stream:
// the queue reloads itself (the server filters and sorts) and flashes the rows that are new.
import type { LiveEvent, QueueFilter, QueuePage, QueueRow } from '../backend';
import { t, tk } from '../i18n';
import { h } from '../ui/dom';
import { Countdowns, shortTime } from './clock';
import { CHANNELS, OPEN_STAGES, channelName, clockName, errorText, gradeName, stageName, type Ctx } from './context';
import { prefs, savePrefs } from './prefs';
import { button, fill, kbd, select } from './ui';

const PAGE = 100;
type ListKey = 'stage' | 'level' | 'grade' | 'clock';

function listOf(f: QueueFilter, k: ListKey): string[] {
  return (f[k] ?? '').split(',').filter(Boolean);
}

export class QueuePanel {
  readonly el = h('section', { class: 'dock-panel queue', 'data-testid': 'queue' });
  private filters: QueueFilter = { ...prefs().filters };
  private page: QueuePage | null = null;
  private limit = PAGE;
  private known = new Set<string>();
  private fresh = new Set<string>();
  /** What the rows on screen were drawn from. */
  private drawn = '';
  private selected: string | null = null;
  private cursor = -1;
  private timer = 0;
  private loading: Promise<void> | null = null;
  private again = false;
  private readonly cd: Countdowns;
  private readonly list = h('div', { class: 'q-list', 'data-testid': 'queue-list', tabindex: '0' });
  private readonly summary = h('div', { class: 'q-summary', 'data-testid': 'queue-summary' });
  private readonly filtersEl = h('div', { class: 'q-filters' });

  constructor(private readonly ctx: Ctx, private readonly onNew: () => void) {
    this.cd = new Countdowns(ctx.clock);
    // The street operator's queue is its street's: the server scopes it; the filter shows it.
    const own = ctx.me?.principal.street;
    if (own && !(this.filters.unit ?? '').startsWith(own)) this.filters.unit = own;
    // Clock states move on the server without an event per second: reload now and then.
    window.setInterval(() => { if (this.el.isConnected) void this.refresh(); }, 20_000);
    this.list.addEventListener('keydown', (e) => this.keys(e));
    this.draw();
  }

  /** Reloads the queue (a reload asked for while one runs happens once after it). */
  refresh(): Promise<void> {
    if (this.loading) { this.again = true; return this.loading; }
    this.loading = (async () => {
      try {
        const page = await this.ctx.backend.queue({ ...this.filters, limit: this.limit });
        this.ctx.clock.observe(page.now);
        const first = this.page === null;
        for (const r of page.rows) {
          if (!first && !this.known.has(r.case.id)) this.fresh.add(r.case.id);
          this.known.add(r.case.id);
        }
        this.page = page;
        this.drawRows(false);
      } catch (e) {
        this.list.replaceChildren(h('div', { class: 'q-empty error' }, errorText(e)));
      } finally {
        this.loading = null;
        if (this.again) { this.again = false; void this.refresh(); }
      }
    })();
    return this.loading;
  }

  onLive(ev: LiveEvent): void {
    if (ev.type !== 'case' && ev.type !== 'order') return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => { void this.refresh(); }, 250);
  }

  /** Marks the case shown in the detail panel. */
  setSelected(id: string | null): void {
    this.selected = id;
    for (const row of this.list.querySelectorAll<HTMLElement>('.qrow')) row.classList.toggle('sel', row.dataset.id === id);
  }

  rows(): QueueRow[] { return this.page?.rows ?? []; }

  /** Moves the keyboard cursor by `d` rows and opens that case. */
  move(d: number): void {
    const rows = this.rows();
    if (!rows.length) return;
    const at = this.selected ? rows.findIndex((r) => r.case.id === this.selected) : this.cursor;
    this.cursor = Math.max(0, Math.min(rows.length - 1, (at < 0 ? -1 : at) + d));
    const r = rows[this.cursor];
    if (r) {
      this.ctx.openCase(r.case.id);
      this.list.querySelector<HTMLElement>(`.qrow[data-id="${CSS.escape(r.case.id)}"]`)?.scrollIntoView({ block: 'nearest' });
    }
  }

  focusList(): void { this.list.focus(); }

  /** Replaces every filter (the street operator keeps its street). */
  only(f: QueueFilter): void {
    const own = this.ctx.me?.principal.street;
    this.filters = own ? { unit: own } : {};
    this.setFilter(f);
  }

  focusSearch(): void { this.el.querySelector<HTMLInputElement>('[data-testid=queue-search]')?.focus(); }

  private keys(e: KeyboardEvent): void {
    if (e.key === 'ArrowDown' || e.key === 'j') { e.preventDefault(); this.move(1); }
    else if (e.key === 'ArrowUp' || e.key === 'k') { e.preventDefault(); this.move(-1); }
  }

  private setFilter(patch: QueueFilter): void {
    this.filters = { ...this.filters, ...patch };
    for (const [k, v] of Object.entries(this.filters)) if (v === '' || v === undefined) delete (this.filters as Record<string, unknown>)[k];
    savePrefs({ filters: this.filters });
    this.limit = PAGE;
    this.draw();
    void this.refresh();
  }

  private chips(k: ListKey, values: readonly string[], label: (v: string) => string): HTMLElement {
    const on = new Set(listOf(this.filters, k));
    return h('div', { class: 'chips', 'data-testid': `filter-${k}` }, ...values.map((v) => {
      const b = button(label(v), () => {
        if (on.has(v)) on.delete(v); else on.add(v);
        this.setFilter({ [k]: values.filter((x) => on.has(x)).join(',') });
      }, { 'data-value': v, 'aria-pressed': on.has(v) ? 'true' : 'false' }, `chip ${on.has(v) ? 'on' : ''}`);
      return b;
    }));
  }

  /** Street › community › sub-grid: the most specific choice is the `unit` filter. */
  private unitSelects(): HTMLElement {
    const d = this.ctx.dir;
    const unit = this.filters.unit ?? '';
    const own = this.ctx.me?.principal.street ?? null;
    const street = unit.slice(0, 9);
    const community = unit.length >= 12 ? unit.slice(0, 12) : '';
    const subgrid = unit.length >= 15 ? unit : '';
    const all = (what: string): [string, string] => ['', t('queue.all', { what })];
    const s = select([...(own ? [] : [all(t('unit.street'))]), ...d.streets.filter((x) => !own || x.code === own).map((x): [string, string] => [x.code, x.name])],
      street, { 'data-testid': 'filter-street', 'aria-label': t('unit.street') });
    const c = select([all(t('unit.community')), ...d.communities.filter((x) => x.street === street).map((x): [string, string] => [x.code, x.name])],
      community, { 'data-testid': 'filter-community', 'aria-label': t('unit.community') });
    const g = select([all(t('unit.subgrid')), ...d.subgrids.filter((x) => x.community === community).map((x): [string, string] => [x.code, x.name])],
      subgrid, { 'data-testid': 'filter-subgrid', 'aria-label': t('unit.subgrid') });
    if (!street) c.disabled = true;
    if (!community) g.disabled = true;
    s.addEventListener('change', () => this.setFilter({ unit: s.value }));
    c.addEventListener('change', () => this.setFilter({ unit: c.value || street }));
    g.addEventListener('change', () => this.setFilter({ unit: g.value || community }));
    return h('div', { class: 'q-units' }, s, c, g);
  }

  /** Draws the filters and rows again (also after a language switch). */
  draw(): void {
    const search = h('input', {
      type: 'search', class: 'q-search', 'data-testid': 'queue-search', placeholder: t('queue.search'), value: this.filters.q ?? '',
    });
    let timer = 0;
    search.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => this.setFilterKeepFocus(search.value.trim()), 300);
    });
    search.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') { e.preventDefault(); this.list.focus(); this.move(1); }
    });
    const channel = select([['', t('queue.all', { what: t('popup.channel') })], ...CHANNELS.map((c): [string, string] => [c, channelName(c)])],
      this.filters.channel ?? '', { 'data-testid': 'filter-channel', 'aria-label': t('popup.channel') });
    channel.addEventListener('change', () => this.setFilter({ channel: channel.value }));
    const domains = new Map<string, { name: string; items: [string, string][] }>();
    for (const m of this.ctx.matters) {
      const d = domains.get(m.domain) ?? { name: m.domain_name, items: [] };
      d.items.push([m.code, `${m.code} ${m.name}`]);
      domains.set(m.domain, d);
    }
    const matter = h('select', { class: 'sel', 'data-testid': 'filter-matter', 'aria-label': t('popup.matter') },
      h('option', { value: '' }, t('queue.all', { what: t('popup.matter') })),
      ...[...domains.values()].map((d) => h('optgroup', { label: d.name },
        ...d.items.map(([v, l]) => h('option', { value: v, selected: v === this.filters.matter }, l)))));
    matter.addEventListener('change', () => this.setFilter({ matter: matter.value }));
    const active = Object.keys(this.filters).filter((k) => k !== 'unit' || !this.ctx.me?.principal.street).length > 0;
    this.filtersEl.replaceChildren(
      h('div', { class: 'q-row' },
        search,
        this.ctx.acts ? button(t('queue.new'), this.onNew, { 'data-testid': 'new-case', title: t('keys.newCase') }, 'primary') : null),
      h('div', { class: 'q-row' }, h('span', { class: 'q-label' }, t('queue.stage')), this.chips('stage', OPEN_STAGES, stageName)),
      h('div', { class: 'q-row' }, h('span', { class: 'q-label' }, t('queue.clock')),
        this.chips('clock', ['breached', 'at_risk', 'running'], (c) => tk(`clockstate.${c}`, c)),
        h('span', { class: 'q-label' }, t('queue.grade')), this.chips('grade', ['1', '2', '3'], (g) => gradeName(Number(g)))),
      h('div', { class: 'q-row' }, h('span', { class: 'q-label' }, t('queue.level')), this.chips('level', ['L1', 'L2', 'L3'], (l) => tk(`caselevel.${l}`, l))),
      h('div', { class: 'q-row' }, this.unitSelects()),
      h('div', { class: 'q-row' }, channel, matter,
        active ? button(t('queue.clear'), () => this.only({}), { 'data-testid': 'filter-clear' }, 'sm') : null),
    );
    this.el.replaceChildren(
      h('header', { class: 'dock-head' }, h('h2', {}, t('queue.title')), h('span', { class: 'dock-keys' }, kbd('J'), kbd('K'), t('keys.move'))),
      this.filtersEl, this.summary, this.list);
    this.drawRows();
  }

  private setFilterKeepFocus(q: string): void {
    this.setFilter({ q });
    const s = this.el.querySelector<HTMLInputElement>('[data-testid=queue-search]');
    if (s) { s.focus(); s.setSelectionRange(s.value.length, s.value.length); }
  }

  private drawRows(force = true): void {
    const page = this.page;
    // Reloads come often (every live change); rows stay put unless something shown changed.
    const sig = page ? JSON.stringify([page.total, page.rows.map((r) => [r.case.id, r.case.version, r.clock_state, r.next_clock?.due_at, r.open_orders, r.possible_duplicates])]) : '';
    if (!force && sig === this.drawn && this.list.childElementCount) return;
    this.drawn = sig;
    this.cd.clear();
    if (!page) {
      this.summary.textContent = t('queue.loading');
      return;
    }
    const breached = page.rows.filter((r) => r.clock_state === 'breached').length;
    const atRisk = page.rows.filter((r) => r.clock_state === 'at_risk').length;
    fill(this.summary,
      h('span', {}, t('queue.total', { n: page.total })),
      breached ? h('span', { class: 'bad' }, t('queue.breached', { n: breached })) : null,
      atRisk ? h('span', { class: 'warn' }, t('queue.atRisk', { n: atRisk })) : null);
    if (!page.rows.length) {
      this.list.replaceChildren(h('div', { class: 'q-empty' }, t('queue.empty')));
      return;
    }
    const rows = page.rows.map((r) => this.row(r));
    if (page.total > page.rows.length) {
      rows.push(h('div', { class: 'q-more' }, button(t('queue.more', { n: page.total - page.rows.length }), () => {
        this.limit += PAGE;
        void this.refresh();
      }, { 'data-testid': 'queue-more' }, 'sm')));
    }
    this.list.replaceChildren(...rows);
    this.cd.tick();
    window.setTimeout(() => this.fresh.clear(), 4000);
  }

  private row(r: QueueRow): HTMLElement {
    const c = r.case;
    const next = r.next_clock;
    const count = h('div', { class: 'q-count', 'data-testid': 'countdown' });
    const box = h('div', { class: 'q-clock' }, h('div', { class: 'q-clock-kind' }, next ? clockName(next.kind) : '—'), count);
    if (next) this.cd.add(count, next.due_at, box);
    const place = c.place ? `${c.place.street.name} · ${c.place.subgrid.name}` : t('detail.unlocated');
    const el = h('div', {
      class: `qrow g${c.grade} cs-${r.clock_state} ${this.fresh.has(c.id) ? 'arrived' : ''} ${c.id === this.selected ? 'sel' : ''}`,
      'data-testid': 'queue-row', 'data-id': c.id, 'data-stage': c.state, 'data-clock': r.clock_state, role: 'button', tabindex: '-1',
      onclick: () => this.ctx.openCase(c.id),
    },
    h('div', { class: 'q-bar' }),
    h('div', { class: 'q-main' },
      h('div', { class: 'q-line1' },
        h('span', { class: 'q-id' }, c.id),
        h('span', { class: 'q-matter' }, c.matter_name),
        h('span', { class: `stage st-${c.state}` }, stageName(c.state)),
        h('span', { class: 'lvl' }, c.level)),
      h('div', { class: 'q-line2' }, `${place} · ${channelName(c.channel)} · ${shortTime(c.reported_at)}`)),
    box,
    h('div', { class: 'q-badges' },
      r.open_orders ? h('span', { class: 'badge-sm order', title: t('queue.openOrders') }, t('queue.orders', { n: r.open_orders })) : null,
      r.possible_duplicates ? h('span', { class: 'badge-sm dup', title: t('detail.duplicates') }, t('queue.dups', { n: r.possible_duplicates })) : null));
    return el;
  }

}

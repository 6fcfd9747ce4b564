// The orders board (社区发令、部门执行): every department with its open orders and their
// deadlines (arrive by, resolve by, counting down), what is overdue now, and its lateness over
// all orders it was given (arrived late, resolved late, on-time rate) — the figures that count in
// the departments' performance review. Departments with orders overdue come first.
import type { DepartmentColumn, LiveEvent, OrderView, OrdersBoard } from '../backend';
import { t, tk } from '../i18n';
import { h } from '../ui/dom';
import { Countdowns, shortTime } from './clock';
import { errorText, type Ctx } from './context';
import { button } from './ui';

export class OrdersPanel {
  readonly el = h('section', { class: 'dock-panel orders', 'data-testid': 'orders-board' });
  private board: OrdersBoard | null = null;
  private timer = 0;
  private loading: Promise<void> | null = null;
  private onlyActive = true;
  private readonly cd: Countdowns;

  constructor(private readonly ctx: Ctx) {
    this.cd = new Countdowns(ctx.clock);
    window.setInterval(() => { if (this.el.isConnected) void this.refresh(); }, 30_000);
    this.draw();
  }

  refresh(): Promise<void> {
    this.loading ??= this.ctx.backend.ordersBoard()
      .then((b) => {
        this.ctx.clock.observe(b.now);
        // Redrawn only when something shown changed (live events come often).
        const changed = JSON.stringify(b.departments) !== JSON.stringify(this.board?.departments);
        this.board = b;
        if (changed) this.draw();
      })
      .catch((e: unknown) => { this.el.replaceChildren(h('div', { class: 'q-empty error' }, errorText(e))); })
      .finally(() => { this.loading = null; });
    return this.loading;
  }

  onLive(ev: LiveEvent): void {
    if (ev.type !== 'order' && !(ev.type === 'alarm' && ev.detail?.startsWith('order'))) return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => { if (this.el.isConnected) void this.refresh(); }, 300);
  }

  /** Every department of the catalogue, with the board's figures where it has orders. */
  private columns(): DepartmentColumn[] {
    const cols = this.board?.departments ?? [];
    const seen = new Set(cols.map((c) => c.department));
    const idle = this.ctx.departments.filter((d) => !seen.has(d.code)).map((d): DepartmentColumn => ({
      department: d.code, name: d.name, open: [], overdue: 0, total: 0, arrived_late: 0, resolved_late: 0, on_time_rate: 1,
    }));
    return this.onlyActive ? cols : [...cols, ...idle];
  }

  /** Draws the board again (also after a language switch). */
  draw(): void {
    this.cd.clear();
    const cols = this.columns();
    const all = this.board?.departments ?? [];
    const open = all.reduce((n, c) => n + c.open.length, 0);
    const overdue = all.reduce((n, c) => n + c.overdue, 0);
    const total = all.reduce((n, c) => n + c.total, 0);
    const late = all.reduce((n, c) => n + c.arrived_late + c.resolved_late, 0);
    const toggle = h('input', { type: 'checkbox', checked: !this.onlyActive, 'data-testid': 'orders-all' });
    toggle.addEventListener('change', () => { this.onlyActive = !toggle.checked; this.draw(); });
    this.el.replaceChildren(
      h('header', { class: 'dock-head' }, h('h2', {}, t('orders.title')),
        h('label', { class: 'toggle-inline' }, toggle, t('orders.showAll'))),
      h('div', { class: 'o-summary', 'data-testid': 'orders-summary' },
        this.stat(t('orders.open'), open),
        this.stat(t('orders.overdue'), overdue, overdue ? 'bad' : ''),
        this.stat(t('orders.total'), total),
        this.stat(t('orders.late'), late, late ? 'warn' : '')),
      h('div', { class: 'o-table' },
        h('div', { class: 'o-row o-th' },
          h('span', {}, t('orders.department')), h('span', {}, t('orders.open')), h('span', {}, t('orders.overdue')),
          h('span', {}, t('orders.total')), h('span', {}, t('orders.arrivedLate')), h('span', {}, t('orders.resolvedLate')),
          h('span', {}, t('orders.onTime'))),
        ...(cols.length ? cols.map((c) => this.department(c)) : [h('div', { class: 'q-empty' }, this.board ? t('orders.none') : t('queue.loading'))])));
    this.cd.tick();
  }

  private stat(label: string, n: number, cls = ''): HTMLElement {
    return h('div', { class: `o-stat ${cls}` }, h('div', { class: 'v' }, n.toLocaleString()), h('div', { class: 'k' }, label));
  }

  private department(c: DepartmentColumn): HTMLElement {
    const rate = Math.round(c.on_time_rate * 1000) / 10;
    const bar = h('span', { class: 'rate' }, h('span', { class: 'rate-fill' }), h('span', { class: 'rate-v' }, c.total ? `${rate}%` : '—'));
    (bar.firstChild as HTMLElement).style.width = c.total ? `${rate}%` : '0';
    bar.classList.toggle('low', c.total > 0 && rate < 95);
    return h('div', { class: `o-dept ${c.overdue ? 'has-overdue' : ''} ${c.total ? '' : 'idle'}`, 'data-testid': 'orders-department', 'data-code': c.department },
      h('div', { class: 'o-row' },
        h('strong', {}, c.name ?? c.department),
        h('span', { 'data-testid': 'dept-open' }, String(c.open.length)),
        h('span', { class: c.overdue ? 'bad' : '', 'data-testid': 'dept-overdue' }, String(c.overdue)),
        h('span', {}, String(c.total)),
        h('span', { class: c.arrived_late ? 'warn' : '' }, String(c.arrived_late)),
        h('span', { class: c.resolved_late ? 'warn' : '' }, String(c.resolved_late)),
        bar),
      c.open.length ? h('ul', { class: 'o-open' }, ...c.open.map((o) => this.order(o))) : null);
  }

  private order(o: OrderView): HTMLElement {
    const deadline = (label: string, due: string, doneAt: string | null, late: boolean) => {
      const cnt = h('span', { class: 'cnt' });
      const box = h('span', { class: `o-dl ${late ? 'late' : ''}` }, `${label} ${shortTime(due)} `, cnt);
      if (doneAt) cnt.textContent = t('order.doneAt', { t: shortTime(doneAt) });
      else this.cd.add(cnt, due, box);
      return box;
    };
    const step = async (a: 'acknowledge' | 'arrive') => {
      try {
        await this.ctx.backend.orderAct(o.id, { action: a, version: o.version });
        this.ctx.toast(t('detail.done', { action: tk(`order.${a}`, a), id: o.id }), 'ok');
      } catch (e) { this.ctx.toast(errorText(e), 'error'); }
      await this.refresh();
    };
    const steps = this.ctx.acts ? o.actions.filter((a): a is 'acknowledge' | 'arrive' => a !== 'report')
      .map((a) => button(tk(`order.${a}`, a), () => { void step(a); }, { 'data-testid': `board-${a}` }, 'sm primary')) : [];
    return h('li', { class: `o-item ${o.overdue ? 'overdue' : ''}`, 'data-testid': 'board-order', 'data-id': o.id, 'data-case': o.case_id },
      h('span', { class: `o-state os-${o.state}` }, tk(`orderstate.${o.state}`, o.state)),
      h('button', { type: 'button', class: 'link', onclick: () => this.ctx.openCase(o.case_id) }, o.case_id),
      h('span', { class: 'muted' }, `${o.issuer_name ?? o.issuer_unit} · ${tk(`rank.${o.leader_rank}`, o.leader_rank)}`),
      deadline(t('order.arriveBy'), o.arrive_by, o.arrived_at, o.arrive_late),
      deadline(t('order.resolveBy'), o.resolve_by, o.reported_at, o.resolve_late),
      ...steps,
      o.actions.includes('report') && this.ctx.acts ? button(t('order.report'), () => this.ctx.openCase(o.case_id), {}, 'sm') : null);
  }

}

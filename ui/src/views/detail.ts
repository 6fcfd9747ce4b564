// Case detail: everything about one case and what may be done with it now. The timeline with
// actors and times, the clocks counting down, the case on the map with its sub-grid, the nearest
// station of each service and the other open cases within 500 m, the reporter (masked unless the
// role may see personal data), possible duplicates to confirm or dismiss, department orders with
// their steps, and the actions the current stage allows.
//
// Every action carries the version of the case the operator saw. A stale one comes back as a
// `conflict` with the case as it is now: the panel shows what changed and the fresh state, and the
// operator decides again. Only when the changes in between are the deadline scheduler's own clock
// marks (at risk, breached) — nothing an operator decided on — and the action is still allowed is
// it retried once by itself.
import {
  BackendError, type ActionRequest, type CaseAction, type CaseActionName, type CaseDetail, type ClockView,
  type EventView, type LiveEvent, type NearView, type OrderView,
} from '../backend';
import { t, tk } from '../i18n';
import { h } from '../ui/dom';
import { Countdowns, fullTime, shortTime } from './clock';
import {
  STAGES, channelName, clockName, departmentName, errorText, gradeName, stageName, type Ctx,
} from './context';
import { button, field, kbd, kv, section, select } from './ui';

type FormName = 'dispatch' | 'issue_order' | 'submit' | 'reject' | 'approve' | 'correct' | 'reopen' | `report:${string}`;

/** The buttons of the action bar, in order, with their shortcut keys. */
const ACTIONS: { name: CaseActionName; key: string; form?: FormName; primary?: boolean }[] = [
  { name: 'dispatch', key: 'D', form: 'dispatch', primary: true },
  { name: 'correct', key: 'X', form: 'correct' },
  { name: 'accept', key: 'C', primary: true },
  { name: 'notice', key: 'T' },
  { name: 'meet', key: 'M' },
  { name: 'submit', key: 'S', form: 'submit', primary: true },
  { name: 'approve', key: 'V', form: 'approve', primary: true },
  { name: 'reject', key: 'B', form: 'reject' },
  { name: 'reopen', key: 'R', form: 'reopen' },
  { name: 'issue_order', key: 'O', form: 'issue_order' },
  { name: 'escalate', key: 'E' },
];

const RANKS = ['staff', 'section', 'division', 'bureau'] as const;
const CLOCK_EVENTS = new Set(['clock_at_risk', 'clock_breached']);

interface Conflict { action: string; seen: number; between: EventView[] }

/** The case as it is now, when `e` is a write refused as stale (`conflict`). */
function stale(e: unknown): CaseDetail | null {
  return e instanceof BackendError && e.code === 'conflict' && e.current ? e.current : null;
}

export class DetailPanel {
  readonly el = h('section', { class: 'dock-panel detail', 'data-testid': 'detail' });
  private d: CaseDetail | null = null;
  private conflict: Conflict | null = null;
  /** The open inline form, kept across refreshes (with what was typed) and its case version. */
  private form: { name: FormName; el: HTMLElement; version: number } | null = null;
  private updatedBy: string | null = null;
  private busy = false;
  private loadSeq = 0;
  private want: string | null = null;
  private readonly cd: Countdowns;

  constructor(private readonly ctx: Ctx, private readonly onClose: () => void) {
    this.cd = new Countdowns(ctx.clock);
  }

  /** The case shown, or being opened. */
  get caseId(): string | null { return this.want; }
  get detail(): CaseDetail | null { return this.d; }

  /** Loads and shows a case; `fly` moves the map to it. */
  async open(id: string, fly = true): Promise<void> {
    const seq = ++this.loadSeq;
    this.want = id;
    if (this.d?.case.id !== id) {
      this.conflict = null;
      this.form = null;
      this.updatedBy = null;
      this.el.replaceChildren(h('div', { class: 'd-loading' }, t('queue.loading')));
    }
    try {
      const d = await this.ctx.backend.caseDetail(id);
      if (seq !== this.loadSeq) return;
      this.show(d, fly);
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.d = null;
      this.el.replaceChildren(
        h('header', { class: 'dock-head' }, h('h2', {}, id), button('×', () => this.onClose(), { 'aria-label': t('common.close') }, 'icon')),
        h('div', { class: 'd-error', 'data-testid': 'detail-error' }, errorText(e)));
    }
  }

  close(): void {
    this.loadSeq += 1;
    this.want = null;
    this.d = null;
    this.form = null;
    this.conflict = null;
    this.ctx.focus.show(null);
    this.ctx.view.highlight('');
    this.el.replaceChildren();
  }

  /** A live change of this case (by someone else, or the scheduler) reloads it. */
  onLive(ev: LiveEvent): void {
    const d = this.d;
    if (!d) return;
    const mine = (ev.type === 'case' && String(ev.feature.properties?.id ?? '') === d.case.id && ev.version > d.case.version)
      || (ev.type === 'order' && ev.case_id === d.case.id)
      || (ev.type === 'alarm' && ev.case_id === d.case.id);
    if (!mine || this.busy) return;
    void this.ctx.backend.caseDetail(d.case.id).then((fresh) => {
      if (this.d?.case.id !== fresh.case.id || fresh.case.version <= (this.d?.case.version ?? 0)) return;
      const last = fresh.events[fresh.events.length - 1];
      if (last && last.actor !== this.ctx.me?.principal.user) this.updatedBy = `${this.actorName(last.actor)} · ${tk(`event.${last.kind}`, last.kind)} · ${shortTime(last.at)}`;
      this.show(fresh, false);
    }).catch((e: unknown) => console.error(e));
  }

  /** Presses an action's button by its shortcut key; false when the key means nothing here. */
  key(k: string): boolean {
    const d = this.d;
    if (!d) return false;
    const a = ACTIONS.find((x) => x.key === k.toUpperCase() && d.actions.includes(x.name));
    if (!a) return false;
    this.trigger(a);
    return true;
  }

  private trigger(a: (typeof ACTIONS)[number]): void {
    if (a.form) this.openForm(a.form);
    else void this.act({ action: a.name } as CaseAction);
  }

  private show(d: CaseDetail, fly: boolean): void {
    this.d = d;
    this.ctx.clock.observe(d.now);
    if (this.form && !this.form.name.startsWith('report:') && !d.actions.includes(this.form.name as CaseActionName)) {
      // The form's action no longer applies; keep it so a submit shows the conflict, unless it was ours.
      if (this.form.version === d.case.version) this.form = null;
    }
    this.render();
    this.showOnMap(d, fly);
  }

  private showOnMap(d: CaseDetail, fly: boolean): void {
    const c = d.case;
    if (c.lon === null || c.lat === null) { this.ctx.focus.show(null); return; }
    this.ctx.focus.show({
      case: { id: c.id, lon: c.lon, lat: c.lat, grade: c.grade },
      stations: d.nearest_stations.map((s) => ({ service: s.service, id: s.id, name: s.name, lon: s.lon, lat: s.lat, distance_m: s.distance_m })),
      nearby: d.nearby.filter((n) => n.lon !== null && n.lat !== null).map((n) => ({ id: n.id, lon: n.lon ?? 0, lat: n.lat ?? 0, grade: n.grade })),
    });
    this.ctx.view.highlight(c.place?.subgrid.code ?? '');
    if (fly) this.ctx.view.flyToPoint(c.lon, c.lat, Math.max(this.ctx.view.map.getZoom(), 15.5));
  }

  /** Draws the panel again (also after a language switch). */
  render(): void {
    const d = this.d;
    if (!d) return;
    const c = d.case;
    this.cd.clear();
    const place = c.place;
    // A redraw (a live change, the clock) keeps where the operator was: the scroll position of
    // the same case and the focused field of an open form (its nodes are kept across redraws).
    const sameCase = this.el.dataset.id === c.id;
    const scrolled = sameCase ? this.el.querySelector('.d-scroll')?.scrollTop ?? 0 : 0;
    const active = document.activeElement instanceof HTMLElement && this.el.contains(document.activeElement) ? document.activeElement : null;
    this.el.dataset.id = c.id;
    this.el.dataset.stage = c.state;
    this.el.dataset.version = String(c.version);
    this.el.replaceChildren(
      h('header', { class: 'dock-head d-head' },
        h('div', { class: 'd-title' },
          h('span', { class: 'd-id', 'data-testid': 'detail-id' }, c.id),
          h('span', { class: `badge grade-${c.grade}` }, gradeName(c.grade)),
          h('span', { class: 'lvl' }, tk(`caselevel.${c.level}`, c.level)),
          h('span', { class: `stage st-${c.state}`, 'data-testid': 'detail-stage' }, stageName(c.state))),
        button('×', () => this.onClose(), { 'aria-label': t('common.close'), 'data-testid': 'detail-close', title: 'Esc' }, 'icon')),
      h('div', { class: 'd-scroll' },
        h('div', { class: 'd-matter' }, h('strong', {}, c.matter_name), h('span', {}, ` · ${c.matter}`)),
        place ? h('div', { class: 'd-place' },
          ...[place.street, place.community, place.subgrid].flatMap((u, i) => [
            i ? h('span', { class: 'sep' }, '›') : null,
            h('button', { type: 'button', class: 'link', onclick: () => { void this.goTo(u.code); } }, u.name)]))
          : h('div', { class: 'd-place' }, t('detail.unlocated')),
        this.stepper(c.state, c.level),
        this.updatedBy ? h('div', { class: 'd-note info', 'data-testid': 'detail-updated' }, t('detail.updatedBy', { who: this.updatedBy })) : null,
        this.conflict ? this.conflictBox(this.conflict) : null,
        this.clocks(d.clocks, d.orders),
        this.actionBar(d),
        this.form ? this.form.el : null,
        section(t('detail.info'),
          kv(t('popup.channel'), channelName(c.channel)),
          kv(t('popup.reportedAt'), fullTime(c.reported_at)),
          kv(t('detail.people'), String(c.people)),
          kv(t('detail.money'), c.money_yuan ? `¥${c.money_yuan.toLocaleString()}` : '—'),
          kv(t('detail.urgency'), tk(`urgency.${c.urgency}`, c.urgency)),
          kv(t('detail.tier'), tk(`tier.${c.tier}`, c.tier)),
          kv(t('detail.unit'), c.unit ? (c.unit_name ?? this.unitLabel(c.unit)) : '—', { 'data-testid': 'detail-unit' }),
          c.building_id ? kv(t('unit.building'), c.building_id) : null,
          c.camera_id ? kv(t('layer.cameras'), c.camera_id) : null,
          kv(t('detail.escalations'), String(c.escalations)),
          this.reporter(d)),
        section(t('detail.description'), h('p', { class: 'd-desc', 'data-testid': 'detail-description' }, c.description)),
        d.orders.length ? section(t('detail.orders'), ...d.orders.map((o) => this.order(o))) : null,
        d.duplicates.length ? section(t('detail.duplicates'), ...d.duplicates.map((n) => this.duplicate(n, d))) : null,
        d.camera_alerts.length ? section(t('detail.cameraAlerts'), h('ul', { class: 'd-list' },
          ...d.camera_alerts.map((a) => h('li', {}, `${shortTime(a.at)} · ${a.camera_id} · ${tk(`camera.${a.event_type}`, a.event_type)}`)))) : null,
        section(t('detail.nearest'), h('ul', { class: 'd-list', 'data-testid': 'detail-stations' },
          ...d.nearest_stations.map((s) => h('li', {}, h('span', { class: `svc svc-${s.service}` }, tk(`service.${s.service}`, s.service)),
            ` ${s.name}`, h('span', { class: 'muted' }, ` ${Math.round(s.distance_m)} m`))))),
        section(t('detail.nearby', { n: d.nearby.length }), d.nearby.length
          ? h('ul', { class: 'd-list', 'data-testid': 'detail-nearby' }, ...d.nearby.slice(0, 8).map((n) => this.near(n)))
          : h('p', { class: 'muted' }, t('detail.noNearby'))),
        section(t('detail.timeline'), this.timeline(d.events))),
    );
    const scroll = this.el.querySelector('.d-scroll');
    if (scroll) scroll.scrollTop = scrolled;
    if (active?.isConnected && document.activeElement !== active) active.focus({ preventScroll: true });
    this.cd.tick();
  }

  private unitLabel(code: string): string {
    return this.ctx.dir.unit(code)?.name ?? departmentName(this.ctx, code) ?? tk(`tier.${code}`, code);
  }

  private async goTo(code: string): Promise<void> {
    try {
      const u = await this.ctx.backend.unit(code);
      this.ctx.view.fitBbox(u.bbox);
    } catch (e) { this.ctx.toast(errorText(e), 'error'); }
  }

  private stepper(state: string, level: string): HTMLElement {
    const at = STAGES.indexOf(state as (typeof STAGES)[number]);
    return h('ol', { class: 'stepper', 'aria-label': t('detail.stage') }, ...STAGES.map((s, i) =>
      h('li', { class: i < at ? 'done' : i === at ? 'cur' : '' }, h('span', { class: 'dot' }), h('span', {}, stageName(s)))),
    level === 'L1' && state === 'reported' ? h('li', { class: 'hint' }, t('detail.l1Hint')) : null);
  }

  private conflictBox(c: Conflict): HTMLElement {
    return h('div', { class: 'd-note conflict', 'data-testid': 'detail-conflict', role: 'alert' },
      h('strong', {}, t('detail.conflictTitle')),
      h('p', {}, t('detail.conflictText', { action: tk(`action.${c.action}`, c.action), v: c.seen, now: this.d?.case.version ?? '?' })),
      h('ul', {}, ...c.between.map((e) => h('li', {}, `${shortTime(e.at)} · ${this.actorName(e.actor)} · ${tk(`event.${e.kind}`, e.kind)}${e.detail ? ` (${this.detailText(e)})` : ''}`))),
      button(t('detail.conflictOk'), () => { this.conflict = null; this.render(); }, { 'data-testid': 'conflict-ok' }, 'sm'));
  }

  private clocks(clocks: ClockView[], orders: OrderView[]): HTMLElement {
    const orderOf = (id: string | null) => orders.find((o) => o.id === id);
    return h('div', { class: 'd-clocks', 'data-testid': 'detail-clocks' }, ...clocks.map((k) => {
      const count = h('span', { class: 'cnt' });
      const box = h('div', { class: `clk cs-${k.status}`, 'data-kind': k.kind, 'data-status': k.status },
        h('span', { class: 'name' }, k.order_id ? `${clockName(k.kind)} · ${departmentName(this.ctx, orderOf(k.order_id)?.department)}` : clockName(k.kind)),
        count,
        h('span', { class: 'st' }, tk(`clockstate.${k.status}`, k.status)));
      if (k.met_at) count.textContent = t('clock.metAt', { t: shortTime(k.met_at) });
      else this.cd.add(count, k.due_at, box);
      return box;
    }));
  }

  private actionBar(d: CaseDetail): HTMLElement {
    if (!this.ctx.acts) return h('div', { class: 'd-readonly' }, t('detail.readOnly'));
    const items = ACTIONS.filter((a) => d.actions.includes(a.name)).map((a) => {
      const b = button('', () => this.trigger(a), { 'data-testid': `action-${a.name}`, title: a.key }, a.primary ? 'primary' : '');
      b.append(tk(`action.${a.name}`, a.name), kbd(a.key));
      if (this.busy) b.disabled = true;
      return b;
    });
    if (!items.length) return h('div', { class: 'd-readonly' }, t('detail.noActions'));
    return h('div', { class: 'd-actions', 'data-testid': 'detail-actions' }, ...items);
  }

  private openForm(name: FormName): void {
    const d = this.d;
    if (!d) return;
    if (this.form?.name === name) { this.form.el.querySelector<HTMLElement>('select, textarea, input')?.focus(); return; }
    const el = this.buildForm(name, d);
    this.form = { name, el, version: d.case.version };
    this.render();
    el.querySelector<HTMLElement>('select, textarea, input')?.focus();
  }

  private closeForm(): void { this.form = null; this.render(); }

  private buildForm(name: FormName, d: CaseDetail): HTMLElement {
    const c = d.case;
    const note = (label: string, required: boolean) => h('textarea', {
      class: 'inp', rows: '2', 'data-testid': 'form-note', placeholder: label, ...(required ? { required: true } : {}),
    });
    const submit = (label: string) => h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'form-send' }, label, kbd('Ctrl+↵'));
    const cancel = button(t('common.cancel'), () => this.closeForm(), { 'data-testid': 'form-cancel' });
    const form = h('form', { class: 'd-form', 'data-testid': `form-${name.split(':')[0]}` });
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); this.closeForm(); }
    });
    const on = (f: () => ActionRequest | null) => form.addEventListener('submit', (e) => {
      e.preventDefault();
      const req = f();
      if (req) void this.act(req, this.form?.version);
    });
    const title = (k: string) => h('div', { class: 'd-form-title' }, k);
    switch (true) {
      case name === 'dispatch': {
        const p = c.place;
        const opts: [string, string][] = [];
        if (p) {
          opts.push([p.subgrid.code, `${t('unit.subgrid')} · ${p.subgrid.name}`]);
          opts.push([p.community.code, `${t('unit.community')} · ${p.community.name}`]);
          opts.push([p.street.code, `${t('unit.street')} · ${p.street.name}`]);
        }
        for (const dep of this.departmentsFor(c.matter)) opts.push([dep.code, `${t('detail.department')} · ${dep.name}`]);
        const to = select(opts, opts[0]?.[0] ?? '', { 'data-testid': 'dispatch-unit', 'aria-label': t('detail.dispatchTo') });
        const n = note(t('detail.noteOptional'), false);
        form.append(title(t('action.dispatch')), field(t('detail.dispatchTo'), to), field(t('detail.note'), n), h('div', { class: 'd-form-buttons' }, submit(t('action.dispatch')), cancel));
        on(() => ({ action: 'dispatch', unit: to.value, version: 0, note: n.value.trim() || undefined }));
        break;
      }
      case name === 'issue_order': {
        const deps = this.departmentsFor(c.matter);
        const dep = select(deps.map((x): [string, string] => [x.code, x.name]), deps[0]?.code ?? '', { 'data-testid': 'order-department' });
        const rank = select(RANKS.map((r): [string, string] => [r, tk(`rank.${r}`, r)]), 'section', { 'data-testid': 'order-rank' });
        const arrive = h('input', { type: 'number', class: 'inp', min: '1', max: '1440', value: '30', 'data-testid': 'order-arrive' });
        const resolve = h('input', { type: 'number', class: 'inp', min: '1', max: '43200', value: '240', 'data-testid': 'order-resolve' });
        const issuer = select([['community', t('detail.issuerCommunity', { n: c.place?.community.name ?? '' })], ['street', t('detail.issuerStreet', { n: c.place?.street.name ?? '' })]],
          'community', { 'data-testid': 'order-issuer' });
        const n = note(t('detail.noteOptional'), false);
        form.append(title(t('action.issue_order')), field(t('detail.department'), dep), field(t('detail.rank'), rank),
          h('div', { class: 'd-form-row' }, field(t('detail.arriveIn'), arrive), field(t('detail.resolveIn'), resolve)),
          field(t('detail.issuer'), issuer), field(t('detail.note'), n), h('div', { class: 'd-form-buttons' }, submit(t('action.issue_order')), cancel));
        on(() => ({
          action: 'issue_order', department: dep.value, leader_rank: rank.value as (typeof RANKS)[number],
          arrive_in_minutes: Number(arrive.value), resolve_in_minutes: Number(resolve.value),
          issuer: issuer.value as 'community' | 'street', version: 0, note: n.value.trim() || undefined,
        }));
        break;
      }
      case name === 'approve': {
        const outcome = select([['resolved', t('outcome.resolved')], ['unresolved', t('outcome.unresolved')]], 'resolved', { 'data-testid': 'approve-outcome' });
        const n = note(t('detail.noteOptional'), false);
        form.append(title(t('action.approve')), field(t('detail.outcome'), outcome), field(t('detail.note'), n), h('div', { class: 'd-form-buttons' }, submit(t('action.approve')), cancel));
        on(() => ({ action: 'approve', outcome: outcome.value as 'resolved' | 'unresolved', version: 0, note: n.value.trim() || undefined }));
        break;
      }
      case name === 'submit' || name === 'reject' || name === 'correct' || name === 'reopen': {
        const required = name === 'submit' || name === 'reject';
        const label = t(`detail.note.${name}` as 'detail.note.submit');
        const n = note(label, required);
        form.append(title(tk(`action.${name}`, name)), field(label, n), h('div', { class: 'd-form-buttons' }, submit(tk(`action.${name}`, name)), cancel));
        on(() => {
          const text = n.value.trim();
          if (required && !text) { n.focus(); return null; }
          return { action: name, version: 0, note: text || undefined } as ActionRequest;
        });
        break;
      }
      default: {
        // A department's report on an order: resolved or not, and what was done.
        const orderId = name.slice('report:'.length);
        const resolved = select([['true', t('detail.orderResolved')], ['false', t('detail.orderUnresolved')]], 'true', { 'data-testid': 'report-resolved' });
        const n = note(t('detail.note.report'), true);
        form.append(title(t('order.report')), field(t('detail.outcome'), resolved), field(t('detail.note.report'), n), h('div', { class: 'd-form-buttons' }, submit(t('order.report')), cancel));
        form.addEventListener('submit', (e) => {
          e.preventDefault();
          const text = n.value.trim();
          if (!text) { n.focus(); return; }
          const o = this.d?.orders.find((x) => x.id === orderId);
          if (o) void this.orderStep(o, { action: 'report', version: o.version, resolved: resolved.value === 'true', result: text });
        });
      }
    }
    return form;
  }

  /** Departments for a matter: those whose domains cover it first. */
  private departmentsFor(matter: string) {
    const domain = this.ctx.matters.find((m) => m.code === matter)?.domain ?? '';
    return [...this.ctx.departments]
      .sort((a, b) => Number(b.domains.includes(domain)) - Number(a.domains.includes(domain)) || a.code.localeCompare(b.code));
  }

  /** Takes an action at the version shown (or the form's), handling a stale version. */
  private async act(req: CaseAction & { note?: string; version?: number }, formVersion?: number, retried = false): Promise<void> {
    const d = this.d;
    if (!d || this.busy) return;
    const seen = formVersion ?? d.case.version;
    this.busy = true;
    this.render();
    try {
      const fresh = await this.ctx.backend.act(d.case.id, { ...req, version: seen } as ActionRequest);
      this.form = null;
      this.conflict = null;
      this.updatedBy = null;
      this.busy = false;
      this.show(fresh, false);
      this.ctx.toast(t('detail.done', { action: tk(`action.${req.action}`, req.action), id: fresh.case.id }), 'ok');
    } catch (e) {
      this.busy = false;
      const fresh = stale(e);
      if (fresh) {
        const between = fresh.events.filter((ev) => ev.version > seen);
        const onlyClocks = between.every((ev) => ev.actor === 'scheduler' && CLOCK_EVENTS.has(ev.kind));
        if (onlyClocks && !retried && fresh.actions.includes(req.action as CaseActionName)) {
          this.d = fresh;
          await this.act(req, fresh.case.version, true);
          return;
        }
      }
      this.failed(e, req.action, seen, seen);
    }
  }

  /** Shows why a write failed: a stale one as the conflict over the case as it is now (with
   *  the events after `since`, the case version the write was made at, when there is one), any
   *  other error as a toast. */
  private failed(e: unknown, action: string, seen: number, since: number | null): void {
    const fresh = stale(e);
    if (!fresh) {
      this.render();
      this.ctx.toast(errorText(e), 'error');
      return;
    }
    this.conflict = { action, seen, between: since === null ? [] : fresh.events.filter((ev) => ev.version > since) };
    // An open form now acts on the fresh version (the operator has seen what changed).
    if (this.form) this.form.version = fresh.case.version;
    this.show(fresh, false);
  }

  private async orderStep(o: OrderView, req: Parameters<Ctx['backend']['orderAct']>[1]): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const fresh = await this.ctx.backend.orderAct(o.id, req);
      this.busy = false;
      if (this.form?.name === `report:${o.id}`) this.form = null;
      this.show(fresh, false);
      this.ctx.toast(t('detail.done', { action: tk(`order.${req.action}`, req.action), id: o.id }), 'ok');
    } catch (e) {
      this.busy = false;
      // The order's version is its own, not the case's: no case events to list.
      this.failed(e, `order.${req.action}`, o.version, null);
    }
  }

  private order(o: OrderView): HTMLElement {
    const arrive = h('span', { class: 'cnt' });
    const resolve = h('span', { class: 'cnt' });
    const arriveBox = h('span', { class: `o-dl ${o.arrive_late ? 'late' : ''}` }, `${t('order.arriveBy')} ${shortTime(o.arrive_by)} `, arrive);
    const resolveBox = h('span', { class: `o-dl ${o.resolve_late ? 'late' : ''}` }, `${t('order.resolveBy')} ${shortTime(o.resolve_by)} `, resolve);
    if (o.arrived_at) arrive.textContent = t('order.arrivedAt', { t: shortTime(o.arrived_at) });
    else this.cd.add(arrive, o.arrive_by, arriveBox);
    if (o.reported_at) resolve.textContent = t('order.reportedAt', { t: shortTime(o.reported_at) });
    else this.cd.add(resolve, o.resolve_by, resolveBox);
    const steps = this.ctx.acts ? o.actions.map((a) => {
      if (a === 'report') return button(t('order.report'), () => { this.openForm(`report:${o.id}`); }, { 'data-testid': 'order-report' }, 'sm');
      return button(tk(`order.${a}`, a), () => { void this.orderStep(o, { action: a, version: o.version }); }, { 'data-testid': `order-${a}` }, 'sm primary');
    }) : [];
    return h('div', { class: `o-card ${o.overdue ? 'overdue' : ''}`, 'data-testid': 'detail-order', 'data-id': o.id, 'data-state': o.state },
      h('div', { class: 'o-head' }, h('strong', {}, o.department_name ?? o.department), h('span', { class: 'muted' }, ` ${o.id}`),
        h('span', { class: `o-state os-${o.state}` }, tk(`orderstate.${o.state}`, o.state))),
      h('div', { class: 'o-meta' }, t('order.meta', { issuer: o.issuer_name ?? o.issuer_unit, rank: tk(`rank.${o.leader_rank}`, o.leader_rank), by: o.issued_by, at: shortTime(o.issued_at) })),
      h('div', { class: 'o-deadlines' }, arriveBox, resolveBox),
      o.result ? h('div', { class: 'o-result' }, `${o.resolved ? '✔' : '✘'} ${o.result}`) : null,
      steps.length ? h('div', { class: 'o-steps' }, ...steps) : null);
  }

  private duplicate(n: NearView, d: CaseDetail): HTMLElement {
    const decide = (decision: 'confirm' | 'dismiss') => async () => {
      try {
        const fresh = await this.ctx.backend.decideDuplicate(d.case.id, d.case.version, n.id, decision);
        this.show(fresh, false);
        this.ctx.toast(t(decision === 'confirm' ? 'detail.dupConfirmed' : 'detail.dupDismissed', { id: n.id }), 'ok');
      } catch (e) {
        this.failed(e, 'decide_duplicate', d.case.version, d.case.version);
      }
    };
    const decided = n.decision ? h('span', { class: `dup-dec ${n.decision}` }, tk(`dup.${n.decision}`, n.decision)) : null;
    return h('div', { class: 'dup', 'data-testid': 'detail-duplicate', 'data-id': n.id, 'data-decision': n.decision ?? '' },
      h('div', {}, h('button', { type: 'button', class: 'link', onclick: () => this.ctx.openCase(n.id) }, n.id), ` · ${n.matter_name} · ${stageName(n.state)}`),
      h('div', { class: 'muted' }, t('detail.dupMeta', { m: Math.round(n.distance_m), min: Math.abs(n.minutes_apart) }), ` · ${n.description}`),
      decided ?? (this.ctx.acts && d.actions.includes('decide_duplicate') ? h('div', { class: 'dup-buttons' },
        button(t('detail.dupConfirm'), () => { void decide('confirm')(); }, { 'data-testid': 'dup-confirm' }, 'sm'),
        button(t('detail.dupDismiss'), () => { void decide('dismiss')(); }, { 'data-testid': 'dup-dismiss' }, 'sm')) : null));
  }

  private near(n: NearView): HTMLElement {
    return h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => this.ctx.openCase(n.id) }, n.id),
      ` ${n.matter_name} · ${stageName(n.state)}`, h('span', { class: 'muted' }, ` ${Math.round(n.distance_m)} m`));
  }

  private reporter(d: CaseDetail): HTMLElement {
    const r = d.case.reporter;
    const value = r.name || r.phone
      ? h('span', { 'data-testid': 'detail-reporter', 'data-masked': r.masked ? 'true' : 'false' },
        `${r.name ?? '—'} · ${r.phone ?? '—'}`, r.masked ? h('span', { class: 'masked', title: t('detail.maskedHint') }, ` 🔒 ${t('detail.masked')}`) : null)
      : h('span', { 'data-testid': 'detail-reporter', 'data-masked': 'false' }, t('detail.anonymous'));
    return kv(t('detail.reporter'), value);
  }

  private actorName(actor: string): string { return actor === 'scheduler' ? t('detail.system') : actor; }

  private detailText(e: EventView): string {
    if (!e.detail) return '';
    switch (e.kind) {
      case 'dispatched': return this.unitLabel(e.detail);
      case 'approved': return tk(`outcome.${e.detail}`, e.detail);
      case 'escalated':
      case 'reported': return tk(`tier.${e.detail}`, e.detail);
      case 'clock_at_risk':
      case 'clock_breached': return clockName(e.detail.split(' ')[0] ?? e.detail);
      default: return e.detail;
    }
  }

  private timeline(events: EventView[]): HTMLElement {
    return h('ol', { class: 'timeline', 'data-testid': 'detail-timeline' }, ...[...events].reverse().map((e) =>
      h('li', { class: `ev ev-${e.kind}`, 'data-kind': e.kind },
        h('div', { class: 'ev-head' },
          h('span', { class: 'ev-kind' }, tk(`event.${e.kind}`, e.kind)),
          e.detail ? h('span', { class: 'ev-detail' }, this.detailText(e)) : null,
          h('span', { class: 'ev-time' }, fullTime(e.at))),
        h('div', { class: 'ev-actor' }, this.actorName(e.actor)),
        e.note ? h('div', { class: 'ev-note' }, e.note) : null)));
  }

}

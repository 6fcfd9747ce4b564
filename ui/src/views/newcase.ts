// A new case, as hall staff file one: where (an address or building id typed with suggestions,
// a sub-grid, coordinates, or a click on the map), the matter (typed, from the 217 of the
// catalogue), what the citizen says, and who they are. The server proposes the sub-grid, the
// handling level, the warning grade, the deadlines, the nearest stations and any possible
// duplicates as the form fills in. Everything works from the keyboard: Enter takes a suggestion
// and moves on, Ctrl+Enter files, Esc closes.
import type { Matter, NewCaseForm, Proposal, ProposeForm, SearchHit } from '../backend';
import { t, tk } from '../i18n';
import { h } from '../ui/dom';
import { shortTime } from './clock';
import { CHANNELS, channelName, errorText, gradeName, type Ctx } from './context';
import { button, field, fill, kbd, select } from './ui';

interface Where { label: string; lon?: number; lat?: number; building_id?: string }

/** A text input with a list of suggestions under it, driven from the keyboard. */
class Combo<T> {
  readonly input: HTMLInputElement;
  readonly list = h('ul', { class: 'combo-list', role: 'listbox' });
  readonly el: HTMLElement;
  private items: T[] = [];
  private at = 0;
  private seq = 0;
  private timer = 0;
  /** The text the shown suggestions were found for. */
  private shownFor = '';

  constructor(
    testid: string, placeholder: string,
    private readonly find: (q: string) => Promise<T[]> | T[],
    private readonly label: (x: T) => [string, string],
    private readonly onPick: (x: T) => void,
    private readonly onEnterFree?: (q: string) => boolean,
  ) {
    this.input = h('input', { type: 'text', class: 'inp', 'data-testid': testid, placeholder, autocomplete: 'off', role: 'combobox' });
    this.el = h('div', { class: 'combo' }, this.input, this.list);
    this.input.addEventListener('input', () => {
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => { void this.run(); }, 120);
    });
    this.input.addEventListener('keydown', (e) => this.keys(e));
    this.input.addEventListener('blur', () => window.setTimeout(() => this.hide(), 150));
  }

  /** Runs the search for what is typed now (also called before Enter takes the first hit). */
  async run(): Promise<void> {
    const q = this.input.value.trim();
    const mine = ++this.seq;
    if (!q) { this.items = []; this.draw(); return; }
    try {
      const items = await this.find(q);
      if (mine !== this.seq) return;
      this.items = items;
      this.shownFor = q;
      this.at = 0;
      this.draw();
    } catch { this.items = []; this.draw(); }
  }

  hide(): void { this.list.replaceChildren(); }

  private draw(): void {
    this.list.replaceChildren(...this.items.map((x, i) => {
      const [main, sub] = this.label(x);
      return h('li', {
        class: i === this.at ? 'on' : '', role: 'option', 'data-testid': 'combo-option',
        onmousedown: (e: Event) => { e.preventDefault(); this.pick(x); },
      }, h('span', {}, main), h('span', { class: 'muted' }, sub));
    }));
  }

  private pick(x: T): void {
    // A search still running must not bring the list back.
    this.seq += 1;
    window.clearTimeout(this.timer);
    this.items = [];
    const [main] = this.label(x);
    this.input.value = main;
    this.hide();
    this.onPick(x);
  }

  private keys(e: KeyboardEvent): void {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!this.items.length) return;
      e.preventDefault();
      this.at = (this.at + (e.key === 'ArrowDown' ? 1 : this.items.length - 1)) % this.items.length;
      this.draw();
    } else if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      window.clearTimeout(this.timer);
      const q = this.input.value.trim();
      if (this.onEnterFree?.(q)) { this.hide(); return; }
      const shown = this.items[this.at];
      if (shown && this.shownFor === q) this.pick(shown);
      else void this.run().then(() => { const x = this.items[0]; if (x) this.pick(x); });
    } else if (e.key === 'Tab' && this.list.childElementCount) {
      const x = this.items[this.at];
      if (x) this.pick(x);
    } else if (e.key === 'Escape' && this.list.childElementCount) {
      e.preventDefault();
      e.stopPropagation();
      this.hide();
    }
  }
}

export class NewCasePanel {
  readonly el = h('section', { class: 'dock-panel newcase', 'data-testid': 'new-case-panel' });
  private where: Where | null = null;
  private matter: Matter | null = null;
  private proposal: Proposal | null = null;
  /** The matter the proposal was made for (null: only the place is known). */
  private proposalFor: string | null = null;
  private proposing = 0;
  private openedAt = 0;
  private readonly proposalEl = h('div', { class: 'nc-proposal', 'data-testid': 'proposal' });
  private readonly placeEl = h('div', { class: 'nc-place', 'data-testid': 'nc-place' });
  private readonly errorEl = h('div', { class: 'nc-error', 'data-testid': 'nc-error', role: 'alert' });
  private readonly fields = {
    description: h('textarea', { class: 'inp', rows: '3', 'data-testid': 'nc-description', placeholder: '' }),
    channel: select(CHANNELS.map((c): [string, string] => [c, channelName(c)]), 'hall', { 'data-testid': 'nc-channel' }),
    people: h('input', { type: 'number', class: 'inp', min: '1', value: '1', 'data-testid': 'nc-people' }),
    money: h('input', { type: 'number', class: 'inp', min: '0', value: '0', step: '100', 'data-testid': 'nc-money' }),
    urgency: select(['normal', 'high', 'critical'].map((u): [string, string] => [u, tk(`urgency.${u}`, u)]), 'normal', { 'data-testid': 'nc-urgency' }),
    level: select([['', t('new.levelProposed')], ['L1', 'L1'], ['L2', 'L2'], ['L3', 'L3']], '', { 'data-testid': 'nc-level' }),
    name: h('input', { type: 'text', class: 'inp', 'data-testid': 'nc-name', autocomplete: 'off' }),
    phone: h('input', { type: 'tel', class: 'inp', 'data-testid': 'nc-phone', autocomplete: 'off' }),
  };
  private readonly location: Combo<SearchHit>;
  private readonly matterBox: Combo<Matter>;
  private busy = false;

  constructor(private readonly ctx: Ctx, private readonly onClose: () => void, private readonly onFiled: (id: string) => void) {
    this.location = new Combo<SearchHit>('nc-location', t('new.locationHint'),
      async (q) => (await ctx.backend.search(q, 8)).filter((x) => ['building', 'subgrid', 'station'].includes(x.kind)),
      (x) => [x.label, `${tk(`unit.${x.kind}`, x.kind)} · ${x.context}`],
      (x) => {
        const lon = (x.bbox[0] + x.bbox[2]) / 2;
        const lat = (x.bbox[1] + x.bbox[3]) / 2;
        this.setWhere(x.kind === 'building' ? { label: x.label, building_id: x.id } : { label: x.label, lon, lat });
        ctx.view.flyToPoint(lon, lat, Math.max(ctx.view.map.getZoom(), 16));
        this.matterBox.input.focus();
      },
      (q) => {
        // `113.93,22.75` (longitude, latitude) is taken as it is.
        const m = /^\s*(\d{2,3}\.\d+)\s*[,，\s]\s*(\d{1,2}\.\d+)\s*$/.exec(q);
        if (!m) return false;
        this.setWhere({ label: q, lon: Number(m[1]), lat: Number(m[2]) });
        this.matterBox.input.focus();
        return true;
      });
    this.matterBox = new Combo<Matter>('nc-matter', t('new.matterHint'),
      (q) => {
        const s = q.toLowerCase();
        return ctx.matters.filter((m) => m.code.toLowerCase().startsWith(s) || m.name.includes(q) || m.domain_name.includes(q)).slice(0, 8);
      },
      (m) => [m.name, `${m.code} · ${m.domain_name} · ${m.default_level}`],
      (m) => { this.matter = m; void this.propose(); this.fields.description.focus(); });
    let again = 0;
    for (const f of [this.fields.people, this.fields.money, this.fields.urgency]) {
      f.addEventListener('input', () => { window.clearTimeout(again); again = window.setTimeout(() => { void this.propose(); }, 200); });
    }
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); void this.file(); }
      else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); this.onClose(); }
    });
    this.draw();
  }

  /** Opens the form empty, the location field focused; map clicks place the case. */
  open(): void {
    this.openedAt = performance.now();
    this.where = null;
    this.matter = null;
    this.proposal = null;
    this.location.input.value = '';
    this.matterBox.input.value = '';
    this.fields.description.value = '';
    this.fields.people.value = '1';
    this.fields.money.value = '0';
    this.fields.urgency.value = 'normal';
    this.fields.level.value = '';
    this.fields.name.value = '';
    this.fields.phone.value = '';
    this.fields.channel.value = 'hall';
    this.errorEl.textContent = '';
    this.drawPlace();
    this.drawProposal();
    this.ctx.view.setClickHandler((at) => {
      this.setWhere({ label: `${at[0].toFixed(6)}, ${at[1].toFixed(6)}`, lon: at[0], lat: at[1] });
      this.location.input.value = this.where?.label ?? '';
    });
    window.setTimeout(() => this.location.input.focus(), 0);
  }

  /** Stops taking map clicks and clears the marker. */
  closed(): void {
    this.ctx.view.setClickHandler(null);
    this.ctx.focus.pick(null);
  }

  private setWhere(w: Where): void {
    this.where = w;
    this.drawPlace();
    void this.propose();
  }

  /** Draws the form again, keeping what was typed (also after a language switch). */
  redraw(): void {
    this.draw();
    this.drawPlace();
    this.drawProposal();
  }

  private draw(): void {
    const f = this.fields;
    f.description.placeholder = t('new.descriptionHint');
    this.el.replaceChildren(
      h('header', { class: 'dock-head' }, h('h2', {}, t('new.title')),
        h('span', { class: 'dock-keys' }, kbd('Ctrl+↵'), t('new.file'), kbd('Esc'), t('common.close')),
        button('×', () => this.onClose(), { 'aria-label': t('common.close') }, 'icon')),
      h('form', { class: 'nc-form', onsubmit: (e: Event) => { e.preventDefault(); void this.file(); } },
        field(t('new.location'), this.location.el, t('new.locationMap')),
        this.placeEl,
        field(t('popup.matter'), this.matterBox.el),
        field(t('detail.description'), f.description),
        h('div', { class: 'd-form-row' }, field(t('popup.channel'), f.channel), field(t('detail.people'), f.people),
          field(t('detail.money'), f.money), field(t('detail.urgency'), f.urgency)),
        h('div', { class: 'd-form-row' }, field(t('new.reporterName'), f.name), field(t('new.reporterPhone'), f.phone), field(t('new.level'), f.level)),
        this.proposalEl,
        this.errorEl,
        h('div', { class: 'd-form-buttons' },
          h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'nc-submit' }, t('new.file'), kbd('Ctrl+↵')),
          button(t('common.cancel'), () => this.onClose()))));
  }

  private drawPlace(): void {
    const p = this.proposal?.place;
    this.placeEl.textContent = p ? `${p.street.name} › ${p.community.name} › ${p.subgrid.name}` : this.where ? t('new.locating') : t('new.noLocation');
    this.ctx.focus.pick(this.proposal ? [this.proposal.lon, this.proposal.lat] : this.where?.lon !== undefined && this.where.lat !== undefined ? [this.where.lon, this.where.lat] : null);
  }

  private point(): Pick<ProposeForm, 'lon' | 'lat' | 'building_id'> {
    const w = this.where;
    if (!w) return {};
    return w.building_id ? { building_id: w.building_id } : { lon: w.lon, lat: w.lat };
  }

  private form(): ProposeForm | null {
    if (!this.where || !this.matter) return null;
    const money = Number(this.fields.money.value);
    return {
      matter: this.matter.code,
      ...this.point(),
      people: Math.max(1, Math.round(Number(this.fields.people.value) || 1)),
      money_yuan: Number.isFinite(money) && money > 0 ? money : undefined,
      urgency: this.fields.urgency.value as ProposeForm['urgency'],
    };
  }

  /** Asks the server for the proposal. With only a location known it asks with the first matter
   * of the catalogue to learn the place; the matter's own figures wait for the matter. */
  private async propose(): Promise<void> {
    if (!this.where) return;
    const form = this.form() ?? { matter: this.ctx.matters[0]?.code ?? '', ...this.point() };
    const mine = ++this.proposing;
    try {
      const p = await this.ctx.backend.propose(form);
      if (mine !== this.proposing) return;
      this.proposal = p;
      this.proposalFor = this.matter?.code ?? null;
      this.errorEl.textContent = '';
    } catch (e) {
      if (mine !== this.proposing) return;
      this.proposal = null;
      this.errorEl.textContent = errorText(e);
    }
    this.drawPlace();
    this.drawProposal();
  }

  private drawProposal(): void {
    const p = this.proposal;
    if (!p || !this.matter || this.proposalFor !== this.matter.code) {
      this.proposalEl.replaceChildren(h('div', { class: 'muted' }, t('new.proposalHint')));
      return;
    }
    fill(this.proposalEl,
      h('div', { class: 'nc-prop-title' }, t('new.proposed')),
      h('div', { class: 'nc-prop-grid' },
        h('div', {}, h('span', { class: 'k' }, t('new.level')), h('strong', { 'data-testid': 'prop-level' }, p.level)),
        h('div', {}, h('span', { class: 'k' }, t('new.grade')), h('span', { class: `badge grade-${p.grade}`, 'data-testid': 'prop-grade' }, gradeName(p.grade))),
        h('div', {}, h('span', { class: 'k' }, t('detail.tier')), h('strong', {}, tk(`tier.${p.tier}`, p.tier))),
        h('div', {}, h('span', { class: 'k' }, t('unit.subgrid')), h('strong', { 'data-testid': 'prop-subgrid', 'data-code': p.place.subgrid.code }, p.place.subgrid.name))),
      h('div', { class: 'nc-deadlines' }, t('new.deadlines', { n: shortTime(p.deadlines.notice), m: shortTime(p.deadlines.meet), r: shortTime(p.deadlines.resolve) })),
      h('div', { class: 'nc-stations' }, ...p.nearest_stations.map((s) => h('span', { class: `svc svc-${s.service}` }, `${tk(`service.${s.service}`, s.service)} ${s.name} ${Math.round(s.distance_m)} m`))),
      p.possible_duplicates.length ? h('div', { class: 'd-note warn', 'data-testid': 'prop-duplicates' },
        t('new.duplicates', { n: p.possible_duplicates.length, ids: p.possible_duplicates.map((d) => d.id).join('、') })) : null,
      p.in_scope ? null : h('div', { class: 'd-note conflict' }, t('new.outOfScope')));
  }

  private async file(): Promise<void> {
    if (this.busy) return;
    const base = this.form();
    const description = this.fields.description.value.trim();
    const missing = !this.where ? t('new.location') : !this.matter ? t('popup.matter') : !description ? t('detail.description') : null;
    if (missing || !base) {
      this.errorEl.textContent = t('new.missing', { what: missing ?? t('new.location') });
      (!this.where ? this.location.input : !this.matter ? this.matterBox.input : this.fields.description).focus();
      return;
    }
    const form: NewCaseForm = {
      ...base, description, channel: this.fields.channel.value,
      level: (this.fields.level.value || undefined) as NewCaseForm['level'],
      reporter_name: this.fields.name.value.trim() || undefined,
      reporter_phone: this.fields.phone.value.trim() || undefined,
    };
    this.busy = true;
    try {
      const d = await this.ctx.backend.fileCase(form);
      const seconds = ((performance.now() - this.openedAt) / 1000).toFixed(1);
      this.el.dataset.lastFiled = d.case.id;
      this.el.dataset.lastSeconds = seconds;
      this.ctx.toast(t('new.filed', { id: d.case.id, s: seconds }), 'ok');
      this.onFiled(d.case.id);
    } catch (e) {
      this.errorEl.textContent = errorText(e);
    } finally {
      this.busy = false;
    }
  }
}

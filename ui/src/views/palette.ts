// The command palette (Ctrl+K): every command of the screen by name, with its shortcut, and
// whatever the search finds (a case id, a street, community, sub-grid, building or station) to
// jump to. Typed filtering, ↑/↓ to move, Enter to run, Esc to close.
import type { SearchHit } from '../backend';
import { t, tk } from '../i18n';
import { h } from '../ui/dom';
import { kbd } from './ui';

export interface Command {
  id: string;
  title: () => string;
  keys?: string;
  group: () => string;
  run: () => void;
  /** Hidden when false (a role that does not act, nothing open). */
  when?: () => boolean;
}

interface Entry { title: string; sub: string; keys?: string; run: () => void; id: string }

export class Palette {
  readonly el = h('div', { class: 'palette-back', 'data-testid': 'palette', hidden: true });
  private readonly input = h('input', { type: 'text', class: 'palette-input', 'data-testid': 'palette-input', autocomplete: 'off', role: 'combobox' });
  private readonly list = h('ul', { class: 'palette-list', role: 'listbox' });
  private commands: Command[] = [];
  private entries: Entry[] = [];
  private at = 0;
  private seq = 0;
  /** What had the focus before the palette opened. */
  private returnTo: HTMLElement | null = null;

  constructor(
    private readonly search: (q: string) => Promise<SearchHit[]>,
    private readonly goHit: (hit: SearchHit) => void,
    private readonly openCase: (id: string) => void,
  ) {
    this.el.append(h('div', { class: 'palette' }, this.input, this.list,
      h('div', { class: 'palette-foot' }, kbd('↑'), kbd('↓'), t('palette.move'), kbd('↵'), t('palette.run'), kbd('Esc'), t('common.close'))));
    this.el.addEventListener('mousedown', (e) => { if (e.target === this.el) this.close(); });
    this.input.addEventListener('input', () => { void this.filter(); });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        if (this.entries.length) this.at = (this.at + (e.key === 'ArrowDown' ? 1 : this.entries.length - 1)) % this.entries.length;
        this.draw();
      } else if (e.key === 'Enter') {
        e.preventDefault();
        const x = this.entries[this.at];
        if (x) { this.close(); x.run(); }
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.close();
      }
    });
  }

  register(cmds: Command[]): void { this.commands.push(...cmds); }

  get isOpen(): boolean { return !this.el.hidden; }

  open(prefill = ''): void {
    if (this.el.hidden) this.returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.el.hidden = false;
    this.input.placeholder = t('palette.placeholder');
    this.input.value = prefill;
    this.at = 0;
    void this.filter();
    this.input.focus();
  }

  /** Closes the palette and gives the focus back (a hidden input must not keep the keys). */
  close(): void {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.input.blur();
    const back = this.returnTo;
    this.returnTo = null;
    if (back?.isConnected && back !== document.body) back.focus();
  }

  private async filter(): Promise<void> {
    const q = this.input.value.trim();
    const mine = ++this.seq;
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    const cmds: Entry[] = this.commands
      .filter((c) => c.when?.() ?? true)
      .map((c) => ({ id: c.id, title: c.title(), sub: c.group(), keys: c.keys, run: c.run }))
      .filter((e) => words.every((w) => `${e.title} ${e.sub} ${e.id}`.toLowerCase().includes(w)));
    const direct: Entry[] = /^[A-Z]{2}-\d{4}-\d+$/i.test(q)
      ? [{ id: `case:${q}`, title: t('palette.openCase', { id: q.toUpperCase() }), sub: t('unit.case'), run: () => this.openCase(q.toUpperCase()) }]
      : [];
    this.entries = [...direct, ...cmds];
    this.at = Math.min(this.at, Math.max(0, this.entries.length - 1));
    this.draw();
    if (q.length < 2) return;
    try {
      const hits = await this.search(q);
      if (mine !== this.seq) return;
      const found = hits.map((hit): Entry => ({
        id: `hit:${hit.kind}:${hit.id}`,
        title: hit.kind === 'case' ? t('palette.openCase', { id: hit.id }) : t('palette.goTo', { name: hit.label }),
        sub: `${tk(`unit.${hit.kind}`, hit.kind)} · ${hit.context}`,
        run: () => (hit.kind === 'case' ? this.openCase(hit.id) : this.goHit(hit)),
      })).filter((e) => !this.entries.some((x) => x.id === `case:${e.id.split(':')[2]}`));
      this.entries = [...this.entries, ...found];
      this.draw();
    } catch { /* the commands stay */ }
  }

  private draw(): void {
    this.list.replaceChildren(...(this.entries.length ? this.entries.slice(0, 40).map((e, i) => h('li', {
      class: i === this.at ? 'on' : '', role: 'option', 'data-testid': 'palette-item', 'data-id': e.id,
      onmousedown: (ev: Event) => { ev.preventDefault(); this.close(); e.run(); },
    }, h('span', { class: 'p-title' }, e.title), h('span', { class: 'p-sub' }, e.sub), e.keys ? kbd(e.keys) : null))
      : [h('li', { class: 'none' }, t('search.none'))]));
    this.list.querySelector('.on')?.scrollIntoView({ block: 'nearest' });
  }
}

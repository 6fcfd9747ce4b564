// Small building blocks of the workflow panels (on top of ui/dom's `h`): buttons, chips,
// labelled fields, key–value rows, toasts.
import { h } from '../ui/dom';

type Attrs = Record<string, string | boolean | ((e: Event) => void)>;

export function button(label: string, onClick: () => void, attrs: Attrs = {}, cls = ''): HTMLButtonElement {
  return h('button', { type: 'button', class: `btn ${cls}`.trim(), ...attrs, onclick: (e: Event) => { e.stopPropagation(); onClick(); } }, label);
}

/** A key hint drawn as a key cap. */
export function kbd(key: string): HTMLElement { return h('kbd', {}, key); }

export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint' }, hint) : null);
}

export function kv(label: string, value: Node | string, attrs: Attrs = {}): HTMLElement {
  return h('div', { class: 'kv', ...attrs }, h('span', { class: 'k' }, label), h('span', { class: 'v' }, value));
}

export function select(options: [string, string][], value: string, attrs: Attrs = {}): HTMLSelectElement {
  return h('select', { class: 'sel', ...attrs }, ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

export function section(title: string, ...children: (Node | null | false)[]): HTMLElement {
  return h('section', { class: 'sec' }, h('h3', {}, title), ...children);
}

const toasts = h('div', { class: 'toasts', 'data-testid': 'toasts' });

/** Shows a message for a few seconds in the bottom corner. */
export function toast(text: string, kind: 'ok' | 'error' | 'info' = 'info'): void {
  if (!toasts.isConnected) document.body.append(toasts);
  const el = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': 'toast' }, text);
  toasts.append(el);
  window.setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

/** Whether a key press happened while typing (shortcuts keep out of the way). */
export function typing(e: KeyboardEvent): boolean {
  const el = e.target as HTMLElement | null;
  if (!el) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  // A checkbox or a button keeps the shortcuts; a field one types into does not.
  return el instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color'].includes(el.type);
}

/** `el.replaceChildren` that skips the absent (`null`, `false`, `undefined`). */
export function fill(el: Element, ...children: (Node | string | null | false | undefined)[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== false && c !== undefined));
}

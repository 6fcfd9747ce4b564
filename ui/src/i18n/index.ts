// Strings come from the catalogues; zh-CN is the default, English a switch.
import { en } from './en';
import { zhCN, type MessageKey } from './zh-CN';

export type Lang = 'zh-CN' | 'en';
export type { MessageKey };

const catalogues: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };
let current: Lang = 'zh-CN';
const listeners = new Set<() => void>();

export function lang(): Lang { return current; }

export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
  for (const f of listeners) f();
}

export function onLangChange(f: () => void): void { listeners.add(f); }

/** The string for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  let s = catalogues[current][key];
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** `t` for keys built at run time (`rating.${r}`); falls back to the raw value. */
export function tk(key: string, fallback: string): string {
  const cat = catalogues[current] as Record<string, string>;
  return cat[key] ?? fallback;
}

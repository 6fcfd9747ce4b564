// The server's clock as the page sees it, and how times and countdowns are written.
//
// Countdowns count from the server's `now`, not the page's: the store's clock may run fast for
// demos and tests (`onemap serve --clock-speed 60`). Every answer carries the server's `now`; the
// page keeps the latest one and the rate between server time and its own, learnt over a few
// seconds of answers, and extrapolates between them.
import { t } from '../i18n';

export class ServerClock {
  private first: { s: number; l: number } | null = null;
  private last: { s: number; l: number } | null = null;
  private rate = 1;

  /** Learns from a server `now` (ISO 8601 with offset). */
  observe(iso: string): void {
    const s = Date.parse(iso);
    if (!Number.isFinite(s)) return;
    const l = performance.now();
    // A server that went back in time (restarted): start learning again.
    if (!this.first || !this.last || s < this.now() - 600_000) {
      this.first = { s, l };
      this.last = { s, l };
      this.rate = 1;
      return;
    }
    const dl = l - this.first.l;
    if (dl > 4000) {
      const r = (s - this.first.s) / dl;
      // Answers are whole seconds: within 10% of the wall clock is the wall clock.
      this.rate = Math.abs(r - 1) < 0.1 ? 1 : r;
    }
    this.last = { s, l };
  }

  /** The server's time now, ms since the epoch. */
  now(): number {
    if (!this.last) return Date.now();
    return this.last.s + (performance.now() - this.last.l) * this.rate;
  }

  /** How many times faster than the wall clock the server's clock runs. */
  speed(): number { return this.rate; }
}

/** `2026-03-02T09:05:00+08:00` → `03-02 09:05` (times are shown in Asia/Shanghai, as sent). */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** `2026-03-02T09:05:07+08:00` → `2026-03-02 09:05:07`. */
export function fullTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** A duration as a countdown: `09:58`, `1:02:03`, `2天3时` (`2d 3h`); negative: overdue. */
export function duration(ms: number): string {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  let text: string;
  if (d > 0) text = t('clock.days', { d, h: hh });
  else if (hh > 0) text = `${hh}:${two(mm)}:${two(ss)}`;
  else text = `${two(mm)}:${two(ss)}`;
  return neg ? `-${text}` : text;
}

/** `剩 09:58` / `超时 1:02:03` for a deadline `due` at server time `now`. */
export function countdown(dueIso: string, now: number): { text: string; overdue: boolean } {
  const left = Date.parse(dueIso) - now;
  if (left >= 0) return { text: t('clock.left', { d: duration(left) }), overdue: false };
  return { text: t('clock.over', { d: duration(-left) }), overdue: true };
}

/** The countdowns a panel shows: each a text element and the box marked `overdue` once due
 * passes, moved on every second by the server's clock. The timer runs only while there are
 * countdowns, and a panel that is not on the page is not redrawn. */
export class Countdowns {
  private items: { el: HTMLElement; due: string; box: HTMLElement }[] = [];
  private timer: number | null = null;

  constructor(private readonly clock: ServerClock) {}

  clear(): void {
    this.items = [];
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  }

  add(el: HTMLElement, due: string, box: HTMLElement = el): void {
    this.items.push({ el, due, box });
    if (this.timer === null) this.timer = window.setInterval(() => this.tick(), 1000);
  }

  tick(): void {
    const now = this.clock.now();
    for (const c of this.items) {
      if (!c.el.isConnected) continue;
      const { text, overdue } = countdown(c.due, now);
      c.el.textContent = text;
      c.box.classList.toggle('overdue', overdue);
    }
  }
}

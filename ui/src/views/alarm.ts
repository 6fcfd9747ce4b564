// Breach alarms. When a clock breaches (the deadline scheduler's live `alarm` events, and any
// breach not yet acknowledged when the screen opens), the screen gets a pulsing red frame, a
// banner lists the breaches, and a tone sounds — generated with Web Audio, no audio file — until
// an operator acknowledges every one. Only roles that act on cases get the alarm.
import type { Alarm, LiveEvent } from '../backend';
import { t } from '../i18n';
import { h } from '../ui/dom';
import { clockName, errorText, type Ctx } from './context';
import { shortTime } from './clock';
import { button, fill } from './ui';

/** One tone of the pattern: frequency (Hz), start and length (s) within the period. */
const PATTERN: [number, number, number][] = [[988, 0, 0.16], [740, 0.2, 0.16], [988, 0.4, 0.16]];
const PERIOD_MS = 1800;

export class Alarms {
  readonly banner = h('div', { class: 'alarm-banner', 'data-testid': 'alarm-banner', role: 'alert' });
  readonly frame = h('div', { class: 'alarm-frame' });
  readonly chip = h('button', { class: 'alarm-chip', 'data-testid': 'alarm-chip', type: 'button' });
  private list: Alarm[] = [];
  private audio: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private timer = 0;
  private refreshing: Promise<void> | null = null;
  /** Tones started so far (tests read it). */
  tones = 0;

  constructor(private readonly ctx: Ctx) {
    this.chip.addEventListener('click', () => this.banner.classList.toggle('collapsed'));
    // Browsers start audio only after a gesture: the first click or key anywhere unlocks it.
    const unlock = () => { void this.context()?.resume(); };
    window.addEventListener('pointerdown', unlock, { capture: true });
    window.addEventListener('keydown', unlock, { capture: true });
    document.body.append(this.frame, this.banner);
    this.render();
  }

  get count(): number { return this.list.length; }
  get sounding(): boolean { return this.timer !== 0; }

  /** Reads the unacknowledged breaches again. */
  refresh(): Promise<void> {
    if (!this.ctx.acts) return Promise.resolve();
    this.refreshing ??= this.ctx.backend.alarms()
      .then((list) => { this.list = list; this.render(); })
      .catch((e: unknown) => console.error(e))
      .finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  onLive(ev: LiveEvent): void {
    if (ev.type === 'alarm' && (ev.event === 'clock_breached' || ev.event === 'escalated')) void this.refresh();
  }

  /** The loudest sample of the last tone's output (0–1): tests check the alarm is audible. */
  level(): number {
    if (!this.analyser) return 0;
    const buf = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(buf);
    let peak = 0;
    for (const v of buf) peak = Math.max(peak, Math.abs(v));
    return peak;
  }

  audioState(): string { return this.audio?.state ?? 'none'; }

  async acknowledge(a: Alarm): Promise<void> {
    try {
      await this.ctx.backend.ackAlarm(a.case.id, a.kind, a.order_id ?? undefined);
    } catch (e) {
      this.ctx.toast(errorText(e), 'error');
    }
    await this.refresh();
  }

  async acknowledgeAll(): Promise<void> {
    const all = [...this.list];
    for (const a of all) {
      try { await this.ctx.backend.ackAlarm(a.case.id, a.kind, a.order_id ?? undefined); } catch (e) { console.error(e); }
    }
    await this.refresh();
    if (all.length) this.ctx.toast(t('alarm.acked', { n: all.length }), 'ok');
  }

  /** Draws the banner and chip again (also after a language switch). */
  render(): void {
    const n = this.list.length;
    document.body.classList.toggle('alarming', n > 0);
    this.chip.textContent = n > 0 ? t('alarm.chip', { n }) : t('alarm.none');
    this.chip.classList.toggle('on', n > 0);
    this.chip.hidden = !this.ctx.acts;
    if (n === 0) {
      this.banner.replaceChildren();
      this.banner.hidden = true;
      this.stopSound();
      return;
    }
    this.banner.hidden = false;
    const rows = this.list.slice(0, 5).map((a) => h('li', { 'data-testid': 'alarm-row', 'data-case': a.case.id, 'data-kind': a.kind },
      h('span', { class: 'alarm-what' }, `${clockName(a.kind)} · ${a.case.matter_name}`),
      h('button', { type: 'button', class: 'link', onclick: () => this.ctx.openCase(a.case.id) }, a.case.id),
      h('span', { class: 'alarm-where' }, a.case.place ? `${a.case.place.street.name} · ${a.case.place.subgrid.name}` : ''),
      h('span', { class: 'alarm-time' }, t('alarm.breachedAt', { t: shortTime(a.breached_at) })),
      button(t('alarm.ack'), () => { void this.acknowledge(a); }, { 'data-testid': 'alarm-ack' }, 'sm')));
    fill(this.banner,
      h('div', { class: 'alarm-head' },
        h('span', { class: 'alarm-icon' }, '⚠'),
        h('strong', { 'data-testid': 'alarm-count' }, t('alarm.title', { n })),
        this.audio?.state === 'running' ? null : h('span', { class: 'alarm-mute' }, t('alarm.clickForSound')),
        button(t('alarm.ackAll'), () => { void this.acknowledgeAll(); }, { 'data-testid': 'alarm-ack-all' }, 'danger')),
      h('ul', {}, ...rows),
      n > rows.length ? h('div', { class: 'alarm-more' }, t('alarm.more', { n: n - rows.length })) : null);
    this.startSound();
  }

  private context(): AudioContext | null {
    if (this.audio) return this.audio;
    try {
      this.audio = new AudioContext();
      this.analyser = this.audio.createAnalyser();
      this.analyser.fftSize = 2048;
      this.analyser.connect(this.audio.destination);
      this.audio.addEventListener('statechange', () => { if (this.list.length) this.render(); });
    } catch {
      this.audio = null;
    }
    return this.audio;
  }

  private startSound(): void {
    if (this.timer) return;
    const beep = () => {
      const ac = this.context();
      if (!ac || !this.analyser) return;
      if (ac.state !== 'running') { void ac.resume(); return; }
      const t0 = ac.currentTime + 0.02;
      for (const [freq, at, len] of PATTERN) {
        const osc = ac.createOscillator();
        const gain = ac.createGain();
        osc.type = 'square';
        osc.frequency.value = freq;
        // A short attack and release: no clicks.
        gain.gain.setValueAtTime(0, t0 + at);
        gain.gain.linearRampToValueAtTime(0.25, t0 + at + 0.015);
        gain.gain.setValueAtTime(0.25, t0 + at + len - 0.03);
        gain.gain.linearRampToValueAtTime(0, t0 + at + len);
        osc.connect(gain).connect(this.analyser);
        osc.start(t0 + at);
        osc.stop(t0 + at + len + 0.01);
      }
      this.tones += 1;
    };
    beep();
    this.timer = window.setInterval(beep, PERIOD_MS);
  }

  private stopSound(): void {
    if (this.timer) window.clearInterval(this.timer);
    this.timer = 0;
  }
}

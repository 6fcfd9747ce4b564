// A progress bar for a background job: stage, count / total, rate and time left, a Cancel
// button. Polls the job until it ends; resolves with its final status.
import type { FormatsBackend, JobStatus } from '../backend';
import { t, tk } from '../i18n';
import { fmt, h } from './dom';

export const POLL_MS = 200;

function seconds(s: number): string {
  const v = Math.ceil(s);
  if (v < 60) return `${v}s`;
  return `${Math.floor(v / 60)}m${String(v % 60).padStart(2, '0')}s`;
}

/**
 * The backend names its stages in English ("drawing the map", "writing buildings"); show them in
 * the UI's language: fixed stages by their slug, "writing X" / "reading X" with X translated when
 * it is a layer. Unknown stages are shown as they come rather than hidden.
 */
export function stageLabel(stage: string): string {
  const fixed = tk(`progress.stage.${stage.replaceAll(' ', '_')}`, '');
  if (fixed) return fixed;
  const m = /^(writing|reading) (.+)$/.exec(stage);
  if (m) {
    const [, verb, what] = m;
    const thing = tk(`layer.${what}`, what);
    return verb === 'writing' ? t('progress.stage.writingThing', { what: thing }) : t('progress.stage.readingThing', { what: thing });
  }
  return stage;
}

/** The line under the bar: `writing buildings · 12,000 / 30,254 · 8,100/s · 2s left`. */
export function progressText(s: JobStatus): string {
  const p = s.progress;
  const parts = [p.stage ? stageLabel(p.stage) : t('progress.working')];
  parts.push(p.total > 0 ? `${fmt(p.done)} / ${fmt(p.total)}` : fmt(p.done));
  if (p.rate > 0) parts.push(t('progress.rate', { n: fmt(Math.round(p.rate)) }));
  if (p.eta_seconds != null && s.state === 'running') parts.push(t('progress.eta', { t: seconds(p.eta_seconds) }));
  return parts.join(' · ');
}

/**
 * Shows a progress bar for job `id` in `host` and polls it; the Cancel button asks the backend
 * to cancel. Resolves with the job's final status (done, failed or cancelled).
 */
export function trackJob(backend: FormatsBackend, id: string, host: HTMLElement): Promise<JobStatus> {
  const bar = h('div', { class: 'progress-fill', 'data-testid': 'progress-fill' });
  const text = h('div', { class: 'progress-text', 'data-testid': 'progress-text' }, t('progress.starting'));
  const cancel = h('button', { class: 'btn small', 'data-testid': 'progress-cancel' }, t('progress.cancel'));
  const box = h('div', { class: 'progress', 'data-testid': 'progress', 'data-job': id },
    h('div', { class: 'progress-track' }, bar), h('div', { class: 'progress-row' }, text, cancel));
  host.replaceChildren(box);
  cancel.addEventListener('click', () => {
    cancel.setAttribute('disabled', '');
    cancel.textContent = t('progress.cancelling');
    void backend.jobCancel(id).catch((e: unknown) => console.error(e));
  });
  return new Promise((resolve, reject) => {
    const poll = async () => {
      try {
        const s = await backend.job(id);
        const f = s.progress.total > 0 ? Math.min(1, s.progress.done / s.progress.total) : null;
        bar.style.width = f == null ? '100%' : `${(f * 100).toFixed(1)}%`;
        bar.classList.toggle('indeterminate', f == null && s.state === 'running');
        text.textContent = progressText(s);
        box.dataset.state = s.state;
        if (s.state === 'running') { window.setTimeout(() => void poll(), POLL_MS); return; }
        cancel.remove();
        if (s.state === 'cancelled') text.textContent = t('progress.cancelled');
        if (s.state === 'failed') text.textContent = `${t('progress.failed')}: ${s.error?.message ?? ''}`;
        resolve(s);
      } catch (e) {
        reject(e);
      }
    };
    void poll();
  });
}

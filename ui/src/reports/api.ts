// The reports' transport: dashboard, charts, risk and briefing from the Rust side, over HTTP
// in a browser or Tauri commands in the desktop window. Knows no view.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { BackendError, isTauri } from '../backend';

export type Lang = 'zh-CN' | 'en';
export type Theme = 'dark' | 'light';

export interface AsOf { day: number; date: string; basis: 'today' | 'latest_case' | 'requested'; now: number }
export interface Tile { key: string; label: string; value: string; detail: string; number: number | null; tone: string }
export interface DashboardData {
  as_of: AsOf; lang: Lang; tiles: Tile[];
  charts: { id: string; title: string }[];
  kpis: { synthetic_layers: string[] } & Record<string, unknown>;
}
export interface RiskInputs {
  buildings: number; warning_buildings: number; open_by_grade: [number, number, number]; open_weighted: number;
  recent_breaches: number; residents: number; gap_share: number;
}
export interface RiskRow {
  level: 'district' | 'street' | 'community' | 'subgrid'; code: string; name: string; parent: string;
  score: number; rank: number; hottest: string; inputs: RiskInputs;
  components: { warning: number; open: number; breaches: number; gap: number };
}
export interface RiskData { as_of: AsOf; window_days: number; weights: Record<string, number>; rows: RiskRow[] }
export interface Dot {
  id: string; lon: number; lat: number; grade: number; channel: string; matter: string;
  street_code: string; reported_at: number; closed_at: number | null; open: boolean;
}
export interface Ranked { rank: number; code: string; name: string; score: number; inputs: string; bbox: [number, number, number, number] }
export interface Step {
  n: number; kind: 'district' | 'street' | 'hot' | 'live'; code: string; title: string; subtitle: string;
  bbox: [number, number, number, number]; tiles: Tile[]; ranking: Ranked[]; dots: Dot[]; slide: string;
}
export interface TourData { as_of: AsOf; lang: Lang; steps: Step[]; risk: Record<string, number> }
export interface PlaybackData { from: number; to: number; span: 'day' | 'week'; dots: Dot[] }

export interface Query { lang?: Lang; day?: string; theme?: Theme; scale?: number; span?: 'day' | 'week' }

function qs(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function httpGet(path: string): Promise<Response> {
  const res = await fetch(path);
  if (!res.ok) {
    const e = await res.json().catch(() => null) as { code?: string; message?: string } | null;
    throw new BackendError(e?.code ?? 'internal', e?.message ?? `${res.status} ${res.statusText}`);
  }
  return res;
}

async function call<T>(cmd: string, args: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    const err = e as { code?: string; message?: string } | string;
    if (typeof err === 'string') throw new BackendError('internal', err);
    throw new BackendError(err.code ?? 'internal', err.message ?? String(e));
  }
}

const tauri = isTauri();

async function json<T>(path: string, cmd: string, q: Query): Promise<T> {
  if (tauri) return call<T>(cmd, { query: q });
  return (await httpGet(`${path}${qs(q)}`)).json() as Promise<T>;
}

/** A report file (chart or slide) as a Blob. */
async function file(path: string, cmd: string, name: string, q: Query, type: string): Promise<Blob> {
  if (tauri) return new Blob([await call<ArrayBuffer>(cmd, { file: name, query: q })], { type });
  return (await httpGet(`${path}/${encodeURIComponent(name)}${qs(q)}`)).blob();
}

export const reports = {
  dashboard: (q: Query) => json<DashboardData>('api/dashboard', 'report_dashboard', q),
  risk: (q: Query) => json<RiskData>('api/risk', 'report_risk', q),
  tour: (q: Query) => json<TourData>('api/briefing/tour', 'report_tour', q),
  playback: (q: Query) => json<PlaybackData>('api/briefing/playback', 'report_playback', q),
  live: (q: Query) => json<Dot[]>('api/briefing/live', 'report_live', q),
  chart: (id: string, ext: 'svg' | 'png', q: Query) =>
    file('api/dashboard/charts', 'report_chart', `${id}.${ext}`, q, ext === 'svg' ? 'image/svg+xml' : 'image/png'),
  slide: (n: number, q: Query) => file('api/briefing/slides', 'report_slide', `${n}.png`, q, 'image/png'),
  /** Where the ZIP of a tour's slides downloads from (browser mode). */
  slidesZipUrl: (q: Query) => `api/briefing/slides.zip${qs(q)}`,
  /** Live cases for a briefing screen, cut down to dots by the server. */
  onLive(cb: (f: GeoJSON.Feature<GeoJSON.Point>) => void): () => void {
    if (tauri) {
      let stop: (() => void) | null = null;
      void listen<{ feature: GeoJSON.Feature<GeoJSON.Point> }>('live://briefing-case', (e) => cb(e.payload.feature))
        .then((un) => { stop = un; });
      return () => stop?.();
    }
    const es = new EventSource('api/briefing/events');
    es.addEventListener('case', (m) => cb((JSON.parse((m as MessageEvent<string>).data) as { feature: GeoJSON.Feature<GeoJSON.Point> }).feature));
    return () => es.close();
  },
};

/** Saves a Blob as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The risk colour ramp, the same stops as the slides (crates/onemap-dashboard/src/slides.rs). */
export const RISK_STOPS: [number, string][] = [[0, '#1e3a8a'], [30, '#0d9488'], [60, '#eab308'], [100, '#dc2626']];

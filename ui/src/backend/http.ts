// HTTP + SSE transport, against `onemap serve` on the page's own origin.
import type { FeatureCollection } from 'geojson';
import {
  BackendError, type Backend, type BuildingDetail, type CaseDetail, type ExportRequest, type JobStatus,
  type LayerName, type LayerSchema, type LiveEvent, type Mapping, type Overview, type PrintRequest,
  type SearchHit, type StationDetail, type UnitDetail,
} from './types';

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = body as { code?: string; message?: string } | null;
    throw new BackendError(e?.code ?? 'internal', e?.message ?? `${res.status} ${res.statusText}`);
  }
  return body as T;
}

async function send<T>(method: string, path: string, body?: unknown, raw?: ArrayBuffer): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: raw ? { 'content-type': 'application/octet-stream' } : { 'content-type': 'application/json', Accept: 'application/json' },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const parsed: unknown = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const e = parsed as { code?: string; message?: string } | null;
    throw new BackendError(e?.code ?? 'internal', e?.message ?? `${res.status} ${res.statusText}`);
  }
  return parsed as T;
}

const enc = encodeURIComponent;

export class HttpBackend implements Backend {
  readonly kind = 'http' as const;
  private source: EventSource | null = null;
  private listeners = new Set<(ev: LiveEvent) => void>();

  overview(): Promise<Overview> { return get('api/overview'); }
  layer(name: LayerName): Promise<FeatureCollection> { return get(`api/layers/${enc(name)}`); }
  building(id: string): Promise<BuildingDetail> { return get(`api/buildings/${enc(id)}`); }
  station(id: string): Promise<StationDetail> { return get(`api/stations/${enc(id)}`); }
  unit(code: string): Promise<UnitDetail> { return get(`api/units/${enc(code)}`); }
  caseDetail(id: string): Promise<CaseDetail> { return get(`api/cases/${enc(id)}`); }
  search(q: string, limit = 10): Promise<SearchHit[]> {
    return get(`api/search?q=${enc(q)}&limit=${limit}`);
  }

  onLive(cb: (ev: LiveEvent) => void): () => void {
    this.listeners.add(cb);
    if (!this.source) {
      this.source = new EventSource('api/events');
      this.source.addEventListener('case', (m) => {
        const ev = JSON.parse((m as MessageEvent<string>).data) as LiveEvent;
        for (const l of this.listeners) l(ev);
      });
    }
    return () => {
      this.listeners.delete(cb);
      if (this.listeners.size === 0 && this.source) { this.source.close(); this.source = null; }
    };
  }

  async mapReady(): Promise<void> { /* the browser's readiness is read from the page */ }

  schema(): Promise<LayerSchema[]> { return get('api/schema'); }
  async importCreate(): Promise<string> { return (await send<{ session: string }>('POST', 'api/imports')).session; }
  async importPutFile(session: string, name: string, data: ArrayBuffer): Promise<string[]> {
    return (await send<{ files: string[] }>('PUT', `api/imports/${enc(session)}/files/${enc(name)}`, undefined, data)).files;
  }
  async importOpen(session: string, opts: { encoding?: string; source_layer?: string }): Promise<string> {
    return (await send<{ job: string }>('POST', `api/imports/${enc(session)}/open`, opts)).job;
  }
  async importPreview(session: string, layer: string, mapping?: Mapping): Promise<string> {
    return (await send<{ job: string }>('POST', `api/imports/${enc(session)}/preview`, { layer, mapping })).job;
  }
  async importCommit(session: string, mapping: Mapping): Promise<string> {
    return (await send<{ job: string }>('POST', `api/imports/${enc(session)}/commit`, { mapping })).job;
  }
  async importDelete(session: string): Promise<void> { await send('DELETE', `api/imports/${enc(session)}`); }
  async exportStart(req: ExportRequest): Promise<string> { return (await send<{ job: string }>('POST', 'api/exports', req)).job; }
  async printStart(req: PrintRequest): Promise<string> { return (await send<{ job: string }>('POST', 'api/print', req)).job; }
  job(id: string): Promise<JobStatus> { return get(`api/jobs/${enc(id)}`); }
  jobCancel(id: string): Promise<JobStatus> { return send('POST', `api/jobs/${enc(id)}/cancel`); }
  async jobFile(id: string): Promise<Blob> {
    const res = await fetch(`api/jobs/${enc(id)}/file`);
    if (!res.ok) {
      const e = await res.json().catch(() => null) as { code?: string; message?: string } | null;
      throw new BackendError(e?.code ?? 'internal', e?.message ?? `${res.status} ${res.statusText}`);
    }
    return res.blob();
  }
}

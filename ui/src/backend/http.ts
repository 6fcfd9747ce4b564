// HTTP + SSE transport, against `onemap serve` on the page's own origin.
import type { FeatureCollection } from 'geojson';
import {
  BackendError, type Backend, type BuildingDetail, type CaseDetail, type LayerName, type LiveEvent,
  type Overview, type SearchHit, type StationDetail, type UnitDetail,
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
}

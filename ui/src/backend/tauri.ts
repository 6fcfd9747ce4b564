// Tauri transport: commands over invoke, live events over the event system.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { FeatureCollection } from 'geojson';
import {
  BackendError, type Backend, type BuildingDetail, type CaseDetail, type LayerName, type LiveEvent,
  type Overview, type SearchHit, type StationDetail, type UnitDetail,
} from './types';

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    const err = e as { code?: string; message?: string } | string;
    if (typeof err === 'string') throw new BackendError('internal', err);
    throw new BackendError(err.code ?? 'internal', err.message ?? String(e));
  }
}

export class TauriBackend implements Backend {
  readonly kind = 'tauri' as const;
  overview(): Promise<Overview> { return call('overview'); }
  layer(name: LayerName): Promise<FeatureCollection> { return call('layer', { name }); }
  building(id: string): Promise<BuildingDetail> { return call('building', { id }); }
  station(id: string): Promise<StationDetail> { return call('station', { id }); }
  unit(code: string): Promise<UnitDetail> { return call('unit', { code }); }
  caseDetail(id: string): Promise<CaseDetail> { return call('case', { id }); }
  search(q: string, limit = 10): Promise<SearchHit[]> { return call('search', { q, limit }); }
  onLive(cb: (ev: LiveEvent) => void): () => void {
    let stop: (() => void) | null = null;
    let stopped = false;
    void listen<LiveEvent>('live://case', (e) => cb(e.payload)).then((un) => {
      if (stopped) un(); else stop = un;
    });
    return () => { stopped = true; stop?.(); };
  }
  mapReady(ms: number): Promise<void> { return call('map_ready', { ms }); }
}

// Tauri transport: commands over invoke, live events over the event system.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { FeatureCollection } from 'geojson';
import {
  BackendError, type Backend, type BuildingDetail, type CaseDetail, type ExportRequest, type JobStatus,
  type LayerName, type LayerSchema, type LiveEvent, type Mapping, type Overview, type PrintRequest,
  type SearchHit, type StationDetail, type UnitDetail,
} from './types';

async function call<T>(cmd: string, args?: Record<string, unknown> | ArrayBuffer, headers?: Record<string, string>): Promise<T> {
  try {
    return await invoke<T>(cmd, args, headers ? { headers } : undefined);
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

  schema(): Promise<LayerSchema[]> { return call('formats_schema'); }
  importCreate(): Promise<string> { return call('import_create'); }
  importPutFile(session: string, name: string, data: ArrayBuffer): Promise<string[]> {
    // The file travels as the raw IPC body; its session and name as headers.
    return call('import_put_file', data, { 'x-session': session, 'x-name': encodeURIComponent(name) });
  }
  importOpen(session: string, opts: { encoding?: string; source_layer?: string }): Promise<string> {
    return call('import_open', { session, encoding: opts.encoding ?? null, sourceLayer: opts.source_layer ?? null });
  }
  importPreview(session: string, layer: string, mapping?: Mapping): Promise<string> {
    return call('import_preview', { session, layer, mapping: mapping ?? null });
  }
  importCommit(session: string, mapping: Mapping): Promise<string> { return call('import_commit', { session, mapping }); }
  importDelete(session: string): Promise<void> { return call('import_delete', { session }); }
  exportStart(req: ExportRequest): Promise<string> { return call('export_start', { request: req }); }
  printStart(req: PrintRequest): Promise<string> { return call('print_start', { request: req }); }
  job(id: string): Promise<JobStatus> { return call('job_status', { id }); }
  jobCancel(id: string): Promise<JobStatus> { return call('job_cancel', { id }); }
  async jobFile(id: string): Promise<Blob> {
    const bytes = await call<ArrayBuffer>('job_file', { id });
    return new Blob([bytes]);
  }
}

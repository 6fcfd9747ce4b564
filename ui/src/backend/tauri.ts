// Tauri transport: commands over invoke, live events over the event system. The desktop works
// on its own embedded store as the local administrator: there is no login.
import { convertFileSrc, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { FeatureCollection } from 'geojson';
import {
  BackendError, type ActionRequest, type Alarm, type AuthStatus, type Backend, type BuildingDetail,
  type CaseDetail, type ClockView, type Department, type ExportRequest, type Figures,
  type FiguresQuery, type JobStatus, type LayerName, type LayerSchema, type LiveEvent, type Mapping,
  type Matter, type Me, type NewCaseForm, type OrderActionRequest, type OrdersBoard, type Overview,
  type PlanningReportRequest, type PrintRequest, type Proposal, type ProposeForm, type QueueFilter, type QueuePage, type SearchHit,
  type StationDetail, type TileLayerName, type UnitDetail,
} from './types';
import { TauriPlanning } from './planning-tauri';

async function call<T>(cmd: string, args?: Record<string, unknown> | ArrayBuffer, headers?: Record<string, string>): Promise<T> {
  try {
    return await invoke<T>(cmd, args, headers ? { headers } : undefined);
  } catch (e) {
    const err = e as { code?: string; message?: string; current?: CaseDetail } | string;
    if (typeof err === 'string') throw new BackendError('internal', err);
    throw new BackendError(err.code ?? 'internal', err.message ?? String(e), err.current);
  }
}

const LIVE_EVENTS = ['case', 'alarm', 'order', 'layers'] as const;

export class TauriBackend implements Backend {
  readonly kind = 'tauri' as const;
  readonly planning = new TauriPlanning();
  overview(): Promise<Overview> { return call('overview'); }
  layer(name: LayerName): Promise<FeatureCollection> { return call('layer', { name }); }
  building(id: string): Promise<BuildingDetail> { return call('building', { id }); }
  station(id: string): Promise<StationDetail> { return call('station', { id }); }
  unit(code: string): Promise<UnitDetail> { return call('unit', { code }); }
  caseDetail(id: string): Promise<CaseDetail> { return call('case', { id }); }
  search(q: string, limit = 10): Promise<SearchHit[]> { return call('search', { q, limit }); }
  tileUrl(layer: TileLayerName): string {
    // The window's `tiles` protocol: tiles://localhost/ here, http://tiles.localhost/ on Windows.
    return `${convertFileSrc('', 'tiles')}${layer}/{z}/{x}/{y}.mvt`;
  }
  startView(): Promise<string | null> { return call('start_view'); }
  onLive(cb: (ev: LiveEvent) => void): () => void {
    const stops: (() => void)[] = [];
    let stopped = false;
    for (const name of LIVE_EVENTS) {
      void listen<LiveEvent>(`live://${name}`, (e) => cb(e.payload)).then((un) => {
        if (stopped) un(); else stops.push(un);
      });
    }
    return () => { stopped = true; for (const s of stops) s(); };
  }
  mapReady(ms: number, buildings: number): Promise<void> { return call('map_ready', { ms, buildings }); }

  async authStatus(): Promise<AuthStatus> { return { needs_setup: false, setup_open: false }; }
  login(): Promise<Me> { return this.me(); }
  setup(): Promise<Me> { return this.me(); }
  async logout(): Promise<void> { /* the local administrator stays */ }
  me(): Promise<Me> { return call('me'); }

  queue(filter: QueueFilter = {}): Promise<QueuePage> { return call('queue', { filter }); }
  act(caseId: string, request: ActionRequest): Promise<CaseDetail> { return call('case_action', { id: caseId, request }); }
  orderAct(orderId: string, request: OrderActionRequest): Promise<CaseDetail> {
    return call('order_action', { id: orderId, request });
  }
  decideDuplicate(caseId: string, version: number, other: string, decision: 'confirm' | 'dismiss'): Promise<CaseDetail> {
    return call('decide_duplicate', { id: caseId, version, other, decision });
  }
  propose(form: ProposeForm): Promise<Proposal> { return call('propose_case', { form }); }
  fileCase(form: NewCaseForm): Promise<CaseDetail> { return call('file_case', { form }); }
  ordersBoard(): Promise<OrdersBoard> { return call('orders_board'); }
  alarms(): Promise<Alarm[]> { return call('alarms'); }
  ackAlarm(caseId: string, kind: ClockView['kind'], orderId?: string): Promise<void> {
    return call('ack_alarm', { id: caseId, kind, order: orderId ?? null });
  }
  matters(): Promise<Matter[]> { return call('matters'); }
  departments(): Promise<Department[]> { return call('departments'); }
  figures(query: FiguresQuery = {}): Promise<Figures[]> { return call('figures', { query }); }

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
  planningReportStart(req: PlanningReportRequest): Promise<string> { return call('planning_report_start', { format: req.format, lang: req.lang, scenario: req.scenario ?? null }); }
  job(id: string): Promise<JobStatus> { return call('job_status', { id }); }
  jobCancel(id: string): Promise<JobStatus> { return call('job_cancel', { id }); }
  async jobFile(id: string): Promise<Blob> {
    const bytes = await call<ArrayBuffer>('job_file', { id });
    return new Blob([bytes]);
  }
}

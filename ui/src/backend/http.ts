// HTTP + SSE transport, against `onemap serve` on the page's own origin. The session travels
// as the HttpOnly cookie the login sets; writes carry the X-OneMap-Client header the server
// asks of cookie-authenticated writes.
import type { FeatureCollection } from 'geojson';
import {
  type ActionRequest, type Alarm, type AuthStatus, type Backend, type BuildingDetail,
  type CaseDetail, type ClockView, type Department, type ExportRequest, type Figures,
  type FiguresQuery, type JobStatus, type LayerName, type LayerSchema, type LiveEvent, type Mapping,
  type Matter, type Me, type NewCaseForm, type OrderActionRequest, type OrdersBoard, type Overview,
  type PlanningReportRequest, type PrintRequest, type Proposal, type ProposeForm, type QueueFilter, type QueuePage, type SearchHit,
  type StationDetail, type TileLayerName, type UnitDetail,
} from './types';
import { HttpPlanning } from './planning-http';

import { blob, enc, get, post, qs, send } from './http-core';

const LIVE_EVENTS = ['case', 'alarm', 'order', 'layers'] as const;

export class HttpBackend implements Backend {
  readonly kind = 'http' as const;
  readonly planning = new HttpPlanning();
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

  tileUrl(layer: TileLayerName): string {
    // Absolute (MapLibre's worker fetches it), and the braces stay unescaped.
    return `${new URL('tiles/', location.href).href}${layer}/{z}/{x}/{y}.mvt`;
  }

  async startView(): Promise<string | null> {
    return new URLSearchParams(location.hash.slice(1)).get('at');
  }

  onLive(cb: (ev: LiveEvent) => void): () => void {
    this.listeners.add(cb);
    if (!this.source) {
      this.source = new EventSource('api/events');
      for (const name of LIVE_EVENTS) {
        this.source.addEventListener(name, (m) => {
          const ev = JSON.parse((m as MessageEvent<string>).data) as LiveEvent;
          for (const l of this.listeners) l(ev);
        });
      }
    }
    return () => {
      this.listeners.delete(cb);
      if (this.listeners.size === 0 && this.source) { this.source.close(); this.source = null; }
    };
  }

  async mapReady(): Promise<void> { /* the browser's readiness is read from the page */ }

  authStatus(): Promise<AuthStatus> { return get('api/auth/status'); }
  async login(username: string, password: string): Promise<Me> {
    return (await post<{ me: Me }>('api/auth/login', { username, password })).me;
  }
  async setup(code: string, username: string, password: string): Promise<Me> {
    return (await post<{ me: Me }>('api/auth/setup', { code, username, password })).me;
  }
  async logout(): Promise<void> { await post('api/auth/logout'); }
  me(): Promise<Me> { return get('api/auth/me'); }

  queue(filter: QueueFilter = {}): Promise<QueuePage> { return get(`api/queue${qs(filter)}`); }
  act(caseId: string, request: ActionRequest): Promise<CaseDetail> {
    return post(`api/cases/${enc(caseId)}/actions`, request);
  }
  orderAct(orderId: string, request: OrderActionRequest): Promise<CaseDetail> {
    return post(`api/orders/${enc(orderId)}/actions`, request);
  }
  decideDuplicate(caseId: string, version: number, other: string, decision: 'confirm' | 'dismiss'): Promise<CaseDetail> {
    return post(`api/cases/${enc(caseId)}/duplicates`, { version, other, decision });
  }
  propose(form: ProposeForm): Promise<Proposal> { return post('api/cases/propose', form); }
  fileCase(form: NewCaseForm): Promise<CaseDetail> { return post('api/cases', form); }
  ordersBoard(): Promise<OrdersBoard> { return get('api/orders'); }
  alarms(): Promise<Alarm[]> { return get('api/alarms'); }
  async ackAlarm(caseId: string, kind: ClockView['kind'], orderId?: string): Promise<void> {
    await post('api/alarms/ack', { case_id: caseId, kind, order_id: orderId });
  }
  matters(): Promise<Matter[]> { return get('api/matters'); }
  departments(): Promise<Department[]> { return get('api/departments'); }
  figures(query: FiguresQuery = {}): Promise<Figures[]> { return get(`api/figures${qs(query)}`); }

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
  async planningReportStart(req: PlanningReportRequest): Promise<string> { return (await send<{ job: string }>('POST', 'api/exports/planning-report', req)).job; }
  job(id: string): Promise<JobStatus> { return get(`api/jobs/${enc(id)}`); }
  jobCancel(id: string): Promise<JobStatus> { return send('POST', `api/jobs/${enc(id)}/cancel`); }
  jobFile(id: string): Promise<Blob> { return blob(`api/jobs/${enc(id)}/file`); }

}

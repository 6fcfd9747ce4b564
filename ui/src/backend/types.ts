// The one interface the UI talks to. Two transports implement it: Tauri invoke/events in the
// desktop window, HTTP + SSE against `onemap serve` in a browser.
import type { FeatureCollection, Feature, Point } from 'geojson';

/** Layers the backend serves as GeoJSON. */
export type LayerName =
  | 'context' | 'districts' | 'streets' | 'communities' | 'subgrids' | 'roads'
  | 'stations' | 'circles' | 'buildings' | 'cameras' | 'cases' | 'gaps' | 'labels';

export interface Overview {
  data_dir: string;
  bbox: [number, number, number, number];
  counts: Record<string, number>;
  ratings: Record<string, number>;
  meta: Record<string, unknown> | null;
}

export interface UnitRef { code: string; name: string }
export interface Location { subgrid: UnitRef; community: UnitRef; street: UnitRef; district: UnitRef }
export type Props = Record<string, unknown>;

export interface CaseSummary {
  id: string; matter?: string; grade?: number; level?: string; outcome?: string;
  reported_at?: string; description?: string;
}

export interface BuildingDetail {
  kind: 'building'; lon: number; lat: number; properties: Props; location: Location | null;
  nearest: Record<string, { id: string; name: string; distance_m: number }>;
  cases: CaseSummary[];
}
export interface StationDetail {
  kind: 'station'; lon: number; lat: number; properties: Props; location: Location | null;
  radius_m: number;
  covers: { buildings: number; residents: number; warning: number; general: number };
}
export interface Coverage {
  buildings_total: number; buildings_covered: number; residents_total: number;
  residents_covered: number; building_share: number; resident_share: number; area_share: number;
}
export interface PathItem { kind: string; code: string; name: string; bbox: [number, number, number, number] }
export interface UnitDetail {
  kind: 'district' | 'street' | 'community' | 'subgrid';
  bbox: [number, number, number, number]; properties: Props; open_cases: number; path: PathItem[];
  coverage?: Record<string, Coverage>; stations?: number; buildings?: number;
}
export interface CaseDetail { kind: 'case'; lon: number; lat: number; properties: Props; location: Location | null }

export interface SearchHit {
  kind: 'street' | 'community' | 'subgrid' | 'district' | 'station' | 'building' | 'case';
  id: string; label: string; context: string; bbox: [number, number, number, number];
}

export type LiveEvent = { type: 'case'; feature: Feature<Point, Props> };

/** An error as it crosses IPC and HTTP: a closed code the UI switches on, and a message. */
export class BackendError extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface Backend {
  readonly kind: 'tauri' | 'http';
  overview(): Promise<Overview>;
  layer(name: LayerName): Promise<FeatureCollection>;
  building(id: string): Promise<BuildingDetail>;
  station(id: string): Promise<StationDetail>;
  unit(code: string): Promise<UnitDetail>;
  caseDetail(id: string): Promise<CaseDetail>;
  search(q: string, limit?: number): Promise<SearchHit[]>;
  /** Subscribes to live events; returns the unsubscribe function. */
  onLive(cb: (ev: LiveEvent) => void): () => void;
  /** Reports the first complete map (the desktop test waits for it). */
  mapReady(ms: number): Promise<void>;
}

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

export interface Backend extends FormatsBackend {
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

// --- Import wizard, exports, print and jobs (issue 10) ---

/** A field of a source file with a few sample values. */
export interface SourceField { name: string; kind: 'text' | 'integer' | 'real' | 'bool' | 'mixed'; samples: string[] }

/** A target field of a layer (geodata/SCHEMA.md). */
export interface TargetField {
  name: string; type: 'text' | 'integer' | 'number' | 'bool' | 'list' | 'date' | 'instant'; required: boolean;
  values: { value: string; labels: string[] }[]; aliases: string[];
}
export interface LayerSchema { name: string; name_zh: string; geometry: string[]; id_field: string; fields: TargetField[] }

/** How a source's fields map onto a layer (the CLI's mapping file). */
export interface Mapping {
  layer: string;
  fields: Record<string, string>;
  values?: Record<string, Record<string, unknown>>;
  constants?: Record<string, unknown>;
  types?: Record<string, string>;
  geometry?: { x: string; y: string } | { address: string } | null;
  crs?: string | null;
  datum?: string | null;
  encoding?: string | null;
  source_layer?: string | null;
  keep_unmapped: boolean;
}

/** An opened source before mapping. */
export interface SourceSummary {
  session: string; file: string; format: string; table: boolean; crs: string | null; crs_source: string;
  encoding: string | null; source_layer: string | null; source_layers: string[]; fields: SourceField[];
  count: number; suggested_layer: string | null;
}

export interface RowProblem { index: number; id: string | null; reason: string }

/** What an import would do, before anything is written. */
export interface ImportPreview {
  format: string; crs: string; crs_source: string; datum: string; encoding: string | null;
  source_layer: string | null; source_layers: string[]; fields: SourceField[]; targets: LayerSchema;
  mapping: Mapping; count: number; valid: number;
  rows: { row: number; id: string | null; properties: Props }[];
  features: FeatureCollection; bbox: [number, number, number, number] | null; problems: RowProblem[];
}

export interface ImportReport { layer: string; count: number; datum: string }

export interface ProgressSnapshot {
  stage: string; done: number; total: number; rate: number; eta_seconds: number | null;
  elapsed_seconds: number; cancelled: boolean;
}

/** A background job: what the progress bar polls. */
export interface JobStatus {
  id: string; kind: string; state: 'running' | 'done' | 'failed' | 'cancelled';
  progress: ProgressSnapshot; result: unknown; error: { code: string; message: string } | null;
  file_name: string | null;
}

export interface ExportRequest { format: 'gpkg' | 'geojson' | 'csv' | 'kml'; layer?: string }
export interface PrintRequest {
  bbox: [number, number, number, number]; paper: 'a4' | 'a3'; landscape: boolean; dpi: number;
  title?: string; subtitle?: string; lang: 'zh-CN' | 'en'; layers?: string[];
}

/** The import, export and print part of the backend. */
export interface FormatsBackend {
  schema(): Promise<LayerSchema[]>;
  importCreate(): Promise<string>;
  importPutFile(session: string, name: string, data: ArrayBuffer): Promise<string[]>;
  importOpen(session: string, opts: { encoding?: string; source_layer?: string }): Promise<string>;
  importPreview(session: string, layer: string, mapping?: Mapping): Promise<string>;
  importCommit(session: string, mapping: Mapping): Promise<string>;
  importDelete(session: string): Promise<void>;
  exportStart(req: ExportRequest): Promise<string>;
  printStart(req: PrintRequest): Promise<string>;
  job(id: string): Promise<JobStatus>;
  jobCancel(id: string): Promise<JobStatus>;
  /** The job's file: a Blob to save (browser), or where it was saved (desktop). */
  jobFile(id: string): Promise<Blob>;
}

// The one interface the UI talks to. Two transports implement it: Tauri invoke/events in the
// desktop window, HTTP + SSE against `onemap serve` in a browser.
import type { FeatureCollection, Feature, GeoJSON, Point } from 'geojson';

/** Layers the backend serves as vector tiles (cut by the Rust side). */
export type TileLayerName = 'buildings' | 'cameras' | 'subgrids' | 'roads';

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
/** A unit with its name. */
export interface NamedUnit { code: string; name: string }
/** Where a case lies. */
export interface Place { subgrid: NamedUnit; community: NamedUnit; street: NamedUnit; district: NamedUnit }

export type Stage = 'reported' | 'dispatched' | 'handling' | 'review' | 'closed';
export type ClockState = 'running' | 'at_risk' | 'breached' | 'met';
export type Role = 'district_operator' | 'street_operator' | 'planner' | 'leader' | 'admin' | 'intake';

/** Instants are ISO 8601 strings in Asia/Shanghai (`2026-03-02T09:00:00+08:00`). */
export type Iso = string;

export interface Reporter { name: string | null; phone: string | null; masked: boolean }

export interface CaseView {
  id: string; channel: string; matter: string; matter_name: string; description: string;
  lon: number | null; lat: number | null; place: Place | null;
  building_id: string | null; camera_id: string | null; reporter: Reporter;
  level: 'L1' | 'L2' | 'L3'; grade: 1 | 2 | 3; people: number; money_yuan: number; urgency: string;
  reported_at: Iso; state: Stage; tier: string; unit: string | null; unit_name: string | null;
  noticed_at: Iso | null; met_at: Iso | null; resolved_at: Iso | null; closed_at: Iso | null;
  outcome: 'resolved' | 'unresolved' | null; escalations: number;
  /** Send it back with every action: a stale one is answered `conflict` with the fresh case. */
  version: number;
  deadlines: { notice: Iso; meet: Iso; resolve: Iso };
}

export interface ClockView {
  kind: 'notice' | 'meet' | 'resolve' | 'order_arrive' | 'order_resolve'; order_id: string | null;
  status: 'running' | 'at_risk' | 'met' | 'breached';
  started_at: Iso; due_at: Iso; at_risk_at: Iso; met_at: Iso | null; breached_at: Iso | null;
  /** Seconds left at the server's `now` (negative: overdue); null once met. */
  seconds_left: number | null;
}

export interface EventView {
  version: number; kind: string; from_state: Stage | null; to_state: Stage;
  actor: string; at: Iso; note: string; detail: string | null;
}

export type OrderStep = 'acknowledge' | 'arrive' | 'report';
export interface OrderView {
  id: string; case_id: string; issuer_tier: 'community' | 'street'; issuer_unit: string; issuer_name: string | null;
  issued_by: string; department: string; department_name: string | null;
  leader_rank: 'staff' | 'section' | 'division' | 'bureau';
  issued_at: Iso; arrive_by: Iso; resolve_by: Iso; acknowledged_at: Iso | null; arrived_at: Iso | null;
  reported_at: Iso | null; result: string | null; resolved: boolean | null;
  state: 'issued' | 'acknowledged' | 'arrived' | 'reported';
  arrive_late: boolean; resolve_late: boolean; overdue: boolean; version: number; actions: OrderStep[];
}

export interface NearView {
  id: string; matter: string; matter_name: string; description: string; channel: string; state: Stage;
  grade: number; reported_at: Iso; lon: number | null; lat: number | null; distance_m: number;
  minutes_apart: number; decision: 'confirmed' | 'dismissed' | null;
}

export interface NearestStation {
  service: 'appeal' | 'legal' | 'psych'; id: string; name: string; level: string; distance_m: number;
  /** The station's position (the map draws a line to it). */
  lon: number; lat: number;
}

export type CaseActionName =
  | 'dispatch' | 'accept' | 'submit' | 'correct' | 'approve' | 'reject' | 'reopen' | 'notice' | 'meet'
  | 'escalate' | 'issue_order' | 'decide_duplicate';

/** Everything about one case (also what the map's case popup reads: kind, lon, lat, properties, location). */
export interface CaseDetail {
  kind: 'case'; lon: number; lat: number; properties: Props; location: Place | null;
  now: Iso; case: CaseView; events: EventView[]; clocks: ClockView[]; orders: OrderView[];
  camera_alerts: { camera_id: string; event_type: string; at: Iso }[];
  nearest_stations: NearestStation[]; nearby: NearView[]; duplicates: NearView[];
  /** What the current stage allows the caller. */
  actions: CaseActionName[];
}

/** A step of the loop or an order, with the version of the case as shown. */
export type CaseAction =
  | { action: 'dispatch'; unit: string }
  | { action: 'accept' | 'correct' | 'reopen' | 'notice' | 'meet' | 'escalate' }
  | { action: 'submit' | 'reject' }
  | { action: 'approve'; outcome?: 'resolved' | 'unresolved' }
  | {
      action: 'issue_order'; department: string; leader_rank: OrderView['leader_rank'];
      arrive_by?: Iso; arrive_in_minutes?: number; resolve_by?: Iso; resolve_in_minutes?: number;
      issuer?: 'community' | 'street';
    };
export type ActionRequest = CaseAction & { version: number; note?: string };
export type OrderActionRequest =
  | { action: 'acknowledge' | 'arrive'; version: number }
  | { action: 'report'; version: number; resolved: boolean; result: string };

/** Queue filters: comma-separated lists. */
export interface QueueFilter {
  stage?: string; level?: string; grade?: string; unit?: string; channel?: string; matter?: string;
  clock?: string; q?: string; limit?: number; offset?: number;
}
export interface QueueRow {
  case: CaseView; clocks: ClockView[]; next_clock: ClockView | null; clock_state: ClockState;
  open_orders: number; possible_duplicates: number;
}
export interface QueuePage { now: Iso; total: number; rows: QueueRow[] }

export interface ProposeForm {
  matter: string; lon?: number; lat?: number; address?: string; building_id?: string;
  people?: number; money_yuan?: number; urgency?: 'normal' | 'high' | 'critical';
}
export interface Proposal {
  lon: number; lat: number; building_id: string | null; place: Place; matter_name: string; domain_name: string;
  level: string; grade: number; tier: string; deadlines: { notice: Iso; meet: Iso; resolve: Iso };
  nearest_stations: NearestStation[]; possible_duplicates: NearView[]; in_scope: boolean;
}
export interface NewCaseForm extends ProposeForm {
  description: string; channel?: string; level?: 'L1' | 'L2' | 'L3';
  reporter_name?: string; reporter_phone?: string;
}

export interface Matter {
  code: string; name: string; domain: string; domain_name: string; default_level: string;
  notice_minutes: number; meet_minutes: number; resolve: string;
}
export interface Department { code: string; name: string; tier: 'district' | 'street'; domains: string[] }

export interface DepartmentColumn {
  department: string; name: string | null; open: OrderView[]; overdue: number; total: number;
  arrived_late: number; resolved_late: number; on_time_rate: number;
}
export interface OrdersBoard { now: Iso; departments: DepartmentColumn[] }

export interface Alarm { case: CaseView; kind: ClockView['kind']; order_id: string | null; due_at: Iso; breached_at: Iso }

export interface Figures {
  key: string; handled: number; resolved: number; resolution_rate: number; same_day: number;
  same_day_rate: number; notice_compliance: number; meet_compliance: number; resolve_compliance: number;
  orders: number; orders_on_time: number; orders_on_time_rate: number;
  median_close_minutes: number | null; p90_close_minutes: number | null;
}
export interface FiguresQuery { from?: Iso; to?: Iso; by?: string }

export interface Principal {
  user: string; display_name: string; role: Role; street: string | null; via: 'session' | 'api_key' | 'local';
}
export interface Me {
  principal: Principal; street_name: string | null; sees_personal_data: boolean;
  acts_on_cases: boolean; administers: boolean;
}
export interface AuthStatus { needs_setup: boolean; setup_open: boolean }

export interface SearchHit {
  kind: 'street' | 'community' | 'subgrid' | 'district' | 'station' | 'building' | 'case';
  id: string; label: string; context: string; bbox: [number, number, number, number];
}

export type LiveEvent =
  | { type: 'case'; feature: Feature<Point, Props>; event: string; version: number }
  | {
      type: 'alarm'; case_id: string; event: 'clock_at_risk' | 'clock_breached' | 'escalated';
      detail: string | null; street_code: string | null; matter: string; grade: number; at: Iso;
    }
  | { type: 'order'; id: string; case_id: string; event: string; version: number; street_code: string | null }
  /** The map was drawn again after layers changed in the store (an import, a planning apply):
   * fetch the layers again and ask for tiles of `version`. */
  | { type: 'layers'; version: number; changed: string[] };

/** An error as it crosses IPC and HTTP: a closed code the UI switches on, and a message. A
 * `conflict` (someone changed the case first) carries the case as it is now in `current`. */
export class BackendError extends Error {
  constructor(public readonly code: string, message: string, public readonly current?: CaseDetail) {
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
  /** The URL template (`{z}/{x}/{y}`) MapLibre fetches a tiled layer's tiles from. */
  tileUrl(layer: TileLayerName): string;
  /** The view asked for at start (`lon,lat,zoom` or a unit code): the page's `#at=` in a browser,
   * `$ONEMAP_START_VIEW` in the window; null for the whole dataset. */
  startView(): Promise<string | null>;
  /** Subscribes to live events; returns the unsubscribe function. */
  onLive(cb: (ev: LiveEvent) => void): () => void;

  // Access. In the desktop window the local administrator is always logged in.
  authStatus(): Promise<AuthStatus>;
  login(username: string, password: string): Promise<Me>;
  setup(code: string, username: string, password: string): Promise<Me>;
  logout(): Promise<void>;
  me(): Promise<Me>;

  // The operator's workflows.
  queue(filter?: QueueFilter): Promise<QueuePage>;
  act(caseId: string, request: ActionRequest): Promise<CaseDetail>;
  orderAct(orderId: string, request: OrderActionRequest): Promise<CaseDetail>;
  decideDuplicate(caseId: string, version: number, other: string, decision: 'confirm' | 'dismiss'): Promise<CaseDetail>;
  propose(form: ProposeForm): Promise<Proposal>;
  fileCase(form: NewCaseForm): Promise<CaseDetail>;
  ordersBoard(): Promise<OrdersBoard>;
  alarms(): Promise<Alarm[]>;
  ackAlarm(caseId: string, kind: ClockView['kind'], orderId?: string): Promise<void>;
  matters(): Promise<Matter[]>;
  departments(): Promise<Department[]>;
  figures(query?: FiguresQuery): Promise<Figures[]>;
  /** Reports the first complete map and the building features drawn from the tiles (the
   * desktop test waits for it). */
  mapReady(ms: number, buildings: number): Promise<void>;
  /** Planning: coverage, gaps, scenarios, suggestions, policy, walking, exports. */
  readonly planning: PlanningApi;
}

// ---- Planning (issue 7): coverage, gaps, what-if scenarios, suggestions, policy, walking ----

export type PlanningService = 'appeal' | 'legal' | 'psych';
/** A service, or `any` station. */
export type CoverageService = PlanningService | 'any';
export type UnitLevel = 'district' | 'street' | 'community' | 'subgrid';
export type StationLevel = 'district_hall' | 'street_hall' | 'community_hall' | 'subgrid_station';

/** Covered counts, uncovered area and shares of one unit for one service. */
export interface PlanningFigures {
  buildings_covered: number; residents_covered: number; warning_covered: number;
  uncovered_km2: number; building_share: number; resident_share: number; area_share: number;
}
/** One unit and service: with the saved stations and in the scenario (equal without one). */
export interface CoverageRow {
  level: UnitLevel; code: string; name: string; service: CoverageService;
  buildings: number; residents: number; warning: number; area_km2: number;
  saved: PlanningFigures; scenario: PlanningFigures;
}
export interface CoverageTable {
  scenario: string | null; level: UnitLevel; radius_m: number;
  /** The whole dataset, per service asked. */
  totals: CoverageRow[];
  rows: CoverageRow[];
}

/** One change to a scenario. */
export type StationEdit =
  | { op: 'add'; id?: string; name?: string; level?: StationLevel; services: PlanningService[]; lon: number; lat: number }
  | { op: 'move'; id: string; lon: number; lat: number }
  | { op: 'remove'; id: string }
  | { op: 'restore'; id: string }
  | { op: 'services'; id: string; services: PlanningService[] };

export interface PlannedStation {
  id: string; name: string; level: StationLevel; services: PlanningService[]; lon: number; lat: number;
}
/** A scenario's changes against the saved stations. */
export interface Plan { added: PlannedStation[]; changed: PlannedStation[]; removed: string[] }
export interface ScenarioMeta {
  id: string; name: string; note: string;
  /** The stored version the working copy started from (0: never stored). */
  version: number;
  /** Edits not saved yet. */
  dirty: boolean;
  applied_at: number | null;
}
export interface ScenarioView { scenario: ScenarioMeta; plan: Plan; undo_depth: number; totals: CoverageRow[] }
export interface ScenarioItem {
  scenario: ScenarioMeta; added: number; changed: number; removed: number;
  updated_at: number | null; updated_by: string | null;
}
/** What one request's edits changed for one service. */
export interface SlotDelta {
  service: CoverageService; newly_covered: number; newly_uncovered: number;
  /** At most 500 ids each; the counts are complete. */
  newly_covered_ids: string[]; newly_uncovered_ids: string[];
  residents: number; uncovered_km2: number;
}
/** The answer to an edit (fast enough to send while a station is dragged). */
export interface EditResult {
  scenario: ScenarioMeta; stations: string[]; undo_depth: number;
  totals: CoverageRow[]; changes: SlotDelta[];
  /** The sub-grids whose figures changed, per service and any. */
  subgrids: CoverageRow[];
  /** The communities and streets holding them, per service and any. */
  units: CoverageRow[];
}
export interface ComparisonColumn { id: string; name: string; total: PlanningFigures; stations: [number, number, number] }
export interface Comparison {
  /** The saved stations first (`id` empty), then each scenario. */
  columns: ComparisonColumn[];
  rows: { code: string; name: string; residents: number; values: PlanningFigures[] }[];
}

export interface SuggestRequest {
  service?: CoverageService; count?: number;
  /** Instead of a count: a share to reach, e.g. 0.98 or "98%". */
  target?: number | string;
  objective?: 'residents' | 'buildings' | 'warning-buildings';
  /** `buildings`, `halls`, `lattice:50m`. */
  candidates?: string;
  /** Areas where no station may go (GeoJSON polygons, WGS84). */
  exclude?: GeoJSON;
  scenario?: string;
}
export interface SiteWeights { weight: number; buildings: number; residents: number; warning: number }
export type SiteKind =
  | { kind: 'building'; id: string; address: string }
  | { kind: 'hall'; id: string; name: string }
  | { kind: 'lattice' };
export interface SuggestedSite {
  rank: number; lon: number; lat: number; kind: SiteKind; subgrid_code: string; subgrid_name: string;
  gain: SiteWeights; covered_after: SiteWeights; share_after: number;
}
export interface Suggestion {
  service: PlanningService | null; objective: string; candidates: { kind: string; spacing_m?: number };
  candidate_count: number; excluded: number; total: SiteWeights; covered_before: SiteWeights;
  sites: SuggestedSite[];
  /** No set of as many sites gains more than `upper`; `ratio` = greedy / upper. */
  bound: { greedy: number; upper: number; ratio: number; a_priori: number };
  target: { share: number; reached: boolean; min_stations: number | null } | null;
}
export interface FixSite { lon: number; lat: number; kind: SiteKind; residents: number }
export interface FailingSubgrid {
  subgrid: number; code: string; name: string; community: string; street: string;
  residents: number; residents_uncovered: number; buildings_uncovered: number; share_covered: number;
  fix: { stations: number; optimal: boolean; lower_bound: number; sites: FixSite[] };
}
export interface PolicyReport {
  radius_m: number;
  services: {
    service: PlanningService; subgrids: number; passing: number; failing: FailingSubgrid[];
    residents_uncovered: number;
    /** The fewest stations making every sub-grid pass at once; `fix.target.min_stations` bounds it. */
    fix: Suggestion;
  }[];
}
export interface WalkingRow {
  level: UnitLevel; code: string; name: string; buildings: number; residents: number;
  circle_buildings: number; circle_residents: number; walking_buildings: number; walking_residents: number;
}
export interface WalkingView {
  available: boolean; service: CoverageService; scenario: string | null;
  edges: number; length_km: number; total: WalkingRow | null; rows: WalkingRow[];
}
export type PlanningExportFile = 'coverage.csv' | 'gaps.geojson' | 'report.html' | 'report.pdf';
export interface PlanningExportOptions {
  level?: UnitLevel; service?: CoverageService; scenario?: string; lang?: 'zh-CN' | 'en';
}

/** The planning app API; the same on both transports. */
export interface PlanningApi {
  coverage(opts?: { level?: UnitLevel; service?: CoverageService; scenario?: string }): Promise<CoverageTable>;
  gaps(opts?: { service?: CoverageService; scenario?: string }): Promise<FeatureCollection>;
  /** A scenario's stations (`planned`: added / changed / removed), or their 500-m circles. */
  stations(opts?: { scenario?: string; circles?: boolean }): Promise<FeatureCollection>;
  scenarios(): Promise<ScenarioItem[]>;
  create(name: string, opts?: { note?: string; from?: string }): Promise<ScenarioView>;
  scenario(id: string): Promise<ScenarioView>;
  /** Edits in order, all or none. */
  edit(id: string, edits: StationEdit | StationEdit[]): Promise<EditResult>;
  undo(id: string): Promise<EditResult>;
  save(id: string, opts?: { name?: string; note?: string }): Promise<ScenarioView>;
  remove(id: string): Promise<void>;
  compare(ids: string[], opts?: { level?: UnitLevel; service?: CoverageService }): Promise<Comparison>;
  /** Writes the stations layer (saved, unedited scenarios only) and swaps the Atlas. */
  apply(id: string): Promise<{ scenario: ScenarioMeta; import: { layer: string; count: number } }>;
  suggest(req: SuggestRequest): Promise<Suggestion>;
  policy(opts?: { service?: PlanningService; scenario?: string }): Promise<PolicyReport>;
  walking(opts?: { service?: CoverageService; level?: UnitLevel; scenario?: string }): Promise<WalkingView>;
  exportFile(file: PlanningExportFile, opts?: PlanningExportOptions): Promise<Blob>;
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

export interface PlanningReportRequest { format: 'pdf' | 'html'; lang: 'zh-CN' | 'en'; scenario?: string }

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
  /** The planning report as a job (progress, Cancel), its file fetched with jobFile. */
  planningReportStart(req: PlanningReportRequest): Promise<string>;
  job(id: string): Promise<JobStatus>;
  jobCancel(id: string): Promise<JobStatus>;
  /** The job's file: a Blob to save (browser), or where it was saved (desktop). */
  jobFile(id: string): Promise<Blob>;
}

// The planning API over Tauri invoke (the desktop's `planning_*` commands).
import { invoke } from '@tauri-apps/api/core';
import type { FeatureCollection } from 'geojson';
import {
  BackendError, type Comparison, type CoverageService, type CoverageTable, type EditResult,
  type PlanningApi, type PlanningExportFile, type PlanningExportOptions, type PlanningService,
  type PolicyReport, type ScenarioItem, type ScenarioMeta, type ScenarioView, type StationEdit,
  type SuggestRequest, type Suggestion, type UnitLevel, type WalkingView,
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

/** Commands answering raw text (GeoJSON) arrive as a string or bytes. */
async function geojson(cmd: string, args: Record<string, unknown>): Promise<FeatureCollection> {
  const raw = await call<string | ArrayBuffer>(cmd, args);
  const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
  return JSON.parse(text) as FeatureCollection;
}

const TYPES: Record<PlanningExportFile, string> = {
  'coverage.csv': 'text/csv;charset=utf-8',
  'gaps.geojson': 'application/geo+json',
  'report.html': 'text/html;charset=utf-8',
  'report.pdf': 'application/pdf',
};

export class TauriPlanning implements PlanningApi {
  coverage(o: { level?: UnitLevel; service?: CoverageService; scenario?: string } = {}): Promise<CoverageTable> {
    return call('planning_coverage', o);
  }
  gaps(o: { service?: CoverageService; scenario?: string } = {}): Promise<FeatureCollection> {
    return geojson('planning_gaps', o);
  }
  stations(o: { scenario?: string; circles?: boolean } = {}): Promise<FeatureCollection> {
    return geojson('planning_stations', o);
  }
  scenarios(): Promise<ScenarioItem[]> { return call('planning_scenarios'); }
  create(name: string, o: { note?: string; from?: string } = {}): Promise<ScenarioView> {
    return call('planning_create', { name, ...o });
  }
  scenario(id: string): Promise<ScenarioView> { return call('planning_scenario', { id }); }
  edit(id: string, edits: StationEdit | StationEdit[]): Promise<EditResult> {
    return call('planning_edit', { id, edits: Array.isArray(edits) ? edits : [edits] });
  }
  undo(id: string): Promise<EditResult> { return call('planning_undo', { id }); }
  save(id: string, o: { name?: string; note?: string } = {}): Promise<ScenarioView> {
    return call('planning_save', { id, ...o });
  }
  remove(id: string): Promise<void> { return call('planning_delete', { id }); }
  compare(ids: string[], o: { level?: UnitLevel; service?: CoverageService } = {}): Promise<Comparison> {
    return call('planning_compare', { ids, ...o });
  }
  apply(id: string): Promise<{ scenario: ScenarioMeta; import: { layer: string; count: number } }> {
    return call('planning_apply', { id });
  }
  suggest(req: SuggestRequest): Promise<Suggestion> { return call('planning_suggest', { params: req }); }
  policy(o: { service?: PlanningService; scenario?: string } = {}): Promise<PolicyReport> {
    return call('planning_policy', o);
  }
  walking(o: { service?: CoverageService; level?: UnitLevel; scenario?: string } = {}): Promise<WalkingView> {
    return call('planning_walking', o);
  }
  async exportFile(file: PlanningExportFile, o: PlanningExportOptions = {}): Promise<Blob> {
    const raw = await call<ArrayBuffer | number[]>('planning_export', { file, ...o });
    const bytes = raw instanceof ArrayBuffer ? new Uint8Array(raw) : new Uint8Array(raw);
    return new Blob([bytes], { type: TYPES[file] });
  }
}

// The planning API over HTTP (`/api/planning/…` of `onemap serve`).
import type { FeatureCollection } from 'geojson';
import {
  type Comparison, type CoverageService, type CoverageTable, type EditResult,
  type PlanningApi, type PlanningExportFile, type PlanningExportOptions, type PlanningService,
  type PolicyReport, type ScenarioItem, type ScenarioMeta, type ScenarioView, type StationEdit,
  type SuggestRequest, type Suggestion, type UnitLevel, type WalkingView,
} from './types';
import { blob, enc, qs, send } from './http-core';

const base = 'api/planning';

export class HttpPlanning implements PlanningApi {
  coverage(o: { level?: UnitLevel; service?: CoverageService; scenario?: string } = {}): Promise<CoverageTable> {
    return send('GET', `${base}/coverage${qs(o)}`);
  }
  gaps(o: { service?: CoverageService; scenario?: string } = {}): Promise<FeatureCollection> {
    return send('GET', `${base}/gaps${qs(o)}`);
  }
  stations(o: { scenario?: string; circles?: boolean } = {}): Promise<FeatureCollection> {
    return send('GET', `${base}/stations${qs(o)}`);
  }
  scenarios(): Promise<ScenarioItem[]> { return send('GET', `${base}/scenarios`); }
  create(name: string, o: { note?: string; from?: string } = {}): Promise<ScenarioView> {
    return send('POST', `${base}/scenarios`, { name, ...o });
  }
  scenario(id: string): Promise<ScenarioView> { return send('GET', `${base}/scenarios/${enc(id)}`); }
  edit(id: string, edits: StationEdit | StationEdit[]): Promise<EditResult> {
    return send('POST', `${base}/scenarios/${enc(id)}/edits`, edits);
  }
  undo(id: string): Promise<EditResult> { return send('POST', `${base}/scenarios/${enc(id)}/undo`); }
  save(id: string, o: { name?: string; note?: string } = {}): Promise<ScenarioView> {
    return send('PUT', `${base}/scenarios/${enc(id)}`, o);
  }
  remove(id: string): Promise<void> { return send('DELETE', `${base}/scenarios/${enc(id)}`); }
  compare(ids: string[], o: { level?: UnitLevel; service?: CoverageService } = {}): Promise<Comparison> {
    return send('GET', `${base}/compare${qs({ ids: ids.join(','), ...o })}`);
  }
  apply(id: string): Promise<{ scenario: ScenarioMeta; import: { layer: string; count: number } }> {
    return send('POST', `${base}/scenarios/${enc(id)}/apply`);
  }
  suggest(req: SuggestRequest): Promise<Suggestion> { return send('POST', `${base}/suggest`, req); }
  policy(o: { service?: PlanningService; scenario?: string } = {}): Promise<PolicyReport> {
    return send('GET', `${base}/policy${qs(o)}`);
  }
  walking(o: { service?: CoverageService; level?: UnitLevel; scenario?: string } = {}): Promise<WalkingView> {
    return send('GET', `${base}/walking${qs(o)}`);
  }
  exportFile(file: PlanningExportFile, o: PlanningExportOptions = {}): Promise<Blob> {
    return blob(`${base}/export/${file}${qs({ ...o })}`);
  }

}

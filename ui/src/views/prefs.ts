// What the screen keeps across restarts (localStorage): the workspace, the queue's filters, the
// layers shown, the map's view and the planner's choices. One JSON object under one key; a
// missing or broken entry falls back to the defaults, a private window simply forgets.
import type { Me, QueueFilter } from '../backend';

export type Workspace = 'map' | 'ops' | 'orders' | 'planner' | 'dashboard' | 'risk';
export const WORKSPACES: Workspace[] = ['map', 'ops', 'orders', 'planner', 'dashboard', 'risk'];

/** The workspaces a role has: the planner's for planners, administrators and district operators
 * (who may read the coverage; only the first two edit scenarios, as the server enforces); a
 * street operator works on cases of one street and a leader has the briefing. Every role has
 * the dashboard and the risk view (they carry no personal data). */
export function workspacesOf(me: Me | null): Workspace[] {
  const role = me?.principal.role;
  const plans = role === 'planner' || role === 'admin' || role === 'district_operator';
  return WORKSPACES.filter((w) => w !== 'planner' || plans);
}
export type Service = 'appeal' | 'legal' | 'psych';

export interface PlannerPrefs {
  service: Service;
  level: 'subgrid' | 'community' | 'street';
  metric: 'residents' | 'buildings';
  scenario: string | null;
}

export interface Prefs {
  workspace: Workspace;
  filters: QueueFilter;
  /** Layer toggles the operator changed from their defaults. */
  layers: Record<string, boolean>;
  camera: { center: [number, number]; zoom: number } | null;
  planner: PlannerPrefs;
}

const KEY = 'onemap.prefs';

const DEFAULTS: Prefs = {
  workspace: 'map',
  filters: {},
  layers: {},
  camera: null,
  planner: { service: 'appeal', level: 'subgrid', metric: 'residents', scenario: null },
};

function load(): Prefs {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return structuredClone(DEFAULTS);
    const p = JSON.parse(raw) as Partial<Prefs>;
    return {
      workspace: WORKSPACES.includes(p.workspace as Workspace) ? (p.workspace as Workspace) : DEFAULTS.workspace,
      filters: typeof p.filters === 'object' && p.filters ? p.filters : {},
      layers: typeof p.layers === 'object' && p.layers ? p.layers : {},
      camera: p.camera && Array.isArray(p.camera.center) && Number.isFinite(p.camera.zoom) ? p.camera : null,
      planner: { ...DEFAULTS.planner, ...(p.planner ?? {}) },
    };
  } catch {
    return structuredClone(DEFAULTS);
  }
}

let current: Prefs = load();

export function prefs(): Readonly<Prefs> { return current; }

/** Merges `patch` into the stored preferences. */
export function savePrefs(patch: Partial<Prefs>): void {
  current = { ...current, ...patch };
  try { localStorage.setItem(KEY, JSON.stringify(current)); } catch { /* private mode: forget */ }
}

/** Remembers a layer switched on or off. */
export function rememberLayer(layer: string, on: boolean): void {
  savePrefs({ layers: { ...current.layers, [layer]: on } });
}

// Deep links: the URL's hash names the workspace and the case in focus, e.g.
// `#view=ops&case=GM-2026-000001`, and may carry a map view `at=lon,lat,zoom`. The hash always
// shows where the operator is, so a link copied from the address bar opens the same screen.
import { WORKSPACES, type Workspace } from './prefs';

export interface Route { view?: Workspace; case?: string; at?: [number, number, number] }

export function readRoute(hash = location.hash): Route {
  const p = new URLSearchParams(hash.replace(/^#\/?/, ''));
  const r: Route = {};
  const v = p.get('view');
  if (v && WORKSPACES.includes(v as Workspace)) r.view = v as Workspace;
  const c = p.get('case');
  if (c) r.case = c;
  const at = p.get('at')?.split(',').map(Number);
  if (at && at.length === 3 && at.every(Number.isFinite)) r.at = [at[0] ?? 0, at[1] ?? 0, at[2] ?? 0];
  return r;
}

/** Writes the route into the hash without adding a history entry per change. */
export function writeRoute(r: Route): void {
  const p = new URLSearchParams();
  if (r.view) p.set('view', r.view);
  if (r.case) p.set('case', r.case);
  if (r.at) p.set('at', r.at.map((x, i) => (i < 2 ? x.toFixed(5) : x.toFixed(2))).join(','));
  const hash = `#${p.toString().replaceAll('%2C', ',')}`;
  if (hash !== location.hash) history.replaceState(null, '', hash);
}

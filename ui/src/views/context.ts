// What every workflow panel shares: the backend, the map and its overlay, who is signed in, the
// server's clock, the catalogues (units, matters, departments), and a few calls between panels.
import type { FeatureCollection } from 'geojson';
import { BackendError, type Backend, type Department, type Matter, type Me } from '../backend';
import { t, tk } from '../i18n';
import type { MapView } from '../map';
import type { FocusOverlay } from '../map/focus';
import type { ServerClock } from './clock';

export interface Unit { code: string; name: string; street?: string; community?: string }

/** The administrative tree by code, from the layers the map already loaded. */
export class Directory {
  readonly streets: Unit[];
  readonly communities: Unit[];
  readonly subgrids: Unit[];
  private readonly byCode = new Map<string, Unit>();

  constructor(layers: { streets: FeatureCollection; communities: FeatureCollection; subgrids: FeatureCollection }) {
    const units = (fc: FeatureCollection): Unit[] => fc.features.map((f) => {
      const p = f.properties ?? {};
      return {
        code: String(p.code), name: String(p.name),
        street: p.street_code ? String(p.street_code) : undefined,
        community: p.community_code ? String(p.community_code) : undefined,
      };
    }).sort((a, b) => a.code.localeCompare(b.code));
    this.streets = units(layers.streets);
    this.communities = units(layers.communities);
    this.subgrids = units(layers.subgrids);
    for (const u of [...this.streets, ...this.communities, ...this.subgrids]) this.byCode.set(u.code, u);
  }

  name(code: string | null | undefined): string { return code ? this.byCode.get(code)?.name ?? code : '—'; }
  unit(code: string): Unit | undefined { return this.byCode.get(code); }
}

export interface Ctx {
  backend: Backend;
  view: MapView;
  focus: FocusOverlay;
  me: Me | null;
  clock: ServerClock;
  dir: Directory;
  matters: Matter[];
  departments: Department[];
  /** Whether the signed-in role takes actions on cases (operators, administrators). */
  acts: boolean;
  /** Opens a case in the detail panel (and on the map). */
  openCase(id: string): void;
  /** A short message in the corner. */
  toast(text: string, kind?: 'ok' | 'error' | 'info'): void;
}

/** An error for a person: the code's name in the UI's language and the server's message. */
export function errorText(e: unknown): string {
  if (e instanceof BackendError) return `${tk(`error.${e.code}`, e.code)}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** The matter's name, or its code. */
export function matterName(ctx: Ctx, code: string): string {
  return ctx.matters.find((m) => m.code === code)?.name ?? code;
}

/** The department's name, or its code. */
export function departmentName(ctx: Ctx, code: string | null | undefined): string {
  if (!code) return '—';
  return ctx.departments.find((d) => d.code === code)?.name ?? code;
}

export const STAGES = ['reported', 'dispatched', 'handling', 'review', 'closed'] as const;
export const OPEN_STAGES = ['reported', 'dispatched', 'handling', 'review'] as const;
export const CHANNELS = ['hall', 'station', 'hotline', 'app', 'qr', 'patrol', 'camera'] as const;

export const stageName = (s: string) => tk(`stage.${s}`, s);
export const clockName = (k: string) => tk(`clock.${k}`, k);
export const gradeName = (g: number) => tk(`grade.${g}`, String(g));
export const channelName = (c: string) => tk(`channel.${c}`, c);
export const yes = () => t('common.yes');

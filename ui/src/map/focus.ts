// The operator's overlay on the one map: the case in focus (ringed), a line to its nearest
// station of each service, the other open cases within 500 m, and the point a new case is being
// placed at. One GeoJSON source and a few layers above everything else; data arrives by setData.
import type { GeoJSONSource, LayerSpecification } from 'maplibre-gl';
import type { Feature, FeatureCollection } from 'geojson';
import { FONT } from './ids';
import type { MapView } from './index';

const SRC_FOCUS = 'src-focus';

/** The overlay's layer ids (tests and screenshots query them). */
export const FOCUS_LAYERS = {
  lines: 'focus-lines',
  near: 'focus-near',
  stations: 'focus-stations',
  stationLabels: 'focus-station-labels',
  halo: 'focus-case-halo',
  pick: 'focus-pick',
} as const;

/** Service colours that read on both themes. */
export const SERVICE_COLOUR = { appeal: '#06b6d4', legal: '#8b5cf6', psych: '#10b981' } as const;

export interface FocusSpec {
  case: { id: string; lon: number; lat: number; grade: number };
  stations: { service: string; id: string; name: string; lon: number; lat: number; distance_m: number }[];
  nearby: { id: string; lon: number; lat: number; grade: number }[];
}

const point = (lon: number, lat: number, props: Record<string, unknown>): Feature => ({
  type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: props,
});

export class FocusOverlay {
  private focus: FeatureCollection = { type: 'FeatureCollection', features: [] };
  private pickAt: [number, number] | null = null;

  constructor(private readonly view: MapView) {}

  /** Rings a case and draws its stations and neighbours (`null`: clears it). */
  show(spec: FocusSpec | null): void {
    const features: Feature[] = [];
    if (spec) {
      const { lon, lat } = spec.case;
      for (const s of spec.stations) {
        const colour = SERVICE_COLOUR[s.service as keyof typeof SERVICE_COLOUR] ?? '#94a3b8';
        features.push({
          type: 'Feature',
          geometry: { type: 'LineString', coordinates: [[lon, lat], [s.lon, s.lat]] },
          properties: { role: 'line', service: s.service, colour },
        });
        features.push(point(s.lon, s.lat, {
          role: 'station', id: s.id, service: s.service, colour, label: `${s.name} ${Math.round(s.distance_m)} m`,
        }));
      }
      for (const n of spec.nearby) features.push(point(n.lon, n.lat, { role: 'near', id: n.id, grade: n.grade }));
      features.push(point(lon, lat, { role: 'case', id: spec.case.id, grade: spec.case.grade }));
    }
    this.focus = { type: 'FeatureCollection', features };
    this.push();
  }

  /** Marks the point a new case is being placed at (`null`: none). */
  pick(at: [number, number] | null): void {
    this.pickAt = at;
    this.push();
  }

  private push(): void {
    this.ensure();
    const features = [...this.focus.features];
    if (this.pickAt) features.push(point(this.pickAt[0], this.pickAt[1], { role: 'pick' }));
    (this.view.map.getSource(SRC_FOCUS) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
  }

  private ensure(): void {
    const map = this.view.map;
    if (map.getSource(SRC_FOCUS)) return;
    map.addSource(SRC_FOCUS, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    const role = (r: string) => ['==', ['get', 'role'], r] as ['==', ['get', string], string];
    const layers: LayerSpecification[] = [
      {
        id: FOCUS_LAYERS.lines, type: 'line', source: SRC_FOCUS, filter: role('line'),
        layout: { 'line-cap': 'round' },
        paint: { 'line-color': ['get', 'colour'], 'line-width': 2.2, 'line-dasharray': [2, 1.5], 'line-opacity': 0.95 },
      },
      {
        id: FOCUS_LAYERS.near, type: 'circle', source: SRC_FOCUS, filter: role('near'),
        paint: { 'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#f59e0b', 'circle-stroke-width': 2 },
      },
      {
        id: FOCUS_LAYERS.stations, type: 'circle', source: SRC_FOCUS, filter: role('station'),
        paint: { 'circle-radius': 7, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': ['get', 'colour'], 'circle-stroke-width': 3 },
      },
      {
        id: FOCUS_LAYERS.stationLabels, type: 'symbol', source: SRC_FOCUS, filter: role('station'),
        layout: { 'text-font': FONT, 'text-size': 11, 'text-field': ['get', 'label'], 'text-offset': [0, -1.4], 'text-anchor': 'bottom', 'text-optional': true },
        paint: { 'text-color': ['get', 'colour'], 'text-halo-color': '#020817', 'text-halo-width': 1.4 },
      },
      {
        id: FOCUS_LAYERS.halo, type: 'circle', source: SRC_FOCUS, filter: role('case'),
        paint: {
          'circle-radius': 15, 'circle-color': 'rgba(253, 224, 71, 0.18)',
          'circle-stroke-color': '#fde047', 'circle-stroke-width': 3,
        },
      },
      {
        id: FOCUS_LAYERS.pick, type: 'circle', source: SRC_FOCUS, filter: role('pick'),
        paint: { 'circle-radius': 8, 'circle-color': '#f43f5e', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 },
      },
    ];
    for (const l of layers) map.addLayer(l);
  }
}

// Two overlays of the reports, on any MapLibre map: the sub-grid risk choropleth (with its
// inputs on hover) and the briefing's case dots. Idempotent like layers.ts; ids are constants.
import type { ExpressionSpecification, GeoJSONSource, Map as MlMap, MapMouseEvent } from 'maplibre-gl';
import { LYR } from './ids';

export const RISK_SRC = 'src-risk';
export const RISK_FILL = 'risk-fill';
export const RISK_LINE = 'risk-line';
export const RISK_FOCUS = 'risk-focus';
export const DOTS_SRC = 'src-dots';
export const DOTS = 'dots';

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

function beforeLabels(map: MlMap): string | undefined {
  return [LYR.subgridLabel, LYR.communityLabel, LYR.streetLabel].find((id) => map.getLayer(id));
}

/** The colour ramp as a MapLibre expression over `score` (0–100). */
export function rampExpression(stops: [number, string][]): ExpressionSpecification {
  return ['interpolate', ['linear'], ['coalesce', ['get', 'score'], 0], ...stops.flat()] as unknown as ExpressionSpecification;
}

export interface RiskHover { props: Record<string, unknown>; point: { x: number; y: number } }

/** The risk choropleth over the sub-grids. */
export class RiskLayer {
  constructor(private readonly map: MlMap, stops: [number, string][], onHover: (h: RiskHover | null) => void,
    onClick?: (code: string) => void) {
    if (!map.getSource(RISK_SRC)) map.addSource(RISK_SRC, { type: 'geojson', data: EMPTY });
    const before = beforeLabels(map);
    if (!map.getLayer(RISK_FILL)) {
      map.addLayer({ id: RISK_FILL, type: 'fill', source: RISK_SRC, paint: { 'fill-color': rampExpression(stops), 'fill-opacity': 0.72 } }, before);
      map.addLayer({ id: RISK_LINE, type: 'line', source: RISK_SRC, paint: { 'line-color': '#050d1a', 'line-width': 0.6, 'line-opacity': 0.8 } }, before);
      map.addLayer({ id: RISK_FOCUS, type: 'line', source: RISK_SRC, filter: ['==', ['get', 'code'], ''], paint: { 'line-color': '#fde047', 'line-width': 3.5 } }, before);
    }
    map.on('mousemove', RISK_FILL, (e: MapMouseEvent & { features?: unknown[] }) => {
      const f = (e.features as { properties: Record<string, unknown> }[] | undefined)?.[0];
      onHover(f ? { props: f.properties, point: e.point } : null);
    });
    map.on('mouseleave', RISK_FILL, () => onHover(null));
    if (onClick) {
      map.on('click', RISK_FILL, (e: MapMouseEvent & { features?: unknown[] }) => {
        const f = (e.features as { properties: Record<string, unknown> }[] | undefined)?.[0];
        if (f) onClick(String(f.properties.code));
      });
    }
  }

  /** Sub-grid outlines with their score and inputs as properties. */
  setData(fc: GeoJSON.FeatureCollection): void {
    (this.map.getSource(RISK_SRC) as GeoJSONSource | undefined)?.setData(fc);
  }

  setVisible(on: boolean): void {
    for (const id of [RISK_FILL, RISK_LINE, RISK_FOCUS]) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
    }
  }

  /** Outlines exactly these sub-grids. */
  focusCodes(codes: string[]): void {
    this.map.setFilter(RISK_FOCUS, ['in', ['get', 'code'], ['literal', codes]]);
  }

  /** Outlines the sub-grids whose code starts with `prefix` ('' for none). */
  focus(prefix: string): void {
    this.map.setFilter(RISK_FOCUS, prefix ? ['==', ['slice', ['get', 'code'], 0, prefix.length], prefix] : ['==', ['get', 'code'], '']);
  }
}

/** Case dots coloured by warning grade; `fade` (0–1) dims a closed case during a playback. */
export class DotsLayer {
  constructor(private readonly map: MlMap, colours: Record<1 | 2 | 3, string>) {
    if (!map.getSource(DOTS_SRC)) map.addSource(DOTS_SRC, { type: 'geojson', data: EMPTY });
    if (!map.getLayer(DOTS)) {
      map.addLayer({
        id: DOTS, type: 'circle', source: DOTS_SRC,
        paint: {
          'circle-color': ['match', ['get', 'grade'], 1, colours[1], 2, colours[2], colours[3]],
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, ['match', ['get', 'grade'], 1, 10, 2, 8, 6], 15, ['match', ['get', 'grade'], 1, 20, 2, 16, 12]],
          'circle-opacity': ['-', 1, ['*', 0.75, ['coalesce', ['get', 'fade'], 0]]],
          'circle-stroke-color': '#020817', 'circle-stroke-width': 1.2,
        },
      });
    }
  }

  setDots(features: GeoJSON.Feature<GeoJSON.Point>[]): void {
    (this.map.getSource(DOTS_SRC) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
  }
}

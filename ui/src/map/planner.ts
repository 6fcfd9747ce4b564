// The planner's overlay on the one map (规划分析): the chosen level's units coloured by covered
// share (a choropleth), the coverage gaps of the chosen service, the scenario's stations with
// their 500-m circles, and the suggested sites. Its own sources and layers, added once and fed by
// setData; the circles are drawn here from the stations' points so that a dragged station's
// circle follows the pointer without waiting for the server.
import type { GeoJSONSource, LayerSpecification, Map as MlMap, PointLike } from 'maplibre-gl';
import type { Feature, FeatureCollection, Polygon } from 'geojson';
import { FONT, LYR } from './ids';
import type { MapView } from './index';

/** The overlay's source ids. */
export const PLANNER_SRC = {
  units: 'src-planner-units',
  gaps: 'src-planner-gaps',
  circles: 'src-planner-circles',
  stations: 'src-planner-stations',
  sites: 'src-planner-sites',
} as const;

/** The overlay's layer ids (tests and screenshots query them). */
export const PLANNER_LYR = {
  unitsFill: 'planner-units-fill',
  unitsLine: 'planner-units-line',
  unitsHover: 'planner-units-hover',
  unitsSelected: 'planner-units-selected',
  gapsFill: 'planner-gaps-fill',
  gapsLine: 'planner-gaps-line',
  circlesFill: 'planner-circles-fill',
  circlesLine: 'planner-circles-line',
  stations: 'planner-stations',
  stationLabels: 'planner-station-labels',
  sites: 'planner-sites',
  siteLabels: 'planner-site-labels',
} as const;

/** The choropleth's classes: the lower bound of each covered share and its colour. */
export const SHARE_CLASSES: [number, string][] = [
  [0, '#b91c1c'], [0.5, '#ea580c'], [0.8, '#eab308'], [0.95, '#65a30d'], [1, '#15803d'],
];

/** The 500-m radius of every service circle (DOMAIN.md). */
export const RADIUS_M = 500;

/** A station as the overlay draws it. */
export interface OverlayStation {
  id: string; name: string; lon: number; lat: number;
  /** '' saved and unchanged, 'added', 'changed', 'removed'. */
  planned: string;
}

export interface OverlaySite { rank: number; lon: number; lat: number; taken: boolean }

const empty = (): FeatureCollection => ({ type: 'FeatureCollection', features: [] });

/** A metric circle of `r` metres around a point, as a polygon of 64 vertices (equirectangular
 * offsets are exact enough at this scale: < 0.1 m over 500 m). */
export function circle(lon: number, lat: number, r = RADIUS_M): Polygon {
  const ring: [number, number][] = [];
  const dLat = r / 111_320;
  const dLon = r / (111_320 * Math.cos((lat * Math.PI) / 180));
  for (let i = 0; i <= 64; i++) {
    const a = (i / 64) * 2 * Math.PI;
    ring.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return { type: 'Polygon', coordinates: [ring] };
}

export class PlannerOverlay {
  private readonly map: MlMap;

  constructor(view: MapView) { this.map = view.map; }

  /** The units with a `share` property (0…1) and `code`, `name`. */
  setUnits(fc: FeatureCollection): void { this.source(PLANNER_SRC.units)?.setData(fc); }

  setGaps(fc: FeatureCollection): void { this.source(PLANNER_SRC.gaps)?.setData(fc); }

  /** The scenario's stations; the active ones get a 500-m circle each. */
  setStations(stations: OverlayStation[], colour: string): void {
    this.ensure();
    this.map.setPaintProperty(PLANNER_LYR.circlesLine, 'line-color', colour);
    this.map.setPaintProperty(PLANNER_LYR.circlesFill, 'fill-color', colour);
    const points: Feature[] = stations.map((s) => ({
      type: 'Feature', geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: { id: s.id, name: s.name, planned: s.planned },
    }));
    const circles: Feature[] = stations.filter((s) => s.planned !== 'removed').map((s) => ({
      type: 'Feature', geometry: circle(s.lon, s.lat), properties: { id: s.id, planned: s.planned },
    }));
    this.source(PLANNER_SRC.stations)?.setData({ type: 'FeatureCollection', features: points });
    this.source(PLANNER_SRC.circles)?.setData({ type: 'FeatureCollection', features: circles });
  }

  setSites(sites: OverlaySite[]): void {
    this.source(PLANNER_SRC.sites)?.setData({
      type: 'FeatureCollection',
      features: sites.map((s) => ({
        type: 'Feature', geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
        properties: { rank: s.rank, label: String(s.rank), taken: s.taken },
      })),
    });
  }

  /** Outlines the unit selected in the table (empty: none). */
  select(code: string): void { this.ensure(); this.map.setFilter(PLANNER_LYR.unitsSelected, ['==', ['get', 'code'], code]); }

  /** Outlines the unit under the pointer (empty: none). */
  hover(code: string): void { this.ensure(); this.map.setFilter(PLANNER_LYR.unitsHover, ['==', ['get', 'code'], code]); }

  /** The station (not a removed one) drawn near a screen point, if any. */
  stationAt(point: { x: number; y: number }): string | null {
    if (!this.map.getLayer(PLANNER_LYR.stations)) return null;
    const box: [PointLike, PointLike] = [[point.x - 8, point.y - 8], [point.x + 8, point.y + 8]];
    const f = this.map.queryRenderedFeatures(box, { layers: [PLANNER_LYR.stations] })
      .find((x) => x.properties?.planned !== 'removed');
    return f ? String(f.properties?.id) : null;
  }

  /** The unit drawn at a screen point, if any. */
  unitAt(point: { x: number; y: number }): string | null {
    if (!this.map.getLayer(PLANNER_LYR.unitsFill)) return null;
    const f = this.map.queryRenderedFeatures([point.x, point.y], { layers: [PLANNER_LYR.unitsFill] })[0];
    return f ? String(f.properties?.code) : null;
  }

  /** Shows or hides the whole overlay (it is the planner workspace's only). */
  setVisible(on: boolean): void {
    this.ensure();
    for (const id of Object.values(PLANNER_LYR)) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }

  private source(id: string): GeoJSONSource | undefined {
    this.ensure();
    return this.map.getSource(id) as GeoJSONSource | undefined;
  }

  private ensure(): void {
    const map = this.map;
    if (map.getSource(PLANNER_SRC.units)) return;
    for (const id of Object.values(PLANNER_SRC)) map.addSource(id, { type: 'geojson', data: empty() });
    // The share's classes as a step expression: the colour of the highest bound not above it.
    const step: unknown[] = ['step', ['coalesce', ['get', 'share'], 0], SHARE_CLASSES[0]?.[1]];
    for (const [bound, colour] of SHARE_CLASSES.slice(1)) step.push(bound, colour);
    const planned = (p: string) => ['==', ['get', 'planned'], p];
    const under: LayerSpecification[] = [
      { id: PLANNER_LYR.unitsFill, type: 'fill', source: PLANNER_SRC.units, paint: { 'fill-color': step as never, 'fill-opacity': 0.42 } },
      { id: PLANNER_LYR.unitsLine, type: 'line', source: PLANNER_SRC.units, paint: { 'line-color': '#0f172a', 'line-width': 0.6, 'line-opacity': 0.6 } },
    ];
    const over: LayerSpecification[] = [
      { id: PLANNER_LYR.unitsHover, type: 'line', source: PLANNER_SRC.units, filter: ['==', ['get', 'code'], ''], paint: { 'line-color': '#f8fafc', 'line-width': 2 } },
      { id: PLANNER_LYR.unitsSelected, type: 'line', source: PLANNER_SRC.units, filter: ['==', ['get', 'code'], ''], paint: { 'line-color': '#fde047', 'line-width': 3.5 } },
      { id: PLANNER_LYR.gapsFill, type: 'fill', source: PLANNER_SRC.gaps, paint: { 'fill-color': '#f43f5e', 'fill-opacity': 0.28 } },
      { id: PLANNER_LYR.gapsLine, type: 'line', source: PLANNER_SRC.gaps, paint: { 'line-color': '#f43f5e', 'line-width': 1, 'line-dasharray': [2, 1] } },
      { id: PLANNER_LYR.circlesFill, type: 'fill', source: PLANNER_SRC.circles, paint: { 'fill-color': '#06b6d4', 'fill-opacity': 0.1 } },
      {
        id: PLANNER_LYR.circlesLine, type: 'line', source: PLANNER_SRC.circles,
        paint: { 'line-color': '#06b6d4', 'line-width': ['case', planned('') as never, 1, 2.2], 'line-opacity': 0.9 },
      },
      {
        id: PLANNER_LYR.stations, type: 'circle', source: PLANNER_SRC.stations,
        paint: {
          'circle-radius': ['case', planned('') as never, 4.5, 7],
          'circle-color': ['match', ['get', 'planned'], 'added', '#22c55e', 'changed', '#f59e0b', 'removed', 'rgba(0,0,0,0)', '#e2e8f0'],
          'circle-stroke-color': ['match', ['get', 'planned'], 'removed', '#f43f5e', '#0f172a'],
          'circle-stroke-width': ['match', ['get', 'planned'], 'removed', 2.5, 1.5],
        },
      },
      {
        id: PLANNER_LYR.stationLabels, type: 'symbol', source: PLANNER_SRC.stations, filter: ['!=', ['get', 'planned'], ''],
        layout: { 'text-font': FONT, 'text-size': 11, 'text-field': ['get', 'name'], 'text-offset': [0, -1.3], 'text-anchor': 'bottom', 'text-optional': true },
        paint: { 'text-color': '#f8fafc', 'text-halo-color': '#020817', 'text-halo-width': 1.4 },
      },
      {
        id: PLANNER_LYR.sites, type: 'circle', source: PLANNER_SRC.sites,
        paint: {
          'circle-radius': 10, 'circle-color': ['case', ['get', 'taken'], '#22c55e', '#7c3aed'],
          'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2, 'circle-opacity': 0.92,
        },
      },
      {
        id: PLANNER_LYR.siteLabels, type: 'symbol', source: PLANNER_SRC.sites,
        layout: { 'text-font': FONT, 'text-size': 12, 'text-field': ['get', 'label'], 'text-allow-overlap': true },
        paint: { 'text-color': '#ffffff' },
      },
    ];
    // The choropleth under the roads and labels; the rest above everything.
    const before = map.getLayer(LYR.roadsSecondary) ? LYR.roadsSecondary : undefined;
    for (const l of under) map.addLayer(l, before);
    for (const l of over) map.addLayer(l);
  }
}

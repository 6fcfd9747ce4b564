// Sources and layers of the one map, added by idempotent functions: calling them again (after
// a theme switch) updates paint and layout in place and keeps each layer's visibility.
import type {
  ExpressionSpecification, GeoJSONSourceSpecification, LayerSpecification, LineLayerSpecification, Map as MlMap,
  StyleSpecification, VectorSourceSpecification,
} from 'maplibre-gl';
import { CAMERA_ICON, STATION_ICON } from './icons';
import { FONT, FONT_BOLD, LYR, SRC } from './ids';
import type { Palette } from './theme';

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

/** The base style: a background only, no sources, no glyphs, no sprite, no URL. */
export function baseStyle(p: Palette): StyleSpecification {
  return {
    version: 8,
    name: 'onemap',
    sources: {},
    layers: [{ id: LYR.background, type: 'background', paint: { 'background-color': p.background } }],
  };
}

function geojson(extra: Partial<GeoJSONSourceSpecification> = {}): GeoJSONSourceSpecification {
  return { type: 'geojson', data: EMPTY, ...extra };
}

/** Where the tiled layers come from: a URL template per layer, and the data's extent. */
export interface TileSources {
  url: (layer: 'buildings' | 'cameras' | 'roads') => string;
  bbox: [number, number, number, number];
}

/** The zoom from which each building is its own feature in the tiles (below it, cells). */
export const BUILDING_DETAIL_ZOOM = 14;

/** Vector tiles cut by the Rust side: `source-layer` is the layer's own name. */
function tiled(url: string, bbox: [number, number, number, number], minzoom: number, maxzoom: number): VectorSourceSpecification {
  return { type: 'vector', tiles: [url], minzoom, maxzoom, bounds: bbox };
}

/** Adds every source once: GeoJSON ones empty (data arrives by setData), tiled ones with
 * their URL (MapLibre asks for the tiles in view). */
export function ensureSources(map: MlMap, tiles: TileSources): void {
  const vector: Record<string, VectorSourceSpecification> = {
    [SRC.buildings]: tiled(tiles.url('buildings'), tiles.bbox, 0, BUILDING_DETAIL_ZOOM),
    // Cameras show from zoom 12 (the layer's minzoom): no tiles are asked below it.
    [SRC.cameras]: tiled(tiles.url('cameras'), tiles.bbox, 12, 14),
    // Roads: arterials at every zoom, secondary from z10 and local ones from z13 in the tiles.
    [SRC.roads]: tiled(tiles.url('roads'), tiles.bbox, 0, 14),
  };
  for (const [id, spec] of Object.entries(vector)) if (!map.getSource(id)) map.addSource(id, spec);
  const specs: Record<string, GeoJSONSourceSpecification> = {
    [SRC.context]: geojson(),
    [SRC.districts]: geojson(),
    [SRC.streets]: geojson(),
    [SRC.communities]: geojson(),
    [SRC.subgrids]: geojson(),
    [SRC.gaps]: geojson(),
    [SRC.circles]: geojson(),
    [SRC.stations]: geojson(),
    [SRC.cases]: geojson(),
    [SRC.labels]: geojson(),
  };
  for (const [id, spec] of Object.entries(specs)) if (!map.getSource(id)) map.addSource(id, spec);
}

/** Adds `spec`, or brings an existing layer's paint and layout up to date (visibility kept). */
function ensureLayer(map: MlMap, spec: LayerSpecification): void {
  if (!map.getLayer(spec.id)) {
    map.addLayer(spec);
    return;
  }
  const s = spec as { paint?: Record<string, unknown>; layout?: Record<string, unknown> };
  // Property names come from the spec just built; the typed setters want literal keys.
  const m = map as unknown as {
    setPaintProperty(id: string, k: string, v: unknown): void;
    setLayoutProperty(id: string, k: string, v: unknown): void;
  };
  for (const [k, v] of Object.entries(s.paint ?? {})) m.setPaintProperty(spec.id, k, v);
  for (const [k, v] of Object.entries(s.layout ?? {})) {
    if (k !== 'visibility') m.setLayoutProperty(spec.id, k, v);
  }
}

const label = (p: Palette, size: ExpressionSpecification | number, bold = false) => ({
  layout: {
    'text-font': bold ? FONT_BOLD : FONT,
    'text-size': size,
    'text-field': ['get', 'name'] as ExpressionSpecification,
    'text-max-width': 8,
  },
  paint: { 'text-color': p.text, 'text-halo-color': p.textHalo, 'text-halo-width': 1.6 },
});

/** `fg` at `alpha` over `bg`, as one opaque colour. The large fills at the bottom of the map are
 * drawn opaque: MapLibre draws opaque layers front to back with the depth test, so each pixel of
 * the screen is shaded once rather than once per layer over it — at city scale the frame time of
 * a software renderer (SwiftShader, Mesa llvmpipe) follows the pixels drawn. */
export function over(bg: string, fg: string, alpha: number): string {
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const [b, f] = [rgb(bg), rgb(fg)];
  return `#${b.map((c, i) => Math.round(c + ((f[i] ?? c) - c) * alpha).toString(16).padStart(2, '0')).join('')}`;
}

const zoomed = (pairs: number[]): ExpressionSpecification =>
  ['interpolate', ['linear'], ['zoom'], ...pairs] as unknown as ExpressionSpecification;

// Roads get round ends and joins only from zoom 14, where they are wide enough to show them:
// a round join is a fan of triangles at every vertex, and at city zoom the roads' triangles are
// most of what a frame draws (a software renderer such as SwiftShader shades them on the CPU).
const ROAD_ENDS = {
  'line-cap': ['step', ['zoom'], 'butt', 14, 'round'],
  'line-join': ['step', ['zoom'], 'miter', 14, 'round'],
} as LineLayerSpecification['layout'];

const WARNING_SHARE: ExpressionSpecification = ['/', ['get', 'warning'], ['get', 'point_count']];

/** Every layer, bottom to top. */
export function ensureLayers(map: MlMap, p: Palette): void {
  map.setPaintProperty(LYR.background, 'background-color', p.background);
  const specs: LayerSpecification[] = [
    // Context: Shenzhen's other districts and the neighbouring cities.
    // Fills that a line layer outlines draw no antialiased edge of their own ('fill-antialias'):
    // the line covers it, and it would be one more shader to compile before the first map.
    { id: LYR.contextFill, type: 'fill', source: SRC.context, paint: { 'fill-color': over(p.background, p.contextFill, 0.9), 'fill-antialias': false } },
    { id: LYR.contextLine, type: 'line', source: SRC.context, paint: { 'line-color': p.contextLine, 'line-width': 1, 'line-dasharray': [3, 2] } },
    {
      // From one label point per place (a polygon's label would repeat on every island).
      id: LYR.contextLabel, type: 'symbol', source: SRC.labels, maxzoom: 13, filter: ['==', ['get', 'kind'], 'context'],
      layout: { 'text-font': FONT, 'text-size': 14, 'text-field': ['get', 'name'], 'text-letter-spacing': 0.2 },
      paint: { 'text-color': p.contextText, 'text-halo-color': p.textHalo, 'text-halo-width': 1 },
    },
    // The district.
    { id: LYR.districtFill, type: 'fill', source: SRC.districts, paint: { 'fill-color': over(p.background, p.districtFill, 0.95), 'fill-antialias': false } },
    // Streets and communities: fills only for hit-testing (transparent).
    { id: LYR.streetFill, type: 'fill', source: SRC.streets, paint: { 'fill-color': '#000', 'fill-opacity': 0 } },
    { id: LYR.communityFill, type: 'fill', source: SRC.communities, minzoom: 11.5, paint: { 'fill-color': '#000', 'fill-opacity': 0 } },
    { id: LYR.subgridFill, type: 'fill', source: SRC.subgrids, minzoom: 13, paint: { 'fill-color': p.subgridLine, 'fill-opacity': zoomed([13, 0.0, 15, 0.03]), 'fill-antialias': false } },
    // Roads.
    {
      id: LYR.roadsMinor, type: 'line', source: SRC.roads, 'source-layer': 'roads', minzoom: 13.5, filter: ['==', ['get', 'class'], 'local'],
      paint: { 'line-color': p.roadMinor, 'line-width': zoomed([13.5, 0.5, 17, 3]) },
    },
    // Arterials, and every other road that is not local, as two layers with zoom-only widths
    // rather than one whose width depends on the class: one line shader fewer to compile before
    // the first map.
    {
      id: LYR.roadsSecondary, type: 'line', source: SRC.roads, 'source-layer': 'roads', filter: ['!', ['in', ['get', 'class'], ['literal', ['local', 'arterial']]]],
      layout: ROAD_ENDS,
      paint: { 'line-color': p.roadMajor, 'line-width': zoomed([10, 0.4, 13, 1.4, 17, 6]) },
    },
    {
      id: LYR.roadsArterial, type: 'line', source: SRC.roads, 'source-layer': 'roads', filter: ['==', ['get', 'class'], 'arterial'],
      layout: ROAD_ENDS,
      paint: { 'line-color': p.roadMajor, 'line-width': zoomed([10, 1, 13, 2.6, 17, 10]) },
    },
    {
      id: LYR.roadsLabel, type: 'symbol', source: SRC.roads, 'source-layer': 'roads', minzoom: 14.5, filter: ['!=', ['get', 'class'], 'local'],
      layout: { 'symbol-placement': 'line', 'text-font': FONT, 'text-size': 11, 'text-field': ['get', 'name'] },
      paint: { 'text-color': p.roadText, 'text-halo-color': p.textHalo, 'text-halo-width': 1.2 },
    },
    // Coverage gaps, under the circles.
    {
      id: LYR.gapsFill, type: 'fill', source: SRC.gaps, filter: ['==', ['get', 'service'], 'appeal'],
      paint: { 'fill-color': p.gap, 'fill-opacity': ['interpolate', ['linear'], ['get', 'buildings'], 1, 0.25, 20, 0.6] },
    },
    { id: LYR.gapsLine, type: 'line', source: SRC.gaps, minzoom: 13, filter: ['==', ['get', 'service'], 'appeal'], paint: { 'line-color': p.gap, 'line-width': 0.6 } },
    // The 500-m circles, one pair of layers per service.
    ...(['appeal', 'legal', 'psych'] as const).flatMap((s): LayerSpecification[] => {
      const colour = p[s];
      const ids = {
        appeal: [LYR.circleAppealFill, LYR.circleAppealLine],
        legal: [LYR.circleLegalFill, LYR.circleLegalLine],
        psych: [LYR.circlePsychFill, LYR.circlePsychLine],
      }[s];
      return [
        { id: ids[0], type: 'fill', source: SRC.circles, filter: ['==', ['get', 'service'], s], paint: { 'fill-color': colour, 'fill-opacity': 0.08, 'fill-antialias': false } },
        { id: ids[1], type: 'line', source: SRC.circles, filter: ['==', ['get', 'service'], s], paint: { 'line-color': colour, 'line-width': zoomed([11, 0.6, 15, 1.5]), 'line-opacity': 0.8 } },
      ];
    }),
    // Boundaries, finest first so coarser ones draw over them.
    {
      id: LYR.subgridLine, type: 'line', source: SRC.subgrids, minzoom: 12.8,
      paint: { 'line-color': p.subgridLine, 'line-width': zoomed([13, 0.5, 16, 1.5]), 'line-opacity': zoomed([12.8, 0, 13.5, 0.85]), 'line-dasharray': [4, 2] },
    },
    {
      id: LYR.communityLine, type: 'line', source: SRC.communities, minzoom: 11,
      paint: { 'line-color': p.communityLine, 'line-width': zoomed([11, 0.5, 14, 1.4, 17, 2.5]), 'line-opacity': zoomed([11, 0.3, 12, 0.9]) },
    },
    {
      id: LYR.streetLine, type: 'line', source: SRC.streets,
      paint: { 'line-color': p.streetLine, 'line-width': zoomed([9, 0.8, 12, 1.6, 16, 3]), 'line-opacity': 0.9 },
    },
    {
      id: LYR.districtGlow, type: 'line', source: SRC.districts,
      paint: { 'line-color': p.districtGlow, 'line-width': zoomed([9, 6, 14, 14]), 'line-blur': 6, 'line-opacity': 0.45 },
    },
    {
      id: LYR.districtLine, type: 'line', source: SRC.districts,
      paint: { 'line-color': p.districtLine, 'line-width': zoomed([9, 1.5, 14, 3]) },
    },
    { id: LYR.selectedLine, type: 'line', source: SRC.subgrids, filter: ['==', ['get', 'code'], ''], paint: { 'line-color': p.selected, 'line-width': 3 } },
    // Buildings: cells (below BUILDING_DETAIL_ZOOM) coloured by their share of warnings, points
    // by rating.
    {
      id: LYR.buildingClusters, type: 'circle', source: SRC.buildings, 'source-layer': 'buildings', filter: ['has', 'point_count'],
      paint: {
        'circle-color': ['interpolate', ['linear'], WARNING_SHARE, 0, p.safe, 0.06, p.general, 0.12, p.warning],
        'circle-opacity': ['interpolate', ['linear'], WARNING_SHARE, 0, 0.45, 0.06, 0.7, 0.12, 0.92],
        'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'point_count']], 1, 5, 10, 12, 40, 24],
        'circle-stroke-color': ['case', ['>=', WARNING_SHARE, 0.12], '#ffffff', p.textHalo],
        'circle-stroke-width': ['case', ['>=', WARNING_SHARE, 0.12], 2, 0.8],
      },
    },
    {
      id: LYR.buildingClusterCount, type: 'symbol', source: SRC.buildings, 'source-layer': 'buildings',
      filter: ['all', ['has', 'point_count'], ['>', ['get', 'warning'], 0], ['>=', WARNING_SHARE, 0.06]],
      layout: { 'text-font': FONT_BOLD, 'text-size': 10.5, 'text-field': ['to-string', ['get', 'warning']], 'text-allow-overlap': true },
      paint: { 'text-color': '#ffffff', 'text-halo-color': '#7f1d1d', 'text-halo-width': 1 },
    },
    {
      id: LYR.buildingPoints, type: 'circle', source: SRC.buildings, 'source-layer': 'buildings', filter: ['!', ['has', 'point_count']],
      paint: {
        'circle-color': ['match', ['get', 'rating'], 'warning', p.warning, 'general', p.general, p.safe],
        'circle-radius': zoomed([12, 2, 15, 3.5, 18, 7]),
        'circle-stroke-color': p.textHalo,
        'circle-stroke-width': zoomed([13, 0.3, 17, 1]),
      },
    },
    // Cameras.
    { id: LYR.cameras, type: 'symbol', source: SRC.cameras, 'source-layer': 'cameras', minzoom: 12, layout: { 'icon-image': CAMERA_ICON, 'icon-allow-overlap': true } },
    // Stations by level: distinct symbols; small ones appear as you zoom in.
    {
      id: LYR.stations, type: 'symbol', source: SRC.stations,
      filter: ['any', ['match', ['get', 'level'], ['district_hall', 'street_hall'], true, false], ['>=', ['zoom'], ['match', ['get', 'level'], 'community_hall', 10.5, 12.3]]],
      layout: {
        'icon-image': ['match', ['get', 'level'],
          'district_hall', STATION_ICON.district_hall ?? '', 'street_hall', STATION_ICON.street_hall ?? '',
          'community_hall', STATION_ICON.community_hall ?? '', STATION_ICON.subgrid_station ?? ''],
        'icon-allow-overlap': true,
        'symbol-sort-key': ['match', ['get', 'level'], 'district_hall', 0, 'street_hall', 1, 'community_hall', 2, 3],
      },
    },
    {
      // Street halls named from a district's zoom on (the whole city would be a wall of names).
      id: LYR.stationLabels, type: 'symbol', source: SRC.stations,
      filter: ['any', ['==', ['get', 'level'], 'district_hall'], ['>=', ['zoom'], ['match', ['get', 'level'], 'street_hall', 10.5, 'community_hall', 13, 15.5]]],
      layout: {
        'text-font': FONT, 'text-size': 11, 'text-field': ['get', 'name'], 'text-offset': [0, 1.3],
        'text-anchor': 'top', 'text-max-width': 10, 'text-optional': true,
      },
      paint: { 'text-color': p.subText, 'text-halo-color': p.textHalo, 'text-halo-width': 1.4 },
    },
    // Cases: coloured by warning grade; new ones pulse.
    {
      id: LYR.casesPulse, type: 'circle', source: SRC.cases, filter: ['==', ['get', 'new'], true],
      paint: {
        'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 10, 'circle-stroke-width': 3,
        'circle-stroke-color': ['match', ['get', 'grade'], 1, p.grade1, 2, p.grade2, p.grade3], 'circle-stroke-opacity': 0.9,
      },
    },
    {
      // Resolved recent cases: context when zoomed in.
      id: LYR.casesRecent, type: 'circle', source: SRC.cases, minzoom: 13,
      filter: ['all', ['!=', ['get', 'outcome'], 'open'], ['!=', ['get', 'new'], true]],
      paint: {
        'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 4.5, 'circle-stroke-width': 1.5,
        'circle-stroke-color': ['match', ['get', 'grade'], 1, p.grade1, 2, p.grade2, p.grade3], 'circle-stroke-opacity': 0.8,
      },
    },
    {
      // Open and live cases, always.
      id: LYR.cases, type: 'circle', source: SRC.cases,
      filter: ['any', ['==', ['get', 'outcome'], 'open'], ['==', ['get', 'new'], true]],
      paint: {
        'circle-color': ['match', ['get', 'grade'], 1, p.grade1, 2, p.grade2, p.grade3],
        // Size and stroke by zoom only (new cases stand out by the pulse ring): the layer then
        // shares its shader with the building points, one fewer to compile before the first map.
        'circle-radius': zoomed([10, 4.5, 15, 7]),
        'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5,
      },
    },
    // Labels last, coarse to fine.
    {
      id: LYR.subgridLabel, type: 'symbol', source: SRC.labels, minzoom: 14.6, filter: ['==', ['get', 'kind'], 'subgrid'],
      ...label(p, 10.5),
      paint: { 'text-color': p.subgridLine, 'text-halo-color': p.textHalo, 'text-halo-width': 1.4 },
    },
    { id: LYR.communityLabel, type: 'symbol', source: SRC.labels, minzoom: 12.4, maxzoom: 15.5, filter: ['==', ['get', 'kind'], 'community'], ...label(p, zoomed([12.4, 11, 15, 14])) },
    {
      id: LYR.streetLabel, type: 'symbol', source: SRC.labels, minzoom: 10.2, maxzoom: 13.2, filter: ['==', ['get', 'kind'], 'street'],
      ...label(p, zoomed([10.2, 12, 12, 17]), true),
      paint: { 'text-color': p.text, 'text-halo-color': p.districtGlow, 'text-halo-width': 0.6, 'text-halo-blur': 0.5 },
    },
    {
      id: LYR.districtLabel, type: 'symbol', source: SRC.labels, maxzoom: 10.8, filter: ['==', ['get', 'kind'], 'district'],
      ...label(p, 18, true),
    },
  ];
  for (const spec of specs) ensureLayer(map, spec);
}

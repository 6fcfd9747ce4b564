// The import wizard's preview on the map: the features a source would import, drawn over the
// one map (points, lines and areas), until the wizard clears them.
import type { FeatureCollection } from 'geojson';
import type { Map as MlMap } from 'maplibre-gl';

export const PREVIEW_SRC = 'src-import-preview';
export const PREVIEW_LAYERS = { fill: 'import-preview-fill', line: 'import-preview-line', point: 'import-preview-point' } as const;
const COLOUR = '#f0abfc';

/** Shows `fc` as the preview (adding the source and layers on first use). */
export function showPreview(map: MlMap, fc: FeatureCollection): void {
  const src = map.getSource(PREVIEW_SRC) as { setData(d: FeatureCollection): void } | undefined;
  if (src) src.setData(fc);
  else map.addSource(PREVIEW_SRC, { type: 'geojson', data: fc });
  if (!map.getLayer(PREVIEW_LAYERS.fill)) {
    map.addLayer({ id: PREVIEW_LAYERS.fill, type: 'fill', source: PREVIEW_SRC, filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': COLOUR, 'fill-opacity': 0.25 } });
    map.addLayer({ id: PREVIEW_LAYERS.line, type: 'line', source: PREVIEW_SRC, filter: ['!=', ['geometry-type'], 'Point'],
      paint: { 'line-color': COLOUR, 'line-width': 2, 'line-dasharray': [2, 1] } });
    map.addLayer({ id: PREVIEW_LAYERS.point, type: 'circle', source: PREVIEW_SRC, filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-color': COLOUR, 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 16, 6],
        'circle-stroke-color': '#581c87', 'circle-stroke-width': 1 } });
  }
}

/** Removes the preview. */
export function clearPreview(map: MlMap): void {
  for (const id of Object.values(PREVIEW_LAYERS)) if (map.getLayer(id)) map.removeLayer(id);
  if (map.getSource(PREVIEW_SRC)) map.removeSource(PREVIEW_SRC);
}

// The only module that knows MapLibre. Panels talk to a MapView; the MapView never talks to
// the backend: data arrives by setData, clicks leave as callbacks.
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { Feature, FeatureCollection, Point } from 'geojson';
import { addIcons } from './icons';
import { DEFAULT_ON, LYR, SRC, TOGGLES, type Toggle } from './ids';
import { baseStyle, ensureLayers, ensureSources, type TileSources } from './layers';
import { clearPreview, showPreview } from './preview';
import { PALETTES, type ThemeName } from './theme';

// maplibre-gl 6 inside Tauri (origin tauri://localhost) needs its worker set by hand.
maplibregl.setWorkerUrl(new URL(workerUrl, location.href).href);

export { DEFAULT_ON, TOGGLES, type TileSources, type Toggle };
export type { ThemeName };
export type Bbox = [number, number, number, number];

/** What a click on the map asks for. */
export type MapPick =
  | { kind: 'building' | 'station' | 'case'; id: string; lngLat: [number, number] }
  | { kind: 'camera'; props: Record<string, unknown>; lngLat: [number, number] }
  | { kind: 'street' | 'community' | 'subgrid'; id: string; lngLat: [number, number] }
  | { kind: 'gap'; props: Record<string, unknown>; lngLat: [number, number] };

/** The layers that arrive as GeoJSON (buildings, cameras and roads come as vector tiles). */
export type MapLayerName =
  | 'context' | 'districts' | 'streets' | 'communities' | 'subgrids' | 'stations'
  | 'circles' | 'cases' | 'gaps' | 'labels';

const SOURCE_OF: Record<MapLayerName, string> = {
  context: SRC.context, districts: SRC.districts, streets: SRC.streets,
  communities: SRC.communities, subgrids: SRC.subgrids, stations: SRC.stations,
  circles: SRC.circles, cases: SRC.cases, gaps: SRC.gaps, labels: SRC.labels,
};

const PULSE_MS = 45_000;

export class MapView {
  readonly map: maplibregl.Map;
  private theme: ThemeName;
  private visible: Record<Toggle, boolean> = { ...DEFAULT_ON };
  private cases: Feature<Point>[] = [];
  private pulsing = new Map<string, number>();
  private animating = false;
  private popup: maplibregl.Popup | null = null;
  private readonly styleReady: Promise<void>;
  private readonly tiles: TileSources;
  /** Room the docked panels take on each side; fits keep their target clear of it. */
  private pad = { left: 320, right: 320 };
  /** When set, a click on the map goes here instead of picking a feature (placing a new case). */
  private clickHandler: ((lngLat: [number, number]) => void) | null = null;
  /** When set, a click is offered here first; `true` means it was taken (the planner's units). */
  private pickFirst: ((point: { x: number; y: number }) => boolean) | null = null;

  constructor(container: HTMLElement, theme: ThemeName, tiles: TileSources, onPick: (p: MapPick) => void) {
    const bbox = tiles.bbox;
    this.tiles = tiles;
    this.theme = theme;
    this.map = new maplibregl.Map({
      container,
      style: baseStyle(PALETTES[theme]),
      bounds: bbox,
      fitBoundsOptions: { padding: { top: 90, bottom: 40, left: 300, right: 300 } },
      attributionControl: false,
      maxPitch: 0,
      dragRotate: false,
      localIdeographFontFamily: '"Noto Sans CJK SC", "Noto Sans SC", sans-serif',
      // Labels appear at once rather than fading in over 300 ms: the map is idle (and the first
      // complete map reported) that much sooner, and a software-rendered webview draws no fade
      // frames after every move.
      fadeDuration: 0,
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 140 }), 'bottom-right');
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
    this.styleReady = new Promise((resolve) => {
      this.map.once('load', () => {
        addIcons(this.map);
        ensureSources(this.map, tiles);
        ensureLayers(this.map, PALETTES[this.theme]);
        this.applyVisibility();
        resolve();
      });
    });
    this.map.on('click', (e) => {
      if (this.clickHandler) this.clickHandler([e.lngLat.lng, e.lngLat.lat]);
      else if (!this.pickFirst?.(e.point)) this.pick(e, onPick);
    });
    this.map.on('mousemove', (e) => {
      if (this.clickHandler) { this.map.getCanvas().style.cursor = 'crosshair'; return; }
      const hit = this.map.queryRenderedFeatures(e.point, { layers: this.clickable().slice(0, 7) });
      this.map.getCanvas().style.cursor = hit.length ? 'pointer' : '';
    });
  }

  /** Resolves when the style, sources and layers exist. */
  ready(): Promise<void> { return this.styleReady; }

  /** Resolves at the next `idle` (everything requested drawn, no transition running). */
  idle(): Promise<void> {
    // Always ask for a frame as well: 'idle' fires only after a frame, and a map that went idle
    // just before we listened would otherwise wait for whatever moves it next.
    return new Promise((resolve) => {
      this.map.once('idle', () => resolve());
      this.map.triggerRepaint();
    });
  }

  setData(layer: MapLayerName, data: FeatureCollection): void {
    if (layer === 'cases') {
      this.cases = data.features as Feature<Point>[];
    }
    const src = this.map.getSource(SOURCE_OF[layer]) as maplibregl.GeoJSONSource | undefined;
    src?.setData(data);
  }

  /** Asks for the vector tiles of the map's `version` (after a redraw on the Rust side):
   * MapLibre drops the tiles it holds and fetches those in view again. */
  refreshTiles(version: number): void {
    const tiled = [[SRC.buildings, 'buildings'], [SRC.cameras, 'cameras'], [SRC.roads, 'roads']] as const;
    for (const [id, layer] of tiled) {
      (this.map.getSource(id) as maplibregl.VectorTileSource | undefined)?.setTiles([`${this.tiles.url(layer)}?v=${version}`]);
    }
  }

  setTheme(theme: ThemeName): void {
    this.theme = theme;
    ensureLayers(this.map, PALETTES[theme]);
  }

  isVisible(t: Toggle): boolean { return this.visible[t]; }

  setVisible(t: Toggle, on: boolean): void {
    this.visible[t] = on;
    for (const id of TOGGLES[t]) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
    }
  }

  private applyVisibility(): void {
    for (const t of Object.keys(TOGGLES) as Toggle[]) this.setVisible(t, this.visible[t]);
  }

  /** Which service's gaps the gaps layer shows. */
  setGapService(service: 'appeal' | 'legal' | 'psych'): void {
    for (const id of [LYR.gapsFill, LYR.gapsLine]) this.map.setFilter(id, ['==', ['get', 'service'], service]);
  }

  /** Outlines one sub-grid (empty string: none). */
  highlight(code: string): void {
    this.map.setFilter(LYR.selectedLine, ['==', ['get', 'code'], code]);
  }

  /** A live case: added (or replaced by id) and pulsing for a while. */
  addLiveCase(f: Feature<Point>): void {
    const id = String(f.properties?.id ?? '');
    f.properties = { ...(f.properties ?? {}), new: true };
    this.cases = this.cases.filter((c) => String(c.properties?.id ?? '') !== id);
    this.cases.push(f);
    this.pulsing.set(id, performance.now() + PULSE_MS);
    this.pushCases();
    if (!this.animating) this.animate();
  }

  liveCaseCount(): number { return this.pulsing.size; }

  /** Building features (cells and single buildings) drawn from the tiles now. */
  drawnBuildings(): number {
    return this.map.queryRenderedFeatures({ layers: [LYR.buildingClusters, LYR.buildingPoints] }).length;
  }

  private pushCases(): void {
    (this.map.getSource(SRC.cases) as maplibregl.GeoJSONSource | undefined)
      ?.setData({ type: 'FeatureCollection', features: this.cases });
  }

  private animate(): void {
    this.animating = true;
    const step = (now: number): void => {
      let expired = false;
      for (const [id, until] of this.pulsing) {
        if (now > until) {
          this.pulsing.delete(id);
          const c = this.cases.find((f) => String(f.properties?.id ?? '') === id);
          if (c?.properties) c.properties.new = false;
          expired = true;
        }
      }
      if (expired) this.pushCases();
      if (this.pulsing.size === 0) { this.animating = false; return; }
      const phase = (now % 1500) / 1500;
      this.map.setPaintProperty(LYR.casesPulse, 'circle-radius', 8 + phase * 22);
      this.map.setPaintProperty(LYR.casesPulse, 'circle-stroke-opacity', 1 - phase);
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  /** Flies to `b` (a point when west = east); `animate: false` jumps there at once. */
  fitBbox(b: Bbox, maxZoom = 16.5, animate = true): void {
    const motion = animate ? { speed: 1.6 } : { duration: 0 };
    if (b[0] === b[2] && b[1] === b[3]) {
      if (animate) this.flyToPoint(b[0], b[1], Math.max(this.map.getZoom(), 17));
      else this.map.jumpTo({ center: [b[0], b[1]], zoom: Math.max(this.map.getZoom(), 17) });
    } else {
      this.map.fitBounds(b, { padding: { top: 110, bottom: 60, ...this.pad }, maxZoom, ...motion });
    }
  }

  /** Centres `lon, lat` in the room the docks leave, at `zoom`. */
  flyToPoint(lon: number, lat: number, zoom = this.map.getZoom()): void {
    this.map.flyTo({ center: [lon, lat], zoom, speed: 1.6, offset: [(this.pad.left - this.pad.right) / 2, 32] });
  }

  /** Tells fits how much room the docked panels take on the left and right (pixels). */
  setPadding(pad: { left: number; right: number }): void { this.pad = { ...pad }; }

  /** Routes the next clicks to `handler` (a crosshair cursor) instead of picking; `null` ends it. */
  setClickHandler(handler: ((lngLat: [number, number]) => void) | null): void {
    this.clickHandler = handler;
    if (!handler) this.map.getCanvas().style.cursor = '';
  }

  /** Offers clicks to `handler` before the usual picking (`null` ends it). */
  setPickFirst(handler: ((point: { x: number; y: number }) => boolean) | null): void { this.pickFirst = handler; }

  showPopup(lngLat: [number, number], content: HTMLElement): void {
    this.popup?.remove();
    this.popup = new maplibregl.Popup({ maxWidth: '360px', className: 'om-popup', focusAfterOpen: false })
      .setLngLat(lngLat).setDOMContent(content).addTo(this.map);
  }

  closePopup(): void { this.popup?.remove(); this.popup = null; }

  /** Draws an import's features over the map (the wizard's preview). */
  showImportPreview(fc: FeatureCollection): void { showPreview(this.map, fc); }

  /** Removes the import preview. */
  clearImportPreview(): void { clearPreview(this.map); }

  /** The visible area: [west, south, east, north]. */
  bounds(): Bbox {
    const b = this.map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  }

  private clickable(): string[] {
    return [LYR.cases, LYR.casesRecent, LYR.stations, LYR.buildingPoints, LYR.buildingClusters, LYR.cameras,
      LYR.gapsFill, LYR.subgridFill, LYR.communityFill, LYR.streetFill]
      .filter((id) => this.map.getLayer(id) && this.map.getLayoutProperty(id, 'visibility') !== 'none');
  }

  private pick(e: maplibregl.MapMouseEvent, onPick: (p: MapPick) => void): void {
    const box: [maplibregl.PointLike, maplibregl.PointLike] = [[e.point.x - 4, e.point.y - 4], [e.point.x + 4, e.point.y + 4]];
    const lngLat: [number, number] = [e.lngLat.lng, e.lngLat.lat];
    for (const layer of this.clickable()) {
      const f = this.map.queryRenderedFeatures(box, { layers: [layer] })[0];
      if (!f) continue;
      const p = f.properties as Record<string, unknown>;
      const at = f.geometry.type === 'Point' ? (f.geometry.coordinates as [number, number]) : lngLat;
      switch (layer) {
        case LYR.cases:
        case LYR.casesRecent: onPick({ kind: 'case', id: String(p.id), lngLat: at }); return;
        case LYR.stations: onPick({ kind: 'station', id: String(p.id), lngLat: at }); return;
        case LYR.buildingPoints: onPick({ kind: 'building', id: String(p.id), lngLat: at }); return;
        case LYR.cameras: onPick({ kind: 'camera', props: p, lngLat: at }); return;
        case LYR.buildingClusters: {
          // A cell of the tiles: two zooms in, its cells split four ways each.
          this.map.easeTo({ center: at, zoom: Math.min(this.map.getZoom() + 2, 16) });
          return;
        }
        case LYR.gapsFill: onPick({ kind: 'gap', props: p, lngLat }); return;
        case LYR.subgridFill: onPick({ kind: 'subgrid', id: String(p.code), lngLat }); return;
        case LYR.communityFill: onPick({ kind: 'community', id: String(p.code), lngLat }); return;
        case LYR.streetFill: onPick({ kind: 'street', id: String(p.code), lngLat }); return;
        default: break;
      }
    }
  }
}

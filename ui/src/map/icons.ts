// Station and camera symbols, drawn on a canvas at start-up and added with addImage: distinct
// shapes per station level, nothing fetched.
import type { Map as MlMap } from 'maplibre-gl';

export const STATION_ICON: Record<string, string> = {
  district_hall: 'icon-district-hall',
  street_hall: 'icon-street-hall',
  community_hall: 'icon-community-hall',
  subgrid_station: 'icon-subgrid-station',
};
export const CAMERA_ICON = 'icon-camera';

export const STATION_COLOURS: Record<string, string> = {
  district_hall: '#ff3b5c',
  street_hall: '#ff9f1c',
  community_hall: '#3b9cff',
  subgrid_station: '#2dd4bf',
};

type Draw = (c: CanvasRenderingContext2D, s: number) => void;

/** A small canvas kept in main memory: these are read back at once, and a GPU-backed canvas
 * (in a software-rendered webview, SwiftShader or Mesa) costs far more to make and read. */
function canvas2d(px: number): [HTMLCanvasElement, CanvasRenderingContext2D | null] {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = px;
  return [canvas, canvas.getContext('2d', { willReadFrequently: true })];
}

function image(size: number, draw: Draw): ImageData {
  const ratio = 2;
  const [, c] = canvas2d(size * ratio);
  if (!c) throw new Error('no 2D canvas');
  c.scale(ratio, ratio);
  draw(c, size);
  return c.getImageData(0, 0, size * ratio, size * ratio);
}

function finish(c: CanvasRenderingContext2D, fill: string, width = 2): void {
  c.fillStyle = fill;
  c.fill();
  c.lineWidth = width;
  c.strokeStyle = '#ffffff';
  c.lineJoin = 'round';
  c.stroke();
}

const star: Draw = (c, s) => {
  const cx = s / 2, cy = s / 2, r1 = s / 2 - 2, r2 = r1 * 0.45;
  c.beginPath();
  for (let i = 0; i < 10; i++) {
    const r = i % 2 === 0 ? r1 : r2;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    c.lineTo(cx + r * Math.cos(a), cy + r * Math.sin(a));
  }
  c.closePath();
  finish(c, STATION_COLOURS.district_hall ?? '#f00', 2);
};

const diamond: Draw = (c, s) => {
  const m = 2;
  c.beginPath();
  c.moveTo(s / 2, m); c.lineTo(s - m, s / 2); c.lineTo(s / 2, s - m); c.lineTo(m, s / 2);
  c.closePath();
  finish(c, STATION_COLOURS.street_hall ?? '#f90', 2);
};

const square: Draw = (c, s) => {
  c.beginPath();
  c.roundRect(2, 2, s - 4, s - 4, 2);
  finish(c, STATION_COLOURS.community_hall ?? '#39f', 1.8);
};

const dot: Draw = (c, s) => {
  c.beginPath();
  c.arc(s / 2, s / 2, s / 2 - 1.5, 0, Math.PI * 2);
  finish(c, STATION_COLOURS.subgrid_station ?? '#2dd', 1.5);
};

const camera: Draw = (c, s) => {
  c.beginPath();
  c.moveTo(s / 2, 1.5); c.lineTo(s - 1.5, s - 2); c.lineTo(1.5, s - 2);
  c.closePath();
  c.fillStyle = '#64748b';
  c.fill();
  c.lineWidth = 1.2;
  c.strokeStyle = '#e2e8f0';
  c.stroke();
  c.beginPath();
  c.arc(s / 2, s * 0.6, s * 0.14, 0, Math.PI * 2);
  c.fillStyle = '#e2e8f0';
  c.fill();
};

/** Adds every symbol image (idempotent). */
export function addIcons(map: MlMap): void {
  const images: [string, number, Draw][] = [
    [STATION_ICON.district_hall ?? '', 30, star],
    [STATION_ICON.street_hall ?? '', 22, diamond],
    [STATION_ICON.community_hall ?? '', 16, square],
    [STATION_ICON.subgrid_station ?? '', 11, dot],
    [CAMERA_ICON, 12, camera],
  ];
  for (const [id, size, draw] of images) {
    if (!map.hasImage(id)) map.addImage(id, image(size, draw), { pixelRatio: 2 });
  }
}

const dataUrls = new Map<string, string>();

/** The same symbol as a data URL, for the legend (drawn once: the legend is drawn again on
 * every theme, language and layer change). */
export function iconDataUrl(level: string): string {
  const known = dataUrls.get(level);
  if (known !== undefined) return known;
  const draws: Record<string, [number, Draw]> = {
    district_hall: [30, star], street_hall: [22, diamond], community_hall: [16, square],
    subgrid_station: [11, dot], camera: [12, camera],
  };
  const [size, draw] = draws[level] ?? [11, dot];
  const [canvas, c] = canvas2d(size * 2);
  if (!c) return '';
  c.scale(2, 2);
  draw(c, size);
  const url = canvas.toDataURL('image/png');
  dataUrls.set(level, url);
  return url;
}

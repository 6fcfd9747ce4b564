// Benchmark: frame times while panning and zooming over the map, in headless Chromium
// (SwiftShader) against a running `onemap serve` — meant for the city-scale dataset
// (`onemap geodata generate --scale shenzhen --out DIR`, then `onemap serve --data DIR`).
//
//   node tests/city-frames.mjs http://127.0.0.1:PORT/ [runs] [--floor] [--hide-type T,…] [--hide ID,…]
//
// `--hide-type symbol,circle` / `--hide buildings,subgrid` hide the layers of those MapLibre
// types / whose ids start with those prefixes, to see what each costs a frame.
//
// Each run flies a fixed route (the whole city, pans across it, down to a street, pans there,
// down to buildings, back out) while requestAnimationFrame records the interval between
// frames; tiles load as they would for a user. Prints per-run and overall medians and the
// 90th percentile, and how many tiles the page fetched.
// Signed in as `admin` with ONEMAP_E2E_PASSWORD (a server with a store), else not at all
// (`onemap serve --no-store` serves the map to anyone).
import { launch, openPage, gotoReady, waitIdle } from './browser.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8730/';
const runs = Number(process.argv[3] ?? 3);
// `--floor`: the same route with every layer hidden but the background.
const floor = process.argv.includes('--floor');
const listArg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? '').split(',').filter(Boolean) : [];
};
const hideTypes = listArg('--hide-type');
const hidePrefixes = listArg('--hide');

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))];
};

const browser = await launch();
const all = [];
try {
  const { page, foreign, requests } = await openPage(browser, base, { user: process.env.ONEMAP_E2E_PASSWORD ? 'admin' : null });
  const ready = await gotoReady(page, base, 120_000);
  const overview = await page.evaluate(() => fetch('api/overview').then((r) => r.json()));
  console.log(`dataset: ${overview.counts.buildings} buildings; first complete map ${ready} ms`);
  await waitIdle(page, 120_000);
  if (floor) {
    // The floor: every layer hidden but the background, so a frame costs only what the browser
    // and its WebGL (SwiftShader in headless Chromium) cost at this window size.
    await page.evaluate(() => {
      const m = window.__onemap.view.map;
      for (const l of m.getStyle().layers) if (l.type !== 'background') m.setLayoutProperty(l.id, 'visibility', 'none');
    });
    await waitIdle(page, 120_000);
  }
  if (hideTypes.length || hidePrefixes.length) {
    const hidden = await page.evaluate(([types, prefixes]) => {
      const m = window.__onemap.view.map;
      const ids = m.getStyle().layers
        .filter((l) => types.includes(l.type) || prefixes.some((p) => l.id.startsWith(p)))
        .map((l) => l.id);
      for (const id of ids) m.setLayoutProperty(id, 'visibility', 'none');
      return ids;
    }, [hideTypes, hidePrefixes]);
    console.log(`hidden: ${hidden.length} layers (${hidden.join(', ')})`);
    await waitIdle(page, 120_000);
  }
  for (let run = 0; run < runs; run++) {
    const frames = await page.evaluate(async (bbox) => {
      const m = window.__onemap.view.map;
      const [w, s, e, n] = bbox;
      const cx = (w + e) / 2, cy = (s + n) / 2;
      const dx = (e - w) / 4, dy = (n - s) / 4;
      const deltas = [];
      let last = performance.now();
      let on = true;
      const tick = (t) => { deltas.push(t - last); last = t; if (on) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
      const move = (opts) => new Promise((r) => { m.once('moveend', () => r(null)); m.easeTo({ ...opts, essential: true }); });
      m.fitBounds(bbox, { duration: 0, padding: 40 });
      const z0 = m.getZoom();
      const route = [
        { center: [cx - dx, cy], zoom: z0, duration: 1500 },
        { center: [cx + dx, cy + dy], zoom: z0 + 0.5, duration: 1500 },
        { center: [cx + dx * 0.6, cy - dy * 0.5], zoom: 13, duration: 2000 },
        { center: [cx + dx * 0.4, cy - dy * 0.4], zoom: 13, duration: 1500 },
        { center: [cx + dx * 0.45, cy - dy * 0.45], zoom: 15.5, duration: 2000 },
        { center: [cx + dx * 0.47, cy - dy * 0.42], zoom: 15.5, duration: 1500 },
        { center: [cx, cy], zoom: z0, duration: 2000 },
      ];
      for (const step of route) await move(step);
      on = false;
      return deltas.slice(2); // the first intervals include the jump to the start
    }, overview.bbox);
    all.push(...frames);
    console.log(`run ${run + 1}: ${frames.length} frames, median ${pct(frames, 0.5).toFixed(1)} ms, p90 ${pct(frames, 0.9).toFixed(1)} ms`);
    await waitIdle(page, 120_000);
  }
  const tiles = requests.filter((u) => u.includes('/tiles/')).length;
  console.log(`median frame time: ${pct(all, 0.5).toFixed(1)} ms over ${all.length} frames (p90 ${pct(all, 0.9).toFixed(1)} ms, max ${Math.max(...all).toFixed(0)} ms); ${tiles} tiles fetched; foreign requests: ${foreign().length}`);
} finally {
  await browser.close();
}

// Benchmark: time from navigation start to the first complete map (every default layer drawn,
// MapLibre idle), in headless Chromium against a running `onemap serve`.
// `node tests/first-map.mjs http://127.0.0.1:PORT/ [runs]` prints each run and the median.
// Signed in as `admin` with ONEMAP_E2E_PASSWORD (a server with a store), else not at all
// (`onemap serve --no-store` serves the map to anyone).
import { launch, openPage, gotoReady } from './browser.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8730/';
const runs = Number(process.argv[3] ?? 5);
const browser = await launch();
const times = [];
try {
  for (let i = 0; i < runs; i++) {
    const { context, page } = await openPage(browser, base, { user: process.env.ONEMAP_E2E_PASSWORD ? 'admin' : null });
    const ms = await gotoReady(page, base);
    const phases = await page.evaluate(() => {
      const r = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/layers/'));
      const marks = Object.fromEntries(performance.getEntriesByType('mark')
        .filter((m) => m.name.startsWith('onemap:')).map((m) => [m.name.slice(7), Math.round(m.startTime)]));
      const nav = performance.getEntriesByType('navigation')[0];
      // How many shader programs MapLibre compiled for the first map (a MapLibre internal, read
      // only to explain the time: SwiftShader compiles each on the CPU, tens of ms apiece).
      const programs = Object.keys(window.__onemap.view.map.painter?.programCache?.programs ?? {}).length;
      return { layersFetched: Math.round(Math.max(...r.map((e) => e.responseEnd))), marks, programs, dom: Math.round(nav?.domContentLoadedEventEnd ?? 0) };
    });
    times.push(ms);
    const m = phases.marks;
    console.log(`run ${i + 1}: first complete map ${ms} ms (page ${phases.dom}, overview ${m.overview}, style ${m.style}, ` +
      `layers ${m.layers} (fetched by ${phases.layersFetched}), data set ${m.data}, idle ${m.idle}; ${phases.programs} shaders)`);
    await context.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
console.log(`median first complete map: ${times[Math.floor(times.length / 2)]} ms over ${runs} runs (min ${times[0]}, max ${times[times.length - 1]})`);

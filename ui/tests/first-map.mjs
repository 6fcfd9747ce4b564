// Benchmark: time from navigation start to the first complete map (every default layer drawn,
// MapLibre idle), in headless Chromium against a running `onemap serve`.
// `node tests/first-map.mjs http://127.0.0.1:PORT/ [runs]` prints each run and the median.
import { launch, openPage, gotoReady } from './browser.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8730/';
const runs = Number(process.argv[3] ?? 5);
const browser = await launch();
const times = [];
try {
  for (let i = 0; i < runs; i++) {
    const { context, page } = await openPage(browser, base);
    const ms = await gotoReady(page, base);
    const phases = await page.evaluate(() => {
      const r = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/layers/'));
      return { layersFetched: Math.round(Math.max(...r.map((e) => e.responseEnd))) };
    });
    times.push(ms);
    console.log(`run ${i + 1}: first complete map ${ms} ms (layers fetched by ${phases.layersFetched} ms)`);
    await context.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
console.log(`median first complete map: ${times[Math.floor(times.length / 2)]} ms over ${runs} runs (min ${times[0]}, max ${times[times.length - 1]})`);

// Screenshots for the README: `node tests/shots.mjs http://127.0.0.1:PORT/ OUTDIR`.
// District view (dark and light), a street zoomed in, a sub-grid with a building popup.
import { launch, openPage, gotoReady, waitIdle } from './browser.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8730/';
const out = process.argv[3] ?? '../docs/screenshots';
const only = process.argv[4];
const browser = await launch();
try {
  const { page, foreign } = await openPage(browser, base);
  const ms = await gotoReady(page, base);
  console.log(`first complete map: ${ms} ms`);
  // These shots are of the map: the bundled history's overdue cases raise the breach alarm on a
  // fresh store, so acknowledge it first (the operators' shots show the alarm).
  const ackAll = page.locator('[data-testid=alarm-ack-all]');
  await ackAll.waitFor({ state: 'visible', timeout: 20_000 }).then(() => ackAll.click()).catch(() => {});
  await page.waitForTimeout(500);
  if (!only || only === 'district') await page.screenshot({ path: `${out}/district-dark.png` });

  // A street zoomed in: fly to 光明街道 via search.
  await page.fill('[data-testid=search-input]', '光明街道');
  await page.waitForSelector('[data-testid=search-hit][data-kind=street]');
  await page.click('[data-testid=search-hit][data-kind=street]');
  await page.waitForTimeout(800);
  await waitIdle(page);
  if (!only || only === 'street') await page.screenshot({ path: `${out}/street-guangming.png` });

  // A community, zoomed further, with the appeal circles and a building popup.
  await page.fill('[data-testid=search-input]', '光明社区第5小分格');
  await page.waitForSelector('[data-testid=search-hit][data-kind=subgrid]');
  await page.click('[data-testid=search-hit][data-kind=subgrid]');
  await page.waitForTimeout(800);
  await page.check('[data-testid="toggle-circle.appeal"]');
  await waitIdle(page);
  await page.fill('[data-testid=search-input]', 'B-000001');
  await page.waitForSelector('[data-testid=search-hit][data-kind=building]');
  await page.click('[data-testid=search-hit][data-kind=building]');
  await page.waitForSelector('[data-testid=popup-building]');
  await page.waitForTimeout(800);
  await waitIdle(page);
  if (!only || only === 'subgrid') await page.screenshot({ path: `${out}/subgrid-building-popup.png` });

  await page.locator('.maplibregl-popup-close-button').click().catch(() => {});
  await page.click('[data-testid=theme-toggle]');
  await page.evaluate(() => window.__onemap.view.fitBbox([113.852844, 22.688835, 114.004186, 22.835768]));
  await page.waitForTimeout(1500);
  await waitIdle(page);
  if (!only || only === 'light') await page.screenshot({ path: `${out}/district-light.png` });
  console.log(`foreign requests: ${foreign().length}`);
} finally {
  await browser.close();
}

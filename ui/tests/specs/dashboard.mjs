// The dashboard and the risk view in the command center, end to end:
// `node tests/specs/dashboard.mjs URL [OUTDIR]`. KPI tiles and six Rust-drawn charts (SVG in the
// page, SVG and PNG on export), a live language switch that redraws them in English, the risk
// choropleth with drill-down district → street → community → sub-grid and inputs on hover.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, openPage, gotoReady, waitIdle } from '../browser.mjs';
import { api, assert, authHeaders, base, finish, test } from '../harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[3] ?? process.env.ONEMAP_BRIEFING_OUT ?? join(here, '../out/dashboard');
mkdirSync(out, { recursive: true });

const browser = await launch();
const { page, foreign, errors } = await openPage(browser, base, { width: 1920, height: 1080 });
const chartsLoaded = () => page.waitForFunction(() => {
  const imgs = [...document.querySelectorAll('[data-testid=dashboard] img.chart-img')];
  return document.querySelector('[data-testid=dashboard]')?.dataset.ready === 'true' && imgs.length === 6 && imgs.every((i) => i.complete && i.naturalWidth > 0);
}, null, { timeout: 60_000 });

try {
  await test('the dashboard shows the KPI tiles and six charts drawn on the Rust side', async () => {
    await gotoReady(page, base);
    await page.click('[data-testid=ws-dashboard]');
    await chartsLoaded();
    const tiles = await page.locator('[data-testid^=tile-]').count();
    assert(tiles >= 11, `${tiles} tiles`);
    const warning = await page.locator('[data-testid=tile-warning] .tile-v').textContent();
    assert(warning === '1,662', `warning buildings ${warning}`);
    const resolution = await page.locator('[data-testid=tile-resolution] .tile-d').textContent();
    assert(resolution === '35,588 / 35,800', `resolution since 2022: ${resolution}`);
    // The bundled history's open cases are overdue against today's clock, so the alarm is up:
    // over the dashboard it keeps to its head in a corner and lists no rows over the charts.
    const banner = page.locator('[data-testid=alarm-banner]');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    const box = await banner.boundingBox();
    assert(box.height < 80 && box.width <= 520, `the alarm banner covers ${box.width}×${box.height} px of the dashboard`);
    assert(!(await page.locator('[data-testid=alarm-row]').first().isVisible()), 'alarm rows listed over the dashboard');
    await page.screenshot({ path: join(out, 'dashboard-zh.png') });
    assert(foreign().length === 0, `foreign requests: ${foreign()}`);
  });

  await test('each chart exports as valid SVG and as PNG', async () => {
    const d = (await api('api/dashboard')).body;
    for (const c of d.charts) {
      const svg = await fetch(new URL(`api/dashboard/charts/${c.id}.svg`, base), { headers: await authHeaders() });
      const text = await svg.text();
      assert(svg.headers.get('content-type').startsWith('image/svg+xml') && text.includes('<svg') && text.includes('id="onemap-chart"'), `${c.id}.svg`);
      const png = Buffer.from(await (await fetch(new URL(`api/dashboard/charts/${c.id}.png`, base), { headers: await authHeaders() })).arrayBuffer());
      assert(png.subarray(1, 4).toString() === 'PNG', `${c.id}.png`);
    }
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-compliance-png]')]);
    assert(/compliance-.*\.png$/.test(download.suggestedFilename()), download.suggestedFilename());
  });

  await test('the language switch redraws tiles and charts in English, live', async () => {
    await page.click('[data-testid=lang-toggle]');
    await page.waitForFunction(() => /Appeals today/.test(document.querySelector('[data-testid=tile-today]')?.textContent ?? ''), null, { timeout: 30_000 });
    await chartsLoaded();
    const svg = await (await fetch(new URL('api/dashboard/charts/cases-by-channel.svg?lang=en', base), { headers: await authHeaders() })).text();
    assert(/<title>Cases per day, last 30 days, by channel<\/title>/.test(svg) && svg.includes('12345 hotline'), 'English chart texts');
    await page.screenshot({ path: join(out, 'dashboard-en.png') });
    await page.click('[data-testid=lang-toggle]');
    await page.waitForFunction(() => /今日诉求/.test(document.querySelector('[data-testid=tile-today]')?.textContent ?? ''), null, { timeout: 30_000 });
  });

  await test('the risk view colours the sub-grids and drills down district → street → community → sub-grid', async () => {
    await page.click('[data-testid=ws-risk]');
    await page.waitForSelector('[data-testid=risk-row]');
    await waitIdle(page);
    const filled = await page.evaluate(() => window.__onemap.view.map.queryRenderedFeatures({ layers: ['risk-fill'] }).length);
    assert(filled > 100, `${filled} sub-grids coloured`);
    assert((await page.locator('[data-testid=risk-row]').count()) === 6, 'six streets at district level');
    const scores = await page.locator('[data-testid=risk-row] .sc').allTextContents();
    assert(scores.map(Number).every((s, i, a) => i === 0 || a[i - 1] >= s), `ranked: ${scores}`);
    for (const level of ['street', 'community', 'subgrid']) {
      await page.locator(`[data-testid=risk-row][data-level=${level}]`).first().click();
      await page.waitForSelector(`[data-testid=risk-crumb-${level}]`);
    }
    const risk = (await api('api/risk')).body;
    const cur = await page.locator('[data-testid=risk-current] .risk-score').textContent();
    const sub = await page.locator('[data-testid=risk-crumb-subgrid]').textContent();
    const row = risk.rows.find((r) => r.level === 'subgrid' && r.name === sub);
    assert(row && row.score.toFixed(1) === cur, `${sub}: shown ${cur}, API ${row?.score}`);
    await waitIdle(page);
    await page.screenshot({ path: join(out, 'risk-subgrid.png') });
  });

  await test('hovering a sub-grid shows its score and the inputs behind it', async () => {
    await page.click('[data-testid=risk-crumb-district]');
    await page.waitForTimeout(1500);
    await waitIdle(page);
    const box = await page.locator('#map').boundingBox();
    let shown = false;
    for (let i = 0; i < 30 && !shown; i += 1) {
      await page.mouse.move(box.x + box.width * (0.3 + 0.4 * ((i * 7) % 10) / 10), box.y + box.height * (0.3 + 0.4 * ((i * 3) % 10) / 10));
      await page.waitForTimeout(120);
      shown = await page.locator('[data-testid=risk-tip]').isVisible();
    }
    assert(shown, 'no tooltip over the choropleth');
    const tip = await page.locator('[data-testid=risk-tip]').innerText();
    assert(/警示级楼宇/.test(tip) && /在办案件/.test(tip) && /近期超时/.test(tip) && /未覆盖/.test(tip), tip);
    await page.screenshot({ path: join(out, 'risk-hover.png') });
    assert(errors.length === 0, `page errors: ${errors.join(' | ')}`);
  });
} finally {
  await browser.close();
}
finish();

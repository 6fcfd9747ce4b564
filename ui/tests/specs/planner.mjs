// The planner's workspace (规划分析) end to end against `onemap serve` on a fresh store, in
// Chromium: `node tests/specs/planner.mjs URL`. Signed in as the planner, the spec opens the
// workspace, reads the 264-row sub-grid table and the choropleth, sorts, picks a unit from the
// table and from the map, asks for suggested sites and takes one (the covered share rises by the
// site's gain), drags a station with the mouse (the figures change while the button is held),
// undoes the whole drag, adds a station by clicking the map, saves two scenarios and compares
// them, exports the table, the gaps and the report (real downloads), and finds its choices again
// after a reload; then an administrator applies a saved scenario. With ONEMAP_SHOTS=DIR it also
// writes the README's screenshot DIR/planner.png (1920×1080).
import { readFile } from 'node:fs/promises';
import { launch, openPage, gotoReady, waitIdle } from '../browser.mjs';
import { api, assert, base, finish, test as runTest } from '../harness.mjs';

// `ONLY=regex` runs the matching tests alone (while working on one).
const only = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
const test = (name, fn) => (!only || only.test(name) ? runTest(name, async () => {
  try { await fn(); } catch (e) {
    console.log(`     at ${(e.stack ?? '').split('\n').filter((l) => l.includes('planner.mjs')).map((l) => l.trim()).slice(0, 2).join(' ← ')}`);
    if (process.env.ONEMAP_FAIL_SHOT) await page.screenshot({ path: process.env.ONEMAP_FAIL_SHOT });
    throw e;
  }
}) : Promise.resolve());

const SHOTS = process.env.ONEMAP_SHOTS;
const T = { timeout: 30_000, polling: 250 };
const browser = await launch();
const { page, errors, foreign } = await openPage(browser, base, { width: 1920, height: 1080, user: 'planner' });

/** The covered count (residents) the totals show for the scenario, and the share's text. */
const covered = () => page.getAttribute('[data-testid=pl-share-scenario]', 'data-value').then(Number);
const digits = (s) => Number(String(s).replace(/[^\d]/g, ''));

async function ready(p = page) {
  await gotoReady(p, base, 120_000);
  await p.waitForFunction(() => document.body.dataset.workflows === 'ready', null, { timeout: 120_000 });
}

/** The screen point of a map coordinate (page pixels). */
async function screenOf(lon, lat, p = page) {
  return p.evaluate(([x, y]) => {
    const m = window.__onemap.view.map;
    const pt = m.project([x, y]);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + pt.x, y: r.top + pt.y };
  }, [lon, lat]);
}

/** The stations the overlay draws now, as {id, planned, lon, lat}. */
const drawn = (p = page) => p.evaluate(() => window.__onemap.view.map
  .queryRenderedFeatures({ layers: ['planner-stations'] })
  .map((f) => ({ id: f.properties.id, planned: f.properties.planned, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] })));

let scenarioId = '';

await test('the planner opens 规划分析 (key 4): 264 sub-grid rows and the choropleth with its legend', async () => {
  await ready();
  await page.waitForSelector('[data-testid=ws-planner]', T);
  await page.keyboard.press('4');
  await page.waitForSelector('[data-testid=planner-left]', T);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=pl-row]').length === 264, null, T);
  assert(await page.isVisible('[data-testid=planner-legend]'), 'no legend');
  assert(await page.inputValue('[data-testid=pl-level]') === 'subgrid', 'the level is not sub-grid');
  await waitIdle(page);
  const fill = await page.evaluate(() => {
    const m = window.__onemap.view.map;
    const fs = m.queryRenderedFeatures({ layers: ['planner-units-fill'] });
    return { n: new Set(fs.map((f) => f.properties.code)).size, shares: new Set(fs.map((f) => Math.round(f.properties.share * 10))).size };
  });
  assert(fill.n > 200, `the choropleth draws ${fill.n} sub-grids`);
  assert(fill.shares > 1, 'every sub-grid has the same colour class');
  // The operator's stations layer gives way to the scenario's own.
  assert(!(await page.evaluate(() => window.__onemap.view.isVisible('stations'))), 'the base stations are still shown');
});

await test('a column header sorts the table both ways; a row flies the map and highlights the unit', async () => {
  const shares = () => page.$$eval('[data-testid=pl-row]', (rs) => rs.map((r) => Number(r.dataset.share)));
  await page.click('[data-testid=pl-sort-share]');
  let s = await shares();
  assert(s.every((v, i) => i === 0 || s[i - 1] >= v), 'not descending after one click');
  await page.click('[data-testid=pl-sort-share]');
  s = await shares();
  assert(s.every((v, i) => i === 0 || s[i - 1] <= v), 'not ascending after two clicks');
  await page.click('[data-testid=pl-sort-total]');
  const totals = await page.$$eval('[data-testid=pl-row] td:last-child', (tds) => tds.map((td) => Number(td.textContent.replace(/[^\d]/g, ''))));
  assert(totals.every((v, i) => i === 0 || totals[i - 1] >= v), 'residents not descending');
  const before = await page.evaluate(() => window.__onemap.view.map.getCenter().toArray());
  const row = page.locator('[data-testid=pl-row]').nth(5);
  const code = await row.getAttribute('data-code');
  await row.click();
  await page.waitForTimeout(300);
  await waitIdle(page);
  const after = await page.evaluate(() => window.__onemap.view.map.getCenter().toArray());
  assert(Math.hypot(after[0] - before[0], after[1] - before[1]) > 1e-4, 'the map did not move');
  assert(await row.evaluate((r) => r.classList.contains('on')), 'the row is not selected');
  const filter = await page.evaluate(() => window.__onemap.view.map.getFilter('planner-units-selected'));
  assert(JSON.stringify(filter).includes(code), `the map outlines ${JSON.stringify(filter)}, not ${code}`);
});

await test('the pointer over a unit on the map highlights its row; a click selects it', async () => {
  const labels = (await api('api/layers/labels', undefined, { as: 'planner' })).body.features;
  await page.evaluate(() => window.__onemap.view.map.jumpTo({ center: [113.935, 22.77], zoom: 13 }));
  await waitIdle(page);
  // A sub-grid whose label point lies well inside the map's free room.
  let target = null;
  for (const f of labels.filter((x) => x.properties.kind === 'subgrid')) {
    const p = await screenOf(...f.geometry.coordinates);
    if (!(p.x > 500 && p.x < 1300 && p.y > 200 && p.y < 900)) continue;
    // Not where a station is drawn (a click there selects the station).
    const station = await page.evaluate(({ x, y }) => {
      const m = window.__onemap.view.map;
      const r = m.getCanvas().getBoundingClientRect();
      return m.queryRenderedFeatures([[x - r.left - 12, y - r.top - 12], [x - r.left + 12, y - r.top + 12]], { layers: ['planner-stations'] }).length;
    }, p);
    if (!station) { target = { code: f.properties.code, p }; break; }
  }
  assert(target, 'no sub-grid label in view');
  const hit = await page.evaluate(({ x, y }) => {
    const m = window.__onemap.view.map;
    const r = m.getCanvas().getBoundingClientRect();
    return m.queryRenderedFeatures([x - r.left, y - r.top], { layers: ['planner-units-fill'] })[0]?.properties.code;
  }, target.p);
  await page.mouse.move(target.p.x, target.p.y);
  await page.waitForSelector(`[data-testid=pl-row][data-code="${hit}"].hover`, T);
  await page.mouse.click(target.p.x, target.p.y);
  await page.waitForSelector(`[data-testid=pl-row][data-code="${hit}"].on`, T);
  assert(await page.$('.om-popup') === null, 'a popup opened over the planner');
});

await test('suggested sites come in order with their gains and bound; taking one raises the covered share by its gain', async () => {
  await page.selectOption('[data-testid=pl-service]', 'psych');
  await page.waitForSelector('[data-testid=pl-totals][data-service=psych]', T);
  const before = await covered();
  const shareBefore = await page.textContent('[data-testid=pl-share-scenario] .v');
  await page.click('[data-testid=pl-suggest-run]');
  await page.waitForSelector('[data-testid=pl-site]', T);
  const gains = await page.$$eval('[data-testid=pl-site] .up', (xs) => xs.map((x) => Number(x.textContent.replace(/[^\d]/g, ''))));
  assert(gains.length === 3, `${gains.length} sites`);
  assert(gains.every((g, i) => i === 0 || gains[i - 1] >= g), `gains not in order: ${gains}`);
  assert(/\d/.test(await page.textContent('[data-testid=pl-bound]')), 'no bound shown');
  await waitIdle(page);
  const sites = await page.evaluate(() => window.__onemap.view.map.getSource('src-planner-sites').serialize().data.features.length);
  assert(sites === 3, `${sites} sites on the map`);
  await page.click('[data-testid=pl-site][data-rank="1"] [data-testid=pl-take]');
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid=pl-share-scenario]')?.dataset.value) > b, before, T);
  const after = await covered();
  assert(after - before === gains[0], `rose by ${after - before}, the site promised ${gains[0]}`);
  assert(await page.textContent('[data-testid=pl-share-scenario] .v') !== shareBefore, 'the share text did not change');
  await page.waitForSelector('[data-testid=pl-station][data-kind=added]', T);
  scenarioId = await page.evaluate(() => JSON.parse(localStorage.getItem('onemap.prefs')).planner.scenario);
  assert(scenarioId, 'no scenario kept in the prefs');
  const rows = await page.$$eval('[data-testid=pl-row] td:nth-child(3)', (tds) => tds.filter((td) => td.textContent.startsWith('+')).length);
  assert(rows >= 1, 'no row shows a rise');
});

let dragged = null;

await test('dragging a station with the mouse changes the figures while the button is held, and undo takes the drag back', async () => {
  const id = await page.getAttribute('[data-testid=pl-station][data-kind=added]', 'data-id');
  const v = await api(`api/planning/scenarios/${scenarioId}`, undefined, { as: 'planner' });
  const st = v.body.plan.added.find((s) => s.id === id);
  await page.evaluate(([lon, lat]) => window.__onemap.view.map.jumpTo({ center: [lon, lat], zoom: 15 }), [st.lon, st.lat]);
  await waitIdle(page);
  const from = await screenOf(st.lon, st.lat);
  const before = await covered();
  const depthBefore = v.body.undo_depth;
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  let during = null;
  for (let i = 1; i <= 24; i++) {
    await page.mouse.move(from.x + i * 6, from.y + i * 2);
    await page.waitForTimeout(40);
    if (during === null && (await covered()) !== before) during = await covered();
  }
  if (during === null) {
    await page.waitForFunction((b) => Number(document.querySelector('[data-testid=pl-share-scenario]')?.dataset.value) !== b, before, { timeout: 10_000 })
      .catch(() => {});
    const c = await covered();
    if (c !== before) during = c;
  }
  // The circle follows the pointer before the mouse is let go.
  const midway = (await drawn()).find((s) => s.id === id);
  await page.mouse.up();
  assert(during !== null, 'the covered figure did not change while dragging');
  assert(midway && midway.lon > st.lon + 0.001, `the station did not follow the pointer: ${JSON.stringify(midway)}`);
  await page.waitForTimeout(800);
  const after = await covered();
  const moved = (await api(`api/planning/scenarios/${scenarioId}`, undefined, { as: 'planner' })).body;
  const now = moved.plan.added.find((s) => s.id === id);
  assert(now.lon > st.lon + 0.001, `the server has ${now.lon}, was ${st.lon}`);
  assert(after !== before, 'the figure came back to where it was');
  // The last position reached the server: its totals equal what the panel shows.
  const psych = moved.totals.find((t) => t.service === 'psych');
  assert(psych.scenario.residents_covered === after, `server ${psych.scenario.residents_covered}, panel ${after}`);
  assert(moved.undo_depth > depthBefore, 'no edits recorded');
  dragged = { id, lon: now.lon, lat: now.lat, after };
  console.log(`     drag: ${before} → ${during} (while held) → ${after} residents covered, ${moved.undo_depth - depthBefore} moves sent`);
  // Undo takes back the whole drag (many moves), not one step of it.
  await page.click('[data-testid=pl-undo]');
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid=pl-share-scenario]')?.dataset.value) === b, before, T);
  const back = (await api(`api/planning/scenarios/${scenarioId}`, undefined, { as: 'planner' })).body;
  assert(back.undo_depth === depthBefore, `undo depth ${back.undo_depth}, was ${depthBefore}`);
  assert(Math.abs(back.plan.added.find((s) => s.id === id).lon - st.lon) < 1e-9, 'the station is not back');
  // The overlay draws it back where it was (after the panel has asked the server again).
  await page.waitForFunction(([sid, lon]) => window.__onemap.view.map.queryRenderedFeatures({ layers: ['planner-stations'] })
    .some((f) => f.properties.id === sid && Math.abs(f.geometry.coordinates[0] - lon) < 1e-6), [id, st.lon], T);
  await waitIdle(page);
  // And again, to keep a dragged station for the screenshot and the save.
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) { await page.mouse.move(from.x + i * 12, from.y + i * 4); await page.waitForTimeout(30); }
  await page.mouse.up();
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid=pl-share-scenario]')?.dataset.value) !== b, before, T);
});

await test('a station added by a click on the map, and removed again from the list', async () => {
  await page.evaluate(() => window.__onemap.view.map.jumpTo({ center: [113.92, 22.76], zoom: 13 }));
  await waitIdle(page);
  const n = await page.locator('[data-testid=pl-station][data-kind=added]').count();
  await page.click('[data-testid=pl-add]');
  await page.mouse.click(900, 600);
  await page.waitForFunction((k) => document.querySelectorAll('[data-testid=pl-station][data-kind=added]').length === k + 1, n, T);
  const c = await covered();
  await page.locator(`[data-testid=pl-station][data-kind=added]:not([data-id="${dragged?.id}"])`).locator('[data-testid=pl-remove]').click();
  await page.waitForFunction((k) => document.querySelectorAll('[data-testid=pl-station][data-kind=added]').length === k, n, T);
  assert(await covered() <= c, 'removing a station raised the coverage');
});

if (SHOTS) {
  // The README's shot: the choropleth, the table, the scenario with its taken (and dragged)
  // station, and the suggestions still listed on the right and on the map.
  await page.click('[data-testid=pl-sort-share]');
  // The middle of the district: the suggestions and most sub-grids in view (centring on the
  // dragged station can put it on the district's edge).
  await page.evaluate(() => window.__onemap.view.map.jumpTo({ center: [113.915, 22.765], zoom: 12.6 }));
  await page.waitForTimeout(500);
  await waitIdle(page);
  await page.screenshot({ path: `${SHOTS}/planner.png` });
  console.log(`     screenshot ${SHOTS}/planner.png`);
}

let second = '';

await test('saved with a name and note, a second scenario made, the two compared side by side', async () => {
  await page.fill('[data-testid=pl-save-name]', '心理服务站试点（界面）');
  await page.fill('[data-testid=pl-save-note]', '端到端');
  await page.click('[data-testid=pl-save]');
  await page.waitForSelector(`[data-testid=pl-saved-item][data-id="${scenarioId}"][data-dirty=false]:has-text("心理服务站试点（界面）")`, T);
  const saved = (await api(`api/planning/scenarios/${scenarioId}`, undefined, { as: 'planner' })).body.scenario;
  assert(saved.name === '心理服务站试点（界面）' && saved.note === '端到端' && !saved.dirty && saved.version > 0, JSON.stringify(saved));
  // A second one: a new scenario with one station placed on the map.
  await page.fill('[data-testid=pl-new-name]', '对照方案');
  await page.click('[data-testid=pl-create]');
  await page.waitForFunction(() => document.querySelector('[data-testid=pl-scenario] h3')?.textContent.startsWith('对照方案'), null, T);
  await page.click('[data-testid=pl-add]');
  await page.mouse.click(1000, 500);
  await page.waitForSelector('[data-testid=pl-station][data-kind=added]', T);
  second = await page.evaluate(() => JSON.parse(localStorage.getItem('onemap.prefs')).planner.scenario);
  assert(second && second !== scenarioId, 'the second scenario is not open');
  await page.click('[data-testid=pl-save]');
  await page.waitForSelector(`[data-testid=pl-saved-item][data-id="${second}"][data-dirty=false]`, T);
  for (const id of [scenarioId, second]) await page.check(`[data-testid=pl-saved-item][data-id="${id}"] [data-testid=pl-compare-pick]`);
  await page.click('[data-testid=pl-compare]');
  await page.waitForSelector('[data-testid=pl-comparison]', T);
  const heads = await page.$$eval('[data-testid=pl-comparison] thead th', (ths) => ths.map((x) => x.textContent));
  assert(heads.length === 4 && heads.includes('心理服务站试点（界面）') && heads.includes('对照方案'), JSON.stringify(heads));
  const rows = await page.locator('[data-testid=pl-compare-row]').count();
  assert(rows === 264, `${rows} comparison rows`);
  const tot = await page.$$eval('[data-testid=pl-compare-total] td', (tds) => tds.slice(1).map((x) => parseFloat(x.textContent)));
  assert(tot[1] > tot[0], `the first scenario does not beat the saved stations: ${tot}`);
  // Applying is an administrator's: the planner has no button for it.
  assert(await page.locator('[data-testid=pl-apply]').count() === 0, 'the planner may apply');
});

await test('exports: the coverage CSV, the gaps GeoJSON and the report (HTML, PDF) download as files', async () => {
  const get = async (id) => {
    const [d] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click(`[data-testid=${id}]`)]);
    return { name: d.suggestedFilename(), bytes: await readFile(await d.path()) };
  };
  const csv = await get('pl-export-coverage-csv');
  assert(csv.name.endsWith('.csv'), csv.name);
  const lines = csv.bytes.toString('utf8').replace(/^\uFEFF/, '').trim().split('\n');
  assert(lines[0].startsWith('level,code,name,service') && lines.length > 264, `${lines.length} lines: ${lines[0]}`);
  const gaps = await get('pl-export-gaps-geojson');
  const fc = JSON.parse(gaps.bytes.toString('utf8'));
  assert(gaps.name.endsWith('.geojson') && fc.type === 'FeatureCollection' && fc.features.length > 0, gaps.name);
  const html = await get('pl-export-report-html');
  const text = html.bytes.toString('utf8');
  assert(html.name.endsWith('.html') && /<html/i.test(text) && text.includes('规划'), `${html.name} ${text.slice(0, 80)}`);
  const pdf = await get('pl-export-report-pdf');
  assert(pdf.name.endsWith('.pdf') && pdf.bytes.subarray(0, 5).toString() === '%PDF-' && pdf.bytes.length > 50_000,
    `${pdf.name}: ${pdf.bytes.length} bytes`);
  // The report ran as a job: its bar counted the steps to the end.
  const bar = page.locator('[data-testid=pl-report-progress] [data-testid=progress]');
  assert(await bar.getAttribute('data-state') === 'done', `report bar ${await bar.getAttribute('data-state')}`);
  const line = await page.locator('[data-testid=pl-report-progress] [data-testid=progress-text]').textContent();
  assert(line.includes('10 / 10'), `report progress: ${line}`);
});

await test('the report job: a district operator may start one, Cancel stops it, bad input gets a 4xx', async () => {
  const post = (body, as = 'district') => api('api/exports/planning-report', {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-onemap-client': 'e2e' }, body: JSON.stringify(body),
  }, { as });
  const wait = async (id) => {
    for (let i = 0; i < 600; i += 1) {
      const s = (await api(`api/jobs/${id}`, undefined, { as: 'district' })).body;
      if (s.state !== 'running') return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${id} still running`);
  };
  const started = await post({ format: 'html', lang: 'en' });
  assert(started.status === 202 && started.body.job, `start: ${started.status} ${JSON.stringify(started.body)}`);
  const done = await wait(started.body.job);
  assert(done.state === 'done' && done.progress.done === 10 && done.file_name.endsWith('.html'), JSON.stringify(done));
  const file = await api(`api/jobs/${started.body.job}/file`, undefined, { as: 'district' });
  assert(file.status === 200 && String(file.body).includes('500'), `file: ${file.status}`);
  // Cancelled at once: it stops at its next step, with no file.
  const second = await post({ format: 'pdf' });
  await api(`api/jobs/${second.body.job}/cancel`, { method: 'POST', headers: { 'x-onemap-client': 'e2e' } }, { as: 'district' });
  const cancelled = await wait(second.body.job);
  assert(cancelled.state === 'cancelled', `after Cancel: ${cancelled.state}`);
  const none = await api(`api/jobs/${second.body.job}/file`, undefined, { as: 'district' });
  assert(none.status >= 400 && none.status < 500, `a cancelled report's file: ${none.status}`);
  for (const [body, why] of [[{ format: 'docx' }, 'format'], [{ format: 'pdf', lang: 'fr' }, 'lang'], [{ format: 'pdf', colour: 1 }, 'unknown field']]) {
    const r = await post(body);
    assert(r.status === 400 && r.body.code === 'invalid' && r.body.message, `${why}: ${r.status} ${JSON.stringify(r.body)}`);
  }
});

await test('the choices come back after a reload: workspace, service, level, metric, scenario', async () => {
  await page.selectOption('[data-testid=pl-level]', 'community');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=pl-row]').length === 31, null, T);
  await page.selectOption('[data-testid=pl-metric]', 'buildings');
  await page.reload();
  await ready();
  await page.waitForSelector('[data-testid=planner-left]', T);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=pl-row]').length === 31, null, T);
  assert(await page.inputValue('[data-testid=pl-service]') === 'psych', 'service lost');
  assert(await page.inputValue('[data-testid=pl-metric]') === 'buildings', 'metric lost');
  await page.waitForFunction(() => document.querySelector('[data-testid=pl-scenario-name]')?.textContent === '对照方案', null, T);
  assert(await page.$eval('[data-testid=ws-planner]', (b) => b.classList.contains('on')), 'not in the planner workspace');
  assert(foreign().length === 0, `foreign requests: ${foreign().join(', ')}`);
  assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
});

await test('an administrator applies a saved scenario; a dirty one is refused with the server\'s message', async () => {
  const admin = await openPage(browser, base, { width: 1920, height: 1080, user: 'admin' });
  const p = admin.page;
  await ready(p);
  await p.click('[data-testid=ws-planner]');
  await p.waitForSelector(`[data-testid=pl-saved-item][data-id="${scenarioId}"] [data-testid=pl-apply]`, T);
  // The second scenario with an edit not saved yet: apply is refused and the message shown.
  const e = await api(`api/planning/scenarios/${second}/edits`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ op: 'add', services: ['psych'], lon: 113.93, lat: 22.75 }),
  }, { as: 'planner' });
  assert(e.status === 200, `edit ${e.status}`);
  await p.click(`[data-testid=pl-saved-item][data-id="${second}"] [data-testid=pl-apply]`);
  await p.waitForSelector('[data-testid=pl-apply-msg]', T);
  assert((await p.textContent('[data-testid=pl-apply-msg]')).length > 5, 'no message');
  const before = (await api('api/planning/stations', undefined, { as: 'admin' })).body.features.length;
  await p.click(`[data-testid=pl-saved-item][data-id="${scenarioId}"] [data-testid=pl-apply]`);
  await p.waitForSelector('[data-testid=toast].ok', T);
  const after = (await api('api/planning/stations', undefined, { as: 'admin' })).body.features.length;
  assert(after === before + 1, `${before} → ${after} stations`);
  assert(admin.foreign().length === 0, `foreign requests: ${admin.foreign().join(', ')}`);
  // The refused apply is logged by the browser as a failed request; nothing else may be.
  const unexpected = admin.errors.filter((x) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(x));
  assert(unexpected.length === 0, `page errors: ${unexpected.join('; ')}`);
  await admin.context.close();
});

await test('a leader has no planner tab; a district operator reads it without editing', async () => {
  await page.context().close();
  const leader = await openPage(browser, base, { user: 'leader' });
  await ready(leader.page);
  assert(await leader.page.locator('[data-testid=ws-planner]').count() === 0, 'the leader has the planner tab');
  await leader.context.close();
  const district = await openPage(browser, base, { user: 'district' });
  await ready(district.page);
  await district.page.click('[data-testid=ws-planner]');
  await district.page.waitForFunction(() => document.querySelectorAll('[data-testid=pl-row]').length > 0, null, T);
  assert(await district.page.isVisible('[data-testid=pl-readonly]'), 'no read-only note');
  assert(await district.page.locator('[data-testid=pl-suggest-run], [data-testid=pl-add]').count() === 0, 'edit controls shown');
  assert(district.errors.length === 0 && leader.errors.length === 0, `page errors: ${[...district.errors, ...leader.errors].join('; ')}`);
  await district.context.close();
});

await browser.close();
finish();

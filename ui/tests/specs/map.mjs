// The one map, end to end against a running `onemap serve`: `node tests/specs/map.mjs URL`.
// Every request the page makes is recorded; any to another origin fails the run.
import { launch, openPage, gotoReady, waitIdle } from '../browser.mjs';
import { api, assert, authHeaders, base, finish, test } from '../harness.mjs';

const browser = await launch();
const { page, foreign, errors, requests } = await openPage(browser, base);

const visibility = (id) => page.evaluate((i) => window.__onemap.view.map.getLayoutProperty(i, 'visibility') ?? 'visible', id);
const mapState = () => page.evaluate(() => {
  const m = window.__onemap.view.map;
  const c = m.getCenter();
  return { lon: c.lng, lat: c.lat, zoom: m.getZoom() };
});

try {
  await test('the map reaches idle with every default layer drawn', async () => {
    const ms = await gotoReady(page, base);
    console.log(`     first complete map: ${ms} ms after navigation start`);
    const drawn = await page.evaluate(() => {
      const m = window.__onemap.view.map;
      const count = (layer) => m.queryRenderedFeatures({ layers: [layer] }).length;
      return { streets: count('street-line'), clusters: count('building-clusters'), stations: count('stations'), cases: count('cases'), labels: count('street-label') };
    });
    for (const [k, n] of Object.entries(drawn)) assert(n > 0, `nothing drawn in ${k}`);
    assert(errors.length === 0, `page errors: ${errors.join(' | ')}`);
  });

  await test('Chinese labels are placed (street names from the local CJK font)', async () => {
    const names = await page.evaluate(() => window.__onemap.view.map.queryRenderedFeatures({ layers: ['street-label'] }).map((f) => f.properties.name));
    const streets = (await api('api/layers/streets')).body.features.map((f) => f.properties.name);
    assert(names.length >= streets.length - 1, `only ${names.length} of ${streets.length} street labels placed`);
    assert(names.every((n) => /街道$/.test(n)), `unexpected labels ${names}`);
  });

  await test('each layer toggles on and off', async () => {
    const toggles = await page.evaluate(() => window.__onemap.toggles);
    for (const [name, ids] of Object.entries(toggles)) {
      const box = page.locator(`[data-testid="toggle-${name}"]`);
      const before = await box.isChecked();
      await box.click();
      await page.waitForTimeout(50);
      for (const id of ids) {
        assert((await visibility(id)) === (before ? 'none' : 'visible'), `${name}: ${id} did not turn ${before ? 'off' : 'on'}`);
      }
      await box.click();
      for (const id of ids) {
        assert((await visibility(id)) === (before ? 'visible' : 'none'), `${name}: ${id} did not turn back`);
      }
    }
    await waitIdle(page);
    assert(errors.length === 0, `page errors: ${errors.join(' | ')}`);
  });

  await test('the gaps layer loads from the backend and draws when switched on', async () => {
    await page.check('[data-testid=toggle-gaps]');
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/api/layers/gaps') && e.responseEnd > 0));
    await page.waitForTimeout(300);
    await waitIdle(page);
    const n = await page.evaluate(() => window.__onemap.view.map.queryRenderedFeatures({ layers: ['gaps-fill'] }).length);
    assert(n > 0, 'no gap cells drawn');
    await page.uncheck('[data-testid=toggle-gaps]');
  });

  await test('search flies to a community and the breadcrumb follows', async () => {
    const communities = (await api('api/layers/communities')).body.features;
    const c = communities[Math.floor(communities.length / 2)].properties;
    const before = await mapState();
    await page.fill('[data-testid=search-input]', c.name);
    const hit = page.locator(`[data-testid=search-hit][data-kind=community][data-id="${c.code}"]`);
    await hit.waitFor();
    await hit.click();
    await page.waitForTimeout(300);
    await waitIdle(page);
    const after = await mapState();
    const unit = (await api(`api/units/${c.code}`)).body;
    const [w, s, e, n] = unit.bbox;
    assert(after.zoom > before.zoom + 0.5, `zoom ${before.zoom} → ${after.zoom}`);
    assert(after.lon > w && after.lon < e && after.lat > s && after.lat < n, `centre ${after.lon},${after.lat} outside ${unit.bbox}`);
    const crumb = await page.textContent('[data-testid=crumb-community]');
    assert(crumb === c.name, `breadcrumb shows ${crumb}, not ${c.name}`);
  });

  await test('clicking a building at high zoom shows its rating, reasons and inspection from the backend', async () => {
    const id = 'B-000001';
    const b = (await api(`api/buildings/${id}`)).body;
    await page.evaluate(([lon, lat]) => window.__onemap.view.map.jumpTo({ center: [lon, lat], zoom: 18.5 }), [b.lon, b.lat]);
    await page.uncheck('[data-testid=toggle-cases]');
    await page.uncheck('[data-testid=toggle-stations]');
    await waitIdle(page);
    const pt = await page.evaluate(([lon, lat]) => window.__onemap.view.map.project([lon, lat]), [b.lon, b.lat]);
    const got = page.waitForResponse((r) => r.url().endsWith(`/api/buildings/${id}`));
    await page.mouse.click(pt.x, pt.y);
    await got;
    const popup = page.locator(`[data-testid=popup-building][data-id="${id}"]`);
    await popup.waitFor();
    const text = await popup.textContent();
    assert(text.includes(b.properties.address), 'address missing');
    assert(text.includes(b.properties.last_inspection), 'last inspection missing');
    const rating = { safe: '放心级', general: '一般级', warning: '警示级' }[b.properties.rating];
    assert((await page.textContent('[data-testid=popup-rating]')) === rating, `rating is not ${rating}`);
    const nearest = Object.values(b.nearest)[0].name;
    assert(text.includes(nearest), `nearest station ${nearest} missing`);
    await page.check('[data-testid=toggle-cases]');
    await page.check('[data-testid=toggle-stations]');
  });

  await test('a station popup shows its services, hours and the buildings it covers', async () => {
    const st = (await api('api/layers/stations')).body.features.find((f) => f.properties.level === 'street_hall');
    const d = (await api(`api/stations/${st.properties.id}`)).body;
    await page.evaluate(([lon, lat]) => window.__onemap.view.map.jumpTo({ center: [lon, lat], zoom: 16 }), st.geometry.coordinates);
    await waitIdle(page);
    const pt = await page.evaluate((c) => window.__onemap.view.map.project(c), st.geometry.coordinates);
    await page.mouse.click(pt.x, pt.y);
    const popup = page.locator(`[data-testid=popup-station][data-id="${st.properties.id}"]`);
    await popup.waitFor();
    const text = await popup.textContent();
    assert(text.includes(d.properties.hours), 'hours missing');
    assert(text.includes(d.covers.buildings.toLocaleString('zh-CN')), `covered buildings ${d.covers.buildings} missing`);
  });

  await test('the English switch changes the chrome and the theme switch the palette', async () => {
    await page.click('[data-testid=lang-toggle]');
    assert((await page.textContent('[data-testid=layer-panel] h2')) === 'Layers', 'panel not in English');
    await page.click('[data-testid=lang-toggle]');
    assert((await page.textContent('[data-testid=layer-panel] h2')) === '图层', 'panel not back in Chinese');
    await page.click('[data-testid=theme-toggle]');
    const bg = await page.evaluate(() => window.__onemap.view.map.getPaintProperty('background', 'background-color'));
    assert(await page.evaluate(() => document.body.classList.contains('theme-light')), 'body not light');
    assert(bg === '#eef2f6', `background ${bg}`);
    await page.click('[data-testid=theme-toggle]');
    await waitIdle(page);
    assert(errors.length === 0, `page errors: ${errors.join(' | ')}`);
  });

  await test('a case posted to the API appears on the map without a reload, pulsing', async () => {
    const ready = (await api('readyz')).body;
    assert(ready.live === 'store', `the server has no store (readyz live=${ready.live}); see its log`);
    const sub = (await api('api/layers/labels')).body.features.find((f) => f.properties.kind === 'subgrid');
    const [lon, lat] = sub.geometry.coordinates;
    await page.evaluate(([x, y]) => window.__onemap.view.map.jumpTo({ center: [x, y], zoom: 15 }), [lon, lat]);
    await waitIdle(page);
    const before = await page.evaluate(() => window.__onemap.liveReceived);
    const res = await fetch(new URL('api/cases', base), {
      method: 'POST', headers: { 'content-type': 'application/json', ...(await authHeaders()) },
      body: JSON.stringify({ matter: 'M001', description: '端到端测试：楼道堆放杂物', lon, lat, channel: 'hotline', people: 12 }),
    });
    const created = await res.json();
    assert(res.status === 201, `POST /api/cases: ${res.status} ${JSON.stringify(created)}`);
    const id = created.properties.id;
    await page.waitForFunction((n) => window.__onemap.liveReceived > n, before, { timeout: 15_000 });
    await page.waitForFunction((cid) => window.__onemap.view.map.queryRenderedFeatures({ layers: ['cases-pulse'] })
      .some((f) => f.properties.id === cid), id, { timeout: 15_000 });
    const onCases = await page.evaluate((cid) => window.__onemap.view.map.queryRenderedFeatures({ layers: ['cases'] })
      .some((f) => f.properties.id === cid), id);
    assert(onCases, `case ${id} not drawn on the cases layer`);
    const outside = await fetch(new URL('api/cases', base), {
      method: 'POST', headers: { 'content-type': 'application/json', ...(await authHeaders()) },
      body: JSON.stringify({ matter: 'M001', description: 'x', lon: 120, lat: 30 }),
    });
    assert(outside.status === 400, `a case outside the district got ${outside.status}`);
  });

  await test('bad input gets a 4xx with {code, message}', async () => {
    const a = await api('api/buildings/NOPE');
    assert(a.status === 404 && a.body.code === 'not_found' && a.body.message, JSON.stringify(a));
    const b = await api('api/search?q=x&limit=many');
    assert(b.status === 400 && b.body.code === 'invalid', JSON.stringify(b));
    const c = await api('api/search?q=');
    assert(c.status === 400 && c.body.code === 'invalid', JSON.stringify(c));
    const d = await api('api/layers/nope');
    assert(d.status === 404 && d.body.code === 'not_found', JSON.stringify(d));
  });

  await test('the page made no request to another origin', async () => {
    assert(requests.length > 10, `only ${requests.length} requests recorded`);
    const f = foreign();
    assert(f.length === 0, `requests to other origins: ${f.join(', ')}`);
  });
} finally {
  await browser.close();
}

finish();

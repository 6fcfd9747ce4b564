// The tiles path end to end against a running `onemap serve`: `node tests/specs/tiles.mjs URL`.
// Buildings, cameras and roads reach the map as vector tiles cut by the Rust side (never as one
// big GeoJSON); the cells drawn at district zoom add up to every building; bad tile addresses get
// a 4xx with {code, message}; nothing is fetched from another origin.
import { launch, openPage, gotoReady, waitIdle } from '../browser.mjs';
import { api, assert, base, finish, test } from '../harness.mjs';

const browser = await launch();
const { page, foreign, errors, requests } = await openPage(browser, base);

/** The XYZ tile holding (lon, lat) at zoom z. */
function tileOf(lon, lat, z) {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [z, Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}

try {
  const overview = (await api('api/overview')).body;

  await test('a building tile answers as a vector tile and a bad address gets a 4xx with {code, message}', async () => {
    const b = (await api('api/buildings/B-000001')).body;
    const [z, x, y] = tileOf(b.lon, b.lat, 14);
    const r = await fetch(new URL(`tiles/buildings/${z}/${x}/${y}.mvt`, base));
    assert(r.status === 200, `status ${r.status}`);
    assert(r.headers.get('content-type') === 'application/vnd.mapbox-vector-tile', r.headers.get('content-type'));
    const bytes = new Uint8Array(await r.arrayBuffer());
    // A Tile message starts with field 3 (layers), wire type 2: 0x1a.
    assert(bytes.length > 100 && bytes[0] === 0x1a, `not a tile (${bytes.length} bytes)`);
    const empty = await fetch(new URL('tiles/buildings/14/0/0.mvt', base));
    assert(empty.status === 200 && (await empty.arrayBuffer()).byteLength === 0, 'a tile far away is not empty');
    for (const [path, status, code] of [
      ['tiles/stations/1/0/0.mvt', 404, 'not_found'],
      ['tiles/buildings/2/9/0.mvt', 400, 'invalid'],
      ['tiles/buildings/25/0/0.mvt', 400, 'invalid'],
      ['tiles/buildings/a/b/c.mvt', 400, 'invalid'],
      ['tiles/buildings/14/1', 400, 'invalid'],
    ]) {
      const e = await api(path);
      assert(e.status === status && e.body.code === code && e.body.message, `${path}: ${e.status} ${JSON.stringify(e.body)}`);
    }
  });

  await test('the map draws the buildings from tiles, never from one GeoJSON', async () => {
    await gotoReady(page, base);
    await waitIdle(page);
    const tileRequests = requests.filter((u) => u.includes('/tiles/buildings/'));
    assert(tileRequests.length > 0, 'no building tile was fetched');
    assert(!requests.some((u) => u.includes('/api/layers/buildings')), 'the buildings GeoJSON was fetched');
    assert(errors.length === 0, `page errors: ${errors.join(' | ')}`);
  });

  await test('the roads come as tiles too: arterials at district zoom, local roads at street level', async () => {
    assert(requests.some((u) => u.includes('/tiles/roads/')), 'no road tile was fetched');
    assert(!requests.some((u) => u.includes('/api/layers/roads')), 'the roads GeoJSON was fetched');
    const drawn = (...layers) => page.evaluate((l) => window.__onemap.view.map.queryRenderedFeatures({ layers: l })
      .map((f) => f.properties.class), layers);
    const arterial = await drawn('roads-arterial');
    assert(arterial.length > 0 && arterial.every((c) => c === 'arterial'), `arterials drawn: ${arterial.length}`);
    const major = await drawn('roads-arterial', 'roads-secondary');
    assert(major.some((c) => c === 'secondary') && major.every((c) => c !== 'local'), `major roads drawn: ${major.length}`);
    const b = (await api('api/buildings/B-000001')).body;
    await page.evaluate(([lon, lat]) => window.__onemap.view.map.jumpTo({ center: [lon, lat], zoom: 15.5 }), [b.lon, b.lat]);
    await waitIdle(page);
    const minor = await drawn('roads-minor');
    assert(minor.length > 0 && minor.every((c) => c === 'local'), `local roads drawn: ${minor.length}`);
    // The API still gives the whole layer as GeoJSON (for export and other clients).
    const fc = (await api('api/layers/roads')).body;
    assert(fc.features.length === overview.counts.roads, `${fc.features.length} roads, overview says ${overview.counts.roads}`);
  });

  await test('at district zoom the cells drawn add up to every building and every warning', async () => {
    await page.evaluate((b) => window.__onemap.view.map.fitBounds(b, { duration: 0, padding: 20 }), overview.bbox);
    await waitIdle(page);
    const sums = await page.evaluate(() => {
      const m = window.__onemap.view.map;
      let total = 0, warning = 0, cells = 0;
      for (const f of m.queryRenderedFeatures({ layers: ['building-clusters', 'building-points'] })) {
        const p = f.properties;
        if (p.point_count) { cells += 1; total += p.point_count; warning += p.warning; } else { total += 1; warning += p.rating === 'warning' ? 1 : 0; }
      }
      return { total, warning, cells, zoom: m.getZoom() };
    });
    assert(sums.cells > 20, `only ${sums.cells} cells at zoom ${sums.zoom}`);
    assert(sums.total === overview.counts.buildings, `cells hold ${sums.total} buildings, the dataset ${overview.counts.buildings}`);
    assert(sums.warning === overview.ratings.warning, `cells hold ${sums.warning} warnings, the dataset ${overview.ratings.warning}`);
  });

  await test('clicking a cell zooms in two levels and from zoom 14 every building is its own feature', async () => {
    // Cases, stations and boundaries over the cell would take the click.
    for (const t of ['cases', 'stations', 'streets', 'communities', 'subgrids']) await page.uncheck(`[data-testid=toggle-${t}]`);
    await waitIdle(page);
    const at = await page.evaluate(() => {
      const m = window.__onemap.view.map;
      // The biggest cell the mouse can reach: panels and the breach alarm cover parts of the map.
      const canvas = m.getCanvas();
      const reachable = (f) => { const q = m.project(f.geometry.coordinates); const r = canvas.getBoundingClientRect(); return document.elementFromPoint(r.left + q.x, r.top + q.y) === canvas; };
      const f = m.queryRenderedFeatures({ layers: ['building-clusters'] }).filter(reachable).sort((a, b) => b.properties.point_count - a.properties.point_count)[0];
      const p = m.project(f.geometry.coordinates);
      return { x: p.x, y: p.y, zoom: m.getZoom() };
    });
    await page.mouse.click(at.x, at.y);
    await page.waitForTimeout(600);
    await waitIdle(page);
    const zoom = await page.evaluate(() => window.__onemap.view.map.getZoom());
    assert(Math.abs(zoom - Math.min(at.zoom + 2, 16)) < 0.05, `zoom ${at.zoom} → ${zoom}`);
    for (const t of ['cases', 'stations', 'streets', 'communities', 'subgrids']) await page.check(`[data-testid=toggle-${t}]`);
    const b = (await api('api/buildings/B-000002')).body;
    await page.evaluate(([lon, lat]) => window.__onemap.view.map.jumpTo({ center: [lon, lat], zoom: 14.2 }), [b.lon, b.lat]);
    await waitIdle(page);
    const ids = await page.evaluate(() => window.__onemap.view.map.queryRenderedFeatures({ layers: ['building-points'] }).map((f) => f.properties.id));
    const cells = await page.evaluate(() => window.__onemap.view.map.queryRenderedFeatures({ layers: ['building-clusters'] }).length);
    assert(cells === 0, `${cells} cells at zoom 14.2`);
    assert(ids.includes('B-000002'), 'B-000002 not drawn at zoom 14.2');
  });

  await test('cameras come as tiles from zoom 12, with their name and kind', async () => {
    const cam = (await api('api/layers/cameras')).body.features[0];
    await page.evaluate((c) => window.__onemap.view.map.jumpTo({ center: c, zoom: 15 }), cam.geometry.coordinates);
    await page.check('[data-testid=toggle-cameras]');
    await waitIdle(page);
    const drawn = await page.evaluate(() => window.__onemap.view.map.queryRenderedFeatures({ layers: ['cameras'] }).map((f) => f.properties));
    const mine = drawn.find((p) => p.id === cam.properties.id);
    assert(mine, `camera ${cam.properties.id} not drawn`);
    assert(mine.name === cam.properties.name && mine.kind === cam.properties.kind, JSON.stringify(mine));
    assert(requests.some((u) => u.includes('/tiles/cameras/')), 'no camera tile fetched');
    await page.uncheck('[data-testid=toggle-cameras]');
  });

  await test('the page and its map worker made no request to another origin', async () => {
    const f = foreign();
    assert(f.length === 0, `requests to other origins: ${f.join(', ')}`);
  });
} finally {
  await browser.close();
}

finish();

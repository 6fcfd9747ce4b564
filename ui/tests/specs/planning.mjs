// The planning app API (issue 7) end to end against a running `onemap serve` with a fresh store
// and the bundled Guangming dataset (synthetic): `node tests/specs/planning.mjs URL`. The planner
// view is built on these routes; this spec drives them the way it does (a suggested site, a
// scenario, a drag, save, compare, apply, the analyses and the exports), then checks from inside
// the page that the same routes answer on the app's own origin.
import { launch, openPage, gotoReady } from '../browser.mjs';
import { api, assert, authHeaders, base, finish, test } from '../harness.mjs';

const json = (body, method = 'POST') => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const total = (v, service) => v.totals.find((t) => t.service === service);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let psychBefore = 0;
let site = null;
let scenario = '';
let added = '';

await test('coverage per sub-grid lists all 264 sub-grids with saved figures', async () => {
  const r = await api('api/planning/coverage?level=subgrid&service=psych');
  assert(r.status === 200, `status ${r.status}: ${JSON.stringify(r.body)}`);
  assert(r.body.rows.length === 264, `${r.body.rows.length} rows`);
  const t = total(r.body, 'psych');
  psychBefore = t.saved.residents_covered;
  assert(psychBefore > 0 && psychBefore < t.residents, JSON.stringify(t));
});

await test('a suggestion gives sites in order with gains and an optimality bound', async () => {
  const r = await api('api/planning/suggest', json({ service: 'psych', count: 3, objective: 'residents' }));
  assert(r.status === 200, `status ${r.status}: ${JSON.stringify(r.body)}`);
  const { sites, bound } = r.body;
  assert(sites.length === 3, `${sites.length} sites`);
  for (let i = 1; i < sites.length; i++) {
    assert(sites[i].gain.residents <= sites[i - 1].gain.residents, 'gains do not fall in order');
  }
  assert(bound.upper >= bound.greedy && bound.ratio <= 1 && bound.ratio >= bound.a_priori - 1e-9,
    JSON.stringify(bound));
  site = sites[0];
});

await test('the fewest stations for a target share reports whether it is reached and a lower bound', async () => {
  const r = await api('api/planning/suggest', json({ service: 'psych', target: '90%' }));
  assert(r.status === 200, `status ${r.status}: ${JSON.stringify(r.body)}`);
  const t = r.body.target;
  assert(t && t.reached === true, JSON.stringify(t));
  assert(t.min_stations >= 1 && t.min_stations <= r.body.sites.length, JSON.stringify(t));
});

await test('a scenario gains exactly what the suggestion said, and a drag keeps the figures in step', async () => {
  const c = await api('api/planning/scenarios', json({ name: '心理服务站试点（端到端）' }));
  assert(c.status === 201, `create ${c.status}: ${JSON.stringify(c.body)}`);
  scenario = c.body.scenario.id;
  const e = await api(`api/planning/scenarios/${scenario}/edits`,
    json({ op: 'add', services: ['psych'], lon: site.lon, lat: site.lat }));
  assert(e.status === 200, `add ${e.status}: ${JSON.stringify(e.body)}`);
  const psych = e.body.changes.find((x) => x.service === 'psych');
  assert(psych.residents === site.gain.residents, `${psych.residents} vs ${site.gain.residents}`);
  added = e.body.stations[0];
  // A drag: 12 moves east and back, as the planner view sends them while the pointer moves.
  const ms = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const m = await api(`api/planning/scenarios/${scenario}/edits`,
      json({ op: 'move', id: added, lon: site.lon + (i % 2 ? 0 : 0.002), lat: site.lat }));
    ms.push(performance.now() - t0);
    assert(m.status === 200, `move ${m.status}: ${JSON.stringify(m.body)}`);
  }
  console.log(`     drag: median ${median(ms).toFixed(1)} ms per edit round trip (12 moves, shared machine)`);
  const v = await api(`api/planning/scenarios/${scenario}`);
  assert(total(v.body, 'psych').scenario.residents_covered === psychBefore + site.gain.residents,
    JSON.stringify(total(v.body, 'psych')));
  assert(v.body.scenario.dirty === true, 'a working copy with edits is dirty');
});

await test('bad edits get a 4xx with {code, message} and change nothing', async () => {
  const before = await api(`api/planning/scenarios/${scenario}`);
  for (const [body, status] of [
    [{ op: 'add', services: ['psych'], lon: 120.0, lat: 30.0 }, 400],
    [{ op: 'teleport' }, 400],
    [[{ op: 'move', id: added, lon: 113.95, lat: 22.75 }, { op: 'remove', id: 'ST-NOPE' }], 404],
  ]) {
    const r = await api(`api/planning/scenarios/${scenario}/edits`, json(body));
    assert(r.status === status, `${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
    assert(typeof r.body.code === 'string' && typeof r.body.message === 'string', JSON.stringify(r.body));
  }
  const after = await api(`api/planning/scenarios/${scenario}`);
  assert(JSON.stringify(after.body.plan) === JSON.stringify(before.body.plan), 'the plan changed');
});

await test('saved, listed, compared side by side with the saved stations, and applied', async () => {
  const s = await api(`api/planning/scenarios/${scenario}`, json({ note: '光明街道' }, 'PUT'));
  assert(s.status === 200, `save ${s.status}: ${JSON.stringify(s.body)}`);
  const l = await api('api/planning/scenarios');
  assert(l.body.some((x) => x.scenario.id === scenario), JSON.stringify(l.body));
  const cmp = await api(`api/planning/compare?ids=${scenario}&level=street&service=psych`);
  assert(cmp.status === 200 && cmp.body.columns.length === 2 && cmp.body.rows.length === 6,
    JSON.stringify(cmp.body).slice(0, 300));
  const stationsBefore = (await api('api/planning/stations')).body.features.length;
  const a = await api(`api/planning/scenarios/${scenario}/apply`, { method: 'POST' });
  assert(a.status === 200, `apply ${a.status}: ${JSON.stringify(a.body)}`);
  const stationsAfter = (await api('api/planning/stations')).body.features.length;
  assert(stationsAfter === stationsBefore + 1, `${stationsBefore} → ${stationsAfter}`);
  const cov = await api('api/planning/coverage?level=district&service=psych');
  assert(total(cov.body, 'psych').saved.residents_covered === psychBefore + site.gain.residents,
    JSON.stringify(total(cov.body, 'psych')));
});

await test('the policy check names failing sub-grids with the residents left out and a fix', async () => {
  const r = await api('api/planning/policy?service=legal');
  assert(r.status === 200, `status ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  const legal = r.body.services[0];
  assert(legal.subgrids === 264 && legal.passing + legal.failing.length === 264, JSON.stringify(legal).slice(0, 300));
  if (legal.failing.length > 0) {
    const f = legal.failing[0];
    assert(legal.residents_uncovered > 0 && legal.fix.sites.length > 0, JSON.stringify(legal).slice(0, 300));
    assert(typeof f.code === 'string', JSON.stringify(f));
  }
});

await test('walking along the synthetic roads is compared with the circle per sub-grid', async () => {
  const r = await api('api/planning/walking?service=appeal&level=subgrid');
  assert(r.status === 200, `status ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  assert(r.body.available === true && r.body.edges > 0, JSON.stringify(r.body).slice(0, 300));
  assert(r.body.rows.length === 264, `${r.body.rows.length} rows`);
  const t = r.body.total;
  assert(t.walking_residents <= t.circle_residents, 'walking reaches more than the circle');
  assert(t.walking_residents > 0, 'nobody reached on foot');
});

await test('exports: gaps GeoJSON, the coverage CSV in Chinese, the report as HTML and PDF', async () => {
  const g = await api('api/planning/export/gaps.geojson?service=psych');
  assert(g.status === 200 && g.body.type === 'FeatureCollection' && g.body.features.length > 0,
    `gaps ${g.status}`);
  const c = await api('api/planning/export/coverage.csv?level=community');
  assert(c.status === 200 && typeof c.body === 'string', `csv ${c.status}`);
  const lines = c.body.trim().split('\n');
  // Machine-readable column keys; the units' and services' names in Chinese.
  assert(lines[0].replace(/^\uFEFF/, '').startsWith('level,code,name,service,service_name'), lines[0]);
  assert(lines.length > 31 && /社区/.test(lines[1]), lines[1]);
  const h = await api('api/planning/export/report.html');
  assert(h.status === 200 && /<html/i.test(h.body) && h.body.includes('规划'), `html ${h.status}`);
  const p = await fetch(new URL('api/planning/export/report.pdf?lang=en', base), { headers: await authHeaders('planner') });
  const bytes = Buffer.from(await p.arrayBuffer());
  assert(p.status === 200 && p.headers.get('content-type') === 'application/pdf', `pdf ${p.status}`);
  assert(bytes.subarray(0, 5).toString() === '%PDF-' && bytes.length > 50_000, `${bytes.length} bytes`);
  assert(/attachment/.test(p.headers.get('content-disposition') ?? ''), 'no attachment disposition');
});

const browser = await launch();
const { page, foreign, errors } = await openPage(browser, base);

await test('from inside the app the planning routes answer on its own origin, nothing foreign', async () => {
  await gotoReady(page, base);
  const got = await page.evaluate(async () => {
    const r = await fetch('/api/planning/scenarios');
    const w = await fetch('/api/planning/coverage?level=street&service=psych');
    return { list: r.status, streets: (await w.json()).rows.length };
  });
  assert(got.list === 200 && got.streets === 6, JSON.stringify(got));
  assert(foreign().length === 0, `foreign requests: ${foreign().join(', ')}`);
  assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
});

await browser.close();
finish();

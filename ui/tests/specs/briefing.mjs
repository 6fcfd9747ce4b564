// Briefing mode, end to end: `node tests/specs/briefing.mjs URL [OUTDIR]`. Runs the tour in
// Chromium with the presenter's keys, checks at every step that no reporter's name or phone
// (every one in the dataset's case history) is anywhere in the DOM or in what the page
// received, plays a day back, switches the language live, and saves the tour's exported
// slides (the server's numbered PNGs) and a screenshot of each step to OUTDIR
// (default: ui/tests/out/briefing).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, openPage } from '../browser.mjs';
import { api, assert, authHeaders, base, finish, test } from '../harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const data = join(here, '../../../geodata/guangming');
const out = process.argv[3] ?? process.env.ONEMAP_BRIEFING_OUT ?? join(here, '../out/briefing');
mkdirSync(out, { recursive: true });

// Every reporter's name and phone in the history, less the names that are also words the
// screen legitimately shows (a place or matter name containing them).
const names = new Set();
const phones = new Set();
for (const f of readdirSync(data).filter((n) => n.startsWith('cases'))) {
  for (const c of JSON.parse(readFileSync(join(data, f), 'utf8')).features) {
    if (c.properties.reporter_name) names.add(c.properties.reporter_name);
    if (c.properties.reporter_phone) phones.add(c.properties.reporter_phone);
  }
}
const places = ['streets', 'communities', 'subgrids', 'matters'].map((l) => readFileSync(join(data, `${l}.geojson`), 'utf8')).join('\n');
for (const n of [...names]) if (places.includes(n)) names.delete(n);

/** The personal data found in `text`: any phone-like number, any known name. */
function personal(text) {
  const found = [];
  for (const m of text.matchAll(/(?<!\d)1[3-9]\d{9}(?!\d)/g)) found.push(m[0]);
  for (const m of text.matchAll(/\d{11}/g)) if (phones.has(m[0])) found.push(m[0]);
  for (const run of text.matchAll(/[\u4e00-\u9fff]{2,}/g)) {
    const s = run[0];
    for (let i = 0; i < s.length; i += 1) {
      for (const len of [2, 3, 4]) {
        const sub = s.slice(i, i + len);
        if (sub.length === len && names.has(sub)) found.push(sub);
      }
    }
  }
  return found;
}

const browser = await launch();
const { page, foreign, errors } = await openPage(browser, base, { width: 1920, height: 1080 });
const bodies = [];
page.on('response', async (r) => {
  const type = r.headers()['content-type'] ?? '';
  if (/json|text|javascript|svg/.test(type)) bodies.push([r.url(), await r.text().catch(() => '')]);
});
const domLeaks = async () => personal(await page.evaluate(() => document.documentElement.outerHTML + document.body.innerText));
const waitStep = (n) => page.waitForFunction((k) => document.body.dataset.step === String(k), n, { timeout: 20_000 });
const settle = async () => {
  await page.waitForFunction(() => { const m = window.__briefing?.view.map; return m && !m.isMoving() && m.loaded(); }, null, { timeout: 30_000, polling: 200 });
  await page.waitForTimeout(400);
};

try {
  await test('the leak detector finds a reporter in the history when one is shown', async () => {
    assert(names.size > 1000 && phones.size > 1000, `${names.size} names, ${phones.size} phones loaded`);
    const [n] = names;
    const [p] = phones;
    assert(personal(`某某 ${n} 某某`).includes(n), 'a name is found');
    assert(personal(`tel ${p}`).includes(p), 'a phone is found');
  });

  let total = 0;
  await test('briefing mode opens full-screen-ready, dark, with the tour and no request off the loopback server', async () => {
    await page.goto(new URL('briefing.html?autoplay=0', base).href, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => window.__briefing?.ready === true, null, { timeout: 90_000 });
    total = await page.evaluate(() => window.__briefing.total);
    assert(total === 9, `${total} steps (district, 6 streets, hottest sub-grids, live cases)`);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(bg === 'rgb(5, 13, 26)', `background ${bg}`);
    const title = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.b-title')).fontSize));
    assert(title >= 60, `title ${title}px at 1920 px wide (3.4vw: 130 px at 4K)`);
    assert(foreign().length === 0, `foreign requests: ${foreign().join(', ')}`);
  });

  await test('the presenter\'s keys walk the tour and no step shows a name or a phone', async () => {
    const keys = ['PageDown', 'ArrowRight', 'PageDown', 'ArrowRight', 'PageDown', 'ArrowRight', 'PageDown', 'ArrowRight'];
    const kinds = [];
    for (let n = 1; n <= total; n += 1) {
      if (n > 1) await page.keyboard.press(keys[n - 2]);
      await waitStep(n);
      await settle();
      kinds.push(await page.evaluate(() => document.querySelector('[data-testid=b-title]').textContent));
      const leaks = await domLeaks();
      assert(leaks.length === 0, `step ${n}: personal data in the DOM: ${leaks.slice(0, 5)}`);
      await page.screenshot({ path: join(out, `screen-${String(n).padStart(2, '0')}.png`) });
    }
    assert(/全区总览/.test(kinds[0]) && /街道/.test(kinds[1]) && /风险最高/.test(kinds[7]) && /实时/.test(kinds[8]), kinds.join(' | '));
    await page.keyboard.press('PageUp');
    await waitStep(total - 1);
    await page.keyboard.press('Home');
    await waitStep(1);
  });

  await test('the live step draws the open cases as dots and the hot step ranks ten sub-grids', async () => {
    const tour = (await api('api/briefing/tour')).body;
    const live = tour.steps.find((s) => s.kind === 'live');
    const open = (await api('api/briefing/live')).body;
    assert(live.dots.length === open.length && open.length > 0, `${live.dots.length} dots, ${open.length} open`);
    assert(tour.steps.find((s) => s.kind === 'hot').ranking.length === 10, 'ten hottest sub-grids');
    await page.keyboard.press('End');
    await waitStep(total);
    await settle();
    const drawn = await page.evaluate(() => window.__briefing.view.map.queryRenderedFeatures({ layers: ['dots'] }).length);
    assert(drawn > 0, 'no dots drawn');
  });

  await test('a day plays back with a speed control, and still nothing personal', async () => {
    await page.selectOption('[data-testid=b-speed]', '14400').catch(() => undefined);
    await page.keyboard.press('v');
    await page.waitForFunction(() => window.__briefing.mode === 'playback' && window.__briefing.playbackShown > 0, null, { timeout: 30_000 });
    await page.selectOption('[data-testid=b-speed]', '14400');
    await page.waitForTimeout(1500);
    const shown = await page.evaluate(() => window.__briefing.playbackShown);
    assert(shown > 0, 'cases appear as the day plays');
    await page.screenshot({ path: join(out, 'screen-playback.png') });
    const leaks = await domLeaks();
    assert(leaks.length === 0, `playback: ${leaks.slice(0, 5)}`);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.__briefing.mode === 'tour');
  });

  await test('the language switches live to English and back', async () => {
    await page.keyboard.press('l');
    await page.waitForFunction(() => document.documentElement.lang === 'en' && /Slide \d+ of \d+/.test(document.body.innerText) && !/[\u4e00-\u9fff]/.test(document.querySelector('[data-testid=b-title]').textContent), null, { timeout: 60_000 });
    await page.screenshot({ path: join(out, 'screen-en.png') });
    await page.keyboard.press('l');
    await page.waitForFunction(() => /第 \d+ \/ \d+ 页/.test(document.body.innerText), null, { timeout: 20_000 });
  });

  await test('everything the briefing page received is free of personal data', async () => {
    assert(bodies.length > 5, `${bodies.length} responses recorded`);
    const api = bodies.filter(([u]) => u.includes('/api/'));
    assert(api.every(([u]) => /\/api\/(overview|layers\/(context|districts|streets|communities|subgrids|labels|roads)|briefing\/|risk)/.test(u)),
      `unexpected calls: ${api.map(([u]) => u).filter((u) => !/briefing|layers|overview|risk/.test(u))}`);
    for (const [url, text] of api) {
      const leaks = personal(text);
      assert(leaks.length === 0, `${url}: ${leaks.slice(0, 5)}`);
    }
    assert(errors.length === 0, `page errors: ${errors.join(' | ')}`);
  });

  await test('the tour exports as numbered PNG slides, saved for the README', async () => {
    const tour = (await api('api/briefing/tour')).body;
    for (const s of tour.steps) {
      const r = await fetch(new URL(`api/briefing/slides/${s.n}.png`, base), { headers: await authHeaders() });
      assert(r.status === 200 && r.headers.get('content-type') === 'image/png', `slide ${s.n}: ${r.status}`);
      const png = Buffer.from(await r.arrayBuffer());
      assert(png.subarray(1, 4).toString() === 'PNG' && png.readUInt32BE(16) === 1920 && png.readUInt32BE(20) === 1080, `slide ${s.n} is not a 1920×1080 PNG`);
      writeFileSync(join(out, s.slide), png);
    }
    const zip = await fetch(new URL('api/briefing/slides.zip', base), { headers: await authHeaders() });
    assert(zip.status === 200 && /attachment/.test(zip.headers.get('content-disposition') ?? ''), 'the ZIP downloads');
    const buf = Buffer.from(await zip.arrayBuffer());
    assert(buf.readUInt32LE(0) === 0x04034b50, 'a ZIP archive');
    for (const s of tour.steps) assert(buf.includes(Buffer.from(s.slide)), `${s.slide} in the ZIP`);
    console.log(`     slides and screenshots in ${out}`);
  });

  await test('bad report queries get a 4xx with {code, message}', async () => {
    for (const [path, status] of [['api/briefing/tour?lang=fr', 400], ['api/briefing/slides/99.png', 404], ['api/briefing/playback?span=year', 400],
      ['api/dashboard/charts/pie.svg', 404], ['api/risk?day=2023-13-45', 400], ['api/briefing/tour?bogus=1', 400]]) {
      const r = await api(path);
      assert(r.status === status && typeof r.body?.code === 'string' && typeof r.body?.message === 'string', `${path}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  });
} finally {
  await browser.close();
}
finish();

// Browser mode's login, roles and personal data, end to end against a running `onemap serve`:
// `node tests/specs/access.mjs URL` (scripts/e2e.sh creates the users first).
import { launch, openPage, gotoReady } from '../browser.mjs';
import { API_KEY, PASSWORD, api, assert, base, finish, test } from '../harness.mjs';

const browser = await launch();

async function signIn(page, user, password = PASSWORD) {
  await page.fill('[data-testid=login-username]', user);
  await page.fill('[data-testid=login-password]', password);
  await page.click('[data-testid=login-submit]');
}

try {
  await test('without a session the app shows the login screen, not the map', async () => {
    const { page, context } = await openPage(browser, base, { user: null });
    await page.goto(base, { waitUntil: 'domcontentloaded' });
    await page.locator('[data-testid=login]').waitFor({ timeout: 30_000 });
    assert((await page.textContent('.login-card h1')) === '登录', 'the login screen speaks Chinese');
    const layers = await api('api/layers/streets', undefined, { as: null });
    assert(layers.status === 401 && layers.body.code === 'unauthorized', `layers without a login: ${layers.status}`);
    await context.close();
  });

  await test('a wrong password is refused with a message, and the English switch translates the screen', async () => {
    const { page, context } = await openPage(browser, base, { user: null });
    await page.goto(base, { waitUntil: 'domcontentloaded' });
    await page.locator('[data-testid=login]').waitFor();
    await signIn(page, 'district', 'not the password');
    await page.waitForFunction(() => document.querySelector('[data-testid=login-error]')?.textContent?.length > 0);
    const err = await page.textContent('[data-testid=login-error]');
    assert(err.includes('未登录') || err.includes('wrong'), `error: ${err}`);
    await page.click('[data-testid=login-lang]');
    assert((await page.textContent('.login-card h1')) === 'Sign in', 'not in English');
    assert((await page.textContent('[data-testid=login-submit]')) === 'Sign in', 'button not in English');
    await context.close();
  });

  await test('signing in as the street operator opens the map with its role and street in the header', async () => {
    const { page, context, errors } = await openPage(browser, base, { user: null });
    await page.goto(base, { waitUntil: 'domcontentloaded' });
    await page.locator('[data-testid=login]').waitFor();
    await signIn(page, 'street');
    await page.waitForFunction(() => window.__onemap?.readyMs != null, null, { timeout: 120_000 }).catch(async (e) => {
      // Say how far the start-up got (CI once saw it never finish).
      const where = await page.evaluate(() => ({
        state: document.getElementById('app')?.dataset.state,
        marks: performance.getEntriesByType('mark').map((m) => `${m.name}@${Math.round(m.startTime)}`),
        loaded: window.__onemap?.view?.map?.loaded(),
      })).catch(() => null);
      throw new Error(`${e.message}; start-up reached ${JSON.stringify(where)}; page errors: ${errors.join(' | ')}`);
    });
    const chip = page.locator('[data-testid=user-chip]');
    assert((await chip.getAttribute('data-role')) === 'street_operator', 'role');
    const text = await chip.textContent();
    assert(text.includes('街道指挥中心值班员') && text.includes('光明街道'), `chip: ${text}`);
    const cookies = await context.cookies();
    const c = cookies.find((k) => k.name === 'onemap_session');
    assert(c && c.httpOnly && c.sameSite === 'Strict', `session cookie ${JSON.stringify(c)}`);
    // The one expected failure: asking who is there before signing in (401).
    const unexpected = errors.filter((e) => !e.includes('401'));
    assert(unexpected.length === 0, `page errors: ${unexpected.join(' | ')}`);
    // Signing out ends the session and shows the login screen again.
    await page.click('[data-testid=logout]');
    await page.locator('[data-testid=login]').waitFor({ timeout: 30_000 });
    const me = await page.evaluate(async () => (await fetch('api/auth/me')).status);
    assert(me === 401, `after sign-out /api/auth/me is ${me}`);
    await context.close();
  });

  await test('a leader on the big screen never gets a reporter phone, and the audit log shows the view', async () => {
    const sub = (await api('api/layers/labels')).body.features.find((f) => f.properties.kind === 'subgrid');
    const [lon, lat] = sub.geometry.coordinates;
    const filed = await api('api/cases', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matter: 'M001', description: '端到端：邻里纠纷', lon, lat, reporter_name: '王五', reporter_phone: '13912345678' }),
    }, { as: 'district' });
    assert(filed.status === 201, `file: ${filed.status} ${JSON.stringify(filed.body)}`);
    const id = filed.body.case.id;
    const { page, context } = await openPage(browser, base, { user: 'leader' });
    await gotoReady(page, base, 180_000);
    const seen = await page.evaluate(async (cid) => {
      const d = await (await fetch(`api/cases/${cid}`)).json();
      const q = await (await fetch('api/queue')).text();
      const layer = await (await fetch('api/layers/cases')).text();
      return { phone: d.case.reporter.phone, masked: d.case.reporter.masked, all: JSON.stringify(d) + q + layer };
    }, id);
    assert(seen.masked && seen.phone === '139****5678', `leader sees ${seen.phone}`);
    assert(!seen.all.includes('13912345678') && !seen.all.includes('王五'), 'personal data reached the leader');
    const log = await api(`api/audit?target=case:${id}&action=case.view`);
    assert(log.status === 200, `audit: ${log.status}`);
    assert(log.body.some((r) => r.actor === 'leader' && r.detail === 'personal data masked'), JSON.stringify(log.body));
    await context.close();
  });

  await test('an intake key files through Open311 but cannot read the API', async () => {
    const form = new URLSearchParams({ api_key: API_KEY, service_code: 'M001', lat: '22.7506', long: '113.926', description: '端到端 Open311' });
    const r = await fetch(new URL('open311/v2/requests.json', base), { method: 'POST', body: form });
    const body = await r.json();
    assert(r.status === 201 && body[0].service_request_id, `open311: ${r.status} ${JSON.stringify(body)}`);
    const q = await api('api/queue', { headers: { 'x-api-key': API_KEY } }, { as: null });
    assert(q.status === 403 && q.body.code === 'forbidden', `key on the queue: ${q.status}`);
  });
} finally {
  await browser.close();
}

finish();

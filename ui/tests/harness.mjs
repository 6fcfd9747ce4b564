// Shared by the end-to-end spec files in tests/specs/: a named test runner whose last printed
// line is `N passed, N failed`, logging in, and small helpers. Each spec file runs as its own process
// against its own freshly started `onemap serve` (scripts/e2e.sh): `node tests/specs/X.mjs URL`.
export const base = process.argv[2] ?? 'http://127.0.0.1:8730/';

// scripts/e2e.sh creates these users before it starts the server (each with this password):
// admin, district (district operator), street (street operator of 光明街道 440311001), leader,
// planner; and an intake API key of the `app` channel.
export const PASSWORD = process.env.ONEMAP_E2E_PASSWORD ?? '';
export const API_KEY = process.env.ONEMAP_E2E_API_KEY ?? '';
export const USERS = ['admin', 'district', 'street', 'leader', 'planner'];

const tokens = new Map();

/** Logs `user` in (once per run) and returns its session token. */
export async function login(user = 'admin') {
  if (tokens.has(user)) return tokens.get(user);
  if (!PASSWORD) throw new Error('ONEMAP_E2E_PASSWORD is not set: run the specs through scripts/e2e.sh');
  const r = await fetch(new URL('api/auth/login', base), {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password: PASSWORD }),
  });
  const body = await r.json().catch(() => null);
  if (r.status !== 200) throw new Error(`login as ${user}: ${r.status} ${JSON.stringify(body)}`);
  tokens.set(user, body.token);
  return body.token;
}

/** The headers that authenticate a request as `user` (a bearer token). */
export async function authHeaders(user = 'admin') {
  return { authorization: `Bearer ${await login(user)}` };
}

/** GET (or any method with `init`) a path of the server as `as` (default admin; `null`: no
 *  credentials); `{status, body, headers}` with the JSON body. */
export async function api(path, init, { as = 'admin' } = {}) {
  const headers = { ...(init?.headers ?? {}), ...(as ? await authHeaders(as) : {}) };
  const r = await fetch(new URL(path, base), { ...init, headers });
  const text = await r.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: r.status, body, headers: r.headers };
}

export function assert(cond, msg) { if (!cond) throw new Error(msg); }

const results = [];

/** Runs one named test; a failure is recorded and printed, and the file goes on. */
export async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, true]);
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push([name, false]);
    console.log(`FAIL ${name}: ${e.message}`);
  }
}

/** Prints the summary line and exits 1 when anything failed (or nothing ran). */
export function finish() {
  const passed = results.filter(([, ok]) => ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed || passed === 0 ? 1 : 0);
}

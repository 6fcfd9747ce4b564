// Shared by the end-to-end spec files in tests/specs/: a named test runner whose last printed
// line is `N passed, N failed`, and small helpers. Each spec file runs as its own process
// against its own freshly started `onemap serve` (scripts/e2e.sh): `node tests/specs/X.mjs URL`.
export const base = process.argv[2] ?? 'http://127.0.0.1:8730/';

/** GET (or any method with `init`) a path of the server; `{status, body}` with the JSON body. */
export async function api(path, init) {
  const r = await fetch(new URL(path, base), init);
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

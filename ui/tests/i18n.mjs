// The language catalogues, checked without a browser: the UI's (src/i18n/zh-CN.ts, en.ts) and
// the Rust side's report catalogue (crates/onemap-dashboard/catalogue/*.json) must each hold
// the same keys in both languages, with no empty text and the same {placeholders}; every key
// the UI's code passes to t() must exist. Run: node tests/i18n.mjs (scripts/test.sh does).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(ui, '..');
let passed = 0;
let failed = 0;
function check(name, problems) {
  if (problems.length === 0) { passed += 1; console.log(`ok   ${name}`); }
  else { failed += 1; console.log(`FAIL ${name}: ${problems.slice(0, 20).join('; ')}`); }
}

/** key → text of a TS catalogue (one `'key': 'text',` entry per line). */
function tsCatalogue(file) {
  const out = new Map();
  const re = /^\s*'([^']+)':\s*(['"])(.*)\2,\s*$/;
  for (const line of readFileSync(join(ui, 'src/i18n', file), 'utf8').split('\n')) {
    const m = re.exec(line);
    if (m) out.set(m[1], m[3]);
  }
  return out;
}
const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');

function compare(label, zh, en) {
  const p = [];
  if (zh.size < 10) p.push(`only ${zh.size} keys read from the zh-CN catalogue`);
  for (const k of zh.keys()) if (!en.has(k)) p.push(`${k} missing from en`);
  for (const k of en.keys()) if (!zh.has(k)) p.push(`${k} missing from zh-CN`);
  for (const [k, v] of [...zh, ...en]) if (!v.trim()) p.push(`${k} is empty`);
  for (const [k, v] of zh) if (en.has(k) && holes(v) !== holes(en.get(k))) p.push(`${k}: placeholders differ`);
  check(`${label}: both languages hold the same keys, none empty, same placeholders`, p);
}

const zh = tsCatalogue('zh-CN.ts');
const en = tsCatalogue('en.ts');
compare('UI catalogue', zh, en);

const json = (f) => new Map(Object.entries(JSON.parse(readFileSync(join(root, 'crates/onemap-dashboard/catalogue', f), 'utf8'))));
compare('report catalogue (Rust)', json('zh-CN.json'), json('en.json'));

function sources(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') && !p.includes('/i18n/') ? [p] : [];
  });
}
const used = new Set();
for (const f of sources(join(ui, 'src'))) {
  for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
}
check(`every key the UI passes to t() is in the catalogue (${used.size} keys)`,
  used.size < 20 ? [`only ${used.size} keys found by the scan`] : [...used].filter((k) => !zh.has(k)).map((k) => `${k} unknown`));

const families = {
  rating: ['safe', 'general', 'warning'], service: ['appeal', 'legal', 'psych'], grade: ['1', '2', '3'],
  channel: ['hall', 'station', 'hotline', 'app', 'qr', 'patrol', 'camera'],
};
check('keys built at run time (rating.*, service.*, grade.*, channel.*) exist',
  Object.entries(families).flatMap(([f, vs]) => vs.map((v) => `${f}.${v}`)).filter((k) => !zh.has(k)).map((k) => `${k} missing`));

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);

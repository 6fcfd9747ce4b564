// Shared by the end-to-end specs and the screenshot script: Debian's Chromium driven by
// playwright-core, headless, WebGL through SwiftShader (PLATFORM.md). Never `playwright install`.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const FLAGS = [
  '--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic',
];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** A page that records every request; `foreign()` lists those to another origin. Signed in
 *  as `user` (a user scripts/e2e.sh created; default admin) through the session cookie, or
 *  not signed in at all with `user: null` (the login screen). */
export async function openPage(browser, base, { width = 1600, height = 1000, lang, user = 'admin' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN' });
  if (lang) await context.addInitScript((l) => localStorage.setItem('onemap.lang', l), lang);
  if (user) {
    const { login } = await import('./harness.mjs');
    await context.addCookies([{ name: 'onemap_session', value: await login(user), url: base }]);
  }
  // ONEMAP_UI_DIST=ui/dist: the page's own files come from that build on disk instead of the
  // binary's embedded copy, so a UI change can be measured without rebuilding the binary.
  // Playwright's routing slows the page's own loading (the first map by ~0.3 s): compare
  // first-map times only between runs served the same way; frame times are unaffected.
  if (process.env.ONEMAP_UI_DIST) await serveUiFrom(context, base, process.env.ONEMAP_UI_DIST);
  const page = await context.newPage();
  const origin = new URL(base).origin;
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const foreign = () => requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    try { return new URL(u).origin !== origin; } catch { return true; }
  });
  return { context, page, requests, foreign, errors };
}

async function serveUiFrom(context, base, dir) {
  const { readFile } = await import('node:fs/promises');
  const { join, extname } = await import('node:path');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };
  const prefix = new URL(base).href;
  await context.route((url) => {
    if (!url.href.startsWith(prefix)) return false;
    const path = url.pathname.slice(new URL(base).pathname.length);
    return path === '' || path === 'index.html' || path === 'briefing.html' || path.startsWith('assets/');
  }, async (route) => {
    const url = new URL(route.request().url());
    const path = url.pathname.slice(new URL(base).pathname.length) || 'index.html';
    const body = await readFile(join(dir, path));
    await route.fulfill({ status: 200, body, contentType: types[extname(path)] ?? 'application/octet-stream' });
  });
}

/** Loads the app and waits for the first complete map; returns its time in ms. */
export async function gotoReady(page, base, timeout = 60_000) {
  await page.goto(base, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.__onemap?.readyMs != null, null, { timeout });
  return page.evaluate(() => window.__onemap.readyMs);
}

/** Waits until MapLibre is idle again (after a flight or a toggle). */
export async function waitIdle(page, timeout = 30_000) {
  await page.waitForFunction(() => {
    const m = window.__onemap?.view.map;
    return m && m.loaded() && !m.isMoving() && m.areTilesLoaded();
  }, null, { timeout, polling: 200 });
  await page.evaluate(() => new Promise((r) => {
    const m = window.__onemap.view.map;
    m.once('idle', () => r(null));
    m.triggerRepaint();
  }));
}

// The login screen for the README: `node tests/shots-access.mjs http://127.0.0.1:PORT/ OUTDIR`
// (zh-CN and en, 1920×1080, no session).
import { launch, openPage } from './browser.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8730/';
const out = process.argv[3] ?? '../docs/screenshots';
const browser = await launch();
try {
  for (const lang of ['zh-CN', 'en']) {
    const { page, context } = await openPage(browser, base, { width: 1920, height: 1080, user: null, lang: lang === 'en' ? 'en' : undefined });
    await page.goto(base, { waitUntil: 'domcontentloaded' });
    await page.locator('[data-testid=login]').waitFor();
    if (lang === 'en') await page.click('[data-testid=login-lang]');
    await page.fill('[data-testid=login-username]', 'ops.guangming');
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${out}/login-${lang}.png` });
    console.log(`${out}/login-${lang}.png`);
    await context.close();
  }
} finally {
  await browser.close();
}

import { launch, openPage, gotoReady } from './browser.mjs';
const base = process.argv[2];
const browser = await launch();
const { page, errors } = await openPage(browser, base);
await gotoReady(page, base);
console.log(await page.evaluate(() => window.__onemap.view.map.getStyle().layers.map((l) => l.id).join(' ')));
console.log(errors.join('\n'));
await browser.close();

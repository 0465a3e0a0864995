/**
 * The certificate of a real claim (the demo park's factory: a CBAM claim of
 * 30 days whose wind farm is under a PPA on the park's own grid) in a real
 * Chromium: nothing sticks out of the page at 360 px and at 1280 px, nor on
 * the printed A4 page, which is one page; a wide table scrolls in its own
 * box, never the page. The hourly chart has y-axis labels, and the CBAM
 * table says why the PPA's energy is not in its PPA line (docs/exports.md
 * "CBAM view"). Screenshots and the PDF's PNG go to a folder it prints.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import type { Page } from 'playwright-core';
import { fillService } from '../../src/cli/demo/fill.ts';
import { auth, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { launchChromium, screenshotDir } from '../helpers/browser.ts';

const csv = readFileSync(new URL('../../demo/de-2019-hourly.csv', import.meta.url), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'gridproof-cert-layout-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
const env = await startTestApp('pglite');
t.teardown(env.close);
const server = await env.app.listen({ port: 0, host: '127.0.0.1' });
const park = await fillService({ server, operatorToken: OPERATOR_TOKEN, days: 30, stateFile: join(scratch, 'state.json'), csv, progress: new PassThrough() });
const claim = park.claims.find((c) => c.tenant === 'factory')!;
const response = await env.app.inject({ url: `/v1/claims/${claim.id}/certificate`, headers: auth(park.state.tokens.factory!) });
const file = join(scratch, 'certificate.html');
writeFileSync(file, response.body);
const shots = screenshotDir();
t.comment(`certificate screenshots in ${shots}`);
const browser = await launchChromium();
t.teardown(() => browser.close());

/**
 * Elements whose box ends right of the page's content box (inside its border
 * and padding, where the header's rule ends), and the document's scroll width
 * against the viewport's. Run in the page as text: this file is compiled
 * without the DOM's types.
 */
const overflowScript = (scrolls: boolean): string => `(() => {
  const page = document.querySelector('.page');
  const style = getComputedStyle(page);
  const box = page.getBoundingClientRect();
  const contentRight = box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
  const out = [];
  for (const el of document.querySelectorAll('.page *')) {
    // On a screen, inside a box that scrolls, an element may be wider than the page: the box scrolls, not the page. On paper nothing scrolls.
    if (${scrolls} && el.closest('.wide') !== null && !el.classList.contains('wide')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > contentRight + 0.5)
      out.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + (el.textContent || '').slice(0, 40) + '" ends at ' + r.right + ', the content at ' + contentRight);
  }
  const viewport = document.documentElement.clientWidth;
  if (box.right > viewport + 0.5) out.push('.page ends at ' + box.right + ', the viewport at ' + viewport);
  return { scrollWidth: document.documentElement.scrollWidth, viewport, out };
})()`;

async function overflow(page: Page, scrolls = true): Promise<{ scrollWidth: number; viewport: number; out: string[] }> {
  return (await page.evaluate(overflowScript(scrolls))) as { scrollWidth: number; viewport: number; out: string[] };
}

for (const width of [1280, 360]) {
  t.test(`at ${width} px nothing overflows the page, the page does not scroll sideways`, async (t) => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`file://${file}`);
    const { scrollWidth, viewport, out } = await overflow(page);
    t.same(out, [], 'every element ends within the page');
    t.ok(scrollWidth <= viewport, `the document is ${scrollWidth} px wide in a ${viewport} px viewport`);
    await page.screenshot({ path: join(shots, `cert-${width}.png`), fullPage: true });
    await page.close();
  });
}

t.test('printed on A4: one page, nothing overflows it', async (t) => {
  const page = await browser.newPage();
  await page.goto(`file://${file}`);
  await page.emulateMedia({ media: 'print' });
  // The A4 page's content width at 96 px per inch: 210 mm less 2 × 10 mm of margin (the certificate's @page).
  await page.setViewportSize({ width: Math.floor((190 / 25.4) * 96), height: Math.floor((277 / 25.4) * 96) });
  const { scrollWidth, viewport, out } = await overflow(page, false);
  t.same(out, [], 'every element, tables and chart too, ends within the page');
  t.ok(scrollWidth <= viewport, `the document is ${scrollWidth} px wide on a ${viewport} px page`);
  const pdf = join(shots, 'cert-a4.pdf');
  await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
  await page.close();
  t.match(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }), /Pages:\s+1\n/, 'one A4 page');
  execFileSync('pdftoppm', ['-png', '-r', '80', '-singlefile', pdf, join(shots, 'cert-a4')]);
});

t.test('the chart has y-axis labels; the CBAM table says why the PPA line is 0 Wh', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`file://${file}`);
  const labels = await page.locator('svg text[text-anchor="end"]').allTextContents();
  t.ok(labels.includes('0') || labels.includes('0.0'), `labels from zero: ${labels.join(', ')}`);
  t.ok(
    labels.some((l) => /^(Wh|kWh|MWh|GWh)$/.test(l)),
    'the unit',
  );
  t.ok(labels.filter((l) => /^[\d .]+$/.test(l)).length >= 3, 'at least three ticks');
  const row = page.locator('tr', { hasText: 'of which under a power purchase agreement' });
  t.match(
    await row.textContent(),
    /[\d ]+ Wh from wind-farm under PPA ppa-factory-wind: the device is on the park's own grid, so this energy counts as direct technical link/,
  );
  t.match(await row.locator('td.n').textContent(), /^0 Wh$/);
  await page.close();
});

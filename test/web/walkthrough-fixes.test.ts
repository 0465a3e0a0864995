/**
 * What a new user's walkthrough of the pages met, in a real browser
 * (Chromium through playwright-core) against a real service filled by the
 * demo for a week:
 * - /tenant over a whole year plots each UTC day's sums (a bar per day, the
 *   consumption a line) and its caption says so; the table stays hourly;
 * - /tenant for a period without a reading says so instead of 0 MWh and an
 *   empty plot (0 is only ever a reading of zero);
 * - a claim's period reads as people read it ("4 Nov 2019 – 10 Nov 2019,
 *   whole UTC days"), never as the API's exclusive end instant;
 * - an operator's token on /tenant is "an operator";
 * - /verify and verify.html, given a bundle before the log key, ask for the
 *   key (no verdict, not red) and verify once it is given.
 * Screenshots (1280 and 360 px) are saved as fix-*.png in the folder
 * test/helpers/browser.ts names.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Page } from 'playwright-core';
import t from 'tap';
import { fillService } from '../../src/cli/demo/fill.ts';
import { periodText } from '../../src/web/model/period-text.ts';
import { auth, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { launchChromium, screenshotDir, waitForFilled } from '../helpers/browser.ts';

const env = await startTestApp('pglite');
t.teardown(env.close);
const address = await env.app.listen({ port: 0, host: '127.0.0.1' });
const dir = mkdtempSync(join(tmpdir(), 'gridproof-walk-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const demo = await fillService({
  server: address,
  operatorToken: OPERATOR_TOKEN,
  days: 7,
  stateFile: join(dir, 'state.json'),
  csv: readFileSync(new URL('../../demo/de-2019-hourly.csv', import.meta.url), 'utf8'),
  progress: new PassThrough(),
});
const factoryToken = demo.state.tokens.factory!;
const factoryClaim = demo.claims.find((c) => c.tenant === 'factory')!;
const bundleFile = join(dir, 'bundle.json');
writeFileSync(bundleFile, (await env.app.inject({ url: `/v1/claims/${factoryClaim.id}/bundle`, headers: auth(factoryToken) })).body);
const logKey = env.ledger.logVerifier.vkey;

const shots = screenshotDir();
console.log(`# screenshots in ${shots}`);
const browser = await launchChromium();
t.teardown(() => browser.close());
const sizes = [
  { name: '1280', width: 1280, height: 900 },
  { name: '360', width: 360, height: 780 },
];

async function signedIn(width: number, height: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(`${address}/tenant`);
  await page.getByLabel(/token/i).fill(factoryToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#tenant-plot canvas').waitFor();
  return page;
}

async function showPeriod(page: Page, first: string, last: string): Promise<void> {
  await page.locator('#period-from').fill(first);
  await page.locator('#period-to').fill(last);
  await page.locator('#period button[type="submit"]').click();
  await page.locator('#figures :is(#tenant-plot canvas, #no-readings, [role="alert"])').waitFor();
}

t.test("/tenant: an operator's token is refused as belonging to an operator", async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${address}/tenant`);
  await page.getByLabel(/token/i).fill(OPERATOR_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  t.match(await alert.textContent(), /^Not a tenant's token.*this token belongs to operator, an operator; this page needs a tenant's token$/);
  await page.screenshot({ path: join(shots, 'fix-tenant-operator-token-1280.png'), fullPage: true });
  await page.close();
});

t.test('/tenant: a whole year is plotted per UTC day, said in the caption and legend; the table stays hourly', async (t) => {
  for (const size of sizes) {
    const page = await signedIn(size.width, size.height);
    t.equal(await page.locator('#tenant-plot').getAttribute('data-step'), 'hour', 'the default week: per hour');
    t.match(await page.locator('#plot-caption').textContent(), /^Per hour\./);
    await showPeriod(page, '2019-01-01', '2019-12-31');
    const plot = page.locator('#tenant-plot');
    t.equal(await plot.getAttribute('data-step'), 'day', 'a year: per day');
    t.equal(await plot.getAttribute('data-points'), '365', 'one bar per day of 2019');
    t.match(
      await page.locator('#plot-caption').textContent(),
      /^Per UTC day \(365 days: .*\)\. Bars: each day's matched supply .* The table below stays hourly\.$/,
    );
    t.match(await plot.locator('.u-legend').textContent(), /day \(UTC\)/, 'the legend names days');
    const ticks = ((await plot.getAttribute('data-ticks')) ?? '').split(' ').filter(Boolean).map(Number);
    t.same(
      ticks.filter((tick) => tick % 86_400 !== 0),
      [],
      'ticks on whole UTC days',
    );
    t.equal(await page.locator('#tenant-hours tbody tr').count(), 8760, 'the table: one row per hour');
    t.match(await page.locator('#figures details summary').textContent(), /8760 hours/);
    // The legend for a day with readings: its sum, in Wh.
    await plot.locator('canvas').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, `fix-tenant-year-${size.name}.png`), fullPage: true, clip: await clipOf(page, '#figures') });
    // 31 days is still hours; 32 is days.
    await showPeriod(page, '2019-01-01', '2019-01-31');
    t.equal(await page.locator('#tenant-plot').getAttribute('data-step'), 'hour', '31 days: per hour');
    await showPeriod(page, '2019-01-01', '2019-02-01');
    t.equal(await page.locator('#tenant-plot').getAttribute('data-step'), 'day', '32 days: per day');
    t.equal(await page.locator('#tenant-plot').getAttribute('data-points'), '32');
    await page.close();
  }
});

/**
 * A whole year of readings, as GET /v1/tenants/{id}/matching would answer
 * for it, shaped by the demo's 2019 German load, wind and solar (filling the
 * service with a year of signed readings would take minutes): what the
 * walkthrough saw as a solid black block.
 */
function yearOfMatching(): string {
  const rows = readFileSync(new URL('../../demo/de-2019-hourly.csv', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const intervals = rows
    .map((row) => row.split(','))
    .filter(([start]) => start!.startsWith('2019-'))
    .map(([start, wind, solar, load]) => {
      const consumed = Number(load) * 20;
      const fromWind = Math.min(consumed, Number(wind) * 25);
      const fromSolar = Math.min(consumed - fromWind, Number(solar) * 25);
      return {
        start,
        consumedWh: String(consumed),
        settled: true,
        bySource: [
          { device: 'wind-farm', wh: String(fromWind) },
          { device: 'solar-field', wh: String(fromSolar) },
        ],
      };
    });
  const consumedWh = intervals.reduce((s, i) => s + Number(i.consumedWh), 0);
  const matchedWh = intervals.reduce((s, i) => s + i.bySource.reduce((a, b) => a + Number(b.wh), 0), 0);
  return JSON.stringify({
    intervals,
    totals: { consumedWh: String(consumedWh), matchedWh: String(matchedWh), cfeScore: matchedWh / consumedWh, unmatchedEmissionsG: null },
  });
}

t.test('/tenant: a year read every hour is drawn as 365 days of bars under a line, not a block', async (t) => {
  const year = yearOfMatching();
  for (const size of sizes) {
    const page = await signedIn(size.width, size.height);
    await page.route(/\/v1\/tenants\/factory\/matching\?from=2019-01-01T00:00:00Z&to=2020-01-01T00:00:00Z$/, (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: year }),
    );
    await showPeriod(page, '2019-01-01', '2019-12-31');
    t.equal(await page.locator('#tenant-plot').getAttribute('data-points'), '365');
    t.equal(await page.locator('#tenant-hours tbody tr').count(), 8760, 'the table stays hourly');
    await page.screenshot({ path: join(shots, `fix-tenant-full-year-${size.name}.png`), fullPage: true, clip: await clipOf(page, '#figures') });
    await page.close();
  }
});

/** The element's box in page coordinates, for a screenshot of the whole section however tall. */
async function clipOf(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = (await page.locator(selector).boundingBox())!;
  const scrollY = Number(await page.evaluate('window.scrollY'));
  return { x: 0, y: box.y + scrollY, width: page.viewportSize()!.width, height: Math.min(box.height, 1400) };
}

t.test('/tenant: a period without any reading says so: no 0 MWh, no CFE, no empty plot', async (t) => {
  for (const size of sizes) {
    const page = await signedIn(size.width, size.height);
    await showPeriod(page, '2018-03-01', '2018-03-07');
    const note = page.locator('#no-readings');
    t.equal(await note.textContent(), 'No readings in this period (1 Mar 2018 – 7 Mar 2018, whole UTC days): nothing to add up or plot.');
    const figures = (await page.locator('#figures').textContent()) ?? '';
    t.notMatch(figures, /MWh|Consumed|Matched|CFE/, 'no totals of nothing');
    t.equal(await page.locator('#tenant-plot').count(), 0, 'no plot');
    t.equal(await page.locator('#tenant-hours').count(), 0, 'no table');
    await page.screenshot({ path: join(shots, `fix-tenant-no-readings-${size.name}.png`), fullPage: true });
    await page.close();
  }
});

t.test("/tenant: a claim's period reads as its first and last UTC day, not as the API's exclusive end", async (t) => {
  const claims = (await env.app.inject({ url: '/v1/tenants/factory/claims', headers: auth(factoryToken) })).json().claims as Array<{
    id: string;
    period: { start: string; end: string };
  }>;
  const claim = claims.find((c) => c.id === factoryClaim.id)!;
  for (const size of sizes) {
    const page = await signedIn(size.width, size.height);
    const item = page.locator('#claims li', { hasText: claim.id });
    const shown = await item.locator('.claim-period').textContent();
    t.equal(shown, periodText(claim.period.start, claim.period.end));
    t.notMatch(await item.textContent(), /\d{4}-\d\d-\d\dT/, 'no API instant on the page');
    if (claim.period.end.endsWith('T00:00:00Z') && claim.period.start.endsWith('T00:00:00Z')) {
      const last = new Date(Date.parse(claim.period.end) - 86_400_000);
      t.match(shown, new RegExp(` – ${last.getUTCDate()} [A-Z][a-z]{2} ${last.getUTCFullYear()}, whole UTC days$`), 'ends on the last day claimed');
    } else t.match(shown, / to \(not including\) /, 'the end said to be left out');
    await item.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, `fix-tenant-claims-${size.name}.png`), fullPage: true, clip: await clipOf(page, '#claims-section') });
    await page.close();
  }
  // Made through the page's own form, 4 to 10 Nov 2019 (no readings there, so the service refuses it: the period shown is what counts).
  t.equal(periodText('2019-11-04T00:00:00Z', '2019-11-11T00:00:00Z'), '4 Nov 2019 – 10 Nov 2019, whole UTC days');
});

t.test('/verify and verify.html: a bundle before the key asks for the key, then verifies once it is given', async (t) => {
  const html = join(dir, 'verify.html');
  writeFileSync(html, (await env.app.inject({ url: '/verify.html' })).body);
  for (const [name, url] of [
    ['verify', `${address}/verify`],
    ['verify-html', `file://${html}`],
  ] as const) {
    for (const size of sizes) {
      const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
      await page.goto(url);
      if (name === 'verify') {
        await waitForFilled(page, ['#log-key']);
        await page.locator('#log-key').fill('');
      }
      await page.setInputFiles('#bundle-file', bundleFile);
      const verdict = page.locator('#verdict');
      await page.locator('#verdict', { hasText: /log's key/ }).waitFor();
      t.equal(await verdict.textContent(), "Enter the log's key to verify bundle.json: the public key of the log you trust, in the field above.");
      t.equal(await verdict.getAttribute('class'), 'verdict awaiting', `${name}: a prompt, neither valid nor invalid`);
      t.notMatch(await page.locator('main').textContent(), /INVALID/);
      const colour = String(await page.evaluate("(s => s.backgroundColor + ' ' + s.color)(getComputedStyle(document.getElementById('verdict')))"));
      t.notMatch(colour, /rgb\(251, 233, 231\)|rgb\(122, 26, 19\)/, `${name}: not in the invalid verdict's red (${colour})`);
      t.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'log-key', 'the key field has the focus');
      await page.screenshot({ path: join(shots, `fix-${name}-awaiting-key-${size.name}.png`), fullPage: true });
      // Pasting the whole key verifies the bundle waiting for it, with no button pressed.
      await page.locator('#log-key').fill(logKey);
      await page.locator('#verdict', { hasText: /^(VALID|INVALID)/ }).waitFor();
      t.match(await verdict.textContent(), /^VALID/, `${name}: verified once the key is given`);
      await page.screenshot({ path: join(shots, `fix-${name}-key-given-${size.name}.png`), fullPage: false });
      await page.close();
    }
  }
});

t.test('/verify: a half-typed key is no verdict while typing; leaving the field gives one', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${address}/verify`);
  await waitForFilled(page, ['#log-key']);
  await page.locator('#log-key').fill('');
  await page.setInputFiles('#bundle-file', bundleFile);
  await page.locator('#verdict', { hasText: /log's key/ }).waitFor();
  await page.locator('#log-key').pressSequentially(logKey.slice(0, 12));
  t.match(await page.locator('#verdict').textContent(), /^Enter the log's key/, 'still asking while the key is incomplete');
  await page.locator('#log-key').blur();
  await page.locator('#verdict', { hasText: /^INVALID/ }).waitFor();
  t.match(await page.locator('#verdict').textContent(), /^INVALID: the log key is not usable/, 'a key given and unusable is a verdict');
  await page.close();
});

t.test("problem pages have the site's navigation, as its other pages do", async (t) => {
  for (const size of sizes) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    await page.goto(`${address}/problems/forbidden`);
    t.same(await page.locator('header a').allTextContents(), [
      'gridproof',
      'Verify',
      'Tenant',
      'Generator',
      'Log',
      'problem codes',
      'verification reasons',
      'monitor findings',
    ]);
    await page.getByRole('link', { name: 'Tenant' }).click();
    await page.getByLabel(/token/i).waitFor();
    t.equal(new URL(page.url()).pathname, '/tenant', 'its Tenant link leads to the tenant page');
    await page.goto(`${address}/problems/forbidden`);
    await page.screenshot({ path: join(shots, `fix-problems-nav-${size.name}.png`), fullPage: true });
    await page.close();
  }
});

/**
 * The Tenant and Generator pages in a real browser (Chromium through
 * playwright-core) against a real service filled by the demo for a week: the
 * tenant signs in with its token, the plot has one point per hour of the
 * period shown, the claims list shows the demo's claim; the generator sees
 * its devices and where their output went; an hour no meter read shows as
 * "—" (no reading) in their hourly tables, not as 0, and an hour not matched
 * yet as "pending" (not matched yet); scrolled sideways on a 360 px screen,
 * they keep their hour column in view. The token stays in sessionStorage,
 * never in a URL. GET /v1/me tells a token whose it is, by id and registered
 * name, and the pages greet it by the name.
 * Screenshots (desktop and 360 px) go to the folder test/helpers/browser.ts names.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Page } from 'playwright-core';
import t from 'tap';
import { fillService } from '../../src/cli/demo/fill.ts';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { parsePrivateKey } from '../../src/crypto/note.ts';
import { co2Mass } from '../../src/domain/co2-mass.ts';
import { auth, OPERATOR_TOKEN, postEntries, signReading, startTestApp } from '../helpers/app.ts';
import { launchChromium, screenshotDir, waitForFilled } from '../helpers/browser.ts';
import { logSnapshot, type Tap } from '../helpers/log-state.ts';

const env = await startTestApp('pglite');
t.teardown(env.close);
const address = await env.app.listen({ port: 0, host: '127.0.0.1' });
const dir = mkdtempSync(join(tmpdir(), 'gridproof-pages-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const csv = readFileSync(new URL('../../demo/de-2019-hourly.csv', import.meta.url), 'utf8');
const demo = await fillService({
  server: address,
  operatorToken: OPERATOR_TOKEN,
  days: 7,
  stateFile: join(dir, 'state.json'),
  csv,
  progress: new PassThrough(),
});
const factoryClaim = demo.claims.find((c) => c.tenant === 'factory')!;
const factoryToken = demo.state.tokens.factory!;
const windToken = demo.state.tokens.nordwind!;
/** The names the demo registers them under (src/cli/demo/park.ts): what the pages greet them by. */
const FACTORY_NAME = 'Stahlwerk Süd GmbH';
/** The demo claim's unmatched emissions in grams (its bundle's statement), and as every text writes them. */
const DEMO_UNMATCHED_G = '12704095';
const DEMO_TEXT = '12.70 t CO₂';
const WIND_NAME = 'Nordwind Park GmbH';

const shots = screenshotDir();
console.log(`# screenshots in ${shots}`);
const browser = await launchChromium();
t.teardown(() => browser.close());
const sizes = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: '360px', width: 360, height: 780 },
];

/** Opens `path`, signs in with `token` and waits until `ready` is on the page. */
async function signIn(page: Page, path: string, token: string, ready: string): Promise<void> {
  await page.goto(`${address}${path}`);
  await page.getByLabel(/token/i).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator(ready).waitFor();
}

/**
 * The plot's time axis (src/web/dom/hourly-plot.ts): ticks only on whole UTC
 * hours, on whole days for a week, and within the period shown.
 */
async function checkTicks(t: Tap, page: Page, plot: string, from: string, to: string): Promise<void> {
  const ticks = ((await page.locator(plot).getAttribute('data-ticks')) ?? '').split(' ').filter(Boolean).map(Number);
  t.ok(ticks.length >= 3, `${ticks.length} ticks drawn`);
  t.same(
    ticks.filter((tick) => tick % 3600 !== 0),
    [],
    'every tick is on a whole UTC hour',
  );
  t.ok(
    ticks.every((tick) => tick >= Date.parse(`${from}T00:00:00Z`) / 1000 && tick <= Date.parse(`${to}T00:00:00Z`) / 1000 + 86_400),
    'within the period',
  );
  if (page.viewportSize()!.width < 500) {
    t.same(
      ticks.filter((tick) => tick % 86_400 !== 0),
      [],
      'on a narrow screen a week has a tick a day or fewer, each at 00:00 UTC',
    );
  }
}

t.test('GET /v1/me: a token learns its participant id, role and registered name; no token is refused', async (t) => {
  const me = await env.app.inject({ url: '/v1/me', headers: auth(factoryToken) });
  t.equal(me.statusCode, 200);
  t.same(me.json(), { id: 'factory', role: 'tenant', name: FACTORY_NAME });
  t.same((await env.app.inject({ url: '/v1/me', headers: auth(windToken) })).json(), { id: 'nordwind', role: 'generator', name: WIND_NAME });
  const before = await logSnapshot(env.ledger.db);
  for (const headers of [{}, auth('not-a-token')]) {
    const refused = await env.app.inject({ url: '/v1/me', headers });
    t.equal(refused.statusCode, 401);
    t.equal(refused.json().code, 'unauthorized');
  }
  t.same(await logSnapshot(env.ledger.db), before, 'the log is unchanged');
});

t.test('/tenant: sign in with the token, one plot point per hour, the claim listed, the token only in sessionStorage', async (t) => {
  for (const size of sizes) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(`${address}/tenant`);
    await page.getByLabel(/token/i).fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const problem = page.getByRole('alert');
    await problem.waitFor();
    t.match(await problem.textContent(), /^The token was not accepted.*code unauthorized$/, 'a refused token: what happened, then the problem code');
    await page.screenshot({ path: join(shots, `tenant-refused-token-${size.name}.png`), fullPage: true });
    await page.getByLabel(/token/i).fill(windToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /generator/ })
      .waitFor();
    t.match(await problem.textContent(), /^Not a tenant's token.*belongs to nordwind, a generator/, "a generator's token: said so");

    await page.getByLabel(/token/i).fill(factoryToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#tenant-plot canvas').waitFor();
    t.equal(await page.locator('#who').textContent(), FACTORY_NAME, 'greeted by the registered name, not the id');
    t.match(await page.locator('.session').textContent(), `Signed in as ${FACTORY_NAME} (factory, tenant)`);
    const from = await page.locator('#period-from').inputValue();
    const to = await page.locator('#period-to').inputValue();
    const hours = (Date.parse(`${to}T00:00:00Z`) + 86_400_000 - Date.parse(`${from}T00:00:00Z`)) / 3_600_000;
    t.equal(hours, 7 * 24, `the default period is the last 7 days of the claim (${from} to ${to})`);
    t.equal(await page.locator('#tenant-plot').getAttribute('data-points'), String(hours), 'one plot point per hour');
    t.equal(await page.locator('#tenant-hours tbody tr').count(), hours, 'and one table row per hour');
    await checkTicks(t, page, '#tenant-plot', from, to);
    t.match(await page.locator('#cfe-score').textContent(), /^\d+\.\d %$/);
    t.equal(await page.locator('#pending-note').count(), 0, 'every hour of the demo is matched: no note that some are not');
    t.match(await page.locator('#claims').textContent(), factoryClaim.id, "the demo's claim is listed");
    const totals = (
      await env.app.inject({
        url: `/v1/tenants/factory/matching?from=${from}T00:00:00Z&to=${new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().replace('.000Z', 'Z')}`,
        headers: auth(factoryToken),
      })
    ).json().totals as { unmatchedEmissionsG: string };
    t.equal(
      await page.locator('#unmatched-emissions').textContent(),
      co2Mass(totals.unmatchedEmissionsG),
      `unmatched emissions (${totals.unmatchedEmissionsG} g) as every text writes them (src/domain/co2-mass.ts)`,
    );

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download bundle' }).first().click();
    const bundleFile = (await (await download).path())!;
    t.equal((await download).suggestedFilename(), `${factoryClaim.id}.bundle.json`, 'the bundle is saved under the claim id, once');
    const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as { statement: { claim: string; unmatchedEmissionsG: string } };
    t.ok(bundle.statement, 'the bundle downloads with the token');
    t.equal(bundle.statement.unmatchedEmissionsG, DEMO_UNMATCHED_G, "the demo claim's unmatched emissions");
    const certificate = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Certificate' }).first().click();
    t.equal((await certificate).suggestedFilename(), `${factoryClaim.id}-certificate.html`, 'the certificate too');
    t.match(
      readFileSync((await (await certificate).path())!, 'utf8'),
      `<dt>Unmatched emissions</dt><dd>${DEMO_TEXT} at the zone's grid factor</dd>`,
      'the certificate writes them as the pages do',
    );
    if (size.name === 'desktop') {
      const verify = await browser.newPage({ viewport: { width: size.width, height: size.height } });
      await verify.goto(`${address}/verify`);
      await waitForFilled(verify, ['#log-key']);
      await verify.setInputFiles('#bundle-file', bundleFile);
      await verify.locator('#verdict', { hasText: /^VALID/ }).waitFor();
      t.equal(await verify.locator('#details dt:text-is("Unmatched emissions") + dd').textContent(), DEMO_TEXT, '/verify writes the same for the same bundle');
      await verify.close();
    }

    t.notOk(
      urls.some((u) => u.includes(factoryToken)),
      'the token is in no URL requested',
    );
    t.notMatch(page.url(), factoryToken);
    t.equal(await page.evaluate("sessionStorage.getItem('gridproof-token')"), factoryToken, 'the token is in sessionStorage');
    t.equal(await page.evaluate('localStorage.length'), 0, 'and not in localStorage');
    t.same(await page.context().cookies(), [], 'nor in a cookie');
    await page.screenshot({ path: join(shots, `tenant-${size.name}.png`), fullPage: true });

    // The demo claimed the whole week already: the API's refusal shows as its title and code.
    const before = await logSnapshot(env.ledger.db);
    await page.getByLabel('Beneficiary').fill('EU importer');
    await page.getByRole('button', { name: 'Claim', exact: true }).click();
    const refusal = page.locator('#claim-form [role="alert"]');
    await refusal.waitFor();
    t.match(await refusal.textContent(), /nothing-to-claim/, 'a refused claim shows the problem code');
    t.equal(
      await refusal.locator('strong').textContent(),
      'Nothing to claim in this period',
      'under a heading that says so: nothing conflicts with the log (409 is its status)',
    );
    await refusal.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, `tenant-nothing-to-claim-${size.name}.png`) });
    t.same(await logSnapshot(env.ledger.db), before, 'and the log is unchanged');

    await page.reload();
    await page.locator('#tenant-plot canvas').waitFor();
    t.pass('a reload in the same tab stays signed in');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel(/token/i).waitFor();
    t.equal(await page.evaluate("sessionStorage.getItem('gridproof-token')"), null, 'signing out forgets the token');
    await page.close();
  }
});

t.test('/tenant: unmatched emissions by the one rule, in tonnes grouped by a space, however large', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.route('**/v1/tenants/factory/matching?**', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { totals: { unmatchedEmissionsG: string } };
    body.totals.unmatchedEmissionsG = '1234567890123';
    await route.fulfill({ response, json: body });
  });
  await signIn(page, '/tenant', factoryToken, '#tenant-plot canvas');
  t.equal(await page.locator('#unmatched-emissions').textContent(), '1 234 567.89 t CO₂');
  t.equal(co2Mass('1234567890123'), '1 234 567.89 t CO₂', 'as src/domain/co2-mass.ts writes it');
  await page.close();
});

t.test('/tenant: the plot reads time in UTC in a browser whose time zone is half an hour off it', async (t) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Kolkata' });
  t.teardown(() => context.close());
  const page = await context.newPage();
  t.equal(await page.evaluate('new Date(0).getTimezoneOffset()'), -330, 'the browser is at UTC+05:30');
  await signIn(page, '/tenant', factoryToken, '#tenant-plot canvas');
  await checkTicks(t, page, '#tenant-plot', await page.locator('#period-from').inputValue(), await page.locator('#period-to').inputValue());
  await page.locator('#tenant-plot').screenshot({ path: join(shots, 'tenant-plot-kolkata.png') });
});

t.test('/generator: the owner sees its devices and where an hour went', async (t) => {
  for (const size of sizes) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    await signIn(page, '/generator', windToken, '[data-device="wind-farm"] .plot canvas');
    t.equal(await page.locator('#who').textContent(), WIND_NAME, 'greeted by the registered name, not the id');
    t.match(await page.locator('.session').textContent(), `Signed in as ${WIND_NAME} (nordwind, generator)`);
    const devices = await page.locator('[data-device]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-device')));
    t.same(devices.sort(), ['battery', 'wind-farm'], "nordwind's devices");
    t.equal(await page.locator('[data-device="wind-farm"] .readings').textContent(), String(7 * 24), 'a week of hourly readings');
    t.equal(await page.locator('#outputs-wind-farm tbody tr').count(), 7 * 24, 'one row per hour of the period');
    t.match(await page.locator('#outputs-wind-farm thead').textContent(), /to factory/, 'the PPA tenant receives output');
    t.ok(
      Number(await page.evaluate('document.documentElement.scrollWidth')) <= size.width,
      `${size.name}: the page is no wider than the screen (the tables scroll inside their frame, words for screen readers too)`,
    );
    await page.screenshot({ path: join(shots, `generator-${size.name}.png`), fullPage: true });
    await page.close();
  }
});

/**
 * The hourly tables' cells of one column (src/web/dom/hourly-table.ts): the
 * figure, or for an hour without any reading "—" titled "no reading".
 */
async function column(page: Page, table: string, n: number): Promise<Array<{ text: string; title: string | null }>> {
  return page
    .locator(`${table} tbody tr td:nth-child(${n})`)
    .evaluateAll((cells) => cells.map((c) => ({ text: (c.querySelector('[aria-hidden="true"]') ?? c).textContent ?? '', title: c.getAttribute('title') })));
}

/** A Wh figure as the tables write it: digits grouped by thousands with a space ("150 000"). */
const WH_FIGURE = /^\d{1,3}( \d{3})*$/;

/** The demo's readings end 7 days after its data's first hour (2018-12-31T23:00Z): later hours have none. */
const READ_END = Date.parse(csv.split('\n')[1]!.split(',')[0]!) + 7 * 86_400_000;

/** Each row of an hourly table: "figure" for an hour the demo read, "no reading" for one it did not, as the table shows it. */
async function rowKinds(t: Tap, page: Page, table: string, valueColumn: number): Promise<string[]> {
  const hours = await column(page, table, 1);
  const values = await column(page, table, valueColumn);
  const shown = values.map((c) =>
    c.text === '—' && c.title === 'no reading' ? 'no reading' : WH_FIGURE.test(c.text) && c.title === null ? 'figure' : `unexpected ${JSON.stringify(c)}`,
  );
  const expected = hours.map((h) => (Date.parse(`${h.text.replace(' ', 'T')}:00Z`) < READ_END ? 'figure' : 'no reading'));
  t.same(shown, expected, `${table}: a figure for each hour read, "—" titled "no reading" for each hour not`);
  return shown;
}

/** As much of HTMLCanvasElement as is read here (the tests compile without the DOM's types). */
interface Canvas {
  width: number;
  getBoundingClientRect(): { width: number };
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

/**
 * Pixels of the plot's black line (src/web/dom/hourly-plot.ts) over the last
 * 24 of its hours (uPlot's .u-over is the plotting area; grid lines are light
 * and bars coloured): a line there draws figures for hours nobody read.
 */
async function darkPixelsInLastDay(page: Page, plot: string): Promise<number> {
  const area = (await page.locator(`${plot} .u-over`).boundingBox())!;
  const canvas = (await page.locator(`${plot} canvas`).boundingBox())!;
  const hours = Number(await page.locator(plot).getAttribute('data-points'));
  const from = area.x - canvas.x + (area.width * (hours - 24)) / hours + 3;
  const to = area.x - canvas.x + area.width - 1;
  return page.locator(`${plot} canvas`).evaluate(
    (node, [x0, x1, top, height]) => {
      const c = node as unknown as Canvas;
      const scale = c.width / c.getBoundingClientRect().width;
      const pixels = c
        .getContext('2d')!
        .getImageData(Math.round(x0! * scale), Math.round(top! * scale), Math.round((x1! - x0!) * scale), Math.round(height! * scale)).data;
      let dark = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 80 && pixels[i + 1]! < 80 && pixels[i + 2]! < 80 && pixels[i + 3]! > 128) dark++;
      return dark;
    },
    [from, to, area.y - canvas.y, area.height],
  );
}

t.test('hourly tables: an hour without a reading reads "—" (no reading), a measured zero reads 0', async (t) => {
  const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  for (const size of sizes) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    await signIn(page, '/tenant', factoryToken, '#tenant-plot canvas');
    // One day more than the default period: past the demo's last reading.
    await page.locator('#period-to').fill(nextDay(await page.locator('#period-to').inputValue()));
    await page.locator('#period button[type="submit"]').click();
    await page
      .locator('#tenant-hours tbody tr')
      .nth(8 * 24 - 1)
      .waitFor({ state: 'attached' });
    const tenantRows = await rowKinds(t, page, '#tenant-hours', 2);
    t.ok(tenantRows.filter((k) => k === 'no reading').length >= 24, `${size.name}: the tenant's table has a day of hours without a reading`);
    t.equal(await darkPixelsInLastDay(page, '#tenant-plot'), 0, `${size.name}: the plot draws no consumption line over the unread last day`);
    await page.locator('#figures details summary').click();
    t.notMatch(await page.locator('#tenant-hours tbody tr').last().innerText(), /\b0\b/, 'and no 0 anywhere in such an hour');
    await page
      .locator('#tenant-hours tbody tr')
      .nth(tenantRows.indexOf('no reading') + 3)
      .scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, `tenant-no-reading-${size.name}.png`) });
    await page.close();

    const generator = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    await signIn(generator, '/generator', windToken, '[data-device="battery"] .plot canvas');
    t.ok(
      (await column(generator, '#outputs-battery', 2)).some((c) => c.text === '0' && c.title === null),
      'a battery hour that exported 0 Wh (it charged) reads 0: measured',
    );
    await generator.locator('#period-battery-to').fill(nextDay(await generator.locator('#period-battery-to').inputValue()));
    await generator.locator('#period-battery button[type="submit"]').click();
    await generator
      .locator('#outputs-battery tbody tr')
      .nth(8 * 24 - 1)
      .waitFor({ state: 'attached' });
    const batteryRows = await rowKinds(t, generator, '#outputs-battery', 2);
    t.ok(batteryRows.filter((k) => k === 'no reading').length >= 24, `${size.name}: the generator's table too`);
    await generator
      .locator('#outputs-battery tbody tr')
      .nth(batteryRows.indexOf('no reading') + 3)
      .scrollIntoViewIfNeeded();
    await generator.screenshot({ path: join(shots, `generator-no-reading-${size.name}.png`) });
    await generator.close();
  }
});

t.test('/generator: an hour read but not matched yet reads "pending" (not matched yet), a matched hour allocated in full reads 0', async (t) => {
  for (const size of sizes) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    // The demo matches every hour it reads, so the service's own answer is taken and its last day made what
    // GET /v1/devices/{id}/outputs answers for readings whose hour is not matched yet (src/ledger/generator-reads.ts):
    // no settlement, nothing allocated, unmatchedWh "0".
    let pendingStarts: string[] = [];
    await page.route('**/v1/devices/wind-farm/outputs?**', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { hours: Array<{ start: string; settlement: unknown; to: unknown[]; toStorageWh: string; unmatchedWh: string }> };
      const last = body.hours.slice(-24);
      pendingStarts = last.map((h) => h.start);
      for (const h of last) Object.assign(h, { settlement: null, to: [], toStorageWh: '0', unmatchedWh: '0' });
      await route.fulfill({ response, json: body });
    });
    await signIn(page, '/generator', windToken, '[data-device="wind-farm"] .plot canvas');
    await page.locator('[data-device="battery"] .plot canvas').waitFor();
    const heads = await page.locator('#outputs-wind-farm thead th').allTextContents();
    const unmatchedColumn = heads.indexOf('unmatched (Wh)') + 1;
    t.ok(unmatchedColumn > 0, `${size.name}: the table has an unmatched column (${heads.join(', ')})`);
    const hours = await column(page, '#outputs-wind-farm', 1);
    const unmatched = await column(page, '#outputs-wind-farm', unmatchedColumn);
    const pending = new Set(pendingStarts.map((s) => s.slice(0, 16).replace('T', ' ')));
    t.equal(pending.size, 24, 'a day of hours not matched yet');
    t.same(
      unmatched.filter((_c, i) => pending.has(hours[i]!.text)),
      Array.from({ length: 24 }, () => ({ text: 'pending', title: 'not matched yet' })),
      'each hour not matched yet reads "pending", titled "not matched yet", never 0',
    );
    const exported = await column(page, '#outputs-wind-farm', 2);
    // The hours read and matched: the period's last hour has no reading (READ_END) and reads "—" throughout.
    const matched = unmatched.filter((_c, i) => !pending.has(hours[i]!.text) && exported[i]!.title === null);
    t.ok(
      matched.some((c) => c.text === '0' && c.title === null),
      'a matched hour whose output was all allocated reads 0',
    );
    const batteryHeads = await page.locator('#outputs-battery thead th').allTextContents();
    const batteryExported = await column(page, '#outputs-battery', 2);
    const batteryUnmatched = await column(page, '#outputs-battery', batteryHeads.indexOf('unmatched (Wh)') + 1);
    t.ok(
      batteryUnmatched.some((c, i) => c.text === '0' && c.title === null && batteryExported[i]!.text === '0'),
      'a battery hour that exported 0 Wh is no supply, never settled, and reads 0 unmatched, not "pending"',
    );
    t.same(
      matched.filter((c) => !(WH_FIGURE.test(c.text) && c.title === null)),
      [],
      'every matched hour reads a figure',
    );
    await page
      .locator('#outputs-wind-farm tbody tr')
      .nth(hours.findIndex((h) => pending.has(h.text)) - 3)
      .scrollIntoViewIfNeeded();
    // On a narrow screen the table scrolls sideways: show its last columns, where "pending" is.
    await page.locator('#outputs-wind-farm').evaluate((node) => {
      const wrap = (node as unknown as { parentElement: { scrollLeft: number; scrollWidth: number } }).parentElement;
      wrap.scrollLeft = wrap.scrollWidth;
    });
    await page.screenshot({ path: join(shots, `generator-not-matched-${size.name}.png`) });
    await page.close();
  }
});

/** As much of an element as the hour-column check reads in the page (the tests compile without the DOM's types). */
interface Cell {
  closest(selector: string): { scrollLeft: number; scrollWidth: number; clientWidth: number; scrollIntoView(): void } | null;
  contains(other: unknown): boolean;
}

/**
 * An hourly table at 360 px, scrolled sideways as far as it goes: its hour
 * column's header and body cells must stay at the left edge of the frame
 * that scrolls (.table-wrap) and be what the browser shows there, not the
 * cells scrolled under them; the page itself stays no wider than the screen.
 */
async function checkHourColumn(t: Tap, page: Page, table: string): Promise<void> {
  const wrap = page.locator(table).locator('xpath=..');
  const scrolled = await page
    .locator(`${table} thead th`)
    .first()
    .evaluate((node) => {
      const frame = (node as unknown as Cell).closest('.table-wrap')!;
      frame.scrollIntoView();
      frame.scrollLeft = frame.scrollWidth;
      return { scrollLeft: frame.scrollLeft, room: frame.scrollWidth - frame.clientWidth };
    });
  t.ok(scrolled.room > 0 && scrolled.scrollLeft > 0, `${table}: wider than the screen, scrolled sideways by ${scrolled.scrollLeft} px`);
  const frame = (await wrap.boundingBox())!;
  for (const [name, cell] of [
    ['header', page.locator(`${table} thead th`).first()],
    ['first row', page.locator(`${table} tbody tr`).first().locator('td').first()],
    ['fifth row', page.locator(`${table} tbody tr`).nth(4).locator('td').first()],
  ] as const) {
    const box = (await cell.boundingBox())!;
    // The frame's 1 px border is inside its box.
    t.ok(box.x >= frame.x && box.x <= frame.x + 2, `${table} ${name}: the hour cell sits at the frame's left edge (x ${box.x}, frame ${frame.x})`);
    const { shown, background } = await cell.evaluate(
      (node, [x, y]) => {
        const page = globalThis as unknown as {
          document: { elementFromPoint(x: number, y: number): unknown };
          getComputedStyle(node: unknown): { backgroundColor: string };
        };
        return { shown: (node as unknown as Cell).contains(page.document.elementFromPoint(x!, y!)), background: page.getComputedStyle(node).backgroundColor };
      },
      [box.x + box.width / 2, box.y + box.height / 2],
    );
    t.ok(shown, `${table} ${name}: the hour cell is what shows there, over the cells scrolled under it`);
    // rgb(), not rgba(): Chromium writes a colour with any transparency as rgba.
    t.match(background, /^rgb\(/, `${table} ${name}: opaque (${background}), so the cells under it do not show through`);
  }
  t.ok(Number(await page.evaluate('document.documentElement.scrollWidth')) <= 360, `${table}: the page is no wider than the screen, only the table scrolls`);
}

t.test('hourly tables at 360 px: scrolled sideways, the hour column stays in view at the left edge', async (t) => {
  const tenant = await browser.newPage({ viewport: { width: 360, height: 780 } });
  await signIn(tenant, '/tenant', factoryToken, '#tenant-plot canvas');
  await tenant.locator('#figures details summary').click();
  await checkHourColumn(t, tenant, '#tenant-hours');
  await tenant.screenshot({ path: join(shots, 'tenant-hour-column-360px.png') });
  await tenant.close();

  const generator = await browser.newPage({ viewport: { width: 360, height: 780 } });
  await signIn(generator, '/generator', windToken, '[data-device="wind-farm"] .plot canvas');
  await checkHourColumn(t, generator, '#outputs-wind-farm');
  await generator.screenshot({ path: join(shots, 'generator-hour-column-360px.png') });
  await generator.close();
});

/**
 * The plot's legend (uPlot's, label → value) with the cursor on the hour
 * `hour` ("YYYY-MM-DD HH:MM"): the cursor is moved to where that hour should
 * be, then nudged until the legend's hour is the one wanted.
 */
async function legendAt(page: Page, plot: string, hour: string): Promise<Record<string, string>> {
  await page.locator(plot).scrollIntoViewIfNeeded();
  const area = (await page.locator(`${plot} .u-over`).boundingBox())!;
  const hours = Number(await page.locator(plot).getAttribute('data-points'));
  const wanted = Date.parse(`${hour.replace(' ', 'T')}:00Z`);
  const read = async () =>
    Object.fromEntries(
      await page
        .locator(`${plot} .u-legend tr.u-series`)
        .evaluateAll((rows) => rows.map((r) => [(r.querySelector('th')?.textContent ?? '').trim(), (r.querySelector('td')?.textContent ?? '').trim()])),
    ) as Record<string, string>;
  let x = area.x + area.width * 0.99;
  for (let tries = 0; tries < 20; tries++) {
    await page.mouse.move(x, area.y + area.height / 2);
    const shown = Date.parse(`${(await read())['hour (UTC)']!.replace(' ', 'T')}:00Z`);
    if (shown === wanted) return read();
    x += ((wanted - shown) / 3_600_000) * (area.width / hours);
  }
  throw new Error(`${plot}: the cursor did not reach ${hour}`);
}

/**
 * The legend as a person reads it: each label once followed by uPlot's colon
 * (its style sheet writes one after every label), the value whole beside its
 * label (not clipped, not pushed to a line of its own), all within the plot.
 */
async function checkLegend(t: Tap, page: Page, plot: string, size: string): Promise<void> {
  const rows = await page.locator(`${plot} .u-legend tr.u-series`).evaluateAll((trs) =>
    trs.map((tr) => {
      const view = globalThis as unknown as { getComputedStyle(node: unknown, pseudo?: string): { content: string } };
      const th = tr.querySelector('th')!;
      const td = tr.querySelector('td')!;
      const label = th.getBoundingClientRect();
      const value = td.getBoundingClientRect();
      return {
        shown: `${(th.textContent ?? '').trim()}${view.getComputedStyle(th, '::after').content.replaceAll('"', '')} ${(td.textContent ?? '').trim()}`,
        clipped: td.scrollWidth > td.clientWidth,
        sameLine: Math.abs(label.top + label.height / 2 - (value.top + value.height / 2)) < 4,
        right: value.right,
      };
    }),
  );
  const box = await page.locator(plot).evaluate((node) => {
    const p = node as unknown as { getBoundingClientRect(): { right: number }; scrollWidth: number; clientWidth: number };
    return { right: p.getBoundingClientRect().right, scrollWidth: p.scrollWidth, clientWidth: p.clientWidth };
  });
  t.same(
    rows.filter((r) => !/^[^:]+: (?!.*: )\S/.test(r.shown)),
    [],
    `${size}: each legend row reads "label: value", one colon (${rows.map((r) => r.shown).join(' | ')})`,
  );
  t.same(
    rows.filter((r) => r.clipped || !r.sameLine || r.right > box.right + 0.5),
    [],
    `${size}: each value whole, beside its label, within the plot`,
  );
  t.ok(box.scrollWidth <= box.clientWidth, `${size}: the plot and its legend need no sideways scroll`);
}

// Last: it logs readings after the demo's, which the tests above expect none of.
t.test('/tenant: an hour read but not matched yet reads "pending" (not matched yet), a matched hour with no green supply reads 0', async (t) => {
  // The factory's meter reads 6 more hours after the demo's last (READ_END); matching then runs over the first
  // 2, in which no generator read anything: matched, with no green supply. The other 4 are not matched yet.
  const head = (await env.app.inject({ url: '/v1/devices/factory-meter/chain', headers: auth(OPERATOR_TOKEN) })).json().head as {
    seq: number;
    leafHash: string;
  };
  const signer = parsePrivateKey(demo.state.devices['factory-meter']!.privateKey);
  let prev = head.leafHash;
  const notes = Array.from({ length: 6 }, (_n, i) => {
    const start = new Date(READ_END + i * 3_600_000).toISOString().replace('.000Z', 'Z');
    const end = new Date(READ_END + (i + 1) * 3_600_000).toISOString().replace('.000Z', 'Z');
    const note = signReading(signer, { device: 'factory-meter', seq: head.seq + 1 + i, prev, start, end, importWh: '150000', exportWh: '0' });
    prev = toBase64(hashLeaf(utf8(note)));
    return note;
  });
  const posted = await postEntries(env.app, factoryToken, notes);
  t.same(
    (posted.json().results as Array<{ late: boolean }>).map((r) => r.late),
    notes.map(() => false),
    "six readings logged, none late: their hours are after the zone's last matched one",
  );
  const until = new Date(READ_END + 2 * 3_600_000).toISOString().replace('.000Z', 'Z');
  const run = await env.app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until } });
  t.equal(run.statusCode, 200, run.body);
  const hourText = (i: number) => new Date(READ_END + i * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
  const matchedEmpty = new Set([0, 1].map(hourText));
  const pending = new Set([2, 3, 4, 5].map(hourText));

  for (const size of sizes) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    await signIn(page, '/tenant', factoryToken, '#tenant-plot canvas');
    // One day more than the default period: the new hours run into the next day.
    const to = await page.locator('#period-to').inputValue();
    await page.locator('#period-to').fill(new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10));
    await page.locator('#period button[type="submit"]').click();
    await page
      .locator('#tenant-hours tbody tr')
      .nth(8 * 24 - 1)
      .waitFor({ state: 'attached' });
    const heads = await page.locator('#tenant-hours thead th').allTextContents();
    t.ok(heads.length > 2, `${size.name}: the table has source columns (${heads.join(', ')})`);
    t.match(
      await page.locator('#pending-note').textContent(),
      /^4 hours of this period are not matched yet: until matching reaches them, the totals count their consumption as unmatched/,
      `${size.name}: beside the totals, the page says how many hours are not matched yet and what that does to them`,
    );
    const hours = await column(page, '#tenant-hours', 1);
    const consumed = await column(page, '#tenant-hours', 2);
    const sources = await Promise.all(heads.slice(2).map((_h, i) => column(page, '#tenant-hours', i + 3)));
    const rowsOf = (wanted: Set<string>) => hours.flatMap((h, i) => (wanted.has(h.text) ? [i] : []));
    t.equal(rowsOf(pending).length, 4, 'four hours read and not matched yet are in the table');
    t.same(
      rowsOf(pending).map((i) => consumed[i]),
      rowsOf(pending).map(() => ({ text: '150 000', title: null })),
      'their consumption is a figure: it was read',
    );
    t.same(
      rowsOf(pending).flatMap((i) => sources.map((c) => c[i])),
      rowsOf(pending).flatMap(() => sources.map(() => ({ text: 'pending', title: 'not matched yet' }))),
      'each source of an hour not matched yet reads "pending", titled "not matched yet", never 0',
    );
    t.same(
      rowsOf(matchedEmpty).flatMap((i) => sources.map((c) => c[i])),
      rowsOf(matchedEmpty).flatMap(() => sources.map(() => ({ text: '0', title: null }))),
      'a matched hour with no green supply reads 0 from each source',
    );
    const demoHours = hours.flatMap((h, i) => (Date.parse(`${h.text.replace(' ', 'T')}:00Z`) < READ_END ? [i] : []));
    t.same(
      demoHours.flatMap((i) => sources.map((c) => c[i]!)).filter((c) => !(WH_FIGURE.test(c.text) && c.title === null)),
      [],
      'every hour of the demo, matched, reads a figure from each source',
    );
    // The plot's legend follows the same rule (src/web/model/hourly-views.ts, partOf).
    const legend = await legendAt(page, '#tenant-plot', [...pending][1]!);
    t.same(
      Object.entries(legend)
        .filter(([label]) => label.startsWith('from '))
        .sort(),
      heads
        .slice(2)
        .map((h) => [`from ${h.replace(' (Wh)', '')}`, 'not matched yet'])
        .sort(),
      `${size.name}: hovered over an hour not matched yet, the legend says so for each source`,
    );
    t.equal(legend.consumed, '150 000 Wh', `${size.name}: a figure grouped by thousands`);
    await checkLegend(t, page, '#tenant-plot', size.name);
    const matchedHour = await legendAt(page, '#tenant-plot', hourText(-10));
    t.same(
      Object.entries(matchedHour).filter(([label, value]) => label !== 'hour (UTC)' && !/^\d{1,3}( \d{3})* Wh$/.test(value)),
      [],
      `${size.name}: over a matched hour, every series reads a grouped figure in Wh`,
    );
    await checkLegend(t, page, '#tenant-plot', size.name);
    await legendAt(page, '#tenant-plot', [...pending][1]!);
    await page.screenshot({ path: join(shots, `tenant-not-matched-plot-${size.name}.png`) });
    await page.locator('#figures details summary').click();
    await page
      .locator('#tenant-hours tbody tr')
      .nth(rowsOf(matchedEmpty)[0]! - 2)
      .scrollIntoViewIfNeeded();
    // On a narrow screen the table scrolls sideways: show its last columns, the hour column staying in view.
    await page.locator('#tenant-hours').evaluate((node) => {
      const wrap = (node as unknown as { parentElement: { scrollLeft: number; scrollWidth: number } }).parentElement;
      wrap.scrollLeft = wrap.scrollWidth;
    });
    await page.screenshot({ path: join(shots, `tenant-not-matched-${size.name}.png`) });
    await page.close();
  }
});

/**
 * The web app in a real browser (Chromium through playwright-core) against a
 * real service over a real socket: a claim bundle made through the API is
 * VALID on /verify, the same bundle with one Wh changed is INVALID with its
 * reason, no request leaves the page while verifying, verify.html opened from
 * file:// is VALID, and the Log page checks inclusion and consistency. Each
 * reason's code links its page (/problems/verify/{code}); saved as a file,
 * the page shows that page's text instead. The
 * verdict names the tenant as registered; the hourly plot fits the page at
 * 360 px and on a desktop. The claim's certificate, printed to PDF by the
 * same Chromium, keeps the log key whole on a line of its own.
 * Screenshots of each page (desktop and 360 px) and the certificate (PDF and
 * PNG) go to a folder it prints.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { co2Mass } from '../../src/domain/co2-mass.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addZone, addDevice, addParticipant, auth, OPERATOR_TOKEN, postEntries, signReading, startTestApp } from '../helpers/app.ts';
import { launchChromium, screenshotDir, waitForFilled } from '../helpers/browser.ts';

const env = await startTestApp('pglite');
t.teardown(env.close);
const { app } = env;
await addZone(app);
const gen = await addParticipant(app, 'generator', 'windco');
const tenant = await addParticipant(app, 'tenant', 'steelco');
const wind = await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' });
const meter = await addDevice(app, { id: 'steel-meter', owner: tenant.id, type: 'consumption' });
let windPrev: string | undefined;
let meterPrev: string | undefined;
const leaves: string[] = [];
const sizes12: number[] = [];
for (let seq = 0; seq < 24; seq++) {
  const start = new Date(Date.UTC(2024, 0, 1, seq)).toISOString().replace('.000Z', 'Z');
  const end = new Date(Date.UTC(2024, 0, 1, seq + 1)).toISOString().replace('.000Z', 'Z');
  const w = signReading(wind.signer, {
    device: 'wind-1',
    seq,
    ...(windPrev ? { prev: windPrev } : {}),
    start,
    end,
    importWh: '0',
    exportWh: String(800 + 60 * (seq % 7)),
  });
  const m = signReading(meter.signer, {
    device: 'steel-meter',
    seq,
    ...(meterPrev ? { prev: meterPrev } : {}),
    start,
    end,
    importWh: String(900 + 25 * (seq % 5)),
    exportWh: '0',
  });
  windPrev = toBase64(hashLeaf(utf8(w)));
  meterPrev = toBase64(hashLeaf(utf8(m)));
  leaves.push(windPrev);
  await postEntries(app, gen.token, [w]);
  await postEntries(app, tenant.token, [m]);
  if (seq === 11) sizes12.push(Number((await publishCheckpoint(env.ledger)).checkpoint?.size));
}
await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: '2024-01-02T00:00:00Z' } });
const claim = await app.inject({
  method: 'POST',
  url: '/v1/claims',
  headers: auth(tenant.token),
  payload: { period: { start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z' }, purpose: 'cbam', beneficiary: 'EU importer, lot 7' },
});
await publishCheckpoint(env.ledger);
const bundleText = (await app.inject({ url: `/v1/claims/${claim.json().id}/bundle`, headers: auth(tenant.token) })).body;

// One more hour, claimed alone: a bundle of a single interval.
const hourStart = '2024-01-02T00:00:00Z';
const hourEnd = '2024-01-02T01:00:00Z';
await postEntries(app, gen.token, [
  signReading(wind.signer, { device: 'wind-1', seq: 24, prev: windPrev!, start: hourStart, end: hourEnd, importWh: '0', exportWh: '1500' }),
]);
await postEntries(app, tenant.token, [
  signReading(meter.signer, { device: 'steel-meter', seq: 24, prev: meterPrev!, start: hourStart, end: hourEnd, importWh: '1200', exportWh: '0' }),
]);
await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: hourEnd } });
const hourClaim = await app.inject({
  method: 'POST',
  url: '/v1/claims',
  headers: auth(tenant.token),
  payload: { period: { start: hourStart, end: hourEnd }, purpose: 'cbam', beneficiary: 'EU importer, lot 8' },
});
await publishCheckpoint(env.ledger);
const hourBundleText = (await app.inject({ url: `/v1/claims/${hourClaim.json().id}/bundle`, headers: auth(tenant.token) })).body;
const address = await app.listen({ port: 0, host: '127.0.0.1' });
const logKey = env.ledger.logVerifier.vkey;

const work = join(process.env.TMPDIR ?? tmpdir(), `gridproof-web-${process.pid}`);
const { mkdirSync } = await import('node:fs');
mkdirSync(work, { recursive: true });
const goodFile = join(work, 'bundle.json');
writeFileSync(goodFile, bundleText);
const tampered = JSON.parse(bundleText) as { statement: { consumedWh: string } };
tampered.statement.consumedWh = String(BigInt(tampered.statement.consumedWh) + 1n);
const badFile = join(work, 'bundle-one-wh-more.json');
writeFileSync(badFile, JSON.stringify(tampered));
const hourFile = join(work, 'bundle-one-hour.json');
writeFileSync(hourFile, hourBundleText);

const shots = screenshotDir();
console.log(`# screenshots in ${shots}`);
const browser = await launchChromium();
t.teardown(() => browser.close());
const sizes = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: '360px', width: 360, height: 780 },
];

t.test('/verify: a real claim bundle is VALID, one Wh changed is INVALID, and nothing is requested while verifying', async (t) => {
  for (const size of sizes) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const response = await page.goto(`${address}/verify`);
    t.match(response?.headers()['content-security-policy'], /default-src 'self'/);
    const key = page.getByLabel(/key/i);
    await t.resolves(key.waitFor());
    await waitForFilled(page, ['#log-key']);
    t.equal(await key.inputValue(), logKey, 'the key is prefilled from the service');

    const before = requests.length;
    await page.setInputFiles('#bundle-file', goodFile);
    const status = page.getByRole('status').first();
    await page.locator('#verdict', { hasText: /^(VALID|INVALID)/ }).waitFor();
    t.match(await status.textContent(), /^VALID/, `${size.name}: VALID`);
    t.equal(requests.length, before, 'no request left the page while verifying');
    t.match(await page.locator('#details').textContent(), /EU importer, lot 7/);
    const grams = (JSON.parse(bundleText) as { statement: { unmatchedEmissionsG: string } }).statement.unmatchedEmissionsG;
    t.equal(
      await page.locator('#details dt:text-is("Unmatched emissions") + dd').textContent(),
      co2Mass(grams),
      `${size.name}: unmatched emissions (${grams} g) as every text writes them (src/domain/co2-mass.ts)`,
    );
    t.ok(await page.locator('.plot canvas').count(), 'the hourly plot is drawn');
    // The headline names the tenant as its participant entry does, the log's id on a smaller line below.
    t.match(await page.locator('#verdict').textContent(), /^VALID: [\d.,]+ kWh claimed by steelco GmbH for cbam/, `${size.name}: the tenant's name`);
    t.equal(await page.locator('#verdict-party').textContent(), 'tenant id steelco', 'its id beside it');
    // The plot fits the page: nothing of it (the last tick, the legend) runs past the content or scrolls sideways.
    const plot = page.locator('.plot').first();
    const drawn = (await plot.locator('> *').first().boundingBox())!;
    const content = (await page.locator('#details').boundingBox())!;
    const fit = {
      ...(await plot.evaluate((p) => ({ scrollWidth: p.scrollWidth, clientWidth: p.clientWidth }))),
      right: drawn.x + drawn.width,
      contentRight: content.x + content.width,
      pageWidth: Number(await page.evaluate('document.documentElement.scrollWidth')),
    };
    t.ok(fit.scrollWidth <= fit.clientWidth, `${size.name}: the plot needs no sideways scroll (${fit.scrollWidth} px in ${fit.clientWidth} px)`);
    t.ok(fit.right <= fit.contentRight, `${size.name}: it ends within the page's content (${fit.right} ≤ ${fit.contentRight})`);
    t.ok(fit.pageWidth <= size.width, `${size.name}: the page is no wider than the viewport`);
    const ticks = ((await page.locator('.plot').first().getAttribute('data-ticks')) ?? '').split(' ').filter(Boolean).map(Number);
    t.ok(ticks.length >= 3, `${ticks.length} ticks on its time axis`);
    t.same(
      ticks.filter((tick) => tick % 3600 !== 0).map((tick) => new Date(tick * 1000).toISOString()),
      [],
      'each on a whole UTC hour',
    );
    await page.screenshot({ path: join(shots, `verify-valid-${size.name}.png`), fullPage: true });

    await page.setInputFiles('#bundle-file', badFile);
    await page.locator('#verdict', { hasText: /^INVALID/ }).waitFor();
    t.match(await page.locator('.reasons').textContent(), /statement-mismatch/, 'the reason is shown with its code');
    t.equal(requests.length, before, 'still no request');
    // The code links its page: what it means and what to do.
    const link = page.getByRole('link', { name: 'statement-mismatch' });
    t.equal(await link.count(), 1, `${size.name}: the code is a link`);
    t.equal(await link.getAttribute('href'), '/problems/verify/statement-mismatch', 'to its page');
    await page.screenshot({ path: join(shots, `verify-invalid-${size.name}.png`), fullPage: true });
    await page.locator('.reasons').screenshot({ path: join(shots, `verify-invalid-reasons-${size.name}.png`) });
    const [reasonPage] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    const shown = await reasonPage.waitForLoadState().then(() => reasonPage);
    t.equal(new URL(shown.url()).pathname, '/problems/verify/statement-mismatch', 'followed, it opens the page');
    t.equal(await shown.locator('h1').textContent(), 'statement-mismatch', 'which names the code');
    t.match(await shown.locator('main').textContent(), /What it means and what to do/);
    t.ok(Number(await shown.evaluate('document.documentElement.scrollWidth')) <= size.width, `${size.name}: the reason page is no wider than the viewport`);
    await shown.screenshot({ path: join(shots, `problem-verify-statement-mismatch-${size.name}.png`), fullPage: true });
    await shown.close();
    await page.close();
  }
});

t.test('/verify: the plot of a one-hour bundle spans that hour', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${address}/verify`);
  await waitForFilled(page, ['#log-key']);
  await page.setInputFiles('#bundle-file', hourFile);
  await page.locator('#verdict', { hasText: /^(VALID|INVALID)/ }).waitFor();
  t.match(await page.locator('#verdict').textContent(), /^VALID/, hourClaim.body);
  const ticks = ((await page.locator('.plot').first().getAttribute('data-ticks')) ?? '').split(' ').filter(Boolean).map(Number);
  const start = Date.parse(hourStart) / 1000;
  t.ok(ticks.length >= 1, `${ticks.length} ticks`);
  t.same(
    ticks.filter((tick) => tick < start || tick > start + 3600).map((tick) => new Date(tick * 1000).toISOString()),
    [],
    'every tick within the claimed hour (uPlot alone would spread one point over a thousand days)',
  );
  await page.screenshot({ path: join(shots, 'verify-valid-one-hour.png'), fullPage: true });
  await page.close();
});

t.test('the certificate, printed: the log key whole on a line of its own under "How to verify"', async (t) => {
  const html = await app.inject({ url: `/v1/claims/${claim.json().id}/certificate`, headers: auth(tenant.token) });
  t.equal(html.statusCode, 200);
  const file = join(work, 'certificate.html');
  writeFileSync(file, html.body);
  const page = await browser.newPage();
  await page.goto(`file://${file}`);
  const pdf = join(shots, 'certificate.pdf');
  await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
  await page.close();
  t.match(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }), /Pages:\s+1\n/, 'one A4 page');
  const lines = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim());
  const command = lines.findIndex((line) => line.endsWith('gridproof verify bundle.json --key \\'));
  t.ok(command >= 0, 'the command to run, continued on the next line');
  t.equal(lines[command + 1], logKey, 'the log key on that line, whole and alone: copied, it is the key');
  t.ok(
    lines.some((line) => line.startsWith('Log key') && line.endsWith(logKey)),
    'the proof lists it whole too',
  );
  execFileSync('pdftoppm', ['-r', '110', '-png', '-singlefile', pdf, join(shots, 'certificate')]);
});

t.test('verify.html from file:// asks for the key and says VALID', async (t) => {
  const html = await app.inject({ url: '/verify.html' });
  t.equal(html.statusCode, 200);
  t.match(html.headers['content-security-policy'], /script-src 'sha256-/);
  const file = join(work, 'verify.html');
  writeFileSync(file, html.body);
  const cli = spawnSync(process.execPath, ['bin/gridproof.js', 'verify', '--html'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  t.equal(cli.status, 0, cli.stderr);
  t.equal(cli.stdout, html.body, '`gridproof verify --html` prints the same file');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  t.equal(await page.getByLabel(/key/i).inputValue(), '', 'saved as a file, it asks for the key');
  await page.getByLabel(/key/i).fill(logKey);
  await page.setInputFiles('#bundle-file', goodFile);
  await page.locator('#verdict', { hasText: /^(VALID|INVALID)/ }).waitFor();
  t.match(await page.getByRole('status').first().textContent(), /^VALID/);
  await page.screenshot({ path: join(shots, 'verify-html-file-desktop.png'), fullPage: true });
  // No service to link to: the reason's explanation is shown in place of the link.
  await page.setInputFiles('#bundle-file', badFile);
  await page.locator('#verdict', { hasText: /^INVALID/ }).waitFor();
  t.equal(await page.locator('.reasons a').count(), 0, 'saved as a file, no link to a page it cannot reach');
  t.match(await page.locator('.reasons .reason-explanation').textContent(), /recomputed from the signed entries/, "the page's text instead");
  await page.screenshot({ path: join(shots, 'verify-html-file-invalid-desktop.png'), fullPage: true });
  t.same(
    requests.filter((u) => !u.startsWith('file:')),
    [],
    'no network request at all',
  );
  await page.close();
});

t.test('/log: checkpoint, inclusion and consistency checked in the browser', async (t) => {
  for (const size of sizes) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    await page.goto(`${address}/log`);
    await page.locator('#tree-size').waitFor();
    t.match(await page.locator('#log-key-value').textContent(), logKey);
    const hint = (await page.locator('#inclusion-form .hint').textContent()) ?? '';
    t.match(
      hint,
      /leafHash of a POST \/v1\/entries or POST \/v1\/claims answer, on a claim’s certificate .*chain head .*SHA-256 of a 0x00 byte followed by the entry’s bytes/,
      'the hint says where a leaf hash is found (docs/api.md), or how to compute one',
    );
    t.notMatch(hint, /bundle/, 'and not a bundle, which holds none');
    await page.getByLabel('Leaf hash').fill(leaves[3]!);
    await page.locator('#inclusion-form button').click();
    await page.locator('#inclusion-result', { hasText: /./ }).waitFor();
    t.match(await page.locator('#inclusion-result').textContent(), /^Included/);
    await page.getByLabel('Leaf hash').fill(toBase64(new Uint8Array(32)));
    await page.locator('#inclusion-form button').click();
    await page.locator('#inclusion-result', { hasText: /^(?!Included)./ }).waitFor();
    t.match(await page.locator('#inclusion-result').textContent(), /not-found|not/i, 'an unknown leaf: the problem is shown');
    await page.locator('#from-size').fill(String(sizes12[0]));
    await page.locator('#consistency-form button').click();
    await page.locator('#consistency-result', { hasText: /./ }).waitFor();
    t.match(await page.locator('#consistency-result').textContent(), /^Consistent/, `from ${sizes12[0]} to the latest size`);
    await page.screenshot({ path: join(shots, `log-${size.name}.png`), fullPage: true });
    await page.close();
  }
});

t.test('each page loads without a console error or a failed request; its icon answers 200, /favicon.ico redirects to it', async (t) => {
  for (const path of ['/verify', '/tenant', '/generator', '/log']) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`);
    });
    await page.goto(`${address}${path}`, { waitUntil: 'networkidle' });
    t.same(problems, [], `${path}: no console error, no failed request`);
    const icons = await page.locator('link[rel="icon"]').evaluateAll((links) => links.map((l) => l.getAttribute('href')));
    t.same(icons, ['/favicon.svg'], `${path} names its icon`);
    const answer = await page.request.get(new URL('/favicon.svg', address).href);
    t.equal(answer.status(), 200, `${path}: its icon answers 200`);
    t.match(answer.headers()['content-type'], /^image\/svg\+xml/);
    await page.close();
  }
  const ico = await app.inject({ url: '/favicon.ico' });
  t.equal(ico.statusCode, 301, '/favicon.ico, asked for unprompted, is redirected to the icon, not a 404');
  t.equal(ico.headers.location, '/favicon.svg');
  const followed = await browser.newPage();
  const asked = await followed.request.get(`${address}/favicon.ico`);
  t.equal(asked.status(), 200, 'followed, as a browser does, it ends at the icon');
  t.match(asked.headers()['content-type'], /^image\/svg\+xml/);
  await followed.close();
  const svg = await app.inject({ url: '/favicon.svg' });
  t.match(svg.headers['content-security-policy'], /default-src 'none'/, 'the icon under a CSP that allows nothing');
  t.match(svg.body, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const standalone = (await app.inject({ url: '/verify.html' })).body;
  t.match(standalone, /<link rel="icon" type="image\/svg\+xml" href="data:image\/svg\+xml,/, 'verify.html, saved as a file, carries its icon');
});

t.test('assets: hashed names, cached for a year, same-origin CSP', async (t) => {
  const html = (await app.inject({ url: '/verify' })).body;
  const script = /src="(\/assets\/[^"]+)"/.exec(html)?.[1];
  t.ok(script, 'a hashed script');
  const asset = await app.inject({ url: script! });
  t.equal(asset.statusCode, 200);
  t.match(asset.headers['cache-control'], /max-age=31536000, immutable/);
  const missing = await app.inject({ url: '/assets/nothing-here.js' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'not-found');
});

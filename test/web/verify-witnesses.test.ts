/**
 * The Verify page's witness policy (docs/witnesses.md) in a real browser
 * (Debian's Chromium through playwright-core) against a real service whose
 * checkpoints two witnesses are asked to cosign: one real witness over HTTP,
 * one down. The page starts with the service's two witnesses and its quorum
 * (1): a claim bundle is VALID and its cosignature is listed with the
 * witness's name and time; with quorum 2 the same bundle is INVALID with
 * `too-few-cosignatures` in the verifier's own words. Saved as verify.html
 * and opened from file://, the fields start empty and the same policy typed
 * in gives the same verdicts. No request leaves the page while verifying.
 * Screenshots (desktop and 360 px) go to the folder test/web/pages.test.ts uses.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { generateSigner } from '../../src/crypto/note.ts';
import { bundleCodes } from '../../src/domain/bundle/verify-bundle.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { CheckpointWitnessing } from '../../src/ledger/witnessing.ts';
import { addZone, addDevice, addParticipant, auth, OPERATOR_TOKEN, ORIGIN, postEntries, signReading, startTestApp } from '../helpers/app.ts';
import { launchChromium, screenshotDir, waitForFilled } from '../helpers/browser.ts';
import { witnessPair } from '../helpers/witness-pair.ts';

const logSigner = generateSigner(ORIGIN);
const { upKey, upUrl, downKey, downUrl } = await witnessPair(t, logSigner, { up: 'witness.example/up', down: 'witness.example/down' });

const env = await startTestApp('pglite', {
  logSigner,
  witnesses: [
    { vkey: upKey, url: upUrl },
    { vkey: downKey, url: downUrl },
  ],
  witnessQuorum: 1,
});
t.teardown(env.close);
const { app } = env;
const witnessing = new CheckpointWitnessing(env.ledger);

await addZone(app);
const gen = await addParticipant(app, 'generator', 'windco');
const tenant = await addParticipant(app, 'tenant', 'steelco');
const wind = await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' });
const meter = await addDevice(app, { id: 'steel-meter', owner: tenant.id, type: 'consumption' });
let windPrev: string | undefined;
let meterPrev: string | undefined;
for (let seq = 0; seq < 6; seq++) {
  const start = new Date(Date.UTC(2024, 0, 1, seq)).toISOString().replace('.000Z', 'Z');
  const end = new Date(Date.UTC(2024, 0, 1, seq + 1)).toISOString().replace('.000Z', 'Z');
  const w = signReading(wind.signer, {
    device: 'wind-1',
    seq,
    ...(windPrev ? { prev: windPrev } : {}),
    start,
    end,
    importWh: '0',
    exportWh: String(700 + 50 * seq),
  });
  const m = signReading(meter.signer, { device: 'steel-meter', seq, ...(meterPrev ? { prev: meterPrev } : {}), start, end, importWh: '900', exportWh: '0' });
  windPrev = toBase64(hashLeaf(utf8(w)));
  meterPrev = toBase64(hashLeaf(utf8(m)));
  await postEntries(app, gen.token, [w]);
  await postEntries(app, tenant.token, [m]);
}
await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: '2024-01-01T06:00:00Z' } });
const claim = await app.inject({
  method: 'POST',
  url: '/v1/claims',
  headers: auth(tenant.token),
  payload: { period: { start: '2024-01-01T00:00:00Z', end: '2024-01-01T06:00:00Z' }, purpose: 'cbam', beneficiary: 'EU importer, lot 9' },
});
await publishCheckpoint(env.ledger);
await witnessing.poke();
await witnessing.idle();
const bundleText = (await app.inject({ url: `/v1/claims/${claim.json().id}/bundle`, headers: auth(tenant.token) })).body;
const address = await app.listen({ port: 0, host: '127.0.0.1' });
const logKey = env.ledger.logVerifier.vkey;

const work = join(process.env.TMPDIR ?? tmpdir(), `gridproof-web-witness-${process.pid}`);
mkdirSync(work, { recursive: true });
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const bundleFile = join(work, 'bundle.json');
writeFileSync(bundleFile, bundleText);

const shots = screenshotDir();
console.log(`# screenshots in ${shots}`);
const browser = await launchChromium();
t.teardown(() => browser.close());

t.test('the bundle the service made carries a checkpoint cosigned by the live witness only', async (t) => {
  const bundle = JSON.parse(bundleText) as { witnessed: boolean; checkpoint: string };
  t.equal(bundle.witnessed, true);
  t.match(bundle.checkpoint, /\n— witness\.example\/up /, 'the live witness cosigned');
  t.notMatch(bundle.checkpoint, /witness\.example\/down/, 'the down one did not');
});

async function verdictAfter(page: Page, action: () => Promise<void>): Promise<string> {
  await page.locator('#verdict').evaluate((node) => {
    node.textContent = '';
  });
  await action();
  await page.locator('#verdict', { hasText: /^(VALID|INVALID)/ }).waitFor();
  return (await page.getByRole('status').first().textContent())!;
}

const COSIGNED_AT = /witness\.example\/up cosigned at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/;

t.test('served: the service witnesses prefilled; quorum 1 VALID, quorum 2 INVALID with its code', async (t) => {
  for (const size of [
    { name: 'desktop', width: 1280, height: 900 },
    { name: '360px', width: 360, height: 780 },
  ]) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${address}/verify`);
    await waitForFilled(page, ['#log-key', '#witness-keys']);
    t.equal(await page.getByLabel(/witnesses you trust/i).inputValue(), `${upKey}\n${downKey}`, `${size.name}: both of the service's witnesses`);
    t.equal(await page.getByLabel(/quorum/i).inputValue(), '1', "and the service's quorum");
    t.match(await page.locator('#witness-note').textContent(), /this service/);
    await page.screenshot({ path: join(shots, `verify-witnesses-form-${size.name}.png`), fullPage: true });
    await page.locator('#witness-policy').screenshot({ path: join(shots, `verify-witnesses-fields-${size.name}.png`) });
    const before = requests.length;

    const one = await verdictAfter(page, () => page.setInputFiles('#bundle-file', bundleFile));
    t.match(one, /^VALID/, `${size.name}: quorum 1 of 2, one cosigning: VALID`);
    t.match(await page.locator('#witness-summary').textContent(), '1 of 2 trusted witnesses validly cosigned the checkpoint; 1 required: the quorum is met');
    t.match(await page.locator('#cosignatures').textContent(), COSIGNED_AT, 'the cosignature with its witness and time');
    t.equal(await page.locator('#cosignatures li').count(), 1, 'one cosignature listed');
    t.match(await page.locator('#cosignatures time').getAttribute('datetime'), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    await page.screenshot({ path: join(shots, `verify-witnesses-quorum1-${size.name}.png`), fullPage: true });
    await page.locator('#witnesses').screenshot({ path: join(shots, `verify-witnesses-quorum1-section-${size.name}.png`) });

    await page.getByLabel(/quorum/i).fill('2');
    const two = await verdictAfter(page, () => page.getByRole('button', { name: 'Verify' }).click());
    t.match(two, /^INVALID/, `${size.name}: quorum 2: INVALID`);
    const reasons = (await page.locator('.reasons').textContent())!;
    t.match(reasons, 'too-few-cosignatures', 'the policy code');
    t.match(reasons, bundleCodes['too-few-cosignatures'], 'in its own words');
    t.match(reasons, '1 valid cosignature(s) by trusted witnesses, 2 required', "and the policy's detail");
    t.equal(await page.locator('.reasons li').count(), 1, 'the only reason');
    t.match(await page.locator('#witness-summary').textContent(), '2 required: too few');
    t.match(await page.locator('#cosignatures').textContent(), COSIGNED_AT, 'the cosignature that is there is still shown');
    await page.screenshot({ path: join(shots, `verify-witnesses-quorum2-${size.name}.png`), fullPage: true });
    await page.locator('.reasons').screenshot({ path: join(shots, `verify-witnesses-quorum2-reasons-${size.name}.png`) });
    await page.locator('#witnesses').screenshot({ path: join(shots, `verify-witnesses-quorum2-section-${size.name}.png`) });

    // The policy is the user's to change: no witnesses, no witness check.
    await page.getByLabel(/witnesses you trust/i).fill('');
    await page.getByLabel(/quorum/i).fill('');
    t.match(await verdictAfter(page, () => page.getByRole('button', { name: 'Verify' }).click()), /^VALID/, 'without a policy: VALID');
    t.match(await page.locator('#witness-summary').textContent(), /No witness policy given/);
    t.equal(requests.length, before, 'no request left the page while verifying');
    await page.close();
  }
});

t.test('an unusable policy is refused with the code the verifier uses', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${address}/verify`);
  await waitForFilled(page, ['#witness-keys']);
  await page.setInputFiles('#bundle-file', bundleFile);
  await page.locator('#verdict', { hasText: /^VALID/ }).waitFor();
  await page.getByLabel(/quorum/i).fill('3');
  t.match(
    await verdictAfter(page, () => page.getByRole('button', { name: 'Verify' }).click()),
    /^INVALID: the witness policy is not usable \(bad-request\): the quorum is 1 to 2/,
  );
  await page.getByLabel(/witnesses you trust/i).fill(logKey);
  await page.getByLabel(/quorum/i).fill('');
  t.match(
    await verdictAfter(page, () => page.getByRole('button', { name: 'Verify' }).click()),
    /^INVALID: the witness policy is not usable \(bad-verifier-key\)/,
    'a log key is not a witness key',
  );
  await page.close();
});

t.test('verify.html from file://: the fields start empty; the typed policy gives the same verdicts', async (t) => {
  const file = join(work, 'verify.html');
  writeFileSync(file, (await app.inject({ url: '/verify.html' })).body);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  t.equal(await page.getByLabel(/witnesses you trust/i).inputValue(), '', 'no service to ask');
  await page.getByLabel('Log key (the public key you trust for this log)').fill(logKey);
  await page.getByLabel(/witnesses you trust/i).fill(`${upKey}\n${downKey}`);
  await page.getByLabel(/quorum/i).fill('1');
  t.match(await verdictAfter(page, () => page.setInputFiles('#bundle-file', bundleFile)), /^VALID/);
  t.match(await page.locator('#cosignatures').textContent(), COSIGNED_AT);
  await page.getByLabel(/quorum/i).fill('');
  t.match(await verdictAfter(page, () => page.getByRole('button', { name: 'Verify' }).click()), /^INVALID/, 'quorum empty: all of them, and one is down');
  t.match(await page.locator('.reasons').textContent(), 'too-few-cosignatures');
  await page.screenshot({ path: join(shots, 'verify-witnesses-html-file-desktop.png'), fullPage: true });
  t.same(
    requests.filter((u) => !u.startsWith('file:')),
    [],
    'no network request at all',
  );
  await page.close();
});

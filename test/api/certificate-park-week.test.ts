/**
 * Certificates and exports of real claims (docs/exports.md): the first week
 * of 2019 of German wind, solar and load (test/fixtures/park-week) scaled to
 * a park with a battery, matched, and claimed twice by one tenant. The
 * certificate is printed to PDF by Debian's headless Chromium and read back
 * with pdftotext; the EnergyTag records are validated with ajv (JSON Schema
 * 2020-12) against schemas/energytag-gc-api-v2; the CLI makes the same bytes
 * from the bundle alone, and refuses a bundle with one changed byte.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import t from 'tap';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { testBackends } from '../helpers/database.ts';
import { signChain, addDevice, addParticipant, auth, OPERATOR_TOKEN, postEntries, startTestApp } from '../helpers/app.ts';
import { groupDigits } from '../../src/domain/count.ts';
import { percent } from '../../src/domain/certificate/figures.ts';

const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const rows = readFileSync(new URL('../fixtures/park-week/de-2019-week1.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [ts, , , wind, solar, load] = line.split(',');
    return { start: Date.parse(ts!), wind: Number(wind), solar: Number(solar), load: Number(load) };
  });
const FROM = rows[0]!.start;
const TO = FROM + rows.length * H;
const peak = (f: (r: (typeof rows)[number]) => number) => Math.max(...rows.map(f));
const scale = (v: number, max: number, peakWh: number) => Math.floor((v * peakWh) / max);
const windWh = rows.map((r) =>
  scale(
    r.wind,
    peak((x) => x.wind),
    9_000_000,
  ),
);
const solarWh = rows.map((r) =>
  scale(
    r.solar,
    peak((x) => x.solar),
    4_000_000,
  ),
);
const loadWh = rows.map((r) =>
  scale(
    r.load,
    peak((x) => x.load),
    8_000_000,
  ),
);
// The battery charges the surplus and gives it back in the next deficit, within 4 MWh an hour at 90 %.
const battery = { importWh: rows.map(() => 0), exportWh: rows.map(() => 0) };
let held = 0;
rows.forEach((_, h) => {
  const surplus = windWh[h]! + solarWh[h]! - loadWh[h]!;
  if (surplus > 0) {
    battery.importWh[h] = Math.min(surplus, 4_000_000);
    held += Math.floor((battery.importWh[h]! * 9000) / 10000);
  } else {
    battery.exportWh[h] = Math.min(-surplus, 4_000_000, held);
    held -= battery.exportWh[h]!;
  }
});

const BIN = new URL('../../bin/gridproof.js', import.meta.url).pathname;
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

function gcSchemas() {
  const doc = JSON.parse(readFileSync(new URL('../../schemas/energytag-gc-api-v2/schemas.json', import.meta.url), 'utf8'));
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const compile = (name: string) => {
    const schema = structuredClone(doc.components.schemas[name]);
    // The two quirks of the published schemas (schemas/energytag-gc-api-v2/PROVENANCE.md).
    schema.required = [...new Set(schema.required as string[])];
    for (const p of Object.values(schema.properties) as Array<Record<string, unknown>>) {
      if (Array.isArray(p.items)) {
        p.prefixItems = p.items;
        delete p.items;
      }
    }
    return ajv.compile(schema);
  };
  return {
    bundle: compile('GranularCertificateBundle'),
    cancel: compile('GranularCertificateCancellation'),
    scr: compile('StorageChargeRecord'),
    sdr: compile('StorageDischargeRecord'),
  };
}

const [backend] = await testBackends();
t.test(`${backend}: certificates and exports of a real week`, async (t) => {
  const env = await startTestApp(backend!);
  t.teardown(env.close);
  const { app } = env;
  await app.inject({
    method: 'POST',
    url: '/v1/zones',
    headers: auth(OPERATOR_TOKEN),
    payload: { zone: 'DE-LU', gCO2PerKWh: 350, validFrom: '2018-01-01T00:00:00Z' },
  });
  const parkco = await addParticipant(app, 'generator', 'parkco');
  const steel = await addParticipant(app, 'tenant', 'steelco');
  const devices = [
    { id: 'wind-farm', owner: parkco, type: 'wind' as const, importWh: rows.map(() => 0), exportWh: windWh },
    { id: 'solar-field', owner: parkco, type: 'solar' as const, importWh: rows.map(() => 0), exportWh: solarWh },
    { id: 'battery', owner: parkco, type: 'storage' as const, ...battery },
    { id: 'steel-meter', owner: steel, type: 'consumption' as const, importWh: loadWh, exportWh: rows.map(() => 0) },
  ];
  for (const d of devices) {
    const key = await addDevice(app, { id: d.id, owner: d.owner.id, type: d.type, capacityW: 20_000_000 });
    const notes = signChain(
      key.signer,
      d.id,
      rows.map((r, h) => ({ start: iso(r.start), end: iso(r.start + H), importWh: String(d.importWh[h]), exportWh: String(d.exportWh[h]) })),
    );
    t.equal((await postEntries(app, d.owner.token, notes)).statusCode, 200);
  }
  t.equal((await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: iso(TO) } })).statusCode, 200);
  const period = { start: iso(FROM), end: iso(TO) };
  const claim = async (purpose: string, maxWh?: string) => {
    const r = await app.inject({
      method: 'POST',
      url: '/v1/claims',
      headers: auth(steel.token),
      payload: { period, purpose, beneficiary: 'Steelco Export GmbH', ...(maxWh ? { maxWh } : {}) },
    });
    t.equal(r.statusCode, 201, r.body);
    return r.json() as { id: string; wh: string };
  };
  const first = await claim('cbam', '150000000');
  const second = await claim('scope2');

  const dir = mkdtempSync(join(tmpdir(), 'gridproof-cert-'));
  const bundleText = (await app.inject({ url: `/v1/claims/${first.id}/bundle`, headers: auth(steel.token) })).body;
  writeFileSync(join(dir, 'bundle.json'), bundleText);
  const verified = (await app.inject({ method: 'POST', url: '/v1/verify', payload: JSON.parse(bundleText) })).json();
  t.equal(verified.valid, true);
  const facts = verified.facts;
  t.equal(facts.claim.wh, first.wh);
  t.ok(facts.discharges.length > 0, 'the battery delivers to the claim period');
  t.ok(facts.cbam, 'a cbam claim carries the CBAM view');
  const logKey = env.ledger.logVerifier.vkey;

  await t.test('the certificate, printed by Chromium, shows the statement’s figures', async (t) => {
    const page = await app.inject({ url: `/v1/claims/${first.id}/certificate`, headers: auth(steel.token) });
    t.equal(page.statusCode, 200);
    t.match(page.headers['content-type'], /^text\/html/);
    t.notMatch(page.body, /(src|href)=|url\(|<script/i, 'self-contained: no reference to anything outside the page');
    const offline = cli(['certificate', join(dir, 'bundle.json'), '--key', logKey]);
    t.equal(offline.status, 0, offline.stderr);
    t.equal(offline.stdout, page.body, 'the CLI makes the same page from the bundle alone');
    writeFileSync(join(dir, 'cert.html'), page.body);
    execFileSync(
      '/usr/bin/chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--print-to-pdf=${join(dir, 'cert.pdf')}`, `file://${join(dir, 'cert.html')}`],
      { stdio: 'ignore', timeout: 120_000 },
    );
    if (process.env.GRIDPROOF_CERT_PNG)
      execFileSync(
        '/usr/bin/chromium',
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--window-size=900,1300',
          `--screenshot=${process.env.GRIDPROOF_CERT_PNG}`,
          `file://${join(dir, 'cert.html')}`,
        ],
        { stdio: 'ignore' },
      );
    const pages = execFileSync('pdfinfo', [join(dir, 'cert.pdf')], { encoding: 'utf8' });
    t.match(pages, /Pages:\s+1\n/, 'one A4 page');
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'cert.pdf'), '-'], { encoding: 'utf8' });
    const flat = text.replace(/\s+/g, '');
    for (const [what, figure] of [
      ['claimed', facts.claim.wh],
      ['consumed', facts.consumedWh],
      ['matched', facts.matchedWh],
      ['CBAM grid Wh', facts.cbam.totals.gridWh],
      ['CBAM direct', facts.cbam.totals.directTechnicalLinkWh],
    ]) {
      t.ok(text.includes(`${groupDigits(figure)} Wh`), `${what}: ${groupDigits(figure)} Wh`);
    }
    t.ok(text.includes(percent(facts.cfeScore)), `the CFE score as the pages write it: ${percent(facts.cfeScore)}`);
    t.ok(text.includes(facts.claim.id) && text.includes('Steelco Export GmbH') && text.includes('cbam'));
    t.ok(flat.includes(createHash('sha256').update(bundleText).digest('hex')), 'the bundle SHA-256');
    t.ok(flat.includes(facts.checkpoint.rootHash) && text.includes(`${facts.checkpoint.size} entries`), 'the checkpoint');
    for (const d of facts.devices) t.ok(text.includes(d.id) && text.includes(d.eecsTechnology), `source ${d.id}`);
  });

  await t.test('a bundle with one changed byte gets no certificate and no export', async (t) => {
    const at = bundleText.indexOf('"importWh\\":\\"') + 14;
    const changed = bundleText.slice(0, at) + (bundleText[at] === '1' ? '2' : '1') + bundleText.slice(at + 1);
    t.not(changed, bundleText);
    writeFileSync(join(dir, 'changed.json'), changed);
    const cert = cli(['certificate', join(dir, 'changed.json'), '--key', logKey]);
    t.equal(cert.status, 1);
    t.equal(cert.stdout, '');
    t.match(cert.stderr, /unverified-bundle/);
    for (const format of ['energytag', 'eecs']) {
      const out = cli(['export', join(dir, 'changed.json'), '--key', logKey, '--format', format]);
      t.equal(out.status, 1, format);
      t.equal(out.stdout, '');
    }
  });

  await t.test('exports: valid records, Σ face values = claim, ids never overlap, same bytes twice', async (t) => {
    const schemas = gcSchemas();
    const ranges = new Map<string, Array<[number, number, string]>>();
    for (const c of [first, second]) {
      const url = `/v1/claims/${c.id}/export?format=energytag`;
      const one = await app.inject({ url, headers: auth(steel.token) });
      const two = await app.inject({ url, headers: auth(OPERATOR_TOKEN) });
      t.equal(one.statusCode, 200);
      t.equal(one.body, two.body, 'exported twice, identical bytes');
      const doc = JSON.parse(one.body);
      let faces = 0;
      for (const b of doc.granularCertificateBundles) {
        if (!schemas.bundle(b)) t.fail(JSON.stringify(schemas.bundle.errors));
        t.equal(b.bundle_quantity, b.certificate_bundle_id_range_end - b.certificate_bundle_id_range_start + 1);
        faces += b.bundle_quantity * b.face_value;
        const list = ranges.get(b.device_name) ?? [];
        list.push([b.certificate_bundle_id_range_start, b.certificate_bundle_id_range_end, c.id]);
        ranges.set(b.device_name, list);
      }
      t.equal(String(faces), c.wh, `${c.id}: Σ face values = the claim's Wh`);
      for (const r of doc.storageChargeRecords) if (!schemas.scr(r)) t.fail(JSON.stringify(schemas.scr.errors));
      for (const r of doc.storageDischargeRecords) if (!schemas.sdr(r)) t.fail(JSON.stringify(schemas.sdr.errors));
      t.equal(doc.storageChargeRecords.length, doc.storageDischargeRecords.length, 'SCR and SDR in pairs');
      t.ok(schemas.cancel(doc.cancellation), 'the cancellation is valid');
      t.equal(doc.cancellation.beneficiary, 'Steelco Export GmbH');
      t.equal(String(doc.cancellation.certificate_quantity), c.wh);
      const eecs = await app.inject({ url: `/v1/claims/${c.id}/export?format=eecs`, headers: auth(steel.token) });
      const e = JSON.parse(eecs.body);
      t.equal(String(e.certificates.reduce((s: number, x: { faceValueWh: number }) => s + x.faceValueWh, 0)), c.wh, 'EECS face values add up too');
      t.equal(e.cancellation.countryOfConsumption, 'DE');
    }
    t.ok(ranges.get('battery')?.length, 'the battery has GC bundles');
    for (const [device, list] of ranges) {
      const sorted = [...list].sort((a, b) => a[0] - b[0]);
      sorted.slice(1).forEach((r, i) => {
        if (r[0] <= sorted[i]![1]) t.fail(`${device}: ${JSON.stringify(sorted[i])} and ${JSON.stringify(r)} overlap`);
      });
      t.ok(new Set(list.map((r) => r[2])).size >= 1);
    }
    t.ok(
      [...ranges.values()].some((list) => new Set(list.map((r) => r[2])).size === 2),
      'a device has GC bundles in both claims',
    );
    const offline = cli(['export', join(dir, 'bundle.json'), '--key', logKey, '--format', 'energytag']);
    t.equal(
      offline.stdout,
      (await app.inject({ url: `/v1/claims/${first.id}/export?format=energytag`, headers: auth(steel.token) })).body,
      'the CLI makes the same bytes',
    );
    const bad = await app.inject({ url: `/v1/claims/${first.id}/export?format=pdf`, headers: auth(steel.token) });
    t.equal(bad.statusCode, 400);
    t.equal(bad.json().code, 'schema-violation');
    const stranger = await addParticipant(app, 'tenant', 'stranger');
    const refused = await app.inject({ url: `/v1/claims/${first.id}/certificate`, headers: auth(stranger.token) });
    t.equal(refused.statusCode, 403);
  });
});

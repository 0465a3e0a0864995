/**
 * The proof-bundle benchmark (docs/design.md §6): a month
 * of hourly data for one tenant with three sources — a wind farm, a solar
 * field and a battery — on PostgreSQL in a fresh database. The shapes are the
 * first week of 2019 of German wind, solar and load
 * (test/fixtures/park-week) repeated over 30 days; the battery charges from
 * the surplus and discharges into the deficit, so the tenant's bundle carries
 * the settlements holding discharges and their draws, the earlier settlements
 * holding the charges, and the generation behind them. Readings go in through
 * the real intake, are matched with runMatching (one settlement per hour,
 * holding every allocation of it), and the tenant claims the month (makeClaim).
 *
 * Measured: buildClaimBundle (the first call also publishes a checkpoint;
 * the second does not), verifyBundle with Node's native Ed25519 and with the
 * default noble one, GET /v1/claims/:id/bundle over app.inject, the bundle's
 * size as JSON and gzipped, its entry count. Checks that every bundle
 * verifies and claims.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import type { Signer } from '../../src/crypto/note.ts';
import { batchOf, nobleVerify, type BatchVerifyFn, type VerifyFn } from '../../src/crypto/ed25519.ts';
import { verifyBundle, type Bundle } from '../../src/domain/bundle/verify-bundle.ts';
import { findClaim } from '../../src/db/tenants.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import type { ReadingPayload, Role } from '../../src/domain/payloads.ts';
import { buildClaimBundle } from '../../src/ledger/bundle.ts';
import { makeClaim } from '../../src/ledger/claims.ts';
import { runMatching } from '../../src/ledger/matching/run.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, ORIGIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { note, onCleanup, scaled, SCALE, type Row, type Section } from './lib.ts';

export const H = 3_600_000;
export const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The fixture week: national wind, solar and load per hour (MWh), repeated as needed. */
interface WeekRow {
  wind: number;
  solar: number;
  load: number;
}
export const WEEK: WeekRow[] = readFileSync(new URL('../fixtures/park-week/de-2019-week1.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [, , , wind, solar, load] = line.split(',');
    return { wind: Number(wind), solar: Number(solar), load: Number(load) };
  });
const peak = (f: (r: WeekRow) => number) => Math.max(...WEEK.map(f));
const PEAK = { wind: peak((r) => r.wind), solar: peak((r) => r.solar), load: peak((r) => r.load) };
/** Hour h of the repeated week, scaled so that the week's peak is `peakWh`. */
export const shape = (kind: keyof WeekRow, h: number, peakWh: number): number => Math.floor((WEEK[h % WEEK.length]![kind] * peakWh) / PEAK[kind]);

export interface Series {
  id: string;
  type: 'wind' | 'solar' | 'storage' | 'consumption';
  owner: string;
  capacityW: number;
  importWh: (h: number) => number;
  exportWh: (h: number) => number;
}

/**
 * Signs (native Ed25519, outside any timing the caller reports) and submits
 * hours [from, to) of a device through the intake, 1000 per batch; throws
 * on any rejected reading. Returns the submit time in ms.
 */
export async function submitReadings(
  env: TestApp,
  chain: { series: Series; key: { signer: Signer }; prev?: string; role: Role },
  start: number,
  from: number,
  to: number,
): Promise<number> {
  let submitMs = 0;
  for (let lo = from; lo < to; lo += 1000) {
    const notes: string[] = [];
    for (let h = lo; h < Math.min(to, lo + 1000); h++) {
      const payload: ReadingPayload = {
        kind: 'reading',
        log: ORIGIN,
        quality: 'measured',
        device: chain.series.id,
        seq: h,
        ...(chain.prev ? { prev: chain.prev } : {}),
        start: iso(start + h * H),
        end: iso(start + (h + 1) * H),
        importWh: String(chain.series.importWh(h)),
        exportWh: String(chain.series.exportWh(h)),
      };
      const sealed = sealEntry(payload, chain.key.signer, nativeSign);
      chain.prev = toBase64(hashLeaf(utf8(sealed)));
      notes.push(sealed);
    }
    const t0 = performance.now();
    const results = await env.intake.submit({ id: chain.series.owner, role: chain.role }, notes);
    submitMs += performance.now() - t0;
    const failed = results.filter((r) => 'error' in r);
    if (failed.length > 0) throw new Error(`${chain.series.id}: ${failed.length} readings rejected, first ${JSON.stringify(failed[0])}`);
  }
  return submitMs;
}

/** A fresh PostgreSQL database with the whole service, closed and dropped at cleanup. */
export async function freshApp(): Promise<TestApp> {
  const env = await startTestApp('postgres');
  onCleanup(env.close);
  return env;
}

const START = Date.parse('2023-01-01T00:00:00Z');
const BATTERY = { capacityWh: 8_000_000, powerWh: 4_000_000, efficiencyBp: 9000 };

/** The reference park: wind 12 MWh and solar 6 MWh at their peaks, a tenant following the load at 10 MWh, an 8 MWh / 4 MW battery at 90 %. */
function referencePark(hours: number): Series[] {
  const wind = (h: number) => shape('wind', h, 12_000_000);
  const solar = (h: number) => shape('solar', h, 6_000_000);
  const load = (h: number) => shape('load', h, 10_000_000);
  // The battery's own dispatch: charge the surplus, discharge into the deficit, within power and energy.
  const charge: number[] = [];
  const discharge: number[] = [];
  let held = 0;
  for (let h = 0; h < hours; h++) {
    const surplus = wind(h) + solar(h) - load(h);
    if (surplus > 0) {
      const c = Math.min(surplus, BATTERY.powerWh, Math.floor(((BATTERY.capacityWh - held) * 10000) / BATTERY.efficiencyBp));
      charge.push(c);
      discharge.push(0);
      held += Math.floor((c * BATTERY.efficiencyBp) / 10000);
    } else {
      const d = Math.min(-surplus, BATTERY.powerWh, held);
      charge.push(0);
      discharge.push(d);
      held -= d;
    }
  }
  const zero = () => 0;
  return [
    { id: 'wind-farm', type: 'wind', owner: 'parkco', capacityW: 20_000_000, importWh: zero, exportWh: wind },
    { id: 'solar-field', type: 'solar', owner: 'parkco', capacityW: 10_000_000, importWh: zero, exportWh: solar },
    { id: 'battery', type: 'storage', owner: 'parkco', capacityW: BATTERY.powerWh, importWh: (h) => charge[h]!, exportWh: (h) => discharge[h]! },
    { id: 'tenant-meter', type: 'consumption', owner: 'tenantco', capacityW: 20_000_000, importWh: load, exportWh: zero },
  ];
}

const ms = (value: number) => ({ value, unit: 'ms' });

export async function benchBundle(): Promise<Section> {
  // The reference is a month; BENCH_SCALE < 1 shortens it (at least 2 days), > 1 does not lengthen it.
  const hours = Math.min(30 * 24, scaled(30 * 24, 48, 24));
  const env = await freshApp();
  const { app, ledger } = env;
  await app.inject({
    method: 'POST',
    url: '/v1/zones',
    headers: auth(OPERATOR_TOKEN),
    payload: { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2018-01-01T00:00:00Z' },
  });
  const parkco = await addParticipant(app, 'generator', 'parkco');
  const tenant = await addParticipant(app, 'tenant', 'tenantco');
  const park = referencePark(hours);
  note(`bundle: loading ${park.length} devices × ${hours} hours`);
  for (const series of park) {
    const key = await addDevice(app, {
      id: series.id,
      owner: series.owner,
      type: series.type,
      capacityW: series.capacityW,
      ...(series.type === 'storage' ? { energyCapacityWh: String(BATTERY.capacityWh), efficiencyBp: BATTERY.efficiencyBp } : {}),
    });
    await submitReadings(env, { series, key, role: series.owner === parkco.id ? 'generator' : 'tenant' }, START, 0, hours);
  }
  const summary = await runMatching(ledger, START + hours * H);
  if (summary.intervals !== hours) throw new Error(`matched ${summary.intervals} of ${hours} intervals`);
  const claim = await makeClaim(ledger, tenant.id, {
    period: { start: iso(START), end: iso(START + hours * H) },
    purpose: 'scope2',
    beneficiary: 'EU importer GmbH',
  });
  note(`bundle: ${summary.allocations} allocations, ${summary.settlements} settlements; claim ${claim.id} of ${claim.wh} Wh`);

  // Build: the first call publishes a checkpoint covering the claim, later calls reuse it.
  const buildMs: number[] = [];
  let bundle: Bundle | undefined;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    // The route's work: look the claim up, then build (findClaim is inside the timing, as it was inside buildClaimBundle before).
    const row = await findClaim(ledger.db, claim.id);
    if (!row) throw new Error(`no claim ${claim.id}`);
    bundle = await buildClaimBundle(ledger, row);
    buildMs.push(performance.now() - t0);
  }
  const json = JSON.stringify(bundle);
  const parsed = JSON.parse(json) as unknown;
  const logKey = ledger.logVerifier.vkey;
  // For profiling the verifier alone: BENCH_BUNDLE_OUT=/tmp/ref writes ref.json and ref.key.
  if (process.env.BENCH_BUNDLE_OUT) {
    writeFileSync(`${process.env.BENCH_BUNDLE_OUT}.json`, json);
    writeFileSync(`${process.env.BENCH_BUNDLE_OUT}.key`, logKey);
  }

  const verifyWith = async (options: { verify?: VerifyFn; verifyBatch?: BatchVerifyFn }, runs: number) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const verdict = await verifyBundle(parsed, { logKey, ...options });
      times.push(performance.now() - t0);
      if (!verdict.valid || !verdict.claimed) throw new Error(`the reference bundle does not verify: ${JSON.stringify(verdict.reasons.slice(0, 3))}`);
    }
    return times;
  };
  const nativeMs = await verifyWith({ verify: nativeVerify }, 5);
  const nobleMs = await verifyWith({ verifyBatch: batchOf(nobleVerify) }, 3);
  const parseMs = (() => {
    const t0 = performance.now();
    JSON.parse(json);
    return performance.now() - t0;
  })();

  // Over HTTP: build, serialise and send (app.inject, no socket).
  const httpMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const response = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/bundle`, headers: auth(tenant.token) });
    httpMs.push(performance.now() - t0);
    if (response.statusCode !== 200) throw new Error(`GET bundle: ${response.statusCode} ${response.body.slice(0, 200)}`);
    if (response.body !== json) {
      const verdict = await verifyBundle(JSON.parse(response.body), { logKey, verify: nativeVerify });
      if (!verdict.valid) throw new Error('the bundle served over HTTP does not verify');
    }
  }

  const entries = bundle!.entries;
  const kinds = new Map<string, number>();
  for (const entry of entries) {
    const kind = /"kind":"([a-z-]+)"/.exec(entry.bytes)?.[1] ?? '?';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const proofHashes = entries.reduce((s, e) => s + e.proof.length, 0);
  const distinctHashes = new Set(entries.flatMap((e) => e.proof)).size;
  const bytesOfEntries = entries.reduce((s, e) => s + utf8(e.bytes).length, 0);
  const bytes = utf8(json).length;
  const gz = gzipSync(json).length;
  const min = (values: number[]) => Math.min(...values);
  const med = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const logSize = Number(/\n(\d+)\n/.exec(bundle!.checkpoint)?.[1] ?? 0);

  const rows: Row[] = [
    { figure: 'build, first call (publishes a checkpoint)', ...ms(buildMs[0]!), goal: { kind: 'at-most', value: 500, unit: 'ms' }, summary: true },
    {
      figure: 'build, second call',
      ...ms(buildMs[1]!),
      detail: `median of calls 2–5 ${med(buildMs.slice(1)).toFixed(0)} ms`,
      goal: { kind: 'at-most', value: 500, unit: 'ms' },
      summary: true,
    },
    {
      figure: 'verify, native Ed25519',
      ...ms(min(nativeMs)),
      detail: `first ${nativeMs[0]!.toFixed(0)} ms, min of ${nativeMs.length}`,
      goal: { kind: 'at-most', value: 1000, unit: 'ms' },
      summary: true,
    },
    {
      figure: 'verify, noble Ed25519 (default; browser/CLI)',
      ...ms(min(nobleMs)),
      detail: `first ${nobleMs[0]!.toFixed(0)} ms, min of ${nobleMs.length}`,
      summary: true,
    },
    { figure: 'JSON.parse of the bundle', ...ms(parseMs) },
    {
      figure: 'GET /v1/claims/:id/bundle (app.inject)',
      ...ms(med(httpMs)),
      detail: `median of ${httpMs.length}: ${httpMs.map((x) => x.toFixed(0)).join(', ')} ms`,
      summary: true,
    },
    { figure: 'bundle size, JSON', value: bytes / 1024, unit: 'KiB', detail: `${bytes} bytes`, summary: true },
    { figure: 'bundle size, gzipped', value: gz / 1024, unit: 'KiB', detail: `${gz} bytes`, summary: true },
    { figure: 'entries in the bundle', value: entries.length, unit: 'entries', detail: [...kinds].map(([k, n]) => `${n} ${k}`).join(', '), summary: true },
    { figure: 'entry bytes (notes)', value: bytesOfEntries / 1024, unit: 'KiB' },
    {
      figure: 'proof hashes',
      value: proofHashes,
      unit: 'hashes',
      detail: `${distinctHashes} distinct; ${((proofHashes * 47) / 1024).toFixed(0)} KiB as quoted base64`,
    },
  ];
  return {
    title: `bundle: the reference bundle, ${hours} h × wind + solar + battery → one tenant, one claim, PostgreSQL`,
    rows,
    notes: [
      `log of ${logSize} entries at the bundle's checkpoint; matching wrote ${summary.allocations} allocations and ${summary.settlements} settlements; claim of ${claim.wh} Wh`,
      `build times of 5 calls: ${buildMs.map((x) => x.toFixed(0)).join(', ')} ms; native verify: ${nativeMs.map((x) => x.toFixed(0)).join(', ')} ms; noble: ${nobleMs.map((x) => x.toFixed(0)).join(', ')} ms`,
      ...(SCALE < 1 ? [`BENCH_SCALE=${SCALE}: ${hours} hours instead of 720`] : []),
    ],
  };
}

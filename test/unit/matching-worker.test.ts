/**
 * Matching's planning on the shared CPU pool (ledger/cpu-pool.ts planOnPool,
 * the 'plan-window' job of cpu-jobs.ts): a plan made on a worker is the plan
 * made on this thread, and a GridproofError thrown while a window is planned
 * reaches the caller on the main thread as a GridproofError with the same
 * code, and the worker goes on planning.
 *
 * planOnPool is driven directly with crafted rows. Through the service no
 * planning refusal can be reached: what prepareInterval refuses is already
 * impossible in the database a window's rows are read from (one reading per
 * device and interval start, Wh and efficiencies within their checks, a
 * storage device always has its energy capacity and efficiency, entry leaf
 * hashes unique, only lots that hold something), and checkIntervalSettlement re-checks
 * what planInterval produced, which it does not refuse.
 */
import t, { type Test } from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { generateSigner } from '../../src/crypto/note.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { GridproofError, isGridproofError } from '../../src/errors.ts';
import { planOnPool } from '../../src/ledger/cpu-pool.ts';
import { planWindowRows, type PlannedWindow, type WindowRows } from '../../src/ledger/matching/plan.ts';
import { nativeSign } from '../../src/platform/node-ed25519.ts';
import { errorCode } from '../helpers/error-code.ts';

const LOG = 'worker.example/gridproof';
const signer = generateSigner(`${LOG}/operator`);
const START = new Date('2024-01-01T00:00:00Z');

interface Reading {
  entryIdx: number;
  device: string;
  importWh: number;
  exportWh: number;
}

const wind: Reading = { entryIdx: 10, device: 'wind-1', importWh: 0, exportWh: 1000 };
const meter: Reading = { entryIdx: 11, device: 'meter-1', importWh: 600, exportWh: 0 };
const battery: Reading = { entryIdx: 12, device: 'battery-1', importWh: 500, exportWh: 0 };

/**
 * One interval's rows, built afresh on every call: planOnPool hands the
 * reading columns over to the worker, which leaves the caller's detached.
 */
function windowRows(readings: readonly Reading[], over: Partial<Omit<WindowRows, 'readings'>> = {}): WindowRows {
  const leafHashes = new Uint8Array(32 * readings.length);
  readings.forEach((r, i) => leafHashes.set(sha256(utf8(`reading ${r.entryIdx}`)), 32 * i));
  return {
    log: LOG,
    zone: 'DE-LU',
    intervalSeconds: 3600,
    starts: [START],
    readings: {
      entryIdx: Float64Array.from(readings, (r) => r.entryIdx),
      startMs: Float64Array.from(readings, () => START.getTime()),
      importWh: Float64Array.from(readings, (r) => r.importWh),
      exportWh: Float64Array.from(readings, (r) => r.exportWh),
      leafHashes,
      device: readings.map((r) => r.device),
    },
    devices: [
      { id: 'wind-1', type: 'wind', owner: 'windco' },
      { id: 'meter-1', type: 'consumption', owner: 'factory' },
      { id: 'battery-1', type: 'storage', owner: 'windco' },
    ],
    contracts: [],
    storage: [{ device: 'battery-1', efficiencyBp: 9000, energyCapacityWh: 20_000n }],
    lotsBefore: [],
    ...over,
  };
}

/** A plan with its byte arrays as base64, so plans from either thread compare. */
const comparable = (plan: PlannedWindow) => ({
  ...plan,
  settlements: plan.settlements.map((s) => ({ ...s, bytes: toBase64(new Uint8Array(s.bytes)), leafHash: toBase64(new Uint8Array(s.leafHash)) })),
});

/** What planOnPool rejects with; fails the test when it resolves. */
async function rejection(t: Test, rows: WindowRows): Promise<unknown> {
  try {
    await planOnPool(rows, signer);
  } catch (error) {
    return error;
  }
  t.fail('planOnPool resolved');
  return undefined;
}

/** The valid window: the wind turbine's export goes to the consumption meter's import. */
const valid = () => windowRows([wind, meter]);
const refusals: Array<{ name: string; rows: () => WindowRows; code: string }> = [
  { name: 'a storage reading whose device has no storage spec', rows: () => windowRows([wind, meter, battery], { storage: [] }), code: 'unknown-device' },
  { name: 'two readings of one device in one interval', rows: () => windowRows([wind, meter, { ...meter, entryIdx: 13 }]), code: 'bad-request' },
  {
    name: 'a green lot that holds nothing',
    rows: () => windowRows([wind, meter], { lotsBefore: [{ allocation: `${toBase64(sha256(utf8('settlement')))}#0`, device: 'battery-1', remainingWh: 0n }] }),
    code: 'bad-wh',
  },
];

t.test('the fixtures: planWindowRows on this thread plans the valid window and refuses the others', async (t) => {
  const plan = planWindowRows(valid(), signer, nativeSign);
  t.equal(plan.settlements.length, 1, 'one settlement');
  t.same(plan.settlements[0]!.projection.source_idx, [wind.entryIdx], 'from the turbine');
  t.same(plan.settlements[0]!.projection.sink_idx, [meter.entryIdx], 'to the meter');
  t.same(plan.settlements[0]!.projection.wh, [600], 'its import');
  for (const { name, rows, code } of refusals) {
    t.equal(
      errorCode(() => planWindowRows(rows(), signer, nativeSign)),
      code,
      `${name}: ${code}`,
    );
  }
});

t.test('a valid window planned on the worker is the plan this thread makes', async (t) => {
  const plan = await planOnPool(valid(), signer);
  t.equal(plan.settlements.length, 1, 'one settlement');
  t.equal(plan.allocations, 1, 'one allocation');
  t.same(
    plan.settlements[0]!.projection,
    {
      start_at: START,
      zone: 'DE-LU',
      source_idx: [wind.entryIdx],
      sink_idx: [meter.entryIdx],
      wh: [600],
      sources: [{ source_idx: wind.entryIdx, supply_wh: 1000, allocated_wh: 600 }],
      charges: [],
      draws: [],
    },
    'the turbine gives the meter its import',
  );
  t.same(comparable(plan), comparable(planWindowRows(valid(), signer, nativeSign)), 'byte for byte the same settlement');
});

t.test('a refusal on the worker reaches the caller as a GridproofError with the same code', async (t) => {
  for (const { name, rows, code } of refusals) {
    const error = await rejection(t, rows());
    t.ok(error instanceof GridproofError, `${name}: a GridproofError`);
    t.equal((error as GridproofError).code, code, `${name}: ${code}`);
  }
});

t.test('an error that is no refusal reaches the caller as a plain Error, not as a refusal code', async (t) => {
  // A reading of a device the window's rows do not list: an inconsistency of the rows, not a refusal of the input.
  const error = await rejection(t, windowRows([wind, meter, { ...meter, entryIdx: 14, device: 'elsewhere-1' }]));
  t.ok(error instanceof Error, 'an Error');
  t.notOk(isGridproofError(error), 'not a GridproofError');
});

t.test('the worker goes on planning after a refusal', async (t) => {
  const expected = comparable(planWindowRows(valid(), signer, nativeSign));
  // Both out at once: had the refusal cost its worker its life, a valid window queued behind it would fail with it.
  const [refused, planned] = await Promise.allSettled([planOnPool(refusals[0]!.rows(), signer), planOnPool(valid(), signer)]);
  t.equal(refused.status, 'rejected', 'the refusal is refused');
  t.equal(refused.status === 'rejected' ? (refused.reason as GridproofError).code : undefined, refusals[0]!.code, `with ${refusals[0]!.code}`);
  t.equal(planned.status, 'fulfilled', 'the valid window sent with it is planned');
  t.same(planned.status === 'fulfilled' ? comparable(planned.value) : undefined, expected, 'as this thread plans it');

  // And a later request, after every kind of refusal, is planned too.
  for (const { rows } of refusals) await rejection(t, rows());
  t.same(comparable(await planOnPool(valid(), signer)), expected, 'a later valid window is planned');
});

t.test('the worker starts whatever the working directory, as a server started from elsewhere does (docs/walkthrough.md)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const elsewhere = mkdtempSync(`${tmpdir()}/gridproof-cwd-`);
  t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }));
  // The process registers tsx the way bin/gridproof.js does, by the project's own path, then plans an empty window.
  const script = `
    const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
    register();
    const { planOnPool } = await import(${JSON.stringify(new URL('../../src/ledger/cpu-pool.ts', import.meta.url).href)});
    const { generateSigner } = await import(${JSON.stringify(new URL('../../src/crypto/note.ts', import.meta.url).href)});
    const none = { entryIdx: new Float64Array(0), startMs: new Float64Array(0), importWh: new Float64Array(0), exportWh: new Float64Array(0), leafHashes: new Uint8Array(0), device: [] };
    const plan = await planOnPool({ log: 'cwd.example/log', zone: 'DE-LU', intervalSeconds: 3600, starts: [new Date(0)], readings: none, devices: [], contracts: [], storage: [], lotsBefore: [] }, generateSigner('cwd.example/log/operator'));
    console.log(JSON.stringify(plan));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: elsewhere, encoding: 'utf8', timeout: 60_000 });
  t.equal(child.status, 0, child.stderr);
  t.same(JSON.parse(child.stdout.trim()), { settlements: [], allocations: 0, lotsAfter: [] }, 'an empty window, planned on the worker');
});

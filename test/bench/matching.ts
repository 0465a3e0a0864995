/**
 * Benchmark: matching a year of hourly data for 10 supply devices
 * (6 wind, 4 solar) and 20 tenants on PostgreSQL, in a fresh database, then
 * the tenant view of one month. Readings go in through the real intake
 * (signature checks, chains, group commit), 1000 per batch per device; the
 * matching run signs and appends one settlement entry per interval, holding
 * all its allocations, with its tree nodes and projections. Prints figures; asserts nothing about speed, only that the
 * work was done (every reading accepted, every interval matched).
 *
 *   BENCH_SCALE=0.1 node --import tsx -e "import('./test/bench/matching.ts').then((m) => m.benchMatching())"
 *
 * BENCH_SCALE shrinks the year (0.1 → 876 hours).
 */
import { generateSigner } from '../../src/crypto/note.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { openPostgres } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';
import { readLogSize } from '../../src/db/log.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import type { ReadingPayload } from '../../src/domain/payloads.ts';
import { buildApp } from '../../src/app.ts';
import { ReadingIntake } from '../../src/ledger/intake.ts';
import { openLedger } from '../../src/ledger/open.ts';
import { runMatching } from '../../src/ledger/matching/run.ts';
import { tenantMatching } from '../../src/ledger/tenant-view.ts';
import { operatorKeyName } from '../../src/key-files.ts';
import { nativeSign } from '../../src/platform/node-ed25519.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, ORIGIN } from '../helpers/app.ts';
import { createPostgresDatabase } from '../helpers/database.ts';

const H = 3_600_000;
const START = Date.parse('2023-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function scaleOf(): number {
  const value = Number(process.env.BENCH_SCALE ?? '1');
  if (!Number.isFinite(value) || value <= 0) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);
  return value;
}

/** Deterministic, plausible shapes in Wh: wind varies slowly, solar by day, tenants around a base with a day bump. */
function supplyWh(device: number, h: number, solar: boolean): number {
  if (solar) {
    const hourOfDay = h % 24;
    const day = Math.max(0, Math.sin(((hourOfDay - 6) / 12) * Math.PI));
    return Math.floor(8_000_000 * day * (0.6 + 0.4 * Math.abs(Math.sin(h / 97 + device))));
  }
  return Math.floor(6_000_000 * (0.5 + 0.5 * Math.sin(h / 31 + device * 1.7)) * (0.7 + 0.3 * Math.cos(h / 7 + device)));
}
function demandWh(tenant: number, h: number): number {
  const hourOfDay = h % 24;
  const shift = hourOfDay >= 7 && hourOfDay < 19 ? 1.5 : 1;
  return Math.floor((1_000_000 + 97_000 * tenant) * shift * (0.9 + 0.1 * Math.sin(h / 5 + tenant)));
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function benchMatching(): Promise<void> {
  const hours = Math.max(24, Math.round(8760 * scaleOf()));
  const database = await createPostgresDatabase();
  const store = await openPostgres(database.url);
  try {
    await migrate(store);
    const { ledger } = await openLedger({
      db: store.db,
      origin: ORIGIN,
      intervalSeconds: 3600,
      logSigner: generateSigner(ORIGIN),
      operatorSigner: generateSigner(operatorKeyName(ORIGIN)),
      operatorToken: OPERATOR_TOKEN,
    });
    const intake = new ReadingIntake(ledger);
    const app = await buildApp({ ledger, intake });
    try {
      await app.inject({
        method: 'POST',
        url: '/v1/zones',
        headers: auth(OPERATOR_TOKEN),
        payload: { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2018-01-01T00:00:00Z' },
      });
      const gen = await addParticipant(app, 'generator', 'parkco');
      const devices: Array<{ id: string; owner: string; wh: (h: number) => { importWh: number; exportWh: number } }> = [];
      for (let i = 0; i < 10; i++) {
        const solar = i >= 6;
        devices.push({ id: `${solar ? 'solar' : 'wind'}-${i}`, owner: gen.id, wh: (h) => ({ importWh: 0, exportWh: supplyWh(i, h, solar) }) });
      }
      for (let i = 0; i < 20; i++) {
        const tenant = await addParticipant(app, 'tenant', `tenant-${i}`);
        devices.push({ id: `meter-${i}`, owner: tenant.id, wh: (h) => ({ importWh: demandWh(i, h), exportWh: 0 }) });
      }

      // Load: sign (native Ed25519) and submit through the intake, 1000 readings per batch per device.
      let signMs = 0;
      let submitMs = 0;
      let readings = 0;
      for (const device of devices) {
        const type = device.id.startsWith('wind') ? 'wind' : device.id.startsWith('solar') ? 'solar' : 'consumption';
        const key = await addDevice(app, { id: device.id, owner: device.owner, type, capacityW: 20_000_000 });
        let prev: string | undefined;
        for (let from = 0; from < hours; from += 1000) {
          const t0 = performance.now();
          const notes: string[] = [];
          for (let h = from; h < Math.min(hours, from + 1000); h++) {
            const { importWh, exportWh } = device.wh(h);
            const payload: ReadingPayload = {
              kind: 'reading',
              log: ORIGIN,
              quality: 'measured',
              device: device.id,
              seq: h,
              ...(prev ? { prev } : {}),
              start: iso(START + h * H),
              end: iso(START + (h + 1) * H),
              importWh: String(importWh),
              exportWh: String(exportWh),
            } as ReadingPayload;
            const note = sealEntry(payload, key.signer, nativeSign);
            prev = toBase64(hashLeaf(utf8(note)));
            notes.push(note);
          }
          const t1 = performance.now();
          const results = await intake.submit({ id: device.owner, role: device.owner === gen.id ? 'generator' : 'tenant' }, notes);
          const failed = results.filter((r) => 'error' in r);
          if (failed.length > 0) throw new Error(`${device.id}: ${JSON.stringify(failed[0])}`);
          submitMs += performance.now() - t1;
          signMs += t1 - t0;
          readings += notes.length;
        }
      }
      const sizeBefore = await readLogSize(ledger.db);

      // Match the whole period: a week of intervals per transaction, one settlement entry each.
      const m0 = performance.now();
      const summary = await runMatching(ledger, START + hours * H);
      const matchMs = performance.now() - m0;
      const written = (await readLogSize(ledger.db)) - sizeBefore;
      if (summary.intervals !== hours) throw new Error(`matched ${summary.intervals} of ${hours} intervals`);
      if (written !== summary.settlements) throw new Error(`wrote ${written} entries, summary says ${summary.settlements}`);

      // The tenant view of one month (the first 30 days, or the whole period if shorter), three times.
      const monthEnd = START + Math.min(hours, 30 * 24) * H;
      const viewMs: number[] = [];
      let intervalsViewed = 0;
      for (let i = 0; i < 3; i++) {
        const v0 = performance.now();
        const figures = await tenantMatching(ledger, 'tenant-7', new Date(START), new Date(monthEnd));
        viewMs.push(performance.now() - v0);
        intervalsViewed = figures.intervals.length;
      }

      const lines = [
        `matching, PostgreSQL, BENCH_SCALE=${scaleOf()}: ${hours} hours × (10 supply devices + 20 tenants)`,
        `  readings loaded through the intake: ${readings} (sign ${seconds(signMs)}, submit ${seconds(submitMs)}, ${Math.round(readings / (submitMs / 1000))} readings/s)`,
        `  runMatching: ${seconds(matchMs)} for ${summary.intervals} intervals = ${(matchMs / summary.intervals).toFixed(1)} ms per interval`,
        `    entries written: ${written} settlements holding ${summary.allocations} allocations = ${Math.round(summary.allocations / (matchMs / 1000))} allocations/s`,
        `    a full year (8760 h) at this rate: ~${seconds((matchMs / summary.intervals) * 8760)} (goal < 10 s)`,
        `  tenant view, one month (${intervalsViewed} intervals): ${viewMs.map((ms) => `${ms.toFixed(0)} ms`).join(', ')} (cold, warm, warm)`,
      ];
      console.log(lines.join('\n'));
    } finally {
      await app.close();
      await intake.idle();
    }
  } finally {
    await store.close();
    await database.drop();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await benchMatching();
}

/**
 * Benchmark: signed readings per second through POST /v1/entries
 * over real HTTP, beside the raw database rate for the same entry rows
 * measured in the same run.
 *
 * - Batches: 500 readings per request, one client, request after request,
 *   beside 500-row multi-row INSERTs of the same rows into a plain table of
 *   the entry's shape (one client, statement after statement). Goal ≥ 0.5×.
 * - Single readings: one reading per request from 16 concurrent clients,
 *   beside one row per transaction from 16 clients. Goal ≥ 2× (group commit).
 * - At the machine's limit: the batch rate beside the rate at which Node's
 *   native Ed25519 verifies the same notes on every core (verify-cores.ts),
 *   goal ≥ 0.5×, and the rate of 4 batch clients beside it (for
 *   information); one reading per request from 64 clients beside the batch
 *   rate, goal ≥ 0.5×, with p50/p99 latency.
 * - An aged log: the same single readings once their zone has three years of
 *   matched intervals behind it, beside the rate with none (for
 *   information: each group commit asks the zone's last matched interval).
 *
 * Every raw baseline runs once before and once after the service figure it
 * is compared with; the baseline is their mean, so a drift of the machine
 * during the run shows up as a gap between the two (printed).
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { CompiledQuery, sql } from 'kysely';
import { readLogSize } from '../../src/db/log.ts';
import { chainHeads } from '../../src/db/readings.ts';
import pg from 'pg';
import { checkSignatures } from '../../src/domain/reading-signatures.ts';
import { formatVerifierKey, generateSigner, openNote, parseCheckedVerifierKey, parseVerifierKey, VerifierCache } from '../../src/crypto/note.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { parseEntry } from '../../src/domain/entry.ts';
import { nativeVerify, nativeVerifyCheckedKey } from '../../src/platform/node-ed25519.ts';
import { nativeHashLeaf } from '../../src/platform/node-sha256.ts';
import { nativeVerifyRate } from './verify-cores.ts';
import { cpuSnapshot, cpuSplit } from './thread-cpu.ts';
import { cpuPool } from '../../src/ledger/cpu-pool.ts';
import { addDevice, addParticipant, auth, ORIGIN, startTestApp, type TestApp } from '../helpers/app.ts';
import {
  chunk,
  freshPGlite,
  listen,
  mean,
  MeterChain,
  multiRowInsert,
  note,
  onCleanup,
  percentile,
  RAW_TABLE_SQL,
  rawParams,
  roundRobin,
  runLoad,
  scaled,
  timed,
  type LoadRequest,
  type RawRow,
  type Row,
  type Section,
  type SignedReading,
} from './lib.ts';

const BATCH = 500;
const CLIENTS = 16;
/** Clients for the informational "several batch posters at once" figure. */
const BATCH_CLIENTS = 4;
/** Clients of the "single readings at the machine's limit" figure. */
const MANY_CLIENTS = 64;
/** Years of hourly matched intervals in the zone for the "aged log" figure, all before the readings (none is late). */
const AGED_YEARS = 3;

interface Sizes {
  devices: number;
  /** Rounds of one reading per device, for each phase. */
  batchRounds: number;
  singleRounds: number;
  /** Devices registered late, whose first readings are posted once (no cache has seen their keys). */
  freshDevices: number;
}

/** Everything a raw baseline needs to insert rows: one function per shape. */
interface RawTarget {
  name: string;
  /** Creates the table `name`. */
  create(name: string): Promise<void>;
  /** Inserts rows[i] at idx i, 500 rows per statement, one statement after another. */
  batches(name: string, rows: readonly RawRow[]): Promise<void>;
  /** Inserts every row in its own transaction, from `clients` concurrent clients. */
  singles(name: string, rows: readonly RawRow[], clients: number): Promise<void>;
  close(): Promise<void>;
}

function postgresRaw(url: string): RawTarget {
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS });
  return {
    name: 'PostgreSQL',
    async create(name) {
      await pool.query(RAW_TABLE_SQL(name));
    },
    async batches(name, rows) {
      const client = await pool.connect();
      try {
        const text = multiRowInsert(name, BATCH);
        for (let i = 0; i < rows.length; i += BATCH) {
          const part = rows.slice(i, i + BATCH);
          await client.query(part.length === BATCH ? text : multiRowInsert(name, part.length), rawParams(part, i));
        }
      } finally {
        client.release();
      }
    },
    async singles(name, rows, clients) {
      const text = multiRowInsert(name, 1);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < rows.length; i = next++) await pool.query(text, rawParams([rows[i]!], i));
      };
      await Promise.all(Array.from({ length: clients }, worker));
    },
    close: () => pool.end(),
  };
}

/** On PGlite the raw rows go through the same single connection the service uses (kysely's raw query path). */
function pgliteRaw(testApp: TestApp): RawTarget {
  const db = testApp.testStore.store.db;
  const run = (text: string, params: unknown[] = []) => db.executeQuery(CompiledQuery.raw(text, params));
  return {
    name: 'PGlite',
    async create(name) {
      await run(RAW_TABLE_SQL(name));
    },
    async batches(name, rows) {
      const text = multiRowInsert(name, BATCH);
      for (let i = 0; i < rows.length; i += BATCH) {
        const part = rows.slice(i, i + BATCH);
        await run(part.length === BATCH ? text : multiRowInsert(name, part.length), rawParams(part, i));
      }
    },
    async singles(name, rows, clients) {
      const text = multiRowInsert(name, 1);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < rows.length; i = next++) await run(text, rawParams([rows[i]!], i));
      };
      await Promise.all(Array.from({ length: clients }, worker));
    },
    close: async () => undefined,
  };
}

/**
 * Transactions that appended entries from index `from` on: entry.logged_at
 * defaults to now(), the transaction's start time, so each transaction of
 * the sequencer leaves one distinct value (group commit, made visible).
 */
async function groupCommit(testApp: TestApp, from: number): Promise<string> {
  const { rows } = await sql<{ entries: number; transactions: number }>`
    select count(*)::int as entries, count(distinct logged_at)::int as transactions from entry where idx >= ${from}`.execute(testApp.ledger.db);
  const { entries, transactions } = rows[0]!;
  return `${entries} readings in ${transactions} transactions (${(entries / Math.max(1, transactions)).toFixed(1)} per commit)`;
}

const entriesBody = (readings: readonly SignedReading[]): LoadRequest => ({
  method: 'POST',
  path: '/v1/entries',
  body: JSON.stringify({ entries: readings.map((r) => r.note) }),
});

/** Runs a raw baseline twice (before and after the service figure) and returns rows/s of each run. */
async function rawTwice(
  target: RawTarget,
  label: string,
  rows: readonly RawRow[],
  run: (name: string) => Promise<void>,
  measure: () => Promise<void>,
): Promise<[number, number]> {
  const rates: number[] = [];
  // Warm-up (connections, plans, JIT) on a scratch table, not timed.
  const warmName = `bench_raw_${label}_warm`;
  await target.create(warmName);
  if (label === 'batch') await target.batches(warmName, rows.slice(0, 2 * BATCH));
  else await target.singles(warmName, rows.slice(0, 20 * CLIENTS), CLIENTS);
  for (const pass of ['before', 'after'] as const) {
    if (pass === 'after') await measure();
    const name = `bench_raw_${label}_${pass}`;
    await target.create(name);
    note(`${target.name}: raw ${label} baseline (${pass}), ${rows.length} rows`);
    const { ms } = await timed(() => run(name));
    rates.push((rows.length / ms) * 1000);
  }
  return [rates[0]!, rates[1]!];
}

/** Single-core cost of each CPU step of the intake, on the same readings (where the time goes). */
function cpuBreakdown(readings: readonly SignedReading[], vkeys: Map<string, string>): { rows: Row[]; notes: string[] } {
  const sample = readings.slice(0, Math.min(readings.length, 4000));
  const verifiers = new Map([...vkeys].map(([device, vkey]) => [device, parseVerifierKey(vkey)]));
  const body = JSON.stringify({ entries: sample.map((r) => r.note) });
  const perReadingUs = (run: () => void, rounds = 2): number => {
    run(); // warm up
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) run();
    return ((performance.now() - t0) * 1000) / (rounds * sample.length);
  };
  const steps: Array<[string, number]> = [
    ['JSON.parse of the request body', perReadingUs(() => JSON.parse(body))],
    ['parseEntry (JSON, canonical check, schema, times)', perReadingUs(() => sample.forEach((r) => parseEntry(r.note, ORIGIN)))],
    ['openNote + native Ed25519 verify (cached key)', perReadingUs(() => sample.forEach((r) => openNote(r.note, [verifiers.get(r.device)!], nativeVerify)))],
    ['hashLeaf (noble SHA-256, as the intake does)', perReadingUs(() => sample.forEach((r) => hashLeaf(r.bytes)))],
  ];
  const nodeHashUs = perReadingUs(() => sample.forEach((r) => createHash('sha256').update(Uint8Array.of(0)).update(r.bytes).digest()));
  const total = steps.reduce((sum, [, us]) => sum + us, 0);
  const rows: Row[] = steps.map(([figure, us]) => ({ figure: `CPU: ${figure}`, value: us, unit: 'µs/reading' }));
  rows.push({
    figure: 'CPU: sum of the steps above (one core)',
    value: total,
    unit: 'µs/reading',
    detail: `ceiling ≈ ${Math.round(1e6 / total).toLocaleString('en-US')} readings/s`,
  });
  rows.push(unseenKeyCost());
  return { rows, notes: [`node:crypto SHA-256 of the same leaf: ${nodeHashUs.toFixed(2)} µs/reading (noble above).`] };
}

/**
 * What a worker pays for a reading whose device key is not in its caches
 * (a fleet larger than the caches, or a device's first reading): the
 * workers' check-signatures path with keys the intake has checked, beside the
 * same path with every key checked strictly again, as it was before
 * (docs/design.md §10). Fresh keys for each pass, so nothing is cached.
 */
function unseenKeyCost(count = 1000): Row {
  const fresh = (pass: string) =>
    Array.from({ length: count }, (_, i) => {
      const signer = generateSigner(`meter/unseen-${pass}-${i}`);
      return { note: new MeterChain(`unseen-${i}`, signer).next().note, vkeys: [formatVerifierKey(signer.name, signer.publicKey)] };
    });
  const perReadingUs = (run: () => string | undefined): number => {
    const t0 = performance.now();
    const failure = run();
    if (failure !== undefined) throw new Error(`unseen-key check failed: ${failure}`);
    return ((performance.now() - t0) * 1000) / count;
  };
  const firstFailure = ({ verdicts }: ReturnType<typeof checkSignatures>) => {
    const bad = verdicts.find((verdict) => typeof verdict !== 'string');
    return bad === undefined ? undefined : JSON.stringify(bad);
  };
  const strictItems = fresh('strict');
  const checkedItems = fresh('checked');
  const strict = perReadingUs(() => firstFailure(checkSignatures(strictItems, nativeVerify, nativeHashLeaf, new VerifierCache())));
  const checked = perReadingUs(() =>
    firstFailure(checkSignatures(checkedItems, nativeVerifyCheckedKey, nativeHashLeaf, new VerifierCache({ parse: (vkey) => parseCheckedVerifierKey(vkey) }))),
  );
  return {
    figure: 'CPU: a reading under a key the worker has not cached (parse, KeyObject, verify, leaf hash)',
    value: checked,
    unit: 'µs/reading',
    baseline: strict,
    baselineLabel: '(the same with the key’s point checked in the worker, as before)',
    detail: `${count} fresh keys per pass`,
  };
}

/**
 * The sequencer reads every device's chain head once per batch (chainHeads in
 * src/db/readings.ts). Timed here, at the end of the run when each device has
 * its whole history, beside one index probe per device (a LATERAL … LIMIT 1
 * written here for comparison).
 */
async function chainHeadCost(testApp: TestApp, deviceIds: string[]): Promise<Row> {
  const db = testApp.ledger.db;
  const median = async (run: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) times.push((await timed(run)).ms);
    return times.sort((a, b) => a - b)[3]!;
  };
  const current = await median(() => chainHeads(db, deviceIds));
  const lateral = await median(() =>
    sql`select d.id as device_id, h.seq, e.leaf_hash, h.end_at
        from unnest(${deviceIds}::text[]) as d(id)
        cross join lateral (select seq, entry_idx, end_at from reading r where r.device_id = d.id order by seq desc limit 1) h
        join entry e on e.idx = h.entry_idx`.execute(db),
  );
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from reading where device_id = ${deviceIds[0]!}`.execute(db);
  return {
    figure: `chainHeads of ${deviceIds.length} devices (once per batch)`,
    value: current,
    unit: 'ms',
    baseline: lateral,
    baselineLabel: '(LATERAL … ORDER BY seq DESC LIMIT 1 per device)',
    detail: `${rows[0]!.n} readings/device`,
  };
}

async function ingest(backend: 'postgres' | 'pglite', sizes: Sizes): Promise<Section> {
  const title = backend === 'postgres' ? 'ingest on PostgreSQL' : 'ingest on PGlite (embedded, for information)';
  note(`${title}: fresh database, ${sizes.devices} devices`);
  const pglite = backend === 'pglite' ? await freshPGlite() : undefined;
  const testApp = await startTestApp(backend, pglite ? { testStore: pglite } : {});
  onCleanup(testApp.close);
  const generator = await addParticipant(testApp.app, 'generator', 'bench-generator');
  const meters: MeterChain[] = [];
  const vkeys = new Map<string, string>();
  for (let i = 0; i < sizes.devices; i++) {
    const id = `meter-${String(i).padStart(4, '0')}`;
    const key = await addDevice(testApp.app, { id, owner: generator.id, type: 'solar' });
    meters.push(new MeterChain(id, key.signer));
    vkeys.set(id, key.vkey);
  }
  const server = await listen(testApp.app);
  const headers = auth(generator.token);

  note('pre-signing readings (the client’s cost, not timed)');
  const signing = await timed(async () => {
    const warm = roundRobin(meters, 1);
    const batch = roundRobin(meters, sizes.batchRounds);
    const inProcess = roundRobin(meters, Math.max(1, Math.round(sizes.batchRounds / 2)));
    const groups = Array.from({ length: BATCH_CLIENTS }, (_, g) => meters.filter((_, i) => i % BATCH_CLIENTS === g));
    const parallel = groups.map((group) => roundRobin(group, Math.max(1, Math.round(sizes.batchRounds / 2))));
    const single = roundRobin(meters, sizes.singleRounds);
    const many = roundRobin(meters, sizes.singleRounds);
    const aged = roundRobin(meters, sizes.singleRounds);
    return { warm, batch, inProcess, parallel, single, many, aged };
  });
  const { warm, batch, inProcess, parallel, single, many, aged } = signing.value;
  const signed = warm.length + batch.length + inProcess.length + parallel.flat().length + single.length + many.length + aged.length;
  note(`signed ${signed} readings in ${(signing.ms / 1000).toFixed(1)} s`);

  const raw = backend === 'postgres' ? postgresRaw(testApp.testStore.url!) : pgliteRaw(testApp);
  onCleanup(() => raw.close());
  const rows: Row[] = [];
  const notes: string[] = [];
  const check = (what: string, result: { accepted: number; firstError: string | undefined }, expected: number) => {
    if (result.accepted !== expected || result.firstError) {
      throw new Error(`${what}: ${result.accepted} of ${expected} readings accepted; first error: ${result.firstError}`);
    }
  };

  // Warm-up (JIT, caches of devices, keys and tokens): one request per batch, not timed.
  note('warm-up');
  check('warm-up', await runLoad({ ...server, headers, expect: 'entries', clients: [chunk(warm, BATCH).map(entriesBody)] }), warm.length);

  // --- 500 per request, one client, beside 500-row INSERTs.
  const batchRequests = chunk(batch, BATCH).map(entriesBody);
  let batchRate = 0;
  let halves: number[] = [];
  note(`native Ed25519 verify of the ${batch.length} batch notes on every core (before)`);
  const verifyBefore = await nativeVerifyRate(batch, vkeys);
  const [rawBatchBefore, rawBatchAfter] = await rawTwice(
    raw,
    'batch',
    batch,
    (name) => raw.batches(name, batch),
    async () => {
      note(`POST /v1/entries, ${batch.length} readings in ${batchRequests.length} requests of ${BATCH}, 1 client`);
      // Two halves, to see whether the rate falls as the chains grow.
      const half = Math.ceil(batchRequests.length / 2);
      const results = [
        await runLoad({ ...server, headers, expect: 'entries', clients: [batchRequests.slice(0, half)] }),
        await runLoad({ ...server, headers, expect: 'entries', clients: [batchRequests.slice(half)] }),
      ];
      results.forEach((r, i) => check(`batch half ${i + 1}`, r, (i === 0 ? batch.slice(0, half * BATCH) : batch.slice(half * BATCH)).length));
      halves = results.map((r) => (r.accepted / r.ms) * 1000);
      batchRate = (batch.length / (results[0]!.ms + results[1]!.ms)) * 1000;
    },
  );
  note(`native Ed25519 verify of the ${batch.length} batch notes on every core (after)`);
  const verifyAfter = await nativeVerifyRate(batch, vkeys);
  const verifyRate = mean([verifyBefore.rate, verifyAfter.rate]);
  const verifyUs = mean([verifyBefore.cpuUs, verifyAfter.cpuUs]);
  const rawBatch = mean([rawBatchBefore, rawBatchAfter]);
  rows.push({
    figure: `POST /v1/entries, ${BATCH} readings/request, 1 client`,
    value: batchRate,
    unit: 'readings/s',
    baseline: rawBatch,
    baselineLabel: `(raw ${BATCH}-row INSERT)`,
    goal: { kind: 'ratio-at-least', value: 0.5 },
    summary: true,
    detail: `first half ${Math.round(halves[0]!)}/s, second ${Math.round(halves[1]!)}/s`,
  });
  notes.push(
    `raw ${BATCH}-row INSERT into a plain (idx pk, leaf_hash, bytes, kind) table: ${Math.round(rawBatchBefore)} rows/s before, ${Math.round(rawBatchAfter)} after; baseline = mean.`,
  );
  rows.push({
    figure: `POST /v1/entries, ${BATCH} readings/request, 1 client, vs verifying alone`,
    value: batchRate,
    unit: 'readings/s',
    baseline: verifyRate,
    baselineLabel: `(native Ed25519 verify of the same notes, ${availableParallelism()} worker threads)`,
    goal: { kind: 'ratio-at-least', value: 0.5 },
    summary: true,
  });
  notes.push(
    `native Ed25519 verify on every core: ${Math.round(verifyBefore.rate)} notes/s before, ${Math.round(verifyAfter.rate)} after; baseline = mean. CPU per verification on those threads: ${verifyBefore.cpuUs.toFixed(0)} µs before, ${verifyAfter.cpuUs.toFixed(0)} µs after.`,
  );

  // --- The same without HTTP: ReadingIntake.submit in process (what HTTP and Fastify cost).
  note(`ReadingIntake.submit in process, ${inProcess.length} readings in batches of ${BATCH}`);
  const caller = { id: generator.id, role: 'generator' as const };
  const cpuBefore = cpuSnapshot();
  const direct = await timed(async () => {
    let accepted = 0;
    for (const part of chunk(inProcess, BATCH)) {
      const results = await testApp.intake.submit(
        caller,
        part.map((r) => r.note),
      );
      accepted += results.filter((r) => 'index' in r && !r.duplicate).length;
    }
    return accepted;
  });
  if (direct.value !== inProcess.length) throw new Error(`in-process intake accepted ${direct.value} of ${inProcess.length}`);
  const split = cpuSplit(cpuBefore, cpuSnapshot(), inProcess.length, cpuPool().size);
  rows.push({
    figure: `ReadingIntake.submit in process (no HTTP), ${BATCH}/call`,
    value: (inProcess.length / direct.ms) * 1000,
    unit: 'readings/s',
    baseline: batchRate,
    baselineLabel: '(over HTTP, 1 client)',
  });
  // Where that run's CPU went (thread-cpu.ts). Whatever the overlap, the batch
  // ratio cannot pass verification's share of a reading's CPU: the cores would
  // be full before it did (docs/design.md §10).
  const part = (us: number) => `${us.toFixed(0)} µs`;
  rows.push({
    figure: `CPU per reading, ReadingIntake.submit in process, ${BATCH}/call`,
    value: split.total,
    unit: 'µs/reading',
    detail: `event loop ${part(split.eventLoop)}, ${cpuPool().size} pool workers ${part(split.pool)}, other threads ${part(split.helpers)}, ${backend === 'postgres' ? `PostgreSQL ${part(split.postgres)}` : 'PGlite is in the event loop'}`,
  });
  rows.push({
    figure: 'CPU of a native verify (as above) vs a reading’s: the batch ratio’s ceiling at full overlap',
    value: verifyUs,
    unit: 'µs/reading',
    baseline: split.total,
    baselineLabel: '(CPU per reading, as above)',
    summary: true,
  });

  // --- Several batch posters at once (group commit may merge their batches), for information.
  note(`POST /v1/entries, ${BATCH} readings/request, ${BATCH_CLIENTS} clients`);
  const parallelFrom = await readLogSize(testApp.ledger.db);
  const parallelResult = await runLoad({ ...server, headers, expect: 'entries', clients: parallel.map((list) => chunk(list, BATCH).map(entriesBody)) });
  check('parallel batches', parallelResult, parallel.flat().length);
  rows.push({
    figure: `POST /v1/entries, ${BATCH} readings/request, ${BATCH_CLIENTS} clients`,
    value: (parallelResult.accepted / parallelResult.ms) * 1000,
    unit: 'readings/s',
    baseline: batchRate,
    baselineLabel: '(1 client)',
    detail: await groupCommit(testApp, parallelFrom),
  });
  // One client waits for each answer, so its commit never overlaps its next
  // checks; several clients show what the CPU allows (docs/design.md §10).
  rows.push({
    figure: `POST /v1/entries, ${BATCH} readings/request, ${BATCH_CLIENTS} clients, vs verifying alone`,
    value: (parallelResult.accepted / parallelResult.ms) * 1000,
    unit: 'readings/s',
    baseline: verifyRate,
    baselineLabel: '(native Ed25519 verify, as above)',
  });

  // --- One reading per request from 16 clients, beside one row per transaction from 16 clients.
  const perClient = Array.from({ length: CLIENTS }, (_, c) => single.filter((r) => Number(r.device.slice(6)) % CLIENTS === c).map((r) => entriesBody([r])));
  let singleRate = 0;
  let singleCommits = '';
  const [rawSingleBefore, rawSingleAfter] = await rawTwice(
    raw,
    'single',
    single,
    (name) => raw.singles(name, single, CLIENTS),
    async () => {
      note(`POST /v1/entries, 1 reading/request, ${CLIENTS} clients, ${single.length} requests`);
      const from = await readLogSize(testApp.ledger.db);
      const result = await runLoad({ ...server, headers, expect: 'entries', clients: perClient });
      check('single readings', result, single.length);
      singleRate = (result.accepted / result.ms) * 1000;
      singleCommits = await groupCommit(testApp, from);
    },
  );
  const rawSingle = mean([rawSingleBefore, rawSingleAfter]);
  rows.push({
    figure: `POST /v1/entries, 1 reading/request, ${CLIENTS} clients`,
    value: singleRate,
    unit: 'readings/s',
    baseline: rawSingle,
    baselineLabel: `(raw 1 row/transaction, ${CLIENTS} clients)`,
    goal: { kind: 'ratio-at-least', value: 2 },
    summary: true,
    detail: singleCommits,
  });
  notes.push(
    `raw 1 row per transaction from ${CLIENTS} ${backend === 'postgres' ? 'pg clients (pg.Pool max 16)' : 'concurrent callers on the one PGlite connection'}: ${Math.round(rawSingleBefore)} rows/s before, ${Math.round(rawSingleAfter)} after; baseline = mean.`,
  );

  // --- One reading per request from 64 clients, beside the batch rate of this run.
  note(`POST /v1/entries, 1 reading/request, ${MANY_CLIENTS} clients, ${many.length} requests`);
  const manyClients = Array.from({ length: MANY_CLIENTS }, (_, c) =>
    many.filter((r) => Number(r.device.slice(6)) % MANY_CLIENTS === c).map((r) => entriesBody([r])),
  );
  const manyFrom = await readLogSize(testApp.ledger.db);
  const manyResult = await runLoad({ ...server, headers, expect: 'entries', clients: manyClients });
  check(`single readings from ${MANY_CLIENTS} clients`, manyResult, many.length);
  const latencies = [...manyResult.latencies].sort((a, b) => a - b);
  rows.push({
    figure: `POST /v1/entries, 1 reading/request, ${MANY_CLIENTS} clients`,
    value: (manyResult.accepted / manyResult.ms) * 1000,
    unit: 'readings/s',
    baseline: batchRate,
    baselineLabel: `(${BATCH} readings/request, 1 client)`,
    goal: { kind: 'ratio-at-least', value: 0.5 },
    summary: true,
    detail: `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms; ${await groupCommit(testApp, manyFrom)}`,
  });

  // --- The same single readings once the zone has years of matching behind
  // it: each group commit asks the zone's last matched interval, which must
  // cost the same after three years as on the first day (migration 019).
  const manyRate = (manyResult.accepted / manyResult.ms) * 1000;
  note(`${AGED_YEARS} years of matched intervals in DE-LU before the readings (not timed)`);
  await sql`insert into matched_interval (start_at, zone)
            select ${new Date(Date.UTC(2020 - AGED_YEARS, 0, 1)).toISOString()}::timestamptz + make_interval(hours => g), 'DE-LU'
              from generate_series(0, ${AGED_YEARS * 8760 - 1}) as g`.execute(testApp.ledger.db);
  await sql`analyze matched_interval`.execute(testApp.ledger.db);
  note(`POST /v1/entries, 1 reading/request, ${MANY_CLIENTS} clients, ${aged.length} requests, after ${AGED_YEARS} years matched`);
  const agedClients = Array.from({ length: MANY_CLIENTS }, (_, c) =>
    aged.filter((r) => Number(r.device.slice(6)) % MANY_CLIENTS === c).map((r) => entriesBody([r])),
  );
  const agedFrom = await readLogSize(testApp.ledger.db);
  const agedResult = await runLoad({ ...server, headers, expect: 'entries', clients: agedClients });
  check(`single readings after ${AGED_YEARS} years matched`, agedResult, aged.length);
  rows.push({
    figure: `POST /v1/entries, 1 reading/request, ${MANY_CLIENTS} clients, the zone matched for ${AGED_YEARS} years before`,
    value: (agedResult.accepted / agedResult.ms) * 1000,
    unit: 'readings/s',
    baseline: manyRate,
    baselineLabel: '(the same, nothing matched yet)',
    detail: await groupCommit(testApp, agedFrom),
  });

  // --- Devices no cache has seen: the first reading of each of many new
  // devices, 500 per request (a fleet larger than the workers' key caches
  // looks like this on every reading; docs/design.md §10).
  note(`registering ${sizes.freshDevices} more devices (not timed)`);
  const freshMeters: MeterChain[] = [];
  for (let i = 0; i < sizes.freshDevices; i++) {
    const id = `fresh-${String(i).padStart(5, '0')}`;
    freshMeters.push(new MeterChain(id, (await addDevice(testApp.app, { id, owner: generator.id, type: 'solar' })).signer));
  }
  const firstReadings = roundRobin(freshMeters, 1);
  note(`POST /v1/entries, the first reading of each of ${firstReadings.length} new devices, ${BATCH}/request, 1 client`);
  const firstResult = await runLoad({ ...server, headers, expect: 'entries', clients: [chunk(firstReadings, BATCH).map(entriesBody)] });
  check('first readings of new devices', firstResult, firstReadings.length);
  rows.push({
    figure: `POST /v1/entries, ${BATCH} readings/request, 1 client, each from a device not seen before`,
    value: (firstResult.accepted / firstResult.ms) * 1000,
    unit: 'readings/s',
    baseline: batchRate,
    baselineLabel: `(${BATCH} readings/request from ${sizes.devices} devices seen before)`,
    detail: `${sizes.freshDevices} devices, one reading each`,
  });

  if (backend === 'postgres') {
    // All devices (a 500-reading batch) and 8 (a typical group commit of single readings).
    for (const n of [meters.length, 8])
      rows.push(
        await chainHeadCost(
          testApp,
          meters.slice(0, n).map((m) => m.device),
        ),
      );
  }

  const cpu = cpuBreakdown(batch, vkeys);
  rows.push(...cpu.rows);
  notes.push(...cpu.notes);
  notes.push(
    `${sizes.devices} devices; readings chained per device (seq/prev), ${signed} pre-signed in ${(signing.ms / 1000).toFixed(1)} s with native Ed25519 before timing; load from a worker thread over keep-alive HTTP.`,
  );
  if (backend === 'postgres')
    notes.push('service pool: 10 connections (openPostgres default); raw baselines use their own pg connections to the same database.');
  else notes.push('PGlite runs inside the server process: the database, Fastify and the intake share one thread.');
  return { title, rows, notes };
}

export const ingestPostgres = (): Promise<Section> =>
  ingest('postgres', { devices: 160, batchRounds: scaled(125, 4), singleRounds: scaled(40, 2), freshDevices: scaled(2000, 500) });

export const ingestPGlite = (): Promise<Section> =>
  ingest('pglite', { devices: 64, batchRounds: scaled(125, 4), singleRounds: scaled(50, 2), freshDevices: scaled(1000, 500) });

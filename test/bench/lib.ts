/**
 * Shared pieces of `npm run bench`: sizes (BENCH_SCALE), clocks, fresh
 * databases, the HTTP load worker, pre-signed readings and the result tables.
 *
 * A benchmark never asserts anything about speed: it prints a figure beside a
 * baseline measured in the same run (machines are noisy) and the goal. It
 * does check that the work it timed was done (every reading accepted, every
 * proof verifies, roots agree), since a fast wrong answer is not a figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { openPGlite } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import type { ReadingPayload } from '../../src/domain/payloads.ts';
import { nativeSign } from '../../src/platform/node-ed25519.ts';
import { type Signer } from '../../src/crypto/note.ts';
import { ADMIN_URL, createPostgresDatabase, type TestStore } from '../helpers/database.ts';
import { ORIGIN } from '../helpers/app.ts';

// ---------------------------------------------------------------- sizes

/** BENCH_SCALE multiplies every count and duration (default 1: the whole run takes about 5 minutes on 2 cores). */
export const SCALE = (() => {
  const raw = process.env.BENCH_SCALE ?? '1';
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`BENCH_SCALE must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
})();

/** `base` scaled, rounded to a multiple of `step`, at least `min`. */
export function scaled(base: number, min = 1, step = 1): number {
  return Math.max(min, Math.round((base * SCALE) / step) * step);
}

// ---------------------------------------------------------------- clocks and logging

/** Milliseconds since the epoch with sub-millisecond precision, comparable across worker threads. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

const started = performance.now();

/** A progress line on stderr, so stdout holds only the tables. */
export function note(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds}s] ${message}\n`);
}

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await run();
  return { ms: performance.now() - t0, value };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

// ---------------------------------------------------------------- cleanup

const cleanups: Array<() => Promise<void>> = [];

/** Registers a cleanup (drop a database, stop a server); runs in reverse order, also on Ctrl-C. */
export function onCleanup(cleanup: () => Promise<void>): () => Promise<void> {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    const i = cleanups.indexOf(once);
    if (i >= 0) cleanups.splice(i, 1);
    await cleanup();
  };
  cleanups.push(once);
  return once;
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.at(-1)!;
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`cleanup failed: ${String(error)}\n`);
      cleanups.pop();
    }
  }
}

// ---------------------------------------------------------------- databases

/** A fresh database on the local PostgreSQL server, dropped at cleanup. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const database = await createPostgresDatabase();
  const drop = onCleanup(database.drop);
  return { url: database.url, drop };
}

export async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return rows[0]!.server_version;
  } finally {
    await client.end();
  }
}

/**
 * Embedded PostgreSQL in a temporary folder on disk (what `npm start` runs
 * without DATABASE_URL), migrated; removed at cleanup.
 */
export async function freshPGlite(): Promise<TestStore & { dir: string }> {
  const dir = mkdtempSync(`${tmpdir()}/gridproof-bench-`);
  const store = await openPGlite(`${dir}/pg`);
  await migrate(store);
  const cleanup = onCleanup(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, url: undefined, dir, cleanup };
}

/** The plain table the raw baselines insert into: the columns of `entry`, a primary key and nothing else. */
export const RAW_TABLE_SQL = (name: string) =>
  `create table ${name} (idx bigint primary key, leaf_hash bytea not null, bytes bytea not null, kind text not null)`;

/** `insert into <table> values ($1,$2,$3,$4),($5,…)` for `rows` rows. */
export function multiRowInsert(table: string, rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) tuples.push(`($${4 * r + 1},$${4 * r + 2},$${4 * r + 3},$${4 * r + 4})`);
  return `insert into ${table} (idx, leaf_hash, bytes, kind) values ${tuples.join(',')}`;
}

/** The entry rows of a run, as the raw baselines insert them. */
export interface RawRow {
  bytes: Uint8Array;
  leafHash: Uint8Array;
  kind: string;
}

export function rawParams(rows: readonly RawRow[], firstIdx: number): unknown[] {
  const params: unknown[] = [];
  rows.forEach((row, i) => params.push(firstIdx + i, Buffer.from(row.leafHash), Buffer.from(row.bytes), row.kind));
  return params;
}

// ---------------------------------------------------------------- readings

export interface SignedReading {
  device: string;
  seq: number;
  note: string;
  bytes: Uint8Array;
  leafHash: Uint8Array;
  kind: 'reading';
}

const HOUR_MS = 3_600_000;
/** Readings start here: after the helpers' commissioning date (2018-01-01), long before now. */
const FIRST_HOUR_MS = Date.UTC(2020, 0, 1);

/**
 * The next `count` readings of one meter, chained by seq and prev, signed
 * with Node's native Ed25519 (signing is the client's cost, done before any
 * timing starts).
 */
export class MeterChain {
  readonly device: string;
  readonly #signer: Signer;
  #seq = 0;
  #prev: string | undefined;

  constructor(device: string, signer: Signer) {
    this.device = device;
    this.#signer = signer;
  }

  next(): SignedReading {
    const seq = this.#seq++;
    const startMs = FIRST_HOUR_MS + seq * HOUR_MS;
    const payload: ReadingPayload = {
      kind: 'reading',
      log: ORIGIN,
      device: this.device,
      seq,
      ...(this.#prev === undefined ? {} : { prev: this.#prev }),
      start: new Date(startMs).toISOString().replace('.000Z', 'Z'),
      end: new Date(startMs + HOUR_MS).toISOString().replace('.000Z', 'Z'),
      importWh: '0',
      exportWh: String(1_000_000 + ((seq * 7919) % 500_000)),
      quality: 'measured',
    };
    const note = sealEntry(payload, this.#signer, nativeSign);
    const bytes = utf8(note);
    const leafHash = hashLeaf(bytes);
    this.#prev = toBase64(leafHash);
    return { device: this.device, seq, note, bytes, leafHash, kind: 'reading' };
  }
}

/**
 * `rounds` readings of every meter, in round order (seq s of every meter,
 * then s+1, …). Signed meter by meter: Node's signing-key cache holds 64
 * keys, so signing round by round would rebuild a KeyObject per reading.
 */
export function roundRobin(meters: readonly MeterChain[], rounds: number): SignedReading[] {
  const perMeter = meters.map((meter) => Array.from({ length: rounds }, () => meter.next()));
  const readings: SignedReading[] = [];
  for (let r = 0; r < rounds; r++) for (const list of perMeter) readings.push(list[r]!);
  return readings;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

// ---------------------------------------------------------------- HTTP

export async function listen(app: FastifyInstance): Promise<{ host: string; port: number }> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { host: '127.0.0.1', port: address.port };
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

/** What the worker checks in each answer besides the status. */
export type Expect = 'status' | 'entries';

export interface LoadResult {
  ms: number;
  requests: number;
  /** Answers that were 200 and (for 'entries') held no per-entry error. */
  ok: number;
  /** Entry results with an index (for 'entries'). */
  accepted: number;
  firstError: string | undefined;
  /** Paced runs: per request, when the answer arrived (epochMs) and the first entry's index. */
  answers?: Array<{ at: number; index: number }>;
  /** Per request, milliseconds from sending it to its whole answer. */
  latencies: number[];
}

export interface LoadSpec {
  host: string;
  port: number;
  headers: Record<string, string>;
  /** One list per client; a client sends its requests one after another. */
  clients: LoadRequest[][];
  expect: Expect;
  /** Open loop: request j of client c is due at start + (j·clients + c) / rate seconds. */
  ratePerSecond?: number;
}

/**
 * Runs the requests from a worker thread, so the load generator's own work
 * (serialising, parsing answers) does not run on the server's event loop.
 */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./http-load.worker.mjs', import.meta.url), { workerData: spec });
    worker.once('message', (result: LoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0 && code !== 1) reject(new Error(`load worker exited with ${code}`));
    });
  });
}

// ---------------------------------------------------------------- results

export type Goal =
  { kind: 'ratio-at-least'; value: number } | { kind: 'at-least'; value: number; unit: string } | { kind: 'at-most'; value: number; unit: string };

export interface Row {
  figure: string;
  value: number;
  unit: string;
  baselineLabel?: string;
  baseline?: number;
  goal?: Goal;
  /** Shown in the summary block (the figures the issues ask for). */
  summary?: boolean;
  /** Free text after the row (e.g. p95). */
  detail?: string;
}

export interface Section {
  title: string;
  rows: Row[];
  notes: string[];
}

export function ratioOf(row: Row): number | undefined {
  return row.baseline === undefined || row.baseline === 0 ? undefined : row.value / row.baseline;
}

export function goalMet(row: Row): boolean | undefined {
  const goal = row.goal;
  if (!goal) return undefined;
  if (goal.kind === 'ratio-at-least') {
    const ratio = ratioOf(row);
    return ratio === undefined ? undefined : ratio >= goal.value;
  }
  return goal.kind === 'at-least' ? row.value >= goal.value : row.value <= goal.value;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const withUnit = (value: number, unit: string): string => `${formatNumber(value)} ${unit}`.trim();

export function formatGoal(goal: Goal | undefined): string {
  if (!goal) return '';
  if (goal.kind === 'ratio-at-least') return `ratio ≥ ${goal.value}`;
  return `${goal.kind === 'at-least' ? '≥' : '≤'} ${withUnit(goal.value, goal.unit)}`;
}

function metText(row: Row): string {
  const met = goalMet(row);
  return met === undefined ? '' : met ? 'yes' : 'NO';
}

/** A fixed-width table: figure, value, baseline, ratio, goal, met? */
export function renderSection(section: Section): string {
  const header = ['figure', 'value', 'baseline (same run)', 'ratio', 'goal', 'met?'];
  const lines = section.rows.map((row) => {
    const ratio = ratioOf(row);
    return [
      row.figure,
      withUnit(row.value, row.unit) + (row.detail ? ` (${row.detail})` : ''),
      row.baseline === undefined ? '' : `${withUnit(row.baseline, row.unit)} ${row.baselineLabel ?? ''}`.trim(),
      ratio === undefined ? '' : `${ratio.toFixed(2)}×`,
      formatGoal(row.goal),
      metText(row),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  const out = [`== ${section.title}`, format(header), widths.map((w) => '-'.repeat(w)).join('-|-')];
  for (const line of lines) out.push(format(line));
  for (const text of section.notes) out.push(`   * ${text}`);
  return out.join('\n');
}

export function summaryLine(row: Row): string {
  const ratio = ratioOf(row);
  let text = `- ${row.figure}: ${withUnit(row.value, row.unit)}`;
  if (row.detail) text += ` (${row.detail})`;
  if (row.baseline !== undefined) text += ` vs ${row.baselineLabel ?? 'baseline'} ${withUnit(row.baseline, row.unit)}`;
  if (ratio !== undefined) text += ` = ${ratio.toFixed(2)}×`;
  if (row.goal) text += `; goal ${formatGoal(row.goal)}: ${goalMet(row) ? 'met' : 'NOT met'}`;
  return text;
}

export const machine = (): string => `${availableParallelism()} cores, Node ${process.version}`;

/** The 1-minute load average: other work on the machine shows up here. */
export const load = (): string => loadavg()[0]!.toFixed(1);

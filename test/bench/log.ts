/**
 * Benchmarks: the transparency log.
 *
 * - log-proofs: fill a log to 10^6 entries (synthetic entry bytes written
 *   with appendEntries in big transactions, tree nodes included), then
 *   inclusion proofs per second over HTTP from 16 clients (goal ≥ 5,000/s),
 *   beside GET /v1/log/key (HTTP without the database) and proveInclusion
 *   called in process (the database without HTTP); then the root of the whole
 *   log recomputed from every entry's bytes vs from the stored frontier.
 * - log-checkpoint-latency: readings posted at a steady rate; the time from
 *   each answer to the first published checkpoint that covers it, with the
 *   publisher at PT5S (default) and PT1S.
 * - log-integration: the same batches appended with appendEntries (entries,
 *   tree nodes, head) and with a variant written here that skips the tree
 *   nodes (entries, head), interleaved batch by batch on two fresh databases.
 */
import pg from 'pg';
import { toBase64, fromBase64, utf8 } from '../../src/crypto/base64.ts';
import { bytesEqual, frontier, hashLeaf, inclusionProofNodes, rootFromFrontier, rootFromLeafHashes, verifyInclusion } from '../../src/crypto/merkle.ts';
import { openPostgres, type Store } from '../../src/db/connect.ts';
import { appendEntries, lockLogHead, readEntryRange, readLogSize, readNodes, type NewEntry, type Tx } from '../../src/db/log.ts';
import { migrate } from '../../src/db/migrate.ts';
import { proveInclusion } from '../../src/ledger/proofs.ts';
import { publishCheckpoint, startPublisher } from '../../src/ledger/publish.ts';
import { addDevice, addParticipant, auth, startTestApp } from '../helpers/app.ts';
import {
  freshPostgres,
  listen,
  mean,
  MeterChain,
  note,
  onCleanup,
  percentile,
  roundRobin,
  runLoad,
  scaled,
  timed,
  type LoadRequest,
  type Row,
  type Section,
} from './lib.ts';

const CLIENTS = 16;

/** A deterministic PRNG (mulberry32), so every run asks for the same proofs. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Entry-sized synthetic bytes (about the size of a signed reading); proof serving never reads them. */
function syntheticEntry(i: number): NewEntry {
  const text =
    `gridproof/entry/v1\n{"device":"synthetic-${i % 997}","end":"2024-01-01T01:00:00Z","exportWh":"${1_000_000 + i}","importWh":"0",` +
    `"kind":"reading","log":"bench.example/gridproof","quality":"measured","seq":${i},"start":"2024-01-01T00:00:00Z"}\n\n` +
    `— meter/synthetic-${i % 997} ${toBase64(utf8(`${i}`.padEnd(68, '.')))}\n`;
  const bytes = utf8(text);
  return { bytes, leafHash: hashLeaf(bytes), kind: 'reading' };
}

function syntheticEntries(from: number, count: number): NewEntry[] {
  return Array.from({ length: count }, (_, i) => syntheticEntry(from + i));
}

const appendBatch = (store: Store, entries: readonly NewEntry[]) =>
  store.db.transaction().execute(async (tx) => appendEntries(tx, await lockLogHead(tx), entries));

// ------------------------------------------------------------------ proofs and root

export async function proofsAndRoot(): Promise<Section> {
  const title = 'log: inclusion proofs at 10^6 entries; root recomputation (PostgreSQL)';
  const target = scaled(1_000_000, 10_000);
  const fillBatch = 25_000;
  const testApp = await startTestApp('postgres');
  onCleanup(testApp.close);
  const { ledger } = testApp;
  const store = testApp.testStore.store;
  const rows: Row[] = [];
  const notes: string[] = [];

  // Fill: appendEntries in big transactions; the next batch is hashed while the previous one commits.
  note(`filling the log to ${target} entries with appendEntries, ${fillBatch} per transaction`);
  const fill = await timed(async () => {
    let size = await readLogSize(store.db);
    const first = size;
    let pending: Promise<unknown> | undefined;
    let lastReport = size;
    while (size < target) {
      const entries = syntheticEntries(size, Math.min(fillBatch, target - size));
      if (pending) await pending;
      pending = appendBatch(store, entries);
      size += entries.length;
      if (size - lastReport >= 200_000) {
        note(`  ${size} entries`);
        lastReport = size;
      }
    }
    await pending;
    return size - first;
  });
  const size = await readLogSize(store.db);
  rows.push({
    figure: `fill: appendEntries, ${fillBatch.toLocaleString('en-US')} entries/transaction (setup)`,
    value: (fill.value / fill.ms) * 1000,
    unit: 'entries/s',
    detail: `${(fill.ms / 1000).toFixed(1)} s for ${fill.value.toLocaleString('en-US')}`,
  });
  await store.exec('analyze entry; analyze tree_node;');
  const sizes = await (async () => {
    const client = new pg.Client({ connectionString: testApp.testStore.url });
    await client.connect();
    try {
      const { rows: r } = await client.query<{ t: string; n: string }>(
        `select relname as t, pg_size_pretty(pg_total_relation_size(oid)) as n from pg_class where relname in ('entry', 'tree_node') order by relname`,
      );
      return r.map((x) => `${x.t} ${x.n}`).join(', ');
    } finally {
      await client.end();
    }
  })();
  notes.push(
    `log of ${size.toLocaleString('en-US')} entries (2 bootstrap entries + synthetic reading-sized entries); on disk: ${sizes}; ANALYZE run after the fill.`,
  );

  const published = await timed(() => publishCheckpoint(ledger));
  const checkpoint = published.value.checkpoint!;
  rows.push({ figure: `publishCheckpoint of the whole log (first checkpoint, size ${size.toLocaleString('en-US')})`, value: published.ms, unit: 'ms' });

  const server = await listen(testApp.app);
  const count = scaled(40_000, 1_600, CLIENTS);
  const next = random(9162);
  const indexes = Array.from({ length: count + 2_000 }, () => Math.floor(next() * size));
  const proofRequests = indexes.map((i): LoadRequest => ({ method: 'GET', path: `/v1/log/proof/inclusion?index=${i}&treeSize=${size}` }));
  const split = (requests: LoadRequest[]) => Array.from({ length: CLIENTS }, (_, c) => requests.filter((_, i) => i % CLIENTS === c));

  note('warm-up: 2,000 proofs');
  await runLoad({ ...server, headers: {}, expect: 'status', clients: split(proofRequests.slice(count)) });

  note(`GET /v1/log/key × ${count}, ${CLIENTS} clients (HTTP without the database)`);
  const keyLoad = await runLoad({
    ...server,
    headers: {},
    expect: 'status',
    clients: split(Array.from({ length: count }, () => ({ method: 'GET', path: '/v1/log/key' }))),
  });
  const keyRate = (keyLoad.ok / keyLoad.ms) * 1000;

  note(`GET /v1/log/proof/inclusion × ${count}, ${CLIENTS} clients`);
  const proofLoad = await runLoad({ ...server, headers: {}, expect: 'status', clients: split(proofRequests.slice(0, count)) });
  if (proofLoad.ok !== count) throw new Error(`inclusion proofs: ${proofLoad.ok} of ${count} answered 200; first error: ${proofLoad.firstError}`);
  const proofRate = (proofLoad.ok / proofLoad.ms) * 1000;

  // The service remembers tree nodes (src/ledger/tree-cache.ts): the first
  // pass reads the chunks it meets, a second pass over the same indexes is
  // the steady state of a server that has run a while.
  note(`GET /v1/log/proof/inclusion × ${count} again (tree nodes in memory)`);
  const warmLoad = await runLoad({ ...server, headers: {}, expect: 'status', clients: split(proofRequests.slice(0, count)) });
  if (warmLoad.ok !== count) throw new Error(`inclusion proofs, second pass: ${warmLoad.ok} of ${count} answered 200`);
  const warmRate = (warmLoad.ok / warmLoad.ms) * 1000;

  const sideCount = Math.max(CLIENTS, Math.round(count / 2));
  note(`proveInclusion in process × ${sideCount}, ${CLIENTS} concurrent callers (no HTTP)`);
  let nextIndex = 0;
  const inProcess = await timed(() =>
    Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = nextIndex++; i < sideCount; i = nextIndex++) await proveInclusion(ledger, indexes[i]!, size);
      }),
    ),
  );
  const inProcessRate = (sideCount / inProcess.ms) * 1000;

  // The database's share: the same two statements a proof runs, from 16 plain pg connections.
  note(`the proof's 2 SQL statements × ${sideCount} from pg.Pool(16), no kysely, no HTTP`);
  const pool = new pg.Pool({ connectionString: testApp.testStore.url, max: CLIENTS });
  onCleanup(() => pool.end());
  const nodesSql = 'select level, idx, hash from tree_node where (level, idx) in (select * from unnest($1::smallint[], $2::bigint[]))';
  const sqlOnly = async (from: number, to: number, withSize = true) => {
    let next = from;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < to; i = next++) {
          const ids = [{ level: 0, index: indexes[i]! }, ...inclusionProofNodes(indexes[i]!, size)];
          if (withSize) await pool.query('select size from log_head');
          const r = await pool.query(nodesSql, [ids.map((id) => id.level), ids.map((id) => id.index)]);
          if (r.rowCount !== new Set(ids.map((id) => `${id.level}/${id.index}`)).size) throw new Error(`proof nodes of ${indexes[i]} missing`);
        }
      }),
    );
  };
  await sqlOnly(count, count + 1_000); // warm-up
  const sqlRun = await timed(() => sqlOnly(0, sideCount));
  const sqlRate = (sideCount / sqlRun.ms) * 1000;
  note(`the proof's nodes statement alone × ${sideCount} (as if the log size were cached)`);
  const nodesRun = await timed(() => sqlOnly(0, sideCount, false));
  const nodesRate = (sideCount / nodesRun.ms) * 1000;

  // The answers are right: a sample verifies against the checkpoint's root.
  const root = checkpoint.root;
  for (const index of indexes.slice(0, 50)) {
    const response = await fetch(`http://${server.host}:${server.port}/v1/log/proof/inclusion?index=${index}&treeSize=${size}`);
    const proof = (await response.json()) as { leafHash: string; proof: string[] };
    verifyInclusion(index, size, fromBase64(proof.leafHash), proof.proof.map(fromBase64), root);
  }

  rows.push({
    figure: `GET /v1/log/proof/inclusion at ${size.toLocaleString('en-US')} entries, ${CLIENTS} clients`,
    value: proofRate,
    unit: 'proofs/s',
    baseline: keyRate,
    baselineLabel: '(GET /v1/log/key, no database)',
    goal: { kind: 'at-least', value: 5_000, unit: 'proofs/s' },
    summary: true,
  });
  rows.push({
    figure: `the same proofs again, tree nodes in memory (steady state)`,
    value: warmRate,
    unit: 'proofs/s',
    baseline: keyRate,
    baselineLabel: '(GET /v1/log/key, no database)',
    goal: { kind: 'at-least', value: 5_000, unit: 'proofs/s' },
    summary: true,
  });
  rows.push({
    figure: `proveInclusion in process (no HTTP), ${CLIENTS} concurrent`,
    value: inProcessRate,
    unit: 'proofs/s',
    baseline: proofRate,
    baselineLabel: '(over HTTP)',
  });
  rows.push({
    figure: `the proof's 2 SQL statements, pg.Pool(${CLIENTS}) (no HTTP, no kysely)`,
    value: sqlRate,
    unit: 'proofs/s',
    baseline: proofRate,
    baselineLabel: '(over HTTP)',
  });
  rows.push({
    figure: `its nodes statement alone (log size cached), pg.Pool(${CLIENTS})`,
    value: nodesRate,
    unit: 'proofs/s',
    baseline: sqlRate,
    baselineLabel: '(2 statements)',
  });
  notes.push(
    `${count.toLocaleString('en-US')} proofs for uniformly random indexes (after 2,000 warm-up), each checked for HTTP 200; 50 verified against the checkpoint root.`,
  );
  notes.push(
    'first pass: the service reads each 1,024-node chunk of a level the first time a proof meets it (about 2,000 chunks for 10^6 entries); second pass: no query. The SQL rows below are what one query per proof would cost.',
  );

  // Root of the whole log: every entry's bytes → leaf hashes → root, vs the stored frontier.
  note(`root from all ${size} entries' bytes`);
  const page = 50_000;
  let readMs = 0;
  let hashMs = 0;
  const fromEntries = await timed(async () => {
    const leafHashes: Uint8Array[] = [];
    for (let start = 0; start < size; start += page) {
      const t0 = performance.now();
      const entries = await readEntryRange(store.db, start, Math.min(page, size - start));
      const t1 = performance.now();
      for (const entry of entries) leafHashes.push(hashLeaf(entry.bytes));
      readMs += t1 - t0;
      hashMs += performance.now() - t1;
    }
    if (leafHashes.length !== size) throw new Error(`read ${leafHashes.length} entries, expected ${size}`);
    const t2 = performance.now();
    const r = rootFromLeafHashes(leafHashes);
    hashMs += performance.now() - t2;
    return r;
  });
  note('root from the stored frontier');
  const fromFrontier = await timed(async () => rootFromFrontier(size, await readNodes(store.db, frontier(size))));
  const agree = bytesEqual(fromEntries.value, fromFrontier.value) && bytesEqual(fromEntries.value, root);
  if (!agree) throw new Error(`roots differ: entries ${toBase64(fromEntries.value)}, frontier ${toBase64(fromFrontier.value)}, checkpoint ${toBase64(root)}`);
  rows.push({
    figure: `root of ${size.toLocaleString('en-US')} entries recomputed from every entry's bytes`,
    value: fromEntries.ms / 1000,
    unit: 's',
    detail: `reading ${(readMs / 1000).toFixed(1)} s, hashing ${(hashMs / 1000).toFixed(1)} s`,
    summary: true,
  });
  rows.push({
    figure: 'root from the stored frontier (readNodes + rootFromFrontier)',
    value: fromFrontier.ms / 1000,
    unit: 's',
    detail: `${frontier(size).length} nodes`,
    summary: true,
  });
  notes.push(
    `both roots equal the published checkpoint's root; entries read with readEntryRange in pages of ${page.toLocaleString('en-US')}, leaf hashes with hashLeaf (noble), then rootFromLeafHashes.`,
  );
  notes.push(`from entries vs from the frontier: ${Math.round(fromEntries.ms / fromFrontier.ms).toLocaleString('en-US')}× longer.`);
  return { title, rows, notes };
}

// ------------------------------------------------------------------ checkpoint latency

export async function checkpointLatency(): Promise<Section> {
  const title = 'log: append success → first checkpoint covering it (PostgreSQL)';
  const testApp = await startTestApp('postgres');
  onCleanup(testApp.close);
  const generator = await addParticipant(testApp.app, 'generator', 'bench-generator');
  const meters: MeterChain[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const id = `meter-${String(i).padStart(4, '0')}`;
    meters.push(new MeterChain(id, (await addDevice(testApp.app, { id, owner: generator.id, type: 'wind' })).signer));
  }
  const server = await listen(testApp.app);
  const rate = 100;
  const rows: Row[] = [];
  const notes: string[] = [];
  const watcher = new pg.Client({ connectionString: testApp.testStore.url });
  await watcher.connect();
  onCleanup(() => watcher.end());

  for (const [cadence, everyMs, seconds] of [
    ['PT5S', 5_000, scaled(40, 10)],
    ['PT1S', 1_000, scaled(12, 4)],
  ] as const) {
    const perMeter = Math.ceil((rate * seconds) / CLIENTS);
    const clients = meters.map((meter) =>
      roundRobin([meter], perMeter).map((r): LoadRequest => ({ method: 'POST', path: '/v1/entries', body: JSON.stringify({ entries: [r.note] }) })),
    );
    note(`${cadence}: ${rate} readings/s for ${seconds} s (${CLIENTS} meters, 1 reading per request), watching the checkpoint table every 10 ms`);
    const stop = startPublisher(testApp.ledger, everyMs, (error) => note(`publisher failed: ${String(error)}`));
    // Observations of a new checkpoint size: the first moment a reader could fetch it.
    const seen: Array<{ at: number; size: number }> = [];
    let watching = true;
    const watch = (async () => {
      let last = -1;
      while (watching) {
        const { rows: r } = await watcher.query<{ size: string | null }>('select max(size) as size from checkpoint');
        const at = performance.timeOrigin + performance.now();
        const current = Number(r[0]!.size ?? 0);
        if (current !== last) {
          seen.push({ at, size: current });
          last = current;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const load = await runLoad({ ...server, headers: auth(generator.token), expect: 'entries', clients, ratePerSecond: rate });
    if (load.firstError || load.accepted !== load.requests) throw new Error(`${cadence}: ${load.accepted} of ${load.requests} accepted; ${load.firstError}`);
    const lastIndex = Math.max(...load.answers!.map((a) => a.index));
    const deadline = performance.now() + everyMs * 3 + 2_000;
    while ((seen.at(-1)?.size ?? 0) <= lastIndex && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    watching = false;
    await watch;
    await stop();
    const latencies = load.answers!.map((answer) => {
      const covering = seen.find((s) => s.size > answer.index && s.at >= answer.at - 1_000);
      if (!covering) throw new Error(`${cadence}: no checkpoint covered index ${answer.index}`);
      return Math.max(0, covering.at - answer.at);
    });
    latencies.sort((a, b) => a - b);
    const achieved = (load.requests / load.ms) * 1000;
    for (const p of [50, 95] as const) {
      rows.push({
        figure: `publisher ${cadence}: answer → checkpoint, p${p}`,
        value: percentile(latencies, p) / 1000,
        unit: 's',
        summary: true,
        ...(p === 95
          ? {
              detail: `max ${(latencies.at(-1)! / 1000).toFixed(2)} s, mean ${(mean(latencies) / 1000).toFixed(2)} s, ${latencies.length} appends at ${Math.round(achieved)}/s`,
            }
          : {}),
      });
    }
    notes.push(
      `${cadence}: ${seen.filter((s) => s.size > 0).length} checkpoint sizes observed; a uniform arrival under a fixed cadence T gives p50 ≈ T/2 and p95 ≈ 0.95·T plus the publish time.`,
    );
  }
  notes.push(
    'latency = first time a SELECT max(size) FROM checkpoint (every 10 ms, own connection) showed a size above the entry index, minus the time the client got its answer.',
  );
  return { title, rows, notes };
}

// ------------------------------------------------------------------ integration cost

/** The variant without integration: entries and the head, no tree nodes (never used outside this benchmark). */
async function appendWithoutNodes(tx: Tx, size: number, entries: readonly NewEntry[]): Promise<number> {
  for (let offset = 0; offset < entries.length; offset += 1000) {
    const rows = entries
      .slice(offset, offset + 1000)
      .map((entry, i) => ({ idx: size + offset + i, leaf_hash: entry.leafHash, bytes: entry.bytes, kind: entry.kind }));
    await tx.insertInto('entry').values(rows).execute();
  }
  const newSize = size + entries.length;
  await tx.updateTable('log_head').set({ size: newSize }).execute();
  return newSize;
}

export async function integrationCost(): Promise<Section> {
  const title = 'log: cost of integration on ingest (PostgreSQL, same batches, interleaved)';
  const open = async () => {
    const database = await freshPostgres();
    const store = await openPostgres(database.url);
    onCleanup(() => store.close());
    await migrate(store);
    return store;
  };
  const withNodes = await open();
  const withoutNodes = await open();
  const rows: Row[] = [];
  const notes: string[] = [];
  let offset = 0;
  for (const [batchSize, batches] of [
    [500, scaled(120, 10)],
    [16, scaled(1_500, 100)],
  ] as const) {
    const all = syntheticEntries(offset, batchSize * (batches + 4));
    offset += all.length;
    const ms = { with: 0, without: 0 };
    note(`batches of ${batchSize}: ${batches} per variant, interleaved`);
    for (let b = 0; b < batches + 4; b++) {
      const entries = all.slice(b * batchSize, (b + 1) * batchSize);
      const runWith = async () => {
        const t0 = performance.now();
        await appendBatch(withNodes, entries);
        return performance.now() - t0;
      };
      const runWithout = async () => {
        const t0 = performance.now();
        await withoutNodes.db.transaction().execute(async (tx) => appendWithoutNodes(tx, await lockLogHead(tx), entries));
        return performance.now() - t0;
      };
      // The first 4 batches warm up; the order alternates so neither variant always goes first.
      let tWith: number;
      let tWithout: number;
      if (b % 2 === 0) {
        tWith = await runWith();
        tWithout = await runWithout();
      } else {
        tWithout = await runWithout();
        tWith = await runWith();
      }
      if (b >= 4) {
        ms.with += tWith;
        ms.without += tWithout;
      }
    }
    const count = batchSize * batches;
    rows.push({
      figure: `appendEntries with tree nodes, ${batchSize}/transaction`,
      value: (count / ms.with) * 1000,
      unit: 'entries/s',
      baseline: (count / ms.without) * 1000,
      baselineLabel: '(without tree nodes)',
      summary: true,
    });
  }
  const nodes = await withNodes.db
    .selectFrom('tree_node')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const entries = await readLogSize(withNodes.db);
  notes.push(
    `each transaction: lock log_head, INSERT entry rows, (readNodes of the frontier, INSERT tree_node rows,) UPDATE log_head, COMMIT; ${Number(nodes.n).toLocaleString('en-US')} nodes for ${entries.toLocaleString('en-US')} entries (${(Number(nodes.n) / entries).toFixed(2)} per entry).`,
  );
  notes.push(
    'synthetic reading-sized entries, leaf hashes computed before timing (the intake computes them outside the transaction); node hashes are inside the timing.',
  );
  return { title, rows, notes };
}

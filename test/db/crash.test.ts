/**
 * Crash (docs/design.md §3): the real server, killed with SIGKILL in the
 * middle of a load of single-reading appends from many clients (grouped
 * into shared transactions by the sequencer) and restarted. Every reading that had been
 * answered with success is at its index with its leaf hash, indexes have no
 * gap, every device chain is intact, and the root recomputed from all entries
 * equals the latest checkpoint's after one more publish.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import t from 'tap';
import { toBase64 } from '../../src/crypto/base64.ts';
import { openCheckpoint } from '../../src/crypto/checkpoint.ts';
import { hashLeaf, rootFromLeafHashes } from '../../src/crypto/merkle.ts';
import { parseVerifierKey, type Signer } from '../../src/crypto/note.ts';
import { openPostgres } from '../../src/db/connect.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import type { ReadingPayload } from '../../src/domain/payloads.ts';
import { meterKey } from '../helpers/app.ts';
import { createPostgresDatabase, testBackends } from '../helpers/database.ts';
import { entryIndexes, hour, leafHashOf, range } from '../helpers/log-state.ts';
import { exited, freePort, healthy, Processes, sleep } from '../helpers/server-process.ts';

const ORIGIN = 'crash.example/gridproof';
const TOKEN = 'crash-test-operator-token';
/** One client per device, one reading per request: the sequencer groups them (group commit). */
const DEVICES = 24;
/** SIGKILL once this many readings were acknowledged (or after KILL_AFTER_MS). */
const KILL_AT = 400;
/** How long a start may take: on a loaded machine the server and its worker threads take a while. */
const START_TIMEOUT_MS = 90_000;
const KILL_AFTER_MS = 8_000;

for (const backend of await testBackends()) {
  t.test(
    `${backend}: SIGKILL in the middle of appends, then restart`,
    { skip: backend !== 'postgres' && 'needs a PostgreSQL server: the crash test runs the real server process on its own database' },
    async (t) => {
      const database = await createPostgresDatabase();
      t.teardown(database.drop);
      const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-crash-'));
      t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = {
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        GRIDPROOF_ORIGIN: ORIGIN,
        GRIDPROOF_OPERATOR_TOKEN: TOKEN,
        GRIDPROOF_CHECKPOINT_INTERVAL: 'PT0.2S',
        // This test is about the log: no automatic matching entries.
        GRIDPROOF_GATE_CLOSURE: 'off',
      };
      const processes = new Processes(t);
      const startServer = async (): Promise<ChildProcess> => (await healthy(processes.start(env, port), START_TIMEOUT_MS)).child;

      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies of many shapes, each read by the assertions that follow
      async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any }> {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await response.text();
        return { status: response.status, json: text.startsWith('{') ? JSON.parse(text) : text };
      }

      let server = await startServer();
      const participant = await call('POST', '/v1/participants', TOKEN, { id: 'windco', role: 'generator', name: 'Windco' });
      t.equal(participant.status, 201, 'generator registered');
      const genToken = participant.json.token as string;
      const meters: Array<{ id: string; signer: Signer; seq: number; prev: string | undefined }> = [];
      for (const i of range(DEVICES)) {
        const key = meterKey(`meter/wind-${i}`);
        const device = await call('POST', '/v1/devices', TOKEN, {
          id: `wind-${i}`,
          owner: 'windco',
          type: 'wind',
          biddingZone: 'DE-LU',
          country: 'DE',
          capacityW: 10_000_000,
          commissioningDate: '2018-01-01',
          eecsEnergySource: 'F01050100',
          eecsTechnology: 'T020001',
          verifierKey: key.vkey,
        });
        t.equal(device.status, 201, `device ${i} registered`);
        meters.push({ id: `wind-${i}`, signer: key.signer, seq: 0, prev: undefined });
      }
      const reading = (meter: (typeof meters)[number], seq: number, prev: string | undefined) =>
        sealEntry(
          {
            kind: 'reading',
            log: ORIGIN,
            device: meter.id,
            seq,
            ...(prev === undefined ? {} : { prev }),
            start: hour(seq),
            end: hour(seq + 1),
            importWh: '0',
            exportWh: String(1000 + seq),
            quality: 'measured',
          } as ReadingPayload,
          meter.signer,
        );

      // The registry is checkpointed before the load starts, so a checkpoint predates the crash.
      const firstCheckpointBy = Date.now() + 10_000;
      while ((await fetch(`${base}/v1/log/checkpoint`)).status !== 200 && Date.now() < firstCheckpointBy) await sleep(50);

      // The load: one client per meter, one reading per request, as fast as it goes.
      const acknowledged: Array<{ index: number; leafHash: string; note: string }> = [];
      let killed = false;
      let stopped = 0;
      const loadStart = Date.now();
      const clients = meters.map(async (meter) => {
        while (!killed && Date.now() - loadStart < KILL_AFTER_MS + 5_000) {
          const note = reading(meter, meter.seq, meter.prev);
          let answer;
          try {
            answer = await call('POST', '/v1/entries', genToken, { entries: [note] });
          } catch {
            break; // the server is gone; this reading's fate is unknown
          }
          const result = answer.json?.results?.[0];
          if (answer.status !== 200 || result?.index === undefined) throw new Error(`unexpected answer ${answer.status}: ${JSON.stringify(answer.json)}`);
          acknowledged.push({ index: result.index, leafHash: result.leafHash, note });
          meter.seq += 1;
          meter.prev = result.leafHash;
        }
        stopped += 1;
      });
      while (acknowledged.length < KILL_AT && Date.now() - loadStart < KILL_AFTER_MS && stopped === 0) await sleep(5);
      const inFlightAtKill = DEVICES - stopped;
      server.kill('SIGKILL');
      killed = true;
      await exited(server);
      t.equal(server.signalCode, 'SIGKILL', 'the server was killed');
      await Promise.all(clients);
      t.ok(acknowledged.length > 0, `${acknowledged.length} readings acknowledged before the kill`);
      t.equal(inFlightAtKill, DEVICES, 'every client was mid-load when the server died');

      server = await startServer();
      const store = await openPostgres(database.url, 2);
      t.teardown(() => store.close());
      const db = store.db;

      const rows = await db.selectFrom('entry').select(['idx', 'leaf_hash', 'bytes']).orderBy('idx').execute();
      const byIndex = new Map(rows.map((row) => [row.idx, row]));
      let missing = 0;
      for (const ack of acknowledged) {
        const row = byIndex.get(ack.index);
        if (!row || toBase64(row.leaf_hash) !== ack.leafHash || Buffer.from(row.bytes).toString('utf8') !== ack.note) missing++;
      }
      t.equal(missing, 0, `all ${acknowledged.length} acknowledged readings are at their index with their leaf hash and bytes`);
      t.ok(
        acknowledged.every((ack) => ack.leafHash === leafHashOf(ack.note)),
        'each acknowledgement named the leaf hash of the bytes sent',
      );
      const { indexes, size } = await entryIndexes(db);
      t.strictSame(indexes, range(size), `indexes 0..${size - 1} without a gap`);
      t.ok(size >= 2 + 1 + 2 * DEVICES + acknowledged.length, 'nothing acknowledged was lost');
      // entry.logged_at is its transaction's start: the acknowledged readings were committed in groups.
      const grouped = (
        await sql<{ entries: number; transactions: number }>`
        select count(*)::int as entries, count(distinct logged_at)::int as transactions
          from entry where idx = any(${acknowledged.map((ack) => ack.index)}::bigint[])`.execute(db)
      ).rows[0]!;
      t.ok(
        grouped.transactions < grouped.entries,
        `the ${grouped.entries} acknowledged readings were committed in ${grouped.transactions} grouped transactions`,
      );

      // Each chain is intact; readings committed but never acknowledged extend it.
      for (const meter of meters) {
        const chain = await call('GET', `/v1/devices/${meter.id}/chain`, TOKEN);
        t.equal(chain.json.valid, true, `${meter.id}: chain valid after the crash`);
        t.ok(chain.json.length >= meter.seq, `${meter.id}: at least the ${meter.seq} acknowledged readings`);
        meter.seq = chain.json.length;
        meter.prev = chain.json.head?.leafHash;
      }

      // One more reading per meter after the restart, then wait for its checkpoint.
      const after = await call('POST', '/v1/entries', genToken, { entries: meters.map((meter) => reading(meter, meter.seq, meter.prev)) });
      t.equal(after.status, 200);
      t.ok(
        after.json.results.every((r: { duplicate?: boolean }) => r.duplicate === false),
        'the restarted server accepts the next readings',
      );
      const finalSize = (await entryIndexes(db)).size;
      t.equal(finalSize, size + DEVICES);

      const vkey = parseVerifierKey(((await fetch(`${base}/v1/log/key`).then((r) => r.text())) as string).trim());
      let latest;
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const note = await fetch(`${base}/v1/log/checkpoint`).then((r) => (r.ok ? r.text() : undefined));
        latest = note === undefined ? undefined : openCheckpoint(note, vkey, ORIGIN);
        if (latest && latest.size === finalSize) break;
        await sleep(100);
      }
      t.equal(latest?.size, finalSize, 'the publisher checkpointed the whole log');
      const leaves = (await db.selectFrom('entry').select('bytes').orderBy('idx').execute()).map((row) => hashLeaf(row.bytes));
      t.equal(leaves.length, finalSize);
      t.strictSame(toBase64(latest!.root), toBase64(rootFromLeafHashes(leaves)), 'the root recomputed from every entry equals the checkpoint root');

      // Checkpoints from before and after the crash are all prefixes of this log.
      const checkpoints = await db.selectFrom('checkpoint').select(['size', 'root']).orderBy('size').execute();
      t.ok(
        checkpoints.some((cp) => cp.size < size),
        'checkpoints were published before the crash',
      );
      const wrong = checkpoints.filter((cp) => toBase64(cp.root) !== toBase64(rootFromLeafHashes(leaves.slice(0, cp.size))));
      t.strictSame(
        wrong.map((cp) => cp.size),
        [],
        `all ${checkpoints.length} checkpoints are roots of prefixes of the log`,
      );
      t.equal(checkpoints.at(-1)!.size, finalSize, 'the served checkpoint is the latest stored');

      server.kill('SIGTERM');
      await exited(server);
      t.equal(server.exitCode, 0, 'a graceful stop after the restart');
    },
  );
}

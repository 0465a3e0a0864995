/**
 * Group commit (docs/design.md §3): single readings posted concurrently are
 * grouped into shared transactions, and the log they give is the log one
 * batch of the same readings gives — per device the same readings at the
 * same seqs with the same bytes and chain head — whatever else shares their
 * group: other devices, the same device out of order, duplicates of the
 * same reading, and conflicting readings for a seq already taken. Each
 * request gets its own coded answer; a refused reading is never stored.
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { toBase64 } from '../../src/crypto/base64.ts';
import type { Signer } from '../../src/crypto/note.ts';
import type { Db } from '../../src/db/log.ts';
import { addParticipant, auth, meterKey, OPERATOR_TOKEN, postEntries, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { entryIndexes, leafHashOf, Meter, range } from '../helpers/log-state.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');
const DEVICES = 6;
const READINGS = 8;
const OUT_OF_ORDER = 3;
const DUPLICATED = 4;
const CONFLICTED = 5;

type Result = { index: number; leafHash: string; duplicate: boolean; late?: boolean } | { error: { code: string; detail: string } };

async function registerDevice(app: FastifyInstance, id: string, owner: string, vkey: string): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/devices',
    headers: auth(OPERATOR_TOKEN),
    payload: {
      id,
      owner,
      type: 'wind',
      country: 'DE',
      biddingZone: 'DE-LU',
      capacityW: 10_000_000,
      commissioningDate: '2018-01-01',
      eecsEnergySource: 'F01050100',
      eecsTechnology: 'T020001',
      verifierKey: vkey,
    },
  });
  if (response.statusCode !== 201) throw new Error(`device: ${response.body}`);
}

async function postOne(app: FastifyInstance, token: string, note: string): Promise<Result> {
  const response = await postEntries(app, token, [note]);
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${response.body}`);
  return (response.json() as { results: Result[] }).results[0]!;
}

/** Per device: its readings' bytes in seq order, and its chain head. */
async function chains(db: Db): Promise<Record<string, { notes: string[]; head: { seq: number; leafHash: string } }>> {
  const rows = await db
    .selectFrom('reading')
    .innerJoin('entry', 'entry.idx', 'reading.entry_idx')
    .select(['reading.device_id', 'reading.seq', 'entry.bytes'])
    .orderBy('reading.device_id')
    .orderBy('reading.seq')
    .execute();
  const heads = await db.selectFrom('device_chain').select(['device_id', 'seq', 'leaf_hash']).execute();
  const out: Record<string, { notes: string[]; head: { seq: number; leafHash: string } }> = {};
  for (const head of heads) out[head.device_id] = { notes: [], head: { seq: Number(head.seq), leafHash: toBase64(head.leaf_hash) } };
  for (const row of rows) out[row.device_id]!.notes.push(Buffer.from(row.bytes).toString('utf8'));
  return out;
}

async function logged(db: Db, note: string): Promise<boolean> {
  const rows = await sql<{ n: number }>`select count(*)::int as n from entry where leaf_hash = decode(${leafHashOf(note)}, 'base64')`.execute(db);
  return rows.rows[0]!.n > 0;
}

for (const backend of await testBackends()) {
  t.test(`${backend}: grouped single readings give the log one batch gives`, async (t) => {
    const batchEnv = await startTestApp(backend, { now: () => NOW });
    t.teardown(batchEnv.close);
    const singleEnv = await startTestApp(backend, { now: () => NOW });
    t.teardown(singleEnv.close);

    // The same devices, under the same keys, on both logs; the same signed readings for both.
    const batchGen = await addParticipant(batchEnv.app, 'generator', 'windco');
    const singleGen = await addParticipant(singleEnv.app, 'generator', 'windco');
    const signers: Signer[] = [];
    const notes: string[][] = [];
    for (const d of range(DEVICES)) {
      const key = meterKey(`meter/wind-${d}`);
      signers.push(key.signer);
      await registerDevice(batchEnv.app, `wind-${d}`, 'windco', key.vkey);
      await registerDevice(singleEnv.app, `wind-${d}`, 'windco', key.vkey);
      const meter = new Meter(`wind-${d}`, key.signer);
      notes.push(
        range(READINGS).map(() => {
          const note = meter.next();
          meter.accepted(note);
          return note;
        }),
      );
    }

    const batch = await postEntries(
      batchEnv.app,
      batchGen.token,
      range(READINGS).flatMap((k) => notes.map((list) => list[k]!)),
    );
    t.equal(batch.statusCode, 200);
    t.ok(
      (batch.json() as { results: Result[] }).results.every((r) => 'index' in r && !r.duplicate),
      'the batch path accepts every reading',
    );

    const db = singleEnv.ledger.db;
    const { app } = singleEnv;
    const token = singleGen.token;
    const refused: Array<{ note: string; code: string }> = [];
    const before = (await entryIndexes(db)).size;

    const inOrder = async (d: number) => {
      for (const note of notes[d]!) {
        const result = await postOne(app, token, note);
        if (!('index' in result) || result.duplicate) throw new Error(`wind-${d}: ${JSON.stringify(result)}`);
      }
    };
    // All of a device's readings at once, again and again until each is in: later seqs are refused until their predecessor is logged.
    const outOfOrder = async (d: number) => {
      let pending = [...notes[d]!].reverse();
      for (let round = 0; pending.length > 0 && round <= READINGS; round++) {
        const results = await Promise.all(pending.map((note) => postOne(app, token, note)));
        const left: string[] = [];
        results.forEach((result, i) => {
          if ('error' in result) {
            refused.push({ note: pending[i]!, code: result.error.code });
            left.push(pending[i]!);
          } else if (result.duplicate) throw new Error(`wind-${d}: a first post answered duplicate`);
        });
        for (const note of left) if (await logged(db, note)) throw new Error(`wind-${d}: a refused reading is in the log`);
        pending = left;
      }
      if (pending.length > 0) throw new Error(`wind-${d}: ${pending.length} readings never got in`);
    };
    // Each reading three times at once: one is appended, the others answer duplicate with its index.
    const duplicated = async (d: number) => {
      for (const note of notes[d]!) {
        const results = await Promise.all(range(3).map(() => postOne(app, token, note)));
        const fresh = results.filter((r) => 'index' in r && !r.duplicate);
        const indexes = new Set(results.map((r) => ('index' in r ? r.index : -1)));
        if (fresh.length !== 1 || indexes.size !== 1 || indexes.has(-1)) throw new Error(`wind-${d}: ${JSON.stringify(results)}`);
      }
    };
    // Each reading beside another reading for the seq just taken: that one is refused, this one gets in.
    const conflicted = async (d: number) => {
      const meter = new Meter(`wind-${d}`, signers[d]!);
      for (const note of notes[d]!) {
        const rival = meter.seq === 0 ? undefined : new Meter(`wind-${d}`, signers[d]!, meter.hour - 1);
        if (rival) {
          rival.seq = meter.seq - 1;
          rival.prev = meter.seq >= 2 ? leafHashOf(notes[d]![meter.seq - 2]!) : undefined;
        }
        const rivalNote = rival?.next({ exportWh: '999' });
        const [result, rivalResult] = await Promise.all([postOne(app, token, note), rivalNote ? postOne(app, token, rivalNote) : undefined]);
        if (!('index' in result) || result.duplicate) throw new Error(`wind-${d}: ${JSON.stringify(result)}`);
        if (rivalNote) {
          if (!rivalResult || !('error' in rivalResult)) throw new Error(`wind-${d}: the rival was not refused: ${JSON.stringify(rivalResult)}`);
          refused.push({ note: rivalNote, code: rivalResult.error.code });
        }
        meter.accepted(note);
      }
    };
    await Promise.all(
      range(DEVICES).map((d) => (d === OUT_OF_ORDER ? outOfOrder(d) : d === DUPLICATED ? duplicated(d) : d === CONFLICTED ? conflicted(d) : inOrder(d))),
    );

    t.strictSame(await chains(db), await chains(batchEnv.ledger.db), 'per device: the same readings at the same seqs, byte for byte, and the same chain head');
    const { indexes, size } = await entryIndexes(db);
    t.strictSame(indexes, range(size), 'indexes without a gap');
    t.equal(size - before, DEVICES * READINGS, 'exactly the readings, each once: nothing refused was stored');
    t.ok(refused.length >= READINGS - 1, `${refused.length} readings refused on the way`);
    const codes = [...new Set(refused.map((r) => r.code))].sort();
    t.ok(
      codes.every((code) => code === 'seq-conflict' || code === 'seq-gap'),
      `refusals carry chain codes (${codes.join(', ')})`,
    );
    t.ok(refused.some((r) => r.code === 'seq-conflict') && refused.some((r) => r.code === 'seq-gap'), 'both conflicts and gaps were refused');
    const rivals = refused.filter((r) => !notes.flat().includes(r.note));
    for (const rival of rivals) t.notOk(await logged(db, rival.note), 'a refused rival is not in the log');

    // The readings went in shared transactions: entry.logged_at is the transaction's start time.
    const { rows } = await sql<{ entries: number; transactions: number }>`
      select count(*)::int as entries, count(distinct logged_at)::int as transactions from entry where idx >= ${before}`.execute(db);
    t.ok(rows[0]!.transactions < rows[0]!.entries, `${rows[0]!.entries} readings in ${rows[0]!.transactions} transactions: requests were grouped`);
  });
}

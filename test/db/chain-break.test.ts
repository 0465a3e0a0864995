/**
 * GET /v1/devices/{id}/chain/verification finds a chain broken in the
 * database itself (docs/api.md, src/ledger/chain.ts), on real PostgreSQL and
 * PGlite. The rows are rewritten as only someone who can switch the
 * database's triggers off can (session_replication_role = replica, as
 * superuser, in a transaction): a reading re-signed with the meter's own key
 * no longer chains to its successor (bad-prev), and a reading whose figures
 * were changed under its old signature does not verify (bad-signature). Each
 * answer says valid:false with the seq, index and rule of the first break,
 * and follows the declared schema (schemas/api/chain-verification.json).
 */
import { Ajv } from 'ajv';
import { sql } from 'kysely';
import t from 'tap';
import { utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { sharedSchemas } from '../../src/routes/validators.ts';
import { addDevice, addParticipant, auth, postEntries, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { Meter } from '../helpers/log-state.ts';

const ajv = new Ajv({ strict: false, validateSchema: false });
for (const schema of sharedSchemas) ajv.addSchema(schema);
const followsSchema = ajv.getSchema('https://gridproof.dev/schemas/api/chain-verification.json')!;

for (const backend of await testBackends()) {
  t.test(`${backend}: a chain broken in the database is reported as valid:false`, async (t) => {
    const env = await startTestApp(backend, { now: () => Date.parse('2024-06-01T00:00:00Z') });
    t.teardown(env.close);
    const { app, ledger } = env;
    const gen = await addParticipant(app, 'generator', 'windco');
    const certifier = await addParticipant(app, 'certifier', 'auditor');
    const key = await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' });
    const meter = new Meter('wind-1', key.signer);
    const indexes: number[] = [];
    for (let seq = 0; seq < 6; seq++) {
      const note = meter.next({ exportWh: String(1000 + seq) });
      const result = (await postEntries(app, gen.token, [note])).json().results[0];
      indexes.push(result.index);
      meter.accepted(note);
    }
    const verification = async (query = '') => {
      const reply = await app.inject({ url: `/v1/devices/wind-1/chain/verification${query}`, headers: auth(certifier.token) });
      t.equal(reply.statusCode, 200);
      const body = reply.json();
      t.ok(followsSchema(body), `${query || 'the whole chain'}: follows the declared schema ${ajv.errorsText(followsSchema.errors)}`);
      return body;
    };
    t.strictSame(await verification(), { valid: true, fromSeq: 0, checked: 6, nextSeq: null, length: 6 }, 'the chain verifies as logged');

    /** Rewrites the entry at `index` with the triggers off, as a superuser could. */
    const rewrite = (index: number, note: string) =>
      ledger.db.transaction().execute(async (tx) => {
        await sql`set local session_replication_role = replica`.execute(tx);
        // The leaf hash follows the bytes: a check constraint (not a trigger) holds them together.
        const result = await sql`update entry set bytes = ${utf8(note)}, leaf_hash = ${hashLeaf(utf8(note))} where idx = ${index}`.execute(tx);
        t.equal(Number(result.numAffectedRows), 1, `entry ${index} rewritten`);
      });
    const original = async (index: number) =>
      Buffer.from((await ledger.db.selectFrom('entry').select('bytes').where('idx', '=', index).executeTakeFirstOrThrow()).bytes).toString('utf8');

    // Seq 2 re-signed by the meter's key with another figure: its signature holds, seq 3's prev no longer names it.
    const seq2 = await original(indexes[2]!);
    const resigned = new Meter('wind-1', key.signer, 2);
    resigned.seq = 2;
    resigned.prev = JSON.parse(seq2.split('\n')[1]!).prev;
    await rewrite(indexes[2]!, resigned.next({ exportWh: '9999' }));
    const broken = await verification();
    t.strictSame(
      { ...broken, break: { ...broken.break, detail: typeof broken.break?.detail } },
      { valid: false, fromSeq: 0, checked: 3, length: 6, break: { seq: 3, index: indexes[3], code: 'bad-prev', detail: 'string' } },
      'the break is at seq 3, whose prev names the original seq 2',
    );
    t.match(broken.break.detail, /^prev must be the leaf hash of seq 2: /);
    const page = await verification('?fromSeq=2&limit=2');
    t.match(page, { valid: false, fromSeq: 2, checked: 1, break: { seq: 3, code: 'bad-prev' } }, 'a page holding it finds it too');
    t.strictSame(await verification('?fromSeq=4'), { valid: true, fromSeq: 4, checked: 2, nextSeq: null, length: 6 }, 'a page after it does not');

    // Seq 4 with its figure changed under its old signature.
    const seq4 = await original(indexes[4]!);
    await rewrite(indexes[4]!, seq4.replace('"exportWh":"1004"', '"exportWh":"1400"'));
    const forged = await verification('?fromSeq=4');
    t.match(
      forged,
      { valid: false, fromSeq: 4, checked: 0, length: 6, break: { seq: 4, index: indexes[4], code: 'bad-signature' } },
      'a changed figure breaks the signature',
    );

    const head = await app.inject({ url: '/v1/devices/wind-1/chain', headers: auth(certifier.token) });
    t.match(head.json(), { valid: true, length: 6 }, 'the head (checked at intake) cannot tell: only the re-verification reads the bytes');
    t.notOk(followsSchema({ ...broken, break: undefined }), 'the schema would refuse a break without its place');
  });
}

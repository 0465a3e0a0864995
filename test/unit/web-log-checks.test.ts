/**
 * The Log page's checks (src/web/model/log-checks.ts) on what a real service
 * serves: its signed checkpoints of two sizes, an inclusion proof and a
 * consistency proof from the API, checked under the log key alone. Each
 * broken input (another key, a changed proof node, another leaf, a wrong
 * index, sizes swapped) fails with its rule's code.
 */
import t from 'tap';
import { generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { checkConsistency, checkInclusion, openLogCheckpoint, type ConsistencyProofBody, type InclusionProofBody } from '../../src/web/model/log-checks.ts';
import { addParticipant, ORIGIN, startTestApp } from '../helpers/app.ts';

const env = await startTestApp('pglite');
t.teardown(env.close);
const { app } = env;
for (const id of ['t1', 't2', 't3']) await addParticipant(app, 'tenant', id);
const older = (await publishCheckpoint(env.ledger)).checkpoint!;
for (const id of ['t4', 't5', 't6', 't7']) await addParticipant(app, 'tenant', id);
const newer = (await publishCheckpoint(env.ledger)).checkpoint!;
const logKey = `${env.ledger.logVerifier.vkey}\n`; // as GET /v1/log/key serves it: one line
const get = async (url: string) => {
  const reply = await app.inject({ url });
  t.equal(reply.statusCode, 200, url);
  return reply.body;
};
const olderText = await get(`/v1/log/checkpoints/${older.size}`);
const newerText = await get('/v1/log/checkpoint');

/** One base64 hash with its first character changed: still 32 bytes, another value. */
const altered = (hash: string) => `${hash[0] === 'A' ? 'B' : 'A'}${hash.slice(1)}`;

t.test('a checkpoint opens under the log key and nothing else', async (t) => {
  t.ok(newer.size > older.size && older.size > 0, `sizes ${older.size} and ${newer.size}`);
  const opened = openLogCheckpoint(newerText, logKey);
  t.equal(opened.origin, ORIGIN);
  t.equal(opened.size, newer.size);
  t.same(openLogCheckpoint(olderText, logKey).size, older.size);
  const stranger = verifierOf(generateSigner(ORIGIN)).vkey;
  t.throws(() => openLogCheckpoint(newerText, stranger), { code: 'unknown-signer' }, 'a key of the same name that did not sign it');
  t.throws(() => openLogCheckpoint(newerText, 'not a key'), { code: 'bad-verifier-key' });
  const tampered = newerText.replace(`\n${newer.size}\n`, `\n${newer.size + 1}\n`);
  t.throws(() => openLogCheckpoint(tampered, logKey), { code: 'bad-signature' }, 'a size changed after signing');
});

t.test('inclusion: the served proof checks; each change to it fails', async (t) => {
  const checkpoint = openLogCheckpoint(newerText, logKey);
  const body = JSON.parse(await get(`/v1/log/proof/inclusion?index=4&treeSize=${newer.size}`)) as InclusionProofBody;
  t.equal(body.index, 4);
  t.ok(body.proof.length > 0, 'a proof of some length');
  t.equal(checkInclusion(checkpoint, body), `Included: leaf ${body.leafHash} is entry 4 of the signed tree of ${newer.size} entries.`);
  // By leaf hash, as the page asks: the same entry.
  const byLeaf = JSON.parse(await get(`/v1/log/proof/inclusion?leafHash=${encodeURIComponent(body.leafHash)}&treeSize=${newer.size}`)) as InclusionProofBody;
  t.same(byLeaf, body);

  t.throws(() => checkInclusion(checkpoint, { ...body, leafHash: altered(body.leafHash) }), { code: 'bad-proof' }, 'another leaf');
  t.throws(() => checkInclusion(checkpoint, { ...body, index: 5 }), { code: 'bad-proof' }, 'another index');
  t.throws(() => checkInclusion(checkpoint, { ...body, proof: [altered(body.proof[0]!), ...body.proof.slice(1)] }), { code: 'bad-proof' }, 'a changed node');
  t.throws(() => checkInclusion(checkpoint, { ...body, proof: body.proof.slice(1) }), { code: 'bad-proof' }, 'a node missing');
  t.throws(() => checkInclusion(openLogCheckpoint(olderText, logKey), body), { code: 'bad-proof' }, 'against a tree the proof is not for');
  t.throws(() => checkInclusion(checkpoint, { ...body, leafHash: 'not base64!' }), { code: 'bad-hash' }, 'a leaf hash that is not one');
});

t.test('consistency: the served proof checks; each change to it fails', async (t) => {
  const a = openLogCheckpoint(olderText, logKey);
  const b = openLogCheckpoint(newerText, logKey);
  const body = JSON.parse(await get(`/v1/log/proof/consistency?from=${older.size}&to=${newer.size}`)) as ConsistencyProofBody;
  t.same([body.from, body.to], [older.size, newer.size]);
  t.equal(
    checkConsistency(a, b, body),
    `Consistent: the signed tree of ${newer.size} entries extends the signed tree of ${older.size} entries; nothing was changed or removed.`,
  );
  t.throws(() => checkConsistency(a, b, { ...body, proof: [altered(body.proof[0]!), ...body.proof.slice(1)] }), { code: 'bad-proof' }, 'a changed node');
  t.throws(() => checkConsistency(a, b, { ...body, proof: [] }), { code: 'bad-proof' }, 'no proof');
  t.throws(() => checkConsistency(b, a, body), { code: 'bad-proof' }, 'the sizes swapped');
  // A root that is not the log's: the same size, another tree.
  t.throws(() => checkConsistency({ ...a, root: b.root }, b, body), { code: 'bad-proof' }, 'an older root the log never had');
});

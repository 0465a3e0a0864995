/**
 * The witness (C2SP tlog-witness v1 add-checkpoint) over HTTP, with the
 * checkpoints and proofs made by Go's sumdb/note and sumdb/tlog
 * (test/fixtures/PROVENANCE.md, tree-37-old-13-cosigned.json): every status
 * code, a fork refused, the state on disk before the answer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { cosignerVerifierOf, generateCosigner, openCosignatures } from '../../src/crypto/cosignature.ts';
import { fromBase64 } from '../../src/crypto/base64.ts';
import { signCheckpoint } from '../../src/crypto/checkpoint.ts';
import { generateSigner, parsePrivateKey, parseVerifierKey } from '../../src/crypto/note.ts';
import { formatAddCheckpoint } from '../../src/domain/witness.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';
import { WitnessStateDir } from '../../src/witness/state-file.ts';
import { buildWitnessApp } from '../../src/witness/witness-server.ts';

interface Vector {
  origin: string;
  verifier_key: string;
  signer_key_TEST_ONLY: string;
  checkpoint_note: string;
  consistency_proofs: { old_size: number; new_size: number; proof: string[]; old_checkpoint_note?: string }[];
  invalid_consistency_proofs: { old_size: number; new_size: number; proof: string[] }[];
}
const vector = JSON.parse(readFileSync(new URL('../fixtures/c2sp-checkpoints/tree-37-old-13-cosigned.json', import.meta.url), 'utf8')) as Vector;
const main = vector.consistency_proofs[0]!;
const note13 = main.old_checkpoint_note!;
const note37 = vector.checkpoint_note;
const NOW = Date.parse('2026-01-02T03:04:05Z');

const cosigner = generateCosigner('witness.test/w1', new Uint8Array(32).fill(3));
const witnessKey = parseVerifierKey(cosignerVerifierOf(cosigner).vkey, 0x04);

async function startWitness(t: Test, dir: string) {
  const app = await buildWitnessApp({
    cosigner,
    logs: [parseVerifierKey(vector.verifier_key)],
    state: new WitnessStateDir(dir),
    sign: nativeSign,
    verify: nativeVerify,
    now: () => NOW,
  });
  t.teardown(() => app.close());
  const post = (body: string) => app.inject({ method: 'POST', url: '/add-checkpoint', payload: body, headers: { 'content-type': 'text/plain' } });
  return { app, post };
}

t.test('add-checkpoint: each status code, in the order a log meets them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { post } = await startWitness(t, dir);

  const malformed = await post('hello\n');
  t.equal(malformed.statusCode, 400, 'malformed body: 400');
  t.equal(malformed.json().code, 'bad-request');
  t.equal((await post(`old 01\n\n${note13}`)).statusCode, 400, 'a size with a leading zero: 400');
  t.equal((await post(`old 14\n\n${note13}`)).statusCode, 400, 'old size beyond the checkpoint: 400');
  t.equal((await post(`old 0\n${'x'.repeat(3)}\n\n${note13}`)).statusCode, 400, 'a proof line that is not a hash: 400');

  const stranger = generateSigner('other.example/log');
  const unknown = await post(
    formatAddCheckpoint(0, [], signCheckpoint({ origin: stranger.name, size: 1, root: new Uint8Array(32), extensions: [] }, stranger)),
  );
  t.equal(unknown.statusCode, 404, 'unknown origin: 404');
  t.equal(unknown.json().code, 'unknown-log');

  const impostor = generateSigner(vector.origin);
  const forged = await post(
    formatAddCheckpoint(0, [], signCheckpoint({ origin: vector.origin, size: 13, root: new Uint8Array(32), extensions: [] }, impostor)),
  );
  t.equal(forged.statusCode, 403, 'known origin, no trusted signature: 403');
  t.equal(forged.json().code, 'bad-log-signature');

  const nonEmpty = await post(formatAddCheckpoint(0, main.proof, note13));
  t.equal(nonEmpty.statusCode, 422, 'a proof from size 0 must be empty: 422');
  t.equal(nonEmpty.json().code, 'inconsistent-proof');

  const first = await post(formatAddCheckpoint(0, [], note13));
  t.equal(first.statusCode, 200, 'first checkpoint: 200');
  const line = first.body;
  t.match(line, /^\u2014 witness\.test\/w1 [A-Za-z0-9+/]+=*\n$/, 'one cosignature line');
  const opened = openCosignatures(`${note13}${line}`, [witnessKey]);
  t.same(opened.valid, [{ vkey: witnessKey.vkey, name: 'witness.test/w1', timestamp: NOW / 1000 }], 'a valid cosignature with the time');

  const stale = await post(formatAddCheckpoint(0, [], note37));
  t.equal(stale.statusCode, 409, 'old size is not the cosigned size: 409');
  t.equal(stale.headers['content-type'], 'text/x.tlog.size');
  t.equal(stale.body, '13\n', 'the body states the cosigned size');

  const badProof = await post(formatAddCheckpoint(13, vector.invalid_consistency_proofs[0]!.proof, note37));
  t.equal(badProof.statusCode, 422, 'a proof that does not verify: 422');
  t.equal(badProof.json().code, 'inconsistent-proof');

  const next = await post(formatAddCheckpoint(13, main.proof, note37));
  t.equal(next.statusCode, 200, 'consistent from 13 to 37: 200');
  t.equal(openCosignatures(`${note37}${next.body}`, [witnessKey]).valid.length, 1);
  t.equal(openCosignatures(`${note37}${next.body}`, [witnessKey], nativeVerify).invalid.length, 0);

  const again = await post(formatAddCheckpoint(37, [], note37));
  t.equal(again.statusCode, 200, 'the same checkpoint again is cosigned again');

  const stored = new WitnessStateDir(dir).get(vector.origin);
  t.equal(stored?.size, 37, 'the state on disk holds size 37');
  t.same(stored?.root, fromBase64('2CcU29mJRCGOSuA5GJ70lEukWE8hAUL3PyFk1ucWOrk='));
});

t.test('a fork is refused: same size with another root, or a larger tree not extending the cosigned one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { post } = await startWitness(t, dir);
  const logSigner = parsePrivateKey(vector.signer_key_TEST_ONLY);
  t.equal((await post(formatAddCheckpoint(0, [], note13))).statusCode, 200);

  // The log's own key signs a second tree of size 13: a split view.
  const fork13 = signCheckpoint({ origin: vector.origin, size: 13, root: new Uint8Array(32).fill(1), extensions: [] }, logSigner);
  const same = await post(formatAddCheckpoint(13, [], fork13));
  t.equal(same.statusCode, 409, 'same size, another root: 409');
  t.equal(same.body, '13\n');

  const fork37 = signCheckpoint({ origin: vector.origin, size: 37, root: new Uint8Array(32).fill(2), extensions: [] }, logSigner);
  const larger = await post(formatAddCheckpoint(13, main.proof, fork37));
  t.equal(larger.statusCode, 422, 'the real proof does not lead to the forked root: 422');
  t.equal(new WitnessStateDir(dir).get(vector.origin)?.size, 13, 'state unchanged after both refusals');
  t.equal((await post(formatAddCheckpoint(13, main.proof, note37))).statusCode, 200, 'the honest tree still is cosigned');
});

t.test('concurrent submissions: one wins, the other meets the new size', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { post } = await startWitness(t, dir);
  const [a, b] = await Promise.all([post(formatAddCheckpoint(0, [], note13)), post(formatAddCheckpoint(0, [], note37))]);
  t.same([a.statusCode, b.statusCode].sort(), [200, 409], 'never two cosignatures from the same old size');
});

t.test('another method on /add-checkpoint is 405 with Allow, as on the main app; an unknown path is 404', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { app } = await startWitness(t, dir);

  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    const response = await app.inject({ method, url: '/add-checkpoint' });
    t.equal(response.statusCode, 405, `${method} /add-checkpoint: 405`);
    t.equal(response.headers.allow, 'POST, OPTIONS', `${method}: Allow names the path's methods`);
    t.match(response.headers['content-type'], /^application\/problem\+json/, `${method}: a problem document`);
    t.match(response.json(), { type: '/problems/method-not-allowed', status: 405, code: 'method-not-allowed', detail: /POST, OPTIONS/ }, `${method}: its code`);
  }

  const options = await app.inject({ method: 'OPTIONS', url: '/add-checkpoint' });
  t.equal(options.statusCode, 204, 'OPTIONS /add-checkpoint: 204');
  t.equal(options.headers.allow, 'POST, OPTIONS', 'OPTIONS: Allow names the methods');
  t.equal(options.body, '', 'OPTIONS: no body');

  for (const [method, url] of [
    ['GET', '/nothing-here'],
    ['POST', '/add-checkpoint/extra'],
    ['OPTIONS', '/nothing-here'],
  ] as const) {
    const response = await app.inject({ method, url });
    t.equal(response.statusCode, 404, `${method} ${url}: 404`);
    t.match(response.json(), { type: '/problems/not-found', code: 'not-found' }, `${method} ${url}: not-found`);
    t.equal(response.headers.allow, undefined, `${method} ${url}: no Allow`);
  }
  t.equal(new WitnessStateDir(dir).get(vector.origin), undefined, 'nothing was cosigned');
});

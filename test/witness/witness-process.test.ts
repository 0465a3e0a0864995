/**
 * The witness as a real process (`gridproof witness`): its state survives
 * kill -9, so after a restart it still refuses an old size it moved past and
 * a fork of what it cosigned (C2SP tlog-witness: persist before responding).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cosignerVerifierOf, formatCosignerPrivateKey, generateCosigner, openCosignatures, parseCosignerKey } from '../../src/crypto/cosignature.ts';
import { signCheckpoint } from '../../src/crypto/checkpoint.ts';
import { parsePrivateKey } from '../../src/crypto/note.ts';
import { formatAddCheckpoint } from '../../src/domain/witness.ts';
import { killHard, startWitnessProcess } from '../helpers/witness-process.ts';

const vector = JSON.parse(readFileSync(new URL('../fixtures/c2sp-checkpoints/tree-37-old-13-cosigned.json', import.meta.url), 'utf8')) as {
  origin: string;
  verifier_key: string;
  signer_key_TEST_ONLY: string;
  consistency_proofs: { proof: string[]; old_checkpoint_note?: string }[];
  checkpoint_note: string;
};
const note13 = vector.consistency_proofs[0]!.old_checkpoint_note!;

async function post(url: string, body: string): Promise<{ status: number; body: string; type: string | null }> {
  const response = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

t.test('kill -9 and restart keep the witness state', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-proc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cosigner = generateCosigner('witness.test/proc');
  const keyFile = join(dir, 'witness.key');
  writeFileSync(keyFile, `${formatCosignerPrivateKey(cosigner)}\n`, { mode: 0o600 });
  const stateDir = join(dir, 'state');

  const first = await startWitnessProcess(keyFile, [vector.verifier_key], stateDir);
  t.teardown(() => first.child.kill('SIGKILL'));
  const cosigned = await post(first.url, formatAddCheckpoint(0, [], note13));
  t.equal(cosigned.status, 200);
  t.equal(openCosignatures(`${note13}${cosigned.body}`, [parseCosignerKey(cosignerVerifierOf(cosigner).vkey)]).valid.length, 1, 'a valid cosignature');
  await killHard(first.child);

  const second = await startWitnessProcess(keyFile, [vector.verifier_key], stateDir);
  t.teardown(() => second.child.kill('SIGKILL'));
  const stale = await post(second.url, formatAddCheckpoint(0, [], vector.checkpoint_note));
  t.equal(stale.status, 409, 'after kill -9 the witness still knows it cosigned size 13');
  t.equal(stale.type, 'text/x.tlog.size');
  t.equal(stale.body, '13\n');
  const fork = signCheckpoint(
    { origin: vector.origin, size: 13, root: new Uint8Array(32).fill(5), extensions: [] },
    parsePrivateKey(vector.signer_key_TEST_ONLY),
  );
  t.equal((await post(second.url, formatAddCheckpoint(13, [], fork))).status, 409, 'a fork of size 13 is refused across the restart');
  const next = await post(second.url, formatAddCheckpoint(13, vector.consistency_proofs[0]!.proof, vector.checkpoint_note));
  t.equal(next.status, 200, 'and the honest continuation is cosigned');
  await killHard(second.child);
});

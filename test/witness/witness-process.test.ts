/**
 * The witness as a real process (`gridproof witness`): its state survives
 * kill -9, so after a restart it still refuses an old size it moved past and
 * a fork of what it cosigned (C2SP tlog-witness: persist before responding).
 * An address it cannot listen on stops it as it stops `serve` (README, exit
 * statuses): one line, status 2, no state directory made.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

t.test('an address it cannot listen on: one line, exit status 2, no state directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-addr-'));
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    holder.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const taken = (holder.address() as { port: number }).port;
  const keyFile = join(dir, 'witness.key');
  writeFileSync(keyFile, `${formatCosignerPrivateKey(generateCosigner('witness.test/addr'))}\n`, { mode: 0o600 });
  const stateDir = join(dir, 'state');
  const cases = [
    ['127.0.0.1', taken, `cannot listen on port ${taken} on 127.0.0.1: it is in use (is another gridproof running?); set PORT or stop it`],
    [
      '192.0.2.1',
      0,
      'cannot listen on port 0 on 192.0.2.1: 192.0.2.1 is not an address of this machine; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)',
    ],
  ] as const;
  for (const [host, port, line] of cases) {
    const run = spawnSync(process.execPath, ['bin/gridproof.js', 'witness', '--key', keyFile, '--log', vector.verifier_key, '--state', stateDir], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HOST: host, PORT: String(port) },
    });
    t.equal(run.status, 2, `${host} port ${port}: exit status 2`);
    t.equal(run.stderr, `gridproof witness: ${line}\n`, `${host} port ${port}: one line, no stack trace`);
    t.notOk(existsSync(stateDir), `${host} port ${port}: no state directory`);
  }
});

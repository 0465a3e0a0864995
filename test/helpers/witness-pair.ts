/**
 * Two witnesses for a log (docs/witnesses.md), as the witnessing tests need
 * them: one real witness (the production witness app, listening on a
 * loopback port, its state in a temporary folder) and one that is down (a
 * port nothing listens on). Closed and removed when the test ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { cosignerVerifierOf, generateCosigner } from '../../src/crypto/cosignature.ts';
import { verifierOf, type Signer } from '../../src/crypto/note.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';
import { WitnessStateDir } from '../../src/witness/state-file.ts';
import { buildWitnessApp } from '../../src/witness/witness-server.ts';
import { freePort } from './server-process.ts';

export interface WitnessPair {
  up: Signer;
  /** The live witness's state folder. */
  stateDir: string;
  upKey: string;
  upUrl: string;
  downKey: string;
  downUrl: string;
}

/** `names` are the witnesses' key names, e.g. witness.test/up and witness.test/down. */
export async function witnessPair(t: Test, logSigner: Signer, names: { up: string; down: string }): Promise<WitnessPair> {
  const dir = mkdtempSync(join(tmpdir(), 'gridproof-witness-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const up = generateCosigner(names.up);
  const witness = await buildWitnessApp({
    cosigner: up,
    logs: [verifierOf(logSigner)],
    state: new WitnessStateDir(dir),
    sign: nativeSign,
    verify: nativeVerify,
  });
  const upUrl = await witness.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => witness.close());
  return {
    up,
    stateDir: dir,
    upKey: cosignerVerifierOf(up).vkey,
    upUrl,
    downKey: cosignerVerifierOf(generateCosigner(names.down)).vkey,
    downUrl: `http://127.0.0.1:${await freePort()}`,
  };
}

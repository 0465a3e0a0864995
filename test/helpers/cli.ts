/** The command line as a user runs it: bin/gridproof.js in its own process. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { formatPrivateKey } from '../../src/crypto/note.ts';
import type { RateLimits } from '../../src/routes/rate-limits.ts';
import { addDevice, addParticipant, startTestApp } from './app.ts';
import type { TestStore } from './database.ts';

export const GRIDPROOF_BIN = fileURLToPath(new URL('../../bin/gridproof.js', import.meta.url));

export interface CliRun {
  /** The exit status (README's table: 0 done, 1 refused or invalid, 2 usage or unusable input, 75 not now). */
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `gridproof ARGS…` to its end, killed after `timeoutMs` so a hang fails the test instead of stalling it. */
export function runGridproof(args: readonly string[], { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GRIDPROOF_BIN, ...args], { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ status: error ? Number((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/**
 * The service as the CLI meets it: on PGlite at `now` (or on `testStore`, a
 * PostgreSQL database), listening on a free port, with generator gen-1 and
 * its wind device wind-1 (key valid from `keyValidFrom`), whose private key
 * is in a scratch folder removed after the test, as a meter's owner keeps
 * it; with `rateLimits`, limited as a deployment configures it.
 */
export async function meterService(
  t: Test,
  { now, keyValidFrom, rateLimits, testStore }: { now: number; keyValidFrom: string; rateLimits?: RateLimits; testStore?: TestStore },
) {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-cli-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const test = await startTestApp(testStore ? 'postgres' : 'pglite', {
    now: () => now,
    ...(rateLimits ? { rateLimits } : {}),
    ...(testStore ? { testStore } : {}),
  });
  t.teardown(() => test.close());
  const gen = await addParticipant(test.app, 'generator', 'gen-1');
  const key = await addDevice(test.app, { id: 'wind-1', owner: gen.id, type: 'wind', keyValidFrom });
  const keyFile = join(scratch, 'wind-1.key');
  writeFileSync(keyFile, `${formatPrivateKey(key.signer)}\n`);
  await test.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = test.app.server.address() as { port: number };
  return { scratch, test, gen, keyFile, server: `http://127.0.0.1:${port}` };
}

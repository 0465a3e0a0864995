/** The command line as a user runs it: bin/gridproof.js in its own process. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const GRIDPROOF_BIN = fileURLToPath(new URL('../../bin/gridproof.js', import.meta.url));

export interface CliRun {
  /** The exit status (README's table: 0 done, 1 refused or invalid, 2 usage or unusable input). */
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

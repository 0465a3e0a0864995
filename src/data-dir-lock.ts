/**
 * One process per embedded data directory. PGlite has no lock of its own, so
 * two processes on one directory would each sequence the log and fork it.
 * The lock is an OS lock (flock(2), through util-linux flock) held by a small
 * child process. The child reads its stdin, a pipe from this process, and
 * exits at end of file, which comes when this process exits or is killed,
 * even with SIGKILL: the kernel closes the pipe and, with the child, the lock.
 * Nothing is left behind that could outlive its holder, as a pid file would.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { GridproofError } from './errors.ts';

export interface DataDirLock {
  readonly dir: string;
  release(): Promise<void>;
}

/** Status flock exits with when the lock is held elsewhere (-E). */
const BUSY = 75;
const HELD = 'held\n';

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  // 0700: the folder also holds the key files.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // -n: refuse at once instead of waiting; the shell says when the lock is
  // taken, then `cat` holds it until its stdin closes.
  const child = spawn('flock', ['-n', '-E', String(BUSY), dir, '-c', `printf '${HELD.trim()}\\n'; exec cat >/dev/null`], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const outcome = await new Promise<'held' | { status: number | null; error?: Error; stderr: string }>((settle) => {
    let out = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out === HELD) settle('held');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', (error) => settle({ status: null, error, stderr }));
    child.once('exit', (status) => settle({ status, stderr }));
  });
  if (outcome !== 'held') {
    if (outcome.status === BUSY) {
      throw new GridproofError(
        'data-dir-in-use',
        `another gridproof process holds the data directory ${dir}; stop it first, or give this one another DATA_DIR`,
      );
    }
    throw new Error(
      `could not lock the data directory ${dir} with flock (util-linux): ${outcome.error?.message ?? `exit ${outcome.status}`} ${outcome.stderr}`.trim(),
    );
  }
  // The child and its pipes must not keep this process alive.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  const exited = new Promise<void>((settle) => (child.exitCode !== null ? settle() : child.once('exit', () => settle())));
  return {
    dir,
    async release() {
      // Held again while it exits: an unreferenced child alone would let the
      // event loop empty first, leaving release() (and a command awaiting it)
      // never settled.
      child.ref();
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * Real `gridproof` processes for the tests whose behaviour is about
 * processes: a free port, `bin/gridproof.js <command>` spawned with its output
 * kept, waiting until /healthz answers (or the process exits), and killing
 * whatever a test left running when it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on now (the kernel's choice, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  /** stdout and stderr so far, interleaved as they came. */
  output: () => string;
}

/**
 * Spawns processes and kills (SIGKILL) those still running when the test
 * ends. `env` goes over the parent's environment and these defaults: HOST
 * 127.0.0.1, PORT, gate closure off, LOG_LEVEL warn.
 */
export class Processes {
  readonly #started: ChildProcess[] = [];

  constructor(t: Test) {
    t.teardown(() => {
      for (const child of this.#started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  }

  start(env: Record<string, string>, port: number, args: string[] = ['serve']): ServerProcess {
    const child = spawn(process.execPath, ['bin/gridproof.js', ...args], {
      cwd: REPO,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), GRIDPROOF_GATE_CLOSURE: 'off', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#started.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    return { child, port, base: `http://127.0.0.1:${port}`, output: () => output };
  }
}

/** Resolves once /healthz is 200; throws with the output if the process exits or stays silent past the deadline. */
export async function healthy(server: ServerProcess, timeoutMs = 120_000): Promise<ServerProcess> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`the server exited with ${server.child.exitCode}:\n${server.output()}`);
    try {
      if ((await fetch(`${server.base}/healthz`)).ok) return server;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the server did not answer within ${timeoutMs} ms:\n${server.output()}`);
}

/** Resolves when the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

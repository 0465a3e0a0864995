/**
 * Real witness processes (`gridproof witness`) for tests: started on a free
 * port, stopped with SIGKILL when a test wants a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const BIN = new URL('../../bin/gridproof.js', import.meta.url).pathname;

/** Starts `gridproof witness` on a free port and resolves with its base URL once it listens. */
export function startWitnessProcess(keyFile: string, logKeys: string[], stateDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'witness', '--key', keyFile, ...logKeys.flatMap((k) => ['--log', k]), '--state', stateDir], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`witness exited with ${code} before listening: ${out}`)));
  });
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

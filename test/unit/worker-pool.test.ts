/**
 * The worker pool (src/platform/worker-pool.ts) with real worker threads:
 * jobs run on the workers and give the same result as on the main thread; a
 * refusal arrives as the same GridproofError; a worker that dies fails its
 * job with 503 `unavailable` and is replaced, so later jobs still run; a job
 * beyond the queue bound is refused with `unavailable` at once.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sha256 } from '@noble/hashes/sha2.js';
import t from 'tap';
import { isGridproofError } from '../../src/errors.ts';
import { WorkerPool } from '../../src/platform/worker-pool.ts';

const MODULE = new URL('../fixtures/worker-pool/jobs.ts', import.meta.url);

function onMainThread(text: string, rounds: number): Uint8Array {
  let digest = new TextEncoder().encode(text);
  for (let i = 0; i < rounds; i++) digest = sha256(digest);
  return digest;
}

const codeOf = (error: unknown) => (isGridproofError(error) ? error.code : String(error));

t.test('jobs run on the workers, every worker used, results as on the main thread', async (t) => {
  const pool = new WorkerPool({ module: MODULE, size: 2, name: 'test pool' });
  t.teardown(() => pool.close());
  const texts = Array.from({ length: 8 }, (_, i) => `job ${i}`);
  const results = await Promise.all(texts.map((text) => pool.run<{ digest: Uint8Array; threadId: number }>('hash', { text, rounds: 2000 })));
  results.forEach((result, i) => t.same(Buffer.from(result.digest), Buffer.from(onMainThread(texts[i]!, 2000)), `job ${i}`));
  t.equal(new Set(results.map((r) => r.threadId)).size, 2, 'both workers took jobs');
  t.equal(pool.threads().length, 2, 'never more threads than its size');
});

t.test('a refusal on a worker reaches the caller with its code', async (t) => {
  const pool = new WorkerPool({ module: MODULE, size: 1, name: 'test pool' });
  t.teardown(() => pool.close());
  await t.rejects(pool.run('refuse', { detail: 'no' }), { code: 'bad-request', detail: 'no' });
  t.same(await pool.run('hash', { text: 'after', rounds: 1 }).then((r) => (r as { digest: Uint8Array }).digest.length), 32, 'the worker goes on');
});

t.test('a worker that dies fails its job with unavailable and is replaced', async (t) => {
  const pool = new WorkerPool({ module: MODULE, size: 1, name: 'test pool' });
  t.teardown(() => pool.close());
  const first = await pool.run<{ threadId: number }>('hash', { text: 'a', rounds: 1 });
  // Queued behind the dying job: it must run on the replacement.
  const dying = pool.run('exit', {});
  const queued = pool.run<{ threadId: number }>('hash', { text: 'b', rounds: 1 });
  await t.rejects(dying, { code: 'unavailable' }, 'the job of the dead worker answers 503');
  const after = await queued;
  t.not(after.threadId, first.threadId, 'a new thread runs the next job');

  // Killed from outside while holding a job.
  const flag = new SharedArrayBuffer(4);
  const held = pool.run('hold', { flag });
  t.equal(pool.threads().length, 1);
  await pool.threads()[0]!.terminate();
  await t.rejects(held, { code: 'unavailable' }, 'a terminated worker fails its job too');
  const last = await pool.run<{ digest: Uint8Array }>('hash', { text: 'c', rounds: 3 });
  t.same(Buffer.from(last.digest), Buffer.from(onMainThread('c', 3)), 'replaced: jobs run again');
});

t.test('beyond the queue bound a job is refused at once with unavailable', async (t) => {
  const pool = new WorkerPool({ module: MODULE, size: 1, maxQueued: 2, name: 'test pool' });
  t.teardown(() => pool.close());
  const flag = new SharedArrayBuffer(4);
  const held = pool.run('hold', { flag });
  const waiting = [pool.run('hash', { text: 'q1', rounds: 1 }), pool.run('hash', { text: 'q2', rounds: 1 })];
  t.equal(pool.queued, 2);
  const refused = await pool.run('hash', { text: 'q3', rounds: 1 }).then(
    () => 'ran',
    (error: unknown) => codeOf(error),
  );
  t.equal(refused, 'unavailable', 'the third waiting job is refused');
  Atomics.store(new Int32Array(flag), 0, 1);
  Atomics.notify(new Int32Array(flag), 0);
  t.equal(await held, 'released');
  t.equal((await Promise.all(waiting)).length, 2, 'the queued jobs ran once the worker was free');
});

t.test('background work waits for a worker whatever the queue bound', async (t) => {
  const pool = new WorkerPool({ module: MODULE, size: 1, maxQueued: 1, name: 'test pool' });
  t.teardown(() => pool.close());
  const flag = new SharedArrayBuffer(4);
  const held = pool.run('hold', { flag });
  const waiting = pool.run('hash', { text: 'q1', rounds: 1 });
  await t.rejects(pool.run('hash', { text: 'q2', rounds: 1 }), { code: 'unavailable' }, 'a request beyond the bound is refused');
  const background = pool.run<{ digest: Uint8Array }>('hash', { text: 'bg', rounds: 2 }, { background: true });
  t.equal(pool.queued, 2, 'the background job waits beyond the bound');
  Atomics.store(new Int32Array(flag), 0, 1);
  Atomics.notify(new Int32Array(flag), 0);
  await held;
  await waiting;
  t.same(Buffer.from((await background).digest), Buffer.from(onMainThread('bg', 2)), 'and runs once the worker is free');
});

t.test('buffers move both ways rather than being copied', async (t) => {
  const pool = new WorkerPool({ module: MODULE, size: 1, name: 'test pool' });
  t.teardown(() => pool.close());
  const input = new TextEncoder().encode('moved');
  const result = await pool.run<{ digest: Uint8Array }>('hash', { text: 'x', rounds: 1, extra: input }, { transfer: [input.buffer as ArrayBuffer] });
  t.equal(input.byteLength, 0, 'the input buffer is detached here');
  t.equal(result.digest.length, 32);
  const moved = await pool.run<{ digest: Uint8Array }>('hash-moved', { text: 'y' });
  t.same(Buffer.from(moved.digest), Buffer.from(onMainThread('y', 1)), 'the result arrives');
  t.equal(await pool.run('moved-length', {}), 0, 'and the worker no longer holds it');
});

t.test('a closed pool refuses with unavailable', async (t) => {
  const pool = new WorkerPool({ module: MODULE, size: 1, name: 'test pool' });
  await pool.run('hash', { text: 'x', rounds: 1 });
  await pool.close();
  await t.rejects(pool.run('hash', { text: 'y', rounds: 1 }), { code: 'unavailable' });
});

t.test('warmed workers start at once and do not keep a process alive', async (t) => {
  // A real process: warm a pool, run one job, and return from the module; it must exit by itself.
  const script = `
    import { WorkerPool } from ${JSON.stringify(new URL('../../src/platform/worker-pool.ts', import.meta.url).href)};
    const pool = new WorkerPool({ module: new URL(${JSON.stringify(MODULE.href)}), size: 2, name: 'test pool' });
    pool.warm();
    if (pool.threads().length !== 2) throw new Error('not warmed');
    await pool.run('hash', { text: 'x', rounds: 1 });
    console.log('done');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  t.equal(output.trim(), 'done', 'the job ran');
  t.same({ code, signal }, { code: 0, signal: null }, 'the process exited by itself, not killed');
});

/**
 * Runs window planning (plan.ts) on a worker thread, so that signing
 * and checking the next window's settlements overlaps the database work of
 * the previous one on a two-core machine. One worker per process, started on
 * first use and unreferenced, so it never keeps the process alive. Should it
 * die, the windows it held fail and the next request starts a new one.
 *
 * The worker is TypeScript: it registers the same tsx loader the process
 * uses (bin/gridproof.js) before loading its module.
 */
import { Worker } from 'node:worker_threads';
import type { Signer } from '../../crypto/note.ts';
import { GridproofError, type ErrorCode } from '../../errors.ts';
import type { PlannedWindow, WindowRows } from './plan.ts';

export interface PlanRequest {
  id: number;
  rows: WindowRows;
  signer: Signer;
}

export type PlanReply = { id: number; plan: PlannedWindow } | { id: number; error: { code?: ErrorCode; detail: string } };

const WORKER_URL = new URL('./worker.ts', import.meta.url).href;
// Resolved here, from the project: code evaluated in a worker resolves bare names from the working directory, which may be anywhere.
const TSX_URL = import.meta.resolve('tsx/esm/api');
const BOOT = `import(${JSON.stringify(TSX_URL)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL)}); })`;

interface Pending {
  resolve: (plan: PlannedWindow) => void;
  reject: (error: Error) => void;
}

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 0;

function failAll(thread: Worker, error: Error): void {
  // An old worker's exit must not fail the windows of the one that replaced it.
  if (worker !== thread) return;
  worker = undefined;
  for (const { reject } of pending.values()) reject(error);
  pending.clear();
}

function started(): Worker {
  if (worker !== undefined) return worker;
  const thread = new Worker(BOOT, { eval: true });
  thread.unref();
  thread.on('message', (reply: PlanReply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) thread.unref();
    if (waiting === undefined) return;
    if ('plan' in reply) waiting.resolve(reply.plan);
    else
      waiting.reject(
        reply.error.code === undefined ? new Error(`matching worker: ${reply.error.detail}`) : new GridproofError(reply.error.code, reply.error.detail),
      );
  });
  thread.on('error', (error) => failAll(thread, error));
  thread.on('exit', (code) => failAll(thread, new Error(`matching worker exited with code ${code}`)));
  worker = thread;
  return thread;
}

/** Plans a window on the worker thread; the same result planWindowRows gives, or its error. The reading columns are handed over (detached here). */
export function planOnWorker(rows: WindowRows, signer: Signer): Promise<PlannedWindow> {
  const thread = started();
  const id = nextId++;
  // Referenced while a window is out, so a run waiting on it is not cut short.
  thread.ref();
  return new Promise<PlannedWindow>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // The reading columns move to the worker rather than being copied; the caller keeps no use for them.
    const { entryIdx, startMs, importWh, exportWh, leafHashes } = rows.readings;
    const moved = [entryIdx, startMs, importWh, exportWh, leafHashes].map((column) => column.buffer as ArrayBuffer);
    thread.postMessage({ id, rows, signer } satisfies PlanRequest, moved);
  });
}

/**
 * The worker side of worker-pool.ts: runs the jobs a pool hands this thread,
 * one handler per job kind. A refusal travels as its code and detail, to be
 * rethrown as the same GridproofError on the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { isGridproofError } from '../errors.ts';
import type { JobReply, JobRequest } from './worker-pool.ts';

export type JobHandlers = Record<string, (input: never) => unknown>;

/** A result whose buffers move to the main thread rather than being copied (a handler returns transferring(result, buffers)). */
class Transferred {
  constructor(
    readonly result: unknown,
    readonly transfer: ArrayBuffer[],
  ) {}
}

export function transferring(result: unknown, transfer: ArrayBuffer[]): Transferred {
  return new Transferred(result, transfer);
}

export function serveJobs(handlers: JobHandlers): void {
  const port = parentPort;
  if (port === null) throw new Error('serveJobs runs in a worker thread');
  port.on('message', async ({ id, kind, input }: JobRequest) => {
    let reply: JobReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const handler = handlers[kind];
      if (handler === undefined) throw new Error(`no job of kind ${kind}`);
      const result = await handler(input as never);
      if (result instanceof Transferred) {
        reply = { id, result: result.result };
        transfer = result.transfer;
      } else reply = { id, result };
    } catch (error) {
      reply = { id, error: isGridproofError(error) ? { code: error.code, detail: error.detail } : { detail: String((error as Error)?.stack ?? error) } };
    }
    port.postMessage(reply, transfer);
  });
}

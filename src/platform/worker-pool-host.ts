/**
 * The worker side of worker-pool.ts: runs the jobs a pool hands this thread,
 * one handler per job kind. A refusal travels as its code and detail, to be
 * rethrown as the same GridproofError on the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { isGridproofError } from '../errors.ts';
import type { JobReply, JobRequest } from './worker-pool.ts';

export type JobHandlers = Record<string, (input: never) => unknown>;

export function serveJobs(handlers: JobHandlers): void {
  const port = parentPort;
  if (port === null) throw new Error('serveJobs runs in a worker thread');
  port.on('message', async ({ id, kind, input }: JobRequest) => {
    let reply: JobReply;
    try {
      const handler = handlers[kind];
      if (handler === undefined) throw new Error(`no job of kind ${kind}`);
      reply = { id, result: await handler(input as never) };
    } catch (error) {
      reply = { id, error: isGridproofError(error) ? { code: error.code, detail: error.detail } : { detail: String((error as Error)?.stack ?? error) } };
    }
    port.postMessage(reply);
  });
}

/**
 * The matching worker thread: plans windows (plan.ts) on the second
 * core while the main thread writes to the database. Messages carry plain
 * data; a refusal travels as its code and detail, to be rethrown as the same
 * GridproofError on the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { isGridproofError } from '../../errors.ts';
import { nativeSign } from '../../platform/node-ed25519.ts';
import { planWindowRows } from './plan.ts';
import type { PlanReply, PlanRequest } from './worker-client.ts';

const port = parentPort;
if (port === null) throw new Error('matching/worker.ts runs as a worker thread');

port.on('message', ({ id, rows, signer }: PlanRequest) => {
  let reply: PlanReply;
  try {
    reply = { id, plan: planWindowRows(rows, signer, nativeSign) };
  } catch (error) {
    reply = { id, error: isGridproofError(error) ? { code: error.code, detail: error.detail } : { detail: String((error as Error)?.stack ?? error) } };
  }
  const transfer =
    'plan' in reply
      ? reply.plan.settlements.flatMap(({ bytes, leafHash, projection }) => [
          bytes.buffer,
          leafHash.buffer,
          projection.source_idx.buffer,
          projection.sink_idx.buffer,
          projection.wh.buffer,
        ])
      : [];
  port.postMessage(reply, transfer as ArrayBuffer[]);
});

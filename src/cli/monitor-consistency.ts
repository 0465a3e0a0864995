/**
 * Step 3 of `gridproof monitor` (monitor.ts): with a state file, the latest
 * checkpoint must be consistent with the one of the last clean run (GET
 * /v1/log/proof/consistency, verifyConsistency); a smaller size or a failing
 * proof is a finding.
 */
import { hashFromBase64 } from '../crypto/base64.ts';
import type { Checkpoint } from '../crypto/checkpoint.ts';
import { verifyConsistency } from '../crypto/merkle.ts';
import { finding } from '../domain/monitor/findings.ts';
import { GridproofError } from '../errors.ts';
import { EXIT_TRY_AGAIN, exitCodeOf, type HttpClient } from './http-client.ts';
import type { MonitorReport } from './monitor-report.ts';
import type { MonitorState } from './monitor-state.ts';
import { describe, Unusable } from './monitor-unusable.ts';

/**
 * Checks `checkpoint` against the state of the last clean run, into
 * `report`. Returns that state when the replay can continue from it, or
 * undefined when it must start from entry 0 (a first run, or a rollback).
 */
export async function checkAgainstPrevious(
  client: HttpClient,
  state: MonitorState | undefined,
  checkpoint: Checkpoint,
  report: MonitorReport,
): Promise<MonitorState | undefined> {
  if (!state) {
    report.consistency = 'first run';
    return undefined;
  }
  report.previous = state.checkpoint;
  const oldSize = state.checkpoint.size;
  let oldRoot: Uint8Array;
  try {
    oldRoot = hashFromBase64(state.checkpoint.root);
  } catch {
    throw new Unusable(`the state file's checkpoint root ${state.checkpoint.root} is not a base64 hash`);
  }
  if (checkpoint.size < oldSize) {
    report.consistency = 'failed';
    report.findings.push(
      finding('checkpoint-rollback', [], `the latest checkpoint has size ${checkpoint.size}, smaller than the size ${oldSize} seen last time`),
    );
    return undefined;
  }
  const problem = await checkConsistency(client, oldSize, oldRoot, checkpoint);
  if (problem) {
    report.consistency = 'failed';
    report.findings.push(finding('inconsistent-checkpoint', [], `size ${oldSize} (root ${state.checkpoint.root}) to size ${checkpoint.size}: ${problem}`));
  } else report.consistency = 'ok';
  return state;
}

/**
 * Proves `checkpoint` consistent with the earlier tree (RFC 9162 §2.1.4.2);
 * returns what went wrong, or undefined. A proof the log refuses to give
 * (a 4xx answer) is a failure of the log; a server error or no answer is
 * unusable input, and a 429 (too many requests now) says nothing of the
 * log either: it exits 75 as anywhere else (http-client.ts exitCodeOf).
 */
async function checkConsistency(client: HttpClient, oldSize: number, oldRoot: Uint8Array, checkpoint: Checkpoint): Promise<string | undefined> {
  let proof: Uint8Array[] = [];
  if (oldSize === 0) return undefined; // the empty tree is a prefix of every tree
  if (oldSize < checkpoint.size) {
    let body: { proof?: unknown };
    try {
      body = await client.json<{ proof?: unknown }>(`/v1/log/proof/consistency?from=${oldSize}&to=${checkpoint.size}`);
    } catch (error) {
      const ofTheLog = error instanceof GridproofError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 403;
      if (ofTheLog && exitCodeOf(error) !== EXIT_TRY_AGAIN) {
        return `the log gives no proof: ${error.message}`;
      }
      throw error;
    }
    if (!Array.isArray(body.proof)) return 'the log answered without a proof';
    try {
      proof = body.proof.map((hash) => hashFromBase64(String(hash)));
    } catch (error) {
      return `the proof is not a list of base64 hashes: ${describe(error)}`;
    }
  }
  try {
    verifyConsistency(oldSize, checkpoint.size, proof, oldRoot, checkpoint.root);
    return undefined;
  } catch (error) {
    if (!(error instanceof GridproofError)) throw error;
    return error.detail;
  }
}

/**
 * The witness's decision on one add-checkpoint request (C2SP tlog-witness v1,
 * "add-checkpoint"), pure: the request body and the witness's recorded state
 * for the origin in, an HTTP status and the state to persist out. The I/O
 * (state files, fsync, HTTP) is in src/witness/.
 *
 * Request body: `old <size>\n`, at most 63 consistency proof lines (one
 * base64 hash each), an empty line, then the checkpoint note. Statuses, in
 * the order the spec lists the checks:
 *   400 malformed body or checkpoint, or old size beyond the checkpoint's;
 *   404 unknown origin; 403 no signature of a trusted log key verifies;
 *   409 old size is not the size last cosigned (the answer states that size),
 *       or same size with another root (a fork);
 *   422 the consistency proof does not verify (non-empty from size 0 included);
 *   200 cosign, recording the new size and root.
 */
import { fromBase64, hashFromBase64 } from '../crypto/base64.ts';
import { parseCheckpoint, type Checkpoint } from '../crypto/checkpoint.ts';
import type { VerifyFn } from '../crypto/ed25519.ts';
import { bytesEqual, verifyConsistency } from '../crypto/merkle.ts';
import { openNote, splitNote, type Verifier } from '../crypto/note.ts';
import { GridproofError } from '../errors.ts';

/** The spec's bound on consistency proof lines. */
export const MAX_PROOF_LINES = 63;

export interface WitnessedState {
  size: number;
  root: Uint8Array;
}

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  /** The checkpoint note with its signatures. */
  note: string;
}

export type WitnessDecision =
  | { status: 200; checkpoint: Checkpoint; text: string; state: WitnessedState }
  | { status: 409; size: number; detail: string }
  | { status: 400 | 403 | 404 | 422; code: 'bad-request' | 'bad-log-signature' | 'unknown-log' | 'inconsistent-proof'; detail: string };

function bad(detail: string): never {
  throw new GridproofError('bad-request', detail);
}

/** Parses the body strictly; throws 'bad-request'. */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const first = body.indexOf('\n');
  const oldLine = first < 0 ? '' : body.slice(0, first);
  const match = /^old (0|[1-9][0-9]*)$/.exec(oldLine);
  if (!match || !Number.isSafeInteger(Number(match[1]))) bad('the body starts with "old <size>" in decimal without leading zeroes');
  const proof: Uint8Array[] = [];
  let at = first + 1;
  for (;;) {
    const end = body.indexOf('\n', at);
    if (end < 0) bad('an empty line separates the proof from the checkpoint');
    const line = body.slice(at, end);
    at = end + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) bad(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    try {
      proof.push(hashFromBase64(line));
    } catch {
      bad('each consistency proof line is one base64 hash');
    }
  }
  return { oldSize: Number(match[1]), proof, note: body.slice(at) };
}

export interface AdmittedCheckpoint {
  checkpoint: Checkpoint;
  /** The checkpoint's note text, which a cosignature signs. */
  text: string;
}

type Refusal = Exclude<WitnessDecision, { status: 200 } | { status: 409 }>;

/**
 * The checks that need no state: a checkpoint note (400), of a known origin
 * (404), signed by one of that log's trusted keys (403), old size not beyond
 * it (400). `logs` maps each known origin to its trusted log keys.
 */
export function admitCheckpoint(request: AddCheckpointRequest, logs: ReadonlyMap<string, Verifier[]>, verify: VerifyFn): AdmittedCheckpoint | Refusal {
  let text: string;
  let checkpoint: Checkpoint;
  try {
    text = splitNote(request.note).text;
    checkpoint = parseCheckpoint(text);
  } catch (error) {
    return { status: 400, code: 'bad-request', detail: `not a checkpoint note: ${(error as Error).message}` };
  }
  const keys = logs.get(checkpoint.origin);
  if (keys === undefined) return { status: 404, code: 'unknown-log', detail: `no log with origin ${checkpoint.origin} is known here` };
  try {
    openNote(request.note, keys, verify);
  } catch {
    return { status: 403, code: 'bad-log-signature', detail: 'no signature of a trusted key of this log verifies' };
  }
  if (request.oldSize > checkpoint.size) {
    return { status: 400, code: 'bad-request', detail: `old size ${request.oldSize} is beyond the checkpoint size ${checkpoint.size}` };
  }
  return { checkpoint, text };
}

/**
 * Decides an admitted checkpoint against the state last recorded for its
 * origin (undefined: never cosigned).
 */
export function decideAddCheckpoint(request: AddCheckpointRequest, admitted: AdmittedCheckpoint, state: WitnessedState | undefined): WitnessDecision {
  const { checkpoint, text } = admitted;
  const size = state?.size ?? 0;
  if (request.oldSize !== size) return { status: 409, size, detail: `the latest cosigned size is ${size}` };
  const accepted = { status: 200, checkpoint, text, state: { size: checkpoint.size, root: checkpoint.root } } as const;
  if (state !== undefined && state.size === checkpoint.size) {
    if (!bytesEqual(state.root, checkpoint.root)) return { status: 409, size, detail: `another root for size ${size}: refused, it would be a fork` };
    if (request.proof.length !== 0) return { status: 422, code: 'inconsistent-proof', detail: 'equal sizes need an empty proof' };
    return accepted;
  }
  if (state === undefined || size === 0) {
    if (request.proof.length !== 0) return { status: 422, code: 'inconsistent-proof', detail: 'the proof from size 0 is empty' };
    return accepted;
  }
  try {
    verifyConsistency(size, checkpoint.size, request.proof, state.root, checkpoint.root);
  } catch (error) {
    return { status: 422, code: 'inconsistent-proof', detail: error instanceof GridproofError ? error.detail : 'the consistency proof does not verify' };
  }
  return accepted;
}

/** The add-checkpoint request body a log sends. */
export function formatAddCheckpoint(oldSize: number, proof: string[], note: string): string {
  for (const hash of proof) fromBase64(hash);
  return `old ${oldSize}\n${proof.map((hash) => `${hash}\n`).join('')}\n${note}`;
}

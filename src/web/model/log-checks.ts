/**
 * The Log page's checks, done in the browser on what the API serves, so the
 * page trusts the log key only: a checkpoint opened under the key, an
 * inclusion proof (RFC 9162 §2.1.3.2) and a consistency proof (§2.1.4.2)
 * checked against signed checkpoints' roots. Pure; each returns a sentence
 * for people, and throws GridproofError with the failing rule's code.
 */
import { hashFromBase64 } from '../../crypto/base64.ts';
import { openCheckpoint, type Checkpoint } from '../../crypto/checkpoint.ts';
import { verifyConsistency, verifyInclusion } from '../../crypto/merkle.ts';
import { parseVerifierKey } from '../../crypto/note.ts';

export function openLogCheckpoint(text: string, logKey: string): Checkpoint {
  const verifier = parseVerifierKey(logKey.trim());
  return openCheckpoint(text, verifier, verifier.name);
}

export interface InclusionProofBody {
  index: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
}

export function checkInclusion(checkpoint: Checkpoint, body: InclusionProofBody): string {
  verifyInclusion(body.index, checkpoint.size, hashFromBase64(body.leafHash), body.proof.map(hashFromBase64), checkpoint.root);
  return `Included: leaf ${body.leafHash} is entry ${body.index} of the signed tree of ${checkpoint.size} entries.`;
}

export interface ConsistencyProofBody {
  from: number;
  to: number;
  proof: string[];
}

export function checkConsistency(older: Checkpoint, newer: Checkpoint, body: ConsistencyProofBody): string {
  verifyConsistency(older.size, newer.size, body.proof.map(hashFromBase64), older.root, newer.root);
  return `Consistent: the signed tree of ${newer.size} entries extends the signed tree of ${older.size} entries; nothing was changed or removed.`;
}

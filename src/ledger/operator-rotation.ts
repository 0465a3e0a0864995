/**
 * Rotating the operator key with a running service (docs/design.md §2.2,
 * README "Rotating the operator key"): one transaction under the head lock
 * appends a `key` entry for the operator, signed by the log key, that names
 * the staged next key, and projects it. Once it commits this process signs
 * with the new key (operator-key.ts), and the key files are left for a
 * restart to load it; any append of any process from then on finds the new
 * key in force, so no entry after the rotation is signed by the old key.
 */
import { toBase64 } from '../crypto/base64.ts';
import { parseVerifierKey, verifierOf } from '../crypto/note.ts';
import { insertKeyEntry } from '../db/registry.ts';
import type { KeyPayload } from '../domain/payloads.ts';
import { formatInstant } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { operatorKeyName } from '../key-files.ts';
import { appendInTransaction } from './append.ts';
import { operatorKeyRow, sealLogKeyEntry } from './bootstrap.ts';
import type { Ledger } from './ledger.ts';

export interface Rotation {
  /** Index of the rotation's key entry: the new key signs every operator entry after it. */
  index: number;
  leafHash: string;
  verifierKey: string;
  previousVerifierKey: string;
}

/** `verifierKey` names the staged key the operator means (as keygen printed it): another staged key is refused. */
export async function rotateOperatorKey(ledger: Ledger, verifierKey: string): Promise<Rotation> {
  const meant = parseVerifierKey(verifierKey);
  const next = ledger.operatorKey.store.staged();
  if (next === undefined) {
    throw new GridproofError(
      'next-key-missing',
      'no next operator key is staged: set GRIDPROOF_NEXT_OPERATOR_KEY or write $DATA_DIR/operator.next.key (gridproof keygen), then ask again',
    );
  }
  const expectedName = operatorKeyName(ledger.origin);
  if (next.name !== expectedName)
    throw new GridproofError('bad-next-key', `the staged key is named ${next.name}; an operator key of this log is named ${expectedName}`);
  const nextVerifier = verifierOf(next);
  if (nextVerifier.vkey !== meant.vkey)
    throw new GridproofError('bad-next-key', `the staged key is ${nextVerifier.vkey}, not the key the request names ${meant.vkey}`);
  return ledger.operatorKey.rotate(next, () =>
    appendInTransaction(ledger, async () => {
      // Under the head lock, with this process's key the one in force.
      const previous = ledger.operatorVerifier;
      if (nextVerifier.vkey === previous.vkey) throw new GridproofError('bad-next-key', 'the staged key is already the operator key in force');
      // Migration 016 tells signers apart by key ID; two keys sharing one (a chance of 1 in 2^32) must not follow each other.
      if (nextVerifier.keyId === previous.keyId)
        throw new GridproofError('bad-next-key', 'the staged key has the key ID of the key in force; generate another');
      const payload: KeyPayload = {
        kind: 'key',
        log: ledger.origin,
        subjectType: 'operator',
        verifierKey: nextVerifier.vkey,
        validFrom: formatInstant(ledger.now()),
      };
      return {
        entries: [sealLogKeyEntry(ledger, payload)],
        project: async (tx, [entry]) => {
          await insertKeyEntry(tx, operatorKeyRow(entry!.idx, payload));
          return { index: entry!.idx, leafHash: toBase64(entry!.leafHash), verifierKey: nextVerifier.vkey, previousVerifierKey: previous.vkey };
        },
      };
    }),
  );
}

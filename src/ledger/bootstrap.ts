/**
 * The log's first entries and the check that this process holds the log's
 * keys. Entry 0 is a `key` entry signed by the log key registering the
 * operator key (docs/design.md §2.2); entry 1 is the operator's
 * `participant` entry.
 */
import { fromUtf8 } from '../crypto/base64.ts';
import { lockLogHead, readEntry, recordedInterval, type Tx } from '../db/log.ts';
import { hasCredential, insertCredential, insertKeyEntry, insertParticipant, operatorKeyEntries, replaceCredentials } from '../db/registry.ts';
import { openEntryNote, sealEntry } from '../domain/entry.ts';
import { utf8 } from '../crypto/base64.ts';
import { hashLeaf } from '../crypto/merkle.ts';
import type { KeyPayload, ParticipantPayload } from '../domain/payloads.ts';
import { formatInstant } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { appendInTransaction, sealOperatorEntry, type SealedEntry } from './append.ts';
import type { Ledger } from './ledger.ts';
import { newToken, tokenHash } from './tokens.ts';

export const OPERATOR_ID = 'operator';

/** Writes entries 0 and 1 into an empty log, or checks the keys of an existing one. */
export async function initialiseLog(ledger: Ledger): Promise<void> {
  await appendInTransaction(ledger, async (tx, size) => {
    const recorded = await recordedInterval(tx, ledger.intervalSeconds);
    if (recorded !== ledger.intervalSeconds) {
      throw new GridproofError('config-mismatch', `this log's readings are ${recorded / 60}-minute intervals; GRIDPROOF_INTERVAL says ${ledger.intervalSeconds / 60}`);
    }
    if (size > 0) {
      await checkKeys(ledger, tx);
      return { entries: [], project: async () => undefined };
    }
    const keyPayload: KeyPayload = {
      kind: 'key',
      log: ledger.origin,
      subjectType: 'operator',
      verifierKey: ledger.operatorVerifier.vkey,
      validFrom: formatInstant(ledger.now()),
    };
    const note = sealEntry(keyPayload, ledger.logSigner, ledger.sign);
    const bytes = utf8(note);
    const entry0: SealedEntry = { note, bytes, leafHash: hashLeaf(bytes), kind: 'key', payload: keyPayload };
    const participant: ParticipantPayload = { kind: 'participant', log: ledger.origin, id: OPERATOR_ID, role: 'operator', name: 'Park operator' };
    return {
      entries: [entry0, sealOperatorEntry(ledger, participant)],
      project: async (tx, [key, operator]) => {
        await insertKeyEntry(tx, {
          entry_idx: key!.idx,
          subject_type: 'operator',
          device_id: null,
          verifier_key: keyPayload.verifierKey,
          valid_from: new Date(keyPayload.validFrom),
          valid_until: null,
        });
        await insertParticipant(tx, { id: OPERATOR_ID, entry_idx: operator!.idx, role: 'operator', name: participant.name });
      },
    };
  });
}

async function checkKeys(ledger: Ledger, tx: Tx): Promise<void> {
  const first = await readEntry(tx, 0);
  try {
    openEntryNote(fromUtf8(first!.bytes), [ledger.logVerifier], ledger.verify);
  } catch {
    throw new GridproofError('key-mismatch', `the log key (GRIDPROOF_LOG_KEY or the key file) is not the key that signed entry 0 of this log; expected the key of ${ledger.origin} that created it`);
  }
  const operatorKeys = await operatorKeyEntries(tx);
  const current = operatorKeys.at(-1)?.verifier_key;
  if (current !== ledger.operatorVerifier.vkey) {
    throw new GridproofError('key-mismatch', `the operator key (GRIDPROOF_OPERATOR_KEY or the key file) does not match the log's operator key ${current}`);
  }
}

/**
 * Makes sure the operator can log in. A configured token becomes the
 * operator's only token (changing GRIDPROOF_OPERATOR_TOKEN revokes the old
 * one; processes that already cached it keep it until they restart). With
 * none configured, a token is generated once and returned to be printed; the
 * head lock keeps two processes starting together from making two.
 */
export async function ensureOperatorToken(ledger: Ledger, configured: string | undefined): Promise<string | undefined> {
  return ledger.db.transaction().execute(async (tx) => {
    await lockLogHead(tx);
    if (configured !== undefined) {
      await replaceCredentials(tx, OPERATOR_ID, tokenHash(configured));
      return undefined;
    }
    if (await hasCredential(tx, OPERATOR_ID)) return undefined;
    const token = newToken();
    await insertCredential(tx, tokenHash(token), OPERATOR_ID);
    return token;
  });
}

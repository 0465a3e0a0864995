/**
 * The log's first entries and the check that this process holds the log's
 * keys. Entry 0 is a `key` entry signed by the log key registering the
 * operator key (docs/design.md §2.2); entry 1 is the operator's
 * `participant` entry.
 */
import { fromUtf8 } from '../crypto/base64.ts';
import { lockLogHead, readEntry, recordedInterval, type Tx } from '../db/log.ts';
import { hasCredential, insertCredential, insertKeyEntry, insertParticipant, operatorKeyInForce, replaceCredentials } from '../db/registry.ts';
import { openEntryNote, sealEntry } from '../domain/entry.ts';
import { utf8 } from '../crypto/base64.ts';
import { hashLeaf } from '../crypto/merkle.ts';
import type { KeyPayload, ParticipantPayload } from '../domain/payloads.ts';
import { formatInstant } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { appendInTransaction, sealOperatorEntry, type Appended, type SealedEntry } from './append.ts';
import type { Ledger } from './ledger.ts';
import { newToken, tokenHash } from './tokens.ts';

export const OPERATOR_ID = 'operator';

/**
 * Writes entries 0 and 1 into an empty log, or checks the keys of an
 * existing one: the log key must have signed entry 0, and the operator key
 * must be the one in force (the latest operator key entry, docs/design.md
 * §2.2). After a rotation that is the new key: the old one is refused, and a
 * staged key the log names (a restart after a rotation whose key files were
 * not yet promoted, or GRIDPROOF_NEXT_OPERATOR_KEY) is taken instead.
 */
export async function initialiseLog(ledger: Ledger): Promise<void> {
  try {
    await appendInTransaction(ledger, (tx, size) => firstEntries(ledger, tx, size));
  } catch (error) {
    if (!(error instanceof GridproofError) || error.code !== 'operator-key-rotated') throw error;
    const inForce = await operatorKeyInForce(ledger.db);
    throw new GridproofError(
      'key-mismatch',
      `the operator key (GRIDPROOF_OPERATOR_KEY or the key file) is not the log's operator key in force ${inForce?.verifierKey} (entry ${inForce?.entryIdx})`,
    );
  }
}

async function firstEntries(ledger: Ledger, tx: Tx, size: number) {
  const recorded = await recordedInterval(tx, ledger.intervalSeconds);
  if (recorded !== ledger.intervalSeconds) {
    throw new GridproofError(
      'config-mismatch',
      `this log's readings are ${recorded / 60}-minute intervals; GRIDPROOF_INTERVAL says ${ledger.intervalSeconds / 60}`,
    );
  }
  if (size > 0) {
    // The operator key was checked by appendInTransaction before this runs.
    await checkLogKey(ledger, tx);
    return { entries: [], project: async () => undefined };
  }
  const keyPayload: KeyPayload = {
    kind: 'key',
    log: ledger.origin,
    subjectType: 'operator',
    verifierKey: ledger.operatorVerifier.vkey,
    validFrom: formatInstant(ledger.now()),
  };
  const participant: ParticipantPayload = { kind: 'participant', log: ledger.origin, id: OPERATOR_ID, role: 'operator', name: 'Park operator' };
  return {
    entries: [sealLogKeyEntry(ledger, keyPayload), sealOperatorEntry(ledger, participant)],
    project: async (tx: Tx, [key, operator]: Array<Appended>) => {
      await insertKeyEntry(tx, operatorKeyRow(key!.idx, keyPayload));
      await insertParticipant(tx, { id: OPERATOR_ID, entry_idx: operator!.idx, role: 'operator', name: participant.name });
    },
  };
}

/** An operator `key` entry: entry 0 or a rotation, signed by the log key (entrySigner). */
export function sealLogKeyEntry(ledger: Ledger, payload: KeyPayload): SealedEntry {
  const note = sealEntry(payload, ledger.logSigner, ledger.sign);
  const bytes = utf8(note);
  return { note, bytes, leafHash: hashLeaf(bytes), kind: 'key', payload };
}

export function operatorKeyRow(entryIdx: number, payload: KeyPayload) {
  return {
    entry_idx: entryIdx,
    subject_type: 'operator',
    device_id: null,
    verifier_key: payload.verifierKey,
    valid_from: new Date(payload.validFrom),
    valid_until: null,
  };
}

async function checkLogKey(ledger: Ledger, tx: Tx): Promise<void> {
  const first = await readEntry(tx, 0);
  try {
    openEntryNote(fromUtf8(first!.bytes), [ledger.logVerifier], ledger.verify);
  } catch {
    throw new GridproofError(
      'key-mismatch',
      `the log key (GRIDPROOF_LOG_KEY or the key file) is not the key that signed entry 0 of this log; expected the key of ${ledger.origin} that created it`,
    );
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

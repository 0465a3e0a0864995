/**
 * Step 3: every entry's signature under a key entry valid for it (docs/design.md
 * §2 and §2.2). Which key signs what is entrySigner's
 * rule: entry 0 and every later operator `key` entry (a rotation) verify under
 * the log key; every other operator entry verifies under the latest
 * operator `key` entry logged before it (operator entries are judged by log
 * order only: validFrom/validUntil of operator keys are not applied); a reading
 * verifies under its device's `key` entries logged before it whose window
 * holds its interval (keysValidFor).
 */
import type { VerifyFn } from '../../crypto/ed25519.ts';
import { parseVerifierKey, signerMismatch, splitNote, type Verifier } from '../../crypto/note.ts';
import { openEntryNote } from '../entry.ts';
import { entrySigner } from '../entry-signer.ts';
import { isGridproofError } from '../../errors.ts';
import type { KeyPayload, ReadingPayload } from '../payloads.ts';
import { keysValidFor, type DeviceKeyEntry } from '../reading-rules.ts';
import { instantMs } from '../time.ts';
import { describe, isKind, type BundleIndex, type Item } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';

/**
 * Opens a note under `verifiers`; `unknown` is what a note signed by none of
 * them means, told which key signed it and which were given
 * (signerMismatch): checked against another install's key, both keys have
 * the same name and only their IDs differ.
 */
function checkNote(item: Item, verifiers: Verifier[], verify: VerifyFn, reasons: Reasons, unknown: (mismatch: string) => void): void {
  try {
    openEntryNote(item.note, verifiers, verify);
  } catch (error) {
    if (!isGridproofError(error)) throw error;
    // unknown-signer comes after the note split, so splitting it again cannot fail.
    if (error.code === 'unknown-signer') unknown(signerMismatch(splitNote(item.note).lines, verifiers));
    else if (error.code === 'bad-signature') reasons.add('bad-signature', `${describe(item)}: ${error.detail}`);
    else reasons.add('bad-entry', `${describe(item)}: ${error.code}: ${error.detail}`);
  }
}

/** Parses key entries' verifier keys once; an unusable key is reported once, on its entry. */
function keyParser(reasons: Reasons): (item: Item<KeyPayload>) => Verifier | undefined {
  const parsed = new Map<number, Verifier | undefined>();
  return (item) => {
    if (!parsed.has(item.index)) {
      try {
        parsed.set(item.index, parseVerifierKey(item.payload.verifierKey));
      } catch (error) {
        parsed.set(item.index, undefined);
        reasons.add('bad-entry', `${describe(item)}: ${isGridproofError(error) ? error.detail : String(error)}`);
      }
    }
    return parsed.get(item.index);
  };
}

function checkEntryZero(index: BundleIndex, logKey: Verifier, verify: VerifyFn, reasons: Reasons): void {
  const zero = index.byIndex.get(0);
  if (zero === undefined) {
    // An entry 0 that did not parse is already a reason.
    if (!index.carried.has(0)) reasons.add('missing-entry', "entry 0, the log's operator key entry, is missing");
    return;
  }
  if (!isKind(zero, 'key') || zero.payload.subjectType !== 'operator') {
    reasons.add('bad-entry', 'entry 0 must be the key entry of the operator');
  }
  checkNote(zero, [logKey], verify, reasons, (why) => reasons.add('bad-signature', `entry 0 is not signed by the log key: ${why}`));
}

function checkReading(
  item: Item<ReadingPayload>,
  deviceKeys: readonly Item<KeyPayload>[],
  verifierOf: (item: Item<KeyPayload>) => Verifier | undefined,
  verify: VerifyFn,
  reasons: Reasons,
): void {
  const { device, start, end } = item.payload;
  const before = deviceKeys.filter((key) => key.index < item.index);
  const entries: Array<DeviceKeyEntry & { item: Item<KeyPayload> }> = before.map((key) => ({
    item: key,
    entryIdx: key.index,
    verifierKey: key.payload.verifierKey,
    validFromMs: instantMs(key.payload.validFrom)!,
    validUntilMs: key.payload.validUntil === undefined ? undefined : instantMs(key.payload.validUntil)!,
  }));
  const valid = new Set(keysValidFor(entries, instantMs(start)!, instantMs(end)!));
  // keysValidFor keeps the latest entry per verifier key: take those entries' parsed keys.
  const verifiers = entries
    .filter((entry) => valid.has(entry.verifierKey))
    .map((entry) => verifierOf(entry.item))
    .filter((v): v is Verifier => v !== undefined);
  const unique = [...new Map(verifiers.map((v) => [v.vkey, v])).values()];
  if (unique.length === 0) {
    reasons.add('no-valid-key', `${describe(item)}: no key entry of device ${device} logged before it is valid for ${start}/${end}`);
    return;
  }
  checkNote(item, unique, verify, reasons, (why) =>
    reasons.add('no-valid-key', `${describe(item)}: not signed by a key of device ${device} valid for ${start}/${end}: ${why}`),
  );
}

export function checkSignatures(index: BundleIndex, logKey: Verifier, verify: VerifyFn, reasons: Reasons): void {
  checkEntryZero(index, logKey, verify, reasons);
  const verifierOf = keyParser(reasons);
  const operatorKeys = index.keys.filter((key) => key.payload.subjectType === 'operator');
  const deviceKeys = new Map<string, Item<KeyPayload>[]>();
  for (const key of index.keys) {
    if (key.payload.subjectType !== 'device' || key.payload.subjectId === undefined) continue;
    const list = deviceKeys.get(key.payload.subjectId);
    if (list) list.push(key);
    else deviceKeys.set(key.payload.subjectId, [key]);
  }

  let ruling: Item<KeyPayload> | undefined; // the latest operator key entry before the current item
  let next = 0;
  for (const item of index.items) {
    while (next < operatorKeys.length && operatorKeys[next]!.index < item.index) ruling = operatorKeys[next++];
    if (item.index === 0) continue;
    if (isKind(item, 'reading')) {
      checkReading(item, deviceKeys.get(item.payload.device) ?? [], verifierOf, verify, reasons);
      continue;
    }
    if (entrySigner(item.payload) === 'log') {
      // A rotation signed by the operator key it replaces (or any other key) is refused.
      checkNote(item, [logKey], verify, reasons, (why) =>
        reasons.add('bad-signature', `${describe(item)}: an operator key entry not signed by the log key: ${why}`),
      );
      continue;
    }
    if (ruling === undefined) {
      reasons.add('no-valid-key', `${describe(item)}: no operator key entry logged before it`);
      continue;
    }
    const verifier = verifierOf(ruling);
    if (verifier === undefined) {
      reasons.add('no-valid-key', `${describe(item)}: the operator key entry ${ruling.index} in force holds an unusable key`);
      continue;
    }
    const keyIndex = ruling.index;
    checkNote(item, [verifier], verify, reasons, (why) =>
      reasons.add('bad-signature', `${describe(item)}: not signed by the operator key of entry ${keyIndex}: ${why}`),
    );
  }
}

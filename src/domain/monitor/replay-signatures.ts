/**
 * The replay's signature check (replay.ts): every entry verifies under the
 * keys the log itself registered before it, in log order, by entrySigner's
 * rule. Entry 0 is the operator `key` entry signed by the log key, as is
 * every later operator `key` entry (a rotation); an operator-signed entry
 * verifies under the latest operator key logged before it; a reading under
 * its device's key entries logged before it (keysValidFor).
 */
import type { VerifyFn } from '../../crypto/ed25519.ts';
import { openCheckedSoleLine, type CheckedSoleLine, type Verifier, type VerifierCache } from '../../crypto/note.ts';
import { GridproofError } from '../../errors.ts';
import { openEntryNote, type ParsedEntry } from '../entry.ts';
import { entrySigner } from '../entry-signer.ts';
import { keysValidFor } from '../reading-rules.ts';
import { instantMs } from '../time.ts';
import type { ReplayContext } from './replay-state.ts';

/** The keys the replay verifies with beyond those the log registers. */
export interface SignatureKeys {
  /** The log key: entry 0's signer. */
  logVerifier: Verifier;
  verify: VerifyFn;
  verifiers: VerifierCache;
}

/**
 * Whether entry `index` is signed as it must be; reports why not. `checked`:
 * the note was split and its signature verified on another thread
 * (domain/monitor/precheck.ts); the signer is still chosen here.
 */
export function checkSignature(
  { state, report }: ReplayContext,
  keys: SignatureKeys,
  index: number,
  note: string,
  payload: ParsedEntry['payload'],
  checked?: CheckedSoleLine,
): boolean {
  let verifiers: Verifier[];
  if (index === 0) {
    if (payload.kind !== 'key' || payload.subjectType !== 'operator') {
      report('bad-first-entry', [0], `entry 0 is a ${payload.kind} entry, not the operator key entry signed by the log key`);
      return false;
    }
    verifiers = [keys.logVerifier];
  } else if (entrySigner(payload) === 'log') {
    verifiers = [keys.logVerifier];
  } else if (payload.kind === 'reading') {
    const device = state.devices.get(payload.device);
    if (!device) {
      report('unknown-device', [index], `reading of device ${payload.device}, which no device entry before it registers`);
      return false;
    }
    const valid = keysValidFor(device.keys, instantMs(payload.start)!, instantMs(payload.end)!);
    if (valid.length === 0) {
      report('no-valid-key', [index], `device ${payload.device} has no key entry logged before this reading that is valid for ${payload.start}/${payload.end}`);
      return false;
    }
    verifiers = valid.map((vkey) => keys.verifiers.get(vkey));
  } else {
    if (!state.operatorKey) {
      report('no-valid-key', [index], 'no operator key is registered before this entry');
      return false;
    }
    verifiers = [keys.verifiers.get(state.operatorKey.vkey)];
  }
  try {
    if (checked === undefined || openCheckedSoleLine(checked, verifiers) === undefined) openEntryNote(note, verifiers, keys.verify);
    return true;
  } catch (error) {
    if (!(error instanceof GridproofError)) throw error;
    const rule = entrySigner(payload);
    const signer = payload.kind === 'reading' ? `a key of device ${payload.device} valid for it` : rule === 'log' ? 'the log key' : 'the operator key';
    if (index === 0) report('bad-first-entry', [0], `entry 0 is not signed by the log key ${keys.logVerifier.vkey} (${error.code})`);
    else if (error.code === 'unknown-signer') report('no-valid-key', [index], `a ${payload.kind} entry not signed by ${signer}`);
    else if (error.code === 'bad-signature') report('bad-signature', [index], `the signature by ${signer} does not verify`);
    else report('bad-entry', [index], `${error.code}: ${error.detail}`);
    return false;
  }
}

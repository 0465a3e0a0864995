/**
 * Entries are C2SP signed notes (docs/design.md §2):
 *
 *   gridproof/entry/v1\n
 *   <JCS(payload)>\n
 *   \n
 *   — <signer name> <base64(keyID[4] || ed25519 signature)>\n
 *
 * The signed message is the first two lines. RFC 8785 output has no raw
 * newline, so the payload is exactly one line. The ledger keeps the bytes it
 * received and never re-serialises them.
 */
import { canonicalJson } from '../crypto/canonical-json.ts';
import type { SignFn, VerifyFn } from '../crypto/ed25519.ts';
import { openSoleSignedNote, signNote, signNoteWithBytes, type SignedNote, type Signer, type Verifier } from '../crypto/note.ts';
import { GridproofError } from '../errors.ts';
import { sinksProblem } from './allocation-id.ts';
import { isEntryKind, schemaViolation } from './entry-schemas.ts';
import { ENTRY_HEADER, type Payload } from './payloads.ts';
import { dateMs, instantMs } from './time.ts';

/** Largest entry a client may submit (POST /v1/entries): a reading is a few hundred bytes. */
export const MAX_ENTRY_BYTES = 64 * 1024;

/**
 * Largest entry in a log. Operator entries grow with the park: a settlement
 * lists every allocation of an interval and zone (about 80 bytes each), a
 * claim every allocation it takes (about 55 bytes each, 87,600 for a year of
 * 10 generators).
 */
export const MAX_LOG_ENTRY_BYTES = 16 * 1024 * 1024;

export interface ParsedEntry {
  /** The whole note, as received. */
  note: string;
  /** The signed text: header line and payload line. */
  text: string;
  payload: Payload;
}

export function entryText(payload: Payload): string {
  return `${ENTRY_HEADER}\n${canonicalJson(payload)}\n`;
}

export function sealEntry(payload: Payload, signer: Signer, sign?: SignFn): string {
  return signNote(entryText(payload), [signer], sign);
}

/** sealEntry, with the entry's bytes. */
export function sealEntryWithBytes(payload: Payload, signer: Signer, sign?: SignFn): SignedNote {
  return signNoteWithBytes(entryText(payload), [signer], sign);
}

/**
 * Opens an entry's signature: exactly one signature line, by one of
 * `signers`, the keys its kind requires (the device's keys valid for a
 * reading, the operator key for operator kinds, the log key for entry 0).
 * Any other line, the same line twice or a second known key is
 * 'extra-signature' (README "Exactly what is hashed and signed"): the log
 * stores only bytes its signer signed, so each payload has one leaf hash.
 * Intake, the chain check, the bundle verifier and the monitor all call this.
 */
export function openEntryNote(note: string, signers: Verifier[], verify?: VerifyFn): Verifier {
  return openSoleSignedNote(note, signers, verify).signer;
}

/**
 * Parses an entry's text and checks its payload: canonical JSON, a known kind,
 * the kind's schema (and a settlement's sinks), real times and dates, this log's origin. The signature
 * is checked separately (openEntryNote), once the signer's keys are known.
 */
export function parseEntry(note: string, origin: string): ParsedEntry {
  if (note.length > MAX_LOG_ENTRY_BYTES) throw new GridproofError('bad-note', `entry longer than ${MAX_LOG_ENTRY_BYTES} bytes`);
  const headerEnd = note.indexOf('\n');
  const payloadEnd = note.indexOf('\n', headerEnd + 1);
  if (headerEnd < 0 || payloadEnd < 0 || note.slice(0, headerEnd) !== ENTRY_HEADER) {
    throw new GridproofError('bad-note', `an entry starts with the line ${ENTRY_HEADER}`);
  }
  if (note[payloadEnd + 1] !== '\n') throw new GridproofError('bad-note', 'the payload must be one line followed by a blank line');
  const line = note.slice(headerEnd + 1, payloadEnd);
  let payload: unknown;
  try {
    payload = JSON.parse(line);
  } catch {
    throw new GridproofError('bad-note', 'the payload line is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new GridproofError('schema-violation', 'the payload must be a JSON object');
  }
  if (canonicalJson(payload) !== line) throw new GridproofError('non-canonical-json', 'the payload must be RFC 8785 canonical JSON');
  const kind = (payload as { kind?: unknown }).kind;
  if (!isEntryKind(kind)) throw new GridproofError('unknown-kind', `unknown entry kind ${JSON.stringify(kind)}`);
  const violation = schemaViolation(kind, payload);
  if (violation) throw new GridproofError('schema-violation', `${kind}: ${violation}`);
  const checked = payload as Payload;
  const sinks = checked.kind === 'settlement' ? sinksProblem(checked) : undefined;
  if (sinks) throw new GridproofError('schema-violation', `settlement: ${sinks}`);
  checkTimes(checked);
  if (checked.log !== origin) throw new GridproofError('wrong-log', `entry is for log ${JSON.stringify(checked.log)}, this is ${JSON.stringify(origin)}`);
  return { note, text: note.slice(0, payloadEnd + 1), payload: checked };
}

/**
 * The ParsedEntry of a note that parseEntry has already accepted for this
 * log, on another thread (the monitor's workers, domain/monitor/precheck.ts):
 * the payload line is parsed again, none of the checks are repeated. The
 * same string gives the same payload, so the result is parseEntry's.
 */
export function acceptedEntry(note: string): ParsedEntry {
  const payloadEnd = note.indexOf('\n', note.indexOf('\n') + 1);
  return { note, text: note.slice(0, payloadEnd + 1), payload: JSON.parse(note.slice(ENTRY_HEADER.length + 1, payloadEnd)) as Payload };
}

const INSTANT_FIELDS = ['start', 'end', 'validFrom', 'validUntil'] as const;

function checkTimes(payload: Payload): void {
  const fields = payload as unknown as Record<string, unknown>;
  for (const field of INSTANT_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string' && instantMs(value) === undefined) {
      throw new GridproofError('bad-time', `${field} ${JSON.stringify(value)} is not a real instant`);
    }
  }
  if (payload.kind === 'device' && dateMs(payload.commissioningDate) === undefined) {
    throw new GridproofError('bad-time', `commissioningDate ${JSON.stringify(payload.commissioningDate)} is not a real date`);
  }
  // An entry has either start/end or validFrom/validUntil, never both.
  const from = (fields.start ?? fields.validFrom) as string | undefined;
  const to = (fields.end ?? fields.validUntil) as string | undefined;
  if (from !== undefined && to !== undefined && instantMs(to)! <= instantMs(from)!) {
    throw new GridproofError('bad-time', 'an interval must end after it starts');
  }
}

/**
 * GET /v1/devices/{id}/chain: re-verifies every stored reading of a device
 * from the log's bytes (signature under a key logged before it, seq, prev,
 * interval order) and reports the head or the first break.
 */
import { fromUtf8, toBase64 } from '../crypto/base64.ts';
import { VerifierCache } from '../crypto/note.ts';
import { deviceKeys, findDevice } from '../db/registry.ts';
import { deviceReadingEntries } from '../db/readings.ts';
import { openEntryNote, parseEntry } from '../domain/entry.ts';
import { checkChain, keysValidFor, type ChainHead } from '../domain/reading-rules.ts';
import { instantMs } from '../domain/time.ts';
import { GridproofError, type ErrorCode } from '../errors.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import type { Ledger } from './ledger.ts';

export type ChainReport =
  | { valid: true; length: number; head: { seq: number; index: number; leafHash: string } | null }
  | { valid: false; length: number; break: { seq: number; index: number; code: ErrorCode; detail: string } };

export async function checkDeviceChain(ledger: Ledger, deviceId: string): Promise<ChainReport> {
  if (!(await findDevice(ledger.db, deviceId))) throw new GridproofError('unknown-device', `no device ${deviceId}`);
  const keys = (await deviceKeys(ledger.db, [deviceId])).get(deviceId)!;
  const readings = await deviceReadingEntries(ledger.db, deviceId);
  const verifiers = new VerifierCache();
  let head: (ChainHead & { index: number }) | undefined;
  for (const stored of readings) {
    try {
      const note = fromUtf8(stored.bytes);
      const { payload } = parseEntry(note, ledger.origin);
      if (payload.kind !== 'reading' || payload.device !== deviceId) throw new GridproofError('bad-note', 'not a reading of this device');
      const loggedBefore = keys.filter((key) => key.entryIdx < stored.idx);
      const valid = keysValidFor(loggedBefore, instantMs(payload.start)!, instantMs(payload.end)!).map((vkey) => verifiers.get(vkey));
      openEntryNote(note, valid, ledger.verify);
      checkChain(payload, head);
      head = { seq: payload.seq, leafHash: toBase64(nativeHashLeaf(stored.bytes)), endMs: instantMs(payload.end)!, index: stored.idx };
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      const code = error.code === 'unknown-signer' ? 'no-valid-key' : error.code;
      return { valid: false, length: readings.length, break: { seq: stored.seq, index: stored.idx, code, detail: error.detail } };
    }
  }
  return {
    valid: true,
    length: readings.length,
    head: head ? { seq: head.seq, index: head.index, leafHash: head.leafHash } : null,
  };
}

/**
 * A device's reading chain. GET /v1/devices/{id}/chain answers from the head
 * the database keeps (device_chain, migration 013): every reading was checked
 * against its predecessor and its signature at intake, so the head needs no
 * re-verification and the answer costs one probe, however long the chain.
 *
 * Re-verifying the stored bytes is a certifier's explicit operation, one page
 * of seqs at a time (GET /v1/devices/{id}/chain/verification): signature
 * under a key logged before the reading, seq, prev and interval order, from
 * the page's predecessor on.
 */
import { fromUtf8, toBase64 } from '../crypto/base64.ts';
import { VerifierCache } from '../crypto/note.ts';
import { chainHead, deviceReadingEntries } from '../db/readings.ts';
import { deviceKeys, findDevice } from '../db/registry.ts';
import { openEntryNote, parseEntry } from '../domain/entry.ts';
import { checkChain, keysValidFor, type ChainHead } from '../domain/reading-rules.ts';
import { instantMs } from '../domain/time.ts';
import { GridproofError, type ErrorCode } from '../errors.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import type { Ledger } from './ledger.ts';

export interface ChainHeadReport {
  valid: true;
  length: number;
  head: { seq: number; index: number; leafHash: string } | null;
}

export type ChainPageReport =
  | { valid: true; fromSeq: number; checked: number; nextSeq: number | null; length: number }
  | { valid: false; fromSeq: number; checked: number; length: number; break: { seq: number; index: number; code: ErrorCode; detail: string } };

/** The largest page of GET /v1/devices/{id}/chain/verification. */
export const MAX_CHAIN_PAGE = 1000;

async function requireDevice(ledger: Ledger, deviceId: string): Promise<void> {
  if (!(await findDevice(ledger.db, deviceId))) throw new GridproofError('unknown-device', `no device ${deviceId}`);
}

/** The chain's head as intake verified it: constant time. */
export async function deviceChainHead(ledger: Ledger, deviceId: string): Promise<ChainHeadReport> {
  await requireDevice(ledger, deviceId);
  const head = await chainHead(ledger.db, deviceId);
  if (head === undefined) return { valid: true, length: 0, head: null };
  return { valid: true, length: head.seq + 1, head: { seq: head.seq, index: head.entryIdx, leafHash: toBase64(head.leafHash) } };
}

/**
 * Re-verifies the readings fromSeq ≤ seq < fromSeq + limit from the log's
 * bytes and reports the first break; `nextSeq` is where the next page starts
 * (null after the head). The page's predecessor is read for its leaf hash and
 * end only: its own checks belong to the page before.
 */
export async function verifyDeviceChain(ledger: Ledger, deviceId: string, fromSeq: number, limit: number): Promise<ChainPageReport> {
  await requireDevice(ledger, deviceId);
  const head = await chainHead(ledger.db, deviceId);
  const length = head === undefined ? 0 : head.seq + 1;
  const keys = (await deviceKeys(ledger.db, [deviceId])).get(deviceId)!;
  const first = Math.max(0, fromSeq - 1);
  const rows = await deviceReadingEntries(ledger.db, deviceId, first, limit + fromSeq - first);
  const verifiers = new VerifierCache();
  let previous: ChainHead | undefined;
  let checked = 0;
  for (const stored of rows) {
    try {
      const note = fromUtf8(stored.bytes);
      const { payload } = parseEntry(note, ledger.origin);
      if (payload.kind !== 'reading' || payload.device !== deviceId) throw new GridproofError('bad-note', 'not a reading of this device');
      if (stored.seq >= fromSeq) {
        const loggedBefore = keys.filter((key) => key.entryIdx < stored.idx);
        const valid = keysValidFor(loggedBefore, instantMs(payload.start)!, instantMs(payload.end)!).map((vkey) => verifiers.get(vkey));
        openEntryNote(note, valid, ledger.verify);
        checkChain(payload, previous);
        checked++;
      }
      previous = { seq: payload.seq, leafHash: toBase64(nativeHashLeaf(stored.bytes)), endMs: instantMs(payload.end)! };
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      const code = error.code === 'unknown-signer' ? 'no-valid-key' : error.code;
      return { valid: false, fromSeq, checked, length, break: { seq: stored.seq, index: stored.idx, code, detail: error.detail } };
    }
  }
  const end = fromSeq + limit;
  return { valid: true, fromSeq, checked, nextSeq: end < length ? end : null, length };
}

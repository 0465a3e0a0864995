/**
 * One group commit of readings (docs/design.md §3): a transaction of four
 * round trips whatever the group's size — BEGIN; lock the head and read what
 * the checks need (lockForIntake); append the accepted entries, their tree
 * nodes, the head and the reading rows in one statement; COMMIT. Readings
 * are checked in order, so one may chain on an earlier one of the group,
 * and each gets its own result: a refused reading never fails the others.
 * The database enforces the same rules again as the statement ends
 * (gapless GP002, leaf hashes GP005, chains GP013).
 */
import { toBase64 } from '../crypto/base64.ts';
import { lockForIntake } from '../db/intake-reads.ts';
import { readingsInsert } from '../db/readings.ts';
import type { ReadingPayload } from '../domain/payloads.ts';
import { checkChain, keysValidFor, type ChainHead } from '../domain/reading-rules.ts';
import { instantMs } from '../domain/time.ts';
import { GridproofError, type ErrorCode } from '../errors.ts';
import { appendToLog, type TreeWrite } from './append.ts';
import type { Ledger } from './ledger.ts';

export interface PreparedReading {
  note: string;
  bytes: Uint8Array;
  leafHash: Uint8Array;
  payload: ReadingPayload;
  /** Verifier keys whose signature on the note verified. */
  signedBy: string[];
  /** The device's bidding zone: a reading of an interval already matched there is late. */
  zone: string;
}

/**
 * One result per reading. late: its interval was already matched in its zone when this answer was
 * given, so a new reading is logged but not matched (docs/design.md §5); a duplicate says the same
 * of its interval as of now (docs/api.md).
 */
export type EntryResult = { index: number; leafHash: string; duplicate: boolean; late: boolean } | { error: { code: ErrorCode; detail: string } };

/** Appends what passes of `items`, in order, in one transaction; one result per item. A success is durable when this resolves. */
export async function commitReadings(ledger: Ledger, items: readonly PreparedReading[]): Promise<EntryResult[]> {
  let written: TreeWrite | undefined;
  const results = await ledger.db.transaction().execute(async (tx) => {
    const deviceIds = [...new Set(items.map((item) => item.payload.device))];
    const state = await lockForIntake(
      tx,
      items.map((item) => item.leafHash),
      deviceIds,
      items.map((item) => item.zone),
    );
    const { size, logged, keys, lastMatched } = state;
    const heads = new Map<string, ChainHead>(state.heads.map((head) => [head.device, head]));
    const accepted: PreparedReading[] = [];
    // A reading at or before its zone's last matched interval (read under the head lock) will never be
    // matched: one rule for new readings and duplicates alike (docs/design.md §5, docs/api.md).
    const isLate = (zone: string, startMs: number): boolean => startMs <= (lastMatched.get(zone) ?? Number.NEGATIVE_INFINITY);
    const results = items.map((item): EntryResult => {
      const leafHash = toBase64(item.leafHash);
      const { payload } = item;
      const startMs = instantMs(payload.start)!;
      const earlier = logged.get(leafHash);
      if (earlier !== undefined) return { index: earlier, leafHash, duplicate: true, late: isLate(item.zone, startMs) };
      const endMs = instantMs(payload.end)!;
      try {
        const valid = keysValidFor(keys.get(payload.device) ?? [], startMs, endMs);
        if (!item.signedBy.some((key) => valid.includes(key))) {
          throw new GridproofError('no-valid-key', `no key of device ${payload.device} valid for the interval signed this reading`);
        }
        checkChain(payload, heads.get(payload.device));
      } catch (error) {
        if (error instanceof GridproofError) return { error: { code: error.code, detail: error.detail } };
        throw error;
      }
      const index = size + accepted.length;
      accepted.push(item);
      logged.set(leafHash, index);
      heads.set(payload.device, { seq: payload.seq, leafHash, endMs });
      return { index, leafHash, duplicate: false, late: isLate(item.zone, startMs) };
    });
    const rows = accepted.map((item, i) => ({
      entry_idx: size + i,
      leaf_hash: item.leafHash,
      device_id: item.payload.device,
      seq: item.payload.seq,
      start_at: new Date(item.payload.start),
      end_at: new Date(item.payload.end),
      import_wh: Number(item.payload.importWh),
      export_wh: Number(item.payload.exportWh),
    }));
    written = await appendToLog(
      ledger,
      tx,
      size,
      accepted.map((item) => ({ bytes: item.bytes, leafHash: item.leafHash, kind: item.payload.kind })),
      readingsInsert(rows),
    );
    return results;
  });
  if (written) ledger.tree.remember(written.nodes, written.size);
  return results;
}

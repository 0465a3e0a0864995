/**
 * Group commit (docs/design.md §3): requests queue their
 * prepared readings; one writer takes everything queued, checks it against
 * the chain heads and keys read under the head lock, and appends it in one
 * transaction. Requests that arrive while a batch commits form the next one,
 * so throughput does not fall to one commit per request. A promise resolves
 * only after COMMIT: a success is durable.
 */
import { toBase64 } from '../crypto/base64.ts';
import { findLogged, lockLogHead } from '../db/log.ts';
import { lastMatchedStarts } from '../db/matching.ts';
import { chainHeads, insertReadings } from '../db/readings.ts';
import { deviceKeys } from '../db/registry.ts';
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

export type EntryResult =
  | { index: number; leafHash: string; duplicate: true }
  /** late: logged, but its interval was already matched, so it is not matched (docs/design.md §5). */
  | { index: number; leafHash: string; duplicate: false; late: boolean }
  | { error: { code: ErrorCode; detail: string } };

interface Job {
  items: PreparedReading[];
  resolve: (results: EntryResult[]) => void;
  reject: (error: unknown) => void;
}

/** Readings per transaction: big enough to amortise the commit, small enough to keep latency low. */
const MAX_BATCH = 2000;

export class Sequencer {
  readonly #ledger: Ledger;
  #queue: Job[] = [];
  #draining: Promise<void> | undefined;

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
  }

  submit(items: PreparedReading[]): Promise<EntryResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ items, resolve, reject });
      this.#draining ??= this.#drain().finally(() => {
        this.#draining = undefined;
      });
    });
  }

  /** Resolves when everything queued so far is committed (graceful close). */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      // Let the event loop read the requests that arrived meanwhile: an
      // embedded database answers without yielding, and the batch would
      // otherwise hold one request only.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#takeBatch();
      try {
        const results = await commitBatch(this.#ledger, batch.flatMap((job) => job.items));
        let offset = 0;
        for (const job of batch) {
          job.resolve(results.slice(offset, offset + job.items.length));
          offset += job.items.length;
        }
      } catch (error) {
        // An unexpected failure must not take other requests down with it:
        // retry each job on its own, so only the job that fails fails.
        if (batch.length === 1) batch[0]!.reject(error);
        else for (const job of batch) await commitBatch(this.#ledger, job.items).then(job.resolve, job.reject);
      }
    }
  }

  #takeBatch(): Job[] {
    const batch: Job[] = [];
    let count = 0;
    while (this.#queue.length > 0 && (batch.length === 0 || count + this.#queue[0]!.items.length <= MAX_BATCH)) {
      const job = this.#queue.shift()!;
      batch.push(job);
      count += job.items.length;
    }
    return batch;
  }
}

/** One transaction: readings are applied in order, so one may chain on an earlier one of the batch. */
async function commitBatch(ledger: Ledger, items: PreparedReading[]): Promise<EntryResult[]> {
  let written: TreeWrite | undefined;
  const results = await ledger.db.transaction().execute(async (tx) => {
    const size = await lockLogHead(tx);
    const deviceIds = [...new Set(items.map((item) => item.payload.device))];
    const logged = await findLogged(tx, items.map((item) => item.leafHash));
    const headRows = await chainHeads(tx, deviceIds);
    const keys = await deviceKeys(tx, deviceIds);
    const heads = new Map<string, ChainHead>(
      headRows.map((row) => [row.device_id, { seq: row.seq, leafHash: toBase64(row.leaf_hash), endMs: row.end_at.getTime() }]),
    );
    const accepted: PreparedReading[] = [];
    const results = items.map((item): EntryResult => {
      const leafHash = toBase64(item.leafHash);
      const earlier = logged.get(leafHash);
      if (earlier !== undefined) return { index: earlier, leafHash, duplicate: true };
      const { payload } = item;
      try {
        const startMs = instantMs(payload.start)!;
        const valid = keysValidFor(keys.get(payload.device) ?? [], startMs, instantMs(payload.end)!);
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
      heads.set(payload.device, { seq: payload.seq, leafHash, endMs: instantMs(payload.end)! });
      return { index, leafHash, duplicate: false, late: false };
    });
    // A reading at or before its zone's last matched interval will never be matched.
    const lastMatched = await lastMatchedStarts(tx, accepted.map((item) => item.zone));
    for (const result of results) {
      if (!('duplicate' in result) || result.duplicate) continue;
      const item = accepted[result.index - size]!;
      result.late = instantMs(item.payload.start)! <= (lastMatched.get(item.zone) ?? Number.NEGATIVE_INFINITY);
    }
    written = await appendToLog(
      ledger,
      tx,
      size,
      accepted.map((item) => ({ bytes: item.bytes, leafHash: item.leafHash, kind: item.payload.kind })),
    );
    await insertReadings(
      tx,
      accepted.map((item, i) => ({
        entry_idx: size + i,
        leaf_hash: item.leafHash,
        device_id: item.payload.device,
        seq: item.payload.seq,
        start_at: new Date(item.payload.start),
        end_at: new Date(item.payload.end),
        import_wh: Number(item.payload.importWh),
        export_wh: Number(item.payload.exportWh),
      })),
    );
    return results;
  });
  if (written) ledger.tree.remember(written.nodes, written.size);
  return results;
}

/**
 * Reads of the public log (RFC 9162 §4, C2SP tlog-checkpoint): checkpoints,
 * entries for their owners and monitors, inclusion and consistency proofs.
 * Hashes in JSON are standard base64, as Go's tlog.Hash reads them.
 */
import { withCosignatures } from './witnessed-checkpoints.ts';
import { fromUtf8 } from '../crypto/base64.ts';
import { checkpointBySize, latestCheckpoint, listCheckpoints } from '../db/checkpoints.ts';
import { readEntry, readEntryRange } from '../db/log.ts';
import { encodeEntryRecords } from '../domain/entry-records.ts';
import { formatInstant } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { allow, mayReadEntry, type Caller } from './access.ts';
import type { Ledger } from './ledger.ts';

/** The largest page of entries one request returns. */
export const MAX_ENTRY_PAGE = 1000;

/** The latest signed checkpoint's note text. */
export async function latestCheckpointNote(ledger: Ledger): Promise<string> {
  const checkpoint = await latestCheckpoint(ledger.db);
  if (!checkpoint) throw new GridproofError('unknown-checkpoint', 'no checkpoint has been published yet');
  // The log's own line first, then the witnesses' cosignatures (C2SP tlog-cosignature).
  return withCosignatures(ledger.db, checkpoint);
}

export async function checkpointNoteOfSize(ledger: Ledger, size: number): Promise<string> {
  const checkpoint = await checkpointBySize(ledger.db, size);
  if (!checkpoint) throw new GridproofError('unknown-checkpoint', `no checkpoint of size ${size}`);
  return checkpoint.note;
}

/** The largest page of stored checkpoints one request lists. */
export const MAX_CHECKPOINT_PAGE = 1000;

export interface CheckpointPage {
  checkpoints: Array<{ size: number; publishedAt: string }>;
  /** The `before` of the next (older) page; absent on the last one. */
  next?: number;
}

/**
 * Which checkpoints are stored, newest first, so an auditor can pick sizes
 * to fetch and prove consistent between (docs/api.md). One row more than the
 * page is read, so the answer knows whether an older page exists.
 */
export async function checkpointPage(ledger: Ledger, before: number | undefined, limit: number): Promise<CheckpointPage> {
  const wanted = Math.min(limit, MAX_CHECKPOINT_PAGE);
  const rows = await listCheckpoints(ledger.db, before, wanted + 1);
  const page = rows.slice(0, wanted);
  return {
    checkpoints: page.map((row) => ({ size: row.size, publishedAt: formatInstant(row.publishedAt) })),
    ...(rows.length > wanted ? { next: page[page.length - 1]!.size } : {}),
  };
}

/** An entry's exact bytes, as text (every entry is a UTF-8 signed note). */
export async function entryText(ledger: Ledger, caller: Caller, index: number): Promise<string> {
  const entry = await readEntry(ledger.db, index);
  if (!entry) throw new GridproofError('not-found', `no entry ${index}`);
  await mayReadEntry(ledger, caller, entry.idx);
  return fromUtf8(entry.bytes);
}

export interface EntryPage {
  entries: Array<{ index: number; bytes: string }>;
}

export async function entryPage(ledger: Ledger, caller: Caller, start: number, limit: number): Promise<EntryPage> {
  allow(caller, 'read-entry-range');
  const rows = await readEntryRange(ledger.db, start, Math.min(limit, MAX_ENTRY_PAGE));
  return { entries: rows.map((row) => ({ index: row.idx, bytes: fromUtf8(row.bytes) })) };
}

/** The same page as entry records (domain/entry-records.ts): the stored bytes as they are. */
export async function entryRecordPage(ledger: Ledger, caller: Caller, start: number, limit: number): Promise<Uint8Array> {
  allow(caller, 'read-entry-range');
  const rows = await readEntryRange(ledger.db, start, Math.min(limit, MAX_ENTRY_PAGE));
  return encodeEntryRecords(rows.map((row) => ({ index: row.idx, bytes: row.bytes })));
}

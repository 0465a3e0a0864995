/**
 * The log's entries as records, for monitors and mirrors that read the log
 * in bulk (GET /v1/log/entries with Accept: application/octet-stream,
 * docs/api.md): per entry, its index as a big-endian unsigned 64-bit integer,
 * its length as a big-endian unsigned 32-bit integer, then its exact bytes.
 * The stored bytes travel as they are: no UTF-8 decoding and JSON escaping on
 * the server and the reverse on the client, which on a first monitor run cost
 * more CPU than the rest of serving the pages (docs/design.md §10).
 *
 * Pure: no I/O.
 */

/** A record's header: index (8 bytes) and length (4 bytes). */
const HEADER_BYTES = 12;

export const ENTRY_RECORDS_MEDIA_TYPE = 'application/octet-stream';

export interface EntryRecord {
  index: number;
  bytes: Uint8Array;
}

export function encodeEntryRecords(records: readonly EntryRecord[]): Uint8Array {
  const out = new Uint8Array(records.reduce((total, record) => total + HEADER_BYTES + record.bytes.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const { index, bytes } of records) {
    view.setBigUint64(at, BigInt(index));
    view.setUint32(at + 8, bytes.length);
    out.set(bytes, at + HEADER_BYTES);
    at += HEADER_BYTES + bytes.length;
  }
  return out;
}

/**
 * The complete records at the start of `body`, as views of it. A body cut
 * short ends the list before the record it cuts (the reader then finds the
 * entries it lacks, as it does with a short JSON page); an index beyond
 * JavaScript's exact integers is never one the log has, and ends it too.
 */
export function decodeEntryRecords(body: Uint8Array): EntryRecord[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const records: EntryRecord[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= body.length) {
    const index = view.getBigUint64(at);
    const length = view.getUint32(at + 8);
    if (index > BigInt(Number.MAX_SAFE_INTEGER) || at + HEADER_BYTES + length > body.length) break;
    records.push({ index: Number(index), bytes: body.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length) });
    at += HEADER_BYTES + length;
  }
  return records;
}

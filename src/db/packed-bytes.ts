/**
 * Byte columns as one binary parameter. node-postgres sends a Buffer in
 * binary format, as it is, whereas an array of byte strings travels as text
 * (bytea[] as hex escapes, or text[] of base64 the database decodes). The
 * statement slices each value back out with substring(), which is 1-based.
 * For a 500-entry append with its tree nodes, against base64 text[]: 14–15 ms
 * of the event loop instead of 18–19, and 12.5–13.6 ms of PostgreSQL's CPU
 * instead of 21–22 (docs/design.md §10).
 */
import { sql, type RawBuilder } from 'kysely';

/** `values` end to end, and where each starts: value i is bytes offsets[i] to offsets[i] + lengths[i]. */
export interface PackedBytes {
  packed: Buffer;
  offsets: number[];
  lengths: number[];
}

export function packBytes(values: readonly Uint8Array[]): PackedBytes {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let total = 0;
  for (const value of values) {
    offsets.push(total);
    lengths.push(value.byteLength);
    total += value.byteLength;
  }
  const packed = Buffer.allocUnsafe(total);
  values.forEach((value, i) => packed.set(value, offsets[i]));
  return { packed, offsets, lengths };
}

/** SHA-256 (RFC 6234): leaf hashes and tree nodes (RFC 9162 §2.1.1). */
const HASH_BYTES = 32;

/**
 * A column of hashes as one parameter: the SQL for the hash of each row,
 * where `ordinal` names the row's number counting from 1 (WITH ORDINALITY's
 * column, a bigint). A value of another length is refused rather than
 * shifting every hash after it.
 */
export function hashColumn(hashes: readonly Uint8Array[], ordinal: string): RawBuilder<Uint8Array> {
  const packed = Buffer.allocUnsafe(hashes.length * HASH_BYTES);
  hashes.forEach((hash, i) => {
    if (hash.byteLength !== HASH_BYTES) throw new RangeError(`hash ${i} is ${hash.byteLength} bytes, not ${HASH_BYTES}`);
    packed.set(hash, i * HASH_BYTES);
  });
  return sql<Uint8Array>`substring(${packed}::bytea from (${sql.ref(ordinal)}::int - 1) * ${sql.lit(HASH_BYTES)} + 1 for ${sql.lit(HASH_BYTES)})`;
}

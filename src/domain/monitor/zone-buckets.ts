/**
 * A zone's open buckets (replay-state.ts) ordered by interval start. Matching
 * goes oldest first, so when a settlement moves its zone's last matched
 * interval forward, only the buckets between the old and the new start can
 * still hold readings to forget; readings logged months ahead of matching
 * (a year of meter data posted before the first run) would otherwise be
 * visited again by every settlement. Several buckets may share a start
 * (intervals of different lengths).
 *
 * Pure: no I/O.
 */

/** What the index needs of a bucket. */
export interface Started {
  readonly startMs: number;
}

/** The first position whose start is at or after `startMs` (binary search). */
function firstAtOrAfter(list: readonly Started[], startMs: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid]!.startMs < startMs) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Adds `bucket` after every bucket starting at or before it; readings arrive mostly in time order, so mostly at the end. */
export function insertBucket<B extends Started>(list: B[], bucket: B): void {
  const last = list.at(-1);
  if (last === undefined || last.startMs <= bucket.startMs) list.push(bucket);
  else list.splice(firstAtOrAfter(list, bucket.startMs + 1), 0, bucket);
}

/** Removes `bucket` (the same object) if it is listed. */
export function removeBucket<B extends Started>(list: B[], bucket: B): void {
  for (let at = firstAtOrAfter(list, bucket.startMs); at < list.length && list[at]!.startMs === bucket.startMs; at++) {
    if (list[at] === bucket) {
      list.splice(at, 1);
      return;
    }
  }
}

/** The buckets starting in [fromMs, beforeMs), oldest first, as a copy the caller may change the list under. */
export function bucketsStartingIn<B extends Started>(list: readonly B[], fromMs: number, beforeMs: number): B[] {
  const found: B[] = [];
  for (let at = firstAtOrAfter(list, fromMs); at < list.length && list[at]!.startMs < beforeMs; at++) found.push(list[at]!);
  return found;
}

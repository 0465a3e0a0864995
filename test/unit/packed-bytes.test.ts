/**
 * Byte columns packed into one parameter (src/db/packed-bytes.ts): each
 * value comes back out of its offsets and lengths exactly, and a column of
 * hashes refuses a value of another length rather than shifting the rest.
 */
import t from 'tap';
import { hashColumn, packBytes } from '../../src/db/packed-bytes.ts';

t.test('packBytes: every value is at its offset, with its length', async (t) => {
  const values = [Uint8Array.of(), Uint8Array.of(1), new TextEncoder().encode('— é'), new Uint8Array(700).fill(7), Uint8Array.of(255, 0)];
  const { packed, offsets, lengths } = packBytes(values);
  t.equal(
    packed.length,
    values.reduce((sum, v) => sum + v.length, 0),
  );
  t.same(
    values.map((_, i) => [...packed.subarray(offsets[i], offsets[i]! + lengths[i]!)]),
    values.map((v) => [...v]),
  );
  // A view into a larger buffer packs only its own bytes.
  const view = new Uint8Array([9, 9, 1, 2, 3, 9]).subarray(2, 5);
  t.same([...packBytes([view]).packed], [1, 2, 3]);
});

t.test('hashColumn: a value that is not 32 bytes is refused', async (t) => {
  t.doesNotThrow(() => hashColumn([new Uint8Array(32), new Uint8Array(32)], 'n'));
  t.throws(() => hashColumn([new Uint8Array(32), new Uint8Array(31)], 'n'), RangeError);
});

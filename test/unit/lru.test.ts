/**
 * The one least-recently-used helper behind every bounded cache: never more
 * than the limit, the least recently used leaves first, a hit is not made again.
 */
import t from 'tap';
import { lruGet, lruPut, lruTouch } from '../../src/crypto/lru.ts';

t.test('past the limit, the least recently used entry leaves', async (t) => {
  const cache = new Map<string, number>();
  lruPut(cache, 3, 'a', 1);
  lruPut(cache, 3, 'b', 2);
  lruPut(cache, 3, 'c', 3);
  t.equal(lruTouch(cache, 'a'), 1, 'a hit returns the value');
  lruPut(cache, 3, 'd', 4);
  t.strictSame([...cache.keys()], ['c', 'a', 'd'], 'b, the least recently used, left; a stayed because it was touched');
  t.equal(lruTouch(cache, 'b'), undefined, 'a miss is undefined');
  lruPut(cache, 3, 'c', 30);
  t.strictSame(
    [...cache.entries()],
    [
      ['a', 1],
      ['d', 4],
      ['c', 30],
    ],
    'putting a kept key replaces it as the most recent, nothing leaves',
  );
});

t.test('a limit lowered below the size trims to it', async (t) => {
  const cache = new Map([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  lruPut(cache, 1, 'd', 4);
  t.strictSame([...cache.keys()], ['d']);
});

t.test('lruGet makes a value only on a miss', async (t) => {
  const cache = new Map<number, string>();
  let made = 0;
  const make = (n: number) => () => {
    made += 1;
    return `v${n}`;
  };
  t.equal(lruGet(cache, 2, 1, make(1)), 'v1');
  t.equal(lruGet(cache, 2, 1, make(1)), 'v1');
  t.equal(made, 1, 'the hit did not make it again');
  lruGet(cache, 2, 2, make(2));
  lruGet(cache, 2, 1, make(1));
  lruGet(cache, 2, 3, make(3));
  t.strictSame([...cache.keys()], [1, 3], '2 left: 1 was used after it');
  t.equal(made, 3);
});

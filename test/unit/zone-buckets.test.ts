/**
 * The replay's per-zone bucket order (src/domain/monitor/zone-buckets.ts)
 * against the obvious model: every insertion and removal keeps the list
 * sorted by start, in insertion order among equal starts, and a range query
 * returns exactly the buckets a filter over all of them would.
 */
import fc from 'fast-check';
import t from 'tap';
import { bucketsStartingIn, insertBucket, removeBucket } from '../../src/domain/monitor/zone-buckets.ts';

interface B {
  startMs: number;
  id: number;
}

const op = fc.oneof(
  fc.record({ add: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ remove: fc.nat() }),
  fc.record({ from: fc.integer({ min: -1, max: 21 }), before: fc.integer({ min: -1, max: 22 }) }),
);

t.test('inserts, removals and range queries agree with a sorted model', async (t) => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const list: B[] = [];
      let model: B[] = [];
      let next = 0;
      for (const o of ops) {
        if ('add' in o) {
          const bucket = { startMs: o.add, id: next++ };
          insertBucket(list, bucket);
          model.push(bucket);
          model = model.toSorted((a, b) => a.startMs - b.startMs || a.id - b.id);
        } else if ('remove' in o) {
          if (model.length === 0) continue;
          const victim = model[o.remove % model.length]!;
          removeBucket(list, victim);
          model = model.filter((b) => b !== victim);
        } else {
          const found = bucketsStartingIn(list, o.from, o.before);
          const expected = model.filter((b) => b.startMs >= o.from && b.startMs < o.before);
          if (found.length !== expected.length || found.some((b, i) => b !== expected[i])) return false;
        }
        if (list.length !== model.length || list.some((b, i) => b !== model[i])) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('the list and every range agree with the model');
});

t.test('removing a bucket that is not listed changes nothing', async (t) => {
  const list: B[] = [
    { startMs: 1, id: 0 },
    { startMs: 1, id: 1 },
  ];
  removeBucket(list, { startMs: 1, id: 2 });
  t.same(
    list.map((b) => b.id),
    [0, 1],
  );
});

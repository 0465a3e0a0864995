import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { selectClaim, type ClaimCandidate } from '../../src/domain/claims.ts';
import { fixedHash as h, random, shuffle } from '../helpers/matching-park.ts';

const at = (hour: number) => `2025-01-01T${String(hour).padStart(2, '0')}:00:00Z`;
const candidates: ClaimCandidate[] = [
  { leafHash: h('D'), wh: 300n, start: at(11) },
  { leafHash: h('C'), wh: 100n, start: at(10) },
  { leafHash: h('B'), wh: 500n, start: at(12) },
  { leafHash: h('A'), wh: 50n, start: at(11) },
  { leafHash: h('E'), wh: 10n, start: at(13) },
];

t.test('hand-checked selections', async (t) => {
  t.same(selectClaim(candidates), { allocations: [h('C'), h('A'), h('D'), h('B'), h('E')], wh: 960n }, 'all, oldest first, leaf hash within an hour');
  t.same(selectClaim(candidates, 450n), { allocations: [h('C'), h('A'), h('D')], wh: 450n }, 'exactly maxWh');
  t.same(selectClaim(candidates, 900n), { allocations: [h('C'), h('A'), h('D')], wh: 450n }, 'stops before B (500) and does not skip to the smaller E');
  t.same(selectClaim(candidates, 99n), { allocations: [], wh: 0n }, 'the oldest alone exceeds: nothing');
  t.same(selectClaim([], 10n), { allocations: [], wh: 0n });
  t.throws(() => selectClaim(candidates, -1n), { name: 'GridproofError', code: 'bad-wh' });
  t.throws(() => selectClaim([...candidates, { leafHash: h('A'), wh: 1n, start: at(1) }]), { code: 'bad-request' }, 'an allocation twice');
});

t.test('properties of claim selection', async (t) => {
  const input = fc.record({
    allocations: fc.uniqueArray(fc.record({ leafHash: fc.string({ minLength: 1, maxLength: 3 }), wh: fc.bigInt(1n, 1000n), start: fc.integer({ min: 0, max: 23 }).map(at) }), { selector: (a) => a.leafHash, maxLength: 20 }),
    maxWh: fc.option(fc.bigInt(0n, 8000n), { nil: undefined }),
    seed: fc.integer(),
  });
  let partial = 0;
  fc.assert(
    fc.property(input, ({ allocations, maxWh, seed }) => {
      const selection = selectClaim(allocations, maxWh);
      assert.deepEqual(selectClaim(shuffle(allocations, random(seed)), maxWh), selection, 'order-free');
      const oldestFirst = [...allocations].sort((a, b) => (a.start === b.start ? (a.leafHash < b.leafHash ? -1 : 1) : a.start < b.start ? -1 : 1));
      const n = selection.allocations.length;
      assert.deepEqual(selection.allocations, oldestFirst.slice(0, n).map((a) => a.leafHash), 'a prefix of oldest first');
      assert.equal(selection.wh, oldestFirst.slice(0, n).reduce((s, a) => s + a.wh, 0n), 'wh is their sum');
      if (maxWh !== undefined) assert.ok(selection.wh <= maxWh, 'within maxWh');
      const nextOne = oldestFirst[n];
      if (nextOne) {
        assert.ok(maxWh !== undefined && selection.wh + nextOne.wh > maxWh, 'stops only where the next would exceed');
        partial++;
      }
    }),
    { numRuns: 2000 },
  );
  t.ok(partial > 200, `${partial} selections stopped by maxWh`);
});

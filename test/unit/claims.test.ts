import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { allocationId } from '../../src/domain/allocation-id.ts';
import { compareClaimOrder, selectClaim, type ClaimCandidate } from '../../src/domain/claims.ts';
import { fixedHash as h, random, shuffle } from '../helpers/matching-park.ts';

const at = (hour: number) => `2025-01-01T${String(hour).padStart(2, '0')}:00:00Z`;
const id = (letter: string, position: number) => allocationId(h(letter), position);
const candidates: ClaimCandidate[] = [
  { settlement: h('D'), position: 0, wh: 300n, start: at(11) },
  { settlement: h('C'), position: 0, wh: 100n, start: at(10) },
  { settlement: h('B'), position: 3, wh: 500n, start: at(12) },
  { settlement: h('A'), position: 10, wh: 50n, start: at(11) },
  { settlement: h('A'), position: 9, wh: 20n, start: at(11) },
  { settlement: h('E'), position: 0, wh: 10n, start: at(13) },
];

t.test('hand-checked selections', async (t) => {
  t.same(
    selectClaim(candidates),
    { allocations: [id('C', 0), id('A', 9), id('A', 10), id('D', 0), id('B', 3), id('E', 0)], wh: 980n },
    'all, oldest first; within an hour by settlement, then position as a number (9 before 10)',
  );
  t.same(selectClaim(candidates, 470n), { allocations: [id('C', 0), id('A', 9), id('A', 10), id('D', 0)], wh: 470n }, 'exactly maxWh');
  t.same(
    selectClaim(candidates, 900n),
    { allocations: [id('C', 0), id('A', 9), id('A', 10), id('D', 0)], wh: 470n },
    'stops before B (500) and does not skip to the smaller E',
  );
  t.same(selectClaim(candidates, 99n), { allocations: [], wh: 0n }, 'the oldest alone exceeds: nothing');
  t.same(selectClaim([], 10n), { allocations: [], wh: 0n });
  t.throws(() => selectClaim(candidates, -1n), { name: 'GridproofError', code: 'bad-wh' });
  t.throws(() => selectClaim([...candidates, { settlement: h('A'), position: 9, wh: 1n, start: at(1) }]), { code: 'bad-request' }, 'an allocation twice');
});

t.test('properties of claim selection', async (t) => {
  const input = fc.record({
    allocations: fc.uniqueArray(
      fc.record({
        settlement: fc.constantFrom('A', 'B', 'C').map(h),
        position: fc.integer({ min: 0, max: 12 }),
        wh: fc.bigInt(1n, 1000n),
        start: fc.integer({ min: 0, max: 23 }).map(at),
      }),
      { selector: (a) => `${a.settlement}#${a.position}`, maxLength: 20 },
    ),
    maxWh: fc.option(fc.bigInt(0n, 8000n), { nil: undefined }),
    seed: fc.integer(),
  });
  let partial = 0;
  fc.assert(
    fc.property(input, ({ allocations, maxWh, seed }) => {
      const selection = selectClaim(allocations, maxWh);
      assert.deepEqual(selectClaim(shuffle(allocations, random(seed)), maxWh), selection, 'order-free');
      const oldestFirst = [...allocations].sort((a, b) =>
        a.start === b.start ? (a.settlement === b.settlement ? a.position - b.position : a.settlement < b.settlement ? -1 : 1) : a.start < b.start ? -1 : 1,
      );
      assert.deepEqual(oldestFirst, [...allocations].sort(compareClaimOrder), 'compareClaimOrder is that order');
      const n = selection.allocations.length;
      assert.deepEqual(
        selection.allocations,
        oldestFirst.slice(0, n).map((a) => allocationId(a.settlement, a.position)),
        'a prefix of oldest first',
      );
      assert.equal(
        selection.wh,
        oldestFirst.slice(0, n).reduce((s, a) => s + a.wh, 0n),
        'wh is their sum',
      );
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

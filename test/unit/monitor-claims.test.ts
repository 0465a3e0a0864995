/**
 * The monitor's replay of claims (src/domain/monitor/replay-claims.ts): an
 * allocation claimed at most once, by its tenant, within the claim's period,
 * the claim's total its allocations' sum. Each finding code comes from a log
 * that breaks its rule, and nothing else, after the clean park of
 * test/helpers/monitor-log.ts.
 */
import t from 'tap';
import { allocationId } from '../../src/domain/allocation-id.ts';
import { codes, park, replayAll } from '../helpers/monitor-log.ts';

t.test('a double claim', async (t) => {
  const { log, s0, w0, c1 } = park();
  const c2 = log.claim('claim-2', [s0.id(w0, 0)], 400);
  const findings = replayAll(log);
  t.same(codes(findings), ['double-claim']);
  t.same(findings[0]?.indexes, [s0.index, c1.index, c2.index]);
});

t.test('a claim by a participant registered with another role is participant-role-mismatch, by one never registered unknown-participant', async (t) => {
  const { log } = park();
  const w2 = log.reading('wind-1', 2, 0, 200);
  const m2 = log.reading('meter-1', 2, 200, 0);
  const s2 = log.settlement(2, [
    {
      reading: w2,
      supplyWh: 200,
      allocations: [
        { sink: m2, wh: 100 },
        { sink: m2, wh: 100 },
      ],
    },
  ]);
  const byGenerator = log.claim('claim-g', [s2.id(w2, 0)], 100, { tenant: 'gen-1' });
  const byNobody = log.claim('claim-n', [s2.id(w2, 1)], 100, { tenant: 'nobody' });
  const generator = 2; // gen-1's participant entry (test/helpers/monitor-log.ts)
  const findings = replayAll(log);
  // Each allocation goes to tenant-1's meter, not to the claimant: claim-mismatch as well.
  t.same(codes(findings), ['participant-role-mismatch', 'claim-mismatch', 'unknown-participant', 'claim-mismatch']);
  t.same(
    findings.map((f) => f.indexes),
    [[generator, byGenerator.index], [s2.index, byGenerator.index], [byNobody.index], [s2.index, byNobody.index]],
    "a mismatch names the participant's entry too",
  );
  t.match(
    findings.map((f) => f.detail),
    [
      /claim claim-g for gen-1, which is registered as a generator; a claimant must be a tenant/,
      /goes to tenant-1/,
      /claim claim-n for nobody, which no participant entry before it registers/,
      /goes to tenant-1/,
    ],
  );
});

t.test('claims of another tenant’s allocation, a charge, outside their period, unknown, listed twice, the wrong total', async (t) => {
  const { log, s0, w0 } = park();
  log.op({ kind: 'participant', id: 'tenant-2', role: 'tenant', name: 'Other GmbH' });
  const w2 = log.reading('wind-1', 2, 0, 500);
  const m2 = log.reading('meter-1', 2, 500, 0);
  const s2 = log.settlement(2, [{ reading: w2, supplyWh: 500, allocations: Array.from({ length: 5 }, () => ({ sink: m2, wh: 100 })) }]);
  const c2 = log.claim('claim-2', [s2.id(w2, 0)], 100, { tenant: 'tenant-2' });
  const c3 = log.claim('claim-3', [s0.id(w0, 1)], 500);
  const c4 = log.claim('claim-4', [s2.id(w2, 1)], 100, { from: 0, to: 1 });
  const c5 = log.claim('claim-5', [allocationId(s0.hash, 9)], 0);
  const c6 = log.claim('claim-6', [s2.id(w2, 2), s2.id(w2, 2)], 1);
  const findings = replayAll(log);
  t.same(codes(findings), ['claim-mismatch', 'claim-mismatch', 'claim-mismatch', 'claim-mismatch', 'double-claim', 'claim-mismatch']);
  t.same(
    findings.map((f) => f.indexes),
    [[s2.index, c2.index], [s0.index, c3.index], [s2.index, c4.index], [s0.index, c5.index], [s2.index, c6.index], [c6.index]],
  );
  t.match(
    findings.map((f) => f.detail),
    [
      /goes to tenant-1/,
      /which charges storage/,
      /outside its period/,
      /no allocation logged before it/,
      /lists allocation .* twice/,
      /states 1 Wh, its allocations add up to 100 Wh/,
    ],
  );
});

/**
 * The facts of a verified bundle (src/domain/bundle/facts.ts) against the
 * test log's own payloads (test/helpers/bundle-park.ts): every device fact
 * as registered, every hour's sources adding up to the statement, claimed
 * Wh adding up to the claim, storage draws to their discharges, the CBAM
 * view to the consumption. A bundle that does not verify gets no facts.
 */
import t from 'tap';
import { verifyWithFacts } from '../../src/domain/bundle/verified.ts';
import { factsSummary } from '../../src/domain/bundle/facts-summary.ts';
import { lotWh } from '../../src/domain/storage-lots.ts';
import { copy, cutBundle, LOG_KEY, ORIGIN, payloadsOf, writePark } from '../helpers/bundle-park.ts';

const park = writePark();
const sum = (xs: readonly string[]): bigint => xs.reduce((s, x) => s + BigInt(x), 0n);

t.test('every fact of a claim bundle comes from its entries', async (t) => {
  const bundle = cutBundle(park, 't1', { claim: true });
  const { verdict, facts } = await verifyWithFacts(bundle, { logKey: LOG_KEY });
  t.ok(verdict.valid && verdict.claimed);
  if (!facts) {
    t.fail('no facts');
    return;
  }
  t.equal(facts.checkpoint.origin, ORIGIN);
  t.equal(facts.checkpoint.size, park.entries.length);
  t.same(facts.checkpoint.cosignatures, []);
  t.same(facts.tenant, { id: 't1', name: 'Tenant One' });
  const claim = payloadsOf(park, 'claim')[0]!;
  t.same(facts.claim, { id: 'claim-1', purpose: 'cbam', beneficiary: 'Acme Steel GmbH', wh: claim.payload.wh, index: claim.index, leafHash: claim.leafHash });

  const registered = new Map(payloadsOf(park, 'device').map((d) => [d.payload.id, d]));
  t.same(
    facts.devices.map((d) => d.id),
    ['bat-1', 'solar-1', 'wind-1', 'wind-2'],
  );
  for (const d of facts.devices) {
    const { payload, index } = registered.get(d.id)!;
    t.equal(d.index, index);
    for (const field of [
      'type',
      'eecsEnergySource',
      'eecsTechnology',
      'capacityW',
      'commissioningDate',
      'country',
      'biddingZone',
      'connection',
      'support',
      'efficiencyBp',
      'energyCapacityWh',
    ] as const) {
      t.equal(d[field], payload[field], `${d.id} ${field}`);
    }
    t.equal(d.directTechnicalLink, payload.connection === 'park-grid');
    t.same(d.owner, { id: 'gen', name: 'Park generation' });
    t.equal(d.deliveredWh, String(sum(facts.hours.flatMap((h) => h.sources.filter((s) => s.device === d.id).map((s) => s.wh)))));
  }
  t.same(
    facts.devices.find((d) => d.id === 'wind-1')!.ppas.map((p) => [p.id, p.shareBp]),
    [['ppa-1', 5000]],
  );

  t.equal(facts.hours.length, bundle.statement.intervals.length);
  facts.hours.forEach((h, i) => {
    const stated = bundle.statement.intervals[i]!;
    t.equal(h.start, stated.start);
    t.equal(String(sum(h.sources.map((s) => s.wh))), stated.matchedWh, `${h.start}: sources add up to matched`);
    t.ok(h.sources.every((s) => BigInt(s.ppaWh) <= BigInt(s.wh) && BigInt(s.claimedWh!) <= BigInt(s.wh)));
    t.equal(h.gCO2PerKWh, 380);
  });
  t.equal(String(sum(facts.hours.flatMap((h) => h.sources.map((s) => s.claimedWh!)))), claim.payload.wh, 'claimed Wh add up to the claim');

  t.ok(facts.discharges.length > 0, 'the battery discharged to t1');
  for (const d of facts.discharges) {
    t.equal(String(sum(d.draws.map((x) => x.drawnWh))), d.wh, 'draws add up to the discharge');
    for (const x of d.draws) {
      t.equal(x.lotWh, String(lotWh(BigInt(x.chargedWh), 9000)));
      t.ok(x.chargeEnd <= d.start, 'each charge is before its discharge');
    }
    // drawn / 0.9 − drawn, rounded up per draw.
    t.equal(d.lossWh, String(d.draws.reduce((s, x) => s + (BigInt(x.drawnWh) * 10000n + 8999n) / 9000n - BigInt(x.drawnWh), 0n)));
  }

  const cbam = facts.cbam!;
  t.ok(cbam, 'a cbam claim has the CBAM view');
  t.equal(cbam.totals.consumedWh, facts.consumedWh);
  t.equal(
    BigInt(cbam.totals.directTechnicalLinkWh) + BigInt(cbam.totals.ppaWh),
    BigInt(claim.payload.wh),
    'every device is on the park grid: all claimed energy is direct',
  );
  t.equal(BigInt(cbam.totals.gridWh), BigInt(facts.consumedWh) - BigInt(claim.payload.wh));
  t.equal(cbam.totals.gridEmissionsG, String((BigInt(cbam.totals.gridWh) * 380n) / 1000n));
  t.match(factsSummary(facts, true), /wind-1: wind, .* Wh delivered\n {4}owner Park generation\n {4}energy source F01050100, technology T020001/);
  t.match(factsSummary(facts, true), new RegExp(`\\n {2}${facts.hours.length} hours; sources:`), 'hours counted');
  t.match(factsSummary({ ...facts, hours: facts.hours.slice(0, 1) }, true), /\n {2}1 hour; sources:/, 'one hour is an hour');
});

t.test('a device on the public grid counts under its PPA only', async (t) => {
  const log = writePark({ device: (p) => (p.id === 'wind-1' ? { ...p, connection: 'public-grid' } : p) });
  const { facts } = await verifyWithFacts(cutBundle(log, 't1', { claim: true }), { logKey: LOG_KEY });
  const cbam = facts!.cbam!;
  const claim = payloadsOf(log, 'claim')[0]!.payload;
  t.ok(BigInt(cbam.totals.ppaWh) > 0n, 'contract energy from the public-grid device is PPA energy');
  t.ok(BigInt(cbam.totals.directTechnicalLinkWh) + BigInt(cbam.totals.ppaWh) <= BigInt(claim.wh));
  t.equal(facts!.devices.find((d) => d.id === 'wind-1')!.directTechnicalLink, false);
});

t.test('a period bundle has no claim, no claimed Wh and no CBAM view; a broken bundle has no facts', async (t) => {
  const { facts } = await verifyWithFacts(cutBundle(park, 't1'), { logKey: LOG_KEY });
  t.equal(facts!.claim, undefined);
  t.equal(facts!.cbam, undefined);
  t.ok(facts!.hours.every((h) => h.sources.every((s) => s.claimedWh === undefined)));
  const broken = copy(cutBundle(park, 't1', { claim: true }));
  broken.statement.consumedWh = String(BigInt(broken.statement.consumedWh) + 1n);
  const verified = await verifyWithFacts(broken, { logKey: LOG_KEY });
  t.equal(verified.verdict.valid, false);
  t.equal(verified.facts, undefined);
});

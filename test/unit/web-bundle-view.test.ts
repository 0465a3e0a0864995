/**
 * What the Verify page shows of a bundle (src/web/model/bundle-view.ts), on
 * real bundles cut from the park's signed log (test/helpers/bundle-park.ts):
 * the verdict line for a claim, a statement and a tampered bundle; each
 * reason in words; the sources with their device entries' facts and the Wh
 * the log's settlements gave the tenant; the hourly series the plot draws,
 * against the meters' own readings; Wh for people.
 */
import t from 'tap';
import { bundleCodes } from '../../src/domain/bundle/verify-bundle.ts';
import { verifyReasonExplanation } from '../../src/verify-reason-explanations.ts';
import type { ReadingPayload } from '../../src/domain/payloads.ts';
import { formatWh, hourlySeries, partyDetail, partyName, reasonViews, sourceViews, verdictLine } from '../../src/web/model/bundle-view.ts';
import { allocationsTo, check, copy, cutBundle, payloadsOf, readingDevice, writePark } from '../helpers/bundle-park.ts';

const log = writePark();
const claimed = cutBundle(log, 't1', { claim: true });
const statementOnly = cutBundle(log, 't1');
const claimPayload = payloadsOf(log, 'claim').find((c) => c.payload.tenant === 't1')!.payload;

/** What the log's settlements gave t1, by source device: computed from the allocations, not from the statement. */
const matchedBySource = new Map<string, bigint>();
for (const a of allocationsTo(log, 't1')) {
  const device = readingDevice(log, a.source);
  matchedBySource.set(device, (matchedBySource.get(device) ?? 0n) + BigInt(a.wh));
}

t.test('the verdict line', async (t) => {
  const valid = await check(claimed);
  t.equal(valid.valid, true, 'the claim bundle verifies');
  t.equal(verdictLine(valid), `VALID: ${formatWh(claimPayload.wh)} claimed by t1 for cbam`);
  t.match(verdictLine(valid), /^VALID: \d[\d.,]* (Wh|kWh|MWh) claimed/, 'the amount in the unit that reads best, as the statement below it shows it');
  t.ok(BigInt(claimPayload.wh) > 0n, 'a claim of some energy');
  t.equal(verdictLine(await check(statementOnly)), 'VALID: statement for t1, not a claim (the energy is not shown as claimed)');
  const party = { id: 't1', name: 'Stahlwerk Süd GmbH', legalId: 'HRB 1234', country: 'DE' };
  t.equal(verdictLine(valid, party), `VALID: ${formatWh(claimPayload.wh)} claimed by Stahlwerk Süd GmbH for cbam`, 'with its facts, the tenant by name');
  t.equal(partyName({ id: 't1' }), 't1', 'the id where the bundle names none');
  t.equal(partyDetail(party, 'tenant'), 'tenant id t1 · legal id HRB 1234 · DE', 'the id, legal id and country on the line below');

  const oneWhMore = copy(claimed);
  oneWhMore.statement.consumedWh = String(BigInt(oneWhMore.statement.consumedWh) + 1n);
  const invalid = await check(oneWhMore);
  t.equal(invalid.valid, false);
  t.equal(invalid.reasons.length, 1);
  t.equal(verdictLine(invalid), 'INVALID: 1 problem found, the bundle proves nothing');

  const noCheckpoint = { ...copy(claimed), checkpoint: 'not a checkpoint' };
  const broken = await check(noCheckpoint);
  t.ok(broken.reasons.length >= 1, 'a bundle without a checkpoint has reasons');
  t.ok(
    broken.reasons.some((r) => r.code === 'bad-checkpoint'),
    'among them bad-checkpoint',
  );
  t.equal(verdictLine(broken), `INVALID: ${broken.reasons.length} problem${broken.reasons.length === 1 ? '' : 's'} found, the bundle proves nothing`);
});

t.test('each reason in words, with its code and the detail', async (t) => {
  const oneWhMore = copy(claimed);
  oneWhMore.statement.consumedWh = String(BigInt(oneWhMore.statement.consumedWh) + 1n);
  const verdict = await check(oneWhMore);
  const views = reasonViews(verdict);
  t.same(
    views.map((v) => v.code),
    ['statement-mismatch'],
  );
  t.equal(views[0]!.meaning, bundleCodes['statement-mismatch']);
  t.equal(views[0]!.page, '/problems/verify/statement-mismatch', "linked to its code's page");
  t.equal(views[0]!.explanation, verifyReasonExplanation['statement-mismatch'], "with that page's text, for where no service serves it");
  t.equal(views[0]!.detail, verdict.reasons[0]!.detail);
  t.match(views[0]!.detail, /consumedWh/);
  t.same(reasonViews(await check(claimed)), [], 'a valid bundle has none');
  // A code the page does not know (a newer verifier's) is shown as itself, with no page.
  t.same(reasonViews({ valid: false, claimed: false, reasons: [{ code: 'from-the-future' as never, detail: 'd' }] }), [
    { code: 'from-the-future', meaning: 'from-the-future', detail: 'd' },
  ]);
});

t.test("sources: the Wh the settlements gave the tenant, with each device entry's facts", async (t) => {
  const views = sourceViews(claimed);
  t.same(
    views.map((v) => v.device),
    [...matchedBySource.keys()].sort(),
    'every source device, in order',
  );
  for (const view of views) t.equal(view.wh, matchedBySource.get(view.device), `${view.device}: its Wh`);
  const wind = views.find((v) => v.device === 'wind-1')!;
  const windEntry = payloadsOf(log, 'device').find((d) => d.payload.id === 'wind-1')!.payload;
  t.same(wind, {
    device: 'wind-1',
    type: 'wind',
    wh: matchedBySource.get('wind-1'),
    energySource: windEntry.eecsEnergySource,
    technology: windEntry.eecsTechnology,
    commissioningDate: windEntry.commissioningDate,
    support: windEntry.support,
    connection: windEntry.connection,
    country: windEntry.country,
    capacityW: windEntry.capacityW,
  });
  t.same([wind.energySource, wind.technology, wind.commissioningDate], ['F01050100', 'T020001', '2024-06-01'], 'as the park registered it');

  // Without the device entries the facts are unknown, not invented.
  const bare = copy(claimed);
  bare.entries = bare.entries.filter((e) => !e.bytes.split('\n')[1]?.includes('"kind":"device"'));
  t.ok(bare.entries.length < claimed.entries.length, 'device entries removed');
  const bareWind = sourceViews(bare).find((v) => v.device === 'wind-1')!;
  t.same(bareWind, { device: 'wind-1', type: 'wind', wh: matchedBySource.get('wind-1') });
});

t.test("the hourly series: the tenant's meter readings against matched supply by source", async (t) => {
  const readings = payloadsOf(log, 'reading')
    .map((e) => e.payload as ReadingPayload)
    .filter((r) => r.device === 'meter-1')
    .sort((a, b) => (a.start < b.start ? -1 : 1));
  const series = hourlySeries(claimed);
  t.equal(series.hours.length, 24, 'one point per hour of the day');
  t.same(
    series.hours,
    readings.map((r) => Date.parse(r.start) / 1000),
  );
  t.same(
    series.consumed,
    readings.map((r) => Number(r.importWh)),
    "consumption is meter-1's import",
  );
  t.equal(series.consumed[20], 4000, 'the evening peak');
  t.same(
    series.bySource.map((s) => s.device),
    [...matchedBySource.keys()].sort(),
  );
  for (const source of series.bySource) {
    t.equal(source.wh.length, 24, `${source.device}: a value per hour`);
    t.equal(BigInt(source.wh.reduce((a, b) => a + b, 0)), matchedBySource.get(source.device), `${source.device}: the hours add up to its Wh`);
  }
  for (let h = 0; h < 24; h++) {
    const matched = series.bySource.reduce((sum, s) => sum + s.wh[h]!, 0);
    t.ok(matched <= series.consumed[h]!, `hour ${h}: matched ${matched} ≤ consumed ${series.consumed[h]}`);
  }
  const shuffled = copy(claimed);
  shuffled.statement.intervals.reverse();
  t.same(hourlySeries(shuffled), series, 'the bundle order of intervals does not matter');
});

t.test('Wh for people', async (t) => {
  t.equal(formatWh(0n), '0 Wh');
  t.equal(formatWh('999'), '999 Wh');
  t.equal(formatWh(1000n), '1 kWh');
  t.equal(formatWh('2500'), '2.5 kWh');
  t.equal(formatWh(1_234_567n), '1.235 MWh');
  t.equal(formatWh(-1500n), '-1.5 kWh');
});

/**
 * The pages' hourly shaping (src/web/model/hourly-views.ts), hand-checked:
 * one point per hour of the period, an hour without a reading null (not 0),
 * sources summed per device, a device's export split into tenants, storage
 * and unmatched.
 */
import t from 'tap';
import {
  cfeText,
  hoursOf,
  NO_READING,
  NOT_MATCHED,
  outputSeries,
  partOf,
  pendingNote,
  percent,
  tenantSeries,
  type DeviceOutputs,
  type TenantMatching,
} from '../../src/web/model/hourly-views.ts';

const FROM = '2019-01-01T00:00:00Z';
const TO = '2019-01-01T04:00:00Z';
const T0 = Date.parse(FROM) / 1000;

t.test('hours of a period', async (t) => {
  t.same(hoursOf(FROM, TO), [T0, T0 + 3600, T0 + 7200, T0 + 10800]);
  t.throws(() => hoursOf(TO, FROM), /whole hours/);
  t.throws(() => hoursOf('2019-01-01T00:30:00Z', TO), /whole hours/);
  t.throws(() => hoursOf('nonsense', TO));
});

t.test('a tenant: one point per hour, no figure for an hour without a reading, sources by device, an hour not matched yet', async (t) => {
  const view: TenantMatching = {
    intervals: [
      {
        start: '2019-01-01T00:00:00Z',
        consumedWh: '100',
        settled: true,
        bySource: [
          { device: 'wind', wh: '60' },
          { device: 'solar', wh: '10' },
        ],
      },
      { start: '2019-01-01T02:00:00Z', consumedWh: '80', settled: true, bySource: [{ device: 'wind', wh: '80' }] },
      // Read, not matched yet: the API lists no source, which decides nothing (src/ledger/tenant-view.ts).
      { start: '2019-01-01T03:00:00Z', consumedWh: '40', settled: false, bySource: [] },
      { start: '2019-01-01T09:00:00Z', consumedWh: '5', settled: true, bySource: [] },
    ],
    totals: { consumedWh: '225', matchedWh: '150', cfeScore: 0.6667, unmatchedEmissionsG: '14000' },
  };
  const s = tenantSeries(view, FROM, TO);
  t.equal(s.hours.length, 4, 'every hour of the period, the one outside it left out');
  t.same(s.consumed, [100, null, 80, 40], 'an hour nobody read has no figure: not 0, which a meter may read');
  t.same(s.bySource, [
    { device: 'solar', wh: [10, 0, 0, 0] },
    { device: 'wind', wh: [60, 0, 80, 0] },
  ]);
  t.same(
    [0, 1, 2, 3].map((i) => partOf(s, s.bySource[0]!.wh, i)),
    [10, NO_READING, 0, NOT_MATCHED],
    'solar: a figure, "no reading", 0 for a matched hour it supplied nothing to, "not matched yet"',
  );
  t.equal(percent(view.totals.cfeScore), '66.7 %');
  t.equal(cfeText(view.totals), '66.7 %');
  t.equal(cfeText({ consumedWh: '0', cfeScore: 0 }), '— (nothing consumed in this period)', 'no consumption is no score, not 0 %');
  t.match(pendingNote(view.intervals), /^1 hour of this period is not matched yet: .* the CFE score may still rise\.$/, 'one hour not matched yet is said');
  t.match(pendingNote([...view.intervals, { settled: false }]), /^2 hours of this period are not matched yet/);
  t.equal(pendingNote(view.intervals.filter((interval) => interval.settled)), undefined, 'nothing is said when every hour is matched');
});

t.test('a device: its export split into tenants, storage, unmatched', async (t) => {
  const outputs: DeviceOutputs = {
    hours: [
      {
        start: '2019-01-01T00:00:00Z',
        exportWh: '100',
        settlement: { index: 7, late: false },
        to: [
          { owner: 'factory', type: 'consumption', wh: '50' },
          { owner: 'nordwind', type: 'storage', wh: '30' },
        ],
        toStorageWh: '30',
        unmatchedWh: '20',
      },
      {
        start: '2019-01-01T01:00:00Z',
        exportWh: '40',
        settlement: { index: 9, late: false },
        to: [{ owner: 'datacentre', type: 'consumption', wh: '40' }],
        toStorageWh: '0',
        unmatchedWh: '0',
      },
      // Read, not matched yet: the API says unmatchedWh '0', which decides nothing (src/ledger/generator-reads.ts).
      { start: '2019-01-01T02:00:00Z', exportWh: '70', settlement: null, to: [], toStorageWh: '0', unmatchedWh: '0' },
    ],
  };
  const s = outputSeries(outputs, FROM, TO);
  t.same(s.consumed, [100, 40, 70, null], 'the export is the line; no figure where the device sent no reading');
  const unmatched = s.bySource.find((x) => x.device === 'unmatched')!.wh;
  t.same(
    [0, 1, 2, 3].map((i) => partOf(s, unmatched, i)),
    [20, 0, NOT_MATCHED, NO_READING],
    'unmatched: a figure, 0 for a matched hour allocated in full, "not matched yet", "no reading"',
  );
  t.same(
    s.bySource.map((x) => x.device),
    ['to datacentre', 'to factory', 'to storage', 'unmatched'],
    'tenants, then storage, then unmatched',
  );
  t.same(
    s.bySource.map((x) => x.wh[0]),
    [0, 50, 30, 20],
  );
  // Not the unsettled hour: nothing of it is allocated yet.
  for (const i of [0, 1, 3])
    t.equal(
      s.bySource.reduce((sum, x) => sum + x.wh[i]!, 0),
      s.consumed[i] ?? 0,
      `hour ${i}: the parts add up to the export`,
    );
});

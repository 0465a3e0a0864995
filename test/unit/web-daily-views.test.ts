/**
 * Long periods plotted per day (src/web/model/daily-views.ts): each UTC
 * day's sums equal the sums of its hours, a first or last day the period
 * covers in part sums the hours it has, a day no meter read stays no reading
 * (null, never 0), a day with an hour not matched yet is not matched yet;
 * beyond about a month the plot draws days.
 */
import fc from 'fast-check';
import t from 'tap';
import { DAILY_BEYOND_HOURS, dailySeries, DAY_S, plotSeries, plotsDaily } from '../../src/web/model/daily-views.ts';
import { HOUR_S, hoursOf, type HourlySeries } from '../../src/web/model/hourly-views.ts';
import { periodText } from '../../src/web/model/period-text.ts';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 1000;

t.test('a period from 22:00 on 1 Jan to 02:00 on 3 Jan: three UTC days, the first and last in part', async (t) => {
  const hours = hoursOf('2019-01-01T22:00:00Z', '2019-01-03T02:00:00Z');
  t.equal(hours.length, 28);
  const consumed = hours.map((_, i) => (i === 5 ? null : 100 + i));
  const series: HourlySeries = {
    hours,
    consumed,
    bySource: [{ device: 'wind', wh: hours.map((_, i) => (i === 5 ? 0 : i)) }],
    notMatched: hours.map((_, i) => i === 27),
  };
  const daily = dailySeries(series);
  t.same(daily.hours, [day('2019-01-01'), day('2019-01-02'), day('2019-01-03')], 'one point a day, at 00:00 UTC');
  t.equal(daily.step, 'day');
  const sum = (from: number, to: number, f: (i: number) => number) => Array.from({ length: to - from }, (_, k) => f(from + k)).reduce((a, b) => a + b, 0);
  t.same(daily.consumed, [100 + 101, sum(2, 26, (i) => (i === 5 ? 0 : 100 + i)), 126 + 127], 'the 2 hours of 1 Jan, the 23 read of 2 Jan, the 2 of 3 Jan');
  t.same(daily.bySource[0]!.wh, [0 + 1, sum(2, 26, (i) => (i === 5 ? 0 : i)), 26 + 27]);
  t.same(daily.notMatched, [false, false, true], 'a day with an hour not matched yet is not matched yet');
});

t.test('a day no meter read is no reading (null), a day read as 0 Wh is 0', async (t) => {
  const hours = hoursOf('2019-03-01T00:00:00Z', '2019-03-03T00:00:00Z');
  const consumed = hours.map((_, i) => (i < 24 ? null : 0));
  const daily = dailySeries({ hours, consumed, bySource: [] });
  t.same(daily.consumed, [null, 0]);
  t.equal(daily.notMatched, undefined, 'absent stays absent');
});

t.test('for any hourly series, the days sum to the same totals as the hours, per day and overall', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 24 * 400 }),
      fc.integer({ min: 1, max: 24 * 70 }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      (startHour, length, seed) => {
        const start = day('2019-01-01') + startHour * HOUR_S;
        const hours = Array.from({ length }, (_, i) => start + i * HOUR_S);
        const at = (i: number, k: number) => (seed * (i + 1) * (k + 7)) % 1_000_003;
        const consumed = hours.map((_, i) => (at(i, 0) % 5 === 0 ? null : at(i, 1)));
        const bySource = ['a', 'b'].map((device, k) => ({ device, wh: hours.map((_, i) => at(i, k + 2)) }));
        const daily = dailySeries({ hours, consumed, bySource });
        for (const [d, t0] of daily.hours.entries()) {
          const inDay = hours.flatMap((h, i) => (h >= t0 && h < t0 + DAY_S ? [i] : []));
          if (inDay.length === 0 || t0 % DAY_S !== 0) return false;
          const read = inDay.filter((i) => consumed[i] !== null);
          if (daily.consumed[d] !== (read.length === 0 ? null : read.reduce((s, i) => s + consumed[i]!, 0))) return false;
          for (const [k, s] of bySource.entries()) if (daily.bySource[k]!.wh[d] !== inDay.reduce((sum, i) => sum + s.wh[i]!, 0)) return false;
        }
        const total = (xs: Array<number | null>) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
        return total(daily.consumed) === total(consumed) && daily.hours.length === Math.floor((hours.at(-1)! - 0) / DAY_S) - Math.floor(start / DAY_S) + 1;
      },
    ),
  );
  t.pass('held for every series tried');
});

t.test('a plot draws hours up to about a month, days beyond', async (t) => {
  const series = (n: number): HourlySeries => ({ hours: Array.from({ length: n }, (_, i) => i * HOUR_S), consumed: Array(n).fill(1), bySource: [] });
  t.equal(DAILY_BEYOND_HOURS, 31 * 24);
  t.notOk(plotsDaily(series(7 * 24)), 'a week: hours');
  t.notOk(plotsDaily(series(31 * 24)), '31 days: hours');
  t.ok(plotsDaily(series(31 * 24 + 1)), 'longer: days');
  const year = hoursOf('2019-01-01T00:00:00Z', '2020-01-01T00:00:00Z');
  t.equal(year.length, 8760);
  t.equal(plotSeries({ hours: year, consumed: year.map(() => 1), bySource: [] }).hours.length, 365, 'a year: 365 days');
});

t.test('a period as people read it: whole UTC days by first and last day, else instants with the end left out', async (t) => {
  t.equal(periodText('2019-11-04T00:00:00Z', '2019-11-11T00:00:00Z'), '4 Nov 2019 – 10 Nov 2019, whole UTC days');
  t.equal(periodText('2019-11-04T00:00:00Z', '2019-11-05T00:00:00Z'), '4 Nov 2019, a whole UTC day');
  t.equal(periodText('2019-12-31T00:00:00Z', '2020-01-01T00:00:00Z'), '31 Dec 2019, a whole UTC day');
  t.equal(periodText('2019-11-04T06:00:00Z', '2019-11-04T18:00:00Z'), '4 Nov 2019 06:00 UTC to (not including) 4 Nov 2019 18:00 UTC');
  t.equal(periodText('2019-11-04T00:00:00Z', '2019-11-05T00:00:30Z'), '4 Nov 2019 00:00 UTC to (not including) 5 Nov 2019 00:00:30 UTC');
  t.equal(periodText('nonsense', '2019-11-05T00:00:00Z'), 'nonsense to (not including) 2019-11-05T00:00:00Z');
});

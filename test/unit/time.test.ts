/**
 * Instants and dates (docs/design.md §2) are parsed field by field
 * (src/domain/time.ts). Whatever the text, the verdict and the value are
 * those of the definition: the shape YYYY-MM-DDTHH:MM:SSZ (or YYYY-MM-DD)
 * naming a moment of the proleptic Gregorian calendar that Date gives back
 * unchanged, so a day that does not exist (2025-02-30, 24:00:00, a leap day
 * of a year that has none) is refused rather than rolled over. Each question
 * is asked again after many other spellings, so no memory of earlier answers
 * can change one.
 */
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { dateMs, formatInstant, instantMs, parseInstant } from '../../src/domain/time.ts';
import { errorCode } from '../helpers/error-code.ts';

const cases: Array<[string, number | undefined]> = [
  ['2019-01-01T00:00:00Z', Date.UTC(2019, 0, 1)],
  ['2024-02-29T23:59:59Z', Date.UTC(2024, 1, 29, 23, 59, 59)],
  ['0050-06-01T12:00:00Z', Date.parse('0050-06-01T12:00:00Z')],
  ['9999-12-31T23:59:59Z', Date.UTC(9999, 11, 31, 23, 59, 59)],
  ['2025-02-29T00:00:00Z', undefined], // not a leap year: Date.parse would roll it into March
  ['2025-02-30T00:00:00Z', undefined],
  ['2025-04-31T00:00:00Z', undefined],
  ['2025-01-01T24:00:00Z', undefined],
  ['2025-01-01T23:59:60Z', undefined],
  ['2025-01-01T00:00:00.000Z', undefined],
  ['2025-01-01T00:00:00+00:00', undefined],
  ['2025-01-01 00:00:00Z', undefined],
  ['2025-1-01T00:00:00Z', undefined],
  ['', undefined],
];

function checkAll(t: Test, round: string): void {
  for (const [text, want] of cases) t.equal(instantMs(text), want, `${round}: ${JSON.stringify(text)}`);
}

t.test('real instants parse, everything else is undefined, the same each time asked', async (t) => {
  checkAll(t, 'first');
  checkAll(t, 'again');
  for (let h = 0; h < 20_000; h++) instantMs(formatInstant(Date.UTC(2030, 0, 1) + h * 3_600_000));
  checkAll(t, 'after 20,000 other instants');
});

t.test('formatInstant gives back the spelling instantMs accepts', async (t) => {
  for (const [text, ms] of cases) if (ms !== undefined) t.equal(formatInstant(ms), text);
  t.equal(formatInstant(new Date(Date.UTC(2019, 5, 1, 7))), '2019-06-01T07:00:00Z');
  t.equal(formatInstant(Date.UTC(10_000, 0, 1)), '+010000-01-01T00:00:00Z', 'beyond year 9999 ISO 8601 writes six digits and a sign');
});

t.test('parseInstant names what is wrong', async (t) => {
  t.throws(() => parseInstant('2025-02-30T00:00:00Z', 'start'), { code: 'bad-time', message: /start must be YYYY-MM-DDTHH:MM:SSZ/ });
  t.equal(parseInstant('2019-01-01T00:00:00Z'), Date.UTC(2019, 0, 1));
});

/** The definition, through Date: parse, then format again and compare. */
function byDate(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) || new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') !== text ? undefined : ms;
}

function dateByDate(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text ? undefined : ms;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** Fields over ranges a little wider than valid ones, so both sides of every bound are drawn. */
const fields = fc.record({
  year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 99, 100, 400, 1900, 2000, 2024, 2100, 9999)),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 25 }),
  minute: fc.integer({ min: 0, max: 60 }),
  second: fc.integer({ min: 0, max: 61 }),
});
const instantText = fields.map(
  ({ year, month, day, hour, minute, second }) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}Z`,
);

t.test('an instant of plausible shape has the verdict and value Date gives', async (t) => {
  fc.assert(
    fc.property(instantText, (text) => instantMs(text) === byDate(text)),
    { numRuns: 20_000 },
  );
  t.pass('20,000 instants agree');
});

t.test('a date of plausible shape has the verdict and value Date gives', async (t) => {
  const dateText = fields.map(({ year, month, day }) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`);
  fc.assert(
    fc.property(dateText, (text) => dateMs(text) === dateByDate(text)),
    { numRuns: 20_000 },
  );
  t.pass('20,000 dates agree');
});

t.test('any other text is refused as Date refuses it', async (t) => {
  // Mutations of valid instants: one character replaced, dropped or added.
  const mutated = fc
    .tuple(instantText, fc.nat(), fc.constantFrom('', '0', '9', 'x', ' ', '-', ':', 'T', 'Z', '.', '+', '١', '\n'), fc.boolean())
    .map(([text, at, char, replace]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + char + text.slice(replace ? i + 1 : i);
    });
  fc.assert(
    fc.property(fc.oneof(mutated, fc.string(), fc.string({ unit: 'binary' })), (text) => instantMs(text) === byDate(text) && dateMs(text) === dateByDate(text)),
    { numRuns: 20_000 },
  );
  t.pass('20,000 texts agree');
});

t.test('edges of the calendar', async (t) => {
  t.equal(instantMs('1970-01-01T00:00:00Z'), 0);
  t.equal(instantMs('2024-02-29T23:59:59Z'), Date.UTC(2024, 1, 29, 23, 59, 59), 'a leap day');
  t.equal(instantMs('2023-02-29T00:00:00Z'), undefined, 'no leap day in 2023');
  t.equal(instantMs('1900-02-29T00:00:00Z'), undefined, 'nor in 1900');
  t.equal(instantMs('2000-02-29T00:00:00Z'), Date.UTC(2000, 1, 29), 'but in 2000');
  t.equal(instantMs('0000-01-01T00:00:00Z'), Date.parse('0000-01-01T00:00:00Z'), 'year 0');
  t.equal(instantMs('2024-06-01T24:00:00Z'), undefined, '24:00 is not an hour of the day');
  t.equal(instantMs('2024-06-01T00:00:00.000Z'), undefined, 'no fractions');
  t.equal(instantMs('2024-06-01T00:00:00+00:00'), undefined, 'only Z');
  t.equal(dateMs('2024-06-31'), undefined, 'June has 30 days');
  t.equal(dateMs('2024-12-31'), Date.UTC(2024, 11, 31));
  t.equal(
    errorCode(() => parseInstant('2024-13-01T00:00:00Z', 'start')),
    'bad-time',
  );
});

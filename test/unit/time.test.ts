/**
 * Instants are exactly YYYY-MM-DDTHH:MM:SSZ and must name a real second
 * (docs/design.md §2). instantMs remembers the spellings it has parsed, so
 * these tests also ask each question again, and again after the memory has
 * been cleared by many other spellings.
 */
import t, { type Test } from 'tap';
import { formatInstant, instantMs, parseInstant } from '../../src/domain/time.ts';

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

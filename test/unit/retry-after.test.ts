/**
 * Retry-After (RFC 9110 §10.2.3) as the CLI reads it (src/cli/retry-after.ts):
 * delay-seconds as given, an HTTP-date in any of its three forms (§5.6.7) as
 * the seconds until it, rounded up; absent or garbage says nothing.
 */
import t from 'tap';
import { parseHttpDate, retryAfterSeconds } from '../../src/cli/retry-after.ts';

const NOW = Date.parse('1994-11-06T08:49:07Z');

t.test('delay-seconds', async (t) => {
  t.equal(retryAfterSeconds('120', NOW), 120);
  t.equal(retryAfterSeconds('0', NOW), 0, 'zero: now');
  t.equal(retryAfterSeconds(' 5 ', NOW), 5, 'surrounding whitespace is not part of the value');
  t.equal(retryAfterSeconds('007', NOW), 7, '1*DIGIT allows leading zeros');
});

t.test('an HTTP-date: the seconds until it', async (t) => {
  t.equal(retryAfterSeconds('Sun, 06 Nov 1994 08:49:37 GMT', NOW), 30, 'IMF-fixdate');
  t.equal(retryAfterSeconds('Sunday, 06-Nov-94 08:49:37 GMT', NOW), 30, 'the obsolete RFC 850 form');
  t.equal(retryAfterSeconds('Sun Nov  6 08:49:37 1994', NOW), 30, 'the obsolete asctime form');
  t.equal(retryAfterSeconds('Sun, 06 Nov 1994 08:49:37 GMT', NOW + 500), 30, 'part of a second is rounded up: never too early');
  t.equal(retryAfterSeconds('Sun, 06 Nov 1994 08:00:00 GMT', NOW), 0, 'a date passed already: now');
});

t.test('the two-digit year of the RFC 850 form (RFC 9110 §5.6.7)', async (t) => {
  const in2026 = Date.parse('2026-12-07T10:00:00Z');
  t.equal(parseHttpDate('Monday, 07-Dec-26 10:00:30 GMT', in2026), Date.parse('2026-12-07T10:00:30Z'));
  t.equal(new Date(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', in2026)!).getUTCFullYear(), 1994, 'more than 50 years ahead: the past year');
  t.equal(new Date(parseHttpDate('Tuesday, 07-Dec-60 10:00:00 GMT', in2026)!).getUTCFullYear(), 2060, 'within 50 years ahead: the coming year');
  const in2099 = Date.parse('2099-06-01T00:00:00Z');
  t.equal(new Date(parseHttpDate('Friday, 01-Jan-01 00:00:00 GMT', in2099)!).getUTCFullYear(), 2101, 'the next century when that is nearer');
});

t.test('absent or garbage: nothing said of when', async (t) => {
  for (const value of [null, undefined, '', '   ', '-5', '1.5', '30s', 'soon', '1e3', '0x10']) {
    t.equal(retryAfterSeconds(value, NOW), undefined, JSON.stringify(value));
  }
  for (const value of [
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    '1994-11-06T08:49:37Z',
    'Sun, 06 Nov 1994',
  ]) {
    t.equal(retryAfterSeconds(value, NOW), undefined, `not an HTTP-date: ${value}`);
  }
});

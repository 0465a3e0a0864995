/**
 * instantMs (src/domain/time.ts) checks fields one by one and remembers
 * recent instants, for speed; it must
 * accept exactly the strings that the definition accepts, with the same
 * value: YYYY-MM-DDTHH:MM:SSZ that Date.parse reads and that formats back to
 * itself (so no rolled-over day, no 24:00:00, no leap second).
 */
import t from 'tap';
import { instantMs } from '../../src/domain/time.ts';

function byDefinition(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) || new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') !== text ? undefined : ms;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

t.test('agrees with the definition on edge fields and every day of leap and common years', async (t) => {
  const texts = [
    '2024-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2000-02-29T12:00:00Z',
    '2025-02-30T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-00-01T00:00:00Z',
    '2025-01-00T00:00:00Z',
    '2025-01-01T24:00:00Z',
    '2025-01-01T23:60:00Z',
    '2025-01-01T23:59:60Z',
    '2025-01-01T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '0099-12-31T23:59:59Z',
    '0100-03-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '1969-12-31T23:59:59Z',
    '2025-01-01T00:00:00.000Z',
    '2025-01-01 00:00:00Z',
    '2025-1-01T00:00:00Z',
    '+02025-01-01T00:00:00Z',
    '2025-01-01T00:00:00z',
    '',
  ];
  for (const year of [1900, 1999, 2000, 2023, 2024, 2100, 45, 4]) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++)
        texts.push(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(day % 25, 2)}:${pad((day * 7) % 61, 2)}:${pad((day * 13) % 61, 2)}Z`);
    }
  }
  let accepted = 0;
  const disagreements: string[] = [];
  for (const text of texts) {
    const expected = byDefinition(text);
    if (expected !== undefined) accepted++;
    // Twice: computed, then (a real instant) remembered.
    const first = instantMs(text);
    const again = instantMs(text);
    if (first !== expected || again !== expected) disagreements.push(`${text}: ${first} then ${again}, by definition ${expected}`);
  }
  t.same(disagreements, []);
  // The sample holds both kinds, so neither side of the check is empty.
  t.ok(accepted > 1000 && accepted < texts.length - 1000, `${accepted} of ${texts.length} accepted`);
});

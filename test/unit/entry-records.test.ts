/**
 * The entry records of GET /v1/log/entries as application/octet-stream
 * (src/domain/entry-records.ts): every list of entries survives the round
 * trip byte for byte, and a body cut anywhere yields exactly the records
 * before the cut.
 */
import fc from 'fast-check';
import t from 'tap';
import { decodeEntryRecords, encodeEntryRecords, type EntryRecord } from '../../src/domain/entry-records.ts';

const records = fc.array(fc.record({ index: fc.nat({ max: Number.MAX_SAFE_INTEGER }), bytes: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 20 });
const same = (a: EntryRecord[], b: EntryRecord[]) =>
  a.length === b.length && a.every((r, i) => r.index === b[i]!.index && Buffer.from(r.bytes).equals(Buffer.from(b[i]!.bytes)));

t.test('records round-trip', async (t) => {
  fc.assert(fc.property(records, (list) => same(decodeEntryRecords(encodeEntryRecords(list)), list)));
  t.pass('every list round-trips');
});

t.test('a body cut short yields the records before the cut', async (t) => {
  fc.assert(
    fc.property(records, fc.nat(), (list, cutAt) => {
      const body = encodeEntryRecords(list);
      const cut = body.length === 0 ? 0 : cutAt % body.length;
      let end = 0;
      const whole = list.filter((record) => (end += 12 + record.bytes.length) <= cut);
      return same(decodeEntryRecords(body.subarray(0, cut)), whole);
    }),
  );
  t.pass('every cut');
});

t.test('the layout: a big-endian 64-bit index, a 32-bit length, the bytes', async (t) => {
  const body = encodeEntryRecords([{ index: 258, bytes: new Uint8Array([7, 8]) }]);
  t.same([...body], [0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 2, 7, 8]);
  const huge = new Uint8Array(14);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 53n);
  new DataView(huge.buffer).setUint32(8, 2);
  t.same(decodeEntryRecords(huge), [], 'an index beyond exact integers ends the list');
});

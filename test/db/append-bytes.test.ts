/**
 * What an append writes is what it was given: each entry's bytes and leaf
 * hash, and each reading row's leaf hash, come back exactly from the
 * database whatever their lengths (the columns travel packed into one
 * binary parameter each, src/db/packed-bytes.ts).
 */
import t from 'tap';
import { toBase64 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { readEntryRange, readLogSize } from '../../src/db/log.ts';
import { appendInTransaction, sealOperatorEntry } from '../../src/ledger/append.ts';
import { addDevice, addParticipant, ORIGIN, postEntries, signChain, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';

for (const backend of await testBackends()) {
  t.test(`${backend}: stored bytes and leaf hashes are the appended ones`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { ledger, app } = env;
    const from = await readLogSize(ledger.db);
    // Entries of different lengths in one statement: the factor's digits vary.
    const sealed = await appendInTransaction(ledger, async () => ({
      entries: [1, 22, 333, 4444, 55555, 7].map((g) =>
        sealOperatorEntry(ledger, { kind: 'zone', log: ORIGIN, zone: 'DE-LU', gCO2PerKWh: g, validFrom: '2024-01-01T00:00:00Z' }),
      ),
      project: async (_tx, appended) => appended,
    }));
    t.ok(new Set(sealed.map((entry) => entry.bytes.length)).size > 1, 'the entries differ in length');
    const stored = await readEntryRange(ledger.db, from, sealed.length);
    t.same(
      stored.map((row) => toBase64(row.bytes)),
      sealed.map((entry) => toBase64(entry.bytes)),
      'every entry is stored byte for byte',
    );
    const hashes = await ledger.db.selectFrom('entry').select(['idx', 'leaf_hash']).where('idx', '>=', from).orderBy('idx').execute();
    t.same(
      hashes.map((row) => toBase64(row.leaf_hash)),
      sealed.map((entry) => toBase64(hashLeaf(entry.bytes))),
      'every leaf hash is the hash of its own bytes',
    );

    // Readings: the entry and its reading row carry the same leaf hash (GP005 would refuse otherwise).
    const generator = await addParticipant(app, 'generator', 'gen-bytes');
    const meter = await addDevice(app, { id: 'meter-bytes', owner: generator.id, type: 'solar' });
    const notes = signChain(meter.signer, 'meter-bytes', [
      { start: '2024-03-01T10:00:00Z', end: '2024-03-01T11:00:00Z', importWh: '0', exportWh: '5' },
      { start: '2024-03-01T11:00:00Z', end: '2024-03-01T12:00:00Z', importWh: '0', exportWh: '123456' },
    ]);
    const response = await postEntries(app, generator.token, notes);
    t.equal(response.statusCode, 200);
    const rows = await ledger.db
      .selectFrom('reading')
      .innerJoin('entry', 'entry.idx', 'reading.entry_idx')
      .select(['reading.leaf_hash as reading_hash', 'entry.leaf_hash as entry_hash', 'entry.bytes'])
      .where('reading.device_id', '=', 'meter-bytes')
      .orderBy('reading.seq')
      .execute();
    t.same(
      rows.map((row) => toBase64(row.bytes)),
      notes.map((note) => toBase64(new TextEncoder().encode(note))),
      'the readings are stored as posted',
    );
    t.same(
      rows.map((row) => toBase64(row.reading_hash)),
      rows.map((row) => toBase64(hashLeaf(row.bytes))),
      'each reading row keeps its entry’s leaf hash',
    );
  });
}

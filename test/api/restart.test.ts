/**
 * Restart (docs/design.md §3): a second ledger opened on the same database
 * with the same keys keeps the keys, tokens and entries; one with another log
 * or operator key refuses to open ('key-mismatch').
 */
import t from 'tap';
import { generateSigner } from '../../src/crypto/note.ts';
import { operatorKeyName } from '../../src/key-files.ts';
import { openLedger } from '../../src/ledger/open.ts';
import { tokenHash } from '../../src/ledger/tokens.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, ORIGIN, postEntries, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { logSnapshot, Meter } from '../helpers/log-state.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');

for (const backend of await testBackends()) {
  t.test(`${backend}: restart keeps keys, tokens and entries`, async (t) => {
    const first = await startTestApp(backend, { now: () => NOW });
    t.teardown(() => first.close());
    const gen = await addParticipant(first.app, 'generator', 'windco');
    const certifier = await addParticipant(first.app, 'certifier', 'tuv');
    const meter = new Meter('wind-1', (await addDevice(first.app, { id: 'wind-1', owner: gen.id, type: 'wind' })).signer);
    for (let i = 0; i < 3; i++) {
      const note = meter.next();
      t.match((await postEntries(first.app, gen.token, [note])).json(), { results: [{ duplicate: false }] });
      meter.accepted(note);
    }
    const checkpoint = (await publishCheckpoint(first.ledger)).checkpoint!;
    const before = await logSnapshot(first.ledger.db);
    const logKey = (await first.app.inject({ url: '/v1/log/key' })).body;
    await first.app.close();
    await first.intake.idle();

    t.test('with the same keys', async (t) => {
      const second = await startTestApp(backend, {
        now: () => NOW,
        testStore: first.testStore,
        logSigner: first.logSigner,
        operatorSigner: first.operatorSigner,
      });
      t.teardown(() => second.close());
      const { app } = second;
      t.strictSame(await logSnapshot(second.ledger.db), before, 'opening wrote nothing: entries, head and checkpoints kept');
      t.equal((await app.inject({ url: '/v1/log/key' })).body, logKey, 'the same log key');
      t.equal((await app.inject({ url: '/v1/log/checkpoint' })).body, checkpoint.note, 'the same latest checkpoint');

      const chain = await app.inject({ url: '/v1/devices/wind-1/chain', headers: auth(certifier.token) });
      t.equal(chain.statusCode, 200, "the certifier's token still works");
      t.match(chain.json(), { valid: true, length: 3, head: { seq: 2, leafHash: meter.prev } }, 'the chain is intact');

      const note = meter.next();
      const result = await postEntries(app, gen.token, [note]);
      t.equal(result.statusCode, 200, "the generator's token still works");
      t.match(result.json(), { results: [{ index: before.size, duplicate: false }] }, "the meter's key still works and the chain continues");
      meter.accepted(note);

      const participant = await app.inject({
        method: 'POST',
        url: '/v1/participants',
        headers: auth(OPERATOR_TOKEN),
        payload: { role: 'tenant', name: 'Factory' },
      });
      t.equal(participant.statusCode, 201, "the operator's token and key still work");
      const published = await publishCheckpoint(second.ledger);
      t.ok(published.published, 'the log key still signs checkpoints');
      t.equal(published.checkpoint!.size, before.size + 2);
      const after = await logSnapshot(second.ledger.db);
      t.strictSame(after.entries.slice(0, before.size), before.entries, 'earlier entries unchanged');
    });

    /** Opens another ledger on the same database: the first one's settings unless overridden. */
    const reopen = (overrides: Partial<Parameters<typeof openLedger>[0]>) =>
      openLedger({
        db: first.testStore.store.db,
        origin: ORIGIN,
        intervalSeconds: 3600,
        logSigner: first.logSigner,
        operatorSigner: first.operatorSigner,
        operatorToken: OPERATOR_TOKEN,
        ...overrides,
      });

    t.test('with another log key: key-mismatch', async (t) => {
      const size = (await logSnapshot(first.ledger.db)).size;
      await t.rejects(reopen({ logSigner: generateSigner(ORIGIN) }), { name: 'GridproofError', code: 'key-mismatch' }, 'refuses to open');
      t.equal((await logSnapshot(first.ledger.db)).size, size, 'nothing written');
    });

    t.test('with another operator key: key-mismatch', async (t) => {
      await t.rejects(reopen({ operatorSigner: generateSigner(operatorKeyName(ORIGIN)) }), { name: 'GridproofError', code: 'key-mismatch' });
    });

    t.test('with the log key of another origin: key-mismatch', async (t) => {
      await t.rejects(reopen({ logSigner: generateSigner('other.example/log') }), { name: 'GridproofError', code: 'key-mismatch' });
    });

    t.test('with another reading interval: config-mismatch', async (t) => {
      await t.rejects(reopen({ intervalSeconds: 900 }), { name: 'GridproofError', code: 'config-mismatch' }, 'a 60-minute log refuses 15-minute readings');
    });

    t.test('a new operator token revokes the old one', async (t) => {
      const replaced = 'a-new-operator-token-for-tests';
      await reopen({ operatorToken: replaced });
      const hashes = await first.ledger.db.selectFrom('credential').select('token_hash').where('participant_id', '=', 'operator').execute();
      t.strictSame(
        hashes.map((row) => Buffer.from(row.token_hash).toString('hex')),
        [Buffer.from(tokenHash(replaced)).toString('hex')],
        'only the new token is left',
      );
      await reopen({});
    });
  });
}

/**
 * The intake's workers verify without checking a key's point again, so every
 * device key's strict check is made once and its verdict stored before they
 * use it (docs/design.md §4). A key that escaped that check when it was
 * logged (builds from before keys had to be torsion free logged keys with a small-order
 * component) must sign nothing, though plain OpenSSL accepts one signature
 * in eight under it; readings under the device's good key still go in.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { sql } from 'kysely';
import t from 'tap';
import { fromHex, toBase64, toHex, utf8 } from '../../src/crypto/base64.ts';
import { nobleVerify } from '../../src/crypto/ed25519.ts';
import { formatVerifierKey, keyIdBytes, noteKeyId, parseVerifierKey } from '../../src/crypto/note.ts';
import { insertKeyEntry } from '../../src/db/registry.ts';
import type { KeyPayload } from '../../src/domain/payloads.ts';
import { appendInTransaction, sealOperatorEntry } from '../../src/ledger/append.ts';
import { ReadingIntake } from '../../src/ledger/intake.ts';
import { nativeVerifyCheckedKey } from '../../src/platform/node-ed25519.ts';
import { addDevice, addParticipant, ORIGIN, postEntries, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { errorCode } from '../helpers/error-code.ts';
import { logSnapshot, Meter } from '../helpers/log-state.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const B = ed.Point.BASE;

const leToBigint = (bytes: Uint8Array): bigint => BigInt(`0x${toHex(Uint8Array.from(bytes).reverse()) || '0'}`);
const bigintToLe = (n: bigint): Uint8Array => fromHex(n.toString(16).padStart(64, '0')).reverse();

/** A = [a]B + T with T of order 8: not torsion free, so the strict key check refuses it. */
const secret = 0x1234_5678_9abc_def0_1234_5678n;
const torsion = ed.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
const mixedKey = B.multiply(secret).add(torsion).toBytes();
const name = 'meter/mixed-order';
const vkey = formatVerifierKey(name, mixedKey);

/**
 * Signs `text` under the mixed key as an honest signer would, with a nonce
 * for which k = H(R || A || M) is a multiple of 8: then [k]T vanishes and the
 * cofactorless equation that plain OpenSSL checks holds.
 */
function signMixed(text: string): string {
  const message = utf8(text);
  for (let r = 1n; ; r++) {
    const rBytes = B.multiply(r).toBytes();
    const k = leToBigint(sha512(Uint8Array.from([...rBytes, ...mixedKey, ...message]))) % L;
    if (k % 8n !== 0n) continue;
    const signature = Uint8Array.from([...rBytes, ...bigintToLe((r + k * secret) % L)]);
    const line = toBase64(Uint8Array.from([...keyIdBytes(noteKeyId(name, mixedKey)), ...signature]));
    return `${text}\n— ${name} ${line}\n`;
  }
}

/** The text of a signed note (everything before the blank line and the signatures). */
const textOf = (note: string): string => note.slice(0, note.indexOf('\n\n') + 1);

for (const backend of await testBackends()) {
  t.test(`${backend}: a device key logged without the strict check signs nothing`, async (t) => {
    const env = await startTestApp(backend, { now: () => NOW });
    t.teardown(env.close);
    const { app, ledger } = env;
    const gen = await addParticipant(app, 'generator', 'windco');
    const meter = new Meter('wind-1', (await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' })).signer);

    // What an older build did: log the key with no point check.
    t.equal(
      errorCode(() => parseVerifierKey(vkey)),
      'bad-verifier-key',
      'registration today refuses the key',
    );
    const key: KeyPayload = { kind: 'key', log: ORIGIN, subjectType: 'device', subjectId: 'wind-1', verifierKey: vkey, validFrom: '2018-01-01T00:00:00Z' };
    await appendInTransaction(ledger, async () => ({
      entries: [sealOperatorEntry(ledger, key)],
      project: (tx, [entry]) =>
        insertKeyEntry(tx, {
          entry_idx: entry!.idx,
          subject_type: 'device',
          device_id: 'wind-1',
          verifier_key: vkey,
          valid_from: new Date(key.validFrom),
          valid_until: null,
        }),
    }));

    const forged = signMixed(textOf(meter.next()));
    const signed = utf8(textOf(forged));
    const signature = Buffer.from(forged.trimEnd().split(' ').at(-1)!, 'base64').subarray(4);
    t.ok(nativeVerifyCheckedKey(mixedKey, signed, signature), 'plain OpenSSL accepts the signature: trusting the key would let it in');
    t.notOk(nobleVerify(mixedKey, signed, signature), 'strict verification refuses it');

    for (const attempt of ['first', 'again, with every cache warm']) {
      const before = await logSnapshot(ledger.db);
      const response = await postEntries(app, gen.token, [forged]);
      t.equal(response.statusCode, 200, response.body);
      t.match(response.json(), { results: [{ error: { code: 'no-valid-key' } }] }, `${attempt}: refused`);
      t.strictSame(await logSnapshot(ledger.db), before, `${attempt}: the log is unchanged`);
    }

    const good = meter.next();
    const accepted = await postEntries(app, gen.token, [good]);
    t.match(accepted.json(), { results: [{ index: Number, duplicate: false }] }, 'the device’s good key still signs');

    // Each key's verdict is stored once: at registration for the good key, at
    // first load for the old one; another intake (a restart) reads it.
    const verdicts = await sql<{ verifier_key: string; passed: boolean }>`
      select k.verifier_key, c.passed from key_entry k join key_point_check c using (entry_idx) where k.device_id = 'wind-1' order by k.entry_idx`.execute(
      ledger.db,
    );
    t.same(
      verdicts.rows.map((row) => row.passed),
      [true, false],
      'the registered key passed, the old one failed',
    );
    t.equal(verdicts.rows[1]!.verifier_key, vkey);
    const restarted = new ReadingIntake(ledger);
    t.teardown(() => restarted.idle());
    t.match(
      await restarted.submit({ id: gen.id, role: 'generator' }, [forged]),
      [{ error: { code: 'no-valid-key' } }],
      'after a restart the stored verdict still refuses it',
    );
  });
}

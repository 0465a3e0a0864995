/**
 * A verifier's witness policy (docs/witnesses.md) on a real bundle: its
 * checkpoint is cosigned by a real witness service (one of two trusted; the
 * other down, so it never cosigns). Quorum 1 verifies and shows the
 * cosignature's time; quorum 2 fails with 'too-few-cosignatures'; a tampered
 * cosignature does not count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cosignerVerifierOf, generateCosigner } from '../../src/crypto/cosignature.ts';
import { verifyBundle } from '../../src/domain/bundle/verify-bundle.ts';
import { formatAddCheckpoint } from '../../src/domain/witness.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';
import { WitnessStateDir } from '../../src/witness/state-file.ts';
import { buildWitnessApp } from '../../src/witness/witness-server.ts';
import { copy, cutBundle, LOG_KEY, logSigner, writePark } from '../helpers/bundle-park.ts';
import { verifierOf } from '../../src/crypto/note.ts';

const NOW = Date.parse('2025-03-02T00:00:00Z');

t.test('quorum 1 of two witnesses (one down) verifies; quorum 2 does not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const up = generateCosigner('witness.test/up');
  const down = generateCosigner('witness.test/down');
  const witness = await buildWitnessApp({
    cosigner: up,
    logs: [verifierOf(logSigner)],
    state: new WitnessStateDir(dir),
    sign: nativeSign,
    verify: nativeVerify,
    now: () => NOW,
  });
  t.teardown(() => witness.close());

  const bundle = cutBundle(writePark(), 't1');
  const answer = await witness.inject({ method: 'POST', url: '/add-checkpoint', payload: formatAddCheckpoint(0, [], bundle.checkpoint) });
  t.equal(answer.statusCode, 200);
  const cosigned = { ...copy(bundle), checkpoint: `${bundle.checkpoint}${answer.body}`, witnessed: true };
  const witnesses = [cosignerVerifierOf(up).vkey, cosignerVerifierOf(down).vkey];

  const one = await verifyBundle(cosigned, { logKey: LOG_KEY, verify: nativeVerify, witnessPolicy: { witnesses, quorum: 1 } });
  t.equal(one.valid, true, 'quorum 1: valid');
  t.same(one.cosignatures, [{ name: 'witness.test/up', vkey: witnesses[0], time: '2025-03-02T00:00:00Z' }], "the cosignature's time is shown");

  const two = await verifyBundle(cosigned, { logKey: LOG_KEY, verify: nativeVerify, witnessPolicy: { witnesses } });
  t.equal(two.valid, false, 'quorum 2 (the default: all): invalid');
  t.same([...new Set(two.reasons.map((r) => r.code))], ['too-few-cosignatures'], 'for that reason alone');

  const bare = await verifyBundle(bundle, { logKey: LOG_KEY, verify: nativeVerify, witnessPolicy: { witnesses, quorum: 1 } });
  t.same(
    bare.reasons.map((r) => r.code),
    ['too-few-cosignatures'],
    'a bundle without cosignatures fails any policy',
  );
  t.equal((await verifyBundle(bundle, { logKey: LOG_KEY, verify: nativeVerify })).valid, true, 'and passes without one');

  // Flip one base64 character of the signature: the cosignature no longer counts.
  const line = answer.body;
  const flipped = line.slice(0, -20) + (line.at(-20) === 'A' ? 'B' : 'A') + line.slice(-19);
  const tampered = { ...copy(bundle), checkpoint: `${bundle.checkpoint}${flipped}` };
  const verdict = await verifyBundle(tampered, { logKey: LOG_KEY, verify: nativeVerify, witnessPolicy: { witnesses, quorum: 1 } });
  t.same(
    verdict.reasons.map((r) => r.code),
    ['too-few-cosignatures'],
  );

  await t.rejects(
    verifyBundle(bundle, { logKey: LOG_KEY, witnessPolicy: { witnesses, quorum: 3 } }),
    { code: 'bad-request' },
    'a quorum beyond the witnesses is unusable input',
  );
  await t.rejects(
    verifyBundle(bundle, { logKey: LOG_KEY, witnessPolicy: { witnesses: [LOG_KEY] } }),
    { code: 'bad-verifier-key' },
    'a log key is not a cosigner key',
  );

  // Without a synchronous verifier: the batched (WebCrypto) path reaches the same verdicts.
  t.equal((await verifyBundle(cosigned, { logKey: LOG_KEY, witnessPolicy: { witnesses, quorum: 1 } })).valid, true);
  t.same(
    (await verifyBundle(cosigned, { logKey: LOG_KEY, witnessPolicy: { witnesses } })).reasons.map((r) => r.code),
    ['too-few-cosignatures'],
  );
});

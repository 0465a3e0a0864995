/**
 * The Verify page's witness policy (src/web/model/witness-policy-view.ts):
 * the form's text turned into the policy the verifier applies, refused with
 * the verifier's own codes when unusable; the service's witnesses as the
 * form's starting values; and the summary of a real verdict on a park bundle
 * whose checkpoint a real witness (one of two trusted) cosigned.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cosignerVerifierOf, generateCosigner } from '../../src/crypto/cosignature.ts';
import { verifierOf } from '../../src/crypto/note.ts';
import { verifyBundle } from '../../src/domain/bundle/verify-bundle.ts';
import { formatAddCheckpoint } from '../../src/domain/witness.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';
import { policyFromForm, policyPrefill, witnessKeys, witnessSummary } from '../../src/web/model/witness-policy-view.ts';
import { WitnessStateDir } from '../../src/witness/state-file.ts';
import { buildWitnessApp } from '../../src/witness/witness-server.ts';
import { copy, cutBundle, LOG_KEY, logSigner, writePark } from '../helpers/bundle-park.ts';

const up = cosignerVerifierOf(generateCosigner('witness.example/up')).vkey;
const down = cosignerVerifierOf(generateCosigner('witness.example/down')).vkey;

t.test('the keys field: one key per line, blank lines and repeats dropped', async (t) => {
  t.same(witnessKeys(''), []);
  t.same(witnessKeys(`\n  ${up}  \n\n${down}\n${up}\n`), [up, down]);
  t.same(witnessKeys(`${up} ${down}`), [up, down], 'spaces separate too: a key has none');
});

t.test('the policy of the form', async (t) => {
  t.same(policyFromForm('', ''), { policy: undefined }, 'no keys: no policy');
  t.same(policyFromForm(' \n ', ' '), { policy: undefined });
  t.same(policyFromForm(`${up}\n${down}`, ''), { policy: { witnesses: [up, down] } }, 'no quorum: all of them (the verifier default)');
  t.same(policyFromForm(`${up}\n${down}`, ' 1 '), { policy: { witnesses: [up, down], quorum: 1 } });
  t.same(policyFromForm('', '1'), { error: { code: 'bad-request', detail: 'a quorum needs witness keys' } }, 'as POST /v1/verify says it');
  t.same(policyFromForm(up, '1.5'), { error: { code: 'bad-request', detail: 'the quorum is a whole number' } });
  t.same(policyFromForm(up, '-1'), { error: { code: 'bad-request', detail: 'the quorum is a whole number' } });
  t.same(policyFromForm(`${up}\n${down}`, '3'), { error: { code: 'bad-request', detail: 'the quorum is 1 to 2, the number of trusted witnesses' } });
  t.same(policyFromForm(up, '0'), { error: { code: 'bad-request', detail: 'the quorum is 1 to 1, the number of trusted witnesses' } });
  const logKeyAsWitness = policyFromForm(LOG_KEY, '');
  t.ok('error' in logKeyAsWitness && logKeyAsWitness.error.code === 'bad-verifier-key', "a log key is not a witness key: the verifier's code");
  const garbage = policyFromForm('not-a-key', '');
  t.ok('error' in garbage && garbage.error.code === 'bad-verifier-key');
});

t.test("the service's witnesses as the form's starting values", async (t) => {
  t.same(policyPrefill({ quorum: 1, witnesses: [{ vkey: up }, { vkey: down }] }), { keys: `${up}\n${down}`, quorum: '1' });
  t.same(policyPrefill({ quorum: 0, witnesses: [] }), { keys: '', quorum: '' }, 'a service without witnesses leaves the fields empty');
  // What the form starts with is a usable policy, the service's own.
  const start = policyPrefill({ quorum: 2, witnesses: [{ vkey: up }, { vkey: down }] });
  t.same(policyFromForm(start.keys, start.quorum), { policy: { witnesses: [up, down], quorum: 2 } });
});

t.test('the summary of a real verdict: one of two trusted witnesses cosigned', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'web-policy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const upCosigner = generateCosigner('witness.example/live');
  const live = cosignerVerifierOf(upCosigner).vkey;
  const NOW = Date.parse('2025-03-02T00:00:00Z');
  const witness = await buildWitnessApp({
    cosigner: upCosigner,
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
  const cosigned = { ...copy(bundle), checkpoint: `${bundle.checkpoint}${answer.body}` };
  const verify = async (quorum: string) => {
    const choice = policyFromForm(`${live}\n${down}`, quorum);
    if (!('policy' in choice)) throw new Error('a usable policy');
    return {
      policy: choice.policy,
      verdict: await verifyBundle(cosigned, { logKey: LOG_KEY, verify: nativeVerify, ...(choice.policy ? { witnessPolicy: choice.policy } : {}) }),
    };
  };

  const one = await verify('1');
  t.equal(one.verdict.valid, true);
  t.same(witnessSummary(one.verdict, one.policy), {
    line: '1 of 2 trusted witnesses validly cosigned the checkpoint; 1 required: the quorum is met',
    met: true,
    cosignatures: [{ name: 'witness.example/live', time: '2025-03-02T00:00:00Z', vkey: live }],
  });

  const all = await verify('');
  t.equal(all.verdict.valid, false);
  t.same(
    all.verdict.reasons.map((r) => r.code),
    ['too-few-cosignatures'],
  );
  t.same(witnessSummary(all.verdict, all.policy), {
    line: '1 of 2 trusted witnesses validly cosigned the checkpoint; 2 required: too few',
    met: false,
    cosignatures: [{ name: 'witness.example/live', time: '2025-03-02T00:00:00Z', vkey: live }],
  });

  const bare = await verifyBundle(bundle, { logKey: LOG_KEY, verify: nativeVerify, witnessPolicy: { witnesses: [live, down], quorum: 1 } });
  t.same(
    witnessSummary(bare, { witnesses: [live, down], quorum: 1 }),
    {
      line: '0 of 2 trusted witnesses validly cosigned the checkpoint; 1 required: too few',
      met: false,
      cosignatures: [],
    },
    'no cosignature in the bundle',
  );
  const single = await verifyBundle(cosigned, { logKey: LOG_KEY, verify: nativeVerify, witnessPolicy: { witnesses: [live] } });
  t.match(witnessSummary(single, { witnesses: [live] })!.line, /^1 of 1 trusted witness validly/, 'one witness: singular');
  t.equal(witnessSummary(one.verdict, undefined), undefined, 'no policy: nothing to summarise');
});

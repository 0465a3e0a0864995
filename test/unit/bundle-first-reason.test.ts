/**
 * verifyBundle's firstReasonOnly (what the server gives an anonymous caller of
 * POST /v1/verify): an invalid bundle is still invalid, named by exactly the
 * first reason the full verification gives, and a valid bundle still
 * verifies with the same verdict.
 */
import t from 'tap';
import { nobleVerify } from '../../src/crypto/ed25519.ts';
import { verifyBundle } from '../../src/domain/bundle/verify-bundle.ts';
import { cutBundle, LOG_KEY, writePark } from '../helpers/bundle-park.ts';

const park = writePark();
const reference = cutBundle(park, 't1');
const stale = cutBundle(writePark({ rotateOperator: { hour: 8, stale: true } }), 't1');

for (const [path, options] of [
  ['batched', {}],
  ['synchronous', { verify: nobleVerify }],
] as const) {
  t.test(`${path} verifier`, async (t) => {
    const full = await verifyBundle(stale, { logKey: LOG_KEY, ...options });
    t.ok(full.reasons.length > 1, `the full verdict names ${full.reasons.length} reasons`);
    const first = await verifyBundle(stale, { logKey: LOG_KEY, ...options, firstReasonOnly: true });
    t.equal(first.valid, false);
    t.equal(first.claimed, false);
    t.same(first.reasons, [full.reasons[0]], 'exactly the first reason of the full verdict');

    const forged = {
      ...reference,
      entries: reference.entries.map((entry) => ({
        ...entry,
        bytes: entry.bytes.replace(/— (\S+) (\S{8})/g, (_m, name: string, sig: string) => `— ${name} ${sig.slice(0, 6)}AA`),
      })),
    };
    const forgedFull = await verifyBundle(forged, { logKey: LOG_KEY, ...options });
    const forgedFirst = await verifyBundle(forged, { logKey: LOG_KEY, ...options, firstReasonOnly: true });
    t.equal(forgedFirst.valid, false, 'a bundle of forged notes stays invalid');
    t.same(forgedFirst.reasons, forgedFull.reasons.slice(0, 1));

    t.same(
      await verifyBundle(reference, { logKey: LOG_KEY, ...options, firstReasonOnly: true }),
      await verifyBundle(reference, { logKey: LOG_KEY, ...options }),
      'a valid bundle: the same verdict',
    );
  });
}

/**
 * POST /v1/verify runs on the worker pool: an anonymous caller's verdict on
 * an invalid bundle names only its first reason, a participant's names every
 * reason, a bad token is refused (401), and a valid bundle verifies for both.
 */
import t from 'tap';
import { auth, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { cutBundle, LOG_KEY, writePark } from '../helpers/bundle-park.ts';

const reference = cutBundle(writePark(), 't1');
const stale = cutBundle(writePark({ rotateOperator: { hour: 8, stale: true } }), 't1');
const url = `/v1/verify?key=${encodeURIComponent(LOG_KEY)}`;

{
  // The verifier reads nothing of the store: one backend is enough.
  t.test('pglite: the verdict by caller', async (t) => {
    const env = await startTestApp('pglite');
    t.teardown(() => env.close());
    const anonymous = await env.app.inject({ method: 'POST', url, payload: stale });
    const operator = await env.app.inject({ method: 'POST', url, headers: auth(OPERATOR_TOKEN), payload: stale });
    t.equal(anonymous.statusCode, 200);
    t.equal(operator.statusCode, 200);
    const full = operator.json().reasons as unknown[];
    t.ok(full.length > 1, `the full verdict names ${full.length} reasons`);
    t.same(anonymous.json(), { valid: false, claimed: false, reasons: [full[0]] }, 'anonymous: the first reason only');

    const badToken = await env.app.inject({ method: 'POST', url, headers: auth('not-a-token'), payload: stale });
    t.equal(badToken.statusCode, 401);
    t.equal(badToken.json().code, 'unauthorized');

    for (const headers of [{}, auth(OPERATOR_TOKEN)]) {
      const valid = await env.app.inject({ method: 'POST', url, headers, payload: reference });
      t.equal(valid.json().valid, true, 'a valid bundle verifies');
    }
  });
}

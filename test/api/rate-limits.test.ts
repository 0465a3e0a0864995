/**
 * Per-client rate limits (src/routes/rate-limits.ts): a token and an address
 * are separate clients; past the limit a request answers 429 `rate-limited`
 * as a problem document with Retry-After, and nothing is appended; anonymous
 * POST /v1/verify has its own stricter limit; /healthz is never limited.
 */
import t from 'tap';
import { addParticipant, auth, OPERATOR_TOKEN, postEntries, startTestApp } from '../helpers/app.ts';
import { isProblem, logSnapshot, Meter } from '../helpers/log-state.ts';
import { addDevice } from '../helpers/app.ts';

t.test('pglite: rate limits', async (t) => {
  // The operator's registrations below count too: 4 requests of the operator token.
  const env = await startTestApp('pglite', { rateLimits: { perMinute: 6, anonymousVerifyPerMinute: 2 } });
  t.teardown(env.close);
  const { app } = env;
  const gen = await addParticipant(app, 'generator', 'windco');
  const meter = new Meter('wind-1', (await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' })).signer);

  for (let i = 0; i < 6; i++) {
    const note = meter.next();
    const response = await postEntries(app, gen.token, [note]);
    t.equal(response.statusCode, 200, `request ${i + 1} of 6 is served`);
    meter.accepted(note);
  }
  const before = await logSnapshot(env.ledger.db);
  const refused = await postEntries(app, gen.token, [meter.next()]);
  isProblem(t, refused, 429, 'rate-limited', 'the 7th request of the token in a minute');
  t.match(refused.headers['retry-after'], /^\d+$/, 'Retry-After in seconds');
  t.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 60, 'within the minute');
  t.strictSame(await logSnapshot(env.ledger.db), before, 'nothing appended');
  const lower = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: { authorization: `bearer ${gen.token}` },
    payload: { entries: [meter.next()] },
  });
  isProblem(t, lower, 429, 'rate-limited', 'the scheme spelled in lower case is the same client');

  // Other clients are not affected.
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, '/healthz is never limited');
  const other = await addParticipant(app, 'tenant', 'factory').catch(() => undefined);
  t.ok(other, 'the operator token still has requests left');
  t.equal((await app.inject({ url: '/v1/log/checkpoint' })).statusCode < 429, true, 'an anonymous read from the address is served');

  // Anonymous POST /v1/verify: 2 a minute per address, on its own count.
  const verify = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': 'application/json', ...headers }, payload: '{}' });
  t.equal((await verify()).statusCode, 200, 'first anonymous verification');
  t.equal((await verify()).statusCode, 200, 'second anonymous verification');
  const third = await verify();
  isProblem(t, third, 429, 'rate-limited', 'the third anonymous verification in a minute');
  t.ok(third.headers['retry-after'], 'Retry-After');
  const byToken = await verify(auth(OPERATOR_TOKEN));
  t.not(byToken.statusCode, 429, 'a caller with a token has the general limit there');
  for (let i = 0; i < 20; i++) t.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
});

/**
 * A path a route has, asked with another method, is 405 method-not-allowed
 * with an Allow header naming the methods it takes (RFC 9110 §15.5.6);
 * OPTIONS on it answers the same Allow header (RFC 9110 §9.3.7); a path no
 * route has stays 404 not-found. A refused write leaves the log unchanged.
 */
import t from 'tap';
import { auth, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { isProblem, logSnapshot } from '../helpers/log-state.ts';

const operator = auth(OPERATOR_TOKEN);

for (const backend of await testBackends()) {
  t.test(`${backend}: another method on a known path is 405 with Allow`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app } = env;
    const before = await logSnapshot(env.ledger.db);

    const cases = [
      { method: 'DELETE', url: '/v1/participants', allow: 'POST, OPTIONS' },
      { method: 'PUT', url: '/v1/log/checkpoint', allow: 'GET, HEAD, OPTIONS', payload: { size: 1 } },
      { method: 'POST', url: '/v1/claims/x/bundle', allow: 'GET, HEAD, OPTIONS', payload: {} },
      { method: 'DELETE', url: '/v1/devices/wind-1/chain?fromSeq=0', allow: 'GET, HEAD, OPTIONS' },
      { method: 'PATCH', url: '/v1/entries', allow: 'POST, OPTIONS', payload: { entries: [] } },
    ] as const;
    for (const { method, url, allow, ...rest } of cases) {
      const response = await app.inject({ method, url, headers: operator, ...('payload' in rest ? { payload: rest.payload } : {}) });
      isProblem(t, response, 405, 'method-not-allowed', `${method} ${url}`);
      t.equal(response.headers.allow, allow, `${method} ${url}: Allow names the path's methods`);
      t.match(response.json().detail, allow, `${method} ${url}: the detail names them too`);
    }

    const head = await app.inject({ method: 'HEAD', url: '/v1/participants', headers: operator });
    t.equal(head.statusCode, 405, 'HEAD on a path that takes only POST: 405');
    t.equal(head.headers.allow, 'POST, OPTIONS', 'HEAD: with Allow');
    t.equal(head.body, '', 'HEAD: no body');
    const headOfGet = await app.inject({ method: 'HEAD', url: '/v1/log/key' });
    t.equal(headOfGet.statusCode, 200, 'HEAD on a GET route is still answered as GET is');

    const options = await app.inject({ method: 'OPTIONS', url: '/v1/claims/x/bundle' });
    t.equal(options.statusCode, 204, 'OPTIONS on a known path: 204');
    t.equal(options.headers.allow, 'GET, HEAD, OPTIONS', 'OPTIONS: Allow names the methods');
    t.equal(options.body, '', 'OPTIONS: no body');

    for (const [method, url] of [
      ['GET', '/v1/nothing-here'],
      ['DELETE', '/v1/nothing-here'],
      ['OPTIONS', '/v1/nothing-here'],
      ['POST', '/v1/participants/extra'],
      ['GET', '/v1/claims/x/nothing'],
    ] as const) {
      const response = await app.inject({ method, url, headers: operator });
      isProblem(t, response, 404, 'not-found', `${method} ${url}: no route has the path`);
      t.equal(response.headers.allow, undefined, `${method} ${url}: no Allow`);
    }

    t.strictSame(await logSnapshot(env.ledger.db), before, 'the log is unchanged');
  });
}

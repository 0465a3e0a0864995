/**
 * The OpenAPI document is valid OpenAPI 3, names its shared schemas after
 * schemas/api/, declares every operation's responses, and the reply check
 * that every API test runs (test/helpers/response-check.ts) refuses a reply
 * that drifts from it.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import t from 'tap';
import { startTestApp, OPERATOR_TOKEN, auth } from '../helpers/app.ts';
import { ResponseChecker } from '../helpers/response-check.ts';

interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }>; requestBody?: unknown }>>;
  components: { schemas: Record<string, unknown> };
}

t.test('the served document', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(() => env.close());
  const document = env.app.swagger() as unknown as Doc;

  const result = await new Validator().validate(JSON.parse(JSON.stringify(document)) as Parameters<Validator['validate']>[0]);
  t.same(result, { valid: true }, 'valid OpenAPI 3');

  const names = Object.keys(document.components.schemas);
  t.notOk(
    names.some((n) => /^def-\d+$/.test(n)),
    'no generated schema names',
  );
  for (const name of ['Problem', 'InclusionProof', 'Bundle', 'Verdict', 'EntriesRequest', 'ParticipantCreated']) t.ok(names.includes(name), name);

  for (const [path, operations] of Object.entries(document.paths)) {
    if (path.startsWith('/docs')) continue;
    for (const [method, operation] of Object.entries(operations)) {
      const statuses = Object.keys(operation.responses);
      t.ok(
        statuses.some((s) => /^2\d\d$/.test(s)),
        `${method} ${path} declares its success`,
      );
      t.notOk(statuses.includes('default') || Object.values(operation.responses).some((r) => !r.content), `${method} ${path}: every response has content`);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        t.same(Object.keys(operation.responses[status]!.content!), ['application/problem+json'], `${method} ${path} ${status} is a problem`);
      }
      if (method === 'post') t.ok(operation.requestBody, `${method} ${path} declares its body`);
    }
  }
  const media = (path: string, method: string, status: string) => Object.keys(document.paths[path]![method]!.responses[status]!.content!);
  t.same(media('/v1/log/checkpoint', 'get', '200'), ['text/plain']);
  t.same(media('/v1/tenants/{id}/matching', 'get', '200').sort(), ['application/json', 'text/csv']);
  t.same(media('/v1/claims/{id}/bundle', 'get', '200'), ['application/vnd.gridproof.bundle.v1+json']);
  t.same(media('/v1/participants', 'post', '201'), ['application/json']);
  t.same(media('/v1/log/witnesses', 'get', '200'), ['application/json']);
  t.same(media('/v1/log/checkpoints', 'get', '200'), ['application/json']);
  t.same(media('/v1/devices/{id}/chain/verification', 'get', '429'), ['application/problem+json']);
  t.notOk(document.paths['/v1/log/witnesses']!.get!.responses['414'], 'no 414 without a path parameter');
  t.notOk(document.paths['/healthz']!.get!.responses['429'], '/healthz is never rate-limited');
});

t.test('a reply that drifts from the document fails the check', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(() => env.close());
  const checker = new ResponseChecker(env.app.swagger() as unknown as Doc);
  // A real reply passes (the inject itself is checked too) ...
  const real = await env.app.inject({
    method: 'POST',
    url: '/v1/participants',
    headers: auth(OPERATOR_TOKEN),
    payload: { id: 'acme', role: 'tenant', name: 'Acme' },
  });
  t.equal(real.statusCode, 201);
  const check = (status: number, type: string, body: string) => checker.problem('POST', '/v1/participants', status, type, body);
  t.equal(check(201, real.headers['content-type'] as string, real.payload), undefined, 'the real reply matches');
  // ... and each kind of drift is reported.
  const { token: _token, ...withoutToken } = real.json() as Record<string, unknown>;
  t.match(check(201, 'application/json', JSON.stringify(withoutToken)), /does not follow its schema.*token/, 'a missing member');
  t.match(check(201, 'application/json', JSON.stringify({ ...real.json(), extra: 1 })), /does not follow its schema/, 'an undeclared member');
  t.match(check(200, 'application/json', real.payload), /status not declared/, 'an undeclared status');
  t.match(check(201, 'text/plain', real.payload), /media type text\/plain not declared/, 'an undeclared media type');
  t.match(check(403, 'application/problem+json', JSON.stringify({ code: 'forbidden' })), /does not follow its schema/, 'a problem without its members');
});

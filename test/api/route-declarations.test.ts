/**
 * Every route of the app declares its responses (src/routes/responses.ts):
 * walked from the app's own route inventory, so a route added without them,
 * hidden from the OpenAPI document or not, fails here. The statuses every
 * route shares are then provoked for real on every route, with the reply
 * check of startTestApp on: 429 from the rate limiter (never on /healthz or
 * Swagger UI, which it does not cover), 414 for an over-long path parameter.
 * The web app's routes answer as declared too.
 */
import Fastify from 'fastify';
import t from 'tap';
import { recordRoutes, routeDeclarations, type RouteDeclaration } from '../../src/routes/route-inventory.ts';
import { startTestApp } from '../helpers/app.ts';

const PROBLEM_REF = 'https://gridproof.dev/schemas/api/problem.json#';

/** What is wrong with a route's declared responses; empty when nothing is. */
function undeclared(route: RouteDeclaration): string[] {
  const where = `${route.method} ${route.url}`;
  if (!route.responses || Object.keys(route.responses).length === 0) return [`${where}: no responses declared`];
  const wrong: string[] = [];
  const statuses = Object.keys(route.responses);
  if (!statuses.some((s) => /^[23]\d\d$/.test(s))) wrong.push(`${where}: no success declared`);
  for (const status of statuses) {
    const content = route.responses[status]!.content;
    if (Number(status) >= 400 && JSON.stringify(content) !== JSON.stringify({ 'application/problem+json': { schema: { $ref: PROBLEM_REF } } })) {
      wrong.push(`${where} ${status}: not a problem document`);
    }
    if (Number(status) < 300 && !content) wrong.push(`${where} ${status}: no content`);
  }
  for (const shared of ['400', '500']) if (!statuses.includes(shared)) wrong.push(`${where}: ${shared} not declared`);
  return wrong;
}

const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/');

t.test('every route of the app declares its responses', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const routes = routeDeclarations(env.app);
  t.ok(routes.length >= 40, `${routes.length} routes walked`);
  for (const url of [
    '/v1/devices/:id/chain',
    '/v1/devices/:id/chain/verification',
    '/v1/log/witnesses',
    '/',
    '/verify.html',
    '/assets/:file',
    '/problems/:code',
    '/docs/json',
    '/docs/static/*',
  ]) {
    t.ok(
      routes.some((r) => r.url === url),
      `${url} is among them`,
    );
  }
  t.same(routes.flatMap(undeclared), [], 'every route declares a success and its problems');
  for (const route of routes) {
    const statuses = Object.keys(route.responses ?? {});
    if (/:/.test(route.url)) t.ok(statuses.includes('414'), `${route.method} ${route.url} declares 414`);
    if (route.url !== '/healthz' && !isDocs(route.url)) t.ok(statuses.includes('429'), `${route.method} ${route.url} declares 429`);
  }
  t.same(
    routes.filter((r) => r.hidden && !isDocs(r.url) && r.method === 'GET').map((r) => r.url),
    [
      '/',
      '/verify',
      '/tenant',
      '/generator',
      '/log',
      '/favicon.svg',
      '/favicon.ico',
      '/verify.html',
      '/assets/:file',
      '/problems',
      '/problems/:code',
      '/problems/verify',
      '/problems/verify/:code',
      '/problems/monitor',
      '/problems/monitor/:code',
    ],
    'only the web app, the problem pages and Swagger UI are hidden from the OpenAPI document',
  );
});

t.test('the walk catches a route that declares nothing', async (t) => {
  const app = Fastify();
  recordRoutes(app);
  app.get('/declared', { schema: { response: { 200: { description: 'ok', content: { 'text/plain': { schema: { type: 'string' } } } } } } }, () => 'ok');
  app.get('/bare', () => 'no declaration');
  app.get('/hidden', { schema: { hide: true } }, () => 'hidden, no declaration');
  await app.ready();
  t.teardown(() => app.close());
  const found = routeDeclarations(app).flatMap(undeclared);
  t.ok(found.includes('GET /bare: no responses declared'), 'a route without a schema');
  t.ok(found.includes('GET /hidden: no responses declared'), 'a hidden route without responses');
  t.ok(found.includes('GET /declared: 400 not declared'), 'a route without the statuses every route answers');
});

/** A URL for a route: each parameter filled with `value`. */
const urlOf = (route: RouteDeclaration, value: string) => route.url.replace(/:[A-Za-z0-9_]+/g, value).replace('*', 'index.css');

t.test('the rate limiter answers 429 as declared on every route it covers', async (t) => {
  const env = await startTestApp('pglite', { rateLimits: { perMinute: 1, anonymousVerifyPerMinute: 1 } });
  t.teardown(env.close);
  const routes = routeDeclarations(env.app).filter((r) => r.method !== 'HEAD');
  for (const route of routes) {
    const request = { method: route.method as 'GET' | 'POST', url: urlOf(route, 'x') };
    // The first may be anything its route declares (the reply check holds it to that); the second is over the limit.
    await env.app.inject(request);
    const second = await env.app.inject(request);
    if (route.url === '/healthz' || isDocs(route.url)) {
      t.not(second.statusCode, 429, `${route.method} ${route.url} is never limited`);
    } else {
      t.equal(second.statusCode, 429, `${route.method} ${route.url}: 429`);
      t.equal(second.json().code, 'rate-limited', `${route.method} ${route.url}: rate-limited`);
    }
  }
});

t.test('an over-long path parameter answers 414 as declared on every route with one', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const routes = routeDeclarations(env.app).filter((r) => r.method !== 'HEAD' && /:/.test(r.url));
  t.ok(routes.length >= 10, `${routes.length} routes with a path parameter`);
  for (const route of routes) {
    const reply = await env.app.inject({ method: route.method as 'GET' | 'POST', url: urlOf(route, 'a'.repeat(300)) });
    t.equal(reply.statusCode, 414, `${route.method} ${route.url}: 414`);
    t.equal(reply.json().code, 'uri-too-long', `${route.method} ${route.url}: uri-too-long`);
  }
});

t.test('the web app answers as declared', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const { app } = env;
  for (const url of ['/', '/verify', '/tenant', '/generator', '/log', '/verify.html']) {
    const page = await app.inject({ url });
    t.equal(page.statusCode, 200, `${url}: 200`);
    t.match(page.headers['content-type'], /^text\/html; charset=utf-8$/, `${url}: HTML`);
    t.match(page.headers['content-security-policy'], /default-src/, `${url}: under a CSP`);
  }
  const html = (await app.inject({ url: '/verify' })).payload;
  const script = /<script type="module" src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  const style = /<link rel="stylesheet" href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
  t.ok(script && style, 'the page names its script and style sheet');
  const js = await app.inject({ url: script! });
  t.equal(js.statusCode, 200);
  t.match(js.headers['content-type'], /^text\/javascript/);
  t.match(js.headers['cache-control'], /immutable/);
  const css = await app.inject({ url: style! });
  t.equal(css.statusCode, 200);
  t.match(css.headers['content-type'], /^text\/css/);
  const missing = await app.inject({ url: '/assets/verify-NOTAHASH.js' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'not-found');
});

t.test('a conditional or range request a static file cannot serve is a coded problem, as declared', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const { app } = env;
  const file = '/docs/static/index.css';
  const whole = await app.inject({ url: file });
  t.equal(whole.statusCode, 200);
  const length = whole.rawPayload.length;

  const past = await app.inject({ url: file, headers: { range: `bytes=${length}-` } });
  t.equal(past.statusCode, 416, 'a range past the end: 416');
  t.match(past.headers['content-type'], /^application\/problem\+json/);
  t.match(past.json(), { code: 'range-not-satisfiable', status: 416, instance: file });
  t.equal(past.headers['content-range'], `bytes */${length}`, 'naming the length (RFC 9110 §15.5.17)');
  const inside = await app.inject({ url: file, headers: { range: `bytes=0-9` } });
  t.equal(inside.statusCode, 206, 'a range inside the file is still served');
  t.equal(inside.rawPayload.length, 10);

  for (const headers of [{ 'if-match': '"not-this-file"' }, { 'if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' }]) {
    const failed = await app.inject({ url: file, headers });
    t.equal(failed.statusCode, 412, `${Object.keys(headers)[0]}: 412`);
    t.match(failed.json(), { code: 'precondition-failed', status: 412, instance: file });
  }

  // The web app's hashed assets are ours, not @fastify/static's: a Range is ignored and the whole file sent (RFC 9110 §14.2).
  const html = (await app.inject({ url: '/verify' })).payload;
  const script = /<script type="module" src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  const asset = await app.inject({ url: script, headers: { range: 'bytes=999999999-', 'if-match': '"not-this-file"' } });
  t.equal(asset.statusCode, 200, 'an asset ignores Range and If-Match');
  t.equal(asset.rawPayload.length, (await app.inject({ url: script })).rawPayload.length, 'and is sent whole');
});

/**
 * A problem's `type` resolves (RFC 9457 §3.1.1): /problems/{code} is a page
 * naming the code, its status and what it means, for every code of
 * src/errors.ts; /problems links them all; an unknown code is a coded 404.
 * The reasons of a bundle verdict have their own pages beside them,
 * /problems/verify/{code} and the list /problems/verify, and a reason that
 * shares its name with an API error is never shown as that error. The
 * findings and warnings of `gridproof monitor` are a third set, at
 * /problems/monitor/{code} and /problems/monitor, made the same way.
 * startTestApp checks each reply against the routes' declarations.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bundleCodes, type BundleCode } from '../../src/domain/bundle/verify-bundle.ts';
import { errorExplanation } from '../../src/error-explanations.ts';
import { logFindingCodes, replayFindingCodes, warningCodes } from '../../src/domain/monitor/findings.ts';
import { errorStatus, type ErrorCode } from '../../src/errors.ts';
import { monitorFindingExplanation } from '../../src/monitor-finding-explanations.ts';
import { verifyReasonExplanation } from '../../src/verify-reason-explanations.ts';
import { addParticipant, auth, startTestApp } from '../helpers/app.ts';
import { isProblem } from '../helpers/log-state.ts';

const CODES = Object.keys(errorStatus) as ErrorCode[];
const REASONS = Object.keys(bundleCodes) as BundleCode[];
/** Every code the monitor reports, from the arrays it reports them from. */
const FINDINGS = [...logFindingCodes, ...replayFindingCodes];
const MONITOR_CODES = [...FINDINGS, ...warningCodes];
/** A list page and a code page of each set of codes. */
const SAMPLE_PAGES = [
  '/problems',
  '/problems/forbidden',
  '/problems/verify',
  '/problems/verify/bad-signature',
  '/problems/monitor',
  '/problems/monitor/root-mismatch',
];

t.test('every code has a page naming its status, and the list links them all', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const { app } = env;
  t.same(Object.keys(errorExplanation).sort(), [...CODES].sort(), 'one explanation per code, no more');
  for (const code of CODES) {
    const reply = await app.inject({ url: `/problems/${code}` });
    t.equal(reply.statusCode, 200, `${code}: 200`);
    t.match(reply.headers['content-type'], /^text\/html; charset=utf-8$/, `${code}: HTML`);
    t.match(reply.headers['content-security-policy'], /default-src 'none'/, `${code}: under a CSP`);
    t.match(reply.payload, `<code>${code}</code>`, `${code}: names the code`);
    t.match(reply.payload, `HTTP status <span class="status">${errorStatus[code]} `, `${code}: names its status, ${errorStatus[code]}`);
    t.match(reply.payload, `“${code.replaceAll('-', ' ')}”`, `${code}: names its title`);
  }
  const list = await app.inject({ url: '/problems' });
  t.equal(list.statusCode, 200);
  t.match(list.headers['content-type'], /^text\/html; charset=utf-8$/);
  for (const code of CODES) t.match(list.payload, `<a href="/problems/${code}">`, `the list links ${code}`);
});

t.test('the pages carry their own stylesheet, which their CSP admits by its hash and nothing else', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  for (const url of SAMPLE_PAGES) {
    const reply = await env.app.inject({ url });
    const styles = [...reply.payload.matchAll(/<style>([^<]*)<\/style>/g)].map((match) => match[1]!);
    t.equal(styles.length, 1, `${url}: one inline stylesheet`);
    const hash = createHash('sha256').update(styles[0]!).digest('base64');
    const csp = String(reply.headers['content-security-policy']);
    t.match(csp, `style-src 'sha256-${hash}'`, `${url}: the CSP names that stylesheet's hash (CSP Level 3 hash-source)`);
    t.notMatch(csp, /unsafe-inline|script-src/, `${url}: and admits no other style and no script`);
  }
});

t.test('what the pages show is escaped', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  // The explanation of unauthorized says "Bearer <token>": as text, never as an element.
  t.match(errorExplanation.unauthorized, '<token>');
  const page = (await env.app.inject({ url: '/problems/unauthorized' })).payload;
  t.match(page, 'Bearer &#60;token&#62;', 'the angle brackets are escaped');
  t.notMatch(page, '<token>', 'and never sent raw');
});

t.test('an unknown code is a coded 404', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  for (const code of ['no-such-code', 'toString', '__proto__', 'Unauthorized']) {
    isProblem(t, await env.app.inject({ url: `/problems/${code}` }), 404, 'not-found', code);
  }
});

t.test("a real refusal's type resolves to the page of its code", async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const { app } = env;
  const tenant = await addParticipant(app, 'tenant', 'steelworks');
  const refusals = [
    { url: '/v1/me', request: { url: '/v1/me' }, status: 401, code: 'unauthorized' },
    {
      url: '/v1/participants',
      request: { method: 'POST' as const, url: '/v1/participants', headers: auth(tenant.token), payload: { role: 'tenant', name: 'Another' } },
      status: 403,
      code: 'forbidden',
    },
  ];
  for (const { url, request, status, code } of refusals) {
    const refused = await app.inject(request);
    isProblem(t, refused, status, code, url);
    // A relative reference, resolved against the request's URL (RFC 3986 §5).
    const type = new URL((refused.json() as { type: string }).type, `http://localhost${url}`);
    const page = await app.inject({ url: type.pathname });
    t.equal(page.statusCode, 200, `${url}: its type ${type.pathname} resolves`);
    t.match(page.headers['content-type'], /^text\/html/);
    t.match(page.payload, `<code>${code}</code>`, `${url}: the page names ${code}`);
    t.match(page.payload, `HTTP status <span class="status">${status} `, `${url}: and its status`);
  }
});

t.test('every verification reason has an explanation and a page, and the list links them all', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const { app } = env;
  t.same(Object.keys(verifyReasonExplanation).sort(), [...REASONS].sort(), 'one explanation per reason code, no more');
  for (const code of REASONS) {
    const explanation = verifyReasonExplanation[code];
    t.ok(explanation.trim().length > 40, `${code}: a real explanation`);
    const reply = await app.inject({ url: `/problems/verify/${code}` });
    t.equal(reply.statusCode, 200, `${code}: 200`);
    t.match(reply.headers['content-type'], /^text\/html; charset=utf-8$/, `${code}: HTML`);
    t.match(reply.headers['content-security-policy'], /default-src 'none'/, `${code}: under a CSP`);
    t.match(reply.payload, `<h1><code>${code}</code></h1>`, `${code}: names the code`);
    t.match(reply.payload, '<span class="status">verification reason</span>', `${code}: says it is a verification reason`);
    t.notMatch(reply.payload, 'HTTP status', `${code}: and names no HTTP status`);
    // Apostrophes are the only characters of the texts that escapeHtml changes.
    t.match(reply.payload, explanation.replaceAll("'", '&#39;'), `${code}: what it means and what to do`);
    t.match(reply.payload, bundleCodes[code].replaceAll("'", '&#39;'), `${code}: what the verifier checked`);
  }
  const list = await app.inject({ url: '/problems/verify' });
  t.equal(list.statusCode, 200);
  t.match(list.headers['content-type'], /^text\/html; charset=utf-8$/);
  for (const code of REASONS) t.match(list.payload, `<a href="/problems/verify/${code}">`, `the list links ${code}`);
  t.match((await app.inject({ url: '/problems' })).payload, '<a href="/problems/verify">', 'the problem codes link the verification reasons');
});

t.test('a reason that shares its name with an API error: two pages, each saying which it is and linking the other', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const shared = REASONS.filter((code) => Object.hasOwn(errorStatus, code));
  t.ok(shared.includes('bad-signature') && shared.includes('bad-checkpoint'), `shared: ${shared.join(', ')}`);
  for (const code of shared) {
    const error = (await env.app.inject({ url: `/problems/${code}` })).payload;
    const reason = (await env.app.inject({ url: `/problems/verify/${code}` })).payload;
    t.not(error, reason, `${code}: two different pages`);
    t.match(error, `HTTP status <span class="status">${errorStatus[code as ErrorCode]} `, `${code}: the API error's page names its status`);
    t.match(error, `<a href="/problems/verify/${code}">verification reason <code>${code}</code></a>`, `${code}: and links the reason`);
    t.match(reason, `<a href="/problems/${code}">problem code <code>${code}</code></a>`, `${code}: the reason's page links the API error`);
    t.match(reason, /<title>[^<]*verification reason<\/title>/, `${code}: its title says verification reason`);
  }
  const unshared = (await env.app.inject({ url: '/problems/verify/statement-mismatch' })).payload;
  t.notMatch(unshared, 'problem code <code>', 'a reason of its own links no API error');
  t.notMatch((await env.app.inject({ url: '/problems/forbidden' })).payload, '/problems/verify/forbidden', 'nor an error of its own a reason');
});

t.test('an unknown verification reason is a coded 404', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  for (const code of ['no-such-reason', 'toString', '__proto__', 'unauthorized', 'Bad-Signature']) {
    isProblem(t, await env.app.inject({ url: `/problems/verify/${code}` }), 404, 'not-found', code);
  }
});

t.test('the reasons POST /v1/verify gives resolve to their pages; the OpenAPI document names them', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const verdicts = await Promise.all([[], { mediaType: 'application/json' }].map((payload) => env.app.inject({ method: 'POST', url: '/v1/verify', payload })));
  const codes = verdicts.flatMap((reply) => (reply.json() as { reasons: { code: string }[] }).reasons.map((r) => r.code));
  t.ok(codes.includes('bad-schema') && codes.includes('bad-media-type'), codes.join(', '));
  for (const code of codes) t.equal((await env.app.inject({ url: `/problems/verify/${code}` })).statusCode, 200, `${code}: its page`);
  const verdict = (await env.app.inject({ url: '/docs/json' })).json() as {
    components: { schemas: { Verdict: { properties: { reasons: { items: { properties: { code: { enum: string[]; description: string } } } } } } } };
  };
  const code = verdict.components.schemas.Verdict.properties.reasons.items.properties.code;
  t.same([...code.enum].sort(), [...REASONS].sort(), 'the schema lists exactly the reason codes');
  t.match(code.description, '/problems/verify/{code}', 'and names their pages');
});

t.test('the docs list every verification reason and name its pages', async (t) => {
  const docs = readFileSync(new URL('../../docs/exports.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('## When a bundle does not verify'));
  t.match(section, '/problems/verify/{code}', 'the section names the pages');
  for (const code of REASONS) t.match(section, `| \`${code}\` `, `docs/exports.md lists ${code}`);
});

t.test('every monitor finding and warning has an explanation and a page, and the list links them all', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const { app } = env;
  t.same(Object.keys(monitorFindingExplanation).sort(), [...MONITOR_CODES].sort(), 'one explanation per finding and warning code, no more');
  for (const code of MONITOR_CODES) {
    const explanation = monitorFindingExplanation[code];
    t.ok(explanation.trim().length > 40, `${code}: a real explanation`);
    const reply = await app.inject({ url: `/problems/monitor/${code}` });
    t.equal(reply.statusCode, 200, `${code}: 200`);
    t.match(reply.headers['content-type'], /^text\/html; charset=utf-8$/, `${code}: HTML`);
    t.match(reply.headers['content-security-policy'], /default-src 'none'/, `${code}: under a CSP`);
    t.match(reply.payload, `<h1><code>${code}</code></h1>`, `${code}: names the code`);
    const kind = (warningCodes as readonly string[]).includes(code) ? 'monitor warning' : 'monitor finding';
    t.match(reply.payload, `<span class="status">${kind}</span>`, `${code}: says it is a ${kind}`);
    t.notMatch(reply.payload, 'HTTP status', `${code}: and names no HTTP status`);
    t.match(reply.payload, explanation.replaceAll("'", '&#39;'), `${code}: what it means and what to do`);
  }
  const list = await app.inject({ url: '/problems/monitor' });
  t.equal(list.statusCode, 200);
  t.match(list.headers['content-type'], /^text\/html; charset=utf-8$/);
  for (const code of MONITOR_CODES) t.match(list.payload, `<a href="/problems/monitor/${code}">`, `the list links ${code}`);
  t.match((await app.inject({ url: '/problems' })).payload, '<a href="/problems/monitor">', 'the problem codes link the monitor findings');
});

t.test("one finding's page: what it means, what shows it, what to do, and that it fails the run", async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const page = (await env.app.inject({ url: '/problems/monitor/log-key-changed' })).payload;
  t.match(page, /<title>log-key-changed: gridproof monitor finding<\/title>/);
  t.match(page, 'a finding about the log as served', 'its group');
  t.match(page, 'the run fails (exit 1) and the state file is left as it was', 'what it does to the run');
  t.match(page, 'GET /v1/log/key', 'what in the log shows it');
  t.match(page, 'a fork, a replaced log', 'what likely causes it');
  t.match(page, 'Do not update the pin', 'and what to do');
  t.notMatch(page, '/problems/verify/log-key-changed', 'a code of its own links no other set');
  const warning = (await env.app.inject({ url: '/problems/monitor/late-supply-unsettled' })).payload;
  t.match(warning, '<span class="status">monitor warning</span>');
  t.match(warning, 'the run still passes (exit 0)', 'a warning leaves the run clean');
});

t.test('a finding that shares its name with an API error or a verification reason links them, and they link it', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const finding = (await env.app.inject({ url: '/problems/monitor/bad-checkpoint' })).payload;
  t.match(finding, '<a href="/problems/bad-checkpoint">problem code <code>bad-checkpoint</code></a>', 'the API error');
  t.match(finding, '<a href="/problems/verify/bad-checkpoint">verification reason <code>bad-checkpoint</code></a>', 'the verification reason');
  for (const url of ['/problems/bad-checkpoint', '/problems/verify/bad-checkpoint']) {
    t.match(
      (await env.app.inject({ url })).payload,
      '<a href="/problems/monitor/bad-checkpoint">monitor finding <code>bad-checkpoint</code></a>',
      `${url} links it`,
    );
  }
  t.notMatch((await env.app.inject({ url: '/problems/verify/statement-mismatch' })).payload, '/problems/monitor/', 'a reason the monitor has not, no link');
});

t.test('an unknown monitor finding is a coded 404', async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  for (const code of ['no-such-finding', 'toString', '__proto__', 'statement-mismatch', 'unauthorized', 'Root-Mismatch']) {
    isProblem(t, await env.app.inject({ url: `/problems/monitor/${code}` }), 404, 'not-found', code);
  }
});

t.test('the docs list every monitor finding and warning and name their pages', async (t) => {
  const docs = readFileSync(new URL('../../docs/design.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('### What a finding tells'), docs.indexOf('## 8. Trust model'));
  t.match(section, '/problems/monitor/{code}', 'the section names the pages');
  for (const code of MONITOR_CODES) t.match(section, `| \`${code}\` `, `docs/design.md lists ${code}`);
});

t.test("the main service's problem pages have the site's navigation: its web pages, then the code lists", async (t) => {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  for (const url of SAMPLE_PAGES) {
    const html = (await env.app.inject({ url })).payload;
    const header = /<header>([\s\S]*?)<\/header>/.exec(html)?.[1] ?? '';
    t.same(
      [...header.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => `${m[1]} ${m[2]}`),
      [
        '/ gridproof',
        '/verify Verify',
        '/tenant Tenant',
        '/generator Generator',
        '/log Log',
        '/problems problem codes',
        '/problems/verify verification reasons',
        '/problems/monitor monitor findings',
      ],
      `${url}: the header links the site's pages, as the pages' own header does`,
    );
  }
});

/**
 * The web app: pages at /, /verify, /tenant, /generator and /log, their content-hashed assets
 * (cached for a year: a change gives a new name), and /verify.html, the
 * verifier as one self-contained file. Built on the first request
 * (src/platform/web-build.ts). Every page is under a Content-Security-Policy
 * that allows only this origin (W3C CSP Level 3); verify.html's inline
 * script and style are allowed by their hashes alone. /favicon.svg is the
 * icon the pages name; /favicon.ico, which browsers and tools ask for
 * unprompted, redirects to it rather than answering a 404 each page would log.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { GridproofError } from '../errors.ts';
import { FAVICON_SVG } from '../platform/favicon.ts';
import { buildWeb, pageHtml, type PageName, type WebBuild } from '../platform/web-build.ts';
import { PARAM, problems, textOf } from './responses.ts';

const SELF_ONLY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const HTML = 'text/html; charset=utf-8';

const hashSource = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The CSP of a page whose only script and style are inline: those exact texts, nothing else. */
function inlineCsp(html: string): string {
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  return `default-src 'none'; script-src ${hashSource(script)}; style-src ${hashSource(style)}; img-src data:; base-uri 'none'; form-action 'none'`;
}

export function webRoutes(app: FastifyInstance): void {
  let built: Promise<WebBuild> | undefined;
  const web = () => (built ??= buildWeb());
  const page = (name: PageName) => async (_request: unknown, reply: FastifyReply) => {
    const { pages } = await web();
    return reply.type(HTML).header('content-security-policy', SELF_ONLY).header('cache-control', 'no-cache').send(pageHtml(name, pages[name]));
  };
  // Hidden from the OpenAPI document (it describes the API), declared all the same:
  // 400 a bad URL, 429 the rate limit (src/routes/rate-limits.ts), 500 a failed build.
  const pageSchema = { schema: { hide: true, response: { 200: textOf('The page', 'text/html'), ...problems(400, 429, 500) } } };
  const assetSchema = {
    schema: {
      hide: true,
      response: { 200: textOf('A content-hashed script or style sheet', 'text/javascript', 'text/css'), ...problems(400, PARAM, 404, 429, 500) },
    },
  };
  app.get('/', pageSchema, page('verify'));
  app.get('/verify', pageSchema, page('verify'));
  app.get('/tenant', pageSchema, page('tenant'));
  app.get('/generator', pageSchema, page('generator'));
  app.get('/log', pageSchema, page('log'));
  const iconSchema = { schema: { hide: true, response: { 200: textOf('The site icon', 'image/svg+xml'), ...problems(400, 429, 500) } } };
  app.get('/favicon.svg', iconSchema, async (_request, reply) =>
    reply.type('image/svg+xml').header('content-security-policy', "default-src 'none'").header('cache-control', 'public, max-age=86400').send(FAVICON_SVG),
  );
  const oldIconSchema = { schema: { hide: true, response: { 301: { description: 'The icon is /favicon.svg' }, ...problems(400, 429, 500) } } };
  app.get('/favicon.ico', oldIconSchema, async (_request, reply) => reply.header('cache-control', 'public, max-age=86400').redirect('/favicon.svg', 301));
  app.get('/verify.html', pageSchema, async (_request, reply) => {
    const { verifyHtml } = await web();
    return reply
      .type(HTML)
      .header('content-security-policy', inlineCsp(verifyHtml))
      .header('content-disposition', 'inline; filename="verify.html"')
      .header('cache-control', 'no-cache')
      .send(verifyHtml);
  });
  app.get<{ Params: { file: string } }>('/assets/:file', assetSchema, async (request, reply) => {
    const asset = (await web()).assets.get(`/assets/${request.params.file}`);
    if (asset === undefined) throw new GridproofError('not-found', `no asset ${request.params.file}`);
    return reply
      .type(asset.type)
      .header('content-security-policy', SELF_ONLY)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(Buffer.from(asset.body));
  });
}

/**
 * The pages a problem's `type` names (RFC 9457 §3.1.1: a type URI should
 * resolve to documentation a human can read): /problems/{code} explains one
 * code, /problems lists them all (docs/api.md "Errors"). Both are plain HTML
 * built from src/errors.ts and src/error-explanations.ts, so a code has one
 * status and one explanation wherever it is shown. Hidden from the OpenAPI
 * document like the web app's pages, and declared the same way.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml } from '../domain/html-escape.ts';
import { errorExplanation } from '../error-explanations.ts';
import { errorStatus, GridproofError, type ErrorCode } from '../errors.ts';
import { problemTitle } from './problem.ts';
import { PARAM, problems, textOf } from './responses.ts';

const HTML = 'text/html; charset=utf-8';
/** No script, style or image: the page is text and links to this origin only (W3C CSP Level 3). */
const CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const CODES = Object.keys(errorStatus) as ErrorCode[];

/** "401 Unauthorized": the status and its reason phrase (RFC 9110 §15). */
const statusLine = (code: ErrorCode): string => `${errorStatus[code]} ${STATUS_CODES[errorStatus[code]] ?? ''}`.trim();

const page = (title: string, body: string): string =>
  `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<title>${escapeHtml(title)}</title></head>\n<body>\n${body}\n</body>\n</html>\n`;

function codePage(code: ErrorCode): string {
  return page(
    `${code}: gridproof problem`,
    `<h1><code>${escapeHtml(code)}</code></h1>\n` +
      `<p>HTTP status <strong>${escapeHtml(statusLine(code))}</strong>; title “${escapeHtml(problemTitle(code))}”.</p>\n` +
      `<p>${escapeHtml(errorExplanation[code])}</p>\n` +
      `<p>The problem document’s <code>detail</code> says what was wrong with this request. <a href="/problems">Every problem code</a></p>`,
  );
}

function listPage(): string {
  const rows = CODES.map(
    (code) =>
      `<tr><td><a href="/problems/${escapeHtml(code)}"><code>${escapeHtml(code)}</code></a></td><td>${escapeHtml(statusLine(code))}</td><td>${escapeHtml(errorExplanation[code])}</td></tr>`,
  );
  return page(
    'gridproof problem codes',
    `<h1>gridproof problem codes</h1>\n` +
      `<p>Every error leaves as an RFC 9457 problem document (application/problem+json) with a stable <code>code</code>; its <code>type</code> is the page of that code.</p>\n` +
      `<table>\n<thead><tr><th>code</th><th>HTTP status</th><th>what it means and what to do</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`,
  );
}

const send = (reply: FastifyReply, html: string): FastifyReply => reply.type(HTML).header('content-security-policy', CSP).send(html);

export function problemPageRoutes(app: FastifyInstance): void {
  // Hidden from the OpenAPI document (it describes the API), declared all the same:
  // 400 a bad URL, 429 the rate limit (src/routes/rate-limits.ts), 500 an unexpected error.
  const declared = (...more: number[]) => ({ schema: { hide: true, response: { 200: textOf('The page', 'text/html'), ...problems(400, 429, 500, ...more) } } });
  app.get('/problems', declared(), async (_request, reply) => send(reply, listPage()));
  app.get<{ Params: { code: string } }>('/problems/:code', declared(...PARAM, 404), async (request, reply) => {
    const { code } = request.params;
    // Own keys only: a code is never an inherited name such as toString.
    if (!Object.hasOwn(errorStatus, code)) throw new GridproofError('not-found', `no problem code ${code}; /problems lists them all`);
    return send(reply, codePage(code as ErrorCode));
  });
}

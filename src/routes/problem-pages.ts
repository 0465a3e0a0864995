/**
 * The pages a problem's `type` names (RFC 9457 §3.1.1: a type URI should
 * resolve to documentation a human can read): /problems/{code} explains one
 * code, /problems lists them all (docs/api.md "Errors"). Both are plain HTML
 * built from src/errors.ts and src/error-explanations.ts, so a code has one
 * status and one explanation wherever it is shown. Beside them, the reasons
 * of a bundle verdict, another set of codes: /problems/verify/{code} and the
 * list /problems/verify, from src/verify-reason-explanations.ts
 * (docs/exports.md "When a bundle does not verify"). Some reasons share a
 * name with an API error (bad-signature); each of the two pages says which
 * kind it is and links the other. A third set, the findings and warnings of
 * `gridproof monitor`: /problems/monitor/{code} and the list /problems/monitor,
 * from src/monitor-finding-explanations.ts (docs/design.md §7 "What a finding
 * tells"), made by the same renderer and linked the same way to a code of the
 * same name in the other sets. Hidden from the OpenAPI document like the web
 * app's pages, and declared the same way.
 *
 * The witness (`gridproof witness`) serves the same /problems/{code} and
 * /problems pages for the codes it answers with, made by the same renderer
 * and routes from its own table (src/witness/witness-problems.ts): a
 * ProblemSite says which codes a server has, what each means there, and
 * what its pages may link to.
 */
import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyReply, RouteShorthandOptions } from 'fastify';
import { bundleCodes, type BundleCode } from '../domain/bundle/bundle-types.ts';
import { escapeHtml } from '../domain/html-escape.ts';
import { logFindingCodes, replayFindingCodes, warningCodes } from '../domain/monitor/findings.ts';
import { errorExplanation } from '../error-explanations.ts';
import { LINKS, PAGES } from '../platform/site-pages.ts';
import { errorStatus, GridproofError, type ErrorCode } from '../errors.ts';
import { monitorFindingExplanation, monitorFindingPage, type MonitorCode } from '../monitor-finding-explanations.ts';
import { verifyReasonExplanation, verifyReasonPage } from '../verify-reason-explanations.ts';
import { problemTitle } from './problem.ts';
import { PARAM, problems, textOf } from './responses.ts';

/** A server's problem codes and how its pages present them: the main service's (below) or the witness's. */
export interface ProblemSite {
  /** Its name in the pages' titles and header: gridproof, gridproof witness. */
  name: string;
  /** The header's links after the name: the main service's gives its web pages' first, as their own header does; then the problem code lists. */
  nav: ReadonlyArray<readonly [href: string, label: string]>;
  /** Where the name links; none when the server has no home page. */
  home?: string;
  /** Every code the server answers with, and what it means there and what to do. */
  explanation: Readonly<Partial<Record<ErrorCode, string>>>;
  /** The list's opening paragraph, HTML. */
  intro: string;
  /** Whether the server has the verification reasons' and monitor findings' pages, so a code page may link one of the same name. */
  otherSets: boolean;
}

const HTML = 'text/html; charset=utf-8';
/**
 * The pages' own look, in the colours and fonts of the web app (src/web/style.css):
 * system fonts, readable from 360 px up. Inline, so the page needs no other request.
 */
const STYLE = [
  'body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f23;background:#fff}',
  'header{background:#1f6f4f;color:#fff}header p{max-width:64rem;margin:0 auto;padding:.6rem 1rem;font-weight:700}',
  'header a{color:#fff;text-decoration:none}main{max-width:64rem;margin:0 auto;padding:1rem}',
  'h1{font-size:1.6rem;margin:.5rem 0 1rem}h2{font-size:1.15rem;margin:1.4rem 0 .4rem}code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em}',
  'a{color:#1f6f4f}.status{display:inline-block;background:#f6f8fa;border:1px solid #d5dbe1;border-radius:4px;padding:.1rem .5rem}',
  '.muted{color:#5a6470}table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.45rem .5rem;border-bottom:1px solid #d5dbe1}',
  'th{font-size:.85rem;color:#5a6470;font-weight:600}td:first-child{white-space:nowrap}',
  '@media (max-width:40rem){table,tbody,tr,td{display:block}thead{display:none}tr{border-bottom:1px solid #d5dbe1;padding:.4rem 0}td{border:0;padding:.1rem 0}}',
].join('');

/**
 * No script, image or outside style: only this page's own stylesheet, named by
 * its hash, and links to this origin (W3C CSP Level 3 §2.3.1 hash-source).
 */
const CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
const REASONS = Object.keys(verifyReasonExplanation) as BundleCode[];
/** The monitor's codes in three groups, each in the order of src/domain/monitor/findings.ts: what a reader meets first comes first. */
const MONITOR_GROUPS: ReadonlyArray<{ heading: string; kind: string; codes: readonly MonitorCode[] }> = [
  { heading: 'Findings about the log as served', kind: 'a finding about the log as served (its key, checkpoints, root and entries)', codes: logFindingCodes },
  { heading: 'Findings of the replay of the entries', kind: 'a finding of the replay of the log’s entries', codes: replayFindingCodes },
  { heading: 'Warnings', kind: 'a warning (something the log may still put right)', codes: warningCodes },
];
const isWarning = (code: MonitorCode): boolean => (warningCodes as readonly string[]).includes(code);

/** "401 Unauthorized": the status and its reason phrase (RFC 9110 §15). */
const statusLine = (code: ErrorCode): string => `${errorStatus[code]} ${STATUS_CODES[errorStatus[code]] ?? ''}`.trim();

/** The main service's: every code of src/errors.ts, explained by src/error-explanations.ts. */
const SERVICE: ProblemSite = {
  name: 'gridproof',
  home: '/',
  nav: [
    ...PAGES.map((p) => [`/${p}`, LINKS[p]] as const),
    ['/problems', 'problem codes'],
    ['/problems/verify', 'verification reasons'],
    ['/problems/monitor', 'monitor findings'],
  ],
  explanation: errorExplanation,
  intro:
    `<p>Every error leaves as an RFC 9457 problem document (application/problem+json) with a stable <code>code</code>; its <code>type</code> is the page of that code. ` +
    `The reasons of a bundle verdict are another set of codes: <a href="/problems/verify">verification reasons</a>; the findings of the monitor a third: <a href="/problems/monitor">monitor findings</a>.</p>`,
  otherSets: true,
};

const page = (site: ProblemSite, title: string, body: string): string =>
  `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>\n` +
  `<header><p>${[site.home === undefined ? escapeHtml(site.name) : `<a href="${site.home}">${escapeHtml(site.name)}</a>`, ...site.nav.map(([href, label]) => `<a href="${href}">${escapeHtml(label)}</a>`)].join(' · ')}</p></header>\n` +
  `<main>\n${body}\n</main>\n</body>\n</html>\n`;

/** The codes a site explains, in its table's order; own keys only, so a code is never an inherited name such as toString. */
const codesOf = (site: ProblemSite): ErrorCode[] => Object.keys(site.explanation) as ErrorCode[];
const explains = (site: ProblemSite, code: string): code is ErrorCode => Object.hasOwn(site.explanation, code);

function codePage(site: ProblemSite, code: ErrorCode): string {
  return page(
    site,
    `${code}: ${site.name} problem`,
    `<h1><code>${escapeHtml(code)}</code></h1>\n` +
      `<p>HTTP status <span class="status">${escapeHtml(statusLine(code))}</span> <span class="muted">title “${escapeHtml(problemTitle(code))}”</span></p>\n` +
      `<p>${escapeHtml(site.explanation[code]!)}</p>\n` +
      `<p>The problem document’s <code>detail</code> says what was wrong with this request. <a href="/problems">Every problem code</a></p>` +
      (site.otherSets && Object.hasOwn(verifyReasonExplanation, code)
        ? `\n<p class="muted">This is an error of an API request. A bundle verdict has a reason of the same name, which means something else: <a href="${verifyReasonPage(code as BundleCode)}">verification reason <code>${escapeHtml(code)}</code></a>.</p>`
        : '') +
      (site.otherSets ? alsoMonitor(code) : ''),
  );
}

function reasonPage(code: BundleCode): string {
  return page(
    SERVICE,
    `${code}: gridproof verification reason`,
    `<h1><code>${escapeHtml(code)}</code></h1>\n` +
      `<p><span class="status">verification reason</span> <span class="muted">a reason a proof bundle does not verify, listed in the verdict of <code>gridproof verify</code>, <code>POST /v1/verify</code> or the Verify page; not an HTTP error</span></p>\n` +
      `<h2>What it means and what to do</h2>\n<p>${escapeHtml(verifyReasonExplanation[code])}</p>\n` +
      `<h2>What the verifier checked</h2>\n<p>It reports <code>${escapeHtml(code)}</code> when ${escapeHtml(bundleCodes[code])}.</p>\n` +
      `<p>The reason’s <code>detail</code> says which entry and what was found. A bundle with any reason proves nothing. <a href="/problems/verify">Every verification reason</a></p>` +
      (Object.hasOwn(errorStatus, code)
        ? `\n<p class="muted">Not the API error of the same name, which a request the service refuses carries in a problem document: <a href="/problems/${escapeHtml(code)}">problem code <code>${escapeHtml(code)}</code></a>.</p>`
        : '') +
      alsoMonitor(code),
  );
}

/** On an API error's or a verification reason's page: the monitor finding of the same name, which is about a whole log. */
function alsoMonitor(code: string): string {
  if (!Object.hasOwn(monitorFindingExplanation, code)) return '';
  return `\n<p class="muted">The monitor reports a finding of the same name about a whole log: <a href="${monitorFindingPage(code as MonitorCode)}">monitor finding <code>${escapeHtml(code)}</code></a>.</p>`;
}

function findingPage(code: MonitorCode): string {
  const noun = isWarning(code) ? 'warning' : 'finding';
  const group = MONITOR_GROUPS.find((g) => g.codes.includes(code))!;
  const exit = isWarning(code) ? 'the run still passes (exit 0)' : 'the run fails (exit 1) and the state file is left as it was';
  // A code of the same name in the other sets means something else; say so and link it.
  const others = [
    ...(Object.hasOwn(errorStatus, code)
      ? [`<a href="/problems/${escapeHtml(code)}">problem code <code>${escapeHtml(code)}</code></a>, an error of an API request`]
      : []),
    ...(Object.hasOwn(verifyReasonExplanation, code)
      ? [`<a href="${verifyReasonPage(code as BundleCode)}">verification reason <code>${escapeHtml(code)}</code></a>, a reason one bundle does not verify`]
      : []),
  ];
  return page(
    SERVICE,
    `${code}: gridproof monitor ${noun}`,
    `<h1><code>${escapeHtml(code)}</code></h1>\n` +
      `<p><span class="status">monitor ${noun}</span> <span class="muted">${escapeHtml(group.kind)}, listed in the report of <code>gridproof monitor</code>: ${exit}; not an HTTP error</span></p>\n` +
      `<h2>What it means and what to do</h2>\n<p>${escapeHtml(monitorFindingExplanation[code])}</p>\n` +
      `<p>Each ${noun} in the report names the log entries involved${isWarning(code) ? '' : ' (none for a finding about the log as a whole)'} and a detail saying what was found. <a href="/problems/monitor">Every monitor finding and warning</a></p>` +
      (others.length > 0 ? `\n<p class="muted">Not the code of the same name elsewhere, which means something else: ${others.join('; ')}.</p>` : ''),
  );
}

function findingListPage(): string {
  const tables = MONITOR_GROUPS.map(({ heading, codes }) => {
    const rows = codes.map(
      (code) =>
        `<tr><td><a href="${monitorFindingPage(code)}"><code>${escapeHtml(code)}</code></a></td><td>${escapeHtml(monitorFindingExplanation[code])}</td></tr>`,
    );
    return `<h2>${escapeHtml(heading)}</h2>\n<table>\n<thead><tr><th>code</th><th>what it means and what to do</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
  });
  return page(
    SERVICE,
    'gridproof monitor findings',
    `<h1>gridproof monitor findings</h1>\n` +
      `<p><code>gridproof monitor</code> replays a whole log and reports each fault it finds with a stable code, the log entries involved and a detail: any finding fails the run (exit 1); a warning leaves it clean. These codes are neither the <a href="/problems">problem codes</a> of API errors nor the <a href="/problems/verify">verification reasons</a> of one bundle, although some share a name.</p>\n` +
      tables.join('\n'),
  );
}

function reasonListPage(): string {
  const rows = REASONS.map(
    (code) => `<tr><td><a href="${verifyReasonPage(code)}"><code>${escapeHtml(code)}</code></a></td><td>${escapeHtml(verifyReasonExplanation[code])}</td></tr>`,
  );
  return page(
    SERVICE,
    'gridproof verification reasons',
    `<h1>gridproof verification reasons</h1>\n` +
      `<p>A proof bundle that does not verify gets a verdict listing its reasons, each a <code>code</code> and a <code>detail</code>: the same from <code>gridproof verify</code>, <code>POST /v1/verify</code> and the Verify page. These codes are not the <a href="/problems">problem codes</a> of API errors, although some share a name.</p>\n` +
      `<table>\n<thead><tr><th>reason</th><th>what it means and what to do</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`,
  );
}

function listPage(site: ProblemSite): string {
  const rows = codesOf(site).map(
    (code) =>
      `<tr><td><a href="/problems/${escapeHtml(code)}"><code>${escapeHtml(code)}</code></a></td><td>${escapeHtml(statusLine(code))}</td><td>${escapeHtml(site.explanation[code]!)}</td></tr>`,
  );
  return page(
    site,
    `${site.name} problem codes`,
    `<h1>${escapeHtml(site.name)} problem codes</h1>\n${site.intro}\n` +
      `<table>\n<thead><tr><th>code</th><th>HTTP status</th><th>what it means and what to do</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`,
  );
}

const send = (reply: FastifyReply, html: string): FastifyReply => reply.type(HTML).header('content-security-policy', CSP).send(html);

/** How a server declares the two routes' answers (its schema of a problem document). */
export interface ProblemPageDeclarations {
  list: RouteShorthandOptions;
  code: RouteShorthandOptions;
}

/**
 * /problems, the list of a site's codes, and /problems/{code}, the page of
 * one: HTML whatever the Accept header asks (RFC 9457 §3.1.1 wants a page a
 * human can read); a code the site does not answer with is 404 `not-found`.
 */
export function problemCodeRoutes(app: FastifyInstance, site: ProblemSite, declared: ProblemPageDeclarations): void {
  app.get('/problems', declared.list, async (_request, reply) => send(reply, listPage(site)));
  app.get<{ Params: { code: string } }>('/problems/:code', declared.code, async (request, reply) => {
    const { code } = request.params;
    if (!explains(site, code)) throw new GridproofError('not-found', `no problem code ${code}; /problems lists them all`);
    return send(reply, codePage(site, code));
  });
}

export function problemPageRoutes(app: FastifyInstance): void {
  // Hidden from the OpenAPI document (it describes the API), declared all the same:
  // 400 a bad URL, 429 the rate limit (src/routes/rate-limits.ts), 500 an unexpected error.
  const declared = (...more: number[]) => ({ schema: { hide: true, response: { 200: textOf('The page', 'text/html'), ...problems(400, 429, 500, ...more) } } });
  problemCodeRoutes(app, SERVICE, { list: declared(), code: declared(...PARAM, 404) });
  // Registered as a static path, /problems/verify wins over /problems/:code (find-my-way); no problem code is named verify.
  app.get('/problems/verify', declared(), async (_request, reply) => send(reply, reasonListPage()));
  app.get<{ Params: { code: string } }>('/problems/verify/:code', declared(...PARAM, 404), async (request, reply) => {
    const { code } = request.params;
    if (!Object.hasOwn(verifyReasonExplanation, code)) {
      throw new GridproofError('not-found', `no verification reason ${code}; /problems/verify lists them all`);
    }
    return send(reply, reasonPage(code as BundleCode));
  });
  // Static too, so it wins over /problems/:code the same way; no problem code is named monitor.
  app.get('/problems/monitor', declared(), async (_request, reply) => send(reply, findingListPage()));
  app.get<{ Params: { code: string } }>('/problems/monitor/:code', declared(...PARAM, 404), async (request, reply) => {
    const { code } = request.params;
    if (!Object.hasOwn(monitorFindingExplanation, code)) {
      throw new GridproofError('not-found', `no monitor finding or warning ${code}; /problems/monitor lists them all`);
    }
    return send(reply, findingPage(code as MonitorCode));
  });
}

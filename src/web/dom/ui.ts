/**
 * DOM helpers shared by the pages: element building without innerHTML (no
 * markup from data), API calls that turn an RFC 9457 problem document into
 * a message showing its title and code, and the page's main element.
 */
type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) node.append(child);
  return node;
}

export function main(): HTMLElement {
  return document.getElementById('main')!;
}

/** An API refusal: the problem's title and code, as the page shows them. */
export class ApiProblem extends Error {
  constructor(
    readonly title: string,
    readonly code: string,
    readonly status: number,
    readonly detail?: string,
  ) {
    super(`${title} (${code})${detail ? `: ${detail}` : ''}`);
  }
}

/** A request's bearer token (RFC 6750 §2.1, header only: never in a URL), method and JSON body. */
export interface CallOptions {
  token?: string;
  method?: 'GET' | 'POST';
  body?: unknown;
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  let response: Response;
  const headers: Record<string, string> = { accept: 'application/json, text/plain' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  try {
    response = await fetch(path, { method: options.method ?? 'GET', headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  } catch (error) {
    throw new ApiProblem('The service did not answer', 'network-error', 0, String(error));
  }
  if (response.ok) return response;
  let title = response.statusText || `HTTP ${response.status}`;
  let code = `http-${response.status}`;
  let detail: string | undefined;
  try {
    const problem = (await response.json()) as { title?: string; code?: string; detail?: string };
    title = problem.title ?? title;
    code = problem.code ?? code;
    detail = problem.detail;
  } catch {
    // not a problem document: the status line stands
  }
  throw new ApiProblem(title, code, response.status, detail);
}

export const getText = async (path: string, options?: CallOptions): Promise<string> => (await call(path, options)).text();
export const getJson = async <T>(path: string, options?: CallOptions): Promise<T> => (await call(path, options)).json() as Promise<T>;

/** A refusal of the page itself (not of the API), with the heading its box shows. */
export class PageRefusal extends Error {
  constructor(
    readonly heading: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a problem's status means to the person reading the page (its title is only the code in words). */
const HEADINGS: Record<number, string> = {
  400: 'The service refused the request',
  401: 'The token was not accepted',
  403: 'Not allowed with this token',
  404: 'Not found',
  409: 'Conflicts with what is logged',
  413: 'Too large for the service',
  429: 'Too many requests: try again shortly',
  500: 'The service failed; it logged the error',
  503: 'The service is unavailable: try again shortly',
};

/**
 * Headings for the codes a status would misname. nothing-to-claim answers 409
 * (src/errors.ts) because the period's matched energy is claimed already, or
 * there is none yet: nothing conflicts with the log, there is just nothing
 * to claim (src/error-explanations.ts).
 */
const CODE_HEADINGS: Record<string, string> = {
  'nothing-to-claim': 'Nothing to claim in this period',
};

/** What heads an API problem's box: its code's own heading, else its status's. */
const headingOf = (problem: ApiProblem): string =>
  CODE_HEADINGS[problem.code] ?? HEADINGS[problem.status] ?? (problem.status >= 500 ? HEADINGS[500]! : HEADINGS[400]!);

/** An error box: a heading saying what happened, the detail, and for an API problem its code. */
export function errorBox(error: unknown): HTMLElement {
  if (error instanceof ApiProblem) {
    return el(
      'div',
      { class: 'error', role: 'alert' },
      el('strong', {}, headingOf(error)),
      error.detail ? el('p', {}, error.detail) : undefined,
      el('p', { class: 'problem-code' }, 'code ', el('code', {}, error.code)),
    );
  }
  return el(
    'div',
    { class: 'error', role: 'alert' },
    el('strong', {}, error instanceof PageRefusal ? error.heading : 'Something went wrong'),
    el('p', {}, String(error instanceof Error ? error.message : error)),
  );
}

/** A definition list of label → value rows. */
export function facts(rows: Array<[string, Child]>): HTMLElement {
  const dl = el('dl', { class: 'facts' });
  for (const [label, value] of rows) if (value !== undefined) dl.append(el('dt', {}, label), el('dd', {}, value));
  return dl;
}

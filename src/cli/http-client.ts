/**
 * The few HTTP calls the CLI makes, with the bearer token and problem+json
 * errors turned into GridproofErrors; and the one mapping of a server's
 * answer to an exit code (README "The command line"): an answer with a
 * problem document is the server refusing (exit 1, 401, 403 or 500 alike),
 * unless it is a 503 or a 429, which say "not now" (exit 75, sysexits.h
 * EX_TEMPFAIL); a server that cannot be reached, or answers with something
 * else than a problem document, is unusable (exit 2).
 */
import { GridproofError, errorStatus, type ErrorCode } from '../errors.ts';
import { retryAfterSeconds } from './retry-after.ts';

/**
 * What the system's code for a failed connection means to the person who ran
 * the command (Node's and undici's codes): the code stays, for a search, and
 * the words say what to check.
 */
const CONNECTION_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there; is the server running, and is the URL right?',
  ENOTFOUND: 'the host name does not resolve; is the URL right?',
  EAI_AGAIN: 'the name service did not answer for the host name; try again, or give an address',
  EHOSTUNREACH: 'no route to the host; is the address right, and is the network up?',
  ETIMEDOUT: 'no answer in time; is the address right, and does a firewall drop the connection?',
  UND_ERR_CONNECT_TIMEOUT: 'no answer in time; is the address right, and does a firewall drop the connection?',
  ECONNRESET: 'the server closed the connection before answering',
  UND_ERR_SOCKET: 'the server closed the connection before answering',
};

/** The server could not be reached: one line naming the URL, no stack trace. */
export class NetworkError extends Error {
  constructor(url: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    const code = reason?.code;
    const words = code === undefined ? undefined : CONNECTION_FAILURES[code];
    super(`cannot reach ${url}: ${code ?? reason?.message ?? (cause as Error)?.message ?? String(cause)}${words ? ` (${words})` : ''}`);
    this.name = 'NetworkError';
  }
}

/**
 * What is wrong with `url` as a service's base URL, in words, or undefined
 * when it is one: every command that takes --server URL (or monitor's URL)
 * appends the API's paths (/v1/…) to it, so a URL with a path, as copied from
 * a page (http://host:8080/log), would ask for /log/v1/log/key and get the
 * server's 404; the user's mistake, said before any request is sent.
 */
export function serviceUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url} is not an http(s) URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `${url} is not an http(s) URL`;
  const extra = `${parsed.pathname.replace(/\/+$/, '')}${parsed.search}${parsed.hash}`;
  if (extra === '') return undefined;
  return `${url} has a path: give the service's base URL, ${parsed.origin} (drop "${extra}"; gridproof adds /v1/… itself)`;
}

/** A --server URL (or monitor's URL) that is not a service's base URL (serviceUrlProblem): a usage error, exit 2. */
export class ServiceUrlError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'ServiceUrlError';
  }
}

/** A server's refusal as its problem document says it (RFC 9457 §3.1, `code` src/errors.ts). */
export interface Refusal {
  status: number;
  title: string;
  code: string;
  detail: string;
  /** Seconds to wait before asking again, from the answer's Retry-After (retry-after.ts); absent when it has none. */
  retryAfterS?: number;
}

/**
 * A 503 (RFC 9110 §15.6.4: "a temporary overload or scheduled maintenance")
 * or a 429 (RFC 6585 §4: too many requests) says nothing against the request:
 * the same one may succeed later (src/routes/problem.ts and rate-limits.ts
 * send both with Retry-After). Any other problem document is a refusal.
 */
export const isTemporary = ({ status }: Refusal): boolean => status === 503 || status === 429;

/** What a temporary answer means for the caller, and when to come back. */
function tryAgainText(refusal: Refusal): string {
  const now = refusal.status === 429 ? 'this client sent more requests than the server takes now' : 'the server is busy or unavailable now';
  return `${now}; ${refusal.retryAfterS === undefined ? 'retry later' : `retry after ${refusal.retryAfterS} s`}`;
}

/**
 * A refusal as every command writes it: "the server answered 403 forbidden
 * [forbidden]: …"; a temporary answer also says when to try again: "… (the
 * server is busy or unavailable now; retry after 5 s)".
 */
export const refusalText = (refusal: Refusal): string => {
  const { status, title, code, detail } = refusal;
  return `the server answered ${status} ${title} [${code}]${detail ? `: ${detail}` : ''}${isTemporary(refusal) ? ` (${tryAgainText(refusal)})` : ''}`;
};

/** The server answered with a problem document: a refusal, exit 1, or a temporary failure, exit 75 (exitCodeOf). */
export class ServerRefusal extends GridproofError {
  readonly refusal: Refusal;

  constructor(path: string, refusal: Refusal) {
    const code = refusal.code in errorStatus ? (refusal.code as ErrorCode) : 'unavailable';
    super(code, refusal.detail);
    // With the request that was refused.
    this.message = `${path}: ${refusalText(refusal)}`;
    this.name = 'ServerRefusal';
    this.refusal = refusal;
  }
}

/**
 * What the server's log holds already refuses what a command would write,
 * found before writing (the server would answer 409 conflict, or refused
 * it): exit 1, as the server's own refusal, not unusable input.
 */
export class ServerConflict extends GridproofError {
  constructor(detail: string) {
    super('conflict', detail);
    // One line as the command says it, without the code in front.
    this.message = detail;
    this.name = 'ServerConflict';
  }
}

/** Exit 1: the server refused (README's exit-code table). */
export const EXIT_REFUSED = 1;
/** Exit 2: usage error or unusable input, a server that cannot be reached among them. */
export const EXIT_UNUSABLE = 2;
/**
 * Exit 75: the server cannot take the request now (503, 429); run the same
 * command again later. sysexits.h EX_TEMPFAIL: "temporary failure,
 * indicating something that is not really an error … the user is invited
 * to retry", so that a script or cron job can tell it from a refusal.
 */
export const EXIT_TRY_AGAIN = 75;

export type ServerExitCode = typeof EXIT_REFUSED | typeof EXIT_UNUSABLE | typeof EXIT_TRY_AGAIN;

/** The exit code of a server's problem document: EXIT_TRY_AGAIN when it is temporary (isTemporary), else EXIT_REFUSED. */
export const refusalExitCode = (refusal: Refusal): typeof EXIT_REFUSED | typeof EXIT_TRY_AGAIN => (isTemporary(refusal) ? EXIT_TRY_AGAIN : EXIT_REFUSED);

/**
 * The exit code of a failed call to the server: refusalExitCode for its
 * problem document (EXIT_REFUSED for a ServerConflict, the refusal it
 * foresaw), EXIT_UNUSABLE when it cannot be reached (no server
 * answered at all: nothing says that waiting helps, README's table keeps it
 * with unusable input); undefined for any other error (an answer that is not
 * a problem document is a GridproofError 'unavailable', unusable like every
 * other GridproofError).
 */
export function exitCodeOf(error: unknown): ServerExitCode | undefined {
  if (error instanceof ServerRefusal) return refusalExitCode(error.refusal);
  if (error instanceof ServerConflict) return EXIT_REFUSED;
  if (error instanceof NetworkError) return EXIT_UNUSABLE;
  return undefined;
}

/** The refusal a response's problem document states, or undefined when it is not one (a proxy's error page). */
async function refusalOf(response: Response): Promise<Refusal | undefined> {
  const problem = (await response.json().catch(() => undefined)) as Partial<Refusal> | undefined;
  if (typeof problem?.code !== 'string' || typeof problem.title !== 'string') return undefined;
  const retryAfterS = retryAfterSeconds(response.headers.get('retry-after'), Date.now());
  return {
    status: response.status,
    title: problem.title,
    code: problem.code,
    detail: String(problem.detail ?? ''),
    ...(retryAfterS === undefined ? {} : { retryAfterS }),
  };
}

export class HttpClient {
  readonly #base: string;
  readonly #token: string | undefined;

  /** Throws ServiceUrlError for a `base` that is not a service's base URL, before any request. */
  constructor(base: string, token: string | undefined) {
    const problem = serviceUrlProblem(base);
    if (problem !== undefined) throw new ServiceUrlError(problem);
    this.#base = base.replace(/\/+$/, '');
    this.#token = token;
  }

  async #send(path: string, body?: unknown, accept?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (accept !== undefined) headers.accept = accept;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = this.#base + path;
    let response: Response;
    try {
      response = await fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new NetworkError(url, error);
    }
    return response;
  }

  async #fetch(path: string, body?: unknown, accept?: string): Promise<Response> {
    const response = await this.#send(path, body, accept);
    if (!response.ok) {
      const refusal = await refusalOf(response);
      if (refusal) throw new ServerRefusal(path, refusal);
      throw new GridproofError('unavailable', `${path}: ${response.status} ${response.statusText}, not a problem document`);
    }
    return response;
  }

  /**
   * POSTs `body`: the JSON answer, or the server's refusal when it answers
   * with a problem document. Any other failure (no problem document, e.g. a
   * proxy's error page) is unusable, a GridproofError.
   */
  async post<T>(path: string, body: unknown): Promise<{ value: T } | { refusal: Refusal }> {
    const response = await this.#send(path, body);
    if (response.ok) return { value: (await response.json()) as T };
    const refusal = await refusalOf(response);
    if (!refusal) throw new GridproofError('unavailable', `${path}: ${response.status} ${response.statusText}, not a problem document`);
    return { refusal };
  }

  async text(path: string): Promise<string> {
    return (await this.#fetch(path)).text();
  }

  /** GETs a body of media type `accept` as bytes. */
  async bytes(path: string, accept: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.#fetch(path, undefined, accept)).arrayBuffer());
  }

  async json<T = unknown>(path: string, body?: unknown): Promise<T> {
    return (await (await this.#fetch(path, body)).json()) as T;
  }
}

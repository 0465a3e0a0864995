/**
 * The few HTTP calls the CLI makes, with the bearer token and problem+json
 * errors turned into GridproofErrors; and the one mapping of a server's
 * answer to an exit code (README "The command line"): an answer with a
 * problem document is the server refusing (exit 1, whatever its status,
 * 401, 403 or 500 alike); a server that cannot be reached, or answers with
 * something else than a problem document, is unusable (exit 2).
 */
import { GridproofError, errorStatus, type ErrorCode } from '../errors.ts';

/** The server could not be reached: one line naming the URL, no stack trace. */
export class NetworkError extends Error {
  constructor(url: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    super(`cannot reach ${url}: ${reason?.code ?? reason?.message ?? (cause as Error)?.message ?? String(cause)}`);
    this.name = 'NetworkError';
  }
}

/** A server's refusal as its problem document says it (RFC 9457 §3.1, `code` src/errors.ts). */
export interface Refusal {
  status: number;
  title: string;
  code: string;
  detail: string;
}

/** A refusal as every command writes it: "the server answered 403 forbidden [forbidden]: …". */
export const refusalText = ({ status, title, code, detail }: Refusal): string =>
  `the server answered ${status} ${title} [${code}]${detail ? `: ${detail}` : ''}`;

/** The server answered with a problem document: a refusal, exit 1 (exitCodeOf). */
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

/** Exit 1: the server refused (README's exit-code table). */
export const EXIT_REFUSED = 1;
/** Exit 2: usage error or unusable input, a server that cannot be reached among them. */
export const EXIT_UNUSABLE = 2;

/**
 * The exit code of a failed call to the server: EXIT_REFUSED for its
 * refusal, EXIT_UNUSABLE when it cannot be reached; undefined for any other
 * error (an answer that is not a problem document is a GridproofError
 * 'unavailable', unusable like every other GridproofError).
 */
export function exitCodeOf(error: unknown): typeof EXIT_REFUSED | typeof EXIT_UNUSABLE | undefined {
  if (error instanceof ServerRefusal) return EXIT_REFUSED;
  if (error instanceof NetworkError) return EXIT_UNUSABLE;
  return undefined;
}

/** The refusal a response's problem document states, or undefined when it is not one (a proxy's error page). */
async function refusalOf(response: Response): Promise<Refusal | undefined> {
  const problem = (await response.json().catch(() => undefined)) as Partial<Refusal> | undefined;
  if (typeof problem?.code !== 'string' || typeof problem.title !== 'string') return undefined;
  return { status: response.status, title: problem.title, code: problem.code, detail: String(problem.detail ?? '') };
}

export class HttpClient {
  readonly #base: string;
  readonly #token: string | undefined;

  constructor(base: string, token: string | undefined) {
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

/**
 * The few HTTP calls the CLI makes, with the bearer token and problem+json
 * errors turned into GridproofErrors.
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
      const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
      const code = problem.code && problem.code in errorStatus ? (problem.code as ErrorCode) : 'unavailable';
      throw new GridproofError(code, `${path}: ${response.status} ${problem.detail ?? response.statusText}`);
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
    const problem = (await response.json().catch(() => undefined)) as Partial<Refusal> | undefined;
    if (typeof problem?.code !== 'string' || typeof problem.title !== 'string') {
      throw new GridproofError('unavailable', `${path}: ${response.status} ${response.statusText}, not a problem document`);
    }
    return { refusal: { status: response.status, title: problem.title, code: problem.code, detail: String(problem.detail ?? '') } };
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

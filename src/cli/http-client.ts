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

export class HttpClient {
  readonly #base: string;
  readonly #token: string | undefined;

  constructor(base: string, token: string | undefined) {
    this.#base = base.replace(/\/+$/, '');
    this.#token = token;
  }

  async #fetch(path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
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
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
      const code = problem.code && problem.code in errorStatus ? (problem.code as ErrorCode) : 'unavailable';
      throw new GridproofError(code, `${path}: ${response.status} ${problem.detail ?? response.statusText}`);
    }
    return response;
  }

  async text(path: string): Promise<string> {
    return (await this.#fetch(path)).text();
  }

  async json<T = unknown>(path: string, body?: unknown): Promise<T> {
    return (await (await this.#fetch(path, body)).json()) as T;
  }
}

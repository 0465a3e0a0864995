/**
 * A pg.Pool that survives the database going away. pg emits a client's
 * connection errors (FATAL 57P01 when the server shuts down, a reset
 * socket) as 'error' events; with no listener, Node throws them and the
 * process exits. Here every pool and client error is handled: an idle
 * client that fails is dropped by the pool, a client in use fails its
 * query, and a client whose query timed out or whose connection broke is
 * destroyed on release instead of being handed out again. When the server
 * is back, new connections are made on demand: nothing else restarts.
 *
 * Timeouts (config.ts): connecting, and each statement — on the server
 * (statement_timeout) and, in case the server never answers, on the client
 * (query_timeout, a little later), so a stalled database gives an error, not
 * a hang.
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import pg from 'pg';

export interface PoolOptions {
  url: string;
  max: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  types: pg.CustomTypesConfig;
  onError: (error: Error) => void;
}

/** SQLSTATE classes and codes that say the connection, not the statement, failed. */
const CONNECTION_SQLSTATE = /^(08|57P0[1-3]|53300)/;
const CONNECTION_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const CONNECTION_MESSAGE =
  /^(Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly)/;

/** True when an error says the database is unreachable, stalled or restarting (answer 503, try again). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) return true;
  // 57014: canceled by statement_timeout.
  if (code === '57014') return true;
  return CONNECTION_MESSAGE.test(error.message);
}

/**
 * SQLSTATEs of a transaction the server rolled back to resolve a conflict
 * with another (serialization_failure, deadlock_detected; PostgreSQL
 * Appendix A, class 40): nothing of it was written, the connection is sound,
 * and the same request may succeed when tried again.
 */
const ROLLED_BACK_SQLSTATE = new Set(['40001', '40P01']);

/** True when the server rolled the transaction back to break a conflict (answer 503, try again). */
export function isConflictRollback(error: unknown): boolean {
  return error instanceof Error && ROLLED_BACK_SQLSTATE.has((error as { code?: unknown }).code as string);
}

export class ResilientPool implements PostgresPool {
  readonly #pool: pg.Pool;

  constructor(options: PoolOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.max,
      types: options.types,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + 1000,
      keepAlive: true,
    });
    // Idle clients: the pool removes a failed one and emits it here.
    this.#pool.on('error', options.onError);
    // Clients in use: their query fails; the event itself must not go unheard.
    this.#pool.on('connect', (client) => client.on('error', options.onError));
  }

  /** The underlying pool, for multi-statement text (migrations). */
  get pg(): pg.Pool {
    return this.#pool;
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    return {
      query: (async (text: string, values: unknown[]) => {
        try {
          return await client.query(text, values);
        } catch (error) {
          if (isDatabaseUnavailable(error)) broken = error as Error;
          throw error;
        }
      }) as unknown as PostgresPoolClient['query'],
      // A broken or timed-out connection is closed, never reused.
      release: () => client.release(broken),
    };
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}

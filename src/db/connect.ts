/**
 * Opens the store: PostgreSQL through pg when a URL is given, otherwise
 * embedded PostgreSQL (PGlite) in a local folder (docs/design.md §9).
 * Same SQL, same migrations; kysely sees one PostgresDialect either way.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { lockDataDir } from '../data-dir-lock.ts';
import { PGlitePool } from './pglite-pool.ts';
import { ResilientPool } from './resilient-pool.ts';
import type { Database } from './schema.ts';

export type Backend = 'postgres' | 'pglite';

export interface Store {
  readonly db: Kysely<Database>;
  readonly backend: Backend;
  /** Runs SQL text with several statements (migrations), outside kysely. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

// OIDs from PostgreSQL's pg_type catalogue.
const INT8 = 20;
const DATE = 1082;

const toNumber = (text: string): number => Number(text);
const asText = (text: string): string => text;

export interface PostgresOptions {
  /** Connection attempts fail after this long (GRIDPROOF_DB_CONNECT_TIMEOUT). */
  connectTimeoutMs?: number;
  /** Each statement fails after this long (GRIDPROOF_DB_STATEMENT_TIMEOUT). */
  statementTimeoutMs?: number;
  /** Connection errors of idle or busy clients; the process carries on. */
  onError?: (error: Error) => void;
}

export const DEFAULT_DB_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_DB_STATEMENT_TIMEOUT_MS = 60_000;

const reportConnectionError = (error: Error): void => {
  process.stderr.write(`gridproof: database connection error (requests answer 503 until it is back): ${error.message}\n`);
};

export async function openPostgres(url: string, poolSize = 10, options: PostgresOptions = {}): Promise<Store> {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8) return toNumber;
      if (oid === DATE) return asText;
      return pg.types.getTypeParser(oid, format);
    }) as typeof pg.types.getTypeParser,
  };
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_DB_CONNECT_TIMEOUT_MS;
  const pool = new ResilientPool({
    url,
    max: poolSize,
    types,
    connectTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_DB_STATEMENT_TIMEOUT_MS,
    onError: options.onError ?? reportConnectionError,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    backend: 'postgres',
    // Migrations run on a connection of their own, without the statement
    // timeout: a backfill over a large log may take longer than any request.
    async exec(sql) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
      client.on('error', options.onError ?? reportConnectionError);
      await client.connect();
      try {
        await client.query(sql);
      } catch (error) {
        // A failed multi-statement text leaves its transaction open and aborted.
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        await client.end();
      }
    },
    close: () => db.destroy(),
  };
}

/** `dataDir` undefined: an in-memory database (tests). */
export async function openPGlite(dataDir: string | undefined): Promise<Store> {
  // 0700: the folder also holds the key files.
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // One options object: PGlite(undefined, options) ignores the options, so an
  // in-memory instance would silently keep the default parsers (DATE → Date).
  const lite = new PGlite({ ...(dataDir === undefined ? {} : { dataDir }), parsers: { [INT8]: toNumber, [DATE]: asText } });
  await lite.waitReady;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PGlitePool(lite) }) });
  return {
    db,
    backend: 'pglite',
    async exec(sql) {
      try {
        await lite.exec(sql);
      } catch (error) {
        await lite.exec('rollback');
        throw error;
      }
    },
    close: () => db.destroy(),
  };
}

/**
 * The embedded database is opened only under the data directory's lock, so
 * `serve`, `migrate` or anything else never has it open in two processes.
 */
export async function openStore(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  dbConnectTimeoutMs?: number;
  dbStatementTimeoutMs?: number;
}): Promise<Store> {
  if (options.databaseUrl) {
    return openPostgres(options.databaseUrl, 10, {
      ...(options.dbConnectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.dbConnectTimeoutMs }),
      ...(options.dbStatementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.dbStatementTimeoutMs }),
    });
  }
  const lock = await lockDataDir(options.dataDir);
  let store: Store;
  try {
    store = await openPGlite(`${options.dataDir}/pg`);
  } catch (error) {
    await lock.release();
    throw error;
  }
  return {
    ...store,
    async close() {
      await store.close();
      await lock.release();
    },
  };
}

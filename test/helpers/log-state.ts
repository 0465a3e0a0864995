/**
 * Shared assertions for the API and database tests: RFC 9457 problems, a
 * snapshot of everything the log holds, and per-device reading chains.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import { sql } from 'kysely';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { signNote, type Signer } from '../../src/crypto/note.ts';
import { canonicalJson } from '../../src/crypto/canonical-json.ts';
import { ENTRY_HEADER } from '../../src/domain/payloads.ts';
import type { Db } from '../../src/db/log.ts';
import { signReading } from './app.ts';

/** Hour `n` after 2024-01-01T00:00:00Z, as an RFC 3339 instant. */
export function hour(n: number): string {
  return new Date(Date.UTC(2024, 0, 1) + n * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function leafHashOf(note: string): string {
  return toBase64(hashLeaf(utf8(note)));
}

/** A tap test, as subtest callbacks receive it. */
export type Tap = Test;

/** The response is an RFC 9457 problem with this status and code. */
export function isProblem(t: Tap, response: LightMyRequestResponse, status: number, code: string, what = ''): void {
  const label = what ? `${what}: ` : '';
  t.equal(response.statusCode, status, `${label}status ${status} (${response.body.slice(0, 200)})`);
  t.match(response.headers['content-type'], /^application\/problem\+json/, `${label}problem+json`);
  const body = JSON.parse(response.body) as { code?: string; status?: number };
  t.equal(body.code, code, `${label}code ${code}`);
  t.equal(body.status, status, `${label}problem status member`);
}

export interface LogSnapshot {
  size: number;
  entries: Array<{ idx: number; leafHash: string; bytes: string }>;
  readings: number;
  checkpoints: number;
}

/** Everything accepted so far: entries (exact bytes by index), the head, readings and checkpoints. */
export async function logSnapshot(db: Db): Promise<LogSnapshot> {
  const head = await db.selectFrom('log_head').select('size').executeTakeFirstOrThrow();
  const rows = await db.selectFrom('entry').select(['idx', 'leaf_hash', 'bytes']).orderBy('idx').execute();
  const readings = await sql<{ n: number }>`select count(*)::int as n from reading`.execute(db);
  const checkpoints = await sql<{ n: number }>`select count(*)::int as n from checkpoint`.execute(db);
  return {
    size: head.size,
    entries: rows.map((row) => ({ idx: row.idx, leafHash: toBase64(row.leaf_hash), bytes: Buffer.from(row.bytes).toString('base64') })),
    readings: readings.rows[0]!.n,
    checkpoints: checkpoints.rows[0]!.n,
  };
}

/** Entry indexes in the table, in order, and the head's size. */
export async function entryIndexes(db: Db): Promise<{ indexes: number[]; size: number }> {
  const rows = await db.selectFrom('entry').select('idx').orderBy('idx').execute();
  const head = await db.selectFrom('log_head').select('size').executeTakeFirstOrThrow();
  return { indexes: rows.map((row) => row.idx), size: head.size };
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * A meter's reading chain: the next reading's seq and prev, one hour after
 * the previous one, starting at hour `firstHour`.
 */
export class Meter {
  readonly device: string;
  readonly signer: Signer;
  seq = 0;
  prev: string | undefined;
  hour: number;

  constructor(device: string, signer: Signer, firstHour = 0) {
    this.device = device;
    this.signer = signer;
    this.hour = firstHour;
  }

  /** The next reading, signed; fields may be overridden. Does not advance the chain. */
  next(fields: Record<string, unknown> = {}, signer: Signer = this.signer): string {
    return signReading(signer, {
      device: this.device,
      seq: this.seq,
      ...(this.prev === undefined ? {} : { prev: this.prev }),
      start: hour(this.hour),
      end: hour(this.hour + 1),
      importWh: '0',
      exportWh: '1000',
      ...fields,
    } as Parameters<typeof signReading>[1]);
  }

  /** Records `note` as accepted: the chain moves on. */
  accepted(note: string, hoursTaken = 1): void {
    this.seq += 1;
    this.prev = leafHashOf(note);
    this.hour += hoursTaken;
  }
}

/** Signs any payload line as an entry note, canonical or not: for malformed-entry tests. */
export function signPayloadLine(signer: Signer, line: string): string {
  return signNote(`${ENTRY_HEADER}\n${line}\n`, [signer]);
}

/** Signs any payload object (canonicalised) as an entry note, valid or not. */
export function signPayload(signer: Signer, payload: Record<string, unknown>): string {
  return signPayloadLine(signer, canonicalJson(payload));
}

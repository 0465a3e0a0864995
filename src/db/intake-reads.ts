/**
 * What the sequencer reads before it appends a group of readings
 * (docs/design.md §3), in one round trip: it locks the log head, then reads
 * which leaf hashes are logged already, the devices' chain heads and keys,
 * and the zones' last matched intervals (each part the same question
 * findLogged, chainHeads, deviceKeys and lastMatchedStarts ask). The read
 * runs after the lock, in a statement of its own inside the function of
 * migration 017, so its snapshot holds every append committed before the
 * lock was granted; migration 019 asks each zone's last matched interval
 * by index (gridproof_last_matched).
 */
import { sql } from 'kysely';
import type { DeviceKeyEntry } from '../domain/reading-rules.ts';
import type { Tx } from './log.ts';

export interface IntakeState {
  /** The log's size, under the head lock held until the transaction ends. */
  size: number;
  /** Index of each already-logged leaf hash (base64). */
  logged: Map<string, number>;
  heads: Array<{ device: string; seq: number; leafHash: string; endMs: number }>;
  keys: Map<string, DeviceKeyEntry[]>;
  /** Start (ms) of each zone's last matched interval. */
  lastMatched: Map<string, number>;
}

interface Parts {
  size: number;
  logged: Array<{ idx: number; leafHash: string }>;
  heads: Array<{ device: string; seq: number; leafHash: string; endMs: number }>;
  keys: Array<{ device: string; entryIdx: number; verifierKey: string; validFromMs: number; validUntilMs: number | null }>;
  matched: Array<{ zone: string; latestMs: number }>;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** Locks the log head (as lockLogHead does) and reads the intake state under it. */
export async function lockForIntake(tx: Tx, leafHashes: readonly Uint8Array[], deviceIds: readonly string[], zones: readonly string[]): Promise<IntakeState> {
  const { rows } = await sql<{ parts: Parts | string }>`
    select gridproof_lock_for_intake(${leafHashes.map(base64)}::text[], ${[...deviceIds]}::text[], ${[...new Set(zones)]}::text[]) as parts`.execute(tx);
  const parts = typeof rows[0]!.parts === 'string' ? (JSON.parse(rows[0]!.parts) as Parts) : rows[0]!.parts;
  const keys = new Map<string, DeviceKeyEntry[]>(deviceIds.map((id) => [id, []]));
  for (const key of parts.keys) {
    keys
      .get(key.device)!
      .push({ entryIdx: Number(key.entryIdx), verifierKey: key.verifierKey, validFromMs: key.validFromMs, validUntilMs: key.validUntilMs ?? undefined });
  }
  return {
    size: Number(parts.size),
    logged: new Map(parts.logged.map((row) => [row.leafHash, Number(row.idx)])),
    heads: parts.heads.map((head) => ({ ...head, seq: Number(head.seq) })),
    keys,
    lastMatched: new Map(parts.matched.map((row) => [row.zone, row.latestMs])),
  };
}

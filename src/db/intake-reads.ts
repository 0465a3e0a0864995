/**
 * What the sequencer reads under the head lock before it appends a group of
 * readings (docs/design.md §3), in one statement: which leaf hashes are
 * logged already, the devices' chain heads and keys, and the zones' last
 * matched intervals. One round trip instead of four; each part is the same
 * question findLogged, chainHeads, deviceKeys and lastMatchedStarts ask.
 * It must run after lockLogHead, in a statement of its own, so its snapshot
 * holds every append committed before the lock was granted.
 */
import { sql } from 'kysely';
import type { DeviceKeyEntry } from '../domain/reading-rules.ts';
import type { Tx } from './log.ts';

export interface IntakeState {
  /** Index of each already-logged leaf hash (base64). */
  logged: Map<string, number>;
  heads: Array<{ device: string; seq: number; leafHash: string; endMs: number }>;
  keys: Map<string, DeviceKeyEntry[]>;
  /** Start (ms) of each zone's last matched interval. */
  lastMatched: Map<string, number>;
}

interface Parts {
  logged: Array<{ idx: number; leafHash: string }>;
  heads: Array<{ device: string; seq: number; leafHash: string; endMs: number }>;
  keys: Array<{ device: string; entryIdx: number; verifierKey: string; validFromMs: number; validUntilMs: number | null }>;
  matched: Array<{ zone: string; latestMs: number }>;
}

const ms = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);

export async function readIntakeState(tx: Tx, leafHashes: readonly Uint8Array[], deviceIds: readonly string[], zones: readonly string[]): Promise<IntakeState> {
  const hashes = leafHashes.length === 0 ? sql`null::bytea` : sql.join(leafHashes.map((hash) => sql`${hash}`));
  const { rows } = await sql<{ parts: Parts }>`
    select json_build_object(
      'logged', (select coalesce(json_agg(json_build_object('idx', idx, 'leafHash', encode(leaf_hash, 'base64'))), '[]')
                   from entry where leaf_hash in (${hashes})),
      'heads', (select coalesce(json_agg(json_build_object('device', device_id, 'seq', seq, 'leafHash', encode(leaf_hash, 'base64'), 'endMs', ${ms('end_at')})), '[]')
                  from device_chain where device_id = any(${[...deviceIds]}::text[])),
      'keys', (select coalesce(json_agg(json_build_object('device', device_id, 'entryIdx', entry_idx, 'verifierKey', verifier_key,
                                                          'validFromMs', ${ms('valid_from')}, 'validUntilMs', ${ms('valid_until')}) order by entry_idx), '[]')
                 from key_entry where device_id = any(${[...deviceIds]}::text[])),
      'matched', (select coalesce(json_agg(json_build_object('zone', zone, 'latestMs', ${ms('latest')})), '[]')
                    from (select zone, max(start_at) as latest from matched_interval where zone = any(${[...new Set(zones)]}::text[]) group by zone) m)
    ) as parts`.execute(tx);
  const parts = typeof rows[0]!.parts === 'string' ? (JSON.parse(rows[0]!.parts) as Parts) : rows[0]!.parts;
  const keys = new Map<string, DeviceKeyEntry[]>(deviceIds.map((id) => [id, []]));
  for (const key of parts.keys) {
    keys
      .get(key.device)!
      .push({ entryIdx: Number(key.entryIdx), verifierKey: key.verifierKey, validFromMs: key.validFromMs, validUntilMs: key.validUntilMs ?? undefined });
  }
  return {
    logged: new Map(parts.logged.map((row) => [row.leafHash, Number(row.idx)])),
    heads: parts.heads.map((head) => ({ ...head, seq: Number(head.seq) })),
    keys,
    lastMatched: new Map(parts.matched.map((row) => [row.zone, row.latestMs])),
  };
}

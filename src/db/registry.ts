/**
 * Participants, credentials, devices, keys, zones and contracts: projections
 * of registry entries, written in the transaction that appends the entry.
 */
import type { DeviceKeyEntry } from '../domain/reading-rules.ts';
import type { Db, Tx } from './log.ts';
import type { Database } from './schema.ts';

type Row<T extends keyof Database> = Database[T];

export async function insertParticipant(tx: Tx, row: Row<'participant'>): Promise<void> {
  await tx.insertInto('participant').values(row).execute();
}

export async function findParticipant(db: Db | Tx, id: string): Promise<Row<'participant'> | undefined> {
  return db.selectFrom('participant').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertCredential(tx: Tx | Db, tokenHash: Uint8Array, participantId: string): Promise<void> {
  await tx
    .insertInto('credential')
    .values({ token_hash: tokenHash, participant_id: participantId })
    .onConflict((c) => c.doNothing())
    .execute();
}

/** The participant's tokens become exactly this one (credentials are secrets, not log facts: they may change). */
export async function replaceCredentials(tx: Tx, participantId: string, tokenHash: Uint8Array): Promise<void> {
  await tx.deleteFrom('credential').where('participant_id', '=', participantId).where('token_hash', '!=', tokenHash).execute();
  await insertCredential(tx, tokenHash, participantId);
}

export async function hasCredential(db: Db | Tx, participantId: string): Promise<boolean> {
  const row = await db.selectFrom('credential').select('participant_id').where('participant_id', '=', participantId).executeTakeFirst();
  return row !== undefined;
}

/** The participant a bearer token's hash belongs to. */
export async function findByTokenHash(db: Db, tokenHash: Uint8Array): Promise<Row<'participant'> | undefined> {
  return db
    .selectFrom('credential')
    .innerJoin('participant', 'participant.id', 'credential.participant_id')
    .selectAll('participant')
    .where('credential.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function insertDevice(tx: Tx, row: Row<'device'>): Promise<void> {
  await tx.insertInto('device').values(row).execute();
}

export async function findDevice(db: Db | Tx, id: string): Promise<Row<'device'> | undefined> {
  return db.selectFrom('device').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The devices of `ids` that exist, in one query (the intake's first sight of many meters). */
export async function findDevices(db: Db | Tx, ids: readonly string[]): Promise<Array<Row<'device'>>> {
  if (ids.length === 0) return [];
  return db.selectFrom('device').selectAll().where('id', 'in', ids).execute();
}

export async function insertKeyEntry(tx: Tx, row: Row<'key_entry'>): Promise<void> {
  await tx.insertInto('key_entry').values(row).execute();
}

/** A device key entry as the reading rules take it, with the stored verdict of its strict key check, if any. */
export type LoadedDeviceKey = DeviceKeyEntry & { pointOk: boolean | undefined };

/** Each device's key entries, in log order, as the reading rules take them. */
export async function deviceKeys(db: Db | Tx, deviceIds: readonly string[]): Promise<Map<string, LoadedDeviceKey[]>> {
  const byDevice = new Map<string, LoadedDeviceKey[]>(deviceIds.map((id) => [id, []]));
  if (deviceIds.length === 0) return byDevice;
  const rows = await db
    .selectFrom('key_entry')
    .leftJoin('key_point_check', 'key_point_check.entry_idx', 'key_entry.entry_idx')
    .select(['key_entry.entry_idx', 'key_entry.device_id', 'key_entry.verifier_key', 'key_entry.valid_from', 'key_entry.valid_until', 'key_point_check.passed'])
    .where('key_entry.device_id', 'in', deviceIds)
    .orderBy('key_entry.entry_idx')
    .execute();
  for (const row of rows) {
    byDevice.get(row.device_id!)!.push({
      entryIdx: row.entry_idx,
      verifierKey: row.verifier_key,
      validFromMs: row.valid_from.getTime(),
      validUntilMs: row.valid_until?.getTime(),
      pointOk: row.passed ?? undefined,
    });
  }
  return byDevice;
}

/**
 * Stores verdicts of the strict key check; a verdict already stored is kept
 * (it is the same: the check is a pure function of the key). Rows go in in
 * index order, so two writers of overlapping verdicts wait for each other
 * instead of deadlocking.
 */
export async function recordKeyPointChecks(db: Db | Tx, verdicts: ReadonlyArray<Database['key_point_check']>): Promise<void> {
  if (verdicts.length === 0) return;
  await db
    .insertInto('key_point_check')
    .values([...verdicts].sort((a, b) => a.entry_idx - b.entry_idx))
    .onConflict((conflict) => conflict.column('entry_idx').doNothing())
    .execute();
}

/**
 * The operator key in force: the latest operator key entry (docs/design.md
 * §2.2). One probe of the partial index of migration 016, cheap enough for
 * every operator append to ask under the head lock.
 */
export async function operatorKeyInForce(db: Db | Tx): Promise<{ entryIdx: number; verifierKey: string } | undefined> {
  const row = await db
    .selectFrom('key_entry')
    .select(['entry_idx', 'verifier_key'])
    .where('subject_type', '=', 'operator')
    .orderBy('entry_idx', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { entryIdx: row.entry_idx, verifierKey: row.verifier_key };
}

/** SQLSTATE of migration 016's refusal: an operator entry not signed by the operator key in force. */
export function isRetiredKeyRefusal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'GP007';
}

export async function operatorKeyEntries(db: Db | Tx): Promise<Array<Row<'key_entry'>>> {
  return db.selectFrom('key_entry').selectAll().where('subject_type', '=', 'operator').orderBy('entry_idx').execute();
}

export async function insertZone(tx: Tx, row: Row<'zone'>): Promise<void> {
  await tx.insertInto('zone').values(row).execute();
}

export async function insertContract(tx: Tx, row: Row<'contract'>): Promise<void> {
  await tx.insertInto('contract').values(row).execute();
}

export async function findContract(db: Db | Tx, id: string): Promise<Row<'contract'> | undefined> {
  return db.selectFrom('contract').selectAll().where('id', '=', id).executeTakeFirst();
}

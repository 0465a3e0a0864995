import type { Db } from './log.ts';

/**
 * The participant an entry belongs to, for access rules: a reading's device
 * owner, a participant's own entry, a claim's tenant. Other entries belong to
 * the operator.
 */
export async function entryOwner(db: Db, idx: number): Promise<string | undefined> {
  const reading = await db
    .selectFrom('reading')
    .innerJoin('device', 'device.id', 'reading.device_id')
    .select('device.owner')
    .where('reading.entry_idx', '=', idx)
    .executeTakeFirst();
  if (reading) return reading.owner;
  const participant = await db.selectFrom('participant').select('id').where('entry_idx', '=', idx).executeTakeFirst();
  if (participant) return participant.id;
  const claim = await db.selectFrom('claim').select('tenant_id').where('entry_idx', '=', idx).executeTakeFirst();
  return claim?.tenant_id;
}

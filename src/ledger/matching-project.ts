/**
 * The projections of appended settlement entries: the settlement row with its
 * allocations, its settled sources, storage charges and draws. The database
 * checks them as they go in (migrations/008).
 */
import type { Tx } from '../db/log.ts';
import { insertDraws, insertSettledSources, insertSettlements, insertStorageCharges } from '../db/matching.ts';
import type { StorageSpec } from '../domain/matching.ts';
import type { Appended } from './append.ts';
import { settlementRows, type IndexOf } from './matching-rows.ts';

export async function projectSettlements(
  tx: Tx,
  appended: readonly Appended[],
  late: boolean,
  indexOf: IndexOf,
  storageByReading: ReadonlyMap<string, StorageSpec>,
): Promise<void> {
  const rows = appended.map((entry) => settlementRows(entry, late, indexOf, storageByReading));
  await insertSettlements(tx, rows.map((r) => r.settlement));
  await insertSettledSources(tx, rows.flatMap((r) => r.sources));
  await insertStorageCharges(tx, rows.flatMap((r) => r.charges));
  await insertDraws(tx, rows.flatMap((r) => r.draws));
}

/**
 * The projections of appended settlement entries: the settlement row with its
 * allocations, its settled sources, storage charges and draws. The database
 * checks them as they go in (migrations/008).
 */
import type { Tx } from '../../db/log.ts';
import { insertDraws, insertSettledSources, insertSettlements, insertStorageCharges } from '../../db/matching.ts';
import { settlementRows, type IndexOf, type SettlementProjection } from '../../db/matching-rows.ts';

/** `settlements` gives the index of each settlement a draw names. */
export async function projectSettlements(
  tx: Tx,
  appended: ReadonlyArray<{ projection: SettlementProjection; idx: number }>,
  late: boolean,
  settlements: IndexOf,
): Promise<void> {
  const rows = appended.map(({ projection, idx }) => settlementRows(projection, idx, late, settlements));
  await insertSettlements(
    tx,
    rows.map((r) => r.settlement),
  );
  await insertSettledSources(
    tx,
    rows.flatMap((r) => r.sources),
  );
  await insertStorageCharges(
    tx,
    rows.flatMap((r) => r.charges),
  );
  await insertDraws(
    tx,
    rows.flatMap((r) => r.draws),
  );
}

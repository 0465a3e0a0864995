/**
 * Each zone's matching frontier: the start of its last matched interval, at
 * or before which a reading is late and never matched (docs/design.md §5).
 * Asked through migration 019's gridproof_last_matched, the one spelling of
 * the question, answered by the (zone, start_at) index.
 */
import { sql } from 'kysely';
import type { Db, Tx } from './log.ts';

/**
 * Queries over readings with `frontier` beside them: each zone of the
 * registry and its frontier (null: never matched). Materialized, so the
 * frontier is asked once per zone and joined to each reading's device; inlined,
 * it was planned as a subplan run for every reading.
 */
export function withZoneFrontier(db: Db | Tx) {
  return db.with(
    (cte) => cte('frontier').materialized(),
    (qb) =>
      qb
        .selectFrom((zones) => zones.selectFrom('device').select('bidding_zone as zone').distinct().as('z'))
        .select(['z.zone', sql<Date | null>`gridproof_last_matched(z.zone)`.as('latest')]),
  );
}

/**
 * The earliest of the registry's zones' frontiers, or null when some zone
 * was never matched: no reading at or before it is pending in any zone. As a
 * constant in a query over readings it lets the planner read only the
 * readings after it by their start (reading_interval), not every reading of
 * the log's history.
 */
export async function earliestFrontier(db: Db | Tx): Promise<Date | null> {
  const row = await withZoneFrontier(db)
    .selectFrom('frontier')
    .select([sql<boolean | null>`bool_or(frontier.latest is null)`.as('unmatched'), sql<Date | null>`min(frontier.latest)`.as('earliest')])
    .executeTakeFirstOrThrow();
  return row.unmatched !== false || row.earliest === null ? null : new Date(row.earliest);
}

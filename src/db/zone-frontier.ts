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

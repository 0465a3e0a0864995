/**
 * A zone's last matched interval (docs/design.md §5: a reading at or before
 * it is late) has one spelling, gridproof_last_matched (migration 019), which
 * the group commit's lock, matching and the tenant's view all ask. It gives
 * each zone's own latest start, nothing for a zone never matched, and it is
 * answered by the (zone, start_at) index: read from every matched interval,
 * it cost each group commit of readings more with every year the log aged.
 */
import { sql } from 'kysely';
import t from 'tap';
import { lockForIntake } from '../../src/db/intake-reads.ts';
import { lastMatchedStarts } from '../../src/db/matching.ts';
import { earliestFrontier } from '../../src/db/zone-frontier.ts';
import { addDevice, addParticipant, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';

const HOUR_MS = 3_600_000;
/** Three years of hours in one zone, half a year in another that lags behind: what an aged log holds. */
const HISTORY = [
  { zone: 'DE-LU', from: Date.UTC(2016, 0, 1), hours: 3 * 8760 },
  { zone: 'FR', from: Date.UTC(2018, 0, 1), hours: 4380 },
] as const;

/** Every plan node of an EXPLAIN (FORMAT JSON) answer, depth first. */
function planNodes(plan: Record<string, unknown>): Array<Record<string, unknown>> {
  const children = (plan['Plans'] as Array<Record<string, unknown>> | undefined) ?? [];
  return [plan, ...children.flatMap(planNodes)];
}

for (const backend of await testBackends()) {
  t.test(`${backend}: each zone's last matched interval, by index`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { db } = env.ledger;
    for (const { zone, from, hours } of HISTORY) {
      await sql`insert into matched_interval (start_at, zone)
                select ${new Date(from).toISOString()}::timestamptz + make_interval(hours => g), ${zone}
                  from generate_series(0, ${hours - 1}) as g`.execute(db);
    }
    await sql`analyze matched_interval`.execute(db);
    const expected = new Map(HISTORY.map(({ zone, from, hours }) => [zone, from + (hours - 1) * HOUR_MS]));

    const asked = await lastMatchedStarts(db, ['DE-LU', 'FR', 'NO-1', 'DE-LU']);
    t.same([...asked].sort(), [...expected].sort(), "each zone's own latest start; a zone never matched has none");

    const locked = await db.transaction().execute((tx) => lockForIntake(tx, [], [], ['FR', 'NO-1', 'DE-LU']));
    t.same([...locked.lastMatched].sort(), [...expected].sort(), "the group commit's lock reads the same starts");

    // The lower bound of a matching pass's scan: the earliest frontier of the
    // registry's zones, none while some zone with devices was never matched.
    t.equal(await earliestFrontier(db), null, 'no devices: no bound');
    const owner = await addParticipant(env.app, 'generator', 'gen-frontier');
    await addDevice(env.app, { id: 'de-wind', owner: owner.id, type: 'wind', biddingZone: 'DE-LU' });
    await addDevice(env.app, { id: 'fr-wind', owner: owner.id, type: 'wind', biddingZone: 'FR' });
    t.same(await earliestFrontier(db), new Date(expected.get('FR')!), "the lagging zone's, the earlier of the two");
    await addDevice(env.app, { id: 'no-wind', owner: owner.id, type: 'wind', biddingZone: 'NO-1' });
    t.equal(await earliestFrontier(db), null, 'a zone never matched: no bound, all its readings may be pending');

    // A SQL function whose body reads a table is not inlined into its caller,
    // so its plan is the plan of its body: EXPLAIN the body as stored.
    const body = await sql<{ prosrc: string }>`select prosrc from pg_proc where proname = 'gridproof_last_matched'`.execute(db);
    t.equal(body.rows.length, 1, 'one function asks it');
    const query = body.rows[0]!.prosrc.replace('$1', "'DE-LU'");
    const { rows } = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) ${sql.raw(query)}`.execute(db);
    const cell = rows[0]!['QUERY PLAN'];
    const plan = (typeof cell === 'string' ? JSON.parse(cell) : cell) as Array<{ Plan: Record<string, unknown> }>;
    const reads = planNodes(plan[0]!.Plan).filter((node) => node['Relation Name'] === 'matched_interval');
    t.ok(reads.length > 0, 'the plan reads matched_interval');
    t.same(
      reads.map((node) => [node['Node Type'], node['Index Name'], node['Scan Direction']]),
      reads.map(() => ['Index Only Scan', 'matched_interval_by_zone', 'Backward']),
      `read from the (zone, start_at) index, not all ${HISTORY.reduce((sum, { hours }) => sum + hours, 0)} rows (${JSON.stringify(reads.map((node) => node['Node Type']))})`,
    );
  });
}

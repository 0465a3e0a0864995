/**
 * The late-supply pass's reads and its watermark (docs/design.md §5, migration
 * 020): supply readings at or before their zone's last matched interval with
 * no settlement, read from the watermark on, and the watermark itself.
 */
import { sql } from 'kysely';
import type { Db, Tx } from './log.ts';
import { withZoneFrontier } from './zone-frontier.ts';

export interface LateSupplyRow {
  entry_idx: number;
  leaf_hash: Uint8Array;
  start_at: Date;
  end_at: Date;
  zone: string;
  export_wh: number;
}

/** What a late-supply pass reads from the watermark on. */
export interface LateSupplyScan {
  /** Supply readings at or before their zone's last matched interval with no settlement: they arrived late, and are never matched. In log order. */
  late: LateSupplyRow[];
  /** The first unsettled supply reading whose interval is after its zone's last matched one, or whose zone was never matched: not due yet. */
  firstUndue: number | undefined;
}

/**
 * The late-supply pass's one read (migration 020): the unsettled supply
 * readings from index `watermark` on, a range over reading's primary key, each
 * marked due or not by its zone's frontier. Every due one, and the first that
 * is not. The leaf hash is the reading's copy (migration 011), not the entry's.
 */
export function lateSupplyQuery(db: Db | Tx, watermark: number) {
  return withZoneFrontier(db)
    .with(
      (cte) => cte('supply').materialized(),
      (qb) =>
        qb
          .selectFrom('reading')
          .innerJoin('device', 'device.id', 'reading.device_id')
          .innerJoin('frontier', 'frontier.zone', 'device.bidding_zone')
          .leftJoin('settled_source', 'settled_source.source_idx', 'reading.entry_idx')
          .select([
            'reading.entry_idx',
            'reading.leaf_hash',
            'reading.start_at',
            'reading.end_at',
            'device.bidding_zone as zone',
            'reading.export_wh',
            sql<boolean>`coalesce(reading.start_at <= frontier.latest, false)`.as('due'),
          ])
          .where('reading.entry_idx', '>=', watermark)
          .where('device.type', 'in', ['wind', 'solar', 'storage'])
          .where('reading.export_wh', '>', 0)
          .where('settled_source.source_idx', 'is', null),
    )
    .selectFrom('supply')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('supply.due', '=', true),
        eb(
          'supply.entry_idx',
          '=',
          eb
            .selectFrom('supply as undue')
            .select((min) => min.fn.min('undue.entry_idx').as('first'))
            .where('undue.due', '=', false),
        ),
      ]),
    )
    .orderBy('supply.entry_idx');
}

export async function scanLateSupply(tx: Tx, watermark: number): Promise<LateSupplyScan> {
  const rows = await lateSupplyQuery(tx, watermark).execute();
  const late: LateSupplyRow[] = [];
  let firstUndue: number | undefined;
  for (const { due, ...row } of rows) {
    if (due) late.push(row);
    else firstUndue = row.entry_idx;
  }
  return { late, firstUndue };
}

/** The late-supply pass's watermark (migration 020): every due supply reading below it is settled. */
export async function lateSupplyWatermark(tx: Tx): Promise<number> {
  const row = await tx.selectFrom('late_supply_pass').select('watermark').executeTakeFirstOrThrow();
  return Number(row.watermark);
}

/** Moves the watermark to `to`; the database refuses a lower one (GP008). */
export async function setLateSupplyWatermark(tx: Tx, to: number): Promise<void> {
  await tx.updateTable('late_supply_pass').set({ watermark: to }).where('watermark', '<>', to).execute();
}

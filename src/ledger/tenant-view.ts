/**
 * The tenant view (docs/design.md §5): per interval the consumption, the matched
 * energy by source, totals, CFE score and the emissions of the unmatched part.
 * Figures come from the pure tenantFigures, the same function the bundle
 * verifier recomputes a statement with.
 */
import { toBase64 } from '../crypto/base64.ts';
import { findParticipant } from '../db/registry.ts';
import { allocationsTo, tenantConsumption, zoneFactors, type AllocationToRow, type ConsumptionRow } from '../db/tenants.ts';
import type { DeviceType } from '../domain/payloads.ts';
import { tenantFigures, type FigureAllocation, type IntervalFigure, type TenantFigures } from '../domain/tenant-figures.ts';
import { formatInstant, MAX_PERIOD_MS } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import type { Ledger } from './ledger.ts';

export async function requireTenant(ledger: Ledger, tenantId: string): Promise<void> {
  const participant = await findParticipant(ledger.db, tenantId);
  if (!participant || participant.role !== 'tenant') throw new GridproofError('unknown-participant', `no tenant ${tenantId}`);
}

export interface TenantPeriod {
  readings: ConsumptionRow[];
  allocations: AllocationToRow[];
  figures: TenantFigures;
}

/** The tenant's readings in [from, to), the allocations to them and the figures computed from both. */
export async function tenantPeriod(ledger: Ledger, tenantId: string, from: Date, to: Date): Promise<TenantPeriod> {
  if (!(to > from)) throw new GridproofError('bad-period', 'the period must end after it starts');
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS) throw new GridproofError('bad-period', 'a period covers at most 366 days');
  await requireTenant(ledger, tenantId);
  // One snapshot: a reading and its allocations logged between two reads would otherwise be an allocation to no reading.
  const { readings, allocations, factors } = await ledger.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (tx) => ({
      readings: await tenantConsumption(tx, tenantId, from, to),
      allocations: await allocationsTo(tx, tenantId, from, to),
      factors: await zoneFactors(tx),
    }));
  const figureReadings = readings.map((r) => ({
    leafHash: toBase64(r.leaf_hash),
    start: formatInstant(r.start_at),
    end: formatInstant(r.end_at),
    zone: r.zone,
    importWh: BigInt(r.import_wh),
  }));
  const sinkHash = new Map(readings.map((r, i) => [r.entry_idx, figureReadings[i]!.leafHash]));
  const figures = tenantFigures({
    readings: figureReadings,
    // Built field by field, not spread: a month holds thousands.
    allocations: allocations.map((a): FigureAllocation => {
      const sink = sinkHash.get(a.sink_idx)!;
      const type = a.source_type as DeviceType;
      return a.technology === null
        ? { sink, wh: BigInt(a.wh), device: a.source_device, type }
        : { sink, wh: BigInt(a.wh), device: a.source_device, type, technology: a.technology };
    }),
    factors: factors.map((z) => ({
      zone: z.zone,
      gCO2PerKWh: z.g_co2_per_kwh,
      validFrom: formatInstant(z.valid_from),
      index: z.entry_idx,
    })),
  });
  return { readings, allocations, figures };
}

/**
 * An interval as the tenant view lists it: its figures and whether matching
 * has settled it. Not part of the figures a bundle states: a statement is
 * what its entries prove, and the zone's matching progress is not an entry.
 */
export type IntervalView = IntervalFigure & {
  /** Every reading of the interval is past its zone's matching (ConsumptionRow.zone_matched): matchedWh and bySource are final. */
  settled: boolean;
};

export type TenantView = Omit<TenantFigures, 'intervals'> & { intervals: IntervalView[] };

export async function tenantMatching(ledger: Ledger, tenantId: string, from: Date, to: Date): Promise<TenantView> {
  const { readings, figures } = await tenantPeriod(ledger, tenantId, from, to);
  // Before its zone's matching an interval's matched 0 Wh is no figure yet (docs/api.md); with meters in two
  // zones, an interval waits for both.
  const open = new Set<string>();
  for (const r of readings) if (!r.zone_matched) open.add(`${formatInstant(r.start_at)}/${formatInstant(r.end_at)}`);
  return {
    ...figures,
    // Built field by field, not spread: a year's view lists 8,784 intervals.
    intervals: figures.intervals.map(({ start, end, consumedWh, matchedWh, cfeScore, bySource }) => ({
      start,
      end,
      consumedWh,
      matchedWh,
      cfeScore,
      settled: !open.has(`${start}/${end}`),
      bySource,
    })),
  };
}

/** The same figures as CSV, one row per interval and source, for spreadsheets. */
export function figuresCsv(figures: TenantFigures): string {
  const rows = ['start,end,consumed_wh,matched_wh,cfe_score,source_device,source_type,technology,source_wh'];
  for (const interval of figures.intervals) {
    const head = `${interval.start},${interval.end},${interval.consumedWh},${interval.matchedWh},${interval.cfeScore}`;
    if (interval.bySource.length === 0) rows.push(`${head},,,,`);
    for (const source of interval.bySource) rows.push(`${head},${source.device},${source.type},${source.technology ?? ''},${source.wh}`);
  }
  return `${rows.join('\n')}\n`;
}

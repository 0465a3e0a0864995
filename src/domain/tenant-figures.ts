/**
 * A tenant's figures over a period (docs/design.md §5, tenant figures, and
 * the bundle statement): consumed and matched Wh by interval and by source,
 * the CFE score, and the emissions of the unmatched part at the zone's grid
 * factor. One function for the server's tenant view, the bundle builder and
 * the offline verifier, so a statement recomputed from a bundle's entries is
 * the same, byte for byte: every list comes out sorted, whatever the input order.
 */
import { GridproofError } from '../errors.ts';
import { compareText } from './compare.ts';
import type { DeviceType, HashB64, Instant, WhString } from './payloads.ts';

export interface FigureReading {
  leafHash: HashB64;
  start: Instant;
  end: Instant;
  zone: string;
  importWh: bigint;
}

export interface FigureAllocation {
  /** Leaf hash of the tenant's consumption reading. */
  sink: HashB64;
  wh: bigint;
  /** The source reading's device, its type and EECS technology code (EN 16325), which storage may lack. */
  device: string;
  type: DeviceType;
  technology?: string;
}

/** A `zone` entry; `index` is its log index, which breaks ties between equal validFrom. */
export interface GridFactor {
  zone: string;
  gCO2PerKWh: number;
  validFrom: Instant;
  index: number;
}

export interface SourceFigure {
  device: string;
  type: DeviceType;
  /** Absent when the device declares none. */
  technology?: string;
  wh: WhString;
}

export interface IntervalFigure {
  start: Instant;
  end: Instant;
  consumedWh: WhString;
  matchedWh: WhString;
  cfeScore: number;
  bySource: SourceFigure[];
}

/**
 * Why a figure is absent. The matching never depends on a grid factor; only
 * the emissions of the unmatched part do, so without one that figure is null
 * and a warning says why instead of the whole view failing.
 */
export interface FigureWarning {
  code: 'no-grid-factor';
  detail: string;
}

export interface TenantFigures {
  intervals: IntervalFigure[];
  /** Null when some unmatched Wh has no grid factor logged for its zone and hour (see warnings). */
  totals: { consumedWh: WhString; matchedWh: WhString; cfeScore: number; unmatchedEmissionsG: WhString | null };
  /** Present only when a figure is absent; one per zone without a factor. */
  warnings?: FigureWarning[];
}

export interface TenantFiguresInput {
  /** The tenant's consumption readings in the period, late ones included (consumed, unmatched). */
  readings: readonly FigureReading[];
  /** The allocations to those readings. */
  allocations: readonly FigureAllocation[];
  factors: readonly GridFactor[];
}

function refuse(detail: string): never {
  throw new GridproofError('bad-request', detail);
}

/**
 * Σ matched / Σ consumed, a number in [0, 1] rounded half up to 6 decimals
 * from the exact Wh; 0 when nothing was consumed. Rounded so the figure has
 * one decimal spelling: a full double such as 0.30000000000000004 has twins
 * that parse to the same number, and a bundle's statement must not be
 * alterable without changing its value.
 */
export function cfeScore(matched: bigint, consumed: bigint): number {
  if (consumed <= 0n) return 0;
  return Number((matched * 2_000_000n + consumed) / (2n * consumed)) / 1_000_000;
}

/**
 * The grid factor valid at `at`: the zone entry with the latest validFrom ≤ at;
 * of two with the same validFrom the later logged wins, since the log is
 * append-only and a correction can only be a later entry. Null when no zone
 * entry covers `at`: a factor is optional, and only emissions need one.
 */
export function gridFactorAt(factors: readonly GridFactor[], zone: string, at: Instant): number | null {
  let best: GridFactor | undefined;
  for (const f of factors) {
    if (f.zone !== zone || compareText(f.validFrom, at) > 0) continue;
    if (best === undefined || compareText(f.validFrom, best.validFrom) > 0 || (f.validFrom === best.validFrom && f.index > best.index)) best = f;
  }
  if (best === undefined) return null;
  if (!Number.isSafeInteger(best.gCO2PerKWh) || best.gCO2PerKWh < 0) refuse(`zone entry ${best.index}: gCO2PerKWh must be a non-negative integer`);
  return best.gCO2PerKWh;
}

/** A source's Wh within one interval, summed as it is read. */
interface SourceSum {
  device: string;
  type: DeviceType;
  technology: string | undefined;
  wh: bigint;
}

/**
 * Code-unit order of (device, type, technology), a device without technology
 * after one with: the order of their JSON arrays, which ids and codes
 * (schemas/common.json) keep free of characters that sort before a quote.
 */
function compareSources(a: SourceSum, b: SourceSum): number {
  if (a.device !== b.device) return compareText(a.device, b.device);
  if (a.type !== b.type) return compareText(a.type, b.type);
  if (a.technology === b.technology) return 0;
  if (a.technology === undefined) return 1;
  return b.technology === undefined ? -1 : compareText(a.technology, b.technology);
}

/** Built field by field: an object spread here was most of a month view's figure time. */
function sourceFigure({ device, type, technology, wh }: SourceSum): SourceFigure {
  return technology === undefined ? { device, type, wh: String(wh) } : { device, type, technology, wh: String(wh) };
}

/**
 * Figures by interval (sorted by start, then end) and totals. Emissions count
 * only the unmatched part, each reading at its own zone's factor, so a factor
 * is needed only where something went unmatched.
 */
export function tenantFigures(input: TenantFiguresInput): TenantFigures {
  const toReading = new Map<HashB64, FigureAllocation[]>(input.readings.map((r) => [r.leafHash, []]));
  if (toReading.size !== input.readings.length) refuse('duplicate reading');
  for (const a of input.allocations) {
    (toReading.get(a.sink) ?? refuse(`allocation to ${a.sink}, which is not one of the tenant's readings`)).push(a);
  }

  const byInterval = new Map<string, { start: Instant; end: Instant; readings: FigureReading[] }>();
  for (const r of input.readings) {
    const key = `${r.start}/${r.end}`;
    const group = byInterval.get(key);
    if (group === undefined) byInterval.set(key, { start: r.start, end: r.end, readings: [r] });
    else group.readings.push(r);
  }

  let consumedTotal = 0n;
  let matchedTotal = 0n;
  // Wh × g/kWh summed exactly, divided by 1000 once at the end, so rounding happens once.
  let emissionsMilli = 0n;
  // Per zone, the first hour with unmatched Wh and no factor: the warning's detail.
  const noFactor = new Map<string, Instant>();
  const intervals: IntervalFigure[] = [];
  for (const { start, end, readings } of byInterval.values()) {
    let consumed = 0n;
    let matchedWh = 0n;
    // Keyed by device, type and technology joined with NUL, which no id or code holds.
    const bySource = new Map<string, SourceSum>();
    for (const r of readings) {
      let m = 0n;
      for (const { device, type, technology, wh } of toReading.get(r.leafHash) ?? []) {
        m += wh;
        const key = technology === undefined ? `${device}\0${type}` : `${device}\0${type}\0${technology}`;
        const figure = bySource.get(key);
        if (figure !== undefined) figure.wh += wh;
        else bySource.set(key, { device, type, technology, wh });
      }
      if (m > r.importWh) refuse(`reading ${r.leafHash}: matched beyond its import`);
      consumed += r.importWh;
      matchedWh += m;
      if (m < r.importWh) {
        const factor = gridFactorAt(input.factors, r.zone, r.start);
        if (factor !== null) emissionsMilli += (r.importWh - m) * BigInt(factor);
        else {
          const first = noFactor.get(r.zone);
          if (first === undefined || compareText(r.start, first) < 0) noFactor.set(r.zone, r.start);
        }
      }
    }
    consumedTotal += consumed;
    matchedTotal += matchedWh;
    intervals.push({
      start,
      end,
      consumedWh: String(consumed),
      matchedWh: String(matchedWh),
      cfeScore: cfeScore(matchedWh, consumed),
      bySource: [...bySource.values()].sort(compareSources).map(sourceFigure),
    });
  }
  intervals.sort((a, b) => compareText(a.start, b.start) || compareText(a.end, b.end));

  const totals = {
    consumedWh: String(consumedTotal),
    matchedWh: String(matchedTotal),
    cfeScore: cfeScore(matchedTotal, consumedTotal),
    unmatchedEmissionsG: noFactor.size === 0 ? String(emissionsMilli / 1000n) : null,
  };
  if (noFactor.size === 0) return { intervals, totals };
  const warnings = [...noFactor]
    .sort(([a], [b]) => compareText(a, b))
    .map(([zone, at]): FigureWarning => ({
      code: 'no-grid-factor',
      detail: `no zone entry gives a grid factor for ${zone} at ${at}: unmatched emissions are unknown`,
    }));
  return { intervals, totals, warnings };
}

/**
 * Step 8: the statement, recomputed from the entries with the same function
 * the server uses (tenant-figures.ts) and compared figure by figure.
 *
 * The CFE scores are rounded to 6 decimals by tenant-figures.ts, so the
 * tenant view, the builder's statement and the recomputation agree.
 */
import { canonicalJson } from '../../crypto/canonical-json.ts';
import { isGridproofError } from '../../errors.ts';
import { compareText } from '../compare.ts';
import { aOrAn } from '../count.ts';
import type { Instant, WhString } from '../payloads.ts';
import { cfeScore, tenantFigures, type FigureAllocation, type FigureReading, type TenantFigures } from '../tenant-figures.ts';
import { readingOf, type BundleIndex } from './bundle-index.ts';
import type { Statement, StatementClaim, StatementInterval } from './bundle-types.ts';
import type { Reasons } from './reasons.ts';
import type { Scope } from './scope.ts';

/** The CFE score of decimal-string Wh, the tenant view's own rounding (tenant-figures.ts cfeScore). */
export function scoreOf(matchedWh: WhString | bigint, consumedWh: WhString | bigint): number {
  return cfeScore(BigInt(matchedWh), BigInt(consumedWh));
}

export interface StatementInput {
  tenant: string;
  period: { start: Instant; end: Instant };
  figures: TenantFigures;
  /** Only for a claim's bundle. */
  claim?: StatementClaim;
}

/** The bundle statement for tenantFigures' output: the builder's and the verifier's one mapping. */
export function statementFromFigures({ tenant, period, figures, claim }: StatementInput): Statement {
  const { totals } = figures;
  const intervals: StatementInterval[] = figures.intervals.map((i) => ({
    start: i.start,
    end: i.end,
    consumedWh: i.consumedWh,
    matchedWh: i.matchedWh,
    cfeScore: scoreOf(i.matchedWh, i.consumedWh),
    bySource: i.bySource.map((s) => ({
      device: s.device,
      type: s.type,
      ...(s.technology === undefined ? {} : { technology: s.technology }),
      wh: s.wh,
    })),
  }));
  return {
    tenant,
    period: { start: period.start, end: period.end },
    ...(claim === undefined ? {} : { claim: { ...claim } }),
    consumedWh: totals.consumedWh,
    matchedWh: totals.matchedWh,
    cfeScore: scoreOf(totals.matchedWh, totals.consumedWh),
    unmatchedEmissionsG: totals.unmatchedEmissionsG,
    intervals,
  };
}

/** tenantFigures' input from the entries in scope; allocations whose source is not in the bundle are left out (already a reason). */
export function figureInputs(index: BundleIndex, scope: Scope): { readings: FigureReading[]; allocations: FigureAllocation[] } {
  const readings = scope.readings.map((r) => ({
    leafHash: r.leafHash,
    start: r.payload.start,
    end: r.payload.end,
    zone: index.devices.get(r.payload.device)!.payload.biddingZone,
    importWh: BigInt(r.payload.importWh),
  }));
  const allocations: FigureAllocation[] = [];
  for (const a of scope.allocations) {
    const source = readingOf(index, a.source);
    const sourceDevice = source && index.devices.get(source.payload.device);
    if (sourceDevice === undefined) continue;
    const { id: device, type, eecsTechnology: technology } = sourceDevice.payload;
    const base = { sink: a.sink, wh: BigInt(a.wh), device, type };
    allocations.push(technology === undefined ? base : { ...base, technology });
  }
  return { readings, allocations };
}

function compareIntervals(given: readonly StatementInterval[], expected: readonly StatementInterval[], reasons: Reasons): void {
  const key = (i: StatementInterval): string => `${i.start}/${i.end}`;
  const byKey = new Map(expected.map((i) => [key(i), canonicalJson(i)]));
  const givenKeys = new Set(given.map(key));
  given.forEach((interval, n) => {
    const want = byKey.get(key(interval));
    if (want === undefined) reasons.add('statement-mismatch', `interval ${key(interval)}: no reading of the tenant in the bundle covers it`);
    else if (canonicalJson(interval) !== want) reasons.add('statement-mismatch', `interval ${key(interval)}: the entries give ${want}`);
    const previous = given[n - 1];
    if (previous && compareText(key(previous), key(interval)) >= 0) reasons.add('statement-mismatch', `interval ${key(interval)} is out of order`);
  });
  for (const interval of expected) {
    if (!givenKeys.has(key(interval))) reasons.add('statement-mismatch', `interval ${key(interval)} is missing from the statement`);
  }
}

export function checkStatement(index: BundleIndex, scope: Scope, statement: Statement, reasons: Reasons): void {
  const participant = index.participants.find((p) => p.payload.id === statement.tenant);
  if (participant === undefined) reasons.add('missing-entry', `the participant entry of tenant ${statement.tenant} is not in the bundle`);
  else if (participant.payload.role !== 'tenant') reasons.add('statement-mismatch', `${statement.tenant} is ${aOrAn(participant.payload.role)}, not a tenant`);
  if (!scope.periodOk) return;
  if (scope.readings.length === 0) {
    reasons.add('statement-mismatch', `the bundle holds no reading of a meter of ${statement.tenant} in the period`);
    return;
  }
  if (statement.claim === undefined) {
    // Nothing signed holds a tenant-period bundle's period: it is the span of the readings it proves.
    const start = scope.readings.map((r) => r.payload.start).reduce((a, b) => (compareText(a, b) <= 0 ? a : b));
    const end = scope.readings.map((r) => r.payload.end).reduce((a, b) => (compareText(a, b) >= 0 ? a : b));
    if (start !== statement.period.start || end !== statement.period.end) {
      reasons.add('statement-mismatch', `the period is ${statement.period.start}/${statement.period.end}, the tenant's readings span ${start}/${end}`);
    }
  }
  let figures: TenantFigures;
  try {
    const factors = index.zones.map((z) => ({ zone: z.payload.zone, gCO2PerKWh: z.payload.gCO2PerKWh, validFrom: z.payload.validFrom, index: z.index }));
    figures = tenantFigures({ ...figureInputs(index, scope), factors });
  } catch (error) {
    const detail = isGridproofError(error) ? error.detail : String(error);
    reasons.add('statement-mismatch', `figures: ${detail}`);
    return;
  }
  const expected = statementFromFigures({ tenant: statement.tenant, period: statement.period, figures });
  for (const field of ['consumedWh', 'matchedWh', 'cfeScore', 'unmatchedEmissionsG'] as const) {
    if (statement[field] !== expected[field]) reasons.add('statement-mismatch', `${field} is ${statement[field]}, the entries give ${expected[field]}`);
  }
  compareIntervals(statement.intervals, expected.intervals, reasons);
}

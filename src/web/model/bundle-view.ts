/**
 * What the Verify page shows of a bundle and its verdict, computed without
 * the DOM so it is unit-tested in Node: the verdict line, each reason in
 * words, the statement, the sources with their device facts (from the
 * bundle's own device entries) and the hourly series for the plot.
 */
import { bundleCodes, type Bundle, type BundleVerdict } from '../../domain/bundle/verify-bundle.ts';
import type { FactParty } from '../../domain/bundle/facts-types.ts';
import { countOf } from '../../domain/count.ts';
import { verifyReasonExplanation, verifyReasonPage } from '../../verify-reason-explanations.ts';
import type { HourlySeries } from './hourly-views.ts';

export interface ReasonView {
  code: string;
  meaning: string;
  detail: string;
  /** The code's page on a gridproof service (/problems/verify/{code}); absent for a code this page does not know. */
  page?: string;
  /** What the code means and what to do, the text of that page: shown inline where no service serves it (verify.html). */
  explanation?: string;
}

export interface SourceView {
  device: string;
  type: string;
  wh: bigint;
  energySource?: string;
  technology?: string;
  commissioningDate?: string;
  support?: string;
  connection?: string;
  country?: string;
  capacityW?: number;
}

/** The plot's series: one shape for every page. */
export type { HourlySeries } from './hourly-views.ts';

/**
 * The verdict in one line. A valid bundle names the tenant as a customer
 * knows it: the name of its participant entry (docs/design.md §2.1), which a
 * bundle that verifies carries signed (§6); the id, which only the log uses,
 * stays beside it (partyDetail). Without the tenant's facts the id stands.
 */
export function verdictLine(verdict: BundleVerdict, tenant?: FactParty): string {
  if (!verdict.valid) return `INVALID: ${countOf(verdict.reasons.length, 'problem')} found, the bundle proves nothing`;
  const s = verdict.statement!;
  const who = tenant ? partyName(tenant) : s.tenant;
  return verdict.claimed && s.claim
    ? `VALID: ${formatWh(s.claim.wh)} claimed by ${who} for ${s.claim.purpose}`
    : `VALID: statement for ${who}, not a claim (the energy is not shown as claimed)`;
}

/** A participant as people name it: its registered name, or its id when the bundle carries no name. */
export const partyName = (party: FactParty): string => party.name ?? party.id;

/** What identifies a participant beyond its name, as a secondary line: its role and id in the log, legal id and country. */
export const partyDetail = (party: FactParty, role: string): string =>
  [`${role} id ${party.id}`, party.legalId === undefined ? undefined : `legal id ${party.legalId}`, party.country].filter((x) => x !== undefined).join(' · ');

export function reasonViews(verdict: BundleVerdict): ReasonView[] {
  return verdict.reasons.map((r) => {
    const view: ReasonView = { code: r.code, meaning: bundleCodes[r.code] ?? r.code, detail: r.detail };
    // Own keys only: a code from a newer verifier gets no page rather than an inherited name.
    if (Object.hasOwn(verifyReasonExplanation, r.code)) {
      view.page = verifyReasonPage(r.code);
      view.explanation = verifyReasonExplanation[r.code];
    }
    return view;
  });
}

/** The payload of an entry note: its second line is the canonical JSON (README "Exactly what is hashed and signed"). */
function payloadOf(bytes: string): Record<string, unknown> | undefined {
  const line = bytes.split('\n')[1];
  try {
    const value: unknown = JSON.parse(line ?? '');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function sourceViews(bundle: Bundle): SourceView[] {
  const devices = new Map<string, Record<string, unknown>>();
  for (const entry of bundle.entries) {
    const payload = payloadOf(entry.bytes);
    if (payload?.kind === 'device' && typeof payload.id === 'string') devices.set(payload.id, payload);
  }
  const totals = new Map<string, { type: string; wh: bigint }>();
  for (const interval of bundle.statement.intervals) {
    for (const s of interval.bySource) {
      const t = totals.get(s.device) ?? { type: s.type, wh: 0n };
      t.wh += BigInt(s.wh);
      totals.set(s.device, t);
    }
  }
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([device, { type, wh }]) => {
      const d = devices.get(device) ?? {};
      const view: SourceView = { device, type, wh };
      const set = (key: keyof SourceView, value: string | number | undefined) => {
        if (value !== undefined) (view as unknown as Record<string, unknown>)[key] = value;
      };
      set('energySource', text(d.eecsEnergySource));
      set('technology', text(d.eecsTechnology));
      set('commissioningDate', text(d.commissioningDate));
      set('support', text(d.support));
      set('connection', text(d.connection));
      set('country', text(d.country));
      set('capacityW', typeof d.capacityW === 'number' ? d.capacityW : undefined);
      return view;
    });
}

export function hourlySeries(bundle: Bundle): HourlySeries {
  const intervals = [...bundle.statement.intervals].sort((a, b) => (a.start < b.start ? -1 : 1));
  const devices = [...new Set(intervals.flatMap((i) => i.bySource.map((s) => s.device)))].sort();
  return {
    hours: intervals.map((i) => Date.parse(i.start) / 1000),
    consumed: intervals.map((i) => Number(i.consumedWh)),
    bySource: devices.map((device) => ({
      device,
      wh: intervals.map((i) => i.bySource.filter((s) => s.device === device).reduce((sum, s) => sum + Number(s.wh), 0)),
    })),
  };
}

/** Wh as kWh or MWh with thousands separators, for people; the exact Wh stays in the statement. */
export function formatWh(wh: bigint | string): string {
  const n = Number(wh);
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toLocaleString('en', { maximumFractionDigits: 3 })} MWh`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toLocaleString('en', { maximumFractionDigits: 3 })} kWh`;
  return `${n} Wh`;
}

/**
 * The CBAM view of a claim (docs/exports.md "CBAM view"). Implementing
 * Regulation (EU) 2023/1773, Annex III, lets a declarant use actual
 * emissions for electricity only where there is a direct technical link to
 * the installation or a power purchase agreement; the rest of the
 * consumption is counted at the grid's emission factor. Per hour: the
 * claimed Wh under a direct technical link (a device on the park's own
 * grid), the claimed Wh under a PPA (a contract with a device on the public
 * grid), the rest, and the rest's emissions at the zone factor of that hour.
 * Emissions are summed exactly in Wh × g/kWh and divided by 1000 once, as
 * the statement does (tenant-figures.ts). Grid Wh in an hour without a
 * logged factor has unknown emissions: that hour's, the total and the
 * specific emissions are null rather than a number that would understate them.
 */
import { compareText } from '../compare.ts';
import type { Connection, Instant } from '../payloads.ts';
import type { CbamHour, CbamView, FactHour } from './facts-types.ts';

/**
 * How a CBAM declaration counts claimed energy (docs/exports.md "CBAM view"):
 * from a device on the park's own grid it is a direct technical link, with or
 * without a contract; from a device on the public grid it is PPA energy only
 * when delivered under a contract, else grid electricity. The one rule the
 * view's figures and the certificate's explanation of them both follow.
 */
export function cbamBasis(connection: Connection, underContract: boolean): 'direct-technical-link' | 'ppa' | 'grid' {
  if (connection === 'park-grid') return 'direct-technical-link';
  return underContract ? 'ppa' : 'grid';
}

/** One claimed allocation as the CBAM view needs it: its hour, its source's connection, the PPA it was delivered under. */
export interface CbamClaimedPart {
  start: Instant;
  device: string;
  connection: Connection;
  /** The contract's id when the allocation was served under one. */
  ppa?: string;
  wh: bigint;
}

interface HourClaimed {
  direct: bigint;
  ppa: bigint;
}

export function cbamView(hours: readonly FactHour[], parts: readonly CbamClaimedPart[]): CbamView {
  const claimed = new Map<Instant, HourClaimed>();
  // Energy delivered under a PPA that the rule counts otherwise, by PPA and device.
  const notPpa = new Map<string, { ppa: string; device: string; countedAs: 'direct-technical-link' | 'grid'; wh: bigint }>();
  for (const p of parts) {
    const c = claimed.get(p.start) ?? { direct: 0n, ppa: 0n };
    claimed.set(p.start, c);
    const basis = cbamBasis(p.connection, p.ppa !== undefined);
    if (basis === 'direct-technical-link') c.direct += p.wh;
    else if (basis === 'ppa') c.ppa += p.wh;
    if (p.ppa !== undefined && basis !== 'ppa') {
      const k = `${p.ppa}\0${p.device}`;
      const n = notPpa.get(k) ?? { ppa: p.ppa, device: p.device, countedAs: basis, wh: 0n };
      notPpa.set(k, n);
      n.wh += p.wh;
    }
  }
  let consumed = 0n;
  let direct = 0n;
  let ppa = 0n;
  let grid = 0n;
  let milli: bigint | null = 0n;
  const out: CbamHour[] = hours.map((h) => {
    const c = claimed.get(h.start) ?? { direct: 0n, ppa: 0n };
    const hourConsumed = BigInt(h.consumedWh);
    const rest = hourConsumed - c.direct - c.ppa;
    const hourMilli = h.gCO2PerKWh !== null ? rest * BigInt(h.gCO2PerKWh) : rest === 0n ? 0n : null;
    consumed += hourConsumed;
    direct += c.direct;
    ppa += c.ppa;
    grid += rest;
    milli = milli === null || hourMilli === null ? null : milli + hourMilli;
    return {
      start: h.start,
      end: h.end,
      consumedWh: h.consumedWh,
      directTechnicalLinkWh: String(c.direct),
      ppaWh: String(c.ppa),
      gridWh: String(rest),
      gCO2PerKWh: h.gCO2PerKWh,
      gridEmissionsG: hourMilli === null ? null : String(hourMilli / 1000n),
    };
  });
  const emissions = milli === null ? null : milli / 1000n;
  return {
    hours: out,
    totals: {
      consumedWh: String(consumed),
      directTechnicalLinkWh: String(direct),
      ppaWh: String(ppa),
      gridWh: String(grid),
      gridEmissionsG: emissions === null ? null : String(emissions),
    },
    // g per MWh = g × 1e6 / Wh.
    gCO2PerMWh: emissions === null ? null : String(consumed === 0n ? 0n : (emissions * 1_000_000n) / consumed),
    ppaNotCountedAsPpa: [...notPpa.values()]
      .sort((x, y) => compareText(x.ppa, y.ppa) || compareText(x.device, y.device))
      .map((n) => ({ ppa: n.ppa, device: n.device, countedAs: n.countedAs, wh: String(n.wh) })),
  };
}

/**
 * The readable summary `gridproof verify` prints for a bundle that verified:
 * every fact of facts-types.ts in a few lines per device, with totals; the
 * hours are summed by source here and given whole by `--json`.
 */
import type { BundleFacts, FactDevice } from './facts-types.ts';
import { co2Mass } from '../co2-mass.ts';
import { countOf, groupDigits } from '../count.ts';

/** What an emissions figure reads as when no zone entry gives its grid factor (tenant-figures.ts). */
export const NO_GRID_FACTOR = 'no grid emission factor logged';

/** Grams of CO₂, grouped, or why there is no figure: for a rate (per MWh), whose unit is fixed. */
export function gramsCo2(g: string | null): string {
  return g === null ? NO_GRID_FACTOR : `${groupDigits(g)} g CO₂`;
}

/** A mass of CO₂ as every text writes it (src/domain/co2-mass.ts), or why there is no figure. */
export const co2MassOrWhy = (g: string | null): string => (g === null ? NO_GRID_FACTOR : co2Mass(g));

function deviceLines(d: FactDevice): string[] {
  const owner = [d.owner.name ?? d.owner.id, d.owner.legalId && `legal id ${d.owner.legalId}`, d.owner.country].filter(Boolean).join(', ');
  const codes = [d.eecsEnergySource && `energy source ${d.eecsEnergySource}`, d.eecsTechnology && `technology ${d.eecsTechnology}`].filter(Boolean).join(', ');
  const link = d.directTechnicalLink ? 'park grid (direct technical link)' : 'public grid';
  const ppas =
    d.ppas.length === 0
      ? 'none'
      : d.ppas
          .map((p) => `${p.id} (from ${p.validFrom}${p.validUntil ? ` to ${p.validUntil}` : ''}${p.shareBp === undefined ? '' : `, ${p.shareBp / 100} %`})`)
          .join('; ');
  return [
    `  ${d.id}: ${d.type}, ${groupDigits(d.deliveredWh)} Wh delivered`,
    `    owner ${owner}`,
    `    ${codes || 'no EECS codes'}; capacity ${groupDigits(String(d.capacityW))} W${d.energyCapacityWh ? `, ${groupDigits(d.energyCapacityWh)} Wh storage at ${(d.efficiencyBp ?? 0) / 100} %` : ''}`,
    `    commissioned ${d.commissioningDate}, ${d.country}, zone ${d.biddingZone}, ${link}, support: ${d.support}, PPA: ${ppas}`,
  ];
}

export function factsSummary(facts: BundleFacts, claimed: boolean): string {
  const tenant = [facts.tenant.name ?? facts.tenant.id, facts.tenant.legalId && `legal id ${facts.tenant.legalId}`, facts.tenant.country]
    .filter(Boolean)
    .join(', ');
  const lines = [
    `VALID bundle for tenant ${facts.tenant.id} (${tenant}), ${facts.period.start} to ${facts.period.end}`,
    `  log ${facts.checkpoint.origin}, checkpoint of ${facts.checkpoint.size} entries, root ${facts.checkpoint.rootHash}` +
      (facts.checkpoint.cosignatures.length > 0 ? `, cosigned by ${facts.checkpoint.cosignatures.join(', ')}` : ''),
    `  consumed ${groupDigits(facts.consumedWh)} Wh, matched ${groupDigits(facts.matchedWh)} Wh, CFE score ${facts.cfeScore}, unmatched emissions ${co2MassOrWhy(facts.unmatchedEmissionsG)}`,
    claimed && facts.claim
      ? `  claimed: ${groupDigits(facts.claim.wh)} Wh for ${facts.claim.purpose}, beneficiary ${facts.claim.beneficiary} (claim ${facts.claim.id}, log entry ${facts.claim.index})`
      : '  not a claim: the energy is not shown as claimed',
    `  ${countOf(facts.hours.length, 'hour')}; sources:`,
    ...facts.devices.flatMap(deviceLines),
  ];
  if (facts.discharges.length > 0) {
    const wh = facts.discharges.reduce((s, d) => s + BigInt(d.wh), 0n);
    const loss = facts.discharges.reduce((s, d) => s + BigInt(d.lossWh), 0n);
    const draws = facts.discharges.reduce((s, d) => s + d.draws.length, 0);
    lines.push(
      `  storage: ${facts.discharges.length} discharges, ${groupDigits(String(wh))} Wh, drawing on ${draws} charges, losses ${groupDigits(String(loss))} Wh`,
    );
  }
  if (facts.cbam) {
    const t = facts.cbam.totals;
    lines.push(
      '  CBAM (electricity consumed): ' +
        `direct technical link ${groupDigits(t.directTechnicalLinkWh)} Wh, power purchase agreement ${groupDigits(t.ppaWh)} Wh, ` +
        `from the grid ${groupDigits(t.gridWh)} Wh emitting ${co2MassOrWhy(t.gridEmissionsG)} at the grid emission factor; ` +
        `${gramsCo2(facts.cbam.gCO2PerMWh)} per MWh consumed`,
    );
  }
  lines.push('  (--json prints every fact, hour by hour)');
  return `${lines.join('\n')}\n`;
}

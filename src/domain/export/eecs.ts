/**
 * A claim as Guarantee-of-Origin-style records after EN 16325 (EECS), with
 * the field names and units of docs/exports.md "EECS": one record per source
 * device and hour of the claim (face value in Wh, the same id ranges as the
 * EnergyTag export), and the cancellation statement that ties them to the
 * claim entry of the log.
 */
import { compareText } from '../compare.ts';
import type { Bundle } from '../bundle/bundle-types.ts';
import type { BundleFacts, FactClaim } from '../bundle/facts-types.ts';
import { claimedEnergy } from './claimed-energy.ts';

export interface EecsExport {
  format: 'eecs-en16325';
  certificates: Array<Record<string, unknown>>;
  cancellation: Record<string, unknown>;
}

export function eecsExport(bundle: Bundle, facts: BundleFacts & { claim: FactClaim }): EecsExport {
  const origin = facts.checkpoint.origin;
  const { index, slices } = claimedEnergy(bundle, origin);
  // Where the energy was consumed: the country of the tenant's consumption meters.
  const meters = [...index.devices.values()].filter((d) => d.payload.owner === facts.tenant.id && d.payload.type === 'consumption');
  const sorted = [...slices].sort((a, b) => compareText(a.start, b.start) || compareText(a.device.id, b.device.id) || (a.first < b.first ? -1 : 1));
  return {
    format: 'eecs-en16325',
    certificates: sorted.map((s) => ({
      certificateIdStart: Number(s.first),
      certificateIdEnd: Number(s.last),
      faceValueWh: Number(s.wh),
      productionPeriodStart: s.start,
      productionPeriodEnd: s.end,
      deviceId: s.device.id,
      ...(s.device.gridConnectionId ? { gridConnectionId: s.device.gridConnectionId } : {}),
      energySourceCode: s.device.eecsEnergySource ?? null,
      technologyCode: s.device.eecsTechnology ?? null,
      capacityW: s.device.capacityW,
      commissioningDate: s.device.commissioningDate,
      country: s.device.country,
      biddingZone: s.device.biddingZone,
      support: s.device.support,
      issuingBody: origin,
      status: 'cancelled',
    })),
    cancellation: {
      claimId: facts.claim.id,
      beneficiary: facts.claim.beneficiary,
      purpose: facts.claim.purpose,
      consumptionPeriodStart: facts.period.start,
      consumptionPeriodEnd: facts.period.end,
      countryOfConsumption: [...new Set(meters.map((m) => m.payload.country))].sort(compareText).join(', '),
      cancelledWh: Number(facts.claim.wh),
      claimLogIndex: facts.claim.index,
      claimLeafHash: facts.claim.leafHash,
      issuingBody: origin,
    },
  };
}

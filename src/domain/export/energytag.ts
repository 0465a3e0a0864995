/**
 * A claim as EnergyTag Granular Certificate API v2 records
 * (schemas/energytag-gc-api-v2/, docs/exports.md "EnergyTag"): one
 * GranularCertificateBundle per source device and hour of the claim (face
 * value 1 Wh, id ranges from claimed-energy.ts, status Cancelled; split only
 * where the claimed ids of that device-hour are not contiguous), the
 * StorageChargeRecord / StorageDischargeRecord pair behind each draw of a
 * storage discharge, and one GranularCertificateCancellation for the claim.
 */
import { compareText } from '../compare.ts';
import { resolveAllocation, type Placed } from '../bundle/bundle-index.ts';
import type { Bundle } from '../bundle/bundle-types.ts';
import type { BundleFacts, FactClaim } from '../bundle/facts-types.ts';
import type { DevicePayload } from '../payloads.ts';
import { claimedEnergy, sliceOf, type Slice } from './claimed-energy.ts';
import { nameUuid } from './uuid.ts';

/** EnergyTag Standard v2 registry configuration 1: a registry issuing GCs for production it measures itself. */
const REGISTRY_CONFIGURATION = 1;
const SOURCE_NAME = { wind: 'Wind', solar: 'Solar', storage: 'Storage', consumption: 'Consumption' } as const;

type Json = Record<string, unknown>;

function location(device: DevicePayload): [number, number] | undefined {
  const m = device.location ? /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(device.location) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function gcBundle(origin: string, s: Slice): Json {
  const d = s.device;
  const loc = location(d) ?? [0, 0];
  const storage = d.type === 'storage';
  return {
    id: nameUuid(origin, 'device', d.id),
    certificate_bundle_status: 'Cancelled',
    certificate_bundle_id_range_start: Number(s.first),
    certificate_bundle_id_range_end: Number(s.last),
    bundle_quantity: Number(s.wh),
    face_value: 1,
    energy_carrier: 'Electricity',
    energy_source: storage ? 'Storage' : SOURCE_NAME[d.type],
    issuance_post_energy_carrier_conversion: false,
    registry_configuration: REGISTRY_CONFIGURATION,
    device_name: d.id,
    device_technology_type: d.eecsTechnology ?? d.type,
    device_production_start_date: d.commissioningDate,
    device_capacity: d.capacityW,
    device_location: loc,
    device_type: storage ? 'storage' : 'production',
    production_starting_interval: s.start,
    production_ending_interval: s.end,
    issuance_id: nameUuid(origin, 'issuance', d.id, String(s.reading.seq)),
    issuance_datestamp: s.end.slice(0, 10),
    // GCs are cancelled on export; the expiry is the end of the production day.
    expiry_datestamp: s.end.slice(0, 10),
    country_of_issuance: d.country,
    connected_grid_identification: d.gridConnectionId ?? d.connection,
    issuing_body: origin,
    issue_market_zone: d.biddingZone,
    support_received: d.support,
    ...(storage
      ? {
          storage_id: nameUuid(origin, 'device', d.id),
          storage_efficiency_factor: (d.efficiencyBp ?? 10000) / 10000,
          sdr_allocation_id: nameUuid(origin, 'sdr', s.allocation),
          ...(location(d) ? { storage_device_location: loc } : {}),
        }
      : {}),
  };
}

/** Adjacent slices of one device and hour whose ids run on become one GC bundle. */
function merged(slices: readonly Slice[]): Slice[] {
  const sorted = [...slices].sort(
    (a, b) => compareText(a.start, b.start) || compareText(a.device.id, b.device.id) || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0),
  );
  const out: Slice[] = [];
  for (const s of sorted) {
    const prev = out[out.length - 1];
    if (prev && s.device.type !== 'storage' && prev.device.id === s.device.id && prev.start === s.start && prev.last + 1n === s.first) {
      out[out.length - 1] = { ...prev, wh: prev.wh + s.wh, last: s.last };
    } else out.push(s);
  }
  return out;
}

export interface EnergyTagExport {
  format: 'energytag-gc-api-v2';
  granularCertificateBundles: Json[];
  storageChargeRecords: Json[];
  storageDischargeRecords: Json[];
  cancellation: Json;
}

export function energyTagExport(bundle: Bundle, facts: BundleFacts & { claim: FactClaim }): EnergyTagExport {
  const origin = facts.checkpoint.origin;
  const { index, slices } = claimedEnergy(bundle, origin);
  const scrs: Json[] = [];
  const sdrs: Json[] = [];
  for (const s of slices) {
    for (const draw of s.draws) {
      const charge = sliceOf(index, resolveAllocation(index, draw.allocation) as Placed);
      const storageId = nameUuid(origin, 'device', s.device.id);
      const scrId = nameUuid(origin, 'scr', draw.allocation);
      const sdrId = nameUuid(origin, 'sdr', s.allocation, draw.allocation);
      const source = charge.device.eecsEnergySource ?? charge.device.type;
      scrs.push({
        id: storageId,
        charging_start_datetime: charge.start,
        charging_end_datetime: charge.end,
        charging_energy: Number(charge.wh),
        charging_energy_source: source,
        gc_issuance_id: nameUuid(origin, 'issuance', charge.device.id, String(charge.reading.seq)),
        granular_certificate_certificate_bundle_id_range_start: Number(charge.first),
        granular_certificate_certificate_bundle_id_range_end: Number(charge.last),
        scr_geographic_matching_method: 'bidding-zone',
        scr_allocation_id: scrId,
        sdr_allocation_id: sdrId,
      });
      sdrs.push({
        id: storageId,
        discharging_start_datetime: s.start,
        discharging_end_datetime: s.end,
        discharge_energy: Number(draw.wh),
        charging_energy_source: source,
        scr_allocation_methodology: 'FIFO',
        efficiency_factor_methodology: `losses at charging: floor(charge × ${s.device.efficiencyBp ?? 10000} / 10000), the device's declared round-trip efficiency`,
        sdr_allocation_id: sdrId,
        scr_allocation_id: scrId,
      });
    }
  }
  const { claim } = facts;
  const sources = [...new Set(slices.map((s) => (s.device.type === 'storage' ? 'Storage' : SOURCE_NAME[s.device.type])))].sort(compareText);
  return {
    format: 'energytag-gc-api-v2',
    granularCertificateBundles: merged(slices).map((s) => gcBundle(origin, s)),
    storageChargeRecords: scrs,
    storageDischargeRecords: sdrs,
    cancellation: {
      id: nameUuid(origin, 'participant', facts.tenant.id),
      source_id: nameUuid(origin, 'participant', facts.tenant.id),
      action_id: nameUuid(origin, 'claim', claim.leafHash),
      beneficiary: claim.beneficiary,
      certificate_bundle_status: 'Cancelled',
      certificate_period_start: facts.period.start,
      certificate_period_end: facts.period.end,
      certificate_quantity: Number(claim.wh),
      energy_source: sources,
    },
  };
}

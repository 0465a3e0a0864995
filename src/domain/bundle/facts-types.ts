/**
 * Every fact a verified bundle proves, in one document (docs/exports.md
 * "The statement's facts"): who produced the energy and with what, hour by
 * hour what each source delivered to the tenant, what storage delivered and
 * the charges behind it, and, for a claim, what it claims. Read only from
 * signed entries of a bundle that verified; nothing here is taken on trust.
 */
import type { ClaimPurpose, Connection, DateString, DeviceType, HashB64, Instant, Support, WhString } from '../payloads.ts';

export interface FactParty {
  id: string;
  /** Absent when the bundle does not carry the participant's entry. */
  name?: string;
  legalId?: string;
  country?: string;
}

/** A contract (power purchase agreement) of a source device with the tenant. */
export interface FactPpa {
  id: string;
  index: number;
  priority: number;
  /** Share of the device's export in basis points; absent = all of it. */
  shareBp?: number;
  validFrom: Instant;
  validUntil?: Instant;
}

export interface FactDevice {
  id: string;
  owner: FactParty;
  type: DeviceType;
  eecsEnergySource?: string;
  eecsTechnology?: string;
  capacityW: number;
  energyCapacityWh?: WhString;
  efficiencyBp?: number;
  commissioningDate: DateString;
  country: string;
  biddingZone: string;
  connection: Connection;
  /** CBAM's direct technical link: the device feeds the park's own grid. */
  directTechnicalLink: boolean;
  support: Support;
  gridConnectionId?: string;
  location?: string;
  ppas: FactPpa[];
  /** Log index of the device entry. */
  index: number;
  /** Σ Wh this device delivered to the tenant in the period (claimed or not). */
  deliveredWh: WhString;
}

export interface FactHourSource {
  device: string;
  wh: WhString;
  /** Under a contract (PPA) rather than the pro-rata pool. */
  ppaWh: WhString;
  /** Of `wh`, what the claim claims; only in a claim's facts. */
  claimedWh?: WhString;
}

export interface FactHour {
  start: Instant;
  end: Instant;
  consumedWh: WhString;
  matchedWh: WhString;
  cfeScore: number;
  /** The zone's grid factor in force at the hour's start (g CO2 per kWh); null when the bundle holds no zone entry for it. */
  gCO2PerKWh: number | null;
  sources: FactHourSource[];
}

/** One draw of a discharge: the charge it draws on, where that charge came from, and the losses. */
export interface FactDraw {
  /** The charge allocation's id `<settlement leaf hash>#<position>`. */
  charge: string;
  chargeStart: Instant;
  chargeEnd: Instant;
  /** The device whose energy charged the storage. */
  chargeSource: string;
  chargedWh: WhString;
  /** What the charge holds after losses: floor(charged × efficiency). */
  lotWh: WhString;
  drawnWh: WhString;
}

export interface FactDischarge {
  device: string;
  start: Instant;
  end: Instant;
  wh: WhString;
  draws: FactDraw[];
  /** Losses behind this discharge: Σ over its draws of drawn × (1/efficiency − 1), rounded up to whole Wh. */
  lossWh: WhString;
}

/** One hour as a CBAM declaration for electricity reads it (docs/exports.md "CBAM view"). */
export interface CbamHour {
  start: Instant;
  end: Instant;
  consumedWh: WhString;
  directTechnicalLinkWh: WhString;
  ppaWh: WhString;
  /** consumed − direct technical link − PPA: costed at the grid factor. */
  gridWh: WhString;
  gCO2PerKWh: number | null;
  /** Null when grid Wh has no factor logged for the hour. */
  gridEmissionsG: WhString | null;
}

export interface CbamView {
  hours: CbamHour[];
  /** gridEmissionsG is null when any hour's is. */
  totals: { consumedWh: WhString; directTechnicalLinkWh: WhString; ppaWh: WhString; gridWh: WhString; gridEmissionsG: WhString | null };
  /** Emissions of the whole consumption per MWh (g CO2 / MWh, rounded down): the declaration's specific embedded emissions of electricity; null when the emissions are. */
  gCO2PerMWh: WhString | null;
  /**
   * Claimed Wh delivered under a PPA that the CBAM rule does not count as PPA
   * energy, by PPA and device: a device on the park's own grid is a direct
   * technical link, contract or not (facts-cbam.ts cbamBasis). Empty when
   * every contract's energy is in `ppaWh`.
   */
  ppaNotCountedAsPpa: Array<{ ppa: string; device: string; countedAs: 'direct-technical-link' | 'grid'; wh: WhString }>;
}

export interface FactCheckpoint {
  origin: string;
  size: number;
  rootHash: HashB64;
  /** Names of signatures on the checkpoint besides the log's own (witness cosignatures). */
  cosignatures: string[];
}

export interface FactClaim {
  id: string;
  purpose: ClaimPurpose;
  beneficiary: string;
  wh: WhString;
  index: number;
  leafHash: HashB64;
}

export interface BundleFacts {
  checkpoint: FactCheckpoint;
  tenant: FactParty;
  period: { start: Instant; end: Instant };
  claim?: FactClaim;
  consumedWh: WhString;
  matchedWh: WhString;
  cfeScore: number;
  /** Null when the bundle holds no grid factor for some unmatched hour. */
  unmatchedEmissionsG: WhString | null;
  devices: FactDevice[];
  hours: FactHour[];
  discharges: FactDischarge[];
  /** Only for a claim with purpose `cbam`. */
  cbam?: CbamView;
}

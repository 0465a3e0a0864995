/**
 * The payloads of the log's entries (docs/design.md §2). Every entry is a
 * C2SP signed note whose second line is the RFC 8785 canonical JSON of one of
 * these objects. The JSON Schemas in schemas/entries/ are the authority; these
 * types mirror them.
 *
 * Conventions (docs/design.md §2): Wh quantities are decimal strings
 * (`WhString`), hashes are standard base64 of 32 bytes (`HashB64`), times are
 * `YYYY-MM-DDTHH:MM:SSZ` (`Instant`), dates `YYYY-MM-DD` (`DateString`),
 * intervals are half-open `[start, end)`.
 */
export type WhString = string;
export type HashB64 = string;
export type Instant = string;
export type DateString = string;

/** The signed note's first line for every entry (docs/design.md §2). */
export const ENTRY_HEADER = 'gridproof/entry/v1';

export const roles = ['operator', 'generator', 'tenant', 'certifier'] as const;
export type Role = (typeof roles)[number];

export const deviceTypes = ['wind', 'solar', 'storage', 'consumption'] as const;
export type DeviceType = (typeof deviceTypes)[number];

/** Generation devices and storage supply energy; consumption meters demand it. */
export const supplyDeviceTypes: readonly DeviceType[] = ['wind', 'solar', 'storage'];

/** RFNBO additionality (Delegated Regulation 2023/1189 art. 5): support received. */
export const supportKinds = ['none', 'investment', 'operating', 'investment-and-operating'] as const;
export type Support = (typeof supportKinds)[number];

/** CBAM's direct technical link: the park's own grid, or the public grid. */
export const connectionKinds = ['park-grid', 'public-grid'] as const;
export type Connection = (typeof connectionKinds)[number];

export const claimPurposes = ['disclosure', 'scope2', 'cbam', 'rfnbo', 'other'] as const;
export type ClaimPurpose = (typeof claimPurposes)[number];

interface Base {
  /** The log's origin: binds the entry to one log. */
  log: string;
}

export interface ParticipantPayload extends Base {
  kind: 'participant';
  id: string;
  role: Role;
  name: string;
  legalId?: string;
  country?: string;
}

export interface DevicePayload extends Base {
  kind: 'device';
  id: string;
  owner: string;
  type: DeviceType;
  /** EECS energy source code, `F` + 8 digits (EN 16325); generation and storage. */
  eecsEnergySource?: string;
  /** EECS technology code, `T` + 6 digits (EN 16325); generation and storage. */
  eecsTechnology?: string;
  capacityW: number;
  /** Storage only. */
  energyCapacityWh?: WhString;
  /** Storage only: round-trip efficiency in basis points (10000 = lossless). */
  efficiencyBp?: number;
  commissioningDate: DateString;
  country: string;
  biddingZone: string;
  connection: Connection;
  support: Support;
  gridConnectionId?: string;
  location?: string;
  meteringPointIds?: string[];
}

export type KeySubject = 'operator' | 'device';

export interface KeyPayload extends Base {
  kind: 'key';
  subjectType: KeySubject;
  /** The device id; absent for the operator. */
  subjectId?: string;
  /** C2SP verifier key string `<name>+<hex key id>+<base64(0x01 || key)>`. */
  verifierKey: string;
  validFrom: Instant;
  validUntil?: Instant;
}

export interface ZonePayload extends Base {
  kind: 'zone';
  /** ENTSO-E bidding zone code, e.g. `DE-LU`. */
  zone: string;
  gCO2PerKWh: number;
  validFrom: Instant;
}

export interface ContractPayload extends Base {
  kind: 'contract';
  id: string;
  device: string;
  tenant: string;
  /** Lower is served first. */
  priority: number;
  /** Share of the device's export in basis points; absent = all of it. */
  shareBp?: number;
  validFrom: Instant;
  validUntil?: Instant;
}

export interface ReadingPayload extends Base {
  kind: 'reading';
  device: string;
  seq: number;
  /** Leaf hash of the device's previous reading; absent for seq 0. */
  prev?: HashB64;
  start: Instant;
  end: Instant;
  importWh: WhString;
  exportWh: WhString;
  registerImportWh?: WhString;
  registerExportWh?: WhString;
  quality: 'measured' | 'estimated';
}

/**
 * An allocation is named by the settlement that holds it and its position in
 * that settlement's allocations, counted from 0 across its sources in order:
 * `<settlement leaf hash>#<position>` (see allocation-id.ts).
 */
export type AllocationId = string;

export interface Draw {
  /** A charge allocation (its sink is a storage reading) of an earlier interval. */
  allocation: AllocationId;
  wh: WhString;
}

/**
 * Supply from one reading matched to the demand of another in the
 * settlement's interval and zone. Its rule is `contract` when it names a
 * contract, else `pool`.
 */
export interface Allocation {
  /** The demand reading (a tenant's consumption or a storage charge): its position in the settlement's `sinks`. */
  sink: number;
  wh: WhString;
  /** Leaf hash of the contract entry it was served under; absent for the pro-rata pool. */
  contract?: HashB64;
  /** For a storage discharge: the green charge it draws on, FIFO. */
  draws?: Draw[];
}

/** One supply reading's energy and everything it was allocated to. */
export interface SettledSource {
  /** Leaf hash of the supply reading. */
  reading: HashB64;
  /** The reading's export. */
  supplyWh: WhString;
  /** Σ of `allocations`, ≤ supplyWh. */
  allocatedWh: WhString;
  allocations: Allocation[];
}

/**
 * What one interval and zone's supply went to (docs/design.md §5): the
 * matching run writes one per matched interval and zone, settling every supply
 * reading of it; a supply reading logged after its interval was matched gets a
 * settlement of its own with no allocations. Every supply reading is settled
 * exactly once.
 */
export interface SettlementPayload extends Base {
  kind: 'settlement';
  start: Instant;
  end: Instant;
  zone: string;
  /**
   * Leaf hashes of the demand readings the allocations go to, each once, in
   * ascending order: a settlement names each of its tens of sinks once rather
   * than in each of its hundreds of allocations.
   */
  sinks: HashB64[];
  /** By reading leaf hash. */
  sources: SettledSource[];
}

export interface ClaimPayload extends Base {
  kind: 'claim';
  id: string;
  tenant: string;
  beneficiary: string;
  purpose: ClaimPurpose;
  start: Instant;
  end: Instant;
  /** Whole allocations, oldest first. */
  allocations: AllocationId[];
  wh: WhString;
}

export type Payload = ParticipantPayload | DevicePayload | KeyPayload | ZonePayload | ContractPayload | ReadingPayload | SettlementPayload | ClaimPayload;

export type EntryKind = Payload['kind'];

/**
 * The bundle's entries once opened: each parsed entry with its log index and
 * leaf hash, and lookups by index, leaf hash, kind and device.
 */
import type {
  AllocationPayload,
  ClaimPayload,
  ContractPayload,
  DevicePayload,
  EntryKind,
  HashB64,
  KeyPayload,
  ParticipantPayload,
  Payload,
  ReadingPayload,
  SettlementPayload,
  ZonePayload,
} from '../payloads.ts';

export interface Item<P extends Payload = Payload> {
  index: number;
  /** The whole note. */
  note: string;
  /** Standard base64 of SHA-256(0x00 || UTF-8 note). */
  leafHash: HashB64;
  payload: P;
}

export interface BundleIndex {
  /** Parsed entries, by log index ascending; no index or leaf hash twice. */
  items: Item[];
  /** Log indexes the bundle carries, parsed or not. */
  carried: Set<number>;
  byIndex: Map<number, Item>;
  byHash: Map<HashB64, Item>;
  /** The first device entry of each id (a second one is a 'duplicate-entry'). */
  devices: Map<string, Item<DevicePayload>>;
  participants: Item<ParticipantPayload>[];
  keys: Item<KeyPayload>[];
  zones: Item<ZonePayload>[];
  contracts: Item<ContractPayload>[];
  readings: Item<ReadingPayload>[];
  allocations: Item<AllocationPayload>[];
  settlements: Item<SettlementPayload>[];
  claims: Item<ClaimPayload>[];
}

type PayloadOf<K extends EntryKind> = Extract<Payload, { kind: K }>;

export function isKind<K extends EntryKind>(item: Item | undefined, kind: K): item is Item<PayloadOf<K>> {
  return item !== undefined && item.payload.kind === kind;
}

function ofKind<K extends EntryKind>(items: readonly Item[], kind: K): Item<PayloadOf<K>>[] {
  return items.filter((item): item is Item<PayloadOf<K>> => isKind(item, kind));
}

/** Builds the lookups; `items` are unique by index and leaf hash. */
export function indexItems(unsorted: readonly Item[], carried: Set<number>): BundleIndex {
  const items = [...unsorted].sort((a, b) => a.index - b.index);
  const devices = new Map<string, Item<DevicePayload>>();
  for (const device of ofKind(items, 'device')) if (!devices.has(device.payload.id)) devices.set(device.payload.id, device);
  return {
    items,
    carried,
    byIndex: new Map(items.map((item) => [item.index, item])),
    byHash: new Map(items.map((item) => [item.leafHash, item])),
    devices,
    participants: ofKind(items, 'participant'),
    keys: ofKind(items, 'key'),
    zones: ofKind(items, 'zone'),
    contracts: ofKind(items, 'contract'),
    readings: ofKind(items, 'reading'),
    allocations: ofKind(items, 'allocation'),
    settlements: ofKind(items, 'settlement'),
    claims: ofKind(items, 'claim'),
  };
}

/** "entry 12 (allocation)": how reasons name an entry. */
export function describe(item: Item): string {
  return `entry ${item.index} (${item.payload.kind})`;
}

/** The short form of a leaf hash in details. */
export function short(hash: HashB64): string {
  return `${hash.slice(0, 10)}…`;
}

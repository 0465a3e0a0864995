/**
 * The bundle's entries once opened: each parsed entry with its log index and
 * leaf hash, lookups by index, leaf hash, kind and device, and the
 * allocations each settlement holds, named as draws and claims name them.
 */
import { allocationId, allocationsOf, parseAllocationId, type PositionedAllocation } from '../allocation-id.ts';
import type {
  AllocationId,
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

/** An allocation of a settlement in the bundle, with its id and the settlement holding it. */
export interface Placed extends PositionedAllocation {
  id: AllocationId;
  settlement: Item<SettlementPayload>;
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
  settlements: Item<SettlementPayload>[];
  /** Each settlement's allocations in position order, by the settlement's leaf hash. */
  held: Map<HashB64, PositionedAllocation[]>;
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
  const settlements = ofKind(items, 'settlement');
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
    settlements,
    held: new Map(settlements.map((s) => [s.leafHash, allocationsOf(s.payload)])),
    claims: ofKind(items, 'claim'),
  };
}

export function placed(settlement: Item<SettlementPayload>, allocation: PositionedAllocation): Placed {
  return { ...allocation, id: allocationId(settlement.leafHash, allocation.position), settlement };
}

/**
 * The allocation an id names, or why the bundle cannot show it: its
 * settlement is not in the bundle, or holds no allocation at that position.
 * Ids come from parsed entries, whose schema holds the id grammar.
 */
export function resolveAllocation(index: BundleIndex, id: AllocationId): Placed | 'no-settlement' | 'no-position' {
  const { settlement, position } = parseAllocationId(id);
  const item = index.byHash.get(settlement);
  if (!isKind(item, 'settlement')) return 'no-settlement';
  const allocation = index.held.get(settlement)?.[position];
  return allocation === undefined ? 'no-position' : placed(item, allocation);
}

/** The reading a leaf hash names, when the bundle has it as a reading. */
export function readingOf(index: BundleIndex, hash: HashB64): Item<ReadingPayload> | undefined {
  const item = index.byHash.get(hash);
  return isKind(item, 'reading') ? item : undefined;
}

/** "entry 12 (settlement)": how reasons name an entry. */
export function describe(item: Item): string {
  return `entry ${item.index} (${item.payload.kind})`;
}

/** "allocation 3 of entry 12": how reasons name an allocation. */
export function describePlaced(allocation: Placed): string {
  return `allocation ${allocation.position} of ${describe(allocation.settlement)}`;
}

/** The short form of a leaf hash in details. */
export function short(hash: HashB64): string {
  return `${hash.slice(0, 10)}…`;
}

/**
 * Random parks and interval sequences for the matching property tests: a few
 * wind/solar generators, batteries and tenant meters in one zone, contracts
 * between them, and per-interval readings. A sequence is planned, "signed"
 * (the leaf hash of a settlement is a SHA-256 of its JSON) and re-checked, so
 * green lots carry over from one interval to the next, as in the ledger.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { planInterval, type GreenLot, type IntervalInput, type MatchContract, type MatchReading, type StorageSpec } from '../../src/domain/matching.ts';
import type { DeviceType, SettlementPayload } from '../../src/domain/payloads.ts';
import { checkIntervalSettlement, type IntervalSettlement } from '../../src/domain/settlement.ts';

export const LOG = 'example.com/park';
export const ZONE = 'DE-LU';

export const hashOf = (text: string): string => createHash('sha256').update(text).digest('base64');

/** A readable 44-character base64 hash whose order is its letter's: hash('B') < hash('C'). */
export const fixedHash = (letter: string): string => `${letter.repeat(43)}=`;

export interface ParkDevice {
  device: string;
  deviceType: DeviceType;
  owner: string;
}

export interface Park {
  devices: ParkDevice[];
  storage: StorageSpec[];
  contracts: MatchContract[];
  /** Per interval, per device (same order as devices): undefined when the meter sent nothing. */
  intervals: Array<Array<{ importWh: bigint; exportWh: bigint } | undefined>>;
  /** Salts the reading hashes so leaf-hash order is unrelated to device order. */
  salt: number;
}

const wh = fc.oneof(fc.constant(0n), fc.bigInt(1n, 30n), fc.bigInt(0n, 2000n));

export const parkArbitrary: fc.Arbitrary<Park> = fc
  .record({
    generators: fc.array(fc.constantFrom<DeviceType>('wind', 'solar'), { maxLength: 4 }),
    batteries: fc.array(
      fc.record({
        efficiencyBp: fc.oneof(fc.constantFrom(10000, 9000, 8500, 5000), fc.integer({ min: 1, max: 10000 })),
        energyCapacityWh: fc.bigInt(0n, 3000n),
      }),
      { maxLength: 3 },
    ),
    tenants: fc.array(fc.constantFrom('t1', 't2', 't3'), { maxLength: 5 }),
    salt: fc.integer(),
  })
  .chain(({ generators, batteries, tenants, salt }) => {
    const devices: ParkDevice[] = [
      ...generators.map((deviceType, i) => ({ device: `gen-${i}`, deviceType, owner: 'g1' })),
      ...batteries.map((_, i) => ({ device: `bat-${i}`, deviceType: 'storage' as const, owner: 'g1' })),
      ...tenants.map((owner, i) => ({ device: `meter-${i}`, deviceType: 'consumption' as const, owner })),
    ];
    const storage = batteries.map((b, i) => ({ device: `bat-${i}`, ...b }));
    const supplyIds = devices.filter((d) => d.deviceType !== 'consumption').map((d) => d.device);
    const contract = fc.record(
      {
        device: supplyIds.length > 0 ? fc.constantFrom(...supplyIds) : fc.constant('gen-none'),
        tenant: fc.constantFrom('t1', 't2', 't3'),
        priority: fc.integer({ min: 0, max: 3 }),
        shareBp: fc.integer({ min: 0, max: 10000 }),
      },
      { requiredKeys: ['device', 'tenant', 'priority'] },
    );
    const reading = fc.option(fc.record({ importWh: wh, exportWh: wh }), { freq: 5 });
    return fc.record({
      devices: fc.constant(devices),
      storage: fc.constant(storage),
      contracts: fc.array(contract, { maxLength: 5 }).map((cs) => cs.map((c, i) => ({ ...c, leafHash: hashOf(`contract ${i} ${salt}`) }))),
      intervals: fc.array(fc.tuple(...devices.map(() => reading)), { minLength: 1, maxLength: 5 }),
      salt: fc.constant(salt),
    });
  })
  .map((park) => ({
    ...park,
    intervals: park.intervals.map((row) => row.map((r) => (r === null ? undefined : r))),
  }));

export function intervalInput(park: Park, index: number, lots: GreenLot[]): IntervalInput {
  const start = new Date(Date.UTC(2025, 0, 1, index)).toISOString().replace('.000Z', 'Z');
  const end = new Date(Date.UTC(2025, 0, 1, index + 1)).toISOString().replace('.000Z', 'Z');
  const readings: MatchReading[] = [];
  park.devices.forEach((d, i) => {
    const r = park.intervals[index]?.[i];
    if (r) readings.push({ ...d, ...r, leafHash: hashOf(`${d.device} ${index} ${park.salt}`) });
  });
  return { log: LOG, start, end, zone: ZONE, readings, contracts: park.contracts, storage: park.storage, lots };
}

/** Stands in for the entry's leaf hash: unique per settlement, fixed by its content. */
export const leafHashOf = (settlement: SettlementPayload): string => hashOf(JSON.stringify(settlement));

export interface Step {
  input: IntervalInput;
  /** Undefined when the interval had no supply. */
  plan: SettlementPayload | undefined;
  leafHash: string;
  settled: IntervalSettlement;
}

/** Runs every interval of the park in turn, carrying the green lots. */
export function runPark(park: Park): Step[] {
  const steps: Step[] = [];
  let lots: GreenLot[] = [];
  for (let index = 0; index < park.intervals.length; index++) {
    const input = intervalInput(park, index, lots);
    const plan = planInterval(input);
    const leafHash = plan === undefined ? '' : leafHashOf(plan);
    // An interval without supply changes no lot: nothing is charged or drawn.
    const settled = plan === undefined ? { lotsAfter: lots } : checkIntervalSettlement(input, plan, leafHash);
    steps.push({ input, plan, leafHash, settled });
    lots = settled.lotsAfter;
  }
  return steps;
}

/** A deterministic PRNG (mulberry32), so a shrunk counterexample replays. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Shuffles lots across devices but keeps each device's FIFO order (its meaning). */
export function interleaveLots(lots: readonly GreenLot[], next: () => number): GreenLot[] {
  const byDevice = new Map<string, GreenLot[]>();
  for (const lot of lots) byDevice.set(lot.device, [...(byDevice.get(lot.device) ?? []), lot]);
  const queues = [...byDevice.values()];
  const out: GreenLot[] = [];
  while (queues.some((q) => q.length > 0)) {
    const open = queues.filter((q) => q.length > 0);
    out.push((open[Math.floor(next() * open.length)] as GreenLot[]).shift() as GreenLot);
  }
  return out;
}

/** Every input array permuted (lots: per-device order kept). */
export function permuteInput(input: IntervalInput, seed: number): IntervalInput {
  const next = random(seed);
  return {
    ...input,
    readings: shuffle(input.readings, next),
    contracts: shuffle(input.contracts, next),
    storage: shuffle(input.storage, next),
    lots: interleaveLots(input.lots, next),
  };
}

/** JSON with bigints as decimal strings, for byte comparisons of domain values. */
export const bytes = (value: unknown): string => JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/**
 * What the reading intake keeps of devices between requests (docs/design.md
 * §4): each device's facts, which never change once registered, and its
 * keys whose strict key check passed, a hint only (the sequencer reads keys
 * again under the head lock). Bounded, least recently used leaving first, so
 * a fleet of millions cannot grow the process without end; a device pushed
 * out is read again, with the other devices of its request, in one query.
 */
import { lruPut, lruTouch } from '../crypto/lru.ts';
import { deviceKeys, findDevices, recordKeyPointChecks } from '../db/registry.ts';
import type { Db } from '../db/log.ts';
import type { DeviceType } from '../domain/payloads.ts';
import type { DeviceFacts, DeviceKeyEntry } from '../domain/reading-rules.ts';
import { checkKeysOnPool } from './cpu-pool.ts';

/**
 * Devices held: about 45 MB at about 700 bytes a device (measured with the
 * shapes the database gives). A park or a region stays whole in memory.
 */
export const DEVICE_HINTS_SIZE = 65_536;

export class DeviceHints {
  readonly #db: Db;
  readonly #size: number;
  readonly #devices = new Map<string, DeviceFacts>();
  readonly #keys = new Map<string, DeviceKeyEntry[]>();

  constructor(db: Db, size = DEVICE_HINTS_SIZE) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`a device hint cache holds at least one device, not ${size}`);
    this.#db = db;
    this.#size = size;
  }

  /** The device's facts and keys if both are held (now the most recently used), else undefined. */
  held(id: string): { device: DeviceFacts; keys: DeviceKeyEntry[] } | undefined {
    const device = lruTouch(this.#devices, id);
    const keys = device && lruTouch(this.#keys, id);
    return keys && { device: device!, keys };
  }

  /** Whether the device's facts or keys are held, without touching them (for tests and diagnostics). */
  holds(id: string): { device: boolean; keys: boolean } {
    return { device: this.#devices.has(id), keys: this.#keys.has(id) };
  }

  /** How many devices' facts and key lists are held (each at most the size). */
  count(): { devices: number; keys: number } {
    return { devices: this.#devices.size, keys: this.#keys.size };
  }

  /** The facts of those of `ids` that are registered: held ones, the rest in one query (and held). */
  async devices(ids: readonly string[]): Promise<Map<string, DeviceFacts>> {
    const found = new Map<string, DeviceFacts>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const held = lruTouch(this.#devices, id);
      if (held === undefined) missing.push(id);
      else found.set(id, held);
    }
    for (const row of await findDevices(this.#db, missing)) {
      const device: DeviceFacts = {
        id: row.id,
        owner: row.owner,
        type: row.type as DeviceType,
        capacityW: row.capacity_w,
        commissioningDate: row.commissioning_date,
        biddingZone: row.bidding_zone,
      };
      found.set(row.id, device);
      lruPut(this.#devices, this.#size, row.id, device);
    }
    return found;
  }

  /** The keys of each of `ids` (registered devices): held ones, the rest loaded (reloadKeys). */
  async keys(ids: readonly string[]): Promise<Map<string, DeviceKeyEntry[]>> {
    const found = new Map<string, DeviceKeyEntry[]>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const held = lruTouch(this.#keys, id);
      if (held === undefined) missing.push(id);
      else found.set(id, held);
    }
    for (const [id, keys] of await this.reloadKeys(missing)) found.set(id, keys);
    return found;
  }

  /**
   * Loads the devices' keys, keeping only keys whose strict key check
   * passed: the workers verify under them without checking their points
   * again (docs/design.md §4). The verdict is stored with the key (migration
   * 018); a key without one (logged by a build from before keys had to lie in
   * the prime-order subgroup) is checked on the pool and its verdict stored,
   * so no process checks it twice. A key that fails signs nothing. Returns
   * each device's keys, and holds them.
   */
  async reloadKeys(ids: readonly string[]): Promise<Map<string, DeviceKeyEntry[]>> {
    const kept = new Map<string, DeviceKeyEntry[]>();
    const unique = [...new Set(ids)];
    if (unique.length === 0) return kept;
    const loaded = await deviceKeys(this.#db, unique);
    const unchecked = [...loaded.values()].flat().filter((key) => key.pointOk === undefined);
    if (unchecked.length > 0) {
      const verdicts = await checkKeysOnPool(unchecked.map((key) => key.verifierKey));
      unchecked.forEach((key, i) => (key.pointOk = verdicts[i]));
      await recordKeyPointChecks(
        this.#db,
        unchecked.map((key, i) => ({ entry_idx: key.entryIdx, passed: verdicts[i]! })),
      );
    }
    for (const [id, keys] of loaded) {
      const passed = keys.filter((key) => key.pointOk === true);
      kept.set(id, passed);
      lruPut(this.#keys, this.#size, id, passed);
    }
    return kept;
  }
}

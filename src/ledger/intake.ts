/**
 * POST /v1/entries as a use case (docs/design.md §2 and §4):
 * everything that needs no lock is checked here, concurrently with other
 * requests (parse, schema, device, ownership, interval, capacity, signature);
 * what depends on log order (chain head, keys logged before the reading,
 * duplicates) is checked by the sequencer under the head lock.
 */
import { utf8 } from '../crypto/base64.ts';
import { VerifierCache } from '../crypto/note.ts';
import { deviceKeys, findDevice } from '../db/registry.ts';
import { openEntryNote, parseEntry } from '../domain/entry.ts';
import type { DeviceType, ReadingPayload } from '../domain/payloads.ts';
import { checkReadingShape, keysValidFor, type DeviceFacts, type DeviceKeyEntry } from '../domain/reading-rules.ts';
import { instantMs } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import type { Caller } from './access.ts';
import type { Ledger } from './ledger.ts';
import { Sequencer, type EntryResult, type PreparedReading } from './sequencer.ts';

export const MAX_ENTRIES_PER_REQUEST = 1000;

export class ReadingIntake {
  readonly #ledger: Ledger;
  readonly #sequencer: Sequencer;
  /** Devices never change once registered. */
  readonly #devices = new Map<string, DeviceFacts>();
  /** A hint only: the sequencer re-reads keys under the head lock. */
  readonly #keys = new Map<string, DeviceKeyEntry[]>();
  readonly #verifiers = new VerifierCache();

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
    this.#sequencer = new Sequencer(ledger);
  }

  idle(): Promise<void> {
    return this.#sequencer.idle();
  }

  async submit(caller: Caller, notes: readonly string[]): Promise<EntryResult[]> {
    if (notes.length > MAX_ENTRIES_PER_REQUEST) {
      throw new GridproofError('too-many-entries', `at most ${MAX_ENTRIES_PER_REQUEST} entries per request`);
    }
    const results: Array<EntryResult | undefined> = [];
    const prepared: PreparedReading[] = [];
    const positions: number[] = [];
    for (const [position, note] of notes.entries()) {
      try {
        prepared.push(await this.#prepare(caller, note));
        positions.push(position);
        results.push(undefined);
      } catch (error) {
        if (!(error instanceof GridproofError)) throw error;
        results.push({ error: { code: error.code, detail: error.detail } });
      }
    }
    const sequenced = await this.#sequencer.submit(prepared);
    sequenced.forEach((result, i) => {
      results[positions[i]!] = result;
    });
    return results as EntryResult[];
  }

  async #prepare(caller: Caller, note: string): Promise<PreparedReading> {
    const { payload } = parseEntry(note, this.#ledger.origin);
    if (payload.kind !== 'reading') {
      throw new GridproofError('unknown-kind', `only readings are posted here; ${payload.kind} entries are written by the operator`);
    }
    const device = await this.#device(payload.device);
    if (device.owner !== caller.id) throw new GridproofError('not-device-owner', `device ${device.id} belongs to another participant`);
    checkReadingShape(payload, device, this.#ledger.intervalSeconds, this.#ledger.now());
    const signedBy = await this.#verifySignature(note, payload);
    const bytes = utf8(note);
    return { note, bytes, leafHash: nativeHashLeaf(bytes), payload, signedBy, zone: device.biddingZone };
  }

  async #device(id: string): Promise<DeviceFacts> {
    const cached = this.#devices.get(id);
    if (cached) return cached;
    const row = await findDevice(this.#ledger.db, id);
    if (!row) throw new GridproofError('unknown-device', `no device ${id}`);
    const facts: DeviceFacts = {
      id: row.id,
      owner: row.owner,
      type: row.type as DeviceType,
      capacityW: row.capacity_w,
      commissioningDate: row.commissioning_date,
      biddingZone: row.bidding_zone,
    };
    this.#devices.set(id, facts);
    return facts;
  }

  /** Verifies under the device's keys valid for the interval; reloads them once on a miss (a key may be new). */
  async #verifySignature(note: string, reading: ReadingPayload): Promise<string[]> {
    const startMs = instantMs(reading.start)!;
    const endMs = instantMs(reading.end)!;
    for (const reload of [false, true]) {
      const keys = await this.#deviceKeys(reading.device, reload);
      const verifiers = keysValidFor(keys, startMs, endMs).map((vkey) => this.#verifiers.get(vkey));
      try {
        return [openEntryNote(note, verifiers, this.#ledger.verify).vkey];
      } catch (error) {
        if (!(error instanceof GridproofError) || error.code !== 'unknown-signer') throw error;
      }
    }
    throw new GridproofError('no-valid-key', `no key of device ${reading.device} valid for ${reading.start}–${reading.end} signed this reading`);
  }

  async #deviceKeys(deviceId: string, reload: boolean): Promise<DeviceKeyEntry[]> {
    const cached = this.#keys.get(deviceId);
    if (cached && !reload) return cached;
    const keys = (await deviceKeys(this.#ledger.db, [deviceId])).get(deviceId)!;
    this.#keys.set(deviceId, keys);
    return keys;
  }
}

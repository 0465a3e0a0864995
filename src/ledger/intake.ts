/**
 * POST /v1/entries as a use case (docs/design.md §2 and §4):
 * everything that needs no lock is checked here, concurrently with other
 * requests (parse, schema, device, ownership, interval, capacity, signature);
 * what depends on log order (chain head, keys logged before the reading,
 * duplicates) is checked by the sequencer under the head lock.
 *
 * Signatures and leaf hashes are computed on the shared worker pool
 * (signature-batcher.ts), so the event loop parses the next request and the
 * sequencer writes the previous one meanwhile. A request is handed to the
 * sequencer whole, once every check of it is back: a request refused with
 * 503 because a worker died has written nothing.
 */
import { utf8 } from '../crypto/base64.ts';
import { deviceKeys, findDevice } from '../db/registry.ts';
import { parseEntry } from '../domain/entry.ts';
import type { DeviceType, ReadingPayload } from '../domain/payloads.ts';
import { checkReadingShape, keysValidFor, type DeviceFacts, type DeviceKeyEntry } from '../domain/reading-rules.ts';
import { instantMs } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import type { Caller } from './access.ts';
import { checkSignaturesOnPool, cpuPool } from './cpu-pool.ts';
import type { Ledger } from './ledger.ts';
import { Sequencer, type EntryResult, type PreparedReading } from './sequencer.ts';
import { SignatureBatcher, type SignatureOutcome } from './signature-batcher.ts';

export const MAX_ENTRIES_PER_REQUEST = 1000;

/** A note that passed every check but its signature. */
interface Parsed {
  position: number;
  note: string;
  payload: ReadingPayload;
  device: DeviceFacts;
}

export class ReadingIntake {
  readonly #ledger: Ledger;
  readonly #sequencer: Sequencer;
  readonly #signatures: SignatureBatcher;
  /** Devices never change once registered. */
  readonly #devices = new Map<string, DeviceFacts>();
  /** A hint only: the sequencer re-reads keys under the head lock. */
  readonly #keys = new Map<string, DeviceKeyEntry[]>();

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
    this.#sequencer = new Sequencer(ledger);
    const pool = cpuPool();
    // Booted now: the first readings need not wait for the threads.
    pool.warm();
    this.#signatures = new SignatureBatcher(checkSignaturesOnPool, pool.size);
  }

  idle(): Promise<void> {
    return this.#sequencer.idle();
  }

  async submit(caller: Caller, notes: readonly string[]): Promise<EntryResult[]> {
    if (notes.length > MAX_ENTRIES_PER_REQUEST) {
      throw new GridproofError('too-many-entries', `at most ${MAX_ENTRIES_PER_REQUEST} entries per request`);
    }
    const results: Array<EntryResult | undefined> = notes.map(() => undefined);
    const parsed: Parsed[] = [];
    for (const [position, note] of notes.entries()) {
      try {
        parsed.push(await this.#parse(caller, position, note));
      } catch (error) {
        if (!(error instanceof GridproofError)) throw error;
        results[position] = { error: { code: error.code, detail: error.detail } };
      }
    }
    const outcomes = await this.#checkSignatures(parsed);
    const prepared: PreparedReading[] = [];
    const positions: number[] = [];
    parsed.forEach(({ position, note, payload, device }, i) => {
      const { verdict, leafHash } = outcomes[i]!;
      if (typeof verdict !== 'string') {
        results[position] = { error: verdict };
        return;
      }
      prepared.push({ note, bytes: utf8(note), leafHash, payload, signedBy: [verdict], zone: device.biddingZone });
      positions.push(position);
    });
    const sequenced = await this.#sequencer.submit(prepared);
    sequenced.forEach((result, i) => {
      results[positions[i]!] = result;
    });
    return results as EntryResult[];
  }

  async #parse(caller: Caller, position: number, note: string): Promise<Parsed> {
    const { payload } = parseEntry(note, this.#ledger.origin);
    if (payload.kind !== 'reading') {
      throw new GridproofError('unknown-kind', `only readings are posted here; ${payload.kind} entries are written by the operator`);
    }
    const device = this.#devices.get(payload.device) ?? (await this.#loadDevice(payload.device));
    if (device.owner !== caller.id) throw new GridproofError('not-device-owner', `device ${device.id} belongs to another participant`);
    checkReadingShape(payload, device, this.#ledger.intervalSeconds, this.#ledger.now());
    return { position, note, payload, device };
  }

  async #loadDevice(id: string): Promise<DeviceFacts> {
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

  /**
   * Verifies each note under its device's keys valid for the interval, on
   * the pool. Notes no known key signed are checked once more with the keys
   * reloaded (a key may be new); then they are 'no-valid-key'.
   */
  async #checkSignatures(parsed: readonly Parsed[]): Promise<SignatureOutcome[]> {
    const check = (list: readonly Parsed[]) =>
      this.#signatures.check(
        list.map(({ note, payload }) => ({
          note,
          vkeys: keysValidFor(this.#keys.get(payload.device)!, instantMs(payload.start)!, instantMs(payload.end)!),
        })),
      );
    await this.#loadKeys(parsed.filter(({ payload }) => !this.#keys.has(payload.device)));
    const outcomes = await check(parsed);
    const unsigned = parsed.flatMap((item, i) => (unknownSigner(outcomes[i]!) ? [i] : []));
    if (unsigned.length === 0) return outcomes;
    const again = unsigned.map((i) => parsed[i]!);
    await this.#loadKeys(again);
    (await check(again)).forEach((outcome, j) => {
      const { payload } = again[j]!;
      outcomes[unsigned[j]!] = unknownSigner(outcome)
        ? {
            verdict: { code: 'no-valid-key', detail: `no key of device ${payload.device} valid for ${payload.start}–${payload.end} signed this reading` },
            leafHash: outcome.leafHash,
          }
        : outcome;
    });
    return outcomes;
  }

  async #loadKeys(list: readonly Parsed[]): Promise<void> {
    const ids = [...new Set(list.map(({ payload }) => payload.device))];
    if (ids.length === 0) return;
    for (const [id, keys] of await deviceKeys(this.#ledger.db, ids)) this.#keys.set(id, keys);
  }
}

const unknownSigner = ({ verdict }: SignatureOutcome): boolean => typeof verdict !== 'string' && verdict.code === 'unknown-signer';

/**
 * POST /v1/entries as a use case (docs/design.md §2 and §4):
 * everything that needs no lock is checked here, concurrently with other
 * requests (parse, schema, device, ownership, interval, capacity, signature);
 * what depends on log order (chain head, keys logged before the reading,
 * duplicates) is checked by the sequencer under the head lock.
 *
 * Signatures and leaf hashes are computed on the shared worker pool
 * (pool-batcher.ts), so the event loop parses the next request and the
 * sequencer writes the previous one meanwhile. A request is handed to the
 * sequencer whole, once every check of it is back: a request refused with
 * 503 because a worker died has written nothing to the log (verdicts of key
 * checks it caused may be stored: they hold whatever the request's fate).
 * Devices' facts and keys come from DeviceHints; a request keeps what it
 * loaded, so other requests pushing them out meanwhile change nothing.
 */
import { utf8 } from '../crypto/base64.ts';
import { parseEntry } from '../domain/entry.ts';
import type { ReadingPayload } from '../domain/payloads.ts';
import type { SignatureOutcome } from '../domain/reading-signatures.ts';
import { checkReadingShape, keysValidFor, type DeviceFacts, type DeviceKeyEntry } from '../domain/reading-rules.ts';
import { instantMs } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import type { Caller } from './access.ts';
import { checkSignaturesOnPool, cpuPool } from './cpu-pool.ts';
import { DeviceHints } from './device-hints.ts';
import type { Ledger } from './ledger.ts';
import { Sequencer, type EntryResult, type PreparedReading } from './sequencer.ts';

export const MAX_ENTRIES_PER_REQUEST = 1000;

/** Readings parsed before their checks go to the pool: a worker starts on a batch after a few hundred µs of parsing. */
const STREAM_CHUNK = 32;

/** A note that passed every check but its signature. */
interface Parsed {
  position: number;
  note: string;
  payload: ReadingPayload;
  device: DeviceFacts;
  /** The device's keys as the intake knew them (a hint: the sequencer reads them again under the head lock). */
  keys: readonly DeviceKeyEntry[];
}

export class ReadingIntake {
  readonly #ledger: Ledger;
  readonly #sequencer: Sequencer;
  readonly #hints: DeviceHints;

  /** `hints`: what the intake keeps of devices between requests (by default, DEVICE_HINTS_SIZE of them). */
  constructor(ledger: Ledger, options: { hints?: DeviceHints } = {}) {
    this.#ledger = ledger;
    this.#hints = options.hints ?? new DeviceHints(ledger.db);
    this.#sequencer = new Sequencer(ledger);
    const pool = cpuPool();
    // Booted now: the first readings need not wait for the threads.
    pool.warm();
  }

  idle(): Promise<void> {
    return this.#sequencer.idle();
  }

  /** The caller's id decides whose devices it may post for; its name is for people to read, and the intake needs none. */
  async submit(caller: Pick<Caller, 'id' | 'role'>, notes: readonly string[]): Promise<EntryResult[]> {
    if (notes.length > MAX_ENTRIES_PER_REQUEST) {
      throw new GridproofError('too-many-entries', `at most ${MAX_ENTRIES_PER_REQUEST} entries per request`);
    }
    const results: Array<EntryResult | undefined> = notes.map(() => undefined);
    const refuse = (position: number, error: unknown) => {
      if (!(error instanceof GridproofError)) throw error;
      results[position] = { error: { code: error.code, detail: error.detail } };
    };
    // Checks go to the pool a chunk at a time while the rest is parsed, so
    // the workers start on a batch before the event loop has read all of it.
    const parsed: Parsed[] = [];
    const checks: Array<Promise<SignatureOutcome[]>> = [];
    let chunk: Parsed[] = [];
    const send = () => {
      if (chunk.length === 0) return;
      checks.push(this.#check(chunk));
      parsed.push(...chunk);
      chunk = [];
    };
    /** Readings of a device whose facts or keys are not held: checked once they are loaded. */
    const later: Array<{ position: number; note: string; payload: ReadingPayload }> = [];
    try {
      for (const [position, note] of notes.entries()) {
        try {
          const payload = this.#parse(note);
          const held = this.#hints.held(payload.device);
          if (held === undefined) later.push({ position, note, payload });
          else chunk.push(this.#accept(caller, position, note, payload, held.device, held.keys));
        } catch (error) {
          refuse(position, error);
        }
        if (chunk.length === STREAM_CHUNK) send();
      }
      send();
      if (later.length > 0) {
        const devices = await this.#hints.devices(later.map(({ payload }) => payload.device));
        const keys = await this.#hints.keys([...devices.keys()]);
        for (const { position, note, payload } of later) {
          try {
            const device = devices.get(payload.device);
            if (device === undefined) throw new GridproofError('unknown-device', `no device ${payload.device}`);
            chunk.push(this.#accept(caller, position, note, payload, device, keys.get(payload.device) ?? []));
          } catch (error) {
            refuse(position, error);
          }
        }
        send();
      }
    } catch (error) {
      // Checks already out must not end as unhandled rejections.
      for (const check of checks) check.catch(() => undefined);
      throw error;
    }
    const outcomes = await this.#recheckUnsigned(parsed, (await Promise.all(checks)).flat());
    // In the order of the request, whatever order the checks went out in.
    const order = parsed.map((_, i) => i).sort((a, b) => parsed[a]!.position - parsed[b]!.position);
    const prepared: PreparedReading[] = [];
    const positions: number[] = [];
    for (const i of order) {
      const { position, note, payload, device } = parsed[i]!;
      const { verdict, leafHash } = outcomes[i]!;
      if (typeof verdict !== 'string') {
        results[position] = { error: verdict };
        continue;
      }
      prepared.push({ note, bytes: utf8(note), leafHash, payload, signedBy: [verdict], zone: device.biddingZone });
      positions.push(position);
    }
    const sequenced = await this.#sequencer.submit(prepared);
    sequenced.forEach((result, i) => {
      results[positions[i]!] = result;
    });
    return results as EntryResult[];
  }

  #parse(note: string): ReadingPayload {
    const { payload } = parseEntry(note, this.#ledger.origin);
    if (payload.kind !== 'reading') {
      throw new GridproofError('unknown-kind', `only readings are posted here; ${payload.kind} entries are written by the operator`);
    }
    return payload;
  }

  #accept(caller: Pick<Caller, 'id'>, position: number, note: string, payload: ReadingPayload, device: DeviceFacts, keys: readonly DeviceKeyEntry[]): Parsed {
    if (device.owner !== caller.id) throw new GridproofError('not-device-owner', `device ${device.id} belongs to another participant`);
    checkReadingShape(payload, device, this.#ledger.intervalSeconds, this.#ledger.now());
    return { position, note, payload, device, keys };
  }

  /** Verifies each note under its device's keys valid for the interval, on the pool. */
  #check(list: readonly Parsed[]): Promise<SignatureOutcome[]> {
    return checkSignaturesOnPool(
      list.map(({ note, payload, keys }) => ({
        note,
        vkeys: keysValidFor(keys, instantMs(payload.start)!, instantMs(payload.end)!),
      })),
    );
  }

  /**
   * Notes no known key signed are checked once more with the keys reloaded
   * (a key may be new); then they are 'no-valid-key'.
   */
  async #recheckUnsigned(parsed: readonly Parsed[], outcomes: SignatureOutcome[]): Promise<SignatureOutcome[]> {
    const unsigned = parsed.flatMap((item, i) => (unknownSigner(outcomes[i]!) ? [i] : []));
    if (unsigned.length === 0) return outcomes;
    const reloaded = await this.#hints.reloadKeys(unsigned.map((i) => parsed[i]!.payload.device));
    const again = unsigned.map((i) => ({ ...parsed[i]!, keys: reloaded.get(parsed[i]!.payload.device) ?? [] }));
    (await this.#check(again)).forEach((outcome, j) => {
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
}

const unknownSigner = ({ verdict }: SignatureOutcome): boolean => typeof verdict !== 'string' && verdict.code === 'unknown-signer';

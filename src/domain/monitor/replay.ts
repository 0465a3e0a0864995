/**
 * The monitor's replay of the whole log (DESIGN.md "Proof bundle and
 * verification", last paragraphs; issue 3 §6 and issue 5 §4). Fed every entry
 * in log order, it checks what one entry, and one bundle, cannot show alone:
 *
 * - signatures under the keys the log itself registered, in log order: entry
 *   0 is the operator `key` entry signed by the log key; an operator-signed
 *   entry verifies under the latest operator key logged before it; a reading
 *   under its device's key entries logged before it (keysValidFor);
 * - each device's chain (checkChain: seq, prev, interval order) and the
 *   reading rules that need no clock beyond `nowMs`;
 * - Σ allocations from a reading ≤ its export, to a reading ≤ its import;
 * - one settlement per supply reading; every allocation listed, with its wh,
 *   in its source's settlement; no settlement lists an allocation from
 *   another source;
 * - an allocation claimed at most once across all claims;
 * - storage: no charge allocation drawn beyond floor(wh × efficiencyBp /
 *   10000), and the attributed state of charge of each storage device (green
 *   lots after losses minus draws) within [0, energyCapacityWh]. As in
 *   matching (domain/matching.ts), the upper bound counts the charge held
 *   before an interval plus every charge of the interval, not net of the
 *   interval's draws, since within the hour the charge may have come first.
 *
 * Findings carry the indexes of the entries involved. An entry that fails to
 * parse or to verify is reported and then ignored, so later entries that rely
 * on it report `unknown-*` rather than pass.
 *
 * The state is kept between runs (snapshot/restore, plain JSON), so a monitor
 * only replays the entries appended since its last run. Pure: no I/O; the
 * Ed25519 verify function is a parameter (noble by default).
 */
import { toBase64 } from '../../crypto/base64.ts';
import { nobleVerify, type VerifyFn } from '../../crypto/ed25519.ts';
import { openNote, parseVerifierKey, VerifierCache, type Verifier } from '../../crypto/note.ts';
import { GridproofError } from '../../errors.ts';
import { parseEntry, type ParsedEntry } from '../entry.ts';
import {
  supplyDeviceTypes,
  type AllocationPayload,
  type ClaimPayload,
  type ContractPayload,
  type DevicePayload,
  type DeviceType,
  type KeyPayload,
  type ParticipantPayload,
  type ReadingPayload,
  type Role,
  type SettlementPayload,
} from '../payloads.ts';
import { checkChain, checkReadingShape, keysValidFor, type DeviceKeyEntry } from '../reading-rules.ts';
import { lotWh } from '../storage-lots.ts';
import { instantMs } from '../time.ts';
import { parseWh } from '../wh.ts';
import { finding, type Finding, type ReplayFindingCode } from './findings.ts';

export const REPLAY_STATE_VERSION = 1;

const OWNER_ROLE: Record<DeviceType, Role> = { wind: 'generator', solar: 'generator', storage: 'generator', consumption: 'tenant' };

interface ParticipantRec {
  index: number;
  role: Role;
}

interface DeviceRec {
  index: number;
  owner: string;
  type: DeviceType;
  zone: string;
  capacityW: number;
  commissioningDate: string;
  /** Storage only. */
  energyCapacityWh: bigint | undefined;
  efficiencyBp: number | undefined;
  keys: DeviceKeyEntry[];
  head: { seq: number; leafHash: string; endMs: number; index: number } | undefined;
  /** Storage: green lots after losses minus draws. */
  socWh: bigint;
}

interface ContractRec {
  index: number;
  device: string;
  tenant: string;
}

interface ReadingRec {
  index: number;
  device: string;
  startMs: number;
  endMs: number;
  importWh: bigint;
  exportWh: bigint;
  /** Σ allocations from it. */
  fromWh: bigint;
  /** Σ allocations to it. */
  toWh: bigint;
  /** Index of its settlement. */
  settlement: number | undefined;
  /** Allocations from it awaiting its settlement (emptied when it comes). */
  pending: string[];
}

interface AllocationRec {
  index: number;
  source: string;
  sink: string;
  wh: bigint;
  startMs: number;
  endMs: number;
  /** Index of the settlement that lists it. */
  settlement: number | undefined;
  /** Index of the first claim that lists it. */
  claim: number | undefined;
  /** A charge of storage: the green lot it left and what was drawn from it. */
  charge: { device: string; lotWh: bigint; drawnWh: bigint } | undefined;
}

/** The replay state as JSON: Wh as decimal strings, maps as [key, value] pairs in insertion order. */
export interface ReplaySnapshot {
  version: typeof REPLAY_STATE_VERSION;
  origin: string;
  /** Entries replayed: the next index expected. */
  size: number;
  operatorKey: { vkey: string; index: number } | null;
  participants: Array<[string, ParticipantRec]>;
  devices: Array<[string, Json<DeviceRec>]>;
  contracts: Array<[string, ContractRec]>;
  readings: Array<[string, Json<ReadingRec>]>;
  allocations: Array<[string, Json<AllocationRec>]>;
  /** Leaf hashes of settlements and claims (duplicates), with their indexes. */
  settlements: Array<[string, number]>;
  claims: Array<[string, number]>;
}

/** A record with bigints as strings and undefined members left out. */
type Json<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint | undefined ? string | undefined : T[K] extends { [k: string]: unknown } | undefined ? Json<NonNullable<T[K]>> | undefined : T[K] };

export interface ReplayOptions {
  /** The log's origin: entries of another log are `bad-entry`. */
  origin: string;
  /** The log key (its name is the origin): entry 0's signer. */
  logVerifier: Verifier;
  verify?: VerifyFn;
  /** Readings ending after this instant are `bad-reading` (default: no limit). */
  nowMs?: number;
}

const bigintsToStrings = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

function toJson<T>(value: T): Json<T> {
  return JSON.parse(JSON.stringify(value, bigintsToStrings)) as Json<T>;
}

const optionalWh = (text: string | undefined): bigint | undefined => (text === undefined ? undefined : BigInt(text));

export class LogReplay {
  readonly origin: string;
  readonly #logVerifier: Verifier;
  readonly #verify: VerifyFn;
  readonly #nowMs: number;
  readonly #verifiers = new VerifierCache();

  #size = 0;
  #operatorKey: { vkey: string; index: number } | null = null;
  readonly #participants = new Map<string, ParticipantRec>();
  readonly #devices = new Map<string, DeviceRec>();
  readonly #contracts = new Map<string, ContractRec>();
  readonly #readings = new Map<string, ReadingRec>();
  readonly #allocations = new Map<string, AllocationRec>();
  readonly #settlements = new Map<string, number>();
  readonly #claims = new Map<string, number>();
  /** Allocations whose source had no settlement when they were logged and still has none. */
  readonly #unsettled = new Set<string>();

  /** The run of consecutive allocations of one interval (one matching transaction). */
  #block: { interval: string; devices: Map<string, { socStartWh: bigint; chargedWh: bigint }> } | undefined;

  #findings: Finding[] = [];

  constructor(options: ReplayOptions, snapshot?: ReplaySnapshot) {
    this.origin = options.origin;
    this.#logVerifier = options.logVerifier;
    this.#verify = options.verify ?? nobleVerify;
    this.#nowMs = options.nowMs ?? Number.POSITIVE_INFINITY;
    if (options.logVerifier.name !== options.origin) {
      throw new GridproofError('bad-verifier-key', `the log key is named ${options.logVerifier.name}, not ${options.origin}`);
    }
    if (snapshot) this.#restore(snapshot);
  }

  /** The number of entries replayed: the index the next entry must have. */
  get size(): number {
    return this.#size;
  }

  /**
   * Checks entry `index` (which must be `size`): its exact text and its leaf
   * hash (SHA-256(0x00 || bytes), computed by the caller, who also needs it
   * for the root). Returns the findings it raised.
   */
  add(index: number, note: string, leafHash: Uint8Array): Finding[] {
    if (index !== this.#size) throw new GridproofError('bad-request', `expected entry ${this.#size}, got ${index}`);
    this.#size++;
    this.#findings = [];
    let entry: ParsedEntry;
    try {
      entry = parseEntry(note, this.origin);
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      this.#report(index === 0 ? 'bad-first-entry' : 'bad-entry', [index], `${error.code}: ${error.detail}`);
      return this.#findings;
    }
    const { payload } = entry;
    if (payload.kind !== 'allocation') this.#block = undefined;
    if (!this.#checkSignature(index, note, payload)) return this.#findings;
    const hash = toBase64(leafHash);
    try {
      switch (payload.kind) {
        case 'key':
          this.#key(index, payload);
          break;
        case 'participant':
          this.#participant(index, payload);
          break;
        case 'device':
          this.#device(index, payload);
          break;
        case 'contract':
          this.#contract(index, hash, payload);
          break;
        case 'zone':
          break;
        case 'reading':
          this.#reading(index, hash, payload);
          break;
        case 'allocation':
          this.#allocation(index, hash, payload);
          break;
        case 'settlement':
          this.#settlement(index, hash, payload);
          break;
        case 'claim':
          this.#claim(index, hash, payload);
          break;
      }
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      this.#report('bad-entry', [index], `${error.code}: ${error.detail}`);
    }
    return this.#findings;
  }

  /**
   * The checks that only the end of the replayed range can settle: an
   * allocation whose source reading has no settlement yet. Matching logs an
   * interval's allocations and settlements in one transaction, so a
   * checkpoint never falls between them.
   */
  finish(): Finding[] {
    this.#block = undefined;
    this.#findings = [];
    for (const hash of this.#unsettled) {
      const allocation = this.#allocations.get(hash)!;
      const source = this.#readings.get(allocation.source)!;
      this.#report('allocation-outside-settlement', [source.index, allocation.index], `allocation ${hash} (entry ${allocation.index}): its source reading (entry ${source.index}) has no settlement`);
    }
    return this.#findings;
  }

  #report(code: ReplayFindingCode, indexes: readonly (number | undefined)[], detail: string): void {
    this.#findings.push(finding(code, indexes.filter((i): i is number => i !== undefined), detail));
  }

  /** Signatures under the keys the log registered before this entry, in log order. */
  #checkSignature(index: number, note: string, payload: ParsedEntry['payload']): boolean {
    let verifiers: Verifier[];
    if (index === 0) {
      if (payload.kind !== 'key' || payload.subjectType !== 'operator') {
        this.#report('bad-first-entry', [0], `entry 0 is a ${payload.kind} entry, not the operator key entry signed by the log key`);
        return false;
      }
      verifiers = [this.#logVerifier];
    } else if (payload.kind === 'reading') {
      const device = this.#devices.get(payload.device);
      if (!device) {
        this.#report('unknown-device', [index], `reading of device ${payload.device}, which no device entry before it registers`);
        return false;
      }
      const valid = keysValidFor(device.keys, instantMs(payload.start)!, instantMs(payload.end)!);
      if (valid.length === 0) {
        this.#report('no-valid-key', [index], `device ${payload.device} has no key entry logged before this reading that is valid for ${payload.start}/${payload.end}`);
        return false;
      }
      verifiers = valid.map((vkey) => this.#verifiers.get(vkey));
    } else {
      if (!this.#operatorKey) {
        this.#report('no-valid-key', [index], 'no operator key is registered before this entry');
        return false;
      }
      verifiers = [this.#verifiers.get(this.#operatorKey.vkey)];
    }
    try {
      openNote(note, verifiers, this.#verify);
      return true;
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      const signer = payload.kind === 'reading' ? `a key of device ${payload.device} valid for it` : index === 0 ? 'the log key' : 'the operator key';
      if (index === 0) this.#report('bad-first-entry', [0], `entry 0 is not signed by the log key ${this.#logVerifier.vkey} (${error.code})`);
      else if (error.code === 'unknown-signer') this.#report('no-valid-key', [index], `a ${payload.kind} entry not signed by ${signer}`);
      else if (error.code === 'bad-signature') this.#report('bad-signature', [index], `the signature by ${signer} does not verify`);
      else this.#report('bad-entry', [index], `${error.code}: ${error.detail}`);
      return false;
    }
  }

  #key(index: number, key: KeyPayload): void {
    const verifier = parseVerifierKey(key.verifierKey); // an unusable key is bad-entry
    if (key.subjectType === 'operator') {
      if (!key.subjectId) this.#operatorKey = { vkey: verifier.vkey, index };
      else this.#report('bad-entry', [index], 'an operator key entry names no subject id');
      return;
    }
    const device = key.subjectId === undefined ? undefined : this.#devices.get(key.subjectId);
    if (!device) {
      this.#report('unknown-device', [index], `key entry for device ${key.subjectId ?? '(none)'}, which no device entry before it registers`);
      return;
    }
    device.keys.push({
      entryIdx: index,
      verifierKey: verifier.vkey,
      validFromMs: instantMs(key.validFrom)!,
      validUntilMs: key.validUntil === undefined ? undefined : instantMs(key.validUntil)!,
    });
  }

  #participant(index: number, participant: ParticipantPayload): void {
    const earlier = this.#participants.get(participant.id);
    if (earlier) {
      this.#report('duplicate-registration', [earlier.index, index], `participant ${participant.id} is registered twice`);
      return;
    }
    this.#participants.set(participant.id, { index, role: participant.role });
  }

  #device(index: number, device: DevicePayload): void {
    const earlier = this.#devices.get(device.id);
    if (earlier) {
      this.#report('duplicate-registration', [earlier.index, index], `device ${device.id} is registered twice`);
      return;
    }
    const owner = this.#participants.get(device.owner);
    if (owner?.role !== OWNER_ROLE[device.type]) {
      this.#report('unknown-participant', [owner?.index, index], `device ${device.id} (${device.type}) belongs to ${device.owner}, which is no ${OWNER_ROLE[device.type]} registered before it`);
    }
    this.#devices.set(device.id, {
      index,
      owner: device.owner,
      type: device.type,
      zone: device.biddingZone,
      capacityW: device.capacityW,
      commissioningDate: device.commissioningDate,
      energyCapacityWh: optionalWh(device.energyCapacityWh),
      efficiencyBp: device.efficiencyBp,
      keys: [],
      head: undefined,
      socWh: 0n,
    });
  }

  #contract(index: number, hash: string, contract: ContractPayload): void {
    if (this.#isDuplicate(this.#contracts.get(hash)?.index, index)) return;
    const device = this.#devices.get(contract.device);
    if (!device) this.#report('unknown-device', [index], `contract ${contract.id} for device ${contract.device}, which no device entry before it registers`);
    const tenant = this.#participants.get(contract.tenant);
    if (tenant?.role !== 'tenant') this.#report('unknown-participant', [tenant?.index, index], `contract ${contract.id} for ${contract.tenant}, which is no tenant registered before it`);
    this.#contracts.set(hash, { index, device: contract.device, tenant: contract.tenant });
  }

  #isDuplicate(earlier: number | undefined, index: number): boolean {
    if (earlier === undefined) return false;
    this.#report('duplicate-entry', [earlier, index], `entry ${index} has the same bytes as entry ${earlier}`);
    return true;
  }

  #reading(index: number, hash: string, reading: ReadingPayload): void {
    if (this.#isDuplicate(this.#readings.get(hash)?.index, index)) return;
    const device = this.#devices.get(reading.device)!; // the signature check found it
    const startMs = instantMs(reading.start)!;
    const endMs = instantMs(reading.end)!;
    try {
      const facts = { id: reading.device, owner: device.owner, type: device.type, capacityW: device.capacityW, commissioningDate: device.commissioningDate, biddingZone: device.zone };
      checkReadingShape(reading, facts, Math.max(1, (endMs - startMs) / 1000), this.#nowMs);
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      this.#report('bad-reading', [index], `${error.code}: ${error.detail}`);
    }
    try {
      checkChain(reading, device.head);
      device.head = { seq: reading.seq, leafHash: hash, endMs, index };
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      this.#report('chain-break', [device.head?.index, index], `device ${reading.device} seq ${reading.seq}: ${error.code}: ${error.detail}`);
      // Resynchronise on this reading unless it reuses an old seq, so one break is reported once.
      if (error.code !== 'seq-conflict') device.head = { seq: reading.seq, leafHash: hash, endMs, index };
    }
    this.#readings.set(hash, {
      index,
      device: reading.device,
      startMs,
      endMs,
      importWh: parseWh(reading.importWh),
      exportWh: parseWh(reading.exportWh),
      fromWh: 0n,
      toWh: 0n,
      settlement: undefined,
      pending: [],
    });
  }

  /** The device's state of charge at the start of the current interval's block, and the block's charges. */
  #touch(interval: string, device: DeviceRec, id: string): { socStartWh: bigint; chargedWh: bigint } {
    if (this.#block?.interval !== interval) this.#block = { interval, devices: new Map() };
    let entry = this.#block.devices.get(id);
    if (!entry) {
      entry = { socStartWh: device.socWh, chargedWh: 0n };
      this.#block.devices.set(id, entry);
    }
    return entry;
  }

  #allocation(index: number, hash: string, allocation: AllocationPayload): void {
    if (this.#isDuplicate(this.#allocations.get(hash)?.index, index)) return;
    const wh = parseWh(allocation.wh);
    const startMs = instantMs(allocation.start)!;
    const endMs = instantMs(allocation.end)!;
    const rec: AllocationRec = { index, source: allocation.source, sink: allocation.sink, wh, startMs, endMs, settlement: undefined, claim: undefined, charge: undefined };
    this.#allocations.set(hash, rec);
    const source = this.#readings.get(allocation.source);
    const sink = this.#readings.get(allocation.sink);
    if (!source || !sink) {
      const missing = [!source ? `source ${allocation.source}` : '', !sink ? `sink ${allocation.sink}` : ''].filter(Boolean).join(' and ');
      this.#report('unknown-reading', [source?.index, sink?.index, index], `allocation ${hash}: its ${missing} is no reading logged before it`);
      return;
    }
    const sourceDevice = this.#devices.get(source.device)!;
    const sinkDevice = this.#devices.get(sink.device)!;

    const problems: string[] = [];
    if (!supplyDeviceTypes.includes(sourceDevice.type)) problems.push(`its source is a ${sourceDevice.type} reading`);
    if (sinkDevice.type !== 'consumption' && sinkDevice.type !== 'storage') problems.push(`its sink is a ${sinkDevice.type} reading`);
    if (sourceDevice.type === 'storage' && sinkDevice.type === 'storage') problems.push('it charges storage from storage');
    if (wh === 0n) problems.push('it is of zero Wh');
    if (source.startMs > startMs || endMs > source.endMs) problems.push('its source reading does not cover its interval');
    if (sink.startMs > startMs || endMs > sink.endMs) problems.push('its sink reading does not cover its interval');
    if (sourceDevice.zone !== allocation.zone || sinkDevice.zone !== allocation.zone) {
      problems.push(`zone ${allocation.zone}, but its devices are in ${sourceDevice.zone} and ${sinkDevice.zone}`);
    }
    if (allocation.rule === 'contract') {
      const contract = allocation.contract === undefined ? undefined : this.#contracts.get(allocation.contract);
      if (!contract) problems.push(`its contract ${allocation.contract} is no contract entry logged before it`);
      else {
        if (contract.device !== source.device) problems.push(`its contract is for device ${contract.device}, not ${source.device}`);
        if (contract.tenant !== sinkDevice.owner) problems.push(`its contract is for tenant ${contract.tenant}, not ${sinkDevice.owner}`);
      }
    }
    if (problems.length > 0) this.#report('allocation-mismatch', [source.index, sink.index, index], `allocation ${hash}: ${problems.join('; ')}`);

    source.fromWh += wh;
    if (source.fromWh > source.exportWh) {
      this.#report('source-over-allocated', [source.index, index], `reading ${allocation.source} (entry ${source.index}) exports ${source.exportWh} Wh, allocations from it now add up to ${source.fromWh} Wh`);
    }
    sink.toWh += wh;
    if (sink.toWh > sink.importWh) {
      this.#report('sink-over-allocated', [sink.index, index], `reading ${allocation.sink} (entry ${sink.index}) imports ${sink.importWh} Wh, allocations to it now add up to ${sink.toWh} Wh`);
    }

    if (source.settlement !== undefined) {
      this.#report('allocation-outside-settlement', [source.index, source.settlement, index], `allocation ${hash} is logged after the settlement (entry ${source.settlement}) of its source`);
    } else {
      source.pending.push(hash);
      this.#unsettled.add(hash);
    }

    const interval = `${allocation.start}/${allocation.end}`;
    if (sourceDevice.type === 'storage') this.#discharge(index, hash, allocation, rec, source, sourceDevice, interval);
    else if (allocation.draws) this.#report('bad-draw', [index], `allocation ${hash} draws on storage charge, but its source is a ${sourceDevice.type} reading`);
    if (sinkDevice.type === 'storage' && sourceDevice.type !== 'storage') this.#charge(index, rec, sink, sinkDevice, interval);
  }

  #discharge(index: number, hash: string, allocation: AllocationPayload, rec: AllocationRec, source: ReadingRec, device: DeviceRec, interval: string): void {
    if (!allocation.draws) {
      this.#report('bad-draw', [index], `allocation ${hash} from storage ${source.device} names no charge it draws on`);
      return;
    }
    this.#touch(interval, device, source.device);
    let drawn = 0n;
    let beyond = false;
    for (const draw of allocation.draws) {
      const wh = parseWh(draw.wh);
      drawn += wh;
      const charge = this.#allocations.get(draw.allocation);
      if (!charge?.charge || charge === rec || charge.charge.device !== source.device || charge.endMs > rec.startMs) {
        const why = !charge || charge === rec ? 'is no allocation logged before it' : !charge.charge ? 'is no storage charge' : charge.charge.device !== source.device ? `charged ${charge.charge.device}, not ${source.device}` : 'is not of an earlier interval';
        this.#report('bad-draw', [charge === rec ? undefined : charge?.index, index], `allocation ${hash} draws on ${draw.allocation}, which ${why}`);
        continue;
      }
      charge.charge.drawnWh += wh;
      device.socWh -= wh;
      if (charge.charge.drawnWh > charge.charge.lotWh) {
        beyond = true;
        this.#report('draw-beyond-charge', [charge.index, index], `charge ${draw.allocation} (entry ${charge.index}) left ${charge.charge.lotWh} Wh after losses; draws on it now add up to ${charge.charge.drawnWh} Wh`);
      }
    }
    if (drawn !== rec.wh) this.#report('bad-draw', [index], `allocation ${hash} is of ${rec.wh} Wh but its draws add up to ${drawn} Wh`);
    if (!beyond && device.socWh < 0n) {
      this.#report('state-of-charge', [index], `storage ${source.device}: attributed state of charge ${device.socWh} Wh is below 0`);
    }
  }

  #charge(index: number, rec: AllocationRec, sink: ReadingRec, device: DeviceRec, interval: string): void {
    const lot = lotWh(rec.wh, device.efficiencyBp ?? 10000);
    rec.charge = { device: sink.device, lotWh: lot, drawnWh: 0n };
    const block = this.#touch(interval, device, sink.device);
    block.chargedWh += lot;
    device.socWh += lot;
    const peak = block.socStartWh + block.chargedWh;
    const capacity = device.energyCapacityWh ?? 0n;
    if (peak > capacity) {
      this.#report('state-of-charge', [device.index, index], `storage ${sink.device}: ${block.socStartWh} Wh held before ${interval} plus ${block.chargedWh} Wh charged in it exceed the energy capacity ${capacity} Wh`);
    }
  }

  #settlement(index: number, hash: string, settlement: SettlementPayload): void {
    if (this.#isDuplicate(this.#settlements.get(hash), index)) return;
    this.#settlements.set(hash, index);
    const source = this.#readings.get(settlement.source);
    if (!source) {
      this.#report('unknown-reading', [index], `settlement of ${settlement.source}, which is no reading logged before it`);
      return;
    }
    if (source.settlement !== undefined) {
      this.#report('second-settlement', [source.index, source.settlement, index], `reading ${settlement.source} (entry ${source.index}) was already settled by entry ${source.settlement}`);
      return;
    }
    source.settlement = index;
    const device = this.#devices.get(source.device)!;
    const problems: string[] = [];
    if (!supplyDeviceTypes.includes(device.type)) problems.push(`its source is a ${device.type} reading`);
    if (instantMs(settlement.start) !== source.startMs || instantMs(settlement.end) !== source.endMs) problems.push("its interval is not its reading's");
    const supplyWh = parseWh(settlement.supplyWh);
    if (supplyWh !== source.exportWh) problems.push(`supplyWh ${supplyWh}, but the reading exports ${source.exportWh}`);

    const listed = new Set<string>();
    let total = 0n;
    for (const item of settlement.allocations) {
      const wh = parseWh(item.wh);
      total += wh;
      if (listed.has(item.allocation)) {
        problems.push(`it lists ${item.allocation} twice`);
        continue;
      }
      listed.add(item.allocation);
      const allocation = this.#allocations.get(item.allocation);
      if (!allocation) {
        this.#report('settlement-mismatch', [index], `settlement ${hash} lists ${item.allocation}, which is no allocation logged before it`);
      } else if (allocation.source !== settlement.source) {
        this.#report('settlement-mismatch', [allocation.index, index], `settlement ${hash} lists allocation ${item.allocation} (entry ${allocation.index}), which is not from its source`);
      } else {
        if (allocation.wh !== wh) {
          this.#report('settlement-mismatch', [allocation.index, index], `settlement ${hash} lists allocation ${item.allocation} with ${wh} Wh, the allocation is of ${allocation.wh} Wh`);
        }
        allocation.settlement = index;
        this.#unsettled.delete(item.allocation);
      }
    }
    const allocatedWh = parseWh(settlement.allocatedWh);
    if (allocatedWh !== total) problems.push(`allocatedWh ${allocatedWh}, but its list adds up to ${total}`);
    if (allocatedWh > supplyWh) problems.push(`allocatedWh ${allocatedWh} exceeds supplyWh ${supplyWh}`);
    if (problems.length > 0) this.#report('settlement-mismatch', [source.index, index], `settlement ${hash}: ${problems.join('; ')}`);

    for (const pending of source.pending) {
      if (listed.has(pending)) continue;
      const allocation = this.#allocations.get(pending)!;
      this.#unsettled.delete(pending);
      this.#report('allocation-outside-settlement', [allocation.index, index], `allocation ${pending} (entry ${allocation.index}) is not listed in its source's settlement (entry ${index})`);
    }
    source.pending = [];
  }

  #claim(index: number, hash: string, claim: ClaimPayload): void {
    if (this.#isDuplicate(this.#claims.get(hash), index)) return;
    this.#claims.set(hash, index);
    const tenant = this.#participants.get(claim.tenant);
    if (tenant?.role !== 'tenant') this.#report('unknown-participant', [tenant?.index, index], `claim ${claim.id} for ${claim.tenant}, which is no tenant registered before it`);
    const startMs = instantMs(claim.start)!;
    const endMs = instantMs(claim.end)!;
    const seen = new Set<string>();
    let total = 0n;
    for (const leaf of claim.allocations) {
      const allocation = this.#allocations.get(leaf);
      if (seen.has(leaf)) {
        this.#report('double-claim', [allocation?.index, index], `claim ${claim.id} lists allocation ${leaf} twice`);
        continue;
      }
      seen.add(leaf);
      if (!allocation) {
        this.#report('claim-mismatch', [index], `claim ${claim.id} lists ${leaf}, which is no allocation logged before it`);
        continue;
      }
      total += allocation.wh;
      if (allocation.claim !== undefined) {
        this.#report('double-claim', [allocation.index, allocation.claim, index], `allocation ${leaf} (entry ${allocation.index}) is claimed by entry ${allocation.claim} and again by claim ${claim.id}`);
      } else allocation.claim = index;
      const sink = this.#readings.get(allocation.sink);
      const owner = sink ? this.#devices.get(sink.device)?.owner : undefined;
      if (owner !== claim.tenant) this.#report('claim-mismatch', [allocation.index, index], `claim ${claim.id} of ${claim.tenant} lists allocation ${leaf}, which goes to ${owner ?? 'an unknown reading'}`);
      if (allocation.startMs < startMs || allocation.endMs > endMs) {
        this.#report('claim-mismatch', [allocation.index, index], `claim ${claim.id} lists allocation ${leaf}, which is outside its period ${claim.start}/${claim.end}`);
      }
    }
    const wh = parseWh(claim.wh);
    if (wh !== total) this.#report('claim-mismatch', [index], `claim ${claim.id} states ${wh} Wh, its allocations add up to ${total} Wh`);
  }

  /** The state as JSON, to continue from in a later run (after finish()). */
  snapshot(): ReplaySnapshot {
    return {
      version: REPLAY_STATE_VERSION,
      origin: this.origin,
      size: this.#size,
      operatorKey: this.#operatorKey,
      participants: [...this.#participants],
      devices: [...this.#devices].map(([id, rec]) => [id, toJson<DeviceRec>(rec)]),
      contracts: [...this.#contracts],
      readings: [...this.#readings].map(([hash, rec]) => [hash, toJson<ReadingRec>(rec)]),
      allocations: [...this.#allocations].map(([hash, rec]) => [hash, toJson<AllocationRec>(rec)]),
      settlements: [...this.#settlements],
      claims: [...this.#claims],
    };
  }

  #restore(snapshot: ReplaySnapshot): void {
    if (snapshot.version !== REPLAY_STATE_VERSION) throw new GridproofError('bad-request', `replay state version ${String(snapshot.version)} is not ${REPLAY_STATE_VERSION}`);
    if (snapshot.origin !== this.origin) throw new GridproofError('bad-request', `replay state of ${snapshot.origin}, not ${this.origin}`);
    if (!Number.isSafeInteger(snapshot.size) || snapshot.size < 0) throw new GridproofError('bad-request', 'replay state size is a non-negative integer');
    this.#size = snapshot.size;
    this.#operatorKey = snapshot.operatorKey;
    for (const [id, rec] of snapshot.participants) this.#participants.set(id, rec);
    for (const [id, rec] of snapshot.devices) {
      this.#devices.set(id, { ...rec, energyCapacityWh: optionalWh(rec.energyCapacityWh), efficiencyBp: rec.efficiencyBp, head: rec.head, socWh: BigInt(rec.socWh) });
    }
    for (const [hash, rec] of snapshot.contracts) this.#contracts.set(hash, rec);
    for (const [hash, rec] of snapshot.readings) {
      this.#readings.set(hash, { ...rec, importWh: BigInt(rec.importWh), exportWh: BigInt(rec.exportWh), fromWh: BigInt(rec.fromWh), toWh: BigInt(rec.toWh), settlement: rec.settlement });
    }
    for (const [hash, rec] of snapshot.allocations) {
      const charge = rec.charge ? { device: rec.charge.device, lotWh: BigInt(rec.charge.lotWh), drawnWh: BigInt(rec.charge.drawnWh) } : undefined;
      this.#allocations.set(hash, { ...rec, wh: BigInt(rec.wh), settlement: rec.settlement, claim: rec.claim, charge });
    }
    for (const [hash, index] of snapshot.settlements) this.#settlements.set(hash, index);
    for (const [hash, index] of snapshot.claims) this.#claims.set(hash, index);
    for (const reading of this.#readings.values()) for (const hash of reading.pending) this.#unsettled.add(hash);
  }
}

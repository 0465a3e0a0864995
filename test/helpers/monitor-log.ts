/**
 * Logs for the monitor's replay tests (test/unit/monitor-*.test.ts), built
 * here: real keys and signatures, entries sealed as the ledger seals them,
 * and a clean park to break one rule at a time.
 */
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { generateSigner, verifierOf, type Signer } from '../../src/crypto/note.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { allocationId } from '../../src/domain/allocation-id.ts';
import { compareText } from '../../src/domain/compare.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import type { Finding } from '../../src/domain/monitor/findings.ts';
import { LogReplay } from '../../src/domain/monitor/replay.ts';
import type { Allocation, DevicePayload, Payload, ReadingPayload, SettledSource } from '../../src/domain/payloads.ts';

export const ORIGIN = 'example.com/park';
export const ZONE = 'DE-LU';
export const at = (hour: number) => `2024-01-01T${String(hour).padStart(2, '0')}:00:00Z`;

/** A leaf hash no entry has. */
export const nowhere = { index: -1, hash: toBase64(sha256(utf8('no such entry'))) };

type Body<P> = P extends Payload ? Omit<P, 'log'> : never;

export interface Logged {
  index: number;
  hash: string;
}

/** One source of a settlement: its reading, export and allocations; figures default to the true ones. */
export interface SourceSpec {
  reading: Logged;
  supplyWh: number;
  allocatedWh?: number;
  allocations?: AllocationSpec[];
}

export interface AllocationSpec {
  sink: Logged;
  wh: number;
  contract?: Logged;
  /** [allocation id, wh]. */
  draws?: Array<[string, number]>;
}

export interface LoggedSettlement extends Logged {
  /** The id of the k-th allocation of `source`'s reading; throws if it is no source of this settlement. */
  id(source: Logged, k?: number): string;
}

/** A log under construction: its notes, in order, and the signers behind them. */
export class LogBuilder {
  readonly logSigner = generateSigner(ORIGIN);
  operator = generateSigner(`${ORIGIN}/operator`);
  readonly notes: string[] = [];
  readonly meters = new Map<string, Signer>();
  readonly heads = new Map<string, Logged & { seq: number }>();

  append(note: string): Logged {
    this.notes.push(note);
    return { index: this.notes.length - 1, hash: toBase64(hashLeaf(utf8(note))) };
  }

  sign(payload: Body<Payload>, signer: Signer): Logged {
    return this.append(sealEntry({ ...payload, log: ORIGIN } as Payload, signer));
  }

  op(payload: Body<Payload>): Logged {
    return this.sign(payload, this.operator);
  }

  device(id: string, owner: string, type: DevicePayload['type'], extra: Partial<DevicePayload> = {}): Logged {
    const eecs = type === 'consumption' ? {} : { eecsEnergySource: 'F01050100', eecsTechnology: type === 'storage' ? 'T070000' : 'T020001' };
    const device = this.op({
      kind: 'device',
      id,
      owner,
      type,
      capacityW: 10_000_000,
      commissioningDate: '2018-01-01',
      country: 'DE',
      biddingZone: ZONE,
      connection: 'park-grid',
      support: 'none',
      ...eecs,
      ...extra,
    });
    const meter = generateSigner(`meter/${id}`);
    this.meters.set(id, meter);
    this.op({ kind: 'key', subjectType: 'device', subjectId: id, verifierKey: verifierOf(meter).vkey, validFrom: '2018-01-01T00:00:00Z' });
    return device;
  }

  /** The device's next reading of hour [hour, hour+1), chained on its head. */
  reading(device: string, hour: number, importWh: number, exportWh: number, signer = this.meters.get(device)!): Logged {
    const head = this.heads.get(device);
    const payload: Body<ReadingPayload> = {
      kind: 'reading',
      device,
      seq: head ? head.seq + 1 : 0,
      ...(head ? { prev: head.hash } : {}),
      start: at(hour),
      end: at(hour + 1),
      importWh: String(importWh),
      exportWh: String(exportWh),
      quality: 'measured',
    };
    const logged = this.sign(payload, signer);
    this.heads.set(device, { ...logged, seq: payload.seq });
    return logged;
  }

  /** A settlement of hour [hour, hour+1): sources by leaf hash unless `sorted` is false. */
  settlement(hour: number, specs: SourceSpec[], { sorted = true, zone = ZONE } = {}): LoggedSettlement {
    const ordered = sorted ? [...specs].sort((a, b) => compareText(a.reading.hash, b.reading.hash)) : specs;
    const sinks = [...new Set(ordered.flatMap((spec) => (spec.allocations ?? []).map((a) => a.sink.hash)))].sort(compareText);
    const sources: SettledSource[] = ordered.map((spec) => {
      const allocations = (spec.allocations ?? []).map((a): Allocation => ({
        sink: sinks.indexOf(a.sink.hash),
        wh: String(a.wh),
        ...(a.contract ? { contract: a.contract.hash } : {}),
        ...(a.draws ? { draws: a.draws.map(([allocation, wh]) => ({ allocation, wh: String(wh) })) } : {}),
      }));
      const allocatedWh = spec.allocatedWh ?? (spec.allocations ?? []).reduce((sum, a) => sum + a.wh, 0);
      return { reading: spec.reading.hash, supplyWh: String(spec.supplyWh), allocatedWh: String(allocatedWh), allocations };
    });
    const logged = this.op({ kind: 'settlement', start: at(hour), end: at(hour + 1), zone, sinks, sources });
    const first = (reading: Logged) => {
      const i = ordered.findIndex((spec) => spec.reading.hash === reading.hash);
      if (i < 0) throw new Error(`reading ${reading.hash} (entry ${reading.index}) is no source of this settlement`);
      return ordered.slice(0, i).reduce((n, spec) => n + (spec.allocations?.length ?? 0), 0);
    };
    return { ...logged, id: (source, k = 0) => allocationId(logged.hash, first(source) + k) };
  }

  /** A claim of the hours [from, to). */
  claim(id: string, allocations: string[], wh: number, { tenant = 'tenant-1', from = 0, to = 6 } = {}): Logged {
    return this.op({ kind: 'claim', id, tenant, beneficiary: 'EU-buyer', purpose: 'cbam', start: at(from), end: at(to), allocations, wh: String(wh) });
  }
}

/**
 * A clean park: wind W (under a PPA to tenant-1 for half its output), battery
 * B (1000 Wh, 90 %), meter M of tenant-1, wind V. Hour 0: W exports 1000:
 * 400 to M under the PPA, 500 charge B (a lot of 450); V's reading arrives
 * after the settlement and gets a late one. Hour 1: B discharges 300 to M,
 * drawn from that charge, and takes W's 100 (a lot of 90). tenant-1 claims
 * both of M's allocations.
 */
export function park() {
  const log = new LogBuilder();
  log.sign({ kind: 'key', subjectType: 'operator', verifierKey: verifierOf(log.operator).vkey, validFrom: at(0) }, log.logSigner);
  log.op({ kind: 'participant', id: 'operator', role: 'operator', name: 'Park operator' });
  log.op({ kind: 'participant', id: 'gen-1', role: 'generator', name: 'Wind GmbH' });
  log.op({ kind: 'participant', id: 'tenant-1', role: 'tenant', name: 'Factory GmbH' });
  log.device('wind-1', 'gen-1', 'wind');
  const battery = log.device('bat-1', 'gen-1', 'storage', { energyCapacityWh: '1000', efficiencyBp: 9000 });
  log.device('meter-1', 'tenant-1', 'consumption');
  log.device('wind-2', 'gen-1', 'wind');
  const ppa = log.op({ kind: 'contract', id: 'ppa-1', device: 'wind-1', tenant: 'tenant-1', priority: 0, shareBp: 5000, validFrom: at(0) });
  const w0 = log.reading('wind-1', 0, 0, 1000);
  const b0 = log.reading('bat-1', 0, 500, 0);
  const m0 = log.reading('meter-1', 0, 400, 0);
  const s0 = log.settlement(0, [
    {
      reading: w0,
      supplyWh: 1000,
      allocations: [
        { sink: m0, wh: 400, contract: ppa },
        { sink: b0, wh: 500 },
      ],
    },
  ]);
  const v0 = log.reading('wind-2', 0, 0, 70);
  const late0 = log.settlement(0, [{ reading: v0, supplyWh: 70 }]);
  const w1 = log.reading('wind-1', 1, 0, 100);
  const b1 = log.reading('bat-1', 1, 100, 300);
  const m1 = log.reading('meter-1', 1, 300, 0);
  const charge = s0.id(w0, 1);
  const s1 = log.settlement(1, [
    { reading: b1, supplyWh: 300, allocations: [{ sink: m1, wh: 300, draws: [[charge, 300]] }] },
    { reading: w1, supplyWh: 100, allocations: [{ sink: b1, wh: 100 }] },
  ]);
  const c1 = log.claim('claim-1', [s0.id(w0, 0), s1.id(b1)], 700);
  return { log, battery, ppa, w0, b0, m0, s0, v0, late0, w1, b1, m1, charge, s1, c1 };
}

/**
 * These logs' settlements are written by hand, each to break or keep one rule,
 * not planned: re-executing matching is tested on planned logs
 * (test/unit/monitor-reexecution.test.ts).
 */
export function replayer(log: LogBuilder): LogReplay {
  return new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(log.logSigner), reexecute: false });
}

/** Replays notes [from, to) on `replay` and returns every finding. */
export function run(replay: LogReplay, notes: readonly string[], from = 0, to = notes.length): Finding[] {
  const findings: Finding[] = [];
  for (let i = from; i < to; i++) findings.push(...replay.add(i, notes[i]!, hashLeaf(utf8(notes[i]!))));
  return findings;
}

export const replayAll = (log: LogBuilder) => run(replayer(log), log.notes);
export const codes = (findings: Finding[]) => findings.map((f) => f.code);

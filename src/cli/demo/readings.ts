/**
 * The demo's meter readings: each device's hours signed in chain order (seq,
 * prev) by its meter key and posted by its owner in batches of up to 1000
 * notes. A device resumes after the service's chain head, which must be the
 * reading this demo would have signed there (Ed25519 is deterministic, so the
 * same park signs the same bytes): anything else is another park, refused.
 */
import { SingleBar } from 'cli-progress';
import { toBase64 } from '../../crypto/base64.ts';
import { parsePrivateKey, type Signer } from '../../crypto/note.ts';
import { sealEntryWithBytes } from '../../domain/entry.ts';
import type { ReadingPayload } from '../../domain/payloads.ts';
import { nativeSign } from '../../platform/node-ed25519.ts';
import { nativeHashLeaf } from '../../platform/node-sha256.ts';
import { HttpClient, ServerConflict } from '../http-client.ts';
import { HOUR_MS, isoHour, type Park, type ParkDevice } from './park.ts';
import type { DemoState } from './state.ts';

/** POST /v1/entries takes at most 1000 notes. */
export const MAX_BATCH = 1000;

interface Chain {
  device: ParkDevice;
  signer: Signer;
  /** The next hour to sign and the leaf hash of the one before it. */
  next: number;
  prev: string | undefined;
  /** Hours the service already has. */
  have: number;
}

type EntryResult = { index: number; late?: boolean; duplicate: boolean } | { error: { code: string; detail: string } };

export interface PostOptions {
  server: string;
  operator: HttpClient;
  origin: string;
  park: Park;
  state: DemoState;
  progress: NodeJS.WritableStream;
}

function signNext(chain: Chain, origin: string, park: Park): string {
  const h = chain.next;
  const startMs = park.fromMs + h * HOUR_MS;
  const payload: ReadingPayload = {
    kind: 'reading',
    log: origin,
    quality: 'measured',
    device: chain.device.id,
    seq: h,
    ...(chain.prev === undefined ? {} : { prev: chain.prev }),
    start: isoHour(startMs),
    end: isoHour(startMs + HOUR_MS),
    importWh: String(chain.device.importWh[h]),
    exportWh: String(chain.device.exportWh[h]),
  };
  const sealed = sealEntryWithBytes(payload, chain.signer, nativeSign);
  chain.prev = toBase64(nativeHashLeaf(sealed.bytes));
  chain.next = h + 1;
  return sealed.note;
}

/** Signs up to the service's head and checks that the head is this park's reading. */
async function openChain(options: PostOptions, device: ParkDevice): Promise<Chain> {
  const signer = parsePrivateKey(options.state.devices[device.id]!.privateKey);
  const answer = await options.operator.json<{ valid: boolean; length: number; head: { seq: number; leafHash: string } | null }>(
    `/v1/devices/${encodeURIComponent(device.id)}/chain`,
  );
  const chain: Chain = { device, signer, next: 0, prev: undefined, have: Math.min(answer.length, options.park.hours) };
  if (!answer.valid) throw new ServerConflict(`the service reports ${device.id}'s chain as broken; the demo will not add to it`);
  for (let h = 0; h < chain.have; h++) signNext(chain, options.origin, options.park);
  if (answer.head && answer.head.seq < options.park.hours && answer.head.leafHash !== chain.prev) {
    throw new ServerConflict(`${device.id}'s readings on the service are not this demo's (another key or another park); nothing posted`);
  }
  return chain;
}

/** What a run posted: readings accepted, and of them those logged late, with the span of their hours (ms, end exclusive). */
export interface Posted {
  accepted: number;
  late: number;
  lateSpan?: { fromMs: number; toMs: number };
}

export async function postReadings(options: PostOptions): Promise<Posted> {
  const { park, origin, state } = options;
  const chains: Chain[] = [];
  for (const device of park.devices) chains.push(await openChain(options, device));
  const owners = [...new Set(park.devices.map((d) => d.owner))];
  const perOwner = Math.max(...owners.map((o) => park.devices.filter((d) => d.owner === o).length));
  // Every owner posts the same span of hours in turn, so the service holds whole hours as soon as possible.
  const span = Math.floor(MAX_BATCH / perOwner);
  const total = chains.reduce((sum, c) => sum + (park.hours - c.have), 0);
  const bar = new SingleBar({ stream: options.progress, format: 'readings {bar} {value}/{total} ({speed}/s) {eta}s left', hideCursor: true }, undefined);
  if (total > 0) bar.start(total, 0, { speed: 0 });
  const started = performance.now();
  let accepted = 0;
  let late = 0;
  let lateSpan: Posted['lateSpan'];
  let done = 0;
  try {
    const first = Math.min(...chains.map((c) => c.have));
    for (let from = first; from < park.hours; from += span) {
      const to = Math.min(park.hours, from + span);
      for (const owner of owners) {
        const notes: string[] = [];
        /** Each note's hour, for the span of the late ones. */
        const hours: number[] = [];
        for (const chain of chains.filter((c) => c.device.owner === owner)) {
          while (chain.next < to) {
            hours.push(chain.next);
            notes.push(signNext(chain, origin, park));
          }
        }
        if (notes.length === 0) continue;
        const client = new HttpClient(options.server, state.tokens[owner]);
        const { results } = await client.json<{ results: EntryResult[] }>('/v1/entries', { entries: notes });
        for (const [i, result] of results.entries()) {
          if ('error' in result) throw new ServerConflict(`a reading of ${owner} was refused: ${result.error.code} ${result.error.detail}`);
          // A duplicate says whether its hour is matched now, not that this run logged it late (docs/api.md).
          if (!result.duplicate) {
            accepted++;
            if (result.late) {
              late++;
              const fromMs = park.fromMs + hours[i]! * HOUR_MS;
              lateSpan = { fromMs: Math.min(fromMs, lateSpan?.fromMs ?? fromMs), toMs: Math.max(fromMs + HOUR_MS, lateSpan?.toMs ?? 0) };
            }
          }
        }
        done += notes.length;
        bar.update(done, { speed: Math.round(done / ((performance.now() - started) / 1000)) });
      }
    }
  } finally {
    if (total > 0) bar.stop();
  }
  return { accepted, late, ...(lateSpan ? { lateSpan } : {}) };
}

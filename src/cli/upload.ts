/**
 * `gridproof upload FILE --key KEY --server URL --token T`: many readings of
 * one device (upload-file.ts), signed in this process in chain order from
 * the server's chain head (seq, prev) and posted in batches of up to 1000.
 * Resumable: readings whose interval ends at or before the head's are the
 * server's already and are skipped, so a re-run after an interruption posts
 * only what is missing (an exact duplicate would be idempotent anyway).
 */
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { toBase64 } from '../crypto/base64.ts';
import { parsePrivateKey } from '../crypto/note.ts';
import { parseEntry, sealEntryWithBytes } from '../domain/entry.ts';
import type { ReadingPayload } from '../domain/payloads.ts';
import { GridproofError } from '../errors.ts';
import { nativeSign } from '../platform/node-ed25519.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import { parseArgs } from './args.ts';
import { MAX_BATCH } from './demo/readings.ts';
import { HttpClient } from './http-client.ts';
import { parseReadings } from './upload-file.ts';

type EntryResult = { index: number; duplicate: boolean; late?: boolean } | { error: { code: string; detail: string } };
interface ChainAnswer {
  valid: boolean;
  head: { seq: number; index: number; leafHash: string } | null;
}

export async function uploadCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const [file] = positional;
  const keyFile = options.get('key');
  const server = options.get('server');
  const token = options.get('token');
  if (!file || !keyFile || !server || !token) throw new GridproofError('bad-request', 'usage: gridproof upload FILE --key KEY --server URL --token T');
  let content: string;
  let keyText: string;
  try {
    content = readFileSync(file, 'utf8');
    keyText = readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new GridproofError('bad-request', `cannot read ${(error as { path?: string }).path ?? file}: ${(error as { code?: string }).code ?? error}`);
  }
  const signer = parsePrivateKey(keyText.trim());
  const readings = parseReadings(file, content);
  const device = readings[0]!.device;
  const client = new HttpClient(server, token);
  const vkey = (await client.text('/v1/log/key')).trim();
  const origin = vkey.slice(0, vkey.indexOf('+'));

  const chain = await client.json<ChainAnswer>(`/v1/devices/${encodeURIComponent(device)}/chain`);
  if (!chain.valid) throw new GridproofError('conflict', `the server reports ${device}'s chain as broken; nothing posted`);
  let seq = 0;
  let prev: string | undefined;
  let headEndMs = -Infinity;
  if (chain.head) {
    const head = parseEntry(await client.text(`/v1/log/entries/${chain.head.index}`), origin).payload as ReadingPayload;
    seq = chain.head.seq + 1;
    prev = chain.head.leafHash;
    headEndMs = Date.parse(head.end);
  }
  const todo = readings.filter((r) => r.endMs > headEndMs);
  const skipped = readings.length - todo.length;
  const bar = new SingleBar({ stream: process.stderr, format: 'readings {bar} {value}/{total} ({speed}/s) {eta}s left', hideCursor: true }, undefined);
  if (todo.length > 0) bar.start(todo.length, 0, { speed: 0 });
  const started = performance.now();
  let accepted = 0;
  /** Logged, but their intervals were matched already, so they never will be (docs/design.md §5). */
  let late = 0;
  const refusals: string[] = [];
  try {
    for (let from = 0; from < todo.length && refusals.length === 0; from += MAX_BATCH) {
      const notes = todo.slice(from, from + MAX_BATCH).map((r) => {
        const payload: ReadingPayload = {
          kind: 'reading',
          log: origin,
          quality: 'measured',
          device,
          seq: seq++,
          ...(prev === undefined ? {} : { prev }),
          start: r.start,
          end: r.end,
          importWh: r.importWh,
          exportWh: r.exportWh,
        };
        const sealed = sealEntryWithBytes(payload, signer, nativeSign);
        prev = toBase64(nativeHashLeaf(sealed.bytes));
        return sealed.note;
      });
      const { results } = await client.json<{ results: EntryResult[] }>('/v1/entries', { entries: notes });
      results.forEach((result, i) => {
        if ('error' in result) refusals.push(`line ${todo[from + i]!.line}: ${result.error.code}: ${result.error.detail}`);
        else if (!result.duplicate) {
          accepted++;
          if (result.late) late++;
        }
      });
      bar.update(Math.min(todo.length, from + MAX_BATCH), { speed: Math.round((from + notes.length) / ((performance.now() - started) / 1000)) });
    }
  } finally {
    if (todo.length > 0) bar.stop();
  }
  // A refused reading breaks the chain for the ones after it: the batch holding it is the last one posted.
  for (const refusal of refusals) process.stderr.write(`gridproof upload: refused: ${refusal}\n`);
  if (late > 0) {
    process.stderr.write(
      `gridproof upload: ${late} of the ${accepted} readings logged are late: their intervals were matched before they arrived, so they will never be matched\n`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({ device, readings: readings.length, skipped, accepted, late, refused: refusals.length, seconds: Math.round(seconds * 100) / 100 })}\n`,
  );
  return refusals.length > 0 ? 1 : 0;
}

/**
 * `gridproof upload FILE --key KEY --server URL --token T`: many readings of
 * one device (upload-file.ts), signed in this process in chain order from
 * the server's chain head (seq, prev) and posted in batches of up to 1000.
 * Resumable: readings whose interval ends at or before the head's cannot be
 * chained after it and are not posted. Each is looked up in the device's
 * logged readings (GET /v1/devices/{id}/outputs): one logged with the same
 * interval and Wh is already there, so a re-run after an interruption posts
 * only what is missing and still exits 0; one that is not is refused here
 * (exit 1, README "The command line"), for the log can never take it. A
 * server that cannot take a batch now (503, 429) stops the run with exit 75
 * (http-client.ts exitCodeOf): the batches before it are logged, so the
 * same command run again later posts only the rest. Whatever stops a run
 * once it has posted (a 503 or 429, a refusal of a whole batch, a lost
 * connection), the summary of what is known is printed before it exits.
 */
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { toBase64 } from '../crypto/base64.ts';
import { parsePrivateKey } from '../crypto/note.ts';
import { parseEntry, sealEntryWithBytes } from '../domain/entry.ts';
import type { ReadingPayload } from '../domain/payloads.ts';
import { formatInstant, MAX_PERIOD_MS } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { nativeSign } from '../platform/node-ed25519.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import { parseArgs } from './args.ts';
import { MAX_BATCH } from './demo/readings.ts';
import { EXIT_REFUSED, EXIT_UNUSABLE, exitCodeOf, HttpClient, NetworkError, ServerConflict, ServerRefusal } from './http-client.ts';
import { parseReadings, type FileReading } from './upload-file.ts';

type EntryResult = { index: number; duplicate: boolean; late?: boolean } | { error: { code: string; detail: string } };
interface ChainAnswer {
  valid: boolean;
  head: { seq: number; index: number; leafHash: string } | null;
}
interface LoggedReading {
  start: string;
  end: string;
  importWh: string;
  exportWh: string;
}

/** Of `old` (readings at or before the head), those the device's log holds as they are: same interval, same Wh. */
async function alreadyLogged(client: HttpClient, device: string, old: FileReading[]): Promise<Set<FileReading>> {
  const logged = new Map<string, LoggedReading>();
  const from = Math.min(...old.map((r) => r.startMs));
  const to = Math.max(...old.map((r) => r.startMs)) + 1000;
  for (let at = from; at < to; at += MAX_PERIOD_MS) {
    const period = `from=${formatInstant(at)}&to=${formatInstant(Math.min(to, at + MAX_PERIOD_MS))}`;
    const { hours } = await client.json<{ hours: LoggedReading[] }>(`/v1/devices/${encodeURIComponent(device)}/outputs?${period}`);
    for (const hour of hours) logged.set(hour.start, hour);
  }
  return new Set(
    old.filter((r) => {
      const hour = logged.get(r.start);
      return hour !== undefined && hour.end === r.end && hour.importWh === r.importWh && hour.exportWh === r.exportWh;
    }),
  );
}

/** Line numbers for a message, the first few of them. */
function linesOf(readings: FileReading[]): string {
  const shown = readings.slice(0, 5).map((r) => r.line);
  return `line${readings.length > 1 ? 's' : ''} ${shown.join(', ')}${readings.length > shown.length ? ` and ${readings.length - shown.length} more` : ''}`;
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
  // The log saying no to this chain, as a refused reading would: exit 1 (ServerConflict), not unusable input. This
  // service answers valid: true by construction (docs/api.md: the head intake verified); the check stands for any other.
  if (!chain.valid) {
    throw new ServerConflict(
      `the server reports ${device}'s chain as broken, so no reading can be chained after its head; nothing posted. ` +
        `GET /v1/devices/${encodeURIComponent(device)}/chain/verification finds the first break, page by page: take it to the log's operator before uploading again`,
    );
  }
  let seq = 0;
  let prev: string | undefined;
  let headEndMs = -Infinity;
  let headText = '';
  if (chain.head) {
    const head = parseEntry(await client.text(`/v1/log/entries/${chain.head.index}`), origin).payload as ReadingPayload;
    seq = chain.head.seq + 1;
    prev = chain.head.leafHash;
    headEndMs = Date.parse(head.end);
    headText = `${device}'s chain head is seq ${chain.head.seq}, ${head.start}–${head.end}`;
  }
  const todo = readings.filter((r) => r.endMs > headEndMs);
  const old = readings.filter((r) => r.endMs <= headEndMs);
  const logged = old.length > 0 ? await alreadyLogged(client, device, old) : new Set<FileReading>();
  const stale = old.filter((r) => !logged.has(r));
  const skipped = old.length;
  if (logged.size > 0) {
    process.stderr.write(`gridproof upload: ${logged.size} of the ${readings.length} readings skipped: already in the log (${headText})\n`);
  }
  if (stale.length > 0) {
    process.stderr.write(
      `gridproof upload: refused: ${stale.length} of the ${readings.length} readings (${linesOf(stale)}) end at or before the chain head and are not in the log, ` +
        `so they can never be added (${headText}; a device's readings are chained in time order)\n`,
    );
  }
  const bar = new SingleBar({ stream: process.stderr, format: 'readings {bar} {value}/{total} ({speed}/s) {eta}s left', hideCursor: true }, undefined);
  if (todo.length > 0) bar.start(todo.length, 0, { speed: 0 });
  const started = performance.now();
  let accepted = 0;
  /** Posted, and answered as logged already (by an earlier or a concurrent run): the log holds them once. */
  let duplicates = 0;
  /** Logged, but their intervals were matched already, so they never will be (docs/design.md §5). */
  let late = 0;
  /** Readings of `todo` the server answered for, one result each. */
  let answered = 0;
  /** Posted in the batch that stopped the run, with no answer saying whether they were logged. */
  let unconfirmed = 0;
  /** What stopped the run after something was posted, when something did. */
  let stop: unknown;
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
      let results: EntryResult[];
      try {
        ({ results } = await client.json<{ results: EntryResult[] }>('/v1/entries', { entries: notes }));
      } catch (error) {
        stop = error;
        // A 4xx (a 429 among them) turned the batch away before any of it was
        // written. A 503 may come after a write committed (docs/api.md), and a
        // lost connection says nothing: the run again finds those in the log.
        const turnedAway = error instanceof ServerRefusal && error.refusal.status >= 400 && error.refusal.status < 500;
        if (!turnedAway) unconfirmed = notes.length;
        break;
      }
      results.forEach((result, i) => {
        if ('error' in result) refusals.push(`line ${todo[from + i]!.line}: ${result.error.code}: ${result.error.detail}`);
        else if (result.duplicate) duplicates++;
        else {
          accepted++;
          if (result.late) late++;
        }
      });
      answered += results.length;
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
    `${JSON.stringify({
      device,
      readings: readings.length,
      skipped,
      alreadyLogged: logged.size,
      olderThanHead: stale.length,
      accepted,
      duplicates,
      late,
      refused: refusals.length,
      unconfirmed,
      notSent: todo.length - answered - unconfirmed,
      seconds: Math.round(seconds * 100) / 100,
    })}\n`,
  );
  const refused = refusals.length > 0 || stale.length > 0;
  if (stop === undefined) return refused ? EXIT_REFUSED : 0;
  // The one line main.ts writes for any stop, with Retry-After for a 503 or 429.
  const stopped = exitCodeOf(stop) ?? (stop instanceof GridproofError || stop instanceof TypeError || stop instanceof SyntaxError ? EXIT_UNUSABLE : undefined);
  if (stopped === undefined) throw stop;
  process.stderr.write(
    `gridproof upload: ${stop instanceof NetworkError || stop instanceof GridproofError ? stop.message : `/v1/entries: the answer broke off: ${(stop as Error).message}`}\n`,
  );
  // Rows the log can never take stand whatever stopped the run: running it again later will not add them.
  return refused ? EXIT_REFUSED : stopped;
}

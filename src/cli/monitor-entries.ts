/**
 * Step 4 of `gridproof monitor` (monitor.ts): fetches every entry from where
 * the replay stands up to the checkpoint's size, in pages (GET
 * /v1/log/entries), and feeds each to the replay and its leaf hash to the
 * frontier.
 *
 * Pipelined (docs/design.md §10): while a page is replayed, the next ones
 * are with the workers (monitor-precheck.ts: leaf hashes, parsing,
 * signatures) and the one after those is being fetched. The
 * replay itself still takes the entries one by one in log order, and a page
 * fetched ahead is replayed only once the one before it passed, so findings,
 * their order and where a run stops are what they are without it.
 */
import { decodeEntryRecords, ENTRY_RECORDS_MEDIA_TYPE, type EntryRecord } from '../domain/entry-records.ts';
import { finding } from '../domain/monitor/findings.ts';
import type { Frontier } from '../domain/monitor/frontier.ts';
import type { LogReplay } from '../domain/monitor/replay.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import type { HttpClient } from './http-client.ts';
import type { MonitorProgress } from './monitor-progress.ts';
import type { MonitorReport } from './monitor-report.ts';
import type { MonitorPrecheck, PagePrecheck } from './monitor-precheck.ts';

/** Pages with the workers while one is replayed: two, so they have the next to start on when they finish one. */
export const AHEAD = 2;

interface Page {
  start: number;
  /** At most the number asked for. */
  entries: EntryRecord[];
  precheck: PagePrecheck | undefined;
}

/** Signed notes are UTF-8 text (signed-note "Format"): an entry that is not is served without its text. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function noteText(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Replays entries [replay.size, size) into `report`. Returns whether the log
 * served all of them: only then can the root and the end of the replay be
 * checked. Without `precheck`, every entry is checked in place.
 */
export async function replayEntries(
  client: HttpClient,
  size: number,
  replay: LogReplay,
  tree: Frontier,
  pageSize: number,
  report: MonitorReport,
  progress: MonitorProgress | undefined,
  precheck?: MonitorPrecheck,
): Promise<boolean> {
  const findings = report.findings;
  const from = replay.size;
  report.entries = { from, to: size, checked: 0 };
  progress?.start(size - from);

  type Fetched = { page: Page } | { error: unknown };
  // Settled, so a page fetched ahead and never replayed (a run that stopped) leaves no unhandled rejection.
  // As entry records (domain/entry-records.ts): the stored bytes, with no JSON to decode.
  const fetchPage = (start: number): Promise<Fetched> =>
    client.bytes(`/v1/log/entries?start=${start}&limit=${Math.min(pageSize, size - start)}`, ENTRY_RECORDS_MEDIA_TYPE).then(
      (body) => ({ page: { start, entries: decodeEntryRecords(body).slice(0, Math.min(pageSize, size - start)), precheck: undefined } }),
      (error: unknown) => ({ error }),
    );
  // The page after `page`, if the checkpoint covers more and `page` was not empty.
  const after = (page: Page): Promise<Fetched> | undefined =>
    page.entries.length > 0 && page.start + page.entries.length < size ? fetchPage(page.start + page.entries.length) : undefined;
  // Hands a page to the workers, under the keys the replay holds now: a key logged since is a miss, verified in place.
  const ahead = (page: Page): void => {
    page.precheck = precheck?.page(
      page.entries.map((entry) => entry.bytes),
      replay.origin,
      replay.knownVerifiers(),
    );
  };

  let next = from;
  let complete = true;
  // Fetched and with the workers, in log order: the first is replayed next.
  const queue: Page[] = [];
  let fetching: Promise<Fetched> | undefined;
  // A page that could not be fetched: raised once every page before it is replayed, as it would be had none been fetched ahead.
  let failed: { error: unknown } | undefined;
  if (next < size) {
    const first = await fetchPage(next);
    if ('error' in first) throw first.error;
    ahead(first.page);
    queue.push(first.page);
    fetching = after(first.page);
  }
  pages: while (queue.length > 0) {
    // While a page is replayed, the workers check the AHEAD after it, and the one after those is on its way.
    while (queue.length <= AHEAD && fetching !== undefined) {
      const fetched = await fetching;
      fetching = undefined;
      if ('error' in fetched) failed = fetched;
      else {
        ahead(fetched.page);
        queue.push(fetched.page);
        fetching = after(fetched.page);
      }
    }
    const page = queue.shift()!;
    await page.precheck?.ready;
    if (page.entries.length === 0) {
      findings.push(finding('missing-entries', [next], `the checkpoint covers ${size} entries, the log serves none from index ${next}`));
      complete = false;
      break;
    }
    for (const [i, entry] of page.entries.entries()) {
      const note = noteText(entry.bytes);
      if (entry.index !== next || note === undefined) {
        const served = note === undefined ? `entry ${entry.index}, not UTF-8 text` : `entry ${entry.index}`;
        findings.push(finding('missing-entries', [next], `expected entry ${next} with its text, the log served ${served}`));
        complete = false;
        break pages;
      }
      const leafHash = page.precheck?.leafHash(i) ?? nativeHashLeaf(entry.bytes);
      tree.append(leafHash);
      findings.push(...replay.add(next, note, leafHash, page.precheck?.accepted(i) ?? false, page.precheck?.checkedLine(i)));
      next++;
    }
    report.entries.checked = next - from;
    progress?.update(next - from);
    if (queue.length === 0 && failed) throw failed.error;
  }
  progress?.stop();
  report.entries.checked = next - from;
  return complete;
}

/**
 * Step 4 of `gridproof monitor` (monitor.ts): fetches every entry from where
 * the replay stands up to the checkpoint's size, in pages (GET
 * /v1/log/entries), and feeds each to the replay and its leaf hash to the
 * frontier.
 *
 * Pipelined (docs/design.md §10): the next page is fetched, and its
 * leaf hashes and signatures handed to the worker pool (monitor-precheck.ts), before a page
 * is replayed, so the workers verify while the main thread replays. The
 * replay itself still takes the entries one by one in log order, and a page
 * fetched ahead is replayed only once the one before it passed, so findings,
 * their order and where a run stops are what they are without it.
 */
import { utf8 } from '../crypto/base64.ts';
import { finding } from '../domain/monitor/findings.ts';
import type { Frontier } from '../domain/monitor/frontier.ts';
import type { LogReplay } from '../domain/monitor/replay.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import type { HttpClient } from './http-client.ts';
import type { MonitorProgress } from './monitor-progress.ts';
import type { MonitorReport } from './monitor-report.ts';
import type { MonitorPrecheck, PagePrecheck } from './monitor-precheck.ts';

interface Page {
  start: number;
  /** At most the number asked for. */
  entries: Array<{ index?: unknown; bytes?: unknown }>;
  precheck: PagePrecheck | undefined;
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

  const fetchPage = async (start: number): Promise<Page> => {
    const limit = Math.min(pageSize, size - start);
    const page = await client.json<{ entries?: unknown }>(`/v1/log/entries?start=${start}&limit=${limit}`);
    const entries = Array.isArray(page.entries) ? (page.entries as Page['entries']).slice(0, limit) : [];
    // Under the keys the replay holds now: a key logged since is a miss, verified in place.
    const notes = entries.map((entry) => (typeof entry.bytes === 'string' ? entry.bytes : ''));
    return { start, entries, precheck: precheck?.page(notes, replay.origin, replay.knownVerifiers()) };
  };

  let next = from;
  let complete = true;
  let page = next < size ? await fetchPage(next) : undefined;
  pages: while (page !== undefined) {
    const following = page.start + page.entries.length;
    let upcoming: Page | undefined;
    let failed: { error: unknown } | undefined;
    if (page.entries.length > 0 && following < size) {
      try {
        upcoming = await fetchPage(following);
      } catch (error) {
        // Raised once this page is replayed, as it would be had it not been fetched ahead.
        failed = { error };
      }
    }
    await page.precheck?.ready;
    precheck?.use(page.precheck);
    if (page.entries.length === 0) {
      findings.push(finding('missing-entries', [next], `the checkpoint covers ${size} entries, the log serves none from index ${next}`));
      complete = false;
      break;
    }
    for (const [i, entry] of page.entries.entries()) {
      let leafHash: Uint8Array | undefined;
      if (typeof entry.bytes === 'string') {
        try {
          leafHash = page.precheck?.leafHash(i) ?? nativeHashLeaf(utf8(entry.bytes));
        } catch {
          leafHash = undefined; // not UTF-8 text
        }
      }
      if (entry.index !== next || leafHash === undefined) {
        findings.push(finding('missing-entries', [next], `expected entry ${next} with its text, the log served ${JSON.stringify(entry.index)}`));
        complete = false;
        break pages;
      }
      tree.append(leafHash);
      findings.push(...replay.add(next, entry.bytes as string, leafHash, page.precheck?.accepted(i) ?? false));
      next++;
    }
    report.entries.checked = next - from;
    progress?.update(next - from);
    if (failed) throw failed.error;
    page = upcoming;
  }
  precheck?.use(undefined);
  progress?.stop();
  report.entries.checked = next - from;
  return complete;
}

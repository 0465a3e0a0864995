/**
 * Step 4 of `gridproof monitor` (monitor.ts): fetches every entry from where
 * the replay stands up to the checkpoint's size, in pages (GET
 * /v1/log/entries), and feeds each to the replay and its leaf hash to the
 * frontier.
 */
import { utf8 } from '../crypto/base64.ts';
import { hashLeaf } from '../crypto/merkle.ts';
import { finding } from '../domain/monitor/findings.ts';
import type { Frontier } from '../domain/monitor/frontier.ts';
import type { LogReplay } from '../domain/monitor/replay.ts';
import type { HttpClient } from './http-client.ts';
import type { MonitorProgress } from './monitor-progress.ts';
import type { MonitorReport } from './monitor-report.ts';

/**
 * Replays entries [replay.size, size) into `report`. Returns whether the log
 * served all of them: only then can the root and the end of the replay be
 * checked.
 */
export async function replayEntries(
  client: HttpClient,
  size: number,
  replay: LogReplay,
  tree: Frontier,
  pageSize: number,
  report: MonitorReport,
  progress: MonitorProgress | undefined,
): Promise<boolean> {
  const findings = report.findings;
  const from = replay.size;
  report.entries = { from, to: size, checked: 0 };
  progress?.start(size - from);
  let next = from;
  let complete = true;
  pages: while (next < size) {
    const limit = Math.min(pageSize, size - next);
    const page = await client.json<{ entries?: unknown }>(`/v1/log/entries?start=${next}&limit=${limit}`);
    const entries = Array.isArray(page.entries) ? (page.entries as Array<{ index?: unknown; bytes?: unknown }>) : [];
    if (entries.length === 0) {
      findings.push(finding('missing-entries', [next], `the checkpoint covers ${size} entries, the log serves none from index ${next}`));
      complete = false;
      break;
    }
    for (const entry of entries.slice(0, limit)) {
      let bytes: Uint8Array | undefined;
      try {
        if (typeof entry.bytes === 'string') bytes = utf8(entry.bytes);
      } catch {
        bytes = undefined;
      }
      if (entry.index !== next || bytes === undefined) {
        findings.push(finding('missing-entries', [next], `expected entry ${next} with its text, the log served ${JSON.stringify(entry.index)}`));
        complete = false;
        break pages;
      }
      const leafHash = hashLeaf(bytes);
      tree.append(leafHash);
      findings.push(...replay.add(next, entry.bytes as string, leafHash));
      next++;
    }
    report.entries.checked = next - from;
    progress?.update(next - from);
  }
  progress?.stop();
  report.entries.checked = next - from;
  return complete;
}

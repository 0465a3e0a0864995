/**
 * What `gridproof monitor` found, as data (runMonitor's answer) and as the
 * readable report it prints on stdout. A report with findings or warnings
 * names the page of each of their codes, as `gridproof verify` names its
 * reasons' (code-pages.ts).
 */
import type { Finding, Warning } from '../domain/monitor/findings.ts';
import { countOf } from '../domain/count.ts';
import { monitorFindingPage } from '../monitor-finding-explanations.ts';
import { codePagesText } from './code-pages.ts';

export interface MonitorReport {
  url: string;
  origin?: string;
  vkey?: string;
  /** Where the pinned log key came from. */
  keySource?: 'the state file' | '--key' | 'the log';
  /** The latest checkpoint, verified under the key. */
  checkpoint?: { size: number; root: string };
  /** The checkpoint of the last clean run (state file). */
  previous?: { size: number; root: string };
  consistency: 'ok' | 'first run' | 'failed' | 'not checked';
  /** Entries [from, to) were to be checked; `checked` were. */
  entries: { from: number; to: number; checked: number };
  replay: 'incremental' | 'from entry 0';
  root: 'match' | 'mismatch' | 'not checked';
  recomputedRoot?: string;
  findings: Finding[];
  /** What may still be right: no finding, the exit code stays 0 (replay-late.ts). */
  warnings: Warning[];
  stateFile?: string;
  stateSaved: boolean;
  /** Why the state of a clean run was not written (the run's checks passed; exit 2). */
  stateError?: string;
  /** Unusable input (exit 2), the server's refusal (exit 1, `refused`) or a busy server (exit 75, `tryAgain`): why. */
  error?: string;
  /** The server refused a request (a token it does not know or of another role): exit 1, not 2 (http-client.ts exitCodeOf). */
  refused?: boolean;
  /** The server could not answer now (503, 429): exit 75, run again later (http-client.ts exitCodeOf); nothing was found against the log. */
  tryAgain?: boolean;
  seconds: number;
  /** Of the signatures verified, how many a worker thread verified (absent with workers off: monitor.ts `workers`). */
  verifiedOnWorkers?: number;
}

const MAX_LISTED = 200;

function line(label: string, text: string): string {
  return `${label.padEnd(14)} ${text}\n`;
}

/** A count per code, then each item (up to MAX_LISTED) with its entries. */
function listed(label: string, items: ReadonlyArray<Finding | Warning>): string {
  const byCode = new Map<string, number>();
  for (const item of items) byCode.set(item.code, (byCode.get(item.code) ?? 0) + 1);
  let out = line(label, `${items.length}: ${[...byCode].map(([code, n]) => `${code} ×${n}`).join(', ')}`);
  for (const item of items.slice(0, MAX_LISTED)) {
    const where = item.indexes.length === 0 ? 'the log' : `${item.indexes.length === 1 ? 'entry' : 'entries'} ${item.indexes.join(', ')}`;
    out += `  ${item.code}  ${where}: ${item.detail}\n`;
  }
  if (items.length > MAX_LISTED) out += `  … and ${items.length - MAX_LISTED} more\n`;
  return out;
}

export function formatMonitorReport(report: MonitorReport): string {
  let out = line('gridproof', `monitor of ${report.url}`);
  if (report.origin) out += line('log', report.origin);
  if (report.vkey) out += line('log key', `${report.vkey} (pinned by ${report.keySource ?? 'the log'})`);
  if (report.checkpoint) out += line('checkpoint', `size ${report.checkpoint.size}, root ${report.checkpoint.root}`);
  const previous = report.previous ? `size ${report.previous.size} (root ${report.previous.root}) seen last time` : 'the checkpoint seen last time';
  const consistency = {
    ok: `consistent with ${previous}`,
    'first run': 'first run: no earlier checkpoint to compare',
    failed: `NOT consistent with ${previous}`,
    'not checked': 'not checked',
  }[report.consistency];
  if (report.checkpoint) out += line('consistency', consistency);
  const { from, to, checked } = report.entries;
  if (report.checkpoint) {
    const range = checked === 0 ? 'none new' : `${from}…${from + checked - 1}`;
    out += line(
      'entries',
      `${checked} checked (${range}) of ${to - from} to check, ${report.replay === 'incremental' ? 'continuing from the state file' : 'replayed from entry 0'}`,
    );
    const root = {
      match: `recomputed from every entry: equals the checkpoint's`,
      mismatch: `recomputed from every entry: ${report.recomputedRoot ?? '?'}, DIFFERS from the checkpoint's`,
      'not checked': 'not checked',
    }[report.root];
    out += line('root', root);
    out += line('elapsed', `${report.seconds.toFixed(1)} s${checked > 0 && report.seconds > 0 ? `, ${Math.round(checked / report.seconds)} entries/s` : ''}`);
  }
  if (report.stateFile) {
    out += line(
      'state',
      report.stateSaved
        ? `saved to ${report.stateFile}`
        : report.stateError
          ? `NOT SAVED to ${report.stateFile} (why on stderr)`
          : `${report.stateFile} left as it was (it records only clean runs)`,
    );
  }
  if (report.findings.length > 0) out += listed('findings', report.findings);
  else if (!report.error) out += line('findings', 'none');
  if (report.warnings.length > 0) out += listed('warnings', report.warnings);
  // A bare code tells a certifier nothing; every gridproof service explains each one (docs/design.md §7).
  const coded = [...report.findings, ...report.warnings];
  if (coded.length > 0) out += line('codes', codePagesText(coded.map((item) => monitorFindingPage(item.code))));
  if (report.error) {
    // A finding stands whatever then stopped the run (monitor.ts exits 1): the result line says both.
    const stopped = report.refused ? 'REFUSED BY THE SERVER' : report.tryAgain ? 'NOT NOW, RUN AGAIN LATER' : 'UNUSABLE INPUT';
    const what = report.findings.length > 0 ? `FAILED: ${countOf(report.findings.length, 'finding')}, then ${stopped}` : stopped;
    out += line('result', `${what}: ${report.error}`);
  } else if (report.findings.length > 0) out += line('result', `FAILED: ${countOf(report.findings.length, 'finding')}`);
  else out += line('result', 'OK: every check passed');
  return out;
}

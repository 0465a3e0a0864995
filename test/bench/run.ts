/**
 * `npm run bench [-- <filter>…]`: the benchmarks of issues 2 and 3 on the
 * local PostgreSQL server (TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test; each benchmark creates its own
 * database and drops it) and on embedded PGlite. Prints one table per
 * benchmark and a summary block for a closing note. Asserts nothing about
 * speed; never part of `npm test`.
 *
 *   BENCH_SCALE=0.1 npm run bench          a quick run (sizes and durations × 0.1)
 *   npm run bench -- proofs                only the benchmarks whose name contains "proofs"
 *   npm run bench -- --list                the benchmark names
 */
import { benchBrowserVerify } from './browser-verify.ts';
import { benchBundle } from './bundle.ts';
import { benchChain } from './chain.ts';
import { benchFlood } from './flood.ts';
import { ingestPGlite, ingestPostgres } from './ingest.ts';
import { checkpointLatency, integrationCost, proofsAndRoot } from './log.ts';
import { benchDemo } from './demo.ts';
import { benchMatching } from './matching.ts';
import { benchMonitor } from './monitor.ts';
import { benchUpload } from './upload.ts';
import { load, machine, note, postgresVersion, renderSection, runCleanups, SCALE, summaryLine, type Section } from './lib.ts';

const benchmarks: Array<{ name: string; what: string; run: () => Promise<Section> }> = [
  { name: 'ingest-postgres', what: 'POST /v1/entries batches and single readings vs raw PostgreSQL', run: ingestPostgres },
  { name: 'ingest-pglite', what: 'the same on embedded PGlite, for information', run: ingestPGlite },
  { name: 'log-proofs', what: 'inclusion proofs/s at 10^6 entries; root recomputation from entries vs frontier', run: proofsAndRoot },
  { name: 'log-checkpoint-latency', what: 'append success → first covering checkpoint, PT5S and PT1S', run: checkpointLatency },
  { name: 'log-integration', what: 'batch append with and without tree-node writes', run: integrationCost },
  { name: 'matching', what: 'matching a year of 10 supply devices and 20 tenants; tenant view of a month', run: matchingSection },
  { name: 'bundle', what: 'build, verify and size of the reference bundle (a month, one tenant, three sources)', run: benchBundle },
  { name: 'chain', what: 'the device chain head at 5,000 and 35,000 readings vs the full paged re-verification', run: benchChain },
  { name: 'flood', what: '/healthz p50/p99 and valid readings/s while 4 clients send forged bundles and bad-signature batches, vs without', run: benchFlood },
  { name: 'upload', what: 'gridproof upload, a year of one meter from a CSV file (total time, readings/s)', run: benchUpload },
  { name: 'demo', what: 'gridproof demo, a year of the park through the API (readings/s, total time)', run: benchDemo },
  { name: 'browser-verify', what: 'the month bundle verified in headless Chromium (WebCrypto, noble only) and by gridproof verify', run: benchBrowserVerify },
  { name: 'monitor', what: 'the monitor over a log of 10^5 entries, then incrementally over 1000 more', run: benchMonitor },
];

/** benchMatching prints its own lines; they go into the section's notes. */
async function matchingSection(): Promise<Section> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void lines.push(parts.map(String).join(' '));
  try {
    await benchMatching();
  } finally {
    console.log = log;
  }
  const [title, ...rest] = lines.join('\n').split('\n');
  return { title: title ?? 'matching', rows: [], notes: rest.map((line) => line.trim()) };
}

const args = process.argv.slice(2);
if (args.includes('--list') || args.includes('--help')) {
  for (const b of benchmarks) console.log(`${b.name.padEnd(24)} ${b.what}`);
  process.exit(0);
}
const selected = args.length === 0 ? benchmarks : benchmarks.filter((b) => args.some((filter) => b.name.includes(filter)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${args.join(' ')}; try --list`);
  process.exit(2);
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\ninterrupted: dropping the benchmark databases…\n');
  void runCleanups().finally(() => process.exit(130));
});

const header = `gridproof bench — ${new Date().toISOString()} — ${machine()}, PostgreSQL ${await postgresVersion()}, BENCH_SCALE=${SCALE}, load average at start ${load()}`;
console.log(header);
const sections: Section[] = [];
const failures: string[] = [];
const t0 = performance.now();
for (const benchmark of selected) {
  note(`--- ${benchmark.name}`);
  const t = performance.now();
  try {
    const section = await benchmark.run();
    section.notes.push(`took ${((performance.now() - t) / 1000).toFixed(0)} s`);
    sections.push(section);
    console.log(`\n${renderSection(section)}`);
  } catch (error) {
    failures.push(`${benchmark.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    console.log(`\n== ${benchmark.name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await runCleanups();
  }
}

console.log(`\n== Summary (paste into a closing note)\n\n${header}; total ${((performance.now() - t0) / 1000).toFixed(0)} s, load average at end ${load()}\n`);
for (const section of sections) {
  const rows = section.rows.filter((row) => row.summary);
  if (rows.length === 0) continue;
  console.log(section.title);
  for (const row of rows) console.log(summaryLine(row));
}
for (const failure of failures) console.log(`- FAILED ${failure.split('\n')[0]}`);
if (failures.length > 0) {
  console.error(`\n${failures.join('\n\n')}`);
  process.exitCode = 1;
}

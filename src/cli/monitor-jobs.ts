/**
 * The monitor's worker threads (monitor-precheck.ts): a module of its own
 * rather than the server's job module (ledger/cpu-jobs.ts), so a worker
 * starts by loading only what precheckEntries needs, not the bundle verifier.
 * Node's native Ed25519 and SHA-256: same verdicts and hashes as in place.
 */
import { precheckEntries, type Prechecked, type PrecheckKey } from '../domain/monitor/precheck.ts';
import { nativeVerify } from '../platform/node-ed25519.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import { serveJobs } from '../platform/worker-pool-host.ts';

export interface PrecheckJob {
  notes: Uint8Array[];
  origin: string;
  keys: PrecheckKey[];
}

serveJobs({
  // Answered once this module has loaded: the monitor sends pages only to workers that are up.
  ready: (): boolean => true,
  'precheck-entries': ({ notes, origin, keys }: PrecheckJob): Prechecked => precheckEntries(notes, origin, keys, nativeVerify, nativeHashLeaf),
});

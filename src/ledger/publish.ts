/**
 * Publish (docs/design.md §3): when the tree grew, the log key signs a
 * C2SP checkpoint of the committed size. Before signing, the new tree is
 * proven consistent with the last signed one from the stored hashes; a
 * database lock makes publishers in several processes take turns, so no two
 * checkpoints of one size, nor two inconsistent ones, are ever signed.
 */
import { signCheckpoint } from '../crypto/checkpoint.ts';
import { consistencyProof, consistencyProofNodes, frontier, rootFromFrontier, verifyConsistency } from '../crypto/merkle.ts';
import { insertCheckpoint, latestCheckpoint, lockPublisher, type CheckpointRow } from '../db/checkpoints.ts';
import { readLogSize, readNodes } from '../db/log.ts';
import { GridproofError } from '../errors.ts';
import type { Ledger } from './ledger.ts';
import { repeat } from './repeat.ts';

export async function publishCheckpoint(ledger: Ledger): Promise<{ checkpoint: CheckpointRow | undefined; published: boolean }> {
  return ledger.db.transaction().execute(async (tx) => {
    await lockPublisher(tx);
    const latest = await latestCheckpoint(tx);
    const size = await readLogSize(tx);
    if (size === 0 || (latest && latest.size >= size)) return { checkpoint: latest, published: false };
    const wanted = [...frontier(size), ...(latest && latest.size > 0 ? consistencyProofNodes(latest.size, size) : [])];
    const getNode = await readNodes(tx, wanted);
    const root = rootFromFrontier(size, getNode);
    if (latest && latest.size > 0) {
      try {
        verifyConsistency(latest.size, size, consistencyProof(latest.size, size, getNode), latest.root, root);
      } catch {
        throw new GridproofError('inconsistent-checkpoint', `the tree of size ${size} does not extend the checkpoint of size ${latest.size}; refusing to sign`);
      }
    }
    const note = signCheckpoint({ origin: ledger.origin, size, root, extensions: [] }, ledger.logSigner, ledger.sign);
    const checkpoint = { size, root, note };
    await insertCheckpoint(tx, checkpoint);
    return { checkpoint, published: true };
  });
}

/** Publishes on a fixed cadence, retrying with backoff after a failure; returns a stop function that waits for a run in progress. */
export function startPublisher(ledger: Ledger, everyMs: number, onError: (error: unknown) => void): () => Promise<void> {
  return repeat(() => publishCheckpoint(ledger), { everyMs, onError });
}

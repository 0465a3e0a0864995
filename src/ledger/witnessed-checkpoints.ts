/**
 * Checkpoints with their witness cosignatures (docs/witnesses.md): the note
 * as the log signed it (its own line first) followed by each stored
 * cosignature line, which is how C2SP tlog-cosignature shows a cosigned
 * checkpoint; and where each witness stands.
 */
import { cosignaturesOf, cosignedSizes, newestCosignedCheckpoint } from '../db/cosignatures.ts';
import { latestCheckpoint, type CheckpointRow } from '../db/checkpoints.ts';
import type { Db, Tx } from '../db/log.ts';
import type { Ledger } from './ledger.ts';
import type { CheckpointWitnessing, WitnessProgress } from './witnessing.ts';

export async function withCosignatures(db: Db | Tx, checkpoint: CheckpointRow): Promise<string> {
  const lines = await cosignaturesOf(db, checkpoint.size);
  return `${checkpoint.note}${lines.map((l) => l.line).join('')}`;
}

/** The newest checkpoint covering index `minIdx` that the quorum cosigned, with its cosignatures; undefined when none is. */
export async function newestWitnessedCheckpoint(ledger: Ledger, minIdx: number): Promise<(CheckpointRow & { witnessed: string }) | undefined> {
  const row = await newestCosignedCheckpoint(
    ledger.db,
    ledger.witnesses.map((w) => w.vkey),
    ledger.witnessQuorum,
    minIdx + 1,
  );
  return row ? { ...row, witnessed: await withCosignatures(ledger.db, row) } : undefined;
}

export interface WitnessStatus {
  size: number;
  quorum: number;
  /** The newest checkpoint size the quorum cosigned; null when none is. */
  witnessedSize: number | null;
  witnesses: (WitnessProgress & { behind: number | null })[];
}

export async function witnessStatus(ledger: Ledger, witnessing: CheckpointWitnessing | undefined): Promise<WitnessStatus> {
  const size = (await latestCheckpoint(ledger.db))?.size ?? 0;
  const sizes = await cosignedSizes(
    ledger.db,
    ledger.witnesses.map((w) => w.vkey),
  );
  const live = witnessing?.progress() ?? [];
  const witnessed = await newestCosignedCheckpoint(
    ledger.db,
    ledger.witnesses.map((w) => w.vkey),
    ledger.witnessQuorum,
    0,
  );
  return {
    size,
    quorum: ledger.witnessQuorum,
    witnessedSize: witnessed?.size ?? null,
    witnesses: ledger.witnesses.map((w) => {
      const progress = live.find((p) => p.vkey === w.vkey);
      const cosignedSize = sizes.get(w.vkey);
      return {
        vkey: w.vkey,
        name: progress?.name ?? w.vkey.slice(0, w.vkey.indexOf('+')),
        url: w.url,
        cosignedSize,
        lastError: progress?.lastError,
        lastAttemptAt: progress?.lastAttemptAt,
        nextAttemptAt: progress?.nextAttemptAt,
        behind: cosignedSize === undefined ? null : size - cosignedSize,
      };
    }),
  };
}

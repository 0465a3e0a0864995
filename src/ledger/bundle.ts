/**
 * Proof bundles (docs/design.md §6): the statement,
 * one signed checkpoint that covers every entry (published first if needed),
 * and each entry's exact bytes with its own full inclusion proof, so any
 * RFC 9162 tool can check an entry alone.
 */
import { fromUtf8, toBase64 } from '../crypto/base64.ts';
import { inclusionProof, inclusionProofNodes } from '../crypto/merkle.ts';
import { contractsOf, drawnCharges, readEntries, registryEntriesOf } from '../db/bundle-entries.ts';
import { latestCheckpoint } from '../db/checkpoints.ts';
import { findParticipant } from '../db/registry.ts';
import type { ClaimRow } from '../db/tenants.ts';
import { BUNDLE_MEDIA_TYPE, type Bundle } from '../domain/bundle/bundle-types.ts';
import { statementFromFigures } from '../domain/bundle/statement.ts';
import type { ClaimPurpose } from '../domain/payloads.ts';
import { formatInstant } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import type { Ledger } from './ledger.ts';
import { publishCheckpoint } from './publish.ts';
import { newestWitnessedCheckpoint, withCosignatures } from './witnessed-checkpoints.ts';
import { tenantPeriod } from './tenant-view.ts';

interface ClaimFacts {
  entryIdx: number;
  id: string;
  purpose: string;
  beneficiary: string;
  wh: string;
}

export async function buildClaimBundle(ledger: Ledger, claim: ClaimRow): Promise<Bundle> {
  const facts = { entryIdx: claim.entry_idx, id: claim.id, purpose: claim.purpose, beneficiary: claim.beneficiary, wh: String(claim.wh) };
  return buildBundle(ledger, claim.tenant_id, claim.start_at, claim.end_at, facts);
}

export async function buildBundle(ledger: Ledger, tenantId: string, from: Date, to: Date, claim?: ClaimFacts): Promise<Bundle> {
  const { readings, allocations, figures } = await tenantPeriod(ledger, tenantId, from, to);
  // A bundle with no reading would prove nothing; the verifier refuses it too.
  if (readings.length === 0) throw new GridproofError('not-found', `tenant ${tenantId} has no consumption readings in this period`);
  // Each settlement holds its interval and zone whole: those holding the
  // tenant's allocations, and behind each storage discharge those holding
  // the charges it draws on, with the storage and generation readings of
  // those charges (storage never charges storage, so that is as deep as it goes).
  const charges = await drawnCharges(ledger.db, allocations);
  const readingIdx = [...readings.map((r) => r.entry_idx), ...allocations.map((a) => a.source_idx), ...charges.flatMap((c) => [c.source_idx, c.sink_idx])];
  const sourceDevices = [...new Set(allocations.map((a) => a.source_device))];
  const participant = await findParticipant(ledger.db, tenantId);
  const wanted = new Set<number>([
    0,
    participant!.entry_idx,
    ...(claim ? [claim.entryIdx] : []),
    ...readingIdx,
    ...allocations.map((a) => a.settlement_idx),
    ...charges.map((c) => c.settlement_idx),
    ...(await contractsOf(ledger.db, tenantId, sourceDevices, from, to)),
    ...(await registryEntriesOf(ledger.db, [...new Set(readingIdx)])),
  ]);
  const entries = await readEntries(ledger.db, [...wanted]);
  // readEntries orders by index: the last is the largest (no spread of tens of thousands of arguments).
  const maxIdx = entries[entries.length - 1]!.idx;

  // With witnesses, the newest checkpoint their quorum cosigned that covers
  // every entry, cosignatures included (docs/witnesses.md); when none does
  // yet, the latest one, and the bundle says it is not witnessed.
  const witnessed = ledger.witnesses.length > 0 ? await newestWitnessedCheckpoint(ledger, maxIdx) : undefined;
  let checkpoint = witnessed ?? (await latestCheckpoint(ledger.db));
  if (!checkpoint || checkpoint.size <= maxIdx) checkpoint = (await publishCheckpoint(ledger)).checkpoint;
  if (!checkpoint || checkpoint.size <= maxIdx) throw new GridproofError('internal-error', 'no checkpoint covers the bundle');
  const size = checkpoint.size;
  const checkpointNote = witnessed ? witnessed.witnessed : await withCosignatures(ledger.db, checkpoint);
  const getNode = await ledger.tree.nodes(entries.flatMap((e) => inclusionProofNodes(e.idx, size)));

  // A period bundle states the span its readings cover: a bundle cannot prove
  // that no reading exists outside what it carries. A claim states its period.
  // Readings come by start; the latest end is folded, not spread (tens of thousands of readings).
  const lastEnd = readings.reduce((latest, r) => Math.max(latest, r.end_at.getTime()), 0);
  const span = claim ? { from, to } : { from: readings[0]!.start_at, to: new Date(lastEnd) };
  const statement = statementFromFigures({
    tenant: tenantId,
    period: { start: formatInstant(span.from), end: formatInstant(span.to) },
    figures,
    ...(claim ? { claim: { id: claim.id, purpose: claim.purpose as ClaimPurpose, beneficiary: claim.beneficiary, wh: claim.wh } } : {}),
  });
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    statement,
    checkpoint: checkpointNote,
    ...(ledger.witnesses.length > 0 ? { witnessed: witnessed !== undefined } : {}),
    entries: entries.map((e) => ({ index: e.idx, bytes: fromUtf8(e.bytes), proof: inclusionProof(e.idx, size, getNode).map(toBase64) })),
  };
}

/**
 * Claims (docs/design.md §5): a tenant claims its unclaimed matched energy of a
 * period for a purpose and a beneficiary. One transaction under the head
 * lock, so concurrent claims take turns; the claim_allocation primary key
 * makes "an allocation is claimed at most once" hold in SQL as well.
 */
import { randomBytes } from 'node:crypto';
import { toBase64 } from '../crypto/base64.ts';
import type { Tx } from '../db/log.ts';
import { insertClaim, settlementNames, unclaimedAllocationsTo, type UnclaimedRow } from '../db/tenants.ts';
import { allocationId } from '../domain/allocation-id.ts';
import { selectClaim, type ClaimCandidate } from '../domain/claims.ts';
import type { ClaimPayload, ClaimPurpose } from '../domain/payloads.ts';
import { formatInstant, MAX_PERIOD_MS, parseInstant } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { appendInTransaction, sealOperatorEntry } from './append.ts';
import type { Ledger } from './ledger.ts';

export interface ClaimRequest {
  period: { start: string; end: string };
  purpose: ClaimPurpose;
  beneficiary: string;
  maxWh?: string;
}

/** The tenant's unclaimed allocations of the period, named and dated for selectClaim, each with its row. */
async function unclaimedCandidates(tx: Tx, tenantId: string, from: Date, to: Date): Promise<Array<ClaimCandidate & { row: UnclaimedRow }>> {
  const unclaimed = await unclaimedAllocationsTo(tx, tenantId, from, to);
  const settlements = await settlementNames(tx, [...new Set(unclaimed.map((a) => a.settlement_idx))]);
  const names = new Map(settlements.map((s) => [s.entry_idx, { hash: toBase64(s.leaf_hash), start: formatInstant(s.start_at) }]));
  return unclaimed.map((row) => {
    const name = names.get(row.settlement_idx)!;
    return { settlement: name.hash, start: name.start, position: row.position, wh: BigInt(row.wh), row };
  });
}

export async function makeClaim(ledger: Ledger, tenantId: string, request: ClaimRequest): Promise<{ id: string; index: number; leafHash: string; wh: string }> {
  const start = parseInstant(request.period.start, 'period.start');
  const end = parseInstant(request.period.end, 'period.end');
  if (end <= start) throw new GridproofError('bad-period', 'the period must end after it starts');
  if (end - start > MAX_PERIOD_MS) throw new GridproofError('bad-period', 'a period covers at most 366 days');
  const maxWh = request.maxWh === undefined ? undefined : BigInt(request.maxWh);
  const id = `claim-${randomBytes(6).toString('hex')}`;
  return appendInTransaction(ledger, async (tx) => {
    const candidates = await unclaimedCandidates(tx, tenantId, new Date(start), new Date(end));
    const selection = selectClaim(candidates, maxWh);
    // The selection names allocations by id; the projection wants their settlement index and position.
    const byId = new Map(candidates.map((c) => [allocationId(c.settlement, c.position), c.row]));
    if (selection.allocations.length === 0) throw new GridproofError('nothing-to-claim', 'no unclaimed matched energy in this period');
    const payload: ClaimPayload = {
      kind: 'claim',
      log: ledger.origin,
      id,
      tenant: tenantId,
      beneficiary: request.beneficiary,
      purpose: request.purpose,
      start: formatInstant(start),
      end: formatInstant(end),
      allocations: selection.allocations,
      wh: selection.wh.toString(),
    };
    return {
      entries: [sealOperatorEntry(ledger, payload)],
      project: async (tx, [entry]) => {
        await insertClaim(
          tx,
          {
            entry_idx: entry!.idx,
            id,
            tenant_id: tenantId,
            start_at: new Date(start),
            end_at: new Date(end),
            purpose: payload.purpose,
            beneficiary: payload.beneficiary,
            wh: Number(selection.wh),
          },
          selection.allocations.map((allocation) => byId.get(allocation)!),
        );
        return { id, index: entry!.idx, leafHash: toBase64(entry!.leafHash), wh: payload.wh };
      },
    };
  });
}

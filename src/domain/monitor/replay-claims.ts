/**
 * The replay's claims (replay.ts): an allocation claimed at most once across
 * all claims, and each claim's allocations existing, going to its tenant's
 * consumption readings, in its period, adding up to its wh. An allocation
 * is named by its settlement and position (allocation-id.ts).
 */
import { parseAllocationId } from '../allocation-id.ts';
import type { ClaimPayload } from '../payloads.ts';
import { instantMs } from '../time.ts';
import { parseWh } from '../wh.ts';
import { checkParticipant, isDuplicate, type ReplayContext } from './replay-state.ts';

export function replayClaim(context: ReplayContext, index: number, hash: string, claim: ClaimPayload): void {
  const { state, report } = context;
  if (isDuplicate(context, state.claims.get(hash), index)) return;
  state.claims.set(hash, index);
  checkParticipant(context, index, `claim ${claim.id} for`, claim.tenant, 'tenant', 'a claimant');
  const startMs = instantMs(claim.start)!;
  const endMs = instantMs(claim.end)!;
  const seen = new Set<string>();
  let total = 0n;
  for (const id of claim.allocations) {
    const { settlement, position } = parseAllocationId(id);
    const rec = state.settlements.get(settlement);
    const known = rec !== undefined && position < rec.wh.length;
    if (seen.has(id)) {
      report('double-claim', [rec?.index, index], `claim ${claim.id} lists allocation ${id} twice`);
      continue;
    }
    seen.add(id);
    if (!known) {
      report('claim-mismatch', [rec?.index, index], `claim ${claim.id} lists ${id}, which is no allocation logged before it`);
      continue;
    }
    total += rec.wh[position]!;
    const earlier = rec.claimed.get(position);
    if (earlier !== undefined) {
      report(
        'double-claim',
        [rec.index, earlier, index],
        `allocation ${id} (entry ${rec.index}) is claimed by entry ${earlier} and again by claim ${claim.id}`,
      );
    } else rec.claimed.set(position, index);
    const owner = rec.owner[position];
    if (rec.charges.has(position)) report('claim-mismatch', [rec.index, index], `claim ${claim.id} lists allocation ${id}, which charges storage`);
    else if (owner !== claim.tenant)
      report(
        'claim-mismatch',
        [rec.index, index],
        `claim ${claim.id} of ${claim.tenant} lists allocation ${id}, which goes to ${owner || 'an unknown reading'}`,
      );
    if (rec.startMs < startMs || rec.endMs > endMs) {
      report('claim-mismatch', [rec.index, index], `claim ${claim.id} lists allocation ${id}, which is outside its period ${claim.start}/${claim.end}`);
    }
  }
  const wh = parseWh(claim.wh);
  if (wh !== total) report('claim-mismatch', [index], `claim ${claim.id} states ${wh} Wh, its allocations add up to ${total} Wh`);
}

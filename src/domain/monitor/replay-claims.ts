/**
 * The replay's claims (replay.ts): an allocation claimed at most once across
 * all claims, and each claim's allocations those of its tenant, in its
 * period, adding up to its wh.
 */
import type { ClaimPayload } from '../payloads.ts';
import { instantMs } from '../time.ts';
import { parseWh } from '../wh.ts';
import { isDuplicate, type ReplayContext } from './replay-state.ts';

export function replayClaim(context: ReplayContext, index: number, hash: string, claim: ClaimPayload): void {
  const { state, report } = context;
  if (isDuplicate(context, state.claims.get(hash), index)) return;
  state.claims.set(hash, index);
  const tenant = state.participants.get(claim.tenant);
  if (tenant?.role !== 'tenant') report('unknown-participant', [tenant?.index, index], `claim ${claim.id} for ${claim.tenant}, which is no tenant registered before it`);
  const startMs = instantMs(claim.start)!;
  const endMs = instantMs(claim.end)!;
  const seen = new Set<string>();
  let total = 0n;
  for (const leaf of claim.allocations) {
    const allocation = state.allocations.get(leaf);
    if (seen.has(leaf)) {
      report('double-claim', [allocation?.index, index], `claim ${claim.id} lists allocation ${leaf} twice`);
      continue;
    }
    seen.add(leaf);
    if (!allocation) {
      report('claim-mismatch', [index], `claim ${claim.id} lists ${leaf}, which is no allocation logged before it`);
      continue;
    }
    total += allocation.wh;
    if (allocation.claim !== undefined) {
      report('double-claim', [allocation.index, allocation.claim, index], `allocation ${leaf} (entry ${allocation.index}) is claimed by entry ${allocation.claim} and again by claim ${claim.id}`);
    } else allocation.claim = index;
    const sink = state.readings.get(allocation.sink);
    const owner = sink ? state.devices.get(sink.device)?.owner : undefined;
    if (owner !== claim.tenant) report('claim-mismatch', [allocation.index, index], `claim ${claim.id} of ${claim.tenant} lists allocation ${leaf}, which goes to ${owner ?? 'an unknown reading'}`);
    if (allocation.startMs < startMs || allocation.endMs > endMs) {
      report('claim-mismatch', [allocation.index, index], `claim ${claim.id} lists allocation ${leaf}, which is outside its period ${claim.start}/${claim.end}`);
    }
  }
  const wh = parseWh(claim.wh);
  if (wh !== total) report('claim-mismatch', [index], `claim ${claim.id} states ${wh} Wh, its allocations add up to ${total} Wh`);
}

/**
 * The pro-rata split of docs/design.md §5: whole Wh rounded down, the
 * remainder by largest remainder with ties broken by the sink's leaf hash
 * (Hamilton's method, so the shares always add up to exactly the amount).
 */
import { compareText } from './compare.ts';

export interface Claimant {
  /** Tie-break key: the sink reading's leaf hash. */
  key: string;
  /** The most this claimant may receive (its remaining import, or a tighter limit). */
  cap: bigint;
}

/**
 * Splits `amount` (≥ 0) over claimants in proportion to their caps (each ≥ 0).
 * Shares are returned in the claimants' order; each is ≤ its cap and they add
 * up to min(amount, Σ caps): when the amount covers every cap, everyone gets
 * its cap.
 */
export function splitProRata(amount: bigint, claimants: readonly Claimant[]): bigint[] {
  const total = claimants.reduce((sum, c) => sum + c.cap, 0n);
  if (amount >= total) return claimants.map((c) => c.cap);
  // Here 0 ≤ amount < total, so each floor is < its cap and one extra unit still fits.
  const shares = claimants.map((c) => (amount * c.cap) / total);
  const left = Number(amount - shares.reduce((sum, s) => sum + s, 0n));
  const byRemainder = claimants
    .map((c, index) => ({ index, key: c.key, remainder: (amount * c.cap) % total }))
    .sort((a, b) => (a.remainder === b.remainder ? compareText(a.key, b.key) : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder.slice(0, left)) shares[index] = (shares[index] ?? 0n) + 1n;
  return shares;
}

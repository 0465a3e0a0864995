/**
 * A tenant's claims as the API lists them: what each claimed, for whom, and
 * the log entry that records it.
 */
import { tenantClaims } from '../db/tenants.ts';
import { formatInstant } from '../domain/time.ts';
import type { Ledger } from './ledger.ts';
import { requireTenant } from './tenant-view.ts';

export interface ClaimSummary {
  id: string;
  index: number;
  purpose: string;
  beneficiary: string;
  period: { start: string; end: string };
  wh: string;
}

export async function listClaims(ledger: Ledger, tenantId: string): Promise<{ claims: ClaimSummary[] }> {
  await requireTenant(ledger, tenantId);
  const claims = await tenantClaims(ledger.db, tenantId);
  return {
    claims: claims.map((c) => ({
      id: c.id,
      index: c.entry_idx,
      purpose: c.purpose,
      beneficiary: c.beneficiary,
      period: { start: formatInstant(c.start_at), end: formatInstant(c.end_at) },
      wh: String(c.wh),
    })),
  };
}

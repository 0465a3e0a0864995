/**
 * `gridproof verify BUNDLE --key VKEY`: offline verification of a proof
 * bundle with the same pure verifier the server runs. Exit 0 valid, 1
 * invalid, 2 unusable input (unreadable file, not JSON, bad key).
 */
import { readFileSync } from 'node:fs';
import { verifyBundle } from '../domain/bundle/verify-bundle.ts';
import { GridproofError } from '../errors.ts';
import { nativeVerify } from '../platform/node-ed25519.ts';
import { parseArgs } from './args.ts';

export async function verifyCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const file = positional[0];
  const key = options.get('key');
  if (!file || !key) throw new GridproofError('bad-request', 'usage: gridproof verify BUNDLE --key <log verifier key>');
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GridproofError('bad-bundle', `${file} is not readable JSON: ${(error as Error).message}`);
  }
  const verdict = await verifyBundle(bundle, { logKey: key, verify: nativeVerify });
  const out = process.stdout;
  if (verdict.valid) {
    const s = verdict.statement!;
    out.write(`VALID bundle for tenant ${s.tenant}, ${s.period.start} to ${s.period.end}\n`);
    out.write(`  consumed ${s.consumedWh} Wh, matched ${s.matchedWh} Wh, CFE score ${s.cfeScore}, unmatched emissions ${s.unmatchedEmissionsG} g CO2\n`);
    out.write(verdict.claimed && s.claim ? `  claimed: ${s.claim.wh} Wh for ${s.claim.purpose}, beneficiary ${s.claim.beneficiary}\n` : '  not a claim: the energy is not shown as claimed\n');
    return 0;
  }
  out.write(`INVALID bundle: ${verdict.reasons.length} reason(s)\n`);
  for (const reason of verdict.reasons) out.write(`  ${reason.code}: ${reason.detail}\n`);
  return 1;
}

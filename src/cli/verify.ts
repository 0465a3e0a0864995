/**
 * `gridproof verify BUNDLE --key VKEY [--json]`: offline verification of a
 * proof bundle with the same pure verifier the server runs, then every fact
 * the bundle proves (docs/exports.md): a readable summary, or with `--json`
 * the verdict, the statement and the facts. Exit 0 valid, 1 invalid, 2
 * unusable input (unreadable file, not JSON, bad key). An invalid verdict
 * ends by naming the page of each of its reason codes.
 * `gridproof verify --html` prints the browser verifier as one
 * self-contained HTML file (the page served at /verify.html) to keep offline.
 */
import { factsSummary } from '../domain/bundle/facts-summary.ts';
import { verifyWithFacts } from '../domain/bundle/verified.ts';
import { GridproofError } from '../errors.ts';
import { nativeVerify } from '../platform/node-ed25519.ts';
import { parseArgs } from './args.ts';
import { missingBundleInput, readBundleFile } from './bundle-file.ts';
import { countOf } from '../domain/count.ts';
import { verifyReasonPage } from '../verify-reason-explanations.ts';
import { codePagesText } from './code-pages.ts';

export async function verifyCommand(args: string[]): Promise<number> {
  const { options, lists, positional } = parseArgs(args, ['json', 'html']);
  if (options.has('html')) {
    const { buildWeb } = await import('../platform/web-build.ts');
    process.stdout.write((await buildWeb()).verifyHtml);
    return 0;
  }
  const file = positional[0];
  const key = options.get('key');
  const missing = missingBundleInput('verify', file, key);
  if (missing !== undefined) {
    process.stderr.write(`gridproof verify: ${missing}\n`);
    return 2;
  }
  const witnesses = lists.get('witness') ?? [];
  const quorumText = options.get('quorum');
  if (quorumText !== undefined && (witnesses.length === 0 || !/^[1-9][0-9]*$/.test(quorumText))) {
    throw new GridproofError('bad-request', '--quorum is a positive count of the --witness keys given');
  }
  const witnessPolicy = witnesses.length > 0 ? { witnesses, ...(quorumText ? { quorum: Number(quorumText) } : {}) } : undefined;
  const { bundle } = readBundleFile(file!);
  const { verdict, facts } = await verifyWithFacts(bundle, { logKey: key!, verify: nativeVerify, ...(witnessPolicy ? { witnessPolicy } : {}) });
  const out = process.stdout;
  if (options.has('json')) {
    out.write(`${JSON.stringify({ ...verdict, ...(facts ? { facts } : {}) }, null, 2)}\n`);
    return verdict.valid ? 0 : 1;
  }
  for (const c of verdict.cosignatures ?? []) out.write(`cosigned by ${c.name} at ${c.time}\n`);
  if (verdict.valid && facts) {
    out.write(factsSummary(facts, verdict.claimed));
    return 0;
  }
  out.write(`INVALID bundle: ${countOf(verdict.reasons.length, 'reason')}\n`);
  for (const reason of verdict.reasons) out.write(`  ${reason.code}: ${reason.detail}\n`);
  // A bare code tells an auditor nothing; every gridproof service explains each one (docs/exports.md).
  out.write(`${codePagesText(verdict.reasons.map((reason) => verifyReasonPage(reason.code)))}\n`);
  return 1;
}

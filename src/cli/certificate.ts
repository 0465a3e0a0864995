/**
 * `gridproof certificate BUNDLE --key VKEY > cert.html` and `gridproof export
 * BUNDLE --key VKEY --format energytag|eecs`: made offline from a claim
 * bundle that verifies, and from nothing else (docs/exports.md). Exit 0
 * written, 1 the bundle does not verify or is not a claim's, 2 unusable input.
 */
import { certificateOf, exportOf } from '../domain/certificate/claim-documents.ts';
import { GridproofError, isGridproofError } from '../errors.ts';
import { nativeVerify } from '../platform/node-ed25519.ts';
import { parseArgs } from './args.ts';
import { missingBundleInput, readBundleFile } from './bundle-file.ts';

/** A bundle that gets no document: it does not verify, or it verifies but is not a claim's (domain/bundle/verified.ts). */
const NO_DOCUMENT: readonly string[] = ['unverified-bundle', 'not-a-claim'];

async function run(command: string, make: () => Promise<string>): Promise<number> {
  try {
    process.stdout.write(await make());
    return 0;
  } catch (error) {
    if (isGridproofError(error) && NO_DOCUMENT.includes(error.code)) {
      // Prefixed as main.ts prefixes every other message of a command.
      process.stderr.write(`gridproof ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export async function certificateCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const file = positional[0];
  const key = options.get('key');
  const missing = missingBundleInput('certificate', file, key);
  if (missing !== undefined) {
    process.stderr.write(`gridproof certificate: ${missing}\n`);
    return 2;
  }
  const { bytes, bundle } = readBundleFile(file!);
  return run('certificate', () => certificateOf(bytes, bundle, { logKey: key!, verify: nativeVerify }));
}

export async function exportCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const file = positional[0];
  const key = options.get('key');
  const format = options.get('format');
  const missing = missingBundleInput('export', file, key);
  if (missing !== undefined) {
    process.stderr.write(`gridproof export: ${missing}\n`);
    return 2;
  }
  if (!format) throw new GridproofError('bad-request', 'usage: gridproof export BUNDLE --key <log verifier key> --format energytag|eecs');
  const { bundle } = readBundleFile(file!);
  return run('export', () => exportOf(bundle, format, { logKey: key!, verify: nativeVerify }));
}

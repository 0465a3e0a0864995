/**
 * What a claim bundle that verifies can be turned into: the certificate
 * page and the two exports. One function for the CLI and the API, so both
 * make the same bytes from the same bundle.
 */
import { toHex } from '../../crypto/base64.ts';
import { sha256 } from '../../crypto/sha256.ts';
import type { VerifyBundleOptions } from '../bundle/verify-bundle.ts';
import { claimFacts } from '../bundle/verified.ts';
import { GridproofError } from '../../errors.ts';
import { eecsExport } from '../export/eecs.ts';
import { energyTagExport } from '../export/energytag.ts';
import { certificateHtml } from './certificate-html.ts';

export const exportFormats = ['energytag', 'eecs'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** The certificate of the bundle whose exact bytes are `bytes`; refuses one that does not verify ('unverified-bundle') or is not a claim's ('not-a-claim'). */
export async function certificateOf(bytes: Uint8Array, bundle: unknown, options: VerifyBundleOptions): Promise<string> {
  const { facts } = await claimFacts(bundle, options);
  return certificateHtml({ facts, bundleSha256: toHex(sha256(bytes)), logKey: options.logKey });
}

/** The export as JSON text, two-space indented, ending in a newline: the same claim gives the same bytes. */
export async function exportOf(bundle: unknown, format: string, options: VerifyBundleOptions): Promise<string> {
  if (!(exportFormats as readonly string[]).includes(format))
    throw new GridproofError('bad-request', `format is energytag or eecs, not ${JSON.stringify(format)}`);
  const verified = await claimFacts(bundle, options);
  const document = format === 'energytag' ? energyTagExport(verified.bundle, verified.facts) : eecsExport(verified.bundle, verified.facts);
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Reading a bundle file for the commands that take one (verify, certificate, export), and what they say when it or the key is not given. */
import { readFileSync } from 'node:fs';
import { GridproofError } from '../errors.ts';

/** The file's bytes and its JSON; an unreadable file or bad JSON is unusable input. */
export function readBundleFile(file: string): { bytes: Uint8Array; bundle: unknown } {
  let bytes: Uint8Array;
  let bundle: unknown;
  try {
    bytes = readFileSync(file);
    bundle = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new GridproofError('bad-bundle', `${file} is not readable JSON: ${(error as Error).message}`);
  }
  return { bytes, bundle };
}

/**
 * What a command that checks a bundle (verify, certificate, export) says
 * when BUNDLE or --key is missing, in one line naming it and, for the key,
 * where to get it (docs/walkthrough.md step 8); undefined when both are given.
 */
export function missingBundleInput(command: string, file: string | undefined, key: string | undefined): string | undefined {
  if (!file) return `give the bundle file: gridproof ${command} BUNDLE --key VKEY (gridproof ${command} --help)`;
  if (!key) return "--key VKEY is required: the log's verifier key, from GET /v1/log/key on the log's service";
  return undefined;
}

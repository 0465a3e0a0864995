/** Reading a bundle file for the commands that take one (verify, certificate, export). */
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

/**
 * `gridproof keygen --name N [--out FILE]`: a new Ed25519 key in the C2SP
 * signed-note format. The private key goes to a file with mode 0600 (never
 * to the terminal); the verifier key is printed for registration.
 */
import { writeFileSync } from 'node:fs';
import { formatPrivateKey, generateSigner, isValidSignerName, verifierOf } from '../crypto/note.ts';
import { GridproofError } from '../errors.ts';
import { parseArgs } from './args.ts';

export async function keygenCommand(args: string[]): Promise<number> {
  const { options } = parseArgs(args);
  const name = options.get('name');
  if (!name || !isValidSignerName(name)) throw new GridproofError('bad-signer-name', '--name must be a note name: no spaces, no "+"');
  const out = options.get('out') ?? `${name.replaceAll('/', '_')}.key`;
  const signer = generateSigner(name);
  writeFileSync(out, `${formatPrivateKey(signer)}\n`, { mode: 0o600, flag: 'wx' });
  process.stderr.write(`private key written to ${out} (mode 0600)\n`);
  process.stdout.write(`${verifierOf(signer).vkey}\n`);
  return 0;
}

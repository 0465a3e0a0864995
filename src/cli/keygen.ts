/**
 * `gridproof keygen --name N [--out FILE] [--witness]`: a new Ed25519 key in
 * the C2SP signed-note format. The private key goes to a file with mode 0600
 * (never to the terminal); the verifier key is printed for registration.
 * With --witness the key is a C2SP tlog-cosignature v1 cosigner key
 * (signature type 0x04), for `gridproof witness`.
 */
import { writeFileSync } from 'node:fs';
import { formatPrivateKey, generateSigner, isValidSignerName, verifierOf } from '../crypto/note.ts';
import { GridproofError } from '../errors.ts';
import { parseArgs } from './args.ts';
import { cosignerVerifierOf, formatCosignerPrivateKey, generateCosigner } from '../crypto/cosignature.ts';

export async function keygenCommand(args: string[]): Promise<number> {
  const { options } = parseArgs(args, ['witness']);
  const witness = options.has('witness');
  const name = options.get('name');
  if (!name || !isValidSignerName(name)) throw new GridproofError('bad-signer-name', '--name must be a note name: no spaces, no "+"');
  const out = options.get('out') ?? `${name.replaceAll('/', '_')}.key`;
  const signer = witness ? generateCosigner(name) : generateSigner(name);
  const privateKey = witness ? formatCosignerPrivateKey(signer) : formatPrivateKey(signer);
  writeFileSync(out, `${privateKey}\n`, { mode: 0o600, flag: 'wx' });
  process.stderr.write(`private key written to ${out} (mode 0600)\n`);
  process.stdout.write(`${(witness ? cosignerVerifierOf(signer) : verifierOf(signer)).vkey}\n`);
  return 0;
}

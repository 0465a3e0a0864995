/**
 * `gridproof rotate --server URL --token T --key VKEY`: asks a running
 * service to rotate the operator key to the staged next key (README
 * "Rotating the operator key", POST /v1/log/operator-key in docs/api.md).
 * VKEY is the verifier key `gridproof keygen` printed for that key: the
 * service refuses a staged key other than the one named. Prints the new key
 * ID and the index of the rotation's entry in plain words; a refusal exits 1
 * with the problem's title, code and detail on stderr, a busy service (503,
 * 429) exits 75 (http-client.ts refusalExitCode).
 */
import { parseVerifierKey } from '../crypto/note.ts';
import { GridproofError } from '../errors.ts';
import { parseArgs } from './args.ts';
import { HttpClient, refusalExitCode, refusalText } from './http-client.ts';

interface Rotated {
  index: number;
  leafHash: string;
  verifierKey: string;
  previousVerifierKey: string;
}

/** The key ID of a verifier key as it spells it: 8 hex digits (C2SP signed-note "Verifier keys"). */
const keyIdOf = (vkey: string): string => vkey.split('+')[1] ?? vkey;

export async function rotateCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const server = options.get('server');
  const token = options.get('token');
  const key = options.get('key');
  if (!server || !token || !key || positional.length > 0) {
    throw new GridproofError('bad-request', 'usage: gridproof rotate --server URL --token <operator token> --key <verifier key of the staged next key>');
  }
  // Checked here so that a mistyped key is a usage error, not a round trip.
  parseVerifierKey(key);
  const answer = await new HttpClient(server, token).post<Rotated>('/v1/log/operator-key', { verifierKey: key });
  if ('refusal' in answer) {
    // Not always a refusal: key-files-not-written (500) says the rotation is logged; the detail tells.
    process.stderr.write(`gridproof rotate: ${refusalText(answer.refusal)}\n`);
    return refusalExitCode(answer.refusal);
  }
  const rotated = answer.value;
  process.stdout.write(
    `The operator key is rotated: entry ${rotated.index} of the log names the new operator key, key ID ${keyIdOf(rotated.verifierKey)}.\n` +
      `Every operator entry after entry ${rotated.index} is signed by it; the previous key, key ID ${keyIdOf(rotated.previousVerifierKey)}, signs nothing any more.\n`,
  );
  return 0;
}

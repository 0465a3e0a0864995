/**
 * `gridproof sign --key FILE [payload.json]`: turns a reading payload into a
 * signed entry note, for a generator trying things by hand. With --server
 * (and --token), `log`, `seq` and `prev` are filled from the server (the
 * device's chain head); with --post the note is also posted, and a refusal
 * exits 1 with its code on stderr (a server that cannot take it now, 503 or
 * 429: 75, http-client.ts exitCodeOf).
 */
import { readFileSync } from 'node:fs';
import { parsePrivateKey } from '../crypto/note.ts';
import { sealEntry } from '../domain/entry.ts';
import type { ReadingPayload } from '../domain/payloads.ts';
import { GridproofError } from '../errors.ts';
import { parseArgs } from './args.ts';
import { HttpClient } from './http-client.ts';

export async function signCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args, ['post']);
  const keyFile = options.get('key');
  if (!keyFile) throw new GridproofError('bad-request', '--key FILE is required (made by gridproof keygen)');
  const signer = parsePrivateKey(readFileSync(keyFile, 'utf8').trim());
  const text = readFileSync(positional[0] ?? 0, 'utf8');
  let payload: Partial<ReadingPayload>;
  try {
    payload = JSON.parse(text) as Partial<ReadingPayload>;
  } catch {
    throw new GridproofError('bad-request', 'the payload is not JSON');
  }
  const server = options.get('server');
  if (options.has('post') && (!server || !options.get('token'))) throw new GridproofError('bad-request', '--post needs --server URL and --token T');
  const client = server ? new HttpClient(server, options.get('token')) : undefined;
  if (client) {
    const vkey = (await client.text('/v1/log/key')).trim();
    payload.log ??= vkey.slice(0, vkey.indexOf('+'));
    if (payload.seq === undefined && payload.device) {
      const chain = await client.json<{ valid: boolean; head: { seq: number; leafHash: string } | null }>(
        `/v1/devices/${encodeURIComponent(payload.device)}/chain`,
      );
      payload.seq = chain.head ? chain.head.seq + 1 : 0;
      if (chain.head) payload.prev = chain.head.leafHash;
    }
  }
  const reading = { kind: 'reading', quality: 'measured', ...payload } as ReadingPayload;
  const note = sealEntry(reading, signer);
  // --post without a server and a token was refused above, before anything was sent.
  if (client && options.has('post')) {
    const answer = await client.json<{ results: Array<{ error?: { code: string; detail: string } }> }>('/v1/entries', { entries: [note] });
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    const refused = answer.results.filter((result) => result.error !== undefined);
    for (const { error } of refused) process.stderr.write(`gridproof sign: refused: ${error!.code}: ${error!.detail}\n`);
    return refused.length > 0 ? 1 : 0;
  } else process.stdout.write(note);
  return 0;
}

/**
 * A server's refusal exits 1 for every command, and 2 stays for usage errors
 * and servers that cannot be reached (README's exit-code table,
 * src/cli/http-client.ts exitCodeOf): `sign --post` with a token the server
 * does not know (401) or of another participant (403), `upload` with an
 * unknown token, `rotate` with a token of the wrong role (403). Each names
 * the refused request and the server's answer in one line on stderr; the log
 * gains nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { readLogSize } from '../../src/db/log.ts';
import { addParticipant } from '../helpers/app.ts';
import { meterService, runGridproof } from '../helpers/cli.ts';

t.test('a token the server refuses: exit 1 for sign --post, upload and rotate', async (t) => {
  const hour = 3600_000;
  const now = Date.parse('2026-03-02T12:00:00Z');
  const { scratch, test, gen, keyFile, server } = await meterService(t, { now, keyValidFrom: '2026-03-01T00:00:00Z' });
  const other = await addParticipant(test.app, 'generator', 'gen-2');
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const payload = join(scratch, 'reading.json');
  writeFileSync(payload, JSON.stringify({ device: 'wind-1', start: iso(now - 2 * hour), end: iso(now - hour), importWh: '0', exportWh: '5000' }));
  const size = await readLogSize(test.testStore.store.db);

  const unknown = await runGridproof(['sign', '--key', keyFile, '--server', server, '--token', 'not-a-token', '--post', payload]);
  t.equal(unknown.status, 1, `sign --post, an unknown token (401): exit 1 (${unknown.stderr})`);
  t.match(unknown.stderr, /^gridproof sign: \/v1\/\S+: the server answered 401 [^\n]*\[unauthorized\][^\n]*\n$/, 'one line: the request and the answer');

  const foreign = await runGridproof(['sign', '--key', keyFile, '--server', server, '--token', other.token, '--post', payload]);
  t.equal(foreign.status, 1, `sign --post, another participant's token (403): exit 1 (${foreign.stderr})`);
  t.match(foreign.stderr, /^gridproof sign: [^\n]*403[^\n]*\n$/, 'the 403 in one line');

  const csv = join(scratch, 'readings.csv');
  writeFileSync(csv, `device,start,end,importWh,exportWh\nwind-1,${iso(now - 2 * hour)},${iso(now - hour)},0,5000\n`);
  const upload = await runGridproof(['upload', csv, '--key', keyFile, '--server', server, '--token', 'not-a-token']);
  t.equal(upload.status, 1, `upload, an unknown token: exit 1 (${upload.stderr})`);
  t.match(upload.stderr, /^gridproof upload: \/v1\/\S+: the server answered 401 /m);

  const nextKey = verifierOf(generateSigner('localhost/gridproof/operator')).vkey;
  const rotate = await runGridproof(['rotate', '--server', server, '--token', gen.token, '--key', nextKey]);
  t.equal(rotate.status, 1, `rotate, a generator's token (403): exit 1 (${rotate.stderr})`);
  t.match(rotate.stderr, /^gridproof rotate: the server answered 403 [^\n]*\[forbidden\]/);

  t.equal(await readLogSize(test.testStore.store.db), size, 'the log gained nothing');
});

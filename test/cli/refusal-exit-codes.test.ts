/**
 * A server's refusal exits 1 for every command, and 2 stays for usage errors
 * and servers that cannot be reached (README's exit-code table,
 * src/cli/http-client.ts exitCodeOf): `sign --post` with a token the server
 * does not know (401) or of another participant (403), `upload` with an
 * unknown token, `rotate` with a token of the wrong role (403). Each names
 * the refused request and the server's answer in one line on stderr; the log
 * gains nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { formatPrivateKey, generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { readLogSize } from '../../src/db/log.ts';
import { addDevice, addParticipant, startTestApp } from '../helpers/app.ts';
import { runGridproof } from '../helpers/cli.ts';

t.test('a token the server refuses: exit 1 for sign --post, upload and rotate', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-refusal-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const hour = 3600_000;
  const now = Date.parse('2026-03-02T12:00:00Z');
  const test = await startTestApp('pglite', { now: () => now });
  t.teardown(() => test.close());
  const gen = await addParticipant(test.app, 'generator', 'gen-1');
  const other = await addParticipant(test.app, 'generator', 'gen-2');
  const key = await addDevice(test.app, { id: 'wind-1', owner: gen.id, type: 'wind', keyValidFrom: '2026-03-01T00:00:00Z' });
  const keyFile = join(scratch, 'wind-1.key');
  writeFileSync(keyFile, `${formatPrivateKey(key.signer)}\n`);
  await test.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = test.app.server.address() as { port: number };
  const server = `http://127.0.0.1:${port}`;
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

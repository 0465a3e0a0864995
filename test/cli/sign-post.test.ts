/**
 * `gridproof sign --post`, the real command against a listening server: an
 * accepted reading exits 0; a refused one exits 1 and prints its coded error
 * (the log gains nothing); a server nobody answers at is one line on stderr
 * naming the URL, exit 2, no stack trace.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { readLogSize } from '../../src/db/log.ts';
import { meterService, runGridproof } from '../helpers/cli.ts';

t.test('sign --post: exit 0 accepted, 1 refused with its code, 2 unreachable', async (t) => {
  const hour = 3600_000;
  const now = Date.parse('2026-03-02T12:00:00Z');
  const { scratch, test, gen, keyFile, server } = await meterService(t, { now, keyValidFrom: '2026-03-01T00:00:00Z' });
  const payload = (startMs: number) => {
    const file = join(scratch, `${startMs}.json`);
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    writeFileSync(file, JSON.stringify({ device: 'wind-1', start: iso(startMs), end: iso(startMs + hour), importWh: '0', exportWh: '5000' }));
    return file;
  };

  const ok = await runGridproof(['sign', '--key', keyFile, '--server', server, '--token', gen.token, '--post', payload(now - 2 * hour)]);
  t.equal(ok.status, 0, 'an accepted reading: exit 0');
  t.match(JSON.parse(ok.stdout), { results: [{ index: Number }] });
  const size = await readLogSize(test.testStore.store.db);

  const future = await runGridproof(['sign', '--key', keyFile, '--server', server, '--token', gen.token, '--post', payload(now + 5 * hour)]);
  t.equal(future.status, 1, 'a refused reading: exit 1');
  t.match(future.stderr, /^gridproof sign: refused: future-interval: /m, 'the coded error on stderr');
  t.equal(await readLogSize(test.testStore.store.db), size, 'the log is unchanged');

  // A port that was just free: nobody answers there.
  const spare = createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  const sparePort = (spare.address() as { port: number }).port;
  await new Promise((resolve) => spare.close(resolve));
  const closed = `http://127.0.0.1:${sparePort}`;
  const down = await runGridproof(['sign', '--key', keyFile, '--server', closed, '--token', gen.token, '--post', payload(now - 3 * hour)]);
  t.equal(down.status, 2, 'no server: exit 2');
  t.match(
    down.stderr,
    new RegExp(
      `^gridproof sign: cannot reach http://127\\.0\\.0\\.1:${sparePort}/v1/log/key: ECONNREFUSED \\(nothing listens there; is the server running, and is the URL right\\?\\)\n$`,
    ),
    'one line naming the URL',
  );
  t.notMatch(down.stderr, /\n\s+at /, 'no stack trace');
});

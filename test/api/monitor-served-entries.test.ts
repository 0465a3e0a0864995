/**
 * What the monitor makes of entries the log serves wrongly, through a real
 * HTTP proxy in front of a real server that rewrites the entry records
 * (domain/entry-records.ts) on their way: an entry whose bytes are not UTF-8
 * text, and a page cut short in the middle of a record. Either is a
 * `missing-entries` finding at that index, the replay stops there and the
 * root is not checked, with the workers or without.
 */
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { runMonitor } from '../../src/cli/monitor.ts';
import { decodeEntryRecords, encodeEntryRecords } from '../../src/domain/entry-records.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addDevice, addParticipant, postEntries, signReading, startListeningTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';

const at = (hour: number) => `2024-01-01T${String(hour).padStart(2, '0')}:00:00Z`;

type Rewrite = (body: Uint8Array, start: number) => Uint8Array;

/** A proxy to `target` that passes everything through as it is, but for entry records, which `rewrite` changes. */
async function proxy(target: string, rewrite: Rewrite): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, 'accept-encoding': 'identity' } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        let body: Uint8Array = Buffer.concat(chunks);
        const headers = { ...answer.headers };
        if (answer.headers['content-type'] === 'application/octet-stream' && answer.statusCode === 200) {
          body = rewrite(body, Number(new URL(req.url!, target).searchParams.get('start')));
          headers['content-length'] = String(body.length);
        }
        res.writeHead(answer.statusCode!, headers).end(body);
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

for (const backend of await testBackends()) {
  t.test(`${backend}: entries served wrongly are missing entries`, async (t) => {
    const env = await startListeningTestApp(t, backend);
    const { url } = env;
    const certifier = await addParticipant(env.app, 'certifier', 'auditor');
    const gen = await addParticipant(env.app, 'generator', 'windco');
    const { signer } = await addDevice(env.app, { id: 'wind-1', owner: gen.id, type: 'wind' });
    let prev: string | undefined;
    for (let hour = 0; hour < 6; hour++) {
      const note = signReading(signer, {
        device: 'wind-1',
        seq: hour,
        ...(prev ? { prev } : {}),
        start: at(hour),
        end: at(hour + 1),
        importWh: '0',
        exportWh: '5',
      });
      prev = (await postEntries(env.app, gen.token, [note])).json().results[0].leafHash;
    }
    const { checkpoint } = await publishCheckpoint(env.ledger);
    const size = checkpoint!.size;
    const target = size - 3;

    const cases: Array<[string, Rewrite]> = [
      [
        'an entry that is not UTF-8 text',
        (body) =>
          encodeEntryRecords(
            decodeEntryRecords(body).map((record) => (record.index === target ? { ...record, bytes: new Uint8Array([0xff, ...record.bytes]) } : record)),
          ),
      ],
      [
        'a page cut short inside an entry',
        (body, start) => {
          const records = decodeEntryRecords(body);
          const kept = records.filter((record) => record.index < target);
          return target < start ? body : body.subarray(0, encodeEntryRecords(kept).length + 20);
        },
      ],
    ];
    for (const [what, rewrite] of cases) {
      for (const workers of ['off', 'wait'] as const) {
        const front = await proxy(url, rewrite);
        const result = await runMonitor({ url: front.url, token: certifier.token, pageSize: 4, workers });
        await front.close();
        t.equal(result.exitCode, 1, `${what}, workers ${workers}: a finding`);
        t.same(
          result.report.findings.map((f) => [f.code, f.indexes]),
          [['missing-entries', [target]]],
          `${what}, workers ${workers}: missing from its index`,
        );
        t.equal(result.report.entries.checked, target, 'replayed up to it');
        t.equal(result.report.root, 'not checked');
      }
    }
    const direct = await runMonitor({ url, token: certifier.token, pageSize: 4, workers: 'wait' });
    t.same([direct.exitCode, direct.report.root], [0, 'match'], 'served as stored, the same log passes');
  });
}

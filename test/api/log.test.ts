/**
 * The transparency log over HTTP (docs/design.md §3): publishing, checkpoints, the log
 * key, entries, inclusion and consistency proofs that verify with the pure
 * verifier, every coded error, and receipts.
 */
import t from 'tap';
import { fromBase64, fromUtf8, toBase64, toBase64Url, utf8 } from '../../src/crypto/base64.ts';
import { openCheckpoint } from '../../src/crypto/checkpoint.ts';
import { hashLeaf, rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../src/crypto/merkle.ts';
import { parseVerifierKey } from '../../src/crypto/note.ts';
import { decodeEntryRecords, ENTRY_RECORDS_MEDIA_TYPE } from '../../src/domain/entry-records.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, ORIGIN, postEntries, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { isProblem, logSnapshot, Meter, range } from '../helpers/log-state.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');

interface InclusionBody {
  index: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
}

for (const backend of await testBackends()) {
  t.test(`${backend}: the log endpoints`, async (t) => {
    const env = await startTestApp(backend, { now: () => NOW });
    t.teardown(env.close);
    const { app, ledger } = env;
    const get = (url: string, token?: string) => app.inject({ url, ...(token ? { headers: auth(token) } : {}) });
    const open = (note: string) => openCheckpoint(note, ledger.logVerifier, ORIGIN, ledger.verify);
    /** Leaf hashes of every stored entry, recomputed from the exact bytes. */
    const leaves = async () => (await ledger.db.selectFrom('entry').select('bytes').orderBy('idx').execute()).map((row) => hashLeaf(row.bytes));

    const gen = await addParticipant(app, 'generator', 'windco');
    const tenant = await addParticipant(app, 'tenant', 'factory');
    const certifier = await addParticipant(app, 'certifier', 'tuv');
    const meter = new Meter('wind-1', (await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' })).signer);
    const receipts: Array<{ note: string; index: number; leafHash: string }> = [];
    async function post(count: number): Promise<void> {
      const notes = range(count).map(() => {
        const note = meter.next({ exportWh: String(meter.seq) });
        meter.accepted(note);
        return note;
      });
      const response = await postEntries(app, gen.token, notes);
      const results = response.json().results as Array<{ index: number; leafHash: string }>;
      results.forEach((result, i) => receipts.push({ note: notes[i]!, ...result }));
    }

    await t.test('before any checkpoint', async (t) => {
      isProblem(t, await get('/v1/log/checkpoint'), 404, 'unknown-checkpoint');
    });

    await post(5);
    const first = await publishCheckpoint(ledger);
    const firstSize = (await logSnapshot(ledger.db)).size;

    await t.test('publishing signs the committed tree, once per size', async (t) => {
      t.ok(first.published);
      const cp = open(first.checkpoint!.note);
      t.equal(cp.size, firstSize, 'the size of the log');
      t.strictSame(cp.root, rootFromLeafHashes(await leaves()), 'the root recomputed from every entry');
      t.strictSame(cp.extensions, []);
      t.strictSame(first.checkpoint!.root, cp.root, 'the stored root is the signed one');
      const again = await publishCheckpoint(ledger);
      t.notOk(again.published, 'nothing new: nothing published');
      t.equal(again.checkpoint!.size, firstSize);
      t.equal((await logSnapshot(ledger.db)).checkpoints, 1, 'one checkpoint stored');
    });

    await t.test('GET /v1/log/checkpoint and /v1/log/checkpoints/:size', async (t) => {
      const latest = await get('/v1/log/checkpoint');
      t.equal(latest.statusCode, 200);
      t.match(latest.headers['content-type'], /^text\/plain/);
      t.equal(latest.body, first.checkpoint!.note, 'the signed note, byte for byte');
      t.equal(open(latest.body).size, firstSize, 'verifies under the log key');
      const bySize = await get(`/v1/log/checkpoints/${firstSize}`);
      t.equal(bySize.statusCode, 200);
      t.match(bySize.headers['content-type'], /^text\/plain/);
      t.equal(bySize.body, first.checkpoint!.note);
      isProblem(t, await get(`/v1/log/checkpoints/${firstSize - 1}`), 404, 'unknown-checkpoint', 'a size never checkpointed');
      isProblem(t, await get('/v1/log/checkpoints/999999'), 404, 'unknown-checkpoint', 'beyond the log');
      isProblem(t, await get('/v1/log/checkpoints/abc'), 400, 'schema-violation', 'not a number');
    });

    await t.test('GET /v1/log/key', async (t) => {
      const response = await get('/v1/log/key');
      t.equal(response.statusCode, 200);
      t.match(response.headers['content-type'], /^text\/plain/);
      t.equal(response.body, `${ledger.logVerifier.vkey}\n`);
      const verifier = parseVerifierKey(response.body.trim());
      t.equal(verifier.name, ORIGIN, 'named after the origin');
      t.doesNotThrow(() => openCheckpoint(first.checkpoint!.note, verifier, ORIGIN), 'the served key verifies the served checkpoint');
    });

    await t.test('GET /v1/log/entries/:index: exact bytes, by role', async (t) => {
      const reading = receipts[0]!;
      const asOwner = await get(`/v1/log/entries/${reading.index}`, gen.token);
      t.equal(asOwner.statusCode, 200, 'the owner may read its reading');
      t.match(asOwner.headers['content-type'], /^text\/plain/);
      t.equal(asOwner.body, reading.note, 'the exact bytes');
      t.equal(asOwner.rawPayload.length, utf8(reading.note).length);
      t.equal((await get(`/v1/log/entries/${reading.index}`, certifier.token)).body, reading.note, 'a certifier may read it');
      t.equal((await get(`/v1/log/entries/${reading.index}`, OPERATOR_TOKEN)).body, reading.note, 'the operator may read it');
      isProblem(t, await get(`/v1/log/entries/${reading.index}`, tenant.token), 403, 'forbidden', 'another participant');
      isProblem(t, await get(`/v1/log/entries/${reading.index}`), 401, 'unauthorized', 'no token');
      isProblem(t, await get('/v1/log/entries/0', gen.token), 403, 'forbidden', "the operator's entry 0, to a generator");
      const zero = await get('/v1/log/entries/0', certifier.token);
      t.equal(toBase64(hashLeaf(zero.rawPayload)), toBase64((await leaves())[0]!), 'entry 0 to a certifier, exact bytes');
      isProblem(t, await get('/v1/log/entries/100000', OPERATOR_TOKEN), 404, 'not-found', 'beyond the log');
    });

    await t.test('GET /v1/log/entries?start&limit: for monitors', async (t) => {
      const all = await leaves();
      const page = await get('/v1/log/entries?start=2&limit=4', certifier.token);
      t.equal(page.statusCode, 200, page.body);
      const entries = page.json().entries as Array<{ index: number; bytes: string }>;
      t.strictSame(
        entries.map((e) => e.index),
        [2, 3, 4, 5],
      );
      t.strictSame(
        entries.map((e) => toBase64(hashLeaf(utf8(e.bytes)))),
        all.slice(2, 6).map(toBase64),
        'the exact bytes of each',
      );
      const tail = await get(`/v1/log/entries?start=${all.length - 2}&limit=10`, OPERATOR_TOKEN);
      t.strictSame(
        tail.json().entries.map((e: { index: number }) => e.index),
        [all.length - 2, all.length - 1],
        'a page stops at the end',
      );
      t.strictSame((await get(`/v1/log/entries?start=${all.length}`, certifier.token)).json(), { entries: [] }, 'past the end: empty');
      isProblem(t, await get('/v1/log/entries?start=0', tenant.token), 403, 'forbidden', 'a tenant');
      isProblem(t, await get('/v1/log/entries?start=0', gen.token), 403, 'forbidden', 'a generator');
      isProblem(t, await get('/v1/log/entries?start=0'), 401, 'unauthorized', 'no token');
      isProblem(t, await get('/v1/log/entries?start=0&limit=1001', certifier.token), 400, 'schema-violation', 'limit above 1000');
      isProblem(t, await get('/v1/log/entries?limit=5', certifier.token), 400, 'schema-violation', 'no start');
    });

    await t.test('GET /v1/log/entries as entry records: the same entries, byte for byte, under the same rules', async (t) => {
      const all = await leaves();
      const records = (url: string, token?: string) => app.inject({ url, headers: { accept: ENTRY_RECORDS_MEDIA_TYPE, ...(token ? auth(token) : {}) } });
      const page = await records('/v1/log/entries?start=2&limit=4', certifier.token);
      t.equal(page.statusCode, 200);
      t.equal(page.headers['content-type'], ENTRY_RECORDS_MEDIA_TYPE);
      const decoded = decodeEntryRecords(page.rawPayload);
      t.strictSame(
        decoded.map((r) => r.index),
        [2, 3, 4, 5],
      );
      t.strictSame(
        decoded.map((r) => toBase64(hashLeaf(r.bytes))),
        all.slice(2, 6).map(toBase64),
        'the exact bytes of each',
      );
      const json = (await get('/v1/log/entries?start=2&limit=4', certifier.token)).json().entries as Array<{ bytes: string }>;
      t.strictSame(
        decoded.map((r) => fromUtf8(r.bytes)),
        json.map((e) => e.bytes),
        'the JSON page holds the same notes',
      );
      t.equal(
        decodeEntryRecords((await records(`/v1/log/entries?start=${all.length - 1}&limit=10`, OPERATOR_TOKEN)).rawPayload).length,
        1,
        'a page stops at the end',
      );
      const past = await records(`/v1/log/entries?start=${all.length}`, certifier.token);
      t.equal(past.rawPayload.length, 0, 'past the end: empty');
      isProblem(t, await records('/v1/log/entries?start=0', tenant.token), 403, 'forbidden', 'a tenant');
      isProblem(t, await records('/v1/log/entries?start=0'), 401, 'unauthorized', 'no token');
      isProblem(t, await records('/v1/log/entries?start=0&limit=1001', certifier.token), 400, 'schema-violation', 'limit above 1000');
      const both = await app.inject({
        url: '/v1/log/entries?start=2&limit=1',
        headers: { accept: `${ENTRY_RECORDS_MEDIA_TYPE}, application/json`, ...auth(certifier.token) },
      });
      t.match(both.headers['content-type'], /^application\/json/, 'JSON unless records alone are asked for');
    });

    await post(7);
    const second = await publishCheckpoint(ledger);

    await t.test('inclusion proofs of every entry verify against the checkpoint', async (t) => {
      const cp = open(second.checkpoint!.note);
      const all = await leaves();
      t.equal(cp.size, all.length);
      for (const index of range(cp.size)) {
        const response = await get(`/v1/log/proof/inclusion?index=${index}&treeSize=${cp.size}`);
        t.equal(response.statusCode, 200, `index ${index}`);
        const body = response.json() as InclusionBody;
        t.equal(body.leafHash, toBase64(all[index]!), `index ${index}: the leaf hash of its bytes`);
        t.doesNotThrow(() => verifyInclusion(index, cp.size, all[index]!, body.proof.map(fromBase64), cp.root), `index ${index}: verifies`);
      }
      // Against the older checkpoint too: a proof for any tree size.
      const old = open(first.checkpoint!.note);
      for (const index of range(old.size)) {
        const body = (await get(`/v1/log/proof/inclusion?index=${index}&treeSize=${old.size}`)).json() as InclusionBody;
        t.doesNotThrow(
          () => verifyInclusion(index, old.size, all[index]!, body.proof.map(fromBase64), old.root),
          `index ${index} in the tree of size ${old.size}`,
        );
      }
      // A proof does not verify for another leaf or another root: the checks can fail.
      const body = (await get(`/v1/log/proof/inclusion?index=3&treeSize=${cp.size}`)).json() as InclusionBody;
      t.throws(() => verifyInclusion(3, cp.size, all[4]!, body.proof.map(fromBase64), cp.root), { code: 'bad-proof' }, 'another leaf fails');
      t.throws(() => verifyInclusion(3, cp.size, all[3]!, body.proof.map(fromBase64), old.root), { code: 'bad-proof' }, 'another root fails');
    });

    await t.test('inclusion proofs by leaf hash: standard base64 percent-encoded, and base64url', async (t) => {
      const cp = open(second.checkpoint!.note);
      const all = await leaves();
      let withPlusOrSlash = 0;
      for (const index of range(cp.size)) {
        const b64 = toBase64(all[index]!);
        if (/[+/]/.test(b64)) withPlusOrSlash++;
        for (const [label, encoded] of [
          ['base64', encodeURIComponent(b64)],
          ['base64url', toBase64Url(all[index]!)],
          ['base64url padded', `${toBase64Url(all[index]!)}=`],
        ] as const) {
          const response = await get(`/v1/log/proof/inclusion?leafHash=${encoded}&treeSize=${cp.size}`);
          t.equal(response.statusCode, 200, `${label} ${index}: ${response.body.slice(0, 100)}`);
          const body = response.json() as InclusionBody;
          t.equal(body.index, index, `${label}: found at its index`);
          t.equal(body.leafHash, b64, `${label}: answered in standard base64`);
          t.doesNotThrow(() => verifyInclusion(index, cp.size, all[index]!, body.proof.map(fromBase64), cp.root), `${label} ${index}: verifies`);
        }
      }
      t.ok(withPlusOrSlash > 0, "some leaf hashes hold '+' or '/', so percent-encoding was exercised");
    });

    await t.test('receipts: each result of POST /v1/entries gives its leaf hash and an index that proves', async (t) => {
      const cp = open(second.checkpoint!.note);
      t.equal(receipts.length, 12);
      for (const receipt of receipts) {
        t.equal(receipt.leafHash, toBase64(hashLeaf(utf8(receipt.note))), `receipt ${receipt.index}: leafHash = hashLeaf(bytes)`);
        const body = (await get(`/v1/log/proof/inclusion?index=${receipt.index}&treeSize=${cp.size}`)).json() as InclusionBody;
        t.equal(body.leafHash, receipt.leafHash);
        t.doesNotThrow(
          () => verifyInclusion(receipt.index, cp.size, fromBase64(receipt.leafHash), body.proof.map(fromBase64), cp.root),
          `receipt ${receipt.index} proves`,
        );
      }
    });

    await t.test('consistency proofs between published checkpoints', async (t) => {
      await post(3);
      const third = await publishCheckpoint(ledger);
      const cps = [first, second, third].map((p) => open(p.checkpoint!.note));
      t.ok(cps[0]!.size < cps[1]!.size && cps[1]!.size < cps[2]!.size, 'three growing checkpoints');
      for (const [a, b] of [
        [0, 1],
        [1, 2],
        [0, 2],
      ] as const) {
        const from = cps[a]!;
        const to = cps[b]!;
        const response = await get(`/v1/log/proof/consistency?from=${from.size}&to=${to.size}`);
        t.equal(response.statusCode, 200);
        const body = response.json() as { from: number; to: number; proof: string[] };
        t.equal(body.from, from.size);
        t.equal(body.to, to.size);
        t.doesNotThrow(() => verifyConsistency(from.size, to.size, body.proof.map(fromBase64), from.root, to.root), `${from.size} → ${to.size} verifies`);
        t.throws(
          () => verifyConsistency(from.size, to.size, body.proof.map(fromBase64), to.root, to.root),
          { code: 'bad-proof' },
          'and fails with a wrong first root',
        );
      }
      const same = (await get(`/v1/log/proof/consistency?from=${cps[1]!.size}&to=${cps[1]!.size}`)).json();
      t.strictSame(same.proof, [], 'equal sizes: an empty proof');
      // Every pair of sizes, not only checkpointed ones, against recomputed roots.
      const all = await leaves();
      for (const m of [1, 2, 3, 7, 8]) {
        for (const n of [m, m + 1, 9, all.length]) {
          const proof = (await get(`/v1/log/proof/consistency?from=${m}&to=${n}`)).json().proof as string[];
          t.doesNotThrow(
            () => verifyConsistency(m, n, proof.map(fromBase64), rootFromLeafHashes(all.slice(0, m)), rootFromLeafHashes(all.slice(0, n))),
            `${m} → ${n}`,
          );
        }
      }
    });

    await t.test('coded errors of the proof endpoints', async (t) => {
      const size = (await logSnapshot(ledger.db)).size;
      const inclusion = (query: string) => get(`/v1/log/proof/inclusion?${query}`);
      isProblem(t, await inclusion(`index=${size}&treeSize=${size}`), 400, 'index-out-of-range', 'index = treeSize');
      isProblem(t, await inclusion(`index=5&treeSize=5`), 400, 'index-out-of-range', 'index = a smaller treeSize');
      isProblem(t, await inclusion(`index=0&treeSize=${size + 1}`), 400, 'size-out-of-range', 'treeSize beyond the log');
      isProblem(t, await inclusion('index=0&treeSize=0'), 400, 'size-out-of-range', 'treeSize 0');
      isProblem(t, await inclusion('index=0&treeSize=1e300'), 400, 'schema-violation', 'a size beyond exact integers');
      isProblem(t, await get('/v1/log/checkpoints/99999999999999999999'), 400, 'schema-violation', 'a checkpoint size beyond exact integers');
      const late = receipts.at(-1)!;
      isProblem(
        t,
        await inclusion(`leafHash=${encodeURIComponent(late.leafHash)}&treeSize=${late.index}`),
        400,
        'index-out-of-range',
        'a leaf beyond treeSize',
      );
      isProblem(
        t,
        await inclusion(`leafHash=${encodeURIComponent(toBase64(hashLeaf(utf8('never logged'))))}&treeSize=${size}`),
        404,
        'not-found',
        'an unknown leaf hash',
      );
      isProblem(t, await inclusion(`leafHash=abc&treeSize=${size}`), 400, 'bad-hash', 'too short');
      isProblem(t, await inclusion(`leafHash=${encodeURIComponent(toBase64(new Uint8Array(31)))}&treeSize=${size}`), 400, 'bad-hash', '31 bytes');
      // A fixed hash with '+' in it: unencoded, the '+' reads as a space, logged or not.
      isProblem(
        t,
        await inclusion(`leafHash=${toBase64(new Uint8Array(32).fill(0xfb))}&treeSize=${size}`),
        400,
        'bad-hash',
        "'+' not percent-encoded reads as a space",
      );
      // Setting a padding bit of the last symbol: the same bytes to a lenient decoder, refused by a strict one.
      const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      const lastSymbol = ALPHABET.indexOf(late.leafHash[42]!);
      const altered = `${late.leafHash.slice(0, 42)}${ALPHABET[lastSymbol ^ 1]}=`;
      t.strictSame(Buffer.from(altered, 'base64'), Buffer.from(late.leafHash, 'base64'), "Node's lenient decoder reads the same hash");
      isProblem(t, await inclusion(`leafHash=${encodeURIComponent(altered)}&treeSize=${size}`), 400, 'bad-hash', 'non-zero padding bits');
      isProblem(t, await inclusion(`treeSize=${size}`), 400, 'bad-request', 'neither index nor leafHash');
      isProblem(t, await inclusion(`index=0&leafHash=${encodeURIComponent(late.leafHash)}&treeSize=${size}`), 400, 'bad-request', 'both index and leafHash');
      isProblem(t, await inclusion('index=0'), 400, 'schema-violation', 'no treeSize');
      isProblem(t, await inclusion(`index=-1&treeSize=${size}`), 400, 'schema-violation', 'a negative index');

      const consistency = (from: number | string, to: number | string) => get(`/v1/log/proof/consistency?from=${from}&to=${to}`);
      isProblem(t, await consistency(1, size + 1), 400, 'size-out-of-range', 'to beyond the log');
      isProblem(t, await consistency(0, size), 400, 'size-out-of-range', 'from 0');
      isProblem(t, await consistency(5, 4), 400, 'size-out-of-range', 'from > to');
      isProblem(t, await consistency(size + 1, size + 2), 400, 'size-out-of-range', 'both beyond the log');
      isProblem(t, await get('/v1/log/proof/consistency?from=1'), 400, 'schema-violation', 'no to');
    });
  });
}

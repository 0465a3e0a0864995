/**
 * A rotation whose key files cannot be written (README "Rotating the
 * operator key", docs/api.md `key-files-not-written`), on real PostgreSQL and
 * PGlite with the key files in a real DATA_DIR. A directory stands where the
 * new operator.key's temporary file is opened: opening a directory to write
 * fails with EISDIR for root too, as a permission bit would not. The answer
 * is 500 `key-files-not-written`, not a bare internal error: the rotation is
 * logged (one key entry naming the new key) and the process signs with the
 * new key; asking again logs nothing; a start that still cannot write the
 * files refuses with the same code, and once the obstruction is gone the
 * start takes the staged key and finishes the files.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { fromUtf8 } from '../../src/crypto/base64.ts';
import { formatPrivateKey, generateSigner, openNote, verifierOf, type Signer, type Verifier } from '../../src/crypto/note.ts';
import { readEntryRange } from '../../src/db/log.ts';
import { parseEntry } from '../../src/domain/entry.ts';
import { operatorKeyName } from '../../src/key-files.ts';
import { openLedger } from '../../src/ledger/open.ts';
import { registerParticipant } from '../../src/ledger/registry.ts';
import { OperatorKeyFiles, retiredKeyFile } from '../../src/operator-key-files.ts';
import { auth, OPERATOR_TOKEN, ORIGIN, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { isProblem, logSnapshot } from '../helpers/log-state.ts';

const writeKey = (file: string, signer: Signer) => {
  writeFileSync(file, `${formatPrivateKey(signer)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
};

function signedBy(note: string, verifier: Verifier): boolean {
  try {
    openNote(note, [verifier]);
    return true;
  } catch {
    return false;
  }
}

for (const backend of await testBackends()) {
  t.test(`${backend}: a rotation whose key files cannot be written`, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-rotation-unwritten-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const oldKey = generateSigner(operatorKeyName(ORIGIN));
    const newKey = generateSigner(operatorKeyName(ORIGIN));
    const newVerifier = verifierOf(newKey);
    writeKey(join(dataDir, 'operator.key'), oldKey);
    writeKey(join(dataDir, 'operator.next.key'), newKey);
    const obstruction = join(dataDir, 'operator.key.tmp');
    mkdirSync(obstruction);
    const files = new OperatorKeyFiles({ dataDir, operatorKey: undefined, nextOperatorKey: undefined });
    const env = await startTestApp(backend, { operatorSigner: oldKey, operatorKeyStore: files });
    t.teardown(() => env.close());
    const { app, ledger } = env;

    const before = await logSnapshot(ledger.db);
    const rotate = { method: 'POST', url: '/v1/log/operator-key', headers: auth(OPERATOR_TOKEN), payload: { verifierKey: newVerifier.vkey } } as const;
    const answer = await app.inject(rotate);
    isProblem(t, answer, 500, 'key-files-not-written', 'files not written');
    const index = before.size;
    const detail = answer.json().detail as string;
    t.match(detail, `the operator key rotation of entry ${index} is logged and in force, and this process signs with ${newVerifier.vkey}`);
    t.match(detail, `${join(dataDir, 'operator.key')} could not be written (EISDIR`, 'it names the file and the cause');
    t.match(detail, `Keep ${join(dataDir, 'operator.next.key')} and fix the cause before a restart`, 'and says what to do');

    const after = await logSnapshot(ledger.db);
    t.equal(after.size, before.size + 1, 'exactly one entry was logged');
    t.strictSame(after.entries.slice(0, before.size), before.entries, 'and nothing before it changed');
    const rotationNote = Buffer.from(after.entries[index]!.bytes, 'base64').toString('utf8');
    const rotation = parseEntry(rotationNote, ORIGIN).payload;
    t.match(rotation, { kind: 'key', subjectType: 'operator', verifierKey: newVerifier.vkey }, 'the rotation is logged');
    t.ok(signedBy(rotationNote, ledger.logVerifier), 'signed by the log key');

    t.equal(ledger.operatorVerifier.vkey, newVerifier.vkey, 'the process signs with the new key');
    const created = await registerParticipant(ledger, { id: 'after', role: 'tenant', name: 'After' });
    const [row] = await readEntryRange(ledger.db, created.index, 1);
    t.ok(signedBy(fromUtf8(row!.bytes), newVerifier), 'an entry after it is signed by the new key');

    t.equal(readFileSync(join(dataDir, 'operator.key'), 'utf8'), `${formatPrivateKey(oldKey)}\n`, 'operator.key still holds the old key');
    t.equal(readFileSync(join(dataDir, 'operator.next.key'), 'utf8'), `${formatPrivateKey(newKey)}\n`, 'operator.next.key the new one');
    t.equal(readFileSync(join(dataDir, retiredKeyFile(index)), 'utf8'), `${formatPrivateKey(oldKey)}\n`, 'the retired file was written first');

    const snapshot = await logSnapshot(ledger.db);
    const again = await app.inject(rotate);
    isProblem(t, again, 422, 'bad-next-key', 'asking again');
    t.match(again.json().detail, /already the operator key in force/);
    t.strictSame(await logSnapshot(ledger.db), snapshot, 'asking again logs nothing');

    const reopen = () =>
      openLedger({
        db: ledger.db,
        origin: ORIGIN,
        intervalSeconds: 3600,
        logSigner: env.logSigner,
        operatorSigner: oldKey,
        operatorToken: OPERATOR_TOKEN,
        operatorKeyStore: files,
      });
    await t.rejects(reopen(), { code: 'key-files-not-written' }, 'a start that still cannot write the files refuses, with the same code');
    t.strictSame(await logSnapshot(ledger.db), snapshot, 'and logs nothing');

    rmSync(obstruction, { recursive: true });
    const { ledger: restarted } = await reopen();
    t.equal(restarted.operatorVerifier.vkey, newVerifier.vkey, 'once the cause is gone, a start takes the staged key');
    t.equal(readFileSync(join(dataDir, 'operator.key'), 'utf8'), `${formatPrivateKey(newKey)}\n`, 'and finishes the files');
    t.notOk(existsSync(join(dataDir, 'operator.next.key')));
    t.strictSame(await logSnapshot(ledger.db), snapshot, 'logging nothing');
  });
}

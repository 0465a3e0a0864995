/**
 * Rotating the operator key with a running service (docs/design.md §2.2,
 * README "Rotating the operator key"), on real PostgreSQL and PGlite with the
 * key files in a real DATA_DIR: refusals leave the log unchanged; the
 * rotation is a key entry signed by the log key and every later operator
 * entry (registration, settlement, claim) verifies under the new key only;
 * a second ledger on the same database that still holds the old key appends
 * nothing, also when racing the rotation; an old-key entry is refused by the
 * database, by the bundle verifier and by the monitor; a bundle spanning the
 * rotation verifies; a restart loads the new key and refuses the old one.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import t from 'tap';
import { fromUtf8, toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { formatPrivateKey, generateSigner, openNote, verifierOf, type Signer, type Verifier } from '../../src/crypto/note.ts';
import { runMonitor } from '../../src/cli/monitor.ts';
import { openPostgres } from '../../src/db/connect.ts';
import { appendEntries, lockLogHead, readEntryRange, readLogSize, type Db } from '../../src/db/log.ts';
import { verifyBundle } from '../../src/domain/bundle/verify-bundle.ts';
import { parseEntry, sealEntry, sealEntryWithBytes } from '../../src/domain/entry.ts';
import type { Payload, ZonePayload } from '../../src/domain/payloads.ts';
import { operatorKeyName } from '../../src/key-files.ts';
import { registerParticipant } from '../../src/ledger/registry.ts';
import { planWindow, writeWindow } from '../../src/ledger/matching/window.ts';
import { openLedger } from '../../src/ledger/open.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import type { OperatorKeyStore } from '../../src/ledger/operator-key.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { OperatorKeyFiles, retiredKeyFile } from '../../src/operator-key-files.ts';
import { addZone, addDevice, addParticipant, auth, OPERATOR_TOKEN, ORIGIN, postEntries, signReading, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { logSnapshot } from '../helpers/log-state.ts';

const at = (hour: number) => `2024-01-01T${String(hour).padStart(2, '0')}:00:00Z`;
/** POST /v1/log/operator-key naming the staged key meant, as the operator's token unless another is given. */
const rotate = (verifierKey: string, token = OPERATOR_TOKEN) =>
  ({ method: 'POST', url: '/v1/log/operator-key', headers: auth(token), payload: { verifierKey } }) as const;

/** Whether `note` verifies under `verifier` (and only it signed). */
function signedBy(note: string, verifier: Verifier): boolean {
  try {
    openNote(note, [verifier]);
    return true;
  } catch {
    return false;
  }
}

const writeKey = (file: string, signer: Signer, mode = 0o600) => {
  writeFileSync(file, `${formatPrivateKey(signer)}\n`, { mode });
  chmodSync(file, mode);
};

/** A key store holding keys in memory: a process that was given the next key some other way. */
const holding = (next: Signer): OperatorKeyStore => ({ staged: () => next, candidates: () => [next], promote: () => undefined });

for (const backend of await testBackends()) {
  t.test(`${backend}: rotating the operator key`, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-rotation-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const oldKey = generateSigner(operatorKeyName(ORIGIN));
    const newKey = generateSigner(operatorKeyName(ORIGIN));
    const oldVerifier = verifierOf(oldKey);
    const newVerifier = verifierOf(newKey);
    writeKey(join(dataDir, 'operator.key'), oldKey);
    const files = new OperatorKeyFiles({ dataDir, operatorKey: undefined, nextOperatorKey: undefined });
    const env = await startTestApp(backend, { operatorSigner: oldKey, operatorKeyStore: files });
    t.teardown(() => env.close());
    const { app, ledger } = env;

    /** Another ledger on the same database, as a second process (its own connection pool on PostgreSQL). */
    const pools: Array<{ close(): Promise<void> }> = [];
    t.teardown(async () => {
      for (const pool of pools) await pool.close();
    });
    const otherDb = async (): Promise<Db> => {
      if (env.testStore.url === undefined) return ledger.db;
      const store = await openPostgres(env.testStore.url);
      pools.push(store);
      return store.db;
    };
    const openSecond = async (operatorSigner: Signer, operatorKeyStore?: OperatorKeyStore): Promise<Ledger> =>
      (
        await openLedger({
          db: await otherDb(),
          origin: ORIGIN,
          intervalSeconds: 3600,
          logSigner: env.logSigner,
          operatorSigner,
          operatorToken: OPERATOR_TOKEN,
          ...(operatorKeyStore ? { operatorKeyStore } : {}),
        })
      ).ledger;

    // A park with readings of hours 0 to 2; hour 0 is settled under the old key.
    await addZone(app);
    const gen = await addParticipant(app, 'generator', 'windco');
    const tenant = await addParticipant(app, 'tenant', 'steelco');
    const certifier = await addParticipant(app, 'certifier', 'auditor');
    const wind = await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' });
    const meter = await addDevice(app, { id: 'meter-1', owner: tenant.id, type: 'consumption' });
    const prev = new Map<string, string>();
    for (let hour = 0; hour < 3; hour++) {
      for (const [device, signer, token, importWh, exportWh] of [
        ['wind-1', wind.signer, gen.token, '0', '1000'],
        ['meter-1', meter.signer, tenant.token, '700', '0'],
      ] as const) {
        const note = signReading(signer, {
          device,
          seq: hour,
          ...(prev.has(device) ? { prev: prev.get(device)! } : {}),
          start: at(hour),
          end: at(hour + 1),
          importWh,
          exportWh,
        });
        const response = await postEntries(app, token, [note]);
        t.equal(response.json().results[0].duplicate, false, `${device} hour ${hour} logged`);
        prev.set(device, toBase64(hashLeaf(utf8(note))));
      }
    }
    const hour0 = await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: at(1) } });
    t.match(hour0.json(), { settlements: 1 }, 'hour 0 settled before the rotation');

    // Opened before the rotation, as a second process holding only the old key.
    const stale = await openSecond(oldKey);
    // A plan of hour 1 signed before the rotation, written after it.
    const planned = await planWindow(ledger, ledger.db, 'DE-LU', [new Date(at(1))]);
    t.equal(planned.signedBy, oldVerifier.vkey);

    await t.test('refusals leave the log unchanged', async (t) => {
      const before = await logSnapshot(ledger.db);
      const missing = await app.inject(rotate(newVerifier.vkey));
      t.equal(missing.statusCode, 409);
      t.equal(missing.json().code, 'next-key-missing', 'no next key staged');

      const staged = join(dataDir, 'operator.next.key');
      writeKey(staged, newKey);
      const tenantAsks = await app.inject(rotate(newVerifier.vkey, tenant.token));
      t.equal(tenantAsks.statusCode, 403);
      t.equal(tenantAsks.json().code, 'forbidden', 'only the operator rotates');

      writeKey(staged, generateSigner('test.example/other'));
      const misnamed = await app.inject(rotate(newVerifier.vkey));
      t.equal(misnamed.statusCode, 422);
      t.equal(misnamed.json().code, 'bad-next-key', 'a key of another name is refused');

      writeKey(staged, newKey, 0o644);
      const readable = await app.inject(rotate(newVerifier.vkey));
      t.equal(readable.statusCode, 422);
      t.match(readable.json(), { code: 'bad-next-key', detail: /readable by others/ }, 'a next key others can read is refused');

      writeKey(staged, newKey);
      const another = await app.inject(rotate(verifierOf(generateSigner(operatorKeyName(ORIGIN))).vkey));
      t.equal(another.statusCode, 422);
      t.match(another.json(), { code: 'bad-next-key', detail: /not the key the request names/ }, 'the staged key must be the one the operator names');
      const garbled = await app.inject(rotate('not a key'));
      t.equal(garbled.statusCode, 400, 'a request naming no key is refused');

      writeKey(staged, oldKey);
      const same = await app.inject(rotate(oldVerifier.vkey));
      t.equal(same.statusCode, 422);
      t.match(same.json(), { code: 'bad-next-key', detail: /already the operator key/ }, 'the key in force cannot follow itself');

      t.strictSame(await logSnapshot(ledger.db), before, 'nothing was logged');
      t.equal(ledger.operatorVerifier.vkey, oldVerifier.vkey, 'the service still signs with the old key');
      writeKey(staged, newKey);
    });

    // The rotation itself, raced by the process holding only the old key:
    // four chains of registrations that run from before the rotation until after it.
    const sizeBefore = await readLogSize(ledger.db);
    type Raced = { index: number } | { code: string | undefined };
    let rotationDone = false;
    let firstLogged!: () => void;
    const oneLogged = new Promise<void>((resolve) => (firstLogged = resolve));
    let racerCount = 0;
    const chain = async (): Promise<Raced[]> => {
      const results: Raced[] = [];
      for (let last = false; !last;) {
        // PGlite answers without yielding to the event loop: let the rotation's request run too.
        await new Promise((resolve) => setImmediate(resolve));
        last = rotationDone;
        const id = `racer-${racerCount++}`;
        results.push(
          await registerParticipant(stale, { id, role: 'generator', name: id }).then(
            (created) => (firstLogged(), { index: created.index }),
            (error: { code?: string }) => ({ code: error.code }),
          ),
        );
      }
      return results;
    };
    const racing = Promise.all([chain(), chain(), chain(), chain()]);
    await oneLogged;
    const rotated = await app.inject(rotate(newVerifier.vkey));
    rotationDone = true;
    const raced = (await racing).flat();
    t.equal(rotated.statusCode, 201, rotated.body);
    const rotation = rotated.json() as { index: number; leafHash: string; verifierKey: string; previousVerifierKey: string };
    t.match(rotation, { verifierKey: newVerifier.vkey, previousVerifierKey: oldVerifier.vkey });
    t.ok(rotation.index >= sizeBefore);

    await t.test('the rotation is a key entry signed by the log key', async (t) => {
      const [row] = await readEntryRange(ledger.db, rotation.index, 1);
      const note = fromUtf8(row!.bytes);
      t.equal(toBase64(hashLeaf(row!.bytes)), rotation.leafHash);
      t.match(parseEntry(note, ORIGIN).payload, { kind: 'key', subjectType: 'operator', verifierKey: newVerifier.vkey });
      t.ok(signedBy(note, ledger.logVerifier), 'signed by the log key');
      t.notOk(signedBy(note, oldVerifier), 'not by the operator key it replaces');
      t.equal(ledger.operatorVerifier.vkey, newVerifier.vkey, 'the service signs with the new key from now on');
    });

    await t.test('the key files are left for a restart', async (t) => {
      t.equal(readFileSync(join(dataDir, 'operator.key'), 'utf8'), `${formatPrivateKey(newKey)}\n`, 'operator.key is the new key');
      t.equal(
        readFileSync(join(dataDir, retiredKeyFile(rotation.index)), 'utf8'),
        `${formatPrivateKey(oldKey)}\n`,
        'the old key is kept, named after the rotation',
      );
      t.notOk(existsSync(join(dataDir, 'operator.next.key')), 'nothing is staged any more');
      for (const name of ['operator.key', retiredKeyFile(rotation.index)]) t.equal(statSync(join(dataDir, name)).mode & 0o777, 0o600, `${name} is 0600`);
      const again = await app.inject(rotate(newVerifier.vkey));
      t.equal(again.json().code, 'next-key-missing', 'a second rotation needs a new staged key');
    });

    await t.test('the process holding the old key appended nothing after the rotation', async (t) => {
      const after = raced.filter((result) => !('index' in result)).length;
      t.ok(after > 0 && after < raced.length, `racers: ${raced.length - after} logged before the rotation, ${after} refused after it`);
      for (const result of raced) {
        if ('index' in result) t.ok(result.index < rotation.index, `racer at ${result.index} was logged before the rotation`);
        else t.equal(result.code, 'operator-key-rotated', 'a racer after the rotation is refused');
      }
      const before = await logSnapshot(ledger.db);
      await t.rejects(registerParticipant(stale, { id: 'late', role: 'tenant', name: 'Late' }), { code: 'operator-key-rotated' });
      const { buildApp } = await import('../../src/app.ts');
      const { ReadingIntake } = await import('../../src/ledger/intake.ts');
      const { checkEveryReply } = await import('../helpers/response-check.ts');
      const staleApp = await buildApp({ ledger: stale, intake: new ReadingIntake(stale) });
      t.teardown(() => staleApp.close());
      await checkEveryReply(staleApp);
      const viaHttp = await staleApp.inject({
        method: 'POST',
        url: '/v1/participants',
        headers: auth(OPERATOR_TOKEN),
        payload: { role: 'tenant', name: 'Late' },
      });
      t.equal(viaHttp.statusCode, 503);
      // Refused by the service's own check under the head lock, before the database's rule (GP007) is reached.
      t.match(viaHttp.json(), { code: 'operator-key-rotated', detail: /^the operator key in force is .* \(entry \d+\), not this process's/ });
      const matching = await staleApp.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: at(3) } });
      t.equal(matching.json().code, 'operator-key-rotated', 'nor does it match');
      t.strictSame(await logSnapshot(ledger.db), before, 'the log is unchanged');

      // Readings are signed by meters, not the operator: the stale process still takes them.
      t.equal(stale.operatorVerifier.vkey, oldVerifier.vkey);

      // A process given the new key switches to it at its next append.
      const informed = await openSecond(oldKey, holding(newKey));
      t.equal(informed.operatorVerifier.vkey, newVerifier.vkey, 'it opened with the key in force');
      const created = await registerParticipant(informed, { id: 'informed', role: 'tenant', name: 'Informed' });
      const [row] = await readEntryRange(ledger.db, created.index, 1);
      t.ok(signedBy(fromUtf8(row!.bytes), newVerifier), 'and signs with it');
    });

    await t.test('every entry after the rotation is signed by the new key', async (t) => {
      const gen2 = await addParticipant(app, 'generator', 'solarco');
      t.ok(gen2.id);
      const written = await writeWindow(ledger, planned, new Map());
      t.equal(written?.replanned, true, 'the plan signed by the old key was signed again');
      const run = await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: at(3) } });
      t.match(run.json(), { settlements: 1 }, 'hour 2 settled after the rotation');
      const claim = await app.inject({
        method: 'POST',
        url: '/v1/claims',
        headers: auth(tenant.token),
        payload: { period: { start: at(0), end: at(3) }, purpose: 'cbam', beneficiary: 'EU importer' },
      });
      t.equal(claim.statusCode, 201, claim.body);
      const size = await readLogSize(ledger.db);
      const rows = await readEntryRange(ledger.db, 0, size);
      const kinds = new Set<string>();
      for (const row of rows) {
        const note = fromUtf8(row.bytes);
        const { payload } = parseEntry(note, ORIGIN);
        if (payload.kind === 'reading' || (payload.kind === 'key' && payload.subjectType === 'operator')) continue;
        const key = row.idx < rotation.index ? oldVerifier : newVerifier;
        t.ok(signedBy(note, key), `entry ${row.idx} (${payload.kind}) is signed by the ${key === oldVerifier ? 'old' : 'new'} key`);
        if (row.idx > rotation.index) kinds.add(payload.kind);
      }
      t.strictSame([...kinds].sort(), ['claim', 'participant', 'settlement'], 'registrations, settlements and claims after it');
    });

    await t.test('the database refuses an operator entry by the old key', async (t) => {
      const before = await logSnapshot(ledger.db);
      const forged = sealEntryWithBytes({ kind: 'zone', log: ORIGIN, zone: 'DE-LU', gCO2PerKWh: 1, validFrom: at(0) } as ZonePayload, oldKey);
      await t.rejects(
        ledger.db.transaction().execute(async (tx) => {
          const size = await lockLogHead(tx);
          await appendEntries(tx, size, [{ bytes: forged.bytes, leafHash: hashLeaf(forged.bytes), kind: 'zone' }]);
        }),
        { code: 'GP007' },
        'an entry signed by the retired key',
      );
      const byNew = sealEntryWithBytes(
        { kind: 'key', log: ORIGIN, subjectType: 'operator', verifierKey: verifierOf(generateSigner(operatorKeyName(ORIGIN))).vkey, validFrom: at(0) },
        newKey,
      );
      await t.rejects(
        ledger.db.transaction().execute(async (tx) => {
          const size = await lockLogHead(tx);
          await appendEntries(tx, size, [{ bytes: byNew.bytes, leafHash: hashLeaf(byNew.bytes), kind: 'key' }]);
        }),
        { code: 'GP007' },
        'a rotation signed by the operator key, not the log key',
      );
      t.strictSame(await logSnapshot(ledger.db), before, 'the log is unchanged');
    });

    await t.test('a claim bundle spanning the rotation verifies; a claim re-signed by the old key does not', async (t) => {
      const claims = await app.inject({ url: `/v1/tenants/${tenant.id}/claims`, headers: auth(tenant.token) });
      const claimId = claims.json().claims[0].id as string;
      const bundle = (await app.inject({ url: `/v1/claims/${claimId}/bundle`, headers: auth(tenant.token) })).json();
      const indexes = (bundle.entries as Array<{ index: number }>).map((e) => e.index);
      t.ok(indexes.includes(0) && indexes.includes(rotation.index), 'it carries entry 0 and the rotation');
      t.ok(
        indexes.some((i) => i < rotation.index && i > 0),
        'and operator entries from before it',
      );
      const verdict = await verifyBundle(bundle, { logKey: ledger.logVerifier.vkey });
      t.equal(verdict.valid, true, JSON.stringify(verdict.reasons));
      t.equal(verdict.claimed, true);

      const forged = JSON.parse(JSON.stringify(bundle));
      const claimEntry = (forged.entries as Array<{ index: number; bytes: string }>).find((e) => e.bytes.includes('"kind":"claim"'))!;
      claimEntry.bytes = sealEntry(parseEntry(claimEntry.bytes, ORIGIN).payload as Payload, oldKey);
      const refused = await verifyBundle(forged, { logKey: ledger.logVerifier.vkey });
      t.equal(refused.valid, false);
      t.ok(
        refused.reasons.some((r) => r.code === 'bad-signature' && r.detail.includes(`operator key of entry ${rotation.index}`)),
        `the claim is not signed by the key in force: ${JSON.stringify(refused.reasons)}`,
      );
    });

    await t.test('a restart loads the new key and refuses the old one', async (t) => {
      const { readKeyFile } = await import('../../src/key-files.ts');
      const reopened = await openSecond(readKeyFile(join(dataDir, 'operator.key')), files);
      t.equal(reopened.operatorVerifier.vkey, newVerifier.vkey);
      const created = await registerParticipant(reopened, { id: 'after-restart', role: 'tenant', name: 'After restart' });
      const [row] = await readEntryRange(ledger.db, created.index, 1);
      t.ok(signedBy(fromUtf8(row!.bytes), newVerifier), 'it signs with the new key');
      const size = await readLogSize(ledger.db);
      await t.rejects(openSecond(oldKey), { code: 'key-mismatch' }, 'the old key is refused at start');
      t.equal(await readLogSize(ledger.db), size, 'nothing written');

      // A crash after the rotation committed and before the files were promoted: the staged key is taken.
      const crashDir = mkdtempSync(join(tmpdir(), 'gridproof-rotation-crash-'));
      t.teardown(() => rmSync(crashDir, { recursive: true, force: true }));
      writeKey(join(crashDir, 'operator.key'), oldKey);
      writeKey(join(crashDir, 'operator.next.key'), newKey);
      const crashFiles = new OperatorKeyFiles({ dataDir: crashDir, operatorKey: undefined, nextOperatorKey: undefined });
      const recovered = await openSecond(oldKey, crashFiles);
      t.equal(recovered.operatorVerifier.vkey, newVerifier.vkey, 'the key the log names is taken from the staged file');
      t.equal(readFileSync(join(crashDir, 'operator.key'), 'utf8'), `${formatPrivateKey(newKey)}\n`, 'and promoted');
      t.notOk(existsSync(join(crashDir, 'operator.next.key')));
    });

    await t.test('the monitor follows the rotation and finds an entry by the old key', async (t) => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const stateFile = join(dataDir, 'monitor.json');
      await publishCheckpoint(ledger);
      const clean = await runMonitor({ url, token: certifier.token, stateFile });
      t.equal(clean.exitCode, 0, JSON.stringify(clean.report.findings));
      t.same(clean.report.findings, []);

      // Planted by someone who can switch the database's triggers off.
      const forged = sealEntryWithBytes({ kind: 'zone', log: ORIGIN, zone: 'DE-LU', gCO2PerKWh: 1, validFrom: at(0) } as ZonePayload, oldKey);
      const index = await ledger.db.transaction().execute(async (tx) => {
        await sql`set local session_replication_role = replica`.execute(tx);
        const size = await lockLogHead(tx);
        await appendEntries(tx, size, [{ bytes: forged.bytes, leafHash: hashLeaf(forged.bytes), kind: 'zone' }]);
        return size;
      });
      await publishCheckpoint(ledger);
      const found = await runMonitor({ url, token: certifier.token, stateFile });
      t.equal(found.exitCode, 1);
      t.same(
        found.report.findings.map((f) => [f.code, f.indexes]),
        [['no-valid-key', [index]]],
        'the planted entry, by its index',
      );
    });
  });
}

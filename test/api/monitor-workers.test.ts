/**
 * The monitor's worker threads (src/cli/monitor-precheck.ts) change where
 * leaf hashes, entry parsing and Ed25519 arithmetic run, never a verdict.
 *
 * - A real server's log with forged entries written straight into the
 *   database (a reading whose signature no longer verifies, a payload that
 *   is not canonical JSON, a reading signed by another device's key) and a
 *   device whose key entry and first readings share a page: a run whose
 *   every page after the first went through the workers gives exactly the
 *   findings of a run that checks everything in place, with the forged
 *   entries' codes and indexes.
 * - A worker's verdict answers only for the note it split and the key it
 *   verified under, with the errors that opening the note in place gives.
 */
import t from 'tap';
import { utf8 } from '../../src/crypto/base64.ts';
import { generateSigner, openCheckedSoleLine, openSoleSignedNote, verifierOf, type Signer, type Verifier } from '../../src/crypto/note.ts';
import { runMonitor, type MonitorOptions } from '../../src/cli/monitor.ts';
import { MonitorPrecheck } from '../../src/cli/monitor-precheck.ts';
import { appendEntries, lockLogHead } from '../../src/db/log.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import type { ReadingPayload } from '../../src/domain/payloads.ts';
import { runMatching } from '../../src/ledger/matching/run.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { nativeHashLeaf } from '../../src/platform/node-sha256.ts';
import { nativeVerify } from '../../src/platform/node-ed25519.ts';
import { addDevice, addParticipant, ORIGIN, postEntries, signReading, startListeningTestApp, type TestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { errorCode } from '../helpers/error-code.ts';

const at = (hour: number) => `2024-01-01T${String(hour).padStart(2, '0')}:00:00Z`;

/** Writes notes straight into the log, as a forger with the database would; returns their indexes. */
async function forge(env: TestApp, notes: string[]): Promise<number[]> {
  const entries = notes.map((note) => ({ bytes: utf8(note), leafHash: nativeHashLeaf(utf8(note)), kind: 'reading' as const }));
  return env.ledger.db.transaction().execute(async (tx) => {
    const size = await lockLogHead(tx);
    await appendEntries(tx, size, entries);
    return entries.map((_, i) => size + i);
  });
}

for (const backend of await testBackends()) {
  t.test(`${backend}: findings are the same with the workers as in place`, async (t) => {
    const env = await startListeningTestApp(t, backend);
    const { url } = env;
    const certifier = await addParticipant(env.app, 'certifier', 'auditor');
    const gen = await addParticipant(env.app, 'generator', 'windco');
    const tenant = await addParticipant(env.app, 'tenant', 'factory');
    const signers = new Map<string, { signer: Signer; token: string }>();
    const heads = new Map<string, { seq: number; hash: string }>();
    const register = async (id: string, owner: { id: string; token: string }, type: 'wind' | 'consumption') =>
      signers.set(id, { signer: (await addDevice(env.app, { id, owner: owner.id, type })).signer, token: owner.token });
    const payloadOf = (device: string, hour: number, importWh: number, exportWh: number) => {
      const head = heads.get(device);
      return {
        device,
        seq: head ? head.seq + 1 : 0,
        ...(head ? { prev: head.hash } : {}),
        start: at(hour),
        end: at(hour + 1),
        importWh: String(importWh),
        exportWh: String(exportWh),
      };
    };
    const reading = async (device: string, hour: number, importWh: number, exportWh: number) => {
      const { signer, token } = signers.get(device)!;
      const payload = payloadOf(device, hour, importWh, exportWh);
      const response = await postEntries(env.app, token, [signReading(signer, payload)]);
      const result = response.json().results[0];
      if (result.index === undefined) throw new Error(`reading: ${response.body}`);
      heads.set(device, { seq: payload.seq, hash: result.leafHash });
    };

    await register('wind-1', gen, 'wind');
    await register('meter-1', tenant, 'consumption');
    for (let hour = 0; hour < 6; hour++) {
      await reading('wind-1', hour, 0, 1000 + hour);
      await reading('meter-1', hour, 600 + hour, 0);
    }
    await runMatching(env.ledger, Date.parse(at(6)));
    // A device whose key entry and first readings fall in one page of four.
    await register('wind-2', gen, 'wind');
    await reading('wind-2', 0, 0, 300);
    await reading('wind-2', 1, 0, 300);

    // Forged: a reading whose exportWh was raised after signing, a payload with a space, a reading under wind-2's key.
    const signed = signReading(signers.get('wind-1')!.signer, payloadOf('wind-1', 6, 0, 500));
    const raised = signed.replace('"exportWh":"500"', '"exportWh":"501"');
    t.not(raised, signed);
    const spaced = signed.replace('"exportWh":"500"', '"exportWh": "500"');
    const stranger = signReading(signers.get('wind-2')!.signer, payloadOf('wind-1', 6, 0, 500));
    const [badSignature, notCanonical, wrongKey] = await forge(env, [raised, spaced, stranger]);
    for (let hour = 6; hour < 9; hour++) await reading('meter-1', hour, 500, 0);
    await runMatching(env.ledger, Date.parse(at(9)));
    const { checkpoint } = await publishCheckpoint(env.ledger);
    const size = checkpoint!.size;

    const options: MonitorOptions = { url, token: certifier.token, pageSize: 4 };
    const inPlace = await runMonitor({ ...options, workers: 'off' });
    const onWorkers = await runMonitor({ ...options, workers: 'wait' });
    const byDefault = await runMonitor({ url, token: certifier.token });

    t.equal(inPlace.exitCode, 1);
    t.match(inPlace.report, { root: 'match', entries: { from: 0, to: size, checked: size } });
    t.equal(inPlace.report.verifiedOnWorkers, undefined, 'workers off: none verified there');
    const found = (code: string) => inPlace.report.findings.filter((f) => f.code === code).map((f) => f.indexes);
    t.same(found('bad-signature'), [[badSignature]], 'the raised reading is a bad signature');
    t.same(found('bad-entry'), [[notCanonical]], 'the spaced payload is a bad entry');
    t.match(inPlace.report.findings.find((f) => f.indexes[0] === notCanonical)?.detail, /non-canonical-json/);
    t.same(found('no-valid-key'), [[wrongKey]], "a reading under another device's key has no valid key");

    // The workers try the keys the replay held when a page was handed to them, a few pages of four back: the registrations at the start are verified in place.
    t.ok(onWorkers.report.verifiedOnWorkers! >= size / 3, `${onWorkers.report.verifiedOnWorkers} of ${size} signatures verified on the workers`);
    for (const [name, run] of [
      ['pages of 4 through the workers', onWorkers],
      ['the default (one page, in place)', byDefault],
    ] as const) {
      t.equal(run.exitCode, inPlace.exitCode, `${name}: same exit code`);
      t.same(run.report.findings, inPlace.report.findings, `${name}: same findings, in the same order`);
      t.same(run.report.warnings, inPlace.report.warnings, `${name}: same warnings`);
      t.equal(run.report.recomputedRoot, inPlace.report.recomputedRoot, `${name}: same root`);
    }
  });
}

t.test("a worker's verdict answers only for the key it verified under, with the errors of opening the note in place", async (t) => {
  const precheck = new MonitorPrecheck();
  t.teardown(() => precheck.close());
  await precheck.start();
  const signer = generateSigner('meter/x');
  const other = generateSigner('meter/x');
  const payload = {
    kind: 'reading',
    log: ORIGIN,
    quality: 'measured',
    device: 'x',
    seq: 0,
    start: at(0),
    end: at(1),
    importWh: '0',
    exportWh: '7',
  } as ReadingPayload;
  const note = sealEntry(payload, signer);
  const forged = note.replace('"exportWh":"7"', '"exportWh":"8"');
  const twice = `${note}${note.slice(note.lastIndexOf('\n\n') + 2)}`;
  const known = [verifierOf(signer), verifierOf(other)];
  const page = precheck.page([note, forged, twice].map(utf8), ORIGIN, known);
  t.ok(page, 'the workers are up');
  await page!.ready;

  const checked = page!.checkedLine(0)!;
  t.same([checked.name, checked.keyId], [verifierOf(signer).name, verifierOf(signer).keyId], "the line's key name and ID");
  t.equal(checked.verdict(verifierOf(other).publicKey), undefined, 'no verdict under a key of another ID');
  t.equal(precheck.answered, 0);
  t.equal(openCheckedSoleLine(checked, known), known[0], 'the signer, from the verdict');
  t.equal(precheck.answered, 1);
  t.equal(page!.accepted(0), true, 'the worker parsed the entry');

  // The same errors as opening each note in place.
  const inPlace = (text: string, verifiers: Verifier[]) => errorCode(() => openSoleSignedNote(text, verifiers, nativeVerify));
  t.equal(
    errorCode(() => openCheckedSoleLine(page!.checkedLine(1)!, known)),
    'bad-signature',
    'a changed payload',
  );
  t.equal(inPlace(forged, known), 'bad-signature');
  t.equal(
    errorCode(() => openCheckedSoleLine(checked, [verifierOf(other)])),
    'unknown-signer',
    'a signer not allowed',
  );
  t.equal(inPlace(note, [verifierOf(other)]), 'unknown-signer');
  t.equal(page!.checkedLine(2), undefined, 'two signature lines: left to the replay, which refuses them');
  t.equal(inPlace(twice, known), 'extra-signature');
});

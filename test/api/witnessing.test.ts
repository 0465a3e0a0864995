/**
 * The log gets its checkpoints witnessed (docs/witnesses.md): two real
 * witnesses over HTTP, one of them down. The live one cosigns each new
 * checkpoint from the size it cosigned before; the down one delays nothing,
 * and the status route says it is behind. The served checkpoint carries the
 * log's line first, then the cosignatures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openCosignatures, parseCosignerKey } from '../../src/crypto/cosignature.ts';
import { openCheckpoint } from '../../src/crypto/checkpoint.ts';
import { generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { CheckpointWitnessing } from '../../src/ledger/witnessing.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';
import { WitnessStateDir } from '../../src/witness/state-file.ts';
import { buildWitnessApp } from '../../src/witness/witness-server.ts';
import { addParticipant, ORIGIN, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { witnessPair } from '../helpers/witness-pair.ts';

for (const backend of await testBackends()) {
  t.test(`${backend}: one witness up, one down`, async (t) => {
    const logSigner = generateSigner(ORIGIN);
    const { up, upKey, upUrl, downKey, downUrl, stateDir: dir } = await witnessPair(t, logSigner, { up: 'witness.test/up', down: 'witness.test/down' });

    const test = await startTestApp(backend, {
      logSigner,
      witnesses: [
        { vkey: upKey, url: upUrl },
        { vkey: downKey, url: downUrl },
      ],
      witnessQuorum: 1,
    });
    t.teardown(() => test.close());
    const witnessing = new CheckpointWitnessing(test.ledger);
    const { app, ledger } = test;

    await addParticipant(app, 'tenant', 'factory-1');
    const first = (await publishCheckpoint(ledger)).checkpoint!;
    await witnessing.poke();
    await witnessing.idle();

    const served = (await app.inject({ url: '/v1/log/checkpoint' })).body;
    t.ok(served.startsWith(first.note), "the log's own line first");
    t.equal(openCheckpoint(served, ledger.logVerifier, ORIGIN).size, first.size, 'still a checkpoint of the log');
    const opened = openCosignatures(served, [parseCosignerKey(upKey), parseCosignerKey(downKey)]);
    t.same(
      opened.valid.map((c) => c.name),
      ['witness.test/up'],
      'cosigned by the live witness only',
    );

    let status = (await app.inject({ url: '/v1/log/witnesses' })).json();
    t.match(status, { size: first.size, quorum: 1, witnessedSize: first.size });
    t.match(status.witnesses[0], { vkey: upKey, cosignedSize: first.size, behind: 0 });
    t.match(status.witnesses[1], { vkey: downKey, behind: null }, 'the down witness cosigned nothing');
    t.match(witnessing.progress()[1], { vkey: downKey, lastError: String, nextAttemptAt: String }, 'its failure is known and it backs off');

    // The log grows: the live witness gets a consistency proof from the size it cosigned.
    await addParticipant(app, 'tenant', 'factory-2');
    const second = (await publishCheckpoint(ledger)).checkpoint!;
    t.ok(second.size > first.size);
    await witnessing.poke();
    await witnessing.idle();
    status = (await app.inject({ url: '/v1/log/witnesses' })).json();
    t.match(status.witnesses[0], { cosignedSize: second.size, behind: 0 }, 'the live witness follows');
    t.equal(status.witnessedSize, second.size);
    const stored = new WitnessStateDir(dir).get(ORIGIN);
    t.equal(stored?.size, second.size, "the witness's own state moved to the new size");

    // A witness that lost track (a fresh state directory) answers 409 with its size; the log starts again from it.
    const fresh = mkdtempSync(join(tmpdir(), 'witnessing-fresh-'));
    t.teardown(() => rmSync(fresh, { recursive: true, force: true }));
    const amnesiac = await buildWitnessApp({
      cosigner: up,
      logs: [verifierOf(logSigner)],
      state: new WitnessStateDir(fresh),
      sign: nativeSign,
      verify: nativeVerify,
    });
    const amnesiacUrl = await amnesiac.listen({ port: 0, host: '127.0.0.1' });
    t.teardown(() => amnesiac.close());
    const again = await startTestApp(backend, {
      logSigner,
      testStore: test.testStore,
      operatorSigner: test.operatorSigner,
      witnesses: [{ vkey: upKey, url: amnesiacUrl }],
    });
    t.teardown(() => again.app.close());
    await addParticipant(again.app, 'tenant', 'factory-3');
    const third = (await publishCheckpoint(again.ledger)).checkpoint!;
    const rewitnessing = new CheckpointWitnessing(again.ledger);
    await rewitnessing.poke();
    await rewitnessing.idle();
    t.equal(rewitnessing.progress()[0]!.cosignedSize, third.size, 'after a 409 stating size 0, cosigned from 0');
    t.equal(new WitnessStateDir(fresh).get(ORIGIN)?.size, third.size);
  });
}

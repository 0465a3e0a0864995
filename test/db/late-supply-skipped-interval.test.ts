/**
 * A zone's frontier (its last matched interval) can pass an interval that was
 * never matched: a run plans its windows from the intervals pending when it
 * started (pendingIntervals, without the head lock), and writeWindow checks
 * under the lock only the window's own intervals. A supply reading logged
 * meanwhile for an earlier hour that had no readings is then behind the
 * frontier, in no window and in no matched interval: only the late-supply pass
 * settles it (docs/design.md §5), and the monitor requires the next late
 * settlement transaction to name it (src/domain/monitor/replay-late.ts).
 *
 * Here a late-supply pass of another run (POST /v1/matching/runs with an
 * earlier `until`, or another process) runs between the reading and the
 * window that passes its hour. The reading's index is below the log size at
 * that pass, and its hour is not matched then or ever: a late pass that looks
 * only at readings logged since the previous pass's log size would never
 * settle it.
 */
import t from 'tap';
import { sql } from 'kysely';
import { testBackends } from '../helpers/database.ts';
import { addZone, addDevice, addParticipant, postEntries, signReading, startTestApp, type TestApp } from '../helpers/app.ts';
import { readLogSize } from '../../src/db/log.ts';
import { planWindow, writeWindow } from '../../src/ledger/matching/window.ts';
import { runMatching } from '../../src/ledger/matching/run.ts';
import type { Signer } from '../../src/crypto/note.ts';

const T0 = Date.parse('2024-06-01T00:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

async function post(env: TestApp, owner: { token: string }, signer: Signer, device: string, h: number, importWh: number, exportWh: number): Promise<number> {
  const note = signReading(signer, {
    device,
    seq: 0,
    start: iso(T0 + h * H),
    end: iso(T0 + (h + 1) * H),
    importWh: String(importWh),
    exportWh: String(exportWh),
  });
  const response = await postEntries(env.app, owner.token, [note]);
  const result = response.json().results[0];
  if (response.statusCode !== 200 || result.error) throw new Error(response.body);
  return Number(result.index);
}

for (const backend of await testBackends()) {
  t.test(`${backend}: a reading of an hour the frontier passed unmatched is settled late, though logged before an earlier late pass`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app, ledger } = env;
    await addZone(app);
    const gen = await addParticipant(app, 'generator', 'windco');
    const tenant = await addParticipant(app, 'tenant', 'steelco');
    const windA = await addDevice(app, { id: 'wind-a', owner: gen.id, type: 'wind' });
    const windB = await addDevice(app, { id: 'wind-b', owner: gen.id, type: 'wind' });
    const meter = await addDevice(app, { id: 'meter-1', owner: tenant.id, type: 'consumption' });
    // Hour 1 is read; hour 0 has no reading yet.
    await post(env, gen, windA.signer, 'wind-a', 1, 0, 1000);
    await post(env, tenant, meter.signer, 'meter-1', 1, 800, 0);

    // Run 1 found hour 1 pending and planned it.
    const plan = await planWindow(ledger, ledger.db, 'DE-LU', [new Date(T0 + H)]);
    // wind-b's meter sends hour 0.
    const late = await post(env, gen, windB.signer, 'wind-b', 0, 0, 500);
    // Run 2, up to an earlier `until`, matches nothing and runs its late-supply pass.
    const pass = await runMatching(ledger, T0);
    t.match(pass, { intervals: 0, lateSettlements: 0 }, 'hour 0 was neither matched nor behind the frontier then');
    const sizeAtPass = await readLogSize(ledger.db);
    t.ok(late < sizeAtPass, `the reading (entry ${late}) was logged before that pass (log size ${sizeAtPass})`);

    // Run 1 writes hour 1: the frontier passes hour 0, which is never matched.
    const written = await writeWindow(ledger, plan, new Map());
    t.match(written, { intervals: 1, replanned: false }, 'hour 0 is not in the window, so the plan still holds');
    const matched = await sql<{ start_at: Date }>`select start_at from matched_interval where zone = 'DE-LU' order by start_at`.execute(ledger.db);
    t.same(
      matched.rows.map((row) => new Date(row.start_at).getTime()),
      [T0 + H],
      'hour 1 matched, hour 0 never',
    );

    // Run 1's own late-supply pass: the only pass that can settle the reading.
    const after = await runMatching(ledger, T0 + 2 * H);
    t.match(after, { intervals: 0, lateSettlements: 1 }, 'settled late');
    const settled = await sql<{ n: string | number }>`select count(*) as n from settled_source where source_idx = ${late}`.execute(ledger.db);
    t.equal(Number(settled.rows[0]!.n), 1, 'the reading has its settlement');
  });
}

/**
 * The generator's view over a day of the demo park: GET
 * /v1/generators/{id}/devices (chain heads agree with the chain check) and
 * GET /v1/devices/{id}/outputs (each hour's export = what went to sinks +
 * unmatched, and what a tenant received from all devices is the tenant
 * view's matched Wh). Refusals carry their code and leave the log unchanged.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { fillService } from '../../src/cli/demo/fill.ts';
import { testBackends } from '../helpers/database.ts';
import { addDevice, auth, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { isProblem, logSnapshot } from '../helpers/log-state.ts';

const csv = readFileSync(new URL('../../demo/de-2019-hourly.csv', import.meta.url), 'utf8');
const [FROM, TO] = ['2018-12-31T23:00:00Z', '2019-01-01T23:00:00Z'];

interface Hour {
  start: string;
  exportWh: string;
  importWh: string;
  settlement: { index: number; late: boolean } | null;
  to: Array<{ device: string; type: string; owner: string; wh: string }>;
  toStorageWh: string;
  unmatchedWh: string;
  seq: number;
  leafHash: string;
}

for (const backend of await testBackends()) {
  t.test(`${backend}: a generator's devices and where their output went`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const server = await env.app.listen({ port: 0, host: '127.0.0.1' });
    const dir = mkdtempSync(join(tmpdir(), 'gridproof-genview-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const { state } = await fillService({ server, operatorToken: OPERATOR_TOKEN, days: 1, stateFile: join(dir, 's.json'), csv, progress: new PassThrough() });
    const nordwind = state.tokens.nordwind!;

    // A device registered and never read: no chain head, no readings.
    await addDevice(env.app, { id: 'wind-spare', owner: 'nordwind', type: 'wind' });
    const list = await env.app.inject({ url: '/v1/generators/nordwind/devices', headers: auth(nordwind) });
    t.equal(list.statusCode, 200, list.body.slice(0, 200));
    const devices = list.json().devices as Array<{ id: string; readings: number; head: { seq: number; leafHash: string } | null }>;
    t.same(
      devices.map((d) => d.id),
      ['battery', 'wind-farm', 'wind-spare'],
      "only nordwind's devices",
    );
    t.match(devices.pop(), { id: 'wind-spare', readings: 0, head: null }, 'a device never read: 0 readings and no head');
    for (const d of devices) {
      t.equal(d.readings, 24);
      const chain = (await env.app.inject({ url: `/v1/devices/${d.id}/chain`, headers: auth(nordwind) })).json();
      t.same(
        { seq: d.head!.seq, leafHash: d.head!.leafHash },
        { seq: chain.head.seq, leafHash: chain.head.leafHash },
        `${d.id}: the head is the chain check's`,
      );
    }

    const received = new Map<string, bigint>();
    for (const [device, owner] of [
      ['wind-farm', 'nordwind'],
      ['solar-field', 'sonnenfeld'],
      ['battery', 'nordwind'],
    ] as const) {
      const r = await env.app.inject({ url: `/v1/devices/${device}/outputs?from=${FROM}&to=${TO}`, headers: auth(state.tokens[owner]!) });
      t.equal(r.statusCode, 200);
      const hours = r.json().hours as Hour[];
      t.equal(hours.length, 24, `${device}: one row per hour`);
      for (const h of hours) {
        const sent = h.to.reduce((s, x) => s + BigInt(x.wh), 0n);
        // Matching settles every reading that exported something; an hour with no export has nothing to settle.
        if (h.exportWh !== '0' && (h.settlement === null || h.settlement.late)) t.fail(`${device} ${h.start}: not settled in time`);
        if (sent + BigInt(h.unmatchedWh) !== BigInt(h.exportWh)) t.fail(`${device} ${h.start}: ${sent} + ${h.unmatchedWh} ≠ ${h.exportWh}`);
        const storage = h.to.filter((x) => x.type === 'storage').reduce((s, x) => s + BigInt(x.wh), 0n);
        if (storage !== BigInt(h.toStorageWh)) t.fail(`${device} ${h.start}: storage ${h.toStorageWh}`);
        for (const x of h.to.filter((x) => x.type === 'consumption')) received.set(x.owner, (received.get(x.owner) ?? 0n) + BigInt(x.wh));
      }
      if (device === 'wind-farm')
        t.ok(
          hours.some((h) => h.to.some((x) => x.owner === 'factory')),
          'the wind farm feeds the factory (its PPA)',
        );
    }
    for (const tenant of ['datacentre', 'factory', 'hydrogen']) {
      const view = (await env.app.inject({ url: `/v1/tenants/${tenant}/matching?from=${FROM}&to=${TO}`, headers: auth(OPERATOR_TOKEN) })).json();
      t.equal(String(received.get(tenant) ?? 0n), view.totals.matchedWh, `${tenant}: what the devices sent is what the tenant view matched`);
    }

    const before = await logSnapshot(env.ledger.db);
    isProblem(t, await env.app.inject({ url: '/v1/generators/nordwind/devices', headers: auth(state.tokens.factory!) }), 403, 'forbidden', 'a tenant');
    isProblem(
      t,
      await env.app.inject({ url: '/v1/generators/nordwind/devices', headers: auth(state.tokens.sonnenfeld!) }),
      403,
      'forbidden',
      'another generator',
    );
    isProblem(
      t,
      await env.app.inject({ url: `/v1/devices/wind-farm/outputs?from=${FROM}&to=${TO}`, headers: auth(state.tokens.sonnenfeld!) }),
      403,
      'forbidden',
      "another generator's device",
    );
    isProblem(t, await env.app.inject({ url: `/v1/devices/nope/outputs?from=${FROM}&to=${TO}`, headers: auth(OPERATOR_TOKEN) }), 404, 'unknown-device');
    isProblem(
      t,
      await env.app.inject({ url: '/v1/generators/factory/devices', headers: auth(OPERATOR_TOKEN) }),
      404,
      'unknown-participant',
      'a tenant is no generator',
    );
    isProblem(t, await env.app.inject({ url: `/v1/devices/wind-farm/outputs?from=${TO}&to=${FROM}`, headers: auth(nordwind) }), 400, 'bad-period');
    isProblem(t, await env.app.inject({ url: `/v1/devices/wind-farm/outputs?from=2019-01-01&to=${TO}`, headers: auth(nordwind) }), 400, 'schema-violation');
    isProblem(t, await env.app.inject({ url: '/v1/generators/nordwind/devices' }), 401, 'unauthorized');
    t.same(await logSnapshot(env.ledger.db), before, 'refusals leave the log unchanged');
  });
}

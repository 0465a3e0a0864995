/**
 * `gridproof certificate` and `export`, the real commands, on bundles that
 * get no document (docs/exports.md): a period's bundle, which verifies but
 * proves no claim, is `not-a-claim`; a changed bundle is `unverified-bundle`.
 * Both exit 1 with one line on stderr prefixed `gridproof <command>:` as
 * every other command's messages are; a claim's bundle gets its certificate.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { fillService } from '../../src/cli/demo/fill.ts';
import { auth, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';

const BIN = fileURLToPath(new URL('../../bin/gridproof.js', import.meta.url));
const csv = readFileSync(new URL('../../demo/de-2019-hourly.csv', import.meta.url), 'utf8');

const gridproof = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

t.test('certificate and export: a period bundle is not-a-claim, a changed one unverified-bundle, both prefixed', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-certificate-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const server = await env.app.listen({ port: 0, host: '127.0.0.1' });
  const park = await fillService({ server, operatorToken: OPERATOR_TOKEN, days: 1, stateFile: join(scratch, 'state.json'), csv, progress: new PassThrough() });
  const claim = park.claims[0]!;
  const token = park.state.tokens[claim.tenant]!;
  const key = (await env.app.inject({ url: '/v1/log/key' })).body.trim();
  const save = async (name: string, url: string) => {
    const response = await env.app.inject({ url, headers: auth(token) });
    t.equal(response.statusCode, 200, `${url}: 200`);
    writeFileSync(join(scratch, name), response.body);
    return response.body;
  };
  const claimText = await save('claim.json', `/v1/claims/${claim.id}/bundle`);
  await save('period.json', `/v1/tenants/${claim.tenant}/bundle?from=2019-01-01T00:00:00Z&to=2019-01-01T12:00:00Z`);
  const at = claimText.indexOf('"importWh\\":\\"') + 14;
  writeFileSync(join(scratch, 'changed.json'), claimText.slice(0, at) + (claimText[at] === '1' ? '2' : '1') + claimText.slice(at + 1));

  const ok = gridproof('certificate', join(scratch, 'claim.json'), '--key', key);
  t.equal(ok.status, 0, `a claim's bundle: its certificate (${ok.stderr})`);
  t.match(ok.stdout, /^<!doctype html>/i);

  for (const command of ['certificate', 'export']) {
    const extra = command === 'export' ? ['--format', 'eecs'] : [];
    const period = gridproof(command, join(scratch, 'period.json'), '--key', key, ...extra);
    t.equal(period.status, 1, `${command}, a period's bundle: exit 1`);
    t.equal(period.stdout, '');
    t.match(period.stderr, new RegExp(`^gridproof ${command}: not-a-claim: the bundle verifies but proves no claim: it is a bundle of a period[^\\n]*\\n$`));
    const changed = gridproof(command, join(scratch, 'changed.json'), '--key', key, ...extra);
    t.equal(changed.status, 1, `${command}, a changed bundle: exit 1`);
    t.match(changed.stderr, new RegExp(`^gridproof ${command}: unverified-bundle: the bundle does not verify [^\\n]*\\n$`));
  }
});

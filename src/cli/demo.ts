/**
 * `gridproof demo [--server URL --token OPERATOR_TOKEN] [--days N] [--state F]`:
 * a park on real 2019 German data (demo/PROVENANCE.md), loaded through the
 * public API so that every page and command has something to show. With no
 * --server it starts the service itself, on the embedded database in
 * --data (./demo-data), with automatic matching off (the data is history;
 * README "Configuration"), and leaves it running.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config.ts';
import { groupDigits } from '../domain/count.ts';
import { GridproofError } from '../errors.ts';
import { ensureListenable } from '../listen-address.ts';
import { parseArgs } from './args.ts';
import { fillService, type FillResult } from './demo/fill.ts';
import { ZONE } from './demo/park.ts';
import { EXIT_UNUSABLE } from './http-client.ts';

const DATA_FILE = new URL('../../demo/de-2019-hourly.csv', import.meta.url);

export async function demoCommand(args: string[]): Promise<number> {
  const { options } = parseArgs(args);
  const days = Number(options.get('days') ?? '365');
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new GridproofError('bad-request', '--days must be a whole number from 1 to 365');
  const csv = readFileSync(DATA_FILE, 'utf8');
  let server = options.get('server');
  let token = options.get('token');
  const dataDir = resolve(options.get('data') ?? 'demo-data');
  if (server === undefined) {
    const port = options.get('port') ?? process.env.PORT ?? '8080';
    const env = {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: port,
      GRIDPROOF_GATE_CLOSURE: 'off',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    };
    // The configuration and the address (HOST, PORT) are checked before the
    // token file is written: a demo that cannot start leaves its data folder
    // as it was.
    const unchecked = loadConfig({ ...env, GRIDPROOF_OPERATOR_TOKEN: undefined });
    await ensureListenable(unchecked.port, unchecked.host);
    token = operatorTokenIn(dataDir);
    const { serve } = await import('../server.ts');
    process.stderr.write(`starting gridproof on the embedded database in ${dataDir} (the first start takes 10–20 s)…\n`);
    await serve(loadConfig({ ...env, GRIDPROOF_OPERATOR_TOKEN: token }));
    server = `http://${process.env.HOST && process.env.HOST !== '0.0.0.0' ? process.env.HOST : '127.0.0.1'}:${port}`;
  } else if (!token) throw new GridproofError('bad-request', '--server needs --token <operator token>');
  const stateFile = resolve(options.get('state') ?? join(dataDir, 'demo-state.json'));
  const started = performance.now();
  const result = await fillService({ server, operatorToken: token, days, stateFile, csv, progress: process.stderr });
  report(result, server, stateFile, (performance.now() - started) / 1000, options.has('server') ? undefined : token);
  const shortfall = shortfallLine(result);
  if (shortfall !== undefined) process.stderr.write(`gridproof demo: ${shortfall}\n`);
  // Started here: the service keeps the process alive until Ctrl-C.
  if (!options.has('server')) return -1;
  // No claim means no matched energy: the demo did not do its job, on a log unusable for it (README, exit statuses).
  return result.claims.length === 0 ? EXIT_UNUSABLE : 0;
}

const minute = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16)}Z`;

/**
 * One line when readings were logged late (docs/api.md, POST /v1/entries
 * `late`: their hour was matched already, so they never will be) or the park
 * has nothing to claim: how many, why, and what to do. A log that matched
 * zone DE-LU past 2019 before the demo, or automatic matching while it
 * posts, both come to this: the log had matched those hours first.
 */
function shortfallLine({ late, lateSpan, created, claims }: FillResult): string | undefined {
  const none = claims.length === 0;
  const remedy =
    'run it on a log that has not matched them (gridproof demo without --server starts one; a service of your own needs GRIDPROOF_GATE_CLOSURE=off)';
  if (late > 0) {
    const count = late === created.readings ? `all ${late}` : `${late} of ${created.readings}`;
    const span = lateSpan ? ` (${minute(lateSpan.fromMs)} to ${minute(lateSpan.toMs)}, zone ${ZONE})` : '';
    const outcome = none ? ', so the demo matched no energy and made no claim' : '';
    return `${count} readings were logged late and will never be matched: the log had already matched those hours${span} before they were posted${outcome}; ${remedy}`;
  }
  if (none) {
    return `no tenant has matched energy to claim, so the demo made no claim: the park's readings were logged late, after the log had matched their hours (zone ${ZONE}); ${remedy}`;
  }
  return undefined;
}

/** The self-started service's operator token: made once, kept beside its database (mode 0600). */
function operatorTokenIn(dataDir: string): string {
  const file = join(dataDir, 'demo-operator-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const token = `demo-op-${randomBytes(18).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

function report(result: FillResult, server: string, stateFile: string, seconds: number, operatorToken: string | undefined): void {
  const { created, park, state } = result;
  const out: string[] = [];
  const nothing = created.registry + created.readings + created.matchedIntervals + created.claims === 0;
  out.push(
    nothing
      ? `The demo park was already complete on ${server}: nothing changed.`
      : `Demo park on ${server}: ${created.registry} registry entries, ${created.readings} readings, ${created.matchedIntervals} hours matched, ${created.claims} claims, in ${seconds.toFixed(1)} s.`,
  );
  out.push(`It covers ${park.hours} hours from ${new Date(park.fromMs).toISOString().slice(0, 16)}Z (OPSD Germany 2019, scaled to one park).`);
  if (result.claims.length > 0) {
    out.push(
      '',
      'Open:',
      `  ${server}/tenant      a tenant's hours, CFE score and claims`,
      `  ${server}/generator   a generator's devices and where their output went`,
      `  ${server}/verify      check a claim's proof bundle in the browser`,
      `  ${server}/log         the log's checkpoint and proofs`,
    );
  } else {
    // Nothing matched: a tenant's page shows hours of 0 % and no claim, and there is no bundle to verify; the readings are logged all the same.
    out.push(
      '',
      'Nothing to claim: no tenant had matched energy, so /tenant and /verify have nothing to show (stderr says why).',
      'Open:',
      `  ${server}/generator   a generator's devices and their logged readings`,
      `  ${server}/log         the log's checkpoint and proofs`,
    );
  }
  out.push('', 'Tokens (also in ' + stateFile + '):');
  if (operatorToken) out.push(`  operator  ${'(service)'.padEnd(10)} ${operatorToken}`);
  for (const participant of park.participants) out.push(`  ${participant.role.padEnd(9)} ${participant.id.padEnd(10)} ${state.tokens[participant.id]}`);
  if (result.claims.length > 0) {
    // A bundle's URL needs its tenant's bearer token, so a bare URL answers 401 in a browser: print what works.
    out.push('', `Claims (download a bundle at ${server}/tenant with the tenant's token, or with the curl line):`);
    for (const claim of result.claims) {
      out.push(
        `  ${claim.tenant.padEnd(10)} ${claim.id}  ${groupDigits(claim.wh)} Wh`,
        `    curl -H "authorization: Bearer ${state.tokens[claim.tenant]}" -o ${claim.id}.bundle.json ${server}/v1/claims/${claim.id}/bundle`,
      );
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

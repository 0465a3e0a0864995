#!/usr/bin/env node
// `npm test`: runs the whole suite on every database this machine has.
// PostgreSQL is probed at TEST_DATABASE_URL (default: the local server's
// `test` database); when it does not answer, the suite runs on the embedded
// database alone and says so, unless GRIDPROOF_REQUIRE_POSTGRES=1 (CI).
import { spawn } from 'node:child_process';
import pg from 'pg';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers() {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let backends;
if (await postgresAnswers()) {
  backends = 'postgres,pglite';
  console.log(`gridproof tests: on PostgreSQL (${url}) and on embedded PostgreSQL (PGlite)`);
} else if (process.env.GRIDPROOF_REQUIRE_POSTGRES === '1') {
  console.error(`gridproof tests: PostgreSQL does not answer at ${url}, and GRIDPROOF_REQUIRE_POSTGRES=1`);
  process.exit(1);
} else {
  backends = 'pglite';
  console.log(`gridproof tests: PostgreSQL does not answer at ${url}: running on the embedded database (PGlite) only`);
}

// tap's output passes through as it comes; its closing summary
// (`# { total, pass, fail, skip }`) is repeated as one plain line.
const child = spawn('npx', ['tap', ...process.argv.slice(2)], {
  stdio: ['inherit', 'pipe', 'inherit'],
  env: { ...process.env, GRIDPROOF_TEST_BACKENDS: backends, TEST_DATABASE_URL: url },
});
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString('utf8')).slice(-4096);
});
const status = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
const summary = /# \{ total: (\d+)([^}]*)\}/.exec(tail);
if (summary) {
  const count = (name) => Number(new RegExp(`${name}: (\\d+)`).exec(summary[2])?.[1] ?? 0);
  console.log(`tests: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`);
}
process.exit(status);

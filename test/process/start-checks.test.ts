/**
 * Start-up checks, on the real command: an operator token that could never
 * be sent in an Authorization header (spaces, non-ASCII, control characters)
 * stops `serve` and `migrate` with status 2 and a message naming the
 * variable, before anything is opened or created.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function run(command: string, token: string, dataDir: string) {
  return spawnSync(process.execPath, ['bin/gridproof.js', command], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: '0', GRIDPROOF_OPERATOR_TOKEN: token },
  });
}

t.test('an operator token nobody could send is refused at start', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-start-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const dataDir = join(scratch, 'data');
  const tokens = {
    'a space': 'operator token with spaces',
    'non-ASCII': 'operator-tøken-0123456789',
    'a tab': 'operator-token\t0123456789',
  };
  for (const [what, token] of Object.entries(tokens)) {
    for (const command of ['serve', 'migrate']) {
      const result = run(command, token, dataDir);
      t.equal(result.status, 2, `${command}, token with ${what}: exit status 2`);
      t.match(
        result.stderr,
        /GRIDPROOF_OPERATOR_TOKEN: must be printable ASCII without spaces/,
        `${command}, token with ${what}: the message names the variable and the rule`,
      );
    }
  }
  const short = run('serve', 'short-token', dataDir);
  t.equal(short.status, 2, 'a short token: exit status 2');
  t.match(short.stderr, /GRIDPROOF_OPERATOR_TOKEN: must be at least 16 characters/);
  t.notOk(existsSync(dataDir), 'nothing was opened or created');
});

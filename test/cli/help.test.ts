/**
 * Every command answers --help and -h with its usage on stdout and exit 0,
 * and does nothing else: run from an empty directory with the data directory
 * pointed into it, no file appears (serve opens no database, migrate
 * migrates nothing, keygen writes no key). Each help ends with the command's
 * own exit codes. `--version` prints the package's. `gridproof` with no
 * command is a usage error: the usage on stderr, exit 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { COMMANDS } from '../../src/cli/usage.ts';

const BIN = fileURLToPath(new URL('../../bin/gridproof.js', import.meta.url));

function run(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: join(cwd, 'data'), PORT: '0', GRIDPROOF_OPERATOR_TOKEN: '' },
  });
}

t.test('every command answers --help and -h and creates nothing', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-help-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  t.same(
    COMMANDS.sort(),
    ['certificate', 'demo', 'export', 'keygen', 'migrate', 'monitor', 'rotate', 'serve', 'sign', 'upload', 'verify', 'witness'],
    'the commands main.ts knows',
  );
  for (const command of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      const result = run(scratch, command, flag);
      t.equal(result.status, 0, `${command} ${flag}: exit 0`);
      t.match(result.stdout, new RegExp(`^usage: gridproof ${command}\\b`), `${command} ${flag}: usage on stdout`);
      t.match(
        result.stdout,
        /\n\nexit codes:\n {2}0 {2}[^\n]+\n( {2}1 {2}[^\n]+\n)? {2}2 {2}[^\n]+\n( {2}75 [^\n]+\n)?$/,
        `${command} ${flag}: ends with its exit codes`,
      );
      t.equal(result.stderr, '', `${command} ${flag}: nothing on stderr`);
    }
  }
  // With the options that would otherwise act: keygen would write NAME.key here.
  t.equal(run(scratch, 'keygen', '--name', 'meter-1', '--help').status, 0, 'keygen --name X --help: exit 0');
  t.same(readdirSync(scratch), [], 'no file or directory was created');
});

t.test("each command's help states its own exit codes; monitor explains --key and --state", async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-help-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const help = Object.fromEntries(COMMANDS.map((command) => [command, run(scratch, command, '--help').stdout]));
  const exits = (command: string) => help[command]!.slice(help[command]!.indexOf('\nexit codes:\n'));
  for (const command of ['serve', 'migrate', 'keygen', 'witness']) {
    t.notMatch(help[command], /verdict of valid|every entry accepted|a clean log/, `${command}: not the generic exit codes`);
  }
  t.match(exits('serve'), /\n {2}0 {2}stopped by Ctrl-C or SIGTERM[^\n]*\n {2}1 {2}stopped by an error[^\n]*\n {2}2 {2}it cannot start: /);
  t.match(exits('migrate'), /\n {2}0 {2}the migrations are applied[^\n]*\n {2}2 {2}[^\n]*changed/);
  t.match(exits('keygen'), /\n {2}0 {2}the key is written\n {2}2 {2}/);
  t.match(exits('verify'), /\n {2}0 {2}the bundle is valid[^\n]*\n {2}1 {2}the bundle is invalid/);
  t.match(exits('certificate'), /\n {2}1 {2}the bundle does not verify \(unverified-bundle\) or [^\n]*\(not-a-claim\)/);
  t.match(exits('upload'), /\n {2}1 {2}[^\n]*a row at or before the chain head is not in the log/);
  for (const command of ['sign', 'upload', 'rotate', 'monitor', 'demo']) {
    t.match(exits(command), /\n {2}1 {2}[^\n]*refused/, `${command}: exit 1 for the server's refusal`);
    t.match(exits(command), /\n {2}2 {2}[^\n]*server unreachable/, `${command}: exit 2 for a server it cannot reach`);
    t.match(exits(command), /\n {2}75 [^\n]*503[^\n]*429[^\n]*again later[^\n]*Retry-After/, `${command}: exit 75 for a server that cannot take it now`);
  }
  for (const command of ['serve', 'migrate', 'keygen', 'verify', 'certificate', 'export', 'witness']) {
    t.notMatch(exits(command), /\n {2}75 /, `${command} talks to no server: no exit 75`);
  }
  t.equal(new Set(COMMANDS.map(exits)).size, COMMANDS.length, 'no two commands say the same');
  t.match(
    help.monitor,
    /\n {2}--state FILE {2}keep what a clean run checked[^]*\n {2}--key VKEY {4}the log's verifier key, pinned on a first run/,
    'monitor explains --state and --key',
  );
  t.match(help.monitor, /the first run trusts the\s+key the server serves \("pinned by the log" in the report\)/, 'and what a first run without them trusts');
  t.match(run(scratch, '--help').stdout, /\n {2}verify --html > verify\.html\n/, 'gridproof --help lists verify --html');
});

t.test('--help, -h and --version of gridproof itself', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-help-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  for (const flag of ['--help', '-h']) {
    const result = run(scratch, flag);
    t.equal(result.status, 0, `${flag}: exit 0`);
    for (const command of COMMANDS) t.match(result.stdout, new RegExp(`\\n {2}${command}\\b`), `${flag} lists ${command}`);
  }
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const version = run(scratch, '--version');
  t.equal(version.status, 0, '--version: exit 0');
  t.equal(version.stdout, `gridproof ${pkg.version}\n`);
  // No command at all is a usage error (README's table), not a request for help: the usage on stderr, exit 2.
  const bare = run(scratch);
  t.equal(bare.status, 2, 'no command: exit 2');
  t.equal(bare.stdout, '', 'no command: nothing on stdout');
  t.equal(bare.stderr.split('\n')[0], 'gridproof: no command given', 'no command: said in one line');
  t.equal(bare.stderr, `gridproof: no command given\n\n${run(scratch, '--help').stdout}`, 'then the usage --help prints');
  const unknown = run(scratch, 'frobnicate');
  t.equal(unknown.status, 2, 'an unknown command: exit 2');
  t.match(unknown.stderr, /^gridproof: unknown command "frobnicate"\n\nusage: gridproof/, 'named, with the usage on stderr');
  t.same(readdirSync(scratch), []);
});

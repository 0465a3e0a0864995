/**
 * What a person gets wrong on the command line gets one line naming it and
 * exit 2, never a stack trace (README "exit codes"): a misspelt option or
 * command, a key file that is not there, a key file that is there already.
 * A bundle command without --key names the key and where to get it. A
 * reader that stops early (`| head`) is not an error. Each command's
 * usage names exactly the options it takes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { COMMAND_OPTIONS, COMMANDS, usageOf } from '../../src/cli/usage.ts';
import type { Tap } from '../helpers/log-state.ts';

const BIN = fileURLToPath(new URL('../../bin/gridproof.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gridproof-cli-errors-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: scratch, encoding: 'utf8', timeout: 60_000 });

/** Exit 2 with one line on stderr that matches `line`, nothing on stdout. */
function isUsageError(t: Tap, result: ReturnType<typeof run>, line: RegExp, what: string): void {
  t.equal(result.status, 2, `${what}: exit 2`);
  t.match(result.stderr, line, `${what}: says why`);
  t.notMatch(result.stderr, /\n\s+at /, `${what}: no stack trace`);
  t.equal(result.stdout, '', `${what}: nothing on stdout`);
}

t.test('each usage names exactly the options its command takes', async (t) => {
  t.same(Object.keys(COMMAND_OPTIONS).sort(), [...COMMANDS].sort(), 'every command declares its options');
  for (const command of COMMANDS) {
    const named = new Set([...usageOf(command).matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]!));
    named.delete('help');
    t.same([...named].sort(), [...COMMAND_OPTIONS[command]!].sort(), `gridproof ${command}`);
  }
});

t.test('a misspelt option or command is named', async (t) => {
  isUsageError(
    t,
    run('verify', 'bundle.json', '--kye', 'x'),
    /^gridproof verify: unknown option --kye \(gridproof verify --help lists its options\)\n$/,
    'verify --kye',
  );
  isUsageError(t, run('sign', '--kye=k.key'), /^gridproof sign: unknown option --kye /, 'sign --kye=…');
  isUsageError(t, run('serve', '--port', '8080'), /^gridproof serve: unknown option --port /, 'serve takes its settings from the environment');
  const command = run('verfiy', 'bundle.json');
  t.equal(command.status, 2, 'an unknown command: exit 2');
  t.match(command.stderr, /^gridproof: unknown command "verfiy"\n\nusage: gridproof <command>/, 'named, then the commands');
});

t.test('a bundle command without --key says what the key is and where to get it', async (t) => {
  writeFileSync(join(scratch, 'bundle.json'), '{}');
  const key = "--key VKEY is required: the log's verifier key, from GET /v1/log/key on the log's service\n";
  for (const command of ['verify', 'certificate']) {
    const result = run(command, 'bundle.json');
    t.equal(result.status, 2, `${command} without --key: exit 2`);
    t.equal(result.stderr, `gridproof ${command}: ${key}`, `${command} without --key: the one line`);
    t.equal(result.stdout, '', `${command} without --key: nothing on stdout`);
  }
  const exported = run('export', 'bundle.json', '--format', 'eecs');
  t.equal(exported.status, 2, 'export without --key: exit 2');
  t.equal(exported.stderr, `gridproof export: ${key}`, 'export without --key: the one line');
  const noFile = run('verify', '--key', 'localhost/gridproof+01234567+AAAA');
  t.equal(noFile.status, 2, 'verify without a bundle: exit 2');
  t.equal(noFile.stderr, 'gridproof verify: give the bundle file: gridproof verify BUNDLE --key VKEY (gridproof verify --help)\n', 'names what is missing');
});

t.test('sign --post without a token is a usage error, before anything is sent', async (t) => {
  const keyFile = join(scratch, 'meter.key');
  t.equal(run('keygen', '--name', 'meter/x', '--out', 'meter.key').status, 0, 'a key to sign with');
  writeFileSync(join(scratch, 'payload.json'), '{"device":"x"}');
  // Port 9 (discard) on this machine: were anything sent, the error would be a refused connection instead.
  isUsageError(
    t,
    run('sign', '--key', keyFile, '--server', 'http://127.0.0.1:9', '--post', 'payload.json'),
    /^gridproof sign: bad-request: --post needs --server URL and --token T\n$/,
    'no --token',
  );
  isUsageError(
    t,
    run('sign', '--key', keyFile, '--token', 't', '--post', 'payload.json'),
    /^gridproof sign: bad-request: --post needs --server URL and --token T\n$/,
    'no --server',
  );
});

t.test('a key file that is missing, or already there, is one line', async (t) => {
  isUsageError(
    t,
    run('sign', '--key', 'wind-1.kye', 'payload.json'),
    /^gridproof sign: wind-1\.kye: no such file or directory\n$/,
    'sign with a missing key file',
  );
  const key = join(scratch, 'wind-1.key');
  writeFileSync(key, 'what was there before\n');
  isUsageError(
    t,
    run('keygen', '--name', 'meter/wind-1', '--out', 'wind-1.key'),
    /^gridproof keygen: wind-1\.key: exists already, and is never overwritten\n$/,
    'keygen over a file',
  );
  t.equal(readFileSync(key, 'utf8'), 'what was there before\n', 'the file is unchanged');
});

t.test('a reader that stops early is not an error', async (t) => {
  // `gridproof verify --html | head -c 100`: about 250 kB, the reader gone after the first chunk.
  const child = spawn(process.execPath, [BIN, 'verify', '--html'], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(stderr, '', 'nothing on stderr');
  t.equal(code, 0, 'exit 0: the command did its part');
});

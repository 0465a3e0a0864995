/**
 * `gridproof verify` on a bundle that does not verify: each reason is
 * printed with its code and detail, then one line names the page of each
 * code (/problems/verify/{code}, served by every gridproof service), once per
 * code. Checked against another install's log key (same origin, another
 * key), the details name the key that signed and the key given.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { cutBundle, LOG_KEY, ORIGIN, writePark } from '../helpers/bundle-park.ts';

const BIN = fileURLToPath(new URL('../../bin/gridproof.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gridproof-cli-verify-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

const bundle = cutBundle(writePark(), 't1');
const good = join(scratch, 'bundle.json');
writeFileSync(good, JSON.stringify(bundle));
const tampered = structuredClone(bundle);
tampered.statement.consumedWh = String(BigInt(tampered.statement.consumedWh) + 1n);
tampered.statement.matchedWh = String(BigInt(tampered.statement.matchedWh) + 1n);
tampered.entries.push({ ...tampered.entries[40]! });
const bad = join(scratch, 'bundle-tampered.json');
writeFileSync(bad, JSON.stringify(tampered));

const verify = (file: string, key: string) =>
  spawnSync(process.execPath, [BIN, 'verify', file, '--key', key], { cwd: scratch, encoding: 'utf8', timeout: 120_000 });

/** `<name>+<hex key ID>`: the first two parts of a verifier key string. */
const handleOf = (vkey: string): string => vkey.split('+').slice(0, 2).join('+');

t.test('a valid bundle names no page', async (t) => {
  const result = verify(good, LOG_KEY);
  t.equal(result.status, 0, result.stderr);
  t.notMatch(result.stdout, '/problems/verify/');
});

t.test('each reason code of an invalid verdict is named with its page, once', async (t) => {
  const result = verify(bad, LOG_KEY);
  t.equal(result.status, 1, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  t.match(lines[0], /^INVALID bundle: \d+ reasons$/);
  t.ok(lines.filter((line) => line.startsWith('  statement-mismatch: ')).length >= 2, 'the statement reasons');
  t.ok(
    lines.some((line) => line.startsWith('  duplicate-entry: ')),
    'the duplicate entry',
  );
  t.equal(
    lines.at(-1),
    'what each code means and what to do: /problems/verify/duplicate-entry, /problems/verify/statement-mismatch on any gridproof service',
    'the last line names the page of each code, in the order found',
  );
});

t.test("another install's key: the details name the key that signed and the key given", async (t) => {
  const theirs = verifierOf(generateSigner(ORIGIN)).vkey;
  const result = verify(good, theirs);
  t.equal(result.status, 1, result.stderr);
  const mismatch = `signed by ${handleOf(LOG_KEY)}; the key given is ${handleOf(theirs)}`;
  t.match(result.stdout, `  bad-checkpoint: unknown-signer: no signature from a known key: ${mismatch}\n`);
  t.match(result.stdout, `  bad-signature: entry 0 is not signed by the log key: ${mismatch}\n`);
  t.match(result.stdout, '/problems/verify/bad-checkpoint, /problems/verify/bad-signature');
});

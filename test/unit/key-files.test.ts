import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { formatPrivateKey, generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { loadOrCreateKey } from '../../src/key-files.ts';
import { errorCode } from '../helpers/error-code.ts';

const dir = mkdtempSync(join(tmpdir(), 'gridproof-keys-'));

t.test('a key is created once with mode 0600 and read back the same', async (t) => {
  const file = join(dir, 'log.key');
  const created = loadOrCreateKey(undefined, file, 'park.example/log');
  t.equal(statSync(file).mode & 0o777, 0o600);
  const again = loadOrCreateKey(undefined, file, 'park.example/log');
  t.equal(verifierOf(again).vkey, verifierOf(created).vkey);
  t.match(readFileSync(file, 'utf8'), /^PRIVATE\+KEY\+park\.example\/log\+[0-9a-f]{8}\+/);
});

t.test('a key file others can read is refused', async (t) => {
  const file = join(dir, 'open.key');
  writeFileSync(file, `${formatPrivateKey(generateSigner('park.example/log'))}\n`);
  chmodSync(file, 0o644);
  t.equal(
    errorCode(() => loadOrCreateKey(undefined, file, 'park.example/log')),
    'bad-private-key',
  );
});

t.test('the environment variable wins over the file', async (t) => {
  const signer = generateSigner('park.example/log');
  const loaded = loadOrCreateKey(formatPrivateKey(signer), join(dir, 'unused.key'), 'park.example/log');
  t.equal(verifierOf(loaded).vkey, verifierOf(signer).vkey);
});

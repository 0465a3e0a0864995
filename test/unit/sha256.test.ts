import { randomBytes } from 'node:crypto';
import t from 'tap';
import { toHex, utf8 } from '../../src/crypto/base64.ts';
import { hashChildren, hashLeaf } from '../../src/crypto/merkle.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { nativeHashChildren, nativeHashLeaf } from '../../src/platform/node-sha256.ts';

t.test('FIPS 180-4 examples', async (t) => {
  t.equal(toHex(sha256()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  t.equal(toHex(sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.equal(toHex(sha256(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
});

t.test('the parts are hashed as their concatenation', async (t) => {
  t.same(sha256(utf8('a'), utf8(''), utf8('bc')), sha256(utf8('abc')));
  t.same(sha256(new Uint8Array(0)), sha256());
});

t.test('native leaf hashes equal the pure ones, on RFC 6962 leaves and on random bytes', async (t) => {
  // RFC 6962 test vector leaf 0x00 (the empty leaf): SHA-256(0x00).
  t.equal(toHex(nativeHashLeaf(new Uint8Array(0))), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  for (const size of [1, 55, 56, 63, 64, 65, 1000, 70_000]) {
    const data = randomBytes(size);
    t.same(nativeHashLeaf(data), hashLeaf(data), `${size} bytes`);
  }
});

t.test('native node hashes equal the pure ones', async (t) => {
  for (let i = 0; i < 20; i++) {
    const [left, right] = [randomBytes(32), randomBytes(32)];
    t.same(nativeHashChildren(left, right), hashChildren(left, right));
  }
  t.not(toHex(nativeHashChildren(new Uint8Array(32), new Uint8Array(32))), toHex(nativeHashLeaf(new Uint8Array(64))), 'domain-separated from a leaf');
});

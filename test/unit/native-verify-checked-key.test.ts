/**
 * nativeVerifyCheckedKey skips the point check for keys its caller has
 * checked already (src/platform/node-ed25519.ts). Both verifiers share one KeyObject cache,
 * so a key first seen through it must not reach nativeVerify unchecked.
 * Its own file: the cache is per process, and other tests fill it.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/crypto/base64.ts';
import { nobleVerify } from '../../src/crypto/ed25519.ts';
import { nativeVerify, nativeVerifyCheckedKey } from '../../src/platform/node-ed25519.ts';

interface SpeccheckCase {
  case: number;
  message: string;
  publicKey: string;
  signature: string;
}

const cases = JSON.parse(readFileSync(new URL('../fixtures/ed25519/speccheck-cases.json', import.meta.url), 'utf8')) as SpeccheckCase[];
const args = (c: SpeccheckCase) => [fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature)] as const;

t.test('a small-order key seen first on the checked-key path is still refused by strict verification', async (t) => {
  // "Taming the many EdDSAs" case 0: a small-order A that plain OpenSSL accepts.
  const smallOrder = cases.find((c) => c.case === 0)!;
  t.notOk(nobleVerify(...args(smallOrder)), 'strict noble refuses it');
  // The premise of the test: the checked-key path does not check the point,
  // so it takes OpenSSL's verdict and caches the key unchecked.
  t.ok(nativeVerifyCheckedKey(...args(smallOrder)), 'not checked again on the checked-key path');
  t.notOk(nativeVerify(...args(smallOrder)), 'strict verification checks the cached key');
  t.notOk(nativeVerifyCheckedKey(...args(smallOrder)), 'once found invalid, the key is refused on both paths');
});

t.test('on keys that pass the point check both paths agree with noble', async (t) => {
  for (const c of cases) {
    const [publicKey, message, signature] = args(c);
    const strict = nobleVerify(publicKey, message, signature);
    t.equal(nativeVerify(publicKey, message, signature), strict, `case ${c.case}: nativeVerify`);
    t.equal(nativeVerifyCheckedKey(publicKey, message, signature), strict, `case ${c.case}: after the strict check`);
  }
});

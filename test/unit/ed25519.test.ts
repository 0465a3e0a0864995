/**
 * Ed25519: RFC 8032 §7.1 vectors, the "Taming the many EdDSAs" edge cases and
 * constructed edge cases. Node's native verifier (src/platform) and the
 * WebCrypto batch verifier (src/crypto/webcrypto-ed25519.ts, which a browser
 * runs) must reach the same verdict as strict noble (src/crypto) on every one
 * of them.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { fromHex, toHex, utf8 } from '../../src/crypto/base64.ts';
import { isValidPublicKey, nobleSign, nobleVerify, publicKeyFromSeed, randomSeed } from '../../src/crypto/ed25519.ts';
import { webCryptoBatchVerify, webCryptoHasEd25519 } from '../../src/crypto/webcrypto-ed25519.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';

type Rfc8032Vector = Record<'name' | 'secretKey' | 'publicKey' | 'message' | 'signature', string>;
type SpeccheckCase = Record<'message' | 'publicKey' | 'signature', string> & { case: number };

function fixture<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/ed25519/${path}`, import.meta.url), 'utf8')) as T;
}

/** Every case seen by verdict(), checked through WebCrypto in one batch by the last test. */
const seen: Array<{ publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array; noble: boolean; what: string }> = [];

/** Both verifiers, which must agree; returns the common verdict. */
function verdict(t: Test, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, what: string) {
  const noble = nobleVerify(publicKey, message, signature);
  t.equal(nativeVerify(publicKey, message, signature), noble, `native agrees with noble: ${what}`);
  seen.push({ publicKey, message, signature, noble, what });
  return noble;
}

/** Plain OpenSSL, without the wrapper's pre-checks: only reported, to show why they exist. */
function rawOpenssl(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | string {
  try {
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
    return opensslVerify(null, message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), signature);
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
}

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const B = ed.Point.BASE;

function leToBigint(bytes: Uint8Array): bigint {
  return BigInt(`0x${toHex(Uint8Array.from(bytes).reverse()) || '0'}`);
}
function bigintToLe(n: bigint): Uint8Array {
  return fromHex(n.toString(16).padStart(64, '0')).reverse();
}
/** k = SHA-512(R || A || M) mod L (RFC 8032 §5.1.7 step 2), over the exact bytes. */
function challenge(r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint {
  return leToBigint(sha512(Uint8Array.from([...r, ...a, ...m]))) % L;
}
function signature(r: Uint8Array, s: bigint): Uint8Array {
  return Uint8Array.from([...r, ...bigintToLe(s)]);
}

// The eight points of small order, canonically encoded (identity, order 2, two
// of order 4, four of order 8), and non-canonical encodings of small points.
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
];
const NON_CANONICAL = [
  '0100000000000000000000000000000000000000000000000000000000000080', // identity, x = 0 with sign bit
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // order 2, x = 0 with sign bit
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p (= 0)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1 (= 1)
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
];
const ORDER_8 = ed.Point.fromBytes(fromHex(SMALL_ORDER[4]!));

const honestSeed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const honest = ed.utils.getExtendedPublicKey(honestSeed);

t.test('RFC 8032 §7.1 test vectors', async (t) => {
  for (const v of fixture<Rfc8032Vector[]>('rfc8032-7.1.json')) {
    const seed = fromHex(v.secretKey);
    const publicKey = fromHex(v.publicKey);
    const message = fromHex(v.message);
    t.equal(toHex(publicKeyFromSeed(seed)), v.publicKey, `${v.name}: public key`);
    t.equal(toHex(nobleSign(seed, message)), v.signature, `${v.name}: noble signature`);
    t.equal(toHex(nativeSign(seed, message)), v.signature, `${v.name}: native signature`);
    t.equal(verdict(t, publicKey, message, fromHex(v.signature), v.name), true, `${v.name} verifies`);
    const tampered = message.length > 0 ? message.slice() : Uint8Array.of(0);
    tampered[0]! ^= 1;
    t.equal(verdict(t, publicKey, tampered, fromHex(v.signature), v.name), false, `${v.name}: other message`);
  }
  t.equal(fixture<Rfc8032Vector[]>('rfc8032-7.1.json').find((v) => v.name === 'TEST 1024')?.message.length, 2046);
});

t.test('"Taming the many EdDSAs" vectors 0-11', async (t) => {
  // Small-order A rejected (0, 1); A or R with a torsion component rejected
  // (2, 3: plain OpenSSL accepts them, the torsion cancelling; 4, 5: only the
  // cofactored equation would accept); S >= L (6, 7) and non-canonical R
  // (8, 9) and A (10, 11) rejected. No honest signer makes any of them.
  const expected = [false, false, false, false, false, false, false, false, false, false, false, false];
  for (const c of fixture<SpeccheckCase[]>('speccheck-cases.json')) {
    const args = [fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature)] as const;
    t.equal(verdict(t, ...args, `case ${c.case}`), expected[c.case], `case ${c.case}`);
    t.comment(`case ${c.case}: plain OpenSSL ${rawOpenssl(...args)}, strict noble ${expected[c.case]}`);
  }
});

t.test('small-order and non-canonical public keys are refused', async (t) => {
  for (const hex of [...SMALL_ORDER, ...NON_CANONICAL]) {
    const a = fromHex(hex);
    t.notOk(isValidPublicKey(a), `not a valid key: ${hex}`);
    // A signature that passes the cofactorless equation [S]B = R + [k]A: with
    // R = [S]B it holds whenever [k]A is the identity, i.e. k is a multiple of
    // A's order (at most 8); try messages until it is.
    const s = 1234567n;
    const r = B.multiply(s).toBytes();
    let message = utf8('0');
    for (let i = 0; i < 200; i++) {
      message = utf8(String(i));
      const k = challenge(r, a, message);
      if (k % 8n === 0n) break;
    }
    const sig = signature(r, s);
    t.equal(verdict(t, a, message, sig, hex), false, `no signature under ${hex}`);
    t.comment(`key ${hex}: plain OpenSSL ${rawOpenssl(a, message, sig)}`);
  }
  t.ok(isValidPublicKey(honest.pointBytes));
  t.notOk(isValidPublicKey(new Uint8Array(31)));
});

t.test('S >= L is refused (RFC 8032 §5.1.7)', async (t) => {
  const message = utf8('malleable?');
  const good = nobleSign(honestSeed, message);
  const s = leToBigint(good.subarray(32));
  t.equal(verdict(t, honest.pointBytes, message, good, 'S < L'), true);
  for (const bad of [s + L, s + 2n * L, L, 2n ** 256n - 1n]) {
    const sig = signature(good.subarray(0, 32), bad);
    t.equal(verdict(t, honest.pointBytes, message, sig, `S = ${bad}`), false, 'S >= L');
  }
});

t.test('R: small order accepted, non-canonical refused, a torsion component refused', async (t) => {
  const a = honest.pointBytes;
  const message = utf8('R edge cases');
  // R = identity: [S]B = [k]A with S = k·a; valid under both equations.
  const identity = fromHex(SMALL_ORDER[0]!);
  const sIdentity = (challenge(identity, a, message) * honest.scalar) % L;
  t.equal(verdict(t, a, message, signature(identity, sIdentity), 'R = identity'), true);
  // The same point spelled y = p + 1: refused as non-canonical.
  const spelled = fromHex(NON_CANONICAL[4]!);
  const sSpelled = (challenge(spelled, a, message) * honest.scalar) % L;
  t.equal(verdict(t, a, message, signature(spelled, sSpelled), 'R non-canonical'), false);
  // R = [r]B + T (T of order 8): only the cofactored equation accepts.
  const r = 987654321n;
  const mixed = B.multiply(r).add(ORDER_8).toBytes();
  const sMixed = (r + challenge(mixed, a, message) * honest.scalar) % L;
  const sig = signature(mixed, sMixed);
  t.equal(verdict(t, a, message, sig, 'R with torsion'), false, 'a torsion component in R is refused');
  t.comment(`R with torsion: plain OpenSSL ${rawOpenssl(a, message, sig)}`);
});

t.test('A with a torsion component: refused by both, whatever the equation says', async (t) => {
  const a = B.multiply(honest.scalar).add(ORDER_8).toBytes();
  t.notOk(isValidPublicKey(a), 'mixed order is not a valid key');
  const r = 55555n;
  const rBytes = B.multiply(r).toBytes();
  let seen = 0;
  for (let i = 0; i < 16; i++) {
    const message = utf8(`mixed ${i}`);
    // [S]B = R + [k](A - T): holds cofactored; cofactorless only when 8 | k.
    const sig = signature(rBytes, (r + challenge(rBytes, a, message) * honest.scalar) % L);
    t.equal(verdict(t, a, message, sig, `message ${i}`), false);
    if (rawOpenssl(a, message, sig) !== true) seen++;
  }
  t.comment(`plain OpenSSL rejected ${seen} of 16`);
});

t.test('wrong lengths and flipped bits', async (t) => {
  const message = utf8('flip me');
  const pk = honest.pointBytes;
  const sig = nobleSign(honestSeed, message);
  t.equal(verdict(t, pk, message, sig, 'original'), true);
  t.equal(verdict(t, pk.subarray(1), message, sig, 'short key'), false);
  t.equal(verdict(t, Uint8Array.from([...pk, 0]), message, sig, 'long key'), false);
  t.equal(verdict(t, pk, message, sig.subarray(1), 'short signature'), false);
  t.equal(verdict(t, pk, message, Uint8Array.from([...sig, 0]), 'long signature'), false);
  t.equal(verdict(t, pk, message, new Uint8Array(0), 'empty signature'), false);
  let accepted = 0;
  for (let bit = 0; bit < 512; bit++) {
    const flipped = sig.slice();
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    if (verdict(t, pk, message, flipped, `signature bit ${bit}`)) accepted++;
  }
  for (let bit = 0; bit < 256; bit++) {
    const flipped = pk.slice();
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    if (verdict(t, flipped, message, sig, `key bit ${bit}`)) accepted++;
  }
  t.equal(accepted, 0, 'no flipped bit verifies');
});

t.test('random inputs: same verdicts', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      (pk, msg, sig) => nativeVerify(pk, msg, sig) === nobleVerify(pk, msg, sig),
    ),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
      const sig = nativeSign(seed, msg);
      const pk = publicKeyFromSeed(seed);
      return toHex(sig) === toHex(nobleSign(seed, msg)) && nativeVerify(pk, msg, sig) && nobleVerify(pk, msg, sig);
    }),
    { numRuns: 100 },
  );
  t.pass('agreed');
});

t.test('seeds', async (t) => {
  const a = randomSeed();
  t.equal(a.length, 32);
  t.not(toHex(a), toHex(randomSeed()));
  const badSeeds = [() => nobleSign(new Uint8Array(31), a), () => nativeSign(new Uint8Array(33), a), () => publicKeyFromSeed(a.subarray(1))];
  for (const fn of badSeeds) {
    t.throws(fn, { code: 'bad-private-key' });
  }
});

t.test('WebCrypto, batched, agrees with noble on every case above', async (t) => {
  t.equal(await webCryptoHasEd25519(), true, "Node's WebCrypto has Ed25519, so the WebCrypto path is the one tested");
  t.ok(seen.length > 300, `${seen.length} cases`);
  const results = await webCryptoBatchVerify(seen);
  const disagreements = seen.filter((c, i) => results[i] !== c.noble).map((c) => c.what);
  t.same(disagreements, [], 'no case where WebCrypto and noble differ');
  t.ok(seen.some((c) => c.noble) && seen.some((c) => !c.noble), 'both verdicts occur');
});

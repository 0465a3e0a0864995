/**
 * withBatchVerify (src/domain/bundle/deferred-signatures.ts) answers a
 * check's second pass from one batch. Its answers are found by the
 * signature's first bytes and then compared in full, so questions that share
 * a signature, or only its first bytes, must each get their own answer.
 */
import t from 'tap';
import { nobleSign, publicKeyFromSeed, type SignatureCheck, type VerifyFn } from '../../src/crypto/ed25519.ts';
import { webCryptoBatchVerify } from '../../src/crypto/webcrypto-ed25519.ts';
import { withBatchVerify } from '../../src/domain/bundle/deferred-signatures.ts';

const seedA = new Uint8Array(32).fill(1);
const seedB = new Uint8Array(32).fill(2);
const keyA = publicKeyFromSeed(seedA);
const keyB = publicKeyFromSeed(seedB);
const text = (s: string) => new TextEncoder().encode(s);
const signed = text('an entry');
const signature = nobleSign(seedA, signed);

/** A signature with the same first four bytes as `signature` and the rest changed: never valid. */
const twin = signature.slice();
twin[40] = twin[40]! ^ 0xff;

const questions: Array<[string, SignatureCheck, boolean]> = [
  ['the signed message', { publicKey: keyA, message: signed, signature }, true],
  ['another message, same signature', { publicKey: keyA, message: text('another entry'), signature }, false],
  ['another key, same signature', { publicKey: keyB, message: signed, signature }, false],
  ['same first bytes, another signature', { publicKey: keyA, message: signed, signature: twin }, false],
];

t.test('each question of the second pass gets its own answer from the batch', async (t) => {
  let batched = 0;
  const answers = await withBatchVerify(
    async (checks) => {
      batched += checks.length;
      return webCryptoBatchVerify(checks);
    },
    (verify: VerifyFn, firstPass) => {
      const got = questions.map(([, q]) => verify(q.publicKey, q.message, q.signature));
      return { firstPass, got };
    },
  );
  t.equal(answers.firstPass, false, 'the second pass is the one returned');
  t.equal(batched, questions.length, 'every question went to the one batch');
  questions.forEach(([what, , want], i) => t.equal(answers.got[i], want, what));
});

t.test('a question the first pass did not ask is answered by noble, not guessed', async (t) => {
  const answers = await withBatchVerify(webCryptoBatchVerify, (verify: VerifyFn, firstPass) =>
    firstPass ? [verify(keyA, signed, signature)] : questions.map(([, q]) => verify(q.publicKey, q.message, q.signature)),
  );
  questions.forEach(([what, , want], i) => t.equal(answers[i], want, what));
});

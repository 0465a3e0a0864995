/**
 * A bundle checked against another install's log key: every default install
 * has the origin localhost/gridproof, so the two keys share their name and
 * differ only in their key IDs. The reasons name both keys (name and 4-byte
 * key ID in hex, the start of a verifier key string), so the reader sees at
 * once that the key given is not the key that signed.
 */
import t from 'tap';
import { generateSigner, openNote, openSoleSignedNote, signNote, verifierOf } from '../../src/crypto/note.ts';
import { check, cutBundle, logSigner, ORIGIN, writePark } from '../helpers/bundle-park.ts';

/** `<name>+<hex key ID>`: the first two parts of a verifier key string (C2SP signed-note). */
const handleOf = (vkey: string): string => vkey.split('+').slice(0, 2).join('+');

const ours = verifierOf(logSigner);
const theirs = verifierOf(generateSigner(ORIGIN)); // another install: same origin, another key
const signedByOurs = `signed by ${handleOf(ours.vkey)}; the key given is ${handleOf(theirs.vkey)}`;

t.test('the two keys share their name and differ in their key ID', async (t) => {
  t.equal(theirs.name, ours.name);
  t.not(handleOf(theirs.vkey), handleOf(ours.vkey));
  t.match(handleOf(ours.vkey), /^example\.com\/park\+[0-9a-f]{8}$/);
});

t.test('the checkpoint and entry 0 name the key that signed and the key given', async (t) => {
  const verdict = await check(cutBundle(writePark(), 't1'), theirs.vkey);
  t.equal(verdict.valid, false);
  const checkpoint = verdict.reasons.find((r) => r.code === 'bad-checkpoint');
  t.equal(checkpoint?.detail, `unknown-signer: no signature from a known key: ${signedByOurs}`);
  const zero = verdict.reasons.find((r) => r.code === 'bad-signature' && r.detail.startsWith('entry 0'));
  t.equal(zero?.detail, `entry 0 is not signed by the log key: ${signedByOurs}`);
});

t.test('opening a note signed by another key names both, however many lines it has', async (t) => {
  const witness = generateSigner('witness.example/w');
  const note = signNote('text\n', [logSigner, witness]);
  t.throws(() => openNote(note, [theirs]), {
    code: 'unknown-signer',
    detail: `no signature from a known key: signed by ${handleOf(ours.vkey)}, ${handleOf(verifierOf(witness).vkey)}; the key given is ${handleOf(theirs.vkey)}`,
  });
  const another = verifierOf(generateSigner(ORIGIN));
  t.throws(() => openSoleSignedNote(signNote('text\n', [logSigner]), [theirs, another]), {
    code: 'unknown-signer',
    detail: `not signed by a key that may sign this note: signed by ${handleOf(ours.vkey)}; the keys given are ${handleOf(theirs.vkey)}, ${handleOf(another.vkey)}`,
  });
});

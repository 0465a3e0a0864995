/**
 * C2SP signed notes: keys, names, signing and strict opening. Go-made notes
 * are also opened in checkpoint.test.ts.
 */
import t from 'tap';
import { fromBase64, fromHex, toBase64 } from '../../src/crypto/base64.ts';
import {
  formatPrivateKey,
  formatVerifierKey,
  generateSigner,
  isValidSignerName,
  noteKeyId,
  openNote,
  parseCheckedVerifierKey,
  parsePrivateKey,
  parseVerifierKey,
  signNote,
  signNoteWithBytes,
  VerifierCache,
  verifierOf,
  type Signer,
  type Verifier,
} from '../../src/crypto/note.ts';
import { errorCode as code } from '../helpers/error-code.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';

const TEST1_SEED = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const alice = generateSigner('example.com/alice', fromHex('11'.repeat(32)));
const bob = generateSigner('example.com/bob', fromHex('22'.repeat(32)));

t.test('the C2SP signed-note example opens with its verifier key', async (t) => {
  const vkey = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
  const note =
    'This is an example message.\n\n— example.com/foo ' + 'Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
  const verifier = parseVerifierKey(vkey);
  t.equal(verifier.name, 'example.com/foo');
  t.equal(verifier.keyId, 0x530d903a);
  t.equal(formatVerifierKey(verifier.name, verifier.publicKey), vkey);
  const opened = openNote(note, [verifier]);
  t.equal(opened.text, 'This is an example message.\n');
  t.same(opened.verifiedBy, [verifier]);
  t.same(openNote(note, [verifier], nativeVerify).verifiedBy, [verifier]);
  t.equal(
    code(() => openNote(note.replace('example message', 'Example message'), [verifier])),
    'bad-signature',
  );
});

t.test('key ID, verifier key and private key of RFC 8032 TEST 1', async (t) => {
  const signer = generateSigner('example.org/green-ledger', TEST1_SEED);
  t.equal(signer.keyId, 0x2d46e3c0);
  t.equal(noteKeyId(signer.name, signer.publicKey), 0x2d46e3c0);
  const vkey = 'example.org/green-ledger+2d46e3c0+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea';
  t.equal(verifierOf(signer).vkey, vkey);
  t.same(parseVerifierKey(vkey), verifierOf(signer), 'split at the first two "+" only');
  const text = formatPrivateKey(signer);
  t.equal(text, 'PRIVATE+KEY+example.org/green-ledger+2d46e3c0+AZ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g');
  t.same(parsePrivateKey(text), signer);
});

t.test('key names', async (t) => {
  // Messages name the code points: some of these characters would break a TAP line.
  const show = (name: string) => [...name].map((c) => `U+${c.codePointAt(0)!.toString(16)}`).join(' ');
  const good = ['example.com/log', 'a', 'ä/ü', 'x_y-z:1@2', 'zero\u200bwidth'];
  for (const name of good) t.ok(isValidSignerName(name), show(name));
  const spaces = ['a b', 'a\tb', 'a\nb', 'a\u00a0b', 'a\u2028b', 'a\u3000b', 'a\u0085b'];
  const bad = ['', 'a+b', 'a\u0000b', 'a\u007fb', 'a\ud800', ...spaces];
  for (const name of bad) t.notOk(isValidSignerName(name), show(name));
  t.equal(
    code(() => generateSigner('a b')),
    'bad-signer-name',
  );
  t.equal(
    code(() => formatVerifierKey('a+b', alice.publicKey)),
    'bad-signer-name',
  );
  t.equal(
    code(() => generateSigner('ok', new Uint8Array(31))),
    'bad-private-key',
  );
});

t.test('verifier keys are parsed strictly', async (t) => {
  const good = verifierOf(alice).vkey;
  t.same(parseVerifierKey(good), verifierOf(alice));
  const [name, id, b64] = good.split('+') as [string, string, string];
  const raw = Uint8Array.from([1, ...alice.publicKey]);
  const identity = Uint8Array.from([1, 1, ...new Uint8Array(31)]);
  const identityId = noteKeyId('x', identity.subarray(1)).toString(16).padStart(8, '0');
  const bad = [
    '',
    name,
    `${name}+${id}`,
    `${name}+${id.toUpperCase()}+${b64}`,
    `${name}+${id.slice(1)}+${b64}`,
    `${name}+0${id}+${b64}`,
    `${name}+${'0'.repeat(8)}+${b64}`, // wrong key ID
    `other+${id}+${b64}`, // the ID belongs to another name
    `${name}+${id}+${b64.slice(0, -1)}`, // not strict base64
    `${name}+${id}+${toBase64(Uint8Array.from([2, ...alice.publicKey]))}`, // algorithm byte
    `${name}+${id}+${toBase64(raw.subarray(0, 32))}`, // short key
    `${name}+${id}+${toBase64(Uint8Array.from([...raw, 0]))}`, // long key
    `a b+${id}+${b64}`,
    `x+${identityId}+${toBase64(identity)}`, // the identity point: signatures could never verify
  ];
  for (const vkey of bad)
    t.equal(
      code(() => parseVerifierKey(vkey)),
      'bad-verifier-key',
      vkey,
    );
  // A key the log holds passed parseVerifierKey before it was logged: its
  // reparse checks everything but the point, so only the identity point
  // (the last case) gets through it.
  t.same(parseCheckedVerifierKey(good), verifierOf(alice));
  for (const vkey of bad.slice(0, -1))
    t.equal(
      code(() => parseCheckedVerifierKey(vkey)),
      'bad-verifier-key',
      `logged: ${vkey}`,
    );
  t.same(parseCheckedVerifierKey(bad.at(-1)!).publicKey, identity.subarray(1), 'the point is not checked again');
});

t.test('VerifierCache parses a key once while it is held, and holds at most its limit, least recently used out', async (t) => {
  const keys = ['a', 'b', 'c'].map((name) => verifierOf(generateSigner(`example.com/${name}`, fromHex(name.charCodeAt(0).toString(16).repeat(32)))).vkey);
  const [a, b, c] = keys as [string, string, string];
  const parsed: string[] = [];
  const cache = new VerifierCache({
    limit: 2,
    parse: (vkey): Verifier => {
      parsed.push(vkey);
      return parseVerifierKey(vkey);
    },
  });
  t.same(cache.get(a), parseVerifierKey(a));
  cache.get(b);
  cache.get(a); // a is now the most recently used
  t.same(parsed, [a, b], 'a hit is not parsed again');
  cache.get(c); // evicts b, the least recently used
  t.equal(cache.size, 2, 'never more than the limit');
  cache.get(a);
  t.same(parsed, [a, b, c], 'a stayed');
  cache.get(b);
  t.same(parsed, [a, b, c, b], 'b was evicted and is parsed again');
  t.equal(cache.size, 2);
  t.equal(
    code(() => new VerifierCache().get('nonsense')),
    'bad-verifier-key',
    'strict parsing by default',
  );
  t.equal(new VerifierCache().size, 0);
  for (const limit of [0, -1, Number.NaN]) t.throws(() => new VerifierCache({ limit }), RangeError, `limit ${limit} refused`);
});

t.test('private keys are parsed strictly', async (t) => {
  const good = formatPrivateKey(alice);
  t.same(parsePrivateKey(good), alice);
  const tail = good.slice('PRIVATE+KEY+'.length);
  const bad = [
    tail,
    `PRIVATE+KEYS+${tail}`,
    `private+key+${tail}`,
    good.replace(/\+[0-9a-f]{8}\+/, '+00000000+'),
    good.slice(0, -2),
    good.replace(/\+[^+]*$/, `+${toBase64(Uint8Array.from([2, ...alice.seed]))}`), // algorithm byte
  ];
  for (const text of bad)
    t.equal(
      code(() => parsePrivateKey(text)),
      'bad-private-key',
    );
});

t.test('sign and open', async (t) => {
  const text = 'gridproof/entry/v1\n{"kind":"reading"}\n';
  const note = signNote(text, [alice, bob]);
  const lines = note.split('\n');
  t.equal(lines[2], '');
  t.match(lines[3], /^— example\.com\/alice [A-Za-z0-9+/]{91}=$/);
  t.equal(signNote(text, [alice, bob], nativeSign), note, 'native signing gives the same bytes');
  const [va, vb] = [verifierOf(alice), verifierOf(bob)];
  t.same(openNote(note, [va, vb]), { text, verifiedBy: [va, vb] });
  t.same(openNote(note, [vb]).verifiedBy, [vb], 'an unknown signature is ignored');
  t.same(openNote(note, [vb], nativeVerify).verifiedBy, [vb]);
  const carol = verifierOf(generateSigner('example.com/carol', fromHex('33'.repeat(32))));
  t.equal(
    code(() => openNote(note, [carol])),
    'unknown-signer',
  );
  // Same name, other key (so another ID); same ID, other name: both unknown keys.
  const aliceNewKey = verifierOf(generateSigner('example.com/alice', fromHex('44'.repeat(32))));
  t.equal(
    code(() => openNote(note, [aliceNewKey])),
    'unknown-signer',
  );
  t.equal(
    code(() => openNote(note, [{ ...va, name: 'example.com/mallory' }])),
    'unknown-signer',
  );
  // A known key whose signature fails rejects the note.
  const forged = signNote(text, [{ ...bob, name: alice.name, keyId: alice.keyId }]);
  t.equal(
    code(() => openNote(forged, [va])),
    'bad-signature',
  );
  // Bob's signature bytes under Alice's name and key ID.
  const bobSignature = fromBase64(lines[4]!.split(' ')[2]!).subarray(4);
  const swapped = toBase64(Uint8Array.from([...fromBase64(lines[3]!.split(' ')[2]!).subarray(0, 4), ...bobSignature]));
  t.equal(
    code(() => openNote(`${text}\n— ${alice.name} ${swapped}\n`, [va])),
    'bad-signature',
  );
  t.same(openNote(`${note}${lines[3]}\n`, [va]).verifiedBy, [va], 'a repeated signature counts once');
  t.equal(
    code(() => openNote(note.replace('reading', 'readinG'), [va, vb])),
    'bad-signature',
  );
});

t.test('signNoteWithBytes gives the note and exactly its UTF-8 bytes', async (t) => {
  for (const text of ['a\n', 'gridproof/entry/v1\n{"zone":"DE-LU","é":"😀"}\n', '\n']) {
    const { note, bytes } = signNoteWithBytes(text, [alice, bob], nativeSign);
    t.equal(note, signNote(text, [alice, bob]), JSON.stringify(text));
    t.same(bytes, new TextEncoder().encode(note), JSON.stringify(text));
  }
  t.equal(
    code(() => signNoteWithBytes('a\udc00b\n', [alice])),
    'bad-note',
    'a lone low surrogate',
  );
  t.equal(
    code(() => signNoteWithBytes('a\u001fb\n', [alice])),
    'bad-note',
    'a control character',
  );
});

t.test('texts with empty lines', async (t) => {
  for (const text of ['\n', 'a\n\nb\n', 'a\n\n', 'a\n\n\n', '— a b\n']) {
    t.equal(openNote(signNote(text, [alice]), [verifierOf(alice)]).text, text, JSON.stringify(text));
  }
});

t.test('signNote refuses what a note cannot carry', async (t) => {
  t.equal(
    code(() => signNote('no newline', [alice])),
    'bad-note',
  );
  t.equal(
    code(() => signNote('', [alice])),
    'bad-note',
  );
  t.equal(
    code(() => signNote('a\r\n', [alice])),
    'bad-note',
  );
  t.equal(
    code(() => signNote('a\tb\n', [alice])),
    'bad-note',
  );
  t.equal(
    code(() => signNote('\ud800\n', [alice])),
    'bad-note',
  );
  t.equal(
    code(() => signNote('a\n', [])),
    'bad-note',
  );
  const unnamed: Signer = { ...alice, name: 'a b' };
  t.equal(
    code(() => signNote('a\n', [unnamed])),
    'bad-signer-name',
  );
});

t.test('malformed notes', async (t) => {
  const va = verifierOf(alice);
  const note = signNote('text\n', [alice]);
  const sig = note.split(' ')[2]!.trim();
  const unknown = (i: number) => `— unknown.example/${i} ${toBase64(Uint8Array.from([0, 0, 0, i % 256, 1]))}\n`;
  const malformed = [
    'text\n',
    'text\n\n',
    note.slice(0, -1), // no final newline
    note.replace('\n\n', '\n'), // no blank line
    note.replace('— ', '-- '),
    note.replace('— ', '—'),
    note.replace('— ', '— \u00a0'),
    note.replace(` ${sig}`, sig),
    note.replace(sig, `${sig} `),
    note.replace(sig, sig.slice(0, -1)), // not strict base64
    note.replace(sig, 'AAAAAA=='), // four bytes: a key ID and no signature
    note.replace('text', 'te\rxt'),
    note.replace('text', 'te\u0000xt'),
    `${note}\n`,
    `${note}— ${alice.name}\n`,
    `${note}${Array.from({ length: 100 }, (_, i) => unknown(i)).join('')}`, // 101 signatures
  ];
  for (const text of malformed)
    t.equal(
      code(() => openNote(text, [va])),
      'bad-note',
      JSON.stringify(text),
    );
  const hundred = `${note}${Array.from({ length: 99 }, (_, i) => unknown(i)).join('')}`;
  t.same(openNote(hundred, [va]).verifiedBy, [va], '100 signatures are accepted');
});

/**
 * C2SP checkpoints: the golden checkpoint of the project's README facts,
 * strict parsing and the origin rules. Go-made vectors are in
 * checkpoint-vectors.test.ts.
 */
import t from 'tap';
import { fromHex, toBase64 } from '../../src/crypto/base64.ts';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint, type Checkpoint } from '../../src/crypto/checkpoint.ts';
import { EMPTY_ROOT, hashLeaf, rootFromLeafHashes } from '../../src/crypto/merkle.ts';
import { generateSigner, parseVerifierKey, signNote, verifierOf } from '../../src/crypto/note.ts';
import { errorCode as code } from '../helpers/error-code.ts';

t.test('the golden checkpoint of RFC 8032 TEST 1, byte for byte', async (t) => {
  const signer = generateSigner('example.org/green-ledger', fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
  const vkey = 'example.org/green-ledger+2d46e3c0+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea';
  const note =
    'example.org/green-ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n' +
    '— example.org/green-ledger LUbjwPZKbKVRRqFazLVRCty1Fsh9UXbmyMtWpyC6BPi1Afzrh2hPucLKAOftj8nmuJ1OUSUQ' +
    'ApLa/Orpum8n1jMlogI=\n';
  t.equal(verifierOf(signer).vkey, vkey);
  // The RFC 6962 reference tree of 8 leaves.
  const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
  const root = rootFromLeafHashes(leaves.map((hex) => hashLeaf(fromHex(hex))));
  t.equal(toBase64(root), 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=');
  const cp: Checkpoint = { origin: 'example.org/green-ledger', size: 8, root, extensions: [] };
  t.equal(signCheckpoint(cp, signer), note);
  t.same(openCheckpoint(note, parseVerifierKey(vkey), 'example.org/green-ledger'), cp);
});

t.test('checkpoint texts are parsed strictly', async (t) => {
  const root = toBase64(EMPTY_ROOT);
  t.same(parseCheckpoint(`o\n0\n${root}\n`), { origin: 'o', size: 0, root: EMPTY_ROOT, extensions: [] });
  t.same(parseCheckpoint(`o\n9007199254740991\n${root}\nx\ny z\n`).extensions, ['x', 'y z']);
  const bad = [
    `o\n0\n${root}`, // no final newline
    `o\n0\n`,
    `o\n0\n\n`,
    `\n0\n${root}\n`, // empty origin
    `o\n00\n${root}\n`,
    `o\n01\n${root}\n`,
    `o\n-1\n${root}\n`,
    `o\n+1\n${root}\n`,
    `o\n1.0\n${root}\n`,
    `o\n1e3\n${root}\n`,
    `o\n 1\n${root}\n`,
    `o\n9007199254740992\n${root}\n`, // beyond 2^53 - 1
    `o\n1\n${root.slice(0, -1)}\n`,
    `o\n1\n${toBase64(EMPTY_ROOT.subarray(1))}\n`,
    `o\n1\n${root.replace('=', 'A')}\n`,
    `o\n1\n${root}\n\n`, // empty extension line
    `o\n1\n${root}\next\n\n`,
  ];
  for (const text of bad)
    t.equal(
      code(() => parseCheckpoint(text)),
      'bad-checkpoint',
      JSON.stringify(text),
    );
  const cp: Checkpoint = { origin: 'o', size: 1, root: EMPTY_ROOT, extensions: [] };
  for (const wrong of [
    { ...cp, origin: '' },
    { ...cp, origin: 'a\nb' },
    { ...cp, size: -1 },
    { ...cp, size: 1.5 },
    { ...cp, size: 2 ** 53 },
    { ...cp, root: EMPTY_ROOT.subarray(1) },
    { ...cp, extensions: [''] },
    { ...cp, extensions: ['a\nb'] },
  ]) {
    t.equal(
      code(() => formatCheckpoint(wrong)),
      'bad-checkpoint',
    );
  }
});

t.test('openCheckpoint: origin and key name', async (t) => {
  const log = generateSigner('example.com/log', fromHex('55'.repeat(32)));
  const cp: Checkpoint = { origin: 'example.com/log', size: 3, root: EMPTY_ROOT, extensions: [] };
  const note = signCheckpoint(cp, log);
  t.same(openCheckpoint(note, verifierOf(log), 'example.com/log'), cp);
  t.equal(
    code(() => openCheckpoint(note, verifierOf(log), 'example.com/other')),
    'bad-checkpoint',
  );
  // A note that verifies but is signed under another name than its origin.
  const other = generateSigner('example.com/other', fromHex('55'.repeat(32)));
  const misnamed = signNote(formatCheckpoint(cp), [other]);
  t.equal(
    code(() => openCheckpoint(misnamed, verifierOf(other), 'example.com/log')),
    'bad-checkpoint',
  );
  t.equal(
    code(() => signCheckpoint(cp, other)),
    'bad-checkpoint',
  );
  const notACheckpoint = signNote('example.com/log\nthree\n', [log]);
  t.equal(
    code(() => openCheckpoint(notACheckpoint, verifierOf(log), 'example.com/log')),
    'bad-checkpoint',
  );
  t.equal(
    code(() => openCheckpoint(note, verifierOf(other), 'example.com/log')),
    'unknown-signer',
  );
});

import fc from 'fast-check';
import t from 'tap';
import { fromBase64, fromBase64Url, fromHex, fromUtf8, hashFromBase64, hashFromQuery, toBase64, toBase64Url, toHex, utf8 } from '../../src/crypto/base64.ts';
import { errorCode as codeOf } from '../helpers/error-code.ts';

t.test('RFC 4648 §10 test vectors', async (t) => {
  const vectors: Array<[string, string]> = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  for (const [plain, encoded] of vectors) {
    t.equal(toBase64(utf8(plain)), encoded);
    t.equal(fromUtf8(fromBase64(encoded)), plain);
  }
});

t.test('both alphabets round-trip every byte string and agree with Node', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      const std = toBase64(bytes);
      const url = toBase64Url(bytes);
      return (
        std === Buffer.from(bytes).toString('base64') &&
        url === Buffer.from(bytes).toString('base64url') &&
        Buffer.from(fromBase64(std)).equals(Buffer.from(bytes)) &&
        Buffer.from(fromBase64Url(url)).equals(Buffer.from(bytes)) &&
        toHex(bytes) === Buffer.from(bytes).toString('hex') &&
        Buffer.from(fromHex(toHex(bytes))).equals(Buffer.from(bytes))
      );
    }),
  );
  t.pass('round trips hold');
});

t.test('the strict decoder rejects every other spelling', async (t) => {
  t.same(fromBase64('AA=='), Uint8Array.of(0));
  // Node accepts all of these; each decodes to bytes that re-encode differently.
  const rejected = [
    'AB==', // non-zero padding bits
    'AAB=', // non-zero padding bits
    'AA', // missing padding
    'AAA', // missing padding
    'AA=', // short padding
    'AA===', // extra padding
    'A===', // impossible length
    'AAAAA', // impossible length
    ' AA==', // whitespace
    'AA==\n', // whitespace
    'AA AA===',
    'A-8=', // base64url alphabet
    'A_8=',
    'AA==AA==', // padding in the middle
    '=AAA',
    'AAé=',
  ];
  for (const text of rejected)
    t.equal(
      codeOf(() => fromBase64(text)),
      'bad-base64',
      JSON.stringify(text),
    );
});

t.test('the decoders accept exactly the texts that re-encoding gives back', async (t) => {
  // The reference is the rule itself: decode leniently, re-encode, compare.
  const std = (text: string): string | null => {
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
    const bytes = Buffer.from(text, 'base64');
    return bytes.toString('base64') === text ? bytes.toString('hex') : null;
  };
  const url = (text: string): string | null => {
    const body = text.replace(/={1,2}$/, '');
    if (!/^[A-Za-z0-9_-]*$/.test(body) || (body !== text && text.length % 4 !== 0)) return null;
    const bytes = Buffer.from(body, 'base64url');
    return bytes.toString('base64url') === body ? bytes.toString('hex') : null;
  };
  const attempt = (decode: (text: string) => Uint8Array, text: string): string | null => {
    const code = codeOf(() => decode(text));
    if (code !== undefined) return code === 'bad-base64' ? null : `unexpected ${code}`;
    return Buffer.from(decode(text)).toString('hex');
  };
  // Short texts over a small alphabet with '=' and stray characters reach every
  // padding length, non-zero padding bits and misplaced padding.
  const text = fc.string({ unit: fc.constantFrom('A', 'B', 'Q', 'g', '/', '+', '-', '_', '=', ' ', 'é'), maxLength: 10 });
  fc.assert(
    fc.property(text, (s) => attempt(fromBase64, s) === std(s) && attempt(fromBase64Url, s) === url(s)),
    { numRuns: 20_000 },
  );
  t.pass('the decoders agree with the re-encoding rule');
});

t.test('base64url: padding optional but exact, alphabet strict', async (t) => {
  t.same(fromBase64Url('_-8'), Uint8Array.of(0xff, 0xef));
  t.same(fromBase64Url('_-8='), Uint8Array.of(0xff, 0xef));
  t.same(fromBase64Url('AA'), Uint8Array.of(0));
  t.same(fromBase64Url('AA=='), Uint8Array.of(0));
  for (const text of ['AB', '_-9', 'AA=', 'AA===', '/+8', 'A', 'AA AA', '==', '_-8==']) {
    t.equal(
      codeOf(() => fromBase64Url(text)),
      'bad-base64',
      JSON.stringify(text),
    );
  }
});

t.test('hashes: exactly 32 bytes', async (t) => {
  const hash = Uint8Array.from({ length: 32 }, (_, i) => 250 + (i % 6));
  const std = toBase64(hash);
  t.match(std, /[+/]/, 'this hash needs the alphabet-specific characters');
  t.same(hashFromBase64(std), hash);
  t.equal(
    codeOf(() => hashFromBase64(toBase64(hash.subarray(1)))),
    'bad-hash',
  );
  t.equal(
    codeOf(() => hashFromBase64(std.replace('=', ''))),
    'bad-hash',
  );
  t.equal(
    codeOf(() => hashFromBase64(toBase64Url(hash))),
    'bad-hash',
  );

  t.same(hashFromQuery(std), hash, 'standard base64, percent-decoded by the router');
  t.same(hashFromQuery(toBase64Url(hash)), hash, 'base64url without padding');
  t.same(hashFromQuery(`${toBase64Url(hash)}=`), hash, 'base64url with padding');
  t.equal(
    codeOf(() => hashFromQuery(std.replace('+', ' '))),
    'bad-hash',
    'a "+" decoded to a space',
  );
  t.equal(
    codeOf(() => hashFromQuery(toBase64Url(hash.subarray(1)))),
    'bad-hash',
  );
  t.equal(
    codeOf(() => hashFromQuery('x'.repeat(43))),
    'bad-hash',
  );
});

t.test('hex: lowercase, even length', async (t) => {
  t.same(fromHex('00ff10'), Uint8Array.of(0, 255, 16));
  for (const text of ['0', '0g', 'FF', '0x00', ' 00'])
    t.equal(
      codeOf(() => fromHex(text)),
      'bad-hex',
      text,
    );
});

t.test('UTF-8: fatal decoder, no lone surrogates, the BOM is kept', async (t) => {
  t.equal(fromUtf8(utf8('— é 😀')), '— é 😀');
  t.equal(
    codeOf(() => fromUtf8(Uint8Array.of(0xff))),
    'bad-utf8',
  );
  t.equal(
    codeOf(() => fromUtf8(Uint8Array.of(0xc0, 0x80))),
    'bad-utf8',
    'overlong NUL',
  );
  t.equal(
    codeOf(() => fromUtf8(Uint8Array.of(0xed, 0xa0, 0x80))),
    'bad-utf8',
    'encoded surrogate',
  );
  t.equal(
    codeOf(() => utf8('a\ud800b')),
    'bad-utf8',
  );
  const bom = Uint8Array.of(0xef, 0xbb, 0xbf, 0x61);
  t.same(utf8(fromUtf8(bom)), bom);
});

t.test('UTF-8 encoding: the bytes TextEncoder gives, each result its own copy, at every length', async (t) => {
  const reference = new TextEncoder();
  const texts = ['', 'a', '— é 😀', 'x'.repeat(4096), '€'.repeat(5000), `${'a'.repeat(65_536)}é`, 'b'.repeat(200_000), '😀'.repeat(40_000)];
  for (const text of texts) t.same(utf8(text), reference.encode(text), `${text.length} UTF-16 units`);
  const first = utf8('first entry');
  const second = utf8('second');
  t.equal(fromUtf8(first), 'first entry', 'a later encoding does not overwrite an earlier result');
  t.equal(fromUtf8(second), 'second');
  t.not(first.buffer, second.buffer);
});

import assert from 'node:assert/strict';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import t from 'tap';
import { canonicalJson, isCanonicalJson } from '../../src/crypto/canonical-json.ts';
import { errorCode as codeOf } from '../helpers/error-code.ts';

t.test('RFC 8785 §3.2.3: members sorted by UTF-16 code units, recursively', async (t) => {
  // The sorting example of RFC 8785 §3.2.3: "\r" < "1" < "\u0080" < "ö" < "€" < "😀" < "\ufb33".
  const value = {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  };
  const values = [...canonicalJson(value).matchAll(/"[^"]*":"([^"]*)"/g)].map((m) => m[1]);
  t.same(values, [
    'Carriage Return',
    'One',
    'Control',
    'Latin Small Letter O With Diaeresis',
    'Euro Sign',
    'Emoji: Grinning Face',
    'Hebrew Letter Dalet With Dagesh',
  ]);
  t.equal(canonicalJson({ b: [3, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[3,{"c":2,"d":1}]}');
  // Names a copied object cannot hold in sorted order: integer-like ones and __proto__.
  t.equal(canonicalJson({ b: 1, 10: 2, 9: 3, a: { 2: 0, '1x': 1 } }), '{"10":2,"9":3,"a":{"1x":1,"2":0},"b":1}');
  t.equal(canonicalJson(JSON.parse('{"z":1,"__proto__":{"b":1,"a":2}}')), '{"__proto__":{"a":2,"b":1},"z":1}');
});

t.test('RFC 8785 §3.2.2: no whitespace, ECMAScript numbers and string escapes', async (t) => {
  t.equal(
    canonicalJson({ numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000001, -0, 1e21] }),
    '{"numbers":[333333333.3333333,1e+30,4.5,0.002,0.000001,0,1e+21]}',
  );
  t.equal(canonicalJson({ string: '\u20ac$\u000f\u000aA\'\u0042\u0022\u005c\\"/' }), '{"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  t.equal(canonicalJson({ literals: [null, true, false] }), '{"literals":[null,true,false]}');
});

t.test('what JSON cannot hold is refused', async (t) => {
  for (const value of [Number.NaN, Number.POSITIVE_INFINITY, 'a\ud800', undefined, 10n, () => 1]) {
    t.equal(
      codeOf(() => canonicalJson(value)),
      'non-canonical-json',
      String(typeof value),
    );
  }
  // Lone surrogates in member names, in the ordered and the copying path alike.
  for (const value of [{ 'a\udc00': 1 }, { b: 1, 'a\ud800': 2 }, [{ x: ['\udfff'] }]]) {
    t.equal(
      codeOf(() => canonicalJson(value)),
      'non-canonical-json',
      JSON.stringify(Object.keys(value)),
    );
  }
});

t.test('isCanonicalJson', async (t) => {
  t.ok(isCanonicalJson('{"a":1,"b":[true,"x"]}'));
  t.ok(isCanonicalJson('"\u20ac"'));
  const rejected = [
    '{"b":1,"a":2}', // reordered members
    '{"a": 1}', // whitespace
    '{"a":1}\n', // trailing newline
    '{"a":1,"a":1}', // duplicate member: JSON.parse keeps one
    '{"a":1.0}', // non-shortest number
    '{"a":1E3}',
    '{"a":12345678901234567890}', // not an IEEE 754 double exactly
    '{"a":"\\u0041"}', // unnecessary escape
    '{"a":"\\ud800"}', // lone surrogate
    '{"a":',
    '',
  ];
  for (const text of rejected) t.notOk(isCanonicalJson(text), text);
});

t.test('agrees with an independent RFC 8785 implementation (the canonicalize package) on random JSON', async (t) => {
  let compared = 0;
  // The same value with every object's members inserted in sorted order: the path that serializes without a copy.
  const inOrder = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(inOrder)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((key) => [key, inOrder((value as Record<string, unknown>)[key])]),
          )
        : value;
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      compared++;
      assert.equal(canonicalJson(value), canonicalize(value));
      assert.equal(canonicalJson(inOrder(value)), canonicalize(value));
    }),
    { numRuns: 3000 },
  );
  // Unicode keys and strings, integer-like keys (which JS objects enumerate first), nested arrays.
  fc.assert(
    fc.property(fc.dictionary(fc.oneof(fc.string({ unit: 'binary' }), fc.nat().map(String)), fc.jsonValue(), { maxKeys: 8 }), (value) => {
      compared++;
      const expected = (() => {
        try {
          return canonicalize(value);
        } catch {
          return 'refused';
        }
      })();
      const actual = (() => {
        try {
          return canonicalJson(value);
        } catch {
          return 'refused';
        }
      })();
      assert.equal(actual, expected);
    }),
    { numRuns: 3000 },
  );
  t.equal(compared, 6000);
});

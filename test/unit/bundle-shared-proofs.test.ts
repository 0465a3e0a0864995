/**
 * A bundle's inclusion proofs repeat their upper nodes, so the verifier
 * decodes each proof spelling once and hashes each node pair once
 * (src/domain/bundle/open-entries.ts, src/crypto/merkle.ts NodeHashCache).
 * These tests hold the shared work to per-entry verdicts: a node that is
 * wrong or misspelled in one entry's proof fails that entry alone, however
 * many other entries carry the right one.
 */
import t from 'tap';
import { toBase64 } from '../../src/crypto/base64.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { check, copy, cutBundle, writePark } from '../helpers/bundle-park.ts';

const park = writePark();
const reference = cutBundle(park, 't1');

/** The proof spelling carried by the most entries, and those entries. */
function mostSharedHash(): { hash: string; holders: number[] } {
  const holders = new Map<string, number[]>();
  for (const entry of reference.entries) for (const hash of entry.proof) holders.set(hash, [...(holders.get(hash) ?? []), entry.index]);
  const [hash, indexes] = [...holders].sort((a, b) => b[1].length - a[1].length)[0]!;
  return { hash, holders: indexes };
}

t.test('the reference bundle repeats proof hashes, so the caches are exercised', async (t) => {
  const all = reference.entries.flatMap((e) => e.proof);
  t.ok(new Set(all).size < all.length / 2, `${all.length} proof hashes, ${new Set(all).size} distinct`);
  t.ok(mostSharedHash().holders.length >= 10, 'one node is in ten or more proofs');
  t.same((await check(reference)).reasons, []);
});

t.test("a shared node replaced in one entry's proof fails that entry alone", async (t) => {
  const { hash, holders } = mostSharedHash();
  for (const victim of [holders[0]!, holders[holders.length - 1]!]) {
    const bundle = copy(reference);
    const entry = bundle.entries.find((e) => e.index === victim)!;
    entry.proof = entry.proof.map((h) => (h === hash ? toBase64(sha256(new TextEncoder().encode(`not ${hash}`))) : h));
    const { valid, reasons } = await check(bundle);
    t.equal(valid, false);
    t.same(
      reasons.filter((r) => r.code === 'bad-inclusion').map((r) => r.detail.slice(0, `entry ${victim}:`.length)),
      [`entry ${victim}:`],
      `only entry ${victim} fails inclusion, though ${holders.length - 1} others carry the right node`,
    );
  }
});

t.test('a non-canonical spelling of a shared node is refused, and leaves nothing behind for the next bundle', async (t) => {
  const { hash, holders } = mostSharedHash();
  // The last symbol before '=' holds two padding bits that must be zero (RFC 4648 §3.5); setting one keeps the bytes.
  const symbols = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const misspelled = `${hash.slice(0, 42)}${symbols[symbols.indexOf(hash[42]!) | 1]}=`;
  t.not(misspelled, hash);
  const bundle = copy(reference);
  const position = bundle.entries.findIndex((e) => e.index === holders[1]);
  bundle.entries[position]!.proof = bundle.entries[position]!.proof.map((h) => (h === hash ? misspelled : h));
  const { reasons } = await check(bundle);
  t.same(
    reasons.map((r) => r.code),
    ['bad-schema'],
  );
  t.match(reasons[0]!.detail, `/entries/${position}/proof/`, 'the reason names the entry and the proof');
  t.same((await check(reference)).reasons, [], 'the untouched bundle still verifies afterwards');
});

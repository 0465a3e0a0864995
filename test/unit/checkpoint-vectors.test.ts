/**
 * C2SP checkpoints against the vectors made with Go's sumdb/note and
 * sumdb/tlog (test/fixtures/PROVENANCE.md): signatures reproduced byte for
 * byte, notes opened, invalid notes and proofs rejected, and our proofs from
 * the stored-subtree model equal to Go's. Checkpoint rules beyond the vectors
 * are in checkpoint.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { fromBase64, toBase64 } from '../../src/crypto/base64.ts';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from '../../src/crypto/checkpoint.ts';
import {
  appendLeaves,
  consistencyProof,
  frontier,
  hashLeaf,
  inclusionProof,
  rootFromFrontier,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from '../../src/crypto/merkle.ts';
import { formatPrivateKey, openNote, parsePrivateKey, parseVerifierKey, verifierOf } from '../../src/crypto/note.ts';
import { errorCode as code } from '../helpers/error-code.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';

interface InclusionCase {
  description?: string;
  tree_size: number;
  root_hash: string;
  leaf_index: number;
  leaf_hash: string;
  leaf_data_b64: string;
  proof: string[];
}
interface ConsistencyCase {
  description?: string;
  old_size: number;
  old_root: string;
  new_size: number;
  new_root: string;
  proof: string[];
  old_checkpoint_note?: string;
}
interface VectorFile {
  origin: string;
  verifier_key: string;
  signer_key_TEST_ONLY: string;
  public_key_b64: string;
  key_id_hex: string;
  cosigner_verifier_keys?: string[];
  tree_size: number;
  root_hash: string;
  checkpoint_text: string;
  checkpoint_note: string;
  leaves: Array<{ index: number; data_b64: string; leaf_hash: string }>;
  inclusion_proofs: InclusionCase[];
  consistency_proofs: ConsistencyCase[];
  invalid_notes: Array<{ description: string; note: string; verifier_key: string }>;
  invalid_inclusion_proofs: InclusionCase[];
  invalid_consistency_proofs: ConsistencyCase[];
}

const dir = new URL('../fixtures/c2sp-checkpoints/', import.meta.url);
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => [name, JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as VectorFile] as const);

const b64 = (hashes: Uint8Array[]) => hashes.map(toBase64);

/** What each kind of invalid note must be rejected with. */
function expectedCode(description: string): string {
  if (description.startsWith('verified with a different key')) return 'unknown-signer';
  return 'bad-signature';
}

t.test('the vector files are all here', async (t) => {
  t.same(
    files.map(([name]) => name),
    ['ct-reference-8-old-3.json', 'tree-0-empty.json', 'tree-1.json', 'tree-37-old-13-cosigned.json', 'tree-5-old-2-extension-line.json', 'tree-7-old-4.json'],
  );
});

for (const [name, v] of files) {
  t.test(name, async (t) => {
    const signer = parsePrivateKey(v.signer_key_TEST_ONLY);
    const verifier = parseVerifierKey(v.verifier_key);
    t.equal(formatPrivateKey(signer), v.signer_key_TEST_ONLY, 'private key round trip');
    t.equal(verifierOf(signer).vkey, v.verifier_key, 'the signer matches the verifier key');
    t.equal(verifier.keyId.toString(16).padStart(8, '0'), v.key_id_hex);
    t.equal(toBase64(verifier.publicKey), v.public_key_b64);

    const cp = parseCheckpoint(v.checkpoint_text);
    t.same([cp.origin, cp.size, toBase64(cp.root)], [v.origin, v.tree_size, v.root_hash]);
    t.equal(formatCheckpoint(cp), v.checkpoint_text, 'checkpoint text round trip');

    // Our signature line is Go's, byte for byte; tree-37 adds a witness cosignature after it.
    const signed = signCheckpoint(cp, signer);
    t.ok(v.checkpoint_note.startsWith(signed), 'signature reproduced');
    t.equal(signCheckpoint(cp, signer, nativeSign), signed, 'native signature reproduced');
    if (v.cosigner_verifier_keys === undefined) t.equal(v.checkpoint_note, signed);

    const opened = openCheckpoint(v.checkpoint_note, verifier, v.origin);
    t.same(opened, cp, 'openCheckpoint accepts the note');
    t.same(openCheckpoint(v.checkpoint_note, verifier, v.origin, nativeVerify), cp);
    for (const vkey of v.cosigner_verifier_keys ?? []) {
      const witness = parseVerifierKey(vkey);
      const { verifiedBy } = openNote(v.checkpoint_note, [verifier, witness]);
      t.same(verifiedBy, [verifier, witness], 'the Go cosignature verifies too');
    }

    for (const bad of v.invalid_notes) {
      const run = () => openCheckpoint(bad.note, parseVerifierKey(bad.verifier_key), v.origin);
      t.equal(code(run), expectedCode(bad.description), bad.description);
    }

    const leafHashes = v.leaves.map((leaf) => {
      t.equal(toBase64(hashLeaf(fromBase64(leaf.data_b64))), leaf.leaf_hash, `leaf ${leaf.index}`);
      return fromBase64(leaf.leaf_hash);
    });
    t.equal(toBase64(rootFromLeafHashes(leafHashes)), v.root_hash, 'leaves hash to the root');

    // The stored-subtree model gives Go's proofs, element for element.
    const store = new Map<string, Uint8Array>();
    const key = (id: NodeId) => `${id.level}/${id.index}`;
    const get = (id: NodeId) => store.get(key(id))!;
    for (const node of appendLeaves(0, leafHashes, get)) store.set(key(node), node.hash);
    t.equal(toBase64(rootFromFrontier(v.tree_size, get)), v.root_hash);
    t.equal(frontier(v.tree_size).length, v.tree_size.toString(2).replace(/0/g, '').length);

    for (const p of v.inclusion_proofs) {
      t.equal(toBase64(hashLeaf(fromBase64(p.leaf_data_b64))), p.leaf_hash);
      const [leaf, proof, root] = [fromBase64(p.leaf_hash), p.proof.map(fromBase64), fromBase64(p.root_hash)];
      verifyInclusion(p.leaf_index, p.tree_size, leaf, proof, root);
      t.same(b64(inclusionProof(p.leaf_index, p.tree_size, get)), p.proof, `inclusion ${p.leaf_index}/${p.tree_size}`);
    }
    for (const p of v.consistency_proofs) {
      const [proof, oldRoot, newRoot] = [p.proof.map(fromBase64), fromBase64(p.old_root), fromBase64(p.new_root)];
      verifyConsistency(p.old_size, p.new_size, proof, oldRoot, newRoot);
      t.same(b64(consistencyProof(p.old_size, p.new_size, get)), p.proof, `consistency ${p.old_size} -> ${p.new_size}`);
      if (p.old_checkpoint_note !== undefined) {
        const old = openCheckpoint(p.old_checkpoint_note, verifier, v.origin);
        t.same([old.size, toBase64(old.root)], [p.old_size, p.old_root], 'the old checkpoint opens');
      }
    }
    for (const p of v.invalid_inclusion_proofs) {
      const [leaf, proof, root] = [fromBase64(p.leaf_hash), p.proof.map(fromBase64), fromBase64(p.root_hash)];
      const run = () => verifyInclusion(p.leaf_index, p.tree_size, leaf, proof, root);
      t.equal(code(run), 'bad-proof', p.description ?? 'invalid proof');
    }
    for (const p of v.invalid_consistency_proofs) {
      const [proof, oldRoot, newRoot] = [p.proof.map(fromBase64), fromBase64(p.old_root), fromBase64(p.new_root)];
      const run = () => verifyConsistency(p.old_size, p.new_size, proof, oldRoot, newRoot);
      t.equal(code(run), 'bad-proof', p.description ?? 'invalid proof');
    }
  });
}

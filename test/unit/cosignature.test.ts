/**
 * C2SP tlog-cosignature v1 (Ed25519) against a second implementation written
 * here from the spec text with node:crypto alone: the key ID
 * SHA-256(name || 0x0A || 0x04 || key)[:4], the signed message
 * "cosignature/v1\ntime <t>\n" || checkpoint text, and the signature
 * base64(key ID || u64 big-endian timestamp || signature). Ed25519 is
 * deterministic, so both must produce the same line byte for byte.
 */
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import t from 'tap';
import {
  cosign,
  cosignerVerifierOf,
  formatCosignerPrivateKey,
  generateCosigner,
  openCosignatures,
  parseCosignerKey,
  parseCosignerPrivateKey,
} from '../../src/crypto/cosignature.ts';
import { generateSigner, parseVerifierKey, signNote } from '../../src/crypto/note.ts';
import { nativeVerify } from '../../src/platform/node-ed25519.ts';
import { errorCode as code } from '../helpers/error-code.ts';

// RFC 8410 PKCS#8 and SPKI prefixes for a raw Ed25519 seed and public key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The spec, written out independently of src/. */
function referenceCosignature(name: string, seed: Uint8Array, checkpointText: string, time: number): string {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const keyId = createHash('sha256')
    .update(name)
    .update(Buffer.from([0x0a, 0x04]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
  const message = Buffer.from(`cosignature/v1\ntime ${time}\n${checkpointText}`, 'utf8');
  const signature = nodeSign(null, message, privateKey);
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64BE(BigInt(time));
  return `\u2014 ${name} ${Buffer.concat([keyId, timestamp, signature]).toString('base64')}\n`;
}

function referenceVerify(vkey: string, checkpointText: string, line: string): { ok: boolean; time: number } {
  const [name, , key] = [vkey.slice(0, vkey.indexOf('+')), '', vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1)];
  const keyBytes = Buffer.from(key, 'base64');
  if (keyBytes[0] !== 0x04) return { ok: false, time: -1 };
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, keyBytes.subarray(1)]), format: 'der', type: 'spki' });
  const [dash, lineName, body] = line.trimEnd().split(' ');
  const bytes = Buffer.from(body!, 'base64');
  if (dash !== '\u2014' || lineName !== name || bytes.length !== 4 + 8 + 64) return { ok: false, time: -1 };
  const time = Number(bytes.readBigUInt64BE(4));
  const message = Buffer.from(`cosignature/v1\ntime ${time}\n${checkpointText}`, 'utf8');
  return { ok: nodeVerify(null, message, publicKey, bytes.subarray(12)), time };
}

const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const witness = generateCosigner('witness.example/w1', seed);
const logSigner = generateSigner('example.com/log', new Uint8Array(32).fill(7));
const text = 'example.com/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const TIME = 1679315147;

t.test('our cosignature equals the reference one byte for byte, and each verifies the other', async (t) => {
  const ours = cosign(text, witness, TIME);
  t.equal(ours, referenceCosignature(witness.name, seed, text, TIME));
  const vkey = cosignerVerifierOf(witness).vkey;
  t.match(vkey, /^witness\.example\/w1\+[0-9a-f]{8}\+B[A-P]/, 'a vkey of signature type 0x04 (base64 "B…")');
  t.same(referenceVerify(vkey, text, ours), { ok: true, time: TIME });
  t.same(referenceVerify(vkey, text.replace('20852163', '20852164'), ours).ok, false, 'bound to the checkpoint text');

  const note = `${signNote(text, [logSigner])}${referenceCosignature(witness.name, seed, text, TIME + 5)}`;
  const opened = openCosignatures(note, [parseCosignerKey(vkey)], nativeVerify);
  t.same(opened.valid, [{ vkey, name: witness.name, timestamp: TIME + 5 }], 'the time is read back as signed');
  t.same(opened.invalid, []);
});

t.test('opening: unknown keys ignored, a bad cosignature reported, a signature key is not a cosigner key', async (t) => {
  const vkey = cosignerVerifierOf(witness).vkey;
  const other = generateCosigner('witness.example/w2', new Uint8Array(32).fill(9));
  const base = signNote(text, [logSigner]);
  const note = `${base}${cosign(text, other, TIME)}${cosign(text, witness, TIME)}`;
  t.same(
    openCosignatures(note, [parseCosignerKey(vkey)]).valid.map((c) => c.name),
    ['witness.example/w1'],
  );

  // The time is signed: changing it breaks the signature.
  const line = cosign(text, witness, TIME);
  const bytes = Buffer.from(line.trimEnd().split(' ')[2]!, 'base64');
  bytes.writeBigUInt64BE(BigInt(TIME + 1), 4);
  const tampered = `${base}\u2014 ${witness.name} ${bytes.toString('base64')}\n`;
  const opened = openCosignatures(tampered, [parseCosignerKey(vkey)]);
  t.same(opened.valid, []);
  t.equal(opened.invalid.length, 1);

  // A plain note signature (type 0x01) by the same seed and name has another key ID: not a cosignature.
  const plain = generateSigner(witness.name, seed);
  t.not(plain.keyId, witness.keyId);
  t.same(openCosignatures(signNote(text, [logSigner, plain]), [parseCosignerKey(vkey)]).valid, []);
  t.equal(
    code(() =>
      parseCosignerKey(`${plain.name}+${plain.keyId.toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.from([1]), plain.publicKey]).toString('base64')}`),
    ),
    'bad-verifier-key',
  );
  t.equal(
    code(() => parseVerifierKey(vkey)),
    'bad-verifier-key',
    'a cosigner key is not a log key',
  );
});

t.test('cosigner private keys round-trip and keep their type', async (t) => {
  const text = formatCosignerPrivateKey(witness);
  t.match(text, /^PRIVATE\+KEY\+witness\.example\/w1\+[0-9a-f]{8}\+B[A-P]/);
  t.same(parseCosignerPrivateKey(text), witness);
});

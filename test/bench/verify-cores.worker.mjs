// The all-core baseline of `npm run bench -- ingest-postgres`: Node's native
// Ed25519 (OpenSSL through node:crypto) verifying the signatures of the same
// reading notes the service is sent, on one worker thread per core, with
// each device's KeyObject built once (as the service caches them). Plain
// JavaScript: Node 20 does not carry tsx's loader into worker threads.
//
// workerData: { items: [{ key: Uint8Array(32), message: Uint8Array, signature: Uint8Array }] }
// Each message from the parent ('warm' or 'go') verifies every item once and
// answers { ms, verified }.
import { createPublicKey, verify } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

// RFC 8410 SubjectPublicKeyInfo prefix of a raw Ed25519 public key.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
const items = workerData.items.map(({ key, message, signature }) => {
  const id = Buffer.from(key).toString('base64');
  let object = keys.get(id);
  if (object === undefined) {
    object = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(key)]), format: 'der', type: 'spki' });
    keys.set(id, object);
  }
  return { key: object, message: Buffer.from(message), signature: Buffer.from(signature) };
});

parentPort.on('message', () => {
  const t0 = performance.now();
  let verified = 0;
  for (const item of items) if (verify(null, item.message, item.key, item.signature)) verified++;
  parentPort.postMessage({ ms: performance.now() - t0, verified });
});

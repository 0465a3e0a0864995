/**
 * One error class with a closed set of codes. Every code maps to one HTTP
 * status, so routes never choose statuses themselves and clients can branch on
 * the stable `code` of an RFC 9457 problem document (RFC 9457 §3.1: members
 * beyond `type`, `title`, `status`, `detail` are extensions; `code` is ours).
 *
 * Pure: imported by crypto/ and domain/, which must run in a browser.
 */
export const errorStatus = {
  // Request shape and transport.
  'bad-request': 400,
  'schema-violation': 400,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'not-found': 404,
  'method-not-allowed': 405,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  'internal-error': 500,
  unavailable: 503,
  'rate-limited': 429,
  // The request line and headers, refused before any route runs (RFC 9110 §15.5.15, RFC 6585 §5).
  'bad-url': 400,
  'uri-too-long': 414,
  'headers-too-large': 431,
  'request-timeout': 408,
  // Conditional and range requests of the static files (Swagger UI's, @fastify/static): RFC 9110 §13.1.1, §14.2.
  'precondition-failed': 412,
  'range-not-satisfiable': 416,

  // Encodings (docs/design.md §2).
  'bad-base64': 400,
  'bad-hash': 400,
  'bad-time': 400,
  'bad-wh': 400,
  'bad-hex': 400,
  'bad-utf8': 400,

  // Signed notes and keys (C2SP signed-note).
  'bad-note': 400,
  'bad-signature': 400,
  'bad-verifier-key': 400,
  'bad-signer-name': 400,
  'unknown-signer': 400,
  'extra-signature': 400,
  'non-canonical-json': 400,
  'bad-private-key': 400,

  // Entries and readings.
  'wrong-log': 400,
  'unknown-kind': 400,
  'unknown-device': 404,
  'unknown-participant': 404,
  /** A device's owner or a contract's buyer has another role than its part needs (src/domain/owner-role.ts). */
  'participant-role-mismatch': 422,
  /** A contract names a consumption meter: a contract sells the output of a generator's wind, solar or storage device. */
  'device-not-generation': 422,
  'unknown-contract': 404,
  'not-device-owner': 403,
  'no-valid-key': 400,
  'seq-gap': 409,
  'seq-conflict': 409,
  'bad-prev': 409,
  'misaligned-interval': 400,
  'interval-too-long': 400,
  'future-interval': 400,
  'overlapping-interval': 409,
  'before-commissioning': 400,
  'energy-exceeds-capacity': 400,
  'too-many-entries': 413,
  duplicate: 409,

  // The Merkle log (RFC 9162 §2.1).
  'index-out-of-range': 400,
  'size-out-of-range': 400,
  'unknown-checkpoint': 404,
  'bad-proof': 400,
  'bad-checkpoint': 400,
  'inconsistent-checkpoint': 409,
  'key-mismatch': 500,
  'config-mismatch': 500,
  /** Another process holds the embedded database's directory (src/data-dir-lock.ts). */
  'data-dir-in-use': 500,
  /** An applied migration file differs from the one applied (src/db/migrate.ts). */
  'migration-changed': 500,

  // Operator key rotation (README "Rotating the operator key").
  /** No next operator key is staged (GRIDPROOF_NEXT_OPERATOR_KEY or $DATA_DIR/operator.next.key). */
  'next-key-missing': 409,
  /** The staged key cannot replace the operator key: another name, the key in force itself, or a file others can read. */
  'bad-next-key': 422,
  /** Another process rotated the operator key and this one does not hold the new key: it appends nothing until restarted with it. */
  'operator-key-rotated': 503,
  /**
   * The rotation is logged and in force (this process signs with the new key), but the key files
   * for a restart could not be written: a server-side failure the operator must finish by hand.
   */
  'key-files-not-written': 500,

  // Witnesses (C2SP tlog-witness "add-checkpoint").
  'unknown-log': 404,
  'bad-log-signature': 403,
  'inconsistent-proof': 422,
  'witness-unavailable': 503,

  // Matching, claims, bundles.
  'nothing-to-claim': 409,
  'bad-period': 400,
  'bad-bundle': 400,
  // A settlement the planner produced breaks the settlement rules (docs/design.md §5): it is not
  // appended, and the run fails with the rule's code, the one the verifier and the monitor report.
  'settlement-mismatch': 500,
  'allocation-mismatch': 500,
  'source-over-allocated': 500,
  'sink-over-allocated': 500,
  'storage-mismatch': 500,
  // Certificates and exports are made only from a claim's bundle that verifies.
  'unverified-bundle': 422,
  /** A bundle that verifies but is of a period, not of a claim: nothing to certify (docs/exports.md). */
  'not-a-claim': 422,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatus;

export class GridproofError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;

  constructor(code: ErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'GridproofError';
    this.code = code;
    this.detail = detail;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export function isGridproofError(value: unknown): value is GridproofError {
  return value instanceof GridproofError;
}

/**
 * What each error code means and what a client should do about it: the text
 * of the page its problem `type` names (/problems/{code}, src/routes/problem-pages.ts;
 * docs/api.md "Errors"). One entry per code of src/errors.ts, held to that by
 * the `satisfies` below: a code added there without an explanation here fails
 * the type check. The status is never repeated here; it is errorStatus's.
 */
import type { ErrorCode } from './errors.ts';

export const errorExplanation = {
  'bad-request':
    'The request cannot be read as the route expects (for example a body that is not valid JSON). Fix the request as the detail says; sending it again unchanged gives the same answer.',
  'schema-violation':
    'The body, query or path does not follow the route’s schema (the OpenAPI document at /docs/json). The detail names the field; correct it and send the request again.',
  'payload-too-large': 'The body is larger than the service accepts. Send less at a time, for example fewer entries per request.',
  'unsupported-media-type': 'The body is not in a media type the route reads. Send it as application/json with that Content-Type.',
  'not-found': 'Nothing exists at this path, or the thing it names (a claim, an asset) does not exist. Check the path and the identifier.',
  'method-not-allowed':
    'The path exists but not with this HTTP method. Use one of the methods the Allow header of the answer (and the OpenAPI document) lists for it.',
  unauthorized: 'The request carries no bearer token, or one the service does not know. Send Authorization: Bearer <token> with the token you were given.',
  forbidden:
    'The token is valid, but its participant may not do or read this; the detail says whom the token signs in as and what is needed. Use the token of a participant with the role or ownership the route needs.',
  conflict:
    'The request would create something that already exists (a participant, device or contract with this id). Choose another id, or use the one that exists.',
  'internal-error': 'The service failed in a way it did not expect; the failure is logged. Try again later, and tell the operator if it persists.',
  unavailable:
    'The database does not answer, the service is too busy, or a deadlock was broken by rolling the request back. Wait as long as Retry-After says and send the same request again.',
  'rate-limited': 'This client sent more requests in a minute than it may. Wait as long as Retry-After says before sending more.',
  'bad-url': 'The URL cannot be decoded (a bad percent-encoding). Percent-encode the path and query correctly.',
  'uri-too-long': 'A path parameter is longer than the service accepts (200 characters). No valid identifier is that long; check the URL.',
  'headers-too-large': 'The request’s headers are larger than the service accepts. Send fewer or shorter headers.',
  'request-timeout': 'The request was not received in full in time. Send it again, all at once.',
  'precondition-failed': 'A condition of the request (If-Match, If-Unmodified-Since) does not hold for the file. Fetch it again without the condition.',
  'range-not-satisfiable':
    'No part of the requested Range lies within the file; Content-Range gives its length. Ask for a range inside it, or for the whole file.',

  'bad-base64': 'A value that must be standard base64 is not. Encode it with the standard alphabet and padding.',
  'bad-hash': 'A hash is not 32 bytes of standard base64 (44 characters). Send the SHA-256 value as the API shows it.',
  'bad-time': 'A time is not exactly YYYY-MM-DDTHH:MM:SSZ in UTC. Write it in that form.',
  'bad-wh': 'An energy amount is not a decimal string of whole Wh within range. Send it as digits in a JSON string, such as "2150000".',
  'bad-hex': 'A value that must be lowercase hexadecimal of even length is not. Encode it as two lowercase hex digits per byte.',
  'bad-utf8': 'Text is not valid UTF-8, or holds NUL or a lone surrogate. Send well-formed text.',

  'bad-note':
    'An entry is not a well-formed C2SP signed note as the README describes (header line, one line of canonical JSON, a blank line, a signature line). Rebuild it in that form.',
  'bad-signature': 'A signature does not verify over the note’s text. Sign the exact bytes sent, with the key the entry claims.',
  'bad-verifier-key': 'A verifier key is not <name>+<key ID>+<base64 key> with a valid Ed25519 public key. Send the key string the keygen command printed.',
  'bad-signer-name': 'A signer name is empty or holds a space or a plus sign. Choose a name without them.',
  'unknown-signer':
    'No key the entry needs signed it: the signature line names a key the log does not know for this entry. Sign with the key registered for it.',
  'extra-signature': 'The entry carries more than one signature line. Send it with exactly the one signature its kind requires.',
  'non-canonical-json':
    'The payload is not in RFC 8785 canonical form (sorted keys, no spaces, one spelling of each value). Serialise it canonically before signing.',
  'bad-private-key': 'A private key file is not in the C2SP PRIVATE+KEY form. Use a file written by the keygen command.',

  'wrong-log': 'The entry names another log in its log field. Sign entries for the origin of the log you post them to.',
  'unknown-kind': 'The entry’s kind is not one the log knows. Use one of the kinds of schemas/entries/.',
  'unknown-device': 'No device with this id is registered. Check the id, or ask the operator to register the device first.',
  'unknown-participant': 'No participant with this id is registered. Check the id, or ask the operator to register the participant first.',
  'participant-role-mismatch':
    'The participant named has another role than its part in the entry needs: wind, solar and storage devices belong to a generator, consumption meters to a tenant, and a contract’s buyer is a tenant. Name a participant of the role the detail gives.',
  'device-not-generation':
    'The contract names a consumption meter, which has no output to sell: a contract sells the output of a wind, solar or storage device to a tenant. Name the generator’s device the tenant buys from.',
  'unknown-contract': 'No contract with this id is registered. Check the id.',
  'not-device-owner': 'The reading is for a device that the token’s participant does not own. Post readings only with the owner’s token.',
  'no-valid-key':
    'No key of the device that is valid for the reading’s interval signed it. Sign with the device’s key for that interval, or have the operator add one.',
  'seq-gap': 'The reading’s seq skips readings the log does not have yet. Post the missing readings of the device first, in order.',
  'seq-conflict': 'The log already holds a different reading with this seq for the device. Fetch the chain head and continue from it.',
  'bad-prev': 'The reading’s prev is not the leaf hash of the device’s previous reading. Chain it to the head the log holds.',
  'misaligned-interval': 'The interval does not start and end on the log’s interval boundaries. Align it to the metering interval.',
  'interval-too-long': 'The interval is longer than one metering interval. Split it into one reading per interval.',
  'future-interval': 'The interval has not ended yet. Post the reading after its end.',
  'overlapping-interval': 'The interval overlaps a reading of the same device already logged. Post each interval once.',
  'before-commissioning': 'The interval lies before the device’s commissioning date, when no key of it can be valid. Check the reading’s times.',
  'energy-exceeds-capacity': 'The reading holds more energy than the device’s capacity allows in its interval. Check the meter’s figures.',
  'too-many-entries': 'The request holds more entries than one request may (1000). Send them in smaller batches.',
  duplicate: 'The same entry is already logged; nothing was appended. Treat it as accepted.',

  'index-out-of-range': 'The entry index is not below the log’s size. Ask for an index the latest checkpoint covers.',
  'size-out-of-range': 'The tree size is zero, larger than the log, or the sizes are in the wrong order. Use sizes the log’s checkpoints have.',
  'unknown-checkpoint': 'The log has no stored checkpoint of this size. Use the size of a checkpoint the log published.',
  'bad-proof': 'A Merkle proof does not lead to the root it should. It was not made for this tree; fetch it again from the log.',
  'bad-checkpoint': 'A checkpoint is not a well-formed signed note of the log (origin, size, root hash, signature). Send it as the log published it.',
  'inconsistent-checkpoint':
    'A checkpoint contradicts one already known for the log: the log has shown two histories. Keep both as evidence and tell the certifier.',
  'key-mismatch':
    'A key does not match what the log holds (the log key’s name, or the operator key in force). The operator must start the service with the log’s own keys.',
  'config-mismatch':
    'The service’s configuration (origin, interval) differs from the one the log was created with. The operator must start it with the log’s settings.',
  'data-dir-in-use': 'Another gridproof process holds the data directory. Stop that process, or use another directory.',
  'migration-changed':
    'A database migration that was applied has been edited since. The operator must restore the applied file; applied migrations are never edited.',

  'next-key-missing': 'No next operator key is staged. The operator stages one (GRIDPROOF_NEXT_OPERATOR_KEY or operator.next.key) before rotating.',
  'bad-next-key':
    'The staged key cannot replace the operator key: it has another name, is the key in force, is not the key the request names, or others can read its file. Stage a fitting key.',
  'operator-key-rotated':
    'Another process rotated the operator key and this one does not hold the new key, so it appends nothing. The operator restarts it with the new key.',
  'key-files-not-written':
    'The rotation is logged and in force, but the key files for a restart could not be written. The operator fixes the cause the detail names and restarts, or moves the files by hand; asking again logs nothing.',

  'unknown-log':
    'The witness knows no log with the checkpoint’s origin (its first line). The witness’s operator adds the log by starting the witness with --log and the log’s verifier key (GET /v1/log/key on the log’s service; docs/witnesses.md), or the log is sending to the wrong witness.',
  'bad-log-signature':
    'No signature of a key the witness trusts for this log verifies on the checkpoint. Send the checkpoint as the log signed it; if it was, the witness trusts another key of that name, and its operator restarts it with --log and the key GET /v1/log/key serves.',
  'inconsistent-proof':
    'The consistency proof does not lead from the checkpoint the witness holds to the new one. Send a proof from the size the witness last cosigned.',
  'witness-unavailable': 'Not enough witnesses answered to cosign the checkpoint. Try again later.',

  'nothing-to-claim': 'The period holds no matched energy of this tenant that is not claimed already. Choose another period, or run matching first.',
  'bad-period': 'The period ends before it starts or spans more than 366 days. Send a shorter period in the right order.',
  'bad-bundle': 'The body is not a proof bundle of this format. Send the bundle as the service produced it.',
  'settlement-mismatch':
    'A settlement the matching run planned breaks the settlement rules, so it was not logged and the run failed. Tell the operator; this is a bug in the service.',
  'allocation-mismatch':
    'A settlement the matching run planned allocates energy wrongly, so it was not logged and the run failed. Tell the operator; this is a bug in the service.',
  'source-over-allocated':
    'A settlement the matching run planned gives away more than a reading exported, so it was not logged. Tell the operator; this is a bug in the service.',
  'sink-over-allocated':
    'A settlement the matching run planned gives a reading more than it imported, so it was not logged. Tell the operator; this is a bug in the service.',
  'storage-mismatch': 'A settlement the matching run planned breaks the storage rules, so it was not logged. Tell the operator; this is a bug in the service.',
  'unverified-bundle': 'The claim’s bundle does not verify, so no certificate or export is made from it. Verify the bundle to see why.',
  'not-a-claim':
    'The bundle verifies, but it is a bundle of a period and proves no claim, so there is nothing to certify or export. Use the bundle of a claim (GET /v1/claims/{id}/bundle).',
} as const satisfies Record<ErrorCode, string>;

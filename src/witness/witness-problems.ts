/**
 * The codes the witness answers with, and what each means at a witness and
 * what to do: the one table its /problems/{code} pages are made from
 * (src/routes/problem-pages.ts, the main service's renderer and routes), so
 * the `type` of every problem document it sends resolves
 * (docs/witnesses.md). A code that means the same as on the main service
 * takes the main service's explanation (src/error-explanations.ts), never a
 * copy of it; the others say what they mean here. The tests provoke each
 * code from a real witness process and follow its `type`.
 */
import { errorExplanation } from '../error-explanations.ts';
import type { ErrorCode } from '../errors.ts';
import type { ProblemSite } from '../routes/problem-pages.ts';

/** The witness's request body limit: a checkpoint with 63 proof lines and a hundred signatures fits easily. */
export const WITNESS_BODY_LIMIT = 64 * 1024;

export const witnessProblemExplanation = {
  'bad-request':
    'The add-checkpoint request cannot be read (C2SP tlog-witness): its body is "old <size>" on the first line, up to 63 consistency proof lines of one base64 hash each, an empty line, then the checkpoint note exactly as the log signed it; the old size may not be beyond the checkpoint’s size. The detail says what is wrong; fix the request, since sending it unchanged gives the same answer.',
  'payload-too-large': `The body is over the witness’s limit of ${WITNESS_BODY_LIMIT / 1024} KiB, which an add-checkpoint request with 63 proof lines and a hundred signatures fits easily. Send only the add-checkpoint text: the old size, the proof and the checkpoint note.`,
  'not-found':
    'The witness has nothing at this path: it takes POST /add-checkpoint (C2SP tlog-witness) and serves the pages of its problem codes under /problems. Check the witness’s base URL (in GRIDPROOF_WITNESSES on the log’s side) and the code’s name.',
  'method-not-allowed':
    'The path exists, but not with this HTTP method: /add-checkpoint takes POST, and the problem pages GET. Use one of the methods the Allow header of the answer lists.',
  'bad-url': errorExplanation['bad-url'],
  'uri-too-long': errorExplanation['uri-too-long'],
  'headers-too-large': errorExplanation['headers-too-large'],
  'internal-error':
    'The witness failed in a way it did not expect, for example its state directory could not be read or written; the failure is in its log, and it cosigned nothing. Try again later, and tell the witness’s operator if it persists.',
  'unknown-log': errorExplanation['unknown-log'],
  'bad-log-signature': errorExplanation['bad-log-signature'],
  'inconsistent-proof': errorExplanation['inconsistent-proof'],
} as const satisfies Partial<Record<ErrorCode, string>>;

export type WitnessProblemCode = keyof typeof witnessProblemExplanation;

/** The witness's problem pages: its codes, and no home page or other sets of codes to link. */
export const witnessProblemSite: ProblemSite = {
  name: 'gridproof witness',
  nav: [['/problems', 'problem codes']],
  explanation: witnessProblemExplanation,
  intro:
    '<p>A gridproof witness cosigns a log’s checkpoints (C2SP tlog-witness, <code>POST /add-checkpoint</code>). It answers every refusal as an RFC 9457 problem document (application/problem+json) with a stable <code>code</code>; its <code>type</code> is the page of that code. ' +
    'An old size that is not the size it last cosigned, or another root for that size, is not a problem document: it is 409 with the size last cosigned (<code>text/x.tlog.size</code>), from which the log sends its proof again.</p>',
  otherSets: false,
};

/**
 * What each reason of a bundle verdict means and what its reader should do:
 * the text of /problems/verify/{code} (src/routes/problem-pages.ts), which the
 * CLI's verdict and the Verify page point to (docs/exports.md "When a bundle
 * does not verify"). One entry per reason code of the verifier
 * (src/domain/bundle/bundle-types.ts bundleCodes), held to that by the
 * `satisfies` below: a code added there without an explanation here fails
 * the type check. bundleCodes says exactly what the verifier checks; this
 * says what a failure tells an auditor. Reasons are not API errors
 * (src/error-explanations.ts), although some share a name with one.
 *
 * Pure: the browser's Verify page imports it.
 */
import type { BundleCode } from './domain/bundle/bundle-types.ts';

export const verifyReasonExplanation = {
  'bad-schema':
    'The file is not a proof bundle of this format: a member is missing, extra or of the wrong type, a hash is not strict base64, or the period is not a real interval. Nothing in it was checked further. Get the bundle again from the log’s service (GET /v1/claims/{id}/bundle) and verify the file exactly as downloaded.',
  'bad-media-type':
    'The document’s mediaType is not application/vnd.gridproof.bundle.v1+json: it is another kind of document, or a bundle of another version of the format. Verify a bundle made by the service, unchanged, with a verifier of the same version.',
  'bad-checkpoint':
    'The bundle’s checkpoint is not signed by the log key you gave, or is a checkpoint of another log. Most often the key is wrong: every default install names its log localhost/gridproof, so compare the key ID the detail says signed with the key ID you gave. Get the log key from its operator or your auditor, not from the bundle’s sender. If the key is right, the checkpoint is forged or altered: treat the bundle as untrustworthy.',
  'too-few-cosignatures':
    'Fewer of the witnesses you trust than your quorum validly cosigned the checkpoint, so nothing shows that the log showed everyone the same history. The detail counts them. Ask the operator for a bundle whose checkpoint is cosigned (the witnessed flag says whether the log had one), wait for the witnesses and download it again, or check your witness keys and quorum.',
  'bad-inclusion':
    'An entry’s inclusion proof does not lead to the checkpoint’s root hash, or its index lies outside the checkpoint’s tree: the entry is not in the log the checkpoint signs, or was altered. Get the bundle again from the service; if a fresh bundle fails the same way, report it to the certifier, because the log and its checkpoint disagree.',
  'bad-entry':
    'An entry is not a well-formed entry of this log: not a signed note of the right form, not canonical JSON, not of a known kind, of another log’s origin, with more than one signature line, or a key entry whose key cannot be used. The bytes were changed or made by something other than the log. Get the bundle again; a fresh bundle that fails so points to a fault in the service.',
  'bad-signature':
    'An entry is not signed by the key that must sign it, or its signature does not verify. For entry 0 this most often means the log key given is another log’s: the detail names the key that signed and the key given. Otherwise the entry was altered or forged: treat the bundle as untrustworthy and report it.',
  'no-valid-key':
    'No key entry in the bundle, logged before the entry, is valid for it: for a reading, no key of its device was valid over its interval. The bundle lacks a key entry it needs, or the reading was signed by a key not registered for that time. Get the bundle again; if it still fails, the reading is not proven to come from its device.',
  'missing-entry':
    'An entry the statement rests on is not in the bundle (the detail names it), so part of the statement cannot be checked. The bundle was cut short or edited. Get it again from the service, unchanged.',
  'duplicate-entry':
    'The same index or the same entry bytes appear twice, or a device is registered twice. An honest bundle carries each entry once. Get it again from the service, unchanged.',
  'broken-chain':
    'A device’s readings do not chain: a reading does not name the one before it, or their order in the log and in time disagree, or a seq is used twice. Readings were left out, reordered or replaced. Get the bundle again; if it still fails, the device’s meter data in the log is not one unbroken series: report it to the certifier.',
  'allocation-mismatch':
    'An allocation of energy breaks the settlement rules: it goes to a reading of another hour or zone, is empty, goes from storage to storage, or uses a contract that does not fit. The energy it moves is not proven. Report the bundle to the operator and the certifier; the monitor finds the same in the whole log.',
  'source-over-allocated':
    'A source reading gives away more energy than it exported: some energy is counted twice. The matched energy is not proven. Report the bundle to the operator and the certifier.',
  'sink-over-allocated':
    'A consuming reading is given more energy than it imported: the matched figures are too high. Report the bundle to the operator and the certifier.',
  'storage-mismatch':
    'A battery discharge does not rest on charges held by earlier settlements, or draws more than they hold after the battery’s losses. The stored energy it passes on is not proven green. Report the bundle to the operator and the certifier.',
  'settlement-mismatch':
    'A settlement entry does not add up or is not well formed: a source’s totals disagree with its allocations or its reading, sources are listed out of order or twice, or an hour and zone are settled twice. The matching in the log is not proven. Report the bundle to the operator and the certifier.',
  'statement-mismatch':
    'A figure of the statement (consumed, matched, CFE score, emissions, a source’s Wh, the period) differs from the one recomputed from the signed entries: the statement was edited after it was made, or made wrongly. Trust only figures recomputed from the entries; get the bundle again from the service, unchanged.',
  'claim-mismatch':
    'The claim entry and the statement disagree, or the claimed allocations are not whole allocations of the tenant in the period, oldest first, adding up to the claimed Wh. The claim is not proven as stated. Get the bundle again; if it still fails, do not rely on the claim and report it.',
  'foreign-entry':
    'The bundle carries an entry the statement does not rest on: another tenant’s reading or claim, an unrelated settlement, or a reading outside the period. An honest bundle carries only what its statement needs (and registry entries). Get it again from the service, unchanged.',
} as const satisfies Record<BundleCode, string>;

/** The page of a reason code, relative to a gridproof service: beside /problems/{code}, so a reason never reads as an API error. */
export const verifyReasonPage = (code: BundleCode): string => `/problems/verify/${code}`;

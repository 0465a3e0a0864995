/**
 * The proof bundle (docs/design.md §6): one JSON
 * document, media type application/vnd.gridproof.bundle.v1+json, whose JSON
 * Schema is schemas/bundle.json. These types mirror that schema; the server's
 * builder fills them and the offline verifier (verify-bundle.ts) checks them.
 */
import type { ClaimPurpose, DeviceType, HashB64, Instant, WhString } from '../payloads.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.gridproof.bundle.v1+json';

/** One log entry: its index, its exact note text, and its inclusion proof against the bundle's checkpoint. */
export interface BundleEntry {
  index: number;
  /** The entry's signed note, exactly as logged (its UTF-8 bytes are the leaf). */
  bytes: string;
  /** RFC 9162 audit path, deepest first, standard base64. */
  proof: HashB64[];
}

/** Matched energy of one interval from one source device. */
export interface StatementSource {
  device: string;
  type: DeviceType;
  /** EECS technology code (EN 16325) of the source device; absent when it declares none. */
  technology?: string;
  wh: WhString;
}

/** One interval of the tenant's consumption (tenant-figures.ts IntervalFigure, score rounded). */
export interface StatementInterval {
  start: Instant;
  end: Instant;
  consumedWh: WhString;
  matchedWh: WhString;
  /** matched / consumed, rounded to 6 decimals (statement.ts scoreOf); 0 when nothing was consumed. */
  cfeScore: number;
  bySource: StatementSource[];
}

/** Only in a claim's bundle: what the claim entry says. */
export interface StatementClaim {
  id: string;
  purpose: ClaimPurpose;
  beneficiary: string;
  wh: WhString;
}

export interface Statement {
  tenant: string;
  /** Half-open [start, end); a claim's period, or the span of the tenant's readings in the bundle. */
  period: { start: Instant; end: Instant };
  claim?: StatementClaim;
  consumedWh: WhString;
  matchedWh: WhString;
  /** Σ matched / Σ consumed over the period, rounded to 6 decimals. */
  cfeScore: number;
  /** Grams of CO2 of the unmatched part at the zone's grid factor, a decimal string; null when the bundle holds no factor for some unmatched hour. */
  unmatchedEmissionsG: WhString | null;
  intervals: StatementInterval[];
}

export interface Bundle {
  mediaType: typeof BUNDLE_MEDIA_TYPE;
  statement: Statement;
  /** The log's signed checkpoint note, with any witness cosignatures after the log's line; every entry's proof is against it. */
  checkpoint: string;
  /**
   * Set by a log that has witnesses: true when the checkpoint is the newest
   * one its quorum cosigned, false when none covering the entries is yet.
   * Informative only: a verifier trusts its own witness policy.
   */
  witnessed?: boolean;
  entries: BundleEntry[];
}

/** The closed set of reasons a bundle fails, with what each means. */
export const bundleCodes = {
  'bad-schema': 'the document does not follow schemas/bundle.json (strict: no extra members, strict base64), or the period is not a real interval',
  'bad-media-type': 'mediaType is not application/vnd.gridproof.bundle.v1+json',
  'bad-checkpoint': 'the checkpoint is not a checkpoint of the pinned log signed by its key',
  'too-few-cosignatures':
    "fewer of the verifier's trusted witnesses than its quorum validly cosigned the checkpoint (only checked when the verifier gives a witness policy)",
  'bad-inclusion': "an entry's inclusion proof does not lead to the checkpoint's root (or its index is outside the tree)",
  'bad-entry':
    'an entry is not a well-formed entry of this log (note format, canonical JSON, payload schema, origin, exactly one signature line), or a key entry holds an unusable key',
  'bad-signature': 'an entry carries a signature of the key that must sign it and it does not verify, or it lacks that signature',
  'no-valid-key': 'no key entry in the bundle, logged before the entry, is valid for it (for a reading: its device key window must hold its interval)',
  'missing-entry':
    'an entry the bundle must carry is absent: entry 0, the source or sink reading of an allocation of the statement, its contract, the settlement holding a drawn charge or a claimed allocation, a device or zone entry, the tenant participant, a reading of a tenant meter between two present ones',
  'duplicate-entry': 'the same index or the same entry bytes appear twice, or a device is registered twice',
  'broken-chain': "a device's readings do not chain: consecutive seqs not linked by prev, seq order not log order or time order, a seq used twice",
  'allocation-mismatch':
    "an allocation goes to a reading that is not of its settlement's interval and zone, is logged after it or is of a device that takes nothing; is of 0 Wh or from storage to storage; names a contract that does not fit (logged after it, another device or tenant, not valid over the interval) or takes beyond the contract's share of a wind or solar reading's export; or a settlement names an entry that is not a reading",
  'source-over-allocated': "a settled source's allocations add up to more than its supplyWh",
  'sink-over-allocated': 'the allocations to a reading add up to more than its import',
  'storage-mismatch':
    "a discharge's draws do not name charges held by earlier settlements, to readings of the same storage device, do not add up to it, or draw beyond a charge after the device's losses; or a non-storage allocation has draws",
  'settlement-mismatch':
    "a settled source's allocatedWh is not the sum of its allocations, its supplyWh is not the reading's export, it is no supply reading of the settlement's interval and zone logged before it; the sources are not listed once each in leaf-hash order or the sinks are not well formed; a reading is settled twice, or two settlements allocate the same interval and zone",
  'statement-mismatch': 'a figure of the statement differs from the one recomputed from the entries, or the period does not match the readings',
  'claim-mismatch':
    "the claim entry and the statement disagree, or the claimed allocations are not whole allocations held by the bundle's settlements, to the tenant in the period, oldest first, adding up to its wh",
  'foreign-entry':
    'an entry the statement does not rest on (another tenant’s reading or claim, a settlement holding none of its allocations nor a charge they draw on, or a reading outside the period); only registry entries may be extra',
} as const;

export type BundleCode = keyof typeof bundleCodes;

export interface BundleReason {
  code: BundleCode;
  detail: string;
}

export interface BundleVerdict {
  /** True only when no reason was found. */
  valid: boolean;
  /** True when valid and a claim entry in the bundle claims exactly the statement's claim. */
  claimed: boolean;
  reasons: BundleReason[];
  /** With a witness policy: the trusted witnesses' valid cosignatures of the checkpoint, each with its time. */
  cosignatures?: { name: string; vkey: string; time: string }[];
  /** The statement as given, when the document followed the schema; trust it only when valid. */
  statement?: Statement;
}

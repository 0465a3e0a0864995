/**
 * The Verify page's witness policy (docs/witnesses.md), without the DOM:
 * the witness keys and quorum a person typed, turned into the policy the
 * verifier applies, the same one `gridproof verify --witness … --quorum N`
 * and POST /v1/verify apply (src/domain/witness-policy.ts), or the coded
 * reason it cannot be used; the service's own witnesses as the form's
 * starting values; and what the verdict found, cosignature by cosignature.
 */
import type { BundleVerdict } from '../../domain/bundle/verify-bundle.ts';
import { checkPolicy, type WitnessPolicy } from '../../domain/witness-policy.ts';
import { isGridproofError } from '../../errors.ts';
import { countOf } from '../../domain/count.ts';

export type PolicyChoice = { policy: WitnessPolicy | undefined } | { error: { code: string; detail: string } };

/** Witness verifier keys, one per line (or separated by spaces: a key has none); each once, in order. */
export function witnessKeys(text: string): string[] {
  return [...new Set(text.split(/\s+/).filter((key) => key !== ''))];
}

/**
 * The policy of the form: none without keys; the quorum empty means all of
 * them. Keys that are not cosigner keys (C2SP tlog-cosignature, type 0x04)
 * and a quorum beyond the keys are refused with the verifier's own codes.
 */
export function policyFromForm(keysText: string, quorumText: string): PolicyChoice {
  const witnesses = witnessKeys(keysText);
  const quorumTrimmed = quorumText.trim();
  if (witnesses.length === 0) {
    return quorumTrimmed === '' ? { policy: undefined } : { error: { code: 'bad-request', detail: 'a quorum needs witness keys' } };
  }
  if (quorumTrimmed !== '' && !/^[0-9]+$/.test(quorumTrimmed)) return { error: { code: 'bad-request', detail: 'the quorum is a whole number' } };
  const policy: WitnessPolicy = { witnesses, ...(quorumTrimmed === '' ? {} : { quorum: Number(quorumTrimmed) }) };
  try {
    checkPolicy(policy);
  } catch (error) {
    if (isGridproofError(error)) return { error: { code: error.code, detail: error.detail } };
    throw error;
  }
  return { policy };
}

/** What GET /v1/log/witnesses says, as far as the form needs it. */
export interface ServiceWitnesses {
  quorum: number;
  witnesses: Array<{ vkey: string }>;
}

/** The form's starting values from the service's configuration: its witnesses and quorum, or nothing when it has none. */
export function policyPrefill(status: ServiceWitnesses): { keys: string; quorum: string } {
  if (status.witnesses.length === 0) return { keys: '', quorum: '' };
  return { keys: status.witnesses.map((w) => w.vkey).join('\n'), quorum: String(status.quorum) };
}

export interface CosignatureView {
  name: string;
  time: string;
  vkey: string;
}

export interface WitnessSummary {
  /** One line for people: how many trusted witnesses cosigned against how many the policy requires. */
  line: string;
  met: boolean;
  cosignatures: CosignatureView[];
}

/** The cosignatures the verifier found valid under the policy; undefined without a policy. */
export function witnessSummary(verdict: BundleVerdict, policy: WitnessPolicy | undefined): WitnessSummary | undefined {
  if (policy === undefined) return undefined;
  const required = policy.quorum ?? policy.witnesses.length;
  const cosignatures = (verdict.cosignatures ?? []).map((c) => ({ name: c.name, time: c.time, vkey: c.vkey }));
  const met = cosignatures.length >= required && !verdict.reasons.some((r) => r.code === 'too-few-cosignatures');
  const of = `${cosignatures.length} of ${countOf(policy.witnesses.length, 'trusted witness', 'trusted witnesses')} validly cosigned the checkpoint`;
  return { line: `${of}; ${required} required: ${met ? 'the quorum is met' : 'too few'}`, met, cosignatures };
}

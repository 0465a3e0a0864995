/**
 * A verifier's witness policy (docs/witnesses.md): the witnesses it trusts
 * (cosigner vkeys, C2SP tlog-cosignature v1) and how many of them must have
 * cosigned the checkpoint a bundle rests on. A cosignature says the witness
 * saw that tree consistent with every tree it saw before, so a quorum of
 * independent witnesses rules out a split view shown to this verifier alone.
 */
import { openCosignatures, parseCosignerKey } from '../crypto/cosignature.ts';
import type { VerifyFn } from '../crypto/ed25519.ts';
import { GridproofError } from '../errors.ts';

export interface WitnessPolicy {
  witnesses: string[];
  /** Default: all of them. */
  quorum?: number;
}

export interface CosignatureSeen {
  name: string;
  vkey: string;
  /** When the witness cosigned, ISO 8601 UTC. */
  time: string;
}

export interface PolicyResult {
  cosignatures: CosignatureSeen[];
  /** Undefined when the quorum is met. */
  shortfall: string | undefined;
}

/** Parses the policy; malformed keys or quorum are unusable input ('bad-verifier-key', 'bad-request'). */
export function checkPolicy(policy: WitnessPolicy): { keys: ReturnType<typeof parseCosignerKey>[]; quorum: number } {
  const keys = policy.witnesses.map((vkey) => parseCosignerKey(vkey));
  const quorum = policy.quorum ?? keys.length;
  if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > keys.length) {
    throw new GridproofError('bad-request', `the quorum is 1 to ${keys.length}, the number of trusted witnesses`);
  }
  return { keys, quorum };
}

export function applyWitnessPolicy(checkpointNote: string, policy: WitnessPolicy, verify: VerifyFn): PolicyResult {
  const { keys, quorum } = checkPolicy(policy);
  let opened: ReturnType<typeof openCosignatures>;
  try {
    opened = openCosignatures(checkpointNote, keys, verify);
  } catch {
    return { cosignatures: [], shortfall: 'the checkpoint is not a signed note' };
  }
  const cosignatures = opened.valid.map((c) => ({ name: c.name, vkey: c.vkey, time: new Date(c.timestamp * 1000).toISOString().replace('.000Z', 'Z') }));
  if (cosignatures.length >= quorum) return { cosignatures, shortfall: undefined };
  const bad = opened.invalid.map((i) => `; ${i.detail}`).join('');
  return { cosignatures, shortfall: `${cosignatures.length} valid cosignature(s) by trusted witnesses, ${quorum} required${bad}` };
}

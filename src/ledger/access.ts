/**
 * Who may do and read what: the one place the API's access rules live. Use
 * cases call these before any work is done for a request; routes never decide
 * access themselves (a route may name its action, and routes/auth.ts then
 * calls allow() before the body is read). A token identifies one participant
 * and its role.
 */
import { toBase64 } from '../crypto/base64.ts';
import { entryOwner } from '../db/entry-owner.ts';
import { findByTokenHash, findDevice } from '../db/registry.ts';
import { findClaim, type ClaimRow } from '../db/tenants.ts';
import type { Role } from '../domain/payloads.ts';
import { GridproofError } from '../errors.ts';
import type { Ledger } from './ledger.ts';
import { tokenHash } from './tokens.ts';

/** The participant a request acts as. */
export interface Caller {
  id: string;
  role: Role;
  /** The name the operator registered: what a person knows the participant by (GET /v1/me, docs/api.md). */
  name: string;
}

/**
 * A 403 whose detail starts with whom the token signs in as: the registered
 * name a person recognises, then the id and role the rules go by, so whoever
 * reads it sees at once whether they used the wrong token.
 */
function forbidden(caller: Caller, why: string): GridproofError {
  return new GridproofError('forbidden', `signed in as ${caller.name} (${caller.id}, ${caller.role}); ${why}`);
}

/** Actions admitted by role alone. */
const ROLES = {
  register: ['operator'],
  'rotate-operator-key': ['operator'],
  'run-matching': ['operator'],
  'post-readings': ['generator', 'tenant'],
  claim: ['tenant'],
  'read-entry-range': ['operator', 'certifier'],
  'check-chain': ['operator', 'certifier', 'generator', 'tenant'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof ROLES;

export function allow(caller: Caller, action: Action): void {
  const roles: readonly Role[] = ROLES[action];
  if (!roles.includes(caller.role)) throw forbidden(caller, `this needs the role ${roles.join(' or ')}`);
}

/** The operator and certifiers audit everything. */
const auditor = (caller: Caller): boolean => caller.role === 'operator' || caller.role === 'certifier';

/** A tenant reads its own figures, claims and bundles; the operator and certifiers read everyone's. */
export function mayReadTenant(caller: Caller, tenantId: string): void {
  if (auditor(caller) || (caller.role === 'tenant' && caller.id === tenantId)) return;
  throw forbidden(caller, "only the tenant, the operator or a certifier may read a tenant's figures");
}

/** An entry's bytes: its owner (a reading's device owner, a participant itself, a claim's tenant), the operator or a certifier. */
export async function mayReadEntry(ledger: Ledger, caller: Caller, idx: number): Promise<void> {
  if (auditor(caller) || (await entryOwner(ledger.db, idx)) === caller.id) return;
  throw forbidden(caller, 'only the operator, a certifier or the entry owner may read it');
}

/** A device's chain: its owner, the operator or a certifier. An unknown device is left to the use case to report. */
export async function mayCheckDevice(ledger: Ledger, caller: Caller, deviceId: string): Promise<void> {
  allow(caller, 'check-chain');
  if (auditor(caller)) return;
  const device = await findDevice(ledger.db, deviceId);
  if (device && device.owner !== caller.id) throw forbidden(caller, 'only the owner, the operator or a certifier may check this chain');
}

/** A claim and its bundle: whoever may read the claiming tenant. */
export async function readableClaim(ledger: Ledger, caller: Caller, claimId: string): Promise<ClaimRow> {
  const claim = await findClaim(ledger.db, claimId);
  if (!claim) throw new GridproofError('not-found', `no claim ${claimId}`);
  mayReadTenant(caller, claim.tenant_id);
  return claim;
}

/**
 * Bearer tokens to callers. Tokens are never revoked in this version, so a
 * token's participant is remembered after its first use. The one query that
 * finds a token's participant reads its whole row, so the caller's name costs
 * nothing more; a participant is registered once and never renamed
 * (ledger/registry.ts), so the name remembered stays true.
 */
export class Callers {
  readonly #ledger: Ledger;
  readonly #known = new Map<string, Caller>();

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
  }

  async byToken(token: string): Promise<Caller> {
    const hash = tokenHash(token);
    const key = toBase64(hash);
    const known = this.#known.get(key);
    if (known) return known;
    const participant = await findByTokenHash(this.#ledger.db, hash);
    if (!participant) throw new GridproofError('unauthorized', 'unknown token');
    const caller = { id: participant.id, role: participant.role as Role, name: participant.name };
    this.#known.set(key, caller);
    return caller;
  }
}

/** A generator's device list: the generator itself, the operator or a certifier. */
export function mayReadGenerator(caller: Caller, ownerId: string): void {
  if (auditor(caller) || (caller.role === 'generator' && caller.id === ownerId)) return;
  throw forbidden(caller, "only the generator, the operator or a certifier may read a generator's devices");
}

/** Where a device's output went: its owner, the operator or a certifier. An unknown device is left to the use case to report. */
export async function mayReadDeviceOutputs(ledger: Ledger, caller: Caller, deviceId: string): Promise<void> {
  if (auditor(caller)) return;
  const device = await findDevice(ledger.db, deviceId);
  if (!device || device.owner !== caller.id) throw forbidden(caller, "only the owner, the operator or a certifier may read a device's outputs");
}

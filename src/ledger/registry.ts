/**
 * Registry use cases: participants, devices and their keys, zones, contracts.
 * Each is one transaction that appends operator-signed entries and their
 * projections (docs/design.md §2.1).
 */
import { randomBytes } from 'node:crypto';
import { parseVerifierKey } from '../crypto/note.ts';
import type { Tx } from '../db/log.ts';
import {
  findContract,
  findDevice,
  findParticipant,
  insertContract,
  insertCredential,
  insertDevice,
  insertKeyEntry,
  insertParticipant,
  insertZone,
  recordKeyPointChecks,
} from '../db/registry.ts';
import { entryText, parseEntry } from '../domain/entry.ts';
import { aOrAn } from '../domain/count.ts';
import { checkKeyStart } from '../domain/key-rules.ts';
import { OWNER_ROLE } from '../domain/owner-role.ts';
import type { ContractPayload, DevicePayload, KeyPayload, ParticipantPayload, Payload, Role, ZonePayload } from '../domain/payloads.ts';
import { GridproofError } from '../errors.ts';
import { appendInTransaction, sealOperatorEntry, type Appended } from './append.ts';
import type { Ledger } from './ledger.ts';
import { newToken, tokenHash } from './tokens.ts';

type Body<P extends Payload> = Omit<P, 'kind' | 'log'>;

/** Builds a payload and runs it through the same parser a verifier uses. */
function checked<P extends Payload>(ledger: Ledger, payload: P): P {
  parseEntry(`${entryText(payload)}\n`, ledger.origin);
  return payload;
}

function keyRow(appended: Appended, payload: KeyPayload) {
  return {
    entry_idx: appended.idx,
    subject_type: payload.subjectType,
    device_id: payload.subjectId ?? null,
    verifier_key: payload.verifierKey,
    valid_from: new Date(payload.validFrom),
    valid_until: payload.validUntil ? new Date(payload.validUntil) : null,
  };
}

export interface NewParticipant {
  id?: string;
  role: Exclude<Role, 'operator'>;
  name: string;
  legalId?: string;
  country?: string;
}

export async function registerParticipant(ledger: Ledger, input: NewParticipant): Promise<{ id: string; token: string; index: number }> {
  const id = input.id ?? `${input.role}-${randomBytes(4).toString('hex')}`;
  const payload = checked<ParticipantPayload>(ledger, { kind: 'participant', log: ledger.origin, ...input, id });
  const token = newToken();
  return appendInTransaction(ledger, async (tx) => {
    if (await findParticipant(tx, id)) throw new GridproofError('conflict', `participant ${id} already exists`);
    return {
      entries: [sealOperatorEntry(ledger, payload)],
      project: async (tx, [entry]) => {
        await insertParticipant(tx, { id, entry_idx: entry!.idx, role: payload.role, name: payload.name });
        await insertCredential(tx, tokenHash(token), id);
        return { id, token, index: entry!.idx };
      },
    };
  });
}

export interface NewDevice extends Omit<Body<DevicePayload>, 'connection' | 'support'> {
  connection?: DevicePayload['connection'];
  support?: DevicePayload['support'];
  verifierKey: string;
  /** Defaults to the commissioning date, so history can be loaded. */
  keyValidFrom?: string;
}

export async function registerDevice(ledger: Ledger, input: NewDevice): Promise<{ id: string; deviceIndex: number; keyIndex: number }> {
  const { verifierKey, keyValidFrom, ...fields } = input;
  const device = checked<DevicePayload>(ledger, { kind: 'device', log: ledger.origin, connection: 'park-grid', support: 'none', ...fields });
  const verifier = parseVerifierKey(verifierKey);
  const key = checked<KeyPayload>(ledger, {
    kind: 'key',
    log: ledger.origin,
    subjectType: 'device',
    subjectId: device.id,
    verifierKey: verifier.vkey,
    validFrom: keyValidFrom ?? `${device.commissioningDate}T00:00:00Z`,
  });
  checkKeyStart(device.commissioningDate, key.validFrom);
  return appendInTransaction(ledger, async (tx) => {
    if (await findDevice(tx, device.id)) throw new GridproofError('conflict', `device ${device.id} already exists`);
    await requireParticipant(tx, device.owner, OWNER_ROLE[device.type], `the owner of a ${device.type} device`);
    return {
      entries: [sealOperatorEntry(ledger, device), sealOperatorEntry(ledger, key)],
      project: async (tx, [deviceEntry, keyEntry]) => {
        await insertDevice(tx, {
          id: device.id,
          entry_idx: deviceEntry!.idx,
          owner: device.owner,
          type: device.type,
          bidding_zone: device.biddingZone,
          capacity_w: device.capacityW,
          energy_capacity_wh: device.energyCapacityWh === undefined ? null : Number(device.energyCapacityWh),
          efficiency_bp: device.efficiencyBp ?? null,
          eecs_technology: device.eecsTechnology ?? null,
          commissioning_date: device.commissioningDate,
        });
        await insertKeyEntry(tx, keyRow(keyEntry!, key));
        // parseVerifierKey passed it above (docs/design.md §4).
        await recordKeyPointChecks(tx, [{ entry_idx: keyEntry!.idx, passed: true }]);
        return { id: device.id, deviceIndex: deviceEntry!.idx, keyIndex: keyEntry!.idx };
      },
    };
  });
}

export async function addDeviceKey(
  ledger: Ledger,
  deviceId: string,
  input: { verifierKey: string; validFrom: string; validUntil?: string },
): Promise<{ index: number }> {
  const verifier = parseVerifierKey(input.verifierKey);
  const key = checked<KeyPayload>(ledger, {
    kind: 'key',
    log: ledger.origin,
    subjectType: 'device',
    subjectId: deviceId,
    ...input,
    verifierKey: verifier.vkey,
  });
  return appendInTransaction(ledger, async (tx) => {
    const device = await findDevice(tx, deviceId);
    if (!device) throw new GridproofError('unknown-device', `no device ${deviceId}`);
    checkKeyStart(device.commissioning_date, key.validFrom);
    return {
      entries: [sealOperatorEntry(ledger, key)],
      project: async (tx, [entry]) => {
        await insertKeyEntry(tx, keyRow(entry!, key));
        await recordKeyPointChecks(tx, [{ entry_idx: entry!.idx, passed: true }]);
        return { index: entry!.idx };
      },
    };
  });
}

export async function addZone(ledger: Ledger, input: Body<ZonePayload>): Promise<{ index: number }> {
  const zone = checked<ZonePayload>(ledger, { kind: 'zone', log: ledger.origin, ...input });
  return appendInTransaction(ledger, async () => ({
    entries: [sealOperatorEntry(ledger, zone)],
    project: async (tx, [entry]) => {
      await insertZone(tx, { entry_idx: entry!.idx, zone: zone.zone, g_co2_per_kwh: zone.gCO2PerKWh, valid_from: new Date(zone.validFrom) });
      return { index: entry!.idx };
    },
  }));
}

export async function addContract(ledger: Ledger, input: Body<ContractPayload>): Promise<{ id: string; index: number }> {
  const contract = checked<ContractPayload>(ledger, { kind: 'contract', log: ledger.origin, ...input });
  return appendInTransaction(ledger, async (tx) => {
    if (await findContract(tx, contract.id)) throw new GridproofError('conflict', `contract ${contract.id} already exists`);
    const device = await findDevice(tx, contract.device);
    if (!device) throw new GridproofError('unknown-device', `no device ${contract.device}`);
    if (device.type === 'consumption') {
      throw new GridproofError(
        'device-not-generation',
        `device ${device.id} is a consumption meter; a contract sells the output of a wind, solar or storage device`,
      );
    }
    await requireParticipant(tx, contract.tenant, 'tenant', "a contract's buyer");
    return {
      entries: [sealOperatorEntry(ledger, contract)],
      project: async (tx, [entry]) => {
        await insertContract(tx, {
          id: contract.id,
          entry_idx: entry!.idx,
          device_id: contract.device,
          tenant_id: contract.tenant,
          priority: contract.priority,
          share_bp: contract.shareBp ?? null,
          valid_from: new Date(contract.validFrom),
          valid_until: contract.validUntil ? new Date(contract.validUntil) : null,
        });
        return { id: contract.id, index: entry!.idx };
      },
    };
  });
}

/** The participant exists and has the role `what` (the part it plays in the entry) needs. */
async function requireParticipant(tx: Tx, id: string, role: Role, what: string): Promise<void> {
  const participant = await findParticipant(tx, id);
  if (!participant) throw new GridproofError('unknown-participant', `no participant ${id}`);
  if (participant.role !== role) {
    throw new GridproofError('participant-role-mismatch', `participant ${id} is ${aOrAn(participant.role)}, but ${what} must be ${aOrAn(role)}`);
  }
}

/**
 * The replay's registry (replay.ts): key, participant, device and contract
 * entries, each checked against what the log registered before it.
 */
import { parseVerifierKey } from '../../crypto/note.ts';
import type { ContractPayload, DevicePayload, KeyPayload, ParticipantPayload } from '../payloads.ts';
import { keyStartProblem } from '../key-rules.ts';
import { OWNER_ROLE } from '../owner-role.ts';
import { instantMs } from '../time.ts';
import { checkParticipant, isDuplicate, optionalWh, type ReplayContext } from './replay-state.ts';

export function replayKey({ state, report }: ReplayContext, index: number, key: KeyPayload): void {
  const verifier = parseVerifierKey(key.verifierKey); // an unusable key is bad-entry
  if (key.subjectType === 'operator') {
    if (!key.subjectId) state.operatorKey = { vkey: verifier.vkey, index };
    else report('bad-entry', [index], 'an operator key entry names no subject id');
    return;
  }
  const device = key.subjectId === undefined ? undefined : state.devices.get(key.subjectId);
  if (!device) {
    report('unknown-device', [index], `key entry for device ${key.subjectId ?? '(none)'}, which no device entry before it registers`);
    return;
  }
  const early = keyStartProblem(device.commissioningDate, key.validFrom);
  if (early) report('bad-entry', [device.index, index], early);
  device.keys.push({
    entryIdx: index,
    verifierKey: verifier.vkey,
    validFromMs: instantMs(key.validFrom)!,
    validUntilMs: key.validUntil === undefined ? undefined : instantMs(key.validUntil)!,
  });
}

export function replayParticipant({ state, report }: ReplayContext, index: number, participant: ParticipantPayload): void {
  const earlier = state.participants.get(participant.id);
  if (earlier) {
    report('duplicate-registration', [earlier.index, index], `participant ${participant.id} is registered twice`);
    return;
  }
  state.participants.set(participant.id, { index, role: participant.role });
}

export function replayDevice(context: ReplayContext, index: number, device: DevicePayload): void {
  const { state, report } = context;
  const earlier = state.devices.get(device.id);
  if (earlier) {
    report('duplicate-registration', [earlier.index, index], `device ${device.id} is registered twice`);
    return;
  }
  checkParticipant(
    context,
    index,
    `device ${device.id} (${device.type}) belongs to`,
    device.owner,
    OWNER_ROLE[device.type],
    `the owner of a ${device.type} device`,
  );
  state.devices.set(device.id, {
    index,
    owner: device.owner,
    type: device.type,
    zone: device.biddingZone,
    capacityW: device.capacityW,
    commissioningDate: device.commissioningDate,
    energyCapacityWh: optionalWh(device.energyCapacityWh),
    efficiencyBp: device.efficiencyBp,
    keys: [],
    head: undefined,
  });
}

export function replayContract(context: ReplayContext, index: number, hash: string, contract: ContractPayload): void {
  const { state, report } = context;
  if (isDuplicate(context, state.contracts.get(hash)?.index, index)) return;
  const device = state.devices.get(contract.device);
  if (!device) report('unknown-device', [index], `contract ${contract.id} for device ${contract.device}, which no device entry before it registers`);
  checkParticipant(context, index, `contract ${contract.id} for`, contract.tenant, 'tenant', "a contract's buyer");
  state.contracts.set(hash, {
    index,
    device: contract.device,
    tenant: contract.tenant,
    priority: contract.priority,
    shareBp: contract.shareBp,
    validFromMs: instantMs(contract.validFrom)!,
    validUntilMs: contract.validUntil === undefined ? undefined : instantMs(contract.validUntil)!,
  });
}
